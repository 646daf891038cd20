using TheoryKit.Data;
using TheoryKit.Margins;

namespace TheoryKit.Tests;

/// <summary>
/// Issue 11 items 4 and 7: tampered certificates are refused on load (one field named) and "exact" margins are right
/// for nearly collinear and for tiny-scale planar data; the concentration terms match their formulas (Maurer and
/// Pontil 2009, Theorem 4; Hoeffding) evaluated by hand.
/// </summary>
public class MarginCertificateTests
{
    private static double Opposite(double t) => (t + (Math.PI - t) * Math.Sin(t / 2)) / (2 * Math.PI);

    private static (string path, MarginCertificate cert) Saved(TempDir dir, Func<MarginCertificate, MarginCertificate> edit)
    {
        var data = DataSource.Load("two-point:1.0", new DataOptions());
        var cert = edit(MarginSolver.Certify(data, new MarginOptions(Width: 0.05, TimeBudget: 2, Seed: 3, MonteCarlo: true,
            OptimisationSamples: 256, CertificationSamples: 4096)).Certificate);
        return (dir.Write("cert.json", cert.ToJson()), cert);
    }

    [Theory]
    [InlineData("zero")]
    [InlineData("doubled")]
    [InlineData("negative")]
    [InlineData("nan-smoothing")]
    [InlineData("short-q")]
    [InlineData("fingerprint")]
    [InlineData("samples")]
    [InlineData("ends")]
    [InlineData("primal-q-sum")]
    [InlineData("primal-q-short")]
    public void A_tampered_certificate_is_refused_on_load_naming_the_field(string tamper)
    {
        using var dir = new TempDir();
        var (path, _) = Saved(dir, c => tamper switch
        {
            "zero" => c with { Q = new double[c.N] },
            "doubled" => c with { Q = c.Q.Select(v => 2 * v).ToArray() },
            "negative" => c with { Q = new[] { 1.5, -0.5 } },
            "nan-smoothing" => c with { Smoothing = -1 },
            "short-q" => c with { Q = new[] { 1.0 } },
            "fingerprint" => c with { DataFingerprint = "abc" },
            "samples" => c with { CertificationSamples = 0 },
            "primal-q-sum" => c with { PrimalQ = new[] { 0.5, 0.6 } },
            "primal-q-short" => c with { PrimalQ = new[] { 1.0 } },
            _ => c with { GammaLower = 0.5, GammaUpper = 0.1 },
        });
        var e = Assert.Throws<InputException>(() => MarginCertificate.Load(path));
        Assert.Equal(path, e.File);
        string field = tamper switch
        {
            "zero" or "doubled" or "negative" or "short-q" => "q",
            "nan-smoothing" => "smoothing",
            "fingerprint" => "data_fingerprint",
            "samples" => "certification_samples",
            "primal-q-sum" or "primal-q-short" => "primal_q",
            _ => "gamma_lower",
        };
        Assert.Equal(field, e.Field);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void An_untampered_certificate_loads_and_its_weights_sum_to_one()
    {
        using var dir = new TempDir();
        var (path, cert) = Saved(dir, c => c);
        var back = MarginCertificate.Load(path);
        Assert.Equal(cert.Q, back.Q);
        Assert.Equal(1.0, back.Q.Sum(), 1e-12);
    }

    [Fact]
    public void A_certificate_for_other_data_of_the_same_shape_is_refused_by_fingerprint()
    {
        var cert = MarginSolver.Certify(DataSource.Load("two-point:1.0", new DataOptions()), new MarginOptions()).Certificate;
        var e = Assert.Throws<InputException>(() => MarginSolver.Verify(cert, DataSource.Load("two-point:1.5", new DataOptions()), 1, certificateName: "c.json"));
        Assert.Equal("data_fingerprint", e.Field);
        Assert.Equal("c.json", e.File);
    }

    [Theory]
    [InlineData(1e-10)]
    [InlineData(1e-6)]
    [InlineData(3e-4)]
    public void Two_nearly_collinear_points_get_the_closed_form_not_zero(double theta)
    {
        // gamma = (theta + (pi - theta) sin(theta/2)) / (2 pi): 4.0915e-11 at theta = 1e-10 (it used to be 0: the
        // rank test's fixed tolerance 1e-10 took the two points for one).
        var r = MarginSolver.Certify(DataSource.Load($"two-point:{theta:R}", new DataOptions()), new MarginOptions());
        Assert.Equal("exact-planar", r.Mode);
        double gamma = Opposite(theta);
        Assert.True(Math.Abs(r.GammaLower - gamma) <= 1e-6 * gamma, $"lower {r.GammaLower:R} vs {gamma:R}");
        Assert.True(Math.Abs(r.GammaUpper - gamma) <= 1e-6 * gamma, $"upper {r.GammaUpper:R} vs {gamma:R}");
    }

    [Fact]
    public void Data_scaled_by_1e_minus_200_keep_their_rank_and_scale_their_margin()
    {
        // gamma is positively homogeneous: scaling X by s scales gamma by s. Rows of size 1e-200 used to underflow in
        // the rank test (squares below 1e-308), so the data looked planar (rank 0) and got 0.
        const double s = 1e-200;
        var xor = DataSource.Load("noisy-xor:3", new DataOptions());
        var tiny = new Dataset(xor.X.Select(v => v * s).ToArray(), xor.Y, xor.N, xor.D, null, "+1", "-1", xor.LabelMapping, xor.Provenance);
        Assert.Null(PlanarMargin.PlaneBasis(tiny.X, tiny.N, tiny.D));
        var o = new MarginOptions(Width: 0.05, TimeBudget: 2, Seed: 4, OptimisationSamples: 256, CertificationSamples: 8192, Threads: 1);
        var big = MarginSolver.Certify(xor, o);
        var small = MarginSolver.Certify(tiny, o);
        Assert.Equal("monte-carlo", small.Mode);
        Assert.True(small.GammaUpper > 0);
        Assert.Equal(big.GammaUpper * s, small.GammaUpper, big.GammaUpper * s * 1e-9);
        Assert.Equal(big.GammaLower * s, small.GammaLower, big.GammaUpper * s * 1e-9);

        // Planar data at that scale: two points 1 rad apart scaled by 1e-200 have gamma = 1e-200 * 0.3225647680806436.
        var two = DataSource.Load("two-point:1.0", new DataOptions());
        var twoTiny = new Dataset(two.X.Select(v => v * s).ToArray(), two.Y, 2, 2, null, "+1", "-1", two.LabelMapping, two.Provenance);
        var e = MarginSolver.Certify(twoTiny, new MarginOptions());
        Assert.Equal("exact-planar", e.Mode);
        Assert.Equal(0.3225647680806436 * s, e.GammaLower, 1e-8 * s);
        Assert.Equal(0.3225647680806436 * s, e.GammaUpper, 1e-8 * s);
    }

    [Fact]
    public void Concentration_terms_match_the_formulas()
    {
        // Hoeffding: range sqrt(ln(1/delta) / (2K)); K = 1000, delta = 0.05, range 2: 2 sqrt(ln 20 / 2000) = 0.07740...
        Assert.Equal(2 * Math.Sqrt(Math.Log(20) / 2000), Concentration.HoeffdingTerm(1000, 0.05, 2), 1e-15);
        // Maurer-Pontil Theorem 4: sqrt(2 V ln(2/delta) / K) + 7 ln(2/delta) / (3 (K - 1)); V = 0.01, K = 1000, delta = 0.05:
        // sqrt(2 * 0.01 * ln 40 / 1000) + 7 ln 40 / 2997 = 0.0085891... + 0.0086160... (by hand: ln 40 = 3.6888794541139363).
        double l = 3.6888794541139363;
        Assert.Equal(Math.Sqrt(2 * 0.01 * l / 1000) + 7 * l / 2997, Concentration.EmpiricalBernsteinTerm(0.01, 1000, 0.05), 1e-15);
        // Range 2 (values in [-1, 1]): V scales by 4 inside, the term by 2.
        Assert.Equal(2 * Concentration.EmpiricalBernsteinTerm(0.01, 1000, 0.05), Concentration.EmpiricalBernsteinTerm(0.04, 1000, 0.05, 2), 1e-15);
        Assert.Equal(double.PositiveInfinity, Concentration.EmpiricalBernsteinTerm(0.1, 1, 0.05));
        // Best: each at delta/2. Zero variance at large K: Bernstein wins; variance 1/4 (the largest in [0, 1]) at K = 1000: Hoeffding.
        var b = Concentration.Best(0, 100000, 0.05);
        Assert.Equal(Concentration.EmpiricalBernstein, b.Name);
        Assert.Equal(7 * Math.Log(80) / (3 * 99999.0), b.Term, 1e-15);
        var h = Concentration.Best(0.25, 1000, 0.05);
        Assert.Equal(Concentration.Hoeffding, h.Name);
        Assert.Equal(Math.Sqrt(Math.Log(40) / 2000), h.Term, 1e-15);
        // Sample variance of 1, 2, 3, 4: mean 2.5, sum of squared deviations 5, over K - 1 = 3.
        Assert.Equal(5.0 / 3, Concentration.SampleVariance(10, 30, 4), 1e-15);
    }
}
