using MathNet.Numerics.Distributions;

namespace TheoryKit.Experiments;

/// <summary>
/// Exact (Clopper-Pearson) confidence bounds for a binomial success probability from k successes in n
/// trials, through quantiles of the Beta distribution (MathNet <see cref="Beta.InvCDF"/>). Used for the
/// success rate of a width over S seeds (THEORY.md §9). The intervals are conservative: their coverage is
/// at least the nominal level for every true probability.
/// </summary>
public static class ClopperPearson
{
    /// <summary>
    /// Two-sided interval at level 1 - alpha: lower = Beta.InvCDF(k, n-k+1, alpha/2) (0 when k = 0),
    /// upper = Beta.InvCDF(k+1, n-k, 1-alpha/2) (1 when k = n). Each end fails with probability at most alpha/2.
    /// </summary>
    /// <param name="successes">k, 0 &lt;= k &lt;= n.</param>
    /// <param name="trials">n &gt;= 1.</param>
    /// <param name="alpha">Total failure probability in (0, 1), e.g. 0.05 for a 95% interval.</param>
    /// <returns>(Lower, Upper) with 0 &lt;= Lower &lt;= k/n &lt;= Upper &lt;= 1.</returns>
    /// <exception cref="InputException">n &lt; 1, k outside [0, n], or alpha outside (0, 1).</exception>
    public static (double Lower, double Upper) Interval(int successes, int trials, double alpha)
    {
        Check(successes, trials, alpha);
        return (LowerBound(successes, trials, alpha / 2), UpperBound(successes, trials, alpha / 2));
    }

    /// <summary>
    /// One-sided lower bound at level 1 - alpha: Beta.InvCDF(k, n-k+1, alpha), 0 when k = 0. With
    /// probability at least 1 - alpha the true success probability is &gt;= this value. This is the bound
    /// of the Clopper-Pearson success rule (lower bound &gt;= 1 - delta_s). With all n trials successful it
    /// equals alpha^(1/n), so the rule "lower bound &gt;= 1 - delta_s" needs n &gt;= ln(alpha) / ln(1 - delta_s).
    /// </summary>
    /// <param name="successes">k, 0 &lt;= k &lt;= n.</param>
    /// <param name="trials">n &gt;= 1.</param>
    /// <param name="alpha">One-sided failure probability in (0, 1).</param>
    /// <exception cref="InputException">n &lt; 1, k outside [0, n], or alpha outside (0, 1).</exception>
    public static double LowerBound(int successes, int trials, double alpha)
    {
        Check(successes, trials, alpha);
        if (successes == 0) return 0;
        return Beta.InvCDF(successes, trials - successes + 1, alpha);
    }

    /// <summary>
    /// One-sided upper bound at level 1 - alpha: Beta.InvCDF(k+1, n-k, 1-alpha), 1 when k = n. With
    /// probability at least 1 - alpha the true success probability is &lt;= this value.
    /// </summary>
    /// <param name="successes">k, 0 &lt;= k &lt;= n.</param>
    /// <param name="trials">n &gt;= 1.</param>
    /// <param name="alpha">One-sided failure probability in (0, 1).</param>
    /// <exception cref="InputException">n &lt; 1, k outside [0, n], or alpha outside (0, 1).</exception>
    public static double UpperBound(int successes, int trials, double alpha)
    {
        Check(successes, trials, alpha);
        if (successes == trials) return 1;
        return Beta.InvCDF(successes + 1, trials - successes, 1 - alpha);
    }

    /// <summary>
    /// Smallest number of trials for which n successes out of n give a one-sided lower bound &gt;= 1 - delta_s
    /// at level 1 - alpha: ceil(ln(alpha) / ln(1 - delta_s)). With fewer seeds the Clopper-Pearson rule can never hold.
    /// Impractically large for delta_s near 0 (e.g. 2995 for delta_s = 0.001, alpha = 0.05).
    /// </summary>
    /// <param name="deltaS">delta_s in (0, 1).</param>
    /// <param name="alpha">One-sided failure probability in (0, 1).</param>
    /// <exception cref="InputException">delta_s or alpha outside (0, 1).</exception>
    public static int TrialsNeeded(double deltaS, double alpha)
    {
        if (!(deltaS > 0 && deltaS < 1)) throw InputException.Parameter("delta-s", $"must lie in (0, 1), got {deltaS}");
        if (!(alpha > 0 && alpha < 1)) throw InputException.Parameter("alpha", $"must lie in (0, 1), got {alpha}");
        // Closed form, then checked against the bound itself so that the two never disagree by rounding.
        double exact = Math.Log(alpha) / Math.Log(1 - deltaS);
        if (exact > 1e6) return (int)Math.Min(int.MaxValue, Math.Ceiling(exact));
        int n = Math.Max(1, (int)Math.Ceiling(exact - 1e-9));
        while (n > 1 && LowerBound(n - 1, n - 1, alpha) >= 1 - deltaS) n--;
        while (LowerBound(n, n, alpha) < 1 - deltaS) n++;
        return n;
    }

    private static void Check(int k, int n, double alpha)
    {
        if (n < 1) throw InputException.Parameter("trials", $"must be >= 1, got {n}");
        if (k < 0 || k > n) throw InputException.Parameter("successes", $"must lie in [0, {n}], got {k}");
        if (!(alpha > 0 && alpha < 1)) throw InputException.Parameter("alpha", $"must lie in (0, 1), got {alpha}");
    }
}
