using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using TheoryKit.Data;
using TheoryKit.LinearAlgebra;
using TheoryKit.Training;

namespace TheoryKit.Bench;

/// <summary>A training-step shape: n points in dimension d, width m. One step costs 4 n m d flops (two GEMM-shaped products).</summary>
public sealed record TrainShape(int N, int D, int M) : IFlopCount
{
    /// <summary>4 n m d: the forward X W^T and the backward G^T X.</summary>
    public double Flops => 4.0 * N * M * D;

    /// <summary>The side-by-side shapes: one matmul-bound (d = 784), four low-dimensional (fused kernel).</summary>
    public static readonly TrainShape[] Standard =
    [
        new(10000, 784, 4096),
        new(10000, 2, 256),
        new(10000, 2, 4096),
        new(10000, 50, 256),
        new(10000, 50, 4096),
    ];

    /// <inheritdoc/>
    public override string ToString() => $"n={N} d={D} m={M}";
}

/// <summary>
/// Full-batch training steps of <see cref="Trainer.Train"/> (float64, 2 threads, hard labels) on the synthetic
/// set of <see cref="SyntheticTrainingData"/>. One invocation is a whole run of <see cref="Steps"/> steps
/// (initialisation, the steps, the final evaluation); the mean is per step (OperationsPerInvoke), so it
/// includes the run's set-up spread over the steps. Kept light: 2 warm-up and 5 measured iterations; BenchmarkDotNet's
/// pilot packs the small shapes' runs into ~0.5 s iterations (enough calls for the JIT's tier-1 code), while the
/// matmul-bound shape gets one run per iteration (~2 minutes for the whole class). For the clean per-step time of the loop
/// alone, beside NumPy and PyTorch, use the <c>train-step</c> quick mode or bench/side_by_side.py.
/// </summary>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
[Config(typeof(Cfg))]
public class TrainingStepBenchmarks
{
    /// <summary>Steps per invocation.</summary>
    public const int Steps = 3;

    private Dataset _data = null!;
    private TrainingOptions _options = null!;

    /// <summary>The shapes benchmarked.</summary>
    public static IEnumerable<TrainShape> Shapes => TrainShape.Standard;

    /// <summary>The current shape.</summary>
    [ParamsSource(nameof(Shapes))]
    public TrainShape Shape { get; set; } = TrainShape.Standard[0];

    /// <summary>Builds the data set and the options (2 threads).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _data = SyntheticTrainingData.Create(Shape.N, Shape.D);
        _options = new TrainingOptions(Shape.M, Steps, Eta: 1.0, Seed: 7, Threads: 2);
        Blas.Current.SetThreads(2);
    }

    /// <summary>One run of <see cref="Steps"/> full-batch gradient steps; the reported time is per step.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public double TrainStep() => Trainer.Train(_data, null, _options).FinalLoss;

    private sealed class Cfg : ManualConfig
    {
        public Cfg() => AddColumn(new GflopsColumn());
    }
}
