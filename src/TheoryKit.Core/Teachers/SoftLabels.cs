using TheoryKit.Training;

namespace TheoryKit.Teachers;

/// <summary>
/// Teacher soft labels with temperature: p_i = sigmoid(g_i / tau) for teacher logits g_i and temperature
/// tau &gt; 0. THEORY.md §2 ("Teacher soft labels"), [HVD15]. Larger tau gives softer labels (closer to 1/2);
/// tau -&gt; 0 approaches the teacher's hard decisions.
/// </summary>
public static class SoftLabels
{
    /// <summary>
    /// p_i = sigmoid(g_i / tau), computed stably (<see cref="Losses.Sigmoid"/>): every p_i lies in [0, 1] and is
    /// finite for any finite logit (it rounds to exactly 0 or 1 only when |g_i / tau| exceeds about 37).
    /// </summary>
    /// <param name="logits">Teacher logits g_i (length n, finite), e.g. from <see cref="ITeacher.Logits"/>.</param>
    /// <param name="tau">Temperature tau &gt; 0 (finite).</param>
    /// <returns>A new array of n probabilities, ready for <see cref="Trainer.Train"/> with <see cref="LabelKind.Soft"/>.</returns>
    /// <exception cref="InputException">tau is not a positive finite number, or a logit is not finite.</exception>
    public static double[] From(double[] logits, double tau)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (!(tau > 0) || !double.IsFinite(tau)) throw InputException.Parameter("tau", $"the temperature must be a positive number, got {tau}");
        var p = new double[logits.Length];
        for (int i = 0; i < p.Length; i++)
        {
            if (!double.IsFinite(logits[i])) throw InputException.Parameter("logits", $"teacher logit {i} is not finite ({logits[i]})");
            p[i] = Losses.Sigmoid(logits[i] / tau);
        }
        return p;
    }
}
