using System.Globalization;
using TheoryKit.Bounds;

namespace TheoryKit.Tables;

/// <summary>
/// Parameters of the analytic theory tables (THEORY.md §7-8). Every field has a default; the defaults
/// give the committed tables of theory/tables.
/// </summary>
public sealed record TableSettings
{
    /// <summary>Margins gamma of the bound grid, each in (0, 1/2] (default 0.5, 0.2, 0.1, 0.05, 0.02, 0.01).</summary>
    public IReadOnlyList<double> Gammas { get; init; } = [0.5, 0.2, 0.1, 0.05, 0.02, 0.01];

    /// <summary>Target losses epsilon of the bound grid and the crossover table, each in (0, 1)
    /// (default 0.1, 0.05, 0.01, 0.001).</summary>
    public IReadOnlyList<double> Epsilons { get; init; } = [0.1, 0.05, 0.01, 0.001];

    /// <summary>Number of training points n of [JT20] (default 1000, the n of THEORY.md's worked example).</summary>
    public int N { get; init; } = 1000;

    /// <summary>Failure probability delta of [JT20] Theorem 2.2, in (0, 1/3) (default 0.1).</summary>
    public double Delta { get; init; } = 0.1;

    /// <summary>Step size eta of [JT20]'s step count T, in (0, 1] (default 1).</summary>
    public double Eta { get; init; } = 1;

    /// <summary>Constant c_soft of the [MLS25] soft-label rate (unpublished; default 1).</summary>
    public double CSoft { get; init; } = 1;

    /// <summary>Constant c_hard of the [MLS25] hard-label rate (unpublished; default 1).</summary>
    public double CHard { get; init; } = 1;

    /// <summary>The bound parameters at (gamma, epsilon) with these settings' n, delta, eta and constants.</summary>
    /// <param name="gamma">Margin.</param>
    /// <param name="epsilon">Target loss.</param>
    public BoundParameters At(double gamma, double epsilon) =>
        new(gamma, epsilon, N, Delta, Eta, CSoft, CHard);

    /// <summary>Checks every setting (each gamma and epsilon against its range, n, delta, eta, the constants)
    /// and that the lists are non-empty without repeats.</summary>
    /// <exception cref="InputException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        if (Gammas.Count == 0) throw InputException.Parameter("gamma", "give at least one margin");
        if (Epsilons.Count == 0) throw InputException.Parameter("epsilon", "give at least one epsilon");
        if (Gammas.Distinct().Count() != Gammas.Count) throw InputException.Parameter("gamma", "a margin is given twice");
        if (Epsilons.Distinct().Count() != Epsilons.Count) throw InputException.Parameter("epsilon", "an epsilon is given twice");
        foreach (var g in Gammas)
            foreach (var e in Epsilons)
                At(g, e).Validate();
    }
}

/// <summary>
/// The analytic theory tables (THEORY.md §7-8), computed from the bound formulas of
/// <see cref="NeuronBounds"/>, <see cref="Jt20"/> and <see cref="Crossover"/>: nothing here is typed in by hand,
/// and the captions render the formulas from the same objects that evaluate them.
/// </summary>
public static class TheoryTables
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static string T(double x) => TableFormat.Short(x);

    /// <summary>The constants sentence of every rate value.</summary>
    private static string Constants(TableSettings s) =>
        $"rate, constant c: $c_{{\\mathrm{{soft}}}} = {T(s.CSoft)}$, $c_{{\\mathrm{{hard}}}} = {T(s.CHard)}$ (the constants are not published; only the scaling is meaningful)";

    /// <summary>
    /// Neuron bounds over the grid gamma x epsilon (THEORY.md §7): m_soft = c_soft/(gamma^2 eps) and
    /// m_hard = c_hard ln(1/eps)/gamma^4 ([MLS25], rates with constants c), [JT20] Theorem 2.2's
    /// M = 4096 lambda^2/gamma^6 (explicit constants, at the settings' n and delta), and m_hard/m_soft.
    /// One row per (epsilon, gamma), epsilon outermost, in the settings' order. Widths in neurons.
    /// </summary>
    /// <param name="s">Settings.</param>
    /// <returns>Table <c>bounds</c>.</returns>
    /// <exception cref="InputException">A setting is out of range.</exception>
    public static Table Bounds(TableSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        s.Validate();
        var rows = new List<IReadOnlyList<Cell>>();
        foreach (var e in s.Epsilons)
            foreach (var g in s.Gammas)
            {
                var p = s.At(g, e);
                var soft = NeuronBounds.Mls25Soft.Evaluate(p);
                var hard = NeuronBounds.Mls25Hard.Evaluate(p);
                var m = NeuronBounds.Jt20Width.Evaluate(p);
                rows.Add([e, g, soft, hard, hard / soft, m]);
            }
        return new Table("bounds", "Neuron bounds over a grid of margins and target losses",
            $"Widths (neurons) that the theorems ask for at margin $\\gamma$ and target epoch-averaged loss $\\varepsilon$. " +
            $"[MLS25]: $m_{{\\mathrm{{soft}}}} = {NeuronBounds.Mls25Soft.Latex}$ and $m_{{\\mathrm{{hard}}}} = {NeuronBounds.Mls25Hard.Latex}$, {Constants(s)}. " +
            $"[JT20] Theorem 2.2 (explicit constants): $M = {Jt20.Width.ToLatexWithDefinitions()}$ at $n = {s.N.ToString(Inv)}$, $\\delta = {T(s.Delta)}$.",
            [
                new("epsilon", "$\\varepsilon$"),
                new("gamma", "$\\gamma$"),
                new("m_soft", "$m_{\\mathrm{soft}}$ [MLS25] (rate)"),
                new("m_hard", "$m_{\\mathrm{hard}}$ [MLS25] (rate)"),
                new("ratio", "$m_{\\mathrm{hard}} / m_{\\mathrm{soft}}$"),
                new("M_jt20", "$M$ [JT20]"),
            ],
            rows);
    }

    /// <summary>
    /// The representative parameter sets of the [JT20] worked table: a base case (the settings' n and delta, epsilon =
    /// 0.1, gamma = 0.5; with the default n = 1000 and delta = 0.1 it is THEORY.md §7's worked example), then one
    /// parameter changed at a time: n = 60000 (Fashion-MNIST's training set; 1000 when the base n is 60000), delta = 0.01
    /// (0.1 when the base delta is 0.01), epsilon = 0.01, gamma = 0.1, gamma = 0.01. The table does not use the
    /// settings' gamma and epsilon grids.
    /// </summary>
    /// <param name="s">Settings.</param>
    /// <returns>(what changed, parameters) pairs, the base case first, labelled "worked example" when it is THEORY.md's,
    /// otherwise "base".</returns>
    public static IReadOnlyList<(string Varied, BoundParameters Parameters)> Jt20Cases(TableSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var b = s.At(0.5, 0.1);
        return
        [
            (b.N == 1000 && b.Delta == 0.1 ? "worked example" : "base", b),
            ("n", b with { N = b.N == 60000 ? 1000 : 60000 }),
            ("delta", b with { Delta = b.Delta == 0.01 ? 0.1 : 0.01 }),
            ("epsilon", b with { Epsilon = 0.01 }),
            ("gamma", b with { Gamma = 0.1 }),
            ("gamma", b with { Gamma = 0.01 }),
        ];
    }

    /// <summary>
    /// [JT20] Theorem 2.2 worked table (THEORY.md §7): lambda, the width M (neurons), the step count T (steps, at
    /// the settings' eta) and the radius 4 lambda/(gamma sqrt(m)) at m = M (equal to gamma^2/16 there, weight
    /// units), for the cases of <see cref="Jt20Cases"/>. The first row reproduces THEORY.md's lambda = 66.34,
    /// M = 1.15e9, T = 88,020.
    /// </summary>
    /// <param name="s">Settings.</param>
    /// <returns>Table <c>jt20</c>.</returns>
    /// <exception cref="InputException">A setting is out of range.</exception>
    public static Table Jt20Worked(TableSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        s.Validate();
        var rows = new List<IReadOnlyList<Cell>>();
        foreach (var (varied, p) in Jt20Cases(s))
        {
            p.Validate();
            var r = Jt20.Theorem22(p);
            rows.Add([Cell.Of(varied), p.N, p.Delta, p.Epsilon, p.Gamma, r.Lambda, r.M, r.T, r.Radius]);
        }
        return new Table("jt20", "[JT20] Theorem 2.2 worked table",
            $"Quantities of [JT20] Theorem 2.2 (explicit constants): $\\lambda = {Jt20.Lambda.Body.ToLatex()}$, " +
            $"width $M = {Jt20.Width.ToLatex()}$ (neurons), steps $T = {Jt20.Steps.ToLatex()}$ at $\\eta = {T(s.Eta)}$, " +
            $"and the radius ${Jt20.Radius.ToLatex()}$ that bounds every $\\|w_{{s,t}} - w_{{s,0}}\\|_2$ for $t < T$, at $m = M$, where it equals $\\gamma^2/16$. " +
            "With probability at least $1 - 3\\delta$ the epoch-averaged risk over $T$ steps is at most $\\varepsilon$. " +
            "The first row is the base case ($\\varepsilon = 0.1$, $\\gamma = 0.5$; with $n = 1000$, $\\delta = 0.1$ THEORY.md's worked example); each later row changes one parameter.",
            [
                new("varied", "varied", IsText: true),
                new("n", "$n$"),
                new("delta", "$\\delta$"),
                new("epsilon", "$\\varepsilon$"),
                new("gamma", "$\\gamma$"),
                new("lambda", "$\\lambda$"),
                new("M", "$M$"),
                new("T", "$T$"),
                new("radius", "radius at $m = M$"),
            ],
            rows);
    }

    /// <summary>
    /// Crossover margins per epsilon (THEORY.md §8): gamma* of the [MLS25] rate pair in closed form
    /// sqrt((c_hard/c_soft) eps ln(1/eps)) (soft rate smaller below it), and of [JT20]'s M against the soft rate
    /// (solved numerically on [1e-6, 1/2]; when they do not cross there, the cell says "none in [1e-6, 1/2]" and the next column gives
    /// M/m_soft at gamma = 1/2, the smallest ratio on the range since the ratio falls as gamma grows).
    /// </summary>
    /// <param name="s">Settings.</param>
    /// <returns>Table <c>crossover</c>.</returns>
    /// <exception cref="InputException">A setting is out of range.</exception>
    public static Table CrossoverTable(TableSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        s.Validate();
        var rows = new List<IReadOnlyList<Cell>>();
        foreach (var e in s.Epsilons)
        {
            var p = s.At(Crossover.MaxGamma, e);
            var rate = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, p);
            var jt = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Jt20Width, p);
            var rateStar = rate.GammaStar ?? double.NaN;
            Cell rateReading = Cell.Of(rate.InMarginRange
                ? "soft smaller for gamma < gamma*"
                : "gamma* > 1/2: soft smaller at every margin");
            Cell jtStar = jt.GammaStar is { } g ? g : Cell.Of("none in [1e-6, 1/2]");
            var jtRatio = NeuronBounds.Jt20Width.Evaluate(p) / NeuronBounds.Mls25Soft.Evaluate(p);
            rows.Add([e, rateStar, rateReading, jtStar, jtRatio]);
        }
        return new Table("crossover", "Crossover margin per target loss",
            "$\\gamma^*$ where the soft-label width equals the hard-label width; below it distillation needs fewer neurons. " +
            $"Rate pair [MLS25]: $\\gamma^* = \\sqrt{{(c_{{\\mathrm{{hard}}}}/c_{{\\mathrm{{soft}}}})\\, \\varepsilon \\ln(1/\\varepsilon)}}$ in closed form, {Constants(s)}; " +
            "margins of unit-norm data never exceed 1/2. " +
            $"[JT20] $M$ against the soft rate: solved numerically on $[10^{{-6}}, 1/2]$ at $n = {s.N.ToString(Inv)}$, $\\delta = {T(s.Delta)}$; " +
            "when they do not cross, the last column gives $M / m_{\\mathrm{soft}}$ at $\\gamma = 1/2$, its smallest value on the range.",
            [
                new("epsilon", "$\\varepsilon$"),
                new("gamma_star_rates", "$\\gamma^*$ [MLS25] rates"),
                new("reading_rates", "reading", IsText: true),
                new("gamma_star_jt20_vs_soft", "$\\gamma^*$ [JT20] vs soft rate"),
                new("M_over_m_soft_at_half", "$M / m_{\\mathrm{soft}}$ at $\\gamma = 1/2$"),
            ],
            rows);
    }

    /// <summary>The analytic tables in order: <see cref="Bounds"/>, <see cref="Jt20Worked"/>, <see cref="CrossoverTable"/>.</summary>
    /// <param name="s">Settings.</param>
    /// <exception cref="InputException">A setting is out of range.</exception>
    public static IReadOnlyList<Table> Analytic(TableSettings s) => [Bounds(s), Jt20Worked(s), CrossoverTable(s)];
}
