using MathNet.Numerics.Random;
using TheoryKit.Random;
using Xunit;

namespace TheoryKit.Tests;

/// <summary>The 64-bit seeded generator behind every stream (SeedSequence.Rng).</summary>
public class RandomTests
{
    // SplitMix64 from state 1234567: the first outputs of the reference splitmix64.c (Vigna, public domain),
    // also the published test vector of Java's SplittableRandom.
    [Fact]
    public void SplitMixStepsMatchTheReferenceOutputs()
    {
        ulong state = 1234567;
        ulong[] expected = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        foreach (var e in expected)
        {
            state += 0x9E3779B97F4A7C15UL;
            Assert.Equal(e, SeedSequence.Finalise(state));
        }
    }

    // xoshiro256** seeded by four SplitMix64 outputs: values printed by the reference C code
    // (xoshiro256starstar.c and splitmix64.c, Blackman and Vigna), compiled with gcc.
    [Theory]
    [InlineData(0x0123456789ABCDEFUL, 11728116837925579837UL, 431261241542867727UL, 7088239201150201886UL, 1991960781942118182UL)]
    [InlineData(0xFFFFFFFFFFFFFFFFUL, 10328197420357168392UL, 14156678507024973869UL, 9357971779955476126UL, 13791585006304312367UL)]
    public void FirstOutputsMatchTheReferenceImplementation(ulong seed, ulong a, ulong b, ulong c, ulong d)
    {
        var g = new Xoshiro256StarStar64(seed);
        Assert.Equal([a, b, c, d], new[] { g.NextULong(), g.NextULong(), g.NextULong(), g.NextULong() });
    }

    // For seeds below 2^31 the generator is MathNet's Xoshiro256StarStar: doubles, integers, bounded
    // integers and bytes agree draw for draw.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(20261203)]
    [InlineData(int.MaxValue)]
    public void EqualsMathNetsGeneratorOnThirtyOneBitSeeds(int seed)
    {
        var ours = new Xoshiro256StarStar64((ulong)seed);
        var theirs = new Xoshiro256StarStar(seed, threadSafe: false);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(theirs.NextDouble(), ours.NextDouble());
            Assert.Equal(theirs.Next(), ours.Next());
            Assert.Equal(theirs.Next(7, 1_000_003), ours.Next(7, 1_000_003));
            Assert.Equal(theirs.NextInt64(), ours.NextInt64());
        }
        byte[] b1 = new byte[37], b2 = new byte[37];
        theirs.NextBytes(b1); ours.NextBytes(b2);
        Assert.Equal(b1, b2);
    }

    // The old seeding kept 31 of the derived seed's 64 bits; seeds that differ only above bit 31 must now
    // give different streams.
    [Fact]
    public void SeedsDifferingOnlyInHighBitsGiveDifferentStreams()
    {
        var low = new Xoshiro256StarStar64(5);
        var high = new Xoshiro256StarStar64(5 + (1UL << 40));
        Assert.NotEqual(low.NextULong(), high.NextULong());
    }
}

/// <summary>Gaussian.StandardNormals against MathNet.Numerics' own Normal.Samples, the sampler it reproduces with a reused buffer.</summary>
public class StandardNormalTests
{
    // Lengths below and above one pair, odd and even, and the chunk shapes of the margin solver (183 x 784 at n = 12000); calls of
    // several lengths in a row exercise the buffer that is kept between calls.
    [Theory]
    [InlineData(0UL, new[] { 1, 2, 3, 7, 1000 })]
    [InlineData(42UL, new[] { 143472, 5, 200704, 1 })]
    public void Standard_normals_are_MathNets_numbers_bit_for_bit(ulong seed, int[] lengths)
    {
        for (int t = 0; t < lengths.Length; t++)
        {
            var expected = new double[lengths[t]];
            MathNet.Numerics.Distributions.Normal.Samples(SeedSequence.Rng(seed, "normals", t), expected, 0.0, 1.0);
            var actual = new double[lengths[t]];
            Gaussian.StandardNormals(SeedSequence.Rng(seed, "normals", t), actual);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                    $"length {lengths[t]}, entry {i}: MathNet {expected[i]:R}, ours {actual[i]:R}");
        }
    }
}

/// <summary>The certification's direction stream read in blocks that straddle its chunks.</summary>
public class DirectionBlocksTests
{
    // The reference is the chunk-by-chunk reader the certification used before: chunk j drawn alone at index base + j, the last one
    // with the rows left. Blocks of 7 rows (and a final short one) against chunks of 5 must give the same rows in the same order.
    [Theory]
    [InlineData(7, 5, 23)]
    [InlineData(5, 5, 25)]
    [InlineData(16, 3, 17)]
    public void Blocks_read_the_same_directions_as_whole_chunks(int block, int chunk, int total)
    {
        const int d = 3;
        var expected = new List<double>();
        for (int j = 0; j * chunk < total; j++)
        {
            int rows = Math.Min(chunk, total - j * chunk);
            expected.AddRange(Gaussian.Matrix(rows, d, 42, "margin-cert", (7L << 32) + j));
        }
        var stream = new TheoryKit.Margins.DirectionBlocks(d, chunk, block, 42, "margin-cert", 7L << 32, total, 2);
        var read = new List<double>();
        for (int k = 0; k < total; k += block) read.AddRange(stream.Next(Math.Min(block, total - k)).ToArray());
        Assert.Equal(expected, read);
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.Next(1));
    }
}
