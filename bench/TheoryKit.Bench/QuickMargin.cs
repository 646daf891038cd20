using System.Diagnostics;
using TheoryKit.Data;
using TheoryKit.LinearAlgebra;
using TheoryKit.Margins;

namespace TheoryKit.Bench;

/// <summary>
/// Quick mode <c>margin</c>: the margin solver's certification throughput beside OpenBLAS dgemm in the same
/// run. Certifies a fixed sample count on a Fashion-MNIST pair (n points, d = 784; n = 12000 is the whole
/// training pair) and reports 3 GEMMs x 2 K n d flops per wall second of the whole certification phase
/// (Gaussian draws, masks and sums included), then times dgemm at the same shape (best of 5).
/// Options: <c>--n N</c> (default 1000), <c>--samples K</c> (default 65536), <c>--threads T</c> (default 2), <c>--float32</c>
/// (the float32 norm pass where the solver drops the Monte Carlo primal: two GEMMs per chunk, compared with sgemm). Each figure
/// is printed with the load average (the machine may be shared).
/// </summary>
public static class QuickMargin
{
    /// <summary>Runs the mode; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        int n = Options.Int(args, "--n", 1000), k = Options.Int(args, "--samples", 65536), threads = Options.Int(args, "--threads", 2);
        bool float32 = Array.IndexOf(args, "--float32") >= 0;
        Blas.Current.SetThreads(threads);
        var data = DataSource.Load("fashion-mnist:shirt-vs-t-shirt", new DataOptions { N = n });
        string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
        var r = MarginSolver.Certify(data, new MarginOptions(TimeBudget: 20, Threads: threads, CertificationSamples: k, Float32: float32));
        string loadAfter = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
        bool single = r.Backend.EndsWith("float32 norm pass", StringComparison.Ordinal);
        int chunk = MarginSolver.ChunkRows(n, data.D);
        var z = TheoryKit.Random.Gaussian.Matrix(chunk, data.D, 1, "bench");
        double best = double.PositiveInfinity;
        var z32 = Array.ConvertAll(z, v => (float)v); var x32 = Array.ConvertAll(data.X, v => (float)v);
        var c = new double[(long)chunk * n]; var c32 = new float[(long)chunk * n];
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew();
            if (single) Blas.Current.Sgemm(false, true, chunk, n, data.D, 1f, z32, data.D, x32, data.D, 0f, c32, n);
            else Blas.MultiplyABt(z, data.X, c, chunk, n, data.D);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        double gemm = 2.0 * chunk * n * data.D / best / 1e9;
        string name = single ? "sgemm" : "dgemm";
        Console.WriteLine($"backend: {r.Backend}");
        Console.WriteLine($"margin certification, n = {n}, d = {data.D}, K = {r.CertificationSamples}: {r.CertificationGflops:F1} GFLOP/s (load average before: {load}; after: {loadAfter})");
        Console.WriteLine($"{name} {chunk}x{data.D} * ({n}x{data.D})^T, best of 5: {gemm:F1} GFLOP/s");
        Console.WriteLine($"ratio margin / {name}: {r.CertificationGflops / gemm:F2}");
        return 0;
    }
}
