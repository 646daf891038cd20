using TheoryKit.Bounds;

namespace TheoryKit.Tests;

// Known answers from THEORY.md §7-§8, computed outside the code (Python, math module), checked to the digits
// given here (Tolerance.Digits / Tolerance.Significant); THEORY.md prints them rounded (66.34, 1.15e9, 0.4799, 0.2146):
//   JT20 (n=1000, delta=0.1, eps=0.1, gamma=0.5, eta=1): lambda = 66.33995424, M = 1.153693e9, T = 88020
//   (2 lambda^2 / eps = 88019.79).
//   MLS25 crossover with c = 1: sqrt(eps ln(1/eps)) = 0.47985259 (eps = 0.1), 0.21459660 (eps = 0.01);
//   with c_hard = 4: sqrt(4 * 0.1 ln 10) = 0.95970518.
public class BoundsTests
{
    private static BoundParameters P(double gamma = 0.1, double eps = 0.1, int n = 1000, double delta = 0.1,
        double cSoft = 1, double cHard = 1) => new(gamma, eps, n, delta, CSoft: cSoft, CHard: cHard);

    // ---- [JT20] Theorem 2.2 -------------------------------------------------------------------

    [Fact]
    public void Jt20WorkedValues()
    {
        var r = Jt20.Theorem22(new BoundParameters(0.5, 0.1, 1000, 0.1, Eta: 1));
        Assert.Equal(66.33995424, r.Lambda, Tolerance.Digits(8));
        Assert.Equal(1.153693e9, r.M, Tolerance.Significant(1.153693e9, 7));
        Assert.Equal(88020.0, r.T);
        Assert.Equal(r.M, r.WidthUsed);
        // At m = M the radius 4 lambda / (gamma sqrt(M)) is gamma^2 / 16 (M = 4096 lambda^2 / gamma^6).
        Tolerance.AssertRounding(0.5 * 0.5 / 16, r.Radius);
    }

    [Fact]
    public void Jt20RadiusUsesGivenWidth()
    {
        var r = Jt20.Theorem22(new BoundParameters(0.5, 0.1, 1000, 0.1, Width: 10_000));
        Assert.Equal(10_000.0, r.WidthUsed);
        Assert.Equal(4 * 66.33995424 / (0.5 * 100), r.Radius, 4 * Tolerance.Digits(8) / (0.5 * 100));
    }

    [Fact]
    public void Jt20NeuronBoundEqualsTheoremM()
    {
        var p = new BoundParameters(0.5, 0.1, 1000, 0.1);
        Assert.Equal(Jt20.Theorem22(p).M, NeuronBounds.ById("jt20").Evaluate(p));
        Assert.False(NeuronBounds.Jt20Width.IsRate);
    }

    [Fact]
    public void Jt20Latex()
    {
        Assert.Equal(@"\frac{4096 \lambda^{2}}{\gamma^{6}}", Jt20.Width.ToLatex());
        Assert.Equal(@"\frac{\sqrt{2 \ln\left(\frac{4 n}{\delta}\right)} + \ln\left(\frac{4}{\varepsilon}\right)}{\frac{\gamma}{4}}",
            Jt20.Lambda.Body.ToLatex());
        Assert.Equal(@"\left\lceil \frac{2 \lambda^{2}}{\eta \varepsilon} \right\rceil", Jt20.Steps.ToLatex());
        Assert.Equal(@"\frac{4 \lambda}{\gamma \sqrt{m}}", Jt20.Radius.ToLatex());
        Assert.Equal(@"\frac{4096 \lambda^{2}}{\gamma^{6}}, \quad \lambda = " + Jt20.Lambda.Body.ToLatex(),
            Jt20.Width.ToLatexWithDefinitions());
    }

    // ---- [MLS25] and [MOSW22] rates ---------------------------------------------------------

    [Fact]
    public void MSoftKnownValue() =>
        // 1 / (0.1^2 * 0.1) = 1000 in real arithmetic; the double 0.1 is not exactly 1/10, and the
        // evaluation returns 999.99999999999977 (1 ulp-scale error), so compare at Tolerance.Rounding.
        Tolerance.AssertRounding(1000.0, NeuronBounds.Mls25Soft.Evaluate(P(0.1, 0.1)));

    [Fact]
    public void MHardKnownValue() =>
        Tolerance.AssertRounding(Math.Log(10) / 1e-4, NeuronBounds.Mls25Hard.Evaluate(P(0.1, 0.1)));

    [Fact]
    public void MoswKnownValue() =>
        Tolerance.AssertRounding(100.0, NeuronBounds.Mosw22.Evaluate(P(0.1, 0.1)));

    [Fact]
    public void ConstantsScaleRates()
    {
        Tolerance.AssertRounding(3000.0, NeuronBounds.Mls25Soft.Evaluate(P(0.1, 0.1, cSoft: 3)));
        Tolerance.AssertRounding(2 * Math.Log(10) / 1e-4, NeuronBounds.Mls25Hard.Evaluate(P(0.1, 0.1, cHard: 2)));
    }

    [Fact]
    public void RateLatex()
    {
        Assert.Equal(@"\frac{c_{\mathrm{soft}}}{\gamma^{2} \varepsilon}", NeuronBounds.Mls25Soft.Latex);
        Assert.Equal(@"\frac{c_{\mathrm{hard}} \ln\left(\frac{1}{\varepsilon}\right)}{\gamma^{4}}", NeuronBounds.Mls25Hard.Latex);
        Assert.Equal(@"\frac{c_{\mathrm{mosw}}}{\gamma^{2}}", NeuronBounds.Mosw22.Latex);
    }

    [Fact]
    public void RegistryAndLabels()
    {
        Assert.Equal(new[] { "mls25-soft", "mls25-hard", "jt20", "mosw22" }, NeuronBounds.All.Select(b => b.Id));
        Assert.Same(NeuronBounds.Mls25Hard, NeuronBounds.ById("MLS25-hard"));
        Assert.Equal("rate, constant c", NeuronBounds.Mls25Soft.Label);
        Assert.True(NeuronBounds.Mosw22.IsRate);
        var ex = Assert.Throws<InputException>(() => NeuronBounds.ById("nope"));
        Assert.Contains("nope", ex.Message);
    }

    // ---- Formula ------------------------------------------------------------------------------

    private static readonly Var A = new("a", "a"), B = new("b", "b"), C = new("c", "c");

    [Fact]
    public void FormulaParenthesesOnlyWhereNeeded()
    {
        Assert.Equal(@"\left(a + b\right) c", ((A + B) * C).ToLatex());
        Assert.Equal(@"a + b c", (A + B * C).ToLatex());
        Assert.Equal(@"a - \left(b + c\right)", (A - (B + C)).ToLatex());
        Assert.Equal(@"a + b - c", (A + B - C).ToLatex());
        Assert.Equal(@"\left(\frac{a}{b}\right)^{2}", Formula.Pow(A / B, 2).ToLatex());
        Assert.Equal(@"\left(a + b\right)^{3}", Formula.Pow(A + B, 3).ToLatex());
        Assert.Equal(@"2 \cdot 3", ((Formula)2 * 3).ToLatex());
        Assert.Equal(@"a \left(-2\right)", (A * -2).ToLatex());
        Assert.Equal(@"0.5 a", (0.5 * A).ToLatex());
        Assert.Equal(@"\frac{a + b}{c}", ((A + B) / C).ToLatex());
        Assert.Equal(@"\sqrt{a}^{2}", Formula.Pow(Formula.Sqrt(A), 2).ToLatex());
    }

    [Fact]
    public void FormulaEvaluates()
    {
        var f = Formula.Ceil(Formula.Sqrt(A) * Formula.Ln(B) - C / 2 + Formula.Pow(A, 0.5));
        var v = new Dictionary<string, double> { ["a"] = 4, ["b"] = Math.E, ["c"] = 1, ["unused"] = 9 };
        Assert.Equal(Math.Ceiling(2 * 1 - 0.5 + 2), f.Evaluate(v));
        Assert.Equal(new[] { "a", "b", "c" }, f.Variables());
    }

    [Fact]
    public void FormulaMissingVariableThrows()
    {
        var ex = Assert.Throws<InputException>(() => (A + B).Evaluate(new Dictionary<string, double> { ["a"] = 1 }));
        Assert.Equal("b", ex.Field);
        Assert.Contains("'b'", ex.Message);
    }

    // ---- Crossover ----------------------------------------------------------------------------

    [Theory]
    [InlineData(0.1, 0.47985259)]
    [InlineData(0.01, 0.21459660)]
    public void Mls25CrossoverKnownAnswers(double eps, double expected)
    {
        var r = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P(eps: eps));
        Assert.Equal(Crossover.ClosedForm, r.Method);
        Assert.NotNull(r.GammaStar);
        Assert.Equal(expected, r.GammaStar!.Value, Tolerance.Digits(8));
        Assert.True(r.InMarginRange);
        Assert.Contains("rate, constant c", r.Note);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.01)]
    [InlineData(0.05)]
    [InlineData(1e-4)]
    public void BrentAgreesWithClosedForm(double eps)
    {
        var p = P(eps: eps);
        var closed = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, p).GammaStar!.Value;
        var numeric = Crossover.SolveNumerically(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, p);
        Assert.Equal(Crossover.Numerical, numeric.Method);
        Assert.Equal(closed, numeric.GammaStar!.Value, Tolerance.Solver);
    }

    [Theory]
    [InlineData(0.1, 1.0)]
    [InlineData(0.02, 2.0)]
    [InlineData(1e-3, 0.5)]
    public void NumericalSolverAgreesWithMathNetBracketingAndBrent(double eps, double cHard)
    {
        // Where the two widths cross once, MathNet's ZeroCrossingBracketing over ln gamma (600 points on
        // [ln 1e-6, ln 0.5]) followed by Brent finds the same gamma*. (The solver keeps its own scan: MathNet's returns
        // the whole range when its ends differ in sign, so it can neither report the smallest of several crossings nor
        // count them, and Math.Sign throws on a NaN width.)
        var p = P(eps: eps, cHard: cHard);
        double D(double u)
        {
            var q = p with { Gamma = Math.Exp(u) };
            return Math.Log(NeuronBounds.Mls25Soft.Evaluate(q)) - Math.Log(NeuronBounds.Mls25Hard.Evaluate(q));
        }
        var brackets = MathNet.Numerics.RootFinding.ZeroCrossingBracketing.FindIntervalsWithin(D, Math.Log(Crossover.MinGamma),
            Math.Log(Crossover.MaxGamma), Crossover.GridPoints - 1).ToList();
        Assert.Single(brackets);
        double u = MathNet.Numerics.RootFinding.Brent.FindRoot(D, brackets[0].Item1, brackets[0].Item2, 1e-14, 200);
        var numeric = Crossover.SolveNumerically(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, p);
        Assert.Equal(Math.Exp(u), numeric.GammaStar!.Value, Tolerance.Solver);
        Assert.Equal(Math.Sqrt(cHard * eps * Math.Log(1 / eps)), Math.Exp(u), Tolerance.Solver);
    }

    [Fact]
    public void ConstantRatioFourDoublesGammaStar()
    {
        foreach (var eps in new[] { 0.1, 0.01 })
        {
            var g1 = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P(eps: eps)).GammaStar!.Value;
            var g4 = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P(eps: eps, cSoft: 0.5, cHard: 2)).GammaStar!.Value;
            Tolerance.AssertRounding(2 * g1, g4);
        }
    }

    [Fact]
    public void ClosedFormAboveHalfIsReportedWithNote()
    {
        var r = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P(eps: 0.1, cHard: 4));
        Assert.Equal(0.95970518, r.GammaStar!.Value, Tolerance.Digits(8));
        Assert.False(r.InMarginRange);
        Assert.Contains("exceeds 1/2", r.Note);
        // The numerical solver, restricted to possible margins, finds no crossing.
        var n = Crossover.SolveNumerically(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P(eps: 0.1, cHard: 4));
        Assert.Null(n.GammaStar);
        Assert.Contains("m_soft < m_hard at every margin", n.Note);
    }

    [Fact]
    public void Jt20NeverCrossesSoftRate()
    {
        // M / m_soft = 65536 (sqrt(2 ln(4n/delta)) + ln(4/eps))^2 eps / gamma^6 >> 1 for gamma <= 1/2.
        var r = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Jt20Width, P(eps: 0.1));
        Assert.Equal(Crossover.Numerical, r.Method);
        Assert.Null(r.GammaStar);
        Assert.Contains("m_soft < m_hard", r.Note);
    }

    [Fact]
    public void NumericalSolverFindsCrossingOfOtherPair()
    {
        // Soft vs [MLS25] hard with c_hard = 2: gamma* = sqrt(2 eps ln(1/eps)) = 0.3956 at eps = 0.02.
        var p = P(eps: 0.02, cHard: 2);
        var r = Crossover.SolveNumerically(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, p);
        Assert.Equal(Math.Sqrt(2 * 0.02 * Math.Log(50)), r.GammaStar!.Value, Tolerance.Solver);
        Assert.Contains("m_soft < m_hard just below gamma*", r.Note);
    }

    [Fact]
    public void ParallelRatesNeverCross()
    {
        // m_soft / m_mosw = c_soft / (c_mosw eps) = 10 at every gamma (c = 1, eps = 0.1).
        var r = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mosw22, P(eps: 0.1));
        Assert.Null(r.GammaStar);
        Assert.Contains("m_soft > m_hard at every margin", r.Note);
        var v = Crossover.Verdict(NeuronBounds.Mls25Soft, NeuronBounds.Mosw22, P(eps: 0.1), 0.01, 0.5, 0.1);
        Assert.Equal(CrossoverVerdict.HardFavoured, v.Verdict);
        Tolerance.AssertRounding(0.1, v.Ratio);
    }

    [Fact]
    public void IdenticalBoundsHaveNoSingleCrossing()
    {
        var r = Crossover.Solve(NeuronBounds.Mosw22, NeuronBounds.Mosw22, P());
        Assert.Null(r.GammaStar);
        Assert.Contains("coincide", r.Note);
        var v = Crossover.Verdict(NeuronBounds.Mosw22, NeuronBounds.Mosw22, P(), 0.1, 0.2, 0.15);
        Assert.Equal(CrossoverVerdict.Undecided, v.Verdict);
    }

    // ---- Verdict ------------------------------------------------------------------------------

    [Fact]
    public void VerdictBelowGammaStarIsSoftFavoured()
    {
        var v = Crossover.Verdict(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P(eps: 0.1), 0.1, 0.3, 0.2);
        Assert.Equal(CrossoverVerdict.SoftFavoured, v.Verdict);
        Assert.Equal("soft favoured", v.Label);
        // m_hard / m_soft = eps ln(1/eps) / gamma^2 (c = 1).
        Tolerance.AssertRounding(0.1 * Math.Log(10) / 0.04, v.Ratio);
        Tolerance.AssertRounding(0.1 * Math.Log(10) / 0.01, v.RatioAtLower!.Value);
        Tolerance.AssertRounding(0.1 * Math.Log(10) / 0.09, v.RatioAtUpper!.Value);
        Tolerance.AssertRounding(1 / (0.04 * 0.1), v.MSoft);
        Tolerance.AssertRounding(Math.Log(10) / 0.0016, v.MHard);
    }

    [Fact]
    public void VerdictAboveGammaStarIsHardFavoured()
    {
        var v = Crossover.Verdict(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P(eps: 0.1), 0.49, 0.5, 0.495);
        Assert.Equal(CrossoverVerdict.HardFavoured, v.Verdict);
        Assert.Equal("hard favoured", v.Label);
        Assert.True(v.Ratio < 1);
    }

    [Fact]
    public void VerdictStraddlingIsUndecided()
    {
        var v = Crossover.Verdict(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P(eps: 0.1), 0.4, 0.5, 0.45);
        Assert.Equal(CrossoverVerdict.Undecided, v.Verdict);
        Assert.Equal("undecided", v.Label);
        Assert.Contains("straddles", v.Note);
    }

    [Fact]
    public void VerdictVacuousLowerEndAndCappedUpperEnd()
    {
        var v = Crossover.Verdict(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P(eps: 0.01), -0.05, 0.2, 0.1);
        Assert.Equal(CrossoverVerdict.SoftFavoured, v.Verdict);
        Assert.Null(v.RatioAtLower);
        Assert.NotNull(v.RatioAtUpper);

        // c_hard = 4, eps = 0.1: gamma* = 0.96 > 1/2, so even [0.3, 0.7] (capped at 0.5) is soft favoured.
        var w = Crossover.Verdict(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P(eps: 0.1, cHard: 4), 0.3, 0.7, 0.4);
        Assert.Equal(CrossoverVerdict.SoftFavoured, w.Verdict);
        Assert.Contains("capped", w.Note);
    }

    [Theory]
    [InlineData(0.1, 0.3, 0.35)] // estimate above the interval
    [InlineData(0.1, 0.3, 0.0)]  // estimate not a possible margin
    [InlineData(0.3, 0.1, 0.2)]  // lower > upper
    [InlineData(0.1, 0.0, 0.05)] // upper not positive
    public void VerdictRejectsBadIntervals(double lo, double hi, double est)
    {
        var ex = Assert.Throws<InputException>(() =>
            Crossover.Verdict(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P(), lo, hi, est));
        Assert.StartsWith("parameter 'gamma", ex.Message);
    }

    // ---- parameter validation -----------------------------------------------------------------

    public static TheoryData<BoundParameters, string> Invalid => new()
    {
        { new(0, 0.1, 10, 0.1), "gamma" },
        { new(0.6, 0.1, 10, 0.1), "gamma" },
        { new(double.NaN, 0.1, 10, 0.1), "gamma" },
        { new(0.1, 0, 10, 0.1), "epsilon" },
        { new(0.1, 1, 10, 0.1), "epsilon" },
        { new(0.1, 2, 10, 0.1), "epsilon" },
        { new(0.1, 0.1, 0, 0.1), "n" },
        { new(0.1, 0.1, 10, 0), "delta" },
        { new(0.1, 0.1, 10, 0.34), "delta" },
        { new(0.1, 0.1, 10, 0.1, Eta: 0), "eta" },
        { new(0.1, 0.1, 10, 0.1, Eta: 1.5), "eta" },
        { new(0.1, 0.1, 10, 0.1, CSoft: 0), "c_soft" },
        { new(0.1, 0.1, 10, 0.1, CHard: -1), "c_hard" },
        { new(0.1, 0.1, 10, 0.1, CMosw: double.PositiveInfinity), "c_mosw" },
        { new(0.1, 0.1, 10, 0.1, Width: 0), "width" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidParametersRaiseInputException(BoundParameters p, string name)
    {
        var ex = Assert.Throws<InputException>(p.Validate);
        Assert.Equal(name, ex.Field);
        Assert.Contains($"'{name}'", ex.Message);
        Assert.Throws<InputException>(() => NeuronBounds.Mls25Soft.Evaluate(p));
        Assert.Throws<InputException>(() => Jt20.Theorem22(p));
    }

    [Fact]
    public void GammaMessageExplainsTheHalf()
    {
        var ex = Assert.Throws<InputException>(() => new BoundParameters(0.7, 0.1, 10, 0.1).Validate());
        Assert.Equal("parameter 'gamma': must lie in (0, 0.5] (the margin of unit-norm data is at most 1/2), got 0.7", ex.Message);
    }
}
