using System.Diagnostics;
using TheoryKit.LinearAlgebra;

namespace TheoryKit.Bench;

/// <summary>
/// Quick mode without BenchmarkDotNet: for each shape (both B layouts) and backend, one warm-up product,
/// then the best of <c>reps</c> timed products, printed as GFLOP/s = 2 m n k / seconds. The managed result
/// is compared with OpenBLAS's (max |difference| relative to max |C|) as a sanity check.
/// </summary>
public static class QuickGflops
{
    /// <summary>Runs the quick mode; options: --threads N (default: processor count), --reps N (default 5).</summary>
    public static int Run(string[] args)
    {
        int threads = Options.Int(args, "--threads", Environment.ProcessorCount);
        int reps = Options.Int(args, "--reps", 5);
        var openblas = OpenBlasGemm.TryLoad(out var why);
        openblas?.SetThreads(threads);
        var managed = new ManagedGemm(threads);
        Console.WriteLine($"threads: {threads}, best of {reps}, processors: {Environment.ProcessorCount}");
        Console.WriteLine($"openblas: {(openblas is null ? $"unavailable ({why})" : openblas.Name)}");
        Console.WriteLine($"managed:  {managed.Name}");
        Console.WriteLine();
        Console.WriteLine($"{"shape",-28} {"backend",-16} {"ms",9} {"GFLOP/s",9}  {"rel.diff vs OpenBLAS",20}");
        var shapes = GemmShape.Standard.SelectMany(s => new[] { s, s with { TransB = true } });
        foreach (var shape in shapes)
        {
            var ops = new GemmOperands(shape);
            double[]? refD = null;
            float[]? refF = null;
            if (openblas is not null)
            {
                Row(shape, "OpenBLAS dgemm", Time(() => ops.Dgemm(openblas), reps), "");
                refD = (double[])ops.C.Clone();
                Row(shape, "OpenBLAS sgemm", Time(() => ops.Sgemm(openblas), reps), "");
                refF = (float[])ops.Cf.Clone();
            }
            var td = Time(() => ops.Dgemm(managed), reps);
            Row(shape, "managed dgemm", td, refD is null ? "" : RelDiff(refD, ops.C).ToString("E2"));
            var tf = Time(() => ops.Sgemm(managed), reps);
            Row(shape, "managed sgemm", tf, refF is null ? "" : RelDiff(Array.ConvertAll(refF, x => (double)x), Array.ConvertAll(ops.Cf, x => (double)x)).ToString("E2"));
        }
        return 0;

        void Row(GemmShape s, string backend, double seconds, string diff)
            => Console.WriteLine($"{s,-28} {backend,-16} {seconds * 1e3,9:F2} {s.Flops / seconds / 1e9,9:F1}  {diff,20}");
    }

    private static double Time(Action product, int reps)
    {
        product(); // warm-up: JIT, thread pool, page faults
        double best = double.MaxValue;
        var sw = new Stopwatch();
        for (int r = 0; r < reps; r++)
        {
            sw.Restart();
            product();
            sw.Stop();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static double RelDiff(double[] expected, double[] actual)
    {
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - actual[i]));
            maxAbs = Math.Max(maxAbs, Math.Abs(expected[i]));
        }
        return maxAbs == 0 ? maxDiff : maxDiff / maxAbs;
    }
}
