
namespace TheoryKit.Bounds;

/// <summary>
/// The variables of the neuron-bound formulas (THEORY.md §7), each a <see cref="Var"/> whose
/// <see cref="Var.Name"/> is the key <see cref="BoundParameters.Variables"/> fills in.
/// </summary>
public static class Symbols
{
    /// <summary>Margin <c>\gamma</c> of the limiting kernel (THEORY.md §6, [JT20] Assumption 2.1); unitless, in (0, 1/2].</summary>
    public static readonly Var Gamma = new("gamma", @"\gamma");
    /// <summary>Target (epoch-averaged) loss <c>\varepsilon</c>; unitless, in (0, 1).</summary>
    public static readonly Var Epsilon = new("epsilon", @"\varepsilon");
    /// <summary>Number of training points <c>n</c>.</summary>
    public static readonly Var N = new("n", "n");
    /// <summary>Failure probability <c>\delta</c> of [JT20] Theorem 2.2.</summary>
    public static readonly Var Delta = new("delta", @"\delta");
    /// <summary>Step size <c>\eta</c> of gradient descent.</summary>
    public static readonly Var Eta = new("eta", @"\eta");
    /// <summary>Unpublished constant of the [MLS25] soft-label rate.</summary>
    public static readonly Var CSoft = new("c_soft", @"c_{\mathrm{soft}}");
    /// <summary>Unpublished constant of the [MLS25] hard-label rate.</summary>
    public static readonly Var CHard = new("c_hard", @"c_{\mathrm{hard}}");
    /// <summary>Unpublished constant of the [MOSW22] coupled-initialisation rate.</summary>
    public static readonly Var CMosw = new("c_mosw", @"c_{\mathrm{mosw}}");
    /// <summary>Network width <c>m</c> (neurons), used by the [JT20] radius.</summary>
    public static readonly Var M = new("m", "m");
}

/// <summary>
/// Inputs of the neuron bounds (THEORY.md §7) and the crossover (§8).
/// Call <see cref="Validate"/> (every evaluation in this namespace does) to reject impossible values.
/// </summary>
/// <param name="Gamma">Margin <c>\gamma</c> of the limiting kernel (THEORY.md §6); must lie in (0, 1/2]
/// because the margin of data with <c>||x|| &lt;= 1</c> is at most 1/2 (a single point has margin <c>||x||/2</c>).</param>
/// <param name="Epsilon">Target epoch-averaged loss <c>\varepsilon</c>, in (0, 1).</param>
/// <param name="N">Number of training points n, at least 1 (used by [JT20]).</param>
/// <param name="Delta">Failure probability <c>\delta</c>, in (0, 1/3) as [JT20] Theorem 2.2 requires
/// (its guarantee holds with probability at least <c>1 - 3\delta</c>).</param>
/// <param name="Eta">Gradient-descent step size <c>\eta</c>, in (0, 1] ([JT20] Theorem 2.2).</param>
/// <param name="CSoft">Constant of the [MLS25] soft-label rate; unpublished, default 1, must be &gt; 0.</param>
/// <param name="CHard">Constant of the [MLS25] hard-label rate; unpublished, default 1, must be &gt; 0.</param>
/// <param name="CMosw">Constant of the [MOSW22] rate; not given as a number, default 1, must be &gt; 0.</param>
/// <param name="Width">Network width m (neurons) for the [JT20] radius; null means use the theorem's M.</param>
public sealed record BoundParameters(
    double Gamma,
    double Epsilon,
    int N,
    double Delta,
    double Eta = 1,
    double CSoft = 1,
    double CHard = 1,
    double CMosw = 1,
    int? Width = null)
{
    /// <summary>The smallest normal double, 2^-1022: below it (subnormals) 1/x overflows and the bounds lose all precision.</summary>
    private const double SmallestNormal = 2.2250738585072014E-308;

    /// <summary>Checks every parameter against its admissible range.</summary>
    /// <exception cref="InputException">A parameter is out of range or not finite; the message names the
    /// parameter (<c>gamma</c>, <c>epsilon</c>, <c>n</c>, <c>delta</c>, <c>eta</c>, <c>c_soft</c>,
    /// <c>c_hard</c>, <c>c_mosw</c>, <c>width</c>) and the value given.</exception>
    public void Validate()
    {
        if (!(Gamma > 0 && Gamma <= 0.5))
            throw InputException.Parameter("gamma",
                $"must lie in (0, 0.5] (the margin of unit-norm data is at most 1/2), got {Numbers.R(Gamma)}");
        if (!(Epsilon > 0 && Epsilon < 1))
            throw InputException.Parameter("epsilon", $"must lie in (0, 1), got {Numbers.R(Epsilon)}");
        if (Epsilon < SmallestNormal)
            throw InputException.Parameter("epsilon", $"must be at least 2.2e-308 (the smallest normal double, so that 1/epsilon is finite), got {Numbers.R(Epsilon)}");
        if (Gamma < SmallestNormal)
            throw InputException.Parameter("gamma", $"must be at least 2.2e-308 (the smallest normal double), got {Numbers.R(Gamma)}");
        if (N < 1)
            throw InputException.Parameter("n", $"number of training points must be at least 1, got {N}");
        if (!(Delta > 0 && Delta < 1.0 / 3.0))
            throw InputException.Parameter("delta",
                $"must lie in (0, 1/3) as [JT20] Theorem 2.2 requires (guarantee holds with probability >= 1 - 3 delta), got {Numbers.R(Delta)}");
        if (!(Eta > 0 && Eta <= 1))
            throw InputException.Parameter("eta", $"step size must lie in (0, 1] ([JT20] Theorem 2.2), got {Numbers.R(Eta)}");
        CheckConstant("c_soft", CSoft);
        CheckConstant("c_hard", CHard);
        CheckConstant("c_mosw", CMosw);
        if (Width is { } w && w < 1)
            throw InputException.Parameter("width", $"width m must be at least 1 neuron, got {w}");
    }

    /// <summary>
    /// The values of the formula variables of <see cref="Symbols"/>, keyed by <see cref="Var.Name"/>
    /// (<c>m</c> only when <see cref="Width"/> is set). Does not validate.
    /// </summary>
    /// <returns>A fresh dictionary.</returns>
    public Dictionary<string, double> Variables()
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [Symbols.Gamma.Name] = Gamma,
            [Symbols.Epsilon.Name] = Epsilon,
            [Symbols.N.Name] = N,
            [Symbols.Delta.Name] = Delta,
            [Symbols.Eta.Name] = Eta,
            [Symbols.CSoft.Name] = CSoft,
            [Symbols.CHard.Name] = CHard,
            [Symbols.CMosw.Name] = CMosw,
        };
        if (Width is { } w) d[Symbols.M.Name] = w;
        return d;
    }

    private static void CheckConstant(string name, double c)
    {
        if (!(c > 0 && double.IsFinite(c)))
            throw InputException.Parameter(name, $"constant must be finite and > 0, got {Numbers.R(c)}");
    }

}
