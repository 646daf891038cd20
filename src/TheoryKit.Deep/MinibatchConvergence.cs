using TheoryKit.Training;

namespace TheoryKit.Deep;

/// <summary>
/// The convergence rule of minibatch training (deep students, THEORY.md §9), with the thresholds of a <see cref="ConvergenceRule"/>.
/// The epoch-averaged objective L_1, L_2, ... of minibatch training is noisy: the core rule, which compares two single values
/// L(W_{t-w}) and L(W_t) and counts any rise as converged, stops a run that is still falling as soon as the noise makes one epoch
/// higher than an earlier one. Here the trend over the window is estimated from every epoch in it: with
/// w = max(<see cref="MinWindow"/>, ceil(WindowFraction t)) epochs, the least-squares line through (k, L_k) for k = t - w, ..., t
/// (epoch averages only: the full pass at initialisation, L_0, never enters) gives the fitted change D = slope x w over the window;
/// the run has converged at epoch t when |D| &lt; AbsoluteDrop or |D| &lt; RelativeDrop x |mean of the window| (the line moved by less
/// than 1%, or less than 1e-4 nats, over the last 20% of the epochs with the deep defaults). A fitted rise larger than the threshold is
/// not convergence (the run goes on). Checked at epochs t &gt;= MinSteps with t % CheckEvery == 0 and t - w &gt;= 1.
/// Alternating noise of amplitude a moves the fitted D by at most 6 a w / ((w + 1)^2 - 1), so it fades as the window grows.
/// </summary>
public static class MinibatchConvergence
{
    /// <summary>Fewest epochs in the window (the line is fitted through at least this many plus one values).</summary>
    public const int MinWindow = 5;

    /// <summary>Whether the rule holds at epoch t given L_0, ..., L_t (losses[k] = L_k, the objective averaged over epoch k).</summary>
    /// <param name="rule">Thresholds (RelativeDrop, AbsoluteDrop), window fraction, first checked epoch (MinSteps), check interval.</param>
    /// <param name="losses">L_0 (at initialisation), L_1, ..., at least t + 1 values.</param>
    /// <param name="t">The epoch just finished.</param>
    /// <exception cref="ArgumentException">Fewer than t + 1 values.</exception>
    public static bool HoldsAt(ConvergenceRule rule, IReadOnlyList<double> losses, int t)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(losses);
        if (losses.Count <= t) throw new ArgumentException($"{losses.Count} values for epoch {t}", nameof(losses));
        if (t < rule.MinSteps || t % rule.CheckEvery != 0) return false;
        int w = Math.Max(MinWindow, (int)Math.Ceiling(rule.WindowFraction * t));
        if (t - w < 1) return false;
        double change = FittedChange(losses, t - w, t), level = 0;
        for (int k = t - w; k <= t; k++) level += losses[k];
        level /= w + 1;
        return Math.Abs(change) < rule.AbsoluteDrop || Math.Abs(change) < rule.RelativeDrop * Math.Abs(level);
    }

    /// <summary>Slope of the least-squares line through (k, losses[k]), k = from..to, times (to - from): the fitted change over the window.</summary>
    private static double FittedChange(IReadOnlyList<double> losses, int from, int to)
    {
        int w = to - from;
        double mid = (from + to) / 2.0, mean = 0;
        for (int k = from; k <= to; k++) mean += losses[k];
        mean /= w + 1;
        double sxy = 0;
        for (int k = from; k <= to; k++) sxy += (k - mid) * (losses[k] - mean);
        double sxx = w * (w + 1.0) * (w + 2.0) / 12.0;
        return sxy / sxx * w;
    }
}
