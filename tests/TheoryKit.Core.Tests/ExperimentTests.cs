using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TheoryKit.Data;
using TheoryKit.Experiments;
using TheoryKit.Teachers;
using TheoryKit.Training;

namespace TheoryKit.Tests;

// Values from outside the code:
//   Clopper-Pearson 95% intervals (published tables, e.g. Clopper & Pearson 1934; also the closed forms
//   1 - 0.025^(1/10) = 0.30850 and 0.025^(1/10) = 0.69150 for k = 0 and k = n): 0/10 -> [0, 0.30850],
//   10/10 -> [0.69150, 1], 5/10 -> [0.18709, 0.81291]. One-sided 95% lower bound of 10/10: 0.05^(1/10) = 0.74113.
//   Student t quantile t(0.975, 2 df) = 4.302653 (standard t table; closed form (2p - 1) / sqrt(2 p (1 - p)) = 4.302652729749464).
//   Hand-computed least squares for x = 0, 1, 2, 3 and y = 1, 3.2, 4.8, 7.1: mean x 1.5, mean y 4.025,
//   Sxx = 5, Sxy = 9.95, slope 1.99, intercept 1.04, fitted 1.04, 3.03, 5.02, 7.01, residuals -0.04, 0.17,
//   -0.22, 0.09, SSR = 0.087, s^2 = 0.0435, SE(slope) = sqrt(0.0435 / 5), SE(intercept) = sqrt(0.0435 (1/4 + 2.25/5)),
//   SST = 19.8875, R^2 = 1 - 0.087 / 19.8875.
public sealed class ExperimentTests : IDisposable
{
    private readonly List<string> _dirs = [];

    /// <summary>Removes the temporary folders of the test.</summary>
    public void Dispose()
    {
        foreach (var d in _dirs)
            try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }

    // ---------- Clopper-Pearson ----------

    [Fact]
    public void ClopperPearsonMatchesPublishedValues()
    {
        var (lo0, hi0) = ClopperPearson.Interval(0, 10, 0.05);
        Assert.Equal(0.0, lo0);
        Assert.Equal(0.30850, hi0, Tolerance.Digits(5));
        var (lo10, hi10) = ClopperPearson.Interval(10, 10, 0.05);
        Assert.Equal(0.69150, lo10, Tolerance.Digits(5));
        Assert.Equal(1.0, hi10);
        var (lo5, hi5) = ClopperPearson.Interval(5, 10, 0.05);
        Assert.Equal(0.18709, lo5, Tolerance.Digits(5));
        Assert.Equal(0.81291, hi5, Tolerance.Digits(5));
        Assert.Equal(0.74113, ClopperPearson.LowerBound(10, 10, 0.05), Tolerance.Digits(5));
        // With all n successes the one-sided lower bound is alpha^(1/n) in closed form (Beta(n, 1) has CDF p^n).
        Assert.Equal(Math.Pow(0.05, 0.1), ClopperPearson.LowerBound(10, 10, 0.05), Tolerance.BetaQuantile);
        // The one-sided bound at alpha equals the two-sided end at 2 alpha.
        Assert.Equal(ClopperPearson.Interval(3, 7, 0.1).Lower, ClopperPearson.LowerBound(3, 7, 0.05));
        Assert.Equal(ClopperPearson.Interval(3, 7, 0.1).Upper, ClopperPearson.UpperBound(3, 7, 0.05));
    }

    [Fact]
    public void ClopperPearsonSeedsNeededAndBadInput()
    {
        // 0.05^(1/4) = 0.473 < 0.5 <= 0.05^(1/5) = 0.549.
        Assert.Equal(5, ClopperPearson.TrialsNeeded(0.5, 0.05));
        // 0.05^(1/10) = 0.741 < 0.75 <= 0.05^(1/11) = 0.762.
        Assert.Equal(11, ClopperPearson.TrialsNeeded(0.25, 0.05));
        Assert.Throws<InputException>(() => ClopperPearson.Interval(11, 10, 0.05));
        Assert.Throws<InputException>(() => ClopperPearson.Interval(0, 0, 0.05));
        Assert.Throws<InputException>(() => ClopperPearson.Interval(1, 10, 1.5));
    }

    // ---------- Scaling fit ----------

    [Fact]
    public void ScalingFitRecoversExactLine()
    {
        double[] x = [0.5, 1, 2, 3, 4.5];
        var fit = ScalingFit.Fit(x, x.Select(v => 2 * v + 1).ToArray(), 0.95);
        Tolerance.AssertRounding(2.0, fit.Slope);
        Tolerance.AssertRounding(1.0, fit.Intercept);
        Assert.True(fit.SlopeUpper - fit.SlopeLower < 1e-9, $"interval [{fit.SlopeLower}, {fit.SlopeUpper}]");
        Tolerance.AssertRounding(1.0, fit.RSquared);
    }

    [Fact]
    public void ScalingFitAgreesWithMathNetRegression()
    {
        // An independent implementation: MathNet's SimpleRegression.Fit (slope, intercept), GoodnessOfFit.RSquared,
        // sample variance for Sxx and StudentT.InvCDF for the interval, on an uneven, noisy design.
        double[] x = [0.3, 1.1, 1.7, 2.9, 3.4, 4.8, 6.2];
        double[] y = [2.05, 3.9, 4.4, 7.6, 8.1, 11.7, 13.9];
        var fit = ScalingFit.Fit(x, y, 0.9);
        var (intercept, slope) = MathNet.Numerics.LinearRegression.SimpleRegression.Fit(x, y);
        var predicted = x.Select(v => intercept + slope * v).ToArray();
        double ssr = y.Zip(predicted, (o, m) => (o - m) * (o - m)).Sum();
        double sxx = MathNet.Numerics.Statistics.Statistics.Variance(x) * (x.Length - 1);
        double se = Math.Sqrt(ssr / (x.Length - 2) / sxx);
        double t = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, x.Length - 2, 0.95);
        Assert.Equal(slope, fit.Slope, Tolerance.Independent);
        Assert.Equal(intercept, fit.Intercept, Tolerance.Independent);
        Assert.Equal(MathNet.Numerics.GoodnessOfFit.RSquared(predicted, y), fit.RSquared, Tolerance.Independent);
        Assert.Equal(se, fit.SlopeStandardError, Tolerance.Independent);
        Assert.Equal(slope - t * se, fit.SlopeLower, Tolerance.Independent);
        Assert.Equal(slope + t * se, fit.SlopeUpper, Tolerance.Independent);
    }

    [Fact]
    public void ScalingFitMatchesHandComputedNoisyExample()
    {
        var fit = ScalingFit.Fit([0, 1, 2, 3], [1, 3.2, 4.8, 7.1], 0.95);
        // Student's t with 2 degrees of freedom has the closed-form quantile (2p - 1) / sqrt(2 p (1 - p)):
        // 0.95 / sqrt(0.04875) = 4.302652729749464 at p = 0.975.
        double t = 0.95 / Math.Sqrt(2 * 0.975 * 0.025);
        double se = Math.Sqrt(0.0435 / 5), seIntercept = Math.Sqrt(0.0435 * (0.25 + 2.25 / 5));
        Tolerance.AssertRounding(1.99, fit.Slope);
        Tolerance.AssertRounding(1.04, fit.Intercept);
        Assert.Equal(t, fit.TQuantile, Tolerance.StudentTOf(t));
        Tolerance.AssertRounding(se, fit.SlopeStandardError);
        Assert.Equal(1.99 - t * se, fit.SlopeLower, Tolerance.StudentTOf(t * se));
        Assert.Equal(1.99 + t * se, fit.SlopeUpper, Tolerance.StudentTOf(t * se));
        Tolerance.AssertRounding(seIntercept, fit.InterceptStandardError);
        Tolerance.AssertRounding(1 - 0.087 / 19.8875, fit.RSquared);
        Assert.True(fit.Contains(2) && !fit.Contains(4));
    }

    [Fact]
    public void ScalingFitRejectsTooFewPointsAndNoSpread()
    {
        Assert.Throws<InputException>(() => ScalingFit.Fit([1, 2], [1, 2], 0.95));
        Assert.Throws<InputException>(() => ScalingFit.Fit([1, 1, 1], [1, 2, 3], 0.95));
        Assert.Throws<InputException>(() => ScalingFit.Fit([1, 2, 3], [1, 2], 0.95));
        Assert.Throws<InputException>(() => ScalingFit.Fit([1, 2, double.NaN], [1, 2, 3], 0.95));
    }

    // ---------- Journal ----------

    private static JsonObject Header(double eps = 0.1) => new() { ["format"] = SweepSpec.JournalFormat, ["epsilon"] = eps, ["seeds"] = 3 };

    private static RunRecord Rec(int width, int seed, LabelKind kind = LabelKind.Hard) =>
        new(kind, width, seed, 1000UL + (ulong)seed, seed % 2 == 0, 0.1 * width, 0.05, 0.2, 0.15, 0.0, null, null, 0.5);

    private string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "theorykit-exp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        _dirs.Add(dir);
        return dir;
    }

    private static string[] CompleteLines(string path)
    {
        var text = File.ReadAllText(path);
        Assert.EndsWith("\n", text);
        return text.Split('\n')[..^1];
    }

    [Fact]
    public void JournalRoundTripCrashTailAndTruncation()
    {
        var path = Path.Combine(TempDir(), "j.jsonl");
        var recs = new[] { Rec(4, 0), Rec(4, 1, LabelKind.Soft), Rec(8, 2) with { TestError = 0.25, TestRisk = 0.6, FinalLoss = double.NaN } };
        using (var j = Journal.Open(path, Header()))
            foreach (var r in recs) j.Append(r);
        var loaded = Journal.Load(path);
        Assert.Equal(recs, loaded.Records);
        Assert.Equal([2, 3, 4], loaded.Lines);
        Assert.False(loaded.DiscardedTail);
        Assert.Contains("\"epoch_averaged_loss\"", File.ReadAllText(path));
        Assert.Contains("\"labels\":\"soft\"", File.ReadAllText(path));

        // A crash mid-write leaves half a line without a newline.
        var half = Journal.Serialize(Rec(16, 0));
        File.AppendAllText(path, half[..(half.Length / 2)]);
        loaded = Journal.Load(path);
        Assert.Equal(recs, loaded.Records);
        Assert.True(loaded.DiscardedTail);

        using (var j = Journal.Open(path, Header()))
        {
            Assert.Equal(recs, j.Records);
            Assert.True(j.Contains(new RunKey(LabelKind.Soft, 4, 1)));
            Assert.False(j.Contains(new RunKey(LabelKind.Hard, 16, 0)));
            j.Append(Rec(16, 0));
        }
        var lines = CompleteLines(path);
        Assert.Equal(5, lines.Length);   // header + 4 complete records, the half line is gone
        Assert.All(lines.Skip(1), l => JsonSerializer.Deserialize<JsonObject>(l));
        Assert.Equal(recs.Append(Rec(16, 0)), Journal.Load(path).Records);
    }

    [Fact]
    public void JournalUnparsableFinalLineIsIgnored()
    {
        var path = Path.Combine(TempDir(), "j.jsonl");
        using (var j = Journal.Open(path, Header())) j.Append(Rec(4, 0));
        File.AppendAllText(path, "{\"labels\":\"hard\",\"wid\n");
        Assert.Single(Journal.Load(path).Records);
        using (var j = Journal.Open(path, Header())) j.Append(Rec(4, 1));
        Assert.Equal(3, CompleteLines(path).Length);
    }

    [Fact]
    public void JournalHeaderMismatchNamesTheField()
    {
        var path = Path.Combine(TempDir(), "j.jsonl");
        using (var j = Journal.Open(path, Header(0.1))) j.Append(Rec(4, 0));
        var e = Assert.Throws<InputException>(() => Journal.Open(path, Header(0.2)));
        Assert.Equal("epsilon", e.Field);
        Assert.Equal(path, e.File);
        Assert.Contains("epsilon", e.Message);
        Assert.Contains(path, e.Message);
        var extra = Header(0.1);
        extra["steps"] = 10;
        Assert.Equal("steps", Assert.Throws<InputException>(() => Journal.Open(path, extra)).Field);
        // The journal is untouched by the refused opens.
        Assert.Single(Journal.Load(path).Records);
    }

    [Fact]
    public void JournalMalformedMiddleLineNamesTheLine()
    {
        var path = Path.Combine(TempDir(), "j.jsonl");
        using (var j = Journal.Open(path, Header())) { j.Append(Rec(4, 0)); j.Append(Rec(4, 1)); j.Append(Rec(4, 2)); }
        var lines = File.ReadAllLines(path);
        lines[2] = "{\"labels\":\"hard\",\"width\":\"four\"}";
        File.WriteAllLines(path, lines);
        var e = Assert.Throws<InputException>(() => Journal.Load(path));
        Assert.Equal(3, e.Line);
        Assert.Contains(":3:", e.Message);
        Assert.Equal(3, Assert.Throws<InputException>(() => Journal.Open(path, Header())).Line);
    }

    [Fact]
    public void JournalMissingFolderAndDuplicateAppend()
    {
        var missing = Path.Combine(TempDir(), "no-such-folder", "j.jsonl");
        Assert.Throws<InputException>(() => Journal.Open(missing, Header()));
        var path = Path.Combine(TempDir(), "j.jsonl");
        using var j = Journal.Open(path, Header());
        j.Append(Rec(4, 0));
        Assert.Throws<InvalidOperationException>(() => j.Append(Rec(4, 0)));
        // A second writer is refused while the journal is open.
        Assert.Throws<InputException>(() => Journal.Open(path, Header()));
    }

    // ---------- Width sweep ----------

    private static Dataset Train() => DataSource.Load("gaussians:2", new DataOptions { N = 40, D = 5, Seed = 3 });
    private static Dataset Test() => DataSource.Load("gaussians:2", new DataOptions { N = 40, D = 5, Seed = 4 });
    private static double[] Teacher(Dataset ds) => ds.Y.Select(y => y > 0 ? 0.85 : 0.15).ToArray();

    private static SweepSpec Spec(double eps = Eps) =>
        new("gaussians:2", eps, 4, 16, 2, new TrainingOptions(Width: 2, Steps: 20, Eta: 1)) { MasterSeed = 7, Teacher = "fixed 0.85/0.15", Temperature = 1 };

    // Chosen so that outcomes are mixed (soft runs end near 0.25-0.3 nats, hard runs near 0.58-0.69 after 20 steps);
    // the tests below do not depend on which runs succeed.
    private const double Eps = 0.66;

    private static readonly JsonSerializerOptions CanonJson = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The result without wall-clock seconds and session counts.</summary>
    private static string Canon(SweepResult r) => JsonSerializer.Serialize(
        r with { NewRuns = 0, ResumedRuns = 0, Runs = r.Runs.Select(x => x with { Seconds = 0 }).ToList() }, CanonJson);

    private static SweepResult Sweep(string journal, int threads = 1, SweepSpec? spec = null, List<SweepProgress>? reports = null) =>
        WidthSweep.Run(spec ?? Spec(), Train(), Test(), TeacherLabels.Given(Teacher(Train())), journal, reports is null ? null : new Inline<SweepProgress>(reports.Add), threads);

    private sealed class Inline<T>(Action<T> a) : IProgress<T> { public void Report(T v) => a(v); }

    [Fact]
    public void SweepRunsEveryRunOnceAndAnalyses()
    {
        var path = Path.Combine(TempDir(), "sweep.jsonl");
        var reports = new List<SweepProgress>();
        var r = Sweep(path, reports: reports);
        Assert.Equal([4, 8, 16], r.Widths);
        Assert.Equal(12, r.Runs.Count);
        Assert.Equal(12, r.NewRuns);
        Assert.Equal(0, r.ResumedRuns);
        Assert.Equal(1 + 3, reports.Count);   // the start, then one report per width (its runs form one batch)
        Assert.Equal(12, reports[^1].Done);
        Assert.Equal(TimeSpan.Zero, reports[^1].Eta);
        // Fixed order: width ascending, seed index, soft before hard; soft and hard share the seed.
        var keys = Journal.Load(path).Records.Select(x => x.Key).ToList();
        Assert.Equal(new RunKey(LabelKind.Soft, 4, 0), keys[0]);
        Assert.Equal(new RunKey(LabelKind.Hard, 4, 0), keys[1]);
        Assert.Equal(new RunKey(LabelKind.Soft, 4, 1), keys[2]);
        Assert.Equal(new RunKey(LabelKind.Hard, 16, 1), keys[^1]);
        foreach (var pair in r.Runs.Chunk(2)) Assert.Equal(pair[0].Seed, pair[1].Seed);
        Assert.All(r.Runs, x => Assert.Equal(x.EpochAveragedLoss <= Eps, x.Success));
        Assert.All(r.Runs, x => Assert.NotNull(x.TestError));

        foreach (var l in r.Labels)
        {
            Assert.Equal(3, l.Widths.Count);
            foreach (var w in l.Widths)
            {
                Assert.Equal(2, w.Runs);
                Assert.Equal(w.Successes / 2.0, w.Rate);
                var (lo, hi) = ClopperPearson.Interval(w.Successes, 2, 0.05);
                Assert.Equal((lo, hi), (w.RateLower, w.RateUpper));
                var atWidth = r.Runs.Where(x => x.Labels == l.Labels && x.Width == w.Width).ToList();
                Assert.Equal(atWidth.Average(x => 1 - x.TestError!.Value), w.MeanTestAccuracy!.Value, 1e-12);
            }
            // m* by rate: the smallest width with rate >= 0.5.
            var expected = l.Widths.FirstOrDefault(w => w.Rate >= 0.5)?.Width;
            Assert.Equal(expected, l.ByRate.Width);
            // Two seeds can never give a one-sided 95% lower bound >= 0.5 (needs 5 seeds).
            Assert.Null(l.ByClopperPearson.Width);
            Assert.Contains("needs at least 5 seeds", l.ByClopperPearson.Meaning);
        }
        var soft = r.For(LabelKind.Soft)!.ByRate;
        var hard = r.For(LabelKind.Hard)!.ByRate;
        Assert.Equal(soft.Width is { } ms && hard.Width is { } mh ? (double)mh / ms : null, r.RatioByRate);
        Assert.Null(r.RatioByClopperPearson);
    }

    private static RunRecord Outcome(LabelKind kind, int width, int seed, bool success) =>
        new(kind, width, seed, SweepSpec.RunSeed(0, width, seed), success, success ? 0.1 : 0.9, 0.5, 0.5, 0.5, 0.1, 0.3, 0.2, 1);

    [Fact]
    public void AnalyseFindsMinimalWidthsAndBrackets()
    {
        // 6 seeds; soft succeeds 1, 3, 6, 6 times at widths 4, 8, 16, 32; hard 0, 0, 2, 6.
        var spec = new SweepSpec("hand-made", 0.5, 4, 32, 6, new TrainingOptions(Width: 2, Steps: 1, Eta: 1));
        int[] widths = [4, 8, 16, 32];
        int[] softCounts = [1, 3, 6, 6], hardCounts = [0, 0, 2, 6];
        var records = new List<RunRecord>();
        for (int i = 0; i < 4; i++)
            for (int s = 0; s < 6; s++)
            {
                records.Add(Outcome(LabelKind.Hard, widths[i], s, s < hardCounts[i]));
                records.Add(Outcome(LabelKind.Soft, widths[i], s, s < softCounts[i]));
            }
        var r = WidthSweep.Analyse(spec, records);
        var soft = r.For(LabelKind.Soft)!;
        var hard = r.For(LabelKind.Hard)!;
        Assert.Equal(LabelKind.Soft, r.Runs[0].Labels);   // canonical order whatever the input order
        // Rate rule (>= 0.5): soft 3/6 at 8, hard 6/6 at 32 (2/6 at 16 is not enough).
        Assert.Equal((8, 4, 8), (soft.ByRate.Width!.Value, soft.ByRate.Lower!.Value, soft.ByRate.Upper!.Value));
        Assert.Equal(1.0 / 6, soft.ByRate.Below!.Rate, 1e-15);
        Assert.Equal((32, 16), (hard.ByRate.Width!.Value, hard.ByRate.Lower!.Value));
        Assert.Equal(4.0, r.RatioByRate);
        // Clopper-Pearson rule (one-sided 95% lower bound >= 0.5): 6/6 gives 0.05^(1/6) = 0.607, 3/6 gives 0.153.
        Assert.Equal(Math.Pow(0.05, 1.0 / 6), soft.Widths[2].OneSidedLower, 1e-12);
        Assert.Equal((16, 8), (soft.ByClopperPearson.Width!.Value, soft.ByClopperPearson.Lower!.Value));
        Assert.Equal(32, hard.ByClopperPearson.Width);
        Assert.Equal(2.0, r.RatioByClopperPearson);
        Assert.Equal(0.8, soft.Widths[0].MeanTestAccuracy!.Value, 1e-12);
        Assert.Equal(6, soft.Widths[0].RiskSuccesses);   // risk 0.5 <= eps 0.5 for every run

        // m* at the smallest width: only an upper end; none within the grid: only a lower end.
        var easy = WidthSweep.Analyse(spec with { SuccessThreshold = 1.0 / 6 }, records).For(LabelKind.Soft)!.ByRate;
        Assert.Equal((4, (int?)null), (easy.Width!.Value, easy.Lower));
        Assert.Contains("m* <= 4", easy.Meaning);
        var none = WidthSweep.Analyse(spec with { DeltaS = 0.01 }, records).For(LabelKind.Hard)!.ByClopperPearson;
        Assert.Null(none.Width);
        Assert.Null(none.Upper);
        Assert.Equal(32, none.Lower);
        Assert.Contains("m* > 32", none.Meaning);
        Assert.Null(WidthSweep.Analyse(spec with { DeltaS = 0.01 }, records).RatioByClopperPearson);
    }

    [Fact]
    public void SweepResumesWithoutLosingOrRepeatingRuns()
    {
        var dir = TempDir();
        var path = Path.Combine(dir, "sweep.jsonl");
        var full = Sweep(path);
        var fullText = File.ReadAllLines(path);

        // Run again: nothing to do, same result.
        var again = Sweep(path);
        Assert.Equal(0, again.NewRuns);
        Assert.Equal(12, again.ResumedRuns);
        Assert.Equal(Canon(full), Canon(again));
        Assert.Equal(full.Runs, again.Runs);   // same records, seconds included: they come from the journal
        Assert.Equal(fullText, File.ReadAllLines(path));

        // Interrupted: the last k runs are lost (and half of the next one was being written).
        const int k = 5;
        File.WriteAllText(path, string.Join("\n", fullText[..^k]) + "\n" + fullText[^k][..10]);
        var resumed = Sweep(path);
        Assert.Equal(k, resumed.NewRuns);
        Assert.Equal(12 - k, resumed.ResumedRuns);
        Assert.Equal(Canon(full), Canon(resumed));
        Assert.Equal(1 + 12, CompleteLines(path).Length);
        Assert.Equal(full.Runs.Select(x => x.Key), Journal.Load(path).Records.Select(x => x.Key));

        // A resumed sweep with other settings is refused, naming the field.
        var e = Assert.Throws<InputException>(() => Sweep(path, spec: Spec(0.25)));
        Assert.Equal("epsilon", e.Field);
        e = Assert.Throws<InputException>(() => Sweep(path, spec: Spec() with { Training = Spec().Training with { Steps = 21 } }));
        Assert.Equal("steps", e.Field);
        // Analysis thresholds are not part of the header: the journal can be re-analysed.
        var strict = Sweep(path, spec: Spec() with { SuccessThreshold = 1.0 });
        Assert.Equal(0, strict.NewRuns);
    }

    [Fact]
    public void SweepRecordsDoNotDependOnThreads()
    {
        var dir = TempDir();
        var one = Sweep(Path.Combine(dir, "t1.jsonl"), threads: 1);
        var two = Sweep(Path.Combine(dir, "t2.jsonl"), threads: 2);
        Assert.Equal(Canon(one), Canon(two));
        Assert.Equal(one.Runs.Select(x => x with { Seconds = 0 }), two.Runs.Select(x => x with { Seconds = 0 }));
    }

    [Fact]
    public void SweepSpecGridAndValidation()
    {
        Assert.Equal([4, 8, 16, 32], Spec() with { MaxWidth = 40 } is var s ? s.Widths() : null);
        Assert.Equal([5, 8, 11, 17], (Spec() with { MinWidth = 5, MaxWidth = 20, Factor = 1.5 }).Widths());   // 5, 7.5, 11.25, 16.875 rounded to the nearest integer
        Assert.Equal(SweepSpec.RunSeed(7, 8, 1), SweepSpec.RunSeed(7, 8, 1));
        Assert.NotEqual(SweepSpec.RunSeed(7, 8, 1), SweepSpec.RunSeed(7, 8, 0));
        Assert.Throws<InputException>(() => (Spec() with { Factor = 1 }).Validate());
        Assert.Throws<InputException>(() => (Spec() with { Seeds = 0 }).Validate());
        Assert.Throws<InputException>(() => (Spec() with { MaxWidth = 2 }).Validate());
        Assert.Throws<InputException>(() => (Spec() with { Labels = [] }).Validate());
    }

    // ---------- Difficulty families ----------

    [Fact]
    public void DifficultyMembersHaveDocumentedDefaults()
    {
        Assert.Equal([3.0, 4, 5, 6, 7, 8], Difficulty.Members("noisy-xor").Select(m => m.Value));
        Assert.Equal("noisy-xor:5", Difficulty.Members("noisy-xor")[2].Source);
        Assert.Equal([0.1, 0.2, 0.4, 0.8, 1.6], Difficulty.Members("two-point").Select(m => m.Value));
        var g = Difficulty.Members("gaussians");
        Assert.Equal([0.5, 1, 2, 4], g.Select(m => m.Value));
        Assert.All(g, m => Assert.Equal((400, 5), (m.Data.N!.Value, m.Data.D!.Value)));
        Assert.All(g, m => Assert.NotEqual(m.Data.Seed, m.TestData!.Seed));
        var f = Difficulty.Members("fashion-mnist");
        Assert.Equal([0, 0.1, 0.2, 0.3], f.Select(m => m.Data.Noise));
        Assert.All(f, m => Assert.Equal(1000, m.Data.N!.Value));
        // The hard pair is the default (THEORY.md §9).
        Assert.All(f, m => Assert.Equal("fashion-mnist:shirt-vs-t-shirt", m.Source));
        Assert.All(f, m => Assert.Equal(("test", 0.0), (m.TestData!.Split, m.TestData.Noise)));
        Assert.All(Difficulty.Members("fashion-mnist", new DifficultyOptions { Pair = "trouser-vs-bag" }), m => Assert.Equal("fashion-mnist:trouser-vs-bag", m.Source));
        Assert.Equal([2.0, 3], Difficulty.Members("gaussians", new DifficultyOptions { Values = [2, 3] }).Select(m => m.Value));
        Assert.Equal("family", Assert.Throws<InputException>(() => Difficulty.Members("spirals")).Field);
        Assert.Throws<InputException>(() => Difficulty.Members("fashion-mnist", new DifficultyOptions { Values = [0.6] }));
        Assert.Throws<InputException>(() => Difficulty.Members("noisy-xor", new DifficultyOptions { Values = [2.5] }));
    }

    [Fact]
    public void SlopeStatementsAgainstTheory()
    {
        // gamma = 2^-1..2^-4 and m* = 2^(2, 5, 6, 8): slope 1.9 (hand: x' = 1..4, y' = 2, 5, 6, 8, Sxy 9.5, Sxx 5),
        // SSR 0.7 (in log2 units), 95% CI 1.9 +- 4.302653 sqrt(0.35 / 5) = [0.762, 3.038] (t with 2 degrees of freedom:
        // 0.95 / sqrt(2 * 0.975 * 0.025)).
        var points = new[] { new ScalingPoint("a", 0.5, 4), new ScalingPoint("b", 0.25, 32), new ScalingPoint("c", 0.125, 64),
            new ScalingPoint("d", 0.0625, 256), new ScalingPoint("e", 0.03, null), new ScalingPoint("f", 0, 8), new ScalingPoint("g", 0.9, 2, AtSmallestWidth: true) };
        var soft = Difficulty.CompareSlopes(LabelKind.Soft, points, 0.95);
        Tolerance.AssertRounding(1.9, soft.Fit!.Slope);
        Assert.Equal(1.9 - 0.95 / Math.Sqrt(2 * 0.975 * 0.025) * Math.Sqrt(0.07), soft.Fit.SlopeLower, Tolerance.StudentTOf(4.302653 * Math.Sqrt(0.07)));
        Assert.Equal(3, soft.Excluded.Count);
        Assert.Equal(["a", "b", "c", "d"], soft.Members);
        Assert.Contains("consistent with 2 [MLS25]", soft.Statement);
        var hard = Difficulty.CompareSlopes(LabelKind.Hard, points, 0.95);
        Assert.Equal("Hard labels: slope 1.9 (95% CI 0.7616 to 3.038) over 4 members: below 4 [MLS25] and 8 [JT20], which the interval excludes: "
            + "the exponents belong to upper bounds, so the bounds are not tight over this range.", hard.Statement);
        Assert.DoesNotContain("disagrees", hard.Statement);
        Assert.Null(Difficulty.CompareSlopes(LabelKind.Soft, points[..2], 0.95).Fit);
        // The same m* for every member: no fit (a zero-width interval around slope 0 would be spurious).
        var flat = Difficulty.CompareSlopes(LabelKind.Soft,
            [new ScalingPoint("a", 0.4, 4), new ScalingPoint("b", 0.2, 4), new ScalingPoint("c", 0.1, 4)], 0.95);
        Assert.Null(flat.Fit);
        Assert.Contains("no fit, all 3 members have the same measured minimal width m* = 4", flat.Statement);
    }

    [Fact]
    public void DifficultyRunOnTwoPointFamily()
    {
        var dir = TempDir();
        var options = new DifficultyOptions { Values = [0.3, 1, 2, Math.PI] };
        var template = new SweepSpec("ignored", 0.3, 2, 8, 1, new TrainingOptions(Width: 2, Steps: 20, Eta: 1));
        var teach = new TeacherSpec(Steps: 20, Eta: 1);
        var r = Difficulty.Run("two-point", options, template, teach, dir, null, 1);
        Assert.Equal(4, r.Members.Count);
        // Exact planar margins: gamma = (theta + (pi - theta) sin(theta/2)) / (2 pi) (THEORY.md §6).
        foreach (var m in r.Members)
        {
            double t = m.Member.Value, gamma = (t + (Math.PI - t) * Math.Sin(t / 2)) / (2 * Math.PI);
            Assert.Equal(gamma, m.Margin.GammaEstimate, 1e-6);
            Assert.Equal(6, m.Sweep.Runs.Count);
            Assert.True(File.Exists(m.JournalPath));
            // Two distinct unit vectors with opposite labels: K(x1, x1) = 1/2 > K(x1, x2), so from g_0 = 0 every step of the
            // kernel teacher moves y_i g(x_i) up; both points are classified, and two-point has no held-out set.
            Assert.Equal(1.0, m.Teacher!.TrainAccuracy);
            Assert.True(m.Teacher.TrainMargin > 0);
            Assert.Null(m.Teacher.TestAccuracy);
        }
        Assert.Equal([LabelKind.Soft, LabelKind.Hard], r.Slopes.Select(s => s.Labels));
        Assert.All(r.Slopes, s => Assert.Equal(4, s.Members.Count + s.Excluded.Count));
        Assert.All(r.Slopes, s => Assert.False(string.IsNullOrWhiteSpace(s.Statement)));
        // Resumed: no run is repeated.
        var again = Difficulty.Run("two-point", options, template, teach, dir, null, 1);
        Assert.All(again.Members, m => Assert.Equal(0, m.Sweep.NewRuns));
        // The teacher is reported also when every run came from the journal, with the same numbers.
        Assert.Equal(r.Members.Select(m => m.Teacher), again.Members.Select(m => m.Teacher));
    }
}
