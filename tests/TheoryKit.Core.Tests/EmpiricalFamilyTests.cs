using TheoryKit.Experiments;
using TheoryKit.Tables;
using TheoryKit.Teachers;
using TheoryKit.Training;

namespace TheoryKit.Tests;

/// <summary>The sweep settings' defaults and the families of the empirical tables as typed specs.</summary>
public class EmpiricalFamilyTests
{
    [Fact]
    public void Sweep_settings_make_the_commands_spec()
    {
        var spec = new SweepSettings { MinWidth = 2, MaxWidth = 64 }.Spec("gaussians:1", 0.2, 450, new TeacherSpec(Tau: 0.5, Eta: 4, Steps: 10), 7, 2);
        Assert.Equal(("gaussians:1", 0.2, 2, 64, 5, 2.0), (spec.DataSource, spec.Epsilon, spec.MinWidth, spec.MaxWidth, spec.Seeds, spec.Factor));
        Assert.Equal([LabelKind.Soft, LabelKind.Hard], spec.Labels);
        Assert.Equal((0.5, "kernel (eta 4, 10 steps)", 0.5, 0.5, 7UL, 0.01), (spec.Temperature, spec.Teacher, spec.SuccessThreshold, spec.DeltaS, spec.MasterSeed, spec.AccuracyTolerance));
        Assert.Null(spec.TargetAccuracy);
        var t = spec.Training;
        Assert.Equal((450, 16.0, false, 7UL, 2, Precision.Double, 4), (t.Steps, t.Eta, t.Symmetric, t.Seed, t.Threads, t.Precision, t.RecordEvery));   // 450 / 100 = 4
        Assert.Equal(new ConvergenceRule(0.01, 0.1, 1000, 10), t.Convergence);
        Assert.Null(new SweepSettings { Convergence = false }.Spec("x", 0.1, 50, new TeacherSpec(), 0, 0).Training.Convergence);
        Assert.Equal(1, new SweepSettings().Spec("x", 0.1, 50, new TeacherSpec(), 0, 0).Training.RecordEvery);
    }

    /// <summary>The command lines recorded in theory/tables/empirical.json.</summary>
    [Fact]
    public void The_families_command_lines_are_those_of_the_tables()
    {
        const string margins = "--margin-optimisation-samples 2048 --margin-samples 100000";
        Assert.Equal(
        [
            "two-point --epsilon 0.2 --min-width 2 --max-width 1024 --steps 8000 --eta 4 --tau 1 " + margins,
            "noisy-xor --epsilon 0.2 --min-width 2 --max-width 512 --steps 4000 --eta 4 --tau 0.5 " + margins,
            "gaussians --values 2,3,4,6,8 --epsilon 0.2 --min-width 2 --max-width 512 --steps 4000 --eta 4 --tau 1 " + margins,
            "fashion-mnist --pair trouser-vs-bag --values 0,0.02,0.03,0.05 --epsilon 0.25 --min-width 2 --max-width 64 --steps 2000 --eta 4 --tau 0.5 " + margins,
        ], EmpiricalFamily.Defaults.Select(f => f.Arguments));
    }

    [Fact]
    public void A_familys_margins_use_fixed_counts_on_one_thread()
    {
        var f = EmpiricalFamily.Defaults[3];
        var o = f.Options(11, null, null);
        Assert.Equal(("trouser-vs-bag", 11UL, 0.01, 5.0, 2048, 100000L, 1), (o.Pair, o.DataSeed, o.Margin.Width, o.Margin.TimeBudget, o.Margin.OptimisationSamples, o.Margin.CertificationSamples, o.Margin.Threads));
        Assert.Equal([0, 0.02, 0.03, 0.05], o.Values!);
        Assert.Equal("shirt-vs-t-shirt", EmpiricalFamily.Defaults[0].Options(0, null, null).Pair);
        Assert.Equal((0.5, 11UL, TeacherKind.Kernel), (f.Teacher(11).Tau, f.Teacher(11).Seed, f.Teacher(11).Kind));
        Assert.Equal(0, DifficultyOptions.MarginFor(0, 5, 2048, null).Threads);
    }
}
