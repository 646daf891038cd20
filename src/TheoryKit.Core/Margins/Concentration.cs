namespace TheoryKit.Margins;

/// <summary>One end's concentration bound: which inequality was used and the amount it adds or subtracts.</summary>
/// <param name="Name">"hoeffding" or "empirical-bernstein".</param>
/// <param name="Term">The deviation term (&gt;= 0).</param>
public readonly record struct EndBound(string Name, double Term);

/// <summary>
/// Concentration inequalities of the certified margin interval (THEORY.md §6, "Monte Carlo").
/// Each end is the smaller of two one-sided bounds, Hoeffding's and the empirical-Bernstein bound of
/// Maurer and Pontil (2009, Theorem 4), each applied at half the end's failure probability (a union bound
/// over the two, so the smaller of them holds with the end's full probability; the choice may therefore
/// look at the certification samples).
/// </summary>
public static class Concentration
{
    /// <summary>Name of Hoeffding's inequality in outputs.</summary>
    public const string Hoeffding = "hoeffding";
    /// <summary>Name of the empirical-Bernstein bound in outputs.</summary>
    public const string EmpiricalBernstein = "empirical-bernstein";

    /// <summary>
    /// One-sided Hoeffding term for K i.i.d. values in an interval of length <paramref name="range"/>:
    /// with probability &gt;= 1 - delta, E &lt;= mean + range sqrt(ln(1/delta) / (2K)) (and symmetrically below).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">K &lt; 1 or delta outside (0, 1).</exception>
    public static double HoeffdingTerm(long k, double delta, double range = 1)
    {
        Check(k, delta);
        return range * Math.Sqrt(Math.Log(1 / delta) / (2.0 * k));
    }

    /// <summary>
    /// Empirical-Bernstein term (Maurer and Pontil 2009, Theorem 4) for K &gt;= 2 i.i.d. values in an interval of
    /// length <paramref name="range"/> with unbiased sample variance V (1/(K-1) normalisation): with probability
    /// &gt;= 1 - delta, E &lt;= mean + sqrt(2 V ln(2/delta) / K) + 7 range ln(2/delta) / (3 (K - 1)) (and symmetrically
    /// below). The theorem is stated for [0, 1]; rescaling by the range multiplies V by range^2 and the term by range.
    /// Returns +infinity for K = 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">K &lt; 1, delta outside (0, 1) or V negative.</exception>
    public static double EmpiricalBernsteinTerm(double variance, long k, double delta, double range = 1)
    {
        Check(k, delta);
        if (!(variance >= 0)) throw new ArgumentOutOfRangeException(nameof(variance), "variance must be >= 0");
        if (k < 2) return double.PositiveInfinity;
        double l = Math.Log(2 / delta);
        return Math.Sqrt(2 * variance * l / k) + 7 * range * l / (3.0 * (k - 1));
    }

    /// <summary>
    /// The smaller of the Hoeffding and empirical-Bernstein terms, each at delta/2, so the returned term holds
    /// with probability &gt;= 1 - delta whichever is chosen.
    /// </summary>
    public static EndBound Best(double variance, long k, double delta, double range = 1)
    {
        double h = HoeffdingTerm(k, delta / 2, range), b = EmpiricalBernsteinTerm(variance, k, delta / 2, range);
        return b < h ? new EndBound(EmpiricalBernstein, b) : new EndBound(Hoeffding, h);
    }

    /// <summary>Unbiased sample variance (sum x^2 - K mean^2) / (K - 1) from a sum and a sum of squares, clamped at 0 (0 for K &lt; 2).</summary>
    public static double SampleVariance(double sum, double sumSquares, long k)
    {
        if (k < 2) return 0;
        double mean = sum / k;
        return Math.Max(0, (sumSquares - k * mean * mean) / (k - 1));
    }

    private static void Check(long k, double delta)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "need K >= 1 samples");
        if (!(delta > 0 && delta < 1)) throw new ArgumentOutOfRangeException(nameof(delta), "delta must lie in (0, 1)");
    }
}
