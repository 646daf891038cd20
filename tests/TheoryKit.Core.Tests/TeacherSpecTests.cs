using TheoryKit.Data;
using TheoryKit.Teachers;

namespace TheoryKit.Tests;

/// <summary>
/// The teacher spec and factory (THEORY.md §4): names and checks, beta of the margin teacher, the kernel teacher's soft labels after
/// one step by hand, the margin teacher's certificate at fixed sample counts, and soft labels fitted at most once.
/// </summary>
public class TeacherSpecTests
{
    private static Dataset TwoPoint(double theta) => DataSource.Load($"two-point:{theta.ToString(System.Globalization.CultureInfo.InvariantCulture)}", new DataOptions());

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Theory]
    [InlineData("kernel", TeacherKind.Kernel)]
    [InlineData("Margin", TeacherKind.Margin)]
    [InlineData("WIDE", TeacherKind.Wide)]
    public void Kinds_are_parsed_without_regard_to_case(string name, TeacherKind kind) => Assert.Equal(kind, TeacherSpec.ParseKind(name));

    [Fact]
    public void An_unknown_kind_names_the_option()
    {
        var e = Assert.Throws<InputException>(() => TeacherSpec.ParseKind("ntk"));
        Assert.Equal("parameter 'teacher': must be kernel, margin or wide, got 'ntk'", e.Message);
    }

    [Theory]
    [InlineData(0, 3000, 16, 1, "teacher-width")]
    [InlineData(2048, 0, 16, 1, "teacher-steps")]
    [InlineData(2048, 3000, 0, 1, "teacher-eta")]
    [InlineData(2048, 3000, double.PositiveInfinity, 1, "teacher-eta")]
    [InlineData(2048, 3000, 16, 0, "tau")]
    [InlineData(2048, 3000, 16, double.NaN, "tau")]
    public void Bad_numbers_are_refused_naming_the_option(int width, int steps, double eta, double tau, string field)
    {
        var e = Assert.Throws<InputException>(() => new TeacherSpec(Width: width, Steps: steps, Eta: eta, Tau: tau).Validate());
        Assert.Contains($"'{field}'", e.Message);
    }

    [Fact]
    public void A_non_positive_beta_is_refused() =>
        Assert.Contains("'beta'", Assert.Throws<InputException>(() => new TeacherSpec(Beta: -1).Validate()).Message);

    [Fact]
    public void Defaults_and_label()
    {
        var s = new TeacherSpec();
        Assert.Equal((TeacherKind.Kernel, 1.0, 2048, 3000, 16.0), (s.Kind, s.Tau, s.Width, s.Steps, s.Eta));
        Assert.Equal("kernel (eta 16, 3000 steps)", s.Label);
        Assert.Equal("wide (eta 0.5, 10 steps)", new TeacherSpec(TeacherKind.Wide, Eta: 0.5, Steps: 10).Label);
        Assert.True(s.MarginOptionsFor().FixedCounts);
        Assert.Equal(1, s.MarginOptionsFor().Threads);
    }

    [Fact]
    public void Beta_is_two_over_the_middle_of_the_interval_unless_given()
    {
        Assert.Equal(8.0, new TeacherSpec().BetaFor(0.2, 0.3));     // 2 / 0.25
        Assert.Equal(3.0, new TeacherSpec(Beta: 3).BetaFor(0.2, 0.3));
        Assert.Equal(3.0, new TeacherSpec(Beta: 3).BetaFor(0, 0));
        var e = Assert.Throws<InputException>(() => new TeacherSpec().BetaFor(0, 0));
        Assert.Contains("'beta'", e.Message);
    }

    /// <summary>
    /// Two unit vectors at angle theta with labels +1, -1: from g_0 = 0 one step of functional GD gives
    /// g_1 = (eta / n) H (y / 2), so g_1(x_1) = (eta / 4) (K(x1, x1) - K(x1, x2)) = (eta / 4) (1/2 - cos theta (pi - theta) / (2 pi))
    /// and g_1(x_2) = -g_1(x_1) (THEORY.md §4-5); the soft labels are sigmoid(g / tau).
    /// </summary>
    [Fact]
    public void The_kernel_teachers_soft_labels_after_one_step_match_the_hand_computation()
    {
        const double theta = 1, eta = 0.75, tau = 0.5;
        var ds = TwoPoint(theta);
        double g1 = eta / 4 * (0.5 - Math.Cos(theta) * (Math.PI - theta) / (2 * Math.PI));
        var labels = new TeacherLabels(new TeacherSpec(Steps: 1, Eta: eta, Tau: tau), ds);
        Assert.Null(labels.Report);
        var p = labels.Probabilities();
        for (int i = 0; i < 2; i++) Assert.Equal(Sigmoid(ds.Y[i] * g1 / tau), p[i], Tolerance.Independent);
        var report = labels.Report!;
        Assert.Equal(1.0, report.TrainAccuracy);
        Assert.Equal(g1, report.TrainMargin, Tolerance.Independent);
        Assert.Null(report.TestAccuracy);
        Assert.Same(p, labels.Probabilities());   // fitted once
    }

    /// <summary>The exact planar margin of two unit vectors at angle theta is (theta + (pi - theta) sin(theta / 2)) / (2 pi) (THEORY.md §6),
    /// so the margin teacher's default beta is 2 over it.</summary>
    [Fact]
    public void The_margin_teacher_without_a_certificate_takes_beta_from_the_exact_margin()
    {
        const double theta = 1;
        double gamma = (theta + (Math.PI - theta) * Math.Sin(theta / 2)) / (2 * Math.PI);
        var teacher = Assert.IsType<MarginTeacher>(new TeacherSpec(TeacherKind.Margin).Fit(TwoPoint(theta)));
        Assert.Equal(2 / gamma, teacher.Beta, 1e-6 * 2 / gamma);
        Assert.Equal(TeacherSpec.MarginTeacherDirections, teacher.Samples);
    }

    [Fact]
    public void The_margin_teachers_certificate_uses_the_fixed_sample_counts()
    {
        var ds = DataSource.Load("gaussians:1", new DataOptions { N = 30, D = 3, Seed = 5 });
        var spec = new TeacherSpec(TeacherKind.Margin, Seed: 9) { MarginOptimisationSamples = 64, MarginSamples = 3000 };
        var a = Assert.IsType<MarginTeacher>(spec.Fit(ds));
        Assert.Equal("monte-carlo", a.Certificate.Mode);
        Assert.Equal(3000, a.Certificate.CertificationSamples);
        Assert.Equal(9UL, a.Certificate.Seed);
        var b = spec.Fit(ds);
        Assert.Equal(a.Logits(ds), b.Logits(ds));   // the same numbers however long the certification took
    }

    [Fact]
    public void Early_stopping_needs_a_validation_split()
    {
        var e = Assert.Throws<InputException>(() => new TeacherSpec(EarlyStop: true, Steps: 2).Fit(TwoPoint(1)));
        Assert.Contains("'teacher-early-stop'", e.Message);
    }

    [Fact]
    public void The_wide_teacher_is_a_wide_network()
    {
        var t = new TeacherSpec(TeacherKind.Wide, Width: 4, Steps: 2, Eta: 1).Fit(TwoPoint(1));
        Assert.Equal("wide-network", t.Kind);
    }

    [Fact]
    public void Given_labels_fit_no_teacher()
    {
        double[] p = [0.9, 0.1];
        var labels = TeacherLabels.Given(p);
        Assert.Same(p, labels.Probabilities());
        Assert.Null(labels.Fit());
        Assert.Null(labels.Teacher);
    }
}
