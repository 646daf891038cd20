using TheoryKit.Training;

namespace TheoryKit.Deep.Tests;

/// <summary>
/// <see cref="MinibatchConvergence"/> on hand-made epoch-averaged loss sequences whose answer follows by hand, with the deep students'
/// thresholds (a change below 1% or 1e-4 nats over the last 20% of the epochs, checked every epoch from epoch 10).
/// </summary>
public class MinibatchConvergenceTests
{
    private static readonly ConvergenceRule Deep = new(0.01, 0.2, 10, 1);

    /// <summary>The first epoch up to <paramref name="cap"/> at which the rule holds, or null.</summary>
    private static int? FirstStop(Func<IReadOnlyList<double>, int, bool> holds, Func<int, double> loss, int cap)
    {
        var losses = Enumerable.Range(0, cap + 1).Select(loss).ToList();
        for (int t = 1; t <= cap; t++)
            if (holds(losses, t)) return t;
        return null;
    }

    private static int? NewRule(Func<int, double> loss, int cap = 60, ConvergenceRule? rule = null) =>
        FirstStop((l, t) => MinibatchConvergence.HoldsAt(rule ?? Deep, l, t), loss, cap);

    /// <summary>
    /// A steady fall of 0.01 per epoch with alternating noise of 0.02: L_k = 1 - 0.01 k + 0.02 (-1)^k. The single-epoch rule stops at
    /// epoch 12 (L_9 = 0.89 &lt; L_12 = 0.90, a chance rise). The fitted line falls by 0.01 w, and the noise moves it by at most
    /// 0.12 w / ((w + 1)^2 - 1) = 0.12 / (w + 2) &lt;= 0.018 for w &gt;= 5, so |D| &gt;= 0.032 &gt; 1% of a level &lt;= 1.02: never converged up to epoch 60.
    /// </summary>
    [Fact]
    public void AChanceRiseOnAFallingObjectiveIsNotConvergence()
    {
        static double Loss(int k) => k == 0 ? 2 : 1 - 0.01 * k + 0.02 * (k % 2 == 0 ? 1 : -1);
        Assert.Equal(12, FirstStop(Deep.HoldsAt, Loss, 60));
        Assert.Null(NewRule(Loss));
    }

    /// <summary>A sustained rise L_k = 0.5 + 0.01 k: the fitted change is +0.01 w &gt;= 0.05, above 1% of any level &lt;= 1.1: never converged
    /// (the single-epoch rule counts the rise as converged at its first check, epoch 10).</summary>
    [Fact]
    public void ASustainedRiseIsNotConvergence()
    {
        static double Loss(int k) => 0.5 + 0.01 * k;
        Assert.Equal(10, FirstStop(Deep.HoldsAt, Loss, 60));
        Assert.Null(NewRule(Loss));
    }

    /// <summary>A plateau with small alternating noise, L_k = 0.5 + 0.001 (-1)^k: |D| &lt;= 0.006 w / ((w + 1)^2 - 1) = 0.006 x 5 / 35 &lt; 0.005 =
    /// 1% of the level at the first check (epoch 10, w = 5): converged there.</summary>
    [Fact]
    public void ANoisyPlateauConvergesAtTheFirstCheck()
    {
        Assert.Equal(10, NewRule(k => 0.5 + 0.001 * (k % 2 == 0 ? 1 : -1)));
    }

    /// <summary>A steady fall of 0.005 per epoch from 1: |D| = 0.005 w &gt;= 0.025 &gt; 1% of a level &lt;= 1: never converged.</summary>
    [Fact]
    public void ASteadyFallNeverConverges()
    {
        Assert.Null(NewRule(k => 1 - 0.005 * k, 100));
    }

    /// <summary>A fall that ends: L_k = 1 - 0.05 k up to epoch 10, then 0.5 flat. The fitted line over epochs t - w..t is exactly flat once
    /// t - w &gt;= 10; before that it still contains the fall (at t = 15, w = 5: L_10..L_15 flat, D = 0). At t = 14 (w = 5, window 9..14:
    /// values 0.55, 0.5 x 5, mean 0.50833) sum (k - 11.5)(L_k - mean) = -2.5 x 0.041667 - 0.008333 x 2.5 = -0.125 and
    /// sum (k - 11.5)^2 = 17.5, so D = 5 x -0.125 / 17.5 = -0.0357, 7% of the level: not converged; the first stop is epoch 15.</summary>
    [Fact]
    public void AFallThatEndsConvergesOnceTheWindowIsFlat()
    {
        Assert.Equal(15, NewRule(k => k <= 10 ? 1 - 0.05 * k : 0.5));
    }

    /// <summary>L_0 (a full pass at initialisation) never enters the window: flat from epoch 1 with L_0 = 5, first checked at epoch 3, the
    /// window of 5 epochs needs t - 5 &gt;= 1, so the first stop is epoch 6; the check interval is respected (every 4 epochs: epoch 8).</summary>
    [Fact]
    public void TheWindowStartsAfterInitialisationAndChecksRespectTheInterval()
    {
        static double Loss(int k) => k == 0 ? 5 : 0.4;
        Assert.Equal(6, NewRule(Loss, 30, new ConvergenceRule(0.01, 0.2, 3, 1)));
        Assert.Equal(8, NewRule(Loss, 30, new ConvergenceRule(0.01, 0.2, 3, 4)));
    }

    /// <summary>The absolute threshold: a fall of 1.5e-5 per epoch at a level near 8.9e-4 (8.5% per window of 5 epochs, far above 1%)
    /// moves the line by 7.5e-5 &lt; 1e-4 nats: converged at the first check.</summary>
    [Fact]
    public void TheAbsoluteThresholdStopsAFallTooSmallToMeasure()
    {
        Assert.Equal(10, NewRule(k => 1e-3 - 1.5e-5 * k));
    }
}
