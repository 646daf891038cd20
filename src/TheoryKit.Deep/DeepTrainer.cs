using System.Diagnostics;
using TheoryKit.Random;
using TheoryKit.Training;
using static TorchSharp.torch;

namespace TheoryKit.Deep;

/// <summary>Data of one run as torch tensors (rows n x d of the run's element type) with labels +-1 kept as doubles.</summary>
/// <param name="X">Rows, n x d.</param>
/// <param name="Y">Labels +-1 (length n).</param>
public sealed record DeepData(Tensor X, double[] Y) : IDisposable
{
    /// <summary>Frees the tensor (shared by <see cref="WithLabels"/> copies: dispose the original only).</summary>
    public void Dispose() => X.Dispose();

    /// <summary>Points n.</summary>
    public int N => Y.Length;

    /// <summary>Tensor of a dataset's rows in the given element type.</summary>
    /// <param name="data">Rows and labels.</param>
    /// <param name="type">float32 or float64.</param>
    public static DeepData Of(Data.Dataset data, ScalarType type)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var x = tensor(data.X, [data.N, data.D], dtype: ScalarType.Float64);
        return new DeepData(x.to_type(type), data.Y);
    }

    /// <summary>The same rows with other labels (the tensor is shared).</summary>
    /// <param name="y">Labels +-1 (length n).</param>
    public DeepData WithLabels(double[] y) => new(X, y);
}

/// <summary>Outcome of <see cref="DeepTrainer.Train"/>.</summary>
/// <param name="Result">The run as the core's record (trajectory per epoch without weight movements; W empty).</param>
/// <param name="TrainLogits">Logits on the training points at the end, or (with keepBest) at the kept epoch.</param>
/// <param name="TestLogits">Logits on the held-out points at the same state, or null without held-out data.</param>
public sealed record DeepRun(TrainingResult Result, double[] TrainLogits, double[]? TestLogits);

/// <summary>
/// Minibatch training of a <see cref="DeepNetwork"/> on one binary task (THEORY.md §2, §9 for deep students): soft labels p
/// with the KL loss KL(p || sigmoid(f)) (binary cross-entropy with logits less the entropy H(p), so the gradient is sigmoid(f) - p),
/// hard labels with the logistic loss (p = (y + 1) / 2, H = 0). Each recorded step (Steps, StepsRun, the trajectory) is one epoch: the rows are visited in a permutation drawn from
/// the run's seed (SeedSequence stream "deep-minibatch", index epoch), in batches of BatchSize rows (0: full batch), one optimiser
/// update per batch (<see cref="DeepStepper"/>, <see cref="DeepOptimiser"/>): SGD (momentum 0 for "gd", Momentum for "sgd") or Adam (Beta1, Beta2, AdamEpsilon), with L2 weight decay.
/// L(W_t) recorded per epoch is the epoch-averaged minibatch objective (L(W_0) a full pass at initialisation); the thresholds of
/// <see cref="TrainingOptions.Convergence"/> are applied to that sequence by <see cref="MinibatchConvergence"/> (a line fitted over the
/// last epochs, not two single epochs: minibatch noise makes single epochs rise by chance). Validation data are scored after every epoch; the epoch of
/// lowest validation error (ties: the earliest) is the early stop, its held-out figures from a saved copy of the parameters
/// (teachers, with keepBest, keep their epoch of lowest validation logistic risk instead).
/// Torch runs single-threaded in each call (set by <see cref="TorchRuntime.Configure"/>), so the numbers do not depend on how many
/// runs train in parallel.
/// </summary>
public static class DeepTrainer
{
    /// <summary>Rows per forward pass when scoring data.</summary>
    private const int ScoreRows = 1024;

    /// <summary>Trains one network.</summary>
    /// <param name="settings">Family, depth, weight decay.</param>
    /// <param name="options">Width, Steps (epoch cap), Eta (learning rate), Optimiser, BatchSize, Momentum, Beta1, Beta2, AdamEpsilon,
    /// Convergence, Precision, Seed (initialisation and minibatch order).</param>
    /// <param name="train">Training rows with the run's labels (the training error is measured on them).</param>
    /// <param name="targets">Target probabilities p_i (soft labels), or null for hard labels.</param>
    /// <param name="validation">Optional validation rows and labels (early stop).</param>
    /// <param name="test">Optional held-out rows and clean labels.</param>
    /// <param name="patience">Stop when the validation criterion has not improved for this many epochs (null: never).</param>
    /// <param name="keepBest">Teachers: restore the epoch (from 1) of lowest validation logistic risk at the end, and count patience on that
    /// risk; the result then describes that state. Without it (students) the early-stopped state is the epoch (from 0) of lowest
    /// validation 0-1 error. The risk for teachers as for kernel teachers (<see cref="TheoryKit.Teachers.KernelTeacher.FitMany"/>): on a
    /// small validation split the 0-1 error moves in coarse steps and its minimum falls at chance epochs.</param>
    /// <param name="epochDone">Optional callback after every epoch (epochs done).</param>
    /// <exception cref="InputException">Bad options or lengths.</exception>
    public static DeepRun Train(DeepSettings settings, TrainingOptions options, DeepData train, double[]? targets, DeepData? validation, DeepData? test,
        int? patience = null, bool keepBest = false, Action<int>? epochDone = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        options.Validate();
        TorchRuntime.Configure();
        if (targets is not null && targets.Length != train.N) throw InputException.Parameter("soft-labels", $"{targets.Length} soft labels for {train.N} points");
        if (keepBest && validation is null) throw InputException.Parameter("validation", "keeping the best epoch needs validation data");
        var clock = Stopwatch.StartNew();
        var type = options.Precision == Precision.Single ? ScalarType.Float32 : ScalarType.Float64;
        int n = train.N, d = (int)train.X.shape[1];
        var p = targets ?? train.Y.Select(y => y > 0 ? 1.0 : 0.0).ToArray();
        var entropy = p.Select(Losses.Entropy).ToArray();
        using var net = DeepNetwork.Create(settings, options.Width, d, options.Seed, type);
        using var opt = new DeepOptimiser(net.Module.parameters(), options, settings.WeightDecay);
        using var stepper = new DeepStepper(net, opt, train.X, p);
        double entropySum = entropy.Sum();
        int batch = options.BatchSize <= 0 || options.BatchSize >= n ? n : options.BatchSize;
        var losses = new List<double> { Objective(net, train.X, p, entropy) };
        var trajectory = new List<TrajectoryPoint>();
        (double risk, double error)? Check() => validation is null ? null : Trainer.RiskAndError(Logits(net, validation.X), validation.Y);
        var c0 = Check();
        trajectory.Add(new TrajectoryPoint(0, losses[0], double.NaN, double.NaN, double.NaN, double.NaN, null, c0?.error));
        int bestEpoch = 0;
        double bestVal = keepBest || c0 is null ? double.PositiveInfinity : c0.Value.error;
        Tensor[]? best = validation is not null ? net.Snapshot() : null;
        var outcome = RunOutcome.StepCap;
        int epoch = 0;
        var order = new long[n];
        while (epoch < options.Steps)
        {
            var rng = SeedSequence.Rng(options.Seed, "deep-minibatch", epoch);
            for (int i = 0; i < n; i++) order[i] = i;
            for (int i = n - 1; i > 0; i--) { int j = rng.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }
            double sum = stepper.Epoch(order, batch) - entropySum;
            epoch++;
            double objective = Math.Max(0, sum / n);
            losses.Add(double.IsFinite(sum) ? objective : double.NaN);
            if (!double.IsFinite(sum)) { outcome = RunOutcome.Diverged; break; }
            var c = Check();
            trajectory.Add(new TrajectoryPoint(epoch, objective, double.NaN, double.NaN, double.NaN, double.NaN, null, c?.error));
            if (c is { } ce && (keepBest ? ce.risk : ce.error) < bestVal)
            {
                bestVal = keepBest ? ce.risk : ce.error; bestEpoch = epoch;
                foreach (var t in best!) t.Dispose();
                best = net.Snapshot();
            }
            epochDone?.Invoke(epoch);
            if (options.Convergence is { } rule && MinibatchConvergence.HoldsAt(rule, losses, epoch)) { outcome = RunOutcome.Converged; break; }
            if (patience is { } pat && validation is not null && epoch - bestEpoch >= pat) break;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        if (outcome == RunOutcome.Diverged)
        {
            DisposeAll(best);
            var diverged = new TrainingResult([.. trajectory], double.NaN, Average(losses, epoch), double.NaN, double.NaN, double.NaN, null, null,
                seconds / Math.Max(1, epoch), Backend(net, batch), []) { StepsRun = epoch, Outcome = outcome };
            return new DeepRun(diverged, [], null);
        }
        EarlyStop? early = null;
        if (best is not null && !keepBest)
        {
            // held-out figures of the kept epoch, from its saved parameters; then back to the final state
            var final = net.Snapshot();
            net.Restore(best);
            double? te = null, tr = null;
            if (test is not null) (tr, te) = Trainer.RiskAndError(Logits(net, test.X), test.Y);
            early = new EarlyStop(bestEpoch, bestVal, te, tr);
            net.Restore(final);
            DisposeAll(final);
        }
        if (keepBest) net.Restore(best!);
        DisposeAll(best);
        var trainLogits = Logits(net, train.X);
        double finalLoss = 0;
        for (int i = 0; i < n; i++) finalLoss += Losses.KL(p[i], trainLogits[i]);
        finalLoss /= n;
        var (finalRisk, trainError) = Trainer.RiskAndError(trainLogits, train.Y);
        double[]? testLogits = test is null ? null : Logits(net, test.X);
        (double risk, double error)? held = testLogits is null ? null : Trainer.RiskAndError(testLogits, test!.Y);
        if (trainLogits.All(f => f == 0)) outcome = RunOutcome.Dead;
        var result = new TrainingResult([.. trajectory], finalLoss, Average(losses, epoch), double.NaN, finalRisk, trainError, held?.risk, held?.error,
            seconds / Math.Max(1, epoch), Backend(net, batch), [])
        {
            StepsRun = keepBest ? bestEpoch : epoch, Outcome = outcome, EarlyStopped = early,
            // the trajectory holds one point per epoch from 0, each with its validation error: no second pass
            ValidationError = validation is null ? null : trajectory[keepBest ? bestEpoch : epoch].ValidationError,
        };
        return new DeepRun(result, trainLogits, testLogits);
    }

    /// <summary>Logits of rows x (n x d) in blocks of <see cref="ScoreRows"/>, without gradients.</summary>
    /// <param name="net">The network.</param>
    /// <param name="x">Rows.</param>
    public static double[] Logits(DeepNetwork net, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(x);
        TorchRuntime.Configure();
        long n = x.shape[0];
        var f = new double[n];
        using var _ = no_grad();
        for (long start = 0; start < n; start += ScoreRows)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(ScoreRows, n - start);
            var out64 = net.Forward(x.narrow(0, start, len)).to_type(ScalarType.Float64);
            out64.data<double>().CopyTo(f, (int)start);
        }
        return f;
    }

    /// <summary>Mean objective (KL to p, in nats) over all rows.</summary>
    private static double Objective(DeepNetwork net, Tensor x, double[] p, double[] entropy)
    {
        var f = Logits(net, x);
        double s = 0;
        for (int i = 0; i < f.Length; i++) s += Losses.KL(p[i], f[i]);
        return s / f.Length;
    }

    private static double Average(List<double> losses, int epochs) => epochs == 0 ? losses[0] : losses.Take(epochs).Average();

    private static string Backend(DeepNetwork net, int batch) =>
        $"TorchSharp (libtorch {__version__}, CPU, 1 thread per run), {net.Family.ToString().ToLowerInvariant()}, {net.ParameterCount} parameters, batch {batch}, {net.Type.ToString().ToLowerInvariant()}";

    private static void DisposeAll(Tensor[]? ts)
    {
        if (ts is null) return;
        foreach (var t in ts) t.Dispose();
    }
}

/// <summary>Torch settings of TheoryKit.Deep: one intra-op thread (parallelism comes from training runs side by side).
/// libtorch's intra-op thread count is OpenMP's, which is kept per calling thread (omp_set_num_threads sets the
/// calling thread's ICV), so it is set on every thread that trains, before its first torch call: a worker thread
/// that was not set would use a team of as many threads as cores and change the order of the sums.
/// TorchSharp 0.107 does not implement torch.use_deterministic_algorithms; on one CPU thread the kernels used here (linear, 3x3
/// convolution, max pooling, their backward passes, the optimisers) run in a fixed order, so repeated runs give the same bits.
/// oneDNN is switched off for the process (libtorch's at::globalContext().setUserEnabledMkldnn(false), which TorchSharp does not
/// expose, called through its exported symbols): oneDNN 3.7.1's JIT convolution kernels, which libtorch 2.10 uses for float32
/// convolutions, intermittently return NaN in the first convolution's weight and bias gradients after a finite forward pass (9 of
/// 2000 repeated 4-run CNN batches on a 2-core AMD EPYC, in bursts while a bad primitive stays cached; none of 2000 with oneDNN off).
/// libtorch's own convolutions then run instead: 37% slower on a 28 x 28 CNN.</summary>
public static class TorchRuntime
{
    [ThreadStatic] private static bool _configured;
    private static readonly Lazy<bool> OneDnnOff = new(SwitchOneDnnOff);

    /// <summary>Applies the settings to the calling thread once (idempotent).</summary>
    /// <exception cref="InvalidOperationException">libtorch_cpu.so does not export at::globalContext or Context::setUserEnabledMkldnn.</exception>
    public static void Configure()
    {
        if (_configured) return;
        LibTorch.EnsureLoaded();
        set_num_threads(1);
        _ = OneDnnOff.Value;
        _configured = true;
    }

    /// <summary>at::globalContext().setUserEnabledMkldnn(false) in the libtorch_cpu.so this process loaded (found by its soname); true
    /// when oneDNN reads as off afterwards.</summary>
    private static unsafe bool SwitchOneDnnOff()
    {
        var lib = System.Runtime.InteropServices.NativeLibrary.Load("libtorch_cpu.so");
        var context = ((delegate* unmanaged<IntPtr>)Export(lib, "_ZN2at13globalContextEv"))();
        ((delegate* unmanaged<IntPtr, byte, void>)Export(lib, "_ZN2at7Context20setUserEnabledMkldnnEb"))(context, 0);
        return ((delegate* unmanaged<IntPtr, byte>)Export(lib, "_ZNK2at7Context17userEnabledMkldnnEv"))(context) == 0
            ? true : throw new InvalidOperationException("libtorch's oneDNN switch did not take effect");
    }

    private static IntPtr Export(IntPtr lib, string symbol) =>
        System.Runtime.InteropServices.NativeLibrary.TryGetExport(lib, symbol, out var address) ? address
            : throw new InvalidOperationException($"libtorch_cpu.so does not export {symbol}");
}
