using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TheoryKit.Bounds;
using TheoryKit.Data;
using TheoryKit.Experiments;
using TheoryKit.Tables;
using TheoryKit.Teachers;
using TheoryKit.Training;

namespace TheoryKit.Reports;

/// <summary>A teacher's fit in a report (THEORY.md §4): <see cref="TeacherReport"/> with the temperature of its soft labels.</summary>
/// <param name="Kind">"kernel", "margin" or "wide-network".</param>
/// <param name="Description">The teacher's description with its parameters.</param>
/// <param name="Tau">Temperature tau of the soft labels p = sigmoid(g / tau).</param>
/// <param name="TrainAccuracy">Training accuracy (null when not finite).</param>
/// <param name="TrainMargin">min_i y_i g(x_i) (null when not finite).</param>
/// <param name="TrainRisk">Training logistic risk in nats (null when not finite).</param>
/// <param name="TestAccuracy">Held-out accuracy, or null.</param>
public sealed record TeacherSummary(string Kind, string Description, double Tau, double? TrainAccuracy, double? TrainMargin, double? TrainRisk, double? TestAccuracy)
{
    /// <summary>The summary of a teacher's report at temperature <paramref name="tau"/>.</summary>
    /// <param name="report">The teacher's report.</param>
    /// <param name="tau">Temperature of the soft labels.</param>
    public static TeacherSummary Of(TeacherReport report, double tau)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new(report.Kind, report.Description, tau, ReportJson.Finite(report.TrainAccuracy), ReportJson.Finite(report.TrainMargin),
            ReportJson.Finite(report.TrainRisk), report.TestAccuracy is { } a ? ReportJson.Finite(a) : null);
    }
}

/// <summary>The early-stopped state of a training run.</summary>
/// <param name="Step">The recorded step of lowest validation error.</param>
/// <param name="ValidationError">Its validation error.</param>
/// <param name="TestAccuracy">Its held-out accuracy, or null.</param>
public sealed record EarlyStopReport(int Step, double? ValidationError, double? TestAccuracy);

/// <summary>The `train --json` contract (THEORY.md §1-4, §9): settings, the run's figures, its verdict and the teacher.</summary>
/// <param name="Data">The training set (after a validation split).</param>
/// <param name="Labels">"soft" or "hard".</param>
/// <param name="Width">Width m.</param>
/// <param name="Steps">Step cap T.</param>
/// <param name="Eta">Step size.</param>
/// <param name="Symmetric">Symmetric initialisation.</param>
/// <param name="Radius">Projected GD radius rho, or null.</param>
/// <param name="Seed">Master seed.</param>
/// <param name="FinalLoss">Objective at W_T.</param>
/// <param name="EpochAveragedLoss">(1/T) sum_t of the objective.</param>
/// <param name="EpochAveragedRisk">(1/T) sum_t of the hard-label risk.</param>
/// <param name="FinalRisk">Hard-label risk at W_T.</param>
/// <param name="TrainError">0-1 training error.</param>
/// <param name="TestAccuracy">Held-out accuracy, or null.</param>
/// <param name="TestError">Held-out 0-1 error, or null.</param>
/// <param name="TestRisk">Held-out logistic risk, or null.</param>
/// <param name="Outcome">"converged", "step cap", "diverged" or "dead" (<see cref="TrainVerdict.OutcomeName"/>).</param>
/// <param name="StepsRun">Steps run.</param>
/// <param name="Convergence">Whether the convergence rule was on.</param>
/// <param name="Optimiser">"gd", "sgd" or "adam".</param>
/// <param name="ValidationError">Validation error at W_T, or null.</param>
/// <param name="EarlyStopped">The early-stopped state, or null.</param>
/// <param name="Verdict">The verdict's statement.</param>
/// <param name="Warning">The verdict's warning, or null.</param>
/// <param name="MaxRowMovement">max_s ||w_s,T - w_s,0|| at the last recorded step.</param>
/// <param name="SecondsPerStep">Wall-clock seconds per step.</param>
/// <param name="Backend">GEMM backend description.</param>
/// <param name="Teacher">The teacher of soft labels, or null for hard labels.</param>
public sealed record TrainReport(DataReport Data, string Labels, int Width, int Steps, double Eta, bool Symmetric, double? Radius, ulong Seed,
    double? FinalLoss, double? EpochAveragedLoss, double? EpochAveragedRisk, double? FinalRisk, double? TrainError, double? TestAccuracy,
    double? TestError, double? TestRisk, string Outcome, int StepsRun, bool Convergence, string Optimiser, double? ValidationError,
    EarlyStopReport? EarlyStopped, string Verdict, string? Warning, double? MaxRowMovement, double? SecondsPerStep, string Backend, TeacherSummary? Teacher)
{
    /// <summary>The report of a finished run.</summary>
    /// <param name="train">The training set.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="seed">The master seed.</param>
    /// <param name="result">The run.</param>
    /// <param name="verdict">Its verdict.</param>
    /// <param name="teacher">The teacher's summary (soft labels), or null.</param>
    public static TrainReport Of(Dataset train, TrainingOptions options, ulong seed, TrainingResult result, TrainVerdict verdict, TeacherSummary? teacher)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(verdict);
        static double? F(double? x) => x is { } v ? ReportJson.Finite(v) : null;
        var e = result.EarlyStopped;
        return new(DataReport.Of(train), SweepSpec.KindName(options.Labels), options.Width, options.Steps, options.Eta, options.Symmetric, F(options.Radius), seed,
            F(result.FinalLoss), F(result.EpochAveragedLoss), F(result.EpochAveragedRisk), F(result.FinalRisk), F(result.TrainError), F(result.TestAccuracy),
            F(result.TestError), F(result.TestRisk), TrainVerdict.OutcomeName(result.Outcome), result.StepsRun, options.Convergence is not null,
            OptimiserNames.Of(options.Optimiser), F(result.ValidationError),
            e is null ? null : new EarlyStopReport(e.Step, F(e.ValidationError), e.TestError is { } te ? F(1 - te) : null),
            verdict.Statement, verdict.Warning, F(result.Trajectory[^1].MaxRowMovement), F(result.SecondsPerStep), result.Backend, teacher);
    }
}

/// <summary>A minimal width with its grid bracket (THEORY.md §9).</summary>
/// <param name="Rule">The rule.</param>
/// <param name="MStar">m*, or null beyond the grid.</param>
/// <param name="Lower">Largest grid width below m* (exclusive), or null.</param>
/// <param name="Upper">m* itself, or null.</param>
/// <param name="Meaning">What the bracket says.</param>
public sealed record MinimalWidthReport(string Rule, int? MStar, int? Lower, int? Upper, string Meaning)
{
    /// <summary>The report of a minimal width.</summary>
    /// <param name="m">The minimal width.</param>
    public static MinimalWidthReport Of(MinimalWidth m) => new(m.Rule, m.Width, m.Lower, m.Upper, m.Meaning);
}

/// <summary>One width of a label kind's sweep.</summary>
/// <param name="Width">Width m.</param>
/// <param name="Runs">Runs.</param>
/// <param name="Successes">Successes.</param>
/// <param name="Rate">Success rate.</param>
/// <param name="RateLower">Clopper-Pearson lower end.</param>
/// <param name="RateUpper">Clopper-Pearson upper end.</param>
/// <param name="MeanEpochAveragedLoss">Mean epoch-averaged objective.</param>
/// <param name="MeanFinalRisk">Mean final hard-label risk.</param>
/// <param name="Converged">Converged runs.</param>
/// <param name="StepCap">Runs at the step cap.</param>
/// <param name="Diverged">Diverged runs.</param>
/// <param name="Dead">Dead runs.</param>
/// <param name="MeanTestRisk">Mean held-out risk, or null.</param>
/// <param name="MeanTestAccuracy">Mean held-out accuracy, or null.</param>
public sealed record WidthReport(int Width, int Runs, int Successes, double? Rate, double? RateLower, double? RateUpper, double? MeanEpochAveragedLoss,
    double? MeanFinalRisk, int Converged, int StepCap, int Diverged, int Dead, double? MeanTestRisk, double? MeanTestAccuracy)
{
    /// <summary>The report of one width's statistics.</summary>
    /// <param name="w">The statistics.</param>
    public static WidthReport Of(WidthStats w) =>
        new(w.Width, w.Runs, w.Successes, ReportJson.Finite(w.Rate), ReportJson.Finite(w.RateLower), ReportJson.Finite(w.RateUpper),
            ReportJson.Finite(w.MeanEpochAveragedLoss), ReportJson.Finite(w.MeanFinalRisk), w.Converged, w.StepCap, w.Diverged, w.Dead,
            TrainReports.Finite(w.MeanTestRisk), TrainReports.Finite(w.MeanTestAccuracy));
}

/// <summary>One label kind of a sweep.</summary>
/// <param name="Labels">"soft" or "hard".</param>
/// <param name="ByRate">m* by the rate rule.</param>
/// <param name="ByClopperPearson">m* by the Clopper-Pearson rule.</param>
/// <param name="Widths">Per width.</param>
public sealed record LabelReport(string Labels, MinimalWidthReport ByRate, MinimalWidthReport ByClopperPearson, IReadOnlyList<WidthReport> Widths);

/// <summary>The paired held-out accuracy gap soft - hard at one width.</summary>
/// <param name="Width">Width m.</param>
/// <param name="Mean">Mean gap.</param>
/// <param name="Lower">t interval's lower end (null when undefined).</param>
/// <param name="Upper">Its upper end (null when undefined).</param>
/// <param name="PositivePairs">Pairs with a positive gap.</param>
/// <param name="Pairs">Pairs.</param>
public sealed record WidthGapReport(int Width, double? Mean, double? Lower, double? Upper, int PositivePairs, int Pairs)
{
    /// <summary>The reports of a sweep's gaps.</summary>
    /// <param name="gaps">The gaps.</param>
    public static IReadOnlyList<WidthGapReport> Of(IEnumerable<AccuracyGap> gaps) =>
        gaps.Select(g => new WidthGapReport(g.Width, ReportJson.Finite(g.Gap.Mean), ReportJson.Finite(g.Gap.Lower), ReportJson.Finite(g.Gap.Upper), g.Gap.Positive, g.Gap.N)).ToList();
}

/// <summary>Accuracy-based m* of a sweep (the one compared across label kinds).</summary>
/// <param name="Target">Target accuracy.</param>
/// <param name="Rule">How the target was set.</param>
/// <param name="MStarSoft">Soft-label m*, or null.</param>
/// <param name="MStarHard">Hard-label m*, or null.</param>
/// <param name="RatioHardOverSoft">m*_hard / m*_soft, or null.</param>
/// <param name="Relation">"=", "&gt;=", "&lt;=", "&gt;", "&lt;" or a sentence.</param>
/// <param name="Statement">The comparison in words.</param>
public sealed record AccuracyWidthsReport(double? Target, string Rule, int? MStarSoft, int? MStarHard, double? RatioHardOverSoft, string Relation, string Statement);

/// <summary>The teacher's held-out accuracy beside the best hard-label student's.</summary>
/// <param name="TeacherTestAccuracy">The teacher's.</param>
/// <param name="BestHardWidth">Width of the best hard student (0 without one).</param>
/// <param name="BestHardTestAccuracy">Its mean accuracy (null without one).</param>
/// <param name="Warning">Set when the teacher is weaker.</param>
public sealed record TeacherVersusBestHard(double? TeacherTestAccuracy, int BestHardWidth, double? BestHardTestAccuracy, string? Warning)
{
    /// <summary>The report of a comparison.</summary>
    /// <param name="c">The comparison.</param>
    public static TeacherVersusBestHard Of(TeacherComparison c) =>
        new(ReportJson.Finite(c.TeacherAccuracy), c.BestHardWidth, ReportJson.Finite(c.BestHardAccuracy), c.Warning);
}

/// <summary>
/// One width sweep (THEORY.md §9), the `sweep --json` contract with one epsilon and each element of `sweeps` with several. Not
/// sealed: <see cref="SingleSweepReport"/> and <see cref="EpsilonSweepReport"/> add their members after these.
/// </summary>
/// <param name="DataSource">The data.</param>
/// <param name="Epsilon">Target epoch-averaged loss.</param>
/// <param name="Seeds">Seeds per width and label kind.</param>
/// <param name="Widths">The grid.</param>
/// <param name="MStarSoft">Objective-based m*_soft, or null.</param>
/// <param name="MStarSoftLower">Its grid bracket's lower end, or null.</param>
/// <param name="MStarSoftUpper">Its upper end, or null.</param>
/// <param name="MStarHard">Objective-based m*_hard, or null.</param>
/// <param name="MStarHardLower">Its grid bracket's lower end, or null.</param>
/// <param name="MStarHardUpper">Its upper end, or null.</param>
/// <param name="MStarKind">What the objective-based m* are.</param>
/// <param name="ByAccuracy">Accuracy-based m*, or null.</param>
/// <param name="Gaps">Paired gaps per width.</param>
/// <param name="Rule">The success rule.</param>
/// <param name="ByLabel">Per label kind.</param>
/// <param name="NewRuns">Runs trained now.</param>
/// <param name="ResumedRuns">Runs from the journal.</param>
/// <param name="Journal">The journal's path.</param>
/// <param name="Plots">The plots' paths.</param>
public record SweepReport(string DataSource, double Epsilon, int Seeds, IReadOnlyList<int> Widths, int? MStarSoft, int? MStarSoftLower, int? MStarSoftUpper,
    int? MStarHard, int? MStarHardLower, int? MStarHardUpper, string MStarKind, AccuracyWidthsReport? ByAccuracy, IReadOnlyList<WidthGapReport> Gaps, string Rule,
    IReadOnlyList<LabelReport> ByLabel, int NewRuns, int ResumedRuns, string Journal, IReadOnlyList<string> Plots)
{
    /// <summary>The report of a sweep.</summary>
    /// <param name="res">The sweep.</param>
    /// <param name="journal">Its journal.</param>
    /// <param name="plots">Its plots.</param>
    public static SweepReport Of(SweepResult res, string journal, IReadOnlyList<string> plots)
    {
        ArgumentNullException.ThrowIfNull(res);
        MinimalWidth? M(LabelKind k) => res.For(k)?.ByRate;
        var a = res.ByAccuracy;
        return new(res.DataSource, res.Epsilon, res.Seeds, res.Widths,
            M(LabelKind.Soft)?.Width, M(LabelKind.Soft)?.Lower, M(LabelKind.Soft)?.Upper,
            M(LabelKind.Hard)?.Width, M(LabelKind.Hard)?.Lower, M(LabelKind.Hard)?.Upper, TrainReports.ObjectiveKind,
            a is null ? null : new AccuracyWidthsReport(ReportJson.Finite(a.Target), a.TargetRule, a.Soft, a.Hard, TrainReports.Finite(a.Ratio), a.Relation, a.Statement),
            WidthGapReport.Of(res.Gaps), TrainReports.SuccessRule(res.SuccessThreshold),
            res.Labels.Select(l => new LabelReport(SweepSpec.KindName(l.Labels), MinimalWidthReport.Of(l.ByRate), MinimalWidthReport.Of(l.ByClopperPearson),
                l.Widths.Select(WidthReport.Of).ToList())).ToList(),
            res.NewRuns, res.ResumedRuns, journal, plots);
    }
}

/// <summary>The `sweep --json` contract with one epsilon: the sweep, its teacher and the teacher beside the best hard student.</summary>
public sealed record SingleSweepReport : SweepReport
{
    /// <summary>The sweep's members, then the teacher's.</summary>
    /// <param name="sweep">The sweep's report.</param>
    /// <param name="teacher">The teacher (null without soft labels).</param>
    /// <param name="versus">The comparison (null without the teacher's held-out accuracy: the member is then left out).</param>
    public SingleSweepReport(SweepReport sweep, TeacherSummary? teacher, TeacherVersusBestHard? versus) : base(sweep)
    {
        Teacher = teacher;
        TeacherVersusBestHard = versus;
    }

    /// <summary>The teacher of the soft labels, or null.</summary>
    [JsonPropertyOrder(1)]
    public TeacherSummary? Teacher { get; init; }

    /// <summary>The teacher beside the best hard student (absent without the teacher's held-out accuracy).</summary>
    [JsonPropertyOrder(2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TeacherVersusBestHard? TeacherVersusBestHard { get; init; }
}

/// <summary>One epsilon's sweep inside the `sweep --json` contract with several epsilons: the sweep and its step cap.</summary>
public sealed record EpsilonSweepReport : SweepReport
{
    /// <summary>The sweep's members, then the step cap.</summary>
    /// <param name="sweep">The sweep's report.</param>
    /// <param name="steps">The step cap T at this epsilon.</param>
    public EpsilonSweepReport(SweepReport sweep, int steps) : base(sweep) => Steps = steps;

    /// <summary>Step cap T at this epsilon.</summary>
    [JsonPropertyOrder(1)]
    public int Steps { get; init; }
}

/// <summary>A theory exponent.</summary>
/// <param name="Slope">The exponent.</param>
/// <param name="Source">Citation key.</param>
public sealed record TheorySlopeReport(double Slope, string Source);

/// <summary>An epsilon left out of the epsilon fit.</summary>
/// <param name="Epsilon">The epsilon.</param>
/// <param name="MStar">Its m*, or null beyond the grid.</param>
/// <param name="Reason">Why.</param>
public sealed record ExcludedEpsilonReport(double Epsilon, int? MStar, string Reason);

/// <summary>The fit of ln m* against ln(1/eps) for one label kind (THEORY.md §9).</summary>
/// <param name="Labels">"soft" or "hard".</param>
/// <param name="N">Epsilons in the fit.</param>
/// <param name="Slope">Fitted slope, or null.</param>
/// <param name="SlopeLower">Its interval's lower end, or null.</param>
/// <param name="SlopeUpper">Its upper end, or null.</param>
/// <param name="Intercept">Intercept, or null.</param>
/// <param name="RSquared">R^2, or null.</param>
/// <param name="Epsilons">Epsilons in the fit.</param>
/// <param name="MStar">Their m*.</param>
/// <param name="Theory">Theory exponents.</param>
/// <param name="TheoryNote">The theory in words.</param>
/// <param name="Statement">The result in words.</param>
/// <param name="Excluded">Epsilons left out.</param>
public sealed record EpsilonFitReport(string Labels, int N, double? Slope, double? SlopeLower, double? SlopeUpper, double? Intercept, double? RSquared,
    IReadOnlyList<double> Epsilons, IReadOnlyList<int> MStar, IReadOnlyList<TheorySlopeReport> Theory, string TheoryNote, string Statement,
    IReadOnlyList<ExcludedEpsilonReport> Excluded)
{
    /// <summary>The report of an epsilon fit.</summary>
    /// <param name="f">The comparison.</param>
    public static EpsilonFitReport Of(EpsilonSlopeComparison f)
    {
        ArgumentNullException.ThrowIfNull(f);
        double? G(Func<ScalingFitResult, double> get) => f.Fit is { } fit ? ReportJson.Finite(get(fit)) : null;
        return new(SweepSpec.KindName(f.Labels), f.N, G(x => x.Slope), G(x => x.SlopeLower), G(x => x.SlopeUpper), G(x => x.Intercept), G(x => x.RSquared),
            f.Epsilons, f.MinimalWidths, TrainReports.Theory(f.Theory), f.TheoryNote, f.Statement,
            f.Excluded.Select(e => new ExcludedEpsilonReport(e.Epsilon, e.MinimalWidth, e.Reason)).ToList());
    }
}

/// <summary>The epsilon fits of a sweep over several epsilons.</summary>
/// <param name="Confidence">Confidence level of the slope intervals.</param>
/// <param name="Fits">Per label kind.</param>
/// <param name="Note">How the fit was made.</param>
/// <param name="Plots">The scaling plot's paths.</param>
public sealed record EpsilonScalingReport(double Confidence, IReadOnlyList<EpsilonFitReport> Fits, string Note, IReadOnlyList<string> Plots);

/// <summary>The `sweep --json` contract with several epsilons (THEORY.md §9).</summary>
/// <param name="DataSource">The data.</param>
/// <param name="Epsilons">The epsilons.</param>
/// <param name="StepsTimesEpsilon">C of T = ceil(C / eps), or null with one T.</param>
/// <param name="Sweeps">One sweep per epsilon.</param>
/// <param name="EpsilonScaling">The fits.</param>
/// <param name="Teacher">The teacher, or null.</param>
public sealed record EpsilonSweepsReport(string DataSource, IReadOnlyList<double> Epsilons, double? StepsTimesEpsilon, IReadOnlyList<EpsilonSweepReport> Sweeps,
    EpsilonScalingReport EpsilonScaling, TeacherSummary? Teacher);

/// <summary>The accuracy-based m* of a difficulty member (as <see cref="AccuracyWidthsReport"/> without the target's rule).</summary>
/// <param name="Target">Target accuracy.</param>
/// <param name="MStarSoft">Soft-label m*, or null.</param>
/// <param name="MStarHard">Hard-label m*, or null.</param>
/// <param name="RatioHardOverSoft">The ratio, or null.</param>
/// <param name="Relation">Its relation to the grid.</param>
/// <param name="Statement">In words.</param>
public sealed record MemberAccuracyReport(double? Target, int? MStarSoft, int? MStarHard, double? RatioHardOverSoft, string Relation, string Statement);

/// <summary>One member of a difficulty family.</summary>
/// <param name="Name">The member's name.</param>
/// <param name="Parameter">The varied parameter.</param>
/// <param name="Value">Its value.</param>
/// <param name="Teacher">The teacher fitted on the member.</param>
/// <param name="GammaLower">Certified lower end of the margin.</param>
/// <param name="GammaUpper">Certified upper end.</param>
/// <param name="GammaEstimate">The estimate.</param>
/// <param name="MStarSoft">Objective-based m*_soft, or null.</param>
/// <param name="MStarHard">Objective-based m*_hard, or null.</param>
/// <param name="MStarKind">What they are.</param>
/// <param name="ByAccuracy">Accuracy-based m*, or null.</param>
/// <param name="Gaps">Paired gaps.</param>
/// <param name="Journal">The member's journal.</param>
public sealed record MemberReport(string Name, string Parameter, double Value, TeacherSummary Teacher, double? GammaLower, double? GammaUpper, double? GammaEstimate,
    int? MStarSoft, int? MStarHard, string MStarKind, MemberAccuracyReport? ByAccuracy, IReadOnlyList<WidthGapReport> Gaps, string Journal)
{
    /// <summary>The report of a member.</summary>
    /// <param name="m">The member's outcome.</param>
    /// <param name="teacher">Its teacher.</param>
    public static MemberReport Of(MemberOutcome m, TeacherSummary teacher)
    {
        ArgumentNullException.ThrowIfNull(m);
        var a = m.Sweep.ByAccuracy;
        return new(m.Member.Name, m.Member.Parameter, m.Member.Value, teacher, ReportJson.Finite(m.Margin.GammaLower), ReportJson.Finite(m.Margin.GammaUpper),
            ReportJson.Finite(m.Margin.GammaEstimate), m.Sweep.For(LabelKind.Soft)?.ByRate.Width, m.Sweep.For(LabelKind.Hard)?.ByRate.Width, TrainReports.ObjectiveKind,
            a is null ? null : new MemberAccuracyReport(ReportJson.Finite(a.Target), a.Soft, a.Hard, TrainReports.Finite(a.Ratio), a.Relation, a.Statement),
            WidthGapReport.Of(m.Sweep.Gaps), m.JournalPath);
    }
}

/// <summary>The fit of ln m* against ln(1/gamma) for one label kind.</summary>
/// <param name="Labels">"soft" or "hard".</param>
/// <param name="Slope">Fitted slope, or null.</param>
/// <param name="SlopeLower">Its interval's lower end, or null.</param>
/// <param name="SlopeUpper">Its upper end, or null.</param>
/// <param name="Theory">Theory exponents.</param>
/// <param name="Statement">The result in words.</param>
/// <param name="Excluded">Members left out and why.</param>
public sealed record SlopeReport(string Labels, double? Slope, double? SlopeLower, double? SlopeUpper, IReadOnlyList<TheorySlopeReport> Theory, string Statement,
    IReadOnlyList<string> Excluded)
{
    /// <summary>The report of a slope comparison.</summary>
    /// <param name="s">The comparison.</param>
    public static SlopeReport Of(SlopeComparison s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(SweepSpec.KindName(s.Labels), s.Fit is { } f ? ReportJson.Finite(f.Slope) : null, s.Fit is { } l ? ReportJson.Finite(l.SlopeLower) : null,
            s.Fit is { } u ? ReportJson.Finite(u.SlopeUpper) : null, TrainReports.Theory(s.Theory), s.Statement, s.Excluded);
    }
}

/// <summary>The `difficulty --json` contract (THEORY.md §9).</summary>
/// <param name="Family">The family.</param>
/// <param name="Epsilon">Target loss.</param>
/// <param name="Members">Per member.</param>
/// <param name="Slopes">Per label kind.</param>
/// <param name="Note">How the fit was made.</param>
/// <param name="Plots">The plot's paths.</param>
public sealed record DifficultyReport(string Family, double Epsilon, IReadOnlyList<MemberReport> Members, IReadOnlyList<SlopeReport> Slopes, string Note, IReadOnlyList<string> Plots)
{
    /// <summary>The report of a family run.</summary>
    /// <param name="res">The result.</param>
    /// <param name="epsilon">Its epsilon.</param>
    /// <param name="teachers">The teacher of each member, in order.</param>
    /// <param name="plots">The plot's paths.</param>
    public static DifficultyReport Of(DifficultyResult res, double epsilon, IReadOnlyList<TeacherSummary> teachers, IReadOnlyList<string> plots)
    {
        ArgumentNullException.ThrowIfNull(res);
        ArgumentNullException.ThrowIfNull(teachers);
        return new(res.Family, epsilon, res.Members.Select((m, i) => MemberReport.Of(m, teachers[i])).ToList(), res.Slopes.Select(SlopeReport.Of).ToList(), res.Note, plots);
    }
}

/// <summary>The settings of the analytic tables (THEORY.md §7-8).</summary>
/// <param name="Gammas">Margins of the grid.</param>
/// <param name="Epsilons">Target losses.</param>
/// <param name="N">Training points n.</param>
/// <param name="Delta">Failure probability delta.</param>
/// <param name="Eta">Step size of [JT20]'s T.</param>
/// <param name="CSoft">[MLS25] soft-label constant.</param>
/// <param name="CHard">[MLS25] hard-label constant.</param>
public sealed record TableSettingsReport(IReadOnlyList<double> Gammas, IReadOnlyList<double> Epsilons, int N, double Delta, double Eta, double CSoft, double CHard)
{
    /// <summary>The report of table settings.</summary>
    /// <param name="s">The settings.</param>
    public static TableSettingsReport Of(TableSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Gammas, s.Epsilons, s.N, s.Delta, s.Eta, s.CSoft, s.CHard);
    }
}

/// <summary>The `tables --json` contract: the output folder, the settings and the files written.</summary>
/// <param name="Out">The folder.</param>
/// <param name="Settings">The analytic tables' settings.</param>
/// <param name="Files">Every file written, in order.</param>
public sealed record TablesReport(string Out, TableSettingsReport Settings, IReadOnlyList<string> Files);

/// <summary>OUT/tables.json: the settings and the analytic tables (<see cref="TableFormat.Json"/>).</summary>
/// <param name="Settings">The settings.</param>
/// <param name="Tables">The tables.</param>
public sealed record AnalyticTablesFile(TableSettingsReport Settings, IReadOnlyList<JsonObject> Tables);

/// <summary>OUT/empirical.json: the seed, the commands that reproduce the runs, and the empirical tables.</summary>
/// <param name="Seed">The master seed.</param>
/// <param name="Commands">One `theorykit difficulty` command per family.</param>
/// <param name="Tables">The tables.</param>
public sealed record EmpiricalTablesFile(ulong Seed, IReadOnlyList<string> Commands, IReadOnlyList<JsonObject> Tables);

/// <summary>Shared pieces of the train, sweep, difficulty and tables reports.</summary>
public static class TrainReports
{
    /// <summary>The label of objective-based minimal widths.</summary>
    public const string ObjectiveKind = "objective-based (not comparable across label kinds)";

    /// <summary>The success rule of a sweep in words.</summary>
    /// <param name="threshold">The success-rate threshold.</param>
    public static string SuccessRule(double threshold) =>
        $"objective-based: smallest grid width with success rate >= {Numbers.G6(threshold)} (epoch-averaged training objective <= epsilon)";

    /// <summary>A finite number or null (null stays null).</summary>
    /// <param name="x">The number.</param>
    public static double? Finite(double? x) => x is { } v ? ReportJson.Finite(v) : null;

    /// <summary>The reports of theory exponents.</summary>
    /// <param name="theory">The exponents.</param>
    public static IReadOnlyList<TheorySlopeReport> Theory(IEnumerable<TheorySlope> theory) => theory.Select(t => new TheorySlopeReport(t.Slope, t.Source)).ToList();

    /// <summary>Serialises a report of this group (indented, snake_case, <see cref="ReportJson.Options"/>).</summary>
    /// <param name="value">The report.</param>
    public static string Json<T>(T value) =>
        ReportJson.Serialize(value, TrainJsonContext.Contract.GetTypeInfo(typeof(T)) as System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>
            ?? throw new ArgumentException($"{typeof(T)} is not a report of TrainJsonContext"));
}

/// <summary>Source-generated serialisation of the train, sweep, difficulty and tables reports (<see cref="ReportJson.Options"/>).</summary>
[JsonSerializable(typeof(TrainReport))]
[JsonSerializable(typeof(SingleSweepReport))]
[JsonSerializable(typeof(EpsilonSweepsReport))]
[JsonSerializable(typeof(DifficultyReport))]
[JsonSerializable(typeof(TablesReport))]
[JsonSerializable(typeof(AnalyticTablesFile))]
[JsonSerializable(typeof(EmpiricalTablesFile))]
public sealed partial class TrainJsonContext : JsonSerializerContext
{
    private static TrainJsonContext? _contract;

    /// <summary>The context built on <see cref="ReportJson.Options"/> (the contract's style).</summary>
    public static TrainJsonContext Contract => _contract ??= new TrainJsonContext(ReportJson.Options);
}
