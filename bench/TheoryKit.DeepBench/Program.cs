// Seconds per training step of a TheoryKit.Deep network: the loop body of DeepTrainer.Train (minibatch by index_select, forward,
// binary cross-entropy with logits, backward, Adam step, loss read back), on synthetic unit-norm rows, one process per call.
// Usage: TheoryKit.DeepBench mlp|cnn WIDTH DEPTH BATCH STEPS TRIALS THREADS
// Prints: "seconds_per_step S" (best of TRIALS runs of STEPS steps after a warm-up run).
using System.Diagnostics;
using System.Globalization;
using TheoryKit.Deep;
using static TorchSharp.torch;

var ci = CultureInfo.InvariantCulture;
var family = args[0] == "mlp" ? DeepFamily.Mlp : DeepFamily.Cnn;
int width = int.Parse(args[1], ci), depth = int.Parse(args[2], ci), batch = int.Parse(args[3], ci), steps = int.Parse(args[4], ci),
    trials = int.Parse(args[5], ci), threads = int.Parse(args[6], ci);
const int n = 800, d = 784;
set_num_threads(threads);
var rng = new Random(1);
var xs = new double[n * d];
for (int i = 0; i < n; i++)
{
    double s = 0;
    for (int j = 0; j < d; j++) { xs[i * d + j] = rng.NextDouble(); s += xs[i * d + j] * xs[i * d + j]; }
    for (int j = 0; j < d; j++) xs[i * d + j] /= Math.Sqrt(s);
}
using var x = tensor(xs, [n, d], dtype: ScalarType.Float32);
using var t = tensor(Enumerable.Range(0, n).Select(i => (float)(i % 2)).ToArray());
using var net = DeepNetwork.Create(new DeepSettings(family, depth), width, d, 7, ScalarType.Float32);
using var opt = optim.Adam(net.Module.parameters(), 1e-3);
var order = Enumerable.Range(0, n).Select(i => (long)((i * 7919) % n)).ToArray();
int pos = 0;
double Run(int k)
{
    var clock = Stopwatch.StartNew();
    for (int s = 0; s < k; s++)
    {
        using var scope = NewDisposeScope();
        if (pos + batch > n) pos = 0;
        var idx = tensor(order.AsSpan(pos, batch).ToArray(), dtype: ScalarType.Int64);
        pos += batch;
        var f = net.Forward(x.index_select(0, idx));
        var loss = nn.functional.binary_cross_entropy_with_logits(f, t.index_select(0, idx));
        opt.zero_grad();
        loss.backward();
        opt.step();
        _ = loss.to_type(ScalarType.Float64).item<double>();
    }
    return clock.Elapsed.TotalSeconds / k;
}
Run(Math.Max(5, steps / 5));
double best = double.PositiveInfinity;
for (int k = 0; k < trials; k++) best = Math.Min(best, Run(steps));
Console.WriteLine($"seconds_per_step {best.ToString("R", ci)}");
