using TheoryKit.Data;
using TheoryKit.Margins;

namespace TheoryKit.Tests;

// Known answers of THEORY.md §6 (closed forms evaluated here; python3 math gives the same digits):
//   two points, opposite labels: gamma = (theta + (pi - theta) sin(theta/2)) / (2 pi)
//     theta = 1: 0.3225647680806436, 2: 0.4711968451865751, pi: 0.5, 0.3: 0.11533040392348977
//   two points, same label: gamma = (theta + (pi - theta) cos(theta/2)) / (2 pi)
//   a single point: ||x|| / 2; the same point with both labels: 0
//   unit vectors at 0, 0.5, 1.2 rad with labels +, -, +: 0.10184 (also recomputed below by an independent
//   slow arc integral minimised by nested golden-section search)
//   noisy 2-XOR, d = 6: gamma >= arctan(1/2) / (pi sqrt(2) sqrt(5)) = 0.046670
//   linearly separable with margin g_lin: gamma >= g_lin / 2
// Sandwich for two unit vectors at angle theta (H_11 = H_22 = 1/2, H_12 = k = cos(theta)(pi - theta)/(2 pi)):
//   lambda_min = 1/2 - |k|; min_q q^T YHY q = (1/2 - y_1 y_2 k) / 2 at q = (1/2, 1/2) (the quadratic is
//   convex along the simplex since |k| <= 1/2, symmetric, and the endpoints give 1/2).
public class MarginTests
{
    private static double Opposite(double t) => (t + (Math.PI - t) * Math.Sin(t / 2)) / (2 * Math.PI);
    private static double Same(double t) => (t + (Math.PI - t) * Math.Cos(t / 2)) / (2 * Math.PI);

    internal static Dataset Make(double[] x, double[] y, int d) =>
        new(x, y, y.Length, d, null, "+1", "-1", Array.Empty<LabelMap>(), new Provenance("test", "hand-built", false, null, Array.Empty<string>()));

    private static Dataset Planar(double[] angles, double[] labels, double radius = 1) =>
        Make(angles.SelectMany(a => new[] { radius * Math.Cos(a), radius * Math.Sin(a) }).ToArray(), labels, 2);

    private static MarginOptions Mc(double width = 0.03, ulong seed = 1) => new(Width: width, TimeBudget: 3, Seed: seed, MonteCarlo: true);

    private static void AssertExact(MarginResult r, double gamma)
    {
        Assert.Equal("exact-planar", r.Mode);
        Assert.Equal(0.0, r.Delta);
        Assert.True(r.GammaLower <= r.GammaUpper, $"{r.GammaLower} > {r.GammaUpper}");
        Assert.True(r.Width <= 0.01, $"width {r.Width}");
        Assert.InRange(gamma, r.GammaLower - 1e-6, r.GammaUpper + 1e-6);
        // Exact mode solves to a gap of 1e-9, so both ends are this close to the true value.
        Assert.Equal(gamma, r.GammaLower, 1e-8);
        Assert.Equal(gamma, r.GammaUpper, 1e-8);
    }

    // ---- exact planar mode ----------------------------------------------------------------------------

    [Theory]
    [InlineData(1.0, 0.3225647680806436)]
    [InlineData(2.0, 0.4711968451865751)]
    [InlineData(Math.PI, 0.5)]
    [InlineData(0.3, 0.11533040392348977)]
    public void Two_points_opposite_labels(double theta, double gamma)
    {
        Assert.Equal(gamma, Opposite(theta), 1e-15); // the tabled digits are the closed form
        var data = DataSource.Load($"two-point:{theta:R}", new DataOptions());
        AssertExact(MarginSolver.Certify(data, new MarginOptions()), gamma);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(3.0)]
    public void Two_points_same_label(double theta)
    {
        var data = DataSource.Load($"two-point:{theta:R}:same", new DataOptions());
        AssertExact(MarginSolver.Certify(data, new MarginOptions()), Same(theta));
    }

    [Fact]
    public void Two_point_spec_with_same_flag_at_2()
    {
        var data = DataSource.Load("two-point:2.0:same", new DataOptions());
        AssertExact(MarginSolver.Certify(data, new MarginOptions()), 0.4164774736321334);
    }

    [Theory]
    [InlineData(1.0, 0.0, 0.0, 0.5)]   // unit vector
    [InlineData(0.3, 0.4, 0.0, 0.25)]  // short vector, ||x|| = 0.5
    [InlineData(0.0, -0.06, 0.08, 0.05)] // short vector, ||x|| = 0.1
    public void Single_point_has_margin_half_its_norm(double a, double b, double c, double gamma)
    {
        var r = MarginSolver.Certify(Make(new[] { a, b, c }, new[] { -1.0 }, 3), new MarginOptions());
        AssertExact(r, gamma);
    }

    [Fact]
    public void Single_short_point_loaded_without_normalisation()
    {
        using var dir = new TempDir();
        // The loader needs two classes: x (label 1) and -x (label 0), ||x|| = 0.5, kept short (Normalise = false).
        // The +1 row alone is a single point with gamma = ||x|| / 2 = 0.25.
        var path = dir.Write("short.csv", "x1,x2,y\n0.3,0.4,1\n-0.3,-0.4,0\n");
        var loaded = DataSource.Load(path, new DataOptions { Normalise = false });
        Assert.Equal(0.5, loaded.RowNorm(0), 1e-15);
        int pos = loaded.Y[0] > 0 ? 0 : 1;
        var one = Make(loaded.Row(pos).ToArray(), new[] { 1.0 }, 2);
        AssertExact(MarginSolver.Certify(one, new MarginOptions()), 0.25);
        // x and -x with opposite labels are both served by the constant v(z) = x / ||x||: gamma = ||x|| / 2.
        AssertExact(MarginSolver.Certify(loaded, new MarginOptions()), 0.25);
    }

    [Fact]
    public void Same_point_with_both_labels_has_margin_zero()
    {
        var r = MarginSolver.Certify(Make(new[] { 0.6, 0.8, 0.6, 0.8 }, new[] { 1.0, -1.0 }, 2), new MarginOptions());
        AssertExact(r, 0.0);
    }

    [Fact]
    public void Three_points_degenerate_case_a()
    {
        var data = Planar(new[] { 0.0, 0.5, 1.2 }, new[] { 1.0, -1.0, 1.0 });
        var r = MarginSolver.Certify(data, new MarginOptions());
        double independent = IndependentPlanar.Gamma3(new[] { 0.0, 0.5, 1.2 }, new[] { 1.0, -1.0, 1.0 });
        Assert.Equal(0.10184, independent, 5e-6); // THEORY.md's 5 digits
        AssertExact(r, independent);
    }

    [Fact]
    public void Independent_planar_evaluator_reproduces_the_two_point_closed_form()
    {
        // Sanity check of the test's own slow evaluator: q = (1/2, 1/2) is optimal by symmetry.
        double v = IndependentPlanar.Dual(new[] { 0.0, 1.0 }, new[] { 1.0, 1.0 }, new[] { 1.0, -1.0 }, new[] { 0.5, 0.5 });
        Assert.Equal(Opposite(1.0), v, 1e-14);
    }

    [Fact]
    public void Two_points_in_d5_use_exact_mode()
    {
        var d5 = DataSource.Load("two-point:1.0", new DataOptions { D = 5 });
        AssertExact(MarginSolver.Certify(d5, new MarginOptions()), Opposite(1.0));

        // The same pair in a generic plane of R^5 (orthonormal e, f not aligned with the axes).
        var e = new[] { 0.5, 0.5, 0.5, 0.5, 0.0 };
        var f = new[] { 0.5, -0.5, 0.0, 0.0, Math.Sqrt(0.5) };
        double t = 2.0;
        var x = e.Concat(e.Zip(f, (a, b) => Math.Cos(t) * a + Math.Sin(t) * b)).ToArray();
        AssertExact(MarginSolver.Certify(Make(x, new[] { 1.0, 1.0 }, 5), new MarginOptions()), Same(t));
        AssertExact(MarginSolver.Certify(Make(x, new[] { 1.0, -1.0 }, 5), new MarginOptions()), Opposite(t));
    }

    // ---- Monte Carlo mode -----------------------------------------------------------------------------

    [Fact]
    public void Monte_Carlo_interval_contains_the_exact_two_point_value()
    {
        // Holds with probability >= 1 - 2 delta = 0.95 over the samples; with a fixed seed it is deterministic.
        var data = DataSource.Load("two-point:1.0", new DataOptions());
        var r = MarginSolver.Certify(data, Mc());
        Assert.Equal("monte-carlo", r.Mode);
        Assert.InRange(0.3225647680806436, r.GammaLower, r.GammaUpper);
        Assert.True(r.CertificationSamples > 0);
    }

    [Fact]
    public void Monte_Carlo_interval_contains_the_exact_three_point_value()
    {
        var data = Planar(new[] { 0.0, 0.5, 1.2 }, new[] { 1.0, -1.0, 1.0 });
        var r = MarginSolver.Certify(data, Mc());
        Assert.InRange(0.10184187981598351, r.GammaLower, r.GammaUpper);
    }

    [Fact]
    public void Interval_terms_are_at_most_hoeffding_at_half_delta_and_equal_it_when_named()
    {
        var data = DataSource.Load("two-point:1.0", new DataOptions());
        var r = MarginSolver.Certify(data, Mc() with { Delta = 0.01 });
        long k = r.CertificationSamples;
        Assert.Equal(0.01, r.Delta);
        // Each end is the smaller of Hoeffding and empirical Bernstein, each at delta/2 (rows have norm 1: ranges 1 and 2).
        double hu = Math.Sqrt(Math.Log(2 / 0.01) / (2.0 * k)), hl = Math.Sqrt(2 * Math.Log(2 * 2 / 0.01) / k);
        Assert.True(r.UpperTerm <= hu * (1 + 1e-15), $"upper term {r.UpperTerm} > Hoeffding {hu}");
        Assert.True(r.LowerTerm <= hl * (1 + 1e-15), $"lower term {r.LowerTerm} > Hoeffding {hl}");
        if (r.UpperBound == Concentration.Hoeffding) Assert.Equal(hu, r.UpperTerm, 1e-15);
        else Assert.Equal(Concentration.EmpiricalBernstein, r.UpperBound);
        Assert.Contains(r.LowerBound, new[] { Concentration.Hoeffding, Concentration.EmpiricalBernstein });
        // The ends are the estimates shifted by exactly these terms (neither clamp is active here).
        Assert.Equal(r.DualEstimate + r.UpperTerm, r.GammaUpper, 1e-15);
        Assert.Equal(r.PrimalEstimate - r.LowerTerm, r.GammaLower, 1e-15);
        Assert.Equal(0.98, r.Confidence, 1e-15);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void Degenerate_case_a_in_d3_gets_a_second_weight_vector_and_an_interval_of_width_at_most_a_hundredth(ulong seed)
    {
        // THEORY.md §6 case (a) in a generic plane of R^3, sampled (forced Monte Carlo): the optimal q's combination vanishes on the arc
        // where all three points are active (measure 0.309). The Gaussian directions project to isotropic Gaussians on the plane, so
        // gamma is the planar value 0.10184 (test oracle: IndependentPlanar). One weight vector served both ends before: its large
        // smoothing balanced the primal but left the dual at 0.1077-0.1089, widths 0.0095-0.0150 on these seeds and counts.
        var e = new[] { Math.Sqrt(0.5), Math.Sqrt(0.5), 0 };
        var f = new[] { 1 / Math.Sqrt(6), -1 / Math.Sqrt(6), 2 / Math.Sqrt(6) };
        var angles = new[] { 0.0, 0.5, 1.2 };
        var labels = new[] { 1.0, -1.0, 1.0 };
        var x = angles.SelectMany(a => e.Zip(f, (u, v) => Math.Cos(a) * u + Math.Sin(a) * v)).ToArray();
        var data = Make(x, labels, 3);
        double exact = IndependentPlanar.Gamma3(angles, labels);
        var r = MarginSolver.Certify(data, new MarginOptions(Seed: seed, Threads: 1, OptimisationSamples: 8192, CertificationSamples: 1_000_000, MonteCarlo: true));
        Assert.Equal("monte-carlo", r.Mode);
        Assert.NotNull(r.Certificate.PrimalQ);
        Assert.InRange(exact, r.GammaLower, r.GammaUpper);
        Assert.True(r.Width <= 0.01, $"width {r.Width}: [{r.GammaLower}, {r.GammaUpper}]");
        // The certificate (both weight vectors) re-checks on fresh samples.
        var again = MarginSolver.Verify(r.Certificate, data, seed + 1, threads: 1);
        Assert.InRange(exact, again.GammaLower, again.GammaUpper);
        Assert.True(again.Width <= 0.01, $"re-checked width {again.Width}");
    }

    [Fact]
    public void Newton_steps_raise_the_certified_lower_end_above_the_kernel_start()
    {
        // Fashion-MNIST t-shirt vs trouser, 500 points: the kernel quadratic's minimiser q* leaves a held-out primal-dual gap of about
        // 0.014 and the Monte Carlo primal sets the lower end, so Newton steps run. The certificate's lower end must exceed what q* itself
        // certifies (re-checked on the same number of fresh directions at the refined smoothing c and at 4c and 8c, since q*'s best c is
        // larger) by at least 0.003.
        var data = DataSource.Load("fashion-mnist:0-vs-1", new DataOptions { N = 500 });
        var r = MarginSolver.Certify(data, new MarginOptions(Seed: 0, Threads: 1, OptimisationSamples: 256, CertificationSamples: 60000));
        Assert.Equal("monte-carlo", r.Mode);
        MarginSandwich.ExactKernelLower(data, out var qStar);
        double startLower = new[] { 1.0, 4.0, 8.0 }.Max(f => MarginSolver.Verify(r.Certificate with
        {
            Q = qStar, PrimalQ = null, Smoothing = f * r.Certificate.Smoothing, OptimisationSamples = 0,
        }, data, 1, 60000, threads: 1).GammaLower);
        Assert.True(r.GammaLower >= startLower + 0.003, $"refined lower end {r.GammaLower}, kernel start's {startLower}");
        Assert.True(r.Width <= 0.01, $"width {r.Width}");
    }

    [Fact]
    public void Working_set_kernel_start_reaches_the_dense_minimiser()
    {
        // The working-set start (used above 4000 points) against the dense kernel quadratic on all n = 1800 points (n x n Gram matrix,
        // NtkKernel.Angle, FISTA to its own tolerance): the first working set has 1000 points, so passes must add the violators (the set
        // may grow to WorkingSetCap points; the memory-derived cap, 1438 points for data this small, would stop it first). The value
        // q^T YHY q of the working-set q, recomputed with the exact kernel margins, must equal the dense minimum to the solvers' tolerance.
        var data = DataSource.Load("gaussians:1.0", new DataOptions { N = 1800, D = 20, Seed = 5 });
        double dense = MarginSandwich.ExactKernelLower(data, out var qDense);
        var denseKernel = MarginSandwich.KernelMargins(data, qDense)!;
        double denseValue = qDense.Select((v, i) => v * denseKernel.Margins[i]).Sum();
        var passes = new Messages();
        var q = MarginSolver.WorkingSetStart(data, 3, double.PositiveInfinity, passes, out double quadratic, setCap: MarginSolver.WorkingSetCap)!;
        Assert.True(passes.Lines.Count >= 2, string.Join("\n", passes.Lines));
        Assert.EndsWith("(the minimiser over all points)", passes.Lines[^1]);
        Assert.Equal(1.0, q.Sum(), 1e-12);
        var kernel = MarginSandwich.KernelMargins(data, q)!;
        double value = q.Select((v, i) => v * kernel.Margins[i]).Sum();
        Assert.Equal(denseValue, value, denseValue * 1e-6);
        Assert.Equal(value, quadratic, value * 1e-6);
        // The optimality condition of the whole problem: no point's kernel margin falls below q^T YHY q (to the same tolerance).
        Assert.True(kernel.Margins.Min() >= value * (1 - 1e-4), $"min (YHYq)_i {kernel.Margins.Min()} below q^T YHY q {value}");
        Assert.True(dense >= 0);
    }

    [Fact]
    public void Noisy_xor_6_upper_end_is_above_the_known_lower_bound()
    {
        var data = DataSource.Load("noisy-xor:6", new DataOptions());
        var r = MarginSolver.Certify(data, new MarginOptions(Width: 0.05, TimeBudget: 3, Seed: 3));
        Assert.Equal("monte-carlo", r.Mode);
        double known = Math.Atan(1 / Math.Sqrt(4)) / (Math.PI * Math.Sqrt(2) * Math.Sqrt(5));
        Assert.Equal(0.046670, known, 5e-7);
        Assert.True(r.GammaUpper >= known, $"upper {r.GammaUpper} < {known}");
        Assert.True(r.GammaLower <= r.GammaUpper);
        Assert.True(r.GammaLower >= 0);
    }

    [Fact]
    public void Separable_upper_end_is_at_least_half_the_linear_margin()
    {
        var data = DataSource.Load("separable:0.3", new DataOptions { N = 100, D = 5, Seed = 4 });
        var r = MarginSolver.Certify(data, new MarginOptions(Width: 0.05, TimeBudget: 3, Seed: 4));
        Assert.Equal("monte-carlo", r.Mode);
        Assert.True(r.GammaUpper >= 0.15, $"upper {r.GammaUpper}");
        Assert.True(r.GammaLower <= r.GammaUpper);
    }

    [Fact]
    public void Monte_Carlo_certificate_round_trips_and_verifies_on_fresh_samples()
    {
        using var dir = new TempDir();
        var data = DataSource.Load("two-point:1.0", new DataOptions());
        var r = MarginSolver.Certify(data, Mc(seed: 5));
        var path = dir.Write("cert.json", r.Certificate.ToJson());
        var back = MarginCertificate.Load(path);
        AssertSameCertificate(r.Certificate, back);

        var v = MarginSolver.Verify(back, data, seed: 99);
        Assert.Equal("monte-carlo", v.Mode);
        Assert.Equal(r.CertificationSamples, v.CertificationSamples);
        Assert.True(v.GammaLower <= r.GammaUpper && r.GammaLower <= v.GammaUpper,
            $"verify [{v.GammaLower}, {v.GammaUpper}] misses [{r.GammaLower}, {r.GammaUpper}]");
        Assert.InRange(0.3225647680806436, v.GammaLower, v.GammaUpper);
    }

    [Fact]
    public void Exact_certificate_round_trips_and_verifies()
    {
        // Exact certificates carry delta = 0; Load used to reject them ("delta must lie in (0, 0.5)").
        using var dir = new TempDir();
        var data = Planar(new[] { 0.0, 0.5, 1.2 }, new[] { 1.0, -1.0, 1.0 });
        var r = MarginSolver.Certify(data, new MarginOptions());
        var back = MarginCertificate.Load(dir.Write("exact.json", r.Certificate.ToJson()));
        AssertSameCertificate(r.Certificate, back);
        var v = MarginSolver.Verify(back, data, seed: 1);
        Assert.Equal(r.GammaLower, v.GammaLower, 1e-12);
        Assert.Equal(r.GammaUpper, v.GammaUpper, 1e-12);
    }

    [Fact]
    public void Verify_with_a_different_dataset_throws()
    {
        var data = DataSource.Load("two-point:1.0", new DataOptions());
        var cert = MarginSolver.Certify(data, Mc()).Certificate;
        var e1 = Assert.Throws<InputException>(() => MarginSolver.Verify(cert, DataSource.Load("two-point:2.0", new DataOptions()), 1));
        Assert.Equal("data_fingerprint", e1.Field);
        var e2 = Assert.Throws<InputException>(() => MarginSolver.Verify(cert, DataSource.Load("noisy-xor:3", new DataOptions()), 1));
        Assert.Equal("n", e2.Field);
    }

    [Fact]
    public void Loading_a_malformed_certificate_names_the_file()
    {
        using var dir = new TempDir();
        var truncated = dir.Write("truncated.json", "{ \"format\": \"theorykit-margin-certificate/1\", \"q\": [0.5, ");
        var e = Assert.Throws<InputException>(() => MarginCertificate.Load(truncated));
        Assert.Equal(truncated, e.File);
        Assert.StartsWith(truncated, e.Message);
        Assert.Contains("malformed", e.Message);

        var wrongTag = dir.Write("other.json", "{ \"format\": \"something-else\" }");
        e = Assert.Throws<InputException>(() => MarginCertificate.Load(wrongTag));
        Assert.Equal(wrongTag, e.File);
        Assert.Equal("format", e.Field);

        var missing = Path.Combine(dir.Path, "missing.json");
        e = Assert.Throws<InputException>(() => MarginCertificate.Load(missing));
        Assert.Equal(missing, e.File);
    }

    private static void AssertSameCertificate(MarginCertificate a, MarginCertificate b)
    {
        Assert.Equal(a.Format, b.Format); Assert.Equal(a.Mode, b.Mode); Assert.Equal(a.DataSource, b.DataSource);
        Assert.Equal(a.DataFingerprint, b.DataFingerprint); Assert.Equal(a.N, b.N); Assert.Equal(a.D, b.D);
        Assert.Equal(a.Seed, b.Seed); Assert.Equal(a.Delta, b.Delta); Assert.Equal(a.Smoothing, b.Smoothing);
        Assert.Equal(a.Q, b.Q); Assert.Equal(a.OptimisationSamples, b.OptimisationSamples);
        Assert.Equal(a.CertificationSamples, b.CertificationSamples);
        Assert.Equal(a.GammaLower, b.GammaLower); Assert.Equal(a.GammaUpper, b.GammaUpper);
        Assert.Equal(a.PlanarPrimal, b.PlanarPrimal);
    }

    // ---- finite width ---------------------------------------------------------------------------------

    [Fact]
    public void Finite_width_margin_is_near_gamma_for_large_m()
    {
        // Lower side: the [JT20] transfer bound gamma_m >= gamma - sqrt(2 ln(n/delta)/m) (prob >= 1 - delta).
        // Upper side: gamma_m <= (1/m) sum_s ||U_q*(w_s)||, a mean of m values in [0, 1] with mean gamma, so
        // gamma_m <= gamma + sqrt(ln(1/delta)/(2m)) (Hoeffding, prob >= 1 - delta). delta = 1e-6, fixed seed.
        const int m = 20_000;
        const double delta = 1e-6, gamma = 0.3225647680806436;
        var data = DataSource.Load("two-point:1.0", new DataOptions());
        var w0 = TheoryKit.Random.Gaussian.Matrix(m, 2, 7, "w0");
        var r = FiniteWidthMargin.Compute(data, w0, m);
        Assert.Equal(m, r.Width);
        Assert.True(r.Upper - r.Lower <= 1e-4, $"gap {r.Upper - r.Lower}");
        Assert.True(r.Lower >= gamma - Math.Sqrt(2 * Math.Log(2 / delta) / m), $"lower {r.Lower}");
        Assert.True(r.Upper <= gamma + Math.Sqrt(Math.Log(1 / delta) / (2.0 * m)), $"upper {r.Upper}");
        Assert.Equal(gamma - Math.Sqrt(2 * Math.Log(2 / delta) / m), FiniteWidthMarginResult.TransferLowerBound(gamma, 2, m, delta), 1e-15);
    }

    [Fact]
    public void Finite_width_margin_rejects_a_wrong_shape()
    {
        var data = DataSource.Load("two-point:1.0", new DataOptions());
        Assert.Throws<ArgumentException>(() => FiniteWidthMargin.Compute(data, new double[7], 4));
    }

    // ---- sandwich -------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1.0, false)]
    [InlineData(2.0, false)]
    [InlineData(0.3, false)]
    [InlineData(1.0, true)]
    [InlineData(2.5, true)]
    public void Sandwich_two_points_closed_forms(double theta, bool same)
    {
        var data = DataSource.Load($"two-point:{theta:R}{(same ? ":same" : "")}", new DataOptions());
        var s = MarginSandwich.Compute(data);
        double k = Math.Cos(theta) * (Math.PI - theta) / (2 * Math.PI);
        double yy = same ? 1 : -1;
        Assert.Equal(0.5 - Math.Abs(k), s.LambdaMin, 1e-14);
        Assert.Equal((0.5 - Math.Abs(k)) / 2, s.Lower, 1e-14);
        Assert.Equal((0.5 + yy * k) / 2, s.QuadraticMin, 1e-12);
        Assert.Equal(Math.Min(0.5, Math.Sqrt((0.5 + yy * k) / 2)), s.Upper, 1e-12);
        double gamma = same ? Same(theta) : Opposite(theta);
        Assert.InRange(gamma, s.Lower, s.Upper);
    }

    [Fact]
    public void Sandwich_single_point_and_duplicated_point()
    {
        // One point x: H = ||x||^2 / 2, so Lower = ||x||^2 / 2 and Upper = ||x|| / sqrt(2); gamma = ||x|| / 2.
        var s = MarginSandwich.Compute(Make(new[] { 0.3, 0.4 }, new[] { 1.0 }, 2));
        Assert.Equal(0.125, s.Lower, 1e-15);
        Assert.Equal(0.5 / Math.Sqrt(2), s.Upper, 1e-15);
        // x with both labels: H is singular (lambda_min = 0 up to rounding) and q = (1/2, 1/2) gives 0: gamma = 0.
        var both = MarginSandwich.Compute(Make(new[] { 0.6, 0.8, 0.6, 0.8 }, new[] { 1.0, -1.0 }, 2));
        Assert.Equal(0.0, both.LambdaMin, 1e-15);
        Assert.Equal(0.0, both.Lower, 1e-15);
        Assert.Equal(0.0, both.Upper, 1e-7); // sqrt of a rounding-level quadratic
    }

    [Fact]
    public void Sandwich_on_noisy_xor_3_brackets_the_certified_interval()
    {
        var data = DataSource.Load("noisy-xor:3", new DataOptions());
        var s = MarginSandwich.Compute(data);
        var r = MarginSolver.Certify(data, new MarginOptions(Width: 0.03, TimeBudget: 3, Seed: 2));
        Assert.True(s.Lower <= s.Upper);
        Assert.True(s.Lower <= r.GammaUpper, $"sandwich lower {s.Lower} > certified upper {r.GammaUpper}");
        Assert.True(s.Upper >= r.GammaLower, $"sandwich upper {s.Upper} < certified lower {r.GammaLower}");
        Assert.True(s.Upper >= 0.125, $"sandwich upper {s.Upper} below the known gamma >= 0.125");
    }

    [Fact]
    public void Sandwich_on_three_planar_points_brackets_the_exact_value()
    {
        var s = MarginSandwich.Compute(Planar(new[] { 0.0, 0.5, 1.2 }, new[] { 1.0, -1.0, 1.0 }));
        Assert.InRange(0.10184187981598351, s.Lower, s.Upper);
    }

    // ---- exact kernel lower end: gamma >= min_i (Y H Y q)_i / sum_j q_j ||x_j|| (THEORY.md §6) --------------------

    [Theory]
    [InlineData(1.0)]
    [InlineData(Math.PI / 3)]
    [InlineData(Math.PI / 2)]
    [InlineData(2.5)]
    public void Exact_kernel_lower_end_of_two_points_matches_the_hand_computation(double theta)
    {
        // Unit vectors at angle theta, opposite labels, q = (1/2, 1/2): (YHYq)_i = 1/4 - cos(theta)(pi - theta)/(4 pi), R_q = 1,
        // pair bound P_q = sqrt(1/4 + 1/4 + 2 (1/4) max(0, -cos theta)) (1/sqrt 2 for theta <= pi/2, sin(theta/2) above: then
        // the true sup ||x_1 - x_2|| / 2), so the bound is (YHYq)_i / P_q (theta = pi/3: (1/6) sqrt 2; pi/2: sqrt(2) / 4),
        // below gamma = (theta + (pi - theta) sin(theta/2)) / (2 pi).
        var data = DataSource.Load($"two-point:{theta:R}", new DataOptions());
        double hand = 0.25 - Math.Cos(theta) * (Math.PI - theta) / (4 * Math.PI);
        double pairs = Math.Sqrt(0.5 + Math.Max(0, -Math.Cos(theta)) / 2);
        double lower = MarginSandwich.ExactKernelLower(data, new[] { 0.5, 0.5 }, out double allowance);
        Assert.InRange(allowance, 1e-14, 1e-13);
        Assert.Equal(hand / pairs, lower + allowance, 1e-14);
        Assert.True(lower <= Opposite(theta), $"{lower} > gamma {Opposite(theta)}");
        if (theta == Math.PI / 3) Assert.Equal(Math.Sqrt(2) / 6, lower, 1e-13);
        if (theta >= Math.PI / 2) Assert.Equal(Math.Sin(theta / 2), MarginSandwich.KernelMargins(data, new[] { 0.5, 0.5 })!.Sup, 1e-14);
    }

    [Fact]
    public void Exact_kernel_lower_end_scales_with_the_weights_norm()
    {
        // One point of norm 0.5: H = ||x||^2 / 2 = 1/8, R_q = 0.5 for q = (1): the bound is 1/4 = ||x|| / 2, gamma itself; q = (2) gives the same.
        var data = Make(new[] { 0.3, 0.4 }, new[] { 1.0 }, 2);
        Assert.Equal(0.25, MarginSandwich.ExactKernelLower(data, new[] { 1.0 }, out _), 1e-13);
        Assert.Equal(0.25, MarginSandwich.ExactKernelLower(data, new[] { 2.0 }, out _), 1e-13);
        Assert.Equal(double.NegativeInfinity, MarginSandwich.ExactKernelLower(data, new[] { 0.0 }, out _));
    }

    [Theory]
    [InlineData(11UL)]
    [InlineData(12UL)]
    [InlineData(13UL)]
    public void Exact_kernel_lower_end_is_below_the_exact_planar_margin(ulong seed)
    {
        // Random planar data (8 unit vectors, angles and labels from the seed), exact gamma from the arcs.
        var rng = new System.Random((int)seed);
        var angles = Enumerable.Range(0, 8).Select(_ => rng.NextDouble() * 2 * Math.PI).ToArray();
        var labels = angles.Select(a => Math.Cos(a - 0.7) >= 0 ? 1.0 : -1.0).ToArray();
        var data = Planar(angles, labels);
        var exact = MarginSolver.Certify(data, new MarginOptions());
        Assert.Equal("exact-planar", exact.Mode);
        double lower = MarginSandwich.ExactKernelLower(data, out var q);
        Assert.True(lower > 0, $"separable data, lower end {lower}");
        Assert.True(lower <= exact.GammaLower + 1e-9, $"exact kernel lower end {lower} > exact gamma {exact.GammaLower}");
        Assert.True(MarginSandwich.ExactKernelLower(data, exact.Certificate.Q, out _) <= exact.GammaLower + 1e-9);
        Assert.Equal(1.0, q.Sum(), 1e-12);
    }

    [Fact]
    public void Exact_kernel_lower_end_on_noisy_xor_6_is_positive_and_below_the_exact_margin()
    {
        var data = DataSource.Load("noisy-xor:6", new DataOptions());
        double lower = MarginSandwich.ExactKernelLower(data, out _);
        Assert.InRange(lower, 1e-6, 0.06367);
        // The solver's lower end takes the larger of this and the Monte Carlo end, so it is at least this.
        var r = MarginSolver.Certify(data, new MarginOptions(Width: 0.03, TimeBudget: 3, Seed: 3));
        Assert.True(r.GammaLower >= lower - 1e-9, $"certified lower end {r.GammaLower} below the exact kernel end {lower}");
        Assert.True(r.GammaLower <= 0.06367 + 1e-5, $"certified lower end {r.GammaLower} above the exact 0.06367");
    }

    [Fact]
    public void Kernel_tail_lower_end_of_one_point_matches_the_hand_computation()
    {
        // One unit point, q = (1): U_q(z) = x 1[<z,x> > 0], so ||U_q|| is 0 or 1 (each with probability 1/2), (YHYq)_1 = 1/2 and the pair
        // bound is 1. At T = 1/2 the bound is (1/2)/T - (1/T - 1) p = 1 - p, with p the one-sided Clopper-Pearson upper bound of 500
        // successes in 1000 at level 0.95, Beta(501, 500) quantile 0.95 (MathNet, independent of the code's wrapper): at the true p = 1/2
        // it would be gamma = 1/2 itself, and at the upper bound it is below.
        var data = Make(new[] { 1.0, 0.0, 0.0 }, new[] { 1.0 }, 3);
        var kernel = MarginSandwich.KernelMargins(data, new[] { 1.0 })!;
        Assert.Equal(0.5, kernel.Margins[0], 1e-15);
        Assert.Equal(1.0, kernel.Sup, 1e-15);
        double p = MathNet.Numerics.Distributions.Beta.InvCDF(501, 500, 0.95);
        double lower = MarginSolver.KernelTailLower(data, kernel, 0.5, 500, 1000, 0.05);
        Assert.Equal(1 - p, lower, 1e-9);
        Assert.True(lower <= 0.5, $"kernel-tail end {lower} above gamma 1/2");
        // Above the pair bound no direction can exceed T: the bound is the exact kernel end (YHYq)_1 / T.
        Assert.Equal(0.5 / 1.25, MarginSolver.KernelTailLower(data, kernel, 1.25, 0, 1000, 0.05) + kernel.Allowance / 1.25, 1e-14);
        // Antithetic form (share 1/2 on the pair's event): one of ||U_q(z)||, ||U_q(-z)|| is 1 for every z, so all 1000 pairs exceed T = 1/2,
        // the Clopper-Pearson bound of 1000 of 1000 is 1, and the bound is (1/2)/T - (1/2)(1/T - 1) 1 = 1/2: gamma itself, less the allowance.
        Assert.Equal(0.5, MarginSolver.KernelTailLower(data, kernel, 0.5, 1000, 1000, 0.05, 0.5) + kernel.Allowance / 0.5, 1e-14);
    }

    [Fact]
    public void Pair_bound_is_at_most_the_weights_norm_and_exact_for_one_class_of_orthogonal_points()
    {
        // Orthogonal unit points of one label: ||U_q(z)||^2 = sum_j q_j^2 a_j, so sup ||U_q|| = ||q||_2 (all active), the pair bound.
        var data = Make(new[] { 1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0 }, new[] { 1.0, 1.0, 1.0 }, 3);
        var q = new[] { 0.5, 0.3, 0.2 };
        var kernel = MarginSandwich.KernelMargins(data, q)!;
        // The computed bound is raised by a rounding slack of 8 (d + |supp q| + 10) u R_q^2 = 128 u under the root: above, within 1e-13.
        Assert.InRange(kernel.Sup, Math.Sqrt(0.38), Math.Sqrt(0.38) + 1e-13);
        Assert.Equal(1.0, kernel.R, 1e-15);
        // H_jj = 1/2 and H_jk = 0: (YHYq)_i = q_i / 2.
        for (int i = 0; i < 3; i++) Assert.Equal(q[i] / 2, kernel.Margins[i], 1e-15);
    }

    [Fact]
    public void Noisy_xor_6_interval_contains_the_exact_margin_with_width_at_most_a_hundredth()
    {
        // Issue 12's exact value 0.06367 (M19 uses it too); fixed sample counts make the result independent of the machine's speed.
        var data = DataSource.Load("noisy-xor:6", new DataOptions());
        var r = MarginSolver.Certify(data, new MarginOptions(Seed: 3, OptimisationSamples: 1024, CertificationSamples: 40000));
        Assert.Equal("monte-carlo", r.Mode);
        Assert.InRange(0.06367, r.GammaLower, r.GammaUpper);
        Assert.True(r.Width <= 0.01, $"width {r.Width}: [{r.GammaLower}, {r.GammaUpper}]");
    }

    [Fact]
    public void Sandwich_rejects_too_many_points_and_long_rows()
    {
        var big = Make(new double[4001], Enumerable.Repeat(1.0, 4001).ToArray(), 1);
        Assert.Equal("n", Assert.Throws<InputException>(() => MarginSandwich.Compute(big)).Field);
        Assert.Throws<InputException>(() => MarginSandwich.Compute(Make(new[] { 3.0, 4.0 }, new[] { 1.0 }, 2)));
    }
}

/// <summary>Collects progress messages synchronously (Progress&lt;T&gt; posts them to the thread pool).</summary>
internal sealed class Messages : IProgress<string>
{
    public List<string> Lines { get; } = [];
    public void Report(string value) => Lines.Add(value);
}

/// <summary>
/// Slow, independent exact margin for planar points (test oracle): the dual value as an explicit integral
/// over the arcs of the circle, minimised over the 2-simplex by nested golden-section search.
/// </summary>
internal static class IndependentPlanar
{
    /// <summary>(1/2pi) integral over phi of || sum_i q_i y_i r_i (cos a_i, sin a_i) 1[cos(phi - a_i) &gt; 0] ||.</summary>
    public static double Dual(double[] angles, double[] radii, double[] y, double[] q)
    {
        var cuts = new List<double>();
        foreach (var a in angles)
            foreach (var c in new[] { a + Math.PI / 2, a - Math.PI / 2 })
                cuts.Add(((c % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI));
        cuts.Sort();
        double total = 0;
        for (int k = 0; k < cuts.Count; k++)
        {
            double lo = cuts[k], hi = k + 1 < cuts.Count ? cuts[k + 1] : cuts[0] + 2 * Math.PI;
            if (hi - lo <= 0) continue;
            double mid = (lo + hi) / 2, ux = 0, uy = 0;
            for (int i = 0; i < angles.Length; i++)
                if (Math.Cos(mid - angles[i]) > 0)
                {
                    ux += q[i] * y[i] * radii[i] * Math.Cos(angles[i]);
                    uy += q[i] * y[i] * radii[i] * Math.Sin(angles[i]);
                }
            total += (hi - lo) / (2 * Math.PI) * Math.Sqrt(ux * ux + uy * uy);
        }
        return total;
    }

    /// <summary>min over the simplex of <see cref="Dual"/> for three unit vectors (convex: nested golden sections).</summary>
    public static double Gamma3(double[] angles, double[] y)
    {
        var r = new[] { 1.0, 1.0, 1.0 };
        double Inner(double a) => Golden(b => Dual(angles, r, y, new[] { a, b, Math.Max(0, 1 - a - b) }), 0, 1 - a);
        return Golden(Inner, 0, 1);
    }

    private static double Golden(Func<double, double> f, double lo, double hi)
    {
        double g = (Math.Sqrt(5) - 1) / 2;
        double a = hi - g * (hi - lo), b = lo + g * (hi - lo), fa = f(a), fb = f(b);
        for (int it = 0; it < 80 && hi - lo > 1e-12; it++)
        {
            if (fa <= fb) { hi = b; b = a; fb = fa; a = hi - g * (hi - lo); fa = f(a); }
            else { lo = a; a = b; fa = fb; b = lo + g * (hi - lo); fb = f(b); }
        }
        return Math.Min(Math.Min(fa, fb), Math.Min(f(lo), f(hi)));
    }
}

/// <summary>The float32 norm pass of the certification (MarginSolver.SingleNorms) against double loops.</summary>
public class MarginFloat32Tests
{
    [Fact]
    public void Float32_norm_pass_bounds_every_sampled_norm_from_above_within_its_rounding_allowance()
    {
        // 300 unit points in d = 784, the first 150 built to lie within 1e-7 ||z|| of the hyperplane of one of the 64 directions (so their
        // float32 pre-activations are within rounding of 0 and masks can flip), labels alternating, random weights q. Reference: U_q(z) by
        // plain double loops. The float32 bound must be at least every reference norm and exceed it by at most twice the allowance of the
        // second GEMM, (gamma_n + 3u)(1 + u)^2 R_q with u = 2^-24 (THEORY.md §6, float32): an uncorrected flipped mask would cost about q_i.
        const int n = 300, d = 784, rows = 64;
        var rng = new System.Random(7);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var z = new double[rows * d];
        for (int e = 0; e < z.Length; e++) z[e] = Gauss();
        var x = new double[n * d]; var y = new double[n]; var q = new double[n];
        for (int i = 0; i < n; i++)
        {
            var xi = x.AsSpan(i * d, d);
            for (int l = 0; l < d; l++) xi[l] = Gauss();
            if (i < n / 2)
            {
                var zr = z.AsSpan(i % rows * d, d);
                double zz = System.Numerics.Tensors.TensorPrimitives.Dot(zr, zr), t = System.Numerics.Tensors.TensorPrimitives.Dot(xi, zr) / zz;
                double norm = Math.Sqrt(zz), offset = (i % 2 == 0 ? 1e-7 : -1e-7) * norm / zz;
                for (int l = 0; l < d; l++) xi[l] -= (t - offset) * zr[l];
            }
            double s = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(xi, xi));
            for (int l = 0; l < d; l++) xi[l] /= s;
            y[i] = i % 3 == 0 ? 1 : -1;
            q[i] = rng.NextDouble();
        }
        double sum = q.Sum();
        for (int i = 0; i < n; i++) q[i] /= sum;
        var data = MarginTests.Make(x, y, d);
        var norms = new double[rows]; var mirrored = new double[rows];
        new MarginSolver.SingleNorms(data, q, rows).Norms(z, rows, norms, mirrored);
        double u = Math.ScaleB(1.0, -24), r = 0;
        for (int i = 0; i < n; i++) r += q[i] * data.RowNorm(i);
        double allowance = (MarginSolver.SingleNorms.Gamma(n, u) + 3 * u) * (1 + u) * (1 + u) * r * 1.01;
        int near = 0;
        for (int k = 0; k < rows; k++)
        {
            var uk = new double[d]; var um = new double[d];   // U_q(z_k) and U_q(-z_k) (masks of -z: pre < 0)
            for (int i = 0; i < n; i++)
            {
                double pre = 0;
                for (int l = 0; l < d; l++) pre += z[k * d + l] * x[i * d + l];
                if (Math.Abs(pre) < 1e-4) near++;
                if (pre > 0) for (int l = 0; l < d; l++) uk[l] += q[i] * y[i] * x[i * d + l];
                if (pre < 0) for (int l = 0; l < d; l++) um[l] += q[i] * y[i] * x[i * d + l];
            }
            double exact = Math.Sqrt(uk.Sum(v => v * v)), exactMirrored = Math.Sqrt(um.Sum(v => v * v));
            Assert.True(norms[k] >= exact, $"direction {k}: float32 bound {norms[k]} below the double norm {exact}");
            Assert.True(norms[k] - exact <= 2 * allowance, $"direction {k}: float32 bound {norms[k]} exceeds {exact} by more than {2 * allowance}");
            Assert.True(mirrored[k] >= exactMirrored, $"direction {k}: float32 bound {mirrored[k]} below the double norm at -z {exactMirrored}");
            Assert.True(mirrored[k] - exactMirrored <= 2 * allowance, $"direction {k}: float32 bound at -z {mirrored[k]} exceeds {exactMirrored} by more than {2 * allowance}");
        }
        Assert.True(near >= n / 2, $"only {near} pre-activations within 1e-4 of 0");
    }
}
