namespace TheoryKit.Margins;

/// <summary>
/// A direction stream (THEORY.md §6 "certification": z ~ N(0, I_d)) read in blocks of rows whatever its chunks: chunk j is drawn as one
/// unit (<see cref="TheoryKit.Random.Gaussian.Fill(double[], int, int, ulong, string, long, int)"/> of <c>chunk</c> rows, or of the rows left when fewer remain, at stream index
/// <c>indexBase + j</c>), exactly as a chunk-by-chunk reader draws it, so the directions and their order do not depend on the block size;
/// blocks may straddle chunks, so that every GEMM has the block's (efficient) row count rather than a chunk's remainder.
/// Memory: (block + chunk) x d doubles.
/// </summary>
internal sealed class DirectionBlocks
{
    private readonly int _d, _chunk, _threads;
    private readonly ulong _seed;
    private readonly string _stream;
    private readonly long _indexBase, _total;
    private readonly double[] _z;
    private int _start, _end;        // rows [_start, _end) of _z are drawn and not yet read
    private long _drawn;             // rows drawn: every chunk but the stream's last is whole, so the next chunk's number is _drawn / _chunk

    /// <param name="d">Dimension (columns of a direction).</param>
    /// <param name="chunk">Rows per chunk of the stream (<see cref="MarginSolver.ChunkRows"/>).</param>
    /// <param name="block">Most rows per block read.</param>
    /// <param name="seed">Master seed.</param>
    /// <param name="stream">Stream name, e.g. "margin-cert".</param>
    /// <param name="indexBase">Stream index of chunk 0.</param>
    /// <param name="total">Rows of the stream: the last chunk is drawn with the rows that remain.</param>
    /// <param name="threads">Threads of the draw (the numbers do not depend on it).</param>
    public DirectionBlocks(int d, int chunk, int block, ulong seed, string stream, long indexBase, long total, int threads)
    {
        (_d, _chunk, _seed, _stream, _indexBase, _total, _threads) = (d, chunk, seed, stream, indexBase, total, threads);
        _z = new double[(long)(block + chunk) * d];
    }

    /// <summary>The next <paramref name="rows"/> directions (rows x d, row-major; rows at most the block size and the rows left),
    /// valid until the next call.</summary>
    /// <exception cref="ArgumentOutOfRangeException">More rows than the block size or than the stream has left.</exception>
    public ReadOnlySpan<double> Next(int rows)
    {
        if (rows < 0 || (long)(rows + _chunk) * _d > _z.Length || _drawn - (_end - _start) + rows > _total)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "more rows than the block size or the stream has left");
        if (_end - _start < rows)
        {
            _z.AsSpan(_start * _d, (_end - _start) * _d).CopyTo(_z);
            (_start, _end) = (0, _end - _start);
            while (_end < rows)
            {
                int count = (int)Math.Min(_chunk, _total - _drawn);
                TheoryKit.Random.Gaussian.Fill(_z, _end, count, _d, _seed, _stream, _indexBase + _drawn / _chunk, _threads);
                (_end, _drawn) = (_end + count, _drawn + count);
            }
        }
        var block = _z.AsSpan(_start * _d, rows * _d);
        _start += rows;
        return block;
    }
}
