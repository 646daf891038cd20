using System.Text.Json.Nodes;

namespace TheoryKit.Cli.Tests;

/// <summary>
/// Sharded runs (`--shard I/N`) merged with `theorykit merge` print exactly what the unsharded command prints (the JSON compared
/// field by field, timing fields left out); an incomplete merge names the missing shard, exits with code 3 and writes nothing; a
/// rerun shard resumes its journal; journals of another experiment are refused.
/// </summary>
public sealed class ShardMergeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("theorykit-shard-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private const string Sweep = "sweep gaussians:1 --n 60 --d 5 --epsilon 0.3,0.5 --min-width 2 --max-width 8 --seeds 2 --steps 200 --teacher-steps 200";
    private const string DistillArgs = "distill gaussians:1 --n 80 --d 5 --noise 0,0.2 --widths 2,4 --seeds 2 --steps 200 --teacher-steps 200";

    private static string[] Split(string args) => args.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    private static CliRun Ok(string dir, string args)
    {
        var run = CliRunner.Run(dir, Split(args), TimeSpan.FromSeconds(120));
        Assert.True(run.ExitCode == 0, $"theorykit {args}: exit {run.ExitCode}\n{run.Stderr}");
        return run;
    }

    /// <summary>The JSON text without timing fields (any property named "seconds" or ending in "_seconds"), for comparison.</summary>
    public static string WithoutTiming(string json)
    {
        var node = JsonNode.Parse(json)!;
        void Strip(JsonNode? n)
        {
            switch (n)
            {
                case JsonObject o:
                    foreach (var k in o.Select(kv => kv.Key).Where(k => k == "seconds" || k.EndsWith("_seconds", StringComparison.Ordinal)).ToList()) o.Remove(k);
                    foreach (var kv in o) Strip(kv.Value);
                    break;
                case JsonArray a:
                    foreach (var x in a) Strip(x);
                    break;
            }
        }
        Strip(node);
        return node.ToJsonString();
    }

    private static string[] ShardJournals(string dir) => Directory.GetFiles(dir, "*.shard-*.jsonl").Select(Path.GetFileName).Order().ToArray()!;

    [Fact]
    public void A_sweep_over_two_epsilons_in_four_shards_merges_to_the_unsharded_result()
    {
        var local = Ok(Folder("local"), Sweep + " --json --quiet");
        var dir = Folder("sharded");
        for (int i = 0; i < 4; i++) Ok(dir, $"{Sweep} --shard {i}/4 --quiet");
        var journals = ShardJournals(dir);
        Assert.Equal(8, journals.Length);   // one journal per shard and epsilon
        var merged = Ok(dir, "merge " + string.Join(' ', journals) + " --json --quiet");
        Assert.Equal(WithoutTiming(local.Stdout), WithoutTiming(merged.Stdout));
        Assert.Contains("\"teacher\"", merged.Stdout);   // the teacher report came from the shards' journals
        // the command's own --merge finds the shard journals beside its journals and says the same
        var again = Ok(dir, Sweep + " --merge 4 --json --quiet");
        Assert.Contains("\"resumed_runs\": 12", again.Stdout);
    }

    [Fact]
    public void A_fully_resumed_sweep_reports_the_teacher_as_a_fresh_run_does()
    {
        const string one = "sweep gaussians:1 --n 60 --d 5 --epsilon 0.3 --min-width 2 --max-width 8 --seeds 2 --steps 200 --teacher-steps 200 --json --quiet";
        var dir = Folder("resume");
        var fresh = JsonNode.Parse(WithoutTiming(Ok(dir, one).Stdout))!;
        var resumed = JsonNode.Parse(WithoutTiming(Ok(dir, one).Stdout))!;
        Assert.Equal(0, (int)resumed["new_runs"]!);
        Assert.NotNull(fresh["teacher"]);
        Assert.Equal(fresh["teacher"]!.ToJsonString(), resumed["teacher"]?.ToJsonString());
        Assert.Equal(fresh["teacher_versus_best_hard"]!.ToJsonString(), resumed["teacher_versus_best_hard"]?.ToJsonString());
    }

    [Fact]
    public void A_distill_grid_in_three_shards_merges_to_the_unsharded_result_with_each_teacher_recorded_once()
    {
        var local = Ok(Folder("local"), DistillArgs + " --json --quiet");
        var dir = Folder("sharded");
        for (int i = 0; i < 3; i++) Ok(dir, $"{DistillArgs} --shard {i}/3 --quiet");
        var teachers = ShardJournals(dir).Sum(j => File.ReadLines(Path.Combine(dir, j)).Count(l => l.Contains("\"role\":\"teacher\"")));
        Assert.Equal(4, teachers);   // 2 levels x 2 seeds, each in the journal of the shard that owns it
        var merged = Ok(dir, "merge " + string.Join(' ', ShardJournals(dir)) + " --json --quiet");
        Assert.Equal(WithoutTiming(local.Stdout), WithoutTiming(merged.Stdout));
    }

    [Fact]
    public void A_difficulty_family_in_three_shards_merges_to_the_unsharded_result_with_fixed_margin_samples()
    {
        const string family = "difficulty gaussians --values 0.5,2,4 --n 60 --d 5 --epsilon 0.3 --min-width 2 --max-width 8 --seeds 2 --steps 200 --teacher-steps 200 --margin-optimisation-samples 256 --margin-samples 2000";
        var local = Ok(Folder("local"), family + " --json --quiet");
        var dir = Folder("sharded");
        for (int i = 0; i < 3; i++) Ok(dir, $"{family} --shard {i}/3 --quiet");
        var journals = Directory.GetFiles(Path.Combine(dir, "difficulty-gaussians-eps0.3"), "*.shard-*.jsonl").Select(f => Path.GetRelativePath(dir, f)).Order().ToArray();
        Assert.Equal(9, journals.Length);   // one per member and shard
        var merged = Ok(dir, "merge " + string.Join(' ', journals) + " --json --quiet");
        Assert.Equal(WithoutTiming(local.Stdout), WithoutTiming(merged.Stdout));
    }

    [Fact]
    public void An_incomplete_merge_names_the_missing_shard_exits_3_writes_nothing_and_a_rerun_shard_completes_it()
    {
        var local = Ok(Folder("local"), Sweep + " --json --quiet");
        var dir = Folder("sharded");
        foreach (var i in new[] { 0, 2, 3 }) Ok(dir, $"{Sweep} --shard {i}/4 --quiet");
        // shard 1 is killed mid-write: its journal of epsilon 0.5 loses its last record and ends in half a line
        Ok(dir, $"{Sweep} --shard 1/4 --quiet");
        var killed = Path.Combine(dir, "gaussians-1-eps0.5.sweep.shard-1-of-4.jsonl");
        var lines = File.ReadAllLines(killed);
        File.WriteAllText(killed, string.Join('\n', lines[..^1]) + "\n" + lines[^1][..20]);
        var merge = CliRunner.Run(dir, Split("merge " + string.Join(' ', ShardJournals(dir)) + " --json --quiet"));
        Assert.Equal(3, merge.ExitCode);
        Assert.Empty(merge.NewEntries);
        var report = JsonNode.Parse(merge.Stdout)!;
        Assert.False((bool)report["complete"]!);
        Assert.Equal(1, (int)report["missing_runs"]!);
        Assert.Equal([1], report["resubmit"]!.AsArray().Select(x => (int)x!).ToArray());
        // the rerun shard resumes: one new run, the others from its journals
        var rerun = Ok(dir, $"{Sweep} --shard 1/4 --json --quiet");
        Assert.Contains("\"new_runs\": 1", rerun.Stdout);
        var merged = Ok(dir, "merge " + string.Join(' ', ShardJournals(dir)) + " --json --quiet");
        Assert.Equal(WithoutTiming(local.Stdout), WithoutTiming(merged.Stdout));
    }

    [Fact]
    public void Journals_of_another_experiment_are_refused()
    {
        var dir = Folder("sharded");
        for (int i = 0; i < 2; i++) Ok(dir, $"{Sweep} --shard {i}/2 --quiet");
        var other = Folder("other");
        Ok(other, Sweep.Replace("--seeds 2", "--seeds 3") + " --shard 0/2 --quiet");
        var stranger = Path.Combine(other, "gaussians-1-eps0.3.sweep.shard-0-of-2.jsonl");
        var run = CliRunner.Run(dir, Split("merge " + string.Join(' ', ShardJournals(dir)) + " " + stranger));
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"error: {stranger}", run.Stderr.Trim());
        Assert.Contains("another experiment", run.Stderr);
        Assert.Empty(run.NewEntries);
    }

    [Fact]
    public void A_shard_journal_given_twice_is_refused()
    {
        var dir = Folder("twice");
        for (int i = 0; i < 2; i++) Ok(dir, $"{Sweep} --shard {i}/2 --quiet");
        var first = "gaussians-1-eps0.3.sweep.shard-0-of-2.jsonl";
        var run = CliRunner.Run(dir, Split($"merge {first} {first} " + string.Join(' ', ShardJournals(dir).Where(j => j != first)) + " --quiet"));
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"error: {first}:1: field 'shard.index': is given twice: give each shard's journal once", run.Stderr.Trim());
        Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.Empty(run.NewEntries);
    }

    [Theory]
    [InlineData("merge nothere.jsonl", "error: nothere.jsonl: journal file not found")]
    [InlineData("merge whole.jsonl", "error: whole.jsonl:1: field 'shard': not a shard journal")]
    [InlineData("slurm sweep two-point:1 --epsilon 0.3", "error: parameter 'array': give the number of array tasks")]
    [InlineData("slurm train two-point:1 --array 2", "error: parameter 'command': slurm runs sweep, difficulty or distill")]
    [InlineData("slurm sweep two-point:1 --epsilon 0.3 --array 2 --shard 0/2", "error: parameter 'shard': is set by the script")]
    [InlineData("slurm sweep two-point:1 --epsilon 0.3 --array 2 --time 1h", "error: parameter 'time': expected a Slurm time")]
    [InlineData("slurm sweep two-point:1 --epsilon 0.3 --array 0", "error: parameter 'array': the number of tasks must be an integer")]
    [InlineData("sweep two-point:1 --epsilon 0.3 --shard 0/2 --merge 2", "error: parameter 'merge': cannot be combined with --shard")]
    [InlineData("sweep two-point:1 --epsilon 0.3 --merge-journals a b", "error: parameter 'merge-journals': needs --merge N")]
    public void Bad_merge_and_slurm_arguments_exit_2_with_one_line_and_write_nothing(string args, string message)
    {
        var dir = Folder("bad");
        File.WriteAllText(Path.Combine(dir, "whole.jsonl"), "{\"format\":\"theorykit-width-sweep/2\"}\n");
        var run = CliRunner.Run(dir, Split(args));
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith(message, run.Stderr.Trim());
        Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.Empty(run.NewEntries);
    }

    [Fact]
    public void Shard_slurm_outside_an_array_task_and_a_bad_shard_are_refused_with_one_line()
    {
        var dir = Folder("x");
        var slurm = CliRunner.Run(dir, Split(Sweep + " --shard slurm"));
        Assert.Equal(2, slurm.ExitCode);
        Assert.Contains("SLURM_ARRAY_TASK_ID", slurm.Stderr);
        var bad = CliRunner.Run(dir, Split(Sweep + " --shard 4/4"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("0..3", bad.Stderr);
        Assert.Empty(slurm.NewEntries.Concat(bad.NewEntries));
    }
}
