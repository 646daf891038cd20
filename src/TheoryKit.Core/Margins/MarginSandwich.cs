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
