using System.Globalization;
using MathNet.Numerics.Distributions;

namespace TheoryKit.Experiments;

/// <summary>
/// Mean of a sample with a two-sided Student t interval (THEORY.md §9: the paired gap soft - hard over seeds).
/// Lower and Upper are NaN with fewer than 2 values (no spread to estimate).
/// </summary>
/// <param name="Mean">Sample mean.</param>
/// <param name="Lower">Mean - t s / sqrt(n), t the (1 + Confidence) / 2 quantile of Student's t with n - 1 degrees of freedom, s the sample standard deviation (n - 1 in the denominator).</param>
/// <param name="Upper">Mean + t s / sqrt(n).</param>
/// <param name="N">Number of values (pairs).</param>
/// <param name="Positive">Values &gt; 0 (for a gap: pairs where the first kind wins).</param>
/// <param name="Confidence">Two-sided level, e.g. 0.95.</param>
public sealed record MeanInterval(double Mean, double Lower, double Upper, int N, int Positive, double Confidence)
{
    /// <summary>True when the whole interval lies above 0.</summary>
    public bool AboveZero => Lower > 0;

    /// <summary>True when the whole interval lies below 0.</summary>
    public bool BelowZero => Upper < 0;
}

/// <summary>How a paired gap changes with difficulty (THEORY.md §9).</summary>
public enum TrendKind
{
    /// <summary>The slope's interval lies above 0: the gap grows with difficulty.</summary>
    Grows,
    /// <summary>The slope's interval contains 0: no growth is shown.</summary>
    DoesNotGrow,
    /// <summary>The slope's interval lies below 0: the gap shrinks with difficulty (the trend reverses).</summary>
    Reverses,
    /// <summary>Too few levels or points for a fit.</summary>
    Undecided,
}

/// <summary>Least squares slope of a gap against difficulty with its interval and a plain statement.</summary>
/// <param name="Slope">Slope of the gap (accuracy points as a fraction) per unit of difficulty (e.g. per unit of label-flip rate); NaN without a fit.</param>
/// <param name="Lower">Lower end of the slope's interval (NaN without a fit).</param>
/// <param name="Upper">Upper end (NaN without a fit).</param>
/// <param name="Points">Number of (level, seed) points fitted.</param>
/// <param name="Kind">Grows, does not grow, reverses, or undecided.</param>
/// <param name="Statement">One or two sentences: what the interval shows.</param>
public sealed record Trend(double Slope, double Lower, double Upper, int Points, TrendKind Kind, string Statement)
{
    /// <summary>"grows", "does not grow", "reverses" or "undecided".</summary>
    public string Word => Kind switch
    {
        TrendKind.Grows => "grows",
        TrendKind.DoesNotGrow => "does not grow",
        TrendKind.Reverses => "reverses",
        _ => "undecided",
    };
}

/// <summary>Paired intervals and trend fits of the soft-versus-hard experiment (THEORY.md §9).</summary>
public static class PairedStats
{
    /// <summary>
    /// Mean of <paramref name="values"/> with the two-sided Student t interval mean +- t_{(1+c)/2, n-1} s / sqrt(n)
    /// (MathNet StudentT.InvCDF), and the count of positive values. For paired differences (soft - hard per seed)
    /// this is the paired t interval. With one value the interval is NaN; with zero spread it is the point itself.
    /// </summary>
    /// <param name="values">The values (e.g. paired gaps), finite.</param>
    /// <param name="confidence">Two-sided level in (0, 1).</param>
    /// <exception cref="InputException">No values, a value that is not finite, or confidence outside (0, 1).</exception>
    public static MeanInterval Interval(IReadOnlyList<double> values, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.Count;
        if (n == 0) throw InputException.Parameter("values", "an interval needs at least one value");
        if (values.Any(v => !double.IsFinite(v))) throw InputException.Parameter("values", "every value must be finite");
        if (!(confidence > 0 && confidence < 1)) throw InputException.Parameter("confidence", $"must lie in (0, 1), got {confidence}");
        double mean = values.Average();
        int positive = values.Count(v => v > 0);
        if (n < 2) return new MeanInterval(mean, double.NaN, double.NaN, n, positive, confidence);
        double ss = 0;
        foreach (var v in values) ss += (v - mean) * (v - mean);
        double half = StudentT.InvCDF(0, 1, n - 1, (1 + confidence) / 2) * Math.Sqrt(ss / (n - 1) / n);
        return new MeanInterval(mean, mean - half, mean + half, n, positive, confidence);
    }

    /// <summary>
    /// Least squares fit of y (a paired gap per level and seed) on x (the difficulty, e.g. the label-flip rate), with
    /// the slope's t interval (<see cref="ScalingFit.Fit"/>, n - 2 degrees of freedom), stated plainly: "grows" when the
    /// interval lies above 0, "reverses" when it lies below 0, "does not grow" when it contains 0; undecided with fewer
    /// than 2 distinct x or 3 points. The interval treats the points as independent.
    /// </summary>
    /// <param name="x">Difficulty of each point.</param>
    /// <param name="y">Gap of each point (fraction of accuracy).</param>
    /// <param name="what">What the gap is, for the statement, e.g. "The soft - hard gap".</param>
    /// <param name="confidence">Two-sided level in (0, 1).</param>
    /// <param name="unit">The unit of x in the statement, e.g. "unit of label-noise rate".</param>
    /// <exception cref="InputException">Lengths differ, a value is not finite, or confidence outside (0, 1).</exception>
    public static Trend TrendOf(IReadOnlyList<double> x, IReadOnlyList<double> y, string what, double confidence = 0.95, string unit = "unit of difficulty")
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw InputException.Parameter("y", $"{y.Count} values for {x.Count} x values");
        if (x.Concat(y).Any(v => !double.IsFinite(v))) throw InputException.Parameter("points", "every x and y must be finite");
        if (!(confidence > 0 && confidence < 1)) throw InputException.Parameter("confidence", $"must lie in (0, 1), got {confidence}");
        if (x.Distinct().Count() < 2 || x.Count < 3)
            return new Trend(double.NaN, double.NaN, double.NaN, x.Count, TrendKind.Undecided,
                $"{what}: no trend, {x.Distinct().Count()} difficulty level(s) and {x.Count} point(s) (a slope needs 2 levels and 3 points).");
        var fit = ScalingFit.Fit(x.ToArray(), y.ToArray(), confidence);
        string level = Numbers.G4(100 * confidence) + "%";
        string per = $"slope {Points(fit.Slope)} points per {unit}, {level} interval [{Points(fit.SlopeLower)}, {Points(fit.SlopeUpper)}]";
        if (fit.SlopeLower > 0)
            return new Trend(fit.Slope, fit.SlopeLower, fit.SlopeUpper, x.Count, TrendKind.Grows, $"{what} grows with difficulty: {per}, above 0.");
        if (fit.SlopeUpper < 0)
            return new Trend(fit.Slope, fit.SlopeLower, fit.SlopeUpper, x.Count, TrendKind.Reverses, $"{what} reverses: it shrinks with difficulty, {per}, below 0.");
        return new Trend(fit.Slope, fit.SlopeLower, fit.SlopeUpper, x.Count, TrendKind.DoesNotGrow,
            $"{what} does not grow with difficulty at this precision: {per} contains 0.");
    }

    /// <summary>A fraction as percentage points with a sign, e.g. "+4.4" for 0.044.</summary>
    /// <param name="fraction">The fraction.</param>
    public static string Points(double fraction) => (100 * fraction).ToString("+0.0##;-0.0##;0.0", CultureInfo.InvariantCulture);

}
