using TheoryKit.Teachers;
using TheoryKit.Training;

namespace TheoryKit.Experiments;

/// <summary>
/// The settings of a width sweep as the `sweep` and `difficulty` commands and the empirical tables take them (THEORY.md §9), each
/// with the commands' default, turned into a <see cref="SweepSpec"/> by <see cref="Spec"/>: one place for the defaults of every
/// sweep the toolkit runs.
/// </summary>
public sealed record SweepSettings
{
    /// <summary>Smallest width of the geometric grid (default 16).</summary>
    public int MinWidth { get; init; } = 16;

    /// <summary>Largest width of the grid (default 1024).</summary>
    public int MaxWidth { get; init; } = 1024;

    /// <summary>Ratio between grid widths (default 2).</summary>
    public double Factor { get; init; } = 2;

    /// <summary>Seeds per width and label kind (default 5).</summary>
    public int Seeds { get; init; } = 5;

    /// <summary>Step cap T per run (default 3000).</summary>
    public int Steps { get; init; } = 3000;

    /// <summary>Step size eta (default 16).</summary>
    public double Eta { get; init; } = 16;

    /// <summary>Symmetric initialisation (f(x; W0) = 0).</summary>
    public bool Symmetric { get; init; }

    /// <summary>Projected GD radius rho, or null.</summary>
    public double? Radius { get; init; }

    /// <summary>Train in float32.</summary>
    public bool Float32 { get; init; }

    /// <summary>Label kinds to sweep (default soft, hard).</summary>
    public IReadOnlyList<LabelKind> Labels { get; init; } = [LabelKind.Soft, LabelKind.Hard];

    /// <summary>Stop a run when its objective has converged (<see cref="CommandConvergence"/>, default); false: run every student to the cap.</summary>
    public bool Convergence { get; init; } = true;

    /// <summary>Target of the accuracy-based m*, or null for the best mean minus <see cref="AccuracyTolerancePoints"/>.</summary>
    public double? TargetAccuracy { get; init; }

    /// <summary>Points below the best mean held-out accuracy that define the default target (default 1).</summary>
    public double AccuracyTolerancePoints { get; init; } = 1;

    /// <summary>Rate rule threshold (default 0.5).</summary>
    public double Threshold { get; init; } = 0.5;

    /// <summary>Clopper-Pearson rule's delta_s (default 0.5).</summary>
    public double DeltaS { get; init; } = 0.5;

    /// <summary>
    /// The convergence rule of train, sweep, difficulty and distill: the objective drops by less than 1% or less than 1e-4 nats over
    /// the last 10% of the steps, checked every 10 steps from step 1000. Earlier checks see windows of a few dozen steps: on Fashion-MNIST
    /// shirt vs T-shirt with 30% label noise (width 16, eta 16) the hard-label risk drops 0.86% over steps 450-500, then 1.2-2.5% per
    /// window from step 700 to 5000 as the network memorises the flipped labels (THEORY.md §9).
    /// </summary>
    public static ConvergenceRule CommandConvergence() => new(0.01, 0.1, 1000, 10);

    /// <summary>
    /// The sweep spec on <paramref name="source"/> at <paramref name="epsilon"/>: students of every grid width trained with
    /// <paramref name="steps"/> steps (recorded every steps / 100), the teacher's temperature and label recorded, seeds derived from
    /// <paramref name="seed"/>.
    /// </summary>
    /// <param name="source">The data (a DATA argument or a difficulty member's name).</param>
    /// <param name="epsilon">Target epoch-averaged loss.</param>
    /// <param name="steps">Step cap T at this epsilon (<see cref="Steps"/>, or ceil(C / eps)).</param>
    /// <param name="teacher">The teacher of the soft labels.</param>
    /// <param name="seed">Master seed.</param>
    /// <param name="threads">Threads per run (0: all cores).</param>
    public SweepSpec Spec(string source, double epsilon, int steps, TeacherSpec teacher, ulong seed, int threads)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        var training = new TrainingOptions(2, steps, Eta, LabelKind.Hard, Symmetric, Radius, seed, threads, Float32 ? Precision.Single : Precision.Double,
            Math.Max(1, steps / 100)) { Convergence = Convergence ? CommandConvergence() : null };
        return new SweepSpec(source, epsilon, MinWidth, MaxWidth, Seeds, training)
        {
            Factor = Factor, Labels = Labels, Temperature = teacher.Tau, Teacher = teacher.Label, SuccessThreshold = Threshold, DeltaS = DeltaS,
            MasterSeed = seed, TargetAccuracy = TargetAccuracy, AccuracyTolerance = AccuracyTolerancePoints / 100.0,
        };
    }
}
