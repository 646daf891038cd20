using MathNet.Numerics.Distributions;

namespace TheoryKit.Experiments;

/// <summary>Ordinary least squares fit y = Intercept + Slope x with t-intervals (THEORY.md §9 scaling fits).</summary>
/// <param name="N">Number of points.</param>
/// <param name="Slope">Least squares slope Sxy / Sxx.</param>
/// <param name="Intercept">mean(y) - Slope mean(x).</param>
/// <param name="SlopeStandardError">sqrt(s^2 / Sxx) with s^2 = SSR / (N - 2).</param>
/// <param name="SlopeLower">Slope - t SlopeStandardError, t the (1 + Confidence)/2 quantile of Student's t with N - 2 degrees of freedom.</param>
/// <param name="SlopeUpper">Slope + t SlopeStandardError.</param>
/// <param name="InterceptStandardError">sqrt(s^2 (1/N + mean(x)^2 / Sxx)).</param>
/// <param name="InterceptLower">Intercept - t InterceptStandardError.</param>
/// <param name="InterceptUpper">Intercept + t InterceptStandardError.</param>
/// <param name="Confidence">Two-sided confidence level of the intervals.</param>
/// <param name="TQuantile">The Student t quantile t used.</param>
/// <param name="ResidualStandardDeviation">s = sqrt(SSR / (N - 2)).</param>
/// <param name="RSquared">1 - SSR / SST (1 when all y are equal).</param>
public sealed record ScalingFitResult(int N, double Slope, double Intercept, double SlopeStandardError, double SlopeLower, double SlopeUpper,
    double InterceptStandardError, double InterceptLower, double InterceptUpper, double Confidence, double TQuantile,
    double ResidualStandardDeviation, double RSquared)
{
    /// <summary>True when <paramref name="slope"/> lies in [SlopeLower, SlopeUpper].</summary>
    /// <param name="slope">A theory slope.</param>
    public bool Contains(double slope) => slope >= SlopeLower && slope <= SlopeUpper;
}

/// <summary>
/// Least squares scaling fits of THEORY.md §9: log m* against log(1/gamma) over a family of datasets,
/// with a confidence interval for the slope to set beside the theory's exponents (soft 2; hard 4 [MLS25], 8 [JT20]),
/// and log m* against log(1/eps) for one dataset (soft 1 [MLS25]; THEORY.md §7 gives no power of 1/eps for hard labels).
/// The interval assumes independent, homoscedastic, normal residuals; m* measured on a geometric grid is
/// quantised to multiples of log(factor), which the residuals absorb.
/// </summary>
public static class ScalingFit
{
    /// <summary>
    /// Ordinary least squares of y on x (centred two-pass sums) with t-intervals for slope and intercept at the
    /// given confidence (MathNet StudentT.InvCDF with N - 2 degrees of freedom).
    /// </summary>
    /// <param name="x">Regressor values (e.g. log(1/gamma)).</param>
    /// <param name="y">Responses (e.g. log m*).</param>
    /// <param name="confidence">Two-sided level in (0, 1), e.g. 0.95.</param>
    /// <exception cref="InputException">Fewer than 3 points, lengths differ, a value is not finite, all x are equal, or confidence outside (0, 1).</exception>
    public static ScalingFitResult Fit(double[] x, double[] y, double confidence)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Length != y.Length) throw InputException.Parameter("y", $"{y.Length} values for {x.Length} x values");
        int n = x.Length;
        if (n < 3) throw InputException.Parameter("points", $"a fit with a confidence interval needs at least 3 points, got {n}");
        if (x.Any(v => !double.IsFinite(v)) || y.Any(v => !double.IsFinite(v))) throw InputException.Parameter("points", "every x and y must be finite");
        if (!(confidence > 0 && confidence < 1)) throw InputException.Parameter("confidence", $"must lie in (0, 1), got {confidence}");
        double mx = x.Average(), my = y.Average();
        double sxx = 0, sxy = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxx += dx * dx; sxy += dx * dy; syy += dy * dy;
        }
        if (!(sxx > 0)) throw InputException.Parameter("points", "all x values are equal: the slope is undetermined");
        double slope = sxy / sxx, intercept = my - slope * mx;
        double ssr = 0;
        for (int i = 0; i < n; i++) { double r = y[i] - (intercept + slope * x[i]); ssr += r * r; }
        double s2 = ssr / (n - 2);
        double seSlope = Math.Sqrt(s2 / sxx), seIntercept = Math.Sqrt(s2 * (1.0 / n + mx * mx / sxx));
        double t = StudentT.InvCDF(0, 1, n - 2, (1 + confidence) / 2);
        double r2 = syy > 0 ? Math.Max(0, 1 - ssr / syy) : 1;
        return new ScalingFitResult(n, slope, intercept, seSlope, slope - t * seSlope, slope + t * seSlope,
            seIntercept, intercept - t * seIntercept, intercept + t * seIntercept, confidence, t, Math.Sqrt(s2), r2);
    }

    /// <summary>
    /// The censoring rule shared by the scaling comparisons of THEORY.md §9 (<see cref="Difficulty.CompareSlopes"/>,
    /// <see cref="EpsilonScaling.Compare"/>): a point enters the fit only when its m* lies inside the grid above the
    /// smallest width; m* beyond the grid (null) or at the smallest width is bounded on one side only and would bias the
    /// slope. Returns the points in the fit with x = ln(1/scale) and y = ln m*, and the points left out, in order, with
    /// "LABEL: no grid width reached the success rule (m* above the grid)" or "LABEL: m* is the smallest grid width M
    /// (only m* &lt;= M is known)".
    /// </summary>
    /// <param name="points">The points, in order.</param>
    /// <param name="scale">gamma or eps of a point (positive; the caller checks).</param>
    /// <param name="width">m* of a point, or null when no grid width succeeded.</param>
    /// <param name="atSmallest">True when m* is the smallest grid width.</param>
    /// <param name="label">How a censoring reason names the point, e.g. its member name or "eps = 0.1".</param>
    /// <param name="unusable">Why a point cannot enter the fit at all (e.g. a gamma estimate that is not positive), or null; checked first.</param>
    internal static (List<T> Used, double[] X, double[] Y, List<(T Point, string Reason)> Censored) Censor<T>(IEnumerable<T> points,
        Func<T, double> scale, Func<T, int?> width, Func<T, bool> atSmallest, Func<T, string> label, Func<T, string?>? unusable = null)
    {
        var used = new List<T>();
        var censored = new List<(T, string)>();
        foreach (var p in points)
        {
            if (unusable?.Invoke(p) is string why) censored.Add((p, why));
            else if (width(p) is not int m) censored.Add((p, $"{label(p)}: no grid width reached the success rule (m* above the grid)"));
            else if (atSmallest(p)) censored.Add((p, $"{label(p)}: m* is the smallest grid width {m} (only m* <= {m} is known)"));
            else used.Add(p);
        }
        return (used, used.Select(p => Math.Log(1 / scale(p))).ToArray(), used.Select(p => Math.Log(width(p)!.Value)).ToArray(), censored);
    }

    /// <summary>"Soft labels" or "Hard labels": how statements name a label kind.</summary>
    internal static string Who(TheoryKit.Training.LabelKind kind) => kind == TheoryKit.Training.LabelKind.Soft ? "Soft labels" : "Hard labels";

    /// <summary>
    /// The fit and its plain-language verdict shared by the scaling comparisons of THEORY.md §9
    /// (<see cref="Difficulty.CompareSlopes"/> in 1/gamma, <see cref="EpsilonScaling.Compare"/> in 1/eps). With fewer
    /// than 3 points there is no fit and the statement is <paramref name="tooFew"/>; with all x equal (to a relative
    /// 1e-12) it is <paramref name="noSpread"/>; with all y equal (m* quantised to one grid width) there is no fit either,
    /// since the interval would have zero width. Otherwise the statement reads
    /// "WHO: slope S (C% CI L to U) over N POINTS: " followed by "consistent with E SOURCE [and ...]" for the theory
    /// exponents inside the interval; "below E SOURCE [and ...], which the interval excludes: ... not tight over this
    /// range" for those above the interval (the exponents belong to upper bounds); "disagrees with the paper: above E
    /// SOURCE [and ...], which the interval excludes" for those below it;
    /// without theory exponents it is followed by <paramref name="withoutTheory"/> instead.
    /// </summary>
    /// <param name="who">"Soft labels" or "Hard labels".</param>
    /// <param name="points">Plural noun of the points, e.g. "members".</param>
    /// <param name="x">Regressor values of the points used.</param>
    /// <param name="y">Responses of the points used.</param>
    /// <param name="theory">Theory exponents to compare with (may be empty).</param>
    /// <param name="withoutTheory">What the theory says instead, used when <paramref name="theory"/> is empty.</param>
    /// <param name="confidence">Confidence level of the slope interval, in (0, 1).</param>
    /// <param name="tooFew">Statement when fewer than 3 points are given.</param>
    /// <param name="noSpread">Statement when all x are equal.</param>
    internal static (ScalingFitResult? Fit, string Statement) AgainstTheory(string who, string points, double[] x, double[] y,
        IReadOnlyList<TheorySlope> theory, string withoutTheory, double confidence, string tooFew, string noSpread)
    {
        if (x.Length < 3) return (null, tooFew);
        if (x.Max() - x.Min() <= 1e-12 * Math.Max(1, Math.Abs(x.Max()))) return (null, noSpread);
        if (y.All(v => v == y[0]))
            return (null, $"{who}: no fit, all {x.Length} {points} have the same measured minimal width m* = {Numbers.G4(Math.Exp(y[0]))}: "
                + "it does not change over this range at this resolution, and a least-squares interval from equal values would have zero width.");
        var fit = Fit(x, y, confidence);
        string ci = $"{Numbers.G4(100 * confidence)}% CI {Numbers.G4(fit.SlopeLower)} to {Numbers.G4(fit.SlopeUpper)}";
        static string Names(IEnumerable<TheorySlope> ts) => string.Join(" and ", ts.Select(t => $"{Numbers.G4(t.Slope)} {t.Source}"));
        var inside = theory.Where(t => fit.Contains(t.Slope)).ToList();
        var below = theory.Where(t => fit.SlopeUpper < t.Slope).ToList();
        var above = theory.Where(t => fit.SlopeLower > t.Slope).ToList();
        var parts = new List<string>();
        if (inside.Count > 0) parts.Add($"consistent with {Names(inside)}");
        if (below.Count > 0)
            parts.Add($"below {Names(below)}, which the interval excludes: "
                + (below.Count == 1 ? "the exponent belongs to an upper bound, so the bound is" : "the exponents belong to upper bounds, so the bounds are")
                + " not tight over this range");
        if (above.Count > 0) parts.Add($"disagrees with the paper: above {Names(above)}, which the interval excludes");
        string verdict = theory.Count > 0 ? string.Join("; ", parts) : withoutTheory;
        return (fit, $"{who}: slope {Numbers.G4(fit.Slope)} ({ci}) over {x.Length} {points}: {verdict}.");
    }

}
