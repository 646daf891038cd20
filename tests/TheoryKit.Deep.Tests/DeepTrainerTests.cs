using TheoryKit.Data;
using TheoryKit.Experiments;
using TheoryKit.Training;
using static TorchSharp.torch;

namespace TheoryKit.Deep.Tests;

public class DeepTrainerTests
{
    private static Dataset Images(int n, ulong seed) =>
        DataSource.Load("gaussians:2", new DataOptions { N = n, D = 64, Seed = seed });   // d = 64 = 1 x 8 x 8 for the CNN

    /// <summary>
    /// A teacher (keepBest) keeps the epoch, from 1, of lowest logistic risk on its validation labels. Reference: separate runs of
    /// exactly e epochs (the same seed gives the same minibatch orders and steps), whose validation risk
    /// (1/n_v) sum ln(1 + exp(-y f)) is summed here by hand; the teacher's logits must be those of the run at the kept epoch.
    /// </summary>
    [Fact]
    public void TeacherKeepsTheEpochOfLowestValidationRisk()
    {
        var points = Images(120, 5);
        var (train, val) = Distill.Split(points, 0.25, 5);
        var noisy = Distill.Noisy(train, 0.3, 5, 0, 0);
        var noisyVal = Distill.Noisy(val, 0.3, 5, 0, 1);
        var settings = new DeepSettings(DeepFamily.Mlp, Depth: 1);
        const int epochs = 8;
        TrainingOptions Options(int e) => new(32, e, 0.02, LabelKind.Hard, false, null, 9, 1, Precision.Double, 1) { Optimiser = Optimiser.Adam, BatchSize = 16 };
        using var tx = DeepData.Of(noisy, ScalarType.Float64);
        using var vx = DeepData.Of(noisyVal, ScalarType.Float64);
        var teacher = DeepTrainer.Train(settings, Options(epochs), tx, null, vx, null, keepBest: true);
        int expected = 0; double lowest = double.PositiveInfinity; DeepRun? kept = null;
        for (int e = 1; e <= epochs; e++)
        {
            var alone = DeepTrainer.Train(settings, Options(e), tx, null, null, vx);
            double risk = alone.TestLogits!.Select((f, i) => Math.Log(1 + Math.Exp(-noisyVal.Y[i] * f))).Average();
            if (risk < lowest) { lowest = risk; expected = e; kept = alone; }
        }
        Assert.InRange(expected, 1, epochs - 1);   // the case stops early, so the rule is exercised
        Assert.Equal(expected, teacher.Result.StepsRun);
        for (int i = 0; i < noisy.N; i++) Assert.Equal(kept!.TrainLogits[i], teacher.TrainLogits[i], 1e-12);
    }

    /// <summary>
    /// One full-batch gradient step of a depth-1 MLP by DeepTrainer (float64), against the same step written out by hand:
    /// h = relu(sqrt(d) X W1^T + b1), f = h v + c, loss = mean softplus(-y f); gradients by the chain rule; W -= eta grad.
    /// The trainer's final objective L(W_1) must equal the hand computation's.
    /// </summary>
    [Fact]
    public void OneGradientStepMatchesTheHandComputation()
    {
        var data = Images(40, 3);
        int n = data.N, d = data.D;
        const int m = 6;
        const double eta = 0.5;
        var settings = new DeepSettings(DeepFamily.Mlp, Depth: 1);
        var options = new TrainingOptions(m, 1, eta, LabelKind.Hard, false, null, 21, 1, Precision.Double, 1) { Optimiser = Optimiser.GradientDescent };
        using var train = DeepData.Of(data, ScalarType.Float64);
        var run = DeepTrainer.Train(settings, options, train, null, null, null);

        using var net = DeepNetwork.Create(settings, m, d, 21, ScalarType.Float64);
        var ps = net.Module.parameters().Select(p => p.data<double>().ToArray()).ToArray();
        double[] w = ps[0], b = ps[1], v = ps[2];
        double c = ps[3][0], s = Math.Sqrt(d);
        double Loss(double[] w1, double[] b1, double[] v1, double c1, double[]? gw, double[]? gb, double[]? gv, double[]? gc)
        {
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                var h = new double[m];
                double f = c1;
                for (int k = 0; k < m; k++)
                {
                    double z = b1[k];
                    for (int j = 0; j < d; j++) z += w1[k * d + j] * s * data.X[i * d + j];
                    h[k] = Math.Max(0, z);
                    f += v1[k] * h[k];
                }
                total += Losses.Logistic(data.Y[i], f);
                if (gw is null) continue;
                double g = Losses.LogisticDerivative(data.Y[i], f) / n;
                gc![0] += g;
                for (int k = 0; k < m; k++)
                {
                    gv![k] += g * h[k];
                    if (h[k] <= 0) continue;
                    gb![k] += g * v1[k];
                    for (int j = 0; j < d; j++) gw[k * d + j] += g * v1[k] * s * data.X[i * d + j];
                }
            }
            return total / n;
        }
        double[] gw = new double[m * d], gb = new double[m], gv = new double[m], gc = new double[1];
        double l0 = Loss(w, b, v, c, gw, gb, gv, gc);
        double l1 = Loss(w.Zip(gw, (p, g) => p - eta * g).ToArray(), b.Zip(gb, (p, g) => p - eta * g).ToArray(),
            v.Zip(gv, (p, g) => p - eta * g).ToArray(), c - eta * gc[0], null, null, null, null);
        Assert.True(Math.Abs(run.Result.Trajectory[0].Loss - l0) <= 1e-12, $"L(W_0): trainer {run.Result.Trajectory[0].Loss:R}, hand {l0:R}");
        Assert.True(Math.Abs(run.Result.FinalLoss - l1) <= 1e-12, $"L(W_1): trainer {run.Result.FinalLoss:R}, hand {l1:R}");
        Assert.True(l1 < l0);
    }

    /// <summary>The same seed gives the same bits whether the runs of a batch train on 1 or 2 threads; soft and hard students differ.</summary>
    [Fact]
    public void StudentsDoNotDependOnTheThreadCount()
    {
        var data = Images(60, 4);
        var (train, validation) = Distill.Split(data, 0.25, 9);
        var soft = train.Y.Select(y => y > 0 ? 0.8 : 0.2).ToArray();
        var engine = new DeepDistillEngine(new DeepSettings(DeepFamily.Cnn, Depth: 2));
        var options = new TrainingOptions(3, 4, 0.01, LabelKind.Hard, false, null, 0, 0, Precision.Single, 1) { Optimiser = Optimiser.Adam, BatchSize = 16 };
        var runs = new[] { LabelKind.Soft, LabelKind.Hard }.SelectMany(kind => new[] { 2, 4 }.Select(w =>
            new RunSpec(train, kind == LabelKind.Soft ? soft : null, options with { Width = w, Labels = kind, Seed = (ulong)(100 + w) },
                kind == LabelKind.Hard ? validation : null))).ToList();
        TrainingResult[] Train(int threads)
        {
            var results = new TrainingResult[runs.Count];
            engine.TrainStudents(runs, validation, threads, (i, r) => results[i] = r, null);
            return results;
        }
        var one = Train(1);
        var two = Train(2);
        for (int i = 0; i < runs.Count; i++)
        {
            Assert.Equal(one[i].Trajectory.Select(p => p.Loss), two[i].Trajectory.Select(p => p.Loss));
            Assert.Equal(one[i].TestError, two[i].TestError);
            Assert.Equal(one[i].FinalLoss, two[i].FinalLoss);
        }
        Assert.NotNull(one[2].EarlyStopped);
        Assert.Null(one[0].EarlyStopped);
        Assert.NotEqual(one[0].FinalLoss, one[2].FinalLoss);
    }

    [Theory]
    [InlineData(784, 1, 28)]
    [InlineData(3072, 3, 32)]
    [InlineData(64, 1, 8)]
    public void ImageShapes(int d, int channels, int side)
    {
        Assert.Equal(new ImageShape(channels, side, side), ImageShape.Infer(d));
    }

    [Fact]
    public void CnnRefusesRowsThatAreNoImage()
    {
        Assert.Null(ImageShape.Infer(10));
        var e = Assert.Throws<InputException>(() => DeepNetwork.Check(new DeepSettings(DeepFamily.Cnn), 10));
        Assert.Contains("d = 10", e.Message);
        Assert.Throws<InputException>(() => DeepNetwork.Check(new DeepSettings(DeepFamily.Cnn, Depth: 4), 64));   // 8 x 8 after 4 poolings
    }
}
