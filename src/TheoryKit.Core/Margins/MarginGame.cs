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
    private readonly double[] _xt, _v, _m;

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
        _xt = new double[(long)n * d]; _v = new double[(long)j * d]; _m = new double[(long)j * n];
    }

    internal static void ToMask(double[] a)
    {
        for (long k = 0; k < a.Length; k++) a[k] = a[k] > 0 ? 1.0 : 0.0;
    }

    /// <summary>U = A diag(q y) X (J x d): U_k = U_q(z_k). One GEMM.</summary>
    internal void ComputeU(ReadOnlySpan<double> q, double[] u)
    {
        ScaleRows(X, Y, q, _xt, N, D);
        Blas.MultiplyAB(Masks, _xt, u, J, D, N);
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
            huber += w * (r >= c ? r - c / 2 : r * r / (2 * c));
            TensorPrimitives.Multiply(uk, 1.0 / Math.Max(r, c), _v.AsSpan(k * D, D));
        }
        MarginsOf(_v, margins);
        return (dual, huber);
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

    /// <summary>acc_i += sum_k w_k A_ki M_ki over the rows k of A and M (both j x n), in a fixed order.</summary>
    internal static void AddMaskedColumnSums(double[] a, double[] m, double[] w, double[] acc, int j, int n)
    {
        var tmp = new double[n];
        for (int k = 0; k < j; k++)
        {
            TensorPrimitives.Multiply(a.AsSpan(k * n, n), m.AsSpan(k * n, n), tmp);
            TensorPrimitives.MultiplyAdd(tmp, w[k], acc, acc);
        }
    }
}

