namespace TheoryKit.Bench;

/// <summary>A benchmark parameter that knows the floating-point operations of one measured operation (for <see cref="GflopsColumn"/>).</summary>
public interface IFlopCount
{
    /// <summary>Floating-point operations of one operation.</summary>
    double Flops { get; }
}

/// <summary>
/// A GEMM problem C (m x n) = op(A) (m x k) * op(B) (k x n). <see cref="TransB"/> = true means B is stored
/// n x k (the X W^T form of <c>Blas.MultiplyABt</c>); false means B is stored k x n (<c>Blas.MultiplyAB</c>).
/// </summary>
public sealed record GemmShape(int M, int N, int K, bool TransB = false) : IFlopCount
{
    /// <summary>Floating-point operations of one product: 2 m n k.</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>The margin solver's products: m x d times d x n.</summary>
    public static readonly GemmShape[] Standard =
    [
        new(2000, 1024, 784),
        new(4096, 1000, 784),
    ];

    /// <inheritdoc/>
    public override string ToString() => $"{M}x{K} * {(TransB ? $"({N}x{K})^T" : $"{K}x{N}")}";
}

/// <summary>Random operands for one shape, in double and float, and output buffers.</summary>
public sealed class GemmOperands
{
    /// <summary>The shape these operands fit.</summary>
    public GemmShape Shape { get; }
    /// <summary>A (m x k), B (k x n or n x k) and C (m x n), double.</summary>
    public double[] A, B, C;
    /// <summary>The same operands in float.</summary>
    public float[] Af, Bf, Cf;

    /// <summary>Fills A and B with uniform [-1, 1) values from a fixed seed.</summary>
    public GemmOperands(GemmShape shape, int seed = 12345)
    {
        Shape = shape;
        var rng = new System.Random(seed);
        A = new double[shape.M * shape.K];
        B = new double[shape.K * shape.N];
        C = new double[shape.M * shape.N];
        for (int i = 0; i < A.Length; i++) A[i] = 2 * rng.NextDouble() - 1;
        for (int i = 0; i < B.Length; i++) B[i] = 2 * rng.NextDouble() - 1;
        Af = Array.ConvertAll(A, x => (float)x);
        Bf = Array.ConvertAll(B, x => (float)x);
        Cf = new float[C.Length];
    }

    /// <summary>C = op(A) op(B) in double with the given backend.</summary>
    public void Dgemm(TheoryKit.LinearAlgebra.IGemm g)
    {
        var s = Shape;
        g.Dgemm(false, s.TransB, s.M, s.N, s.K, 1.0, A, s.K, B, s.TransB ? s.K : s.N, 0.0, C, s.N);
    }

    /// <summary>C = op(A) op(B) in float with the given backend.</summary>
    public void Sgemm(TheoryKit.LinearAlgebra.IGemm g)
    {
        var s = Shape;
        g.Sgemm(false, s.TransB, s.M, s.N, s.K, 1f, Af, s.K, Bf, s.TransB ? s.K : s.N, 0f, Cf, s.N);
    }
}
