using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace TheoryKit.LinearAlgebra;

/// <summary>
/// Managed GEMM fallback for machines without OpenBLAS: C = alpha op(A) op(B) + beta C on row-major
/// arrays. A cache-blocked kernel in the style of BLIS/GotoBLAS: op(B) is packed in KC x NC blocks of
/// NR-column micro-panels, op(A) in MC x KC blocks of MR-row micro-panels (per thread), and an
/// MR x NR register tile (6 rows x 2 <see cref="Vector{T}"/>, i.e. 6 x 8 doubles or 6 x 16 floats with
/// 256-bit vectors) is accumulated with fused multiply-adds. Threads share out the MC row blocks.
/// </summary>
/// <remarks>
/// Deterministic: each entry of C is summed over k in the same order (fixed K blocks that depend only
/// on k, one fused multiply-add chain per block) whatever the thread count, so results are
/// bit-identical with 1 or N threads. Inputs are read in place (pinned), never copied whole.
/// As in BLAS, when <c>beta == 0</c> the old C is not read (NaN in C does not propagate), and when
/// <c>alpha == 0</c> or <c>k == 0</c> the product is not computed (C = beta C).
/// </remarks>
public sealed class ManagedGemm : IGemm
{
    private const int MR = 6;          // rows of the register tile
    private const int KC = 256;        // target depth of a K block
    private const int NC = 4080;       // columns of a packed B block
    private const long SmallWork = 64L * 64 * 64; // below this many multiply-adds run on one thread

    private int _threads = Environment.ProcessorCount;

    /// <summary>Creates the managed backend using all processors (change with <see cref="SetThreads"/>).</summary>
    public ManagedGemm() { }

    /// <summary>Creates the managed backend with the given thread count (>= 1).</summary>
    public ManagedGemm(int threads) => SetThreads(threads);

    /// <summary>The number of threads used for large products.</summary>
    public int Threads => _threads;

    /// <inheritdoc/>
    public string Name => $"managed blocked SIMD GEMM ({Vector<byte>.Count * 8}-bit Vector<T>, {_threads} threads)";

    /// <inheritdoc/>
    public void SetThreads(int threads) => _threads = Math.Max(1, threads);

    /// <inheritdoc/>
    public unsafe void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        GemmChecks.Check(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        fixed (double* pa = a) fixed (double* pb = b) fixed (double* pc = c)
            Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    /// <inheritdoc/>
    public unsafe void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmChecks.Check(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
            Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    /// <summary>Rows of a packed A block: a multiple of MR sized so the block stays in L2.</summary>
    private static int McFor<T>() where T : unmanaged => typeof(T) == typeof(float) ? 16 * MR : 12 * MR;

    private unsafe void Run<T>(bool transA, bool transB, int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb,
        T beta, T* c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k == 0 || alpha == T.Zero)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        int nr = 2 * Vector<T>.Count;
        int mc = McFor<T>();
        // K blocks of (nearly) equal depth <= KC: depends only on k, so the summation order is fixed.
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = (k + kBlocks - 1) / kBlocks;
        int ncMax = Math.Min(NC, RoundUp(n, nr));
        int threads = (long)m * n * k < SmallWork ? 1 : _threads;
        var opts = new ParallelOptions { MaxDegreeOfParallelism = threads };

        T[] bPackArr = ArrayPool<T>.Shared.Rent(kcMax * ncMax);
        try
        {
            fixed (T* bPack = bPackArr)
            {
                for (int j0 = 0; j0 < n; j0 += NC)
                {
                    int nc = Math.Min(NC, n - j0);
                    int panels = (nc + nr - 1) / nr;
                    for (int kb = 0; kb < kBlocks; kb++)
                    {
                        int p0 = kb * kcMax;
                        int kc = Math.Min(kcMax, k - p0);
                        var job = new Job<T>
                        {
                            A = a, Lda = lda, TransA = transA, B = b, Ldb = ldb, TransB = transB, C = c, Ldc = ldc,
                            M = m, J0 = j0, Nc = nc, P0 = p0, Kc = kc, Mc = mc, Nr = nr, BPack = bPack,
                            Alpha = alpha, Beta = beta,
                            Mode = kb > 0 ? UpdateMode.Accumulate : beta == T.Zero ? UpdateMode.Overwrite : UpdateMode.Scale,
                        };
                        // Pack B in chunks of micro-panels, then share out the row blocks of A.
                        int chunk = Math.Max(1, (panels + 4 * threads - 1) / (4 * threads));
                        int chunks = (panels + chunk - 1) / chunk;
                        if (threads == 1 || chunks == 1)
                            job.PackB(0, panels);
                        else
                            Parallel.For(0, chunks, opts, t => job.PackB(t * chunk, Math.Min(panels, (t + 1) * chunk)));

                        int rowBlocks = (m + mc - 1) / mc;
                        if (threads == 1 || rowBlocks == 1)
                        {
                            var ws = job.NewWorkspace();
                            for (int ib = 0; ib < rowBlocks; ib++) job.RowBlock(ib, ws);
                            job.ReturnWorkspace(ws);
                        }
                        else
                        {
                            Parallel.For(0, rowBlocks, opts, job.NewWorkspace,
                                (ib, _, ws) => { job.RowBlock(ib, ws); return ws; }, job.ReturnWorkspace);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(bPackArr);
        }
    }

    private static unsafe void ScaleC<T>(int m, int n, T beta, T* c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<T>(c + (long)i * ldc, n);
            if (beta == T.Zero) row.Clear();
            else if (beta != T.One) for (int j = 0; j < n; j++) row[j] = beta * row[j];
        }
    }

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    private enum UpdateMode { Overwrite, Scale, Accumulate }

    /// <summary>Per-thread buffers: the packed A block and an MR x NR tile for edges.</summary>
    private sealed class Workspace<T>(int aLength, int tileLength) where T : unmanaged
    {
        public readonly T[] APack = ArrayPool<T>.Shared.Rent(aLength);
        public readonly T[] Tile = new T[tileLength];
    }

    /// <summary>One (column block, K block) step: pointers stay valid because the caller pins them.</summary>
    private sealed unsafe class Job<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* A, B, C, BPack;
        public int Lda, Ldb, Ldc, M, J0, Nc, P0, Kc, Mc, Nr;
        public bool TransA, TransB;
        public T Alpha, Beta;
        public UpdateMode Mode;

        public Workspace<T> NewWorkspace() => new(Mc * Kc, MR * Nr);

        public void ReturnWorkspace(Workspace<T> ws) => ArrayPool<T>.Shared.Return(ws.APack);

        /// <summary>Packs op(B)[P0.., J0 + panel * Nr ..] micro-panels [from, to) as Kc x Nr, zero padded.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void PackB(int from, int to)
        {
            int nr = Nr, kc = Kc;
            for (int panel = from; panel < to; panel++)
            {
                int j = J0 + panel * nr;
                int cols = Math.Min(nr, J0 + Nc - j);
                T* dst = BPack + (long)panel * kc * nr;
                if (!TransB)
                {
                    T* src = B + (long)P0 * Ldb + j;
                    for (int p = 0; p < kc; p++, src += Ldb, dst += nr)
                    {
                        if (cols == nr) new ReadOnlySpan<T>(src, nr).CopyTo(new Span<T>(dst, nr));
                        else
                        {
                            new ReadOnlySpan<T>(src, cols).CopyTo(new Span<T>(dst, cols));
                            new Span<T>(dst + cols, nr - cols).Clear();
                        }
                    }
                }
                else
                {
                    // op(B)[p, j + q] = B[(j + q) * ldb + p]
                    for (int q = 0; q < nr; q++)
                    {
                        if (q >= cols)
                        {
                            for (int p = 0; p < kc; p++) dst[p * nr + q] = T.Zero;
                            continue;
                        }
                        T* src = B + (long)(j + q) * Ldb + P0;
                        for (int p = 0; p < kc; p++) dst[p * nr + q] = src[p];
                    }
                }
            }
        }

        /// <summary>Packs op(A)[i0 .. i0 + rows, P0 ..] as MR-row micro-panels (Kc x MR each), zero padded.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PackA(int i0, int rows, T* dst)
        {
            int kc = Kc;
            for (int ir = 0; ir < rows; ir += MR, dst += kc * MR)
            {
                int r = Math.Min(MR, rows - ir);
                if (!TransA)
                {
                    for (int q = 0; q < MR; q++)
                    {
                        if (q >= r)
                        {
                            for (int p = 0; p < kc; p++) dst[p * MR + q] = T.Zero;
                            continue;
                        }
                        T* src = A + (long)(i0 + ir + q) * Lda + P0;
                        for (int p = 0; p < kc; p++) dst[p * MR + q] = src[p];
                    }
                }
                else
                {
                    // op(A)[i, p] = A[p * lda + i]
                    T* src = A + (long)P0 * Lda + i0 + ir;
                    for (int p = 0; p < kc; p++, src += Lda)
                    {
                        T* d = dst + p * MR;
                        int q = 0;
                        for (; q < r; q++) d[q] = src[q];
                        for (; q < MR; q++) d[q] = T.Zero;
                    }
                }
            }
        }

        /// <summary>Computes rows [ib * Mc, ...) of the C column block for this K block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void RowBlock(int ib, Workspace<T> ws)
        {
            int i0 = ib * Mc;
            int rows = Math.Min(Mc, M - i0);
            int nr = Nr, kc = Kc;
            fixed (T* aPack = ws.APack) fixed (T* tile = ws.Tile)
            {
                PackA(i0, rows, aPack);
                for (int jr = 0; jr < Nc; jr += nr)
                {
                    int cols = Math.Min(nr, Nc - jr);
                    T* bp = BPack + (long)(jr / nr) * kc * nr;
                    for (int ir = 0; ir < rows; ir += MR)
                    {
                        int r = Math.Min(MR, rows - ir);
                        T* ap = aPack + (long)ir * kc;
                        T* cij = C + (long)(i0 + ir) * Ldc + J0 + jr;
                        if (r == MR && cols == nr)
                        {
                            Kernel(kc, ap, bp, cij, Ldc, Alpha, Beta, Mode);
                        }
                        else
                        {
                            // Edge tile: same kernel on a scratch tile, so edge entries get the same arithmetic.
                            if (Mode != UpdateMode.Overwrite)
                                for (int q = 0; q < r; q++)
                                    new ReadOnlySpan<T>(cij + (long)q * Ldc, cols).CopyTo(new Span<T>(tile + q * nr, cols));
                            Kernel(kc, ap, bp, tile, nr, Alpha, Beta, Mode);
                            for (int q = 0; q < r; q++)
                                new ReadOnlySpan<T>(tile + q * nr, cols).CopyTo(new Span<T>(cij + (long)q * Ldc, cols));
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma<T>(Vector<T> x, Vector<T> y, Vector<T> z) where T : unmanaged
    {
        // Always fused (exact in software too), so results do not depend on the JIT tier.
        if (typeof(T) == typeof(double))
            return Vector.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), z.As<T, double>()).As<double, T>();
        if (typeof(T) == typeof(float))
            return Vector.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), z.As<T, float>()).As<float, T>();
        throw new NotSupportedException(typeof(T).Name);
    }

    /// <summary>
    /// The MR x NR micro-kernel: acc = sum_p a[p, :]^T b[p, :] over a packed A micro-panel (kc x MR)
    /// and B micro-panel (kc x NR), then C = alpha acc (+ beta C | + C) on the MR x NR tile at c.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel<T>(int kc, T* a, T* b, T* c, int ldc, T alpha, T beta, UpdateMode mode)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += MR, b += 2 * w)
        {
            var b0 = Vector.Load(b);
            var b1 = Vector.Load(b + w);
            var x = new Vector<T>(a[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = new Vector<T>(a[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = new Vector<T>(a[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = new Vector<T>(a[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = new Vector<T>(a[4]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = new Vector<T>(a[5]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
        }
        var va = new Vector<T>(alpha);
        var vb = new Vector<T>(beta);
        Store(c, w, c00, c01, va, vb, mode); c += ldc;
        Store(c, w, c10, c11, va, vb, mode); c += ldc;
        Store(c, w, c20, c21, va, vb, mode); c += ldc;
        Store(c, w, c30, c31, va, vb, mode); c += ldc;
        Store(c, w, c40, c41, va, vb, mode); c += ldc;
        Store(c, w, c50, c51, va, vb, mode);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store<T>(T* c, int w, Vector<T> s0, Vector<T> s1, Vector<T> alpha, Vector<T> beta, UpdateMode mode)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Plain multiply then add (never contracted), identical for full and edge tiles.
        switch (mode)
        {
            case UpdateMode.Overwrite:
                Vector.Store(alpha * s0, c);
                Vector.Store(alpha * s1, c + w);
                break;
            case UpdateMode.Scale:
                Vector.Store(alpha * s0 + beta * Vector.Load(c), c);
                Vector.Store(alpha * s1 + beta * Vector.Load(c + w), c + w);
                break;
            default:
                Vector.Store(alpha * s0 + Vector.Load(c), c);
                Vector.Store(alpha * s1 + Vector.Load(c + w), c + w);
                break;
        }
    }
}
