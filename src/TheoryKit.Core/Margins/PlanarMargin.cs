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
    /// Orthonormal coordinates of the rows of X (n x d row-major) in their span when its rank is &lt;= 2:
    /// an n x 2 row-major array with the same inner products. Returns null when the rank exceeds 2.
    /// Rank is decided by Gram-Schmidt with relative tolerance 1e-10.
    /// </summary>
    public static double[]? PlaneCoordinates(double[] x, int n, int d)
    {
        double scale = 0;
        for (int i = 0; i < n; i++) scale = Math.Max(scale, TensorPrimitives.Norm(x.AsSpan(i * d, d)));
        var basis = new List<double[]>();
        var r = new double[d];
        for (int i = 0; i < n && scale > 0; i++)
        {
            x.AsSpan(i * d, d).CopyTo(r);
            foreach (var e in basis) TensorPrimitives.MultiplyAdd(e, -TensorPrimitives.Dot(e, r), r, r);
            double norm = TensorPrimitives.Norm(r);
            if (norm <= 1e-10 * scale) continue;
            if (basis.Count == 2) return null;
            TensorPrimitives.Multiply(r, 1 / norm, r);
            basis.Add((double[])r.Clone());
        }
        var c = new double[2 * n];
        for (int i = 0; i < n; i++)
            for (int b = 0; b < basis.Count; b++) c[2 * i + b] = TensorPrimitives.Dot(basis[b], x.AsSpan(i * d, d));
        return c;
    }

    /// <summary>
    /// The exact finite game for planar data: points P (n x 2 row-major, e.g. from
    /// <see cref="PlaneCoordinates"/>) and labels Y. One direction per arc of constant activation pattern
    /// (its midpoint), weighted by the arc's length / (2 pi).
    /// </summary>
    public static MarginGame Game(double[] p, double[] y, int n)
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
        var dirs = new List<double>(); var weights = new List<double>();
        for (int k = 0; k < cuts.Count; k++)
        {
            double lo = cuts[k], hi = k + 1 < cuts.Count ? cuts[k + 1] : cuts[0] + 2 * Math.PI;
            if (hi - lo <= 1e-15) continue;
            double mid = (lo + hi) / 2;
            dirs.Add(Math.Cos(mid)); dirs.Add(Math.Sin(mid));
            weights.Add((hi - lo) / (2 * Math.PI));
        }
        return new MarginGame(dirs.ToArray(), weights.Count, weights.ToArray(), p, y, n, 2);
    }

    private static double Wrap(double a)
    {
        a %= 2 * Math.PI;
        return a < 0 ? a + 2 * Math.PI : a;
    }
}
