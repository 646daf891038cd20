namespace TheoryKit.Cli.Tests;

/// <summary>Runs that succeed and must leave their outputs right: through symbolic links, without stale temporary files,
/// with the widths asked for.</summary>
public sealed class OutputSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("theorykit-output-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string[] Split(string args) => args.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void A_symbolic_link_is_written_through_to_its_target()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        var target = Path.Combine(_dir, "sub", "target.json");
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(Path.Combine(_dir, "link.json"), Path.Combine("sub", "target.json"));
        var run = CliRunner.Run(_dir, Split("margin two-point:1 --certificate link.json --quiet"));
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(Path.Combine("sub", "target.json"), new FileInfo(Path.Combine(_dir, "link.json")).LinkTarget);
        Assert.Contains("theorykit-margin-certificate", File.ReadAllText(target));
        Assert.Empty(run.NewEntries);   // the temporary file was beside the target and is gone
    }

    [Fact]
    public void Temporary_files_of_dead_processes_are_removed_and_live_ones_kept()
    {
        var dead = Path.Combine(_dir, ".c.json.theorykit-tmp.2147483646");
        var live = Path.Combine(_dir, $".c.json.theorykit-tmp.{Environment.ProcessId}");
        var other = Path.Combine(_dir, ".c.json.2147483646.tmp");
        foreach (var f in new[] { dead, live, other }) File.WriteAllText(f, "partial");
        var run = CliRunner.Run(_dir, Split("margin two-point:1 --certificate c.json --quiet"));
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(other));   // not a name TheoryKit gives
        Assert.Equal(["c.json"], run.NewEntries);
    }

    [Fact]
    public void An_odd_width_grid_runs_the_widths_asked_for()
    {
        var run = CliRunner.Run(_dir, Split("sweep two-point:1 --epsilon 0.5 --min-width 5 --max-width 5 --steps 5 --seeds 1 --journal j.jsonl --plot p --quiet"));
        Assert.True(run.ExitCode == 0, run.Stderr);
        var journal = File.ReadAllText(Path.Combine(_dir, "j.jsonl"));
        Assert.Contains("\"width\":5", journal);
        Assert.DoesNotContain("\"width\":6", journal);
    }

    [Fact]
    public void Time_beside_samples_alone_is_said_to_bound_only_the_search()
    {
        var run = CliRunner.Run(_dir, Split("margin gaussians:1 --n 20 --d 3 --time 1 --samples 2000"));
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("--time bounds only the search for q", run.Stderr);
    }
}
