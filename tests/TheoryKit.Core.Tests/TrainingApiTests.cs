using TheoryKit.Data;
using TheoryKit.Networks;
using TheoryKit.Training;

namespace TheoryKit.Tests;

// The run-control API of THEORY.md §9 (convergence rule, outcomes, ties, held-out points, early stopping,
// TrainMany). Expected values come from plain loops written here over the per-step objective, from the
// plain-loop forward pass (TwoLayerNetwork.ForwardReference), or from hand computation.
[Collection(TrainerEngineCollection.Name)]
public class TrainingApiTests
{
    /// <summary>The first step t &lt;= cap at which the rule of THEORY.md §9 holds on losses[0..t], written as a plain scan; -1 if none.</summary>
    private static int FirstConvergedStep(IReadOnlyList<double> losses, double drop, double fraction, int minSteps, int every, double absolute)
    {
        for (int t = 1; t < losses.Count; t++)
        {
            if (t < minSteps || t % every != 0) continue;
            int w = (int)Math.Ceiling(fraction * t);
            if (w < 1) w = 1;
            double before = losses[t - w];
            if (before - losses[t] <= 0 || before - losses[t] < absolute || (before - losses[t]) / Math.Abs(before) < drop) return t;
        }
        return -1;
    }

    [Theory]
    [InlineData(LabelKind.Hard, 1.0, 0.01, 0.0)]
    [InlineData(LabelKind.Soft, 1.0, 0.02, 0.0)]
    [InlineData(LabelKind.Soft, 2.0, 0.015, 0.0)]
    [InlineData(LabelKind.Soft, 1.0, 1e-6, 3e-3)]
    public void Convergence_stops_at_the_first_step_a_plain_scan_of_the_objective_finds(LabelKind kind, double eta, double drop, double absolute)
    {
        const int n = 40, d = 5, m = 16, cap = 600;
        var ds = TrainingTests.RandomData(n, d, 81);
        var p = kind == LabelKind.Soft ? TrainingTests.RandomSoft(n, 82) : null;
        var plain = new TrainingOptions(m, cap, eta, kind, Seed: 2, Threads: 1);
        var full = Trainer.Train(ds, p, plain);
        var losses = full.Trajectory.Select(q => q.Loss).ToArray();
        int expected = FirstConvergedStep(losses, drop, 0.1, 100, 10, absolute);
        Assert.True(expected > 100 && expected < cap, $"pick settings where the rule holds strictly inside (100, {cap}); it held at {expected} (seed {plain.Seed})");

        var rule = new ConvergenceRule(drop, AbsoluteDrop: absolute);
        var r = Trainer.Train(ds, p, plain with { Convergence = rule });
        Assert.Equal(RunOutcome.Converged, r.Outcome);
        Assert.Equal(expected, r.StepsRun);
        Assert.Equal(expected, r.Trajectory[^1].Step);
        Assert.Equal(expected + 1, r.Trajectory.Length);
        for (int t = 0; t <= expected; t++) Assert.Equal(full.Trajectory[t], r.Trajectory[t]);
        Assert.Equal(losses[expected], r.FinalLoss);
        // the stopped run is the plain run of exactly that many steps, averages over the steps run
        var exact = Trainer.Train(ds, p, plain with { Steps = expected });
        Assert.Equal(exact.W, r.W);
        Assert.Equal(exact.EpochAveragedLoss, r.EpochAveragedLoss);
        Assert.Equal(losses.Take(expected).Sum() / expected, r.EpochAveragedLoss, 1e-15 * r.EpochAveragedLoss);
        Assert.Equal(RunOutcome.StepCap, exact.Outcome);
        Assert.Equal(expected, exact.StepsRun);

        // a cap below the stopping step: the run uses the cap and says so
        var capped = Trainer.Train(ds, p, plain with { Steps = expected - 1, Convergence = rule });
        Assert.Equal(RunOutcome.StepCap, capped.Outcome);
        Assert.Equal(expected - 1, capped.StepsRun);
    }

    [Fact]
    public void Convergence_rule_counts_a_rise_and_a_zero_objective_as_converged_and_checks_only_on_its_grid()
    {
        var rule = new ConvergenceRule(0.01, 0.1, 20, 10);
        var flat = Enumerable.Repeat(1.0, 41).ToArray();
        Assert.False(rule.HoldsAt(flat, 19));
        Assert.False(rule.HoldsAt(flat, 25));
        Assert.True(rule.HoldsAt(flat, 20));
        // t = 30: w = ceil(3) = 3; drop (L27 - L30) / |L27|
        var l = Enumerable.Range(0, 41).Select(k => 1.0 / (1 + k)).ToArray(); // (1/28 - 1/31) / (1/28) = 3/31 > 0.01
        Assert.False(rule.HoldsAt(l, 30));
        l[30] = l[27] * 0.995;                                               // drop 0.5%
        Assert.True(rule.HoldsAt(l, 30));
        l[30] = l[27] * 1.5;                                                 // a rise
        Assert.True(rule.HoldsAt(l, 30));
        l[27] = 0; l[30] = 0;
        Assert.True(rule.HoldsAt(l, 30));
        // the absolute threshold (default 1e-4 nats): a drop of 9e-5 from 1e-3 (9%) has converged, 1.1e-4 (11%) has not
        l[27] = 1e-3; l[30] = 1e-3 - 9e-5;
        Assert.True(rule.HoldsAt(l, 30));
        l[30] = 1e-3 - 1.1e-4;
        Assert.False(rule.HoldsAt(l, 30));
        var noAbsolute = rule with { AbsoluteDrop = 0 };
        l[30] = 1e-3 - 9e-5;
        Assert.False(noAbsolute.HoldsAt(l, 30));
    }

    [Fact]
    public void A_huge_step_size_diverges_and_the_run_is_not_scored()
    {
        var ds = TrainingTests.RandomData(30, 4, 91);
        var test = TrainingTests.RandomData(10, 4, 92);
        var val = TrainingTests.RandomData(10, 4, 93);
        var r = Trainer.Train(ds, null, new TrainingOptions(8, 50, 1e307, Seed: 2, Threads: 1), test, null, val);
        Assert.Equal(RunOutcome.Diverged, r.Outcome);
        Assert.True(r.StepsRun < 50);
        Assert.False(double.IsFinite(r.FinalLoss) && double.IsFinite(r.W.Sum(w => w * w)), "the run stopped with a finite loss and ||W||_F^2");
        Assert.True(double.IsNaN(r.TrainError));
        Assert.Null(r.TestError);
        Assert.Null(r.TestRisk);
        Assert.Null(r.TestAccuracy);
        Assert.Null(r.ValidationError);
        Assert.Null(r.EarlyStopped);
        Assert.Equal(r.StepsRun, r.Trajectory[^1].Step);
        Assert.True(double.IsNaN(r.Trajectory[^1].Error));
    }

    // d = 1, every x_i > 0 and both first-layer weights negative: every pre-activation w_s x_i < 0, every ReLU is
    // inactive, the gradient is exactly 0 and f = 0 at every step. Every point is a tie: error 1/2, accuracy 1/2.
    [Fact]
    public void A_network_with_every_relu_inactive_is_dead_and_scores_one_half()
    {
        const int n = 12, m = 2;
        var rng = new System.Random(5);
        double[] x = Enumerable.Range(0, n).Select(_ => 0.5 + 0.5 * rng.NextDouble()).ToArray();
        double[] y = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? -1.0 : 1.0).ToArray();
        var ds = TrainingTests.Make(x, y, n, 1);
        var test = TrainingTests.Make([0.7, 0.9, 0.6], [1, -1, 1], 3, 1);
        ulong seed = 0;
        while (TwoLayerNetwork.Initialise(m, 1, seed).W0.Any(w => w >= 0)) seed++;
        var r = Trainer.Train(ds, null, new TrainingOptions(m, 20, 1.0, Seed: seed, Threads: 1), test);
        Assert.Equal(RunOutcome.Dead, r.Outcome);
        Assert.Equal(0.5, r.TrainError);
        Assert.Equal(0.5, r.TestAccuracy);
        Assert.Equal(Math.Log(2), r.FinalRisk, 1e-15);
        Assert.Equal(TwoLayerNetwork.Initialise(m, 1, seed).W0, r.W);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Held_out_errors_per_recorded_step_and_early_stopping_match_plain_loop_references(int recordEvery)
    {
        const int n = 30, d = 4, m = 10, T = 40;
        var ds = Relabel(TrainingTests.RandomData(n, d, 101), 0.2, 1);
        var test = Relabel(TrainingTests.RandomData(25, d, 102), 0, 2);
        var val = Relabel(TrainingTests.RandomData(20, d, 103), 0.2, 3);
        var net = TwoLayerNetwork.Initialise(m, d, 4);
        var o = new TrainingOptions(m, T, 4.0, Seed: 4, Threads: 1, RecordEvery: recordEvery);
        var r = Trainer.Train(ds, null, o, test, null, val);

        int best = -1;
        double bestErr = double.PositiveInfinity;
        var seen = new HashSet<double>();
        foreach (var pt in r.Trajectory)
        {
            // W_t is the plain run of t steps (bit-identical engine runs; t = 0 is the initialisation)
            var w = pt.Step == 0 ? net.W0 : Trainer.Train(ds, null, o with { Steps = pt.Step }).W;
            var (tr, te) = TrainingTests.RiskErrorRef(net, w, test);
            var (_, ve) = TrainingTests.RiskErrorRef(net, w, val);
            Assert.Equal(te, pt.TestError);
            Assert.Equal(ve, pt.ValidationError);
            seen.Add(ve);
            if (ve < bestErr) { bestErr = ve; best = pt.Step; }
            if (pt.Step == r.EarlyStopped!.Step)
            {
                Assert.Equal(te, r.EarlyStopped.TestError);
                Assert.Equal(tr, r.EarlyStopped.TestRisk!.Value, 1e-13 * tr);
            }
        }
        Assert.True(seen.Count > 2, "the validation error hardly changed: the selection is untested");
        Assert.InRange(best, 1, T - 1);
        Assert.Equal(best, r.EarlyStopped!.Step);
        Assert.Equal(bestErr, r.EarlyStopped.ValidationError);
        Assert.Equal(r.Trajectory[^1].ValidationError, r.ValidationError);
        Assert.Equal(r.Trajectory[^1].TestError, r.TestError);

        var noHeldOut = Trainer.Train(ds, null, o);
        Assert.All(noHeldOut.Trajectory, pt => { Assert.Null(pt.TestError); Assert.Null(pt.ValidationError); });
        Assert.Null(noHeldOut.EarlyStopped);
        Assert.Equal(noHeldOut.W, r.W);
    }

    /// <summary>The same points labelled by the halfspace x_0 + 0.3 x_1 &gt; 0, each label flipped with probability <paramref name="flip"/>.</summary>
    private static Dataset Relabel(Dataset ds, double flip, int seed)
    {
        var rng = new System.Random(seed);
        var y = new double[ds.N];
        for (int i = 0; i < ds.N; i++)
        {
            double v = ds.X[i * ds.D] + 0.3 * ds.X[i * ds.D + 1] > 0 ? 1 : -1;
            y[i] = rng.NextDouble() < flip ? -v : v;
        }
        return TrainingTests.Make(ds.X, y, ds.N, ds.D);
    }

    [Fact]
    public void Early_stopping_picks_the_earliest_of_tied_validation_errors()
    {
        // A symmetric start scores every validation point 1/2 at step 0; with all validation inputs 0 the
        // logit stays 0 at every step, so every recorded point ties and the earliest (step 0) is selected.
        var ds = TrainingTests.RandomData(20, 3, 111);
        var val = TrainingTests.Make(new double[12], Enumerable.Range(0, 4).Select(i => i % 2 == 0 ? 1.0 : -1.0).ToArray(), 4, 3);
        var r = Trainer.Train(ds, null, new TrainingOptions(6, 10, 1.0, Symmetric: true, Seed: 1, Threads: 1, RecordEvery: 2), null, null, val);
        Assert.All(r.Trajectory, pt => Assert.Equal(0.5, pt.ValidationError));
        Assert.Equal(new EarlyStop(0, 0.5, null, null), r.EarlyStopped);
    }

    [Fact]
    public void TrainMany_equals_Train_of_each_run_bit_for_bit_and_reports_progress()
    {
        var ds = TrainingTests.RandomData(50, 6, 121);
        var other = TrainingTests.RandomData(30, 6, 122);
        var test = TrainingTests.RandomData(20, 6, 123);
        var val = TrainingTests.RandomData(15, 6, 124);
        var soft = TrainingTests.RandomSoft(50, 125);
        var rule = new ConvergenceRule(0.01, 0.1, 20, 5);
        var runs = new List<RunSpec>
        {
            new(ds, null, new TrainingOptions(4, 200, 2.0, Seed: 1) { Convergence = rule }),
            new(ds, soft, new TrainingOptions(8, 200, 2.0, LabelKind.Soft, Seed: 1) { Convergence = rule }, val),
            new(ds, null, new TrainingOptions(6, 30, 1.0, Symmetric: true, Seed: 2, RecordEvery: 7), val),
            new(other, null, new TrainingOptions(5, 40, 1.0, Radius: 1.0, Seed: 3, Precision: Precision.Single)),
        };
        var finished = new List<int>();
        var many = Trainer.TrainMany(runs, test, threads: 2, new SyncProgress(finished));
        Assert.Equal(runs.Count, many.Length);
        Assert.Equal(Enumerable.Range(1, runs.Count), finished);
        for (int k = 0; k < runs.Count; k++)
        {
            var single = Trainer.Train(runs[k].Train, runs[k].SoftLabels, runs[k].Options with { Threads = 1 }, test, null, runs[k].Validation);
            TrainingTests.AssertBitIdentical(single, many[k]);
        }
    }

    public static TheoryData<int, int, Precision> WideShapes() => new()
    {
        { 120, 784, Precision.Double },
        { 300, 10, Precision.Double },
        { 150, 50, Precision.Double },
        { 151, 50, Precision.Double },   // odd n: the last row stream ends in an odd block
        { 300, 10, Precision.Single },
        { 90, 200, Precision.Single },
    };

    // Runs sharing X are trained as one wide batch; every run must equal its run alone bit for bit, whatever its
    // companions (widths 1 to 1000, so at d = 10 the widest run has 256-row blocks),
    // labels (each run its own noisy copy of y), label kind, initialisation, projection, convergence and cap, and for
    // one or two threads.
    [Theory, MemberData(nameof(WideShapes))]
    public void TrainMany_batches_runs_on_shared_data_bit_identically_to_training_each_alone(int n, int d, Precision precision)
    {
        var ds = TrainingTests.RandomData(n, d, 181);
        var rng = new System.Random(182);
        Dataset Noisy(double rate) => TrainingTests.Make(ds.X, ds.Y.Select(v => rng.NextDouble() < rate ? -v : v).ToArray(), n, d);
        var soft = TrainingTests.RandomSoft(n, 183);
        var val = TrainingTests.RandomData(40, d, 184);
        var test = TrainingTests.RandomData(50, d, 185);
        var rule = new ConvergenceRule(0.01, 0.1, 20, 5);
        int[] widths = [1, 2, 3, 4, 8, 16, 33, 64, 1000];
        var runs = new List<RunSpec>();
        for (int k = 0; k < widths.Length; k++)
        {
            var o = new TrainingOptions(widths[k], 25 + 5 * k, 1.0 + k, k % 2 == 0 ? LabelKind.Hard : LabelKind.Soft,
                Symmetric: widths[k] % 2 == 0 && k % 3 == 0, Radius: k == 5 ? 0.5 : null, Seed: (ulong)k, Precision: precision, RecordEvery: 1 + k % 4)
            { Convergence = k % 3 == 1 ? rule : null };
            runs.Add(new RunSpec(Noisy(0.1 * (k % 4)), o.Labels == LabelKind.Soft ? soft : null, o, k % 2 == 0 ? val : null));
        }
        var one = Trainer.TrainMany(runs, test, threads: 1);
        var two = Trainer.TrainMany(runs, test, threads: 2);
        for (int k = 0; k < runs.Count; k++)
        {
            Assert.Contains("batched with", one[k].Backend);
            var single = Trainer.Train(runs[k].Train, runs[k].SoftLabels, runs[k].Options with { Threads = 2 }, test, null, runs[k].Validation);
            TrainingTests.AssertBitIdentical(single, one[k]);
            TrainingTests.AssertBitIdentical(single, two[k]);
        }
        Assert.Contains(one, r => r.Outcome == RunOutcome.Converged);
    }

    // OpenBLAS 0.3.21's own threading gives different sums for 1 and 2 threads at these widths (n = 300, d = 10: m = 100,
    // 130, 200, 257 differed on the first steps); the engine's row streams must not.
    [Theory]
    [InlineData(100, Precision.Double)]
    [InlineData(130, Precision.Single)]
    [InlineData(600, Precision.Double)]
    [InlineData(257, Precision.Single)]
    public void Runs_are_bit_identical_for_one_or_two_threads_at_widths_where_BLAS_threading_is_not(int m, Precision precision)
    {
        var ds = DataSource.Load("gaussians:2", new DataOptions { N = 300, D = 10, Seed = 1 });
        var o = new TrainingOptions(m, 6, 1.0, Seed: 7, Threads: 1, Precision: precision);
        TrainingTests.AssertBitIdentical(Trainer.Train(ds, null, o), Trainer.Train(ds, null, o with { Threads = 2 }));
    }

    private sealed class SyncProgress(List<int> seen) : IProgress<int>
    {
        public void Report(int value) { lock (seen) seen.Add(value); }
    }

    [Fact]
    public void Impossible_run_control_settings_are_input_errors_naming_the_parameter()
    {
        var ds = TrainingTests.RandomData(6, 2, 131);
        var good = new TrainingOptions(4, 3, 0.5, Seed: 1, Threads: 1);
        void Expect(string name, Action action)
        {
            var ex = Assert.Throws<InputException>(action);
            Assert.Equal(name, ex.Field);
        }
        Expect("convergence", () => Trainer.Train(ds, null, good with { Convergence = new ConvergenceRule(RelativeDrop: 0) }));
        Expect("convergence", () => Trainer.Train(ds, null, good with { Convergence = new ConvergenceRule(WindowFraction: 0) }));
        Expect("convergence", () => Trainer.Train(ds, null, good with { Convergence = new ConvergenceRule(WindowFraction: 1.5) }));
        Expect("convergence", () => Trainer.Train(ds, null, good with { Convergence = new ConvergenceRule(MinSteps: 0) }));
        Expect("convergence", () => Trainer.Train(ds, null, good with { Convergence = new ConvergenceRule(CheckEvery: 0) }));
        Expect("convergence", () => Trainer.Train(ds, null, good with { Convergence = new ConvergenceRule(AbsoluteDrop: -1e-4) }));
        Expect("batch-size", () => Trainer.Train(ds, null, good with { BatchSize = -1 }));
        Expect("momentum", () => Trainer.Train(ds, null, good with { Momentum = 1 }));
        Expect("beta1", () => Trainer.Train(ds, null, good with { Beta1 = -0.1 }));
        Expect("beta2", () => Trainer.Train(ds, null, good with { Beta2 = 1 }));
        Expect("adam-epsilon", () => Trainer.Train(ds, null, good with { AdamEpsilon = 0 }));
        Expect("validation", () => Trainer.Train(ds, null, good, null, null, TrainingTests.RandomData(4, 3, 132)));
        Expect("validation", () => Trainer.TrainMany([new RunSpec(ds, null, good, TrainingTests.RandomData(4, 3, 132))]));
        Expect("threads", () => Trainer.TrainMany([new RunSpec(ds, null, good)], threads: -1));
    }
}
