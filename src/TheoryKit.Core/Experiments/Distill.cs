using System.Diagnostics;
using TheoryKit.Data;
using TheoryKit.Random;
using TheoryKit.Teachers;
using TheoryKit.Training;

namespace TheoryKit.Experiments;

/// <summary>Mean held-out accuracy of one kind of run over seeds with its t interval.</summary>
/// <param name="TestAccuracy">Mean clean held-out accuracy over the scored runs (NaN without any).</param>
/// <param name="Lower">Lower end of the 95% t interval over the seeds, cut to [0, 1] (NaN with fewer than 2 runs).</param>
/// <param name="Upper">Upper end.</param>
/// <param name="Runs">Scored runs (diverged and dead runs are left out and counted in <see cref="DistillResult.Counts"/>).</param>
/// <param name="TestRisk">Mean clean held-out logistic risk (NaN without runs).</param>
public sealed record AccuracySummary(double TestAccuracy, double Lower, double Upper, int Runs, double TestRisk);

/// <summary>One width of one difficulty level.</summary>
/// <param name="Width">Width m.</param>
/// <param name="Soft">Soft-label students.</param>
/// <param name="Hard">Hard-label students at the end of training.</param>
/// <param name="HardEarlyStopped">Hard-label students at their step of lowest noisy validation error (the control).</param>
/// <param name="Gap">Paired gap soft - hard in held-out accuracy (fraction) over seeds where both are scored.</param>
/// <param name="GapEarlyStopped">Paired gap soft - early-stopped hard.</param>
public sealed record DistillWidth(int Width, AccuracySummary Soft, AccuracySummary Hard, AccuracySummary HardEarlyStopped, MeanInterval? Gap, MeanInterval? GapEarlyStopped);

/// <summary>One difficulty level (label-flip rate).</summary>
/// <param name="Noise">Label-flip rate of the training and validation labels.</param>
/// <param name="Teacher">The teachers' clean held-out accuracy over seeds.</param>
/// <param name="TeacherStoppedAt">Mean step the teachers kept (early stopping), or null without.</param>
/// <param name="Widths">Per width, ascending.</param>
/// <param name="BestHardWidth">Width of the best mean hard-student accuracy (0 without hard runs).</param>
/// <param name="BestHardAccuracy">That accuracy.</param>
/// <param name="TeacherWarning">Set when the teacher's mean held-out accuracy is below the best hard student's.</param>
/// <param name="MeanGap">Paired gap soft - hard averaged over widths per seed, with its interval over seeds.</param>
/// <param name="MeanGapEarlyStopped">The same for soft - early-stopped hard (the control).</param>
/// <param name="Soft">How this level's soft-label runs ended.</param>
/// <param name="Hard">How this level's hard-label runs ended.</param>
public sealed record DistillLevel(double Noise, AccuracySummary Teacher, double? TeacherStoppedAt, IReadOnlyList<DistillWidth> Widths,
    int BestHardWidth, double BestHardAccuracy, string? TeacherWarning, MeanInterval? MeanGap, MeanInterval? MeanGapEarlyStopped,
    RunCounts Soft, RunCounts Hard);

/// <summary>How the runs ended (students only).</summary>
/// <param name="Converged">Stopped by the convergence rule.</param>
/// <param name="StepCap">Reached the step cap without converging (scored, and said).</param>
/// <param name="Diverged">NaN or infinite objective (not scored).</param>
/// <param name="Dead">f identically 0 (not scored).</param>
public sealed record RunCounts(int Converged, int StepCap, int Diverged, int Dead)
{
    /// <summary>Counts of a set of outcomes.</summary>
    /// <param name="outcomes">Outcomes (nulls, i.e. teachers, are skipped).</param>
    public static RunCounts Of(IEnumerable<RunOutcome?> outcomes)
    {
        int c = 0, s = 0, v = 0, d = 0;
        foreach (var o in outcomes)
            switch (o)
            {
                case RunOutcome.Converged: c++; break;
                case RunOutcome.StepCap: s++; break;
                case RunOutcome.Diverged: v++; break;
                case RunOutcome.Dead: d++; break;
            }
        return new RunCounts(c, s, v, d);
    }
}

/// <summary>Outcome of <see cref="Distill.Run"/> or <see cref="Distill.Analyse"/>.</summary>
/// <param name="Spec">The settings.</param>
/// <param name="Levels">Per noise level, ascending.</param>
/// <param name="Trend">Least squares slope of the per-seed gap soft - hard (averaged over widths) against the noise rate; its
/// statement also names the rates whose mean gap's interval lies above or below 0.</param>
/// <param name="TrendEarlyStopped">The same for soft - early-stopped hard.</param>
/// <param name="Counts">How the student runs ended.</param>
/// <param name="Runs">Every record (teachers and students) in canonical order.</param>
/// <param name="Note">How the numbers were made.</param>
/// <param name="NewRuns">Runs trained in this call.</param>
/// <param name="ResumedRuns">Runs read from the journal.</param>
public sealed record DistillResult(DistillSpec Spec, IReadOnlyList<DistillLevel> Levels, Trend Trend, Trend TrendEarlyStopped, RunCounts Counts,
    IReadOnlyList<DistillRecord> Runs, string Note, int NewRuns, int ResumedRuns)
{
    /// <summary>
    /// Set when student runs reached the step cap: how many (hard-label ones apart), and what that means for the comparison
    /// (THEORY.md §9: a hard-label run on noisy labels at the cap may still be memorising flipped labels, its held-out
    /// accuracy falling with more steps; the early-stopped control does not depend on the cap).
    /// </summary>
    public string? CapWarning
    {
        get
        {
            if (Counts.StepCap == 0) return null;
            int students = Counts.Converged + Counts.StepCap + Counts.Diverged + Counts.Dead;
            int hardCap = Levels.Sum(l => l.Hard.StepCap), hard = Levels.Sum(l => l.Hard.Converged + l.Hard.StepCap + l.Hard.Diverged + l.Hard.Dead);
            string unit = Spec.Engine.Student == TwoLayerDistillEngine.Instance.Student ? "step" : "epoch";   // deep students count epochs
            return $"{Counts.StepCap} of {students} student runs reached the {unit} cap of {Spec.Student.Steps} without converging "
                + $"({hardCap} of {hard} hard-label runs). A hard-label student at the cap on noisy labels may still be memorising flipped labels, "
                + $"and its held-out accuracy tends to fall with more {unit}s, so the gap soft - hard at the cap is not that of converged students; "
                + "the soft - early-stopped hard gap does not depend on the cap.";
        }
    }
}

/// <summary>Progress of a distillation run.</summary>
/// <param name="Done">Records done (teachers and students, including resumed ones).</param>
/// <param name="Total">Records in the grid.</param>
/// <param name="Resumed">Records found in the journal.</param>
/// <param name="Phase">What is running, e.g. "noise 0.2: 5 teachers".</param>
/// <param name="Eta">Remaining time estimated from the levels done so far (null before the first).</param>
public sealed record DistillProgress(int Done, int Total, int Resumed, string Phase, TimeSpan? Eta);

/// <summary>
/// The soft-versus-hard distillation experiment of THEORY.md §9 ([MLS25] abstract: soft-label students beat hard-label
/// students, more so on harder data). The points are split once into a training and a validation split (seeded);
/// for every seed a uniform draw u_i per point flips label i at noise rate r when u_i &lt; r, so the flips of a smaller
/// rate are a subset of those of a larger one and soft and hard students see the same flips. One kernel teacher per
/// (noise level, seed) learns the noisy training labels, early-stopped on the noisy validation labels; its probabilities
/// sigmoid(g / tau) are the soft labels. Students of (width, seed) share their initialisation across label kinds and
/// levels. All runs of a (level, seed) are trained together by the engine (<see cref="DistillSpec.Engine"/>; the default trains them
/// as one batch by <see cref="Trainer.TrainMany"/>: they share the training points).
/// </summary>
public static class Distill
{
    /// <summary>
    /// The training / validation split of <paramref name="points"/>: a seeded choice (stream "distill-validation") of
    /// round(fraction n) validation points (at least 1, at most n - 1), both in the original order. Labels are the clean ones.
    /// </summary>
    /// <param name="points">The points (n &gt;= 2).</param>
    /// <param name="fraction">Validation fraction in (0, 1).</param>
    /// <param name="seed">Master seed.</param>
    /// <exception cref="InputException">Fewer than 2 points or a fraction outside (0, 1).</exception>
    public static (Dataset Train, Dataset Validation) Split(Dataset points, double fraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.N < 2) throw InputException.Parameter("n", $"a training / validation split needs at least 2 points, got {points.N}");
        if (!(fraction > 0 && fraction < 1)) throw InputException.Parameter("validation", $"must lie in (0, 1), got {fraction}");
        int n = points.N, nv = Math.Clamp((int)Math.Round(fraction * n), 1, n - 1);
        var rng = SeedSequence.Rng(seed, "distill-validation");
        var idx = Enumerable.Range(0, n).ToArray();
        for (int i = 0; i < nv; i++) { int j = i + rng.Next(n - i); (idx[i], idx[j]) = (idx[j], idx[i]); }
        var val = idx[..nv].Order().ToArray();
        var inVal = new bool[n];
        foreach (var i in val) inVal[i] = true;
        var train = Enumerable.Range(0, n).Where(i => !inVal[i]).ToArray();
        return (Subset(points, train, $"training split: {train.Length} of {n} points"), Subset(points, val, $"validation split: {nv} of {n} points (seed {seed})"));
    }

    /// <summary>The rows <paramref name="rows"/> of a dataset (a new X array).</summary>
    private static Dataset Subset(Dataset data, int[] rows, string note)
    {
        int d = data.D;
        var x = new double[(long)rows.Length * d];
        var y = new double[rows.Length];
        for (int k = 0; k < rows.Length; k++) { data.Row(rows[k]).CopyTo(x.AsSpan(k * d, d)); y[k] = data.Y[rows[k]]; }
        var p = data.Provenance;
        return new Dataset(x, y, rows.Length, d, data.FeatureNames, data.PositiveClass, data.NegativeClass, data.LabelMapping,
            p with { Notes = [.. p.Notes, note] });
    }

    /// <summary>
    /// The same points with labels flipped where u_i &lt; rate, u_i uniform per (seed index, point) from stream
    /// "distill-flips" (<paramref name="offset"/> separates the validation points' draws from the training points'); the X array is shared.
    /// </summary>
    /// <param name="data">Clean data.</param>
    /// <param name="rate">Label-flip rate in [0, 0.5).</param>
    /// <param name="masterSeed">Master seed.</param>
    /// <param name="seedIndex">Seed index.</param>
    /// <param name="offset">0 for the training split, 1 for the validation split.</param>
    public static Dataset Noisy(Dataset data, double rate, ulong masterSeed, int seedIndex, int offset)
    {
        ArgumentNullException.ThrowIfNull(data);
        var rng = SeedSequence.Rng(masterSeed, "distill-flips", seedIndex, offset);
        var y = (double[])data.Y.Clone();
        int flips = 0;
        for (int i = 0; i < y.Length; i++)
            if (rng.NextDouble() < rate) { y[i] = -y[i]; flips++; }
        var p = data.Provenance;
        return new Dataset(data.X, y, data.N, data.D, data.FeatureNames, data.PositiveClass, data.NegativeClass, data.LabelMapping,
            p with { Notes = [.. p.Notes, $"label noise {Numbers.G4(rate)}, seed index {seedIndex}: {flips} of {data.N} flipped"] });
    }

    /// <summary>
    /// Runs every record of the grid the journal does not hold, one noise level at a time (ascending): the level's
    /// teachers (<see cref="IDistillEngine.FitTeachers"/>, one per seed), appended to the journal; then, seed by seed, that
    /// seed's student runs still to do in one <see cref="IDistillEngine.TrainStudents"/> call, each appended as soon as it stops. A
    /// kill loses only the runs in progress; nothing is repeated (a resumed batch trains the missing runs alone, with the
    /// same numbers). Then <see cref="Analyse"/>.
    /// </summary>
    /// <param name="spec">Settings.</param>
    /// <param name="points">The points with clean labels, split by <see cref="Split"/>.</param>
    /// <param name="test">Clean held-out set (same dimension).</param>
    /// <param name="journalPath">JSON Lines journal (created if missing; its folder must exist).</param>
    /// <param name="progress">Optional progress; the ETA extrapolates the seconds per student batch so far.</param>
    /// <param name="threads">Threads (0: all cores); the numbers do not depend on it.</param>
    /// <param name="cancellation">Stops between batches.</param>
    /// <param name="shard">One shard's part (<see cref="ShardPart{TKey}"/>): only the records it owns are written, into the shard's own
    /// journal (header: the experiment's with the shard's tag). The shard fits every teacher of a level whose records it needs (all
    /// seeds at once, as the whole run does, so the soft labels are the same numbers) and records only the teachers it owns. Null
    /// (default): the whole grid.</param>
    /// <exception cref="InputException">Bad settings, data, or a journal written with other settings (or another format).</exception>
    public static DistillResult Run(DistillSpec spec, Dataset points, Dataset test, string journalPath, IProgress<DistillProgress>? progress,
        int threads, CancellationToken cancellation = default, ShardPart<DistillKey>? shard = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(test);
        spec.Validate();
        if (threads < 0) throw InputException.Parameter("threads", $"must be >= 0, got {threads}");
        if (test.D != points.D) throw InputException.Parameter("test", $"test data have d = {test.D}, training data d = {points.D}");
        spec.Engine.Validate(spec, points.D);
        var levels = spec.Levels();
        var widths = spec.WidthGrid();
        var header = spec.Header(points, test);
        using var journal = JsonLinesJournal<DistillRecord, DistillKey>.Open(journalPath, shard is null ? header : shard.Header(header), r => r.Key, "distill");
        CheckRecords(spec, journal.Path, journal.Records, journal.RecordLines);
        shard?.CheckOwned(journal.Path, journal.Records, r => r.Key, journal.RecordLines);
        var (train, validation) = Split(points, spec.ValidationFraction, spec.MasterSeed);
        bool Owns(DistillKey k) => shard is null || shard.Owns(k);
        int perLevel = spec.Seeds * (1 + 2 * widths.Length), total = shard?.Keys.Count ?? perLevel * levels.Length;
        int resumed = journal.Records.Count, done = resumed, newRuns = 0;
        List<DistillKey> Todo(double r, int s) => widths.SelectMany(w => new[] { DistillRole.Soft, DistillRole.Hard }.Select(role => new DistillKey(role, r, s, w)))
            .Where(k => Owns(k) && !journal.Contains(k)).ToList();
        // the ETA: mean seconds of the finished student batches (teachers included) times the batches left, less the time
        // already spent on the batch in progress
        int batchesLeft = levels.Sum(r => Enumerable.Range(0, spec.Seeds).Count(s => Todo(r, s).Count > 0)), batchesRun = 0;
        var clock = Stopwatch.StartNew();
        double lastBatchEnd = 0;
        TimeSpan? Eta() => batchesRun == 0 ? null
            : TimeSpan.FromSeconds(Math.Max(0, lastBatchEnd / batchesRun * batchesLeft - (clock.Elapsed.TotalSeconds - lastBatchEnd)));
        progress?.Report(new DistillProgress(done, total, resumed, "start", null));
        for (int li = 0; li < levels.Length; li++)
        {
            cancellation.ThrowIfCancellationRequested();
            double r = levels[li];
            var todo = Enumerable.Range(0, spec.Seeds).Select(s => Todo(r, s)).ToArray();
            bool teachersMissing = Enumerable.Range(0, spec.Seeds).Any(s => Owns(new DistillKey(DistillRole.Teacher, r, s, 0)) && !journal.Contains(new DistillKey(DistillRole.Teacher, r, s, 0)));
            if (todo.All(t => t.Count == 0) && !teachersMissing) continue;
            var noisyTrain = Enumerable.Range(0, spec.Seeds).Select(s => Noisy(train, r, spec.MasterSeed, s, 0)).ToArray();
            var noisyVal = Enumerable.Range(0, spec.Seeds).Select(s => Noisy(validation, r, spec.MasterSeed, s, 1)).ToArray();
            string phase = $"noise {Numbers.G4(r)} ({li + 1} of {levels.Length})";
            progress?.Report(new DistillProgress(done, total, resumed, $"{phase}: {spec.Seeds} teachers", Eta()));
            var tclock = Stopwatch.StartNew();
            var teachers = spec.Engine.FitTeachers(spec, train, noisyTrain, validation, noisyVal, test,
                Enumerable.Range(0, spec.Seeds).Select(s => spec.TeacherSeed(s)).ToArray(), threads,
                st => progress?.Report(new DistillProgress(done, total, resumed, $"{phase}: {spec.Seeds} teachers: {st}", Eta())));
            double teacherSeconds = tclock.Elapsed.TotalSeconds / spec.Seeds;
            var soft = new double[spec.Seeds][];
            for (int s = 0; s < spec.Seeds; s++)
            {
                var t = teachers[s];
                soft[s] = SoftLabels.From(t.TrainLogits, spec.Teacher.Temperature);
                var key = new DistillKey(DistillRole.Teacher, r, s, 0);
                if (!Owns(key) || journal.Contains(key)) continue;
                var (testRisk, testError) = Trainer.RiskAndError(t.TestLogits, test.Y);
                var (_, trainError) = Trainer.RiskAndError(t.TrainLogits, noisyTrain[s].Y);
                journal.Append(new DistillRecord(DistillRole.Teacher, r, s, 0, 0, null, t.Steps, double.NaN, trainError, testError, testRisk, t.ValidationError,
                    t.StoppedAt, null, null, teacherSeconds));
                done++; newRuns++;
            }
            for (int s = 0; s < spec.Seeds; s++)
            {
                var keys = todo[s];
                if (keys.Count == 0) continue;
                cancellation.ThrowIfCancellationRequested();
                string batch = $"{phase}, seed {s + 1} of {spec.Seeds}";
                progress?.Report(new DistillProgress(done, total, resumed, $"{batch}: {keys.Count} student runs", Eta()));
                var runs = keys.Select(k => new RunSpec(noisyTrain[s], k.Role == DistillRole.Soft ? soft[s] : null,
                    spec.Student with
                    {
                        Width = k.Width, Labels = k.Role == DistillRole.Soft ? LabelKind.Soft : LabelKind.Hard,
                        Seed = spec.StudentSeed(k.Width, s), Threads = threads,
                    },
                    k.Role == DistillRole.Hard ? noisyVal[s] : null)).ToList();
                var sclock = Stopwatch.StartNew();
                double widthSum = keys.Sum(k => (double)k.Width);
                int finished = 0;
                spec.Engine.TrainStudents(runs, test, threads, (i, res) =>
                {
                    var k = keys[i];
                    var es = res.EarlyStopped;
                    // seconds: the run's share (by width) of the batch's wall time until it stopped
                    journal.Append(new DistillRecord(k.Role, r, s, k.Width, runs[i].Options.Seed, res.Outcome, res.StepsRun, res.FinalLoss,
                        res.TrainError, res.TestError ?? double.NaN, res.TestRisk ?? double.NaN, res.ValidationError,
                        es?.Step, es?.TestError, es?.TestRisk, sclock.Elapsed.TotalSeconds * k.Width / widthSum));
                    done++; newRuns++; finished++;
                    progress?.Report(new DistillProgress(done, total, resumed, $"{batch}: {finished} of {keys.Count} student runs", Eta()));
                }, st => progress?.Report(new DistillProgress(done, total, resumed, $"{batch}: {st}", Eta())));
                batchesRun++; batchesLeft--;
                lastBatchEnd = clock.Elapsed.TotalSeconds;
            }
            progress?.Report(new DistillProgress(done, total, resumed, $"{phase} done", Eta()));
        }
        return Analyse(spec, journal.Records) with { NewRuns = newRuns, ResumedRuns = resumed };
    }

    /// <summary>Refuses records outside the grid, with another seed, or whose outcome contradicts their figures.</summary>
    internal static void CheckRecords(DistillSpec spec, string path, IReadOnlyList<DistillRecord> records, IReadOnlyList<int> lines)
    {
        var levels = spec.Levels();
        var widths = spec.WidthGrid();
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            int line = lines[i];
            if (Array.IndexOf(levels, r.Noise) < 0) throw new InputException(path, line, "noise", $"noise level {Numbers.G4(r.Noise)} is not part of this experiment");
            if (r.SeedIndex < 0 || r.SeedIndex >= spec.Seeds) throw new InputException(path, line, "seed_index", $"must lie in 0..{spec.Seeds - 1}, got {r.SeedIndex}");
            if (r.Role == DistillRole.Teacher)
            {
                if (r.Width != 0 || r.Outcome is not null) throw new InputException(path, line, "width", "a teacher record has width 0 and no outcome");
            }
            else
            {
                if (Array.IndexOf(widths, r.Width) < 0) throw new InputException(path, line, "width", $"width {r.Width} is not on this experiment's grid");
                if (r.Seed != spec.StudentSeed(r.Width, r.SeedIndex))
                    throw new InputException(path, line, "seed", $"seed {r.Seed} is not the one this experiment derives for width {r.Width}, seed index {r.SeedIndex}");
                if (r.Outcome is null) throw new InputException(path, line, "outcome", "a student record needs an outcome");
                bool finite = double.IsFinite(r.FinalLoss);
                if (finite == (r.Outcome == RunOutcome.Diverged))
                    throw new InputException(path, line, "outcome", $"'{r.Outcome}' contradicts the final loss {r.FinalLoss} (diverged exactly when it is not finite)");
            }
            if (r.Scored && !(r.TestError >= 0 && r.TestError <= 1))
                throw new InputException(path, line, "test_error", $"must lie in [0, 1], got {r.TestError}");
        }
    }

    /// <summary>
    /// The analysis of a set of records: per level the teachers' held-out accuracy, per width the mean held-out accuracy
    /// of soft, hard and early-stopped hard students with t intervals over seeds, the paired gaps soft - hard and soft -
    /// early-stopped hard (seeds where both runs are scored; diverged and dead runs are left out and counted), the best
    /// hard student against the teacher (a warning when the teacher is weaker); and the trend: the least squares slope
    /// of each seed's gap averaged over widths against the noise rate (<see cref="PairedStats.TrendOf"/>), using the
    /// (level, seed) points whose every width has a pair.
    /// </summary>
    /// <param name="spec">Settings.</param>
    /// <param name="records">Records (any order).</param>
    /// <exception cref="InputException">Bad settings or a duplicate record.</exception>
    public static DistillResult Analyse(DistillSpec spec, IEnumerable<DistillRecord> records)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(records);
        spec.Validate();
        var runs = records.OrderBy(r => r.Noise).ThenBy(r => r.Role == DistillRole.Teacher ? 0 : 1).ThenBy(r => r.SeedIndex).ThenBy(r => r.Width)
            .ThenBy(r => r.Role).ToList();
        var byKey = new Dictionary<DistillKey, DistillRecord>();
        foreach (var r in runs)
            if (!byKey.TryAdd(r.Key, r)) throw InputException.Parameter("records", $"run ({r.Key}) appears twice");
        double c = spec.Confidence;
        var widths = spec.WidthGrid();
        var levels = new List<DistillLevel>();
        var tx = new List<double>(); var ty = new List<double>(); var ex = new List<double>(); var ey = new List<double>();
        foreach (var r in spec.Levels())
        {
            var teacherRuns = runs.Where(x => x.Role == DistillRole.Teacher && x.Noise == r).ToList();
            var teacher = Summary(teacherRuns.Select(x => (1 - x.TestError, x.TestRisk)).ToList(), c);
            double? stopped = teacherRuns.Count > 0 && teacherRuns.All(x => x.EarlyStopStep is not null) ? teacherRuns.Average(x => (double)x.EarlyStopStep!.Value) : null;
            var rows = new List<DistillWidth>();
            var gapsBySeed = new Dictionary<int, List<double>>();
            var esGapsBySeed = new Dictionary<int, List<double>>();
            foreach (var w in widths)
            {
                DistillRecord? Get(DistillRole role, int s) => byKey.TryGetValue(new DistillKey(role, r, s, w), out var x) && x.Scored ? x : null;
                var soft = new List<(double, double)>(); var hard = new List<(double, double)>(); var hardEs = new List<(double, double)>();
                var gap = new List<double>(); var gapEs = new List<double>();
                for (int s = 0; s < spec.Seeds; s++)
                {
                    var so = Get(DistillRole.Soft, s);
                    var ha = Get(DistillRole.Hard, s);
                    if (so is not null) soft.Add((1 - so.TestError, so.TestRisk));
                    if (ha is not null)
                    {
                        hard.Add((1 - ha.TestError, ha.TestRisk));
                        if (ha.EarlyStopTestError is { } ee) hardEs.Add((1 - ee, ha.EarlyStopTestRisk ?? double.NaN));
                    }
                    if (so is not null && ha is not null)
                    {
                        double g = ha.TestError - so.TestError;
                        gap.Add(g);
                        (gapsBySeed.TryGetValue(s, out var l) ? l : gapsBySeed[s] = []).Add(g);
                        if (ha.EarlyStopTestError is { } e2)
                        {
                            gapEs.Add(e2 - so.TestError);
                            (esGapsBySeed.TryGetValue(s, out var l2) ? l2 : esGapsBySeed[s] = []).Add(e2 - so.TestError);
                        }
                    }
                }
                rows.Add(new DistillWidth(w, Summary(soft, c), Summary(hard, c), Summary(hardEs, c),
                    gap.Count > 0 ? PairedStats.Interval(gap, c) : null, gapEs.Count > 0 ? PairedStats.Interval(gapEs, c) : null));
            }
            var withHard = rows.Where(x => x.Hard.Runs > 0).ToList();
            var best = withHard.Count > 0 ? withHard.MaxBy(x => x.Hard.TestAccuracy) : null;
            string? warning = null;
            if (best is not null && teacher.Runs > 0 && teacher.TestAccuracy < best.Hard.TestAccuracy)
                warning = $"the teacher ({Numbers.G4(teacher.TestAccuracy)} held-out accuracy) is weaker than the best hard student (width {best.Width}: {Numbers.G4(best.Hard.TestAccuracy)}); its soft labels can only hurt here (a stronger teacher: --teacher-steps or --teacher-eta for kernel teachers, --teacher-width, --teacher-epochs or --teacher-patience for deep ones)";
            var meanGaps = gapsBySeed.Where(kv => kv.Value.Count == widths.Length).OrderBy(kv => kv.Key).Select(kv => kv.Value.Average()).ToList();
            var meanGapsEs = esGapsBySeed.Where(kv => kv.Value.Count == widths.Length).OrderBy(kv => kv.Key).Select(kv => kv.Value.Average()).ToList();
            foreach (var g in meanGaps) { tx.Add(r); ty.Add(g); }
            foreach (var g in meanGapsEs) { ex.Add(r); ey.Add(g); }
            RunCounts Outcomes(DistillRole role) => RunCounts.Of(runs.Where(x => x.Role == role && x.Noise == r).Select(x => x.Outcome));
            levels.Add(new DistillLevel(r, teacher, stopped, rows, best?.Width ?? 0, best?.Hard.TestAccuracy ?? double.NaN, warning,
                meanGaps.Count > 0 ? PairedStats.Interval(meanGaps, c) : null, meanGapsEs.Count > 0 ? PairedStats.Interval(meanGapsEs, c) : null,
                Outcomes(DistillRole.Soft), Outcomes(DistillRole.Hard)));
        }
        const string unit = "unit of label-noise rate";
        var trend = PairedStats.TrendOf(tx, ty, "The soft - hard gap (mean over widths)", c, unit);
        trend = trend with { Statement = trend.Statement + " " + WhereSignificant(levels, l => l.MeanGap, "soft - hard") };
        var trendEs = PairedStats.TrendOf(ex, ey, "The soft - early-stopped hard gap (mean over widths)", c, unit);
        trendEs = trendEs with { Statement = trendEs.Statement + " " + WhereSignificant(levels, l => l.MeanGapEarlyStopped, "soft - early-stopped hard") };
        var counts = RunCounts.Of(runs.Where(x => x.Role != DistillRole.Teacher).Select(x => x.Outcome));
        string note = $"Held-out accuracy on clean labels (ties f = 0 count half), mean over {spec.Seeds} seeds with {Numbers.G4(100 * c)}% t intervals; "
            + "gaps are paired by seed (same split, label flips and initialisation; soft - hard > 0 means soft labels win). "
            + $"The trend fits each seed's gap averaged over the widths against the noise rate by least squares (n - 2 degrees of freedom), treating (level, seed) points as independent. "
            + spec.Engine.TeacherNote(spec) + $", tau = {Numbers.G4(spec.Teacher.Temperature)}. " + spec.Engine.StudentNote(spec) + " Diverged and dead runs are not scored.";
        return new DistillResult(spec, levels, trend, trendEs, counts, runs, note, 0, 0);
    }

    /// <summary>
    /// "Per rate, the mean gap soft - hard lies above 0 at rates 0.1, 0.2 and below 0 at rate 0; its interval contains 0 at
    /// 0.3." (rates without an interval are left out): the per-level facts behind a slope, which can be positive while soft
    /// labels are better at no rate.
    /// </summary>
    internal static string WhereSignificant(IReadOnlyList<DistillLevel> levels, Func<DistillLevel, MeanInterval?> gap, string what)
    {
        var known = levels.Where(l => gap(l) is { } g && double.IsFinite(g.Lower) && double.IsFinite(g.Upper)).ToList();
        if (known.Count == 0) return $"Per rate, the mean gap {what} has no interval (fewer than 2 seeds).";
        string Rates(IEnumerable<DistillLevel> ls)
        {
            var r = ls.Select(l => Numbers.G4(l.Noise)).ToList();
            return (r.Count == 1 ? "rate " : "rates ") + string.Join(", ", r);
        }
        var above = known.Where(l => gap(l)!.Lower > 0).ToList();
        var below = known.Where(l => gap(l)!.Upper < 0).ToList();
        var zero = known.Except(above).Except(below).ToList();
        var parts = new List<string>();
        if (above.Count > 0) parts.Add($"lies above 0 at {Rates(above)}");
        if (below.Count > 0) parts.Add((above.Count > 0 ? "" : "lies ") + $"below 0 at {Rates(below)}");
        if (zero.Count > 0) parts.Add((parts.Count > 0 ? "its interval contains 0" : "has an interval containing 0") + $" at {Rates(zero)}");
        return $"Per rate, the mean gap {what} {string.Join("; ", parts)}" + (above.Count == 0 ? " (above 0 at no rate)." : ".");
    }

    private static AccuracySummary Summary(List<(double Accuracy, double Risk)> values, double confidence)
    {
        if (values.Count == 0) return new AccuracySummary(double.NaN, double.NaN, double.NaN, 0, double.NaN);
        var m = PairedStats.Interval(values.Select(v => v.Accuracy).ToList(), confidence);
        // An accuracy lies in [0, 1], so the t interval is cut to it (the gaps' intervals are not cut).
        return new AccuracySummary(m.Mean, Math.Max(0, m.Lower), Math.Min(1, m.Upper), m.N, values.Average(v => v.Risk));
    }

}
