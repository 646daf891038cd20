using System.Text.Json.Nodes;
using TheoryKit.Data;
using TheoryKit.Teachers;
using TheoryKit.Training;

namespace TheoryKit.Experiments;

/// <summary>
/// A fitted teacher of one (noise level, seed) of a distillation grid (THEORY.md §4, §9): its logits on the training split
/// (the soft labels are sigmoid(g / tau)), on the clean held-out set, and its validation error.
/// </summary>
/// <param name="TrainLogits">g on the training split (length n_train).</param>
/// <param name="TestLogits">g on the held-out set.</param>
/// <param name="ValidationError">0-1 error on the noisy validation labels at the kept step (ties f = 0 count 1/2).</param>
/// <param name="StoppedAt">The kept step (epoch for deep teachers) when early-stopped, else null.</param>
/// <param name="Steps">Steps (epochs) run.</param>
public sealed record DistillTeacherFit(double[] TrainLogits, double[] TestLogits, double? ValidationError, int? StoppedAt, int Steps);

/// <summary>
/// The students and teachers of a distillation experiment (THEORY.md §9). <see cref="Distill.Run"/> owns the protocol (split,
/// label flips, pairing, journal, analysis); an engine fits the teachers of a noise level and trains student runs. The default
/// is the two-layer engine of the core (<see cref="TwoLayerDistillEngine"/>: kernel teachers, <see cref="Trainer.TrainMany"/>);
/// TheoryKit.Deep implements MLP and CNN students on TorchSharp, so that the core never references libtorch.
/// </summary>
public interface IDistillEngine
{
    /// <summary>Student family: "two-layer", "mlp" or "cnn".</summary>
    string Student { get; }

    /// <summary>Settings that change the numbers beyond <see cref="DistillSpec.Student"/> (written to the journal header), or
    /// null for the two-layer engine, whose header stays as it was.</summary>
    JsonObject? Settings { get; }

    /// <summary>One sentence on the teachers, e.g. "Teachers: kernel limit, eta = 16, up to 3000 steps".</summary>
    /// <param name="spec">The experiment.</param>
    string TeacherNote(DistillSpec spec);

    /// <summary>One sentence on the students.</summary>
    /// <param name="spec">The experiment.</param>
    string StudentNote(DistillSpec spec);

    /// <summary>Checks that the engine can train on data of dimension d (e.g. a CNN needs an image shape).</summary>
    /// <param name="spec">The experiment.</param>
    /// <param name="d">Input dimension.</param>
    /// <exception cref="InputException">The data or a setting does not fit the engine.</exception>
    void Validate(DistillSpec spec, int d);

    /// <summary>Fits one teacher per seed of one noise level.</summary>
    /// <param name="spec">The experiment.</param>
    /// <param name="train">The training split with clean labels.</param>
    /// <param name="noisyTrain">Per seed the training split with its noisy labels (the same X).</param>
    /// <param name="validation">The validation split with clean labels.</param>
    /// <param name="noisyValidation">Per seed the validation split with its noisy labels.</param>
    /// <param name="test">The clean held-out set.</param>
    /// <param name="seeds">Per seed the teacher's initialisation seed (engines whose teachers start at 0 ignore it).</param>
    /// <param name="threads">Threads (0: all cores); the numbers must not depend on it.</param>
    /// <param name="status">Optional progress text (e.g. "teacher 2 of 5: epoch 10 of 40").</param>
    DistillTeacherFit[] FitTeachers(DistillSpec spec, Dataset train, Dataset[] noisyTrain, Dataset validation, Dataset[] noisyValidation, Dataset test,
        ulong[] seeds, int threads, Action<string>? status);

    /// <summary>
    /// Trains student runs that share the training points; <paramref name="finished"/> is called once per run (index into
    /// <paramref name="runs"/>) as soon as it stops, never concurrently. Result fields used: Outcome, StepsRun, FinalLoss,
    /// TrainError, TestError, TestRisk, ValidationError, EarlyStopped.
    /// </summary>
    /// <param name="runs">The runs (RunSpec.Options: width, labels, seed, steps = cap, eta, optimiser, ...).</param>
    /// <param name="test">The clean held-out set.</param>
    /// <param name="threads">Threads (0: all cores); the numbers must not depend on it.</param>
    /// <param name="finished">Called per finished run.</param>
    /// <param name="status">Optional progress text.</param>
    void TrainStudents(IReadOnlyList<RunSpec> runs, Dataset test, int threads, Action<int, TrainingResult> finished, Action<string>? status);
}

/// <summary>
/// The two-layer engine of THEORY.md §9: one kernel-limit teacher per seed (<see cref="KernelTeacher.FitMany"/>, started at
/// g = 0, early-stopped on the noisy validation split) and two-layer students trained as one batch by
/// <see cref="Trainer.TrainMany"/>.
/// </summary>
public sealed class TwoLayerDistillEngine : IDistillEngine
{
    /// <summary>The one instance.</summary>
    public static TwoLayerDistillEngine Instance { get; } = new();

    private TwoLayerDistillEngine() { }

    /// <inheritdoc/>
    public string Student => "two-layer";

    /// <inheritdoc/>
    public JsonObject? Settings => null;

    /// <inheritdoc/>
    public string TeacherNote(DistillSpec spec) =>
        $"Teachers: kernel limit, eta = {Numbers.G4(spec.Teacher.Eta)}, up to {spec.Teacher.Steps} steps" + (spec.Teacher.EarlyStop ? ", early-stopped on the noisy validation split" : "");

    /// <inheritdoc/>
    public string StudentNote(DistillSpec spec)
    {
        var s = spec.Student;
        return $"Students: eta = {Numbers.G4(s.Eta)}, step cap {s.Steps}"
            + (s.Convergence is { } cr ? $", converged when the objective drops by < {Numbers.G4(100 * cr.RelativeDrop)}% or < {cr.AbsoluteDrop:g3} nats over the last {Numbers.G4(100 * cr.WindowFraction)}% of steps" : ", no convergence rule")
            + (s.Symmetric ? ", symmetric initialisation" : "") + $", optimiser {OptimiserNames.Of(s.Optimiser)}.";
    }

    /// <inheritdoc/>
    public void Validate(DistillSpec spec, int d) { }

    /// <inheritdoc/>
    public DistillTeacherFit[] FitTeachers(DistillSpec spec, Dataset train, Dataset[] noisyTrain, Dataset validation, Dataset[] noisyValidation, Dataset test,
        ulong[] seeds, int threads, Action<string>? status)
    {
        bool es = spec.Teacher.EarlyStop;
        var teachers = KernelTeacher.FitMany(train, noisyTrain.Select(t => t.Y).ToArray(), spec.Teacher.Eta, spec.Teacher.Steps,
            es ? validation : null, es ? noisyValidation.Select(v => v.Y).ToArray() : null, spec.Teacher.CheckEvery);
        return teachers.Select((t, s) => new DistillTeacherFit(t.TrainLogits, t.Logits(test),
            t.ValidationError ?? Trainer.RiskAndError(t.Logits(validation), noisyValidation[s].Y).error, t.StoppedAt, t.Steps)).ToArray();
    }

    /// <inheritdoc/>
    public void TrainStudents(IReadOnlyList<RunSpec> runs, Dataset test, int threads, Action<int, TrainingResult> finished, Action<string>? status) =>
        Trainer.TrainMany(runs, test, threads, null, finished);
}
