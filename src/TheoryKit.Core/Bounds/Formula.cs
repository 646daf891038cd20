using System.Globalization;
using System.Text;

namespace TheoryKit.Bounds;

/// <summary>
/// A small symbolic formula: one definition of a bound that is both evaluated numerically
/// (<see cref="Evaluate"/>) and rendered as LaTeX (<see cref="ToLatex"/>), so the number and the
/// printed expression cannot drift apart. Nodes: <see cref="Const"/>, <see cref="Var"/>, the binary
/// operators <c>+ - * /</c>, <see cref="Power"/>, <see cref="SquareRoot"/>, <see cref="NaturalLog"/>,
/// <see cref="Ceiling"/>, and <see cref="Defined"/> (a named sub-expression such as [JT20]'s
/// <c>\lambda</c>, rendered by its name and evaluated by its body).
/// Evaluation follows IEEE double arithmetic: an out-of-domain operation (e.g. the logarithm of a
/// negative number) yields NaN or an infinity rather than an exception.
/// Source: THEORY.md §7 (the formulas this type carries); this type itself is not a formula of any paper.
/// </summary>
public abstract record Formula
{
    /// <summary>
    /// Evaluates the formula with the given variable values (keyed by <see cref="Var.Name"/>).
    /// Unitless: the result has whatever unit the formula has (neurons, steps, ...).
    /// </summary>
    /// <param name="values">Variable values by name; extra entries are ignored.</param>
    /// <returns>The value under IEEE double arithmetic (may be NaN or infinite out of domain).</returns>
    /// <exception cref="InputException">A variable of the formula has no value in <paramref name="values"/>
    /// (the message names the variable).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public double Evaluate(IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Eval(values);
    }

    /// <summary>Node-specific evaluation (called by <see cref="Evaluate"/>).</summary>
    /// <param name="values">Variable values by name.</param>
    /// <returns>The value of this node.</returns>
    protected abstract double Eval(IReadOnlyDictionary<string, double> values);

    /// <summary>
    /// Renders the formula as LaTeX math (no surrounding <c>$</c>): quotients as <c>\frac{}{}</c>,
    /// roots as <c>\sqrt{}</c>, natural logarithms as <c>\ln\left(...\right)</c>, ceilings as
    /// <c>\left\lceil ... \right\rceil</c>, powers as <c>x^{k}</c>, products by juxtaposition
    /// (<c>\cdot</c> before a number), and parentheses only where precedence needs them.
    /// <see cref="Defined"/> nodes render as their LaTeX name.
    /// </summary>
    /// <returns>The LaTeX string, e.g. <c>\frac{c_{\mathrm{soft}}}{\gamma^{2} \varepsilon}</c>.</returns>
    public string ToLatex() => Render().Text;

    /// <summary>
    /// LaTeX of the formula followed by the definitions of the named sub-expressions it uses, e.g.
    /// <c>\frac{4096 \lambda^{2}}{\gamma^{6}}, \quad \lambda = \frac{...}{...}</c>.
    /// </summary>
    /// <returns>The LaTeX string; identical to <see cref="ToLatex"/> when there are no definitions.</returns>
    public string ToLatexWithDefinitions()
    {
        var sb = new StringBuilder(ToLatex());
        foreach (var d in Definitions())
            sb.Append(@", \quad ").Append(d.LatexName).Append(" = ").Append(d.Body.ToLatex());
        return sb.ToString();
    }

    /// <summary>Names of all variables the formula (including its definitions' bodies) depends on, sorted.</summary>
    /// <returns>Sorted distinct variable names.</returns>
    public IReadOnlyList<string> Variables()
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        Walk(this, f => { if (f is Var v) set.Add(v.Name); });
        return set.ToList();
    }

    /// <summary>The named sub-expressions (<see cref="Defined"/>) used in the formula, innermost first, each once.</summary>
    /// <returns>Distinct definitions in dependency order.</returns>
    public IReadOnlyList<Defined> Definitions()
    {
        var list = new List<Defined>();
        void Visit(Formula f)
        {
            foreach (var c in f.Children()) Visit(c);
            if (f is Defined d && !list.Contains(d)) list.Add(d);
        }
        // The formula itself is not listed among its own definitions, only what it uses.
        foreach (var c in Children()) Visit(c);
        return list;
    }

    private static void Walk(Formula f, Action<Formula> action)
    {
        action(f);
        foreach (var c in f.Children()) Walk(c, action);
    }

    /// <summary>Direct sub-formulas of this node.</summary>
    /// <returns>The children, left to right.</returns>
    protected abstract IEnumerable<Formula> Children();

    // ---- LaTeX rendering -------------------------------------------------------------------
    // Precedence levels: 1 = sum/difference, 2 = product (and negative or scientific constants),
    // 3 = self-delimited (\frac, \sqrt, \ln(..), ceilings, powers), 4 = atom (variable, number,
    // definition name). Powers need an atomic (level 4) or delimited-non-power base.

    internal readonly record struct Rendered(string Text, int Level);

    internal abstract Rendered Render();

    internal static string Wrap(string s) => @"\left(" + s + @"\right)";

    // ---- construction ------------------------------------------------------------------------

    /// <summary>A numeric constant.</summary>
    /// <param name="value">The constant.</param>
    public static implicit operator Formula(double value) => new Const(value);

    /// <summary>Sum <c>a + b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    /// <returns>The sum node.</returns>
    public static Formula operator +(Formula a, Formula b) => new Sum(a, b);

    /// <summary>Difference <c>a - b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    /// <returns>The difference node.</returns>
    public static Formula operator -(Formula a, Formula b) => new Difference(a, b);

    /// <summary>Product <c>a b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    /// <returns>The product node.</returns>
    public static Formula operator *(Formula a, Formula b) => new Product(a, b);

    /// <summary>Quotient <c>a / b</c>, rendered <c>\frac{a}{b}</c>.</summary>
    /// <param name="a">Numerator.</param>
    /// <param name="b">Denominator.</param>
    /// <returns>The quotient node.</returns>
    public static Formula operator /(Formula a, Formula b) => new Quotient(a, b);

    /// <summary>Power <c>x^{k}</c>.</summary>
    /// <param name="x">Base.</param>
    /// <param name="k">Exponent.</param>
    /// <returns>The power node.</returns>
    public static Formula Pow(Formula x, Formula k) => new Power(x, k);

    /// <summary>Square root <c>\sqrt{x}</c>.</summary>
    /// <param name="x">Argument.</param>
    /// <returns>The square-root node.</returns>
    public static Formula Sqrt(Formula x) => new SquareRoot(x);

    /// <summary>Natural logarithm <c>\ln(x)</c>.</summary>
    /// <param name="x">Argument.</param>
    /// <returns>The logarithm node.</returns>
    public static Formula Ln(Formula x) => new NaturalLog(x);

    /// <summary>Ceiling <c>\lceil x \rceil</c>.</summary>
    /// <param name="x">Argument.</param>
    /// <returns>The ceiling node.</returns>
    public static Formula Ceil(Formula x) => new Ceiling(x);

    /// <summary>A named sub-expression: renders as <paramref name="latexName"/>, evaluates <paramref name="body"/>.</summary>
    /// <param name="name">Plain name, e.g. <c>lambda</c>.</param>
    /// <param name="latexName">LaTeX name, e.g. <c>\lambda</c>.</param>
    /// <param name="body">The defining formula.</param>
    /// <returns>The definition node.</returns>
    public static Defined Define(string name, string latexName, Formula body) => new(name, latexName, body);
}

/// <summary>A numeric constant. Renders integers without a decimal point, very small or large values as
/// <c>a \times 10^{k}</c>.</summary>
/// <param name="Value">The constant's value.</param>
public sealed record Const(double Value) : Formula
{
    /// <inheritdoc/>
    protected override double Eval(IReadOnlyDictionary<string, double> values) => Value;

    /// <inheritdoc/>
    protected override IEnumerable<Formula> Children() => [];

    internal override Rendered Render()
    {
        var v = Value;
        if (double.IsNaN(v)) return new(@"\mathrm{NaN}", 4);
        if (double.IsInfinity(v)) return new(v > 0 ? @"\infty" : @"-\infty", v > 0 ? 4 : 2);
        var a = Math.Abs(v);
        string text;
        if (v == Math.Floor(v) && a < 1e15)
            text = v.ToString("F0", CultureInfo.InvariantCulture);
        else if (a >= 1e-4 && a < 1e15)
            text = v.ToString("R", CultureInfo.InvariantCulture);
        else
        {
            var s = v.ToString("E15", CultureInfo.InvariantCulture); // d.ddddE+xxx
            var parts = s.Split('E');
            var mantissa = double.Parse(parts[0], CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
            var exp = int.Parse(parts[1], CultureInfo.InvariantCulture);
            return new(mantissa + @" \times 10^{" + exp.ToString(CultureInfo.InvariantCulture) + "}", 2);
        }
        return new(text, v < 0 ? 2 : 4);
    }
}

/// <summary>A variable, looked up by <paramref name="Name"/> at evaluation and rendered as <paramref name="LatexName"/>.</summary>
/// <param name="Name">Key in the value dictionary, e.g. <c>gamma</c>.</param>
/// <param name="LatexName">LaTeX symbol, e.g. <c>\gamma</c>.</param>
public sealed record Var(string Name, string LatexName) : Formula
{
    /// <inheritdoc/>
    /// <exception cref="InputException">No value for this variable.</exception>
    protected override double Eval(IReadOnlyDictionary<string, double> values) =>
        values.TryGetValue(Name, out var v)
            ? v
            : throw InputException.Parameter(Name, "no value given for this variable of the formula");

    /// <inheritdoc/>
    protected override IEnumerable<Formula> Children() => [];

    internal override Rendered Render() => new(LatexName, 4);
}

/// <summary>A named sub-expression (e.g. [JT20] Theorem 2.2's <c>\lambda</c>): renders as its name,
/// evaluates its body.</summary>
/// <param name="Name">Plain name, e.g. <c>lambda</c>.</param>
/// <param name="LatexName">LaTeX name, e.g. <c>\lambda</c>.</param>
/// <param name="Body">The defining formula.</param>
public sealed record Defined(string Name, string LatexName, Formula Body) : Formula
{
    /// <inheritdoc/>
    protected override double Eval(IReadOnlyDictionary<string, double> values) => Body.Evaluate(values);

    /// <inheritdoc/>
    protected override IEnumerable<Formula> Children() => [Body];

    internal override Rendered Render() => new(LatexName, 4);
}

/// <summary>Sum of two formulas.</summary>
/// <param name="Left">Left operand.</param>
/// <param name="Right">Right operand.</param>
public sealed record Sum(Formula Left, Formula Right) : Formula
{
    /// <inheritdoc/>
    protected override double Eval(IReadOnlyDictionary<string, double> values) => Left.Evaluate(values) + Right.Evaluate(values);

    /// <inheritdoc/>
    protected override IEnumerable<Formula> Children() => [Left, Right];

    internal override Rendered Render()
    {
        var l = Left.Render();
        var r = Right.Render();
        var rt = r.Text.StartsWith('-') ? Wrap(r.Text) : r.Text;
        return new(l.Text + " + " + rt, 1);
    }
}

/// <summary>Difference of two formulas.</summary>
/// <param name="Left">Minuend.</param>
/// <param name="Right">Subtrahend.</param>
public sealed record Difference(Formula Left, Formula Right) : Formula
{
    /// <inheritdoc/>
    protected override double Eval(IReadOnlyDictionary<string, double> values) => Left.Evaluate(values) - Right.Evaluate(values);

    /// <inheritdoc/>
    protected override IEnumerable<Formula> Children() => [Left, Right];

    internal override Rendered Render()
    {
        var l = Left.Render();
        var r = Right.Render();
        var rt = r.Level <= 1 || r.Text.StartsWith('-') ? Wrap(r.Text) : r.Text;
        return new(l.Text + " - " + rt, 1);
    }
}

/// <summary>Product of two formulas, rendered by juxtaposition.</summary>
/// <param name="Left">Left factor.</param>
/// <param name="Right">Right factor.</param>
public sealed record Product(Formula Left, Formula Right) : Formula
{
    /// <inheritdoc/>
    protected override double Eval(IReadOnlyDictionary<string, double> values) => Left.Evaluate(values) * Right.Evaluate(values);

    /// <inheritdoc/>
    protected override IEnumerable<Formula> Children() => [Left, Right];

    internal override Rendered Render()
    {
        var l = Left.Render();
        var r = Right.Render();
        var lt = l.Level <= 1 ? Wrap(l.Text) : l.Text;
        var rt = r.Level <= 1 || r.Text.StartsWith('-') ? Wrap(r.Text) : r.Text;
        var sep = char.IsDigit(rt[0]) ? @" \cdot " : " ";
        return new(lt + sep + rt, 2);
    }
}

/// <summary>Quotient of two formulas, rendered <c>\frac{Numerator}{Denominator}</c>.</summary>
/// <param name="Numerator">Numerator.</param>
/// <param name="Denominator">Denominator.</param>
public sealed record Quotient(Formula Numerator, Formula Denominator) : Formula
{
    /// <inheritdoc/>
    protected override double Eval(IReadOnlyDictionary<string, double> values) => Numerator.Evaluate(values) / Denominator.Evaluate(values);

    /// <inheritdoc/>
    protected override IEnumerable<Formula> Children() => [Numerator, Denominator];

    internal override Rendered Render() =>
        new(@"\frac{" + Numerator.Render().Text + "}{" + Denominator.Render().Text + "}", 3);
}

/// <summary>Power <c>Base^{Exponent}</c>.</summary>
/// <param name="Base">Base.</param>
/// <param name="Exponent">Exponent.</param>
public sealed record Power(Formula Base, Formula Exponent) : Formula
{
    /// <inheritdoc/>
    protected override double Eval(IReadOnlyDictionary<string, double> values) => Math.Pow(Base.Evaluate(values), Exponent.Evaluate(values));

    /// <inheritdoc/>
    protected override IEnumerable<Formula> Children() => [Base, Exponent];

    internal override Rendered Render()
    {
        var b = Base.Render();
        // Atoms and self-delimited roots/ceilings can carry an exponent; fractions, logs, powers,
        // products and sums are parenthesised.
        var bare = b.Level == 4 || Base is SquareRoot || Base is Ceiling;
        var bt = bare ? b.Text : Wrap(b.Text);
        return new(bt + "^{" + Exponent.Render().Text + "}", 3);
    }
}

/// <summary>Square root, rendered <c>\sqrt{Argument}</c>.</summary>
/// <param name="Argument">Radicand.</param>
public sealed record SquareRoot(Formula Argument) : Formula
{
    /// <inheritdoc/>
    protected override double Eval(IReadOnlyDictionary<string, double> values) => Math.Sqrt(Argument.Evaluate(values));

    /// <inheritdoc/>
    protected override IEnumerable<Formula> Children() => [Argument];

    internal override Rendered Render() => new(@"\sqrt{" + Argument.Render().Text + "}", 3);
}

/// <summary>Natural logarithm, rendered <c>\ln\left(Argument\right)</c>.</summary>
/// <param name="Argument">Argument (positive for a finite value).</param>
public sealed record NaturalLog(Formula Argument) : Formula
{
    /// <inheritdoc/>
    protected override double Eval(IReadOnlyDictionary<string, double> values) => Math.Log(Argument.Evaluate(values));

    /// <inheritdoc/>
    protected override IEnumerable<Formula> Children() => [Argument];

    internal override Rendered Render() => new(@"\ln" + Wrap(Argument.Render().Text), 3);
}

/// <summary>Ceiling, rendered <c>\left\lceil Argument \right\rceil</c>.</summary>
/// <param name="Argument">Argument.</param>
public sealed record Ceiling(Formula Argument) : Formula
{
    /// <inheritdoc/>
    protected override double Eval(IReadOnlyDictionary<string, double> values) => Math.Ceiling(Argument.Evaluate(values));

    /// <inheritdoc/>
    protected override IEnumerable<Formula> Children() => [Argument];

    internal override Rendered Render() => new(@"\left\lceil " + Argument.Render().Text + @" \right\rceil", 3);
}
