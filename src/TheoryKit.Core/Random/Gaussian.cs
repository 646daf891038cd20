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
        => Fill(target, 0, rows, cols, seed, stream, index, threads);

    /// <summary>
    /// As <see cref="Fill(double[], int, int, ulong, string, long, int)"/> into rows <paramref name="firstRow"/> .. firstRow + rows - 1 of
    /// <paramref name="target"/> (the same numbers as a fill from row 0).
    /// </summary>
    /// <param name="target">Buffer of at least (firstRow + rows) * cols doubles.</param>
    /// <param name="firstRow">First row of <paramref name="target"/> filled (&gt;= 0).</param>
    /// <param name="rows">Number of rows filled.</param>
    /// <param name="cols">Number of columns (the dimension d).</param>
    /// <param name="seed">Master seed.</param>
    /// <param name="stream">Stream name, e.g. "margin-cert".</param>
    /// <param name="index">Caller's index within the stream (e.g. chunk number).</param>
    /// <param name="threads">Maximum degree of parallelism; the result does not depend on it.</param>
    /// <exception cref="ArgumentException">The buffer is too short.</exception>
    public static void Fill(double[] target, int firstRow, int rows, int cols, ulong seed, string stream, long index, int threads = 0)
    {
        if (firstRow < 0 || target.Length < (long)(firstRow + rows) * cols) throw new ArgumentException("target buffer too short");
        int blocks = (rows + BlockRows - 1) / BlockRows;
        var po = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, blocks, po, b =>
        {
            int r0 = b * BlockRows, r1 = Math.Min(rows, r0 + BlockRows), len = (r1 - r0) * cols;
            StandardNormals(SeedSequence.Rng(seed, stream, index, b), target.AsSpan((firstRow + r0) * cols, len));
        });
    }

    /// <summary>1 / pi as MathNet.Numerics' <c>Constants.InvPi</c>.</summary>
    private const double InvPi = 0.31830988618379067153776752674502872406891929148091d;

    /// <summary>The calling thread's buffer of uniforms for <see cref="StandardNormals"/> (grown, never shrunk).</summary>
    [ThreadStatic] private static double[]? uniforms;

    /// <summary>
    /// Fills <paramref name="values"/> with the numbers MathNet.Numerics 5.0's <c>Normal.Samples(rng, values, 0, 1)</c> gives (the polar
    /// method on 2 ceil(2 |values| / pi) uniforms drawn at once, then on pairs drawn one at a time while values remain), with the uniforms
    /// in a buffer kept per thread: the same numbers, without the 1.27 |values| doubles that call allocates each time (a chunk of a
    /// direction stream would otherwise leave about 1.5 MB of garbage at n = 12000).
    /// </summary>
    internal static void StandardNormals(System.Random rng, Span<double> values)
    {
        if (values.Length == 0) return;
        int n = (int)Math.Ceiling(values.Length * 4 * InvPi);
        if (n % 2 != 0) n++;
        if (uniforms is null || uniforms.Length < n) uniforms = new double[n];
        var u = uniforms;
        for (int i = 0; i < n; i++) u[i] = rng.NextDouble();
        int index = 0;
        for (int i = 0; i < n && index < values.Length; i += 2)
        {
            if (!Polar(u[i], u[i + 1], out double x, out double y)) continue;
            values[index++] = 0.0 + 1.0 * x;
            if (index == values.Length) return;
            values[index++] = 0.0 + 1.0 * y;
        }
        while (index < values.Length)
        {
            if (!Polar(rng.NextDouble(), rng.NextDouble(), out double x, out double y)) continue;
            values[index++] = 0.0 + 1.0 * x;
            if (index == values.Length) return;
            values[index++] = 0.0 + 1.0 * y;
        }
    }

    /// <summary>The polar (Marsaglia) transform of two uniforms in [0, 1), as MathNet.Numerics 5.0; false when the point is rejected.</summary>
    private static bool Polar(double a, double b, out double x, out double y)
    {
        double v1 = 2.0 * a - 1.0, v2 = 2.0 * b - 1.0, r = v1 * v1 + v2 * v2;
        if (r >= 1.0 || r == 0.0) { x = y = 0; return false; }
        double fac = Math.Sqrt(-2.0 * Math.Log(r) / r);
        x = v1 * fac; y = v2 * fac;
        return true;
    }

    /// <summary>A new rows x cols row-major matrix of i.i.d. N(0,1) entries (see <see cref="Fill(double[], int, int, ulong, string, long, int)"/>).</summary>
    public static double[] Matrix(int rows, int cols, ulong seed, string stream, long index = 0, int threads = 0)
    {
        var m = new double[(long)rows * cols];
        Fill(m, rows, cols, seed, stream, index, threads);
        return m;
    }
}
