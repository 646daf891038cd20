namespace TheoryKit.LinearAlgebra;

/// <summary>
/// General matrix multiply on row-major arrays: C = alpha * op(A) * op(B) + beta * C, where op(A) is
/// m x k, op(B) is k x n and C is m x n. <c>transA</c> means A is stored k x m (row-major, leading
/// dimension lda) and used transposed; likewise for B. Leading dimensions are row strides in elements.
/// Implementations: <see cref="OpenBlasGemm"/> (native, cblas through P/Invoke) and
/// <see cref="ManagedGemm"/> (cache-blocked Vector&lt;T&gt; kernel, parallel over row blocks, deterministic). Selected once by <see cref="Blas"/>.
/// </summary>
public interface IGemm
{
    /// <summary>Short backend description for reports, e.g. "OpenBLAS 0.3.21 (2 threads)".</summary>
    string Name { get; }

    /// <summary>Double-precision GEMM (see the interface summary for shapes).</summary>
    /// <exception cref="ArgumentException">A buffer is too short for the given shape.</exception>
    void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha,
               ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb,
               double beta, Span<double> c, int ldc);

    /// <summary>Single-precision GEMM (see the interface summary for shapes).</summary>
    /// <exception cref="ArgumentException">A buffer is too short for the given shape.</exception>
    void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
               ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
               float beta, Span<float> c, int ldc);

    /// <summary>Sets the number of threads the backend may use (>= 1).</summary>
    void SetThreads(int threads);
}

/// <summary>Shape checks shared by the GEMM backends.</summary>
internal static class GemmChecks
{
    internal static void Check(bool transA, bool transB, int m, int n, int k, int lenA, int lda, int lenB, int ldb, int lenC, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"negative GEMM shape m={m} n={n} k={k}");
        long needA = transA ? (long)(k == 0 ? 0 : (k - 1)) * lda + m : (long)(m == 0 ? 0 : (m - 1)) * lda + k;
        long needB = transB ? (long)(n == 0 ? 0 : (n - 1)) * ldb + k : (long)(k == 0 ? 0 : (k - 1)) * ldb + n;
        long needC = (long)(m == 0 ? 0 : (m - 1)) * ldc + n;
        if ((m > 0 && k > 0 && lenA < needA) || (k > 0 && n > 0 && lenB < needB) || (m > 0 && n > 0 && lenC < needC))
            throw new ArgumentException($"GEMM buffer too short for m={m} n={n} k={k}");
        if (lda < (transA ? m : k) || ldb < (transB ? k : n) || ldc < n)
            throw new ArgumentException("GEMM leading dimension smaller than the row length");
    }
}
