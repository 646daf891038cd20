using TheoryKit.Experiments;
using TheoryKit.Training;

namespace TheoryKit.Tests;

// Values from outside the code:
//   Exact line: m* = 8 / eps at eps = 1/2, 1/4, 1/8 is m* = 16, 32, 64, so ln m* = ln 8 + 1 * ln(1/eps): slope 1,
//   intercept ln 8, no residual (interval of zero width up to rounding).
//   Noisy example, in log2 units (slopes and the t statistic do not depend on the base): eps = 2^-1..2^-4 gives
//   x' = 1, 2, 3, 4; m* = 2^3, 2^5, 2^6, 2^8 gives y' = 3, 5, 6, 8. Mean x' 2.5, mean y' 5.5, Sxx = 5,
//   Sxy = (-1.5)(-2.5) + (-0.5)(-0.5) + (0.5)(0.5) + (1.5)(2.5) = 8, slope 8/5 = 1.6, intercept 5.5 - 1.6 * 2.5 = 1.5
//   (log2 units), fitted 3.1, 4.7, 6.3, 7.9, residuals -0.1, 0.3, -0.3, 0.1, SSR = 0.2, s^2 = 0.2 / 2 = 0.1,
//   SE(slope) = sqrt(0.1 / 5) = sqrt(0.02) = 0.141421; t(0.975, 2 df) = 4.302653 (standard t table), so the 95% CI
//   is 1.6 -+ 0.608487 = [0.991513, 2.208487], which contains 1 (soft, [MLS25]).
//   Step budgets: ceil(20 / 0.1) = 200, ceil(0.9 / 0.03) = 30 and ceil(2.1 / 0.3) = 7 (exact quotients, although the
//   floating-point quotients are 30.000000000000004 and 7.000000000000001), ceil(1 / 0.3) = 4, ceil(0.001 / 1) = 1.
public sealed class EpsilonScalingTests
{
    [Fact]
    public void ExactInverseEpsilonGivesSlopeOne()
    {
        var points = new[] { new EpsilonPoint(0.5, 16), new EpsilonPoint(0.25, 32), new EpsilonPoint(0.125, 64) };
        var soft = EpsilonScaling.Compare(LabelKind.Soft, points, 0.95);
        Assert.NotNull(soft.Fit);
        Tolerance.AssertRounding(1.0, soft.Fit.Slope);
        Tolerance.AssertRounding(Math.Log(8), soft.Fit.Intercept);
        Assert.True(soft.Fit.SlopeUpper - soft.Fit.SlopeLower < 1e-9, $"interval [{soft.Fit.SlopeLower}, {soft.Fit.SlopeUpper}]");
        Assert.Equal(3, soft.N);
        Assert.Equal([0.5, 0.25, 0.125], soft.Epsilons);
        Assert.Empty(soft.Excluded);
        Assert.Equal([1.0], soft.Theory.Select(t => t.Slope));
        Assert.Equal("[MLS25]", soft.Theory[0].Source);
        Assert.StartsWith("Soft labels: slope 1 (95% CI 1 to 1) over 3 epsilon values: consistent with 1 [MLS25]", soft.Statement);
    }

    [Fact]
    public void NoisyExampleMatchesHandComputation()
    {
        var points = new[] { new EpsilonPoint(0.5, 8), new EpsilonPoint(0.25, 32), new EpsilonPoint(0.125, 64), new EpsilonPoint(0.0625, 256) };
        var soft = EpsilonScaling.Compare(LabelKind.Soft, points, 0.95);
        Tolerance.AssertRounding(1.6, soft.Fit!.Slope);
        Tolerance.AssertRounding(Math.Sqrt(0.02), soft.Fit.SlopeStandardError);
        // t with 2 degrees of freedom in closed form (ExperimentTests): 1.6 -+ 4.302653 sqrt(0.02) = 0.991513, 2.208487.
        double t = 0.95 / Math.Sqrt(2 * 0.975 * 0.025);
        Assert.Equal(1.6 - t * Math.Sqrt(0.02), soft.Fit.SlopeLower, Tolerance.StudentTOf(t * Math.Sqrt(0.02)));
        Assert.Equal(1.6 + t * Math.Sqrt(0.02), soft.Fit.SlopeUpper, Tolerance.StudentTOf(t * Math.Sqrt(0.02)));
        Tolerance.AssertRounding(1.5 * Math.Log(2), soft.Fit.Intercept);
        Assert.Contains("over 4 epsilon values: consistent with 1 [MLS25]", soft.Statement);
        // Above the soft exponent: m* = 2^(1, 4, 7, 10) has slope 3 exactly, far outside any interval around 1.
        var steep = EpsilonScaling.Compare(LabelKind.Soft,
            [new EpsilonPoint(0.5, 2), new EpsilonPoint(0.25, 16), new EpsilonPoint(0.125, 128), new EpsilonPoint(0.0625, 1024)], 0.95);
        Tolerance.AssertRounding(3.0, steep.Fit!.Slope);
        Assert.Contains("Soft labels: slope 3 (", steep.Statement);
        Assert.EndsWith("over 4 epsilon values: disagrees with the paper: above 1 [MLS25], which the interval excludes.", steep.Statement);
    }

    [Fact]
    public void HardLabelsHaveNoTheoryExponentButSayWhy()
    {
        var points = new[] { new EpsilonPoint(0.5, 8), new EpsilonPoint(0.25, 32), new EpsilonPoint(0.125, 64), new EpsilonPoint(0.0625, 256) };
        var hard = EpsilonScaling.Compare(LabelKind.Hard, points, 0.95);
        Tolerance.AssertRounding(1.6, hard.Fit!.Slope);
        Assert.Empty(hard.Theory);
        Assert.Empty(EpsilonScaling.TheorySlopes(LabelKind.Hard));
        Assert.Contains("no power of 1/eps", hard.TheoryNote);
        Assert.Contains("ln(1/eps) / gamma^4", hard.TheoryNote);
        Assert.Contains("1/ln(1/eps)", hard.TheoryNote);
        Assert.DoesNotContain("consistent", hard.Statement);
        Assert.DoesNotContain("disagrees", hard.Statement);
        Assert.Contains("over 4 epsilon values: THEORY.md gives no power of 1/eps", hard.Statement);
    }

    [Fact]
    public void CensoredEpsilonsAreExcluded()
    {
        // eps = 0.9: m* at the smallest grid width (only m* <= 4 known); eps = 0.01: beyond the grid. The rest is exact 8/eps.
        var points = new[]
        {
            new EpsilonPoint(0.9, 4, AtSmallestWidth: true), new EpsilonPoint(0.5, 16), new EpsilonPoint(0.25, 32),
            new EpsilonPoint(0.125, 64), new EpsilonPoint(0.01, null),
        };
        var soft = EpsilonScaling.Compare(LabelKind.Soft, points, 0.95);
        Assert.Equal([0.5, 0.25, 0.125], soft.Epsilons);
        Assert.Equal([16, 32, 64], soft.MinimalWidths);
        Tolerance.AssertRounding(1.0, soft.Fit!.Slope);
        Assert.Equal([0.9, 0.01], soft.Excluded.Select(e => e.Epsilon));
        Assert.Equal(4, soft.Excluded[0].MinimalWidth);
        Assert.Null(soft.Excluded[1].MinimalWidth);
        Assert.Contains("smallest grid width 4", soft.Excluded[0].Reason);
        Assert.Contains("above the grid", soft.Excluded[1].Reason);
    }

    [Fact]
    public void FewerThanThreeUncensoredPointsGiveNoFit()
    {
        var points = new[] { new EpsilonPoint(0.5, 16), new EpsilonPoint(0.25, 32), new EpsilonPoint(0.125, null), new EpsilonPoint(0.9, 2, AtSmallestWidth: true) };
        var soft = EpsilonScaling.Compare(LabelKind.Soft, points, 0.95);
        Assert.Null(soft.Fit);
        Assert.Equal(2, soft.N);
        Assert.Equal(2, soft.Excluded.Count);
        Assert.Equal("Soft labels: no fit, only 2 epsilon value(s) with m* inside the grid above its smallest width (3 needed); widen the grid or add epsilon values.", soft.Statement);
        Assert.StartsWith("Hard labels: no fit, only 0 epsilon value(s)", EpsilonScaling.Compare(LabelKind.Hard, [], 0.95).Statement);
        // Repeated epsilons leave no spread in x.
        var same = EpsilonScaling.Compare(LabelKind.Soft, [new EpsilonPoint(0.1, 16), new EpsilonPoint(0.1, 32), new EpsilonPoint(0.1, 64)], 0.95);
        Assert.Null(same.Fit);
        Assert.Contains("all equal", same.Statement);
    }

    [Fact]
    public void BadEpsilonOrConfidenceIsRefused()
    {
        Assert.Equal("epsilon", Assert.Throws<InputException>(() => EpsilonScaling.Compare(LabelKind.Soft, [new EpsilonPoint(0, 16)], 0.95)).Field);
        Assert.Equal("confidence", Assert.Throws<InputException>(() => EpsilonScaling.Compare(LabelKind.Soft, [], 1.0)).Field);
    }

    [Fact]
    public void StepsGrowLikeOneOverEpsilon()
    {
        Assert.Equal(200, EpsilonScaling.StepsFor(20, 0.1));
        Assert.Equal(30, EpsilonScaling.StepsFor(0.9, 0.03));
        Assert.Equal(7, EpsilonScaling.StepsFor(2.1, 0.3));
        Assert.Equal(4, EpsilonScaling.StepsFor(1, 0.3));
        Assert.Equal(1, EpsilonScaling.StepsFor(0.001, 1));
        Assert.Equal("steps-times-epsilon", Assert.Throws<InputException>(() => EpsilonScaling.StepsFor(0, 0.1)).Field);
        Assert.Equal("steps-times-epsilon", Assert.Throws<InputException>(() => EpsilonScaling.StepsFor(-5, 0.1)).Field);
        Assert.Equal("steps-times-epsilon", Assert.Throws<InputException>(() => EpsilonScaling.StepsFor(1e10, 1e-3)).Field);
        Assert.Equal("epsilon", Assert.Throws<InputException>(() => EpsilonScaling.StepsFor(1, 0)).Field);
    }

    [Fact]
    public void JournalNameGetsTheEpsilon()
    {
        Assert.Equal("X-eps0.4.sweep.jsonl", EpsilonScaling.JournalFor("X.sweep.jsonl", 0.4));
        Assert.Equal(Path.Combine("runs", "a-eps0.1.jsonl"), EpsilonScaling.JournalFor(Path.Combine("runs", "a.jsonl"), 0.1));
        Assert.Equal("a-eps0.05", EpsilonScaling.JournalFor("a", 0.05));
        Assert.Equal(Path.Combine("d.v2", "j-eps1E-05.sweep.jsonl"), EpsilonScaling.JournalFor(Path.Combine("d.v2", "j.sweep.jsonl"), 1e-5));
    }

    [Fact]
    public void PointOfReadsTheRateRule()
    {
        // Exact 8/eps: m* = 16 at eps = 0.5 inside a grid 8, 16, 32; at the smallest width; beyond the grid.
        static SweepResult Sweep(double eps, int? width, int? lower) =>
            new("d", eps, [8, 16, 32], 1, 0.5, 0.5, 0.05, [],
                [new LabelSweep(LabelKind.Soft, [], new MinimalWidth("rate", width, lower, width, null, null, ""), new MinimalWidth("cp", null, null, null, null, null, ""))],
                null, null, 5, 0, 0);
        Assert.Equal(new EpsilonPoint(0.5, 16, false), EpsilonScaling.PointOf(Sweep(0.5, 16, 8), LabelKind.Soft));
        Assert.Equal(new EpsilonPoint(0.9, 8, true), EpsilonScaling.PointOf(Sweep(0.9, 8, null), LabelKind.Soft));
        Assert.Equal(new EpsilonPoint(0.01, null, false), EpsilonScaling.PointOf(Sweep(0.01, null, 32), LabelKind.Soft));
        Assert.Null(EpsilonScaling.PointOf(Sweep(0.5, 16, 8), LabelKind.Hard));
    }
}
