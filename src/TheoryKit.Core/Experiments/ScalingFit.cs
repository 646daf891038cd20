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
/// with a confidence interval for the slope to set beside the theory's exponents (soft 2; hard 4 [MLS25], 8 [JT20]).
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
}
