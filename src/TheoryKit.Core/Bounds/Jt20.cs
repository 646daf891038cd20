namespace TheoryKit.Bounds;

/// <summary>
/// The quantities of [JT20] Theorem 2.2 (hard labels, gradient descent on the logistic loss;
/// THEORY.md §7) at one parameter set, with the formulas that produced them.
/// </summary>
/// <param name="Lambda"><c>\lambda</c> (unitless).</param>
/// <param name="M">Sufficient width M (neurons); a real number, the theorem asks for m &gt;= M.</param>
/// <param name="T">Number of gradient steps T = ceil(2 lambda^2 / (eta eps)), an integer value held
/// in a double because it can exceed the range of long for small margins.</param>
/// <param name="Radius">Bound on every ||w_{s,t} - w_{s,0}||_2 for t &lt; T at width <paramref name="WidthUsed"/>
/// (same unit as the weights).</param>
/// <param name="WidthUsed">The width m (neurons) used for <paramref name="Radius"/>: the given width, or M.</param>
public sealed record Jt20Theorem22(double Lambda, double M, double T, double Radius, double WidthUsed)
{
    /// <summary>Formula of <see cref="Lambda"/> (<see cref="Jt20.Lambda"/>).</summary>
    public Formula LambdaFormula => Jt20.Lambda;
    /// <summary>Formula of <see cref="M"/> (<see cref="Jt20.Width"/>).</summary>
    public Formula MFormula => Jt20.Width;
    /// <summary>Formula of <see cref="T"/> (<see cref="Jt20.Steps"/>).</summary>
    public Formula TFormula => Jt20.Steps;
    /// <summary>Formula of <see cref="Radius"/> (<see cref="Jt20.Radius"/>).</summary>
    public Formula RadiusFormula => Jt20.Radius;
}

/// <summary>
/// [JT20] Z. Ji, M. Telgarsky, ICLR 2020 (arXiv 1909.12292), Theorem 2.2, with its explicit constants
/// (THEORY.md §7): for eps in (0,1), delta in (0,1/3), m &gt;= M and eta &lt;= 1, with probability at
/// least 1 - 3 delta the epoch-averaged risk over T steps is at most eps and every neuron stays within
/// the radius of its initialisation. Each formula is defined once here and used both to evaluate and to render.
/// </summary>
public static class Jt20
{
    /// <summary><c>\lambda = (\sqrt{2 \ln(4n/\delta)} + \ln(4/\varepsilon)) / (\gamma/4)</c> ([JT20] Thm 2.2).</summary>
    public static readonly Defined Lambda = Formula.Define("lambda", @"\lambda",
        (Formula.Sqrt(2 * Formula.Ln(4 * Symbols.N / Symbols.Delta)) + Formula.Ln(4 / Symbols.Epsilon))
        / (Symbols.Gamma / 4));

    /// <summary>Sufficient width <c>M = 4096 \lambda^2 / \gamma^6</c> neurons ([JT20] Thm 2.2).</summary>
    public static readonly Formula Width = 4096 * Formula.Pow(Lambda, 2) / Formula.Pow(Symbols.Gamma, 6);

    /// <summary>Number of steps <c>T = \lceil 2 \lambda^2 / (\eta \varepsilon) \rceil</c> ([JT20] Thm 2.2).</summary>
    public static readonly Formula Steps = Formula.Ceil(2 * Formula.Pow(Lambda, 2) / (Symbols.Eta * Symbols.Epsilon));

    /// <summary>Radius <c>4 \lambda / (\gamma \sqrt{m})</c> bounding <c>||w_{s,t} - w_{s,0}||</c> for t &lt; T ([JT20] Thm 2.2).</summary>
    public static readonly Formula Radius = 4 * Lambda / (Symbols.Gamma * Formula.Sqrt(Symbols.M));

    /// <summary>
    /// Evaluates [JT20] Theorem 2.2 at <paramref name="p"/> (uses Gamma, Epsilon, N, Delta, Eta and, for the
    /// radius, Width; the [MLS25]/[MOSW22] constants are ignored). Worked values (THEORY.md §7): n=1000,
    /// delta=0.1, eps=0.1, gamma=0.5, eta=1 give lambda = 66.34, M = 1.15e9, T = 88,020.
    /// </summary>
    /// <param name="p">Parameters.</param>
    /// <returns>Lambda, M (neurons), T (steps) and the radius at width <c>p.Width ?? M</c>.</returns>
    /// <exception cref="InputException">A parameter is out of range (see <see cref="BoundParameters.Validate"/>).</exception>
    public static Jt20Theorem22 Theorem22(BoundParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        var v = p.Variables();
        var lambda = Lambda.Evaluate(v);
        var m = Width.Evaluate(v);
        var t = Steps.Evaluate(v);
        var widthUsed = p.Width is { } w ? w : m;
        v[Symbols.M.Name] = widthUsed;
        var radius = Radius.Evaluate(v);
        return new Jt20Theorem22(lambda, m, t, radius, widthUsed);
    }
}
