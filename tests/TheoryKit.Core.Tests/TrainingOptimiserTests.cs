using TheoryKit.Data;
using TheoryKit.Networks;
using TheoryKit.Random;
using TheoryKit.Training;

namespace TheoryKit.Tests;

// Trainable output layer, minibatches and the momentum and Adam optimisers against a plain-loop trainer written
// here from the formulas (TrainingOptions, Optimiser docstrings):
//   f(x) = (1/sqrt m) sum_s a_s relu(<w_s, x>) + c; on a batch B: g_i = l'(f_i) / |B|,
//   dW_s = sum_i g_i (1/sqrt m) a_s 1[z_is > 0] x_i,  da_s = sum_i g_i (1/sqrt m) relu(z_is),  dc = sum_i g_i;
//   GD: p -= eta g; momentum: v = mu v + g, p -= eta v; Adam: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
//   p -= eta (m / (1 - b1^k)) / (sqrt(v / (1 - b2^k)) + eps), k = 1, 2, ... counting updates;
//   an epoch (one step t) visits the rows in the permutation drawn by Fisher-Yates from SeedSequence.Rng(seed, "minibatch", t).
[Collection(TrainerEngineCollection.Name)]
public class TrainingOptimiserTests
{
    private sealed class Reference(int m, int d, double[] w, double[] a)
    {
        public double[] W = w, A = a;
        public double C;
        public readonly List<double> Losses = new();
        private readonly double[] _v1 = new double[m * d + m + 1], _v2 = new double[m * d + m + 1];
        private long _k;

        private double Hidden(double[] x, int i, int s)
        {
            double z = 0;
            for (int j = 0; j < d; j++) z += W[s * d + j] * x[i * d + j];
            return z;
        }

        public double Logit(double[] x, int i)
        {
            double sum = 0;
            for (int s = 0; s < m; s++) sum += A[s] * Math.Max(Hidden(x, i, s), 0);
            return sum / Math.Sqrt(m) + C;
        }

        private static double Derivative(LabelKind kind, double y, double p, double f) =>
            kind == LabelKind.Hard ? -y / (1 + Math.Exp(y * f)) : 1 / (1 + Math.Exp(-f)) - p;

        private static double Loss(LabelKind kind, double y, double p, double f) =>
            kind == LabelKind.Hard ? Math.Log(1 + Math.Exp(-y * f))
                : (p > 0 ? p * Math.Log(p * (1 + Math.Exp(-f))) : 0) + (p < 1 ? (1 - p) * Math.Log((1 - p) * (1 + Math.Exp(f))) : 0);

        public void Train(Dataset ds, double[]? soft, TrainingOptions o)
        {
            int n = ds.N;
            for (int t = 0; t < o.Steps; t++)
            {
                double loss = 0;
                for (int i = 0; i < n; i++) loss += Loss(o.Labels, ds.Y[i], soft?[i] ?? 0, Logit(ds.X, i));
                Losses.Add(loss / n);
                int[] order = Enumerable.Range(0, n).ToArray();
                int size = o.BatchSize == 0 || o.BatchSize >= n ? n : o.BatchSize;
                if (size < n)
                {
                    var rng = SeedSequence.Rng(o.Seed, "minibatch", t);
                    for (int i = n - 1; i > 0; i--) { int j = rng.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }
                }
                for (int b0 = 0; b0 < n; b0 += size)
                {
                    var batch = order.Skip(b0).Take(size).ToArray();
                    var g = new double[m * d + m + 1];
                    foreach (int i in batch)
                    {
                        double gi = Derivative(o.Labels, ds.Y[i], soft?[i] ?? 0, Logit(ds.X, i)) / batch.Length;
                        for (int s = 0; s < m; s++)
                        {
                            double z = Hidden(ds.X, i, s);
                            if (z > 0) for (int j = 0; j < d; j++) g[s * d + j] += gi * A[s] / Math.Sqrt(m) * ds.X[i * d + j];
                            g[m * d + s] += gi * Math.Max(z, 0) / Math.Sqrt(m);
                        }
                        g[m * d + m] += gi;
                    }
                    Apply(g, o);
                }
            }
        }

        private void Apply(double[] g, TrainingOptions o)
        {
            _k++;
            int count = o.TrainOutput ? g.Length : m * d;
            for (int q = 0; q < count; q++)
            {
                double step = o.Optimiser switch
                {
                    Optimiser.GradientDescent => g[q],
                    Optimiser.SgdMomentum => _v1[q] = o.Momentum * _v1[q] + g[q],
                    _ => AdamStep(q, g[q], o),
                };
                if (q < m * d) W[q] -= o.Eta * step;
                else if (q < m * d + m) A[q - m * d] -= o.Eta * step;
                else C -= o.Eta * step;
            }
        }

        private double AdamStep(int q, double g, TrainingOptions o)
        {
            _v1[q] = o.Beta1 * _v1[q] + (1 - o.Beta1) * g;
            _v2[q] = o.Beta2 * _v2[q] + (1 - o.Beta2) * g * g;
            return _v1[q] / (1 - Math.Pow(o.Beta1, _k)) / (Math.Sqrt(_v2[q] / (1 - Math.Pow(o.Beta2, _k))) + o.AdamEpsilon);
        }
    }

    public static TheoryData<Optimiser, int, bool, LabelKind> Cases() => new()
    {
        { Optimiser.GradientDescent, 0, true, LabelKind.Hard },
        { Optimiser.SgdMomentum, 0, false, LabelKind.Hard },
        { Optimiser.Adam, 0, true, LabelKind.Soft },
        { Optimiser.GradientDescent, 3, false, LabelKind.Hard },
        { Optimiser.SgdMomentum, 4, true, LabelKind.Soft },
        { Optimiser.Adam, 5, true, LabelKind.Hard },
        { Optimiser.Adam, 2, false, LabelKind.Hard },
    };

    // Only summation order differs between the engine and the loops (a handful of terms per sum, 6 steps, quantities
    // O(1)); 1e-11 absolute leaves room for the growth through the steps while catching any formula slip (O(1e-3)).
    [Theory, MemberData(nameof(Cases))]
    public void Engine_matches_the_plain_loop_trainer(Optimiser optimiser, int batch, bool trainOutput, LabelKind kind)
    {
        const int n = 11, d = 3, m = 6, T = 6;
        var ds = TrainingTests.RandomData(n, d, 141);
        var soft = kind == LabelKind.Soft ? TrainingTests.RandomSoft(n, 142) : null;
        var o = new TrainingOptions(m, T, 0.3, kind, Seed: 5, Threads: 1)
        {
            Optimiser = optimiser, BatchSize = batch, TrainOutput = trainOutput, Momentum = 0.8, Beta1 = 0.85, Beta2 = 0.99, AdamEpsilon = 1e-6,
        };
        var net = TwoLayerNetwork.Initialise(m, d, 5);
        var reference = new Reference(m, d, (double[])net.W0.Clone(), (double[])net.A.Clone());
        reference.Train(ds, soft, o);
        var r = Trainer.Train(ds, soft, o);

        for (int k = 0; k < m * d; k++) Assert.Equal(reference.W[k], r.W[k], 1e-11);
        for (int s = 0; s < m; s++) Assert.Equal(reference.A[s], r.A[s], 1e-11);
        Assert.Equal(reference.C, r.OutputBias, 1e-11);
        for (int t = 0; t < T; t++) Assert.Equal(reference.Losses[t], r.Trajectory[t].Loss, 1e-11);
        if (trainOutput)
        {
            Assert.NotEqual(net.A, r.A);
            Assert.NotEqual(0.0, r.OutputBias);
        }
        else
        {
            Assert.Equal(net.A, r.A);
            Assert.Equal(0.0, r.OutputBias);
        }
        Assert.True(r.W.Zip(net.W0).Max(q => Math.Abs(q.First - q.Second)) > 1e-3, "W hardly moved: the comparison is weak");
        // the held-out error at the end is the 0-1 error of the returned (W, a, c), by the plain loop
        var test = TrainingTests.RandomData(30, d, 143);
        var withTest = Trainer.Train(ds, soft, o, test);
        double expected = 0;
        for (int i = 0; i < test.N; i++)
        {
            double f = reference.Logit(test.X, i);
            expected += f == 0 ? 0.5 : f * test.Y[i] < 0 ? 1 : 0;
        }
        Assert.Equal(expected / test.N, withTest.TestError);
    }

    // Adam's first update is p_1 = p_0 - eta g / (|g| + eps) (m_1 = (1-b1) g, v_1 = (1-b2) g^2 and the bias corrections
    // cancel the factors): a step of eta against the sign of each gradient entry. The gradient g is the one a unit GD
    // step takes (checked against finite differences in TrainingTests).
    [Fact]
    public void Adams_first_step_moves_every_weight_by_eta_against_its_gradient_sign()
    {
        var ds = TrainingTests.RandomData(15, 4, 151);
        var gd = Trainer.Train(ds, null, new TrainingOptions(6, 1, 1.0, Seed: 2, Threads: 1));
        var adam = Trainer.Train(ds, null, new TrainingOptions(6, 1, 0.01, Seed: 2, Threads: 1) { Optimiser = Optimiser.Adam });
        var w0 = TwoLayerNetwork.Initialise(6, 4, 2).W0;
        int moved = 0;
        for (int k = 0; k < w0.Length; k++)
        {
            double g = w0[k] - gd.W[k];
            double expected = w0[k] - 0.01 * g / (Math.Abs(g) + 1e-8);
            Assert.Equal(expected, adam.W[k], 1e-15);
            if (Math.Abs(g) > 1e-4) { Assert.Equal(0.01, Math.Abs(adam.W[k] - w0[k]), 1e-6); moved++; }
        }
        Assert.True(moved > w0.Length / 2, "too few active weights for the check to mean anything");
    }

    // Momentum's second update is p_2 = p_1 - eta (mu g_0 + g_1): with mu = 0 it is plain GD, bit for bit.
    [Fact]
    public void Momentum_zero_is_gradient_descent_and_full_batch_minibatch_is_full_batch()
    {
        var ds = TrainingTests.RandomData(15, 4, 161);
        var o = new TrainingOptions(6, 8, 0.7, Seed: 2, Threads: 1);
        var gd = Trainer.Train(ds, null, o);
        Assert.Equal(gd.W, Trainer.Train(ds, null, o with { Optimiser = Optimiser.SgdMomentum, Momentum = 0 }).W);
        Assert.Equal(gd.W, Trainer.Train(ds, null, o with { BatchSize = 15 }).W);
        Assert.Equal(gd.W, Trainer.Train(ds, null, o with { BatchSize = 100 }).W);
    }

    public static TheoryData<Precision> Precisions() => new() { Precision.Double, Precision.Single };

    [Theory, MemberData(nameof(Precisions))]
    public void Minibatch_Adam_with_a_trainable_output_is_bit_identical_for_one_or_two_threads(Precision precision)
    {
        var ds = DataSource.Load("gaussians:2", new DataOptions { N = 300, D = 10, Seed = 1 });
        var o = new TrainingOptions(40, 5, 0.01, Seed: 7, Threads: 1, Precision: precision)
        {
            Optimiser = Optimiser.Adam, BatchSize = 64, TrainOutput = true,
        };
        var one = Trainer.Train(ds, null, o);
        var two = Trainer.Train(ds, null, o with { Threads = 2 });
        TrainingTests.AssertBitIdentical(one, two);
        Assert.Equal(one.A, two.A);
        Assert.Equal(one.OutputBias, two.OutputBias);
        Assert.NotEqual(one.Trajectory[0].Loss, one.FinalLoss);
    }

    // float32 rounding (~6e-8 per operation) over 10 epochs of 4 updates with O(1) quantities stays far below 1e-4.
    [Fact]
    public void Float32_minibatch_momentum_with_trainable_output_agrees_with_float64()
    {
        var ds = TrainingTests.RandomData(20, 3, 171);
        var o = new TrainingOptions(8, 10, 0.2, Seed: 6, Threads: 1) { Optimiser = Optimiser.SgdMomentum, BatchSize = 5, TrainOutput = true };
        var r64 = Trainer.Train(ds, null, o);
        var r32 = Trainer.Train(ds, null, o with { Precision = Precision.Single });
        for (int k = 0; k < r64.W.Length; k++) Assert.Equal(r64.W[k], r32.W[k], 1e-4);
        for (int s = 0; s < 8; s++) Assert.Equal(r64.A[s], r32.A[s], 1e-4);
        Assert.Equal(r64.OutputBias, r32.OutputBias, 1e-4);
        Assert.Contains(r64.W.Zip(r32.W), t => t.First != t.Second);
    }
}
