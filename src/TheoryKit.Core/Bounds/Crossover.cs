using MathNet.Numerics.RootFinding;

namespace TheoryKit.Bounds;

/// <summary>
/// Where a soft-label and a hard-label neuron bound cross (THEORY.md §8).
/// </summary>
/// <param name="GammaStar">The margin gamma* at which the two widths are equal, or null when none was
/// found in (0, 1/2]. The closed form for the [MLS25] pair may exceed 1/2; it is then reported and
/// <see cref="InMarginRange"/> is false.</param>
/// <param name="Method"><c>closed form</c> or <c>Brent bracketing root finder</c>.</param>
/// <param name="Note">One or two sentences on which side each bound is smaller and how to read the value
/// (mentions "rate, constant c" when a rate bound is involved).</param>
public sealed record CrossoverResult(double? GammaStar, string Method, string Note)
{
    /// <summary>True when <see cref="GammaStar"/> lies in (0, 1/2], the range of possible margins.</summary>
    public bool InMarginRange => GammaStar is { } g && g > 0 && g <= Crossover.MaxGamma;
}

/// <summary>Which training a dataset's certified margin interval favours (THEORY.md §8).</summary>
public enum CrossoverVerdict
{
    /// <summary>The soft-label width is below the hard-label width on the whole interval.</summary>
    SoftFavoured,
    /// <summary>The hard-label width is below the soft-label width on the whole interval.</summary>
    HardFavoured,
    /// <summary>The interval straddles gamma*, or the width difference changes sign (or vanishes) in it.</summary>
    Undecided,
}

/// <summary>
/// Verdict of <see cref="Crossover.Verdict"/> for a certified margin interval.
/// Ratios are m_hard / m_soft (unitless); widths are neurons.
/// </summary>
/// <param name="Verdict">Which training the interval favours.</param>
/// <param name="GammaStar">The crossover from <see cref="Crossover.Solve"/> (may be null or exceed 1/2).</param>
/// <param name="Ratio">m_hard / m_soft at the margin estimate.</param>
/// <param name="RatioAtLower">m_hard / m_soft at the interval's lower end, or null when that end is &lt;= 0.</param>
/// <param name="RatioAtUpper">m_hard / m_soft at the interval's upper end (capped at 1/2).</param>
/// <param name="MSoft">Soft-label width at the estimate (neurons).</param>
/// <param name="MHard">Hard-label width at the estimate (neurons).</param>
/// <param name="Note">How the verdict was reached, including any capping of the interval.</param>
public sealed record VerdictResult(
    CrossoverVerdict Verdict,
    double? GammaStar,
    double Ratio,
    double? RatioAtLower,
    double? RatioAtUpper,
    double MSoft,
    double MHard,
    string Note)
{
    /// <summary>The verdict as text: <c>soft favoured</c>, <c>hard favoured</c> or <c>undecided</c>.</summary>
    public string Label => Crossover.LabelOf(Verdict);
}

/// <summary>
/// Crossover of a soft-label and a hard-label neuron bound in the margin gamma (THEORY.md §8).
/// For the [MLS25] rate pair, m_soft &lt; m_hard iff gamma^2 &lt; (c_hard/c_soft) eps ln(1/eps), so
/// gamma* = sqrt((c_hard/c_soft) eps ln(1/eps)) in closed form (c = 1: eps = 0.1 gives 0.4799,
/// eps = 0.01 gives 0.2146). Any other pair is solved numerically: log m_soft(gamma) = log m_hard(gamma)
/// over [1e-6, 1/2], by scanning a logarithmic grid for a sign change and refining with Brent's method.
/// </summary>
public static class Crossover
{
    /// <summary>Largest possible margin of data with ||x|| &lt;= 1 (THEORY.md §6): 1/2.</summary>
    public const double MaxGamma = 0.5;

    /// <summary>Smallest margin scanned by the numerical solver and the verdict: 1e-6.</summary>
    public const double MinGamma = 1e-6;

    /// <summary>Number of points of the logarithmic scanning grid on [<see cref="MinGamma"/>, <see cref="MaxGamma"/>].</summary>
    public const int GridPoints = 600;

    /// <summary>Method name of the closed form.</summary>
    public const string ClosedForm = "closed form";

    /// <summary>Method name of the numerical solver.</summary>
    public const string Numerical = "Brent bracketing root finder";

    /// <summary>
    /// The crossover gamma* of <paramref name="soft"/> and <paramref name="hard"/>: closed form for the
    /// [MLS25] pair (<see cref="NeuronBounds.Mls25Soft"/>, <see cref="NeuronBounds.Mls25Hard"/>),
    /// otherwise <see cref="SolveNumerically"/>.
    /// </summary>
    /// <param name="soft">Soft-label bound (any bound may be passed; "soft" is its role here).</param>
    /// <param name="hard">Hard-label bound.</param>
    /// <param name="p">Parameters; <c>p.Gamma</c> is ignored (it is the unknown) but must still be valid.</param>
    /// <returns>gamma* (or null), the method and a note.</returns>
    /// <exception cref="InputException">A parameter is out of range.</exception>
    public static CrossoverResult Solve(NeuronBound soft, NeuronBound hard, BoundParameters p)
    {
        ArgumentNullException.ThrowIfNull(soft);
        ArgumentNullException.ThrowIfNull(hard);
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        if (soft == NeuronBounds.Mls25Soft && hard == NeuronBounds.Mls25Hard)
            return ClosedFormMls25(p);
        return SolveNumerically(soft, hard, p);
    }

    /// <summary>
    /// The [MLS25] closed form gamma* = sqrt((c_hard/c_soft) eps ln(1/eps)) (THEORY.md §8), a rate with
    /// constants c. When gamma* &gt; 1/2 it is still returned, with a note that every possible margin lies below it.
    /// </summary>
    /// <param name="p">Parameters (eps, c_soft, c_hard used; gamma ignored).</param>
    /// <returns>The closed-form crossover.</returns>
    /// <exception cref="InputException">A parameter is out of range.</exception>
    public static CrossoverResult ClosedFormMls25(BoundParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        var ratio = p.CHard / p.CSoft;
        var g = Math.Sqrt(ratio * p.Epsilon * Math.Log(1 / p.Epsilon));
        var consts = $"rate, constant c: c_hard/c_soft = {Numbers.R(ratio)}";
        var note = g <= MaxGamma
            ? $"m_soft < m_hard for gamma < gamma*, m_soft > m_hard for gamma > gamma* ({consts}). "
              + "The paper's condition gamma <= eps is sufficient, not necessary."
            : $"gamma* = {Numbers.R(g)} exceeds 1/2, the largest possible margin of unit-norm data: "
              + $"every possible margin lies below it, so the soft-label rate is smaller for every dataset ({consts}).";
        return new CrossoverResult(g, ClosedForm, note);
    }

    /// <summary>
    /// Solves log m_soft(gamma) = log m_hard(gamma) numerically on [<see cref="MinGamma"/>, <see cref="MaxGamma"/>]:
    /// scans a logarithmic grid of <see cref="GridPoints"/> points for the first sign change and refines
    /// it with Brent's method in ln gamma (MathNet.Numerics, accuracy 1e-14 relative in gamma). Reports the smallest crossing and, in the
    /// note, how many grid brackets changed sign.
    /// </summary>
    /// <param name="soft">Soft-label bound.</param>
    /// <param name="hard">Hard-label bound.</param>
    /// <param name="p">Parameters; <c>p.Gamma</c> is ignored but must be valid.</param>
    /// <returns>gamma* or null when the widths never cross on the range.</returns>
    /// <exception cref="InputException">A parameter is out of range.</exception>
    public static CrossoverResult SolveNumerically(NeuronBound soft, NeuronBound hard, BoundParameters p)
    {
        ArgumentNullException.ThrowIfNull(soft);
        ArgumentNullException.ThrowIfNull(hard);
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        double D(double g) => LogDifference(soft, hard, p, g);

        var grid = LogGrid(MinGamma, MaxGamma, GridPoints);
        var d = grid.Select(D).ToArray();
        var rateNote = soft.IsRate || hard.IsRate ? " (rate, constant c)" : "";
        if (d.All(x => x == 0))
            return new CrossoverResult(null, Numerical,
                $"The two widths coincide at every margin on [1e-6, 0.5]: no single crossing{rateNote}.");
        int brackets = 0;
        double? root = null;
        for (int i = 0; i < grid.Length; i++)
        {
            if (d[i] == 0)
            {
                brackets++;
                root ??= grid[i];
                continue;
            }
            if (i + 1 < grid.Length && d[i + 1] != 0 && Math.Sign(d[i]) != Math.Sign(d[i + 1])
                && !double.IsNaN(d[i]) && !double.IsNaN(d[i + 1]))
            {
                brackets++;
                if (root is null)
                {
                    // Solved in u = ln gamma, so the accuracy 1e-14 is relative in gamma at every scale.
                    double Du(double u) => D(Math.Exp(u));
                    double lo = Math.Log(grid[i]), hi = Math.Log(grid[i + 1]);
                    if (!Brent.TryFindRoot(Du, lo, hi, 1e-14, 200, out var u))
                        u = Bisection.FindRoot(Du, lo, hi, 1e-14, 200);
                    root = Math.Exp(u);
                }
            }
        }

        string note;
        if (root is { } g)
        {
            var below = D(Math.Max(MinGamma, g * 0.5)) < 0 ? "m_soft < m_hard" : "m_soft > m_hard";
            note = $"{below} just below gamma*{rateNote}";
            if (brackets > 1) note += $"; the widths cross {brackets} times on [1e-6, 0.5], the smallest crossing is reported";
            note += ".";
        }
        else if (d.All(x => x < 0))
            note = $"No crossing on [1e-6, 0.5]: m_soft < m_hard at every margin{rateNote}.";
        else if (d.All(x => x > 0))
            note = $"No crossing on [1e-6, 0.5]: m_soft > m_hard at every margin{rateNote}.";
        else
            note = $"No crossing found on [1e-6, 0.5]; some widths were not finite{rateNote}.";
        return new CrossoverResult(root, Numerical, note);
    }

    /// <summary>
    /// Which training the certified margin interval [<paramref name="gammaLower"/>, <paramref name="gammaUpper"/>]
    /// favours (THEORY.md §8). Undecided if the interval straddles gamma* (strictly inside) or if
    /// m_soft - m_hard changes sign or vanishes anywhere on [max(gammaLower, 1e-6), min(gammaUpper, 1/2)]
    /// (checked on a logarithmic grid including both ends); otherwise soft favoured when m_soft &lt; m_hard
    /// on the whole interval and hard favoured when m_soft &gt; m_hard on it. An upper end above 1/2 is
    /// capped at 1/2, since no margin exceeds it; a lower end &lt;= 0 (a vacuous Hoeffding bound) is
    /// replaced by 1e-6 for the scan and gives a null <see cref="VerdictResult.RatioAtLower"/>.
    /// </summary>
    /// <param name="soft">Soft-label bound.</param>
    /// <param name="hard">Hard-label bound.</param>
    /// <param name="p">Parameters; <c>p.Gamma</c> is replaced by <paramref name="gammaEstimate"/>.</param>
    /// <param name="gammaLower">Certified lower bound on the margin (may be &lt;= 0).</param>
    /// <param name="gammaUpper">Certified upper bound on the margin (&gt; 0).</param>
    /// <param name="gammaEstimate">Margin estimate, in (0, 1/2] and within the interval.</param>
    /// <returns>The verdict, ratios m_hard/m_soft and the widths at the estimate.</returns>
    /// <exception cref="InputException">A parameter is out of range: <c>gammaEstimate</c> outside (0, 1/2] or
    /// outside [gammaLower, gammaUpper], <c>gammaUpper</c> not &gt; 0 or not finite, <c>gammaLower</c> NaN,
    /// or any parameter of <paramref name="p"/>.</exception>
    public static VerdictResult Verdict(
        NeuronBound soft, NeuronBound hard, BoundParameters p,
        double gammaLower, double gammaUpper, double gammaEstimate)
    {
        ArgumentNullException.ThrowIfNull(soft);
        ArgumentNullException.ThrowIfNull(hard);
        ArgumentNullException.ThrowIfNull(p);
        if (double.IsNaN(gammaLower))
            throw InputException.Parameter("gammaLower", "must be a number, got NaN");
        if (!(gammaUpper > 0 && double.IsFinite(gammaUpper)))
            throw InputException.Parameter("gammaUpper", $"must be finite and > 0, got {Numbers.R(gammaUpper)}");
        if (!(gammaLower <= gammaUpper))
            throw InputException.Parameter("gammaLower",
                $"must not exceed gammaUpper = {Numbers.R(gammaUpper)}, got {Numbers.R(gammaLower)}");
        if (!(gammaEstimate > 0 && gammaEstimate <= MaxGamma))
            throw InputException.Parameter("gammaEstimate",
                $"must lie in (0, 0.5] (the margin of unit-norm data is at most 1/2), got {Numbers.R(gammaEstimate)}");
        if (!(gammaEstimate >= gammaLower && gammaEstimate <= gammaUpper))
            throw InputException.Parameter("gammaEstimate",
                $"must lie in [gammaLower, gammaUpper] = [{Numbers.R(gammaLower)}, {Numbers.R(gammaUpper)}], got {Numbers.R(gammaEstimate)}");
        var q = p with { Gamma = gammaEstimate };
        q.Validate();

        var notes = new List<string>();
        var upper = gammaUpper;
        if (upper > MaxGamma)
        {
            upper = MaxGamma;
            notes.Add($"upper end {Numbers.R(gammaUpper)} capped at 0.5, the largest possible margin");
        }
        var lower = gammaLower;
        if (lower < MinGamma)
        {
            if (lower <= 0) notes.Add("lower end <= 0 (vacuous): the scan starts at 1e-6");
            lower = Math.Min(MinGamma, upper);
        }

        var cross = Solve(soft, hard, q);
        var mSoft = soft.Evaluate(q);
        var mHard = hard.Evaluate(q);
        double Ratio(double g) => hard.Evaluate(q with { Gamma = g }) / soft.Evaluate(q with { Gamma = g });
        double? ratioLower = gammaLower > 0 ? Ratio(Math.Min(gammaLower, MaxGamma)) : null;
        double ratioUpper = Ratio(upper);

        CrossoverVerdict verdict;
        if (cross.GammaStar is { } gs && gs > lower && gs < upper)
        {
            verdict = CrossoverVerdict.Undecided;
            notes.Add($"the interval straddles gamma* = {Numbers.R(gs)}");
        }
        else
        {
            var grid = lower < upper ? LogGrid(lower, upper, 200) : [upper];
            var d = grid.Select(g => LogDifference(soft, hard, q, g)).ToArray();
            if (d.All(x => x < 0)) verdict = CrossoverVerdict.SoftFavoured;
            else if (d.All(x => x > 0)) verdict = CrossoverVerdict.HardFavoured;
            else
            {
                verdict = CrossoverVerdict.Undecided;
                notes.Add("m_soft - m_hard changes sign or vanishes within the interval");
            }
        }
        if (soft.IsRate || hard.IsRate) notes.Add("rate, constant c");
        return new VerdictResult(verdict, cross.GammaStar, mHard / mSoft, ratioLower, ratioUpper, mSoft, mHard,
            LabelOf(verdict) + (notes.Count > 0 ? ": " + string.Join("; ", notes) : ""));
    }

    /// <summary>Text of a verdict: <c>soft favoured</c>, <c>hard favoured</c> or <c>undecided</c>.</summary>
    /// <param name="verdict">The verdict.</param>
    /// <returns>The label.</returns>
    public static string LabelOf(CrossoverVerdict verdict) => verdict switch
    {
        CrossoverVerdict.SoftFavoured => "soft favoured",
        CrossoverVerdict.HardFavoured => "hard favoured",
        _ => "undecided",
    };

    private static double LogDifference(NeuronBound soft, NeuronBound hard, BoundParameters p, double gamma)
    {
        var q = p with { Gamma = gamma };
        return Math.Log(soft.Evaluate(q)) - Math.Log(hard.Evaluate(q));
    }

    private static double[] LogGrid(double a, double b, int count)
    {
        var g = new double[count];
        double la = Math.Log(a), lb = Math.Log(b);
        for (int i = 0; i < count; i++) g[i] = Math.Exp(la + (lb - la) * i / (count - 1));
        g[0] = a;
        g[count - 1] = b;
        return g;
    }
}
