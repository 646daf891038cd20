using TheoryKit.Margins;

namespace TheoryKit.Bounds;

/// <summary>
/// What a certified margin interval says about soft versus hard labels (THEORY.md §8, the main job): the crossover gamma*
/// of the two bounds, the verdict on the interval, and whether that verdict holds for the whole dataset when the data are a
/// subsample (THEORY.md §6: only the upper end transfers).
/// </summary>
/// <param name="Margin">The certified margin interval.</param>
/// <param name="Soft">The soft-label bound.</param>
/// <param name="Hard">The hard-label bound.</param>
/// <param name="Parameters">The bound parameters (epsilon, n, delta, constants; gamma unused).</param>
/// <param name="Star">The crossover gamma* of the two bounds.</param>
/// <param name="Verdict">The verdict on the interval, or null when the data are not separable (upper end 0: no bound applies).</param>
public sealed record MarginCrossoverResult(MarginResult Margin, NeuronBound Soft, NeuronBound Hard, BoundParameters Parameters,
    CrossoverResult Star, VerdictResult? Verdict)
{
    /// <summary>The verdict text when the data are not separable.</summary>
    public const string NotSeparable = "not separable (gamma = 0): no bound applies";

    /// <summary>"soft favoured", "hard favoured", "undecided" or <see cref="NotSeparable"/>.</summary>
    public string VerdictText => Verdict?.Label ?? NotSeparable;

    /// <summary>Why the verdict reads as it does, in words ("" when not separable).</summary>
    public string VerdictReason => Verdict?.Verdict switch
    {
        CrossoverVerdict.SoftFavoured => "m_soft < m_hard on the whole interval: soft labels need fewer neurons",
        CrossoverVerdict.HardFavoured => "m_soft > m_hard on the whole interval: hard labels need fewer neurons",
        CrossoverVerdict.Undecided => "the interval straddles gamma*",
        _ => "",
    };

    /// <summary>Whether the verdict holds for the whole dataset (<see cref="MarginResult.VerdictTransfersToFullDataset"/>), null when
    /// there is no verdict.</summary>
    public bool? VerdictTransfersToFullDataset => Verdict is null ? null : Margin.VerdictTransfersToFullDataset(Verdict.Verdict);

    /// <summary>On a subsample with a verdict: the whole dataset's verdict ("not established" when it does not transfer); null
    /// on the whole data or without a verdict.</summary>
    public string? WholeDatasetVerdict =>
        Verdict is null || Margin.SubsampleOf is null ? null : VerdictTransfersToFullDataset == true ? Verdict.Label : "not established";

    /// <summary>Why <see cref="WholeDatasetVerdict"/> reads as it does (null when that is null).</summary>
    public string? WholeDatasetReason =>
        WholeDatasetVerdict is null ? null
        : VerdictTransfersToFullDataset == true ? "soft favoured rests on the upper end, which bounds the whole dataset's margin"
        : "rests on the lower end, which holds for this subsample only";
}

/// <summary>The crossover verdict of a certified margin (THEORY.md §8).</summary>
public static class MarginCrossover
{
    /// <summary>
    /// Compares <paramref name="soft"/> and <paramref name="hard"/> on the interval of <paramref name="margin"/>: gamma* by
    /// <see cref="Crossover.Solve"/>, and, when the upper end is positive, <see cref="Crossover.Verdict"/> on [lower, min(upper, 1/2)]
    /// at the estimate (the upper end when the estimate is 0), capped at 1/2.
    /// </summary>
    /// <param name="margin">The certified margin.</param>
    /// <param name="soft">Soft-label bound.</param>
    /// <param name="hard">Hard-label bound.</param>
    /// <param name="p">Bound parameters (their gamma is ignored).</param>
    /// <exception cref="InputException">A parameter is out of range.</exception>
    public static MarginCrossoverResult Assess(MarginResult margin, NeuronBound soft, NeuronBound hard, BoundParameters p)
    {
        ArgumentNullException.ThrowIfNull(margin);
        var star = Crossover.Solve(soft, hard, p);
        VerdictResult? verdict = null;
        if (margin.GammaUpper > 0)
        {
            double estimate = margin.GammaEstimate > 0 ? margin.GammaEstimate : margin.GammaUpper;
            verdict = Crossover.Verdict(soft, hard, p, margin.GammaLower, Math.Min(margin.GammaUpper, Crossover.MaxGamma), Math.Min(estimate, Crossover.MaxGamma));
        }
        return new MarginCrossoverResult(margin, soft, hard, p, star, verdict);
    }
}
