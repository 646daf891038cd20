using System.Numerics.Tensors;
using TheoryKit.LinearAlgebra;

namespace TheoryKit.Kernels;

/// <summary>
/// The limiting (infinite-width) kernel of the first layer of a two-layer ReLU network and its
/// finite-width Monte Carlo twin at initialisation. THEORY.md §5; [JT20] §2, [CS09] (arc-cosine kernels).
/// Vectors are length-d spans; matrices are row-major double[] with explicit shapes.
/// </summary>
public static class NtkKernel
{
    /// <summary>
    /// Angle theta in [0, pi] between x and x' (0 if either is the zero vector), as
    /// 2 atan2(||u - u'||, ||u + u'||) with u = x/||x||, u' = x'/||x'|| (Kahan): accurate to rounding at every
    /// angle, where acos of the cosine loses half the digits near 0 and pi (theta(x, x) = 0 exactly).
    /// </summary>
    public static double Angle(ReadOnlySpan<double> x, ReadOnlySpan<double> x2)
    {
        if (x.Length != x2.Length) throw new ArgumentException("x and x' must have the same length");
        double nx = TensorPrimitives.Norm(x), ny = TensorPrimitives.Norm(x2);
        if (nx == 0 || ny == 0) return 0;
        double minus = 0, plus = 0;
        for (int k = 0; k < x.Length; k++)
        {
            double a = x[k] / nx, b = x2[k] / ny;
            minus += (a - b) * (a - b); plus += (a + b) * (a + b);
        }
        return 2 * Math.Atan2(Math.Sqrt(minus), Math.Sqrt(plus));
    }

    /// <summary>P(&lt;z,x&gt; &gt; 0 and &lt;z,x'&gt; &gt; 0) for z ~ N(0, I_d): (pi - theta) / (2 pi). THEORY.md §5.</summary>
    public static double CoActivation(ReadOnlySpan<double> x, ReadOnlySpan<double> x2)
    {
        if (TensorPrimitives.Norm(x) == 0 || TensorPrimitives.Norm(x2) == 0) return 0;
        return (Math.PI - Angle(x, x2)) / (2 * Math.PI);
    }

    /// <summary>
    /// K(x, x') = E_z[&lt;x, x'&gt; 1[&lt;z,x&gt; &gt; 0] 1[&lt;z,x'&gt; &gt; 0]] = &lt;x, x'&gt; (pi - theta) / (2 pi);
    /// K(x, x) = ||x||^2 / 2. THEORY.md §5, [JT20].
    /// </summary>
    public static double Limiting(ReadOnlySpan<double> x, ReadOnlySpan<double> x2)
        => TensorPrimitives.Dot(x, x2) * CoActivation(x, x2);

    /// <summary>
    /// E_z[relu(&lt;z,x&gt;) relu(&lt;z,x'&gt;)] = ||x|| ||x'|| (sin theta + (pi - theta) cos theta) / (2 pi),
    /// the first-order arc-cosine kernel. THEORY.md §5, [CS09].
    /// </summary>
    public static double ArcCosine1(ReadOnlySpan<double> x, ReadOnlySpan<double> x2)
    {
        double t = Angle(x, x2);
        return TensorPrimitives.Norm(x) * TensorPrimitives.Norm(x2) * (Math.Sin(t) + (Math.PI - t) * Math.Cos(t)) / (2 * Math.PI);
    }

    /// <summary>Gram matrix H_ij = K(x_i, x_j) of the limiting kernel, n x n row-major, for X n x d row-major.</summary>
    /// <exception cref="ArgumentException">X.Length != n*d.</exception>
    public static double[] LimitingGram(double[] x, int n, int d)
    {
        if (x.Length != (long)n * d) throw new ArgumentException("X must be n x d");
        var h = new double[(long)n * n];
        Parallel.For(0, n, i =>
        {
            var xi = x.AsSpan(i * d, d);
            for (int j = 0; j <= i; j++) h[(long)i * n + j] = h[(long)j * n + i] = Limiting(xi, x.AsSpan(j * d, d));
        });
        return h;
    }

    /// <summary>
    /// Finite-width kernel at initialisation: &lt;grad_W f(x_i; W0), grad_W f(x_j; W0)&gt;
    /// = (1/m) sum_s 1[&lt;w_s,x_i&gt; &gt; 0] 1[&lt;w_s,x_j&gt; &gt; 0] &lt;x_i, x_j&gt; (a_s^2 = 1),
    /// n x n row-major. X is n x d and W0 is m x d, both row-major. Its expectation over W0 with
    /// Gaussian rows is <see cref="LimitingGram"/>: a Monte Carlo estimate with m samples. THEORY.md §1, §5.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree.</exception>
    public static double[] FiniteWidthGram(double[] x, int n, int d, double[] w0, int m)
    {
        if (x.Length != (long)n * d || w0.Length != (long)m * d) throw new ArgumentException("X must be n x d and W0 m x d");
        var pre = new double[(long)n * m];
        Blas.MultiplyABt(x, w0, pre, n, m, d);                       // n x m pre-activations
        for (long k = 0; k < pre.Length; k++) pre[k] = pre[k] > 0 ? 1.0 : 0.0;
        var co = new double[(long)n * n];
        Blas.MultiplyABt(pre, pre, co, n, n, m);                     // counts of joint activation
        var gram = new double[(long)n * n];
        Blas.MultiplyABt(x, x, gram, n, n, d);
        for (long k = 0; k < co.Length; k++) co[k] = co[k] / m * gram[k];
        return co;
    }
}
