using System.Numerics.Tensors;

namespace TheoryKit.Margins;

/// <summary>
/// Exact margin when the data span at most two dimensions (d = 2, or any d with rank X &lt;= 2).
/// Projected onto the data's plane, z ~ N(0, I_d) becomes z' ~ N(0, I_2) and the masks depend only on
/// its direction, which is uniform on the circle. The activation pattern is constant on the arcs between
/// the angles a_i +- pi/2; an arc's measure is its length / (2 pi); so gamma is the value of a finite game
/// with one direction per arc (THEORY.md §6, "Exact in d = 2"). No sampling: the interval is
/// [min margin of the primal, dual value], exact up to floating point and the solver's gap.
/// </summary>
public static class PlanarMargin
{
    /// <summary>
    /// Orthonormal basis (0, 1 or 2 vectors of length d) of the span of the rows of X (n x d row-major) when
    /// its rank is &lt;= 2, by Gram-Schmidt over the rows in order; null when the rank exceeds 2. The rows are
    /// first scaled by the largest absolute entry (a power of two, so exactly), so the test does not depend on
    /// the data's scale (rows of size 1e-200 neither underflow nor look like zeros), and a residual counts as
    /// a new direction when its norm exceeds 64 d u times the largest row norm (u = 2^-53): the rounding of
    /// Gram-Schmidt, not a fixed relative tolerance, so two unit vectors 1e-10 rad apart span a plane.
    /// </summary>
    public static double[][]? PlaneBasis(double[] x, int n, int d)
    {
        double maxAbs = Math.Abs(TensorPrimitives.MaxMagnitude(x.AsSpan(0, n * d)));
        if (!(maxAbs > 0)) return Array.Empty<double[]>();
        double s = Math.ScaleB(1.0, -Math.ILogB(maxAbs));
        double scale = 0;
        for (int i = 0; i < n; i++) scale = Math.Max(scale, TensorPrimitives.Norm(Scaled(x, i, d, s)));
        double tolerance = 64 * d * Math.ScaleB(1.0, -53) * scale;
        var basis = new List<double[]>();
        for (int i = 0; i < n; i++)
        {
            var r = Scaled(x, i, d, s);
            for (int pass = 0; pass < 2; pass++)   // twice is enough (Kahan): re-orthogonalise against rounding
                foreach (var e in basis) TensorPrimitives.MultiplyAdd(e, -TensorPrimitives.Dot(e, r), r, r);
            double norm = TensorPrimitives.Norm(r);
            if (norm <= tolerance) continue;
            if (basis.Count == 2) return null;
            TensorPrimitives.Multiply(r, 1 / norm, r);
            basis.Add(r);
        }
        return basis.ToArray();
    }

    private static double[] Scaled(double[] x, int i, int d, double s)
    {
        var r = new double[d];
        TensorPrimitives.Multiply(x.AsSpan(i * d, d), s, r);
        return r;
    }

    /// <summary>
    /// Orthonormal coordinates of the rows of X (n x d row-major) in their span (<see cref="PlaneBasis"/>) when
    /// its rank is &lt;= 2: an n x 2 row-major array with the same inner products. Returns null when the rank exceeds 2.
    /// </summary>
    public static double[]? PlaneCoordinates(double[] x, int n, int d)
    {
        var basis = PlaneBasis(x, n, d);
        if (basis is null) return null;
        var c = new double[2 * n];
        for (int i = 0; i < n; i++)
            for (int b = 0; b < basis.Length; b++) c[2 * i + b] = TensorPrimitives.Dot(basis[b], x.AsSpan(i * d, d));
        return c;
    }

    /// <summary>
    /// Start angles, in [0, 2 pi) and increasing, of the arcs of constant activation pattern for planar points
    /// P (n x 2 row-major): the sorted cut angles a_i +- pi/2 without repeats; arc k runs from start k to
    /// start k+1 (the last one wraps around to start 0 + 2 pi).
    /// </summary>
    public static double[] ArcStarts(double[] p, int n)
    {
        var cuts = new List<double>();
        for (int i = 0; i < n; i++)
        {
            if (p[2 * i] == 0 && p[2 * i + 1] == 0) continue;
            double a = Math.Atan2(p[2 * i + 1], p[2 * i]);
            cuts.Add(Wrap(a + Math.PI / 2)); cuts.Add(Wrap(a - Math.PI / 2));
        }
        if (cuts.Count == 0) cuts.Add(0);
        cuts.Sort();
        var starts = new List<double>();
        for (int k = 0; k < cuts.Count; k++)
        {
            double hi = k + 1 < cuts.Count ? cuts[k + 1] : cuts[0] + 2 * Math.PI;
            if (hi - cuts[k] > 1e-15) starts.Add(cuts[k]);
        }
        return starts.ToArray();
    }

    /// <summary>
    /// The exact finite game for planar data: points P (n x 2 row-major, e.g. from
    /// <see cref="PlaneCoordinates"/>) and labels Y. One direction per arc of constant activation pattern
    /// (its midpoint), weighted by the arc's length / (2 pi).
    /// </summary>
    public static MarginGame Game(double[] p, double[] y, int n)
    {
        var starts = ArcStarts(p, n);
        var dirs = new double[2 * starts.Length]; var weights = new double[starts.Length];
        for (int k = 0; k < starts.Length; k++)
        {
            double lo = starts[k], hi = k + 1 < starts.Length ? starts[k + 1] : starts[0] + 2 * Math.PI, mid = (lo + hi) / 2;
            dirs[2 * k] = Math.Cos(mid); dirs[2 * k + 1] = Math.Sin(mid);
            weights[k] = (hi - lo) / (2 * Math.PI);
        }
        return new MarginGame(dirs, starts.Length, weights, p, y, n, 2);
    }

    /// <summary>Rows of V (rows x d, row-major) scaled into the unit ball (a copy): a primal's directions must have norm &lt;= 1.</summary>
    public static double[] ClipRowsToUnitBall(double[] v, int d)
    {
        var r = (double[])v.Clone();
        for (int k = 0; k < r.Length / d; k++)
        {
            var row = r.AsSpan(k * d, d);
            double norm = TensorPrimitives.Norm(row);
            if (norm > 1) TensorPrimitives.Multiply(row, 1 / norm, row);
        }
        return r;
    }

    /// <summary>The angle a reduced to [0, 2 pi).</summary>
    public static double Wrap(double a)
    {
        a %= 2 * Math.PI;
        return a < 0 ? a + 2 * Math.PI : a;
    }
}
