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
/// Options: <c>--n N</c> (default 1000), <c>--samples K</c> (default 65536), <c>--threads T</c> (default 2).
/// </summary>
public static class QuickMargin
{
    /// <summary>Runs the mode; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        int n = Options.Int(args, "--n", 1000), k = Options.Int(args, "--samples", 65536), threads = Options.Int(args, "--threads", 2);
        Blas.Current.SetThreads(threads);
        var data = DataSource.Load("fashion-mnist:shirt-vs-t-shirt", new DataOptions { N = n });
        var r = MarginSolver.Certify(data, new MarginOptions(TimeBudget: 20, Threads: threads, CertificationSamples: k));
        const int chunk = 2048;
        var z = TheoryKit.Random.Gaussian.Matrix(chunk, data.D, 1, "bench");
        var c = new double[chunk * n];
        double best = double.PositiveInfinity;
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew();
            Blas.MultiplyABt(z, data.X, c, chunk, n, data.D);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        double dgemm = 2.0 * chunk * n * data.D / best / 1e9;
        Console.WriteLine($"backend: {Blas.Description}");
        Console.WriteLine($"margin certification, n = {n}, d = {data.D}, K = {r.CertificationSamples}: {r.CertificationGflops:F1} GFLOP/s");
        Console.WriteLine($"dgemm {chunk}x{data.D} * ({n}x{data.D})^T, best of 5: {dgemm:F1} GFLOP/s");
        Console.WriteLine($"ratio margin / dgemm: {r.CertificationGflops / dgemm:F2}");
        return 0;
    }
}
