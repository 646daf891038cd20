using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using TheoryKit.Data;
using TheoryKit.LinearAlgebra;
using TheoryKit.Networks;

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
/// the run has converged at step t when (L(W_{t-w}) - L(W_t)) / |L(W_{t-w})| &lt; <paramref name="RelativeDrop"/> with
/// w = max(1, ceil(<paramref name="WindowFraction"/> * t)): the objective's relative drop over the last 10% of the steps is
/// below 1% with the defaults. A rise of the objective (a negative drop) also counts as converged; L(W_{t-w}) = 0 counts
/// as converged (nothing is left to drop). The run then stops at W_t (t steps run).
/// </summary>
/// <param name="RelativeDrop">Threshold on the relative drop (&gt; 0).</param>
/// <param name="WindowFraction">Window as a fraction of the steps so far, in (0, 1].</param>
/// <param name="MinSteps">First step at which the rule is checked (&gt;= 1).</param>
/// <param name="CheckEvery">The rule is checked at steps t with t % CheckEvery == 0 (&gt;= 1).</param>
public sealed record ConvergenceRule(double RelativeDrop = 0.01, double WindowFraction = 0.1, int MinSteps = 100, int CheckEvery = 10)
{
    /// <summary>Checks the settings.</summary>
    /// <exception cref="InputException">A setting is impossible (field "convergence").</exception>
    public void Validate()
    {
        if (!(RelativeDrop > 0) || !double.IsFinite(RelativeDrop)) throw InputException.Parameter("convergence", $"the relative drop must be positive, got {RelativeDrop}");
        if (!(WindowFraction > 0 && WindowFraction <= 1)) throw InputException.Parameter("convergence", $"the window fraction must lie in (0, 1], got {WindowFraction}");
        if (MinSteps < 1) throw InputException.Parameter("convergence", $"the first checked step must be >= 1, got {MinSteps}");
        if (CheckEvery < 1) throw InputException.Parameter("convergence", $"the check interval must be >= 1, got {CheckEvery}");
    }

    /// <summary>Whether the rule holds at step t given the objective history L(W_0), ..., L(W_t) (losses[k] = L(W_k)).</summary>
    public bool HoldsAt(IReadOnlyList<double> losses, int t)
    {
        if (t < MinSteps || t % CheckEvery != 0) return false;
        int w = Math.Max(1, (int)Math.Ceiling(WindowFraction * t));
        double before = losses[t - w], now = losses[t];
        if (before == 0) return true;
        return (before - now) / Math.Abs(before) < RelativeDrop;
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

    /// <summary>Minibatch size (0 = full batch, the default).</summary>
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
        if (TrainOutput) throw InputException.Parameter("train-output", "a trainable output layer is not implemented yet");
        if (Optimiser != Optimiser.GradientDescent) throw InputException.Parameter("optimiser", "only full-batch gradient descent is implemented yet");
        if (BatchSize != 0) throw InputException.Parameter("batch-size", "minibatches are not implemented yet");
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
/// <param name="Backend">GEMM backend, rows per block and precision, e.g. "blocked GEMM (64-row blocks): OpenBLAS ..., float64".</param>
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
}

/// <summary>
/// Full-batch (projected) gradient descent on the two-layer ReLU student (THEORY.md §1-3).
/// One step is two GEMM-shaped products per block of rows: the pre-activations Z_b = X_b W^T (B x m) and
/// the gradient accumulation grad += G_b^T X_b (m x d), with G_is = l'(f_i) a_s 1[&lt;w_s, x_i&gt; &gt; 0] / (n sqrt(m))
/// computed in place in Z_b by one fused pass that also forms f_i; then W -= eta grad. Blocks of
/// B = 2^18 / m (d &lt; 128) or 2^20 / m rows keep the only n-dependent buffer at B x m (never n x m, never n x n, nothing per step),
/// so the same code is GEMM-bound at large d and stays in cache at small d, where NumPy-style code
/// streams several n x m temporaries. Blocks are visited in order and every sum has a fixed order, so
/// trajectories are bit-identical for any thread count.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// Elements of the per-block pre-activation buffer (B = elements / m rows): 2^20 for d &gt;= 128, where the
    /// GEMMs dominate and like tall blocks, and 2^18 below, where the block should stay in cache (measured on
    /// n = 10000, m = 4096: d = 2 and 50 are fastest with 64-row blocks, d = 784 with 256 rows).
    /// </summary>
    public static int BlockElements(int d) => d >= 128 ? 1 << 20 : 1 << 18;

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
    /// Trains a batch of runs; result k is the result of <see cref="Train"/> on runs[k] with <paramref name="test"/>,
    /// runs[k].Validation and the thread count below.
    /// </summary>
    /// <param name="runs">The runs (each with its own data, soft labels, options and validation data).</param>
    /// <param name="test">Optional held-out data shared by every run.</param>
    /// <param name="threads">Threads (&gt; 0 overrides every run's Options.Threads; 0 keeps them). Results do not depend on it.</param>
    /// <param name="progress">Optional progress: the number of runs finished.</param>
    /// <returns>One result per run, in the order of <paramref name="runs"/>.</returns>
    /// <exception cref="InputException">Any run is invalid (checked before anything is trained).</exception>
    public static TrainingResult[] TrainMany(IReadOnlyList<RunSpec> runs, Dataset? test = null, int threads = 0, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (threads < 0) throw InputException.Parameter("threads", $"must be >= 0, got {threads}");
        var specs = runs.Select(r => threads > 0 ? r with { Options = r.Options with { Threads = threads } } : r).ToArray();
        foreach (var r in specs) Check(r.Train, r.SoftLabels, r.Options, test, r.Validation);
        var results = new TrainingResult[specs.Length];
        for (int k = 0; k < specs.Length; k++)
        {
            var r = specs[k];
            results[k] = Train(r.Train, r.SoftLabels, r.Options, test, null, r.Validation);
            progress?.Report(k + 1);
        }
        return results;
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
    /// block of rows (<see cref="BlockElements"/>), so no n x m buffer is built.
    /// </summary>
    public static double[] Logits(double[] w, double[] a, double[] x, int n, int d)
    {
        int m = a.Length, block = Math.Clamp(BlockElements(d) / m, 1, Math.Max(1, n));
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

    private sealed class Engine<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly int _n, _d, _m, _threads, _block;
        private readonly T[] _x, _w, _w0, _aScaled, _zb, _grad;
        private readonly double[] _a, _y, _p, _lossRow, _riskRow, _errRow, _fRow;
        private readonly LabelKind _kind;

        public Engine(Dataset data, double[]? soft, TwoLayerNetwork net, TrainingOptions o)
        {
            _n = data.N; _d = data.D; _m = net.Width; _kind = o.Labels;
            _threads = o.Threads > 0 ? o.Threads : Environment.ProcessorCount;
            _block = Math.Clamp(ForceBlockRows ?? BlockElements(_d) / _m, 1, _n);
            _x = Shared(data.X);                  // read-only: float64 uses the caller's arrays, no copy
            _y = data.Y; _p = soft ?? data.Y.Select(v => v > 0 ? 1.0 : 0.0).ToArray();
            _w0 = Shared(net.W0);
            _w = (T[])_w0.Clone();
            _a = net.A;
            double scale = 1 / Math.Sqrt(_m);
            _aScaled = net.A.Select(a => T.CreateTruncating(a * scale)).ToArray();
            _lossRow = new double[_n]; _riskRow = new double[_n]; _errRow = new double[_n]; _fRow = new double[_n];
            _zb = new T[(long)_block * _m];
            _grad = new T[(long)_m * _d];
        }

        /// <summary>The array itself in float64 (callers never write to it), a float32 copy otherwise.</summary>
        private static T[] Shared(double[] v)
        {
            if (typeof(T) == typeof(double)) return (T[])(object)v;
            var r = new T[v.Length];
            for (long k = 0; k < v.Length; k++) r[k] = T.CreateTruncating(v[k]);
            return r;
        }

        private static void Gemm(bool ta, bool tb, int m, int n, int k, double alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, double beta, Span<T> c, int ldc)
        {
            if (typeof(T) == typeof(double))
                Blas.Current.Dgemm(ta, tb, m, n, k, alpha, MemoryMarshal.Cast<T, double>(a), lda, MemoryMarshal.Cast<T, double>(b), ldb, beta, MemoryMarshal.Cast<T, double>(c), ldc);
            else
                Blas.Current.Sgemm(ta, tb, m, n, k, (float)alpha, MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb, (float)beta, MemoryMarshal.Cast<T, float>(c), ldc);
        }

        public TrainingResult Run(TrainingOptions o, Dataset? test, Dataset? validation, IProgress<int>? progress)
        {
            Blas.Current.SetThreads(_threads);
            var record = new List<TrajectoryPoint>();
            var recordTestRisk = new List<double?>();
            var losses = new List<double>();
            double sumLoss = 0, sumRisk = 0;
            var outcome = RunOutcome.StepCap;
            double loss, risk, err;
            double? testRisk = null, testErr = null, valErr = null;
            var clock = Stopwatch.StartNew();
            int t = 0;
            for (; ; t++)
            {
                bool last = t == o.Steps;
                (loss, risk, err) = Step(computeGradient: !last);
                losses.Add(loss);
                if (!double.IsFinite(loss) || !WeightsFinite()) { outcome = RunOutcome.Diverged; last = true; }
                else if (o.Convergence is { } rule && rule.HoldsAt(losses, t)) { outcome = RunOutcome.Converged; last = true; }
                if (last || t % o.RecordEvery == 0)
                {
                    Movement();
                    if (outcome == RunOutcome.Diverged) { err = double.NaN; testRisk = testErr = valErr = null; }
                    else
                    {
                        var w = test is null && validation is null ? null : Array.ConvertAll(_w, v => double.CreateTruncating(v));
                        (testRisk, testErr) = HeldOut(w, test);
                        (_, valErr) = HeldOut(w, validation);
                    }
                    record.Add(new TrajectoryPoint(t, loss, risk, err, _moveMax, _moveFro, testErr, valErr));
                    recordTestRisk.Add(testRisk);
                }
                if (last) break;
                sumLoss += loss; sumRisk += risk;
                TensorPrimitives.MultiplyAdd(_grad, T.CreateTruncating(-o.Eta), _w, _w);     // W -= eta grad
                if (o.Radius is { } rho) Project(rho / Math.Sqrt(_m));
                if ((t + 1) % 100 == 0) progress?.Report(t + 1);
            }
            int steps = t;
            double secondsPerStep = clock.Elapsed.TotalSeconds / Math.Max(1, steps);
            if (outcome != RunOutcome.Diverged && _allZero) outcome = RunOutcome.Dead;
            EarlyStop? early = null;
            if (validation is not null && outcome != RunOutcome.Diverged)
            {
                int best = 0;
                for (int k = 1; k < record.Count; k++) if (record[k].ValidationError < record[best].ValidationError) best = k;
                early = new EarlyStop(record[best].Step, record[best].ValidationError!.Value, record[best].TestError, recordTestRisk[best]);
            }
            string backend = $"blocked GEMM ({_block}-row blocks): {Blas.Current.Name}" + (typeof(T) == typeof(float) ? ", float32" : ", float64");
            return new TrainingResult(record.ToArray(), loss, steps > 0 ? sumLoss / steps : double.NaN, steps > 0 ? sumRisk / steps : double.NaN, risk, err,
                testRisk, testErr, secondsPerStep, backend, Array.ConvertAll(_w, v => double.CreateTruncating(v)))
            {
                StepsRun = steps, Outcome = outcome, EarlyStopped = early, ValidationError = valErr,
            };
        }

        /// <summary>Logistic risk and 0-1 error of the network (w, a) on held-out data, or nulls without data.</summary>
        private (double? risk, double? error) HeldOut(double[]? w, Dataset? data)
        {
            if (data is null || w is null) return (null, null);
            var (r, e) = RiskAndError(Logits(w, _a, data.X, data.N, data.D), data.Y);
            return (r, e);
        }

        /// <summary>
        /// Whether ||W||_F^2 is finite: false for any NaN or infinite weight, and for weights so large that their squares
        /// overflow (|w| beyond about 1e154 in float64, 1e19 in float32), where the movement and any later step are meaningless.
        /// </summary>
        private bool WeightsFinite() => T.IsFinite(TensorPrimitives.SumOfSquares<T>(_w));

        private double _moveMax, _moveFro;
        private double[]? _rowSq;

        /// <summary>max_s ||w_s - w_s0|| and ||W - W0||_F of the current W into _moveMax, _moveFro.</summary>
        private void Movement()
        {
            double max = 0, fro = 0;
            foreach (var r in RowDistancesSquared()) { fro += r; max = Math.Max(max, r); }
            _moveMax = Math.Sqrt(max); _moveFro = Math.Sqrt(fro);
        }

        /// <summary>||w_s - w_s0||^2 for every row s (a reused buffer of length m), summed over j in order.</summary>
        private double[] RowDistancesSquared()
        {
            var sq = _rowSq ??= new double[_m];
            for (int s = 0; s < _m; s++)
            {
                double acc = 0;
                for (int j = 0, k = s * _d; j < _d; j++, k++)
                {
                    double dlt = double.CreateTruncating(_w[k] - _w0[k]);
                    acc += dlt * dlt;
                }
                sq[s] = acc;
            }
            return sq;
        }

        /// <summary>Forward at the current W, losses, and (if computeGradient) grad L(W) into _grad. Returns (loss, risk, error) at the current W.</summary>
        private (double loss, double risk, double err) Step(bool computeGradient)
        {
            BlockedStep(computeGradient);
            double loss = 0, risk = 0, err = 0;
            bool allZero = true;
            for (int i = 0; i < _n; i++) { loss += _lossRow[i]; risk += _riskRow[i]; err += _errRow[i]; allZero &= _fRow[i] == 0; }
            _allZero = allZero;
            return (loss / _n, risk / _n, err / _n);
        }

        private bool _allZero;

        /// <summary>Per-row loss bookkeeping and the derivative of the objective in f_i, divided by n.</summary>
        private double RowDerivative(int i, double f)
        {
            _riskRow[i] = Losses.Logistic(_y[i], f);
            _errRow[i] = ZeroOne(_y[i], f);
            _fRow[i] = f;
            if (_kind == LabelKind.Hard)
            {
                _lossRow[i] = _riskRow[i];
                return Losses.LogisticDerivative(_y[i], f) / _n;
            }
            _lossRow[i] = Losses.KL(_p[i], f);
            return Losses.KLDerivative(_p[i], f) / _n;
        }

        private void BlockedStep(bool update)
        {
            if (update) Array.Clear(_grad);
            var po = new ParallelOptions { MaxDegreeOfParallelism = _threads };
            for (int b0 = 0; b0 < _n; b0 += _block)
            {
                int rows = Math.Min(_block, _n - b0), start = b0;
                var xb = _x.AsSpan(b0 * _d, rows * _d);
                Gemm(false, true, rows, _m, _d, 1.0, xb, _d, _w, _d, 0.0, _zb, _m);              // Z_b = X_b W^T
                Parallel.For(0, rows, po, r =>
                {
                    var zr = _zb.AsSpan(r * _m, _m);
                    double g = RowDerivative(start + r, double.CreateTruncating(ReluDot(zr, _aScaled)));
                    if (update) MaskScale(zr, _aScaled, T.CreateTruncating(g));                   // G_b row = g a' 1[z > 0]
                });
                if (update) Gemm(true, false, _m, _d, rows, 1.0, _zb, _m, xb, _d, 1.0, _grad, _d);  // grad += G_b^T X_b
            }
        }

        /// <summary>sum_s a'_s relu(z_s), vectorised, in a fixed order.</summary>
        private static T ReluDot(ReadOnlySpan<T> z, ReadOnlySpan<T> a)
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
        private static void MaskScale(Span<T> z, ReadOnlySpan<T> a, T g)
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

        /// <summary>Projects every row onto the ball ||w_s - w_s0|| &lt;= radius (THEORY.md §3).</summary>
        private void Project(double radius)
        {
            var sq = RowDistancesSquared();
            for (int s = 0; s < _m; s++)
            {
                double norm = Math.Sqrt(sq[s]);
                if (norm <= radius) continue;
                var scale = T.CreateTruncating(radius / norm);
                for (int j = 0, k = s * _d; j < _d; j++, k++) _w[k] = _w0[k] + (_w[k] - _w0[k]) * scale;
            }
        }
    }
}
