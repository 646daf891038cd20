using TheoryKit.Training;

namespace TheoryKit.Experiments;

/// <summary>One epsilon's point of the epsilon scaling fit of one dataset and label kind (THEORY.md §9).</summary>
/// <param name="Epsilon">Target epoch-averaged loss eps of the sweep (x axis: ln(1/eps)).</param>
/// <param name="MinimalWidth">m*(eps) by the rate rule, or null when no grid width succeeded (m* beyond the grid, right-censored).</param>
/// <param name="AtSmallestWidth">True when m* is the smallest grid width, so only m* &lt;= it is known (left-censored).</param>
public sealed record EpsilonPoint(double Epsilon, int? MinimalWidth, bool AtSmallestWidth = false);

/// <summary>An epsilon left out of the fit and why.</summary>
/// <param name="Epsilon">The epsilon.</param>
/// <param name="MinimalWidth">Its m* (null: beyond the grid).</param>
/// <param name="Reason">Why it was left out, in words.</param>
public sealed record ExcludedEpsilon(double Epsilon, int? MinimalWidth, string Reason);

/// <summary>Measured scaling of m* with 1/eps for one label kind beside the theory (THEORY.md §9, §7).</summary>
/// <param name="Labels">Soft or hard.</param>
/// <param name="Epsilons">The epsilons in the fit, in the order given.</param>
/// <param name="MinimalWidths">Their m*.</param>
/// <param name="LogInverseEpsilon">x = ln(1/eps) of each epsilon in the fit.</param>
/// <param name="LogMinimalWidth">y = ln m* of each epsilon in the fit.</param>
/// <param name="Fit">Least squares fit of y on x, or null with fewer than 3 usable epsilons or all epsilons equal.</param>
/// <param name="Theory">The theory's exponents of m* in 1/eps: soft 1 [MLS25]; none for hard labels (see <paramref name="TheoryNote"/>).</param>
/// <param name="TheoryNote">What the theory says about the dependence on eps, in words.</param>
/// <param name="Statement">Plain-language result: slope, interval, number of epsilons used and agreement with the theory, or why there is no fit.</param>
/// <param name="Excluded">Epsilons left out (censored: m* beyond the grid or at its smallest width).</param>
public sealed record EpsilonSlopeComparison(LabelKind Labels, IReadOnlyList<double> Epsilons, IReadOnlyList<int> MinimalWidths, double[] LogInverseEpsilon, double[] LogMinimalWidth,
    ScalingFitResult? Fit, IReadOnlyList<TheorySlope> Theory, string TheoryNote, string Statement, IReadOnlyList<ExcludedEpsilon> Excluded)
{
    /// <summary>Number of epsilons in the fit.</summary>
    public int N => Epsilons.Count;
}

/// <summary>
/// The epsilon half of THEORY.md §9's scaling fits: for one dataset (fixed gamma), ln m*(eps) against ln(1/eps)
/// over several sweeps that differ only in eps (and, optionally, in a step budget T growing like 1/eps), with a
/// confidence interval for the slope beside the theory (THEORY.md §7): [MLS25] m_soft = c_soft / (gamma^2 eps) has
/// slope 1; for hard labels THEORY.md gives no power of 1/eps ([MLS25] m_hard = c_hard ln(1/eps) / gamma^4,
/// [JT20] M = 4096 lambda^2 / gamma^6 with lambda growing like ln(4/eps)).
/// </summary>
public static class EpsilonScaling
{
    /// <summary>The theory's exponents of m* in 1/eps (THEORY.md §7, §9): soft 1 [MLS25]; hard none (see <see cref="TheoryNote"/>).</summary>
    /// <param name="kind">Soft or hard.</param>
    public static IReadOnlyList<TheorySlope> TheorySlopes(LabelKind kind) => kind == LabelKind.Soft ? [new(1, "[MLS25]")] : [];

    /// <summary>The theory's dependence of the width on eps in words (THEORY.md §7).</summary>
    /// <param name="kind">Soft or hard.</param>
    public static string TheoryNote(LabelKind kind) => kind == LabelKind.Soft
        ? "[MLS25] m_soft = c_soft / (gamma^2 eps): slope 1 in 1/eps"
        : "THEORY.md gives no power of 1/eps for hard labels to compare with: [MLS25] m_hard = c_hard ln(1/eps) / gamma^4 grows like ln(1/eps), "
          + "whose log-log slope at eps is 1/ln(1/eps) and falls as eps shrinks; [JT20] M = 4096 lambda^2 / gamma^6 grows like lambda^2 "
          + "with lambda = (sqrt(2 ln(4n/delta)) + ln(4/eps)) / (gamma/4)";

    /// <summary>
    /// Fits ln m* against ln(1/eps) over the points whose m* lies inside the grid above its smallest width (censored
    /// points, whose m* is only bounded on one side, would bias the slope, as in <see cref="Difficulty.CompareSlopes"/>)
    /// and states "consistent with 1 [MLS25]" or "disagrees with the paper: ..." for soft labels, and the slope with
    /// <see cref="TheoryNote"/> for hard labels. With fewer than 3 usable points, or all their epsilons equal, there is
    /// no fit and the statement says so.
    /// </summary>
    /// <param name="kind">Soft or hard.</param>
    /// <param name="points">One point per epsilon.</param>
    /// <param name="confidence">Confidence level of the slope interval, in (0, 1).</param>
    /// <exception cref="InputException">confidence outside (0, 1), or an epsilon that is not a positive finite number.</exception>
    public static EpsilonSlopeComparison Compare(LabelKind kind, IReadOnlyList<EpsilonPoint> points, double confidence)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (!(confidence > 0 && confidence < 1)) throw InputException.Parameter("confidence", $"must lie in (0, 1), got {confidence}");
        foreach (var p in points)
            if (!(p.Epsilon > 0) || !double.IsFinite(p.Epsilon)) throw InputException.Parameter("epsilon", $"must be positive, got {p.Epsilon}");
        var (used, x, y, censored) = ScalingFit.Censor(points, p => p.Epsilon, p => p.MinimalWidth, p => p.AtSmallestWidth, p => $"eps = {Numbers.G6(p.Epsilon)}");
        var excluded = censored.Select(c => new ExcludedEpsilon(c.Point.Epsilon, c.Point.MinimalWidth, c.Reason)).ToList();
        var theory = TheorySlopes(kind);
        string who = ScalingFit.Who(kind);
        var (fit, statement) = ScalingFit.AgainstTheory(who, "epsilon values", x, y, theory, TheoryNote(kind), confidence,
            $"{who}: no fit, only {used.Count} epsilon value(s) with m* inside the grid above its smallest width (3 needed); widen the grid or add epsilon values.",
            $"{who}: no fit, the epsilon values with m* inside the grid are all equal.");
        return new EpsilonSlopeComparison(kind, used.Select(p => p.Epsilon).ToArray(), used.Select(p => p.MinimalWidth!.Value).ToArray(), x, y, fit, theory, TheoryNote(kind), statement, excluded);
    }

    /// <summary>
    /// The point of one label kind of a sweep: its epsilon and m* by the rate rule, at the smallest width when the
    /// grid bracket has no lower end (read as the difficulty families read their members' sweeps).
    /// </summary>
    /// <param name="sweep">A finished sweep.</param>
    /// <param name="kind">Soft or hard.</param>
    /// <returns>The point, or null when the sweep did not run this label kind.</returns>
    public static EpsilonPoint? PointOf(SweepResult sweep, LabelKind kind)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        return sweep.For(kind)?.ByRate is { } m ? new EpsilonPoint(sweep.Epsilon, m.Width, m.Width is not null && m.Lower is null) : null;
    }

    /// <summary>
    /// The step budget T = ceil(C / eps) of a sweep at eps when the steps are set by C = T eps (the step counts of
    /// the theorems grow like 1/eps: [JT20] T = ceil(2 lambda^2 / (eta eps)), THEORY.md §7). The quotient is lowered by a
    /// relative 1e-12 before rounding up, so that a quotient that is an integer up to rounding (20 / 0.1) is not
    /// rounded up to the next integer.
    /// </summary>
    /// <param name="stepsTimesEpsilon">C &gt; 0.</param>
    /// <param name="epsilon">eps &gt; 0.</param>
    /// <exception cref="InputException">C or eps not a positive finite number, or C / eps beyond the largest step count.</exception>
    public static int StepsFor(double stepsTimesEpsilon, double epsilon)
    {
        if (!(stepsTimesEpsilon > 0) || !double.IsFinite(stepsTimesEpsilon))
            throw InputException.Parameter("steps-times-epsilon", $"must be positive, got {Numbers.G6(stepsTimesEpsilon)}");
        if (!(epsilon > 0) || !double.IsFinite(epsilon)) throw InputException.Parameter("epsilon", $"must be positive, got {Numbers.G6(epsilon)}");
        double q = stepsTimesEpsilon / epsilon;
        double t = Math.Max(1, Math.Ceiling(q * (1 - 1e-12)));
        if (!(t <= int.MaxValue)) throw InputException.Parameter("steps-times-epsilon", $"{Numbers.G6(stepsTimesEpsilon)} / {Numbers.G6(epsilon)} is more steps than {int.MaxValue}");
        return (int)t;
    }

    /// <summary>
    /// The journal of one epsilon of a several-epsilon sweep: "-epsE" inserted into the file name before ".sweep.jsonl"
    /// when it ends so, otherwise before its extension (or at the end without one), with E the epsilon in 6 significant
    /// digits, invariant culture (the spelling of the default single-epsilon journal name). "X.sweep.jsonl" at
    /// eps = 0.4 gives "X-eps0.4.sweep.jsonl"; "runs/a.jsonl" gives "runs/a-eps0.4.jsonl"; "a" gives "a-eps0.4".
    /// </summary>
    /// <param name="journal">The journal path given for the whole sweep.</param>
    /// <param name="epsilon">The epsilon.</param>
    public static string JournalFor(string journal, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(journal);
        string dir = Path.GetDirectoryName(journal) ?? "", name = Path.GetFileName(journal);
        const string sweepSuffix = ".sweep.jsonl";
        string suffix = name.EndsWith(sweepSuffix, StringComparison.OrdinalIgnoreCase) && name.Length > sweepSuffix.Length
            ? name[^sweepSuffix.Length..]
            : Path.GetExtension(name);
        string stem = name[..(name.Length - suffix.Length)];
        string file = $"{stem}-eps{Numbers.G6(epsilon)}{suffix}";
        return dir.Length == 0 ? file : Path.Combine(dir, file);
    }

}
