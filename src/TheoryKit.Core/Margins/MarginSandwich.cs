using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;
using TheoryKit.Data;
using TheoryKit.Kernels;

namespace TheoryKit.Margins;

/// <summary>
/// The kernel sandwich of THEORY.md §6 for a dataset with ||x_i|| &lt;= 1:
/// lambda_min(H) / n &lt;= gamma &lt;= min(1/2, sqrt(min_{q in simplex} q^T (Y H Y) q)),
/// H_ij = K(x_i, x_j) the limiting-kernel Gram matrix (<see cref="NtkKernel.LimitingGram"/>).
/// Upper end: Jensen, E||U_q(z)|| &lt;= sqrt(E||U_q(z)||^2) = sqrt(q^T YHY q), for every q.
/// Lower end: E||U_q|| &gt;= E||U_q||^2 / sup_z ||U_q(z)|| &gt;= q^T YHY q &gt;= lambda_min ||q||^2 &gt;= lambda_min / n.
/// </summary>
/// <param name="Lower">max(0, LambdaMin / n): a lower bound on gamma.</param>
/// <param name="Upper">min(1/2, sqrt(QuadraticMin)): an upper bound on gamma.</param>
/// <param name="LambdaMin">Smallest eigenvalue of H (symmetric eigendecomposition; may be slightly negative by rounding).</param>
/// <param name="QuadraticMin">q^T (YHY) q at the q found by the solver: at least the true simplex minimum and within
/// its Frank-Wolfe gap of it, so sqrt(QuadraticMin) is a valid upper bound whatever the solver's accuracy.</param>
public sealed record MarginSandwichResult(double Lower, double Upper, double LambdaMin, double QuadraticMin);

/// <summary>Kernel margins of a weight vector q (<see cref="MarginSandwich.KernelMargins(Dataset, double[])"/>).</summary>
/// <param name="Margins">(Y H Y q)_i for every point i (length n), as computed.</param>
/// <param name="R">R_q = sum_j q_j ||x_j||.</param>
/// <param name="Sup">An upper bound on sup_z ||U_q(z)||: min(R_q, pair bound), rounding included.</param>
/// <param name="Allowance">Bound on the rounding error of every computed margin (absolute).</param>
public sealed record KernelMarginsResult(double[] Margins, double R, double Sup, double Allowance);

/// <summary>Computes the sandwich bounds of THEORY.md §6 (<see cref="MarginSandwichResult"/>).</summary>
public static class MarginSandwich
{
    /// <summary>Largest n accepted: H is a dense n x n matrix and its eigendecomposition costs O(n^3).</summary>
    public const int MaxPoints = 4000;

    /// <summary>
    /// Computes lambda_min(H) by a symmetric eigendecomposition (MathNet.Numerics) and minimises
    /// q^T (YHY) q over the simplex by accelerated projected gradient (FISTA with function-value restart,
    /// step 1/L with L = 2 lambda_max(YHY), projection <see cref="SmoothedDualSolver.ProjectSimplex(double[], double[])"/>)
    /// until the Frank-Wolfe gap (an upper bound on the distance to the minimum) is at most 1e-12 relative
    /// or 100000 iterations.
    /// </summary>
    /// <param name="data">The dataset (rows with ||x_i|| &lt;= 1, as THEORY.md §1 assumes).</param>
    /// <exception cref="InputException">n &gt; 4000, or a row has norm above 1 + 1e-9.</exception>
    public static MarginSandwichResult Compute(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int n = data.N, d = data.D;
        if (n > MaxPoints) throw InputException.Parameter("n", $"the sandwich needs the dense n x n Gram matrix; n must be <= {MaxPoints}, got {n}");
        for (int i = 0; i < n; i++)
            if (data.RowNorm(i) > 1 + 1e-9) throw InputException.Parameter("x", $"the sandwich assumes ||x_i|| <= 1; row {i + 1} has norm {data.RowNorm(i)}");

        var h = NtkKernel.LimitingGram(data.X, n, d);
        var hm = DenseMatrix.Create(n, n, (i, j) => h[(long)i * n + j]);
        var evd = hm.Evd(Symmetricity.Symmetric);
        double lambdaMin = double.PositiveInfinity;
        foreach (var e in evd.EigenValues) lambdaMin = Math.Min(lambdaMin, e.Real);

        // G = Y H Y (same spectrum as H, since Y is diagonal with entries +-1).
        var g = new double[(long)n * n];
        double lambdaMax = 0;
        foreach (var e in evd.EigenValues) lambdaMax = Math.Max(lambdaMax, e.Real);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) g[(long)i * n + j] = data.Y[i] * data.Y[j] * h[(long)i * n + j];
        double quad = MinimiseQuadratic(g, n, lambdaMax, out _);

        double lower = Math.Max(0, lambdaMin / n);
        double upper = Math.Min(0.5, Math.Sqrt(Math.Max(0, quad)));
        return new MarginSandwichResult(lower, upper, lambdaMin, quad);
    }

    /// <summary>
    /// The exact kernel lower end of THEORY.md §6 for a weight vector q &gt;= 0 (length n; it need not sum to 1):
    /// v(z) = U_q(z) / S with U_q(z) = sum_j q_j y_j x_j 1[&lt;z,x_j&gt; &gt; 0] and S &gt;= sup_z ||U_q(z)|| (<see cref="KernelMargins(Dataset, double[])"/>:
    /// the smaller of R_q = sum_j q_j ||x_j|| and the pair bound) is a feasible primal, and its margin at point i is exactly
    /// E_z[y_i &lt;v(z), x_i&gt; 1[&lt;z,x_i&gt; &gt; 0]] = (Y H Y q)_i / S (H the limiting-kernel Gram matrix, THEORY.md §5).
    /// Hence gamma &gt;= min_i (Y H Y q)_i / S, with no sampling, lowered by the rounding allowance of <see cref="KernelMargins(Dataset, double[])"/> divided by S.
    /// </summary>
    /// <param name="data">The dataset (X n x d row-major, labels +-1).</param>
    /// <param name="q">Weights, length n, finite and non-negative (negative entries are treated as 0).</param>
    /// <param name="allowance">The rounding allowance subtracted.</param>
    /// <returns>min_i (Y H Y q)_i / S minus the allowance (may be negative; -infinity when q is 0 or the data are all zero).</returns>
    /// <exception cref="ArgumentException">q.Length != n.</exception>
    public static double ExactKernelLower(Dataset data, double[] q, out double allowance)
    {
        var k = KernelMargins(data, q);
        allowance = 0;
        if (k is null) return double.NegativeInfinity;
        allowance = k.Allowance / k.Sup;
        double min = double.PositiveInfinity;
        foreach (var m in k.Margins) min = Math.Min(min, m);
        return min / k.Sup - allowance;
    }

    /// <summary>
    /// The kernel margins of THEORY.md §6 for a weight vector q &gt;= 0 (length n): (Y H Y q)_i = E_z[y_i &lt;U_q(z), x_i&gt; 1[&lt;z,x_i&gt; &gt; 0]]
    /// exactly (H the limiting-kernel Gram matrix, THEORY.md §5), with a bound on sup_z ||U_q(z)||: the smaller of R_q = sum_j q_j ||x_j||
    /// (triangle inequality) and the pair bound P_q = sqrt(sum_{j,k} q_j q_k max(0, y_j y_k &lt;x_j, x_k&gt;)) (||U_q(z)||^2 is that sum over the
    /// active pairs, each term kept only when positive). Only the rows of H on the support of q are formed (cost n |supp q| d, in parallel
    /// over i; the pair bound |supp q|^2 d through GEMM blocks). Rounding: per entry of H a bound of (16 (d + 10)) u ||x_i|| ||x_j|| (dot
    /// product and angle of length-d vectors, u = 2^-53) plus (3 |supp q| + 4) u ||x_i|| R_q for the sums over j (first-order error
    /// analysis with a factor of about 8 to spare), in all (16 d + 3 |supp q| + 164) u max_i ||x_i|| R_q on every margin
    /// (<see cref="KernelMarginsResult.Allowance"/>); the pair bound is raised by 8 (d + |supp q| + 10) u R_q^2 under the square root.
    /// </summary>
    /// <param name="data">The dataset (X n x d row-major, labels +-1).</param>
    /// <param name="q">Weights, length n, finite and non-negative (negative entries are treated as 0).</param>
    /// <returns>The margins and bounds, or null when q has no positive weight on a non-zero row.</returns>
    /// <exception cref="ArgumentException">q.Length != n.</exception>
    public static KernelMarginsResult? KernelMargins(Dataset data, double[] q) => KernelMargins(data, q, null);

    /// <summary>
    /// As <see cref="KernelMargins(Dataset, double[])"/>, the margins taken from the given n x n matrix Y H Y (row-major, as
    /// <see cref="NtkKernel.LimitingGram"/> times the labels) when not null: the same entries up to the same rounding bound per entry.
    /// </summary>
    internal static KernelMarginsResult? KernelMargins(Dataset data, double[] q, double[]? yhy)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(q);
        int n = data.N, d = data.D;
        if (q.Length != n) throw new ArgumentException($"q must have length n = {n}");
        var support = new List<int>();
        double r = 0, maxNorm = 0;
        for (int j = 0; j < n; j++)
        {
            maxNorm = Math.Max(maxNorm, data.RowNorm(j));
            if (q[j] > 0 && double.IsFinite(q[j])) { support.Add(j); r += q[j] * data.RowNorm(j); }
        }
        if (!(r > 0)) return null;
        var margins = new double[n];
        if (yhy is not null)
            Parallel.For(0, n, i =>
            {
                double s = 0;
                foreach (int j in support) s += yhy[(long)i * n + j] * q[j];
                margins[i] = s;
            });
        else
            Parallel.For(0, n, i =>
            {
                var xi = data.X.AsSpan(i * d, d);
                double s = 0;
                foreach (int j in support) s += q[j] * data.Y[j] * NtkKernel.Limiting(xi, data.X.AsSpan(j * d, d));
                margins[i] = data.Y[i] * s;
            });
        const double u = 1.0 / (1L << 53);
        double allowance = (16.0 * d + 3.0 * support.Count + 164) * u * maxNorm * r * (1 + 1e-6);
        double pairs = PairSum(data, q, support) + 8.0 * (d + support.Count + 10) * u * r * r;
        double sup = Math.Min(r, Math.Sqrt(pairs) * (1 + 4 * u));
        return new KernelMarginsResult(margins, r, sup, allowance);
    }

    /// <summary>sum_{j,k in support} q_j q_k max(0, y_j y_k &lt;x_j, x_k&gt;), the products in blocks of 256 rows by GEMM.</summary>
    private static double PairSum(Dataset data, double[] q, List<int> support)
    {
        int m = support.Count, d = data.D;
        var xs = new double[(long)m * d];
        for (int a = 0; a < m; a++) data.X.AsSpan(support[a] * d, d).CopyTo(xs.AsSpan(a * d, d));
        const int block = 256;
        var prod = new double[(long)Math.Min(block, m) * m];
        double total = 0;
        for (int a0 = 0; a0 < m; a0 += block)
        {
            int rows = Math.Min(block, m - a0);
            TheoryKit.LinearAlgebra.Blas.MultiplyABt(xs.AsSpan(a0 * d, rows * d), xs, prod, rows, m, d);
            for (int a = 0; a < rows; a++)
            {
                int j = support[a0 + a];
                double s = 0;
                for (int b = 0; b < m; b++)
                {
                    int k = support[b];
                    double v = data.Y[j] * data.Y[k] * prod[(long)a * m + b];
                    if (v > 0) s += q[k] * v;
                }
                total += q[j] * s;
            }
        }
        return total;
    }

    /// <summary>
    /// <see cref="ExactKernelLower(Dataset, double[], out double)"/> at the minimiser q* of q^T (Y H Y) q over the simplex, whose
    /// optimality conditions give (Y H Y q*)_i &gt;= q*^T Y H Y q* for every i: positive on kernel-separable data.
    /// </summary>
    /// <param name="data">The dataset (n &lt;= <see cref="MaxPoints"/>).</param>
    /// <param name="q">The minimiser used (simplex, length n).</param>
    /// <returns>The lower end, clamped at 0.</returns>
    /// <exception cref="InputException">n &gt; <see cref="MaxPoints"/>.</exception>
    public static double ExactKernelLower(Dataset data, out double[] q)
    {
        ArgumentNullException.ThrowIfNull(data);
        int n = data.N;
        if (n > MaxPoints) throw InputException.Parameter("n", $"the quadratic needs the dense n x n Gram matrix; n must be <= {MaxPoints}, got {n}");
        var g = NtkKernel.LimitingGram(data.X, n, data.D);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) g[(long)i * n + j] *= data.Y[i] * data.Y[j];
        MinimiseQuadratic(g, n, LargestEigenvalue(g, n), out q);
        return Math.Max(0, ExactKernelLower(data, q, out _));
    }

    /// <summary>An upper estimate of the largest eigenvalue of the symmetric PSD n x n matrix G (50 power iterations, times 1.05); 0 if G q vanishes.</summary>
    internal static double LargestEigenvalue(double[] g, int n)
    {
        var x = Enumerable.Repeat(1.0 / Math.Sqrt(n), n).ToArray(); var gx = new double[n];
        double lambda = 0;
        for (int it = 0; it < 50; it++)
        {
            for (int i = 0; i < n; i++) gx[i] = System.Numerics.Tensors.TensorPrimitives.Dot(g.AsSpan(i * n, n), x);
            lambda = System.Numerics.Tensors.TensorPrimitives.Norm(gx);
            if (!(lambda > 0)) return 0;
            System.Numerics.Tensors.TensorPrimitives.Multiply(gx, 1 / lambda, x);
        }
        return 1.05 * lambda;
    }

    /// <summary>Value q^T G q at the best q found by FISTA over the simplex (<paramref name="q"/>); G is n x n symmetric PSD with largest eigenvalue lambdaMax.</summary>
    internal static double MinimiseQuadratic(double[] g, int n, double lambdaMax, out double[] q, int maxIterations = 100_000)
    {
        double lip = Math.Max(2 * lambdaMax, 1e-300) * (1 + 1e-9);
        var x = Enumerable.Repeat(1.0 / n, n).ToArray();
        var xPrev = (double[])x.Clone();
        var y = new double[n]; var grad = new double[n]; var step = new double[n]; var xNew = new double[n];
        var gx = new double[n];
        double fx = Quadratic(g, x, gx, n), best = fx, t = 1;
        var bestX = (double[])x.Clone();
        for (int iter = 0; iter < maxIterations; iter++)
        {
            // Frank-Wolfe gap at x: <grad f(x), x> - min_i grad_i f(x) >= f(x) - f*.
            double dot = 0, minGrad = double.PositiveInfinity;
            for (int i = 0; i < n; i++) { dot += 2 * gx[i] * x[i]; minGrad = Math.Min(minGrad, 2 * gx[i]); }
            if (dot - minGrad <= 1e-12 * Math.Max(fx, 1e-300) || dot - minGrad <= 1e-300) break;

            double tNext = (1 + Math.Sqrt(1 + 4 * t * t)) / 2, beta = (t - 1) / tNext;
            for (int i = 0; i < n; i++) y[i] = x[i] + beta * (x[i] - xPrev[i]);
            Quadratic(g, y, grad, n);
            for (int i = 0; i < n; i++) step[i] = y[i] - 2 * grad[i] / lip;
            SmoothedDualSolver.ProjectSimplex(step, xNew);
            double fNew = Quadratic(g, xNew, grad, n);
            Array.Copy(x, xPrev, n);
            if (fNew > fx)
            {
                // Restart: plain projected gradient step from x, which cannot increase f with step 1/L.
                t = 1;
                for (int i = 0; i < n; i++) step[i] = x[i] - 2 * gx[i] / lip;
                SmoothedDualSolver.ProjectSimplex(step, xNew);
                fNew = Quadratic(g, xNew, grad, n);
                if (fNew > fx) break;
            }
            else t = tNext;
            Array.Copy(xNew, x, n); Array.Copy(grad, gx, n);
            fx = fNew;
            if (fx < best) { best = fx; Array.Copy(x, bestX, n); }
        }
        q = bestX;
        return best;
    }

    /// <summary>Returns q^T G q and writes G q into <paramref name="gq"/>.</summary>
    private static double Quadratic(double[] g, double[] q, double[] gq, int n)
    {
        double f = 0;
        for (int i = 0; i < n; i++)
        {
            var row = g.AsSpan(i * n, n);
            double s = System.Numerics.Tensors.TensorPrimitives.Dot(row, q);
            gq[i] = s;
            f += q[i] * s;
        }
        return f;
    }
}
