using TheoryKit.Data;
using TheoryKit.Networks;
using TheoryKit.Training;

namespace TheoryKit.Tests;

/// <summary>
/// Trainer.ForceBlockRows is process-wide: every test that trains runs in this collection, which xunit runs
/// alone (after the parallel collections), so no other test sees a forced engine path.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainerEngineCollection
{
    /// <summary>Collection name.</summary>
    public const string Name = "Trainer engine path (Trainer.ForceBlockRows is process-wide)";
}

// Expected values come from formulas written out here (THEORY.md §1-3), never from the code under test:
//   f(x; W) = (1/sqrt m) sum_s a_s relu(<w_s, x>)            (via TwoLayerNetwork.ForwardReference, plain loops)
//   hard: L = (1/n) sum_i ln(1 + exp(-y_i f_i));  soft: L = (1/n) sum_i KL(p_i || sigmoid(f_i))
//   dL/dw_s = (1/n) sum_i l'(f_i) (1/sqrt m) a_s 1[<w_s, x_i> > 0] x_i, l' = -y sigmoid(-y f) or sigmoid(f) - p
//   GD: W_{t+1} = W_t - eta grad L(W_t); projected GD clips each row to ||w_s - w_s0|| <= rho / sqrt m.
// The softplus reference uses ln(1 + v) = 2 atanh(v / (2 + v)) as a series, accurate to an ulp or two for
// v in [0, 1] and independent of Math.Log(1 + v) (which loses all relative accuracy for v < 1e-16).
[Collection(TrainerEngineCollection.Name)]
public class TrainingTests
{
    // ---- data and independent references ----------------------------------------------------------

    internal static Dataset Make(double[] x, double[] y, int n, int d) =>
        new(x, y, n, d, null, "+1", "-1", new List<LabelMap>(), new Provenance("t", "t", true, null, new List<string>()));

    /// <summary>n points with norms in [0.5, 1] in random directions, random labels (both classes present).</summary>
    internal static Dataset RandomData(int n, int d, int seed)
    {
        var rng = new System.Random(seed);
        var x = new double[n * d];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sq = 0;
            for (int j = 0; j < d; j++)
            {
                double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
                x[i * d + j] = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                sq += x[i * d + j] * x[i * d + j];
            }
            double scale = (0.5 + 0.5 * rng.NextDouble()) / Math.Sqrt(sq);
            for (int j = 0; j < d; j++) x[i * d + j] *= scale;
            y[i] = i == 0 ? 1 : i == 1 ? -1 : rng.Next(2) == 0 ? -1 : 1;
        }
        return Make(x, y, n, d);
    }

    internal static double[] RandomSoft(int n, int seed)
    {
        var rng = new System.Random(seed);
        return Enumerable.Range(0, n).Select(_ => 0.05 + 0.9 * rng.NextDouble()).ToArray();
    }

    /// <summary>ln(1 + v) for v in [0, 1] by 2 atanh(w) = 2 sum_k w^(2k+1) / (2k+1), w = v / (2 + v) &lt;= 1/3.</summary>
    private static double Log1pRef(double v)
    {
        double w = v / (2 + v), w2 = w * w, term = w, sum = 0;
        for (int k = 0; k < 40 && term != 0; k++) { sum += term / (2 * k + 1); term *= w2; }
        return 2 * sum;
    }

    /// <summary>softplus(t) = ln(1 + e^t) = max(t, 0) + ln(1 + e^-|t|).</summary>
    private static double SoftplusRef(double t) => Math.Max(t, 0) + Log1pRef(Math.Exp(-Math.Abs(t)));

    private static double SigmoidRef(double t) => t >= 0 ? 1 / (1 + Math.Exp(-t)) : Math.Exp(t) / (1 + Math.Exp(t));

    /// <summary>KL(p || sigmoid(f)) = p ln(p / s) + (1-p) ln((1-p)/(1-s)), ln s = -softplus(-f), ln(1-s) = -softplus(f), 0 ln 0 = 0.</summary>
    private static double KLRef(double p, double f) =>
        (p > 0 ? p * (Math.Log(p) + SoftplusRef(-f)) : 0) + (p < 1 ? (1 - p) * (Math.Log(1 - p) + SoftplusRef(f)) : 0);

    /// <summary>The training objective at W, computed with the plain-loop forward pass.</summary>
    private static double Objective(TwoLayerNetwork net, double[] w, Dataset ds, double[]? p, LabelKind kind)
    {
        var f = net.ForwardReference(w, ds.X, ds.N);
        double sum = 0;
        for (int i = 0; i < ds.N; i++) sum += kind == LabelKind.Hard ? SoftplusRef(-ds.Y[i] * f[i]) : KLRef(p![i], f[i]);
        return sum / ds.N;
    }

    internal static (double risk, double error) RiskErrorRef(TwoLayerNetwork net, double[] w, Dataset ds)
    {
        var f = net.ForwardReference(w, ds.X, ds.N);
        double r = 0, e = 0;
        for (int i = 0; i < ds.N; i++) { r += SoftplusRef(-ds.Y[i] * f[i]); e += f[i] == 0 ? 0.5 : ds.Y[i] * f[i] < 0 ? 1 : 0; }
        return (r / ds.N, e / ds.N);
    }

    private static (double max, double fro) MovementRef(double[] w, double[] w0, int m, int d)
    {
        double max = 0, fro = 0;
        for (int s = 0; s < m; s++)
        {
            double sq = 0;
            for (int j = 0; j < d; j++) sq += (w[s * d + j] - w0[s * d + j]) * (w[s * d + j] - w0[s * d + j]);
            max = Math.Max(max, Math.Sqrt(sq)); fro += sq;
        }
        return (max, Math.Sqrt(fro));
    }

    private static double MinAbsPreActivation(TwoLayerNetwork net, double[] w, Dataset ds)
    {
        double min = double.PositiveInfinity;
        for (int s = 0; s < net.Width; s++)
            for (int i = 0; i < ds.N; i++)
            {
                double z = 0;
                for (int j = 0; j < ds.D; j++) z += w[s * ds.D + j] * ds.X[i * ds.D + j];
                min = Math.Min(min, Math.Abs(z));
            }
        return min;
    }

    /// <summary>Trains with the engine path forced, and checks the path was really taken.</summary>
    private static TrainingResult Run(Dataset ds, double[]? p, TrainingOptions o, bool rowBlocks, Dataset? test = null)
    {
        Trainer.ForceBlockRows = rowBlocks ? 1 : null;   // rowBlocks: one row per block; otherwise the default (one block for these small n)
        try
        {
            var r = Trainer.Train(ds, p, o, test);
            Assert.Contains(rowBlocks ? "(1-row blocks)" : "-row blocks)", r.Backend);
            Assert.Contains(o.Precision == Precision.Single ? "float32" : "float64", r.Backend);
            return r;
        }
        finally { Trainer.ForceBlockRows = null; }
    }

    private static TheoryData<LabelKind, bool> KindAndPath()
    {
        var t = new TheoryData<LabelKind, bool>();
        foreach (var k in new[] { LabelKind.Hard, LabelKind.Soft })
            foreach (var rowBlocks in new[] { true, false }) t.Add(k, rowBlocks);
        return t;
    }

    public static TheoryData<LabelKind, bool> KindPathCases() => KindAndPath();

    // ---- 1. gradient against central finite differences ---------------------------------------------

    public static TheoryData<LabelKind, bool, bool> GradientCases()
    {
        var t = new TheoryData<LabelKind, bool, bool>();
        foreach (var k in new[] { LabelKind.Hard, LabelKind.Soft })
            foreach (var rowBlocks in new[] { true, false })
                foreach (var sym in new[] { false, true }) t.Add(k, rowBlocks, sym);
        return t;
    }

    // With T = 1 and eta = 1, W_1 = W_0 - grad L(W_0), so grad = W_0 - W_1 (rounding ~ eps |W_0| ~ 1e-15).
    // Central differences with h = 1e-6: truncation h^2/6 |L'''| < 1e-13 (L is smooth in W away from kinks:
    // no pre-activation is within 1e-4 of 0, and a step h moves a pre-activation by at most h ||x|| <= 1e-6);
    // rounding ~ (few eps |L|) / (2h) ~ 1e-10 for |L| < 1. Tolerance 1e-8, with the gradient entries O(0.01-0.1).
    [Theory, MemberData(nameof(GradientCases))]
    public void One_unit_step_recovers_a_gradient_that_matches_central_finite_differences(LabelKind kind, bool rowBlocks, bool symmetric)
    {
        const int n = 20, d = 3, m = 8;
        const double h = 1e-6;
        var ds = RandomData(n, d, 11);
        var p = kind == LabelKind.Soft ? RandomSoft(n, 12) : null;
        ulong seed = 1;
        var net = TwoLayerNetwork.Initialise(m, d, seed, symmetric);
        while (MinAbsPreActivation(net, net.W0, ds) < 1e-4) net = TwoLayerNetwork.Initialise(m, d, ++seed, symmetric); // avoid kinks
        var r = Run(ds, p, new TrainingOptions(m, 1, 1.0, kind, symmetric, Seed: seed, Threads: 1), rowBlocks);

        double largest = 0;
        var w = (double[])net.W0.Clone();
        for (int k = 0; k < m * d; k++)
        {
            double engine = net.W0[k] - r.W[k];
            w[k] = net.W0[k] + h; double up = Objective(net, w, ds, p, kind);
            w[k] = net.W0[k] - h; double down = Objective(net, w, ds, p, kind);
            w[k] = net.W0[k];
            double fd = (up - down) / (2 * h);
            Assert.True(Math.Abs(engine - fd) <= 1e-8, $"coordinate {k}: engine {engine:R}, finite difference {fd:R}");
            largest = Math.Max(largest, Math.Abs(fd));
        }
        Assert.True(largest > 1e-2, $"the gradient is too small ({largest}) for the comparison to mean anything");
    }

    // ---- 2. symmetric initialisation --------------------------------------------------------------

    public static TheoryData<LabelKind, bool, Precision> SymmetricCases()
    {
        var t = new TheoryData<LabelKind, bool, Precision>();
        foreach (var k in new[] { LabelKind.Hard, LabelKind.Soft })
            foreach (var rowBlocks in new[] { true, false })
                foreach (var prec in new[] { Precision.Double, Precision.Single }) t.Add(k, rowBlocks, prec);
        return t;
    }

    // Pairs (w, a), (w, -a) cancel exactly: a relu(z) + (-a) relu(z) = 0 in floating point. So f = 0 exactly,
    // every point is a tie and counts half an error (THEORY.md §9; a rounding residue would give some 0s and 1s),
    // and the loss is ln 2 (hard) or KL(p || 1/2) = p ln(2p) + (1-p) ln(2(1-p)) (soft). m = 10 is not a
    // multiple of the SIMD width, so the tail loops are exercised too.
    [Theory, MemberData(nameof(SymmetricCases))]
    public void Symmetric_initialisation_starts_at_f_equal_to_zero(LabelKind kind, bool rowBlocks, Precision precision)
    {
        const int n = 30, d = 4, m = 10;
        var ds = RandomData(n, d, 21);
        var p = kind == LabelKind.Soft ? RandomSoft(n, 22) : null;
        var net = TwoLayerNetwork.Initialise(m, d, 5, symmetric: true);
        for (int k = 0; k < m / 2; k++)
        {
            Assert.Equal(-net.A[2 * k], net.A[2 * k + 1]);
            for (int j = 0; j < d; j++) Assert.Equal(net.W0[2 * k * d + j], net.W0[(2 * k + 1) * d + j]);
        }
        Assert.All(net.ForwardReference(net.W0, ds.X, n), f => Assert.Equal(0.0, f));

        var r = Run(ds, p, new TrainingOptions(m, 3, 0.5, kind, Symmetric: true, Seed: 5, Threads: 1, Precision: precision), rowBlocks);
        var t0 = r.Trajectory[0];
        double expected = kind == LabelKind.Hard
            ? Math.Log(2)
            : p!.Select(q => q * Math.Log(2 * q) + (1 - q) * Math.Log(2 * (1 - q))).Average();
        Assert.Equal(0, t0.Step);
        Assert.Equal(expected, t0.Loss, 1e-14);
        Assert.Equal(Math.Log(2), t0.Risk, 1e-14);
        Assert.Equal(0.5, t0.Error);
        Assert.Equal(0.0, t0.MaxRowMovement);
        Assert.Equal(0.0, t0.FrobeniusMovement);
    }

    // ---- 3. loss identities and extreme logits ----------------------------------------------------

    [Theory]
    [InlineData(0.3, -2.0)]
    [InlineData(0.3, 0.0)]
    [InlineData(0.9, 3.5)]
    [InlineData(0.05, -15.0)]
    [InlineData(0.5, 19.0)]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, -4.0)]
    public void KL_derivative_in_the_logit_is_sigmoid_minus_p(double p, double f)
    {
        // h = 1e-5: truncation h^2/6 |KL'''| <= 2e-12 (|KL'''| = |s(1-s)(1-2s)| <= 0.1); rounding ~ 4 eps (|f| + 1) / (2h) <= 1e-9.
        const double h = 1e-5;
        double fd = (Losses.KL(p, f + h) - Losses.KL(p, f - h)) / (2 * h);
        Assert.Equal(SigmoidRef(f) - p, fd, 1e-8);
        Assert.Equal(SigmoidRef(f) - p, Losses.KLDerivative(p, f), 1e-15);
    }

    [Theory]
    [InlineData(-30.0)]
    [InlineData(-3.0)]
    [InlineData(-0.25)]
    [InlineData(0.0)]
    [InlineData(0.7)]
    [InlineData(12.0)]
    [InlineData(800.0)]
    [InlineData(1e4)]
    [InlineData(-1e4)]
    public void KL_with_a_hard_probability_is_the_logistic_loss(double f)
    {
        // p = 1 is the label y = +1 (loss softplus(-f)), p = 0 is y = -1 (loss softplus(f)).
        Assert.Equal(Losses.Logistic(1, f), Losses.KL(1, f));
        Assert.Equal(Losses.Logistic(-1, f), Losses.KL(0, f));
        double rel = 1e-14;
        Assert.Equal(SoftplusRef(-f), Losses.Logistic(1, f), rel * Math.Max(1e-300, SoftplusRef(-f)));
        Assert.Equal(SoftplusRef(f), Losses.Logistic(-1, f), rel * Math.Max(1e-300, SoftplusRef(f)));
    }

    [Fact]
    public void KL_is_nonnegative_and_vanishes_only_at_the_teacher_probability()
    {
        foreach (var p in new[] { 0.0, 1e-9, 0.01, 0.3, 0.5, 0.77, 1 - 1e-9, 1.0 })
            for (double f = -40; f <= 40; f += 0.37)
            {
                double kl = Losses.KL(p, f);
                Assert.True(kl >= 0 && double.IsFinite(kl), $"KL({p} || sigmoid({f})) = {kl}");
                Assert.Equal(KLRef(p, f), kl, 1e-13 * (1 + Math.Abs(f)));
                double gap = Math.Abs(SigmoidRef(f) - p);
                Assert.True(kl >= 2 * gap * gap - 1e-13, $"Pinsker fails at p = {p}, f = {f}"); // KL >= 2 TV^2
            }
        foreach (var p in new[] { 0.01, 0.3, 0.5, 0.77 })
            Assert.True(Losses.KL(p, Math.Log(p / (1 - p))) <= 1e-15, $"KL(p || p) != 0 at p = {p}");
    }

    [Fact]
    public void Losses_stay_finite_and_correct_for_logits_up_to_1e4()
    {
        Assert.Equal(1e4, Losses.Logistic(1, -1e4), 1e4 * 1e-12);
        Assert.Equal(1e4, Losses.Logistic(-1, 1e4), 1e4 * 1e-12);
        foreach (var v in new[] { Losses.Logistic(1, 1e4), Losses.Logistic(-1, -1e4), Losses.Softplus(-1e4) })
            Assert.True(v >= 0 && v < 1e-300, $"exp(-1e4) underflows to 0, got {v}");   // true value exp(-1e4) ~ 1e-4343
        Assert.Equal(1e4, Losses.Softplus(1e4), 1e4 * 1e-12);
        Assert.Equal(1.0, Losses.Sigmoid(1e4));
        Assert.True(Losses.Sigmoid(-1e4) is >= 0 and < 1e-300);
        Assert.Equal(-1.0, Losses.LogisticDerivative(1, -1e4));
        Assert.True(Losses.LogisticDerivative(1, 1e4) is <= 0 and > -1e-300);
        Assert.Equal(1.0, Losses.LogisticDerivative(-1, 1e4));
        double h03 = -(0.3 * Math.Log(0.3) + 0.7 * Math.Log(0.7));
        Assert.Equal(0.7e4 - h03, Losses.KL(0.3, 1e4), 0.7e4 * 1e-12);
        Assert.Equal(0.3e4 - h03, Losses.KL(0.3, -1e4), 0.3e4 * 1e-12);
        Assert.Equal(1e4, Losses.KL(0, 1e4), 1e4 * 1e-12);
        Assert.True(Losses.KL(1, 1e4) is >= 0 and < 1e-300);
        Assert.Equal(0.7, Losses.KLDerivative(0.3, -1e4) + 1.0, 1e-15);
        Assert.Equal(h03, Losses.Entropy(0.3), 1e-15);
        Assert.Equal(Math.Log(2), Losses.Entropy(0.5), 1e-16);
        Assert.Equal(0.0, Losses.Entropy(0));
        Assert.Equal(0.0, Losses.Entropy(1));
        foreach (var t in new[] { -1e4, -800.0, 1e4, 1e6 })
            Assert.True(double.IsFinite(Losses.Softplus(t)) && double.IsFinite(Losses.KL(0.5, t)) && double.IsFinite(Losses.Sigmoid(t)));
    }

    // Softplus must keep its relative accuracy for negative arguments: for t <= -37, e^t < 1e-16 and
    // ln(1 + e^t) = e^t (1 - e^t / 2 + ...) = e^t to within a relative 1e-16.
    [Theory]
    [InlineData(-37.0)]
    [InlineData(-40.0)]
    [InlineData(-100.0)]
    [InlineData(-700.0)]
    public void Softplus_of_a_very_negative_argument_is_its_exponential(double t)
    {
        Assert.Equal(Math.Exp(t), Losses.Softplus(t), 4e-16 * Math.Exp(t));
        Assert.Equal(Math.Exp(t), Losses.Logistic(1, -t), 4e-16 * Math.Exp(t));
    }

    [Theory]
    [InlineData(-36.0)]
    [InlineData(-20.0)]
    [InlineData(-5.5)]
    [InlineData(-1.0)]
    [InlineData(-1e-9)]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(4.0)]
    [InlineData(33.0)]
    public void Softplus_matches_a_series_reference_to_a_few_ulps(double t)
    {
        double expected = SoftplusRef(t);
        Assert.Equal(expected, Losses.Softplus(t), 4e-16 * expected);
        Assert.Equal(t, Losses.Softplus(t) - Losses.Softplus(-t), 4e-16 * Math.Max(1, Math.Abs(t)));
    }

    [Fact]
    public void Soft_label_is_the_tempered_sigmoid()
    {
        Assert.Equal(SigmoidRef(2.0 / 4), Losses.SoftLabel(2, 4), 1e-16);
        Assert.Equal(0.5, Losses.SoftLabel(0, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftLabel(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftLabel(1, -1));
    }

    [Fact]
    public void Logits_and_risk_helpers_match_the_plain_loop_references()
    {
        const int n = 17, d = 5, m = 13;
        var ds = RandomData(n, d, 61);
        var net = TwoLayerNetwork.Initialise(m, d, 3);
        var expected = net.ForwardReference(net.W0, ds.X, n);
        var got = Trainer.Logits(net.W0, net.A, ds.X, n, d);
        for (int i = 0; i < n; i++) Assert.Equal(expected[i], got[i], 1e-14);

        // f = (0, 1, -2, 3) with y = (1, 1, 1, -1): risk = (ln 2 + ln(1 + e^-1) + ln(1 + e^2) + ln(1 + e^3)) / 4,
        // error (1/2 + 0 + 1 + 1) / 4 = 5/8 (the tie f = 0 counts half an error, THEORY.md §9).
        var (risk, error) = Trainer.RiskAndError([0, 1, -2, 3], [1, 1, 1, -1]);
        Assert.Equal((Math.Log(2) + Math.Log(1 + Math.Exp(-1)) + Math.Log(1 + Math.Exp(2)) + Math.Log(1 + Math.Exp(3))) / 4, risk, 1e-15);
        Assert.Equal(0.625, error);
    }

    // ---- 4. projection ----------------------------------------------------------------------------

    public static TheoryData<bool> Paths() => new() { true, false };

    [Theory, MemberData(nameof(Paths))]
    public void Projected_GD_keeps_every_row_within_rho_over_sqrt_m(bool rowBlocks)
    {
        const int m = 8, d = 3;
        const double rho = 0.3;
        double bound = rho / Math.Sqrt(m);
        var ds = RandomData(20, d, 31);
        var projected = Run(ds, null, new TrainingOptions(m, 15, 5.0, Radius: rho, Seed: 3, Threads: 1), rowBlocks);
        foreach (var pt in projected.Trajectory)
        {
            Assert.True(pt.MaxRowMovement <= bound + 1e-12, $"step {pt.Step}: row moved {pt.MaxRowMovement:R} > {bound:R}");
            Assert.True(pt.FrobeniusMovement <= rho + 1e-12, $"step {pt.Step}: ||W - W0||_F = {pt.FrobeniusMovement:R} > rho");
        }
        Assert.True(projected.Trajectory.Max(pt => pt.MaxRowMovement) >= 0.999 * bound, "the constraint never became active");
        var net = TwoLayerNetwork.Initialise(m, d, 3);
        var (max, fro) = MovementRef(projected.W, net.W0, m, d);
        Assert.True(max <= bound + 1e-12);
        Assert.Equal(max, projected.Trajectory[^1].MaxRowMovement, 1e-14);
        Assert.Equal(fro, projected.Trajectory[^1].FrobeniusMovement, 1e-14);

        var free = Run(ds, null, new TrainingOptions(m, 15, 5.0, Seed: 3, Threads: 1), rowBlocks);
        Assert.True(free.Trajectory.Max(pt => pt.MaxRowMovement) > 1.5 * bound, "without projection the rows should leave the ball");
    }

    // One projected step is the free step with each row's displacement scaled by min(1, (rho/sqrt m) / ||delta_s||).
    [Theory, MemberData(nameof(Paths))]
    public void One_projected_step_is_the_free_step_clipped_row_by_row(bool rowBlocks)
    {
        const int m = 8, d = 3;
        const double rho = 0.1; // bound 0.035: the free step moves rows by 0.015 to 0.060, so some are clipped and some not
        double bound = rho / Math.Sqrt(m);
        var ds = RandomData(20, d, 32);
        var net = TwoLayerNetwork.Initialise(m, d, 4);
        var free = Run(ds, null, new TrainingOptions(m, 1, 3.0, Seed: 4, Threads: 1), rowBlocks);
        var projected = Run(ds, null, new TrainingOptions(m, 1, 3.0, Radius: rho, Seed: 4, Threads: 1), rowBlocks);
        int clipped = 0, kept = 0;
        for (int s = 0; s < m; s++)
        {
            double sq = 0;
            for (int j = 0; j < d; j++) sq += Math.Pow(free.W[s * d + j] - net.W0[s * d + j], 2);
            double norm = Math.Sqrt(sq), factor = Math.Min(1, bound / norm);
            if (factor < 1) clipped++; else kept++;
            for (int j = 0; j < d; j++)
                Assert.Equal(net.W0[s * d + j] + (free.W[s * d + j] - net.W0[s * d + j]) * factor, projected.W[s * d + j], 1e-12);
        }
        Assert.True(clipped > 0, "no row was clipped: raise eta");
        Assert.True(kept > 0, "every row was clipped: lower eta or raise rho so both cases are checked");
    }

    // ---- 5. two neurons by hand ---------------------------------------------------------------------

    // m = 2, d = 2, x_1 = (0.6, 0.8) with y = +1 (p = 0.9), x_2 = (0.8, -0.6) with y = -1 (p = 0.2), eta = 0.5.
    //   z_is = w_s . x_i,  f_i = (a_1 relu(z_i1) + a_2 relu(z_i2)) / sqrt 2
    //   hard: g_i = l'(y_i f_i) y_i with l'(u) = -1 / (1 + e^u);  soft: g_i = 1 / (1 + e^-f_i) - p_i
    //   grad_{w_s} = (1/2) sum_i g_i (1 / sqrt 2) a_s 1[z_is > 0] x_i;  W_1 = W_0 - 0.5 grad.
    [Theory, MemberData(nameof(KindPathCases))]
    public void Two_neurons_one_step_matches_the_hand_formula(LabelKind kind, bool rowBlocks)
    {
        double[] x = [0.6, 0.8, 0.8, -0.6], y = [1, -1], p = [0.9, 0.2];
        var ds = Make(x, y, 2, 2);
        const double eta = 0.5;
        // a seed whose two neurons are both active on some point and no pre-activation is near a kink
        ulong seed = 0;
        TwoLayerNetwork net;
        while (true)
        {
            net = TwoLayerNetwork.Initialise(2, 2, seed);
            var w = net.W0;
            bool ok = true;
            for (int s = 0; s < 2; s++)
            {
                double z1 = w[2 * s] * 0.6 + w[2 * s + 1] * 0.8, z2 = w[2 * s] * 0.8 - w[2 * s + 1] * 0.6;
                ok &= (z1 > 0 || z2 > 0) && Math.Abs(z1) > 1e-3 && Math.Abs(z2) > 1e-3;
            }
            if (ok) break;
            seed++;
        }
        var r = Run(ds, kind == LabelKind.Soft ? p : null, new TrainingOptions(2, 1, eta, kind, Seed: seed, Threads: 1), rowBlocks);

        double w10 = net.W0[0], w11 = net.W0[1], w20 = net.W0[2], w21 = net.W0[3], a1 = net.A[0], a2 = net.A[1];
        double r2 = 1 / Math.Sqrt(2);
        double[] gW = new double[4];
        for (int i = 0; i < 2; i++)
        {
            double x0 = x[2 * i], x1 = x[2 * i + 1];
            double z1 = w10 * x0 + w11 * x1, z2 = w20 * x0 + w21 * x1;
            double f = r2 * (a1 * Math.Max(z1, 0) + a2 * Math.Max(z2, 0));
            double g = kind == LabelKind.Hard ? -1 / (1 + Math.Exp(y[i] * f)) * y[i] : 1 / (1 + Math.Exp(-f)) - p[i];
            if (z1 > 0) { gW[0] += 0.5 * g * r2 * a1 * x0; gW[1] += 0.5 * g * r2 * a1 * x1; }
            if (z2 > 0) { gW[2] += 0.5 * g * r2 * a2 * x0; gW[3] += 0.5 * g * r2 * a2 * x1; }
        }
        double[] expected = [w10 - eta * gW[0], w11 - eta * gW[1], w20 - eta * gW[2], w21 - eta * gW[3]];
        for (int k = 0; k < 4; k++) Assert.Equal(expected[k], r.W[k], 1e-12);
        Assert.True(gW.Max(Math.Abs) > 1e-3, "the hand gradient vanished: pick a seed with an active neuron");
    }

    // ---- 6. determinism -----------------------------------------------------------------------------

    public static TheoryData<bool, Precision, LabelKind> DeterminismCases()
    {
        var t = new TheoryData<bool, Precision, LabelKind>();
        foreach (var rowBlocks in new[] { true, false })
            foreach (var prec in new[] { Precision.Double, Precision.Single })
                foreach (var k in new[] { LabelKind.Hard, LabelKind.Soft }) t.Add(rowBlocks, prec, k);
        return t;
    }

    internal static void AssertBitIdentical(TrainingResult a, TrainingResult b)
    {
        static long B(double v) => BitConverter.DoubleToInt64Bits(v);
        Assert.Equal(a.Trajectory.Length, b.Trajectory.Length);
        for (int k = 0; k < a.Trajectory.Length; k++)
        {
            TrajectoryPoint p = a.Trajectory[k], q = b.Trajectory[k];
            Assert.Equal(p.Step, q.Step);
            Assert.Equal(B(p.Loss), B(q.Loss));
            Assert.Equal(B(p.Risk), B(q.Risk));
            Assert.Equal(B(p.Error), B(q.Error));
            Assert.Equal(B(p.MaxRowMovement), B(q.MaxRowMovement));
            Assert.Equal(B(p.FrobeniusMovement), B(q.FrobeniusMovement));
            Assert.Equal(p.TestError, q.TestError);
            Assert.Equal(p.ValidationError, q.ValidationError);
        }
        Assert.Equal(a.StepsRun, b.StepsRun);
        Assert.Equal(a.Outcome, b.Outcome);
        Assert.Equal(a.EarlyStopped, b.EarlyStopped);
        Assert.Equal(a.ValidationError, b.ValidationError);
        Assert.Equal(a.TestError, b.TestError);
        Assert.Equal(a.TestRisk, b.TestRisk);
        Assert.Equal(B(a.FinalLoss), B(b.FinalLoss));
        Assert.Equal(B(a.EpochAveragedLoss), B(b.EpochAveragedLoss));
        Assert.Equal(B(a.EpochAveragedRisk), B(b.EpochAveragedRisk));
        Assert.Equal(B(a.FinalRisk), B(b.FinalRisk));
        Assert.Equal(B(a.TrainError), B(b.TrainError));
        Assert.Equal(a.W.Select(B), b.W.Select(B));
    }

    [Theory, MemberData(nameof(DeterminismCases))]
    public void Same_seed_gives_bit_identical_runs_for_one_or_two_threads(bool rowBlocks, Precision precision, LabelKind kind)
    {
        var ds = DataSource.Load("gaussians:2", new DataOptions { N = 300, D = 10, Seed = 1 });
        var p = kind == LabelKind.Soft ? RandomSoft(300, 2) : null;
        var o = new TrainingOptions(40, 12, 1.0, kind, Radius: 2.0, Seed: 7, Threads: 1, Precision: precision);
        var one = Run(ds, p, o, rowBlocks);
        var two = Run(ds, p, o with { Threads = 2 }, rowBlocks);
        var again = Run(ds, p, o, rowBlocks);
        AssertBitIdentical(one, two);
        AssertBitIdentical(one, again);
        Assert.NotEqual(one.Trajectory[0].Loss, one.FinalLoss); // the run did move
    }

    [Theory]
    [InlineData(LabelKind.Hard)]
    [InlineData(LabelKind.Soft)]
    public void One_row_blocks_and_one_block_agree_in_float64(LabelKind kind)
    {
        var ds = DataSource.Load("gaussians:2", new DataOptions { N = 300, D = 10, Seed = 1 });
        var p = kind == LabelKind.Soft ? RandomSoft(300, 2) : null;
        var o = new TrainingOptions(40, 12, 1.0, kind, Seed: 7, Threads: 2);
        var f = Run(ds, p, o, rowBlocks: true);
        var g = Run(ds, p, o, rowBlocks: false);
        Assert.Equal(f.Trajectory.Length, g.Trajectory.Length);
        for (int k = 0; k < f.Trajectory.Length; k++)
        {
            TrajectoryPoint a = f.Trajectory[k], b = g.Trajectory[k];
            Assert.Equal(a.Loss, b.Loss, 1e-10);
            Assert.Equal(a.Risk, b.Risk, 1e-10);
            Assert.Equal(a.Error, b.Error);
            Assert.Equal(a.MaxRowMovement, b.MaxRowMovement, 1e-10);
            Assert.Equal(a.FrobeniusMovement, b.FrobeniusMovement, 1e-10);
        }
        for (int k = 0; k < f.W.Length; k++) Assert.Equal(f.W[k], g.W[k], 1e-10);
        Assert.Equal(f.EpochAveragedLoss, g.EpochAveragedLoss, 1e-10);
    }

    // ---- 7. trajectory bookkeeping ------------------------------------------------------------------

    [Theory, MemberData(nameof(KindPathCases))]
    public void Trajectory_and_averages_match_independent_recomputation(LabelKind kind, bool rowBlocks)
    {
        const int n = 25, d = 4, m = 12, T = 25;
        var ds = RandomData(n, d, 41);
        var test = RandomData(15, d, 42);
        var p = kind == LabelKind.Soft ? RandomSoft(n, 43) : null;
        var net = TwoLayerNetwork.Initialise(m, d, 9);
        var r = Run(ds, p, new TrainingOptions(m, T, 0.8, kind, Seed: 9, Threads: 1), rowBlocks, test);

        Assert.Equal(Enumerable.Range(0, T + 1), r.Trajectory.Select(pt => pt.Step));
        double avgLoss = 0, avgRisk = 0;
        for (int t = 0; t < T; t++) { avgLoss += r.Trajectory[t].Loss; avgRisk += r.Trajectory[t].Risk; }
        avgLoss /= T; avgRisk /= T;
        Assert.Equal(avgLoss, r.EpochAveragedLoss, 1e-15 * avgLoss);
        Assert.Equal(avgRisk, r.EpochAveragedRisk, 1e-15 * avgRisk);
        Assert.Equal(r.Trajectory[T].Loss, r.FinalLoss);
        Assert.Equal(r.Trajectory[T].Risk, r.FinalRisk);
        Assert.Equal(r.Trajectory[T].Error, r.TrainError);

        // step 0 and step T against the plain-loop objective, risk and error
        double l0 = Objective(net, net.W0, ds, p, kind);
        Assert.Equal(l0, r.Trajectory[0].Loss, 1e-13 * l0);
        double lT = Objective(net, r.W, ds, p, kind);
        Assert.Equal(lT, r.FinalLoss, 1e-13 * lT);
        Assert.True(r.FinalLoss < l0, "25 steps of GD with eta = 0.8 should lower the objective");
        var (risk, err) = RiskErrorRef(net, r.W, ds);
        Assert.Equal(risk, r.FinalRisk, 1e-13 * risk);
        Assert.Equal(err, r.TrainError);
        var (testRisk, testErr) = RiskErrorRef(net, r.W, test);
        Assert.Equal(testRisk, r.TestRisk!.Value, 1e-13 * testRisk);
        Assert.Equal(testErr, r.TestError!.Value);
        Assert.Equal(1 - testErr, r.TestAccuracy!.Value, 1e-15);
        var (max, fro) = MovementRef(r.W, net.W0, m, d);
        Assert.Equal(max, r.Trajectory[T].MaxRowMovement, 1e-14);
        Assert.Equal(fro, r.Trajectory[T].FrobeniusMovement, 1e-14);
        Assert.Equal(0.0, r.Trajectory[0].FrobeniusMovement);

        // recording every 4th step changes what is recorded, not the run or its averages
        var sparse = Run(ds, p, new TrainingOptions(m, T, 0.8, kind, Seed: 9, Threads: 1, RecordEvery: 4), rowBlocks, test);
        Assert.Equal(new[] { 0, 4, 8, 12, 16, 20, 24, 25 }, sparse.Trajectory.Select(pt => pt.Step));
        foreach (var pt in sparse.Trajectory) Assert.Equal(r.Trajectory[pt.Step], pt);
        Assert.Equal(r.EpochAveragedLoss, sparse.EpochAveragedLoss);
        Assert.Equal(r.W, sparse.W);
    }

    // ---- 8. float32 against float64 -----------------------------------------------------------------

    // float32 rounding is ~6e-8 relative per operation; over 20 steps with eta = 1 on O(1) quantities the
    // accumulated difference is ~1e-6, so 1e-4 holds with room (unless an activation flips, which the
    // chosen data avoid: every pre-activation stays away from 0 by more than the rounding).
    [Theory, MemberData(nameof(KindPathCases))]
    public void Float32_agrees_with_float64_over_20_steps(LabelKind kind, bool rowBlocks)
    {
        const int n = 20, d = 3, m = 8;
        var ds = RandomData(n, d, 51);
        var p = kind == LabelKind.Soft ? RandomSoft(n, 52) : null;
        var o = new TrainingOptions(m, 20, 1.0, kind, Seed: 6, Threads: 1);
        var r64 = Run(ds, p, o, rowBlocks);
        var r32 = Run(ds, p, o with { Precision = Precision.Single }, rowBlocks);
        for (int k = 0; k < r64.Trajectory.Length; k++)
        {
            TrajectoryPoint a = r64.Trajectory[k], b = r32.Trajectory[k];
            Assert.Equal(a.Loss, b.Loss, 1e-4);
            Assert.Equal(a.Risk, b.Risk, 1e-4);
            Assert.Equal(a.MaxRowMovement, b.MaxRowMovement, 1e-4);
            Assert.Equal(a.FrobeniusMovement, b.FrobeniusMovement, 1e-4);
        }
        for (int k = 0; k < r64.W.Length; k++) Assert.Equal(r64.W[k], r32.W[k], 1e-4);
        Assert.Equal(r64.EpochAveragedLoss, r32.EpochAveragedLoss, 1e-4);
        Assert.Contains(r64.W.Zip(r32.W), t => t.First != t.Second); // float32 really ran in float32
    }

    // The held-out metrics are R and the 0-1 error at the returned W_T with the second layer a in {-1, +1}
    // exactly, whatever the training precision (W_T of a float32 run is exactly representable in float64).
    [Theory, MemberData(nameof(Paths))]
    public void Float32_held_out_metrics_are_evaluated_at_the_returned_W(bool rowBlocks)
    {
        const int n = 20, d = 3, m = 7;
        var ds = RandomData(n, d, 53);
        var test = RandomData(40, d, 54);
        var net = TwoLayerNetwork.Initialise(m, d, 8);
        var r = Run(ds, null, new TrainingOptions(m, 10, 1.0, Seed: 8, Threads: 1, Precision: Precision.Single), rowBlocks, test);
        var (risk, err) = RiskErrorRef(net, r.W, test);
        Assert.Equal(risk, r.TestRisk!.Value, 1e-13 * risk);
        Assert.Equal(err, r.TestError!.Value);
    }

    // ---- 9. bad input -------------------------------------------------------------------------------

    private static void AssertParameter(string name, Action action)
    {
        var ex = Assert.Throws<InputException>(action);
        Assert.Equal(name, ex.Field);
        Assert.Contains($"'{name}'", ex.Message);
    }

    [Fact]
    public void Impossible_settings_are_input_errors_naming_the_parameter()
    {
        var ds = RandomData(6, 2, 71);
        var good = new TrainingOptions(4, 3, 0.5, Seed: 1, Threads: 1);
        Trainer.Train(ds, null, good); // the baseline is accepted
        AssertParameter("width", () => Trainer.Train(ds, null, good with { Width = 0 }));
        AssertParameter("width", () => Trainer.Train(ds, null, good with { Width = -3 }));
        AssertParameter("steps", () => Trainer.Train(ds, null, good with { Steps = 0 }));
        foreach (var eta in new[] { 0.0, -0.1, double.NaN, double.PositiveInfinity })
            AssertParameter("eta", () => Trainer.Train(ds, null, good with { Eta = eta }));
        AssertParameter("width", () => Trainer.Train(ds, null, good with { Width = 5, Symmetric = true }));
        AssertParameter("radius", () => Trainer.Train(ds, null, good with { Radius = 0 }));
        AssertParameter("radius", () => Trainer.Train(ds, null, good with { Radius = -1 }));
        AssertParameter("record-every", () => Trainer.Train(ds, null, good with { RecordEvery = 0 }));

        var soft = good with { Labels = LabelKind.Soft };
        AssertParameter("labels", () => Trainer.Train(ds, null, soft));
        AssertParameter("labels", () => Trainer.Train(ds, new double[5], soft));
        AssertParameter("labels", () => Trainer.Train(ds, new double[7], soft));
        foreach (var bad in new[] { 1.5, -0.1, double.NaN })
        {
            var q = new[] { 0.5, 0.5, 0.5, bad, 0.5, 0.5 };
            AssertParameter("soft-labels", () => Trainer.Train(ds, q, soft));
        }
        Trainer.Train(ds, [0, 1, 0.5, 0.5, 0.5, 0.5], soft); // the ends of [0, 1] are allowed
        AssertParameter("test", () => Trainer.Train(ds, null, good, RandomData(4, 3, 72)));

        AssertParameter("width", () => TwoLayerNetwork.Initialise(0, 3, 1));
        AssertParameter("d", () => TwoLayerNetwork.Initialise(2, 0, 1));
        AssertParameter("width", () => TwoLayerNetwork.Initialise(3, 2, 1, symmetric: true));
    }
}
