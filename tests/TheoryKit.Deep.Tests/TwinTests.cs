using TheoryKit.Data;
using TheoryKit.Networks;
using TheoryKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TheoryKit.Deep.Tests;

/// <summary>
/// The twin of THEORY.md §1-3 (as neural-tangents holds the analytic kernel against sampled networks): the two-layer ReLU network in
/// the NTK parametrisation f(x) = (1/sqrt m) sum_s a_s relu(&lt;w_s, x&gt;), written with TorchSharp's autograd in float64 from the core's
/// initialisation (<see cref="TwoLayerNetwork.Initialise"/>) and trained by full-batch gradient descent, follows the core engine's
/// trajectory (<see cref="Trainer.Train"/>, float64) step by step: the same objective at every step and the same final W to 1e-10.
/// Two independent implementations (hand-written blocked GEMM gradients against libtorch autograd) agree only if both are right.
/// </summary>
public class TwinTests
{
    private static Dataset Data() => DataSource.Load("gaussians:1.5", new DataOptions { N = 80, D = 12, Seed = 5 });

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void TorchTwinFollowsTheCoreEngine(bool soft, bool symmetric)
    {
        var data = Data();
        const int m = 16, steps = 40;
        const double eta = 2.0;
        double[]? p = soft ? data.Y.Select((y, i) => 0.5 + 0.4 * y * Math.Cos(i)).ToArray() : null;   // soft labels in (0.1, 0.9)
        var options = new TrainingOptions(m, steps, eta, soft ? LabelKind.Soft : LabelKind.Hard, symmetric, null, 11, 1, Precision.Double, 1);
        var core = Trainer.Train(data, p, options);
        var net = TwoLayerNetwork.Initialise(m, data.D, 11, symmetric);

        using var x = tensor(data.X, [data.N, data.D], dtype: ScalarType.Float64);
        using var target = tensor(p ?? data.Y.Select(y => y > 0 ? 1.0 : 0.0).ToArray(), dtype: ScalarType.Float64);
        using var a = tensor(net.A, dtype: ScalarType.Float64);
        using var w = tensor(net.W0, [m, data.D], dtype: ScalarType.Float64).requires_grad_(true);
        double entropy = (p ?? []).Sum(Losses.Entropy) / data.N;
        var losses = new List<double>();
        for (int t = 0; t <= steps; t++)
        {
            using var scope = NewDisposeScope();
            var f = nn.functional.relu(x.matmul(w.t())).matmul(a) / Math.Sqrt(m);
            var loss = nn.functional.binary_cross_entropy_with_logits(f, target);
            losses.Add(loss.item<double>() - entropy);
            if (t == steps) break;
            loss.backward();
            using (no_grad()) w.sub_(w.grad! * eta);
            w.grad!.zero_();
        }
        var coreLosses = core.Trajectory.Select(q => q.Loss).ToArray();
        Assert.Equal(steps + 1, coreLosses.Length);
        Assert.True(losses[steps] < 0.8 * losses[0], $"the objective should fall: {losses[0]} -> {losses[steps]}");
        for (int t = 0; t <= steps; t++) Assert.True(Math.Abs(losses[t] - coreLosses[t]) <= 1e-10, $"step {t}: torch {losses[t]:R}, core {coreLosses[t]:R}");
        var wt = w.detach().data<double>().ToArray();
        double worst = wt.Zip(core.W, (u, v) => Math.Abs(u - v)).Max();
        Assert.True(worst <= 1e-10, $"final W differs by {worst:g3}");
    }
}
