using TheoryKit.Random;

namespace TheoryKit.Networks;

/// <summary>
/// The two-layer ReLU student of THEORY.md §1 ([JT20] §2): f(x; W) = (1/sqrt(m)) sum_s a_s relu(&lt;w_s, x&gt;),
/// first layer W (m x d, row-major, trained), second layer a in {-1, +1}^m (fixed, never trained).
/// </summary>
public sealed class TwoLayerNetwork
{
    /// <summary>Width m (number of hidden neurons).</summary>
    public int Width { get; }
    /// <summary>Input dimension d.</summary>
    public int D { get; }
    /// <summary>First layer at initialisation, m x d row-major (never modified).</summary>
    public double[] W0 { get; }
    /// <summary>Second layer a_s in {-1, +1}, length m.</summary>
    public double[] A { get; }
    /// <summary>True when neurons come in pairs (w, a), (w, -a), so that f(x; W0) = 0.</summary>
    public bool Symmetric { get; }

    private TwoLayerNetwork(int m, int d, double[] w0, double[] a, bool symmetric)
    {
        Width = m; D = d; W0 = w0; A = a; Symmetric = symmetric;
    }

    /// <summary>
    /// Initialisation of THEORY.md §1: rows w_s ~ N(0, I_d) i.i.d., a_s ~ Unif{-1, +1}; with
    /// <paramref name="symmetric"/>, rows 2k and 2k+1 share w and have opposite a (m must be even).
    /// All draws come from <paramref name="seed"/> (streams "init-w" and "init-a").
    /// </summary>
    /// <exception cref="InputException">m &lt; 1, d &lt; 1, or symmetric with odd m.</exception>
    public static TwoLayerNetwork Initialise(int m, int d, ulong seed, bool symmetric = false)
    {
        if (m < 1) throw InputException.Parameter("width", $"must be >= 1, got {m}");
        if (d < 1) throw InputException.Parameter("d", $"must be >= 1, got {d}");
        if (symmetric && m % 2 != 0) throw InputException.Parameter("width", $"symmetric initialisation needs an even width, got {m}");
        IO.MemoryBudget.Check($"network weights m x d = {m} x {d} (W0, W and the gradient)", (double)m * d, 3 * sizeof(double), null, "width");
        int rows = symmetric ? m / 2 : m;
        var g = Gaussian.Matrix(rows, d, seed, "init-w");
        var w0 = symmetric ? new double[(long)m * d] : g;
        var a = new double[m];
        var rng = SeedSequence.Rng(seed, "init-a");
        if (symmetric)
            for (int k = 0; k < rows; k++)
            {
                Array.Copy(g, (long)k * d, w0, (long)2 * k * d, d);
                Array.Copy(g, (long)k * d, w0, (long)(2 * k + 1) * d, d);
                a[2 * k] = rng.Next(2) == 0 ? -1 : 1;
                a[2 * k + 1] = -a[2 * k];
            }
        else
            for (int s = 0; s < m; s++) a[s] = rng.Next(2) == 0 ? -1 : 1;
        return new TwoLayerNetwork(m, d, w0, a, symmetric);
    }

    /// <summary>
    /// Plain reference forward pass, one point at a time (no GEMM): f(x_i; W) for X (n x d row-major) and
    /// W (m x d row-major). Used by tests as an independent implementation of THEORY.md §1.
    /// </summary>
    public double[] ForwardReference(double[] w, double[] x, int n)
    {
        var f = new double[n];
        double scale = 1 / Math.Sqrt(Width);
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int s = 0; s < Width; s++)
            {
                double z = 0;
                for (int j = 0; j < D; j++) z += w[(long)s * D + j] * x[(long)i * D + j];
                if (z > 0) sum += A[s] * z;
            }
            f[i] = scale * sum;
        }
        return f;
    }
}
