using System.Diagnostics;
using System.Numerics.Tensors;

namespace TheoryKit.Margins;

/// <summary>Result of solving a <see cref="MarginGame"/>.</summary>
/// <param name="Q">Dual weights q in the simplex (length n): the certificate.</param>
/// <param name="Smoothing">c &gt; 0: the primal is v(z) = U_q(z) / max(||U_q(z)||, c).</param>
/// <param name="Upper">Dual value sum_k mu_k ||U_q(z_k)|| (an upper bound on the game value).</param>
/// <param name="Lower">Worst margin min_i of the primal v (a lower bound on the game value).</param>
/// <param name="Margins">The primal's margin for every point (length n).</param>
/// <param name="Iterations">Accelerated gradient iterations taken.</param>
/// <param name="Converged">True when Upper - Lower reached the requested tolerance.</param>
public sealed record GameSolution(double[] Q, double Smoothing, double Upper, double Lower, double[] Margins, int Iterations, bool Converged)
{
    /// <summary>Duality gap Upper - Lower (&gt;= 0 up to rounding).</summary>
    public double Gap => Upper - Lower;
}

/// <summary>
/// Solves the margin game (THEORY.md §6) through its Huber-smoothed dual:
/// F_c(q) = sum_k mu_k H_c(U_q(z_k)) over the simplex, whose gradient in q_i is the margin of the
/// clipped best response v_k = U_k / max(||U_k||, c). Because H_c(u) = max_{||v|| &lt;= 1} &lt;v,u&gt; - (c/2)||v||^2,
/// at the minimiser q_c the clipped response balances the margins and
/// min_i margin_i(v) &gt;= min_q F_c &gt;= gamma - c/2 while the dual value of q_c is &lt;= gamma + c/2:
/// the gap is at most c/2 even where U_q vanishes on a set of positive measure (the degenerate cases (a)
/// and (b) of THEORY.md §6), because there v is small instead of an arbitrary normalised direction.
/// The primal is a function of z given (q, c), so fresh samples can re-check it.
/// Minimisation: FISTA with backtracking and function-value restart (Beck and Teboulle 2009;
/// O'Donoghue and Candes 2015), Euclidean projection onto the simplex (Duchi et al. 2008), with
/// continuation in c (c halves down to the target). U is linear in q, so the extrapolated point costs no GEMM.
/// </summary>
public static class SmoothedDualSolver
{
    /// <summary>Solver settings.</summary>
    /// <param name="Tolerance">Stop when Upper - Lower &lt;= Tolerance.</param>
    /// <param name="FinalSmoothing">Smallest c of the continuation (&gt; 0).</param>
    /// <param name="MaxIterations">Iteration cap over all continuation levels.</param>
    /// <param name="Deadline">Wall-clock limit (null: none).</param>
    /// <param name="InitialQ">Warm start (length n, non-negative); null: uniform.</param>
    /// <param name="StartSmoothing">First c of the continuation (a warm start near the answer can start at the final c).</param>
    public sealed record Options(double Tolerance, double FinalSmoothing, int MaxIterations = 20000, TimeSpan? Deadline = null,
        double[]? InitialQ = null, double StartSmoothing = 0.125);

    /// <summary>Solves the game; never throws for valid games (the best point found is returned).</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public static GameSolution Solve(MarginGame game, Options options)
    {
        if (!(options.Tolerance > 0) || !(options.FinalSmoothing > 0)) throw new ArgumentException("tolerance and smoothing must be positive");
        var clock = Stopwatch.StartNew();
        int n = game.N, jd = game.J * game.D;
        var x = options.InitialQ is { } q0 ? ProjectSimplex(q0) : Enumerable.Repeat(1.0 / n, n).ToArray();
        var xPrev = (double[])x.Clone();
        var ux = new double[jd]; game.ComputeU(x, ux);
        var uxPrev = (double[])ux.Clone();
        var uy = new double[jd]; var uNew = new double[jd];
        var y = new double[n]; var g = new double[n]; var xNew = new double[n]; var step = new double[n];
        var marg = new double[n];
        GameSolution? best = null;
        int iter = 0;
        bool Out() => iter >= options.MaxIterations || (options.Deadline is { } dl && clock.Elapsed > dl);

        double c = Math.Max(options.FinalSmoothing, options.StartSmoothing);
        while (true)
        {
            bool finalLevel = c <= options.FinalSmoothing;
            int levelIter = 0, levelCap = finalLevel ? int.MaxValue : 40, stalled = 0;
            double t = 1, lip = 1.0 / c;
            var (dx, fx) = game.Evaluate(ux, c, marg);
            best = Better(best, x, c, dx, marg);
            if (best.Gap <= options.Tolerance) break;
            while (levelIter < levelCap && !Out())
            {
                double tNext = (1 + Math.Sqrt(1 + 4 * t * t)) / 2, beta = (t - 1) / tNext;
                for (int i = 0; i < n; i++) y[i] = x[i] + beta * (x[i] - xPrev[i]);
                for (int k = 0; k < jd; k++) uy[k] = ux[k] + beta * (ux[k] - uxPrev[k]);
                var (_, fy) = game.Evaluate(uy, c, g);
                double fNew;
                lip *= 0.8;
                while (true)
                {
                    for (int i = 0; i < n; i++) step[i] = y[i] - g[i] / lip;
                    ProjectSimplex(step, xNew);
                    game.ComputeU(xNew, uNew);
                    fNew = game.HuberValue(uNew, c);
                    double lin = 0, sq = 0;
                    for (int i = 0; i < n; i++) { double dlt = xNew[i] - y[i]; lin += g[i] * dlt; sq += dlt * dlt; }
                    if (fNew <= fy + lin + lip / 2 * sq + 1e-15 * Math.Abs(fy) || lip > 1e12) break;
                    lip *= 2;
                }
                iter++; levelIter++;
                if (fNew > fx) { t = 1; Array.Copy(x, xPrev, n); Array.Copy(ux, uxPrev, jd); continue; } // restart
                Array.Copy(x, xPrev, n); Array.Copy(ux, uxPrev, jd);
                Array.Copy(xNew, x, n); Array.Copy(uNew, ux, jd);
                fx = fNew; t = tNext;
                if (levelIter % 5 == 0 || levelIter == levelCap)
                {
                    var (dual, _) = game.Evaluate(ux, c, marg);
                    double before = best.Gap;
                    best = Better(best, x, c, dual, marg);
                    if (best.Gap <= options.Tolerance) break;
                    stalled = best.Gap < 0.99 * before ? 0 : stalled + 5;
                    if (finalLevel && stalled >= 60) break;   // the smoothed optimum's gap (<= c/2) is reached
                }
            }
            if (best.Gap <= options.Tolerance || Out() || finalLevel) break;
            c = Math.Max(c / 2, options.FinalSmoothing);
        }
        return best with { Iterations = iter, Converged = best.Gap <= options.Tolerance };
    }

    /// <summary>The better (smaller gap) of <paramref name="best"/> and the point q with dual value <paramref name="upper"/>.</summary>
    private static GameSolution Better(GameSolution? best, double[] q, double c, double upper, double[] margins)
    {
        double lower = TensorPrimitives.Min(margins);
        return best is null || upper - lower < best.Gap
            ? new GameSolution((double[])q.Clone(), c, upper, lower, (double[])margins.Clone(), 0, false)
            : best;
    }

    /// <summary>Euclidean projection of v onto the probability simplex (Duchi et al. 2008), into a new array.</summary>
    public static double[] ProjectSimplex(double[] v)
    {
        var r = new double[v.Length];
        ProjectSimplex(v, r);
        return r;
    }

    /// <summary>
    /// Euclidean projection of v onto the probability simplex, written into <paramref name="result"/> (sort-based, Held, Wolfe and
    /// Crowder 1974). The sorted copy lives in a buffer kept per thread: solvers call this in every iteration.
    /// </summary>
    public static void ProjectSimplex(double[] v, double[] result)
    {
        int n = v.Length;
        if (sorted is null || sorted.Length < n) sorted = new double[n];
        var u = sorted.AsSpan(0, n);
        v.CopyTo(u);
        u.Sort(); u.Reverse();
        double cum = 0, theta = 0;
        for (int j = 0; j < n; j++)
        {
            cum += u[j];
            double th = (cum - 1) / (j + 1);
            if (u[j] - th > 0) theta = th;
        }
        for (int i = 0; i < v.Length; i++) result[i] = Math.Max(v[i] - theta, 0);
    }

    /// <summary>The calling thread's sort buffer of <see cref="ProjectSimplex(double[], double[])"/>.</summary>
    [ThreadStatic] private static double[]? sorted;
}
