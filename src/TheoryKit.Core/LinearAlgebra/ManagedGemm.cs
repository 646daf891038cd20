using System.Numerics.Tensors;

namespace TheoryKit.LinearAlgebra;

/// <summary>
/// Managed GEMM fallback for machines without OpenBLAS: C = alpha op(A) op(B) + beta C on row-major
/// arrays, parallel over rows of C, inner kernels from System.Numerics.Tensors (SIMD). Results are
/// independent of the thread count (each row of C is computed by one thread in a fixed order).
/// </summary>
public sealed class ManagedGemm : IGemm
{
    private int _threads = Environment.ProcessorCount;

    /// <inheritdoc/>
    public string Name => $"managed System.Numerics.Tensors ({_threads} threads)";

    /// <inheritdoc/>
    public void SetThreads(int threads) => _threads = Math.Max(1, threads);

    /// <inheritdoc/>
    public void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        GemmChecks.Check(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        Run(transA, transB, m, n, k, alpha, a.ToArray(), lda, b.ToArray(), ldb, beta, c, ldc);
    }

    /// <inheritdoc/>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmChecks.Check(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        Run(transA, transB, m, n, k, alpha, a.ToArray(), lda, b.ToArray(), ldb, beta, c, ldc);
    }

    private void Run<T>(bool transA, bool transB, int m, int n, int k, T alpha, T[] a, int lda, T[] b, int ldb, T beta, Span<T> cSpan, int ldc)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        // Bring A to row-major m x k and B to row-major n x k (B^T), so every C entry is a contiguous dot product.
        var ar = transA ? Transpose(a, k, m, lda) : Pack(a, m, k, lda);
        var bt = transB ? Pack(b, n, k, ldb) : Transpose(b, k, n, ldb);
        var c = new T[(long)m * n];
        for (int i = 0; i < m; i++) cSpan.Slice(i * ldc, n).CopyTo(c.AsSpan(i * n, n));
        Parallel.For(0, m, new ParallelOptions { MaxDegreeOfParallelism = _threads }, i =>
        {
            var row = ar.AsSpan(i * k, k);
            var ci = c.AsSpan(i * n, n);
            for (int j = 0; j < n; j++)
            {
                var dot = k == 0 ? T.Zero : TensorPrimitives.Dot<T>(row, bt.AsSpan(j * k, k));
                ci[j] = alpha * dot + (beta == T.Zero ? T.Zero : beta * ci[j]);
            }
        });
        for (int i = 0; i < m; i++) c.AsSpan(i * n, n).CopyTo(cSpan.Slice(i * ldc, n));
    }

    private static T[] Pack<T>(T[] src, int rows, int cols, int ld) where T : unmanaged
    {
        if (ld == cols) return src.Length == rows * cols ? src : src[..(rows * cols)];
        var r = new T[rows * cols];
        for (int i = 0; i < rows; i++) Array.Copy(src, i * ld, r, i * cols, cols);
        return r;
    }

    private static T[] Transpose<T>(T[] src, int rows, int cols, int ld) where T : unmanaged
    {
        var r = new T[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) r[j * rows + i] = src[i * ld + j];
        return r;
    }
}
