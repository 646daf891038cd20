using TheoryKit.Margins;
using Xunit;

namespace TheoryKit.Tests;

/// <summary>The certification's vectorised element-wise passes against the plain loops they replace, bit for bit.</summary>
public class SignMasksTests
{
    // Pre-activations with zeros of both signs, NaN, infinities and subnormals, so every comparison's edge is met; n not a multiple of 4.
    private static double[] PreActivations(int n, int seed)
    {
        var rng = new System.Random(seed);
        double[] specials = [0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, -double.Epsilon];
        return Enumerable.Range(0, n).Select(i => i % 5 == 3 ? specials[rng.Next(specials.Length)] : rng.NextDouble() * 2 - 1).ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(11)]
    [InlineData(1003)]
    public void Masks_and_the_masked_sums_equal_the_scalar_loops_bit_for_bit(int n)
    {
        var rng = new System.Random(n);
        var pre = PreActivations(n, n);
        var weights = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var other = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var products = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var wx = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        double s = 0.37, sm = 1.9;

        // The plain loops: one bool per point.
        var on = pre.Select(v => v > 0).ToArray();
        var expectedA = pre.Select((v, i) => on[i] ? weights[i] : 0).ToArray();
        var expectedOther = other.Select((v, i) => on[i] ? v : 0).ToArray();
        var sums = Enumerable.Range(0, n).Select(i => 0.1 * i).ToArray(); var squares = (double[])sums.Clone();
        var expectedSums = (double[])sums.Clone(); var expectedSquares = (double[])squares.Clone();
        for (int i = 0; i < n; i++)
        {
            double v = on[i] ? products[i] * s : (wx[i] - products[i]) * sm;
            expectedSums[i] += v; expectedSquares[i] += v * v;
        }
        var totals = Enumerable.Range(0, n).Select(i => -0.05 * i).ToArray();
        var expectedTotals = totals.Select((t, i) => on[i] ? t + products[i] : t).ToArray();

        var a = (double[])pre.Clone(); var mask = new byte[SignMasks.BytesPerRow(n)];
        SignMasks.TakeAndApply(a, weights, mask);
        var applied = new double[n];
        SignMasks.Apply(mask, other, applied);
        SignMasks.AccumulatePair(mask, products, wx, s, sm, sums, squares);
        SignMasks.AddMasked(mask, products, totals);

        Assert.Equal((n + 3) / 4, mask.Length);
        for (int i = 0; i < n; i++) Assert.Equal(on[i], (mask[i / 4] >> (i % 4) & 1) == 1);
        Assert.Equal(expectedA.Select(BitConverter.DoubleToInt64Bits), a.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(expectedOther.Select(BitConverter.DoubleToInt64Bits), applied.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(expectedSums.Select(BitConverter.DoubleToInt64Bits), sums.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(expectedSquares.Select(BitConverter.DoubleToInt64Bits), squares.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(expectedTotals.Select(BitConverter.DoubleToInt64Bits), totals.Select(BitConverter.DoubleToInt64Bits));
    }
}
