using TheoryKit.Experiments;

namespace TheoryKit.Tests;

/// <summary>The lines of the scaling plots: through the centre (mean ln x, mean ln y) of the points over their range, by hand.</summary>
public class ScalingLinesTests
{
    // x = 1, 2, 4 and y = 1, 1, 8: mean ln x = ln 8 / 3 = ln 2 and mean ln y = ln 8 / 3 = ln 2.
    private static readonly double[] LogX = [0, Math.Log(2), Math.Log(4)];
    private static readonly double[] LogY = [0, 0, Math.Log(8)];

    [Fact]
    public void A_line_passes_through_the_centre_over_the_range()
    {
        // slope 2: y(1) = exp(ln 2 + 2 (0 - ln 2)) = 1/2, y(4) = exp(ln 2 + 2 (ln 4 - ln 2)) = 8.
        var l = ScalingLines.Through("t", LogX, LogY, 2);
        Assert.Equal(1.0, l.X0, Tolerance.Independent);
        Assert.Equal(4.0, l.X1, Tolerance.Independent);
        Assert.Equal(0.5, l.Y0, Tolerance.Independent);
        Assert.Equal(8.0, l.Y1, Tolerance.Independent);
        // slope 0: the geometric mean of y, 2, at both ends.
        var flat = ScalingLines.Through("f", LogX, LogY, 0);
        Assert.Equal((2.0, 2.0), (Math.Round(flat.Y0, 12), Math.Round(flat.Y1, 12)));
    }

    [Fact]
    public void The_fit_and_each_theory_slope_are_drawn_and_named()
    {
        var fit = new ScalingFitResult(3, 1.5, 0, 0.1, 1, 2, 0, 0, 0, 0.95, 12.7, 0, 1);
        var lines = ScalingLines.Of("soft", LogX, LogY, fit, [new TheorySlope(2, "[MLS25]")]);
        Assert.Equal(["soft fit: slope 1.5 [1, 2]", "soft theory: slope 2 [MLS25]"], lines.Select(l => l.Name));
        // slope 1.5: y(1) = exp(ln 2 - 1.5 ln 2) = 2^-0.5.
        Assert.Equal(Math.Pow(2, -0.5), lines[0].Y0, Tolerance.Independent);
        Assert.Equal(0.5, lines[1].Y0, Tolerance.Independent);
        Assert.Empty(ScalingLines.Of("hard", LogX, LogY, null, [new TheorySlope(4, "[MLS25]")]));
    }

    [Fact]
    public void Unequal_lengths_are_refused() =>
        Assert.Throws<ArgumentException>(() => ScalingLines.Through("x", LogX, [0.0], 1));
}
