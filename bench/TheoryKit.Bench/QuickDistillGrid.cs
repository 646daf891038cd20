using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TheoryKit.Data;
using TheoryKit.Random;
using TheoryKit.Training;

namespace TheoryKit.Bench;

/// <summary>
/// Quick mode <c>distill-grid</c>: the default distill grid trained to convergence through <see cref="Trainer.TrainMany"/>,
/// timed. For each seed s a subsample of n points of Fashion-MNIST shirt (+1) vs T-shirt/top (-1) (unit-norm rows,
/// d = 784, subsample drawn from s); for each label-noise level r its labels with each flipped with probability r
/// (stream "bench-noise"); for each width m and label kind one student: full-batch GD, eta (16), the convergence rule
/// of THEORY.md §9 (<see cref="ConvergenceRule"/> defaults) with a cap (5000 steps), recording every 100 steps, seed
/// derived from (s, m) so soft and hard students share their initialisation. Soft labels come from a fixed linear
/// teacher (p_i = sigmoid(4 &lt;u, x_i&gt;), u the unit difference of the class means on the noisy labels): the mode times the
/// students, not a teacher. All runs go to one TrainMany call; runs sharing a seed share X and are batched.
/// Options: <c>--n</c> (1000), <c>--seeds</c> (5), <c>--widths</c> (2,4,8,16,32,64), <c>--noise</c> (0,0.1,0.2,0.3),
/// <c>--eta</c> (16), <c>--cap</c> (5000), <c>--threads</c> (2), <c>--reps</c> (1: timed repetitions, the best is
/// printed), <c>--export DIR</c> (writes the data and every run's steps for bench/distill_grid.py: X_s.f64, y_s_r.f64 and
/// p_s_r.f64 as raw little-endian float64, runs.json).
/// Prints <c>grid seconds: S</c>, <c>runs: R</c>, <c>total steps: T</c> (the lines bench/distill_grid.py parses).
/// </summary>
public static class QuickDistillGrid
{
    /// <summary>Runs the mode; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        int n = Options.Int(args, "--n", 1000), seeds = Options.Int(args, "--seeds", 5), cap = Options.Int(args, "--cap", 5000);
        int threads = Options.Int(args, "--threads", 2), reps = Options.Int(args, "--reps", 1);
        double eta = double.Parse(Options.Text(args, "--eta") ?? "16", CultureInfo.InvariantCulture);
        int[] widths = (Options.Text(args, "--widths") ?? "2,4,8,16,32,64").Split(',').Select(int.Parse).ToArray();
        double[] noise = (Options.Text(args, "--noise") ?? "0,0.1,0.2,0.3").Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        string? export = Options.Text(args, "--export");

        var runs = new List<RunSpec>();
        var keys = new List<(int seed, double noise, int width, string kind)>();
        for (int s = 0; s < seeds; s++)
        {
            var data = DataSource.Load("fashion-mnist:shirt-vs-t-shirt", new DataOptions { N = n, Seed = (ulong)s });
            if (export is not null) { Directory.CreateDirectory(export); Write(Path.Combine(export, $"X_{s}.f64"), data.X); }
            for (int l = 0; l < noise.Length; l++)
            {
                var rng = SeedSequence.Rng((ulong)s, "bench-noise", l);
                var y = data.Y.Select(v => rng.NextDouble() < noise[l] ? -v : v).ToArray();
                var noisy = new Dataset(data.X, y, data.N, data.D, null, data.PositiveClass, data.NegativeClass, data.LabelMapping, data.Provenance);
                var p = LinearTeacher(data.X, y, data.N, data.D);
                if (export is not null)
                {
                    Write(Path.Combine(export, $"y_{s}_{l}.f64"), y);
                    Write(Path.Combine(export, $"p_{s}_{l}.f64"), p);
                }
                foreach (int m in widths)
                    foreach (var kind in new[] { LabelKind.Soft, LabelKind.Hard })
                    {
                        var o = new TrainingOptions(m, cap, eta, kind, Seed: SeedSequence.Derive((ulong)s, "bench-student", m), Threads: threads, RecordEvery: 100)
                        { Convergence = new ConvergenceRule() };
                        runs.Add(new RunSpec(noisy, kind == LabelKind.Soft ? p : null, o));
                        keys.Add((s, noise[l], m, kind == LabelKind.Soft ? "soft" : "hard"));
                    }
            }
        }

        TrainingResult[] results = [];
        double best = double.PositiveInfinity;
        for (int r = 0; r < reps; r++)
        {
            var clock = Stopwatch.StartNew();
            results = Trainer.TrainMany(runs, null, threads);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        long steps = results.Sum(r => (long)r.StepsRun);
        Console.WriteLine($"backend: {results[0].Backend}");
        Console.WriteLine(Inv($"grid seconds: {best:F3}"));
        Console.WriteLine($"runs: {runs.Count}");
        Console.WriteLine($"total steps: {steps}");
        foreach (var outcome in Enum.GetValues<RunOutcome>())
            Console.WriteLine($"outcome {outcome}: {results.Count(r => r.Outcome == outcome)}");
        if (export is not null)
        {
            var rows = keys.Select((k, i) => new
            {
                seed = k.seed, noise_index = Array.IndexOf(noise, k.noise), noise = k.noise, width = k.width, kind = k.kind,
                steps = results[i].StepsRun, outcome = results[i].Outcome.ToString(), final_loss = results[i].FinalLoss,
            });
            File.WriteAllText(Path.Combine(export, "runs.json"), JsonSerializer.Serialize(new { n, d = 784, eta, cap, runs = rows }));
        }
        return 0;
    }

    /// <summary>p_i = sigmoid(4 &lt;u, x_i&gt;), u the unit-length difference of the means of the rows labelled +1 and -1.</summary>
    private static double[] LinearTeacher(double[] x, double[] y, int n, int d)
    {
        var u = new double[d];
        int pos = y.Count(v => v > 0), neg = n - pos;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) u[j] += x[i * d + j] * (y[i] > 0 ? 1.0 / pos : -1.0 / neg);
        double norm = Math.Sqrt(u.Sum(v => v * v));
        var p = new double[n];
        for (int i = 0; i < n; i++)
        {
            double dot = 0;
            for (int j = 0; j < d; j++) dot += u[j] * x[i * d + j];
            p[i] = Losses.Sigmoid(4 * dot / norm);
        }
        return p;
    }

    private static void Write(string path, double[] v)
    {
        var bytes = new byte[v.Length * sizeof(double)];
        Buffer.BlockCopy(v, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(path, bytes);
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
