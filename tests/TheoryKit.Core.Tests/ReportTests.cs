using System.Text.Json.Nodes;
using TheoryKit.Bounds;
using TheoryKit.Data;
using TheoryKit.Experiments;
using TheoryKit.Margins;
using TheoryKit.Reports;

namespace TheoryKit.Tests;

// Decisions behind the reports (THEORY.md §6, §8) on hand-made margin intervals, and the JSON contract's conventions.
// Known answers with c_soft = c_hard = 1, eps = 0.1 (Python, math module): m_soft = 1 / (gamma^2 eps), m_hard = ln(1/eps) / gamma^4,
// so m_hard / m_soft = eps ln(1/eps) / gamma^2 and gamma* = sqrt(eps ln 10) = 0.4798525912188082. At gamma = 0.25: m_soft = 160,
// m_hard = 589.4617838064758, ratio 3.684136148790474; ratio 5.756462732485115 at 0.2 and 2.5584278811044956 at 0.3.
public class ReportTests
{
    private static readonly BoundParameters P = new(0.5, 0.1, 1000, 0.1);

    /// <summary>A Monte Carlo margin result with the given interval (the other members are placeholders).</summary>
    private static MarginResult Margin(double lower, double upper, double estimate, string? subsampleOf = null, bool primal = true,
        string mode = MarginModes.MonteCarlo)
    {
        var cert = new MarginCertificate(MarginCertificate.FormatTag, mode, "test", new string('0', 64), 2, 2, 7, 0.025, 0.1, [0.5, 0.5], 0, 100,
            lower, upper, null);
        return new MarginResult(mode, lower, upper, estimate, 0.025, upper, lower, 0, 0, "hoeffding", "hoeffding", 0, 100, 0, 0, "samples", 1, 0,
            "managed", cert, subsampleOf, 0, primal);
    }

    [Fact]
    public void An_interval_below_gamma_star_favours_soft_labels_with_the_widths_at_the_estimate()
    {
        var c = MarginCrossover.Assess(Margin(0.2, 0.3, 0.25), NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P);
        Tolerance.AssertRounding(0.4798525912188082, c.Star.GammaStar!.Value);
        Assert.Equal(CrossoverVerdict.SoftFavoured, c.Verdict!.Verdict);
        Assert.Equal("soft favoured", c.VerdictText);
        Tolerance.AssertRounding(160, c.Verdict.MSoft);
        Tolerance.AssertRounding(589.4617838064758, c.Verdict.MHard);
        Tolerance.AssertRounding(3.684136148790474, c.Verdict.Ratio);
        Tolerance.AssertRounding(5.756462732485115, c.Verdict.RatioAtLower!.Value);
        Tolerance.AssertRounding(2.5584278811044956, c.Verdict.RatioAtUpper!.Value);
        Assert.Equal("m_soft < m_hard on the whole interval: soft labels need fewer neurons", c.VerdictReason);
        Assert.True(c.VerdictTransfersToFullDataset);
        Assert.Null(c.WholeDatasetVerdict);   // the whole data: no separate statement
    }

    [Fact]
    public void On_a_subsample_only_soft_favoured_transfers_to_the_whole_dataset()
    {
        var soft = MarginCrossover.Assess(Margin(0.2, 0.3, 0.25, "10 of 30 points"), NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P);
        Assert.True(soft.VerdictTransfersToFullDataset);
        Assert.Equal("soft favoured", soft.WholeDatasetVerdict);
        var hard = MarginCrossover.Assess(Margin(0.49, 0.5, 0.495, "10 of 30 points"), NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P);
        Assert.Equal(CrossoverVerdict.HardFavoured, hard.Verdict!.Verdict);
        Assert.False(hard.VerdictTransfersToFullDataset);
        Assert.Equal("not established", hard.WholeDatasetVerdict);
        Assert.Equal("rests on the lower end, which holds for this subsample only", hard.WholeDatasetReason);
        var straddling = MarginCrossover.Assess(Margin(0.4, 0.5, 0.45, "10 of 30 points"), NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P);
        Assert.Equal("undecided", straddling.VerdictText);
        Assert.Equal("not established", straddling.WholeDatasetVerdict);
    }

    [Fact]
    public void Data_that_are_not_separable_get_no_verdict_and_an_estimate_of_0_is_replaced_by_the_upper_end()
    {
        var none = MarginCrossover.Assess(Margin(0, 0, 0), NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P);
        Assert.Null(none.Verdict);
        Assert.Equal("not separable (gamma = 0): no bound applies", none.VerdictText);
        Assert.Null(none.VerdictTransfersToFullDataset);
        Assert.Equal("", none.VerdictReason);
        // estimate 0, upper 0.25: the widths are those at 0.25 (m_soft = 160)
        var atUpper = MarginCrossover.Assess(Margin(0, 0.25, 0), NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, P);
        Tolerance.AssertRounding(160, atUpper.Verdict!.MSoft);
    }

    [Fact]
    public void The_mode_says_when_the_monte_carlo_primal_was_skipped()
    {
        Assert.Equal("monte-carlo", MarginModes.Of(Margin(0.2, 0.3, 0.25)));
        Assert.Equal("monte-carlo-dual", MarginModes.Of(Margin(0.2, 0.3, 0.25, primal: false)));
        Assert.Equal("exact-planar", MarginModes.Of(Margin(0.25, 0.25, 0.25, primal: false, mode: MarginModes.ExactPlanar)));
        Assert.Equal("monte-carlo-dual", MarginReport.Of(TwoPoints(), Margin(0.2, 0.3, 0.25, primal: false)).Mode);
    }

    [Fact]
    public void A_certified_two_point_margin_reports_its_mode_and_the_primal_it_estimated()
    {
        // two unit vectors at angle 1 rad are planar: exact, nothing sampled
        var exact = MarginSolver.Certify(TwoPoints(), new MarginOptions());
        Assert.Equal("exact-planar", MarginModes.Of(exact));
        Assert.False(exact.MonteCarloPrimal);
    }

    private static Dataset TwoPoints() => DataSource.Load("two-point:1.0", new DataOptions());

    [Fact]
    public void A_recheck_is_verified_when_the_intervals_overlap()
    {
        var cert = Margin(0.2, 0.3, 0.25).Certificate;
        Assert.True(VerifiedMarginReport.Overlaps(MarginReport.Of(TwoPoints(), Margin(0.3, 0.4, 0.35)), cert));   // touching at 0.3
        Assert.False(VerifiedMarginReport.Overlaps(MarginReport.Of(TwoPoints(), Margin(0.31, 0.4, 0.35)), cert));
        Assert.False(VerifiedMarginReport.Overlaps(MarginReport.Of(TwoPoints(), Margin(0.1, 0.19, 0.15)), cert));
    }

    [Fact]
    public void The_bounds_report_writes_snake_case_members_the_jt20_M_and_T_as_named_and_null_for_no_crossover()
    {
        var json = JsonNode.Parse(BoundsReport.Of(new BoundParameters(0.5, 0.1, 1000, 0.1)).ToJson())!;
        Assert.Equal(1.153693e9, (double)json["M"]!, Tolerance.Significant(1.153693e9, 7));
        Assert.Equal(88020.0, (double)json["T"]!);
        Assert.Equal(66.33995424, (double)json["lambda"]!, Tolerance.Digits(8));
        Assert.Equal("closed form", (string)json["gamma_star_method"]!);
        Assert.Equal(4, json["bounds"]!.AsArray().Count);
        Assert.Equal("mls25-soft", (string)json["bounds"]![0]!["id"]!);
        Assert.Null(json["m"]);
    }

    [Fact]
    public void Non_finite_numbers_are_written_as_null()
    {
        var trend = TrendReport.Of(new Trend(1, double.NaN, double.PositiveInfinity, 1, TrendKind.Grows, "s"));
        Assert.Null(trend.Lower);
        Assert.Null(trend.Upper);
        Assert.Equal("grows", trend.Verdict);
        Assert.Null(GapReport.Of(null));
    }

    [Fact]
    public void A_shard_of_no_estimated_cost_has_share_0()
    {
        Assert.Equal(0, ShardSummaryReport.ShareOf(new ShardSummary(new ShardSpec(0, 2), 0, 0, 0, [], 0, 0)));
        Assert.Equal(0.25, ShardSummaryReport.ShareOf(new ShardSummary(new ShardSpec(1, 4), 3, 3, 0, [], 1, 4)));
    }
}
