using System.Text.Json;
using System.Text.Json.Serialization;

namespace TheoryKit.Margins;

/// <summary>
/// A re-checkable margin certificate (THEORY.md §6): the dual weights q and the smoothing c define the
/// upper-bound combination U_q(z) and the primal v(z) = U_q(z) / max(||U_q(z)||, c), both functions of z,
/// so anyone can draw fresh z ~ N(0, I_d) and re-estimate the interval. Saved as JSON.
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
public sealed record MarginCertificate(
    string Format, string Mode, string DataSource, string DataFingerprint, int N, int D, ulong Seed, double Delta,
    double Smoothing, double[] Q, int OptimisationSamples, long CertificationSamples, double GammaLower, double GammaUpper,
    double[]? PlanarPrimal)
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

    /// <summary>Reads a certificate file.</summary>
    /// <exception cref="InputException">Missing file, malformed JSON, wrong format tag, or inconsistent fields.</exception>
    public static MarginCertificate Load(string path)
    {
        if (!File.Exists(path)) throw new InputException(path, null, null, "file not found");
        MarginCertificate? c;
        try { c = JsonSerializer.Deserialize<MarginCertificate>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InputException(path, e.LineNumber is { } l ? (int)l + 1 : null, e.Path, "malformed certificate JSON: " + e.Message.Split('.')[0]); }
        if (c is null || c.Format != FormatTag) throw new InputException(path, null, "format", $"not a TheoryKit margin certificate (expected '{FormatTag}')");
        if (c.Q is null || c.Q.Length != c.N) throw new InputException(path, null, "q", $"expected {c.N} weights");
        if (c.Q.Any(v => !(v >= 0) || !double.IsFinite(v))) throw new InputException(path, null, "q", "weights must be finite and non-negative");
        if (!(c.Smoothing > 0)) throw new InputException(path, null, "smoothing", "must be positive");
        // Exact certificates carry delta = 0 (no sampling); Monte Carlo ones a failure probability in (0, 0.5).
        if (c.Mode == "exact-planar" ? c.Delta != 0 : !(c.Delta > 0 && c.Delta < 0.5))
            throw new InputException(path, null, "delta", c.Mode == "exact-planar" ? "must be 0 for an exact certificate" : "must lie in (0, 0.5)");
        return c;
    }
}
