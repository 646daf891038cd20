using TheoryKit.Training;
using static TorchSharp.torch;

namespace TheoryKit.Deep;

/// <summary>
/// The optimisers of <see cref="DeepTrainer"/>, written with in-place tensor operations on state allocated once, so that an update
/// allocates nothing (TorchSharp's optim.Adam computes sqrt(v) / sqrt(1 - beta2^k) into two new tensors per parameter and step).
/// With g the gradient plus weight decay lambda times the parameter (PyTorch's L2 weight_decay):
/// gradient descent p -= eta g; heavy-ball momentum v = mu v + g (v_1 = g), p -= eta v (PyTorch's SGD); Adam (Kingma, Ba 2015) with k the
/// update count from 1: m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2,
/// p -= eta (m / (1 - beta1^k)) / (sqrt(v / (1 - beta2^k)) + eps), computed as p -= eta sqrt(c2) / c1 * m / (sqrt(v) + eps sqrt(c2)) with
/// c1 = 1 - beta1^k, c2 = 1 - beta2^k (the same value; rounding differs from PyTorch's order of operations in the last bits).
/// </summary>
public sealed class DeepOptimiser : IDisposable
{
    private readonly TorchSharp.Modules.Parameter[] _ps;
    private readonly Tensor[] _m, _v, _buffer;
    private readonly Optimiser _kind;
    private readonly double _eta, _momentum, _beta1, _beta2, _eps, _decay;
    private long _k;

    /// <summary>An optimiser of the given parameters with the settings of <paramref name="options"/>.</summary>
    /// <param name="parameters">The parameters to update (their gradients are read after backward).</param>
    /// <param name="options">Optimiser, Eta (learning rate), Momentum, Beta1, Beta2, AdamEpsilon.</param>
    /// <param name="weightDecay">L2 weight decay lambda (&gt;= 0), added to the gradient as lambda p.</param>
    public DeepOptimiser(IEnumerable<TorchSharp.Modules.Parameter> parameters, TrainingOptions options, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        _ps = parameters.ToArray();
        _kind = options.Optimiser;
        _eta = options.Eta; _momentum = options.Optimiser == Optimiser.SgdMomentum ? options.Momentum : 0;
        _beta1 = options.Beta1; _beta2 = options.Beta2; _eps = options.AdamEpsilon; _decay = weightDecay;
        bool adam = _kind == Optimiser.Adam, velocity = adam || _momentum != 0;
        _m = velocity ? _ps.Select(p => zeros_like(p)).ToArray() : [];
        _v = adam ? _ps.Select(p => zeros_like(p)).ToArray() : [];
        _buffer = adam ? _ps.Select(p => zeros_like(p)).ToArray() : [];
    }

    /// <summary>Updates done.</summary>
    public long Updates => _k;

    /// <summary>Sets every gradient to zero in place (PyTorch's zero_grad(set_to_none=False)).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _ps)
        {
            using var g = p.grad;
            g?.zero_();
        }
    }

    /// <summary>One update from the current gradients (parameters without a gradient are left alone).</summary>
    public void Step()
    {
        _k++;
        using var _ = no_grad();
        double c1 = 1 - Math.Pow(_beta1, _k), c2 = 1 - Math.Pow(_beta2, _k);
        for (int i = 0; i < _ps.Length; i++)
        {
            using var g = _ps[i].grad;
            if (g is null) continue;
            var p = _ps[i];
            if (_decay != 0) g.add_(p, _decay);
            switch (_kind)
            {
                case Optimiser.Adam:
                    _m[i].mul_(_beta1).add_(g, 1 - _beta1);
                    _v[i].mul_(_beta2).addcmul_(g, g, 1 - _beta2);
                    _buffer[i].copy_(_v[i]).sqrt_().add_(_eps * Math.Sqrt(c2));
                    p.addcdiv_(_m[i], _buffer[i], -_eta * Math.Sqrt(c2) / c1);
                    break;
                case Optimiser.SgdMomentum when _momentum != 0:
                    if (_k == 1) _m[i].copy_(g); else _m[i].mul_(_momentum).add_(g);
                    p.add_(_m[i], -_eta);
                    break;
                default:
                    p.add_(g, -_eta);
                    break;
            }
        }
    }

    /// <summary>Frees the state.</summary>
    public void Dispose()
    {
        foreach (var t in _m.Concat(_v).Concat(_buffer)) t.Dispose();
    }
}
