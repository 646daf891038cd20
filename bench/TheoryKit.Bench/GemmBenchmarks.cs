using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using TheoryKit.LinearAlgebra;

namespace TheoryKit.Bench;

/// <summary>
/// GEMM backends at the margin solver's shapes (m x d times d x n, row-major, no transposes):
/// OpenBLAS dgemm/sgemm through P/Invoke and the managed blocked kernel (dgemm, sgemm). Both backends use
/// all processors. The GFLOP/s column is 2 m n k / mean time.
/// </summary>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 10)]
[Config(typeof(GflopsConfig))]
public class GemmBenchmarks
{
    private GemmOperands _ops = null!;
    private IGemm _openblas = null!;
    private readonly ManagedGemm _managed = new(Environment.ProcessorCount);

    /// <summary>The shapes benchmarked.</summary>
    public static IEnumerable<GemmShape> Shapes => GemmShape.Standard;

    /// <summary>The current shape.</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.Standard[0];

    /// <summary>Allocates operands; fails loudly when OpenBLAS is missing.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _ops = new GemmOperands(Shape);
        _openblas = OpenBlasGemm.TryLoad(out var why) ?? throw new InvalidOperationException($"OpenBLAS missing: {why}");
        _openblas.SetThreads(Environment.ProcessorCount);
    }

    /// <summary>OpenBLAS cblas_dgemm.</summary>
    [Benchmark(Baseline = true)]
    public void OpenBlasDgemm() => _ops.Dgemm(_openblas);

    /// <summary>OpenBLAS cblas_sgemm.</summary>
    [Benchmark]
    public void OpenBlasSgemm() => _ops.Sgemm(_openblas);

    /// <summary>Managed blocked SIMD dgemm.</summary>
    [Benchmark]
    public void ManagedDgemm() => _ops.Dgemm(_managed);

    /// <summary>Managed blocked SIMD sgemm.</summary>
    [Benchmark]
    public void ManagedSgemm() => _ops.Sgemm(_managed);

    private sealed class GflopsConfig : ManualConfig
    {
        public GflopsConfig() => AddColumn(new GflopsColumn());
    }
}
