using TheoryKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TheoryKit.Deep.Tests;

/// <summary>
/// <see cref="DeepOptimiser"/> against the update rules written out per coordinate in double (Kingma, Ba 2015 for Adam in PyTorch's
/// form p -= eta m_hat / (sqrt(v_hat) + eps); PyTorch's heavy-ball SGD; gradient descent), with L2 weight decay added to the gradient:
/// the objective is 0.5 sum_j c_j p_j^2 + sum_j b_j p_j (gradient c_j p_j + b_j), so the gradients at every step follow from the
/// parameters alone. Five updates in float64 must agree to 1e-14 (the rearranged Adam quotient differs in the last bits).
/// </summary>
public class DeepOptimiserTests
{
    private static readonly double[] C = [0.5, 2.0, 1.5, 0.1, 3.0, 1.0];
    private static readonly double[] B = [0.3, -1.0, 0.0, 2.0, -0.25, 0.7];
    private static readonly double[] P0 = [1.0, -0.5, 0.25, 2.0, -1.5, 0.0];

    [Theory]
    [InlineData(Optimiser.Adam, 0.0)]
    [InlineData(Optimiser.Adam, 0.1)]
    [InlineData(Optimiser.SgdMomentum, 0.0)]
    [InlineData(Optimiser.SgdMomentum, 0.05)]
    [InlineData(Optimiser.GradientDescent, 0.2)]
    public void UpdatesFollowTheWrittenOutRule(Optimiser kind, double decay)
    {
        var options = new TrainingOptions(1, 5, 0.05) { Optimiser = kind, Momentum = 0.8, Beta1 = 0.9, Beta2 = 0.99, AdamEpsilon = 1e-3 };
        // two parameter tensors (3 coordinates each), as a module has weights and biases
        using var module = new TwoParameters();
        using var opt = new DeepOptimiser(module.parameters(), options, decay);
        int n = P0.Length;
        var p = (double[])P0.Clone();
        double[] m = new double[n], v = new double[n];
        for (int k = 1; k <= 5; k++)
        {
            opt.ZeroGrad();
            using (var loss = module.Objective()) loss.backward();
            opt.Step();
            for (int j = 0; j < n; j++)
            {
                double g = C[j] * p[j] + B[j] + decay * p[j];
                switch (kind)
                {
                    case Optimiser.Adam:
                        m[j] = 0.9 * m[j] + 0.1 * g;
                        v[j] = 0.99 * v[j] + 0.01 * g * g;
                        double mHat = m[j] / (1 - Math.Pow(0.9, k)), vHat = v[j] / (1 - Math.Pow(0.99, k));
                        p[j] -= 0.05 * mHat / (Math.Sqrt(vHat) + 1e-3);
                        break;
                    case Optimiser.SgdMomentum:
                        m[j] = k == 1 ? g : 0.8 * m[j] + g;
                        p[j] -= 0.05 * m[j];
                        break;
                    default:
                        p[j] -= 0.05 * g;
                        break;
                }
            }
            var got = module.Values();
            for (int j = 0; j < n; j++)
                Assert.True(Math.Abs(got[j] - p[j]) <= 1e-14, $"{kind} update {k}, coordinate {j}: optimiser {got[j]:R}, written out {p[j]:R}");
        }
        Assert.Equal(5, opt.Updates);
    }

    private sealed class TwoParameters : nn.Module
    {
        private readonly TorchSharp.Modules.Parameter _a, _b;
        private readonly Tensor _c, _bias;

        public TwoParameters() : base("two")
        {
            _a = new TorchSharp.Modules.Parameter(tensor(P0[..3], dtype: ScalarType.Float64));
            _b = new TorchSharp.Modules.Parameter(tensor(P0[3..], dtype: ScalarType.Float64));
            _c = tensor(C, dtype: ScalarType.Float64);
            _bias = tensor(B, dtype: ScalarType.Float64);
            register_parameter("a", _a);
            register_parameter("b", _b);
        }

        public Tensor Objective()
        {
            using var all = cat([_a, _b]);
            return (0.5 * _c * all * all + _bias * all).sum();
        }

        public double[] Values() => [.. _a.data<double>().ToArray(), .. _b.data<double>().ToArray()];

        protected override void Dispose(bool disposing)
        {
            if (disposing) { _c.Dispose(); _bias.Dispose(); }
            base.Dispose(disposing);
        }
    }
}
