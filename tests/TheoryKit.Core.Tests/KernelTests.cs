using TheoryKit.Kernels;

namespace TheoryKit.Tests;

// Known answers from THEORY.md §5, by hand:
//   K(x, x') = <x, x'> (pi - theta) / (2 pi); K(x, x) = ||x||^2 / 2.
//   x = (1, 0), x' = (1, sqrt 3): ||x'|| = 2, <x, x'> = 1, theta = pi/3, so K = 1 * (2pi/3) / (2pi) = 1/3
//   and CoActivation = 1/3; ArcCosine1 = 1 * 2 * (sin(pi/3) + (2pi/3) cos(pi/3)) / (2pi)
//   = (sqrt(3)/2 + pi/3) / pi = 0.60899778...
public class KernelTests
{
    private static double Norm(double[] v) => Math.Sqrt(v.Sum(a => a * a));
    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    [Theory]
    [InlineData(new[] { 1.0, 0.0 })]
    [InlineData(new[] { 0.6, -0.8, 0.0 })]
    [InlineData(new[] { 0.1, 0.2, -0.3, 0.05 })]
    [InlineData(new[] { 3.0, 4.0 })]
    public void K_on_the_diagonal_is_half_the_squared_norm(double[] x)
    {
        double expected = Dot(x, x) / 2;
        Assert.Equal(expected, NtkKernel.Limiting(x, x), 1e-15 * Math.Max(1, expected));
        Assert.Equal(0.0, NtkKernel.Angle(x, x)); // exactly: u - u = 0
    }

    [Fact]
    public void Orthogonal_unit_vectors_give_zero()
    {
        Assert.Equal(0.0, NtkKernel.Limiting(new[] { 1.0, 0, 0 }, new[] { 0, 1.0, 0 }));
        Assert.Equal(0.0, NtkKernel.Limiting(new[] { 0.6, 0.8 }, new[] { -0.8, 0.6 }), 1e-16);
        Assert.Equal(Math.PI / 2, NtkKernel.Angle(new[] { 1.0, 0, 0 }, new[] { 0, 1.0, 0 }), 1e-15);
        Assert.Equal(0.25, NtkKernel.CoActivation(new[] { 1.0, 0, 0 }, new[] { 0, 1.0, 0 }), 1e-15);
    }

    [Fact]
    public void Opposite_vectors_give_zero()
    {
        // theta = pi: the two half-spaces never overlap, so co-activation and K are 0 (not -<x,x'>/2).
        var x = new[] { 0.6, 0.8 };
        var minus = new[] { -1.2, -1.6 };
        Assert.Equal(Math.PI, NtkKernel.Angle(x, minus), 1e-15);
        Assert.Equal(0.0, NtkKernel.CoActivation(x, minus), 1e-16);
        Assert.Equal(0.0, NtkKernel.Limiting(x, minus), 1e-15);
    }

    [Fact]
    public void Hand_value_at_theta_pi_over_3()
    {
        var x = new[] { 1.0, 0.0 };
        var x2 = new[] { 1.0, Math.Sqrt(3) };
        Assert.Equal(Math.PI / 3, NtkKernel.Angle(x, x2), 1e-15);
        Assert.Equal(1.0 / 3, NtkKernel.CoActivation(x, x2), 1e-15);
        Assert.Equal(1.0 / 3, NtkKernel.Limiting(x, x2), 1e-15);
        Assert.Equal(1.0 / 3, NtkKernel.Limiting(x2, x), 1e-15);
        Assert.Equal(0.6089977810442293, NtkKernel.ArcCosine1(x, x2), 1e-14);
    }

    [Fact]
    public void Obtuse_angle_gives_negative_K()
    {
        // theta = 2pi/3: <x, x'> = -1/2 for unit vectors, co-activation (pi/3)/(2pi) = 1/6, K = -1/12.
        var x = new[] { 1.0, 0.0 };
        var x2 = new[] { -0.5, Math.Sqrt(3) / 2 };
        Assert.Equal(-1.0 / 12, NtkKernel.Limiting(x, x2), 1e-15);
    }

    [Fact]
    public void Zero_vector_gives_zero()
    {
        Assert.Equal(0.0, NtkKernel.Limiting(new[] { 0.0, 0.0 }, new[] { 1.0, 0.0 }));
        Assert.Equal(0.0, NtkKernel.CoActivation(new[] { 0.0, 0.0 }, new[] { 1.0, 0.0 }));
        Assert.Equal(0.0, NtkKernel.ArcCosine1(new[] { 0.0, 0.0 }, new[] { 1.0, 0.0 }));
    }

    [Theory]
    [InlineData(new[] { 1.0, 0.0 })]
    [InlineData(new[] { 0.3, -0.4, 1.2 })]
    public void ArcCosine1_at_theta_0_is_half_the_squared_norm(double[] x)
    {
        Assert.Equal(Dot(x, x) / 2, NtkKernel.ArcCosine1(x, x), 1e-14);
        var twice = x.Select(a => 2 * a).ToArray(); // theta = 0 again: ||x|| ||2x|| / 2
        Assert.Equal(Dot(x, x), NtkKernel.ArcCosine1(x, twice), 1e-12);
    }

    [Fact]
    public void ArcCosine1_at_theta_pi_over_2_is_the_norm_product_over_2pi()
    {
        var x = new[] { 0.0, 3.0, 0.0 };
        var x2 = new[] { 0.5, 0.0, 0.0 };
        Assert.Equal(3 * 0.5 / (2 * Math.PI), NtkKernel.ArcCosine1(x, x2), 1e-15);
    }

    [Fact]
    public void ArcCosine1_matches_a_slow_Monte_Carlo_of_relu_products()
    {
        // E[relu(<z,x>) relu(<z,x'>)] with theta = pi/3, ||x|| = 1, ||x'|| = 2 (closed form 0.60899778).
        // The products are unbounded, so no Hoeffding here: compare within 6 empirical standard errors
        // (fixed seed; the normal tail beyond 6 is 2e-9).
        var x = new[] { 1.0, 0.0 };
        var x2 = new[] { 1.0, Math.Sqrt(3) };
        var rng = new System.Random(12345);
        const int n = 400_000;
        double sum = 0, sumSq = 0;
        for (int s = 0; s < n; s++)
        {
            var (z0, z1) = BoxMuller(rng);
            double a = Math.Max(0, z0 * x[0] + z1 * x[1]), b = Math.Max(0, z0 * x2[0] + z1 * x2[1]);
            sum += a * b; sumSq += a * b * a * b;
        }
        double mean = sum / n, se = Math.Sqrt((sumSq / n - mean * mean) / n);
        Assert.InRange(NtkKernel.ArcCosine1(x, x2) - mean, -6 * se, 6 * se);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.7)]
    [InlineData(Math.PI / 2)]
    [InlineData(2.5)]
    [InlineData(Math.PI)]
    public void CoActivation_matches_a_slow_Monte_Carlo(double theta)
    {
        // Independent estimate with plain loops and our own Box-Muller in d = 3 (the third coordinate of the
        // points is 0 but z has three coordinates). Each indicator is in [0, 1]: Hoeffding at failure
        // probability 1e-6 with N samples gives |error| <= sqrt(ln(2 / 1e-6) / (2 N)).
        var x = new[] { 2.0, 0.0, 0.0 };
        var x2 = new[] { 0.5 * Math.Cos(theta), 0.5 * Math.Sin(theta), 0.0 };
        var rng = new System.Random(2024 + (int)(theta * 1000));
        const int n = 200_000;
        int hits = 0;
        for (int s = 0; s < n; s++)
        {
            var (z0, z1) = BoxMuller(rng);
            var (z2, _) = BoxMuller(rng);
            double a = z0 * x[0] + z1 * x[1] + z2 * x[2], b = z0 * x2[0] + z1 * x2[1] + z2 * x2[2];
            if (a > 0 && b > 0) hits++;
        }
        double tol = Math.Sqrt(Math.Log(2 / 1e-6) / (2.0 * n));
        Assert.InRange(NtkKernel.CoActivation(x, x2) - (double)hits / n, -tol, tol);
        Assert.Equal((Math.PI - theta) / (2 * Math.PI), NtkKernel.CoActivation(x, x2), 1e-15);
    }

    [Fact]
    public void LimitingGram_entries_are_K_and_symmetric()
    {
        var x = new[] { 1.0, 0.0, 0.5, 0.5, -0.6, 0.8 };
        var h = NtkKernel.LimitingGram(x, 3, 2);
        Assert.Equal(0.5, h[0], 1e-15);
        Assert.Equal((0.25 + 0.25) / 2, h[4], 1e-15);
        Assert.Equal(0.5, h[8], 1e-15);
        // (1,0) vs (0.5,0.5): theta = pi/4, <.,.> = 0.5, K = 0.5 * (3pi/4) / (2pi) = 3/16.
        Assert.Equal(3.0 / 16, h[1], 1e-15);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) Assert.Equal(h[i * 3 + j], h[j * 3 + i]);
        Assert.Throws<ArgumentException>(() => NtkKernel.LimitingGram(x, 4, 2));
    }

    [Fact]
    public void FiniteWidthGram_is_within_Hoeffding_of_LimitingGram()
    {
        // Entry (i, j) is the mean over m rows of 1[<w,x_i> > 0] 1[<w,x_j> > 0] <x_i, x_j>, each term in
        // [0, <x_i,x_j>] (or [<x_i,x_j>, 0]): range r_ij = |<x_i, x_j>|. Hoeffding with a union bound over the
        // n^2 entries at total failure probability 1e-6: |error_ij| <= r_ij sqrt(ln(2 n^2 / 1e-6) / (2 m)).
        const int n = 6, d = 4, m = 20_000;
        var x = TheoryKit.Random.Gaussian.Matrix(n, d, 11, "kernel-test-x");
        for (int i = 0; i < n; i++)
        {
            double norm = Math.Sqrt(Enumerable.Range(0, d).Sum(k => x[i * d + k] * x[i * d + k]));
            for (int k = 0; k < d; k++) x[i * d + k] /= norm * (0.5 + 0.1 * i); // norms 2, 1.67, ..., 0.67
        }
        var w0 = TheoryKit.Random.Gaussian.Matrix(m, d, 11, "kernel-test-w");
        var finite = NtkKernel.FiniteWidthGram(x, n, d, w0, m);
        var limit = NtkKernel.LimitingGram(x, n, d);
        double factor = Math.Sqrt(Math.Log(2.0 * n * n / 1e-6) / (2.0 * m));
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double r = Math.Abs(Dot(x.AsSpan(i * d, d).ToArray(), x.AsSpan(j * d, d).ToArray()));
                Assert.InRange(finite[i * n + j] - limit[i * n + j], -r * factor - 1e-12, r * factor + 1e-12);
            }
        // And the finite-width Gram equals its definition, computed here with plain loops.
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                int both = 0;
                for (int s = 0; s < m; s++)
                {
                    double a = 0, b = 0;
                    for (int k = 0; k < d; k++) { a += w0[s * d + k] * x[i * d + k]; b += w0[s * d + k] * x[j * d + k]; }
                    if (a > 0 && b > 0) both++;
                }
                double ip = Dot(x.AsSpan(i * d, d).ToArray(), x.AsSpan(j * d, d).ToArray());
                Assert.Equal((double)both / m * ip, finite[i * n + j], 1e-12);
            }
    }

    [Fact]
    public void FiniteWidthGram_rejects_bad_shapes()
    {
        Assert.Throws<ArgumentException>(() => NtkKernel.FiniteWidthGram(new double[6], 3, 2, new double[5], 3));
    }

    private static (double, double) BoxMuller(System.Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        double r = Math.Sqrt(-2 * Math.Log(u1));
        return (r * Math.Cos(2 * Math.PI * u2), r * Math.Sin(2 * Math.PI * u2));
    }
}
