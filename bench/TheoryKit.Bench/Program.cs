using BenchmarkDotNet.Running;

namespace TheoryKit.Bench;

/// <summary>
/// Entry point. <c>gflops [--threads N] [--reps N]</c>: quick GEMM throughput table without BenchmarkDotNet.
/// <c>bdn [BenchmarkDotNet args]</c>: every BenchmarkDotNet class in this assembly through
/// <see cref="BenchmarkSwitcher"/> (e.g. <c>bdn --filter '*Gemm*'</c>). New quick modes go in
/// <see cref="QuickModes"/>; new BenchmarkDotNet classes are found automatically.
/// </summary>
public static class Program
{
    /// <summary>Quick (non-BenchmarkDotNet) modes by name: each takes the remaining arguments and returns an exit code.</summary>
    private static readonly Dictionary<string, (string Help, Func<string[], int> Run)> QuickModes = new()
    {
        ["gflops"] = ("GEMM GFLOP/s of each backend at the margin solver's shapes [--threads N] [--reps N]", QuickGflops.Run),
        ["margin"] = ("margin certification GFLOP/s beside dgemm on Fashion-MNIST [--n N] [--samples K] [--threads N]", QuickMargin.Run),
        ["margin-scale"] = ("the whole Fashion-MNIST pair (n = 12000) certified in a time budget: width, time for the requested width, peak memory, rate beside sgemm/dgemm [--n N] [--minutes M] [--width W] [--threads T] [--float64]", QuickMarginScale.Run),
        ["distill-grid"] = ("the distill grid (noise x widths x seeds x soft/hard) through Trainer.TrainMany, to convergence [--n N] [--seeds S] [--widths 2,4,..] [--noise 0,0.1,..] [--eta E] [--cap T] [--threads T] [--reps R] [--export DIR]", QuickDistillGrid.Run),
        ["train-step"] = ("seconds per full-batch training step, peak memory, gemm rate at its shape [--n N] [--d D] [--m M] [--threads T] [--reps R] [--trials K] [--single]", QuickTrainStep.Run),
    };

    /// <summary>Dispatches on the first argument.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            return Usage(args.Length == 0 ? 2 : 0);
        var rest = args[1..];
        if (args[0] == "bdn")
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest);
            return 0;
        }
        if (QuickModes.TryGetValue(args[0], out var mode))
            return mode.Run(rest);
        Console.Error.WriteLine($"unknown mode '{args[0]}'");
        return Usage(2);
    }

    private static int Usage(int code)
    {
        var w = code == 0 ? Console.Out : Console.Error;
        w.WriteLine("usage: dotnet run -c Release --project bench/TheoryKit.Bench -- <mode> [options]");
        foreach (var (name, (help, _)) in QuickModes) w.WriteLine($"  {name,-10} {help}");
        w.WriteLine("  bdn        BenchmarkDotNet suites, e.g. bdn --filter '*Gemm*' (all BenchmarkDotNet options apply)");
        return code;
    }
}

/// <summary>Tiny option parsing shared by the quick modes.</summary>
public static class Options
{
    /// <summary>The integer after <paramref name="name"/>, or <paramref name="fallback"/> when absent.</summary>
    public static int Int(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return fallback;
        if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out var v) || v < 1)
            throw new ArgumentException($"{name} needs a positive integer");
        return v;
    }

    /// <summary>The text after <paramref name="name"/>, or null when absent.</summary>
    public static string? Text(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return null;
        if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value");
        return args[i + 1];
    }
}
