using TheoryKit.Training;

namespace TheoryKit.Experiments;

/// <summary>What one training run says (THEORY.md §9): its outcome in words, and a warning when it must not be read as an ordinary run.</summary>
/// <param name="Statement">One sentence: converged, stopped at the cap, diverged or dead, with the step.</param>
/// <param name="Warning">Set when the run diverged or is dead (its numbers are not scores), or when the teacher's held-out accuracy is below this hard-label student's.</param>
public sealed record TrainVerdict(string Statement, string? Warning)
{
    /// <summary>The verdict on a finished run.</summary>
    /// <param name="result">The run.</param>
    /// <param name="teacherTestAccuracy">The teacher's held-out accuracy when the run used soft labels from a teacher (null otherwise).</param>
    public static TrainVerdict Of(TrainingResult result, double? teacherTestAccuracy)
    {
        ArgumentNullException.ThrowIfNull(result);
        string statement = result.Outcome switch
        {
            RunOutcome.Converged => $"the objective converged by step {result.StepsRun}",
            RunOutcome.StepCap => $"the step cap {result.StepsRun} was reached before the objective converged (or no convergence rule was set)",
            RunOutcome.Diverged => $"the run diverged by step {result.StepsRun} (NaN or infinite objective): its figures are not scores",
            _ => "the network is dead (f identically 0): its figures are not scores",
        };
        string? warning = result.Outcome switch
        {
            RunOutcome.Diverged => "the run diverged; lower --eta",
            RunOutcome.Dead => "the network is dead (every ReLU inactive or the output cancels); try symmetric initialisation or another seed",
            _ => null,
        };
        if (warning is null && teacherTestAccuracy is { } ta && result.TestAccuracy is { } sa && ta < sa)
            warning = $"the teacher's held-out accuracy {ta:G4} is below this student's {sa:G4}: the teacher does not deserve the name (raise --teacher-steps or --teacher-eta)";
        return new TrainVerdict(statement, warning);
    }

    /// <summary>The outcome's spelling in tables and JSON: "converged", "step cap", "diverged" or "dead".</summary>
    /// <param name="outcome">The outcome.</param>
    public static string OutcomeName(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Converged => "converged",
        RunOutcome.StepCap => "step cap",
        RunOutcome.Diverged => "diverged",
        _ => "dead",
    };
}

/// <summary>The teacher's held-out accuracy beside the best hard-label student's (THEORY.md §9: a teacher weaker than a
/// hard student can only make soft-label students worse).</summary>
/// <param name="TeacherAccuracy">The teacher's held-out accuracy.</param>
/// <param name="BestHardWidth">Width of the hard-label student with the best mean held-out accuracy (0 without one).</param>
/// <param name="BestHardAccuracy">That mean accuracy (NaN without one).</param>
/// <param name="Warning">Set when the teacher is weaker than that student.</param>
public sealed record TeacherComparison(double TeacherAccuracy, int BestHardWidth, double BestHardAccuracy, string? Warning)
{
    /// <summary>Compares the teacher with the hard-label widths of a sweep.</summary>
    /// <param name="teacherAccuracy">The teacher's held-out accuracy.</param>
    /// <param name="sweep">The sweep (its hard-label widths with held-out accuracies).</param>
    public static TeacherComparison Of(double teacherAccuracy, SweepResult sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var best = sweep.For(LabelKind.Hard)?.Widths.Where(w => w.MeanTestAccuracy is not null).MaxBy(w => w.MeanTestAccuracy!.Value);
        if (best is null) return new TeacherComparison(teacherAccuracy, 0, double.NaN, null);
        double b = best.MeanTestAccuracy!.Value;
        string? warning = teacherAccuracy < b
            ? $"the teacher's held-out accuracy {teacherAccuracy:G4} is below the best hard-label student's ({b:G4} at width {best.Width}): its soft labels can only make students worse (raise --teacher-steps or --teacher-eta)"
            : null;
        return new TeacherComparison(teacherAccuracy, best.Width, b, warning);
    }
}
