using System.Numerics.Tensors;
using MathNet.Numerics.Providers.LinearAlgebra;
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
    /// <summary>Largest active set (the |S| x |S| Hessian and its linear system); see <see cref="ActiveCap"/>.</summary>
    internal const int MaxActive = 1500;

    /// <summary>
    /// The active set's cap for n x d data: <see cref="MaxActive"/>, fewer when the two |S| x |S| matrices of the Hessian's estimate
    /// would exceed half of <see cref="MarginSolver.WorkingBytes"/> (724 points at n &lt;= 2675, 766 at n = 12000, d = 784).
    /// </summary>
    internal static int ActiveCap(int n, int d) => (int)Math.Min(MaxActive, Math.Floor(Math.Sqrt(MarginSolver.WorkingBytes(n, d) / 32.0)));

    /// <summary>Most linear solves of one step (each drops every point whose new weight would be negative).</summary>
    internal const int MaxPasses = 30;

    /// <summary>
    /// The refined weights p + delta (simplex, length n) from <paramref name="directions"/> fresh directions (stream "margin-newton",
    /// index <paramref name="round"/>), in chunks of <see cref="MarginSolver.ChunkRows"/>. The active set is the support of p and the points
    /// whose held-out margins (<paramref name="heldMargins"/>, length n) are below the support's mean, at most <see cref="ActiveCap"/>
    /// (the lowest margins first). Null when the active set or the linear system is degenerate. Memory: blocks of half
    /// <see cref="MarginSolver.BlockRows"/> directions and two |S| x |S| matrices while estimating, then the Hessian and the linear
    /// system's matrix and its LU factors: within <see cref="MarginSolver.WorkingBytes"/>.
    /// </summary>
    /// <param name="data">X n x d row-major, labels +-1.</param>
    /// <param name="p">Current weights (simplex, length n).</param>
    /// <param name="c">Smoothing c &gt; 0 of the primal.</param>
    /// <param name="heldMargins">Held-out margins of p's clipped primal (length n).</param>
    /// <param name="seed">Master seed.</param>
    /// <param name="round">Stream index of this step's directions.</param>
    /// <param name="directions">Fresh directions J (&gt;= 1).</param>
    /// <param name="threads">Threads of the Gaussian draws (0: all cores).</param>
    /// <param name="activeCount">The active set's size |S| (0 when p has no support).</param>
    internal static double[]? Step(Dataset data, double[] p, double c, double[] heldMargins, ulong seed, int round, int directions, int threads,
        out int activeCount)
    {
        int n = data.N, d = data.D;
        activeCount = 0;
        var support = Enumerable.Range(0, n).Where(i => p[i] > 0).ToList();
        if (support.Count == 0) return null;
        double mean = support.Average(i => heldMargins[i]);
        var active = support.Concat(Enumerable.Range(0, n).Where(i => p[i] == 0 && heldMargins[i] < mean).OrderBy(i => heldMargins[i]).ThenBy(i => i))
            .Take(ActiveCap(n, d)).ToArray();
        int s = activeCount = active.Length;
        var (m, h) = Estimate(data, p, c, active, seed, round, directions, threads);
        var set = Enumerable.Range(0, s).ToList();   // positions in active
        for (int pass = 0; set.Count > 1 && pass < MaxPasses; pass++)
        {
            int k = set.Count, order = k + 1;
            // The KKT system in one column-major array, factored in place by MathNet's LU (the factors of Matrix.LU() without its copy);
            // the previous pass's array is collected first, so the solves hold the Hessian and one system at a time.
            MarginSolver.FreePreviousPhase(n, d);
            var kkt = new double[(long)order * order];
            var sol = new double[order];
            for (int a = 0; a < k; a++)
            {
                for (int b = 0; b < k; b++) kkt[(long)b * order + a] = h[set[a] * s + set[b]];
                kkt[(long)a * order + a] += 1e-12 * Math.Max(h[set[a] * s + set[a]], 1e-300);
                kkt[(long)k * order + a] = -1; kkt[(long)a * order + k] = 1;
                sol[a] = -m[active[set[a]]];
            }
            var pivots = new int[order];
            try
            {
                LinearAlgebraControl.Provider.LUFactor(kkt, order, pivots);
                LinearAlgebraControl.Provider.LUSolveFactored(1, kkt, order, pivots, sol);
            }
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
    /// per block of directions, the pre-activations Z X^T, U = A diag(p y) X, M = V X^T with V the clipped rows, then H += G_SS o (A~^T A~) - B^T B with
    /// A~_k = a_kS / sqrt(max(||U_k||, c)) and B_k = A~_k o M_kS 1[||U_k|| &gt;= c] (two GEMMs of |S| x block x |S|), G the Gram matrix X X^T
    /// (in blocks of 256 rows at the end).
    /// </summary>
    private static (double[] m, double[] h) Estimate(Dataset data, double[] p, double c, int[] active, ulong seed, int round, int directions, int threads)
    {
        int n = data.N, d = data.D, s = active.Length;
        int chunk = MarginSolver.ChunkRows(n, d), block = Math.Max(16, MarginSolver.BlockRows(n, d) / 2), maskRow = SignMasks.BytesPerRow(n);
        MarginSolver.FreePreviousPhase(n, d);
        var py = p.Select((v, i) => v * data.Y[i]).ToArray();
        // a holds the pre-activations, then the masked weights, then M; mask keeps the signs of the pre-activations as bits.
        var mask = new byte[(long)block * maskRow]; var a = new double[(long)block * n];
        var u = new double[(long)block * d];
        var at = new double[(long)block * s]; var bt = new double[(long)block * s];
        var m = new double[n]; var h1 = new double[(long)s * s]; var h2 = new double[(long)s * s];
        var stream = new DirectionBlocks(d, chunk, block, seed, "margin-newton", (long)round * (1L << 32), directions, threads);
        for (int done = 0; done < directions;)
        {
            int rows = Math.Min(block, directions - done);
            Blas.MultiplyABt(stream.Next(rows), data.X, a, rows, n, d);
            for (int r = 0; r < rows; r++) SignMasks.TakeAndApply(a.AsSpan(r * n, n), py, mask.AsSpan(r * maskRow, maskRow));
            Blas.MultiplyAB(a, data.X, u, rows, d, n);
            for (int r = 0; r < rows; r++)
            {
                var mr = mask.AsSpan(r * maskRow, maskRow); var ur = u.AsSpan(r * d, d);
                double norm = TensorPrimitives.Norm(ur), scale = Math.Max(norm, c), root = 1 / Math.Sqrt(scale);
                TensorPrimitives.Multiply(ur, 1 / scale, ur);
                for (int b = 0; b < s; b++) at[(long)r * s + b] = SignMasks.IsOn(mr, active[b]) ? root : 0;
                bt.AsSpan(r * s, s).Clear();
                if (norm >= c) for (int b = 0; b < s; b++) bt[(long)r * s + b] = at[(long)r * s + b];   // times M below
            }
            Blas.MultiplyABt(u, data.X, a, rows, n, d);                      // M = V X^T
            for (int r = 0; r < rows; r++)
            {
                SignMasks.AddMasked(mask.AsSpan(r * maskRow, maskRow), a.AsSpan(r * n, n), m);
                for (int b = 0; b < s; b++) bt[(long)r * s + b] *= a[(long)r * n + active[b]];
            }
            Blas.Current.Dgemm(true, false, s, s, rows, 1.0, at, s, at, s, 1.0, h1, s);
            Blas.Current.Dgemm(true, false, s, s, rows, 1.0, bt, s, bt, s, 1.0, h2, s);
            done += rows;
        }
        for (int i = 0; i < n; i++) m[i] *= data.Y[i] / directions;
        // H = Y_S (G_SS o H1 - H2) Y_S / J, in place in H1, with G_SS in blocks of 256 rows.
        var xs = new double[(long)s * d];
        for (int b = 0; b < s; b++) data.X.AsSpan(active[b] * d, d).CopyTo(xs.AsSpan(b * d, d));
        const int gramRows = 256;
        var gram = new double[(long)Math.Min(gramRows, s) * s];
        for (int a0 = 0; a0 < s; a0 += gramRows)
        {
            int rows = Math.Min(gramRows, s - a0);
            Blas.MultiplyABt(xs.AsSpan(a0 * d, rows * d), xs, gram, rows, s, d);
            for (int a1 = a0; a1 < a0 + rows; a1++)
                for (int b = 0; b < s; b++)
                {
                    long e = (long)a1 * s + b;
                    h1[e] = data.Y[active[a1]] * data.Y[active[b]] * (gram[(long)(a1 - a0) * s + b] * h1[e] - h2[e]) / directions;
                }
        }
        return (m, h1);
    }
}
