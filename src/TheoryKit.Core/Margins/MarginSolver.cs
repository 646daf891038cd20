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
/// <param name="Float32">Certify with float32 GEMMs where the Monte Carlo primal is not estimated (the kernel-tail lower end): each sampled
/// ||U_q(z)|| is replaced by a rigorous upper bound that allows for the rounding (THEORY.md §6, "float32"); about twice the samples per second.</param>
public sealed record MarginOptions(double Width = 0.01, double TimeBudget = 30, double Delta = 0.025, ulong Seed = 0, int Threads = 0,
    int? OptimisationSamples = null, long? CertificationSamples = null, bool MonteCarlo = false, bool Float32 = false)
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
/// <param name="UpperTerm">Amount added to the dual estimate by the upper end's bound (<paramref name="UpperBound"/>), rounding allowance included.</param>
/// <param name="LowerTerm">Amount subtracted from the primal estimate to give the lower end before clamping at 0
/// (the lower end is min_i (primal_i - term_i), so this is PrimalEstimate minus that minimum).</param>
/// <param name="UpperBound">Inequality of the upper end: "hoeffding", "empirical-bernstein" (see <see cref="Concentration"/>) or "exact".</param>
/// <param name="LowerBound">Inequality of the lower end at the point that sets it (union over the n points): as <paramref name="UpperBound"/>,
/// or "exact-kernel" when the deterministic bound min_i (Y H Y q)_i / sum_j q_j ||x_j|| (THEORY.md §6) is larger.</param>
/// <param name="OptimisationSamples">Directions of the last optimisation round (the doubling schedule's largest sample).</param>
/// <param name="CertificationSamples">Fresh samples K of the interval.</param>
/// <param name="SolverGap">Primal-dual gap of q on held-out directions (exact mode: on the arcs).</param>
/// <param name="Iterations">Solver iterations.</param>
/// <param name="StoppedBy">"exact", "width" (the requested width was reached), "gap" (the samples the width needs were drawn
/// but the primal-dual gap of q kept the interval wider), "time" (the budget ran out first) or "samples" (the count was fixed).</param>
/// <param name="Seconds">Wall-clock seconds.</param>
/// <param name="CertificationGflops">Throughput of the certification phase in GFLOP/s: the GEMM flops it ran (2 K n d per GEMM; two GEMMs per
/// direction without the Monte Carlo primal, three with it, four with a second weight vector) over the whole phase's seconds.</param>
/// <param name="Backend">GEMM backend description.</param>
/// <param name="Certificate">The re-checkable certificate.</param>
/// <param name="SubsampleOf">When the data are a subsample of a larger set (e.g. "1000 of 12000 points"): its description; null otherwise.</param>
/// <param name="RoundingAllowance">Allowance for floating-point rounding inside both ends (float32 GEMMs; 0 in double).</param>
/// <param name="CertificationSeconds">Wall seconds of the certification phase (the fresh samples; 0 in exact mode): K / this is its rate in directions per second.</param>
/// <param name="MonteCarloPrimal">Whether the Monte Carlo primal was estimated on the fresh samples (three GEMMs per direction; false in exact mode, and when the
/// kernel-tail end was predicted to beat it: the lower end then comes from the kernel margins, two GEMMs per direction; see <see cref="MarginModes"/>).</param>
public sealed record MarginResult(string Mode, double GammaLower, double GammaUpper, double GammaEstimate, double Delta,
    double DualEstimate, double PrimalEstimate, double UpperTerm, double LowerTerm, string UpperBound, string LowerBound,
    int OptimisationSamples, long CertificationSamples, double SolverGap, int Iterations, string StoppedBy,
    double Seconds, double CertificationGflops, string Backend, MarginCertificate Certificate, string? SubsampleOf = null,
    double RoundingAllowance = 0, double CertificationSeconds = 0, bool MonteCarloPrimal = true)
{
    /// <summary>GammaUpper - GammaLower.</summary>
    public double Width => GammaUpper - GammaLower;
    /// <summary>Probability with which the interval holds (1 - 2 delta; 1 in exact mode).</summary>
    public double Confidence => 1 - 2 * Delta;
    /// <summary>
    /// The upper end bounds the margin of any superset of the data, in particular the whole dataset a subsample
    /// was drawn from: removing points only removes terms from min_i, so gamma(subset) &gt;= gamma(whole set).
    /// Always true (stated for the output).
    /// </summary>
    public bool UpperTransfersToFullDataset => true;
    /// <summary>
    /// The lower end bounds the whole dataset's margin only when the data are the whole dataset (<see cref="SubsampleOf"/> is null).
    /// </summary>
    public bool LowerTransfersToFullDataset => SubsampleOf is null;
    /// <summary>
    /// Whether a crossover verdict on these data holds for the whole dataset: always when the data are the whole set;
    /// for a subsample only "soft favoured" (the whole set's gamma is at most the upper end, which lies below gamma*),
    /// since "hard favoured" rests on the lower end and "undecided" on both (THEORY.md §8).
    /// </summary>
    public bool VerdictTransfersToFullDataset(TheoryKit.Bounds.CrossoverVerdict verdict) =>
        SubsampleOf is null || verdict == TheoryKit.Bounds.CrossoverVerdict.SoftFavoured;
}

/// <summary>
/// Certified separation margin gamma of the limiting kernel (THEORY.md §6; [JT20] Assumption 2.1).
/// Planar data (rank &lt;= 2, which includes every d = 2 dataset) is solved exactly on the arcs of the
/// circle. Otherwise: (1) q is fitted to sampled directions in rounds whose sample doubles, each warm-started
/// from the previous q: the first round solves the game with <see cref="PdhgSolver"/> and then the
/// Huber-smoothed dual (<see cref="SmoothedDualSolver"/>, smoothing c = width/2), later rounds continue the
/// smoothed dual on twice as many fresh directions; the primal is v(z) = U_q(z) / max(||U_q(z)||, c), a function
/// of z that balances the margins (gap &lt;= c/2, robust where U_q vanishes: the degenerate cells of §6).
/// Each round is judged on held-out directions; rounds continue while the held-out primal-dual gap exceeds
/// the statistical term the remaining budget would give (more of the budget goes to q while its gap dominates).
/// (2) On K fresh samples, streamed in chunks, the dual mean and the n primal margins with their sample
/// variances are estimated; each end takes the smaller of Hoeffding's and the empirical-Bernstein bound
/// (<see cref="Concentration.Best"/>, delta/2 each; the lower end with a union over the n points), so that
/// with probability &gt;= 1 - 2 delta the interval holds.
/// </summary>
public static class MarginSolver
{
    private const string OptStream = "margin-opt", ValidateStream = "margin-validate", CertStream = "margin-cert", VerifyStream = "margin-verify";
    /// <summary>Floor of <see cref="StreamChunkBytes"/>: 32 MiB.</summary>
    private const long MinChunkBytes = 32L << 20;

    /// <summary>Floor of <see cref="WorkingBytes"/>: 16 MiB.</summary>
    private const long MinWorkingBytes = 16L << 20;

    /// <summary>
    /// Bytes that define the chunks of the random direction streams (<see cref="ChunkRows"/>: 2 chunk x (n + d) doubles within
    /// max(n d doubles / 2, 32 MiB)): a chunk is a unit of the stream, so the directions drawn depend on n and d alone.
    /// </summary>
    private static long StreamChunkBytes(int n, int d) => Math.Max(MinChunkBytes, (long)n * d * 8 / 2);

    /// <summary>
    /// The working-memory bound of the certification and refinement phases: max(n d doubles / 4, 16 MiB) bytes, so that the data and
    /// the solver's buffers together stay within 1.5 times the data for large n (the block x n buffers of <see cref="BlockRows"/>,
    /// the working set's matrix of <see cref="WorkingSetStart"/>, the Newton step's matrices, float32 copies of the data).
    /// </summary>
    internal static long WorkingBytes(int n, int d) => Math.Max(MinWorkingBytes, (long)n * d * 8 / 4);

    /// <summary>
    /// Checks the largest buffers of the Monte Carlo solver (two chunks of <see cref="ChunkRows"/> directions x (d + n) while certifying; about
    /// ten J x d and three J x n buffers while optimising, J at least 512; two n x d copies of the data) against the memory budget (<see cref="IO.MemoryBudget"/>),
    /// so a command can refuse the data before any work. Data solved exactly (rank &lt;= 2, not forced to Monte Carlo) needs none.
    /// </summary>
    /// <exception cref="InputException">The buffers exceed the budget (field 'd').</exception>
    public static void CheckMemory(Dataset data, MarginOptions options)
    {
        if (!options.MonteCarlo && PlanarMargin.PlaneCoordinates(data.X, data.N, data.D) is not null) return;
        double j = options.OptimisationSamples ?? 512, n = data.N, d = data.D;
        int chunk = ChunkRows(data.N, data.D);
        IO.MemoryBudget.Check($"the margin solver's direction samples against n x d = {data.N} x {data.D} (J x d and J x n buffers, J >= 512, chunks of {chunk})",
            Math.Max(2.0 * chunk * (d + n), j * (10 * d + 3 * n)) + 2 * n * d, sizeof(double), null, "d");
    }

    /// <summary>Computes the certified interval for a dataset (X n x d row-major, labels +-1).</summary>
    /// <param name="data">The dataset.</param>
    /// <param name="options">Width, budget, delta, seed.</param>
    /// <param name="progress">Optional progress messages (phase and counts).</param>
    /// <exception cref="InputException">Invalid options.</exception>
    public static MarginResult Certify(Dataset data, MarginOptions options, IProgress<string>? progress = null)
    {
        options.Validate();
        var (work, back) = Working(data);
        var r = CertifyWorking(work, options, progress);
        return ReferTo(r, data, back);
    }

    /// <summary>
    /// The data the computation runs on: the data themselves, or, when their largest entry is below 2^-200 (squares would
    /// underflow), the data scaled by a power of two s so that it lies in [1, 2) (exactly), with back = 1/s. gamma is positively
    /// homogeneous in the data (the masks do not change under x -&gt; s x and every margin scales by s), so results scale back
    /// exactly.
    /// </summary>
    private static (Dataset work, double back) Working(Dataset data)
    {
        double maxAbs = Math.Abs(TensorPrimitives.MaxMagnitude(data.X));
        if (!(maxAbs > 0) || maxAbs >= Math.ScaleB(1.0, -200)) return (data, 1);
        int e = Math.ILogB(maxAbs);
        var x = new double[data.X.Length];
        TensorPrimitives.Multiply(data.X, Math.ScaleB(1.0, -e), x);
        var work = new Dataset(x, data.Y, data.N, data.D, data.FeatureNames, data.PositiveClass, data.NegativeClass, data.LabelMapping, data.Provenance);
        return (work, Math.ScaleB(1.0, e));
    }

    /// <summary>A result computed on the working data (<see cref="Working"/>) restated for the data themselves: margins times back, certificate re-fingerprinted.</summary>
    private static MarginResult ReferTo(MarginResult r, Dataset data, double back)
    {
        if (back == 1) return r;
        var cert = r.Certificate with
        {
            DataFingerprint = data.Fingerprint(), Smoothing = r.Certificate.Smoothing * back,
            GammaLower = r.GammaLower * back, GammaUpper = r.GammaUpper * back,
            PlanarPrimal = r.Certificate.PlanarPrimal,
        };
        return r with
        {
            GammaLower = r.GammaLower * back, GammaUpper = r.GammaUpper * back, GammaEstimate = r.GammaEstimate * back,
            DualEstimate = r.DualEstimate * back, PrimalEstimate = r.PrimalEstimate * back, UpperTerm = r.UpperTerm * back,
            LowerTerm = r.LowerTerm * back, SolverGap = r.SolverGap * back, Certificate = cert,
        };
    }

    private static MarginResult CertifyWorking(Dataset data, MarginOptions options, IProgress<string>? progress)
    {
        var clock = Stopwatch.StartNew();
        if (options.Threads > 0) Blas.Current.SetThreads(options.Threads);
        double cap = CapOf(data);
        var plane = options.MonteCarlo ? null : PlanarMargin.PlaneCoordinates(data.X, data.N, data.D);
        if (plane is not null) return Exact(data, plane, options, clock, cap);
        CheckMemory(data, options);

        int n = data.N, d = data.D;
        double budget = options.TimeBudget;
        bool fixedCounts = options.FixedCounts;
        // The float32 norm pass holds X in float32: only when that copy and its buffers fit the working-memory bound.
        bool float32 = options.Float32 && SingleNorms.Fits(n, d);
        if (options.Float32 && !float32)
            progress?.Report($"float32 norm pass not used: its float32 copy of the data ({4.0 * n * d / 1e6:F0} MB) and buffers would exceed the working-memory bound ({WorkingBytes(n, d) / 1e6:F0} MB); double GEMMs throughout");
        // Phase 1: q on sampled directions, in rounds whose sample doubles (warm starts).
        double perDirection = SecondsPerDirection(data, options), certPerDirection = 1.6 * perDirection;
        // The game holds two J x n matrices (masks and products): J is capped so they fit the certification's memory bound.
        int jMemory = (int)Math.Clamp(StreamChunkBytes(n, d) / (16L * n), 256, 1 << 20);
        int jLast = Math.Min(options.OptimisationSamples ?? 1 << 20, options.OptimisationSamples is null ? jMemory : int.MaxValue);
        int j = Math.Min(jLast, options.OptimisationSamples is not null ? 1024 : (int)Math.Clamp(0.1 * budget / (60 * perDirection), 512, 4096));
        int kVal = fixedCounts ? 16384 : (int)Math.Clamp(0.02 * budget / (5 * perDirection), 4096, 32768);
        long kPlan = fixedCounts ? options.CertificationSamples!.Value : Math.Max(1024, (long)(0.5 * budget / certPerDirection));
        (double[] q, double c, double gap, int k, Estimates held)? best = null;
        // The upper end's weights: the candidate of lowest held-out dual value (THEORY.md §6, "second weight vector").
        (double[] q, Estimates held)? dualBest = null;
        int iterations = 0;
        // Start: the kernel quadratic's minimiser (exact), or for large n PDHG on the first round's directions.
        var qk = KernelStart(data, options.Seed, fixedCounts ? double.PositiveInfinity : 0.3 * budget, progress, out double quad, out var yhy, out var startKernel);
        // Smoothing of the later rounds: sqrt(q^T YHY q) bounds E||U_q|| (Jensen), the scale of the margin.
        double cSaa = double.IsFinite(quad) ? Math.Sqrt(quad) : options.Width / 2;
        if (qk is not null)
        {
            var (ck, heldK) = ChooseSmoothing(data, qk, Math.Sqrt(quad), options.Seed, 0, kVal, kPlan, options.Delta, clock, options.Threads);
            best = (qk, ck, heldK.Dual - TensorPrimitives.Min(heldK.Margins), 0, heldK);
            dualBest = (qk, heldK);
            progress?.Report($"kernel start: primal-dual gap {best.Value.gap:G3} on {kVal} held-out directions (c = {ck:G3})");
        }
        // Newton steps on the smoothed dual (NewtonRefinement) when the Monte Carlo primal will set the lower end and the kernel start's
        // held-out primal-dual gap exceeds the statistical term the rest of the budget would give: each step's weights are kept when their
        // held-out primal-dual gap is smaller.
        // Kernel margins of a candidate q: the start's, from the start's Gram matrix when it was kept, else evaluated afresh.
        KernelMarginsResult? KernelMarginsOf(double[] q) =>
            ReferenceEquals(q, qk) ? startKernel : yhy is not null ? MarginSandwich.KernelMargins(data, q, yhy) : KernelOf(data, q);
        if (qk is not null && best is not null && (options.OptimisationSamples is null || fixedCounts))
        {
            var kernelStart = startKernel;
            for (int step = 1; step <= (fixedCounts ? 2 : 4); step++)
            {
                var cur = best!.Value;
                double left = budget - clock.Elapsed.TotalSeconds;
                long kRest = fixedCounts ? options.CertificationSamples!.Value : Math.Max(1024, (long)(0.6 * left / certPerDirection));
                int jNewton = fixedCounts ? 16384 : (int)Math.Min(16384, 0.15 * budget / (2 * perDirection));
                double stat = PredictedTerms(cur.held, kRest, n, options.Delta);
                bool primalWins = kernelStart is null || PredictedPrimalLower(data, cur.held, kRest, options.Delta)
                    > PredictedTailLower(data, kernelStart, TailThresholdsOf(kernelStart, cur.held), cur.held, float32 ? 3 * kRest : 3 * kRest / 2, options.Delta);
                if (jNewton < 2048 || cur.gap <= stat || !primalWins || (!fixedCounts && left < 0.6 * budget)) break;
                double stepStart = clock.Elapsed.TotalSeconds;
                var refined = NewtonRefinement.Step(data, cur.q, cSaa / 8, cur.held.Margins, options.Seed, step, jNewton, options.Threads, out int active);
                if (refined is null) break;
                // On the kernel start's held-out directions: the comparison with the incumbent is paired, so its noise mostly cancels.
                var (cn, heldN) = ChooseSmoothing(data, refined, cSaa, options.Seed, 0, kVal, kPlan, options.Delta, clock, options.Threads);
                double gapN = heldN.Dual - TensorPrimitives.Min(heldN.Margins);
                if (!(gapN < cur.gap))
                {
                    // The full step overshot: try half of it (the midpoint of the two weight vectors, again in the simplex).
                    var half = cur.q.Zip(refined, (x, w) => (x + w) / 2).ToArray();
                    var (ch, heldH) = ChooseSmoothing(data, half, cSaa, options.Seed, 0, kVal, kPlan, options.Delta, clock, options.Threads);
                    double gapH = heldH.Dual - TensorPrimitives.Min(heldH.Margins);
                    progress?.Report($"Newton step {step}, half step: primal-dual gap {gapH:G3} (full step {gapN:G3})");
                    if (gapH < gapN) (refined, cn, heldN, gapN) = (half, ch, heldH, gapH);
                }
                progress?.Report($"Newton step {step} on {jNewton} directions, {active} active points: primal-dual gap {gapN:G3} on {kVal} held-out directions (c = {cn:G3}; was {cur.gap:G3}), "
                    + $"{clock.Elapsed.TotalSeconds - stepStart:F1} s: {(gapN < cur.gap ? "kept" : "not kept")}");
                if (dualBest is null || heldN.Dual < dualBest.Value.held.Dual) dualBest = (refined, heldN);
                if (!(gapN < cur.gap)) break;
                best = (refined, cn, gapN, step * jNewton, heldN);
                kernelStart = KernelMarginsOf(refined) ?? kernelStart;
            }
        }
        // With the kernel start, rounds on fewer sampled directions than points are skipped: q fitted to them overfits the
        // directions (THEORY.md §6, "q in practice") and the round's time is better spent on certification samples.
        if (qk is not null && j < n && options.OptimisationSamples is null)
        {
            progress?.Report($"no optimisation rounds: {j} sampled directions would be fewer than the {n} points (q is kept: {(best!.Value.k > 0 ? "the Newton-refined kernel start" : "the kernel start")})");
            j = 0;
        }
        for (int round = 1; j > 0; round++)
        {
            double roundStart = clock.Elapsed.TotalSeconds;
            progress?.Report($"optimising on {j} sampled directions (round {round})");
            var game = new MarginGame(TheoryKit.Random.Gaussian.Matrix(j, d, options.Seed, OptStream, round, options.Threads), j, null, data.X, data.Y, n, d);
            double left = budget - clock.Elapsed.TotalSeconds;
            var deadline = fixedCounts ? (TimeSpan?)null : TimeSpan.FromSeconds(Math.Max(0.02 * budget, 0.25 * left));
            GameSolution smooth;
            if (best is null)
            {
                double[] start = PdhgStart(game, options, ref iterations);
                smooth = SmoothedDualSolver.Solve(game, new SmoothedDualSolver.Options(options.Width / 16, options.Width / 2, fixedCounts ? 400 : 2000, deadline, start, 0.125));
            }
            else
                smooth = SmoothedDualSolver.Solve(game, new SmoothedDualSolver.Options(options.Width / 16, cSaa, 60, deadline, best.Value.q, cSaa));
            iterations += smooth.Iterations;
            // The same game solved to a 16 times smaller smoothing: its q has the smaller dual value (the gap of the smoothed problem is
            // at most c / 2), while its clipped primal can be worse where the optimal combination nearly vanishes on a cell of directions.
            double cRound = best is null ? smooth.Smoothing : cSaa;
            var sharp = SmoothedDualSolver.Solve(game, new SmoothedDualSolver.Options(options.Width / 16, cRound / 16, 300,
                fixedCounts ? null : TimeSpan.FromSeconds(Math.Max(0.01 * budget, 0.1 * left)), smooth.Q, cRound));
            iterations += sharp.Iterations;
            game = null;
            var (cr, held) = ChooseSmoothing(data, smooth.Q, cRound, options.Seed, round, kVal, kPlan, options.Delta, clock, options.Threads);
            // Held-out dual values on the round's own held-out directions (paired with held.Dual).
            var sharpHeld = Estimate(data, sharp.Q, cRound, options.Seed, ValidateStream, round, kVal, clock, double.PositiveInfinity, options.Threads, null, primal: false);
            foreach (var (cq, ch) in new[] { (smooth.Q, held), (sharp.Q, sharpHeld) })
                if (dualBest is null || ch.Dual < dualBest.Value.held.Dual) dualBest = (cq, ch);
            double gap = held.Dual - TensorPrimitives.Min(held.Margins);
            progress?.Report($"round {round}: primal-dual gap {gap:G3} on {kVal} held-out directions (c = {cr:G3}); dual {held.Dual:G4}, {sharpHeld.Dual:G4} at c = {cRound / 16:G3}");
            double previous = best?.gap ?? double.PositiveInfinity;
            if (best is null || gap < best.Value.gap) best = (smooth.Q, cr, gap, j, held);
            double roundSeconds = clock.Elapsed.TotalSeconds - roundStart;
            if (j >= jLast) break;
            if (!fixedCounts)
            {
                // Continue while the gap dominates the statistical term that the rest of the budget would give
                // after another round (about twice this one), and the gap still shrinks.
                double after = budget - clock.Elapsed.TotalSeconds - 2.2 * roundSeconds;
                if (after < 0.35 * budget || gap > 0.95 * previous) break;
                double stat = PredictedTerms(best.Value.held, (long)(after / certPerDirection), n, options.Delta);
                if (best.Value.gap <= stat || best.Value.gap + PredictedTerms(best.Value.held, (long)((budget - clock.Elapsed.TotalSeconds) / certPerDirection), n, options.Delta) <= 0.6 * options.Width) break;
            }
            j = (int)Math.Min(2L * j, jLast);
        }
        var (qBest, c, optGap, kOpt, heldBest) = best!.Value;
        // The upper end takes the weights of lowest held-out dual value when they beat the primal's own by more than two standard errors;
        // the primal keeps its weights p as a second weight vector (one more GEMM per chunk). Where the optimal combination vanishes on a
        // cell of directions, a small smoothing gives the better dual value and a large one the better primal (THEORY.md §6).
        var qUp = qBest;
        double[]? primalQ = null;
        if (dualBest is { } db && !ReferenceEquals(db.q, qBest)
            && db.held.Dual + 2 * Math.Sqrt((db.held.DualVariance + heldBest.DualVariance) / kVal) < heldBest.Dual)
        {
            (qUp, primalQ) = (db.q, qBest);
            optGap = db.held.Dual - TensorPrimitives.Min(heldBest.Margins);
            heldBest = heldBest with { Dual = db.held.Dual, DualVariance = db.held.DualVariance, MaxNorm = db.held.MaxNorm };
            progress?.Report($"second weight vector: the upper end's q has held-out dual {db.held.Dual:G4}, the primal's p {best.Value.held.Dual:G4}");
        }

        // Phase 2: fresh samples until the width's sample count is reached or the budget ends.
        long kNeeded = options.CertificationSamples ?? SamplesForWidth(heldBest, Math.Max(options.Width - optGap, options.Width / 2), n, options.Delta);
        progress?.Report(options.CertificationSamples is not null
            ? $"certifying on {kNeeded} fresh directions"
            : $"certifying on fresh directions: about {kNeeded} predicted for the width, more until the width is reached or the budget ends");
        // With a budget, sampling goes on past the predicted count until the interval's width is reached or the budget ends.
        // Kernel margins of the start (from its Gram matrix) and of the certificate's q.
        var kernel = KernelMarginsOf(qUp);
        yhy = null;
        // Thresholds of the kernel-tail end, fixed before the certification samples: 1.1, 1.3, 1.6 and 2 times the largest ||U_q(z)||
        // on the held-out directions (a union bound over the four; a few samples above one cost little through the Clopper-Pearson bound).
        double[] thresholds = kernel is null ? [] : TailThresholdsOf(kernel, heldBest);
        // The Monte Carlo primal (one GEMM of three) is dropped when the held-out directions predict that the kernel-tail end,
        // with the samples it frees, beats it: the lower end is then the kernel-tail (and exact-kernel) end alone, at the full delta.
        long kLeft = options.CertificationSamples ?? Math.Max(1024, (long)((budget - clock.Elapsed.TotalSeconds) / certPerDirection));
        bool primal = kernel is null || thresholds.Length == 0 || PredictedPrimalLower(data, heldBest, kLeft, options.Delta) > PredictedTailLower(data, kernel, thresholds, heldBest, float32 ? 3 * kLeft : 3 * kLeft / 2, options.Delta);
        if (!primal)
        {
            progress?.Report("lower end from the kernel margins (kernel-tail): the Monte Carlo primal is not estimated");
            primalQ = null;   // no primal, so no second weight vector
        }
        // A width stop rule looks at the interval up to Looks times: each look's ends use delta / (2 Looks), and the ends at the budget's
        // stop use delta / 2 (a union bound over the looks and the stop: delta in all; the budget's stop, where the width is hardest
        // to reach, gets half of it).
        double lookDelta = options.Delta / (2 * Looks), stopDelta = options.CertificationSamples is not null ? options.Delta : options.Delta / 2;
        Func<Estimates, bool>? reached = options.CertificationSamples is not null ? null : e => IntervalOf(data, e, lookDelta, kernel).width <= options.Width;
        var est = Estimate(data, qUp, c, options.Seed, CertStream, 0, options.CertificationSamples ?? long.MaxValue / 2, clock,
            options.CertificationSamples is null ? budget : double.PositiveInfinity, options.Threads, progress, reached, kNeeded, thresholds, primal, float32,
            primalQ);
        if (thresholds.Length > 0)
            progress?.Report($"kernel-tail thresholds {string.Join(", ", thresholds.Select(t => t.ToString("G3")))} (sup bound {kernel!.Sup:G3}): "
                + $"{string.Join(", ", est.TailCounts)} of {est.K} directions above them (largest {est.MaxNorm:G3}), {string.Join(", ", est.PairCounts)} antithetic pairs; "
                + $"kernel-tail end {TailLower(data, kernel, est, TailDelta(est, est.AtLook ? lookDelta : stopDelta)):G4} (on single directions: {TailLower(data, kernel, est with { PairCounts = [] }, TailDelta(est, est.AtLook ? lookDelta : stopDelta)):G4})");
        string stopped = options.CertificationSamples is not null ? "samples" : est.AtLook ? "width" : clock.Elapsed.TotalSeconds >= 0.97 * budget ? "time" : "gap";
        return Finish(data, options, "monte-carlo", qUp, c, kOpt, iterations, optGap, est, stopped, clock, cap, null, startKernel, kernel, est.AtLook ? lookDelta : stopDelta,
            primalQ);
    }

    private static double[] PdhgStart(MarginGame game, MarginOptions options, ref int iterations)
    {
        var pdhg = PdhgSolver.Solve(game, new PdhgSolver.Options(options.Width / 16, options.FixedCounts ? 300 : 200000,
            options.FixedCounts ? null : TimeSpan.FromSeconds(0.1 * options.TimeBudget)));
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
        cert.Validate(name);
        if (cert.N != data.N || cert.D != data.D) throw new InputException(name, null, "n", $"certificate is for n={cert.N}, d={cert.D}; the data has n={data.N}, d={data.D}");
        if (cert.DataFingerprint != data.Fingerprint()) throw new InputException(name, null, "data_fingerprint", $"certificate was computed on different data (fingerprint mismatch; it names '{cert.DataSource}')");
        var clock = Stopwatch.StartNew();
        var original = data;
        (data, double back) = Working(data);
        cert = cert with { Smoothing = cert.Smoothing / back };
        double cap = CapOf(data);
        var options = new MarginOptions(Delta: cert.Delta, Seed: seed, Threads: threads);
        if (cert.Mode == "exact-planar")
        {
            var plane = PlanarMargin.PlaneCoordinates(data.X, data.N, data.D) ?? throw new InputException(name, null, "mode", "exact certificate but the data are not planar");
            var game = PlanarMargin.Game(plane, data.Y, data.N);
            if (cert.PlanarPrimal is null || cert.PlanarPrimal.Length != game.J * 2) throw new InputException(name, null, "planar_primal", $"expected {game.J * 2} numbers");
            var m = new double[data.N];
            game.MarginsOf(PlanarMargin.ClipRowsToUnitBall(cert.PlanarPrimal, 2), m);
            var r = new Estimates(game.DualValue(UOf(game, cert.Q)), 0, m, new double[data.N], 0, 0);
            return ReferTo(Finish(data, options with { Delta = 0 }, "exact-planar", cert.Q, cert.Smoothing, 0, 0, 0, r, "exact", clock, cap, cert.PlanarPrimal), original, back);
        }
        long k = samples ?? cert.CertificationSamples;
        if (k < 1) throw new InputException(name, null, "certification_samples", "must be >= 1");
        var kernel = KernelOf(data, cert.Q);
        var est = Estimate(data, cert.Q, cert.Smoothing, seed, VerifyStream, 0, k, clock, double.PositiveInfinity, threads, progress, thresholds: TailThresholds(kernel),
            primalQ: cert.PrimalQ);
        return ReferTo(Finish(data, options, "monte-carlo", cert.Q, cert.Smoothing, cert.OptimisationSamples, 0, double.NaN, est, "samples", clock, cap, null, null, kernel,
            primalQ: cert.PrimalQ), original, back);
    }

    /// <summary>Smallest K with sqrt(ln(1/delta)/(2K)) + sqrt(2 ln(n/delta)/K) &lt;= target (Hoeffding on both ends).</summary>
    public static long SamplesForWidth(double target, int n, double delta)
    {
        double a = Math.Sqrt(Math.Log(1 / delta) / 2) + Math.Sqrt(2 * Math.Log(n / delta));
        return (long)Math.Ceiling(a * a / (target * target));
    }

    /// <summary>
    /// Smallest K (by doubling and bisection, at most 2^40) whose predicted terms, with the variances measured on
    /// held-out directions, fit <paramref name="target"/>; the target is at least a quarter of the Hoeffding-only width's.
    /// </summary>
    private static long SamplesForWidth(Estimates held, double target, int n, double delta)
    {
        long hoeffding = SamplesForWidth(target, n, delta);
        long lo = 1, hi = 2;
        while (hi < hoeffding && PredictedTerms(held, hi, n, delta) > target) { lo = hi; hi *= 2; }
        if (hi >= hoeffding) return hoeffding;
        while (hi - lo > Math.Max(1, lo / 64))
        {
            long mid = lo + (hi - lo) / 2;
            if (PredictedTerms(held, mid, n, delta) > target) lo = mid; else hi = mid;
        }
        return hi;
    }

    /// <summary>Predicted sum of the two ends' terms at K samples if the certification samples had the held-out variances.</summary>
    private static double PredictedTerms(Estimates held, long k, int n, double delta)
    {
        if (k < 2) return double.PositiveInfinity;
        double up = Concentration.Best(held.DualVariance, k, delta).Term;
        double low = 0;
        for (int i = 0; i < n; i++) low = Math.Max(low, Concentration.Best(held.MarginVariances[i], k, delta / n, 1).Term);
        return up + low;
    }

    /// <summary>The Monte Carlo lower end predicted at K certification samples from held-out estimates (delta/2: it shares the lower end with the tail).</summary>
    private static double PredictedPrimalLower(Dataset data, Estimates held, long k, double delta)
    {
        double lower = double.PositiveInfinity;
        for (int i = 0; i < data.N; i++)
            lower = Math.Min(lower, held.Margins[i] - Concentration.Best(held.MarginVariances[i], k, delta / (2 * data.N), data.RowNorm(i)).Term);
        return lower;
    }

    /// <summary>The kernel-tail lower end predicted at K certification samples: none above thresholds over 1.05 times the held-out largest ||U_q(z)||, all below the others.</summary>
    private static double PredictedTailLower(Dataset data, KernelMarginsResult kernel, double[] thresholds, Estimates held, long k, double delta)
    {
        var counts = thresholds.Select(t => t >= 1.05 * held.MaxNorm ? 0L : k).ToArray();
        return thresholds.Length == 0 ? double.NegativeInfinity
            : TailLower(data, kernel, held with { K = Math.Min(k, int.MaxValue), Thresholds = thresholds, TailCounts = counts, PairCounts = counts }, delta);
    }

    /// <summary>Hoeffding term of the upper end: sqrt(ln(1/delta) / (2K)) (THEORY.md §6).</summary>
    public static double HoeffdingUpperTerm(long k, double delta) => Math.Sqrt(Math.Log(1 / delta) / (2.0 * k));

    /// <summary>Hoeffding term of the lower end with a union bound over n points: sqrt(2 ln(n/delta) / K) (THEORY.md §6).</summary>
    public static double HoeffdingLowerTerm(long k, int n, double delta) => Math.Sqrt(2 * Math.Log(n / delta) / k);

    /// <summary>Sample means and unbiased sample variances of the certification values: ||U_q(z)|| and y_i &lt;v(z), x_i&gt; 1[&lt;z, x_i&gt; &gt; 0].</summary>
    private sealed record Estimates(double Dual, double DualVariance, double[] Margins, double[] MarginVariances, long K, double Gflops)
    {
        /// <summary>Wall seconds of the pass.</summary>
        public double Seconds { get; init; }
        /// <summary>Thresholds T_l of the kernel-tail lower end (descending) and the number of samples with ||U_q(z)|| &gt; T_l.</summary>
        public double[] Thresholds { get; init; } = [];
        /// <summary>Counts per threshold (see <see cref="Thresholds"/>).</summary>
        public long[] TailCounts { get; init; } = [];
        /// <summary>Largest ||U_q(z)|| seen.</summary>
        public double MaxNorm { get; init; }
        /// <summary>Whether the Monte Carlo primal margins were estimated (else <see cref="Margins"/> are zeros and only the kernel ends bound gamma below).</summary>
        public bool HasPrimal { get; init; } = true;
        /// <summary>Mean of min(||U_q(z)||, T_0) with T_0 the first (largest) threshold (the clipped upper end; equal to <see cref="Dual"/> without thresholds).</summary>
        public double ClippedDual { get; init; }
        /// <summary>Unbiased sample variance of min(||U_q(z)||, T_0).</summary>
        public double ClippedDualVariance { get; init; }
        /// <summary>Mean amount by which the float32 norm pass raised ||U_q(z)|| to a rigorous upper bound (<see cref="SingleNorms"/>; 0 in double).</summary>
        public double RoundingAllowance { get; init; }
        /// <summary>Whether the norms came from float32 GEMMs (<see cref="SingleNorms"/>).</summary>
        public bool Float32 { get; init; }
        /// <summary>Whether sampling stopped because the width stop rule was met at one of its looks (else: the budget, or the fixed count).</summary>
        public bool AtLook { get; init; }
        /// <summary>Per threshold T_l: samples whose antithetic pair has max(||U_q(z)||, ||U_q(-z)||) &gt; T_l (the kernel-tail end's event,
        /// <see cref="TailLower"/>); empty when not counted.</summary>
        public long[] PairCounts { get; init; } = [];
    }

    private static MarginResult Exact(Dataset data, double[] plane, MarginOptions options, Stopwatch clock, double cap)
    {
        var game = PlanarMargin.Game(plane, data.Y, data.N);
        var limit = TimeSpan.FromSeconds(options.TimeBudget);
        var sol = PdhgSolver.Solve(game, new PdhgSolver.Options(Math.Min(1e-9, options.Width / 100), 1_000_000, limit));
        // Tiny margins (e.g. two points 1e-10 rad apart: gamma = 4e-11) need a tolerance relative to gamma, not 1e-9.
        double left = options.TimeBudget - clock.Elapsed.TotalSeconds;
        if (sol.Upper < 1e-3 && sol.Upper > 0 && sol.Converged && left > 0)
        {
            var fine = PdhgSolver.Solve(game, new PdhgSolver.Options(Math.Min(1e-9, options.Width / 100) * sol.Upper, 1_000_000, TimeSpan.FromSeconds(left)));
            if (fine.Gap <= sol.Gap) sol = fine;
        }
        double c = BestSmoothing(game, sol.Q, out _);
        var est = new Estimates(sol.Upper, 0, sol.Margins, new double[data.N], 0, 0);
        return Finish(data, options with { Delta = 0 }, "exact-planar", sol.Q, c, 0, sol.Iterations, sol.Gap, est, "exact", clock, cap, sol.V);
    }

    /// <summary>
    /// The result from the estimates. In Monte Carlo mode the lower end is the largest of the Monte Carlo lower end, the kernel-tail
    /// end (<see cref="TailLower"/>, when the estimates carry thresholds) and the exact kernel lower end min_i (Y H Y q)_i / S_q
    /// (<see cref="MarginSandwich.ExactKernelLower(Dataset, double[], out double)"/>, no sampling, named "exact-kernel") for the
    /// certificate's q (<paramref name="kernel"/>) and the kernel quadratic's minimiser (<paramref name="startKernel"/>), each computed when
    /// n |supp q| d &lt;= <see cref="MaxKernelLowerWork"/> or from the kernel start's Gram matrix: deterministic bounds and bounds
    /// whose failure probabilities add up to delta, so their maximum holds with probability 1 - delta (see <see cref="IntervalOf"/>).
    /// </summary>
    private static MarginResult Finish(Dataset data, MarginOptions options, string mode, double[] q, double c, int kOpt, int iterations,
        double optGap, Estimates est, string stopped, Stopwatch clock, double cap, double[]? planarPrimal, KernelMarginsResult? startKernel = null,
        KernelMarginsResult? kernel = null, double? termDelta = null, double[]? primalQ = null)
    {
        double primal = TensorPrimitives.Min(est.Margins);
        bool exact = mode == "exact-planar";
        var (lower, upper, up, low, rawLower, _) = exact
            ? (Math.Min(est.Dual, cap), Math.Min(est.Dual, cap), new EndBound("exact", 0), new EndBound("exact", 0), primal, 0.0)
            : IntervalOf(data, est, termDelta ?? options.Delta, kernel);
        if (!exact && startKernel is not null && ExactLowerOf(startKernel) > rawLower)
        {
            rawLower = ExactLowerOf(startKernel); lower = Math.Max(0, rawLower); low = new EndBound(ExactKernel, 0);
        }
        if (!exact && !est.HasPrimal) primal = rawLower;   // no Monte Carlo primal: the kernel ends are the primal estimate
        if (low.Name is ExactKernel or KernelTail) low = low with { Term = primal - rawLower };
        if (exact) { upper = Math.Min(cap, est.Dual); lower = Math.Min(upper, Math.Max(0, primal)); }   // equal up to rounding when exact
        else { upper = Math.Min(cap, upper); lower = Math.Min(upper, lower); }
        double estimate = Math.Clamp((Math.Max(primal, 0) + est.Dual) / 2, lower, upper);
        var cert = new MarginCertificate(MarginCertificate.FormatTag, mode, data.Provenance.Source, data.Fingerprint(), data.N, data.D,
            options.Seed, options.Delta, c, q, kOpt, est.K, lower, upper, planarPrimal, primalQ);
        return new MarginResult(mode, lower, upper, estimate, options.Delta, est.Dual, primal, up.Term, primal - rawLower, up.Name, low.Name,
            kOpt, est.K, optGap, iterations, stopped, clock.Elapsed.TotalSeconds, est.Gflops, est.Float32 ? Blas.Description + ", float32 norm pass" : Blas.Description,
            cert, SubsampleOf(data), est.RoundingAllowance, est.Seconds, !exact && est.HasPrimal);
    }

    /// <summary>Largest n |supp q| d for which the exact kernel lower end is computed (about 2 s of kernel evaluations on 2 cores at 4e9).</summary>
    internal const double MaxKernelLowerWork = 4e9;

    /// <summary>Name of the deterministic kernel lower end min_i (Y H Y q)_i / S_q in outputs (THEORY.md §6).</summary>
    public const string ExactKernel = "exact-kernel";
    /// <summary>Name of the kernel-tail lower end (THEORY.md §6): kernel margins of the primal clipped at a threshold T, less its tail.</summary>
    public const string KernelTail = "kernel-tail";
    /// <summary>
    /// Looks of the width stop rule during certification: the interval is checked at most this often (at doubling sample counts). Each
    /// look's ends are computed at delta / (2 Looks) and the ends at the budget's stop at delta / 2: a union bound over the looks and the
    /// stop (delta in all), so the stopping rule keeps the stated confidence (THEORY.md §6).
    /// </summary>
    internal const int Looks = 6;

    /// <summary>Thresholds of the kernel-tail lower end: S_q 2^(-l/4), l = 1..TailLevels (a union bound over them).</summary>
    internal const int TailLevels = 32;

    /// <summary>The kernel margins of q (<see cref="MarginSandwich.KernelMargins(Dataset, double[])"/>) when q is affordable (n |supp q| d &lt;= <see cref="MaxKernelLowerWork"/>), else null.</summary>
    private static KernelMarginsResult? KernelOf(Dataset data, double[]? q)
    {
        if (q is null || q.Length != data.N) return null;
        long support = q.Count(v => v > 0);
        if ((double)data.N * support * data.D > MaxKernelLowerWork) return null;
        return MarginSandwich.KernelMargins(data, q);
    }

    /// <summary>The solver's kernel-tail thresholds: 2, 1.6, 1.3 and 1.1 times the largest held-out ||U_q(z)||, at most S_q; empty when none was seen.</summary>
    private static double[] TailThresholdsOf(KernelMarginsResult kernel, Estimates held) =>
        !(held.MaxNorm > 0) ? [] : new[] { 2.0, 1.6, 1.3, 1.1 }.Select(f => Math.Min(kernel.Sup, f * held.MaxNorm)).ToArray();

    /// <summary>The thresholds S_q 2^(-l/4), l = 1..<see cref="TailLevels"/> (descending), of the kernel-tail lower end; empty without kernel margins.</summary>
    private static double[] TailThresholds(KernelMarginsResult? kernel) =>
        kernel is null ? [] : Enumerable.Range(1, TailLevels).Select(l => kernel.Sup * Math.Pow(2, -l / 4.0)).ToArray();

    /// <summary>min_i ((Y H Y q)_i - allowance) / S_q: the exact kernel lower end (<see cref="MarginSandwich.ExactKernelLower(Dataset, double[], out double)"/>).</summary>
    private static double ExactLowerOf(KernelMarginsResult kernel) => (kernel.Margins.Min() - kernel.Allowance) / kernel.Sup;

    /// <summary>
    /// The kernel-tail lower end (THEORY.md §6): for the primal v_T(z) = U_q(z) / max(||U_q(z)||, T), point i's margin is at least
    /// (Y H Y q)_i / T - ||x_i|| (S_q / T - 1) P(||U_q(z)|| &gt; T), since v_T = U_q / T off that event and the two differ there by
    /// (||U_q|| / T - 1) in the direction of U_q (||U_q|| &lt;= S_q). P is bounded by the Clopper-Pearson upper bound on the count of
    /// samples above T (one event for all points: no union over n), at delta / L for each of the L thresholds. The best threshold's
    /// bound holds with probability &gt;= 1 - delta. Antithetic form (used when the estimates carry pair counts): the difference is
    /// c_i(z) = y_i &lt;U_q(z), x_i&gt; 1[&lt;z, x_i&gt; &gt; 0] (1/T - 1/max(||U_q(z)||, T)) &lt;= ||x_i|| (S_q/T - 1) 1[&lt;z, x_i&gt; &gt; 0] 1[||U_q(z)|| &gt; T], and
    /// E c_i(z) = E (c_i(z) + c_i(-z)) / 2 where exactly one of the two masks of point i is 1 (almost surely), so the margin is at least
    /// (Y H Y q)_i / T - (1/2) ||x_i|| (S_q / T - 1) P(max(||U_q(z)||, ||U_q(-z)||) &gt; T): half the penalty, on the pair's event. Where the count
    /// is 0, the Clopper-Pearson bound is the same for both events, so the penalty halves.
    /// </summary>
    private static double TailLower(Dataset data, KernelMarginsResult kernel, Estimates est, double delta)
    {
        double best = double.NegativeInfinity;
        if (est.K < 1 || est.K > int.MaxValue) return best;
        int trials = (int)est.K;
        bool pairs = est.PairCounts.Length == est.Thresholds.Length;
        for (int l = 0; l < est.Thresholds.Length; l++)
            best = Math.Max(best, pairs ? KernelTailLower(data, kernel, est.Thresholds[l], est.PairCounts[l], trials, delta / est.Thresholds.Length, 0.5)
                : KernelTailLower(data, kernel, est.Thresholds[l], est.TailCounts[l], trials, delta / est.Thresholds.Length));
        return best;
    }

    /// <summary>The delta of the kernel-tail end when the interval's ends use <paramref name="delta"/> (as <see cref="IntervalOf"/>; for progress messages).</summary>
    private static double TailDelta(Estimates est, double delta) => delta / (est.HasPrimal ? 2 : 1);

    /// <summary>
    /// The kernel-tail lower end at one threshold T (THEORY.md §6): min_i ((Y H Y q)_i - allowance) / T - share ||x_i|| max(0, S_q / T - 1) p, with p the
    /// one-sided Clopper-Pearson upper bound (level 1 - delta) on the probability of the tail event from <paramref name="above"/> of <paramref name="samples"/>:
    /// share 1 for P(||U_q(z)|| &gt; T), share 1/2 for the antithetic pair's P(max(||U_q(z)||, ||U_q(-z)||) &gt; T) (<see cref="TailLower"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Counts out of range or delta outside (0, 1) (from the Clopper-Pearson bound).</exception>
    internal static double KernelTailLower(Dataset data, KernelMarginsResult kernel, double threshold, long above, long samples, double delta, double share = 1)
    {
        if (!(threshold > 0)) return double.NegativeInfinity;
        double p = TheoryKit.Experiments.ClopperPearson.UpperBound((int)above, (int)samples, delta);
        double lower = double.PositiveInfinity;
        for (int i = 0; i < data.N; i++)
            lower = Math.Min(lower, (kernel.Margins[i] - kernel.Allowance) / threshold - share * data.RowNorm(i) * Math.Max(0, kernel.Sup / threshold - 1) * p);
        return lower;
    }

    /// <summary>
    /// The interval of Monte Carlo estimates: upper = dual + the upper end's term (||U_q(z)|| in [0, max_i ||x_i||], delta),
    /// lower = max(0, min_i (primal_i - term_i)) (point i's antithetic pair means in [-||x_i||/2, ||x_i||/2], lowerDelta/n each), each
    /// term the smaller of Hoeffding and empirical Bernstein (<see cref="Concentration.Best"/>). With a kernel-tail lower end
    /// (<see cref="TailLower"/>: the estimates carry thresholds) the Monte Carlo lower end gets delta/2 and the tail delta/2, and the
    /// lower end is the larger of the two (and of the exact kernel end).
    /// </summary>
    private static (double lower, double upper, EndBound up, EndBound low, double rawLower, double width) IntervalOf(Dataset data, Estimates est,
        double delta, KernelMarginsResult? kernel = null)
    {
        bool tail = est.Thresholds.Length > 0 && kernel is not null;
        double lowerDelta = tail && est.HasPrimal ? delta / 2 : delta;
        double maxNorm = 0;
        for (int i = 0; i < data.N; i++) maxNorm = Math.Max(maxNorm, data.RowNorm(i));
        var up = UpperOf(est, delta, kernel, maxNorm);
        double rawLower = double.PositiveInfinity;
        var low = up;
        if (!est.HasPrimal) { rawLower = double.NegativeInfinity; low = new EndBound(KernelTail, 0); }
        for (int i = 0; i < data.N && est.HasPrimal; i++)
        {
            var b = Concentration.Best(est.MarginVariances[i], est.K, lowerDelta / data.N, data.RowNorm(i));
            if (est.Margins[i] - b.Term < rawLower) { rawLower = est.Margins[i] - b.Term; low = b; }
        }
        if (kernel is not null)
        {
            double exactLower = ExactLowerOf(kernel);
            if (exactLower > rawLower) { rawLower = exactLower; low = new EndBound(ExactKernel, 0); }
            if (tail)
            {
                double tailLower = TailLower(data, kernel, est, est.HasPrimal ? delta / 2 : delta);
                if (tailLower > rawLower) { rawLower = tailLower; low = new EndBound(KernelTail, 0); }
            }
        }
        double upper = est.Dual + up.Term, lower = Math.Max(0, rawLower);
        return (lower, upper, up, low, rawLower, upper - lower);
    }

    /// <summary>
    /// The upper end's term (THEORY.md §6): ||U_q(z)|| lies in [0, S] with S = min(max_i ||x_i||, S_q) (S_q the kernel margins' sup bound, when
    /// known). Without thresholds: the smaller of Hoeffding and empirical Bernstein with range S at delta (<see cref="Concentration.Best"/>).
    /// With thresholds and T = T_0 (their largest, fixed before the samples) below S: E||U_q|| &lt;= E min(||U_q||, T) + (S - T) P(||U_q|| &gt; T),
    /// the first bounded by <see cref="Concentration.Best"/> with range T at delta/2, the second by the Clopper-Pearson upper bound on the
    /// count above T at delta/2 (named "clipped-" and the inequality used). The term returned is the upper end less the dual estimate.
    /// </summary>
    private static EndBound UpperOf(Estimates est, double delta, KernelMarginsResult? kernel, double maxNorm)
    {
        double range = kernel is null ? maxNorm : Math.Min(maxNorm, kernel.Sup);
        if (kernel is null || est.Thresholds.Length == 0 || !(est.Thresholds[0] < range) || est.K > int.MaxValue)
            return Concentration.Best(est.DualVariance, est.K, delta, range);
        double t = est.Thresholds[0];
        var b = Concentration.Best(est.ClippedDualVariance, est.K, delta / 2, t);
        double tail = (range - t) * TheoryKit.Experiments.ClopperPearson.UpperBound((int)est.TailCounts[0], (int)est.K, delta / 2);
        return new EndBound(Clipped + b.Name, est.ClippedDual + b.Term + tail - est.Dual);
    }

    /// <summary>Prefix of the upper end's bound name when the dual is clipped at a threshold with a Clopper-Pearson tail (<see cref="UpperOf"/>).</summary>
    public const string Clipped = "clipped-";

    /// <summary>
    /// "k of N points" when the loader drew the data as a subsample of a larger set (its provenance note "subsampled k of N
    /// points ..."), else null: then only the upper end of the interval bounds the larger set's margin.
    /// </summary>
    public static string? SubsampleOf(Dataset data)
    {
        var note = data.Provenance.Notes.FirstOrDefault(s => s.StartsWith("subsampled ", StringComparison.Ordinal));
        if (note is null) return null;
        var words = note.Split(' ');
        return words.Length >= 4 ? $"{words[1]} of {words[3]} points" : note;
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

    /// <summary>Measured seconds of one PDHG iteration per direction (ComputeU plus MarginsOf on a game of 1024 directions, fewer when its two
    /// J x n buffers would exceed half of <see cref="WorkingBytes"/>: 49 at n = 12000, d = 784; at least 32).</summary>
    private static double SecondsPerDirection(Dataset data, MarginOptions options)
    {
        int k = (int)Math.Clamp(WorkingBytes(data.N, data.D) / (32L * data.N), 32, 1024);
        var game = new MarginGame(TheoryKit.Random.Gaussian.Matrix(k, data.D, options.Seed, "calibration"), k, null, data.X, data.Y, data.N, data.D);
        var q = Enumerable.Repeat(1.0 / data.N, data.N).ToArray();
        var u = new double[k * data.D]; var m = new double[data.N];
        game.ComputeU(q, u); game.MarginsOf(u, m);
        var sw = Stopwatch.StartNew();
        game.ComputeU(q, u); game.MarginsOf(u, m);
        return Math.Max(sw.Elapsed.TotalSeconds / k, 1e-9);
    }

    /// <summary>
    /// Streams <paramref name="kTarget"/> fresh directions (or fewer when the budget ends) in chunks (chunk j from
    /// stream (seed, stream, index, j); the chunk size depends on n and d alone) and accumulates the sum and sum of
    /// squares of ||U_q(z)|| and, per point, of y_i &lt;v(z), x_i&gt; 1[&lt;z,x_i&gt; &gt; 0] with v(z) = U_q(z) / max(||U_q(z)||, c).
    /// Working memory beyond the data: (block + chunk) x d doubles of directions (<see cref="DirectionBlocks"/>, read in blocks of
    /// <see cref="BlockRows"/> rows), a block x n buffer of doubles, one of mask bits (<see cref="SignMasks"/>) and up to three block x d
    /// buffers, within <see cref="WorkingBytes"/> whatever n.
    /// </summary>
    private static Estimates Estimate(Dataset data, double[] q, double c, ulong seed, string stream, long index, long kTarget,
        Stopwatch clock, double budget, int threads, IProgress<string>? progress, Func<Estimates, bool>? done = null, long checkFrom = 0,
        double[]? thresholds = null, bool primal = true, bool float32 = false, double[]? primalQ = null)
        => EstimateLadder(data, q, [c], seed, stream, index, kTarget, clock, budget, threads, progress, done, checkFrom, thresholds, primal, float32, primalQ)[0];

    /// <summary>
    /// As <see cref="Estimate"/> for several smoothings c at once (the masks and U_q are shared; one more GEMM per c).
    /// The optional stop rule <c>done</c> is asked at most <see cref="Looks"/> times (with one c): at the first sample counts reaching
    /// <c>checkFrom</c>, 2 <c>checkFrom</c>, 4 <c>checkFrom</c>, ... (data-independent points, so a union bound over them and the
    /// budget's stop covers the stopping rule). With <paramref name="primalQ"/> (the primal's own weights p, THEORY.md §6 "second weight
    /// vector"), the primal is v(z) = U_p(z) / max(||U_p(z)||, c) while the norms, the tail counts and the upper end stay those of U_q: one
    /// more GEMM per block (U_p) and one more block x d buffer.
    /// </summary>
    private static Estimates[] EstimateLadder(Dataset data, double[] q, double[] cs, ulong seed, string stream, long index, long kTarget,
        Stopwatch clock, double budget, int threads, IProgress<string>? progress, Func<Estimates, bool>? done = null, long checkFrom = 0,
        double[]? thresholds = null, bool primal = true, bool float32 = false, double[]? primalQ = null)
    {
        int n = data.N, d = data.D, nc = cs.Length;
        int chunk = ChunkRows(n, d), block = BlockRows(n, d);
        FreePreviousPhase(n, d);
        // float32 GEMMs only for the norm pass (no Monte Carlo primal): ||U_q(z)|| is then replaced by a rigorous upper bound.
        var single = float32 && !primal ? new SingleNorms(data, q, block) : null;
        var qy = new double[n];
        for (int i = 0; i < n; i++) qy[i] = q[i] * data.Y[i];
        // W = U_q(z) + U_q(-z) = sum_j q_j y_j x_j (the masks of -z are 1 - those of z), and <W, x_i>.
        var w = Combination(data, qy); var wx = new double[n];
        // The primal's weights: q itself, or the second weight vector p (its own combination W_p and masked weights p y).
        var py = primalQ is null ? qy : primalQ.Select((v, i) => v * data.Y[i]).ToArray();
        var wp = primalQ is null ? w : Combination(data, py);
        for (int i = 0; i < n; i++) wx[i] = TensorPrimitives.Dot(wp, data.X.AsSpan(i * d, d));
        // The random stream is read in blocks of rows (across its chunks), so that the block x n buffers stay within the working-memory bound:
        // a holds the pre-activations, then the masked weights, then the primal's products; mask keeps the signs of the pre-activations as bits.
        int maskRow = SignMasks.BytesPerRow(n);
        var a = single is null ? new double[(long)block * n] : []; var mask = single is null ? new byte[(long)block * maskRow] : [];
        var u = single is null ? new double[(long)block * d] : [];
        var norms = new double[block]; var mirrored = new double[block]; var diff = new double[d];
        var up = primalQ is null ? u : new double[(long)block * d];
        var normsP = primalQ is null ? norms : new double[block]; var mirroredP = primalQ is null ? mirrored : new double[block];
        thresholds ??= [];
        var counts = new long[thresholds.Length]; var pairCounts = new long[thresholds.Length];
        double maxNorm = 0;
        long nextLook = Math.Max(1, checkFrom);
        int looks = 0;
        var sums = new double[nc][]; var squares = new double[nc][];
        for (int l = 0; l < nc; l++) { sums[l] = new double[n]; squares[l] = new double[n]; }
        double dualSum = 0, dualSquares = 0, clipSum = 0, clipSquares = 0, allowanceSum = 0, start = clock.Elapsed.TotalSeconds;
        double clip = thresholds.Length > 0 ? thresholds[0] : double.PositiveInfinity;
        bool stoppedAtLook = false;
        // U = A diag(weights y) X for the block's masks, its rows' norms and those of total - U (the mirrored directions).
        // With fromPreActivations the masks are first taken from the pre-activations in a (one pass over the block).
        void Combine(int rows, double[] weightsY, double[] total, double[] target, double[] rowNorms, double[] mirroredNorms, bool fromPreActivations)
        {
            for (int r = 0; r < rows; r++)
            {
                var mr = mask.AsSpan(r * maskRow, maskRow); var ar = a.AsSpan(r * n, n);
                if (fromPreActivations) SignMasks.TakeAndApply(ar, weightsY, mr);
                else SignMasks.Apply(mr, weightsY, ar);
            }
            Blas.MultiplyAB(a, data.X, target, rows, d, n);
            for (int r = 0; r < rows; r++)
            {
                var ur = target.AsSpan(r * d, d);
                rowNorms[r] = TensorPrimitives.Norm(ur);
                TensorPrimitives.Subtract(total, ur, diff);
                mirroredNorms[r] = TensorPrimitives.Norm(diff);
            }
        }
        long k = 0;
        double lastReport = start;
        for (var directions = new DirectionBlocks(d, chunk, block, seed, stream, index * (1L << 32), kTarget, threads); k < kTarget;)
        {
            var t0 = clock.Elapsed.TotalSeconds;
            int br = (int)Math.Min(block, kTarget - k);
            var zb = directions.Next(br);
            if (single is not null) allowanceSum += single.Norms(zb, br, norms, mirrored);   // upper bounds on ||U_q(+-z_k)|| from float32 GEMMs
            else
            {
                Blas.MultiplyABt(zb, data.X, a, br, n, d);                      // pre-activations <z_k, x_i>
                Combine(br, qy, w, u, norms, mirrored, true);                   // masks, U_q(z_k), ||U_q(z_k)||, ||U_q(-z_k)|| = ||W - U_q(z_k)||
                if (primalQ is not null) Combine(br, py, wp, up, normsP, mirroredP, false);   // the same for the second weight vector p
            }
            for (int r = 0; r < br; r++)
            {
                double norm = norms[r];
                dualSum += norm; dualSquares += norm * norm; maxNorm = Math.Max(maxNorm, norm);
                double clipped = Math.Min(norm, clip);
                clipSum += clipped; clipSquares += clipped * clipped;
                for (int l = thresholds.Length - 1; l >= 0 && norm > thresholds[l] * (1 - 1e-9); l--) counts[l]++;   // descending thresholds
                double pair = Math.Max(norm, mirrored[r]);
                for (int l = thresholds.Length - 1; l >= 0 && pair > thresholds[l] * (1 - 1e-9); l--) pairCounts[l]++;
            }
            if (primal) Blas.MultiplyABt(up, data.X, a, br, n, d);            // <U_p(z_k), x_i> (p = q unless a second weight vector is given)
            for (int l = 0; l < (primal ? nc : 0); l++)
            {
                // Antithetic pair (z_k, -z_k): v(z) = U_q(z) / max(||U_q(z)||, c), v(-z) = (W - U_q(z)) / max(||W - U_q(z)||, c); exactly one
                // of the two masks of point i is 1, so the pair's mean value is half of <v(z), x_i> (active at z) or <v(-z), x_i> (else).
                var sl = sums[l]; var ql = squares[l];
                for (int r = 0; r < br; r++)
                {
                    double s = 0.5 / Math.Max(normsP[r], cs[l]), sm = 0.5 / Math.Max(mirroredP[r], cs[l]);
                    SignMasks.AccumulatePair(mask.AsSpan(r * maskRow, maskRow), a.AsSpan(r * n, n), wx, s, sm, sl, ql);
                }
            }
            k += br;
            double per = clock.Elapsed.TotalSeconds - t0;
            if (progress is not null && clock.Elapsed.TotalSeconds - lastReport >= 2)
            {
                lastReport = clock.Elapsed.TotalSeconds;
                double rate = k / Math.Max(clock.Elapsed.TotalSeconds - start, 1e-9);
                double eta = Math.Min((kTarget - k) / rate, Math.Max(0, budget - clock.Elapsed.TotalSeconds));
                string of = kTarget < long.MaxValue / 4 ? $" of {kTarget}" : "";
                progress.Report($"certified on {k}{of} directions ({rate:F0}/s, ETA {eta:F0} s{(done is not null ? " at most: sooner when the width is reached" : "")})");
            }
            if (clock.Elapsed.TotalSeconds + per > budget) break;
            if (done is not null && nc == 1 && k >= nextLook && looks < Looks && (++looks > 0) && (nextLook = 2 * nextLook) > 0
                && done(Summarise(data, sums[0], squares[0], dualSum, dualSquares, k, 0)[0] with
                {
                    Thresholds = thresholds, TailCounts = counts, HasPrimal = primal, ClippedDual = clipSum / k,
                    ClippedDualVariance = Concentration.SampleVariance(clipSum, clipSquares, k), AtLook = true, PairCounts = pairCounts,
                }))
            {
                stoppedAtLook = true;
                break;
            }
        }
        double seconds = clock.Elapsed.TotalSeconds - start;
        var result = Summarise(data, sums, squares, dualSum, dualSquares, k, seconds);
        for (int l = 0; l < nc; l++)
            result[l] = result[l] with
            {
                Thresholds = thresholds, TailCounts = (long[])counts.Clone(), PairCounts = (long[])pairCounts.Clone(), MaxNorm = maxNorm, HasPrimal = primal,
                ClippedDual = k > 0 ? clipSum / k : 0, ClippedDualVariance = Concentration.SampleVariance(clipSum, clipSquares, k), AtLook = stoppedAtLook, Seconds = seconds,
                Gflops = primalQ is not null ? result[l].Gflops * 4 / 3 : primal ? result[l].Gflops : result[l].Gflops * 2 / 3, RoundingAllowance = k > 0 ? allowanceSum / k : 0, Float32 = single is not null,
            };
        return result;
    }

    /// <summary>W = sum_j w_j x_j (length d) for weights w (length n; zeros skipped): U_q(z) + U_q(-z) when w = q y.</summary>
    private static double[] Combination(Dataset data, double[] w)
    {
        var sum = new double[data.D];
        for (int j = 0; j < data.N; j++) if (w[j] != 0) TensorPrimitives.MultiplyAdd(data.X.AsSpan(j * data.D, data.D), w[j], sum, sum);
        return sum;
    }

    private static Estimates[] Summarise(Dataset data, double[] sums, double[] squares, double dualSum, double dualSquares, long k, double seconds)
        => Summarise(data, [sums], [squares], dualSum, dualSquares, k, seconds);

    private static Estimates[] Summarise(Dataset data, double[][] sums, double[][] squares, double dualSum, double dualSquares, long k, double seconds)
    {
        int n = data.N, d = data.D, nc = sums.Length;
        var result = new Estimates[nc];
        for (int l = 0; l < nc; l++)
        {
            var margins = new double[n]; var variances = new double[n];
            for (int i = 0; i < n; i++)
            {
                margins[i] = data.Y[i] * sums[l][i] / k;
                variances[i] = Concentration.SampleVariance(sums[l][i], squares[l][i], k);
            }
            result[l] = new Estimates(dualSum / k, Concentration.SampleVariance(dualSum, dualSquares, k), margins, variances, k,
                seconds > 0 ? 3.0 * 2 * k * n * (double)d / seconds / 1e9 : 0);
        }
        return result;
    }

    /// <summary>
    /// q minimising q^T (Y H Y) q over the simplex, H the limiting-kernel Gram matrix (THEORY.md §5): exact, no sampling.
    /// It starts the solver: sqrt of its value bounds gamma (Jensen, <see cref="MarginSandwich"/>), and with c at least
    /// sup ||U_q(z)|| the clipped primal's margins are (Y H Y q)_i / c, balanced on the support of q. For n above
    /// <see cref="MarginSandwich.MaxPoints"/> (no n x n matrix; <paramref name="yhy"/> null) by working sets (<see cref="WorkingSetStart"/>).
    /// <paramref name="kernel"/>: the kernel margins of the returned q (null with it).
    /// </summary>
    private static double[]? KernelStart(Dataset data, ulong seed, double seconds, IProgress<string>? progress, out double quadratic, out double[]? yhy,
        out KernelMarginsResult? kernel)
    {
        quadratic = double.NaN;
        yhy = null;
        kernel = null;
        int n = data.N;
        if (n > MarginSandwich.MaxPoints)
        {
            var qw = WorkingSetStart(data, seed, seconds, progress, out quadratic);
            kernel = KernelOf(data, qw);
            return qw;
        }
        var g = TheoryKit.Kernels.NtkKernel.LimitingGram(data.X, n, data.D);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) g[(long)i * n + j] *= data.Y[i] * data.Y[j];
        // Largest eigenvalue by power iteration (an overestimate is safe: it only shortens FISTA's steps).
        double lambda = MarginSandwich.LargestEigenvalue(g, n);
        if (!(lambda > 0)) return null;
        quadratic = MarginSandwich.MinimiseQuadratic(g, n, lambda, out var q, 3000);
        yhy = g;
        kernel = MarginSandwich.KernelMargins(data, q, yhy);
        return q;
    }

    /// <summary>Points of the first working set of <see cref="WorkingSetStart"/>, points added per pass, and the set's cap.</summary>
    internal const int WorkingSetFirst = 1000, WorkingSetStep = 500, WorkingSetCap = 2500;

    /// <summary>
    /// The kernel quadratic's minimiser for n above <see cref="MarginSandwich.MaxPoints"/> (no n x n matrix), by working sets as in
    /// SVM decomposition: minimise q^T (Y H Y) q over the simplex of a working set S (first <see cref="WorkingSetFirst"/> points drawn
    /// with the seed, stream "margin-working-set"), extend q by zeros, compute the kernel margins (Y H Y q)_i of every point, and add the
    /// <see cref="WorkingSetStep"/> points whose margins fall furthest below q^T Y H Y q (the optimality condition of the whole problem
    /// is (Y H Y q)_i &gt;= q^T Y H Y q for every i); stop when none falls below (q is then the minimiser over all n points, to the
    /// solver's tolerance), the set reaches <see cref="WorkingSetCap"/> points (fewer when its matrix and its rows,
    /// |S| (|S| + d) doubles, would exceed <see cref="WorkingBytes"/>: 1190 points at n = 12000, d = 784), or <paramref name="seconds"/>
    /// have passed. The kernel here comes from GEMM dot products and acos of the cosine (<see cref="FastKernel"/>): q only starts the
    /// solver and any q is a valid certificate, so its inaccuracy near equal angles costs tightness, not rigour. Memory: the |S| x |S|
    /// matrix and the set's rows, then the support's rows and 256 x |supp q| products in blocks. Null when no q has positive value.
    /// <paramref name="setCap"/> replaces the memory-derived cap (tests of the passes on small data).
    /// </summary>
    internal static double[]? WorkingSetStart(Dataset data, ulong seed, double seconds, IProgress<string>? progress, out double quadratic,
        int? setCap = null)
    {
        var clock = Stopwatch.StartNew();
        int n = data.N;
        quadratic = double.NaN;
        var rng = TheoryKit.Random.SeedSequence.Rng(seed, "margin-working-set");
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--) { int j = rng.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }
        var set = order.Take(WorkingSetFirst).ToList();
        // The |S| x |S| matrix and the set's rows (|S| x d) stay within the working-memory bound (1190 points at n = 12000, d = 784).
        double words = WorkingBytes(n, data.D) / 8.0, dd = data.D;
        int cap = setCap ?? (int)Math.Clamp(Math.Floor((Math.Sqrt(dd * dd + 4 * words) - dd) / 2), WorkingSetFirst, WorkingSetCap);
        double[]? q = null;
        for (int pass = 1; ; pass++)
        {
            int m = set.Count;
            FreePreviousPhase(n, data.D);
            var xSet = Gather(data, set);
            var g = new double[(long)m * m];
            FastKernel(data, set, xSet, set, xSet, g);
            xSet = null;
            double lambda = MarginSandwich.LargestEigenvalue(g, m);
            if (!(lambda > 0)) return q;
            quadratic = MarginSandwich.MinimiseQuadratic(g, m, lambda, out var qs, 3000);
            g = null;
            FreePreviousPhase(n, data.D);   // the set's matrix, before the search's buffers
            q = new double[n];
            var support = new List<int>(); var weights = new List<double>();
            for (int a = 0; a < m; a++) if (qs[a] > 0) { q[set[a]] = qs[a]; support.Add(set[a]); weights.Add(qs[a]); }
            var margins = new double[n]; var w = weights.ToArray();
            var xSupport = Gather(data, support);
            const int block = 256;
            var xRows = new double[(long)block * data.D]; var k = new double[(long)block * support.Count];
            for (int i0 = 0; i0 < n; i0 += block)
            {
                var rows = Enumerable.Range(i0, Math.Min(block, n - i0)).ToList();
                data.X.AsSpan(i0 * data.D, rows.Count * data.D).CopyTo(xRows);
                FastKernel(data, rows, xRows, support, xSupport, k);
                for (int a = 0; a < rows.Count; a++)
                    margins[i0 + a] = TensorPrimitives.Dot(k.AsSpan(a * support.Count, support.Count), w);
            }
            double level = quadratic * (1 - 1e-6);
            var inSet = new HashSet<int>(set);
            var violators = Enumerable.Range(0, n).Where(i => !inSet.Contains(i) && margins[i] < level).OrderBy(i => margins[i]).ThenBy(i => i).ToList();
            bool full = m >= cap || clock.Elapsed.TotalSeconds >= seconds;
            progress?.Report($"kernel start on a working set of {m} of {n} points (pass {pass}): q^T YHY q = {quadratic:G4}, {violators.Count} points below it"
                + (violators.Count == 0 ? " (the minimiser over all points)" : m >= cap ? $" (q kept as is: the working set is full at {cap} points)"
                    : full ? $" (q kept as is: its {seconds:F0} s are spent)" : ""));
            if (violators.Count == 0 || full) return q;
            set.AddRange(violators.Take(Math.Min(WorkingSetStep, cap - m)));
        }
    }

    /// <summary>
    /// y_a y_b K(x_a, x_b) for a in <paramref name="rows"/>, b in <paramref name="cols"/> (|rows| x |cols| row-major; <paramref name="xr"/> and
    /// <paramref name="xc"/> their rows of X, at least |rows| and |cols| rows), written to <paramref name="k"/>, K the limiting kernel
    /// &lt;x, x'&gt; (pi - theta) / (2 pi) (THEORY.md §5) with theta = acos of the GEMM cosine, clamped to [-1, 1]: fast, but near theta = 0
    /// it loses about half the digits of theta (<see cref="TheoryKit.Kernels.NtkKernel.Angle"/> does not), so it only serves to find weights.
    /// </summary>
    private static void FastKernel(Dataset data, List<int> rows, double[] xr, List<int> cols, double[] xc, double[] k)
    {
        int d = data.D, r = rows.Count, c = cols.Count;
        Blas.MultiplyABt(xr, xc, k, r, c, d);
        Parallel.For(0, r, a =>
        {
            double na = data.RowNorm(rows[a]), ya = data.Y[rows[a]];
            var row = k.AsSpan(a * c, c);
            for (int b = 0; b < c; b++)
            {
                double nb = data.RowNorm(cols[b]), dot = row[b];
                double cos = na > 0 && nb > 0 ? Math.Clamp(dot / (na * nb), -1, 1) : 1;
                row[b] = ya * data.Y[cols[b]] * dot * (Math.PI - Math.Acos(cos)) / (2 * Math.PI);
            }
        });
    }

    /// <summary>The rows x_i, i in <paramref name="idx"/>, of the data (|idx| x d row-major).</summary>
    private static double[] Gather(Dataset data, List<int> idx)
    {
        int d = data.D;
        var x = new double[(long)idx.Count * d];
        for (int a = 0; a < idx.Count; a++) data.X.AsSpan(idx[a] * d, d).CopyTo(x.AsSpan(a * d, d));
        return x;
    }

    /// <summary>
    /// Chooses the primal's smoothing c for q from a ladder of 8 values (scale times 2^-3 .. 2^4) on held-out directions:
    /// the c whose worst held-out margin, less the term predicted at <paramref name="kPlan"/> certification samples, is largest.
    /// </summary>
    private static (double c, Estimates held) ChooseSmoothing(Dataset data, double[] q, double scale, ulong seed, long index, int kVal,
        long kPlan, double delta, Stopwatch clock, int threads)
    {
        var cs = Enumerable.Range(-3, 8).Select(e => Math.ScaleB(scale, e)).ToArray();
        var ladder = EstimateLadder(data, q, cs, seed, ValidateStream, index, kVal, clock, double.PositiveInfinity, threads, null);
        int bestL = 0; double bestScore = double.NegativeInfinity;
        for (int l = 0; l < cs.Length; l++)
        {
            double score = double.PositiveInfinity;
            for (int i = 0; i < data.N; i++)
                score = Math.Min(score, ladder[l].Margins[i] - Concentration.Best(ladder[l].MarginVariances[i], kPlan, delta / data.N, 1).Term);
            if (score > bestScore) { bestScore = score; bestL = l; }
        }
        return (cs[bestL], ladder[bestL]);
    }

    /// <summary>
    /// The float32 norm pass of the certification (THEORY.md §6, "float32"): for a chunk of directions z (double Gaussians), rigorous upper
    /// bounds on ||U_q(z)|| from two single-precision GEMMs. With u = 2^-24 and gamma_k = k u / (1 - k u), the standard bound
    /// |fl(a^T b) - a^T b| &lt;= gamma_k |a|^T |b| (Higham 2002, §3.1, any summation order, with or without FMA) applied to the
    /// pre-activations of the rounded z and X gives |p^_ki - &lt;z_k, x_i&gt;| &lt;= (gamma_d + 3u)(1 + u)^2 ||z_k|| ||x_i|| (Cauchy-Schwarz;
    /// the extra 3u for rounding z and x to float32), so only points with |p^_ki| below that can have a wrong mask ("ambiguous", about
    /// 0.1% of the points at d = 784). Their pre-activations are recomputed in double; a mask that was wrong is corrected by adding
    /// +-q_i y_i x_i (in double) to the row of U^, and a point still within gamma_d(2^-53) ||z|| ||x_i|| of 0 adds q_i ||x_i|| to the allowance.
    /// Then ||U_q(z)|| &lt;= ||U^ + corrections|| + (gamma_n + 3u)(1 + u)^2 R_q (rounding q y and X, also in the corrections, and the second GEMM's sums;
    /// R_q = sum_i q_i ||x_i||), plus (d + 2) 2^-53 (||U^|| + the corrections' weight) for the double sums and n (d + 1) 2^-149 per entry
    /// for float32 underflow; each factor is raised by 1% to cover the rounding of these bounds themselves. The bound replaces ||U_q(z)|| in the
    /// dual mean, the clipped dual and the tail counts, so both ends stay rigorous. Memory: X in float32 (n d floats) and chunk buffers.
    /// </summary>
    internal sealed class SingleNorms
    {
        private const double U32 = 1.0 / (1 << 24);
        private readonly int n, d;
        private readonly float[] x32, qy32, z32, p32, a32, u32;
        private readonly double[] x, qNorm, rowThreshold, rowThreshold64, row, w, diff;
        private readonly double constant, absolute, wAllowance;
        private readonly List<(int r, int i, int sign)> flips = [];

        internal SingleNorms(Dataset data, double[] q, int chunk)
        {
            n = data.N; d = data.D; x = data.X; row = new double[d]; w = new double[d]; diff = new double[d];
            x32 = new float[(long)n * d];
            for (long e = 0; e < x32.LongLength; e++) x32[e] = (float)data.X[e];
            qy32 = new float[n]; qNorm = new double[n]; rowThreshold = new double[n]; rowThreshold64 = new double[n];
            double r = 0, g = (Gamma(d, U32) + 3 * U32) * (1 + U32) * (1 + U32) * 1.01, g64 = Gamma(d, Math.ScaleB(1.0, -53)) * 1.01;
            for (int i = 0; i < n; i++)
            {
                double qi = Math.Max(0, q[i]), norm = data.RowNorm(i);
                qy32[i] = (float)(qi * data.Y[i]);
                qNorm[i] = qi * norm * 1.01; r += qi * norm;
                rowThreshold[i] = g * norm; rowThreshold64[i] = g64 * norm;
                if (qi > 0) TensorPrimitives.MultiplyAdd(data.X.AsSpan(i * d, d), qi * data.Y[i], w, w);
            }
            // W = sum_j q_j y_j x_j in double: |fl(W) - W| <= gamma_n(2^-53) R_q (entrywise sums, Cauchy-Schwarz over the entries), raised by 1%.
            wAllowance = Gamma(n + 2, Math.ScaleB(1.0, -53)) * r * 1.01;
            absolute = (d + 1) * Math.ScaleB(1.0, -149) * 1.01;   // float32 underflow in one dot product (gradual: at most 2^-150 per product)
            double tiny = n * (d + 1.0) * Math.ScaleB(1.0, -149) * Math.Sqrt(d);
            constant = ((Gamma(n, U32) + 3 * U32) * (1 + U32) * (1 + U32) * r + tiny) * 1.01;
            z32 = new float[(long)chunk * d]; p32 = new float[(long)chunk * n]; a32 = new float[(long)chunk * n]; u32 = new float[(long)chunk * d];
        }

        /// <summary>Whether X in float32 (n d floats) and the float32 block buffers (2 <see cref="BlockRows"/> x (n + d) floats) fit <see cref="WorkingBytes"/>.</summary>
        internal static bool Fits(int n, int d) => 4L * n * d + 8L * BlockRows(n, d) * (n + d) <= WorkingBytes(n, d);

        /// <summary>gamma_k = k u / (1 - k u) (Higham 2002, Lemma 3.1); +infinity when k u &gt;= 1.</summary>
        internal static double Gamma(long k, double u) => k * u < 1 ? k * u / (1 - k * u) : double.PositiveInfinity;

        /// <summary>
        /// Fills norms[0..rows) with upper bounds on ||U_q(z_k)|| and mirrored[0..rows) with upper bounds on ||U_q(-z_k)|| = ||W - U_q(z_k)||
        /// (the same allowance, plus that of W and of the difference's rounding), and returns the sum of the allowances added to the computed norms.
        /// </summary>
        internal double Norms(ReadOnlySpan<double> z, int rows, double[] norms, double[] mirrored)
        {
            for (int e = 0; e < rows * d; e++) z32[e] = (float)z[e];
            Blas.Current.Sgemm(false, true, rows, n, d, 1f, z32, d, x32, d, 0f, p32, n);
            double total = 0;
            flips.Clear();
            for (int r = 0; r < rows; r++)
            {
                var zr = z.Slice(r * d, d);
                double zn = TensorPrimitives.Norm(zr) * 1.01, ambiguous = 0;
                var pr = p32.AsSpan(r * n, n); var ar = a32.AsSpan(r * n, n);
                for (int i = 0; i < n; i++)
                {
                    float v = pr[i];
                    ar[i] = v > 0 ? qy32[i] : 0f;
                    if (Math.Abs(v) > rowThreshold[i] * zn + absolute || qNorm[i] == 0) continue;
                    double exact = TensorPrimitives.Dot(zr, x.AsSpan(i * d, d));   // recomputed in double
                    if (Math.Abs(exact) <= rowThreshold64[i] * zn) ambiguous += qNorm[i];
                    else if (exact > 0 != v > 0) flips.Add((r, i, exact > 0 ? 1 : -1));
                }
                norms[r] = ambiguous;
            }
            Blas.Current.Sgemm(false, false, rows, d, n, 1f, a32, n, x32, d, 0f, u32, d);
            int f = 0;
            for (int r = 0; r < rows; r++)
            {
                var ur = u32.AsSpan(r * d, d);
                for (int l = 0; l < d; l++) row[l] = ur[l];
                double corrected = 0;
                for (; f < flips.Count && flips[f].r == r; f++)
                {
                    var (_, i, sign) = flips[f];
                    TensorPrimitives.MultiplyAdd(x.AsSpan(i * d, d), sign * (double)qy32[i], row, row);
                    corrected += qNorm[i];
                }
                double computed = TensorPrimitives.Norm(row);
                double allowance = norms[r] + constant + (computed + corrected) * (d + 2) * Math.ScaleB(1.0, -53) * 1.01;
                norms[r] = computed + allowance;
                TensorPrimitives.Subtract(w, row, diff);
                double other = TensorPrimitives.Norm(diff);
                mirrored[r] = other + allowance + wAllowance + (other + computed) * (d + 2) * Math.ScaleB(1.0, -53) * 1.01;
                total += allowance;
            }
            return total;
        }
    }

    /// <summary>
    /// A blocking full garbage collection before a phase allocates its buffers, so that the previous phase's buffers (tens of MB in
    /// the large-object heap, collected only when its budget runs out) are free for reuse rather than held beside the new ones: the
    /// working-memory bound (<see cref="WorkingBytes"/>) holds for the process, not only for the live buffers. It costs milliseconds
    /// (the heap holds few objects) and is skipped when the phase's buffers are small (data below 8 MiB).
    /// </summary>
    internal static void FreePreviousPhase(int n, int d)
    {
        if ((long)n * d * 8 >= 8L << 20) GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>
    /// Directions per chunk of a random direction stream (chunk j of stream (seed, name, index) is drawn as one unit): 2048 when
    /// 2 x 2048 x (n + d) doubles fit max(n d / 2 doubles, 32 MiB), else fewer (at least 16). A chunk is processed in blocks of
    /// <see cref="BlockRows"/> rows.
    /// </summary>
    public static int ChunkRows(int n, int d) => (int)Math.Clamp(StreamChunkBytes(n, d) / (16L * (n + d)), 16, 2048);

    /// <summary>
    /// Directions per block of the certification's GEMMs (<see cref="DirectionBlocks"/>: blocks are read across the stream's chunks): the
    /// most rows whose block x n buffer of doubles, at most n bytes of mask per row and three block x d buffers of doubles, block (9 n + 24 d)
    /// bytes, fit <see cref="WorkingBytes"/> (at least 16, at most a chunk), rounded down to a multiple of 32 from 64 rows up (OpenBLAS's
    /// dgemm runs at 87 GFLOP/s on 128 x 784 x 12000 and 79 on 148 rows on the 2-core machine: its kernels split the rows among threads
    /// in multiples of their unrolling). 128 at n = 12000, d = 784. The directions and the order in which they are accumulated do not
    /// depend on the block size; OpenBLAS's rounding of a row's products can (its edge kernels), by an ulp, which flips a mask only where
    /// a pre-activation is within rounding of 0 (gaussians:2 at d = 50: the ends moved by 2e-10 relative when blocks went from 873 to 864 rows).
    /// </summary>
    public static int BlockRows(int n, int d)
    {
        int rows = (int)Math.Clamp(WorkingBytes(n, d) / (9L * n + 24L * d), 16, ChunkRows(n, d));
        return rows >= 64 ? rows & ~31 : rows;
    }
}
