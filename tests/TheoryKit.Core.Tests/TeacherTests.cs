using System.Diagnostics;
using TheoryKit.Data;
using TheoryKit.Kernels;
using TheoryKit.Margins;
using TheoryKit.Networks;
using TheoryKit.Teachers;

namespace TheoryKit.Tests;

// Reference values, computed outside the code under test:
//   sigmoid(t) = 1 / (1 + exp(-t)); sigmoid(2 / 0.5) = sigmoid(4) = 0.98201379003790845 (python3: 1/(1+math.exp(-4))).
//   Kernel teacher, one step from 0 (THEORY.md §4): l'(y, 0) = -y sigmoid(0) = -y/2, so alpha_1 = (eta / (2n)) y
//   and g_1 = H alpha_1 = (eta / (2n)) H y, with H from NtkKernel.LimitingGram (per-pair formula of §5).
//   Margin gamma (THEORY.md §6): two unit vectors at angle 1, opposite labels: (1 + (pi - 1) sin(1/2)) / (2 pi)
//   = 0.3225647680806436; unit vectors at angles 0, 0.5, 1.2 rad with labels +, -, +: 0.10184 (there the normalised
//   U_q of the optimal q vanishes on an arc and only reaches 0.039, so the certificate's planar primal is needed).
//   Hoeffding for the margin teacher: each term y_i <v(z_k), x_i> 1[<z_k, x_i> > 0] lies in [-1, 1] (||v|| <= 1,
//   ||x_i|| = 1), so P(|mean - E| >= t) <= 2 exp(-S t^2 / 2); a union bound over n points at level delta gives
//   t = sqrt(2 ln(2n / delta) / S), which also covers the one-sided statement used below.
public class TeacherTests
{
    private static Dataset Load(string spec, int? n = null, int? d = null, ulong seed = 0) =>
        DataSource.Load(spec, new DataOptions { N = n, D = d, Seed = seed });

    private static Dataset Make(double[] x, double[] y, int d) =>
        new(x, y, y.Length, d, null, "+1", "-1", Array.Empty<LabelMap>(), new Provenance("test", "hand-built", false, null, Array.Empty<string>()));

    private static Dataset Planar(double[] angles, double[] labels) =>
        Make(angles.SelectMany(a => new[] { Math.Cos(a), Math.Sin(a) }).ToArray(), labels, 2);

    private static double HoeffdingTolerance(int n, int samples, double delta) => Math.Sqrt(2 * Math.Log(2 * n / delta) / samples);

    private static double[] MatVec(double[] h, double[] v, int n)
    {
        var r = new double[n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) r[i] += h[i * n + j] * v[j];
        return r;
    }

    // ---- SoftLabels (THEORY.md §2, [HVD15]) ----

    [Fact]
    public void Soft_label_of_a_zero_logit_at_temperature_one_is_one_half()
    {
        Assert.Equal(0.5, SoftLabels.From([0.0], 1.0)[0]);
    }

    [Fact]
    public void Soft_label_matches_a_hand_value()
    {
        Assert.Equal(0.98201379003790845, SoftLabels.From([2.0], 0.5)[0], 1e-14);
        Assert.Equal(1 - 0.98201379003790845, SoftLabels.From([-2.0], 0.5)[0], 1e-14);
    }

    [Fact]
    public void Soft_labels_of_huge_logits_are_finite_probabilities()
    {
        var p = SoftLabels.From([1e4, -1e4, 1e300, -1e300, 800], 1e-3);
        foreach (var v in p) { Assert.True(double.IsFinite(v)); Assert.InRange(v, 0.0, 1.0); }
        Assert.Equal(1.0, p[0]); Assert.Equal(0.0, p[1]);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Soft_labels_reject_a_temperature_that_is_not_positive(double tau)
    {
        var e = Assert.Throws<InputException>(() => SoftLabels.From([1.0], tau));
        Assert.Equal("tau", e.Field);
    }

    // ---- Kernel teacher (THEORY.md §4, §5) ----

    [Fact]
    public void Early_stopped_kernel_teachers_keep_the_checked_step_of_lowest_validation_risk()
    {
        // Independent slow reference: a separate teacher trained for exactly T steps at every checked T, its validation
        // logistic risk (1/n_v) sum ln(1 + exp(-y g)) summed here by hand (step 0, g = 0, is never kept).
        var points = Load("noisy-xor:3", n: 120, d: 3, seed: 5);
        var (train, val) = TheoryKit.Experiments.Distill.Split(points, 0.25, 5);
        var noisy = Enumerable.Range(0, 3).Select(s => TheoryKit.Experiments.Distill.Noisy(train, 0.3, 5, s, 0)).ToArray();
        var noisyVal = Enumerable.Range(0, 3).Select(s => TheoryKit.Experiments.Distill.Noisy(val, 0.3, 5, s, 1)).ToArray();
        const double eta = 8; const int steps = 120, every = 10;
        var kept = KernelTeacher.FitMany(train, noisy.Select(t => t.Y).ToArray(), eta, steps, val, noisyVal.Select(v => v.Y).ToArray(), every);
        var stops = new List<int>();
        for (int j = 0; j < 3; j++)
        {
            int bestStep = 0; double bestRisk = double.PositiveInfinity; KernelTeacher? bestTeacher = null;
            for (int t = every; t <= steps; t += every)
            {
                var alone = KernelTeacher.Fit(noisy[j], eta, t);
                var g = alone.Logits(val);
                double risk = g.Select((x, i) => Math.Log(1 + Math.Exp(-noisyVal[j].Y[i] * x))).Average();
                if (risk <= bestRisk) { bestRisk = risk; bestStep = t; bestTeacher = alone; }
            }
            Assert.Equal(bestStep, kept[j].StoppedAt);
            stops.Add(bestStep);
            for (int i = 0; i < train.N; i++) Assert.Equal(bestTeacher!.Alpha[i], kept[j].Alpha[i], Tolerance.Independent);
        }
        Assert.Contains(stops, t => t < steps);   // the case does stop early somewhere, so the rule is exercised
    }

    [Fact]
    public void Kernel_teacher_one_step_from_zero_is_eta_over_2n_times_H_y()
    {
        var data = Load("separable:0.1", n: 40, d: 5, seed: 3);
        double eta = 0.7;
        var t = KernelTeacher.Fit(data, eta, steps: 1);
        int n = data.N;
        var h = NtkKernel.LimitingGram(data.X, n, data.D);
        var hy = MatVec(h, data.Y, n);
        var logits = t.Logits(data);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(eta / (2 * n) * data.Y[i], t.Alpha[i], 1e-15);
            Assert.Equal(eta / (2 * n) * hy[i], t.TrainLogits[i], 1e-13);
            Assert.Equal(eta / (2 * n) * hy[i], logits[i], 1e-13);
        }
    }

    [Fact]
    public void Kernel_teacher_separates_two_points()
    {
        var data = Load("two-point:1.0");
        var t = KernelTeacher.Fit(data, 1.0, 50);
        var r = TeacherReport.Evaluate(t, data);
        Assert.Equal("kernel", r.Kind);
        Assert.Equal(1.0, r.TrainAccuracy);
        Assert.True(r.TrainMargin > 0);
        Assert.Null(r.TestAccuracy);
    }

    [Fact]
    public void Kernel_teacher_reaches_full_training_accuracy_on_separable_data()
    {
        var data = Load("separable:0.1", n: 200, d: 5, seed: 1);
        var test = Load("separable:0.1", n: 300, d: 5, seed: 2);
        var t = KernelTeacher.Fit(data, 4.0, 3000);
        var r = TeacherReport.Evaluate(t, data, test);
        Assert.Equal(1.0, r.TrainAccuracy);
        Assert.True(r.TrainMargin > 0, $"margin {r.TrainMargin}");
        Assert.True(r.TestAccuracy > 0.9, $"test accuracy {r.TestAccuracy}");
    }

    [Fact]
    public void Kernel_teacher_predictions_equal_H_alpha_and_the_kernel_sum_on_new_points()
    {
        var data = Load("gaussians:1", n: 60, d: 4, seed: 5);
        var t = KernelTeacher.Fit(data, 2.0, 25);
        int n = data.N, d = data.D;
        var h = NtkKernel.LimitingGram(data.X, n, d);
        var expected = MatVec(h, t.Alpha, n);
        var logits = t.Logits(data);
        for (int i = 0; i < n; i++) { Assert.Equal(expected[i], logits[i], 1e-12); Assert.Equal(expected[i], t.TrainLogits[i], 1e-12); }

        // New points, including an exact copy of x_0, its negation and a near-copy (angles near 0 and pi),
        // evaluated over several row blocks; the reference is the per-pair formula sum_i alpha_i K(x, x_i).
        var extra = Load("gaussians:1", n: 37, d: 4, seed: 9);
        var x = (double[])extra.X.Clone();
        for (int j = 0; j < d; j++) { x[j] = data.X[j]; x[d + j] = -data.X[j]; x[2 * d + j] = data.X[j] * (1 + 1e-9 * j); }
        var probe = Make(x, extra.Y, d);
        int saved = KernelBlocks.BlockEntries;
        double[] g;
        try { KernelBlocks.BlockEntries = 7 * n; g = t.Logits(probe); }
        finally { KernelBlocks.BlockEntries = saved; }
        for (int r = 0; r < probe.N; r++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += t.Alpha[i] * NtkKernel.Limiting(probe.Row(r), data.Row(i));
            Assert.Equal(s, g[r], 1e-12);
        }
    }

    [Fact]
    public void Kernel_teacher_rejects_impossible_inputs()
    {
        var data = Load("two-point:1.0");
        Assert.Equal("eta", Assert.Throws<InputException>(() => KernelTeacher.Fit(data, 0)).Field);
        Assert.Equal("eta", Assert.Throws<InputException>(() => KernelTeacher.Fit(data, double.NaN)).Field);
        Assert.Equal("steps", Assert.Throws<InputException>(() => KernelTeacher.Fit(data, 1, 0)).Field);
        int big = KernelTeacher.MaxTrainingPoints + 1;
        var huge = Make(Enumerable.Repeat(1.0, big).ToArray(), Enumerable.Range(0, big).Select(i => i % 2 == 0 ? 1.0 : -1.0).ToArray(), 1);
        var sw = Stopwatch.StartNew();
        Assert.Equal("n", Assert.Throws<InputException>(() => KernelTeacher.Fit(huge)).Field);
        Assert.True(sw.Elapsed.TotalSeconds < 1, "rejected before building the Gram matrix");
        var t = KernelTeacher.Fit(data, 1, 1);
        Assert.Equal("data", Assert.Throws<InputException>(() => t.Logits(Load("two-point:1.0", d: 3))).Field);
    }

    // ---- Margin teacher (THEORY.md §4, §6) ----

    private static void AssertMargins(MarginTeacher t, Dataset data, double gammaLower, double tol)
    {
        var g = t.Logits(data);
        for (int i = 0; i < data.N; i++)
            Assert.True(data.Y[i] * g[i] >= t.Beta * (gammaLower - tol), $"point {i}: y g = {data.Y[i] * g[i]}, beta (gamma_lower - t) = {t.Beta * (gammaLower - tol)}");
    }

    [Fact]
    public void Margin_teacher_on_two_points_has_margin_beta_gamma_up_to_hoeffding()
    {
        var data = Load("two-point:1.0");
        var res = MarginSolver.Certify(data, new MarginOptions(Seed: 1));
        Assert.Equal("exact-planar", res.Mode);
        const double beta = 4, delta = 1e-6;
        const int samples = 100_000;
        double tol = HoeffdingTolerance(data.N, samples, delta);   // 0.0170
        var t = MarginTeacher.FromCertificate(data, res.Certificate, beta, samples, seed: 11);
        AssertMargins(t, data, res.GammaLower, tol);
        // Both points are support points (q_i > 0), so both margins of the exact primal equal gamma: two-sided check.
        var g = t.Logits(data);
        for (int i = 0; i < 2; i++) Assert.Equal(0.3225647680806436, data.Y[i] * g[i] / beta, tol + 1e-6);
        Assert.Equal(g, t.Logits(data));                           // one fixed function
        Assert.Equal(beta * res.GammaLower, t.TargetMargin, 1e-12);
        Assert.Equal("margin", TeacherReport.Evaluate(t, data).Kind);
    }

    [Fact]
    public void Margin_teacher_uses_the_exact_planar_primal_where_U_q_vanishes_on_an_arc()
    {
        var data = Planar([0, 0.5, 1.2], [1, -1, 1]);
        var res = MarginSolver.Certify(data, new MarginOptions(Seed: 1));
        Assert.Equal(0.10184, res.GammaLower, Tolerance.Digits(5));
        const int samples = 200_000;
        double tol = HoeffdingTolerance(data.N, samples, 1e-6);     // 0.0124: the normalised U_q (0.039) would fail
        var t = MarginTeacher.FromCertificate(data, res.Certificate, 2.5, samples, seed: 3);
        AssertMargins(t, data, res.GammaLower, tol);
    }

    [Fact]
    public void Margin_teacher_on_planar_data_in_three_dimensions()
    {
        var data = Load("two-point:2.0", d: 3);
        var res = MarginSolver.Certify(data, new MarginOptions(Seed: 2));
        Assert.Equal("exact-planar", res.Mode);
        const int samples = 100_000;
        double tol = HoeffdingTolerance(data.N, samples, 1e-6);
        var t = MarginTeacher.FromCertificate(data, res.Certificate, 1.0, samples, seed: 5);
        var g = t.Logits(data);
        for (int i = 0; i < 2; i++) Assert.Equal(0.4711968451865751, data.Y[i] * g[i], tol + 1e-6);
    }

    [Fact]
    public void Margin_teacher_from_a_monte_carlo_certificate()
    {
        var data = Load("two-point:1.0");
        var res = MarginSolver.Certify(data, new MarginOptions(Width: 0.05, TimeBudget: 2, Seed: 4, MonteCarlo: true,
            OptimisationSamples: 4096, CertificationSamples: 40_000));
        Assert.Equal("monte-carlo", res.Mode);
        const int samples = 60_000;
        double tol = HoeffdingTolerance(data.N, samples, 1e-6);
        var t = MarginTeacher.FromCertificate(data, res.Certificate, 3.0, samples, seed: 8);
        AssertMargins(t, data, res.GammaLower, tol);
    }

    [Fact]
    public void Margin_teacher_rejects_a_certificate_of_other_data_and_bad_parameters()
    {
        var data = Load("two-point:1.0");
        var cert = MarginSolver.Certify(data, new MarginOptions(Seed: 1)).Certificate;
        var other = Load("two-point:2.0");
        Assert.Equal("data_fingerprint", Assert.Throws<InputException>(() => MarginTeacher.FromCertificate(other, cert, 1, 100, 0)).Field);
        Assert.Equal("n", Assert.Throws<InputException>(() => MarginTeacher.FromCertificate(Load("two-point:1.0", d: 3), cert, 1, 100, 0)).Field);
        Assert.Equal("beta", Assert.Throws<InputException>(() => MarginTeacher.FromCertificate(data, cert, 0, 100, 0)).Field);
        Assert.Equal("samples", Assert.Throws<InputException>(() => MarginTeacher.FromCertificate(data, cert, 1, 0, 0)).Field);
    }

    // ---- Wide-network teacher (THEORY.md §4) ----

    [Fact]
    public void Wide_network_teacher_fits_two_gaussians_and_matches_the_reference_forward_pass()
    {
        var data = Load("gaussians:3", n: 200, d: 5, seed: 1);
        var t = WideNetworkTeacher.Fit(data, width: 512, steps: 600, eta: 2.0, seed: 6);
        var r = TeacherReport.Evaluate(t, data);
        Assert.True(r.TrainAccuracy > 0.9, $"train accuracy {r.TrainAccuracy}");
        Assert.Equal("wide-network", r.Kind);
        var net = TwoLayerNetwork.Initialise(512, data.D, 6);
        var expected = net.ForwardReference(t.W, data.X, data.N);
        var g = t.Logits(data);
        for (int i = 0; i < data.N; i++) Assert.Equal(expected[i], g[i], 1e-9);
        int saved = KernelBlocks.BlockEntries;
        try { KernelBlocks.BlockEntries = 512 * 33; Assert.Equal(g, t.Logits(data)); }   // several row blocks
        finally { KernelBlocks.BlockEntries = saved; }
    }

    [Fact]
    public void Wide_network_teacher_rejects_impossible_parameters()
    {
        var data = Load("two-point:1.0");
        Assert.Equal("width", Assert.Throws<InputException>(() => WideNetworkTeacher.Fit(data, 0, 10, 1, 0)).Field);
        Assert.Equal("steps", Assert.Throws<InputException>(() => WideNetworkTeacher.Fit(data, 8, 0, 1, 0)).Field);
        Assert.Equal("eta", Assert.Throws<InputException>(() => WideNetworkTeacher.Fit(data, 8, 10, -1, 0)).Field);
    }
}
