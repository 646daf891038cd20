using System.Numerics.Tensors;
using TheoryKit.LinearAlgebra;

namespace TheoryKit.Margins;

/// <summary>
/// The margin problem of THEORY.md §6 restricted to finitely many directions z_1..z_J with weights
/// mu_k (Monte Carlo: mu_k = 1/J; exact planar mode: arc measures; finite width: the m rows of W0):
/// min over q in the simplex of sum_k mu_k ||U_q(z_k)||, U_q(z) = sum_i q_i y_i x_i 1[&lt;z, x_i&gt; &gt; 0],
/// against the primal max over v_k in unit balls of min_i y_i sum_k mu_k &lt;v_k, x_i&gt; 1[&lt;z_k,x_i&gt; &gt; 0].
/// Holds the activation masks A (J x n, row-major, entries 0/1) and scratch buffers; every evaluation
/// is two GEMMs (U = A diag(q y) X and V X^T).
/// </summary>
public sealed class MarginGame
{
    /// <summary>Number of directions J.</summary>
    public int J { get; }
    /// <summary>Number of points n.</summary>
    public int N { get; }
    /// <summary>Dimension d.</summary>
    public int D { get; }
    internal readonly double[] Masks, Weights, X, Y;
    private readonly double[] _v, _m, _qy;

    /// <summary>
    /// Builds the game from directions Z (J x d row-major) with weights (length J; null = uniform 1/J)
    /// for data X (n x d row-major) and labels Y (+-1, length n). Masks are 1[&lt;z_k, x_i&gt; &gt; 0].
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree or weights are negative.</exception>
    public MarginGame(double[] z, int j, double[]? weights, double[] x, double[] y, int n, int d)
    {
        if (z.Length != (long)j * d || x.Length != (long)n * d || y.Length != n) throw new ArgumentException("shapes disagree: Z must be J x d, X n x d, Y n");
        if (weights is not null && (weights.Length != j || weights.Any(w => w < 0 || !double.IsFinite(w)))) throw new ArgumentException("weights must be J finite non-negative numbers");
        J = j; N = n; D = d; X = x; Y = y;
        Weights = weights ?? Enumerable.Repeat(1.0 / j, j).ToArray();
        Masks = new double[(long)j * n];
        Blas.MultiplyABt(z, x, Masks, j, n, d);
        ToMask(Masks);
        _v = new double[(long)j * d]; _m = new double[(long)j * n]; _qy = new double[n];
    }

    /// <summary>In place: 1 where the entry is &gt; 0, else 0 (activation masks 1[&lt;z, x&gt; &gt; 0] from pre-activations).</summary>
    internal static void ToMask(Span<double> a)
    {
        for (int k = 0; k < a.Length; k++) a[k] = a[k] > 0 ? 1.0 : 0.0;
    }

    /// <summary>
    /// In place, each of the first <paramref name="rows"/> rows u_k of U (rows x d) becomes the clipped primal
    /// u_k / max(||u_k||, c); returns sum_k ||u_k|| (the unweighted dual sum).
    /// </summary>
    internal static double ClipRows(Span<double> u, int rows, int d, double c)
    {
        double sum = 0;
        for (int k = 0; k < rows; k++)
        {
            var uk = u.Slice(k * d, d);
            double r = TensorPrimitives.Norm(uk);
            sum += r;
            TensorPrimitives.Multiply(uk, 1 / Math.Max(r, c), uk);
        }
        return sum;
    }

    /// <summary>U = (A diag(q y)) X (J x d): U_k = U_q(z_k). One GEMM; the scaled masks use the J x n scratch of <see cref="MarginsOf"/>
    /// (no n x d copy of the data).</summary>
    internal void ComputeU(ReadOnlySpan<double> q, double[] u)
    {
        TensorPrimitives.Multiply(q, Y, _qy);
        for (int k = 0; k < J; k++) TensorPrimitives.Multiply(Masks.AsSpan(k * N, N), _qy, _m.AsSpan(k * N, N));
        Blas.MultiplyAB(_m, X, u, J, D, N);
    }

    internal static void ScaleRows(double[] x, double[] y, ReadOnlySpan<double> q, double[] xt, int n, int d)
    {
        for (int i = 0; i < n; i++)
            TensorPrimitives.Multiply(x.AsSpan(i * d, d), q[i] * y[i], xt.AsSpan(i * d, d));
    }

    /// <summary>
    /// Evaluates a point given U = U_q (J x d) and the smoothing c &gt; 0: the dual value sum_k mu_k ||U_k||,
    /// the Huber objective sum_k mu_k H_c(U_k) (H_c(u) = ||u|| - c/2 if ||u|| &gt;= c, else ||u||^2/(2c)),
    /// and the margins of the primal v_k = U_k / max(||U_k||, c) written into <paramref name="margins"/>
    /// (length n): margin_i = y_i sum_k mu_k A_ki &lt;v_k, x_i&gt;, which is also the gradient of the Huber
    /// objective in q. One GEMM.
    /// </summary>
    internal (double dual, double huber) Evaluate(double[] u, double c, double[] margins)
    {
        double dual = 0, huber = 0;
        for (int k = 0; k < J; k++)
        {
            var uk = u.AsSpan(k * D, D);
            double r = TensorPrimitives.Norm(uk), w = Weights[k];
            dual += w * r;
            huber += w * Huber(r, c);
            TensorPrimitives.Multiply(uk, 1.0 / Math.Max(r, c), _v.AsSpan(k * D, D));
        }
        MarginsOf(_v, margins);
        return (dual, huber);
    }

    /// <summary>H_c at a point of norm r: r - c/2 if r &gt;= c, else r^2 / (2c).</summary>
    internal static double Huber(double r, double c) => r >= c ? r - c / 2 : r * r / (2 * c);

    /// <summary>Huber objective sum_k mu_k H_c(||U_k||) for U (J x d), without the margins (no GEMM).</summary>
    internal double HuberValue(double[] u, double c)
    {
        double h = 0;
        for (int k = 0; k < J; k++) h += Weights[k] * Huber(TensorPrimitives.Norm(u.AsSpan(k * D, D)), c);
        return h;
    }

    /// <summary>Dual value sum_k mu_k ||U_k|| for U (J x d).</summary>
    internal double DualValue(double[] u)
    {
        double dual = 0;
        for (int k = 0; k < J; k++) dual += Weights[k] * TensorPrimitives.Norm(u.AsSpan(k * D, D));
        return dual;
    }

    /// <summary>
    /// Margins of a primal V (J x d, rows in the unit ball): margin_i = y_i sum_k mu_k A_ki &lt;v_k, x_i&gt;,
    /// written into <paramref name="margins"/> (length n). One GEMM.
    /// </summary>
    internal void MarginsOf(double[] v, double[] margins)
    {
        Blas.MultiplyABt(v, X, _m, J, N, D);
        Array.Clear(margins);
        AddMaskedColumnSums(Masks, _m, Weights, margins, J, N);
        TensorPrimitives.Multiply(margins, Y, margins);
    }

    /// <summary>
    /// acc_i += sum_k w_k A_ki M_ki over the first j rows of A and M (row-major, n columns), in a fixed order;
    /// <paramref name="w"/> null means every w_k = 1.
    /// </summary>
    internal static void AddMaskedColumnSums(ReadOnlySpan<double> a, ReadOnlySpan<double> m, double[]? w, Span<double> acc, int j, int n)
    {
        var tmp = new double[n];
        var target = acc[..n];
        for (int k = 0; k < j; k++)
        {
            TensorPrimitives.Multiply(a.Slice(k * n, n), m.Slice(k * n, n), tmp);
            if (w is null) TensorPrimitives.Add(target, tmp, target);
            else TensorPrimitives.MultiplyAdd(tmp, w[k], target, target);
        }
    }
}

