using System.Diagnostics;
using System.Globalization;
using TheoryKit.Data;
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
/// <param name="MeanTestAccuracy">Mean over seeds of the held-out accuracy at W_T (null without held-out data).</param>
public sealed record WidthStats(int Width, int Runs, int Successes, double Rate, double RateLower, double RateUpper, double OneSidedLower,
    int RiskSuccesses, double MeanEpochAveragedLoss, double MeanEpochAveragedRisk, double MeanFinalRisk, double MeanTrainError, double? MeanTestAccuracy);

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
/// <param name="RatioByRate">m*_hard / m*_soft by the rate rule (null when either is missing).</param>
/// <param name="RatioByClopperPearson">m*_hard / m*_soft by the Clopper-Pearson rule (null when either is missing).</param>
/// <param name="SeedsNeededForClopperPearson">Fewest seeds with which the Clopper-Pearson rule can hold at all (all seeds succeeding).</param>
/// <param name="NewRuns">Runs trained in this call (session information, not part of the result's content).</param>
/// <param name="ResumedRuns">Runs found in the journal and skipped (session information).</param>
public sealed record SweepResult(string DataSource, double Epsilon, IReadOnlyList<int> Widths, int Seeds, double SuccessThreshold, double DeltaS, double Alpha,
    IReadOnlyList<RunRecord> Runs, IReadOnlyList<LabelSweep> Labels, double? RatioByRate, double? RatioByClopperPearson,
    int SeedsNeededForClopperPearson, int NewRuns, int ResumedRuns)
{
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
    /// <param name="softLabelsFor">Teacher probabilities for the training set (one per point, in [0, 1]); called at most once, and only when a soft run is still to do.</param>
    /// <param name="journalPath">JSON Lines journal (created if missing; its folder must exist).</param>
    /// <param name="progress">Optional progress after every run.</param>
    /// <param name="threads">Threads per training run (0: all cores).</param>
    /// <param name="cancellation">Stops between runs (the finished runs stay in the journal).</param>
    /// <exception cref="InputException">Invalid settings, a journal written with other settings or that cannot be
    /// opened, a journal record outside this sweep's grid, or soft labels of the wrong length.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between runs.</exception>
    public static SweepResult Run(SweepSpec spec, Dataset train, Dataset? test, Func<Dataset, double[]> softLabelsFor, string journalPath,
        IProgress<SweepProgress>? progress, int threads, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(softLabelsFor);
        spec.Validate();
        if (threads < 0) throw InputException.Parameter("threads", $"must be >= 0, got {threads}");
        if (test is not null && test.D != train.D) throw InputException.Parameter("test", $"test data have d = {test.D}, training data d = {train.D}");
        var widths = spec.Widths();
        var kinds = spec.LabelOrder();
        using var journal = Journal.Open(journalPath, spec.Header(train, test));
        CheckRecords(spec, journal, widths, kinds);

        var plan = new List<RunKey>();
        foreach (var w in widths)
            for (int s = 0; s < spec.Seeds; s++)
                foreach (var k in kinds) plan.Add(new RunKey(k, w, s));
        var todo = plan.Where(key => !journal.Contains(key)).ToList();
        int total = plan.Count, resumed = total - todo.Count, done = resumed;
        progress?.Report(new SweepProgress(done, total, resumed, null, 0, null));

        double[]? soft = null;
        double seconds = 0, widthLeft = todo.Sum(k => (double)k.Width), sw = 0, sww = 0, swt = 0;
        int newRuns = 0;
        foreach (var key in todo)
        {
            cancellation.ThrowIfCancellationRequested();
            if (key.Labels == LabelKind.Soft && soft is null)
            {
                soft = softLabelsFor(train) ?? throw InputException.Parameter("soft-labels", "the teacher returned no probabilities");
                if (soft.Length != train.N) throw InputException.Parameter("soft-labels", $"the teacher returned {soft.Length} probabilities for {train.N} training points");
            }
            ulong seed = SweepSpec.RunSeed(spec.MasterSeed, key.Width, key.SeedIndex);
            var options = spec.Training with { Width = key.Width, Labels = key.Labels, Seed = seed, Threads = threads };
            var clock = Stopwatch.StartNew();
            var result = Trainer.Train(train, key.Labels == LabelKind.Soft ? soft : null, options, test);
            double elapsed = clock.Elapsed.TotalSeconds;
            var record = RunRecord.From(key, seed, spec.Epsilon, result, elapsed);
            journal.Append(record);
            seconds += elapsed; newRuns++; done++;
            widthLeft -= key.Width; sw += key.Width; sww += (double)key.Width * key.Width; swt += key.Width * elapsed;
            double mean = seconds / newRuns;
            // A run costs a fixed overhead plus a part proportional to its width: least squares t = a + b w so far.
            double varW = sww / newRuns - (sw / newRuns) * (sw / newRuns);
            double b = varW > 0 ? Math.Max(0, (swt / newRuns - (sw / newRuns) * mean) / varW) : 0;
            double a = Math.Max(0, mean - b * sw / newRuns);
            double eta = varW > 0 ? a * (total - done) + b * widthLeft : mean * (total - done);
            progress?.Report(new SweepProgress(done, total, resumed, record, mean, TimeSpan.FromSeconds(eta)));
        }
        return Analyse(spec, journal.Records) with { NewRuns = newRuns, ResumedRuns = resumed };
    }

    /// <summary>
    /// The analysis of <see cref="Run"/> on a set of records (e.g. a journal read with <see cref="Journal.Load"/>, possibly
    /// with other thresholds than it was run with): per label kind and width the success count, rate and its
    /// Clopper-Pearson interval; m* by the rate rule and by the Clopper-Pearson rule with their grid brackets;
    /// the ratio m*_hard / m*_soft; mean held-out accuracy per width. Only widths with at least one run count.
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
        return new SweepResult(spec.DataSource, spec.Epsilon, widths, spec.Seeds, spec.SuccessThreshold, spec.DeltaS, spec.Alpha,
            runs, labels, Ratio(l => l.ByRate), Ratio(l => l.ByClopperPearson), ClopperPearson.TrialsNeeded(spec.DeltaS, spec.Alpha), 0, 0);
    }

    private static void CheckRecords(SweepSpec spec, Journal journal, int[] widths, LabelKind[] kinds)
    {
        for (int i = 0; i < journal.Records.Count; i++)
        {
            var r = journal.Records[i];
            int line = journal.RecordLines[i];
            if (!kinds.Contains(r.Labels)) throw new InputException(journal.Path, line, "labels", $"label kind '{SweepSpec.KindName(r.Labels)}' is not part of this sweep");
            if (Array.IndexOf(widths, r.Width) < 0) throw new InputException(journal.Path, line, "width", $"width {r.Width} is not on this sweep's grid");
            if (r.SeedIndex < 0 || r.SeedIndex >= spec.Seeds) throw new InputException(journal.Path, line, "seed_index", $"must lie in 0..{spec.Seeds - 1}, got {r.SeedIndex}");
            if (r.Seed != SweepSpec.RunSeed(spec.MasterSeed, r.Width, r.SeedIndex))
                throw new InputException(journal.Path, line, "seed", $"seed {r.Seed} is not the one this sweep derives for width {r.Width}, seed index {r.SeedIndex}");
        }
    }

    private static WidthStats Stats(int width, List<RunRecord> at, SweepSpec spec)
    {
        int n = at.Count, k = at.Count(r => r.Success);
        var (lo, hi) = ClopperPearson.Interval(k, n, spec.Alpha);
        double? testAccuracy = at.All(r => r.TestError is not null) ? at.Average(r => r.TestAccuracy!.Value) : null;
        return new WidthStats(width, n, k, (double)k / n, lo, hi, ClopperPearson.LowerBound(k, n, spec.Alpha),
            at.Count(r => r.EpochAveragedRisk <= spec.Epsilon), at.Average(r => r.EpochAveragedLoss), at.Average(r => r.EpochAveragedRisk),
            at.Average(r => r.FinalRisk), at.Average(r => r.TrainError), testAccuracy);
    }

    private static MinimalWidth ByRate(List<WidthStats> stats, SweepSpec spec, int[] grid)
    {
        string rule = $"success rate >= {F(spec.SuccessThreshold)}";
        // k/n >= t, with a little slack so that e.g. 0.5 * 6 = 3 successes count despite rounding.
        return Minimal(stats, s => s.Successes >= spec.SuccessThreshold * s.Runs - 1e-9, rule, spec, grid);
    }

    private static MinimalWidth ByClopperPearson(List<WidthStats> stats, SweepSpec spec, int[] grid)
    {
        double target = 1 - spec.DeltaS;
        string rule = $"one-sided {F(100 * (1 - spec.Alpha))}% Clopper-Pearson lower bound of the success rate >= {F(target)}";
        var m = Minimal(stats, s => s.OneSidedLower >= target, rule, spec, grid);
        int need = ClopperPearson.TrialsNeeded(spec.DeltaS, spec.Alpha);
        if (m.Width is null && spec.Seeds < need)
            m = m with { Meaning = m.Meaning + $" With {spec.Seeds} seeds this rule can never hold: even {spec.Seeds} of {spec.Seeds} successes give a lower bound of {F(Math.Pow(spec.Alpha, 1.0 / spec.Seeds))}; it needs at least {need} seeds." };
        return m;
    }

    private static MinimalWidth Minimal(List<WidthStats> stats, Func<WidthStats, bool> qualifies, string rule, SweepSpec spec, int[] grid)
    {
        int idx = stats.FindIndex(s => qualifies(s));
        string level = $"{F(100 * (1 - spec.Alpha))}%";
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
        $"{s.Successes}/{s.Runs} succeeded, rate {F(s.Rate)}, {level} Clopper-Pearson interval [{F(s.RateLower)}, {F(s.RateUpper)}]";

    internal static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
