namespace TheoryKit.Training;

/// <summary>Which labels a student is trained on (THEORY.md §2).</summary>
public enum LabelKind
{
    /// <summary>True labels y in {-1, +1} with the logistic loss ln(1 + exp(-y f)).</summary>
    Hard,
    /// <summary>Teacher probabilities p in (0, 1) with KL(p || sigmoid(f)).</summary>
    Soft,
}

/// <summary>
/// Numerically stable scalar losses of THEORY.md §2. Every function is finite for logits up to 1e4 in
/// magnitude (and beyond): softplus is computed as max(t, 0) + ln(1 + exp(-|t|)).
/// </summary>
public static class Losses
{
    /// <summary>softplus(t) = ln(1 + exp(t)), stable for any finite t and accurate to a few ulps (also for t &lt;&lt; 0,
    /// where it equals exp(t) and the naive ln(1 + exp(t)) would round to 0).</summary>
    public static double Softplus(double t) => Math.Max(t, 0) + Log1P(Math.Exp(-Math.Abs(t)));

    /// <summary>ln(1 + v) for v &gt;= 0 without the cancellation of Math.Log(1 + v) for small v: with u = fl(1 + v),
    /// ln(u) * v / (u - 1) is accurate to a few ulps (Goldberg, "What every computer scientist should know
    /// about floating-point arithmetic", Theorem 4). .NET's double.LogP1 is the naive Log(v + 1).</summary>
    private static double Log1P(double v)
    {
        double u = 1 + v;
        return u == 1 ? v : Math.Log(u) * (v / (u - 1));
    }

    /// <summary>sigmoid(t) = 1 / (1 + exp(-t)), stable for any finite t.</summary>
    public static double Sigmoid(double t)
    {
        if (t >= 0) return 1 / (1 + Math.Exp(-t));
        double e = Math.Exp(t);
        return e / (1 + e);
    }

    /// <summary>Logistic loss l(y f) = ln(1 + exp(-y f)) for a label y = +-1 and logit f.</summary>
    public static double Logistic(double y, double f) => Softplus(-y * f);

    /// <summary>d l(y f) / d f = -y sigmoid(-y f).</summary>
    public static double LogisticDerivative(double y, double f) => -y * Sigmoid(-y * f);

    /// <summary>Binary entropy H(p) = -p ln p - (1-p) ln(1-p) in nats, with 0 ln 0 = 0.</summary>
    public static double Entropy(double p) => (p > 0 ? -p * Math.Log(p) : 0) + (p < 1 ? -(1 - p) * Math.Log(1 - p) : 0);

    /// <summary>
    /// KL(p || sigmoid(f)) = BCE(p, sigmoid(f)) - H(p) = p softplus(-f) + (1 - p) softplus(f) - H(p), in nats.
    /// With p in {0, 1} it equals the logistic loss of the label 2p - 1. THEORY.md §2.
    /// </summary>
    public static double KL(double p, double f) => Math.Max(0, p * Softplus(-f) + (1 - p) * Softplus(f) - Entropy(p));

    /// <summary>d KL(p || sigmoid(f)) / d f = sigmoid(f) - p. THEORY.md §2.</summary>
    public static double KLDerivative(double p, double f) => Sigmoid(f) - p;

    /// <summary>Teacher soft label p = sigmoid(g / tau) for teacher logit g and temperature tau &gt; 0 [HVD15].</summary>
    /// <exception cref="ArgumentOutOfRangeException">tau is not positive.</exception>
    public static double SoftLabel(double g, double tau) =>
        tau > 0 ? Sigmoid(g / tau) : throw new ArgumentOutOfRangeException(nameof(tau), "temperature must be positive");
}
