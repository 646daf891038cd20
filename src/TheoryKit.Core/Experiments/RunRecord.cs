using System.Text.Json.Serialization;
using TheoryKit.Training;

namespace TheoryKit.Experiments;

/// <summary>Identifies one run of a sweep: label kind, width and seed index.</summary>
/// <param name="Labels">Soft or hard.</param>
/// <param name="Width">Width m.</param>
/// <param name="SeedIndex">Seed index in 0..S-1.</param>
public readonly record struct RunKey(LabelKind Labels, int Width, int SeedIndex)
{
    /// <summary>E.g. "soft, width 8, seed 1".</summary>
    public override string ToString() => $"{SweepSpec.KindName(Labels)}, width {Width}, seed {SeedIndex}";
}

/// <summary>
/// One training run of a width sweep (THEORY.md §9), as written to one line of the journal
/// (snake_case JSON). Losses and risks are in nats; errors are fractions.
/// </summary>
/// <param name="Labels">Label kind trained on.</param>
/// <param name="Width">Width m.</param>
/// <param name="SeedIndex">Seed index in 0..S-1.</param>
/// <param name="Seed">Initialisation seed (<see cref="SweepSpec.RunSeed"/>; the same for soft and hard).</param>
/// <param name="Success">The run converged or reached its step cap (not diverged, not dead) and EpochAveragedLoss &lt;= epsilon.
/// Never trusted when read back: <see cref="RunRecord.Succeeds"/> re-derives it from the stored figures.</param>
/// <param name="EpochAveragedLoss">(1/T) sum_{t&lt;T} L(W_t) of the training objective (KL for soft, logistic for hard).</param>
/// <param name="FinalLoss">L(W_T).</param>
/// <param name="EpochAveragedRisk">(1/T) sum_{t&lt;T} R(W_t), the hard-label logistic risk on the true labels.</param>
/// <param name="FinalRisk">R(W_T) on the true labels.</param>
/// <param name="TrainError">0-1 training error at W_T on the true labels.</param>
/// <param name="TestRisk">Held-out logistic risk at W_T, or null without held-out data.</param>
/// <param name="TestError">Held-out 0-1 error at W_T, or null without held-out data.</param>
/// <param name="Seconds">Wall-clock seconds of the run (the only field that is not reproducible).</param>
/// <param name="Outcome">Converged, step cap, diverged (NaN/Inf) or dead (f identically 0).</param>
/// <param name="StepsRun">Gradient steps run (the cap, or fewer when the objective converged).</param>
public sealed record RunRecord(LabelKind Labels, int Width, int SeedIndex, ulong Seed, bool Success,
    double EpochAveragedLoss, double FinalLoss, double EpochAveragedRisk, double FinalRisk, double TrainError,
    double? TestRisk, double? TestError, double Seconds, RunOutcome Outcome = RunOutcome.StepCap, int StepsRun = 0)
{
    /// <summary>True when the run is scored: it converged or reached its step cap (diverged and dead runs are counted apart).</summary>
    [JsonIgnore]
    public bool Scored => Outcome is RunOutcome.Converged or RunOutcome.StepCap;

    /// <summary>
    /// Success re-derived from the stored figures (THEORY.md §9, objective-based): scored and EpochAveragedLoss &lt;= epsilon.
    /// The stored <see cref="Success"/> flag is never used for m*.
    /// </summary>
    /// <param name="epsilon">The sweep's epsilon.</param>
    public bool Succeeds(double epsilon) => Scored && EpochAveragedLoss <= epsilon;

    /// <summary>(Labels, Width, SeedIndex): the key that identifies a completed run when resuming.</summary>
    [JsonIgnore]
    public RunKey Key => new(Labels, Width, SeedIndex);

    /// <summary>1 - TestError, or null.</summary>
    [JsonIgnore]
    public double? TestAccuracy => TestError is { } e ? 1 - e : null;

    /// <summary>Builds the record of a finished training run.</summary>
    /// <param name="key">Label kind, width and seed index.</param>
    /// <param name="seed">Initialisation seed.</param>
    /// <param name="epsilon">Success threshold on the epoch-averaged objective.</param>
    /// <param name="result">The training outcome.</param>
    /// <param name="seconds">Wall-clock seconds.</param>
    public static RunRecord From(RunKey key, ulong seed, double epsilon, TrainingResult result, double seconds)
    {
        var r = new RunRecord(key.Labels, key.Width, key.SeedIndex, seed, false,
            result.EpochAveragedLoss, result.FinalLoss, result.EpochAveragedRisk, result.FinalRisk, result.TrainError,
            result.TestRisk, result.TestError, seconds, result.Outcome, result.StepsRun);
        return r with { Success = r.Succeeds(epsilon) };
    }
}
