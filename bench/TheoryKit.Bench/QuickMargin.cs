using System.Diagnostics;
using TheoryKit.Data;
using TheoryKit.LinearAlgebra;
using TheoryKit.Margins;

namespace TheoryKit.Bench;

/// <summary>
/// Quick mode <c>margin</c>: the margin solver's certification throughput beside OpenBLAS dgemm in the same
/// run. Certifies a fixed sample count on a Fashion-MNIST pair (n points, d = 784; n = 12000 is the whole
/// training pair) and reports 3 GEMMs x 2 K n d flops per wall second of the whole certification phase
/// (Gaussian draws, masks and sums included), then times dgemm at the shape of its GEMMs (a block of
/// <see cref="MarginSolver.BlockRows"/> directions against the n points; best of 5).
/// Options: <c>--n N</c> (default 1000), <c>--samples K</c> (default 65536), <c>--threads T</c> (default 2), <c>--float32</c>
/// (the float32 norm pass where the solver drops the Monte Carlo primal: two GEMMs per direction, compared with sgemm). Each figure
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
        int block = MarginSolver.BlockRows(n, data.D);   // the pass's GEMMs are one block of directions each
        var z = TheoryKit.Random.Gaussian.Matrix(block, data.D, 1, "bench");
        double best = double.PositiveInfinity;
        var z32 = Array.ConvertAll(z, v => (float)v); var x32 = Array.ConvertAll(data.X, v => (float)v);
        var c = new double[(long)block * n]; var c32 = new float[(long)block * n];
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew();
            if (single) Blas.Current.Sgemm(false, true, block, n, data.D, 1f, z32, data.D, x32, data.D, 0f, c32, n);
            else Blas.MultiplyABt(z, data.X, c, block, n, data.D);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        double gemm = 2.0 * block * n * data.D / best / 1e9;
        string name = single ? "sgemm" : "dgemm";
        Console.WriteLine($"backend: {r.Backend}");
        Console.WriteLine($"margin certification, n = {n}, d = {data.D}, K = {r.CertificationSamples}: {r.CertificationGflops:F1} GFLOP/s (load average before: {load}; after: {loadAfter})");
        Console.WriteLine($"{name} {block}x{data.D} * ({n}x{data.D})^T, best of 5: {gemm:F1} GFLOP/s");
        Console.WriteLine($"ratio margin / {name}: {r.CertificationGflops / gemm:F2}");
        return 0;
    }
}

/// <summary>
/// Quick mode <c>margin-scale</c>: the whole Fashion-MNIST shirt vs T-shirt training pair (n = 12000, d = 784) certified under a
/// time budget (default 10 minutes) as <c>theorykit margin</c> does, reporting: the interval and its width at the end of the budget;
/// the time the requested width would take at the measured certification rate (directions per second) times the samples it needs
/// (the deviation terms scaled as 1/sqrt(K), which the empirical-Bernstein range term only undercuts, when the width exceeds the part
/// that samples cannot remove: the distance between the dual and primal estimates); the peak resident memory beyond the process before
/// the data were loaded, against the data's n x d doubles; and the certification throughput (GEMM flops of the pass per wall second:
/// two GEMMs of 2 K n d flops per direction with the float32 norm pass, three with the Monte Carlo primal, four with a second weight
/// vector) as a fraction of sgemm and dgemm at the shape of the pass's GEMMs (a block of <see cref="MarginSolver.BlockRows"/> directions
/// against the n points) timed in the same run (best of 5), and for scale of dgemm on 1024 directions. Progress lines with the ETA go to stderr. Options: <c>--n N</c>
/// (default 12000), <c>--minutes M</c> (default 10), <c>--width W</c> (default 0.01), <c>--threads T</c> (default 2), <c>--float64</c>.
/// Every figure is printed with the load average (the machine may be shared).
/// </summary>
public static class QuickMarginScale
{
    /// <summary>Runs the mode; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        int n = Options.Int(args, "--n", 12000), threads = Options.Int(args, "--threads", 2);
        double minutes = double.Parse(Options.Text(args, "--minutes") ?? "10", System.Globalization.CultureInfo.InvariantCulture);
        double width = double.Parse(Options.Text(args, "--width") ?? "0.01", System.Globalization.CultureInfo.InvariantCulture);
        bool float32 = Array.IndexOf(args, "--float64") < 0;
        Blas.Current.SetThreads(threads);
        QuickTrainStep.FullCollect();
        long cold = QuickTrainStep.CurrentWorkingSet();
        // Warm-up: the same pair at 500 points for 3 s loads the code, the runtime's and OpenBLAS's buffers that do not grow with n.
        MarginSolver.Certify(DataSource.Load("fashion-mnist:shirt-vs-t-shirt", new DataOptions { N = 500 }),
            new MarginOptions(Width: width, TimeBudget: 3, Threads: threads, Float32: float32));
        QuickTrainStep.FullCollect();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);   // return the warm-up's free memory to the system
        bool hwm = QuickTrainStep.ResetPeakResidentSet();
        long baseline = QuickTrainStep.CurrentWorkingSet();
        var data = DataSource.Load("fashion-mnist:shirt-vs-t-shirt", new DataOptions { N = n });
        double dataBytes = 8.0 * data.N * data.D;
        string load = LoadAverage();
        var clock = Stopwatch.StartNew();
        var progress = new Progress(clock);
        var r = MarginSolver.Certify(data, new MarginOptions(Width: width, TimeBudget: minutes * 60, Threads: threads, Float32: float32), progress);
        long peak = QuickTrainStep.PeakWorkingSet();
        string loadAfter = LoadAverage();
        int block = MarginSolver.BlockRows(data.N, data.D);   // the GEMMs of the pass are one block of directions each
        var (dgemm, sgemm) = GemmRates(data, block, single: true);
        double rate = r.CertificationSeconds > 0 ? r.CertificationSamples / r.CertificationSeconds : double.NaN;
        double flops = (r.MonteCarloPrimal ? r.Certificate.PrimalQ is null ? 3.0 : 4.0 : 2.0) * 2 * data.N * (double)data.D * rate / 1e9;
        var (large, _) = GemmRates(data, LargeRows, single: false);
        double terms = r.UpperTerm + r.LowerTerm, fixedPart = r.DualEstimate - Math.Max(0, r.PrimalEstimate);
        Console.WriteLine($"margin-scale: {data.Provenance.Source}, n = {data.N}, d = {data.D}, budget {minutes * 60:F0} s, requested width {width}, threads {threads}");
        Console.WriteLine($"backend: {r.Backend}; load average before: {load}; after: {loadAfter}");
        Console.WriteLine($"interval [{r.GammaLower:G4}, {r.GammaUpper:G4}], width {r.Width:G4}, stopped by {r.StoppedBy}, {r.Seconds:F0} s, "
            + $"K = {r.CertificationSamples} in {r.CertificationSeconds:F0} s ({rate:F0} directions/s), lower end {r.LowerBound}, upper end {r.UpperBound}");
        Console.WriteLine($"estimates: dual {r.DualEstimate:G4}, primal {r.PrimalEstimate:G4} (their distance {fixedPart:G4} does not shrink with samples); terms {terms:G4}");
        if (r.Width <= width) Console.WriteLine($"requested width {width} reached");
        else if (width > fixedPart && terms > 0)
        {
            double needed = r.CertificationSamples * Math.Pow(terms / (width - fixedPart), 2);
            Console.WriteLine($"requested width {width}: about {needed:G3} samples, {needed / rate:F0} s at the measured rate ({needed / rate / 3600:F2} h)");
        }
        else Console.WriteLine($"requested width {width}: not reachable by sampling with this q (the estimates alone are {fixedPart:G4} apart)");
        Console.WriteLine(hwm
            ? $"peak memory beyond the warmed-up process before loading: {(peak - baseline) / 1e6:F0} MB against the data's {dataBytes / 1e6:F0} MB (ratio {(peak - baseline) / dataBytes:F2}; target <= 1.5); "
              + $"beyond the cold process (code, runtime and BLAS buffers not yet loaded): {(peak - cold) / 1e6:F0} MB (ratio {(peak - cold) / dataBytes:F2})"
            : $"peak memory: {peak / 1e6:F0} MB in all (the peak could not be reset), data {dataBytes / 1e6:F0} MB");
        Console.WriteLine($"certification {flops:F1} GFLOP/s; sgemm {block}x{data.D} * ({data.N}x{data.D})^T {sgemm:F1}, dgemm {dgemm:F1} GFLOP/s (best of 5); "
            + $"ratio {flops / sgemm:F2} of sgemm, {flops / dgemm:F2} of dgemm (target >= 0.85 of the GEMM the pass uses: {(r.Backend.EndsWith("float32 norm pass", StringComparison.Ordinal) ? "sgemm" : "dgemm")})");
        Console.WriteLine($"for scale: dgemm {LargeRows}x{data.D} * ({data.N}x{data.D})^T {large:F1} GFLOP/s (best of 5), certification {flops / large:F2} of it");
        return 0;
    }

    /// <summary>Rows of the large dgemm printed for scale (OpenBLAS's rate levels off from about 512 rows at d = 784).</summary>
    private const int LargeRows = 1024;

    private static (double dgemm, double sgemm) GemmRates(Dataset data, int block, bool single)
    {
        var z = TheoryKit.Random.Gaussian.Matrix(block, data.D, 1, "bench");
        var z32 = single ? Array.ConvertAll(z, v => (float)v) : []; var x32 = single ? Array.ConvertAll(data.X, v => (float)v) : [];
        var c = new double[(long)block * data.N]; var c32 = single ? new float[(long)block * data.N] : [];
        double bestD = double.PositiveInfinity, bestS = double.PositiveInfinity;
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew();
            Blas.MultiplyABt(z, data.X, c, block, data.N, data.D);
            bestD = Math.Min(bestD, sw.Elapsed.TotalSeconds);
            if (!single) continue;
            sw.Restart();
            Blas.Current.Sgemm(false, true, block, data.N, data.D, 1f, z32, data.D, x32, data.D, 0f, c32, data.N);
            bestS = Math.Min(bestS, sw.Elapsed.TotalSeconds);
        }
        double flops = 2.0 * block * data.N * data.D / 1e9;
        return (flops / bestD, flops / bestS);
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";

    /// <summary>Solver messages to stderr with the elapsed seconds (synchronously: <see cref="System.Progress{T}"/> would post to the thread pool).</summary>
    private sealed class Progress(Stopwatch clock) : IProgress<string>
    {
        public void Report(string value) => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F0} s] {value}");
    }
}
