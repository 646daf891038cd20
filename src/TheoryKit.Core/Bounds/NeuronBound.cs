namespace TheoryKit.Bounds;

/// <summary>
/// A sufficient-width ("neuron") bound: the number of neurons m a theorem asks for, as a
/// <see cref="Bounds.Formula"/> of <see cref="BoundParameters"/> (THEORY.md §7).
/// When <see cref="IsRate"/> is true the formula is a published rate (O-form) whose constant is an
/// unpublished parameter (default 1): values computed from it must be labelled "rate, constant c"
/// (<see cref="Label"/>), and only their scaling is meaningful.
/// </summary>
/// <param name="Id">Stable identifier: <c>mls25-soft</c>, <c>mls25-hard</c>, <c>jt20</c>, <c>mosw22</c>.</param>
/// <param name="Source">Paper and result, e.g. <c>[MLS25] Thm (soft labels), rate</c>.</param>
/// <param name="Description">One-line description of the setting the bound covers.</param>
/// <param name="Formula">Width m (neurons) as a formula.</param>
/// <param name="IsRate">True for rates with unpublished constants ([MLS25], [MOSW22]); false for
/// explicit constants ([JT20]).</param>
public sealed record NeuronBound(string Id, string Source, string Description, Formula Formula, bool IsRate)
{
    /// <summary>Evaluates the width m (neurons) at <paramref name="p"/>, after validating it.</summary>
    /// <param name="p">Parameters.</param>
    /// <returns>The width (a real number; not rounded up).</returns>
    /// <exception cref="InputException">A parameter is out of range (see <see cref="BoundParameters.Validate"/>).</exception>
    public double Evaluate(BoundParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        return Formula.Evaluate(p.Variables());
    }

    /// <summary>The width formula in LaTeX (named sub-expressions such as <c>\lambda</c> appear by name;
    /// see <see cref="Formula.ToLatexWithDefinitions"/> for their definitions).</summary>
    public string Latex => Formula.ToLatex();

    /// <summary>How values of this bound must be labelled: <c>rate, constant c</c> or <c>explicit constants</c>.</summary>
    public string Label => IsRate ? "rate, constant c" : "explicit constants";
}

/// <summary>The registry of neuron bounds of THEORY.md §7.</summary>
public static class NeuronBounds
{
    /// <summary>[MLS25] soft labels: <c>m_soft = c_soft / (\gamma^2 \varepsilon)</c> neurons for
    /// epoch-averaged loss below eps (rate; constant unpublished, default 1).</summary>
    public static readonly NeuronBound Mls25Soft = new(
        "mls25-soft",
        "[MLS25] Thm (soft labels), rate",
        "Soft-label (kernel-limit teacher) projected GD: width for epoch-averaged loss < eps",
        Symbols.CSoft / (Formula.Pow(Symbols.Gamma, 2) * Symbols.Epsilon),
        IsRate: true);

    /// <summary>[MLS25] hard labels (adapted [JT20]): <c>m_hard = c_hard \ln(1/\varepsilon) / \gamma^4</c>
    /// neurons (rate; constant unpublished, default 1).</summary>
    public static readonly NeuronBound Mls25Hard = new(
        "mls25-hard",
        "[MLS25] Thm (hard labels, adapted from [JT20]), rate",
        "Hard-label projected GD: width for epoch-averaged loss < eps",
        Symbols.CHard * Formula.Ln(1 / Symbols.Epsilon) / Formula.Pow(Symbols.Gamma, 4),
        IsRate: true);

    /// <summary>[JT20] Theorem 2.2: <c>M = 4096 \lambda^2 / \gamma^6</c> neurons, explicit constants
    /// (see <see cref="Jt20"/>).</summary>
    public static readonly NeuronBound Jt20Width = new(
        "jt20",
        "[JT20] Theorem 2.2, explicit constants",
        "Hard-label GD on the logistic loss: width M for epoch-averaged risk <= eps w.p. >= 1 - 3 delta",
        Jt20.Width,
        IsRate: false);

    /// <summary>[MOSW22] coupled initialisation: hard-label width <c>c_mosw / \gamma^2</c> neurons (rate;
    /// constant not given, default 1).</summary>
    public static readonly NeuronBound Mosw22 = new(
        "mosw22",
        "[MOSW22] coupled initialisation, rate",
        "Hard-label GD with coupled initialisation: width of order gamma^-2",
        Symbols.CMosw / Formula.Pow(Symbols.Gamma, 2),
        IsRate: true);

    /// <summary>All bounds, in the order mls25-soft, mls25-hard, jt20, mosw22.</summary>
    public static IReadOnlyList<NeuronBound> All { get; } = [Mls25Soft, Mls25Hard, Jt20Width, Mosw22];

    /// <summary>Looks a bound up by <see cref="NeuronBound.Id"/> (case-insensitive).</summary>
    /// <param name="id">Identifier.</param>
    /// <returns>The bound.</returns>
    /// <exception cref="InputException">Unknown id; the message lists the known ids.</exception>
    public static NeuronBound ById(string id) =>
        All.FirstOrDefault(b => string.Equals(b.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw InputException.Parameter("bound",
            $"unknown neuron bound '{id}'; known: {string.Join(", ", All.Select(b => b.Id))}");
}
