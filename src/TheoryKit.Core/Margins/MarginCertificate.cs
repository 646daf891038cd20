using System.Text.Json;
using System.Text.Json.Serialization;

namespace TheoryKit.Margins;

/// <summary>
/// A re-checkable margin certificate (THEORY.md §6): the dual weights q and the smoothing c define the
/// upper-bound combination U_q(z) and the primal v(z) = U_p(z) / max(||U_p(z)||, c) (p = q, or the second weight
/// vector <see cref="PrimalQ"/>), both functions of z, so anyone can draw fresh z ~ N(0, I_d) and re-estimate the interval. Saved as JSON.
/// </summary>
/// <param name="Format">Always "theorykit-margin-certificate/1".</param>
/// <param name="Mode">"monte-carlo" or "exact-planar".</param>
/// <param name="DataSource">The data argument the certificate was computed for.</param>
/// <param name="DataFingerprint">SHA-256 of n, d, X, Y (see Dataset.Fingerprint).</param>
/// <param name="N">Number of points.</param>
/// <param name="D">Dimension.</param>
/// <param name="Seed">Master seed of every sample drawn.</param>
/// <param name="Delta">Per-side failure probability: the interval holds with probability &gt;= 1 - 2 delta.</param>
/// <param name="Smoothing">c of the primal.</param>
/// <param name="Q">Dual weights q (simplex, length n).</param>
/// <param name="OptimisationSamples">Samples used to find q (0 in exact mode).</param>
/// <param name="CertificationSamples">Fresh samples the interval was estimated on (0 in exact mode).</param>
/// <param name="GammaLower">Certified lower end.</param>
/// <param name="GammaUpper">Certified upper end.</param>
/// <param name="PlanarPrimal">Exact mode only: the primal direction of every arc (J x 2 row-major, arcs in
/// increasing angle order as built by <see cref="PlanarMargin.Game"/>); null in Monte Carlo mode.</param>
/// <param name="PrimalQ">Monte Carlo mode: the primal's own weights p (simplex, length n) when they differ from q (the second weight
/// vector of THEORY.md §6); null (absent in older certificates) means p = q.</param>
public sealed record MarginCertificate(
    string Format, string Mode, string DataSource, string DataFingerprint, int N, int D, ulong Seed, double Delta,
    double Smoothing, double[] Q, int OptimisationSamples, long CertificationSamples, double GammaLower, double GammaUpper,
    double[]? PlanarPrimal, double[]? PrimalQ = null)
{
    /// <summary>The format tag written into every certificate.</summary>
    public const string FormatTag = "theorykit-margin-certificate/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Serialises to indented JSON (snake_case field names; doubles round-trip exactly).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Tolerance of sum q = 1: the solvers' simplex projections sum to 1 within about n ulps.</summary>
    public const double SumTolerance = 1e-9;

    /// <summary>Reads a certificate file and checks it (<see cref="Validate"/>).</summary>
    /// <exception cref="InputException">Missing file, malformed JSON, wrong format tag, or inconsistent fields (one line naming the file and field).</exception>
    public static MarginCertificate Load(string path)
    {
        if (!File.Exists(path)) throw new InputException(path, null, null, "file not found");
        MarginCertificate? c;
        try { c = JsonSerializer.Deserialize<MarginCertificate>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InputException(path, e.LineNumber is { } l ? (int)l + 1 : null, e.Path, "malformed certificate JSON: " + e.Message.Split(" Path:")[0].TrimEnd('.')); }
        if (c is null || c.Format != FormatTag) throw new InputException(path, null, "format", $"not a TheoryKit margin certificate (expected '{FormatTag}')");
        c.Validate(path);
        return c;
    }

    /// <summary>
    /// Checks the fields a tampered or damaged certificate could get wrong: mode, n and d, the data fingerprint's form,
    /// q (n finite non-negative weights summing to 1 within <see cref="SumTolerance"/>: an all-zero or doubled q is
    /// refused), the smoothing, delta, the sample counts and the interval ends. Whether q belongs to the data is
    /// checked by <see cref="MarginSolver.Verify"/> through n, d and the fingerprint.
    /// </summary>
    /// <param name="name">How errors name the certificate (its file path).</param>
    /// <exception cref="InputException">The first inconsistent field, named.</exception>
    public void Validate(string name)
    {
        void Fail(string field, string reason) => throw new InputException(name, null, field, reason);
        if (Format != FormatTag) Fail("format", $"not a TheoryKit margin certificate (expected '{FormatTag}')");
        if (Mode is not ("monte-carlo" or "exact-planar")) Fail("mode", "must be 'monte-carlo' or 'exact-planar'");
        if (N < 1) Fail("n", "must be >= 1");
        if (D < 1) Fail("d", "must be >= 1");
        if (DataFingerprint is null || DataFingerprint.Length != 64 || !DataFingerprint.All(Uri.IsHexDigit)) Fail("data_fingerprint", "must be 64 hexadecimal digits (SHA-256 of the data)");
        void Simplex(double[]? w, string field)
        {
            if (w is null || w.Length != N) Fail(field, $"expected {N} weights, found {w?.Length ?? 0}");
            for (int i = 0; i < w!.Length; i++)
                if (!double.IsFinite(w[i]) || w[i] < 0) Fail(field, $"weight {i + 1} is {w[i]}: weights must be finite and non-negative");
            double sum = 0;
            foreach (var v in w) sum += v;
            if (!(Math.Abs(sum - 1) <= SumTolerance)) Fail(field, $"weights sum to {sum:R}, not 1 ({field} must lie in the simplex)");
        }
        Simplex(Q, "q");
        if (PrimalQ is not null)
        {
            if (Mode != "monte-carlo") Fail("primal_q", "only a Monte Carlo certificate has a second weight vector");
            Simplex(PrimalQ, "primal_q");
        }
        if (!(Smoothing > 0) || !double.IsFinite(Smoothing)) Fail("smoothing", "must be finite and positive");
        // Exact certificates carry delta = 0 (no sampling); Monte Carlo ones a failure probability in (0, 0.5).
        if (Mode == "exact-planar" ? Delta != 0 : !(Delta > 0 && Delta < 0.5))
            Fail("delta", Mode == "exact-planar" ? "must be 0 for an exact certificate" : "must lie in (0, 0.5)");
        if (OptimisationSamples < 0) Fail("optimisation_samples", "must be >= 0");
        if (Mode == "monte-carlo" ? CertificationSamples < 1 : CertificationSamples != 0)
            Fail("certification_samples", Mode == "monte-carlo" ? "must be >= 1" : "must be 0 for an exact certificate");
        if (!double.IsFinite(GammaLower) || !double.IsFinite(GammaUpper) || GammaLower < 0 || GammaLower > GammaUpper)
            Fail("gamma_lower", "the interval ends must be finite with 0 <= gamma_lower <= gamma_upper");
        if (Mode == "monte-carlo" && PlanarPrimal is not null) Fail("planar_primal", "must be absent in a Monte Carlo certificate");
        if (PlanarPrimal is not null && PlanarPrimal.Any(v => !double.IsFinite(v))) Fail("planar_primal", "must be finite numbers");
    }
}
