using MathNet.Numerics.Random;

namespace TheoryKit.Random;

/// <summary>
/// xoshiro256** 1.0 (Blackman and Vigna 2018, "Scrambled linear pseudorandom number generators",
/// arXiv:1805.01407) seeded with a full 64-bit seed: the 256-bit state is four successive SplitMix64
/// outputs of the seed, as the authors recommend. It is MathNet.Numerics' <c>Xoshiro256StarStar</c>
/// (same state update, same doubles <c>(x &gt;&gt; 11) 2^-53</c> in [0, 1), same integers) except that
/// MathNet's constructor takes a 32-bit <c>int</c> seed; for seeds below 2^31 the two give the same
/// numbers. Not thread-safe: one generator per stream (see <see cref="SeedSequence.Rng"/>).
/// </summary>
public sealed class Xoshiro256StarStar64 : RandomSource
{
    private const double Unit53 = 1.0 / (1UL << 53);
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A generator whose state is SplitMix64(seed) four times.</summary>
    /// <param name="seed">Any 64-bit seed, zero included.</param>
    public Xoshiro256StarStar64(ulong seed) : base(threadSafe: false)
    {
        _s0 = SplitMix64(ref seed);
        _s1 = SplitMix64(ref seed);
        _s2 = SplitMix64(ref seed);
        _s3 = SplitMix64(ref seed);
    }

    /// <summary>The next 64 random bits (the xoshiro256** output function and state update).</summary>
    public ulong NextULong()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A double in [0, 1) with 53 random bits.</summary>
    protected override double DoSample() => (NextULong() >> 11) * Unit53;

    /// <summary>An int in [0, int.MaxValue): the low 31 bits, redrawn when all are ones.</summary>
    protected override int DoSampleInteger()
    {
        while (true)
        {
            ulong r = NextULong() & 0x7fff_ffffUL;
            if (r != 0x7fff_ffffUL) return (int)r;
        }
    }

    /// <summary>Fills <paramref name="buffer"/> with random bytes, eight per 64-bit output, low byte first.</summary>
    protected override void DoSampleBytes(byte[] buffer)
    {
        for (int i = 0; i < buffer.Length;)
        {
            ulong x = NextULong();
            for (int k = 0; k < 8 && i < buffer.Length; k++, x >>= 8) buffer[i++] = (byte)x;
        }
    }

    /// <summary>The top <paramref name="bitCount"/> bits of one output (0 &lt; bitCount &lt; 32).</summary>
    protected override int DoSampleInt32WithNBits(int bitCount) => (int)(NextULong() >> (64 - bitCount));

    /// <summary>The top <paramref name="bitCount"/> bits of one output (0 &lt; bitCount &lt; 64).</summary>
    protected override long DoSampleInt64WithNBits(int bitCount) => (long)(NextULong() >> (64 - bitCount));

    private static ulong SplitMix64(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        return SeedSequence.Finalise(x);
    }
}
