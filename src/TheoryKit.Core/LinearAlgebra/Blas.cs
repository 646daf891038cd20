namespace TheoryKit.LinearAlgebra;

/// <summary>
/// The GEMM backend chosen once per process: OpenBLAS when libopenblas.so.0 loads, otherwise the
/// managed blocked SIMD fallback (<see cref="ManagedGemm"/>). Setting the environment variable
/// <c>THEORYKIT_BLAS=managed</c> forces the fallback. <see cref="Description"/> says which was chosen
/// and why, for the start-up line of every command.
/// </summary>
public static class Blas
{
    private static readonly Lazy<(IGemm gemm, string why)> Chosen = new(Choose);

    /// <summary>The selected backend.</summary>
    public static IGemm Current => Chosen.Value.gemm;

    /// <summary>e.g. "OpenBLAS 0.3.21 ... (2 threads)" or "managed blocked SIMD GEMM ... (libopenblas.so.0 not loadable ...)".</summary>
    public static string Description => Chosen.Value.why.Length == 0 ? Current.Name : $"{Current.Name} ({Chosen.Value.why})";

    private static (IGemm, string) Choose()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("THEORYKIT_BLAS"), "managed", StringComparison.OrdinalIgnoreCase))
            return (new ManagedGemm(), "THEORYKIT_BLAS=managed");
        var native = OpenBlasGemm.TryLoad(out var reason);
        return native is null ? (new ManagedGemm(), reason ?? "OpenBLAS unavailable") : (native, "");
    }

    /// <summary>Columns of C per GEMM call in <see cref="MultiplyABt"/> when n exceeds it.</summary>
    public const int PanelColumns = 2048;

    /// <summary>
    /// Row-major C (m x n) = A (m x k) * B^T where B is stored n x k: the shape of X W^T. For n above <see cref="PanelColumns"/>, one
    /// GEMM per panel of <see cref="PanelColumns"/> columns of C (rows of B): OpenBLAS packs as many rows of B as its block size allows
    /// (thousands), and the panels keep that buffer at most k' x 2048 doubles (k' its inner block); every entry of C is the same dot
    /// product either way.
    /// </summary>
    public static void MultiplyABt(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k)
    {
        if (n <= PanelColumns || m == 0) { Current.Dgemm(false, true, m, n, k, 1.0, a, k, b, k, 0.0, c, n); return; }
        for (int j0 = 0; j0 < n; j0 += PanelColumns)
        {
            int cols = Math.Min(PanelColumns, n - j0);
            Current.Dgemm(false, true, m, cols, k, 1.0, a, k, b.Slice(j0 * k, cols * k), k, 0.0, c.Slice(j0, (m - 1) * n + cols), n);
        }
    }

    /// <summary>Row-major C (m x n) = A (m x k) * B where B is stored k x n.</summary>
    public static void MultiplyAB(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k)
        => Current.Dgemm(false, false, m, n, k, 1.0, a, k, b, n, 0.0, c, n);
}
