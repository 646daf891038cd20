using System.Text.Json.Nodes;
using TheoryKit.Data;
using TheoryKit.Experiments;
using TheoryKit.Training;

namespace TheoryKit.Tests;

// Values from outside the code:
//   Student t quantiles (standard t tables): t(0.975, 4 df) = 2.776445105197799, t(0.975, 1 df) = 12.70620473617471
//   (closed forms: 1 df tan(pi (p - 1/2)); 4 df 2 sqrt(cos(arccos(sqrt(a)) / 3) / sqrt(a) - 1) with a = 4 p (1 - p)).
//   Hand-computed paired interval of 0.01, 0.03, -0.01, 0.02, 0.05: mean 0.02, deviations -0.01, 0.01, -0.03, 0, 0.03,
//   sum of squares 0.002, s^2 = 0.0005, s / sqrt(5) = 0.01, half-width 0.02776445105.
//   Hand-computed trend for x = 0, 0, 0, 0.3, 0.3, 0.3 and y = 0, 0.01, -0.01, 0.06, 0.07, 0.05: slope 0.06 / 0.3 = 0.2,
//   residuals 0, 0.01, -0.01, 0, 0.01, -0.01, SSR = 4e-4, s^2 = 1e-4, Sxx = 6 * 0.15^2 = 0.135, SE = sqrt(1e-4 / 0.135).
public sealed class DistillTests : IDisposable
{
    private readonly List<string> _dirs = [];

    /// <summary>Removes the temporary folders of the test.</summary>
    public void Dispose()
    {
        foreach (var d in _dirs)
            try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }

    private string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "theorykit-distill-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        _dirs.Add(dir);
        return dir;
    }

    // ---------- Paired interval and trend ----------

    [Fact]
    public void PairedIntervalMatchesHandComputation()
    {
        var m = PairedStats.Interval([0.01, 0.03, -0.01, 0.02, 0.05]);
        Assert.Equal(0.02, m.Mean, 1e-15);
        Assert.Equal(0.02 - 2.776445105197799 * 0.01, m.Lower, Tolerance.StudentTOf(2.776445105197799 * 0.01));
        Assert.Equal(0.02 + 2.776445105197799 * 0.01, m.Upper, Tolerance.StudentTOf(2.776445105197799 * 0.01));
        Assert.Equal((5, 4), (m.N, m.Positive));
        Assert.False(m.AboveZero);
        // Two values: t(0.975, 1) = 12.706; values 0.1 and 0.3: s = sqrt(0.02), s / sqrt(2) = 0.1.
        var two = PairedStats.Interval([0.1, 0.3]);
        Assert.Equal(0.2 - Math.Tan(0.475 * Math.PI) * 0.1, two.Lower, Tolerance.StudentTOf(Math.Tan(0.475 * Math.PI) * 0.1));
        // One value: no interval.
        Assert.True(double.IsNaN(PairedStats.Interval([0.1]).Lower));
        Assert.Throws<InputException>(() => PairedStats.Interval([]));
        Assert.Throws<InputException>(() => PairedStats.Interval([double.NaN, 1]));
    }

    [Fact]
    public void TrendStatementsFollowTheSlopeInterval()
    {
        double[] x = [0, 0, 0, 0.3, 0.3, 0.3];
        double[] y = [0, 0.01, -0.01, 0.06, 0.07, 0.05];
        var grows = PairedStats.TrendOf(x, y, "The gap");
        double half = 2.776445105197799 * Math.Sqrt(1e-4 / 0.135);
        Assert.Equal(0.2, grows.Slope, 1e-12);
        Assert.Equal(0.2 - half, grows.Lower, Tolerance.StudentTOf(half));
        Assert.Equal(0.2 + half, grows.Upper, Tolerance.StudentTOf(half));
        Assert.Equal((TrendKind.Grows, "grows"), (grows.Kind, grows.Word));
        Assert.StartsWith("The gap grows with difficulty", grows.Statement);

        var reverses = PairedStats.TrendOf(x, y.Select(v => -v).ToArray(), "The gap");
        Assert.Equal(TrendKind.Reverses, reverses.Kind);
        Assert.Contains("shrinks", reverses.Statement);

        // Same scatter around a slope of 1/30: the interval (half-width 0.0756) contains 0.
        var flat = PairedStats.TrendOf(x, [0, 0.01, -0.01, 0.01, 0.02, 0.0], "The gap");
        Assert.Equal(0.01 / 0.3, flat.Slope, 1e-12);
        Assert.Equal(TrendKind.DoesNotGrow, flat.Kind);
        Assert.Contains("does not grow", flat.Statement);

        var one = PairedStats.TrendOf([0.1, 0.1, 0.1], [0.01, 0.02, 0.03], "The gap");
        Assert.Equal(TrendKind.Undecided, one.Kind);
        Assert.True(double.IsNaN(one.Slope));
    }

    [Fact]
    public void PerRateStatementNamesWhereTheGapIsAboveBelowOrAroundZero()
    {
        static DistillLevel Level(double noise, double mean, double lower, double upper) =>
            new(noise, new AccuracySummary(0.8, 0.8, 0.8, 3, 0.4), null, [], 0, double.NaN, null, new MeanInterval(mean, lower, upper, 3, 0, 0.95), null,
                new RunCounts(0, 0, 0, 0), new RunCounts(0, 0, 0, 0));
        var rising = new[] { Level(0, -0.005, -0.009, -0.001), Level(0.2, 0.012, -0.003, 0.027) };
        Assert.Equal("Per rate, the mean gap soft - hard lies below 0 at rate 0; its interval contains 0 at rate 0.2 (above 0 at no rate).",
            Distill.WhereSignificant(rising, l => l.MeanGap, "soft - hard"));
        var grows = new[] { Level(0, 0, -0.001, 0.001), Level(0.1, 0.01, 0.002, 0.018), Level(0.3, 0.04, 0.01, 0.07) };
        Assert.Equal("Per rate, the mean gap soft - hard lies above 0 at rates 0.1, 0.3; its interval contains 0 at rate 0.",
            Distill.WhereSignificant(grows, l => l.MeanGap, "soft - hard"));
        var unresolved = new[] { Level(0, -0.002, -0.004, 0.001), Level(0.3, 0.038, -0.011, 0.087) };
        Assert.Equal("Per rate, the mean gap soft - hard has an interval containing 0 at rates 0, 0.3 (above 0 at no rate).",
            Distill.WhereSignificant(unresolved, l => l.MeanGap, "soft - hard"));
        Assert.Equal("Per rate, the mean gap control has no interval (fewer than 2 seeds).",
            Distill.WhereSignificant(grows, l => l.MeanGapEarlyStopped, "control"));
    }

    // ---------- Accuracy-based m* and the objective-based flag ----------

    private static RunRecord Run(LabelKind kind, int width, int seed, double testError, double loss = 0.2, RunOutcome outcome = RunOutcome.Converged) =>
        new(kind, width, seed, SweepSpec.RunSeed(0, width, seed), outcome is RunOutcome.Converged or RunOutcome.StepCap && loss <= 0.3, loss, loss, 0.5, 0.5, 0.1,
            0.4, testError, 1, outcome, outcome == RunOutcome.StepCap ? 100 : 50);

    private static SweepSpec Spec3() => new("hand-made", 0.3, 2, 8, 3, new TrainingOptions(Width: 2, Steps: 100, Eta: 1) { Convergence = new ConvergenceRule() });

    [Fact]
    public void AccuracyBasedMinimalWidthsUseOneTargetAndPairedGaps()
    {
        // Held-out errors per width (2, 4, 8) and seed; soft and hard equal at every width: the accuracy yardstick gives ratio 1,
        // although the soft objective (KL, 0.1) succeeds everywhere and the hard one (risk, 0.6) nowhere.
        double[][] err = [[0.30, 0.32, 0.34], [0.22, 0.21, 0.23], [0.20, 0.21, 0.19]];
        int[] widths = [2, 4, 8];
        var records = new List<RunRecord>();
        for (int i = 0; i < 3; i++)
            for (int s = 0; s < 3; s++)
            {
                records.Add(Run(LabelKind.Soft, widths[i], s, err[i][s], loss: 0.1));
                records.Add(Run(LabelKind.Hard, widths[i], s, err[i][s], loss: 0.6));
            }
        var r = WidthSweep.Analyse(Spec3(), records);
        Assert.Equal(2, r.For(LabelKind.Soft)!.ByRate.Width);   // objective-based: soft <= 2
        Assert.Null(r.For(LabelKind.Hard)!.ByRate.Width);       // hard > 8
        var a = r.ByAccuracy!;
        // Best mean accuracy 0.8 (width 8); target 0.79; width 4 has 0.78, so both reach it at 8.
        Assert.Equal(0.79, a.Target, 1e-12);
        Assert.Equal((8, 8), (a.Soft!.Value, a.Hard!.Value));
        Assert.Equal(1.0, a.Ratio);
        Assert.Equal("=", a.Relation);
        Assert.All(r.Gaps, g => Assert.Equal((0.0, 0), (g.Gap.Mean, g.Gap.Positive)));

        // A given target of 0.75: both reach it at 4.
        var t = WidthSweep.Analyse(Spec3() with { TargetAccuracy = 0.75 }, records).ByAccuracy!;
        Assert.Equal((4, 4), (t.Soft!.Value, t.Hard!.Value));

        // Soft better by 3 points at width 4 in every pair: soft reaches 0.79 at 4, hard at 8, ratio 2; gap +3 points, 3/3 pairs.
        var better = records.Select(x => x.Labels == LabelKind.Soft && x.Width == 4 ? x with { TestError = x.TestError - 0.03 } : x).ToList();
        var b = WidthSweep.Analyse(Spec3(), better);
        Assert.Equal((4, 8, 2.0), (b.ByAccuracy!.Soft!.Value, b.ByAccuracy.Hard!.Value, b.ByAccuracy.Ratio!.Value));
        var g4 = b.Gaps.Single(g => g.Width == 4).Gap;
        Assert.Equal(0.03, g4.Mean, 1e-12);
        Assert.Equal((3, 3), (g4.Positive, g4.N));
    }

    [Fact]
    public void DivergedAndDeadRunsAreCountedApartAndNeverSucceed()
    {
        var records = new List<RunRecord>
        {
            Run(LabelKind.Hard, 2, 0, 0.2, loss: 0.1),
            Run(LabelKind.Hard, 2, 1, 0.5, loss: double.NaN, outcome: RunOutcome.Diverged) with { Success = false },
            Run(LabelKind.Hard, 2, 2, 0.5, loss: 0.1, outcome: RunOutcome.Dead) with { Success = false },
        };
        var w = WidthSweep.Analyse(Spec3() with { Labels = [LabelKind.Hard] }, records).For(LabelKind.Hard)!.Widths[0];
        Assert.Equal((1, 1, 1, 1), (w.Successes, w.Converged, w.Diverged, w.Dead));
        Assert.Equal(0.8, w.MeanTestAccuracy!.Value, 1e-12);   // only the scored run
    }

    [Fact]
    public void HandEditedSuccessIsRefusedAndNeverChangesMinimalWidth()
    {
        var spec = Spec3();
        var honest = Run(LabelKind.Hard, 4, 1, 0.2, loss: 0.6);
        Assert.False(honest.Success);
        var e = Assert.Throws<InputException>(() => WidthSweep.CheckFigures("j.jsonl", 7, honest with { Success = true }, spec));
        Assert.Equal(("j.jsonl", 7, "success"), (e.File, e.Line!.Value, e.Field));
        Assert.StartsWith("j.jsonl:7: field 'success':", e.Message);
        // Steps outside the cap and a diverged run with finite losses are refused too.
        Assert.Equal("steps_run", Assert.Throws<InputException>(() => WidthSweep.CheckFigures("j", 2, honest with { StepsRun = 101 }, spec)).Field);
        Assert.Equal("outcome", Assert.Throws<InputException>(() => WidthSweep.CheckFigures("j", 2, honest with { Outcome = RunOutcome.Diverged }, spec)).Field);
        WidthSweep.CheckFigures("j", 2, honest, spec);

        // The analysis re-derives success: flipping every stored flag changes nothing.
        var records = new[] { 2, 4, 8 }.SelectMany(w => Enumerable.Range(0, 3).Select(s => Run(LabelKind.Hard, w, s, 0.2, loss: w >= 4 ? 0.2 : 0.6))).ToList();
        var spec1 = spec with { Labels = [LabelKind.Hard] };
        var a = WidthSweep.Analyse(spec1, records).For(LabelKind.Hard)!.ByRate;
        var b = WidthSweep.Analyse(spec1, records.Select(r => r with { Success = !r.Success })).For(LabelKind.Hard)!.ByRate;
        Assert.Equal(4, a.Width);
        Assert.Equal(a.Width, b.Width);
    }

    [Fact]
    public void OldJournalFormatIsRefusedCleanly()
    {
        var path = Path.Combine(TempDir(), "old.jsonl");
        File.WriteAllText(path, "{\"format\":\"theorykit-width-sweep/1\",\"epsilon\":0.1}\n");
        var e = Assert.Throws<InputException>(() => Journal.Open(path, new JsonObject { ["format"] = SweepSpec.JournalFormat, ["epsilon"] = 0.1 }));
        Assert.Equal((1, "format"), (e.Line!.Value, e.Field));
        Assert.Contains("theorykit-width-sweep/1", e.Message);
        e = Assert.Throws<InputException>(() => Journal.Load(path));
        Assert.Equal("format", e.Field);
    }

    // ---------- Distill end to end ----------

    private static (Dataset Points, Dataset Test) Tiny()
    {
        var o = new DataOptions { N = 80, D = 5, Seed = 3 };
        var points = DataSource.Load("gaussians:1.5", o);
        return (points, DataSource.LoadTest("gaussians:1.5", o)!);
    }

    private static DistillSpec TinySpec() =>
        new("gaussians:1.5", [0, 0.2], [2, 4], 3, new TrainingOptions(Width: 2, Steps: 300, Eta: 4, Symmetric: true, RecordEvery: 10)
        { Convergence = new ConvergenceRule(MinSteps: 50) }, new DistillTeacher(Eta: 4, Steps: 200));

    [Fact]
    public void SplitAndNoiseArePairedAndNested()
    {
        var (points, _) = Tiny();
        var (train, val) = Distill.Split(points, 0.25, 7);
        Assert.Equal((60, 20), (train.N, val.N));
        Assert.Equal(points.Y.Order(), train.Y.Concat(val.Y).Order());
        var low = Distill.Noisy(train, 0.1, 7, 0, 0);
        var high = Distill.Noisy(train, 0.3, 7, 0, 0);
        Assert.Same(train.X, high.X);
        // Every label flipped at rate 0.1 is also flipped at 0.3 (one uniform draw per point).
        for (int i = 0; i < train.N; i++)
            if (low.Y[i] != train.Y[i]) Assert.NotEqual(train.Y[i], high.Y[i]);
        Assert.Equal(train.Y, Distill.Noisy(train, 0, 7, 0, 0).Y);
    }

    [Fact]
    public void DistillRunsResumesAfterAKillAndRefusesOtherSettings()
    {
        var (points, test) = Tiny();
        var spec = TinySpec();
        var dir = TempDir();
        var path = Path.Combine(dir, "d.jsonl");
        var full = Distill.Run(spec, points, test, path, null, 1);
        int perLevel = spec.Seeds * (1 + 2 * spec.Widths.Count);
        Assert.Equal(2 * perLevel, full.Runs.Count);
        Assert.Equal(2 * perLevel, full.NewRuns);
        Assert.Equal(full.Runs.Count(r => r.Role != DistillRole.Teacher),
            full.Counts.Converged + full.Counts.StepCap + full.Counts.Diverged + full.Counts.Dead);
        Assert.All(full.Levels, l => Assert.Equal(2, l.Widths.Count));
        Assert.All(full.Runs.Where(r => r.Role == DistillRole.Hard), r => Assert.NotNull(r.EarlyStopTestError));
        // The gap is soft - hard of the paired records.
        var w = full.Levels[1].Widths[0];
        DistillRecord Run(DistillRole role, int width, int s) => full.Runs.Single(r => r.Role == role && r.Noise == 0.2 && r.Width == width && r.SeedIndex == s);
        var pairs = Enumerable.Range(0, spec.Seeds).Where(s => Run(DistillRole.Hard, 2, s).Scored && Run(DistillRole.Soft, 2, s).Scored)
            .Select(s => Run(DistillRole.Hard, 2, s).TestError - Run(DistillRole.Soft, 2, s).TestError).ToList();
        Assert.NotEmpty(pairs);
        Assert.Equal(pairs.Average(), w.Gap!.Mean, 1e-12);
        // The level's control gap averages, per seed, early-stopped hard error - soft error over the widths; a seed
        // enters only when all its runs at that level were scored (diverged and dead runs are not).
        var level = full.Levels[1];
        var complete = Enumerable.Range(0, spec.Seeds).Where(s => spec.Widths.All(width => Run(DistillRole.Hard, width, s).Scored && Run(DistillRole.Soft, width, s).Scored)).ToList();
        Assert.NotEmpty(complete);
        var control = complete.Select(s => spec.Widths.Average(width =>
            Run(DistillRole.Hard, width, s).EarlyStopTestError!.Value - Run(DistillRole.Soft, width, s).TestError)).ToList();
        Assert.Equal(control.Average(), level.MeanGapEarlyStopped!.Mean, 1e-12);
        Assert.Equal(full.Runs.Count(r => r is { Role: DistillRole.Hard, Noise: 0.2, Outcome: RunOutcome.StepCap }), level.Hard.StepCap);
        Assert.Equal(full.Counts.StepCap, full.Levels.Sum(l => l.Soft.StepCap + l.Hard.StepCap));
        Assert.Equal(full.Counts.StepCap > 0, full.CapWarning is not null);

        // Killed in the middle of the first seed's batch of the second level: the two runs of that batch that had
        // stopped were written (each run is appended when it stops), and half a line was.
        var lines = File.ReadAllLines(path);
        int keep = 1 + perLevel + spec.Seeds + 2;   // header, level 1, the teachers of level 2, two student runs
        Assert.All(lines[(keep - 2)..keep], l => Assert.Contains("\"seed_index\":0", l));
        File.WriteAllText(path, string.Join("\n", lines[..keep]) + "\n" + lines[keep][..15]);
        var resumed = Distill.Run(spec, points, test, path, null, 1);
        Assert.Equal(perLevel - spec.Seeds - 2, resumed.NewRuns);
        Assert.Equal(keep - 1, resumed.ResumedRuns);
        Assert.Equal(Canon(full), Canon(resumed));
        Assert.Equal(1 + 2 * perLevel, File.ReadAllLines(path).Length);

        // Other settings are refused naming the field; the same run again trains nothing.
        var e = Assert.Throws<InputException>(() => Distill.Run(spec with { Seeds = 4 }, points, test, path, null, 1));
        Assert.Equal("seeds", e.Field);
        Assert.Equal(0, Distill.Run(spec, points, test, path, null, 2).NewRuns);
    }

    private static string Canon(DistillResult r) =>
        string.Join("\n", r.Runs.Select(x => Journal.Json is var j ? System.Text.Json.JsonSerializer.Serialize(x with { Seconds = 0 }, j) : ""));
}
