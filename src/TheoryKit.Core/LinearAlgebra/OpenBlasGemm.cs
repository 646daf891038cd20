using System.Runtime.InteropServices;

namespace TheoryKit.LinearAlgebra;

/// <summary>
/// GEMM through OpenBLAS's CBLAS interface (Debian package libopenblas0-pthread, libopenblas.so.0),
/// a thin P/Invoke with no wrapper library. Row-major layout is passed to cblas directly.
/// </summary>
public sealed class OpenBlasGemm : IGemm
{
    private const string Lib = "libopenblas.so.0";
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    [DllImport(Lib, EntryPoint = "cblas_dgemm")]
    private static extern unsafe void cblas_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha,
        double* a, int lda, double* b, int ldb, double beta, double* c, int ldc);
    [DllImport(Lib, EntryPoint = "cblas_sgemm")]
    private static extern unsafe void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);
    [DllImport(Lib, EntryPoint = "openblas_set_num_threads")]
    private static extern void openblas_set_num_threads(int n);
    [DllImport(Lib, EntryPoint = "openblas_get_config")]
    private static extern IntPtr openblas_get_config();
    [DllImport(Lib, EntryPoint = "openblas_get_num_threads")]
    private static extern int openblas_get_num_threads();

    private OpenBlasGemm() { }

    /// <summary>Loads OpenBLAS; returns null (with the reason) when the library is missing or unusable.</summary>
    public static OpenBlasGemm? TryLoad(out string? reason)
    {
        try
        {
            var g = new OpenBlasGemm();
            // Probe with a 1x1 product so a broken library fails here, not mid-computation.
            Span<double> c = stackalloc double[1];
            g.Dgemm(false, false, 1, 1, 1, 1.0, new double[] { 2 }, 1, new double[] { 3 }, 1, 0.0, c, 1);
            if (c[0] != 6.0) { reason = "OpenBLAS probe returned a wrong product"; return null; }
            reason = null;
            return g;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            reason = $"{Lib} not loadable ({e.GetType().Name})";
            return null;
        }
    }

    /// <inheritdoc/>
    public string Name
    {
        get
        {
            var cfg = Marshal.PtrToStringAnsi(openblas_get_config()) ?? "OpenBLAS";
            return $"{cfg.Trim()} ({openblas_get_num_threads()} threads)";
        }
    }

    /// <inheritdoc/>
    public void SetThreads(int threads) => openblas_set_num_threads(Math.Max(1, threads));

    /// <inheritdoc/>
    public unsafe void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        GemmChecks.Check(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        fixed (double* pa = a) fixed (double* pb = b) fixed (double* pc = c)
            cblas_dgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha,
                pa, Math.Max(1, lda), pb, Math.Max(1, ldb), beta, pc, Math.Max(1, ldc));
    }

    /// <inheritdoc/>
    public unsafe void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmChecks.Check(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
            cblas_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha,
                pa, Math.Max(1, lda), pb, Math.Max(1, ldb), beta, pc, Math.Max(1, ldc));
    }
}
