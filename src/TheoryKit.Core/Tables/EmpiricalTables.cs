using TheoryKit.Bounds;
using TheoryKit.Experiments;
using TheoryKit.Teachers;
using TheoryKit.Training;

namespace TheoryKit.Tables;

/// <summary>
/// Tables of measured minimal widths beside the bounds (THEORY.md §9), from the outcomes of
/// <see cref="Difficulty.Run(IReadOnlyList{DifficultyMember}, DifficultyOptions?, SweepSpec, TeacherSpec, string, IProgress{DifficultyProgress}?, int, CancellationToken)"/>.
/// m* is the rate rule's minimal width: exact when it lies inside the width grid (the true minimum lies in the grid
/// step below it), "&lt;=" when it is the smallest grid width, "&gt;" the largest width when no grid width succeeded.
/// </summary>
public static class EmpiricalTables
{
    private static string T(double x) => TableFormat.Short(x);

    /// <summary>m* of one label kind as a cell: exact, "&lt;=" smallest width, "&gt;" largest width, or missing.</summary>
    /// <param name="m">The rate rule's minimal width, or null when the label kind was not swept.</param>
    public static Cell MinimalWidthCell(MinimalWidth? m) => m switch
    {
        { Width: { } w, Lower: not null } => w,
        { Width: { } w, Lower: null } => new Cell(w, Relation: "<="),
        { Width: null, Lower: { } lo } => new Cell(lo, Relation: ">"),
        _ => Cell.Missing,
    };

    /// <summary>
    /// The looseness bound / m* as a cell: exact when m* lies inside the grid, "&gt;=" when m* is only known to be at
    /// most the smallest width, "&lt;" when m* exceeds the largest width; missing without a bound or an m*.
    /// </summary>
    /// <param name="bound">The bound's width (neurons), or null.</param>
    /// <param name="m">The measured minimal width.</param>
    public static Cell LoosenessCell(double? bound, MinimalWidth? m) => (bound, m) switch
    {
        ({ } b, { Width: { } w, Lower: not null }) => b / w,
        ({ } b, { Width: { } w, Lower: null }) => new Cell(b / w, Relation: ">="),
        ({ } b, { Width: null, Lower: { } lo }) => new Cell(b / lo, Relation: "<"),
        _ => Cell.Missing,
    };

    private static string MemberLabel(MemberOutcome o) => $"{o.Member.Parameter} = {T(o.Member.Value)}";

    /// <summary>
    /// Measured minimal widths per member (rows: family, member, n, the certified margin interval and estimate, the
    /// teacher's accuracy, m*_soft, m*_hard), with the sweep settings of each family in the caption.
    /// </summary>
    /// <param name="results">One difficulty result per family.</param>
    /// <param name="teachers">Per family, the teacher's report on each member (same order as the members), for the
    /// teacher's train and held-out accuracy (missing when a member has no held-out set).</param>
    /// <param name="settings">One short line per family describing its sweep (epsilon, steps, eta, grid, seeds, teacher).</param>
    /// <returns>Table <c>empirical-widths</c>.</returns>
    /// <exception cref="ArgumentException">The teacher reports do not match the members.</exception>
    public static Table Widths(IReadOnlyList<DifficultyResult> results, IReadOnlyList<IReadOnlyList<TeacherReport>> teachers, IReadOnlyList<string> settings)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(teachers);
        ArgumentNullException.ThrowIfNull(settings);
        if (teachers.Count != results.Count || results.Where((r, i) => r.Members.Count != teachers[i].Count).Any())
            throw new ArgumentException("one teacher report per member is needed", nameof(teachers));
        var rows = new List<IReadOnlyList<Cell>>();
        for (int f = 0; f < results.Count; f++)
            for (int i = 0; i < results[f].Members.Count; i++)
            {
                var o = results[f].Members[i];
                var t = teachers[f][i];
                rows.Add([Cell.Of(results[f].Family), Cell.Of(MemberLabel(o)), o.N, o.Margin.GammaLower, o.Margin.GammaUpper, o.Margin.GammaEstimate,
                    t.TrainAccuracy, t.TestAccuracy is { } a ? a : Cell.Missing,
                    MinimalWidthCell(o.Sweep.For(LabelKind.Soft)?.ByRate), MinimalWidthCell(o.Sweep.For(LabelKind.Hard)?.ByRate),
                    AccuracyWidthCell(o.Sweep.ByAccuracy?.Soft, o.Sweep), AccuracyWidthCell(o.Sweep.ByAccuracy?.Hard, o.Sweep),
                    BestGapCell(o.Sweep)]);
            }
        return new Table("empirical-widths", "Measured minimal widths of the difficulty families",
            "Each member's certified margin interval $[\\gamma_-, \\gamma_+]$ (THEORY.md §6) and estimate $\\hat\\gamma$; the objective-based minimal width $m^*$ (obj.) "
            + "(the smallest grid width whose success rate reaches the threshold; a run succeeds when its epoch-averaged loss is at most "
            + "$\\varepsilon$: the KL to the teacher for soft labels, the logistic risk for hard labels; not comparable across label kinds); "
            + "the accuracy-based $m^*$ (acc.), the smallest grid width whose mean held-out accuracy is within 1 point of the best of any width and label kind "
            + "(the common yardstick of THEORY.md §9); and the paired held-out accuracy gap soft - hard at the widest width, in points. "
            + "$\\leq$: already the smallest grid width; $>$: no grid width succeeded. Settings: " + string.Join("; ", settings)
            + " (the exact commands are in empirical.json and theory/README.md).",
            [
                new("family", "family", IsText: true),
                new("member", "member", IsText: true),
                new("n", "$n$"),
                new("gamma_lower", "$\\gamma_-$"),
                new("gamma_upper", "$\\gamma_+$"),
                new("gamma_estimate", "$\\hat\\gamma$"),
                new("teacher_train_accuracy", "teacher acc. (train)"),
                new("teacher_test_accuracy", "(held-out)"),
                new("m_star_soft", "$m^*_{\\mathrm{soft}}$ (obj.)"),
                new("m_star_hard", "$m^*_{\\mathrm{hard}}$ (obj.)"),
                new("m_star_soft_accuracy", "$m^*_{\\mathrm{soft}}$ (acc.)"),
                new("m_star_hard_accuracy", "$m^*_{\\mathrm{hard}}$ (acc.)"),
                new("gap_widest", "gap (pts)"),
            ],
            rows);
    }

    /// <summary>
    /// An accuracy-based m* (THEORY.md §9, the common yardstick) as a cell: the width, "&lt;=" when it is the smallest grid
    /// width, "&gt;" the largest grid width when the target was not reached, missing without held-out accuracies.
    /// </summary>
    /// <param name="width">The accuracy-based m* of a label kind, or null.</param>
    /// <param name="sweep">The sweep (its grid, and whether it has an accuracy-based analysis).</param>
    public static Cell AccuracyWidthCell(int? width, SweepResult sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        if (sweep.ByAccuracy is null || sweep.Widths.Count == 0) return Cell.Missing;
        if (width is { } w) return w == sweep.Widths[0] ? new Cell(w, Relation: "<=") : w;
        return new Cell(sweep.Widths[^1], Relation: ">");
    }

    /// <summary>The paired held-out accuracy gap soft - hard (percentage points) at the widest grid width with pairs, or missing.</summary>
    /// <param name="sweep">The sweep.</param>
    public static Cell BestGapCell(SweepResult sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        return sweep.Gaps.Count == 0 ? Cell.Missing : 100 * sweep.Gaps[^1].Gap.Mean;
    }

    /// <summary>
    /// Looseness of the bounds: at each member's margin estimate and the sweep's epsilon, the [MLS25] rates m_soft and
    /// m_hard (constants from <paramref name="s"/>), [JT20]'s M at the member's n and <paramref name="s"/>'s delta, and the
    /// ratios m_soft / m*_soft, m_hard / m*_hard and M / m*_hard. Bounds are missing when the estimate is not in (0, 1/2].
    /// </summary>
    /// <param name="results">One difficulty result per family.</param>
    /// <param name="s">Constants and delta (gammas and epsilons of the settings are not used).</param>
    /// <returns>Table <c>empirical-looseness</c>.</returns>
    /// <exception cref="InputException">A constant or delta is out of range.</exception>
    public static Table Looseness(IReadOnlyList<DifficultyResult> results, TableSettings s)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(s);
        var rows = new List<IReadOnlyList<Cell>>();
        foreach (var r in results)
            foreach (var o in r.Members)
            {
                var g = o.Margin.GammaEstimate;
                var eps = o.Sweep.Epsilon;
                double? soft = null, hard = null, jt = null;
                if (g > 0 && g <= Crossover.MaxGamma && eps < 1)
                {
                    var p = new BoundParameters(g, eps, o.N, s.Delta, 1, s.CSoft, s.CHard);
                    soft = NeuronBounds.Mls25Soft.Evaluate(p);
                    hard = NeuronBounds.Mls25Hard.Evaluate(p);
                    jt = NeuronBounds.Jt20Width.Evaluate(p);
                }
                var ms = o.Sweep.For(LabelKind.Soft)?.ByRate;
                var mh = o.Sweep.For(LabelKind.Hard)?.ByRate;
                Cell Opt(double? x) => x is { } v ? v : Cell.Missing;
                rows.Add([Cell.Of(r.Family), Cell.Of(MemberLabel(o)), g, Opt(soft), LoosenessCell(soft, ms), Opt(hard), LoosenessCell(hard, mh),
                    Opt(jt), LoosenessCell(jt, mh)]);
            }
        return new Table("empirical-looseness", "Looseness of the bounds: bound / measured minimal width",
            "At each member's margin estimate $\\hat\\gamma$ and the sweep's $\\varepsilon$: the [MLS25] rates $m_{\\mathrm{soft}}$ and $m_{\\mathrm{hard}}$ "
            + $"(rate, constant c: $c_{{\\mathrm{{soft}}}} = {T(s.CSoft)}$, $c_{{\\mathrm{{hard}}}} = {T(s.CHard)}$, so their ratios are known only up to that constant) "
            + $"and [JT20]'s $M$ (explicit constants, at the member's $n$ and $\\delta = {T(s.Delta)}$), each divided by the measured $m^*$ of the same label kind. "
            + "$\\geq$: $m^*$ was the smallest grid width; $<$: no grid width succeeded. The [JT20] guarantee needs $\\eta \\leq 1$ and its own $T$; "
            + "the sweeps' settings are in the widths table.",
            [
                new("family", "family", IsText: true),
                new("member", "member", IsText: true),
                new("gamma_estimate", "$\\hat\\gamma$"),
                new("m_soft", "$m_{\\mathrm{soft}}$ (rate)"),
                new("looseness_soft", "$m_{\\mathrm{soft}} / m^*_{\\mathrm{soft}}$"),
                new("m_hard", "$m_{\\mathrm{hard}}$ (rate)"),
                new("looseness_hard", "$m_{\\mathrm{hard}} / m^*_{\\mathrm{hard}}$"),
                new("M_jt20", "$M$ [JT20]"),
                new("looseness_jt20", "$M / m^*_{\\mathrm{hard}}$"),
            ],
            rows);
    }

    /// <summary>
    /// Fitted slopes of ln m* against ln(1/gamma) (THEORY.md §9) with their confidence intervals beside the theory's
    /// exponents: one row per family and label kind; for each theory exponent (soft: 2 [MLS25]; hard: 4 [MLS25], 8 [JT20])
    /// whether it lies in the interval. Without a fit (fewer than 3 uncensored members) the slope cells are missing.
    /// </summary>
    /// <param name="results">One difficulty result per family.</param>
    /// <param name="confidence">The confidence level of the intervals (for the caption), e.g. 0.95.</param>
    /// <returns>Table <c>empirical-slopes</c>.</returns>
    public static Table Slopes(IReadOnlyList<DifficultyResult> results, double confidence)
    {
        ArgumentNullException.ThrowIfNull(results);
        var rows = new List<IReadOnlyList<Cell>>();
        foreach (var r in results)
            foreach (var sl in r.Slopes)
            {
                var f = sl.Fit;
                Cell Theory(string source) => sl.Theory.FirstOrDefault(t => t.Source == source) is { } t ? t.Slope : Cell.Missing;
                Cell Inside(string source) => sl.Theory.FirstOrDefault(t => t.Source == source) is not { } t ? Cell.Missing
                    : f is null ? Cell.Of("no fit")
                    : Cell.Of(t.Slope >= f.SlopeLower && t.Slope <= f.SlopeUpper ? "yes" : "no");
                rows.Add([Cell.Of(r.Family), Cell.Of(SweepSpec.KindName(sl.Labels)), sl.Members.Count, sl.Excluded.Count,
                    f is null ? Cell.Missing : f.Slope, f is null ? Cell.Missing : f.SlopeLower, f is null ? Cell.Missing : f.SlopeUpper,
                    Theory("[MLS25]"), Inside("[MLS25]"), Theory("[JT20]"), Inside("[JT20]")]);
            }
        return new Table("empirical-slopes", "Fitted scaling of the minimal width with 1/gamma beside the theory",
            $"Least-squares slope of $\\ln m^*$ against $\\ln(1/\\hat\\gamma)$ over the uncensored members, with its {T(confidence * 100)}% interval "
            + "(Student $t$), beside the exponents of the bounds: soft labels 2 ([MLS25] $m_{\\mathrm{soft}} \\propto \\gamma^{-2}$); "
            + "hard labels 4 ([MLS25] $m_{\\mathrm{hard}} \\propto \\gamma^{-4}$) and 8 ([JT20] $M \\propto \\lambda^2 \\gamma^{-6}$ with $\\lambda \\propto 1/\\gamma$). "
            + "The bounds are upper bounds: a measured slope below an exponent means the bound is not tight on that family.",
            [
                new("family", "family", IsText: true),
                new("labels", "labels", IsText: true),
                new("fitted", "fitted"),
                new("censored", "censored"),
                new("slope", "slope"),
                new("slope_lower", "CI low"),
                new("slope_upper", "CI high"),
                new("theory_mls25", "[MLS25]"),
                new("mls25_in_ci", "in CI", IsText: true),
                new("theory_jt20", "[JT20]"),
                new("jt20_in_ci", "in CI", IsText: true),
            ],
            rows);
    }
}
