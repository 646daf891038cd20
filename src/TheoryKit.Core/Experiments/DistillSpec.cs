using System.Text.Json.Nodes;
using TheoryKit.Data;
using TheoryKit.Random;
using TheoryKit.Training;

namespace TheoryKit.Experiments;

/// <summary>
/// The teacher of a distillation experiment (THEORY.md §4, §9): one kernel-limit teacher
/// (<see cref="Teachers.KernelTeacher"/>) per (noise level, seed), trained on that seed's noisy hard labels of the
/// training split and, with <see cref="EarlyStop"/>, early-stopped on the noisy validation split.
/// </summary>
/// <param name="Eta">Step size of the teacher's functional gradient descent (default 16: GD on the limiting kernel is
/// stable for eta &lt; 8 / lambda_max(H / n), and lambda_max(H / n) &lt;= 1/2 on unit-norm rows).</param>
/// <param name="Steps">Step cap (default 3000).</param>
/// <param name="EarlyStop">Keep the step with the lowest logistic risk on the noisy validation split (default true; <see cref="TheoryKit.Teachers.KernelTeacher.FitMany"/>).</param>
/// <param name="CheckEvery">Steps between validation checks (default 10).</param>
/// <param name="Temperature">tau of the soft labels p = sigmoid(g / tau) [HVD15] (default 1).</param>
public sealed record DistillTeacher(double Eta = 16, int Steps = 3000, bool EarlyStop = true, int CheckEvery = 10, double Temperature = 1)
{
    /// <summary>Checks the settings.</summary>
    /// <exception cref="InputException">A setting is impossible.</exception>
    public void Validate()
    {
        if (!(Eta > 0) || !double.IsFinite(Eta)) throw InputException.Parameter("teacher-eta", $"must be positive, got {Eta}");
        if (Steps < 1) throw InputException.Parameter("teacher-steps", $"must be >= 1, got {Steps}");
        if (CheckEvery < 1) throw InputException.Parameter("teacher-check-every", $"must be >= 1, got {CheckEvery}");
        if (!(Temperature > 0) || !double.IsFinite(Temperature)) throw InputException.Parameter("tau", $"must be positive, got {Temperature}");
    }
}

/// <summary>
/// Settings of the soft-versus-hard distillation experiment (THEORY.md §9, [MLS25] abstract): for each label-flip
/// rate (difficulty level), seed and width, a soft-label student trained on the teacher's probabilities, a hard-label
/// student trained on the noisy labels, and the hard student early-stopped on the noisy validation split (the control),
/// all from the same initialisation, measured on clean held-out labels.
/// </summary>
/// <param name="DataSource">The data source (for reports and the journal header).</param>
/// <param name="Noise">Label-flip rates in [0, 0.5), applied to the training and validation labels (test labels stay clean).</param>
/// <param name="Widths">Student widths (even when <see cref="TrainingOptions.Symmetric"/>).</param>
/// <param name="Seeds">Seeds S (&gt;= 2 for intervals; 5 by default).</param>
/// <param name="Student">Template of every student run: Steps (the cap), Eta, Symmetric, Convergence, Optimiser, BatchSize,
/// Momentum, TrainOutput, Precision, RecordEvery; Width, Labels, Seed and Threads are set per run.</param>
/// <param name="Teacher">The teacher's settings.</param>
public sealed record DistillSpec(string DataSource, IReadOnlyList<double> Noise, IReadOnlyList<int> Widths, int Seeds, TrainingOptions Student, DistillTeacher Teacher)
{
    /// <summary>Format tag (and version) of the journal header.</summary>
    public const string JournalFormat = "theorykit-distill/1";

    /// <summary>Fraction of the points held out as the (noisy) validation split (default 0.2).</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>Master seed of the split, label flips, teachers and initialisations.</summary>
    public ulong MasterSeed { get; init; }

    /// <summary>Two-sided level of every interval (default 0.95).</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>The students and teachers (default the two-layer engine with kernel teachers, <see cref="TwoLayerDistillEngine"/>).</summary>
    public IDistillEngine Engine { get; init; } = TwoLayerDistillEngine.Instance;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="InputException">A setting is impossible.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataSource)) throw InputException.Parameter("data", "the data source must not be empty");
        if (Noise is null || Noise.Count == 0) throw InputException.Parameter("noise", "at least one noise level is needed");
        foreach (var r in Noise)
            if (!(r >= 0 && r < 0.5)) throw InputException.Parameter("noise", $"label-flip rates must lie in [0, 0.5), got {Numbers.G4(r)}");
        if (Noise.Distinct().Count() != Noise.Count) throw InputException.Parameter("noise", "a noise level is given twice");
        if (Widths is null || Widths.Count == 0) throw InputException.Parameter("widths", "at least one width is needed");
        if (Widths.Distinct().Count() != Widths.Count) throw InputException.Parameter("widths", "a width is given twice");
        ArgumentNullException.ThrowIfNull(Student);
        foreach (var w in Widths) (Student with { Width = w }).Validate();
        if (Seeds < 1) throw InputException.Parameter("seeds", $"must be >= 1, got {Seeds}");
        if (!(ValidationFraction > 0 && ValidationFraction < 1)) throw InputException.Parameter("validation", $"must lie in (0, 1), got {Numbers.G4(ValidationFraction)}");
        if (!(Confidence > 0 && Confidence < 1)) throw InputException.Parameter("confidence", $"must lie in (0, 1), got {Numbers.G4(Confidence)}");
        ArgumentNullException.ThrowIfNull(Teacher);
        Teacher.Validate();
        ArgumentNullException.ThrowIfNull(Engine);
    }

    /// <summary>Noise levels ascending.</summary>
    public double[] Levels() => Noise.OrderBy(r => r).ToArray();

    /// <summary>Widths ascending.</summary>
    public int[] WidthGrid() => Widths.OrderBy(w => w).ToArray();

    /// <summary>
    /// Initialisation seed of the students of (width, seed index): the same for soft and hard students and for every
    /// noise level, so that runs are paired (SeedSequence.Derive(master, "distill-student", width, seed index)).
    /// </summary>
    /// <param name="width">Width m.</param>
    /// <param name="seedIndex">Seed index.</param>
    public ulong StudentSeed(int width, int seedIndex) => SeedSequence.Derive(MasterSeed, "distill-student", width, seedIndex);

    /// <summary>Initialisation seed of the teacher of a seed index, the same for every noise level (SeedSequence.Derive(master,
    /// "distill-teacher", seed index); the kernel teacher starts at g = 0 and does not use it).</summary>
    /// <param name="seedIndex">Seed index.</param>
    public ulong TeacherSeed(int seedIndex) => SeedSequence.Derive(MasterSeed, "distill-teacher", seedIndex);

    /// <summary>
    /// The journal header: every setting that changes a run's numbers (format, data and test fingerprints, sizes,
    /// noise levels, widths, seeds, master seed, validation fraction, student and teacher settings). The confidence
    /// level and the thread count are not part of it.
    /// </summary>
    /// <param name="points">The points that are split into training and validation (clean labels).</param>
    /// <param name="test">The clean held-out set.</param>
    public JsonObject Header(Dataset points, Dataset test)
    {
        var s = Student;
        var header = new JsonObject
        {
            ["format"] = JournalFormat,
            ["data_source"] = DataSource,
            ["data_fingerprint"] = points.Fingerprint(),
            ["n"] = points.N,
            ["d"] = points.D,
            ["test_fingerprint"] = test.Fingerprint(),
            ["noise"] = new JsonArray(Levels().Select(r => (JsonNode)r).ToArray()),
            ["widths"] = new JsonArray(WidthGrid().Select(w => (JsonNode)w).ToArray()),
            ["seeds"] = Seeds,
            ["master_seed"] = MasterSeed,
            ["validation_fraction"] = ValidationFraction,
            ["steps"] = s.Steps,
            ["eta"] = s.Eta,
            ["symmetric"] = s.Symmetric,
            ["train_output"] = s.TrainOutput,
            ["optimiser"] = OptimiserNames.Of(s.Optimiser),
            ["batch_size"] = s.BatchSize,
            ["momentum"] = s.Momentum,
            ["convergence"] = s.Convergence?.ToJson(),
            ["record_every"] = s.RecordEvery,
            ["precision"] = s.Precision == Precision.Single ? "float32" : "float64",
            ["teacher"] = new JsonObject
            {
                ["kind"] = "kernel", ["eta"] = Teacher.Eta, ["steps"] = Teacher.Steps, ["early_stop"] = Teacher.EarlyStop,
                ["check_every"] = Teacher.CheckEvery, ["temperature"] = Teacher.Temperature,
            },
        };
        // other engines add their family and settings (the two-layer header is unchanged, so its journals resume)
        if (Engine.Settings is { } settings)
        {
            header["student_kind"] = Engine.Student;
            header["engine"] = settings.DeepClone();
            header["teacher"]!["kind"] = $"wide {Engine.Student}";
        }
        return header;
    }

}

/// <summary>Which run of a distillation grid a record holds.</summary>
public enum DistillRole
{
    /// <summary>The teacher of a (noise level, seed).</summary>
    Teacher,
    /// <summary>A soft-label student.</summary>
    Soft,
    /// <summary>A hard-label student (its early-stopped state is the control).</summary>
    Hard,
}

/// <summary>Key of a distillation record: role, noise level, seed index and width (0 for teachers).</summary>
/// <param name="Role">Teacher, soft or hard.</param>
/// <param name="Noise">Label-flip rate.</param>
/// <param name="SeedIndex">Seed index.</param>
/// <param name="Width">Student width, 0 for a teacher.</param>
public readonly record struct DistillKey(DistillRole Role, double Noise, int SeedIndex, int Width)
{
    /// <summary>E.g. "soft, noise 0.2, seed 1, width 8".</summary>
    public override string ToString() =>
        $"{Role.ToString().ToLowerInvariant()}, noise {Numbers.G4(Noise)}, seed {SeedIndex}" + (Width > 0 ? $", width {Width}" : "");
}

/// <summary>
/// One finished run of a distillation grid (one journal line, snake_case JSON). Accuracies are measured on the clean
/// held-out labels; ties f = 0 count as half an error. Losses in nats.
/// </summary>
/// <param name="Role">Teacher, soft or hard.</param>
/// <param name="Noise">Label-flip rate.</param>
/// <param name="SeedIndex">Seed index.</param>
/// <param name="Width">Student width (0 for a teacher).</param>
/// <param name="Seed">Initialisation seed (students; 0 for teachers, which start at g = 0).</param>
/// <param name="Outcome">Converged, step cap, diverged or dead (null for a teacher, which runs its step cap and keeps its best validation step).</param>
/// <param name="StepsRun">Steps run.</param>
/// <param name="FinalLoss">Final training objective (students; NaN for teachers).</param>
/// <param name="TrainError">0-1 error on the (noisy) training labels at the end.</param>
/// <param name="TestError">0-1 error on the clean held-out labels at the end (for a teacher: at its kept step).</param>
/// <param name="TestRisk">Logistic risk on the clean held-out labels at the end.</param>
/// <param name="ValidationError">0-1 error on the noisy validation labels at the end (teacher: at its kept step), or null.</param>
/// <param name="EarlyStopStep">Hard students and teachers: the recorded step with the lowest validation error.</param>
/// <param name="EarlyStopTestError">Hard students: held-out 0-1 error at that step.</param>
/// <param name="EarlyStopTestRisk">Hard students: held-out logistic risk at that step.</param>
/// <param name="Seconds">Wall-clock seconds (the run's share of its batch; the only field that is not reproducible).</param>
public sealed record DistillRecord(DistillRole Role, double Noise, int SeedIndex, int Width, ulong Seed, RunOutcome? Outcome, int StepsRun,
    double FinalLoss, double TrainError, double TestError, double TestRisk, double? ValidationError,
    int? EarlyStopStep, double? EarlyStopTestError, double? EarlyStopTestRisk, double Seconds)
{
    /// <summary>The record's key.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DistillKey Key => new(Role, Noise, SeedIndex, Width);

    /// <summary>True when the run is scored: a teacher, or a student that converged or reached its step cap (not diverged, not dead).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Scored => Outcome is null or RunOutcome.Converged or RunOutcome.StepCap;
}
