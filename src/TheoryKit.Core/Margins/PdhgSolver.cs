using System.Diagnostics;
using System.Numerics.Tensors;

namespace TheoryKit.Margins;

/// <summary>
/// Solves the margin game (THEORY.md §6, "Algorithm notes") as the bilinear saddle point
/// min over q in the simplex, max over v_k in unit balls of sum_k mu_k &lt;v_k, U_q(z_k)&gt;
/// with the primal-dual hybrid gradient method (Chambolle and Pock 2011) and adaptive restarts to the
/// average or the last iterate with primal-weight updates, in the manner of PDLP (Applegate et al. 2021),
/// which converge linearly on sharp problems. Every iteration is two GEMM-shaped products; the
/// duality gap D(q) - min_i margin_i(V) of the iterate and of the average is computed exactly from them.
/// </summary>
public static class PdhgSolver
{
    /// <summary>Solver settings.</summary>
    /// <param name="Tolerance">Stop when the duality gap is at most this.</param>
    /// <param name="MaxIterations">Iteration cap.</param>
    /// <param name="Deadline">Wall-clock limit (null: none).</param>
    public sealed record Options(double Tolerance, int MaxIterations = 100000, TimeSpan? Deadline = null);

    /// <summary>The best pair found: q (length n), V (J x d), their bounds and the iteration count.</summary>
    public sealed record Result(double[] Q, double[] V, double Upper, double Lower, double[] Margins, int Iterations, bool Converged)
    {
        /// <summary>Duality gap Upper - Lower.</summary>
        public double Gap => Upper - Lower;
    }

    /// <summary>Runs restarted PDHG on the game.</summary>
    /// <exception cref="ArgumentException">Tolerance not positive.</exception>
    public static Result Solve(MarginGame game, Options options)
    {
        if (!(options.Tolerance > 0)) throw new ArgumentException("tolerance must be positive");
        var clock = Stopwatch.StartNew();
        int n = game.N, jd = game.J * game.D, d = game.D;
        double normK = OperatorNorm(game);
        double omega = 1.0;

        var q = Enumerable.Repeat(1.0 / n, n).ToArray();
        var uq = new double[jd]; game.ComputeU(q, uq);
        var v = new double[jd];
        for (int k = 0; k < game.J; k++)   // start from the best response: v_k = U_k / ||U_k|| (0 where U_k = 0)
        {
            double r = TensorPrimitives.Norm(uq.AsSpan(k * d, d));
            TensorPrimitives.Multiply(uq.AsSpan(k * d, d), r > 0 ? 1 / r : 0, v.AsSpan(k * d, d));
        }
        var mv = new double[n]; game.MarginsOf(v, mv);

        var qSum = new double[n]; var vSum = new double[jd]; var uSum = new double[jd]; var mSum = new double[n];
        var qAvg = new double[n]; var vAvg = new double[jd]; var uAvg = new double[jd]; var mAvg = new double[n];
        var qNew = new double[n]; var uNew = new double[jd]; var step = new double[n];
        var qLast = (double[])q.Clone(); var vLast = (double[])v.Clone();
        int count = 0, iter = 0;
        double restartGap = Gap(game, uq, mv);
        var best = new Result((double[])q.Clone(), (double[])v.Clone(), game.DualValue(uq), TensorPrimitives.Min(mv), (double[])mv.Clone(), 0, false);

        while (best.Gap > options.Tolerance && iter < options.MaxIterations && !(options.Deadline is { } dl && clock.Elapsed > dl))
        {
            double tau = 0.95 / (normK * omega), sigma = 0.95 * omega / normK;
            for (int i = 0; i < n; i++) step[i] = q[i] - tau * mv[i];
            SmoothedDualSolver.ProjectSimplex(step, qNew);
            game.ComputeU(qNew, uNew);
            for (int k = 0; k < game.J; k++)
            {
                var vk = v.AsSpan(k * d, d);
                for (int j = 0; j < d; j++) vk[j] += sigma * (2 * uNew[k * d + j] - uq[k * d + j]);
                double norm = TensorPrimitives.Norm(vk);
                if (norm > 1) TensorPrimitives.Multiply(vk, 1 / norm, vk);   // projection onto the unit ball
            }
            game.MarginsOf(v, mv);
            Array.Copy(qNew, q, n); Array.Copy(uNew, uq, jd);
            TensorPrimitives.Add(qSum, q, qSum); TensorPrimitives.Add(vSum, v, vSum);
            TensorPrimitives.Add(uSum, uq, uSum); TensorPrimitives.Add(mSum, mv, mSum);
            count++; iter++;
            if (iter % 8 != 0) continue;

            TensorPrimitives.Multiply(qSum, 1.0 / count, qAvg); TensorPrimitives.Multiply(vSum, 1.0 / count, vAvg);
            TensorPrimitives.Multiply(uSum, 1.0 / count, uAvg); TensorPrimitives.Multiply(mSum, 1.0 / count, mAvg);
            double gCur = Gap(game, uq, mv), gAvg = Gap(game, uAvg, mAvg);
            bool avgBetter = gAvg < gCur;
            double gBest = Math.Min(gCur, gAvg);
            if (gBest < best.Gap)
                best = avgBetter
                    ? new Result((double[])qAvg.Clone(), (double[])vAvg.Clone(), game.DualValue(uAvg), TensorPrimitives.Min(mAvg), (double[])mAvg.Clone(), iter, false)
                    : new Result((double[])q.Clone(), (double[])v.Clone(), game.DualValue(uq), TensorPrimitives.Min(mv), (double[])mv.Clone(), iter, false);
            if (gBest <= 0.2 * restartGap || count >= 2000)
            {
                if (avgBetter) { Array.Copy(qAvg, q, n); Array.Copy(vAvg, v, jd); Array.Copy(uAvg, uq, jd); Array.Copy(mAvg, mv, n); }
                // Primal weight update: balance the distances moved by q and V since the last restart.
                double dq = TensorPrimitives.Distance(q, qLast), dv = TensorPrimitives.Distance(v, vLast) / Math.Sqrt(game.J);
                if (dq > 1e-14 && dv > 1e-14) omega = Math.Exp(0.5 * Math.Log(dv / dq) + 0.5 * Math.Log(omega));
                Array.Copy(q, qLast, n); Array.Copy(v, vLast, jd);
                Array.Clear(qSum); Array.Clear(vSum); Array.Clear(uSum); Array.Clear(mSum);
                count = 0; restartGap = gBest;
            }
        }
        return best with { Iterations = iter, Converged = best.Gap <= options.Tolerance };
    }

    private static double Gap(MarginGame game, double[] u, double[] margins) => game.DualValue(u) - TensorPrimitives.Min(margins);

    /// <summary>Norm of q -> (sqrt(mu_k) U_k(q))_k from l2 to l2, by power iteration on K^T K.</summary>
    private static double OperatorNorm(MarginGame game)
    {
        int n = game.N, jd = game.J * game.D;
        var q = Enumerable.Range(0, n).Select(i => 1.0 + 0.1 * Math.Sin(i + 1)).ToArray();
        var u = new double[jd]; var m = new double[n];
        double est = 1;
        for (int it = 0; it < 30; it++)
        {
            double nq = TensorPrimitives.Norm(q);
            TensorPrimitives.Multiply(q, 1 / nq, q);
            game.ComputeU(q, u);
            // K^T (K q) with the mu-weighted inner product: margins of V = U (not projected).
            game.MarginsOf(u, m);
            est = TensorPrimitives.Norm(m);
            if (est == 0) return 1;
            Array.Copy(m, q, n);
        }
        return Math.Sqrt(est);
    }
}
