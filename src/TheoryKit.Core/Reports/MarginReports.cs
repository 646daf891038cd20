using System.Text.Json.Serialization;
using TheoryKit.Bounds;
using TheoryKit.Data;
using TheoryKit.Margins;

namespace TheoryKit.Reports;

/// <summary>Which ends of a margin interval computed on a subsample bound the whole dataset's margin (THEORY.md §6).</summary>
/// <param name="Upper">The upper end (always: a subset's margin is at least the whole set's).</param>
/// <param name="Lower">The lower end (only when the data are the whole dataset).</param>
public sealed record Transfers(bool Upper, bool Lower);

/// <summary>
/// The `--json` contract of `theorykit margin` (THEORY.md §6): the certified interval of <see cref="MarginResult"/> with its
/// data. Numbers that may be infinite or undefined are null. Members as documented in the README's margin section.
/// </summary>
/// <param name="Data">The dataset.</param>
/// <param name="GammaLower">Certified lower end.</param>
/// <param name="GammaUpper">Certified upper end.</param>
/// <param name="GammaEstimate">Midpoint of the primal (clamped at 0) and dual estimates.</param>
/// <param name="Delta">Per-side failure probability.</param>
/// <param name="Confidence">1 - 2 delta.</param>
/// <param name="Mode">How the interval was computed (<see cref="MarginModes"/>).</param>
/// <param name="Width">GammaUpper - GammaLower.</param>
/// <param name="DualEstimate">Mean of ||U_q(z)|| (exact: the dual value).</param>
/// <param name="PrimalEstimate">min_i of the primal margins (exact: the primal value).</param>
/// <param name="UpperTerm">Amount added to the dual estimate.</param>
/// <param name="LowerTerm">Amount subtracted from the primal estimate.</param>
/// <param name="UpperBound">Inequality of the upper end.</param>
/// <param name="LowerBound">Inequality of the lower end.</param>
/// <param name="OptimisationSamples">Directions q was fitted on (0: q is the kernel quadratic's minimiser).</param>
/// <param name="CertificationSamples">Fresh samples of the interval.</param>
/// <param name="SolverGap">Primal-dual gap of q on held-out directions.</param>
/// <param name="Iterations">Solver iterations.</param>
/// <param name="StoppedBy">Which limit stopped the computation.</param>
/// <param name="Seed">Master seed of every sample.</param>
/// <param name="Seconds">Wall-clock seconds.</param>
/// <param name="CertificationGflops">Throughput of the certification phase, GFLOP/s.</param>
/// <param name="Backend">GEMM backend description.</param>
/// <param name="RoundingAllowance">Mean rounding allowance of the float32 norm pass (0 in double).</param>
/// <param name="SubsampleOf">"k of N points" for a subsample, null for the whole data.</param>
/// <param name="TransfersToFullDataset">Which ends bound the whole dataset's margin.</param>
/// <param name="SecondWeightVector">Whether the primal used its own weights p, apart from the upper end's q (THEORY.md §6, "second weight vector").</param>
public record MarginReport(DataReport Data, double? GammaLower, double? GammaUpper, double? GammaEstimate, double? Delta, double? Confidence,
    string Mode, double? Width, double? DualEstimate, double? PrimalEstimate, double? UpperTerm, double? LowerTerm, string UpperBound, string LowerBound,
    int OptimisationSamples, long CertificationSamples, double? SolverGap, int Iterations, string StoppedBy, ulong Seed, double? Seconds,
    double? CertificationGflops, string Backend, double? RoundingAllowance, string? SubsampleOf, Transfers TransfersToFullDataset,
    bool SecondWeightVector)
{
    /// <summary>The report of a certified (or re-checked) margin.</summary>
    /// <param name="data">The dataset the margin was computed on.</param>
    /// <param name="m">The result.</param>
    public static MarginReport Of(Dataset data, MarginResult m)
    {
        ArgumentNullException.ThrowIfNull(m);
        static double? F(double x) => ReportJson.Finite(x);
        return new(DataReport.Of(data), F(m.GammaLower), F(m.GammaUpper), F(m.GammaEstimate), F(m.Delta), F(m.Confidence), MarginModes.Of(m), F(m.Width),
            F(m.DualEstimate), F(m.PrimalEstimate), F(m.UpperTerm), F(m.LowerTerm), m.UpperBound, m.LowerBound, m.OptimisationSamples,
            m.CertificationSamples, F(m.SolverGap), m.Iterations, m.StoppedBy, m.Certificate.Seed, F(m.Seconds), F(m.CertificationGflops), m.Backend,
            F(m.RoundingAllowance), m.SubsampleOf, new Transfers(m.UpperTransfersToFullDataset, m.LowerTransfersToFullDataset),
            m.Certificate.PrimalQ is not null);
    }

    /// <summary>The report as indented JSON (the contract of its command).</summary>
    public virtual string ToJson() => ReportJson.Serialize(this, MarginJsonContext.Contract.MarginReport);
}

/// <summary>The `--json` contract of `theorykit margin --verify CERT`: the margin report of the fresh samples, then whether the
/// new interval overlaps the certificate's (<see cref="Overlaps"/>) and the certificate's interval.</summary>
public sealed record VerifiedMarginReport : MarginReport
{
    private VerifiedMarginReport(MarginReport margin, MarginCertificate certificate) : base(margin)
    {
        Verified = Overlaps(margin, certificate);
        CertificateLower = ReportJson.Finite(certificate.GammaLower);
        CertificateUpper = ReportJson.Finite(certificate.GammaUpper);
    }

    /// <summary>True when the re-checked interval overlaps the certificate's (both hold with their confidence, so disjoint
    /// intervals mean one of them failed or the data differ).</summary>
    [JsonPropertyOrder(1)] public bool Verified { get; init; }
    /// <summary>The certificate's lower end.</summary>
    [JsonPropertyOrder(1)] public double? CertificateLower { get; init; }
    /// <summary>The certificate's upper end.</summary>
    [JsonPropertyOrder(1)] public double? CertificateUpper { get; init; }

    /// <summary>Whether intervals [lower, upper] of a re-check and of a certificate overlap.</summary>
    public static bool Overlaps(MarginReport recheck, MarginCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(recheck);
        ArgumentNullException.ThrowIfNull(certificate);
        return recheck.GammaLower <= certificate.GammaUpper && certificate.GammaLower <= recheck.GammaUpper;
    }

    /// <summary>The report of a re-check of <paramref name="certificate"/> on <paramref name="data"/>.</summary>
    public static VerifiedMarginReport Of(Dataset data, MarginResult recheck, MarginCertificate certificate) => new(Of(data, recheck), certificate);

    /// <inheritdoc/>
    public override string ToJson() => ReportJson.Serialize(this, MarginJsonContext.Contract.VerifiedMarginReport);
}

/// <summary>
/// The `--json` contract of `theorykit crossover` (THEORY.md §8): the margin report, then the bounds compared at the margin
/// estimate, gamma* and the verdict.
/// </summary>
public sealed record CrossoverReport : MarginReport
{
    private CrossoverReport(MarginReport margin) : base(margin) { }

    /// <summary>Target epoch-averaged loss epsilon.</summary>
    [JsonPropertyOrder(1)] public double? Epsilon { get; init; }
    /// <summary>Id of the soft-label bound.</summary>
    [JsonPropertyOrder(1)] public string SoftBound { get; init; } = "";
    /// <summary>Id of the hard-label bound.</summary>
    [JsonPropertyOrder(1)] public string HardBound { get; init; } = "";
    /// <summary>Constant of the [MLS25] soft-label rate.</summary>
    [JsonPropertyOrder(1)] public double? CSoft { get; init; }
    /// <summary>Constant of the [MLS25] hard-label rate.</summary>
    [JsonPropertyOrder(1)] public double? CHard { get; init; }
    /// <summary>Whether both bounds are rates (known up to a constant).</summary>
    [JsonPropertyOrder(1)] public bool BoundsAreRates { get; init; }
    /// <summary>Soft-label width at the margin estimate (null when not separable).</summary>
    [JsonPropertyOrder(1)] public double? MSoft { get; init; }
    /// <summary>Hard-label width at the margin estimate.</summary>
    [JsonPropertyOrder(1)] public double? MHard { get; init; }
    /// <summary>m_hard / m_soft at the estimate.</summary>
    [JsonPropertyOrder(1)] public double? RatioHardOverSoft { get; init; }
    /// <summary>m_hard / m_soft at the interval's lower end.</summary>
    [JsonPropertyOrder(1)] public double? RatioAtLower { get; init; }
    /// <summary>m_hard / m_soft at the interval's upper end.</summary>
    [JsonPropertyOrder(1)] public double? RatioAtUpper { get; init; }
    /// <summary>The crossover gamma* (null when none).</summary>
    [JsonPropertyOrder(1)] public double? GammaStar { get; init; }
    /// <summary>How gamma* was found.</summary>
    [JsonPropertyOrder(1)] public string GammaStarMethod { get; init; } = "";
    /// <summary>The verdict in words.</summary>
    [JsonPropertyOrder(1)] public string Verdict { get; init; } = "";
    /// <summary>Whether the verdict holds for the whole dataset (null when no bound applies).</summary>
    [JsonPropertyOrder(1)] public bool? VerdictTransfersToFullDataset { get; init; }

    /// <summary>The report of a crossover assessment.</summary>
    /// <param name="data">The dataset.</param>
    /// <param name="c">The assessment (margin, bounds, gamma*, verdict).</param>
    public static CrossoverReport Of(Dataset data, MarginCrossoverResult c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var v = c.Verdict;
        return new CrossoverReport(MarginReport.Of(data, c.Margin))
        {
            Epsilon = ReportJson.Finite(c.Parameters.Epsilon), SoftBound = c.Soft.Id, HardBound = c.Hard.Id,
            CSoft = ReportJson.Finite(c.Parameters.CSoft), CHard = ReportJson.Finite(c.Parameters.CHard), BoundsAreRates = c.Soft.IsRate && c.Hard.IsRate,
            MSoft = v is null ? null : ReportJson.Finite(v.MSoft), MHard = v is null ? null : ReportJson.Finite(v.MHard),
            RatioHardOverSoft = v is null ? null : ReportJson.Finite(v.Ratio),
            RatioAtLower = v?.RatioAtLower is { } lo ? ReportJson.Finite(lo) : null, RatioAtUpper = v?.RatioAtUpper is { } up ? ReportJson.Finite(up) : null,
            GammaStar = c.Star.GammaStar is { } g ? ReportJson.Finite(g) : null, GammaStarMethod = c.Star.Method,
            Verdict = c.VerdictText, VerdictTransfersToFullDataset = c.VerdictTransfersToFullDataset,
        };
    }

    /// <inheritdoc/>
    public override string ToJson() => ReportJson.Serialize(this, MarginJsonContext.Contract.CrossoverReport);
}

/// <summary>One neuron bound in the `bounds` report.</summary>
/// <param name="Id">Short id (e.g. mls25-soft).</param>
/// <param name="Value">Its width at the parameters (neurons; null when not finite).</param>
/// <param name="IsRate">Whether it is a rate with an unpublished constant.</param>
/// <param name="Label">Short label.</param>
/// <param name="Source">Paper and theorem.</param>
/// <param name="Latex">Its formula in LaTeX.</param>
public sealed record BoundReport(string Id, double? Value, bool IsRate, string Label, string Source, string Latex);

/// <summary>The `--json` contract of `theorykit bounds` (THEORY.md §7-8).</summary>
/// <param name="Gamma">Margin gamma.</param>
/// <param name="Epsilon">Target loss epsilon.</param>
/// <param name="N">Training points n.</param>
/// <param name="Delta">[JT20] confidence delta.</param>
/// <param name="Eta">Step size eta.</param>
/// <param name="CSoft">Constant of the soft-label rate.</param>
/// <param name="CHard">Constant of the hard-label rate.</param>
/// <param name="CMosw">Constant of the [MOSW22] rate.</param>
/// <param name="Lambda">[JT20] lambda.</param>
/// <param name="M">[JT20] width M (member "M").</param>
/// <param name="T">[JT20] steps T (member "T").</param>
/// <param name="Radius">[JT20] radius at <paramref name="RadiusWidth"/>.</param>
/// <param name="RadiusWidth">Width m of the radius.</param>
/// <param name="MSoft">[MLS25] soft-label rate.</param>
/// <param name="MHard">[MLS25] hard-label rate.</param>
/// <param name="MMosw">[MOSW22] rate.</param>
/// <param name="GammaStar">Crossover of the [MLS25] pair (null when none).</param>
/// <param name="GammaStarMethod">How it was found.</param>
/// <param name="GammaStarJt20">Crossover of the soft rate with [JT20]'s M (null when none).</param>
/// <param name="Bounds">Every bound at the parameters.</param>
public sealed record BoundsReport(double? Gamma, double? Epsilon, int N, double? Delta, double? Eta, double? CSoft, double? CHard, double? CMosw,
    double? Lambda, [property: JsonPropertyName("M")] double? M, [property: JsonPropertyName("T")] double? T, double? Radius, double? RadiusWidth,
    double? MSoft, double? MHard, double? MMosw, double? GammaStar, string GammaStarMethod, double? GammaStarJt20, IReadOnlyList<BoundReport> Bounds)
{
    /// <summary>The report at parameters <paramref name="p"/>.</summary>
    /// <exception cref="InputException">A parameter is out of range.</exception>
    public static BoundsReport Of(BoundParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        static double? F(double x) => ReportJson.Finite(x);
        var jt = Jt20.Theorem22(p);
        var rate = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, p);
        var jtx = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Jt20Width, p);
        return new(F(p.Gamma), F(p.Epsilon), p.N, F(p.Delta), F(p.Eta), F(p.CSoft), F(p.CHard), F(p.CMosw), F(jt.Lambda), F(jt.M), F(jt.T), F(jt.Radius),
            F(jt.WidthUsed), F(NeuronBounds.Mls25Soft.Evaluate(p)), F(NeuronBounds.Mls25Hard.Evaluate(p)), F(NeuronBounds.Mosw22.Evaluate(p)),
            rate.GammaStar is { } g ? F(g) : null, rate.Method, jtx.GammaStar is { } gj ? F(gj) : null,
            NeuronBounds.All.Select(b => new BoundReport(b.Id, F(b.Evaluate(p)), b.IsRate, b.Label, b.Source, b.Latex)).ToArray());
    }

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => ReportJson.Serialize(this, MarginJsonContext.Contract.BoundsReport);
}

/// <summary>Source-generated serialisation of the margin, crossover and bounds reports (<see cref="ReportJson.Options"/>).</summary>
[JsonSerializable(typeof(MarginReport))]
[JsonSerializable(typeof(VerifiedMarginReport))]
[JsonSerializable(typeof(CrossoverReport))]
[JsonSerializable(typeof(BoundsReport))]
public sealed partial class MarginJsonContext : JsonSerializerContext
{
    /// <summary>The context on the contract's options.</summary>
    public static MarginJsonContext Contract { get; } = new(ReportJson.Options);
}
