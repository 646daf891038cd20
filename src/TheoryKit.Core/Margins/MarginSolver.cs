using System.Diagnostics;
using System.Numerics.Tensors;
using TheoryKit.Data;
using TheoryKit.LinearAlgebra;

namespace TheoryKit.Margins;

/// <summary>Settings of <see cref="MarginSolver.Certify"/>.</summary>
/// <param name="Width">Requested width of the certified interval (default 0.01).</param>
/// <param name="TimeBudget">Wall-clock budget for the whole computation (default 30 s).</param>
/// <param name="Delta">Per-side failure probability; the interval holds with probability &gt;= 1 - 2 delta (default 0.025: 95%).</param>
/// <param name="Seed">Master seed of every sample.</param>
/// <param name="Threads">Threads for sampling and GEMM (0: all cores). Results do not depend on it.</param>
/// <param name="OptimisationSamples">Samples used to find q (null: chosen from the budget).</param>
/// <param name="CertificationSamples">Fresh samples for the interval (null: chosen from width and budget).</param>
/// <param name="MonteCarlo">Force Monte Carlo mode even for planar data (for checking it against exact answers).</param>
public sealed record MarginOptions(double Width = 0.01, double TimeBudget = 30, double Delta = 0.025, ulong Seed = 0, int Threads = 0,
    int? OptimisationSamples = null, long? CertificationSamples = null, bool MonteCarlo = false)
{
    /// <summary>
    /// Both sample counts fixed: the solvers then stop on iteration caps instead of the clock, so the result
    /// depends on the seed alone (not on the machine's speed).
    /// </summary>
    public bool FixedCounts => OptimisationSamples is not null && CertificationSamples is not null;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="InputException">A setting is impossible.</exception>
    public void Validate()
    {
        if (!(Width > 0 && Width <= 1)) throw InputException.Parameter("width", $"must lie in (0, 1], got {Width}");
        if (!(TimeBudget > 0)) throw InputException.Parameter("time", $"must be positive seconds, got {TimeBudget}");
        if (!(Delta > 0 && Delta < 0.5)) throw InputException.Parameter("delta", $"must lie in (0, 0.5), got {Delta}");
        if (OptimisationSamples is < 1) throw InputException.Parameter("optimisation-samples", "must be >= 1");
        if (CertificationSamples is < 1) throw InputException.Parameter("samples", "must be >= 1");
    }
}

/// <summary>
/// A certified interval for the margin gamma of THEORY.md §6 with everything needed to report and re-check it.
/// </summary>
/// <param name="Mode">"exact-planar" (rank &lt;= 2: no sampling) or "monte-carlo".</param>
/// <param name="GammaLower">Certified lower end (&gt;= 0).</param>
/// <param name="GammaUpper">Certified upper end (&lt;= min_i ||x_i|| / 2).</param>
/// <param name="GammaEstimate">Midpoint of the primal (clamped at 0) and dual estimates.</param>
/// <param name="Delta">Per-side failure probability (0 in exact mode).</param>
/// <param name="DualEstimate">Mean of ||U_q(z)|| over the certification samples (exact: the dual value).</param>
/// <param name="PrimalEstimate">min_i of the primal margins over the certification samples (exact: the primal value).</param>
/// <param name="HoeffdingUpper">sqrt(ln(1/delta) / (2K)) added to the dual estimate.</param>
/// <param name="HoeffdingLower">sqrt(2 ln(n/delta) / K) subtracted from the primal estimate.</param>
/// <param name="OptimisationSamples">Samples used to find q.</param>
/// <param name="CertificationSamples">Fresh samples K of the interval.</param>
/// <param name="SolverGap">Duality gap of the optimisation on its own samples.</param>
/// <param name="Iterations">Solver iterations.</param>
/// <param name="StoppedBy">"exact", "width" (the requested width was reached), "gap" (the samples the width needs were drawn
/// but the primal-dual gap of q kept the interval wider), "time" (the budget ran out first) or "samples" (the count was fixed).</param>
/// <param name="Seconds">Wall-clock seconds.</param>
/// <param name="CertificationGflops">Throughput of the certification phase in GFLOP/s (3 GEMMs of 2 K n d flops).</param>
/// <param name="Backend">GEMM backend description.</param>
/// <param name="Certificate">The re-checkable certificate.</param>
public sealed record MarginResult(string Mode, double GammaLower, double GammaUpper, double GammaEstimate, double Delta,
    double DualEstimate, double PrimalEstimate, double HoeffdingUpper, double HoeffdingLower,
    int OptimisationSamples, long CertificationSamples, double SolverGap, int Iterations, string StoppedBy,
    double Seconds, double CertificationGflops, string Backend, MarginCertificate Certificate)
{
    /// <summary>GammaUpper - GammaLower.</summary>
    public double Width => GammaUpper - GammaLower;
    /// <summary>Probability with which the interval holds (1 - 2 delta; 1 in exact mode).</summary>
    public double Confidence => 1 - 2 * Delta;
}

/// <summary>
/// Certified separation margin gamma of the limiting kernel (THEORY.md §6; [JT20] Assumption 2.1).
/// Planar data (rank &lt;= 2, which includes every d = 2 dataset) is solved exactly on the arcs of the
/// circle. Otherwise: (1) the game on K_opt sampled directions is solved with <see cref="PdhgSolver"/>;
/// (2) from there the Huber-smoothed dual (<see cref="SmoothedDualSolver"/>, smoothing c = width/2) is minimised, so that
/// the primal v(z) = U_q(z) / max(||U_q(z)||, c) balances the margins (gap &lt;= c/2, robust where U_q vanishes);
/// (3) on K fresh samples, in chunks, the dual mean and the n primal margins are estimated, and
/// Hoeffding's inequality gives, with probability &gt;= 1 - 2 delta,
/// gamma &lt;= dual_K(q) + sqrt(ln(1/delta) / (2K)) and gamma &gt;= min_i primal_K,i - sqrt(2 ln(n/delta) / K).
/// K is the smallest count whose Hoeffding terms fit the requested width, unless the time budget ends first.
/// </summary>
public static class MarginSolver
{
    private const int Chunk = 2048;
    private const string OptStream = "margin-opt", ValidateStream = "margin-validate", CertStream = "margin-cert", VerifyStream = "margin-verify";

    /// <summary>
    /// Checks the largest buffers of the Monte Carlo solver (two chunks of 2048 directions x (d + n) while certifying; about
    /// ten J x d and three J x n buffers while optimising, J at least 512; two n x d copies of the data) against the memory budget (<see cref="IO.MemoryBudget"/>),
    /// so a command can refuse the data before any work. Data solved exactly (rank &lt;= 2, not forced to Monte Carlo) needs none.
    /// </summary>
    /// <exception cref="InputException">The buffers exceed the budget (field 'd').</exception>
    public static void CheckMemory(Dataset data, MarginOptions options)
    {
        if (!options.MonteCarlo && PlanarMargin.PlaneCoordinates(data.X, data.N, data.D) is not null) return;
        double j = options.OptimisationSamples ?? 512, n = data.N, d = data.D;
        IO.MemoryBudget.Check($"the margin solver's direction samples against n x d = {data.N} x {data.D} (J x d and J x n buffers, J >= 512, chunks of {Chunk})",
            Math.Max(2 * Chunk * (d + n), j * (10 * d + 3 * n)) + 2 * n * d, sizeof(double), null, "d");
    }

    /// <summary>Computes the certified interval for a dataset (X n x d row-major, labels +-1).</summary>
    /// <param name="data">The dataset.</param>
    /// <param name="options">Width, budget, delta, seed.</param>
    /// <param name="progress">Optional progress messages (phase and counts).</param>
    /// <exception cref="InputException">Invalid options.</exception>
    public static MarginResult Certify(Dataset data, MarginOptions options, IProgress<string>? progress = null)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        if (options.Threads > 0) Blas.Current.SetThreads(options.Threads);
        double cap = CapOf(data);
        var plane = options.MonteCarlo ? null : PlanarMargin.PlaneCoordinates(data.X, data.N, data.D);
        if (plane is not null) return Exact(data, plane, options, clock, cap);
        CheckMemory(data, options);

        int n = data.N, d = data.D;
        double budget = options.TimeBudget;
        // Phase 1: find q on sampled directions. The first round is sized so ~300 PDHG iterations fit 30% of
        // the budget at the measured cost per direction; PDHG's q then starts the Huber-smoothed dual, whose
        // minimiser q_c makes the clipped primal v = U_q / max(||U_q||, c) balance the margins (gap <= c/2).
        // q fitted to K directions overfits them, so each round is judged on held-out directions and, while
        // that gap exceeds a third of the width and time allows, the next round doubles K from the previous q.
        double perDirection = SecondsPerDirection(data, options);
        int kOpt = options.OptimisationSamples ?? (int)Math.Clamp(0.3 * budget / (300 * perDirection), 512, 16384);
        int kVal = (int)Math.Clamp(0.05 * budget / (1.5 * perDirection), 8192, 262144);
        double[]? q = null;
        (double[] q, double c, double gap, int k)? best = null;
        int iterations = 0;
        for (int round = 0; ; round++)
        {
            double roundStart = clock.Elapsed.TotalSeconds;
            progress?.Report($"optimising on {kOpt} sampled directions (round {round + 1})");
            var game = new MarginGame(TheoryKit.Random.Gaussian.Matrix(kOpt, d, options.Seed, OptStream, round, options.Threads), kOpt, null, data.X, data.Y, n, d);
            double[] start = q ?? PdhgStart(game, options, ref iterations);
            var smooth = SmoothedDualSolver.Solve(game, new SmoothedDualSolver.Options(options.Width / 16, options.Width / 2, 2000,
                options.FixedCounts ? null : TimeSpan.FromSeconds(Math.Max(0.05 * budget, 0.5 * budget - clock.Elapsed.TotalSeconds)),
                start, q is null ? 0.125 : options.Width / 2));
            iterations += smooth.Iterations;
            game = null;
            var held = Estimate(data, smooth.Q, smooth.Smoothing, options.Seed, ValidateStream, kVal, clock, double.PositiveInfinity, options.Threads, null);
            double gap = held.Dual - TensorPrimitives.Min(held.Margins);
            progress?.Report($"round {round + 1}: gap {gap:G3} on {kVal} held-out directions");
            double previous = best?.gap ?? double.PositiveInfinity;
            if (best is null || gap < best.Value.gap) best = (smooth.Q, smooth.Smoothing, gap, kOpt);
            double roundSeconds = clock.Elapsed.TotalSeconds - roundStart;
            if (gap <= options.Width / 3 || options.OptimisationSamples is not null || kOpt >= 262144 || gap > 0.9 * previous
                || clock.Elapsed.TotalSeconds + 2.5 * roundSeconds > 0.55 * budget) break;
            q = best.Value.q; kOpt *= 2;
        }
        double c = best.Value.c, optGap = best.Value.gap;
        q = best.Value.q; kOpt = best.Value.k;

        // Phase 2: fresh samples until the width's sample count is reached or the budget ends.
        long kNeeded = options.CertificationSamples ?? SamplesForWidth(Math.Max(options.Width - optGap, options.Width / 2), n, options.Delta);
        progress?.Report($"certifying on up to {kNeeded} fresh directions");
        var est = Estimate(data, q, c, options.Seed, CertStream, kNeeded, clock, options.CertificationSamples is null ? budget : double.PositiveInfinity, options.Threads, progress);
        string stopped = options.CertificationSamples is not null ? "samples" : est.K >= kNeeded ? "width" : "time";
        var result = Finish(data, options, "monte-carlo", q, c, kOpt, iterations, optGap, est, stopped, clock, cap, null);
        // The samples sized for the width were drawn but the primal-dual gap kept the interval wider.
        return stopped == "width" && result.Width > options.Width ? result with { StoppedBy = "gap" } : result;
    }

    private static double[] PdhgStart(MarginGame game, MarginOptions options, ref int iterations)
    {
        var pdhg = PdhgSolver.Solve(game, new PdhgSolver.Options(options.Width / 16, options.FixedCounts ? 5000 : 200000,
            options.FixedCounts ? null : TimeSpan.FromSeconds(0.3 * options.TimeBudget)));
        iterations += pdhg.Iterations;
        return pdhg.Q;
    }

    /// <summary>
    /// Re-checks a certificate on fresh samples (stream "margin-verify" of <paramref name="seed"/>),
    /// using only q and c from the certificate. Exact certificates are re-evaluated exactly.
    /// </summary>
    /// <exception cref="InputException">The certificate does not belong to this dataset.</exception>
    /// <param name="cert">The certificate.</param>
    /// <param name="data">The dataset it claims to be about (checked through its fingerprint).</param>
    /// <param name="seed">Seed of the fresh samples (stream "margin-verify").</param>
    /// <param name="samples">Fresh sample count (null: the certificate's).</param>
    /// <param name="threads">Threads (0: all cores).</param>
    /// <param name="progress">Optional progress messages.</param>
    /// <param name="certificateName">How errors name the certificate (its file path); default its data source.</param>
    public static MarginResult Verify(MarginCertificate cert, Dataset data, ulong seed, long? samples = null, int threads = 0,
        IProgress<string>? progress = null, string? certificateName = null)
    {
        string name = certificateName ?? cert.DataSource;
        if (cert.N != data.N || cert.D != data.D) throw new InputException(name, null, "n", $"certificate is for n={cert.N}, d={cert.D}; the data has n={data.N}, d={data.D}");
        if (cert.DataFingerprint != data.Fingerprint()) throw new InputException(name, null, "data_fingerprint", $"certificate was computed on different data (fingerprint mismatch; it names '{cert.DataSource}')");
        var clock = Stopwatch.StartNew();
        double cap = CapOf(data);
        var options = new MarginOptions(Delta: cert.Delta, Seed: seed, Threads: threads);
        if (cert.Mode == "exact-planar")
        {
            var plane = PlanarMargin.PlaneCoordinates(data.X, data.N, data.D) ?? throw new InputException(name, null, "mode", "exact certificate but the data are not planar");
            var game = PlanarMargin.Game(plane, data.Y, data.N);
            if (cert.PlanarPrimal is null || cert.PlanarPrimal.Length != game.J * 2) throw new InputException(name, null, "planar_primal", $"expected {game.J * 2} numbers");
            var m = new double[data.N];
            game.MarginsOf(PlanarMargin.ClipRowsToUnitBall(cert.PlanarPrimal, 2), m);
            var r = new Estimates(game.DualValue(UOf(game, cert.Q)), m, 0, 0);
            return Finish(data, options with { Delta = 0 }, "exact-planar", cert.Q, cert.Smoothing, 0, 0, 0, r, "exact", clock, cap, cert.PlanarPrimal);
        }
        long k = samples ?? cert.CertificationSamples;
        var est = Estimate(data, cert.Q, cert.Smoothing, seed, VerifyStream, k, clock, double.PositiveInfinity, threads, progress);
        return Finish(data, options, "monte-carlo", cert.Q, cert.Smoothing, cert.OptimisationSamples, 0, double.NaN, est, "samples", clock, cap, null);
    }

    /// <summary>Smallest K with sqrt(ln(1/delta)/(2K)) + sqrt(2 ln(n/delta)/K) &lt;= target.</summary>
    public static long SamplesForWidth(double target, int n, double delta)
    {
        double a = Math.Sqrt(Math.Log(1 / delta) / 2) + Math.Sqrt(2 * Math.Log(n / delta));
        return (long)Math.Ceiling(a * a / (target * target));
    }

    /// <summary>Hoeffding term of the upper end: sqrt(ln(1/delta) / (2K)) (THEORY.md §6).</summary>
    public static double HoeffdingUpperTerm(long k, double delta) => Math.Sqrt(Math.Log(1 / delta) / (2.0 * k));

    /// <summary>Hoeffding term of the lower end with a union bound over n points: sqrt(2 ln(n/delta) / K) (THEORY.md §6).</summary>
    public static double HoeffdingLowerTerm(long k, int n, double delta) => Math.Sqrt(2 * Math.Log(n / delta) / k);

    private sealed record Estimates(double Dual, double[] Margins, long K, double Gflops);

    private static MarginResult Exact(Dataset data, double[] plane, MarginOptions options, Stopwatch clock, double cap)
    {
        var game = PlanarMargin.Game(plane, data.Y, data.N);
        var sol = PdhgSolver.Solve(game, new PdhgSolver.Options(Math.Min(1e-9, options.Width / 100), 1_000_000, TimeSpan.FromSeconds(options.TimeBudget)));
        double c = BestSmoothing(game, sol.Q, out _);
        var est = new Estimates(sol.Upper, sol.Margins, 0, 0);
        return Finish(data, options with { Delta = 0 }, "exact-planar", sol.Q, c, 0, sol.Iterations, sol.Gap, est, "exact", clock, cap, sol.V);
    }

    private static MarginResult Finish(Dataset data, MarginOptions options, string mode, double[] q, double c, int kOpt, int iterations,
        double optGap, Estimates est, string stopped, Stopwatch clock, double cap, double[]? planarPrimal)
    {
        double primal = TensorPrimitives.Min(est.Margins);
        bool exact = mode == "exact-planar";
        double hu = exact ? 0 : HoeffdingUpperTerm(est.K, options.Delta);
        double hl = exact ? 0 : HoeffdingLowerTerm(est.K, data.N, options.Delta);
        double upper = Math.Min(cap, est.Dual + hu), lower = Math.Min(upper, Math.Max(0, primal - hl)); // equal up to rounding when exact
        double estimate = Math.Clamp((Math.Max(primal, 0) + est.Dual) / 2, lower, upper);
        var cert = new MarginCertificate(MarginCertificate.FormatTag, mode, data.Provenance.Source, data.Fingerprint(), data.N, data.D,
            options.Seed, options.Delta, c, q, kOpt, est.K, lower, upper, planarPrimal);
        return new MarginResult(mode, lower, upper, estimate, options.Delta, est.Dual, primal, hu, hl, kOpt, est.K, optGap, iterations,
            stopped, clock.Elapsed.TotalSeconds, est.Gflops, Blas.Description, cert);
    }

    /// <summary>gamma &lt;= min_i ||x_i|| / 2, since each margin is at most E[||x_i|| 1[&lt;z,x_i&gt; &gt; 0]].</summary>
    private static double CapOf(Dataset data)
    {
        double cap = double.PositiveInfinity;
        for (int i = 0; i < data.N; i++) cap = Math.Min(cap, data.RowNorm(i) / 2);
        return cap;
    }

    private static double[] UOf(MarginGame game, double[] q)
    {
        var u = new double[game.J * game.D];
        game.ComputeU(q, u);
        return u;
    }

    /// <summary>
    /// The smoothing c in {1/2, 1/4, ..., 2^-13} for the primal v = U_q / max(||U_q||, c), judged by the worst
    /// margin on the game's directions. Among the c whose worst margin is within one standard error
    /// (1/sqrt(J), J the directions) of the best, the geometric middle is taken: the worst margin can fall
    /// off a cliff on either side, and a c at the edge of the plateau does not carry over to fresh samples.
    /// </summary>
    private static double BestSmoothing(MarginGame game, double[] q, out double bestLower)
    {
        var u = UOf(game, q);
        var m = new double[game.N];
        var ladder = new List<(double c, double low)>();
        for (double c = 0.5; c >= 1e-4; c /= 2)
        {
            game.Evaluate(u, c, m);
            ladder.Add((c, TensorPrimitives.Min(m)));
        }
        bestLower = ladder.Max(e => e.low);
        double tol = game.Weights.Length > 64 ? 1 / Math.Sqrt(game.J) : 0, best = bestLower;
        var plateau = ladder.Where(e => e.low >= best - tol).ToList();
        return plateau[plateau.Count / 2].c;
    }

    /// <summary>Measured seconds of one PDHG iteration per direction (ComputeU plus MarginsOf on a 1024-direction game).</summary>
    private static double SecondsPerDirection(Dataset data, MarginOptions options)
    {
        const int k = 1024;
        var game = new MarginGame(TheoryKit.Random.Gaussian.Matrix(k, data.D, options.Seed, "calibration"), k, null, data.X, data.Y, data.N, data.D);
        var q = Enumerable.Repeat(1.0 / data.N, data.N).ToArray();
        var u = new double[k * data.D]; var m = new double[data.N];
        game.ComputeU(q, u); game.MarginsOf(u, m);
        var sw = Stopwatch.StartNew();
        game.ComputeU(q, u); game.MarginsOf(u, m);
        return Math.Max(sw.Elapsed.TotalSeconds / k, 1e-9);
    }

    /// <summary>
    /// Streams fresh directions in chunks of 2048 (chunk j from stream (seed, stream, j)) until K samples
    /// or the budget: accumulates sum ||U_q(z)|| and, per point, sum y_i &lt;v(z), x_i&gt; 1[&lt;z,x_i&gt; &gt; 0].
    /// </summary>
    private static Estimates Estimate(Dataset data, double[] q, double c, ulong seed, string stream, long kTarget,
        Stopwatch clock, double budget, int threads, IProgress<string>? progress)
    {
        int n = data.N, d = data.D;
        var xt = new double[n * d];
        MarginGame.ScaleRows(data.X, data.Y, q, xt, n, d);
        var z = new double[Chunk * d]; var a = new double[Chunk * n]; var u = new double[Chunk * d]; var mm = new double[Chunk * n];
        var sums = new double[n];
        double dualSum = 0, gemmSeconds = 0;
        long k = 0;
        for (long chunk = 0; k < kTarget; chunk++)
        {
            var t0 = clock.Elapsed.TotalSeconds;
            int rows = (int)Math.Min(Chunk, kTarget - k);
            TheoryKit.Random.Gaussian.Fill(z, rows, d, seed, stream, chunk, threads);
            var g0 = clock.Elapsed.TotalSeconds;
            Blas.MultiplyABt(z, data.X, a, rows, n, d);
            MarginGame.ToMask(a);
            Blas.MultiplyAB(a, xt, u, rows, d, n);
            dualSum += MarginGame.ClipRows(u, rows, d, c);
            Blas.MultiplyABt(u, data.X, mm, rows, n, d);
            MarginGame.AddMaskedColumnSums(a, mm, null, sums, rows, n);
            gemmSeconds += clock.Elapsed.TotalSeconds - g0;
            k += rows;
            double per = clock.Elapsed.TotalSeconds - t0;
            if (chunk % 16 == 15) progress?.Report($"certified on {k} of {kTarget} directions");
            if (clock.Elapsed.TotalSeconds + per > budget) break;
        }
        var margins = new double[n];
        for (int i = 0; i < n; i++) margins[i] = data.Y[i] * sums[i] / k;
        return new Estimates(dualSum / k, margins, k, gemmSeconds > 0 ? 3.0 * 2 * k * n * (double)d / gemmSeconds / 1e9 : 0);
    }
}
