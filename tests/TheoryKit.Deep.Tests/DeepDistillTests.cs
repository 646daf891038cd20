using TheoryKit.Data;
using TheoryKit.Experiments;
using TheoryKit.Training;

namespace TheoryKit.Deep.Tests;

/// <summary>The distillation protocol (Distill.Run, THEORY.md §9) with deep students: journal, resume after a kill, refusal of other settings.</summary>
public class DeepDistillTests
{
    private static (Dataset Points, Dataset Test) Tiny()
    {
        var o = new DataOptions { N = 60, D = 6, Seed = 3 };
        return (DataSource.Load("gaussians:1.5", o), DataSource.LoadTest("gaussians:1.5", o)!);
    }

    private static DistillSpec Spec() =>
        new("gaussians:1.5", [0, 0.2], [2, 4], 2,
            new TrainingOptions(2, 6, 0.01, Precision: Precision.Single, Seed: 0) { Optimiser = Optimiser.Adam, BatchSize = 16, Convergence = new ConvergenceRule(0.01, 0.2, 3, 1) },
            new DistillTeacher(Temperature: 1))
        { Engine = new DeepDistillEngine(new DeepSettings(DeepFamily.Mlp, Depth: 1, TeacherWidth: 8, TeacherEpochs: 6, TeacherPatience: 3)) };

    [Fact]
    public void DeepDistillResumesAfterAKillWithTheSameNumbers()
    {
        var (points, test) = Tiny();
        var spec = Spec();
        var dir = Directory.CreateTempSubdirectory("tk-deep-").FullName;
        try
        {
            var path = Path.Combine(dir, "d.jsonl");
            var full = Distill.Run(spec, points, test, path, null, 2);
            int perLevel = spec.Seeds * (1 + 2 * spec.Widths.Count);
            Assert.Equal(2 * perLevel, full.NewRuns);
            Assert.All(full.Runs.Where(r => r.Role == DistillRole.Hard), r => Assert.NotNull(r.EarlyStopTestError));
            Assert.All(full.Runs.Where(r => r.Role == DistillRole.Teacher), r => Assert.InRange(r.EarlyStopStep!.Value, 0, 6));
            Assert.Contains("\"student_kind\":\"mlp\"", File.ReadLines(path).First());
            Assert.Contains("Teachers: wide mlp (width 8", full.Note);
            // killed after the second level's teachers and one student run, half a line written
            var lines = File.ReadAllLines(path);
            int keep = 1 + perLevel + spec.Seeds + 1;
            File.WriteAllText(path, string.Join("\n", lines[..keep]) + "\n" + lines[keep][..20]);
            var resumed = Distill.Run(spec, points, test, path, null, 1);
            Assert.Equal(perLevel - spec.Seeds - 1, resumed.NewRuns);
            Assert.Equal(Canon(full), Canon(resumed));
            // a two-layer experiment, or another deep family, on this journal is refused
            var e = Assert.Throws<InputException>(() => Distill.Run(spec with { Engine = TwoLayerDistillEngine.Instance }, points, test, path, null, 1));
            Assert.Equal(1, e.Line);
            var deeper = spec with { Engine = new DeepDistillEngine(new DeepSettings(DeepFamily.Mlp, Depth: 2, TeacherWidth: 8, TeacherEpochs: 6, TeacherPatience: 3)) };
            e = Assert.Throws<InputException>(() => Distill.Run(deeper, points, test, path, null, 1));
            Assert.Equal((1, "engine"), (e.Line!.Value, e.Field));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static string Canon(DistillResult r) =>
        string.Join("\n", r.Runs.Select(x => System.Text.Json.JsonSerializer.Serialize(x with { Seconds = 0 }, Journal.Json)));
}
