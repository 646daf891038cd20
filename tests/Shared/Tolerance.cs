namespace TheoryKit.Tests;

/// <summary>
/// The named tolerance levels of the tests. A test compares a value of the code under test with a value from
/// outside it (a closed form, a hand or Python computation, a published number, an independent slow
/// implementation) at the precision that source gives, and no wider:
/// <list type="bullet">
/// <item><see cref="Digits"/> and <see cref="Significant"/>: a number known to a fixed count of decimals or of
/// significant digits agrees to half a unit in its last digit (the rounding of the source and nothing more).</item>
/// <item><see cref="Rounding"/>: the same real number reached by two different chains of double arithmetic
/// (a closed form against the code's evaluation): 8 ulps relative to the value (2^-49, about 1.8e-15).</item>
/// <item><see cref="Independent"/>: two implementations of one computation (the code against a library).</item>
/// <item><see cref="Solver"/>: an iterative solver (Brent's root finder) against a closed form; the solver's
/// own stopping tolerance is 1e-12 in gamma, so 1e-9 leaves room for the conditioning of the root.</item>
/// </list>
/// Statistical checks (Hoeffding, Bernstein, Clopper-Pearson) compute their own widths from their bound and
/// level, and are not listed here.
/// </summary>
public static class Tolerance
{
    /// <summary>Relative tolerance for one real number computed by two chains of double arithmetic: 8 ulps (2^-49, about 1.8e-15).</summary>
    public const double Rounding = 1.0 / (1L << 49);

    /// <summary>
    /// Absolute tolerance for two independent implementations of one computation on values of order 1 (the code
    /// against a library, e.g. least squares against MathNet's SimpleRegression): summation orders differ, so more
    /// than <see cref="Rounding"/>, still far below any printed digit.
    /// </summary>
    public const double Independent = 1e-13;

    /// <summary>Absolute tolerance for a bracketing root finder against a closed form (its stopping tolerance is 1e-12).</summary>
    public const double Solver = 1e-9;

    /// <summary>
    /// Relative tolerance for MathNet's Student t quantile (StudentT.InvCDF, a root search on the CDF) against a closed
    /// form (1 degree of freedom: tan(pi (p - 1/2)); 2: (2p - 1) / sqrt(2 p (1 - p))): at p = 0.975 and 1 degree of
    /// freedom 12.706204736174696 comes back 3.7e-12 off (2.9e-13 relative).
    /// </summary>
    public const double StudentT = 1e-12;

    /// <summary><see cref="StudentT"/> scaled to |<paramref name="value"/>|, a quantile or a quantile times a standard error.</summary>
    public static double StudentTOf(double value) => StudentT * Math.Abs(value);

    /// <summary>
    /// Absolute tolerance for MathNet's Beta quantile (Beta.InvCDF, a root search stopping near 1e-12) against a closed
    /// form: 0.05^(1/10) = 0.7411344491069477 comes back as 0.74113444910665294 (2.9e-13 off).
    /// </summary>
    public const double BetaQuantile = 1e-12;

    /// <summary>Half a unit in the last of <paramref name="decimals"/> decimal places: 0.5 * 10^-decimals.</summary>
    /// <param name="decimals">Decimal places the source gives, 0 to 15.</param>
    public static double Digits(int decimals) => 0.5 * Math.Pow(10, -decimals);

    /// <summary>
    /// Half a unit in the last of <paramref name="digits"/> significant digits of <paramref name="value"/>:
    /// 0.5 * 10^(floor(log10 |value|) - digits + 1). For M = 1.153693e9 (7 digits) this is 500.
    /// </summary>
    /// <param name="value">The known value as the source prints it (non-zero).</param>
    /// <param name="digits">Significant digits the source gives, 1 to 17.</param>
    public static double Significant(double value, int digits) =>
        0.5 * Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(value))) - digits + 1);

    /// <summary><see cref="Rounding"/> scaled to |<paramref name="value"/>| (an absolute tolerance for xunit's Assert.Equal; 0 for 0).</summary>
    public static double RoundingOf(double value) => Rounding * Math.Abs(value);

    /// <summary>
    /// Asserts that <paramref name="actual"/> equals <paramref name="expected"/> (a closed form evaluated in doubles)
    /// to <see cref="RoundingOf"/>(<paramref name="expected"/>).
    /// </summary>
    public static void AssertRounding(double expected, double actual) => Assert.Equal(expected, actual, RoundingOf(expected));
}
