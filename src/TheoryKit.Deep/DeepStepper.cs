using static TorchSharp.torch;

namespace TheoryKit.Deep;

/// <summary>
/// The minibatch epoch of <see cref="DeepTrainer"/> (THEORY.md §9, deep students): rows visited in a given order, in batches of
/// <c>batch</c> rows; per batch the logits f of rows x (index_select of a narrow view of the order, no per-batch index array), the mean
/// binary cross-entropy with logits against the targets p (one fused libtorch operation), backward, one <see cref="DeepOptimiser"/>
/// update. The batch losses times their row counts are summed in a float64 tensor and read back once per epoch, so a batch makes no
/// synchronising read and no managed allocation. bench/TheoryKit.DeepBench times this class.
/// </summary>
public sealed class DeepStepper : IDisposable
{
    private readonly DeepNetwork _net;
    private readonly DeepOptimiser _opt;
    private readonly Tensor _x, _target, _sum;

    /// <summary>A stepper over rows x (n x d, the network's element type) with targets p (length n, probabilities in [0, 1]).</summary>
    /// <param name="net">The network (updated in place).</param>
    /// <param name="optimiser">Its optimiser.</param>
    /// <param name="x">Training rows, n x d (not owned).</param>
    /// <param name="target">Target probabilities p_i (soft labels, or (y + 1) / 2 for hard labels), length n.</param>
    public DeepStepper(DeepNetwork net, DeepOptimiser optimiser, Tensor x, double[] target)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(optimiser);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(target);
        if (target.Length != x.shape[0]) throw new ArgumentException($"{target.Length} targets for {x.shape[0]} rows", nameof(target));
        _net = net; _opt = optimiser; _x = x;
        using var t64 = tensor(target, dtype: ScalarType.Float64);
        _target = t64.to_type(net.Type);
        _sum = zeros(1, dtype: ScalarType.Float64);
    }

    /// <summary>One epoch: the rows in <paramref name="order"/> (a permutation of 0..n-1, or any index list), batches of
    /// <paramref name="batch"/> rows (the last one shorter), one update per batch.</summary>
    /// <param name="order">Row indices in visiting order.</param>
    /// <param name="batch">Rows per batch (&gt;= 1).</param>
    /// <returns>Sum over batches of (mean binary cross-entropy with logits of the batch) x (rows in the batch), in nats; NaN or
    /// infinite when the loss diverged.</returns>
    public double Epoch(long[] order, int batch)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "must be >= 1");
        using var perm = tensor(order, dtype: ScalarType.Int64);
        _sum.zero_();
        for (int start = 0; start < order.Length; start += batch)
        {
            int len = Math.Min(batch, order.Length - start);
            using var scope = NewDisposeScope();
            var idx = perm.narrow(0, start, len);
            var f = _net.Forward(_x.index_select(0, idx));
            var loss = nn.functional.binary_cross_entropy_with_logits(f, _target.index_select(0, idx));
            _opt.ZeroGrad();
            loss.backward();
            _opt.Step();
            using (no_grad()) _sum.add_(loss.detach(), len);
        }
        return _sum.item<double>();
    }

    /// <summary>Frees the targets and the running sum (the network, optimiser and rows belong to the caller).</summary>
    public void Dispose()
    {
        _target.Dispose();
        _sum.Dispose();
    }
}
