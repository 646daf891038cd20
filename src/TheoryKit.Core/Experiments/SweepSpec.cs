using System.Text.Json.Nodes;
using TheoryKit.Data;
using TheoryKit.Random;
using TheoryKit.Training;

namespace TheoryKit.Experiments;

/// <summary>
/// Settings of a width sweep (THEORY.md §9): for every width of a geometric grid, every seed index and
/// every label kind, one training run from the same initialisation for soft and hard labels; a run
/// succeeds when its epoch-averaged training objective is &lt;= epsilon.
/// </summary>
/// <param name="DataSource">The dataset's source string (for reports and the journal header).</param>
/// <param name="Epsilon">Success threshold eps on the epoch-averaged training objective (THEORY.md §3).</param>
/// <param name="MinWidth">Smallest width of the grid (before rounding to an even integer).</param>
/// <param name="MaxWidth">Largest width of the grid: the grid is MinWidth * Factor^k for every k with MinWidth * Factor^k &lt;= MaxWidth.</param>
/// <param name="Seeds">Number of seeds S per width and label kind.</param>
/// <param name="Training">Template of every run: Steps, Eta, Symmetric, Radius, Precision and RecordEvery are used;
/// Width, Labels, Seed and Threads are set per run.</param>
public sealed record SweepSpec(string DataSource, double Epsilon, int MinWidth, int MaxWidth, int Seeds, TrainingOptions Training)
{
    /// <summary>Format tag written into the journal header.</summary>
    public const string JournalFormat = "theorykit-width-sweep/2";

    /// <summary>Ratio of consecutive grid widths (&gt; 1; default 2).</summary>
    public double Factor { get; init; } = 2;

    /// <summary>Label kinds to train (default soft and hard). Runs are always done soft first, then hard.</summary>
    public IReadOnlyList<LabelKind> Labels { get; init; } = [LabelKind.Soft, LabelKind.Hard];

    /// <summary>Teacher temperature tau of the soft labels p = sigmoid(g / tau) [HVD15] (recorded; the teacher itself is supplied by the caller).</summary>
    public double Temperature { get; init; } = 1;

    /// <summary>Short description of the teacher that produced the soft labels (recorded in the journal header).</summary>
    public string Teacher { get; init; } = "unspecified";

    /// <summary>"Rate" rule: a width qualifies when its success rate over the S seeds is &gt;= this (default 0.5).</summary>
    public double SuccessThreshold { get; init; } = 0.5;

    /// <summary>Clopper-Pearson rule: a width qualifies when the one-sided lower confidence bound of its success rate is &gt;= 1 - DeltaS (default 0.5).</summary>
    public double DeltaS { get; init; } = 0.5;

    /// <summary>
    /// Failure probability of the Clopper-Pearson bounds (default 0.05): two-sided intervals of the rate
    /// are at level 1 - Alpha, and the one-sided lower bound of the Clopper-Pearson rule also at level 1 - Alpha.
    /// </summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>
    /// Accuracy-based m* (the one compared across label kinds, THEORY.md §9): a width qualifies when its mean held-out
    /// accuracy over the scored seeds reaches this target. Null (default): the best mean held-out accuracy over every width
    /// and both label kinds minus <see cref="AccuracyTolerance"/>.
    /// </summary>
    public double? TargetAccuracy { get; init; }

    /// <summary>Tolerance below the best mean held-out accuracy that defines the default target (default 0.01, one point).</summary>
    public double AccuracyTolerance { get; init; } = 0.01;

    /// <summary>Two-sided level of the paired accuracy intervals (default 0.95).</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>Master seed: run (width, seed index) starts from seed <see cref="RunSeed"/>(MasterSeed, width, seed index).</summary>
    public ulong MasterSeed { get; init; }

    /// <summary>Label kinds in run order: soft (if requested), then hard (if requested).</summary>
    public LabelKind[] LabelOrder() =>
        new[] { LabelKind.Soft, LabelKind.Hard }.Where(k => Labels.Contains(k)).ToArray();

    /// <summary>
    /// The width grid, ascending: MinWidth * Factor^k for k = 0, 1, ... while the value is &lt;= MaxWidth
    /// (relative tolerance 1e-9), each rounded to the nearest integer (halves away from zero) within
    /// [MinWidth, MaxWidth], duplicates removed. The symmetric initialisation needs even widths:
    /// <see cref="Validate"/> refuses a grid with an odd width then.
    /// </summary>
    public int[] Widths()
    {
        var set = new SortedSet<int>();
        for (double w = MinWidth; w <= MaxWidth * (1 + 1e-9); w *= Factor)
            set.Add((int)Math.Clamp(Math.Round(w, MidpointRounding.AwayFromZero), MinWidth, MaxWidth));
        return set.ToArray();
    }

    /// <summary>
    /// Seed of run (width, seed index): SeedSequence.Derive(masterSeed, "sweep", width, seedIndex). Soft and
    /// hard runs of the same width and seed index share it, hence the same initialisation W_0 and a.
    /// </summary>
    /// <param name="masterSeed">The sweep's master seed.</param>
    /// <param name="width">Width m.</param>
    /// <param name="seedIndex">Seed index in 0..S-1.</param>
    public static ulong RunSeed(ulong masterSeed, int width, int seedIndex) => SeedSequence.Derive(masterSeed, "sweep", width, seedIndex);

    /// <summary>Checks the settings.</summary>
    /// <exception cref="InputException">A setting is impossible.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataSource)) throw InputException.Parameter("data", "the data source must not be empty");
        if (!(Epsilon > 0) || !double.IsFinite(Epsilon)) throw InputException.Parameter("epsilon", $"must be positive, got {Epsilon}");
        if (MinWidth < 1) throw InputException.Parameter("min-width", $"must be >= 1, got {MinWidth}");
        if (MaxWidth < MinWidth) throw InputException.Parameter("max-width", $"must be >= min-width ({MinWidth}), got {MaxWidth}");
        if (!(Factor > 1) || !double.IsFinite(Factor)) throw InputException.Parameter("factor", $"must be > 1, got {Factor}");
        if (Seeds < 1) throw InputException.Parameter("seeds", $"must be >= 1, got {Seeds}");
        if (Labels is null || Labels.Count == 0) throw InputException.Parameter("labels", "at least one label kind is needed");
        if (!(Temperature > 0) || !double.IsFinite(Temperature)) throw InputException.Parameter("temperature", $"must be positive, got {Temperature}");
        if (!(SuccessThreshold > 0 && SuccessThreshold <= 1)) throw InputException.Parameter("success-threshold", $"must lie in (0, 1], got {SuccessThreshold}");
        if (!(DeltaS > 0 && DeltaS < 1)) throw InputException.Parameter("delta-s", $"must lie in (0, 1), got {DeltaS}");
        if (!(Alpha > 0 && Alpha < 1)) throw InputException.Parameter("alpha", $"must lie in (0, 1), got {Alpha}");
        if (TargetAccuracy is { } a && !(a > 0 && a <= 1)) throw InputException.Parameter("target-accuracy", $"must lie in (0, 1], got {a}");
        if (!(AccuracyTolerance >= 0 && AccuracyTolerance < 1)) throw InputException.Parameter("accuracy-tolerance", $"must lie in [0, 1), got {AccuracyTolerance}");
        if (!(Confidence > 0 && Confidence < 1)) throw InputException.Parameter("confidence", $"must lie in (0, 1), got {Confidence}");
        ArgumentNullException.ThrowIfNull(Training);
        (Training with { Width = 2 }).Validate();
        if (Training.Symmetric && Widths().FirstOrDefault(w => w % 2 != 0) is var odd and > 0)
            throw InputException.Parameter("min-width", $"symmetric initialisation needs even widths, but the grid has {odd} (choose even widths and factor, or drop --symmetric)");
    }

    /// <summary>
    /// The journal header: every setting that determines the runs' numbers (data fingerprint and size, test
    /// fingerprint, epsilon, grid, seeds, label kinds, master seed, steps, eta, symmetric, radius, precision,
    /// convergence rule, optimiser, teacher, temperature). The analysis settings (SuccessThreshold, DeltaS, Alpha,
    /// TargetAccuracy, AccuracyTolerance, Confidence) and the thread count
    /// are not part of it: they do not change any run, so a journal can be re-analysed with other thresholds.
    /// </summary>
    /// <param name="train">Training data.</param>
    /// <param name="test">Held-out data or null.</param>
    public JsonObject Header(Dataset train, Dataset? test)
    {
        var widths = new JsonArray();
        foreach (var w in Widths()) widths.Add(w);
        var labels = new JsonArray();
        foreach (var k in LabelOrder()) labels.Add(KindName(k));
        return new JsonObject
        {
            ["format"] = JournalFormat,
            ["data_source"] = DataSource,
            ["data_fingerprint"] = train.Fingerprint(),
            ["n"] = train.N,
            ["d"] = train.D,
            ["test_fingerprint"] = test?.Fingerprint(),
            ["epsilon"] = Epsilon,
            ["widths"] = widths,
            ["seeds"] = Seeds,
            ["labels"] = labels,
            ["master_seed"] = MasterSeed,
            ["steps"] = Training.Steps,
            ["eta"] = Training.Eta,
            ["symmetric"] = Training.Symmetric,
            ["radius"] = Training.Radius,
            ["precision"] = Training.Precision == Precision.Single ? "float32" : "float64",
            ["convergence"] = Training.Convergence?.ToJson(),
            ["optimiser"] = Training.Optimiser.ToString(),
            ["batch_size"] = Training.BatchSize,
            ["momentum"] = Training.Momentum,
            ["train_output"] = Training.TrainOutput,
            ["teacher"] = Teacher,
            ["temperature"] = Temperature,
        };
    }

    /// <summary>"soft" or "hard" (the journal's spelling).</summary>
    /// <param name="kind">The label kind.</param>
    public static string KindName(LabelKind kind) => kind == LabelKind.Soft ? "soft" : "hard";
}
