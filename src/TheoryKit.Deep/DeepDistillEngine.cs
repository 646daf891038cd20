using System.Diagnostics;
using System.Text.Json.Nodes;
using TheoryKit.Data;
using TheoryKit.Experiments;
using TheoryKit.Training;
using static TorchSharp.torch;

namespace TheoryKit.Deep;

/// <summary>
/// Deep students and teachers for <see cref="Distill.Run"/> ([MLS25]'s last experiment; THEORY.md §9 protocol): per (noise level, seed)
/// one teacher, a wide network of the student family (<see cref="DeepSettings.TeacherWidth"/>) trained on the noisy hard labels and
/// early-stopped on the noisy validation split (it keeps its epoch of lowest validation logistic risk); its logits g give the soft labels
/// sigmoid(g / tau). Students are trained by <see cref="DeepTrainer.Train"/> with the options of <see cref="DistillSpec.Student"/>
/// (Steps = epoch cap, Eta = learning rate). Runs train side by side, one per thread, each with one torch thread, larger runs first;
/// every number depends on the seeds alone, never on the thread count.
/// </summary>
/// <param name="settings">Family, depth, weight decay and teacher settings.</param>
public sealed class DeepDistillEngine(DeepSettings settings) : IDistillEngine
{
    /// <summary>The settings.</summary>
    public DeepSettings Deep { get; } = settings ?? throw new ArgumentNullException(nameof(settings));

    /// <summary>Folder libtorch was loaded from for an installed tool, or null (<see cref="LibTorch.EnsureLoaded"/>; run first,
    /// so that a missing libtorch is one line before any output).</summary>
    public string? LibTorchFolder { get; } = LibTorch.EnsureLoaded();

    /// <summary>Seconds between two progress texts of one call.</summary>
    private const double StatusSeconds = 10;

    /// <inheritdoc/>
    public string Student => Deep.Name;

    /// <inheritdoc/>
    public JsonObject? Settings => Deep.ToJson();

    /// <inheritdoc/>
    public string TeacherNote(DistillSpec spec) =>
        $"Teachers: wide {Deep.Name} (width {Deep.TeacherWidth}, depth {Deep.Depth}) on the noisy hard labels, up to {Deep.TeacherEpochs} epochs, "
        + $"early-stopped on the noisy validation split (patience {Deep.TeacherPatience} epochs, best epoch kept)";

    /// <inheritdoc/>
    public string StudentNote(DistillSpec spec)
    {
        var s = spec.Student;
        return $"Students: {Deep.Name}, depth {Deep.Depth}, {OptimiserNames.Of(s.Optimiser)} (learning rate {Numbers.G4(s.Eta)}"
            + (s.Optimiser == Optimiser.SgdMomentum ? $", momentum {Numbers.G4(s.Momentum)}" : "") + $", weight decay {Numbers.G4(Deep.WeightDecay)}), "
            + $"batch {(s.BatchSize > 0 ? s.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture) : "full")}, cap {s.Steps} epochs"
            + (s.Convergence is { } cr ? $", converged when a line fitted to the epoch-averaged objective over the last {Numbers.G4(100 * cr.WindowFraction)}% of the epochs (at least {MinibatchConvergence.MinWindow}) moves by < {Numbers.G4(100 * cr.RelativeDrop)}% or < {cr.AbsoluteDrop:g3} nats (from epoch {cr.MinSteps})" : ", no convergence rule")
            + $", {(s.Precision == Precision.Single ? "float32" : "float64")}, He initialisation from the seed.";
    }

    /// <inheritdoc/>
    public void Validate(DistillSpec spec, int d)
    {
        ArgumentNullException.ThrowIfNull(spec);
        DeepNetwork.Check(Deep, d);
        if (spec.Student.Symmetric) throw InputException.Parameter("student", "symmetric initialisation is for two-layer students only");
        if (spec.Student.Radius is not null) throw InputException.Parameter("radius", "projection is for two-layer students only");
    }

    /// <inheritdoc/>
    public DistillTeacherFit[] FitTeachers(DistillSpec spec, Dataset train, Dataset[] noisyTrain, Dataset validation, Dataset[] noisyValidation, Dataset test,
        ulong[] seeds, int threads, Action<string>? status)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var type = Type(spec);
        using var xTrain = DeepData.Of(train, type);
        using var xVal = DeepData.Of(validation, type);
        using var xTest = DeepData.Of(test, type);
        var options = spec.Student with
        {
            Width = Deep.TeacherWidth, Steps = Deep.TeacherEpochs, Labels = LabelKind.Hard, Convergence = null, Symmetric = false,
        };
        var fits = new DistillTeacherFit[seeds.Length];
        var progress = new Status(status, seeds.Length, Deep.TeacherEpochs, "teacher");
        Parallel.For(0, seeds.Length, Parallelism(threads), s =>
        {
            progress.Started(s);
            var run = DeepTrainer.Train(Deep, options with { Seed = seeds[s] }, xTrain.WithLabels(noisyTrain[s].Y), null, xVal.WithLabels(noisyValidation[s].Y),
                xTest, Deep.TeacherPatience, keepBest: true, epochDone: e => progress.Epoch(s, e));
            var r = run.Result;
            if (r.Outcome == RunOutcome.Diverged)
                throw InputException.Parameter("eta", $"the {Deep.Name} teacher of seed index {s} diverged (NaN or infinite loss); lower the learning rate --eta");
            fits[s] = new DistillTeacherFit(run.TrainLogits, run.TestLogits!, r.ValidationError, r.StepsRun, r.Trajectory[^1].Step);
            progress.Finished(s);
        });
        return fits;
    }

    /// <inheritdoc/>
    public void TrainStudents(IReadOnlyList<RunSpec> runs, Dataset test, int threads, Action<int, TrainingResult> finished, Action<string>? status)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(finished);
        if (runs.Count == 0) return;
        var type = runs[0].Options.Precision == Precision.Single ? ScalarType.Float32 : ScalarType.Float64;
        // the runs of a batch share X (their labels differ); the validation rows too
        using var xTrain = DeepData.Of(runs[0].Train, type);
        using var xTest = DeepData.Of(test, type);
        var validation = runs.FirstOrDefault(r => r.Validation is not null)?.Validation;
        using var xVal = validation is null ? null : DeepData.Of(validation, type);
        var gate = new object();
        var progress = new Status(status, runs.Count, runs.Max(r => r.Options.Steps), "run");
        // larger runs first, so that two threads finish together
        var order = Enumerable.Range(0, runs.Count).OrderByDescending(i => runs[i].Options.Width).ThenBy(i => i).ToArray();
        Parallel.ForEach(order, Parallelism(threads), i =>
        {
            var spec = runs[i];
            if (!ReferenceEquals(spec.Train.X, runs[0].Train.X)) throw new ArgumentException("the runs of a batch must share their training rows", nameof(runs));
            progress.Started(i);
            var run = DeepTrainer.Train(Deep, spec.Options, xTrain.WithLabels(spec.Train.Y),
                spec.Options.Labels == LabelKind.Soft ? spec.SoftLabels : null,
                spec.Validation is null ? null : xVal!.WithLabels(spec.Validation.Y), xTest, epochDone: e => progress.Epoch(i, e));
            progress.Finished(i);
            lock (gate) finished(i, run.Result);
        });
    }

    private ScalarType Type(DistillSpec spec) => spec.Student.Precision == Precision.Single ? ScalarType.Float32 : ScalarType.Float64;

    private static ParallelOptions Parallelism(int threads) => new() { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };

    /// <summary>Progress text with an estimate per run and for the call, at most every <see cref="StatusSeconds"/>.</summary>
    private sealed class Status(Action<string>? sink, int runs, int epochCap, string what)
    {
        private readonly object _gate = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly int[] _epochs = new int[runs];
        private readonly Stopwatch?[] _started = new Stopwatch?[runs];
        private readonly bool[] _done = new bool[runs];
        private double _last = double.NegativeInfinity;

        public void Epoch(int run, int epoch)
        {
            if (sink is null) return;
            lock (_gate)
            {
                _started[run] ??= Stopwatch.StartNew();
                _epochs[run] = epoch;
                if (_clock.Elapsed.TotalSeconds - _last < StatusSeconds) return;
                _last = _clock.Elapsed.TotalSeconds;
                int done = _done.Count(x => x);
                double runSeconds = _started[run]!.Elapsed.TotalSeconds, perEpoch = runSeconds / Math.Max(1, epoch);
                // the call's estimate: epochs left at the cap (an upper bound: runs may converge or stop early) at the mean pace so far
                long epochsDone = _epochs.Sum(), epochsLeft = (long)runs * epochCap - _epochs.Select((e, k) => _done[k] ? epochCap : e).Sum();
                double pace = _clock.Elapsed.TotalSeconds / Math.Max(1, epochsDone);
                sink($"{what} {run + 1}: epoch {epoch} of at most {epochCap}, at most {Seconds(perEpoch * (epochCap - epoch))} left for it; "
                    + $"{done} of {runs} {what}s done, at most {Seconds(pace * epochsLeft)} left for them");
            }
        }

        public void Started(int run)
        {
            lock (_gate) _started[run] = Stopwatch.StartNew();
        }

        public void Finished(int run)
        {
            lock (_gate) _done[run] = true;
        }

        private static string Seconds(double s) => TimeSpan.FromSeconds(Math.Round(s)).ToString(@"h\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture);
    }
}
