using TheoryKit.Experiments;
using TheoryKit.Margins;
using TheoryKit.Teachers;

namespace TheoryKit.Tables;

/// <summary>
/// One difficulty family of the empirical tables (THEORY.md §9): the family, its values, the sweep settings and the teacher's
/// temperature, with the margins at fixed sample counts so that the tables depend on the seed alone. <see cref="Arguments"/> is the
/// `theorykit difficulty` command line that runs the same family (recorded in empirical.json).
/// </summary>
/// <param name="Family">"two-point", "noisy-xor", "gaussians" or "fashion-mnist".</param>
/// <param name="Values">The family's parameter values, or null for its defaults.</param>
/// <param name="Pair">Fashion-MNIST class pair, or null.</param>
/// <param name="Epsilon">Target epoch-averaged loss.</param>
/// <param name="MinWidth">Smallest grid width.</param>
/// <param name="MaxWidth">Largest grid width.</param>
/// <param name="Steps">Step cap T.</param>
/// <param name="Eta">Step size eta.</param>
/// <param name="Tau">Temperature of the soft labels.</param>
public sealed record EmpiricalFamily(string Family, IReadOnlyList<double>? Values, string? Pair, double Epsilon, int MinWidth, int MaxWidth, int Steps, double Eta, double Tau)
{
    /// <summary>Directions each member's q is fitted on.</summary>
    public const int MarginOptimisationSamples = 2048;

    /// <summary>Fresh certification samples of each member's margin.</summary>
    public const long MarginSamples = 100000;

    /// <summary>The families of `tables --empirical`: two-point, noisy-xor, gaussians (separations 2-8) and Fashion-MNIST trouser vs bag
    /// with label noise 0-0.05.</summary>
    public static IReadOnlyList<EmpiricalFamily> Defaults { get; } =
    [
        new("two-point", null, null, 0.2, 2, 1024, 8000, 4, 1),
        new("noisy-xor", null, null, 0.2, 2, 512, 4000, 4, 0.5),
        new("gaussians", [2, 3, 4, 6, 8], null, 0.2, 2, 512, 4000, 4, 1),
        new("fashion-mnist", [0, 0.02, 0.03, 0.05], "trouser-vs-bag", 0.25, 2, 64, 2000, 4, 0.5),
    ];

    /// <summary>The arguments of `theorykit difficulty` that run this family (without --seed).</summary>
    public string Arguments =>
        Family
        + (Pair is null ? "" : $" --pair {Pair}")
        + (Values is null ? "" : $" --values {string.Join(",", Values.Select(v => Numbers.R(v)))}")
        + $" --epsilon {Numbers.R(Epsilon)} --min-width {MinWidth} --max-width {MaxWidth} --steps {Steps} --eta {Numbers.R(Eta)} --tau {Numbers.R(Tau)}"
        + $" --margin-optimisation-samples {MarginOptimisationSamples} --margin-samples {MarginSamples}";

    /// <summary>The teacher: the default kernel teacher at temperature <see cref="Tau"/>.</summary>
    /// <param name="seed">Master seed.</param>
    public TeacherSpec Teacher(ulong seed) => new(Tau: Tau, Seed: seed);

    /// <summary>The sweep settings: the grid, steps and eta of the family, every other setting at its default.</summary>
    public SweepSettings Sweep => new() { MinWidth = MinWidth, MaxWidth = MaxWidth, Steps = Steps, Eta = Eta };

    /// <summary>The family's options: its values and pair, margins at the fixed sample counts on one thread.</summary>
    /// <param name="seed">Seed of the data and the margins.</param>
    /// <param name="n">Sample size (null: the family's default).</param>
    /// <param name="d">Dimension (null: the family's default).</param>
    public DifficultyOptions Options(ulong seed, int? n, int? d)
    {
        var o = new DifficultyOptions
        {
            Values = Values, N = n, D = d, DataSeed = seed,
            Margin = DifficultyOptions.MarginFor(seed, 5, MarginOptimisationSamples, MarginSamples),
        };
        return Pair is null ? o : o with { Pair = Pair };
    }
}
