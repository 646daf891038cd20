namespace TheoryKit.Cli.Tests;

/// <summary>What a new user sees of the shard commands: `merge --help` lists only what applies to a merge, and `--quiet`
/// hides a shard's summary (its JSON is still printed with --json).</summary>
public sealed class ShardCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("theorykit-shardcli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private const string Distill = "distill gaussians:1 --n 40 --d 3 --noise 0,0.2 --widths 2,4 --seeds 2 --steps 100 --teacher-steps 100";

    private CliRun Run(string args) => CliRunner.Run(_dir, args.Split(' ', StringSplitOptions.RemoveEmptyEntries), TimeSpan.FromSeconds(120));

    [Fact]
    public void Merge_help_lists_its_journals_and_the_output_options_but_no_data_options()
    {
        var run = Run("merge --help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("theorykit merge", run.Stdout);
        Assert.Contains("<journals>", run.Stdout);
        Assert.Contains("--json", run.Stdout);
        Assert.Contains("--quiet", run.Stdout);
        foreach (var option in new[] { "--n ", "--d ", "--seed", "--split", "--noise", "--label-column", "--label-file", "--classes", "--no-normalise" })
            Assert.DoesNotContain(option, run.Stdout);
    }

    [Fact]
    public void A_quiet_shard_prints_nothing_and_a_quiet_json_shard_its_summary()
    {
        var quiet = Run(Distill + " --shard 0/2 --quiet");
        Assert.Equal(0, quiet.ExitCode);
        Assert.Equal("", quiet.Stdout);
        Assert.Equal("", quiet.Stderr);
        var json = Run(Distill + " --shard 1/2 --quiet --json");
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("\"shard\": 1", json.Stdout);
        var loud = Run(Distill + " --shard 1/2");
        Assert.Contains("Shard 1 of 2", loud.Stdout);
    }
}
