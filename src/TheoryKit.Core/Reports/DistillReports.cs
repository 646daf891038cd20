using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TheoryKit.Data;
using TheoryKit.Experiments;
using TheoryKit.Training;

namespace TheoryKit.Reports;

/// <summary>Mean held-out accuracy of a set of runs with its t interval over seeds (null where undefined).</summary>
/// <param name="TestAccuracy">Mean held-out accuracy (fraction).</param>
/// <param name="Lower">Lower end of its interval.</param>
/// <param name="Upper">Upper end.</param>
/// <param name="Runs">Scored runs.</param>
/// <param name="TestRisk">Mean held-out logistic risk.</param>
public sealed record AccuracyReport(double? TestAccuracy, double? Lower, double? Upper, int Runs, double? TestRisk)
{
    /// <summary>The report of a summary.</summary>
    public static AccuracyReport Of(AccuracySummary a) =>
        new(ReportJson.Finite(a.TestAccuracy), ReportJson.Finite(a.Lower), ReportJson.Finite(a.Upper), a.Runs, ReportJson.Finite(a.TestRisk));
}

/// <summary>A paired gap (soft - hard, per seed) with its t interval.</summary>
/// <param name="Mean">Mean gap (accuracy fraction).</param>
/// <param name="Lower">Lower end of its interval.</param>
/// <param name="Upper">Upper end.</param>
/// <param name="PositivePairs">Pairs with a positive gap.</param>
/// <param name="Pairs">Pairs.</param>
public sealed record GapReport(double? Mean, double? Lower, double? Upper, int PositivePairs, int Pairs)
{
    /// <summary>The report of an interval, or null for none.</summary>
    public static GapReport? Of(MeanInterval? g) =>
        g is null ? null : new(ReportJson.Finite(g.Mean), ReportJson.Finite(g.Lower), ReportJson.Finite(g.Upper), g.Positive, g.N);
}

/// <summary>A least-squares trend of the gap against the noise rate.</summary>
/// <param name="Slope">Slope (accuracy per unit of rate).</param>
/// <param name="Lower">Lower end of its interval.</param>
/// <param name="Upper">Upper end.</param>
/// <param name="Points">(level, seed) points fitted.</param>
/// <param name="Verdict">"grows", "does not grow", "reverses" or "undecided".</param>
/// <param name="Statement">What the interval shows, in words.</param>
public sealed record TrendReport(double? Slope, double? Lower, double? Upper, int Points, string Verdict, string Statement)
{
    /// <summary>The report of a trend.</summary>
    public static TrendReport Of(Trend t) =>
        new(ReportJson.Finite(t.Slope), ReportJson.Finite(t.Lower), ReportJson.Finite(t.Upper), t.Points, t.Word, t.Statement);
}

/// <summary>The students' settings.</summary>
/// <param name="Kind">Student family ("two-layer", "mlp", "cnn").</param>
/// <param name="Steps">Step (or epoch) cap.</param>
/// <param name="Eta">Step size.</param>
/// <param name="Symmetric">Symmetric initialisation.</param>
/// <param name="TrainOutput">Output layer trained too.</param>
/// <param name="Optimiser">gd, sgd or adam.</param>
/// <param name="BatchSize">Minibatch size (0: full batch).</param>
/// <param name="Convergence">Whether runs stop on convergence.</param>
/// <param name="Settings">The engine's own settings (deep students), or null.</param>
public sealed record DistillStudentReport(string Kind, int Steps, double? Eta, bool Symmetric, bool TrainOutput, string Optimiser, int BatchSize,
    bool Convergence, JsonNode? Settings);

/// <summary>The teachers' settings: a kernel teacher (eta, steps) or a wide network of the students' family (width, epochs, patience).</summary>
/// <param name="Kind">"kernel" or "wide FAMILY".</param>
/// <param name="Eta">Kernel teacher: step size (absent for wide teachers).</param>
/// <param name="Steps">Kernel teacher: step cap.</param>
/// <param name="Width">Wide teacher: width.</param>
/// <param name="Epochs">Wide teacher: epoch cap.</param>
/// <param name="Patience">Wide teacher: early-stopping patience in epochs.</param>
/// <param name="EarlyStop">Whether the teacher keeps its step of lowest validation error.</param>
/// <param name="Tau">Temperature of the soft labels.</param>
public sealed record DistillTeacherReport(string Kind,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Eta,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Steps,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Width,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Epochs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Patience,
    bool EarlyStop, double? Tau);

/// <summary>A level's teacher: accuracy and the step it kept on average.</summary>
/// <param name="TestAccuracy">Mean held-out accuracy.</param>
/// <param name="Lower">Lower end of its interval.</param>
/// <param name="Upper">Upper end.</param>
/// <param name="StoppedAt">Mean step kept (early stopping), or null.</param>
public sealed record DistillTeacherAccuracy(double? TestAccuracy, double? Lower, double? Upper, double? StoppedAt);

/// <summary>The best hard student of a level.</summary>
/// <param name="Width">Its width (0 without hard runs).</param>
/// <param name="TestAccuracy">Its mean held-out accuracy.</param>
public sealed record BestHardReport(int Width, double? TestAccuracy);

/// <summary>How a level's soft and hard runs ended.</summary>
/// <param name="Soft">Soft-label runs.</param>
/// <param name="Hard">Hard-label runs.</param>
public sealed record LevelRunsReport(RunCounts Soft, RunCounts Hard);

/// <summary>One width of a level.</summary>
/// <param name="Width">Student width m.</param>
/// <param name="Soft">Soft-label students.</param>
/// <param name="Hard">Hard-label students.</param>
/// <param name="HardEarlyStopped">Hard-label students at their early-stopped step.</param>
/// <param name="Gap">Paired gap soft - hard.</param>
/// <param name="GapEarlyStopped">Paired gap soft - early-stopped hard.</param>
public sealed record DistillWidthReport(int Width, AccuracyReport Soft, AccuracyReport Hard, AccuracyReport HardEarlyStopped, GapReport? Gap, GapReport? GapEarlyStopped);

/// <summary>One noise level.</summary>
/// <param name="Noise">Label-flip rate.</param>
/// <param name="Teacher">The teachers.</param>
/// <param name="BestHard">The best hard student.</param>
/// <param name="TeacherWarning">Set when the teacher is weaker than the best hard student.</param>
/// <param name="MeanGap">Gap soft - hard averaged over widths per seed.</param>
/// <param name="MeanGapEarlyStopped">The control: soft - early-stopped hard.</param>
/// <param name="Runs">How the runs ended.</param>
/// <param name="Widths">Per width.</param>
public sealed record DistillLevelReport(double? Noise, DistillTeacherAccuracy Teacher, BestHardReport BestHard, string? TeacherWarning, GapReport? MeanGap,
    GapReport? MeanGapEarlyStopped, LevelRunsReport Runs, IReadOnlyList<DistillWidthReport> Widths);

/// <summary>How all runs ended, and where they came from.</summary>
/// <param name="Converged">Students stopped by the convergence rule.</param>
/// <param name="StepCap">Students at the step cap.</param>
/// <param name="Diverged">Diverged students.</param>
/// <param name="Dead">Dead students.</param>
/// <param name="Teachers">Teacher records.</param>
/// <param name="New">Records trained in this call.</param>
/// <param name="Resumed">Records read from the journal.</param>
public sealed record DistillRunsReport(int Converged, int StepCap, int Diverged, int Dead, int Teachers, int New, int Resumed);

/// <summary>The `--json` contract of `theorykit distill` (THEORY.md §9).</summary>
/// <param name="Data">The training points.</param>
/// <param name="Noise">Label-flip rates, ascending.</param>
/// <param name="Widths">Student widths, ascending.</param>
/// <param name="Seeds">Seeds per cell.</param>
/// <param name="ValidationFraction">Fraction held out as the noisy validation split.</param>
/// <param name="Confidence">Level of the t intervals.</param>
/// <param name="Student">The students' settings.</param>
/// <param name="TeacherSettings">The teachers' settings.</param>
/// <param name="Levels">Per noise level.</param>
/// <param name="Trend">Trend of soft - hard against the rate.</param>
/// <param name="TrendEarlyStopped">Trend of soft - early-stopped hard.</param>
/// <param name="Runs">How the runs ended.</param>
/// <param name="CapWarning">Set when students reached the step cap.</param>
/// <param name="Note">How the numbers were made.</param>
/// <param name="Journal">The journal's path.</param>
/// <param name="Plots">The plots written.</param>
public sealed record DistillReport(DataReport Data, IReadOnlyList<double?> Noise, IReadOnlyList<int> Widths, int Seeds, double? ValidationFraction,
    double? Confidence, DistillStudentReport Student, DistillTeacherReport TeacherSettings, IReadOnlyList<DistillLevelReport> Levels, TrendReport Trend,
    TrendReport TrendEarlyStopped, DistillRunsReport Runs, string? CapWarning, string Note, string Journal, IReadOnlyList<string> Plots)
{
    /// <summary>The report of a distillation result.</summary>
    /// <param name="res">The result.</param>
    /// <param name="journal">Its journal's path (as given).</param>
    /// <param name="plots">The plots written.</param>
    /// <param name="train">The training points.</param>
    public static DistillReport Of(DistillResult res, string journal, IReadOnlyList<string> plots, Dataset train)
    {
        ArgumentNullException.ThrowIfNull(res);
        var s = res.Spec;
        static double? F(double x) => ReportJson.Finite(x);
        var settings = s.Engine.Settings;
        var student = new DistillStudentReport(s.Engine.Student, s.Student.Steps, F(s.Student.Eta), s.Student.Symmetric, s.Student.TrainOutput,
            OptimiserNames.Of(s.Student.Optimiser), s.Student.BatchSize, s.Student.Convergence is not null, settings);
        var teacher = settings is null
            ? new DistillTeacherReport("kernel", F(s.Teacher.Eta), s.Teacher.Steps, null, null, null, s.Teacher.EarlyStop, F(s.Teacher.Temperature))
            : new DistillTeacherReport("wide " + s.Engine.Student, null, null, settings["teacher_width"]?.DeepClone(), settings["teacher_epochs"]?.DeepClone(),
                settings["teacher_patience"]?.DeepClone(), true, F(s.Teacher.Temperature));
        var levels = res.Levels.Select(l => new DistillLevelReport(F(l.Noise),
            new DistillTeacherAccuracy(F(l.Teacher.TestAccuracy), F(l.Teacher.Lower), F(l.Teacher.Upper), l.TeacherStoppedAt is { } t ? F(t) : null),
            new BestHardReport(l.BestHardWidth, F(l.BestHardAccuracy)), l.TeacherWarning, GapReport.Of(l.MeanGap), GapReport.Of(l.MeanGapEarlyStopped),
            new LevelRunsReport(l.Soft, l.Hard),
            l.Widths.Select(w => new DistillWidthReport(w.Width, AccuracyReport.Of(w.Soft), AccuracyReport.Of(w.Hard), AccuracyReport.Of(w.HardEarlyStopped),
                GapReport.Of(w.Gap), GapReport.Of(w.GapEarlyStopped))).ToArray())).ToArray();
        var c = res.Counts;
        var runs = new DistillRunsReport(c.Converged, c.StepCap, c.Diverged, c.Dead, res.Runs.Count(r => r.Role == DistillRole.Teacher), res.NewRuns, res.ResumedRuns);
        return new(DataReport.Of(train), s.Levels().Select(F).ToArray(), s.WidthGrid(), s.Seeds, F(s.ValidationFraction), F(s.Confidence), student, teacher,
            levels, TrendReport.Of(res.Trend), TrendReport.Of(res.TrendEarlyStopped), runs, res.CapWarning, res.Note, journal, plots);
    }

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => ReportJson.Serialize(this, DistillJsonContext.Contract.DistillReport);
}

/// <summary>The `--json` contract of one shard's run (`--shard I/N`).</summary>
/// <param name="Shard">Shard index I (0-based).</param>
/// <param name="Shards">Number of shards N.</param>
/// <param name="Runs">Runs assigned to it.</param>
/// <param name="NewRuns">Runs trained in this call.</param>
/// <param name="ResumedRuns">Runs found in its journals.</param>
/// <param name="CostShare">Its share of the estimated cost (0 when the total is 0).</param>
/// <param name="Journals">Its journals.</param>
/// <param name="Merge">The command that merges the shards.</param>
public sealed record ShardSummaryReport(int Shard, int Shards, int Runs, int NewRuns, int ResumedRuns, double? CostShare, IReadOnlyList<string> Journals, string Merge)
{
    /// <summary>The report of a shard's summary.</summary>
    /// <param name="s">The summary.</param>
    /// <param name="merge">The merge command line to print.</param>
    public static ShardSummaryReport Of(ShardSummary s, string merge)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Shard.Index, s.Shard.Count, s.Runs, s.NewRuns, s.ResumedRuns, ReportJson.Finite(ShareOf(s)), s.Journals, merge);
    }

    /// <summary>A shard's share of the estimated cost of all shards (0 when the total is 0).</summary>
    public static double ShareOf(ShardSummary s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.TotalCost > 0 ? s.Load / s.TotalCost : 0;
    }

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => ReportJson.Serialize(this, DistillJsonContext.Contract.ShardSummaryReport);
}

/// <summary>The missing runs of one shard in an incomplete merge.</summary>
/// <param name="Shard">Shard index (0-based).</param>
/// <param name="ArrayIndex">Its Slurm array index (the same number, with --array=0-(N-1)).</param>
/// <param name="Runs">Runs missing.</param>
/// <param name="Journal">Its journal's path.</param>
/// <param name="JournalGiven">Whether a journal of it was given.</param>
/// <param name="Examples">Up to three missing runs.</param>
public sealed record ShardGapReport(int Shard, int ArrayIndex, int Runs, string Journal, bool JournalGiven, IReadOnlyList<string> Examples);

/// <summary>The `--json` contract of an incomplete merge (exit code <see cref="ShardMergeReport.IncompleteExitCode"/>).</summary>
/// <param name="Complete">Always false here.</param>
/// <param name="Shards">Number of shards N.</param>
/// <param name="Runs">Runs of the whole experiment.</param>
/// <param name="MissingRuns">Runs no journal holds.</param>
/// <param name="Resubmit">Shard indices to run again.</param>
/// <param name="Missing">Per incomplete shard.</param>
/// <param name="Statement">The finding in words.</param>
public sealed record MergeIncompleteReport(bool Complete, int Shards, int Runs, int MissingRuns, IReadOnlyList<int> Resubmit, IReadOnlyList<ShardGapReport> Missing, string Statement)
{
    /// <summary>The report of a merge's findings.</summary>
    public static MergeIncompleteReport Of(ShardMergeReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.Complete, r.Shards, r.Runs, r.MissingRuns, r.Resubmit,
            r.Missing.Select(g => new ShardGapReport(g.Shard, g.Shard, g.Runs, g.Journal, g.Given, g.Examples)).ToArray(), r.Statement);
    }

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => ReportJson.Serialize(this, DistillJsonContext.Contract.MergeIncompleteReport);
}

/// <summary>Source-generated serialisation of the distill, shard and merge reports (<see cref="ReportJson.Options"/>).</summary>
[JsonSerializable(typeof(DistillReport))]
[JsonSerializable(typeof(ShardSummaryReport))]
[JsonSerializable(typeof(MergeIncompleteReport))]
public sealed partial class DistillJsonContext : JsonSerializerContext
{
    /// <summary>The context on the contract's options.</summary>
    public static DistillJsonContext Contract { get; } = new(ReportJson.Options);
}
