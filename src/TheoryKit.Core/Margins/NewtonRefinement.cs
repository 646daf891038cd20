using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;
using TheoryKit.Data;
using TheoryKit.LinearAlgebra;

namespace TheoryKit.Margins;

/// <summary>
/// One Newton step on the Huber-smoothed dual F_c(p) = E H_c(U_p(z)) of the margin game (THEORY.md §6, "Newton step"), restricted to an
/// active set S of points: its gradient is the margin vector m(p) of the clipped primal v = U_p / max(||U_p||, c), and its Hessian is
/// H_ij = y_i y_j E[a_i a_j (&lt;x_i, x_j&gt; - &lt;v, x_i&gt; &lt;v, x_j&gt; 1[||U_p|| &gt;= c]) / max(||U_p||, c)] (a_i = 1[&lt;z, x_i&gt; &gt; 0]),
/// both estimated on J fresh directions. The step solves m_S + H_SS delta_S = lambda 1, sum delta_S = 0 (the margins of the support
/// balanced to first order, the optimality condition of the smoothed dual on its face), dropping from S every point whose new weight
/// would be negative and solving again (at most <see cref="MaxPasses"/> solves) until none is; dropped points keep their weights. Any p gives a valid primal, so the step only has to help: the solver
/// keeps it when its held-out worst margin is better.
/// </summary>
internal static class NewtonRefinement
{
    /// <summary>Largest active set (the |S| x |S| Hessian and its linear system).</summary>
    internal const int MaxActive = 1500;

    /// <summary>Most linear solves of one step (each drops every point whose new weight would be negative).</summary>
    internal const int MaxPasses = 30;

    /// <summary>
    /// The refined weights p + delta (simplex, length n) from <paramref name="directions"/> fresh directions (stream "margin-newton",
    /// index <paramref name="round"/>), in chunks of <see cref="MarginSolver.ChunkRows"/>. The active set is the support of p and the points
    /// whose held-out margins (<paramref name="heldMargins"/>, length n) are below the support's mean, at most <see cref="MaxActive"/>
    /// (the lowest margins first). Null when the active set or the linear system is degenerate.
    /// </summary>
    /// <param name="data">X n x d row-major, labels +-1.</param>
    /// <param name="p">Current weights (simplex, length n).</param>
    /// <param name="c">Smoothing c &gt; 0 of the primal.</param>
    /// <param name="heldMargins">Held-out margins of p's clipped primal (length n).</param>
    /// <param name="seed">Master seed.</param>
    /// <param name="round">Stream index of this step's directions.</param>
    /// <param name="directions">Fresh directions J (&gt;= 1).</param>
    /// <param name="threads">Threads of the Gaussian draws (0: all cores).</param>
    internal static double[]? Step(Dataset data, double[] p, double c, double[] heldMargins, ulong seed, int round, int directions, int threads)
    {
        int n = data.N, d = data.D;
        var support = Enumerable.Range(0, n).Where(i => p[i] > 0).ToList();
        if (support.Count == 0) return null;
        double mean = support.Average(i => heldMargins[i]);
        var active = support.Concat(Enumerable.Range(0, n).Where(i => p[i] == 0 && heldMargins[i] < mean).OrderBy(i => heldMargins[i]).ThenBy(i => i))
            .Take(MaxActive).ToArray();
        int s = active.Length;
        var (m, h) = Estimate(data, p, c, active, seed, round, directions, threads);
        var set = Enumerable.Range(0, s).ToList();   // positions in active
        for (int pass = 0; set.Count > 1 && pass < MaxPasses; pass++)
        {
            int k = set.Count;
            var kkt = Matrix<double>.Build.Dense(k + 1, k + 1);
            var rhs = Vector<double>.Build.Dense(k + 1);
            for (int a = 0; a < k; a++)
            {
                for (int b = 0; b < k; b++) kkt[a, b] = h[set[a] * s + set[b]];
                kkt[a, a] += 1e-12 * Math.Max(h[set[a] * s + set[a]], 1e-300);
                kkt[a, k] = -1; kkt[k, a] = 1;
                rhs[a] = -m[active[set[a]]];
            }
            Vector<double> sol;
            try { sol = kkt.LU().Solve(rhs); }
            catch (ArgumentException) { return null; }
            if (!sol.All(double.IsFinite)) return null;
            var negative = Enumerable.Range(0, k).Where(a => p[active[set[a]]] + sol[a] < 0).ToHashSet();
            if (negative.Count == 0)
            {
                var q = (double[])p.Clone();   // points dropped from the set keep their weights
                for (int a = 0; a < k; a++) q[active[set[a]]] = Math.Max(0, p[active[set[a]]] + sol[a]);
                double sum = q.Sum();
                if (!(sum > 0)) return null;
                TensorPrimitives.Multiply(q, 1 / sum, q);
                return q;
            }
            set = set.Where((_, a) => !negative.Contains(a)).ToList();
        }
        return null;
    }

    /// <summary>
    /// The margins m (length n) and the Hessian H restricted to <paramref name="active"/> (|S| x |S| row-major) on J fresh directions:
    /// per chunk, the pre-activations Z X^T, U = A diag(p y) X, M = V X^T with V the clipped rows, then H += G_SS o (A~^T A~) - B^T B with
    /// A~_k = a_kS / sqrt(max(||U_k||, c)) and B_k = A~_k o M_kS 1[||U_k|| &gt;= c] (two GEMMs of |S| x chunk x |S|), G the Gram matrix X X^T.
    /// </summary>
    private static (double[] m, double[] h) Estimate(Dataset data, double[] p, double c, int[] active, ulong seed, int round, int directions, int threads)
    {
        int n = data.N, d = data.D, s = active.Length;
        int chunk = MarginSolver.ChunkRows(n, d);
        var py = p.Select((v, i) => v * data.Y[i]).ToArray();
        var z = new double[(long)chunk * d]; var pre = new double[(long)chunk * n]; var a = new double[(long)chunk * n];
        var u = new double[(long)chunk * d];
        var at = new double[(long)chunk * s]; var bt = new double[(long)chunk * s];
        var m = new double[n]; var h1 = new double[(long)s * s]; var h2 = new double[(long)s * s];
        for (int done = 0, j = 0; done < directions; j++)
        {
            int rows = Math.Min(chunk, directions - done);
            TheoryKit.Random.Gaussian.Fill(z, rows, d, seed, "margin-newton", (long)round * (1L << 32) + j, threads);
            Blas.MultiplyABt(z, data.X, pre, rows, n, d);
            for (int r = 0; r < rows; r++)
                for (int i = 0; i < n; i++) a[(long)r * n + i] = pre[(long)r * n + i] > 0 ? py[i] : 0;
            Blas.MultiplyAB(a, data.X, u, rows, d, n);
            for (int r = 0; r < rows; r++)
            {
                var ur = u.AsSpan(r * d, d);
                double norm = TensorPrimitives.Norm(ur), scale = Math.Max(norm, c), root = 1 / Math.Sqrt(scale);
                TensorPrimitives.Multiply(ur, 1 / scale, ur);
                for (int b = 0; b < s; b++)
                {
                    bool on = pre[(long)r * n + active[b]] > 0;
                    at[(long)r * s + b] = on ? root : 0;
                }
                bt.AsSpan(r * s, s).Clear();
                if (norm >= c) for (int b = 0; b < s; b++) bt[(long)r * s + b] = at[(long)r * s + b];   // times M below
            }
            Blas.MultiplyABt(u, data.X, a, rows, n, d);                      // M = V X^T
            for (int r = 0; r < rows; r++)
            {
                for (int i = 0; i < n; i++) if (pre[(long)r * n + i] > 0) m[i] += a[(long)r * n + i];
                for (int b = 0; b < s; b++) bt[(long)r * s + b] *= a[(long)r * n + active[b]];
            }
            Blas.Current.Dgemm(true, false, s, s, rows, 1.0, at, s, at, s, 1.0, h1, s);
            Blas.Current.Dgemm(true, false, s, s, rows, 1.0, bt, s, bt, s, 1.0, h2, s);
            done += rows;
        }
        for (int i = 0; i < n; i++) m[i] *= data.Y[i] / directions;
        var xs = new double[(long)s * d];
        for (int b = 0; b < s; b++) data.X.AsSpan(active[b] * d, d).CopyTo(xs.AsSpan(b * d, d));
        var gram = new double[(long)s * s];
        Blas.MultiplyABt(xs, xs, gram, s, s, d);
        var h = new double[(long)s * s];
        for (int a1 = 0; a1 < s; a1++)
            for (int b = 0; b < s; b++)
                h[(long)a1 * s + b] = data.Y[active[a1]] * data.Y[active[b]] * (gram[(long)a1 * s + b] * h1[(long)a1 * s + b] - h2[(long)a1 * s + b]) / directions;
        return (m, h);
    }
}
