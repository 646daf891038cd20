namespace TheoryKit.Random;

/// <summary>
/// Splits one 64-bit master seed into independent child seeds, one per named component and index
/// (per chunk, per seed, per width ...), so every random number depends only on the master seed and on
/// the component's position, never on thread scheduling. Mixing is SplitMix64 (Steele, Lea, Flood 2014)
/// over the master seed, an FNV-1a hash of the stream name and the indices.
/// </summary>
public static class SeedSequence
{
    /// <summary>One SplitMix64 step on state <paramref name="z"/>: add the golden-ratio increment, then
    /// <see cref="Finalise"/>. A bijective 64-bit mix.</summary>
    public static ulong Mix(ulong z) => Finalise(z + 0x9E3779B97F4A7C15UL);

    /// <summary>The SplitMix64 output function (Steele, Lea, Flood 2014; the variant of Stafford's Mix13): a
    /// bijection of 64-bit words.</summary>
    public static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Child seed of <paramref name="seed"/> for stream <paramref name="name"/> and indices.</summary>
    public static ulong Derive(ulong seed, string name, params long[] indices)
    {
        ulong h = 14695981039346656037UL;
        foreach (var ch in name) { h ^= ch; h *= 1099511628211UL; }
        ulong s = Mix(seed ^ Mix(h));
        foreach (var i in indices) s = Mix(s ^ Mix((ulong)i + 0x632BE59BD9B4E019UL));
        return s;
    }

    /// <summary>
    /// A fast non-thread-safe xoshiro256** generator seeded with all 64 bits of the derived child seed
    /// (<see cref="Xoshiro256StarStar64"/>), so distinct streams collide only with probability about
    /// k^2 / 2^65 for k streams. One generator per component and index; never share one across threads.
    /// </summary>
    public static System.Random Rng(ulong seed, string name, params long[] indices)
        => new Xoshiro256StarStar64(Derive(seed, name, indices));
}
