using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using TheoryKit.Data;
using TheoryKit.LinearAlgebra;
using TheoryKit.Networks;
using TheoryKit.Random;

namespace TheoryKit.Training;

/// <summary>Floating-point precision of the training engine.</summary>
public enum Precision
{
    /// <summary>float64 (default).</summary>
    Double,
    /// <summary>float32: half the memory and about twice the GEMM rate.</summary>
    Single,
}

/// <summary>
/// THEORY.md §9 convergence rule: checked every <paramref name="CheckEvery"/> steps once t &gt;= <paramref name="MinSteps"/>;
/// with w = max(1, ceil(<paramref name="WindowFraction"/> * t)) and the drop D = L(W_{t-w}) - L(W_t) over the last w steps,
/// the run has converged at step t when D &lt; <paramref name="RelativeDrop"/> * |L(W_{t-w})| (relative drop below 1% over the
/// last 10% of the steps with the defaults) or D &lt; <paramref name="AbsoluteDrop"/> (the objective, in nats per training
/// point, moved by less than 1e-4 over the window: the KL to the teacher of a soft-label student that already matches its
/// teacher keeps falling in relative terms while nothing measurable changes). A rise of the objective (a negative drop)
/// also counts as converged. The run then stops at W_t (t steps run).
/// </summary>
/// <param name="RelativeDrop">Threshold on the relative drop (&gt; 0).</param>
/// <param name="WindowFraction">Window as a fraction of the steps so far, in (0, 1].</param>
/// <param name="MinSteps">First step at which the rule is checked (&gt;= 1).</param>
/// <param name="CheckEvery">The rule is checked at steps t with t % CheckEvery == 0 (&gt;= 1).</param>
/// <param name="AbsoluteDrop">Threshold on the drop itself, in nats per training point (&gt;= 0; 0 switches it off).</param>
public sealed record ConvergenceRule(double RelativeDrop = 0.01, double WindowFraction = 0.1, int MinSteps = 100, int CheckEvery = 10, double AbsoluteDrop = 1e-4)
{
    /// <summary>Checks the settings.</summary>
    /// <exception cref="InputException">A setting is impossible (field "convergence").</exception>
    public void Validate()
    {
        if (!(RelativeDrop > 0) || !double.IsFinite(RelativeDrop)) throw InputException.Parameter("convergence", $"the relative drop must be positive, got {RelativeDrop}");
        if (!(WindowFraction > 0 && WindowFraction <= 1)) throw InputException.Parameter("convergence", $"the window fraction must lie in (0, 1], got {WindowFraction}");
        if (MinSteps < 1) throw InputException.Parameter("convergence", $"the first checked step must be >= 1, got {MinSteps}");
        if (CheckEvery < 1) throw InputException.Parameter("convergence", $"the check interval must be >= 1, got {CheckEvery}");
        if (!(AbsoluteDrop >= 0) || !double.IsFinite(AbsoluteDrop)) throw InputException.Parameter("convergence", $"the absolute drop must be >= 0, got {AbsoluteDrop}");
    }

    /// <summary>The settings as stored in journal headers: relative_drop, absolute_drop, window_fraction, min_steps, check_every.</summary>
    public System.Text.Json.Nodes.JsonObject ToJson() => new()
    {
        ["relative_drop"] = RelativeDrop, ["absolute_drop"] = AbsoluteDrop, ["window_fraction"] = WindowFraction, ["min_steps"] = MinSteps, ["check_every"] = CheckEvery,
    };

    /// <summary>Whether the rule holds at step t given the objective history L(W_0), ..., L(W_t) (losses[k] = L(W_k)).</summary>
    public bool HoldsAt(IReadOnlyList<double> losses, int t)
    {
        if (t < MinSteps || t % CheckEvery != 0) return false;
        int w = Math.Max(1, (int)Math.Ceiling(WindowFraction * t));
        double before = losses[t - w], drop = before - losses[t];
        return drop <= 0 || drop < AbsoluteDrop || drop < RelativeDrop * Math.Abs(before);
    }
}

/// <summary>Optimiser of the training run (THEORY.md §3 analyses full-batch gradient descent, the default).</summary>
public enum Optimiser
{
    /// <summary>Gradient descent: p -= eta g (full batch by default; with a batch size, plain minibatch SGD).</summary>
    GradientDescent,
    /// <summary>Heavy-ball momentum as in PyTorch's SGD: v = mu v + g, p -= eta v (v_0 = 0).</summary>
    SgdMomentum,
    /// <summary>Adam (Kingma, Ba 2015): m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, p -= eta (m / (1-b1^k)) / (sqrt(v / (1-b2^k)) + eps), k = update count from 1.</summary>
    Adam,
}

/// <summary>The command-line and JSON names of the optimisers: "gd", "sgd" (with momentum) and "adam".</summary>
public static class OptimiserNames
{
    /// <summary>"gd", "sgd" or "adam".</summary>
    /// <param name="optimiser">The optimiser.</param>
    public static string Of(Optimiser optimiser) => optimiser switch
    {
        Optimiser.GradientDescent => "gd",
        Optimiser.SgdMomentum => "sgd",
        _ => "adam",
    };

    /// <summary>The optimiser named "gd", "sgd" or "adam" (case and surrounding spaces ignored).</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="InputException">Any other name (parameter 'optimiser').</exception>
    public static Optimiser Parse(string name) => (name ?? "").Trim().ToLowerInvariant() switch
    {
        "gd" => Optimiser.GradientDescent,
        "sgd" => Optimiser.SgdMomentum,
        "adam" => Optimiser.Adam,
        var other => throw InputException.Parameter("optimiser", $"must be gd, sgd or adam, got '{other}'"),
    };
}

/// <summary>How a run ended (THEORY.md §9).</summary>
public enum RunOutcome
{
    /// <summary>The convergence rule held before the step cap.</summary>
    Converged,
    /// <summary>The run used all its steps (no rule, or the rule never held).</summary>
    StepCap,
    /// <summary>The loss or a weight became NaN or infinite (or ||W||_F^2 overflowed); the run stopped there and is not scored:
    /// its errors are NaN (training) or null (held-out), it has no early stop.</summary>
    Diverged,
    /// <summary>f is identically 0 on the training set at the end (e.g. every ReLU inactive): accuracy 1/2 by the tie rule.</summary>
    Dead,
}

/// <summary>The recorded step with the lowest validation error (ties: the earliest), and the held-out figures there.</summary>
/// <param name="Step">t of the selected recorded point.</param>
/// <param name="ValidationError">0-1 validation error at W_t (ties f = 0 count 1/2).</param>
/// <param name="TestError">0-1 test error at W_t (null without test data).</param>
/// <param name="TestRisk">Logistic test risk at W_t (null without test data).</param>
public sealed record EarlyStop(int Step, double ValidationError, double? TestError, double? TestRisk);

/// <summary>One run of a batch for <see cref="Trainer.TrainMany"/>.</summary>
/// <param name="Train">Training data with this run's own labels Y (possibly noisy).</param>
/// <param name="SoftLabels">Teacher probabilities for soft labels, or null for hard labels.</param>
/// <param name="Options">The run's options.</param>
/// <param name="Validation">Optional validation data (early stopping, <see cref="TrainingResult.EarlyStopped"/>).</param>
public sealed record RunSpec(Dataset Train, double[]? SoftLabels, TrainingOptions Options, Dataset? Validation = null);

/// <summary>Settings of one training run (THEORY.md §3, §9).</summary>
/// <param name="Width">Width m.</param>
/// <param name="Steps">Number of gradient steps T; with <see cref="Convergence"/>, the step cap.</param>
/// <param name="Eta">Step size eta (&gt; 0; [JT20] allow eta &lt;= 1).</param>
/// <param name="Labels">Hard (logistic loss on y) or soft (KL to teacher probabilities p).</param>
/// <param name="Symmetric">Symmetric initialisation (f(x; W0) = 0; m even).</param>
/// <param name="Radius">rho of projected GD: rows are kept in ||w_s - w_s0|| &lt;= rho / sqrt(m); null for plain GD.</param>
/// <param name="Seed">Seed of the initialisation (and of the minibatch order).</param>
/// <param name="Threads">Threads (0: all cores). Results are bit-identical for any thread count.</param>
/// <param name="Precision">float64 or float32.</param>
/// <param name="RecordEvery">Record the trajectory every this many steps (the loss averages use every step).</param>
public sealed record TrainingOptions(int Width, int Steps, double Eta, LabelKind Labels = LabelKind.Hard, bool Symmetric = false,
    double? Radius = null, ulong Seed = 0, int Threads = 0, Precision Precision = Precision.Double, int RecordEvery = 1)
{
    /// <summary>THEORY.md §9 convergence rule; null (default): run exactly <see cref="Steps"/> steps. Otherwise Steps is the cap.</summary>
    public ConvergenceRule? Convergence { get; init; }

    /// <summary>
    /// Trainable output layer with a bias: f(x) = (1/sqrt m) sum_s a_s relu(&lt;w_s, x&gt;) + c, where a (initialised
    /// as in THEORY.md §1, a_s = +-1) and c (initialised to 0) are trained with W by the same optimiser and step size.
    /// False (default): a is fixed, there is no bias, and the model is exactly THEORY.md §1.
    /// </summary>
    public bool TrainOutput { get; init; }

    /// <summary>Optimiser (default full-batch gradient descent, the theory's setting).</summary>
    public Optimiser Optimiser { get; init; } = Optimiser.GradientDescent;

    /// <summary>Minibatch size (0 = full batch, the default; &gt;= n is full batch too). With minibatches one step is one epoch
    /// of updates (see <see cref="Trainer"/>), drawn from <see cref="Seed"/>.</summary>
    public int BatchSize { get; init; }

    /// <summary>Momentum mu of <see cref="Optimiser.SgdMomentum"/> (default 0.9), in [0, 1).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Adam's beta1 (default 0.9), in [0, 1).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam's beta2 (default 0.999), in [0, 1).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam's epsilon (default 1e-8), &gt; 0.</summary>
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="InputException">A setting is impossible.</exception>
    public void Validate()
    {
        if (Width < 1) throw InputException.Parameter("width", $"must be >= 1, got {Width}");
        if (Steps < 1) throw InputException.Parameter("steps", $"must be >= 1, got {Steps}");
        if (!(Eta > 0) || !double.IsFinite(Eta)) throw InputException.Parameter("eta", $"must be positive, got {Eta}");
        if (Radius is { } r && !(r > 0)) throw InputException.Parameter("radius", $"must be positive, got {r}");
        if (RecordEvery < 1) throw InputException.Parameter("record-every", "must be >= 1");
        if (Symmetric && Width % 2 != 0) throw InputException.Parameter("width", $"symmetric initialisation needs an even width, got {Width}");
        Convergence?.Validate();
        if (BatchSize < 0) throw InputException.Parameter("batch-size", $"must be >= 0 (0 = full batch), got {BatchSize}");
        if (!(Momentum >= 0 && Momentum < 1)) throw InputException.Parameter("momentum", $"must lie in [0, 1), got {Momentum}");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw InputException.Parameter("beta1", $"must lie in [0, 1), got {Beta1}");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw InputException.Parameter("beta2", $"must lie in [0, 1), got {Beta2}");
        if (!(AdamEpsilon > 0) || !double.IsFinite(AdamEpsilon)) throw InputException.Parameter("adam-epsilon", $"must be positive, got {AdamEpsilon}");
    }
}

/// <summary>One recorded point of a trajectory (THEORY.md §3), evaluated at W_t before step t.</summary>
/// <param name="Step">t.</param>
/// <param name="Loss">Training objective L(W_t): logistic risk (hard) or mean KL to the teacher (soft).</param>
/// <param name="Risk">Hard-label logistic risk R(W_t) on the true labels.</param>
/// <param name="Error">0-1 training error on the true labels (ties f = 0 count 1/2).</param>
/// <param name="MaxRowMovement">max_s ||w_{s,t} - w_{s,0}||.</param>
/// <param name="FrobeniusMovement">||W_t - W_0||_F.</param>
/// <param name="TestError">0-1 error on the test data at W_t (null without test data).</param>
/// <param name="ValidationError">0-1 error on the validation data at W_t (null without validation data).</param>
public sealed record TrajectoryPoint(int Step, double Loss, double Risk, double Error, double MaxRowMovement, double FrobeniusMovement,
    double? TestError = null, double? ValidationError = null);

/// <summary>Outcome of a training run.</summary>
/// <param name="Trajectory">Recorded points (every RecordEvery steps, and the final state at step <see cref="StepsRun"/>).</param>
/// <param name="FinalLoss">L(W_T), T = <see cref="StepsRun"/>.</param>
/// <param name="EpochAveragedLoss">(1/T) sum_{t&lt;T} L(W_t) over the steps actually run, the quantity the neuron bounds control.</param>
/// <param name="EpochAveragedRisk">(1/T) sum_{t&lt;T} R(W_t) on the true labels.</param>
/// <param name="FinalRisk">R(W_T) on the true labels.</param>
/// <param name="TrainError">0-1 error at W_T on the training set (ties count 1/2; NaN when the run diverged).</param>
/// <param name="TestRisk">Logistic risk at W_T on the held-out set (null without one or when the run diverged).</param>
/// <param name="TestError">0-1 error at W_T on the held-out set (null without one or when the run diverged).</param>
/// <param name="SecondsPerStep">Wall-clock seconds per gradient step.</param>
/// <param name="Backend">GEMM backend, rows per block, threads and precision, e.g. "blocked GEMM (64-row blocks): OpenBLAS ..., single-threaded
/// calls in 2 row streams on 2 engine threads, float64" (TrainMany adds ", batched with K runs on one X" for batched runs).</param>
/// <param name="W">Final first layer W_T (m x d row-major, float64).</param>
public sealed record TrainingResult(TrajectoryPoint[] Trajectory, double FinalLoss, double EpochAveragedLoss, double EpochAveragedRisk,
    double FinalRisk, double TrainError, double? TestRisk, double? TestError, double SecondsPerStep, string Backend, double[] W)
{
    /// <summary>1 - TestError, or null.</summary>
    public double? TestAccuracy => TestError is { } e ? 1 - e : null;

    /// <summary>Steps actually run T (the options' Steps without a convergence rule; fewer when the rule held or the run diverged).</summary>
    public int StepsRun { get; init; }

    /// <summary>How the run ended.</summary>
    public RunOutcome Outcome { get; init; }

    /// <summary>Early-stopping selection over the recorded points (null without validation data or when the run diverged).</summary>
    public EarlyStop? EarlyStopped { get; init; }

    /// <summary>0-1 validation error at W_T (null without validation data or when the run diverged).</summary>
    public double? ValidationError { get; init; }

    /// <summary>Final second layer a (length m): the initial +-1 values unless <see cref="TrainingOptions.TrainOutput"/>.</summary>
    public double[] A { get; init; } = [];

    /// <summary>Final output bias c (0 unless <see cref="TrainingOptions.TrainOutput"/>).</summary>
    public double OutputBias { get; init; }
}

/// <summary>
/// Full-batch (projected) gradient descent on the two-layer ReLU student (THEORY.md §1-3).
/// One step is two GEMM-shaped products per block of rows: the pre-activations Z_b = X_b W^T (B x m) and
/// the gradient accumulation grad += G_b^T X_b (m x d), with G_is = l'(f_i) a_s 1[&lt;w_s, x_i&gt; &gt; 0] / (n sqrt(m))
/// computed in place in Z_b by one fused pass that also forms f_i; then W -= eta grad. The rows are cut into
/// <see cref="RowStreams"/> contiguous row streams fixed by n; each stream runs on one thread, block by block in order, with
/// single-threaded BLAS calls, sums its own gradient, and the streams' gradients are added in stream order. Blocks of
/// B = <see cref="BlockElements"/>(d) / m rows keep the n-dependent buffers at B x m per stream (never n x m, never n x n,
/// nothing per step), so the same code stays in cache at small d, where NumPy-style code streams several n x m temporaries,
/// and makes tall GEMMs at large d. Every sum has a fixed order set by n, d and m alone, so trajectories are bit-identical
/// for any thread count.
/// Run control (THEORY.md §9): an optional convergence rule stops the run (<see cref="ConvergenceRule"/>); a non-finite
/// loss or weight stops it at once as <see cref="RunOutcome.Diverged"/>; a network whose hidden part is 0 on every
/// training point at the end is <see cref="RunOutcome.Dead"/>. Held-out data (test, validation) are scored at every
/// recorded step, ties f = 0 counting half an error.
/// Options beside the theory's setting: a trainable output layer (a and a bias c, <see cref="TrainingOptions.TrainOutput"/>),
/// heavy-ball momentum or Adam (<see cref="Optimiser"/>) and minibatches (<see cref="TrainingOptions.BatchSize"/>). With
/// minibatches one step t is one epoch: L(W_t) is evaluated on all n rows (so the trajectory, the epoch averages and the
/// convergence rule mean the same as for full-batch GD), then the rows are visited in a permutation drawn from the seed
/// (stream "minibatch", index t) in batches of BatchSize rows, one optimiser update per batch with the batch's mean
/// gradient; a batch size &gt;= n is full batch. Every combination of these options is supported.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// Elements of a row stream's pre-activation buffer (B = elements / m rows): 2^22 for d &gt;= 128, where the
    /// GEMMs dominate and like tall blocks (fewer passes of the m x d gradient through memory and fewer packings of W; at
    /// n = 10000, m = 4096, d = 784, 1024-row blocks beat 256-row ones), and 2^18 below, where the block should stay in
    /// cache (d = 50, m = 4096: 64 to 192 rows measured alike).
    /// </summary>
    public static int BlockElements(int d) => d >= 128 ? 1 << 22 : 1 << 18;

    /// <summary>
    /// Row streams of every pass: the rows (all n, or one minibatch) are cut into this many contiguous parts of (nearly) equal
    /// size, part s = rows [total s / RowStreams, total (s + 1) / RowStreams); each part is visited block by block in order by
    /// one thread and sums its own gradient, and the parts' gradients are added in part order. The split depends on the row
    /// count alone, never on the thread count, so results are the same for 1, 2 or more threads (more threads than streams idle).
    /// </summary>
    internal const int RowStreams = 2;

    /// <summary>Rows [from, to) of row stream s over total rows (<see cref="RowStreams"/>).</summary>
    private static (int from, int to) StreamRows(int total, int s) => (Boundary(total, s), Boundary(total, s + 1));

    /// <summary>First row of stream s: total s / RowStreams rounded down to an even row (so only the last stream can hold an odd count).</summary>
    private static int Boundary(int total, int s) => s >= RowStreams ? total : (int)((long)total * s / RowStreams) & ~1;

    /// <summary>Rows of a stream's block buffer: the rows per block, at most the rows of the longest stream over n or fewer rows
    /// (at most ceil(n / RowStreams) + 2 with the even boundaries).</summary>
    private static int StreamBlockRows(int n, int block) => Math.Max(1, Math.Min(Math.Min(block, n), (n + RowStreams - 1) / RowStreams + 2));

    /// <summary>One new buffer per row stream.</summary>
    private static TBuffer[] Streams<TBuffer>(Func<TBuffer> create)
    {
        var parts = new TBuffer[RowStreams];
        for (int s = 0; s < RowStreams; s++) parts[s] = create();
        return parts;
    }

    /// <summary>Elements of the block buffer when scoring data (<see cref="Logits"/> and the engines' held-out scoring): 2^20 for
    /// d &gt;= 128, 2^18 below.</summary>
    private static int LogitBlockElements(int d) => d >= 128 ? 1 << 20 : 1 << 18;

    /// <summary>Tests only: rows per block instead of BlockElements(d) / m (the blocks change only the summation grouping).</summary>
    internal static int? ForceBlockRows;

    /// <summary>Trains a student from its initialisation.</summary>
    /// <param name="train">Training data (n x d, labels +-1).</param>
    /// <param name="softLabels">Teacher probabilities p_i in [0, 1] (length n) for soft labels; null for hard.</param>
    /// <param name="options">Width, steps, eta, label kind, projection, seed, threads, precision, convergence rule.</param>
    /// <param name="test">Optional held-out data evaluated at every recorded step and at W_T.</param>
    /// <param name="progress">Optional progress (step count).</param>
    /// <param name="validation">Optional validation data evaluated at every recorded step and at W_T; the recorded step
    /// with the lowest validation error is <see cref="TrainingResult.EarlyStopped"/>.</param>
    /// <exception cref="InputException">Invalid options, soft labels missing or of the wrong length, or test/validation dimension != train dimension.</exception>
    public static TrainingResult Train(Dataset train, double[]? softLabels, TrainingOptions options, Dataset? test = null, IProgress<int>? progress = null,
        Dataset? validation = null)
    {
        Check(train, softLabels, options, test, validation);
        var net = TwoLayerNetwork.Initialise(options.Width, train.D, options.Seed, options.Symmetric);
        return options.Precision == Precision.Single
            ? new Engine<float>(train, softLabels, net, options).Run(options, test, validation, progress)
            : new Engine<double>(train, softLabels, net, options).Run(options, test, validation, progress);
    }

    /// <summary>
    /// Trains a batch of runs; result k equals, bit for bit, the result of <see cref="Train"/> on runs[k] with
    /// <paramref name="test"/>, runs[k].Validation and the thread count below (SecondsPerStep and Backend aside).
    /// Runs that share data (the same X array, n, d), precision and thread count, with full-batch gradient descent and
    /// the fixed output layer, are trained together: per block of rows one wide GEMM Z_b = X_b [W_1; W_2; ...]^T gives
    /// every run's pre-activations (the rows per block are those of the run alone, so every run's sums keep their order),
    /// and each run's gradient G_{b,k}^T X_b is the same BLAS call as for the run alone; runs leave the batch when they
    /// stop. Other runs (minibatches, momentum, Adam, a trainable output layer) are trained one by one with Train.
    /// SecondsPerStep of a batched run is the batch's wall-clock time over the run's steps.
    /// </summary>
    /// <param name="runs">The runs.</param>
    /// <param name="test">Optional held-out data shared by every run.</param>
    /// <param name="threads">Thread count of every run (0: each run's own).</param>
    /// <param name="progress">Optional progress: the number of runs finished so far.</param>
    /// <param name="finished">Optional callback with (k, result k) as soon as run k stops (on the calling thread), so that
    /// a journal can keep every finished run of a batch that is killed later.</param>
    /// <exception cref="InputException">A run's settings or data are impossible.</exception>
    public static TrainingResult[] TrainMany(IReadOnlyList<RunSpec> runs, Dataset? test = null, int threads = 0, IProgress<int>? progress = null,
        Action<int, TrainingResult>? finished = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (threads < 0) throw InputException.Parameter("threads", $"must be >= 0, got {threads}");
        var specs = runs.Select(r => threads > 0 ? r with { Options = r.Options with { Threads = threads } } : r).ToArray();
        foreach (var r in specs) Check(r.Train, r.SoftLabels, r.Options, test, r.Validation);
        var results = new TrainingResult[specs.Length];
        int done = 0;
        void Finished(int k)
        {
            finished?.Invoke(k, results[k]);
            progress?.Report(++done);
        }
        var batches = specs.Select((r, k) => (index: k, spec: r)).Where(p => Batchable(p.spec))
            .GroupBy(p => (x: new ReferenceKey(p.spec.Train.X), p.spec.Train.N, p.spec.Train.D, p.spec.Options.Precision,
                threads: p.spec.Options.Threads > 0 ? p.spec.Options.Threads : Environment.ProcessorCount,
                block: SoloBlock(p.spec.Train.N, p.spec.Train.D, p.spec.Options.Width)));
        var alone = specs.Select((r, k) => (index: k, spec: r)).Where(p => !Batchable(p.spec));
        foreach (var g in batches)
        {
            var members = g.ToList();
            for (int from = 0; from < members.Count;)
            {
                // as many runs as fit in the pre-activation buffer (at least one)
                long neurons = 0;
                int to = from;
                while (to < members.Count && (to == from || (neurons + members[to].spec.Options.Width) * g.Key.block <= WideElements))
                    neurons += members[to++].spec.Options.Width;
                var part = members.GetRange(from, to - from);
                if (g.Key.Precision == Precision.Single) new WideEngine<float>(part, test, g.Key.threads, g.Key.block).Run(results, Finished);
                else new WideEngine<double>(part, test, g.Key.threads, g.Key.block).Run(results, Finished);
                from = to;
            }
        }
        foreach (var (k, r) in alone)
        {
            results[k] = Train(r.Train, r.SoftLabels, r.Options, test, null, r.Validation);
            Finished(k);
        }
        return results;
    }

    /// <summary>Groups arrays by identity (the same X array), not by contents.</summary>
    private readonly record struct ReferenceKey(double[] Array)
    {
        public bool Equals(ReferenceKey other) => ReferenceEquals(Array, other.Array);
        public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Array);
    }

    private static void Check(Dataset train, double[]? softLabels, TrainingOptions options, Dataset? test, Dataset? validation)
    {
        options.Validate();
        if (options.Labels == LabelKind.Soft && (softLabels is null || softLabels.Length != train.N))
            throw InputException.Parameter("labels", "soft-label training needs one teacher probability per training point");
        if (softLabels is not null && softLabels.Any(p => !(p >= 0 && p <= 1)))
            throw InputException.Parameter("soft-labels", "teacher probabilities must lie in [0, 1]");
        if (test is not null && test.D != train.D) throw InputException.Parameter("test", $"test data have d = {test.D}, training data d = {train.D}");
        if (validation is not null && validation.D != train.D)
            throw InputException.Parameter("validation", $"validation data have d = {validation.D}, training data d = {train.D}");
    }

    /// <summary>
    /// Logits f(x_i; W) for X (n x d row-major) and W (m x d row-major), second layer a (length m): one GEMM per
    /// block of rows (<see cref="LogitBlockElements"/> / m rows), so no n x m buffer is built.
    /// </summary>
    public static double[] Logits(double[] w, double[] a, double[] x, int n, int d)
    {
        int m = a.Length, block = Math.Clamp(LogitBlockElements(d) / m, 1, Math.Max(1, n));
        var z = new double[(long)block * m];
        var f = new double[n];
        double scale = 1 / Math.Sqrt(m);
        for (int b0 = 0; b0 < n; b0 += block)
        {
            int rows = Math.Min(block, n - b0), start = b0;
            Blas.MultiplyABt(x.AsSpan(b0 * d, rows * d), w, z, rows, m, d);
            Parallel.For(0, rows, r =>
            {
                double s = 0;
                var zr = z.AsSpan(r * m, m);
                for (int k = 0; k < m; k++) if (zr[k] > 0) s += a[k] * zr[k];
                f[start + r] = s * scale;
            });
        }
        return f;
    }

    /// <summary>
    /// <see cref="Logits"/> inside the engines (held-out data at recorded steps, BLAS single-threaded there): the rows in
    /// <see cref="RowStreams"/> row streams on the engine's threads, blocks of 2^20 / m rows (d &gt;= 128) or 2^18 / m,
    /// forward GEMMs of even row counts (<see cref="Kernels{T}.Forward"/>), so the held-out figures are the same for any
    /// thread count and for a run alone or batched. Same formula and summation order as Logits.
    /// </summary>
    private static double[] StreamLogits(double[] w, double[] a, double[] x, int n, int d, ParallelOptions po)
    {
        int m = a.Length, block = Math.Clamp(LogitBlockElements(d) / m & ~1, 2, Math.Max(2, n));
        var f = new double[n];
        double scale = 1 / Math.Sqrt(m);
        Parallel.For(0, RowStreams, po, part =>
        {
            var (from, to) = StreamRows(n, part);
            var z = new double[(long)StreamBlockRows(n, block) * m];
            for (int b0 = from; b0 < to; b0 += block)
            {
                int rows = Math.Min(block, to - b0);
                Kernels<double>.Forward(rows, m, d, x, b0 * d, w, 0, z, 0, m);
                for (int r = 0; r < rows; r++)
                {
                    double s = 0;
                    var zr = z.AsSpan(r * m, m);
                    for (int k = 0; k < m; k++) if (zr[k] > 0) s += a[k] * zr[k];
                    f[b0 + r] = s * scale;
                }
            }
        });
        return f;
    }

    /// <summary>
    /// Mean logistic risk and 0-1 error of logits f against labels y: error_i = 1 if y_i f_i &lt; 0, 1/2 if f_i = 0
    /// (a tie, so a dead network f = 0 scores accuracy 1/2; THEORY.md §9), 0 otherwise.
    /// </summary>
    public static (double risk, double error) RiskAndError(double[] f, double[] y)
    {
        double r = 0, e = 0;
        for (int i = 0; i < f.Length; i++) { r += Losses.Logistic(y[i], f[i]); e += ZeroOne(y[i], f[i]); }
        return (r / f.Length, e / f.Length);
    }

    /// <summary>0-1 error of one point: 1 if y f &lt; 0, 1/2 if f = 0, 0 otherwise (NaN f counts 1).</summary>
    public static double ZeroOne(double y, double f) => f == 0 ? 0.5 : f * y > 0 ? 0 : 1;

    /// <summary>Labels of one run and its per-row bookkeeping (loss, risk, error, hidden part h_i) at the latest pass.</summary>
    private sealed class RowLosses
    {
        private readonly double[] _y, _p, _loss, _risk, _err, _h;
        private readonly LabelKind _kind;
        private readonly int _n;

        public RowLosses(Dataset data, double[]? soft, LabelKind kind)
        {
            _n = data.N; _kind = kind;
            _y = data.Y; _p = soft ?? data.Y.Select(v => v > 0 ? 1.0 : 0.0).ToArray();
            _loss = new double[_n]; _risk = new double[_n]; _err = new double[_n]; _h = new double[_n];
        }

        /// <summary>Output bias c (0 unless the output layer is trained).</summary>
        public double C;

        /// <summary>Per-row loss bookkeeping at f = h + c (h the hidden part) and the derivative of the objective in f_i, divided by count.</summary>
        public double Derivative(int i, double h, int count)
        {
            double f = h + C;
            _risk[i] = Losses.Logistic(_y[i], f);
            _err[i] = ZeroOne(_y[i], f);
            _h[i] = h;
            if (_kind == LabelKind.Hard)
            {
                _loss[i] = _risk[i];
                return Losses.LogisticDerivative(_y[i], f) / count;
            }
            _loss[i] = Losses.KL(_p[i], f);
            return Losses.KLDerivative(_p[i], f) / count;
        }

        /// <summary>Whether the hidden part was 0 on every row at the latest full pass.</summary>
        public bool AllZero { get; private set; }

        /// <summary>(mean loss, mean risk, mean error) over the n rows of the latest full pass, summed in row order.</summary>
        public (double loss, double risk, double err) Means()
        {
            double loss = 0, risk = 0, err = 0;
            bool allZero = true;
            for (int i = 0; i < _n; i++) { loss += _loss[i]; risk += _risk[i]; err += _err[i]; allZero &= _h[i] == 0; }
            AllZero = allZero;
            return (loss / _n, risk / _n, err / _n);
        }
    }

    /// <summary>The run control of one run (THEORY.md §9): trajectory, objective history, convergence, outcome, held-out points.</summary>
    private sealed class Tracker(TrainingOptions o, Dataset? test, Dataset? validation)
    {
        private readonly List<TrajectoryPoint> _record = new();
        private readonly List<double?> _recordTestRisk = new();
        private readonly List<double> _losses = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private double _sumLoss, _sumRisk, _loss, _risk, _err;
        private double? _testRisk, _testErr, _valErr;

        /// <summary>How the run ends (StepCap until decided).</summary>
        public RunOutcome Outcome { get; private set; } = RunOutcome.StepCap;

        /// <summary>The current step t (the state observed next is W_t).</summary>
        public int Step { get; private set; }

        /// <summary>
        /// Observes L(W_t), R(W_t) and the error at t = Step; records the point (every RecordEvery steps and at the end,
        /// with held-out errors from <paramref name="logits"/>). Returns true when the run stops at t: the step cap, the
        /// convergence rule, or a non-finite loss or weight (Diverged).
        /// </summary>
        public bool Observe((double loss, double risk, double err) at, bool weightsFinite, Func<(double max, double fro)> movement, Func<Dataset, double[]> logits)
        {
            int t = Step;
            bool last = t == o.Steps;
            (_loss, _risk, _err) = at;
            _losses.Add(_loss);
            if (!double.IsFinite(_loss) || !weightsFinite) { Outcome = RunOutcome.Diverged; last = true; }
            else if (o.Convergence is { } rule && rule.HoldsAt(_losses, t)) { Outcome = RunOutcome.Converged; last = true; }
            if (last || t % o.RecordEvery == 0)
            {
                var (max, fro) = movement();
                if (Outcome == RunOutcome.Diverged) { _err = double.NaN; _testRisk = _testErr = _valErr = null; }
                else
                {
                    _testRisk = _testErr = null;
                    if (test is not null) { var (r, e) = RiskAndError(logits(test), test.Y); _testRisk = r; _testErr = e; }
                    _valErr = validation is null ? null : RiskAndError(logits(validation), validation.Y).error;
                }
                _record.Add(new TrajectoryPoint(t, _loss, _risk, _err, max, fro, _testErr, _valErr));
                _recordTestRisk.Add(_testRisk);
            }
            if (last) return true;
            _sumLoss += _loss; _sumRisk += _risk;
            return false;
        }

        /// <summary>Moves to the next step after the update.</summary>
        public void Advance() => Step++;

        /// <summary>The result at the stopping step (Dead when the hidden part is 0 on every training point and the run did not diverge).</summary>
        public TrainingResult Finish(bool allZero, string backend, double[] w, double[] a, double c)
        {
            int steps = Step;
            if (Outcome != RunOutcome.Diverged && allZero) Outcome = RunOutcome.Dead;
            EarlyStop? early = null;
            if (validation is not null && Outcome != RunOutcome.Diverged)
            {
                int best = 0;
                for (int k = 1; k < _record.Count; k++) if (_record[k].ValidationError < _record[best].ValidationError) best = k;
                early = new EarlyStop(_record[best].Step, _record[best].ValidationError!.Value, _record[best].TestError, _recordTestRisk[best]);
            }
            return new TrainingResult(_record.ToArray(), _loss, steps > 0 ? _sumLoss / steps : double.NaN, steps > 0 ? _sumRisk / steps : double.NaN, _risk, _err,
                _testRisk, _testErr, _clock.Elapsed.TotalSeconds / Math.Max(1, steps), backend, w)
            {
                StepsRun = steps, Outcome = Outcome, EarlyStopped = early, ValidationError = _valErr, A = a, OutputBias = c,
            };
        }
    }

    /// <summary>Kernels on one network's W (m x d row-major) shared by the engines.</summary>
    private static class Kernels<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The array itself in float64 (callers never write to it), a float32 copy otherwise.</summary>
        public static T[] Shared(double[] v)
        {
            if (typeof(T) == typeof(double)) return (T[])(object)v;
            var r = new T[v.Length];
            for (long k = 0; k < v.Length; k++) r[k] = T.CreateTruncating(v[k]);
            return r;
        }

        public static double[] ToDouble(ReadOnlySpan<T> v)
        {
            var r = new double[v.Length];
            for (int k = 0; k < v.Length; k++) r[k] = double.CreateTruncating(v[k]);
            return r;
        }

        public static void Gemm(bool ta, bool tb, int m, int n, int k, double alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, double beta, Span<T> c, int ldc)
        {
            if (typeof(T) == typeof(double))
                Blas.Current.Dgemm(ta, tb, m, n, k, alpha, MemoryMarshal.Cast<T, double>(a), lda, MemoryMarshal.Cast<T, double>(b), ldb, beta, MemoryMarshal.Cast<T, double>(c), ldc);
            else
                Blas.Current.Sgemm(ta, tb, m, n, k, (float)alpha, MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb, (float)beta, MemoryMarshal.Cast<T, float>(c), ldc);
        }

        /// <summary>
        /// Z = X_b W^T (rows x m at z[zOff..], leading dimension ldz) for X_b = x[xOff..] (rows x d) and W = w[wOff..] (m x d),
        /// by calls with an even number of rows only: the even part in one call, then for an odd count the last two rows again
        /// (the last row alone, duplicated, when rows = 1). OpenBLAS 0.3.21 dgemm (Zen/Haswell kernels) computes each column of
        /// X_b W^T independently of the other columns when the row count is even, but not always when it is odd (d = 10 to
        /// 784, widths 1 to 1000, rows 1 to 40 and about 1000 measured); the wide batch of TrainMany relies on that independence.
        /// </summary>
        public static void Forward(int rows, int m, int d, T[] x, int xOff, T[] w, int wOff, T[] z, int zOff, int ldz)
        {
            if (rows <= 0 || m <= 0) return;
            int even = rows & ~1;
            if (even > 0)
                Gemm(false, true, even, m, d, 1.0, x.AsSpan(xOff, even * d), d, w.AsSpan(wOff, m * d), d, 0.0, z.AsSpan(zOff, (even - 1) * ldz + m), ldz);
            if (even == rows) return;
            if (rows >= 3)
            {
                Gemm(false, true, 2, m, d, 1.0, x.AsSpan(xOff + (rows - 2) * d, 2 * d), d, w.AsSpan(wOff, m * d), d, 0.0,
                    z.AsSpan(zOff + (rows - 2) * ldz, ldz + m), ldz);
                return;
            }
            var x2 = new T[2 * d];
            x.AsSpan(xOff, d).CopyTo(x2); x.AsSpan(xOff, d).CopyTo(x2.AsSpan(d));
            var z2 = new T[2 * m];
            Gemm(false, true, 2, m, d, 1.0, x2, d, w.AsSpan(wOff, m * d), d, 0.0, z2, m);
            z2.AsSpan(0, m).CopyTo(z.AsSpan(zOff, m));
        }

        /// <summary>
        /// grad += G^T X_b (m x d, at grad[gradOff..]) for G = g[gOff..] (rows x m, leading dimension ldg) and X_b = x[xOff..]
        /// (rows x d): one call. BLAS packs its operands, so the leading dimension of G does not change any result.
        /// </summary>
        public static void Backward(int rows, int m, int d, T[] g, int gOff, int ldg, T[] x, int xOff, T[] grad, int gradOff)
        {
            if (rows <= 0 || m <= 0) return;
            Gemm(true, false, m, d, rows, 1.0, g.AsSpan(gOff, (rows - 1) * ldg + m), ldg, x.AsSpan(xOff, rows * d), d, 1.0, grad.AsSpan(gradOff, m * d), d);
        }

        /// <summary>parts[0] += parts[1] + ... in part order (element by element: (parts[0] + parts[1]) + parts[2] ...).</summary>
        public static void AddParts(T[][] parts)
        {
            for (int p = 1; p < parts.Length; p++) TensorPrimitives.Add(parts[0], parts[p], parts[0]);
        }

        /// <summary>parts[k][off..off+len) summed into parts[0][off..off+len) in part order, like <see cref="AddParts(T[][])"/> on one slice.</summary>
        public static void AddParts(T[][] parts, int off, int len)
        {
            for (int p = 1; p < parts.Length; p++) TensorPrimitives.Add(parts[0].AsSpan(off, len), parts[p].AsSpan(off, len), parts[0].AsSpan(off, len));
        }

        /// <summary>||w_s - w_s0||^2 for every row s, summed over j in order, into sq (length m).</summary>
        public static void RowDistancesSquared(ReadOnlySpan<T> w, ReadOnlySpan<T> w0, int m, int d, Span<double> sq)
        {
            for (int s = 0; s < m; s++)
            {
                double acc = 0;
                for (int j = 0, k = s * d; j < d; j++, k++)
                {
                    double dlt = double.CreateTruncating(w[k] - w0[k]);
                    acc += dlt * dlt;
                }
                sq[s] = acc;
            }
        }

        /// <summary>(max_s ||w_s - w_s0||, ||W - W0||_F).</summary>
        public static (double max, double fro) Movement(ReadOnlySpan<T> w, ReadOnlySpan<T> w0, int m, int d)
        {
            var sq = new double[m];
            RowDistancesSquared(w, w0, m, d, sq);
            double max = 0, fro = 0;
            foreach (var r in sq) { fro += r; max = Math.Max(max, r); }
            return (Math.Sqrt(max), Math.Sqrt(fro));
        }

        /// <summary>Projects every row onto the ball ||w_s - w_s0|| &lt;= radius (THEORY.md §3).</summary>
        public static void Project(Span<T> w, ReadOnlySpan<T> w0, int m, int d, double radius)
        {
            var sq = new double[m];
            RowDistancesSquared(w, w0, m, d, sq);
            for (int s = 0; s < m; s++)
            {
                double norm = Math.Sqrt(sq[s]);
                if (norm <= radius) continue;
                var scale = T.CreateTruncating(radius / norm);
                for (int j = 0, k = s * d; j < d; j++, k++) w[k] = w0[k] + (w[k] - w0[k]) * scale;
            }
        }

        /// <summary>
        /// Whether ||W||_F^2 is finite: false for any NaN or infinite weight, and for weights so large that their squares
        /// overflow (|w| beyond about 1e154 in float64, 1e19 in float32), where the movement and any later step are meaningless.
        /// </summary>
        public static bool Finite(ReadOnlySpan<T> w) => T.IsFinite(TensorPrimitives.SumOfSquares(w));

        /// <summary>sum_s a'_s relu(z_s), vectorised, in a fixed order.</summary>
        public static T ReluDot(ReadOnlySpan<T> z, ReadOnlySpan<T> a)
        {
            var acc = Vector<T>.Zero;
            int k = 0, w = Vector<T>.Count;
            for (; k <= z.Length - w; k += w)
                acc += Vector.Max(new Vector<T>(z.Slice(k, w)), Vector<T>.Zero) * new Vector<T>(a.Slice(k, w));
            T s = Vector.Sum(acc);
            for (; k < z.Length; k++) if (z[k] > T.Zero) s += z[k] * a[k];
            return s;
        }

        /// <summary>z_s &lt;- g a'_s 1[z_s &gt; 0] in place.</summary>
        public static void MaskScale(Span<T> z, ReadOnlySpan<T> a, T g)
        {
            int k = 0, w = Vector<T>.Count;
            var gv = new Vector<T>(g);
            for (; k <= z.Length - w; k += w)
            {
                var zv = new Vector<T>(z.Slice(k, w));
                Vector.ConditionalSelect(Vector.GreaterThan(zv, Vector<T>.Zero), gv * new Vector<T>(a.Slice(k, w)), Vector<T>.Zero).CopyTo(z.Slice(k, w));
            }
            for (; k < z.Length; k++) z[k] = z[k] > T.Zero ? g * a[k] : T.Zero;
        }
    }

    private static string BackendName<T>(int block, int threads, string extra = "") =>
        $"blocked GEMM ({block}-row blocks): {Blas.Current.Name}, single-threaded calls in {RowStreams} row streams on {threads} engine threads" +
        (typeof(T) == typeof(float) ? ", float32" : ", float64") + extra;

    /// <summary>Rows per block of a run alone: BlockElements(d) / m rounded down to an even count (at least 2), within [1, n] (or the tests' forced value).</summary>
    private static int SoloBlock(int n, int d, int m) => Math.Clamp(ForceBlockRows ?? Math.Max(2, BlockElements(d) / m & ~1), 1, n);

    private sealed class Engine<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly int _n, _d, _m, _threads, _block;
        private readonly T[] _x, _w, _w0, _aScaled, _grad;
        private readonly T[][] _zb, _gradPart;               // per row stream: the block's pre-activations, the stream's gradient (_gradPart[0] is _grad)
        private readonly double[] _a;
        private readonly RowLosses _rows;
        private readonly TrainingOptions _o;
        private readonly double[]? _gOut;                    // TrainOutput: gradient of (a_0..a_{m-1}, c)
        private readonly double[][]? _gOutPart, _gRow;       // TrainOutput, per row stream: the stream's part of _gOut (_gOutPart[0] is _gOut), per-row g of a block
        private readonly T[][]? _xg;                         // minibatches, per row stream: the gathered rows of one block
        private readonly ParallelOptions _po;
        private T[]? _s1, _s2;                               // optimiser state of W (momentum v, or Adam m and v)
        private double[]? _s1Out, _s2Out;                    // optimiser state of (a, c)
        private long _updates;                               // optimiser updates so far (Adam's bias correction)

        public Engine(Dataset data, double[]? soft, TwoLayerNetwork net, TrainingOptions o)
        {
            _n = data.N; _d = data.D; _m = net.Width; _o = o;
            _threads = o.Threads > 0 ? o.Threads : Environment.ProcessorCount;
            _block = SoloBlock(_n, _d, _m);
            _x = Kernels<T>.Shared(data.X);                  // read-only: float64 uses the caller's arrays, no copy
            _rows = new RowLosses(data, soft, o.Labels);
            _w0 = Kernels<T>.Shared(net.W0);
            _w = (T[])_w0.Clone();
            _a = (double[])net.A.Clone();
            double scale = 1 / Math.Sqrt(_m);
            _aScaled = net.A.Select(a => T.CreateTruncating(a * scale)).ToArray();
            int rows = StreamBlockRows(_n, _block);
            _zb = Streams(() => new T[(long)rows * _m]);
            _gradPart = Streams(() => new T[(long)_m * _d]);
            _grad = _gradPart[0];
            if (o.TrainOutput) { _gOutPart = Streams(() => new double[_m + 1]); _gOut = _gOutPart[0]; _gRow = Streams(() => new double[rows]); }
            if (o.BatchSize > 0 && o.BatchSize < _n) _xg = Streams(() => new T[(long)rows * _d]);
            _po = new ParallelOptions { MaxDegreeOfParallelism = _threads };
        }

        private bool Minibatch => _xg is not null;

        public TrainingResult Run(TrainingOptions o, Dataset? test, Dataset? validation, IProgress<int>? progress)
        {
            Blas.Current.SetThreads(1);                      // the engine's threads run single-threaded BLAS calls (Kernels.Forward)
            var tracker = new Tracker(o, test, validation);
            try
            {
                while (true)
                {
                    bool last = tracker.Step == o.Steps;
                    BlockedPass(default, update: !last && !Minibatch);
                    if (tracker.Observe(_rows.Means(), WeightsFinite(), () => Kernels<T>.Movement(_w, _w0, _m, _d), HeldOutLogits)) break;
                    if (Minibatch) Epoch(tracker.Step);
                    else Update();
                    tracker.Advance();
                    if (tracker.Step % 100 == 0) progress?.Report(tracker.Step);
                }
            }
            finally { Blas.Current.SetThreads(_threads); }   // callers' own BLAS calls (Logits, teachers) get the threads back
            return tracker.Finish(_rows.AllZero, BackendName<T>(_block, _threads), Kernels<T>.ToDouble(_w), (double[])_a.Clone(), _rows.C);
        }

        /// <summary>f = (1/sqrt m) sum_s a_s relu(&lt;w_s, x&gt;) + c on held-out data at the current (W, a, c).</summary>
        private double[] HeldOutLogits(Dataset data)
        {
            var f = StreamLogits(Kernels<T>.ToDouble(_w), _a, data.X, data.N, data.D, _po);
            if (_rows.C != 0) for (int i = 0; i < f.Length; i++) f[i] += _rows.C;
            return f;
        }

        /// <summary>W finite (<see cref="Kernels{T}.Finite"/>); with a trainable output layer, a and c too.</summary>
        private bool WeightsFinite() =>
            Kernels<T>.Finite(_w) && (!_o.TrainOutput || (double.IsFinite(TensorPrimitives.SumOfSquares<double>(_a)) && double.IsFinite(_rows.C)));

        /// <summary>One optimiser update of W (and of a, c with a trainable output layer) from _grad (and _gOut), then the projection.</summary>
        private void Update()
        {
            _updates++;
            if (_o.Optimiser == Optimiser.GradientDescent)
                TensorPrimitives.MultiplyAdd(_grad, T.CreateTruncating(-_o.Eta), _w, _w);     // W -= eta grad
            else
            {
                _s1 ??= new T[_w.Length];
                if (_o.Optimiser == Optimiser.Adam) _s2 ??= new T[_w.Length];
                Optimise<T>(_w, _grad, _s1, _s2);
            }
            if (_gOut is not null)
            {
                var param = new double[_m + 1];
                _a.CopyTo(param, 0); param[_m] = _rows.C;
                if (_o.Optimiser == Optimiser.GradientDescent)
                    for (int k = 0; k <= _m; k++) param[k] -= _o.Eta * _gOut[k];
                else
                {
                    _s1Out ??= new double[_m + 1];
                    if (_o.Optimiser == Optimiser.Adam) _s2Out ??= new double[_m + 1];
                    Optimise<double>(param, _gOut, _s1Out, _s2Out);
                }
                Array.Copy(param, _a, _m); _rows.C = param[_m];
                double scale = 1 / Math.Sqrt(_m);
                for (int s = 0; s < _m; s++) _aScaled[s] = T.CreateTruncating(_a[s] * scale);
            }
            if (_o.Radius is { } rho) Kernels<T>.Project(_w, _w0, _m, _d, rho / Math.Sqrt(_m));
        }

        /// <summary>Momentum (v = mu v + g, p -= eta v) or Adam (see <see cref="Optimiser.Adam"/>) on one parameter array, element by element.</summary>
        private void Optimise<U>(U[] p, U[] g, U[] s1, U[]? s2) where U : unmanaged, IFloatingPointIeee754<U>
        {
            double eta = _o.Eta;
            if (_o.Optimiser == Optimiser.SgdMomentum)
            {
                U mu = U.CreateTruncating(_o.Momentum), e = U.CreateTruncating(eta);
                for (long k = 0; k < p.Length; k++) { s1[k] = mu * s1[k] + g[k]; p[k] -= e * s1[k]; }
                return;
            }
            double b1 = _o.Beta1, b2 = _o.Beta2, eps = _o.AdamEpsilon;
            double c1 = 1 - Math.Pow(b1, _updates), c2 = 1 - Math.Pow(b2, _updates);
            for (long k = 0; k < p.Length; k++)
            {
                double gk = double.CreateTruncating(g[k]);
                double m1 = b1 * double.CreateTruncating(s1[k]) + (1 - b1) * gk;
                double v = b2 * double.CreateTruncating(s2![k]) + (1 - b2) * gk * gk;
                s1[k] = U.CreateTruncating(m1); s2[k] = U.CreateTruncating(v);
                p[k] = U.CreateTruncating(double.CreateTruncating(p[k]) - eta * (m1 / c1) / (Math.Sqrt(v / c2) + eps));
            }
        }

        /// <summary>
        /// One epoch of minibatch updates: a permutation of the n rows drawn from the seed (stream "minibatch", index t),
        /// cut into consecutive batches of BatchSize rows (the last may be smaller); one update per batch with the
        /// batch's mean gradient.
        /// </summary>
        private void Epoch(int t)
        {
            var order = new int[_n];
            for (int i = 0; i < _n; i++) order[i] = i;
            var rng = SeedSequence.Rng(_o.Seed, "minibatch", t);
            for (int i = _n - 1; i > 0; i--) { int j = rng.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }
            for (int b0 = 0; b0 < _n; b0 += _o.BatchSize)
            {
                int count = Math.Min(_o.BatchSize, _n - b0);
                BlockedPass(order.AsSpan(b0, count), update: true);
                Update();
            }
        }

        /// <summary>
        /// Forward (and with update, the gradient of the mean objective over the rows into _grad and _gOut) over the rows
        /// listed in <paramref name="rows"/> (gathered block by block), or over all n rows in order when it is empty: each
        /// row stream (<see cref="RowStreams"/>) sums its own part, then the parts are added in stream order.
        /// </summary>
        private void BlockedPass(ReadOnlySpan<int> rows, bool update)
        {
            int total = rows.IsEmpty ? _n : rows.Length;
            int[]? index = rows.IsEmpty ? null : rows.ToArray();
            Parallel.For(0, RowStreams, _po, s => StreamPass(s, total, index, update));
            if (!update) return;
            Kernels<T>.AddParts(_gradPart);
            if (_gOutPart is not null) Kernels<double>.AddParts(_gOutPart);
        }

        /// <summary>Row stream s of a pass over <paramref name="total"/> rows (all n in order, or index[0..total)), block by block.</summary>
        private void StreamPass(int s, int total, int[]? index, bool update)
        {
            var (from, to) = StreamRows(total, s);
            var zb = _zb[s]; var grad = _gradPart[s];
            if (update) { Array.Clear(grad); if (_gOutPart is not null) Array.Clear(_gOutPart[s]); }
            for (int b0 = from; b0 < to; b0 += _block)
            {
                int count = Math.Min(_block, to - b0);
                var xArray = _x; int xOff = b0 * _d;
                if (index is not null)
                {
                    xArray = _xg![s]; xOff = 0;
                    for (int r = 0; r < count; r++) _x.AsSpan(index[b0 + r] * _d, _d).CopyTo(xArray.AsSpan(r * _d, _d));
                }
                Kernels<T>.Forward(count, _m, _d, xArray, xOff, _w, 0, zb, 0, _m);                                 // Z_b = X_b W^T
                if (_gOutPart is null)
                    for (int r = 0; r < count; r++)
                    {
                        var zr = zb.AsSpan(r * _m, _m);
                        double g = _rows.Derivative(index is null ? b0 + r : index[b0 + r], double.CreateTruncating(Kernels<T>.ReluDot(zr, _aScaled)), total);
                        if (update) Kernels<T>.MaskScale(zr, _aScaled, T.CreateTruncating(g));                   // G_b row = g a' 1[z > 0]
                    }
                else
                {
                    var gRow = _gRow![s];
                    for (int r = 0; r < count; r++)
                        gRow[r] = _rows.Derivative(index is null ? b0 + r : index[b0 + r], double.CreateTruncating(Kernels<T>.ReluDot(zb.AsSpan(r * _m, _m), _aScaled)), total);
                    if (update)
                    {
                        OutputGradient(zb, gRow, count, _gOutPart[s]);
                        for (int r = 0; r < count; r++) Kernels<T>.MaskScale(zb.AsSpan(r * _m, _m), _aScaled, T.CreateTruncating(gRow[r]));
                    }
                }
                if (update) Kernels<T>.Backward(count, _m, _d, zb, 0, _m, xArray, xOff, grad, 0);                // grad += G_b^T X_b
            }
        }

        /// <summary>
        /// d/da_s += (1/sqrt m) sum_r g_r relu(z_rs) and d/dc += sum_r g_r over the rows of one block (z: count x m), each sum
        /// in row order, into gOut (length m + 1).
        /// </summary>
        private void OutputGradient(T[] zb, double[] gRow, int count, double[] gOut)
        {
            double scale = 1 / Math.Sqrt(_m);
            for (int s = 0; s < _m; s++)
            {
                double acc = 0;
                for (int r = 0; r < count; r++)
                {
                    double z = double.CreateTruncating(zb[(long)r * _m + s]);
                    if (z > 0) acc += gRow[r] * z;
                }
                gOut[s] += acc * scale;
            }
            double gc = 0;
            for (int r = 0; r < count; r++) gc += gRow[r];
            gOut[_m] += gc;
        }
    }

    /// <summary>Whether a run can join a wide batch: full-batch gradient descent with the fixed output layer.</summary>
    private static bool Batchable(RunSpec r) =>
        r.Options.Optimiser == Optimiser.GradientDescent && !r.Options.TrainOutput && (r.Options.BatchSize == 0 || r.Options.BatchSize >= r.Train.N);

    /// <summary>Most neurons of one wide batch: its pre-activation buffer is (rows per block) x (total width) elements, at most 2^24.</summary>
    private const long WideElements = 1 << 24;

    /// <summary>
    /// Runs that share X (the same array), n, d, precision, thread count and rows per block, trained together: per block of
    /// rows one GEMM Z_b = X_b [W_1; W_2; ...]^T covers every run's pre-activations, one pass over the rows forms each
    /// run's logits, losses and G_b columns, and each run's gradient is its own GEMM G_{b,k}^T X_b, the same call (up to
    /// the leading dimension of G, which BLAS packing makes irrelevant) that <see cref="Train"/> makes for the run alone. Runs
    /// that stop (cap, convergence, divergence) leave the batch. The wide forward GEMM relies on BLAS computing each column of
    /// X_b W^T independently of the other columns, true of OpenBLAS 0.3.21 dgemm at every shape tested for even row counts
    /// (TrainingApiTests; <see cref="Kernels{T}.Forward"/> makes only such calls); its sgemm is not column-independent (edge
    /// kernels), so in float32 each run's forward is its own call too. The row streams and blocks are those of each run alone.
    /// </summary>
    private sealed class WideEngine<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private sealed class Member(int index, TrainingOptions o, RowLosses rows, Tracker tracker, T[] w0, double[] a, T[] aScaled)
        {
            public int Index => index;
            public TrainingOptions O => o;
            public RowLosses Rows => rows;
            public Tracker Tracker => tracker;
            public T[] W0 => w0;
            public double[] A => a;
            public T[] AScaled => aScaled;
            public int M => a.Length;
            public int Offset;
        }

        private readonly int _n, _d, _block, _threads;
        private readonly T[] _x;
        private List<Member> _active;
        private T[] _w;
        private T[][] _gradPart, _zb;                       // per row stream: the stream's gradient (all runs), the block's pre-activations
        private int _total;

        public WideEngine(IReadOnlyList<(int index, RunSpec spec)> runs, Dataset? test, int threads, int block)
        {
            var first = runs[0].spec.Train;
            _n = first.N; _d = first.D; _threads = threads; _block = block;
            _x = Kernels<T>.Shared(first.X);
            _active = new List<Member>();
            foreach (var (index, spec) in runs)
            {
                var o = spec.Options;
                var net = TwoLayerNetwork.Initialise(o.Width, _d, o.Seed, o.Symmetric);
                double scale = 1 / Math.Sqrt(o.Width);
                _active.Add(new Member(index, o, new RowLosses(spec.Train, spec.SoftLabels, o.Labels), new Tracker(o, test, spec.Validation),
                    Kernels<T>.Shared(net.W0), net.A, net.A.Select(a => T.CreateTruncating(a * scale)).ToArray()));
            }
            _w = [];
            _gradPart = _zb = [];
            Layout(null);
        }

        /// <summary>Concatenates the active runs' first layers (from W_0, or from the previous concatenation) and sizes the buffers.</summary>
        private void Layout(T[]? previous)
        {
            _total = _active.Sum(r => r.M);
            var w = new T[(long)_total * _d];
            int offset = 0;
            foreach (var r in _active)
            {
                var source = previous is null ? r.W0.AsSpan() : previous.AsSpan(r.Offset * _d, r.M * _d);
                source.CopyTo(w.AsSpan(offset * _d, r.M * _d));
                r.Offset = offset;
                offset += r.M;
            }
            _w = w;
            _gradPart = Streams(() => new T[(long)_total * _d]);
            _zb = Streams(() => new T[(long)StreamBlockRows(_n, _block) * _total]);
        }

        public void Run(TrainingResult[] results, Action<int> finished)
        {
            Blas.Current.SetThreads(1);
            try { Loop(results, finished); }
            finally { Blas.Current.SetThreads(_threads); }
        }

        /// <summary>
        /// Row stream s of one full pass (the same rows and blocks as each run alone): per block one forward GEMM over the
        /// concatenated first layers (float64; float32: one call per run), each run's logits, losses and G_b columns, and each
        /// run's gradient G_{b,k}^T X_b into the stream's part.
        /// </summary>
        private void StreamPass(int s)
        {
            var (from, to) = StreamRows(_n, s);
            var zb = _zb[s]; var grad = _gradPart[s];
            Array.Clear(grad);
            for (int b0 = from; b0 < to; b0 += _block)
            {
                int count = Math.Min(_block, to - b0), xOff = b0 * _d;
                if (typeof(T) == typeof(double))
                    Kernels<T>.Forward(count, _total, _d, _x, xOff, _w, 0, zb, 0, _total);                         // Z_b = X_b [W_1; W_2; ...]^T
                else
                    foreach (var k in _active) Kernels<T>.Forward(count, k.M, _d, _x, xOff, _w, k.Offset * _d, zb, k.Offset, _total);
                for (int r = 0; r < count; r++)
                    foreach (var k in _active)
                    {
                        var zr = zb.AsSpan(r * _total + k.Offset, k.M);
                        double g = k.Rows.Derivative(b0 + r, double.CreateTruncating(Kernels<T>.ReluDot(zr, k.AScaled)), _n);
                        Kernels<T>.MaskScale(zr, k.AScaled, T.CreateTruncating(g));
                    }
                foreach (var k in _active)                                                                 // grad_k += G_{b,k}^T X_b
                    Kernels<T>.Backward(count, k.M, _d, zb, k.Offset, _total, _x, xOff, grad, k.Offset * _d);
            }
        }

        private void Loop(TrainingResult[] results, Action<int> finished)
        {
            var po = new ParallelOptions { MaxDegreeOfParallelism = _threads };
            string backend = BackendName<T>(_block, _threads, $", batched with {_active.Count} runs on one X");
            while (_active.Count > 0)
            {
                Parallel.For(0, RowStreams, po, StreamPass);
                Kernels<T>.AddParts(_gradPart);                                                         // element by element: as each run alone
                var grad = _gradPart[0];
                bool left = false;
                foreach (var k in _active)
                {
                    int off = k.Offset * _d, len = k.M * _d;
                    var wk = _w.AsSpan(off, len);
                    if (k.Tracker.Observe(k.Rows.Means(), Kernels<T>.Finite(wk), () => Kernels<T>.Movement(_w.AsSpan(off, len), k.W0, k.M, _d),
                            data => StreamLogits(Kernels<T>.ToDouble(_w.AsSpan(off, len)), k.A, data.X, data.N, data.D, po)))
                    {
                        results[k.Index] = k.Tracker.Finish(k.Rows.AllZero, backend, Kernels<T>.ToDouble(wk), (double[])k.A.Clone(), 0);
                        k.Offset = -1;
                        left = true;
                        finished(k.Index);
                        continue;
                    }
                    TensorPrimitives.MultiplyAdd(grad.AsSpan(off, len), T.CreateTruncating(-k.O.Eta), wk, wk);    // W_k -= eta_k grad_k
                    if (k.O.Radius is { } rho) Kernels<T>.Project(wk, k.W0, k.M, _d, rho / Math.Sqrt(k.M));
                    k.Tracker.Advance();
                }
                if (left)
                {
                    var previous = _w;
                    _active = _active.Where(k => k.Offset >= 0).ToList();
                    if (_active.Count > 0) Layout(previous);
                }
            }
        }
    }
}
