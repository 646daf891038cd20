using System.Diagnostics;
using System.Globalization;
using TheoryKit.Data;
using TheoryKit.Teachers;
using TheoryKit.Training;

namespace TheoryKit.Experiments;

/// <summary>Progress of a width sweep, reported at the start and after every finished run.</summary>
/// <param name="Done">Runs complete (including those found in the journal).</param>
/// <param name="Total">Runs in the sweep: widths x seeds x label kinds.</param>
/// <param name="Resumed">Runs found complete in the journal at the start (skipped).</param>
/// <param name="Last">The run just finished, or null for the first report.</param>
/// <param name="MeanSecondsPerRun">Mean wall-clock seconds of the runs done in this session (0 before the first).</param>
/// <param name="Eta">Remaining time from a least-squares fit of run time = a + b width over the runs so far, summed
/// over the runs left (the mean run time while all widths so far are equal; null before the first run).</param>
public sealed record SweepProgress(int Done, int Total, int Resumed, RunRecord? Last, double MeanSecondsPerRun, TimeSpan? Eta);

/// <summary>Success statistics of one label kind at one width over its seeds (THEORY.md §9).</summary>
/// <param name="Width">Width m.</param>
/// <param name="Runs">Runs (seeds) at this width.</param>
/// <param name="Successes">Runs whose epoch-averaged objective is &lt;= epsilon.</param>
/// <param name="Rate">Successes / Runs.</param>
/// <param name="RateLower">Lower end of the two-sided Clopper-Pearson interval of the success probability at level 1 - alpha.</param>
/// <param name="RateUpper">Upper end of that interval.</param>
/// <param name="OneSidedLower">One-sided Clopper-Pearson lower bound at level 1 - alpha (the bound of the Clopper-Pearson rule).</param>
/// <param name="RiskSuccesses">Runs whose epoch-averaged hard-label risk on the true labels is &lt;= epsilon.</param>
/// <param name="MeanEpochAveragedLoss">Mean over seeds of the epoch-averaged objective.</param>
/// <param name="MeanEpochAveragedRisk">Mean over seeds of the epoch-averaged hard-label risk.</param>
/// <param name="MeanFinalRisk">Mean over seeds of the final hard-label risk R(W_T).</param>
/// <param name="MeanTrainError">Mean over seeds of the final 0-1 training error.</param>
/// <param name="MeanTestAccuracy">Mean over the scored seeds of the held-out accuracy at W_T (null without held-out data or scored runs).</param>
/// <param name="Converged">Runs stopped by the convergence rule.</param>
/// <param name="StepCap">Runs that reached the step cap.</param>
/// <param name="Diverged">Runs whose objective became NaN or infinite (never successes, left out of the means).</param>
/// <param name="Dead">Runs whose network output is identically 0 (never successes, left out of the means).</param>
/// <param name="MeanTestRisk">Mean over the scored seeds of the held-out logistic risk (null without held-out data).</param>
public sealed record WidthStats(int Width, int Runs, int Successes, double Rate, double RateLower, double RateUpper, double OneSidedLower,
    int RiskSuccesses, double MeanEpochAveragedLoss, double MeanEpochAveragedRisk, double MeanFinalRisk, double MeanTrainError, double? MeanTestAccuracy,
    int Converged = 0, int StepCap = 0, int Diverged = 0, int Dead = 0, double? MeanTestRisk = null);

/// <summary>The paired held-out accuracy gap soft - hard at one width (THEORY.md §9, the common yardstick).</summary>
/// <param name="Width">Width m.</param>
/// <param name="Gap">Mean of (soft accuracy - hard accuracy) over the seeds where both runs are scored, with its t interval and positive pairs.</param>
public sealed record AccuracyGap(int Width, MeanInterval Gap);

/// <summary>
/// The accuracy-based minimal widths (THEORY.md §9: the m* compared across label kinds): the smallest grid width whose
/// mean held-out accuracy on clean labels reaches a common target, for each label kind, and their ratio.
/// </summary>
/// <param name="Target">The target accuracy.</param>
/// <param name="TargetRule">How the target was set, in words.</param>
/// <param name="Soft">m*_soft by accuracy (null: beyond the grid or not swept).</param>
/// <param name="Hard">m*_hard by accuracy.</param>
/// <param name="Ratio">m*_hard / m*_soft when both lie on the grid.</param>
/// <param name="Relation">"=", "&gt;=" (m*_soft is the smallest width, only an upper bound), "&lt;=" (m*_hard is), "&gt;" (m*_hard beyond the grid), "&lt;" (m*_soft beyond it), or "n/a".</param>
/// <param name="Statement">The finding in plain words, with the paired gaps.</param>
public sealed record AccuracyMinimalWidths(double Target, string TargetRule, int? Soft, int? Hard, double? Ratio, string Relation, string Statement);

/// <summary>
/// Minimal width m* of one label kind under one rule (THEORY.md §9), with its interval.
/// The interval (Lower, Upper] is the grid bracket: m* is the smallest grid width that satisfies the rule, and
/// the next smaller grid width did not, so if the success probability does not decrease with width, the
/// smallest (real-valued) width that satisfies the rule's criterion lies in (Lower, Upper]; the grid cannot
/// resolve it further. Lower is null when m* is the smallest grid width (only "at most m*" is known);
/// Upper and Width are null when no grid width satisfies the rule (only "more than Lower" is known).
/// The statistical uncertainty is in <see cref="At"/> and <see cref="Below"/>: the success counts and the
/// Clopper-Pearson intervals of the success probability at m* and at the grid width below it.
/// </summary>
/// <param name="Rule">The rule in words, e.g. "success rate >= 0.5".</param>
/// <param name="Width">m*: the smallest grid width satisfying the rule, or null.</param>
/// <param name="Lower">Exclusive lower end of the grid bracket: the grid width below m* (or the largest grid width when m* is null); null when m* is the smallest grid width.</param>
/// <param name="Upper">Inclusive upper end of the grid bracket: m* itself, or null.</param>
/// <param name="At">Statistics at m* (null when m* is null).</param>
/// <param name="Below">Statistics at the grid width Lower (null when Lower is null).</param>
/// <param name="Meaning">The finding in one or two plain sentences.</param>
public sealed record MinimalWidth(string Rule, int? Width, int? Lower, int? Upper, WidthStats? At, WidthStats? Below, string Meaning);

/// <summary>Sweep outcome for one label kind.</summary>
/// <param name="Labels">Soft or hard.</param>
/// <param name="Widths">Statistics per width, ascending (widths with at least one run).</param>
/// <param name="ByRate">m* by the rate rule: the smallest width whose success rate is &gt;= the threshold.</param>
/// <param name="ByClopperPearson">m* by the Clopper-Pearson rule: the smallest width whose one-sided lower bound is &gt;= 1 - delta_s.</param>
public sealed record LabelSweep(LabelKind Labels, IReadOnlyList<WidthStats> Widths, MinimalWidth ByRate, MinimalWidth ByClopperPearson);

/// <summary>Outcome of <see cref="WidthSweep.Run"/>: every run and the per-label analysis (THEORY.md §9).</summary>
/// <param name="DataSource">The sweep's data source.</param>
/// <param name="Epsilon">Success threshold eps.</param>
/// <param name="Widths">The width grid.</param>
/// <param name="Seeds">Seeds S per width and label kind.</param>
/// <param name="SuccessThreshold">Threshold of the rate rule.</param>
/// <param name="DeltaS">delta_s of the Clopper-Pearson rule.</param>
/// <param name="Alpha">Failure probability of the Clopper-Pearson bounds.</param>
/// <param name="Runs">All runs in canonical order (width ascending, seed index, soft before hard).</param>
/// <param name="Labels">Analysis per label kind (soft first).</param>
/// <param name="RatioByRate">Objective-based m*_hard / m*_soft by the rate rule: NOT comparable across label kinds (KL can reach 0, the
/// risk on noisy labels has a positive floor); kept for the record, never reported as a soft advantage. Use <see cref="SweepResult.ByAccuracy"/>.</param>
/// <param name="RatioByClopperPearson">The same by the Clopper-Pearson rule (not comparable across label kinds).</param>
/// <param name="SeedsNeededForClopperPearson">Fewest seeds with which the Clopper-Pearson rule can hold at all (all seeds succeeding).</param>
/// <param name="NewRuns">Runs trained in this call (session information, not part of the result's content).</param>
/// <param name="ResumedRuns">Runs found in the journal and skipped (session information).</param>
public sealed record SweepResult(string DataSource, double Epsilon, IReadOnlyList<int> Widths, int Seeds, double SuccessThreshold, double DeltaS, double Alpha,
    IReadOnlyList<RunRecord> Runs, IReadOnlyList<LabelSweep> Labels, double? RatioByRate, double? RatioByClopperPearson,
    int SeedsNeededForClopperPearson, int NewRuns, int ResumedRuns)
{
    /// <summary>Accuracy-based m* of both label kinds and their ratio (null without held-out data or without both kinds).</summary>
    public AccuracyMinimalWidths? ByAccuracy { get; init; }

    /// <summary>Paired held-out accuracy gaps soft - hard per width (empty without held-out data or without both kinds).</summary>
    public IReadOnlyList<AccuracyGap> Gaps { get; init; } = [];

    /// <summary>The analysis of one label kind, or null when it was not swept.</summary>
    /// <param name="kind">Soft or hard.</param>
    public LabelSweep? For(LabelKind kind) => Labels.FirstOrDefault(l => l.Labels == kind);
}

/// <summary>
/// Width sweep of THEORY.md §9: the empirical neuron requirement m*(eps) of soft- and hard-label training.
/// </summary>
public static class WidthSweep
{
    /// <summary>
    /// Runs every (label kind, width, seed index) of <paramref name="spec"/> that the journal does not yet
    /// hold, in a fixed order (width ascending, then seed index, then soft before hard), appending each run
    /// to the journal as it finishes; then analyses all runs (<see cref="Analyse"/>). An interrupted sweep
    /// resumes where it stopped: finished runs are skipped, none is lost or repeated. Runs are sequential
    /// and each training run uses <paramref name="threads"/> threads; the trainer is bit-identical for
    /// any thread count, so the records (except Seconds) do not depend on it.
    /// </summary>
    /// <param name="spec">Sweep settings.</param>
    /// <param name="train">Training data.</param>
    /// <param name="test">Held-out data (test risk, error and accuracy), or null.</param>
    /// <param name="teacher">The soft labels of <paramref name="train"/> (one probability per point, in [0, 1]); its teacher is fitted only when a soft run is still to do.</param>
    /// <param name="journalPath">JSON Lines journal (created if missing; its folder must exist).</param>
    /// <param name="progress">Optional progress after every run.</param>
    /// <param name="threads">Threads per training run (0: all cores).</param>
    /// <param name="cancellation">Stops between runs (the finished runs stay in the journal).</param>
    /// <param name="shard">One shard's part (<see cref="ShardPart{TKey}"/>): only the runs it owns are trained, into the shard's own journal,
    /// whose header is the sweep's with the shard's tag, and the result analyses the shard's runs alone; a record of a run the shard
    /// does not own is refused. Null (default): the whole sweep.</param>
    /// <exception cref="InputException">Invalid settings, a journal written with other settings or that cannot be
    /// opened, a journal record outside this sweep's grid, or soft labels of the wrong length.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between runs.</exception>
    public static SweepResult Run(SweepSpec spec, Dataset train, Dataset? test, TeacherLabels teacher, string journalPath,
        IProgress<SweepProgress>? progress, int threads, CancellationToken cancellation = default, ShardPart<RunKey>? shard = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(teacher);
        spec.Validate();
        if (threads < 0) throw InputException.Parameter("threads", $"must be >= 0, got {threads}");
        if (test is not null && test.D != train.D) throw InputException.Parameter("test", $"test data have d = {test.D}, training data d = {train.D}");
        var widths = spec.Widths();
        var kinds = spec.LabelOrder();
        var header = spec.Header(train, test);
        using var journal = Journal.Open(journalPath, shard is null ? header : shard.Header(header));
        CheckRecords(spec, journal.Path, journal.Records, journal.RecordLines);
        shard?.CheckOwned(journal.Path, journal.Records, r => r.Key, journal.RecordLines);

        var plan = new List<RunKey>();
        foreach (var w in widths)
            for (int s = 0; s < spec.Seeds; s++)
                foreach (var k in kinds)
                    if (shard is null || shard.Owns(new RunKey(k, w, s))) plan.Add(new RunKey(k, w, s));
        var todo = plan.Where(key => !journal.Contains(key)).ToList();
        int total = plan.Count, resumed = total - todo.Count, done = resumed;
        progress?.Report(new SweepProgress(done, total, resumed, null, 0, null));

        double[]? soft = null;
        if (todo.Any(k => k.Labels == LabelKind.Soft))
        {
            soft = teacher.Probabilities();
            if (soft.Length != train.N) throw InputException.Parameter("soft-labels", $"the teacher returned {soft.Length} probabilities for {train.N} training points");
        }
        double seconds = 0, widthLeft = todo.Sum(k => (double)k.Width), widthDone = 0;
        int newRuns = 0;
        // All runs of one width (seeds x label kinds) share the training points: one TrainMany batch, appended when it is done.
        foreach (var group in todo.GroupBy(k => k.Width))
        {
            cancellation.ThrowIfCancellationRequested();
            var keys = group.ToList();
            var runs = keys.Select(key => new RunSpec(train, key.Labels == LabelKind.Soft ? soft : null,
                spec.Training with { Width = key.Width, Labels = key.Labels, Seed = SweepSpec.RunSeed(spec.MasterSeed, key.Width, key.SeedIndex), Threads = threads })).ToList();
            var clock = Stopwatch.StartNew();
            var results = Trainer.TrainMany(runs, test, threads);
            double elapsed = clock.Elapsed.TotalSeconds;
            RunRecord? last = null;
            for (int i = 0; i < keys.Count; i++)
            {
                last = RunRecord.From(keys[i], runs[i].Options.Seed, spec.Epsilon, results[i], elapsed / keys.Count);
                journal.Append(last);
                newRuns++; done++;
            }
            seconds += elapsed;
            widthLeft -= group.Key * keys.Count; widthDone += group.Key * keys.Count;
            // A batch costs about proportionally to its total width.
            double eta = widthLeft * seconds / widthDone;
            progress?.Report(new SweepProgress(done, total, resumed, last, seconds / newRuns, TimeSpan.FromSeconds(eta)));
        }
        return Analyse(spec, journal.Records) with { NewRuns = newRuns, ResumedRuns = resumed };
    }

    /// <summary>
    /// The analysis of <see cref="Run"/> on a set of records (e.g. a journal read with <see cref="Journal.Load"/>, possibly
    /// with other thresholds than it was run with). Success is re-derived from each record's figures (the stored flag is
    /// not used). Per label kind and width the success count, rate and its
    /// Clopper-Pearson interval; m* by the rate rule and by the Clopper-Pearson rule with their grid brackets;
    /// the objective-based ratio (not comparable across label kinds); mean held-out accuracy per width; the accuracy-based
    /// m* and paired gaps (<see cref="AccuracyYardstick"/>). Only widths with at least one run count.
    /// </summary>
    /// <param name="spec">Sweep settings (grid, epsilon, thresholds).</param>
    /// <param name="records">Run records (any order; duplicates of a key are not allowed).</param>
    /// <exception cref="InputException">Invalid settings, or two records with the same key.</exception>
    public static SweepResult Analyse(SweepSpec spec, IEnumerable<RunRecord> records)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(records);
        spec.Validate();
        var widths = spec.Widths();
        var kinds = spec.LabelOrder();
        var runs = records.OrderBy(r => r.Width).ThenBy(r => r.SeedIndex).ThenBy(r => r.Labels == LabelKind.Soft ? 0 : 1).ToList();
        for (int i = 1; i < runs.Count; i++)
            if (runs[i].Key == runs[i - 1].Key) throw InputException.Parameter("records", $"run ({runs[i].Key}) appears twice");
        var labels = new List<LabelSweep>();
        foreach (var kind in kinds)
        {
            var stats = new List<WidthStats>();
            foreach (var w in widths)
            {
                var at = runs.Where(r => r.Labels == kind && r.Width == w).ToList();
                if (at.Count > 0) stats.Add(Stats(w, at, spec));
            }
            labels.Add(new LabelSweep(kind, stats, ByRate(stats, spec, widths), ByClopperPearson(stats, spec, widths)));
        }
        double? Ratio(Func<LabelSweep, MinimalWidth> rule)
        {
            var s = labels.FirstOrDefault(l => l.Labels == LabelKind.Soft);
            var h = labels.FirstOrDefault(l => l.Labels == LabelKind.Hard);
            return s is not null && h is not null && rule(s).Width is { } ms && rule(h).Width is { } mh ? (double)mh / ms : null;
        }
        var (byAccuracy, gaps) = AccuracyYardstick(spec, labels, runs);
        return new SweepResult(spec.DataSource, spec.Epsilon, widths, spec.Seeds, spec.SuccessThreshold, spec.DeltaS, spec.Alpha,
            runs, labels, Ratio(l => l.ByRate), Ratio(l => l.ByClopperPearson), ClopperPearson.TrialsNeeded(spec.DeltaS, spec.Alpha), 0, 0)
            { ByAccuracy = byAccuracy, Gaps = gaps };
    }

    /// <summary>Refuses records outside the sweep's grid, with another seed, or whose figures contradict each other (<see cref="CheckFigures"/>).</summary>
    internal static void CheckRecords(SweepSpec spec, string path, IReadOnlyList<RunRecord> records, IReadOnlyList<int> lines)
    {
        var widths = spec.Widths();
        var kinds = spec.LabelOrder();
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            int line = lines[i];
            if (!kinds.Contains(r.Labels)) throw new InputException(path, line, "labels", $"label kind '{SweepSpec.KindName(r.Labels)}' is not part of this sweep");
            if (Array.IndexOf(widths, r.Width) < 0) throw new InputException(path, line, "width", $"width {r.Width} is not on this sweep's grid");
            if (r.SeedIndex < 0 || r.SeedIndex >= spec.Seeds) throw new InputException(path, line, "seed_index", $"must lie in 0..{spec.Seeds - 1}, got {r.SeedIndex}");
            if (r.Seed != SweepSpec.RunSeed(spec.MasterSeed, r.Width, r.SeedIndex))
                throw new InputException(path, line, "seed", $"seed {r.Seed} is not the one this sweep derives for width {r.Width}, seed index {r.SeedIndex}");
            CheckFigures(path, line, r, spec);
        }
    }

    /// <summary>
    /// Refuses a record whose stored figures contradict each other or the sweep's settings (a hand-edited or corrupt
    /// journal): the success flag must equal the success re-derived from the epoch-averaged loss, epsilon and the outcome;
    /// a diverged run has a non-finite objective and a scored one a finite objective; steps run lie in 1..cap (the cap
    /// exactly without a convergence rule); errors lie in [0, 1].
    /// </summary>
    /// <param name="path">The journal (for the message).</param>
    /// <param name="line">The record's line.</param>
    /// <param name="r">The record.</param>
    /// <param name="spec">The sweep's settings.</param>
    /// <exception cref="InputException">One line naming the file, the line and the field.</exception>
    public static void CheckFigures(string path, int line, RunRecord r, SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(spec);
        if (!Enum.IsDefined(r.Outcome)) throw new InputException(path, line, "outcome", $"unknown outcome {(int)r.Outcome}");
        if (r.Outcome == RunOutcome.Diverged && double.IsFinite(r.EpochAveragedLoss) && double.IsFinite(r.FinalLoss))
            throw new InputException(path, line, "outcome", "'diverged' but the stored losses are finite");
        if (r.Scored && !double.IsFinite(r.EpochAveragedLoss))
            throw new InputException(path, line, "epoch_averaged_loss", $"is {r.EpochAveragedLoss} in a run marked '{r.Outcome}' (a non-finite loss means it diverged)");
        int cap = spec.Training.Steps;
        if (r.StepsRun < 1 || r.StepsRun > cap)
            throw new InputException(path, line, "steps_run", $"must lie in 1..{cap} (the step cap), got {r.StepsRun}");
        if (r.Outcome == RunOutcome.StepCap && r.StepsRun != cap)
            throw new InputException(path, line, "steps_run", $"is {r.StepsRun} in a run that reached the step cap {cap}");
        if (r.Outcome == RunOutcome.Converged && spec.Training.Convergence is null)
            throw new InputException(path, line, "outcome", "'converged' in a sweep without a convergence rule");
        if (!(r.TrainError >= 0 && r.TrainError <= 1) && r.Scored) throw new InputException(path, line, "train_error", $"must lie in [0, 1], got {r.TrainError}");
        if (r.TestError is { } te && r.Scored && !(te >= 0 && te <= 1)) throw new InputException(path, line, "test_error", $"must lie in [0, 1], got {te}");
        bool derived = r.Succeeds(spec.Epsilon);
        if (r.Success != derived)
            throw new InputException(path, line, "success",
                $"is {(r.Success ? "true" : "false")} but the stored figures give {(derived ? "true" : "false")} (epoch_averaged_loss {r.EpochAveragedLoss.ToString("R", CultureInfo.InvariantCulture)}, epsilon {Numbers.G4(spec.Epsilon)}, outcome {r.Outcome}); the journal was edited or is corrupt");
    }

    private static WidthStats Stats(int width, List<RunRecord> at, SweepSpec spec)
    {
        // Success is re-derived from the figures (never the stored flag); diverged and dead runs count as failures and are
        // left out of the means.
        int n = at.Count, k = at.Count(r => r.Succeeds(spec.Epsilon));
        var (lo, hi) = ClopperPearson.Interval(k, n, spec.Alpha);
        var scored = at.Where(r => r.Scored).ToList();
        double Mean(Func<RunRecord, double> f) => scored.Count > 0 ? scored.Average(f) : double.NaN;
        double? testAccuracy = scored.Count > 0 && scored.All(r => r.TestError is not null) ? scored.Average(r => r.TestAccuracy!.Value) : null;
        double? testRisk = scored.Count > 0 && scored.All(r => r.TestRisk is not null) ? scored.Average(r => r.TestRisk!.Value) : null;
        return new WidthStats(width, n, k, (double)k / n, lo, hi, ClopperPearson.LowerBound(k, n, spec.Alpha),
            scored.Count(r => r.EpochAveragedRisk <= spec.Epsilon), Mean(r => r.EpochAveragedLoss), Mean(r => r.EpochAveragedRisk),
            Mean(r => r.FinalRisk), Mean(r => r.TrainError), testAccuracy,
            at.Count(r => r.Outcome == RunOutcome.Converged), at.Count(r => r.Outcome == RunOutcome.StepCap),
            at.Count(r => r.Outcome == RunOutcome.Diverged), at.Count(r => r.Outcome == RunOutcome.Dead), testRisk);
    }

    /// <summary>
    /// The common yardstick of THEORY.md §9 on a sweep's runs: per width, the paired held-out accuracy gap soft - hard
    /// (<see cref="PairedStats.Interval"/>) over the seeds where both runs are scored; and the accuracy-based m* of each
    /// label kind: the smallest grid width whose mean held-out accuracy reaches the target (spec.TargetAccuracy, or the
    /// best mean accuracy of any width and label kind minus spec.AccuracyTolerance), with the ratio m*_hard / m*_soft.
    /// Null and empty without held-out accuracies or without both label kinds.
    /// </summary>
    /// <param name="spec">Sweep settings.</param>
    /// <param name="labels">Per-label statistics (<see cref="Analyse"/>).</param>
    /// <param name="runs">The runs.</param>
    public static (AccuracyMinimalWidths? ByAccuracy, IReadOnlyList<AccuracyGap> Gaps) AccuracyYardstick(SweepSpec spec, IReadOnlyList<LabelSweep> labels, IReadOnlyList<RunRecord> runs)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var soft = labels.FirstOrDefault(l => l.Labels == LabelKind.Soft);
        var hard = labels.FirstOrDefault(l => l.Labels == LabelKind.Hard);
        if (soft is null || hard is null) return (null, []);
        var gaps = new List<AccuracyGap>();
        foreach (var w in spec.Widths())
        {
            var diffs = new List<double>();
            for (int s = 0; s < spec.Seeds; s++)
            {
                var so = runs.FirstOrDefault(r => r.Labels == LabelKind.Soft && r.Width == w && r.SeedIndex == s);
                var ha = runs.FirstOrDefault(r => r.Labels == LabelKind.Hard && r.Width == w && r.SeedIndex == s);
                if (so is { Scored: true, TestError: { } es } && ha is { Scored: true, TestError: { } eh }) diffs.Add(eh - es);
            }
            if (diffs.Count > 0) gaps.Add(new AccuracyGap(w, PairedStats.Interval(diffs, spec.Confidence)));
        }
        var all = soft.Widths.Concat(hard.Widths).Where(x => x.MeanTestAccuracy is not null).ToList();
        if (all.Count == 0) return (null, gaps);
        double best = all.Max(x => x.MeanTestAccuracy!.Value);
        double target = spec.TargetAccuracy ?? best - spec.AccuracyTolerance;
        string rule = spec.TargetAccuracy is { } t
            ? $"mean held-out accuracy >= {Numbers.G4(t)} (given)"
            : $"mean held-out accuracy >= {Numbers.G4(target)}, {Numbers.G4(100 * spec.AccuracyTolerance)} point(s) below the best mean of any width and label kind ({Numbers.G4(best)})";
        int? Reach(LabelSweep l) => l.Widths.FirstOrDefault(x => x.MeanTestAccuracy >= target - 1e-12)?.Width;
        int? ms = Reach(soft), mh = Reach(hard);
        int smallest = spec.Widths()[0], largest = spec.Widths()[^1];
        string relation; double? ratio = null;
        if (ms is { } a && mh is { } b)
        {
            ratio = (double)b / a;
            relation = a == smallest && b == smallest ? "n/a" : a == smallest ? ">=" : b == smallest ? "<=" : "=";
        }
        else if (ms is not null) relation = ">";
        else if (mh is not null) relation = "<";
        else relation = "n/a";
        string Where(int? m) => m is { } x ? (x == smallest ? $"<= {x} (the smallest grid width)" : $"{x}") : $"> {largest} (beyond the grid)";
        string what = relation switch
        {
            "=" => $"ratio m*_hard / m*_soft = {Numbers.G4(ratio!.Value)}",
            ">=" => $"ratio >= {Numbers.G4(ratio!.Value)}",
            "<=" => $"ratio <= {Numbers.G4(ratio!.Value)}",
            ">" => $"ratio > {Numbers.G4((double)largest / ms!.Value)}",
            "<" => $"ratio < {Numbers.G4((double)mh!.Value / largest)}",
            _ => "both reach it at the smallest grid width: the grid cannot tell them apart",
        };
        var decided = gaps.Where(g => !double.IsNaN(g.Gap.Lower)).ToList();
        string gapWords = decided.Count == 0 ? "no paired interval (fewer than 2 pairs per width)"
            : $"of {decided.Count} widths, the paired gap soft - hard lies above 0 at {decided.Count(g => g.Gap.AboveZero)}, below 0 at {decided.Count(g => g.Gap.BelowZero)}, "
              + $"and its {Numbers.G4(100 * spec.Confidence)}% interval contains 0 at {decided.Count(g => !g.Gap.AboveZero && !g.Gap.BelowZero)}";
        string statement = $"Accuracy-based m*: soft {Where(ms)}, hard {Where(mh)} ({what}); {gapWords}.";
        return (new AccuracyMinimalWidths(target, rule, ms, mh, ratio, relation, statement), gaps);
    }

    private static MinimalWidth ByRate(List<WidthStats> stats, SweepSpec spec, int[] grid)
    {
        string rule = $"success rate >= {Numbers.G4(spec.SuccessThreshold)}";
        // k/n >= t, with a little slack so that e.g. 0.5 * 6 = 3 successes count despite rounding.
        return Minimal(stats, s => s.Successes >= spec.SuccessThreshold * s.Runs - 1e-9, rule, spec, grid);
    }

    private static MinimalWidth ByClopperPearson(List<WidthStats> stats, SweepSpec spec, int[] grid)
    {
        double target = 1 - spec.DeltaS;
        string rule = $"one-sided {Numbers.G4(100 * (1 - spec.Alpha))}% Clopper-Pearson lower bound of the success rate >= {Numbers.G4(target)}";
        var m = Minimal(stats, s => s.OneSidedLower >= target, rule, spec, grid);
        int need = ClopperPearson.TrialsNeeded(spec.DeltaS, spec.Alpha);
        if (m.Width is null && spec.Seeds < need)
            m = m with { Meaning = m.Meaning + $" With {spec.Seeds} seeds this rule can never hold: even {spec.Seeds} of {spec.Seeds} successes give a lower bound of {Numbers.G4(Math.Pow(spec.Alpha, 1.0 / spec.Seeds))}; it needs at least {need} seeds." };
        return m;
    }

    private static MinimalWidth Minimal(List<WidthStats> stats, Func<WidthStats, bool> qualifies, string rule, SweepSpec spec, int[] grid)
    {
        int idx = stats.FindIndex(s => qualifies(s));
        string level = $"{Numbers.G4(100 * (1 - spec.Alpha))}%";
        if (stats.Count == 0) return new MinimalWidth(rule, null, null, null, null, null, "no runs: nothing to decide.");
        if (idx < 0)
        {
            var last = stats[^1];
            return new MinimalWidth(rule, null, last.Width, null, null, last,
                $"No grid width up to {last.Width} satisfies the rule ({Counts(last, level)} at {last.Width}): m* > {last.Width}.");
        }
        var at = stats[idx];
        var below = idx > 0 ? stats[idx - 1] : null;
        string meaning = below is null
            ? $"m* = {at.Width}, the smallest grid width ({Counts(at, level)}); it already satisfies the rule, so m* <= {at.Width} and the grid says nothing below it."
            : $"m* = {at.Width} ({Counts(at, level)}); the grid width below, {below.Width}, did not ({Counts(below, level)}). If success grows with width, the width where the rule first holds lies in ({below.Width}, {at.Width}].";
        if (below is not null && Array.IndexOf(grid, below.Width) != Array.IndexOf(grid, at.Width) - 1)
            meaning += " (Grid widths between them have no runs.)";
        return new MinimalWidth(rule, at.Width, below?.Width, at.Width, at, below, meaning);
    }

    private static string Counts(WidthStats s, string level) =>
        $"{s.Successes}/{s.Runs} succeeded, rate {Numbers.G4(s.Rate)}, {level} Clopper-Pearson interval [{Numbers.G4(s.RateLower)}, {Numbers.G4(s.RateUpper)}]";

}
