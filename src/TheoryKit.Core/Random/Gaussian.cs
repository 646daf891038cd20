using MathNet.Numerics.Distributions;

namespace TheoryKit.Random;

/// <summary>
/// Standard normal matrices drawn reproducibly: the rows are split into fixed blocks, each block drawn
/// from its own generator (<see cref="SeedSequence.Rng"/> of the seed, the stream name, the caller's
/// index and the block), so the numbers do not depend on how many threads draw them.
/// Sampling is MathNet.Numerics' <see cref="Normal.Samples(System.Random, double[], double, double)"/>.
/// </summary>
public static class Gaussian
{
    private const int BlockRows = 256;

    /// <summary>
    /// Fills <paramref name="target"/> (rows x cols, row-major) with i.i.d. N(0, 1) entries.
    /// </summary>
    /// <param name="target">Buffer of at least rows*cols doubles.</param>
    /// <param name="rows">Number of rows (e.g. samples z or neurons).</param>
    /// <param name="cols">Number of columns (the dimension d).</param>
    /// <param name="seed">Master seed.</param>
    /// <param name="stream">Stream name, e.g. "margin-cert".</param>
    /// <param name="index">Caller's index within the stream (e.g. chunk number).</param>
    /// <param name="threads">Maximum degree of parallelism; the result does not depend on it.</param>
    /// <exception cref="ArgumentException">The buffer is too short.</exception>
    public static void Fill(double[] target, int rows, int cols, ulong seed, string stream, long index, int threads = 0)
    {
        if (target.Length < (long)rows * cols) throw new ArgumentException("target buffer too short");
        int blocks = (rows + BlockRows - 1) / BlockRows;
        var po = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, blocks, po, () => Array.Empty<double>(), (b, _, buf) =>
        {
            int r0 = b * BlockRows, r1 = Math.Min(rows, r0 + BlockRows), len = (r1 - r0) * cols;
            if (buf.Length != BlockRows * cols) buf = new double[BlockRows * cols];
            var rng = SeedSequence.Rng(seed, stream, index, b);
            var slice = len == buf.Length ? buf : new double[len];
            Normal.Samples(rng, slice, 0.0, 1.0);
            Array.Copy(slice, 0, target, (long)r0 * cols, len);
            return buf;
        }, _ => { });
    }

    /// <summary>A new rows x cols row-major matrix of i.i.d. N(0,1) entries (see <see cref="Fill"/>).</summary>
    public static double[] Matrix(int rows, int cols, ulong seed, string stream, long index = 0, int threads = 0)
    {
        var m = new double[(long)rows * cols];
        Fill(m, rows, cols, seed, stream, index, threads);
        return m;
    }
}
