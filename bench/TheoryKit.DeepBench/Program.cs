// Seconds per training step of TheoryKit.Deep: DeepStepper.Epoch, the minibatch loop of DeepTrainer.Train (batch rows by index_select
// of a view of the order, forward, binary cross-entropy with logits, backward, DeepOptimiser's Adam update, loss summed in a tensor and
// read back once per epoch), on synthetic unit-norm rows, one process per call. bench/deep_throughput.py runs the same step in python3-torch.
// Usage: TheoryKit.DeepBench mlp|cnn WIDTH DEPTH BATCH EPOCHS TRIALS THREADS
// Prints: "seconds_per_step WALL CPU": the best of TRIALS runs of EPOCHS epochs over 800 rows (after a warm-up epoch), wall-clock and
// process CPU seconds (all threads) per batch.
using System.Diagnostics;
using System.Globalization;
using TheoryKit.Deep;
using TheoryKit.Training;
using static TorchSharp.torch;

var ci = CultureInfo.InvariantCulture;
var family = args[0] == "mlp" ? DeepFamily.Mlp : DeepFamily.Cnn;
int width = int.Parse(args[1], ci), depth = int.Parse(args[2], ci), batch = int.Parse(args[3], ci), epochs = int.Parse(args[4], ci),
    trials = int.Parse(args[5], ci), threads = int.Parse(args[6], ci);
const int n = 800, d = 784;
TorchRuntime.Configure();
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
var targets = Enumerable.Range(0, n).Select(i => (double)(i % 2)).ToArray();
using var net = DeepNetwork.Create(new DeepSettings(family, depth), width, d, 7, ScalarType.Float32);
var options = new TrainingOptions(width, epochs, 1e-3) { Optimiser = Optimiser.Adam, BatchSize = batch, Precision = Precision.Single };
using var opt = new DeepOptimiser(net.Module.parameters(), options, 0);
using var stepper = new DeepStepper(net, opt, x, targets);
var order = Enumerable.Range(0, n).Select(i => (long)((i * 7919) % n)).ToArray();
int batches = (n + batch - 1) / batch;
var process = Process.GetCurrentProcess();
(double wall, double cpu) Run(int k)
{
    process.Refresh();
    var cpu0 = process.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    for (int e = 0; e < k; e++) stepper.Epoch(order, batch);
    double wall = clock.Elapsed.TotalSeconds;
    process.Refresh();
    return (wall / (k * batches), (process.TotalProcessorTime - cpu0).TotalSeconds / (k * batches));
}
Run(1);
double bestWall = double.PositiveInfinity, bestCpu = double.PositiveInfinity;
for (int k = 0; k < trials; k++)
{
    var (w, c) = Run(epochs);
    bestWall = Math.Min(bestWall, w);
    bestCpu = Math.Min(bestCpu, c);
}
Console.WriteLine($"seconds_per_step {bestWall.ToString("R", ci)} {bestCpu.ToString("R", ci)}");
