namespace TheoryKit.Cli.Tests;

/// <summary>
/// The `--json` contracts of train, sweep, difficulty and tables held by golden files (Golden/NAME.json): small seeded runs
/// (a few seconds each) whose output must not change. Only the members that vary between machines or runs are masked: wall
/// times (seconds_per_step) and the GEMM backend's description (thread counts, CPU kernel). Paths are relative to the run's
/// folder, so they are part of the contract.
/// </summary>
public sealed class GoldenTrainTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("theorykit-golden-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Run(string args)
    {
        var run = CliRunner.Run(_dir, (args + " --json --quiet").Split(' ', StringSplitOptions.RemoveEmptyEntries), TimeSpan.FromSeconds(180));
        Assert.True(run.ExitCode == 0, $"theorykit {args}: exit {run.ExitCode}\n{run.Stderr}");
        return run.Stdout;
    }

    [Theory]
    [InlineData("train-hard", "train gaussians:1 --n 60 --d 5 --width 8 --steps 200")]
    [InlineData("train-soft-kernel-early-stop", "train gaussians:1 --n 60 --d 5 --width 8 --steps 200 --labels soft --teacher-steps 200 --validation 0.25 --teacher-early-stop")]
    [InlineData("train-soft-margin", "train two-point:1 --width 8 --steps 200 --labels soft --teacher margin --tau 0.5")]
    [InlineData("train-soft-wide", "train gaussians:1 --n 40 --d 5 --width 8 --steps 200 --labels soft --teacher wide --teacher-width 16 --teacher-steps 100 --symmetric --radius 4")]
    public void Train(string name, string args) => Golden.Assert(name, Run(args), "seconds_per_step", "backend");

    [Theory]
    [InlineData("sweep", "sweep gaussians:1 --n 60 --d 5 --epsilon 0.3 --min-width 2 --max-width 8 --seeds 2 --steps 200 --teacher-steps 200")]
    [InlineData("sweep-margin-teacher", "sweep two-point:1 --epsilon 0.3 --min-width 2 --max-width 4 --seeds 1 --steps 100 --teacher margin")]
    [InlineData("sweep-epsilons", "sweep noisy-xor:4 --epsilon 0.4,0.3,0.2,0.1 --min-width 1 --max-width 64 --seeds 2 --steps-times-epsilon 100 --eta 8 --teacher-steps 200")]
    [InlineData("difficulty-gaussians", "difficulty gaussians --values 0.5,2,4 --n 60 --d 5 --epsilon 0.3 --min-width 2 --max-width 8 --seeds 2 --steps 200 --teacher-steps 200 --margin-optimisation-samples 256 --margin-samples 2000")]
    [InlineData("difficulty-noisy-xor", "difficulty noisy-xor --values 3,4,5,6 --epsilon 0.2 --min-width 1 --max-width 64 --seeds 2 --steps 500 --eta 8 --teacher-steps 200 --margin-optimisation-samples 256 --margin-samples 2000")]
    public void Sweeps(string name, string args) => Golden.Assert(name, Run(args));

    [Fact]
    public void Tables_prints_and_writes_its_contracts()
    {
        Golden.Assert("tables", Run("tables --out tabs --gamma 0.5,0.1,0.02 --epsilon 0.1,0.01 --n 500"));
        Golden.Assert("tables-file", File.ReadAllText(Path.Combine(_dir, "tabs", "tables.json")));
    }
}
