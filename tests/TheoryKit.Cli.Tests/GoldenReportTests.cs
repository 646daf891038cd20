namespace TheoryKit.Cli.Tests;

/// <summary>
/// The `--json` contracts of margin, crossover, bounds, check, distill and merge held by golden files (Golden/NAME.json):
/// small runs with fixed sample counts and one thread, so that every number is the same on every run; only wall times,
/// throughputs and the machine's GEMM backend description are masked.
/// </summary>
public sealed class GoldenReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("theorykit-golden-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Members that vary from run to run or machine to machine in the margin reports.</summary>
    private static readonly string[] MarginVolatile = ["seconds", "certification_gflops", "backend"];

    /// <summary>A small Monte Carlo margin run: 40 Gaussian points in R^3, fixed sample counts, one thread.</summary>
    private const string MonteCarloData = "gaussians:1 --n 40 --d 3 --samples 2000 --optimisation-samples 256 --threads 1";

    /// <summary>The tiny two-layer distill grid (2 noise levels x 2 widths x 2 seeds, 100-step caps).</summary>
    private const string Distill = "distill gaussians:1 --n 40 --d 3 --noise 0,0.2 --widths 2,4 --seeds 2 --steps 100 --teacher-steps 100";

    private CliRun Run(string args, int exitCode = 0)
    {
        var run = CliRunner.Run(_dir, args.Split(' ', StringSplitOptions.RemoveEmptyEntries), TimeSpan.FromSeconds(120));
        Assert.True(run.ExitCode == exitCode, $"theorykit {args}: exit {run.ExitCode}, expected {exitCode}\n{run.Stderr}");
        return run;
    }

    /// <summary>30 points in the plane (labels alternate, the +1 class at x1 &gt; 0.2, the -1 class at x1 &lt; -0.2).</summary>
    private void WritePlanarCsv()
    {
        var lines = Enumerable.Range(0, 30).Select(i =>
        {
            double x1 = (i % 2 == 1 ? 1 : -1) * (0.2 + 0.8 * ((i * 7) % 30) / 30.0), x2 = -1 + 2 * ((i * 11) % 30) / 30.0;
            return FormattableString.Invariant($"{x1:0.000},{x2:0.000},{i % 2}");
        });
        File.WriteAllLines(Path.Combine(_dir, "points.csv"), lines);
    }

    [Fact]
    public void Margin_of_planar_data_is_exact() =>
        Golden.Assert("margin-planar", Run("margin two-point:1.0 --json --quiet").Stdout, MarginVolatile);

    [Fact]
    public void Margin_by_monte_carlo_with_fixed_samples_and_its_verification()
    {
        Golden.Assert("margin-monte-carlo", Run($"margin {MonteCarloData} --certificate cert.json --json --quiet").Stdout, MarginVolatile);
        Golden.Assert("margin-verify", Run($"margin {MonteCarloData} --verify cert.json --json --quiet").Stdout, MarginVolatile);
    }

    [Fact]
    public void Bounds() =>
        Golden.Assert("bounds", Run("bounds --gamma 0.1 --epsilon 0.1 --n 1000 --json").Stdout);

    [Fact]
    public void Crossover_by_monte_carlo_against_jt20() =>
        Golden.Assert("crossover-monte-carlo", Run($"crossover {MonteCarloData} --epsilon 0.1 --hard-bound jt20 --json --quiet").Stdout, MarginVolatile);

    [Fact]
    public void Crossover_of_a_planar_subsample()
    {
        WritePlanarCsv();
        Golden.Assert("crossover-subsample", Run("crossover points.csv --n 10 --epsilon 0.1 --json --quiet").Stdout, MarginVolatile);
    }

    [Fact]
    public void Check_of_two_claims() =>
        Golden.Assert("check", Run("check --claims B1,X1 --no-write --json --quiet").Stdout, "seconds");

    [Fact]
    public void Check_of_one_mutant_against_two_claims() =>
        Golden.Assert("check-mutants", Run("check --claims B1,B4 --mutants --mutant jt20-lambda-half-gamma --no-write --json --quiet").Stdout, "seconds");

    [Fact]
    public void Distill_of_a_tiny_grid() =>
        Golden.Assert("distill", Run(Distill + " --json --quiet").Stdout, "seconds");

    [Fact]
    public void Distill_in_two_shards_their_summaries_the_incomplete_and_the_complete_merge()
    {
        Golden.Assert("shard-summary", Run(Distill + " --shard 0/2 --json --quiet").Stdout);
        const string first = "gaussians-1.distill.shard-0-of-2.jsonl", second = "gaussians-1.distill.shard-1-of-2.jsonl";
        Golden.Assert("merge-incomplete", Run($"merge {first} --json --quiet", exitCode: 3).Stdout);
        Run(Distill + " --shard 1/2 --quiet");
        Golden.Assert("merge-distill", Run($"merge {first} {second} --json --quiet").Stdout, "seconds");
    }
}
