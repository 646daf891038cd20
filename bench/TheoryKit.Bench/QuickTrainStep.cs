using System.Diagnostics;
using System.Globalization;
using TheoryKit.LinearAlgebra;
using TheoryKit.Training;

namespace TheoryKit.Bench;

/// <summary>
/// Quick mode <c>train-step</c>: seconds per full-batch gradient step of <see cref="Trainer.Train"/> on a
/// synthetic set (<see cref="SyntheticTrainingData"/>), its peak memory, and the GEMM rate measured in the
/// same process at the step's own shapes.
/// <list type="number">
/// <item>JIT warm-up: a 64-row run of the same d, m and precision.</item>
/// <item>Memory: after a full GC the peak resident set (VmHWM) is reset through <c>/proc/self/clear_refs</c>
/// (Linux), the data set is built and one full run (the warm-up run, Steps = R) trains; the growth of
/// <see cref="Process.PeakWorkingSet64"/> over the resident set before the data set existed is compared with the
/// bytes of X (n x d), W (m x d) and one n x m buffer in the training precision.</item>
/// <item>Timing: <c>--trials</c> runs of Steps = R each (a full GC before each); the best
/// <see cref="TrainingResult.SecondsPerStep"/>, and the managed bytes allocated during each run
/// (<see cref="GC.GetTotalAllocatedBytes(bool)"/> delta).</item>
/// <item>GEMM: the forward product X W^T (n x d times d x m) and the backward update W -= eta G^T X
/// (m x n times n x d, beta = 1), each best of 5 after a warm-up, through the same backend; the effective
/// rate of the step is 4 n m d / seconds per step.</item>
/// </list>
/// Options: <c>--n --d --m</c> (default 10000, 784, 4096), <c>--threads</c> (2), <c>--reps</c> steps per run
/// (10), <c>--trials</c> timed runs (3), <c>--record-every</c> (1, the library default: the movement of W
/// is measured every step), <c>--single</c> (float32), <c>--block-rows B</c> (diagnostics: overrides the
/// engine's rows per block through its internal test switch <c>Trainer.ForceBlockRows</c>, set by reflection).
/// The machine-readable line <c>seconds per step: S</c> is what bench/side_by_side.py parses.
/// </summary>
public static class QuickTrainStep
{
    /// <summary>Runs the mode; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        int n = Options.Int(args, "--n", 10000), d = Options.Int(args, "--d", 784), m = Options.Int(args, "--m", 4096);
        int threads = Options.Int(args, "--threads", 2), steps = Options.Int(args, "--reps", 10);
        int trials = Options.Int(args, "--trials", 3), recordEvery = Options.Int(args, "--record-every", 1);
        bool single = args.Contains("--single");
        string? blockRows = Options.Text(args, "--block-rows");
        if (blockRows is not null) ForceBlockRows(int.Parse(blockRows, System.Globalization.CultureInfo.InvariantCulture));
        var precision = single ? Precision.Single : Precision.Double;
        int elem = single ? sizeof(float) : sizeof(double);
        var options = new TrainingOptions(m, steps, Eta: 1.0, Seed: 7, Threads: threads, Precision: precision, RecordEvery: recordEvery);
        Blas.Current.SetThreads(threads);

        Console.WriteLine($"train-step: n = {n}, d = {d}, m = {m}, {(single ? "float32" : "float64")}, threads = {threads}, " +
                          $"{steps} steps per run, best of {trials} runs, record every {recordEvery}");
        Console.WriteLine($"backend: {Blas.Description}; processors: {Environment.ProcessorCount}");
        Console.WriteLine($"OPENBLAS_CORETYPE = {Env("OPENBLAS_CORETYPE")}, OPENBLAS_L2_SIZE = {Env("OPENBLAS_L2_SIZE")}");

        // 1. JIT warm-up on a tiny set of the same shape family (same generic instantiation and path).
        Trainer.Train(SyntheticTrainingData.Create(Math.Min(n, 64), d, 1), null, options with { Steps = 2 });

        // 2. Memory: data set + one full run (also the warm-up of the timed runs).
        FullCollect();
        bool hwmReset = ResetPeakResidentSet();
        long baseline = CurrentWorkingSet();
        var data = SyntheticTrainingData.Create(n, d);
        long afterData = CurrentWorkingSet();
        var warm = Trainer.Train(data, null, options);
        long peak = PeakWorkingSet();
        double reference = (double)elem * ((long)n * d + (long)m * d + (long)n * m);

        // 3. Timed runs.
        double best = double.PositiveInfinity, bestWall = double.PositiveInfinity;
        long minAlloc = long.MaxValue;
        for (int t = 0; t < trials; t++)
        {
            FullCollect();
            long a0 = GC.GetTotalAllocatedBytes(true);
            var sw = Stopwatch.StartNew();
            var r = Trainer.Train(data, null, options);
            double wall = sw.Elapsed.TotalSeconds;
            long alloc = GC.GetTotalAllocatedBytes(true) - a0;
            best = Math.Min(best, r.SecondsPerStep); bestWall = Math.Min(bestWall, wall); minAlloc = Math.Min(minAlloc, alloc);
            if (!double.IsFinite(r.FinalLoss)) throw new InvalidOperationException("training diverged");
        }

        // 4. GEMM at the step's shapes, same process, same backend.
        var (fwd, bwd) = TimeGemms(data.X, n, d, m, single);
        double flopsStep = 4.0 * n * m * d;

        Console.WriteLine($"engine path: {warm.Backend}");
        Console.WriteLine($"train wall per run (incl. setup and final evaluation), best: {bestWall:F4} s");
        Console.WriteLine(Inv($"seconds per step: {best:E6}"));
        Console.WriteLine($"effective rate of the step (4 n m d / s): {flopsStep / best / 1e9:F1} GFLOP/s");
        Console.WriteLine($"{(single ? "sgemm" : "dgemm")} forward X W^T ({n}x{d} * {d}x{m}), best of 5: {fwd * 1e3:F2} ms = {2.0 * n * m * d / fwd / 1e9:F1} GFLOP/s");
        Console.WriteLine($"{(single ? "sgemm" : "dgemm")} backward W -= eta G^T X ({m}x{n} * {n}x{d}), best of 5: {bwd * 1e3:F2} ms = {2.0 * n * m * d / bwd / 1e9:F1} GFLOP/s");
        double gemmRate = 2.0 * n * m * d / fwd / 1e9;
        Console.WriteLine(Inv($"gemm rate at the forward shape: {gemmRate:F3} GFLOP/s"));
        Console.WriteLine($"step / (forward + backward gemm): {best / (fwd + bwd):F3}; effective rate / forward gemm rate: {flopsStep / best / 1e9 / gemmRate:F3}");
        Console.WriteLine($"managed bytes allocated per timed run (GC delta, smallest): {Mb(minAlloc)} MB ({minAlloc} B)");
        Console.WriteLine($"reference bytes X + W + one n x m buffer ({elem}-byte elements): {Mb(reference)} MB");
        Console.WriteLine($"working set: baseline {Mb(baseline)} MB, after data {Mb(afterData)} MB, peak {Mb(peak)} MB" +
                          (hwmReset ? " (peak reset before the data set)" : " (peak NOT reset: includes start-up)"));
        Console.WriteLine($"peak growth over baseline (data + training): {Mb(peak - baseline)} MB = {(peak - baseline) / reference:F2} x reference");
        Console.WriteLine($"peak growth over data set (training alone): {Mb(peak - afterData)} MB = {(peak - afterData) / reference:F2} x reference");
        Console.WriteLine(Inv($"peak memory ratio: {(peak - baseline) / reference:F4}"));
        return 0;
    }

    /// <summary>Sets the engine's internal rows-per-block override (tests only in the library) by reflection.</summary>
    private static void ForceBlockRows(int rows)
    {
        var field = typeof(Trainer).GetField("ForceBlockRows", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
                    ?? throw new InvalidOperationException("Trainer.ForceBlockRows not found: --block-rows is not available with this engine");
        field.SetValue(null, (int?)rows);
        Console.WriteLine($"rows per block forced: {rows} (diagnostics)");
    }

    private static (double fwd, double bwd) TimeGemms(double[] x, int n, int d, int m, bool single)
    {
        var g = Blas.Current;
        var w = TheoryKit.Random.Gaussian.Matrix(m, d, 3, "bench-gemm-w");
        var z = TheoryKit.Random.Gaussian.Matrix(n, m, 4, "bench-gemm-z");
        if (!single)
        {
            var c = new double[(long)n * m];
            var fwd = Best(() => g.Dgemm(false, true, n, m, d, 1.0, x, d, w, d, 0.0, c, m));
            var bwd = Best(() => g.Dgemm(true, false, m, d, n, -1e-9, z, m, x, d, 1.0, w, d));
            return (fwd, bwd);
        }
        var xf = Array.ConvertAll(x, v => (float)v); var wf = Array.ConvertAll(w, v => (float)v); var zf = Array.ConvertAll(z, v => (float)v);
        var cf = new float[(long)n * m];
        return (Best(() => g.Sgemm(false, true, n, m, d, 1f, xf, d, wf, d, 0f, cf, m)),
                Best(() => g.Sgemm(true, false, m, d, n, -1e-9f, zf, m, xf, d, 1f, wf, d)));
    }

    private static double Best(Action product)
    {
        product();
        double best = double.PositiveInfinity;
        for (int r = 0; r < 5; r++)
        {
            var sw = Stopwatch.StartNew();
            product();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    internal static void FullCollect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>Resets the kernel's peak resident set (VmHWM) of this process: "5" to /proc/self/clear_refs (Linux 4.0+).</summary>
    internal static bool ResetPeakResidentSet()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException) { return false; }
    }

    internal static long CurrentWorkingSet() { using var p = Process.GetCurrentProcess(); return p.WorkingSet64; }
    internal static long PeakWorkingSet() { using var p = Process.GetCurrentProcess(); return p.PeakWorkingSet64; }
    private static string Mb(double bytes) => (bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture);
    private static string Env(string name) => Environment.GetEnvironmentVariable(name) ?? "(unset)";
    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
