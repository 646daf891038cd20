using TheoryKit.LinearAlgebra;

namespace TheoryKit.Tests;

/// <summary>
/// Both GEMM backends against a naive triple loop (in double) on random shapes, every transpose
/// combination, padded leading dimensions, and several alpha/beta. Tolerance per entry:
/// 4 (k + 2) eps (|alpha| sum_p |a_ip| |b_pj| + |beta| |c_ij|), the standard forward error bound of a
/// dot product with slack. Padding of A and B is NaN (must never be read); padding of C is a sentinel
/// (must never be written). OpenBLAS tests fail, not skip, when libopenblas.so.0 is missing.
/// </summary>
public class GemmTests
{
    private static IGemm Backend(string name) => name switch
    {
        "openblas" => OpenBlasGemm.TryLoad(out var why)
                      ?? throw new Xunit.Sdk.XunitException($"OpenBLAS is required (CI installs libopenblas0-pthread): {why}"),
        "managed" => new ManagedGemm(),
        "managed1" => new ManagedGemm(1),
        _ => throw new ArgumentException(name),
    };

    // (m, n, k): 1x1, below/above/not multiples of the SIMD width and of the 6 x 2W register tile,
    // k = 0, several K blocks (k > 256), and sizes above the single-thread threshold.
    private static readonly (int m, int n, int k)[] Shapes =
    [
        (1, 1, 1), (1, 1, 0), (3, 2, 0), (1, 5, 3), (5, 1, 7), (2, 3, 1), (6, 8, 4), (6, 16, 9), (7, 9, 13),
        (13, 17, 5), (12, 33, 31), (31, 15, 64), (65, 70, 300), (97, 41, 520), (130, 75, 257),
    ];

    private static readonly (double alpha, double beta)[] Scalars = [(1, 0), (-0.75, 2), (2, 1), (1.5, -0.5), (0, 0.5)];

    public static TheoryData<string, bool, bool> Cases()
    {
        var d = new TheoryData<string, bool, bool>();
        foreach (var backend in new[] { "openblas", "managed", "managed1" })
            foreach (var ta in new[] { false, true })
                foreach (var tb in new[] { false, true })
                    d.Add(backend, ta, tb);
        return d;
    }

    private sealed record Problem(int M, int N, int K, bool TA, bool TB, int Lda, int Ldb, int Ldc,
        double[] A, double[] B, double[] C, double Alpha, double Beta);

    private const double CPad = 12345.0;

    private static Problem Make(System.Random rng, int m, int n, int k, bool ta, bool tb, double alpha, double beta)
    {
        int lda = (ta ? m : k) + rng.Next(0, 4), ldb = (tb ? k : n) + rng.Next(0, 4), ldc = n + rng.Next(0, 4);
        lda = Math.Max(lda, 1); ldb = Math.Max(ldb, 1);
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        var a = Filled(aRows, aCols, lda, rng, double.NaN);
        var b = Filled(bRows, bCols, ldb, rng, double.NaN);
        var c = Filled(m, n, ldc, rng, CPad);
        return new Problem(m, n, k, ta, tb, lda, ldb, ldc, a, b, c, alpha, beta);
    }

    private static double[] Filled(int rows, int cols, int ld, System.Random rng, double pad)
    {
        var x = new double[Math.Max(0, (rows - 1) * ld + cols) + rng.Next(0, 3)];
        Array.Fill(x, pad);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) x[i * ld + j] = 2 * rng.NextDouble() - 1;
        return x;
    }

    /// <summary>Naive reference in double plus the per-entry error scale sum |alpha a b| + |beta c|.</summary>
    private static (double[] c, double[] scale) Reference(Problem p)
    {
        var c = (double[])p.C.Clone();
        var scale = new double[c.Length];
        for (int i = 0; i < p.M; i++)
            for (int j = 0; j < p.N; j++)
            {
                double s = 0, abs = 0;
                for (int q = 0; q < p.K; q++)
                {
                    double av = p.TA ? p.A[q * p.Lda + i] : p.A[i * p.Lda + q];
                    double bv = p.TB ? p.B[j * p.Ldb + q] : p.B[q * p.Ldb + j];
                    s += av * bv;
                    abs += Math.Abs(av * bv);
                }
                int idx = i * p.Ldc + j;
                double old = p.Beta == 0 ? 0 : p.Beta * c[idx];
                scale[idx] = Math.Abs(p.Alpha) * abs + Math.Abs(old);
                c[idx] = p.Alpha * s + old;
            }
        return (c, scale);
    }

    private static void AssertClose(Problem p, double[] expected, double[] scale, Func<int, double> actual, double eps, string what)
    {
        for (int idx = 0; idx < expected.Length; idx++)
        {
            int i = idx / p.Ldc, j = idx % p.Ldc;
            bool inside = i < p.M && j < p.N;
            double got = actual(idx);
            if (!inside)
            {
                Assert.True(got == CPad, $"{what}: C padding at {idx} overwritten with {got}");
                continue;
            }
            double tol = 4 * (p.K + 2) * eps * scale[idx] + 1e-300;
            double err = Math.Abs(got - expected[idx]);
            Assert.True(err <= tol, $"{what}: C[{i},{j}] = {got}, expected {expected[idx]}, |err| {err:E3} > tol {tol:E3}");
        }
    }

    private static string Describe(Problem p) =>
        $"m={p.M} n={p.N} k={p.K} transA={p.TA} transB={p.TB} lda={p.Lda} ldb={p.Ldb} ldc={p.Ldc} alpha={p.Alpha} beta={p.Beta}";

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dgemm_matches_naive_reference(string backend, bool transA, bool transB)
    {
        var gemm = Backend(backend);
        var rng = new System.Random(1000 + (transA ? 2 : 0) + (transB ? 1 : 0));
        foreach (var (m, n, k) in Shapes)
            foreach (var (alpha, beta) in Scalars)
            {
                var p = Make(rng, m, n, k, transA, transB, alpha, beta);
                var (expected, scale) = Reference(p);
                var c = (double[])p.C.Clone();
                gemm.Dgemm(transA, transB, m, n, k, alpha, p.A, p.Lda, p.B, p.Ldb, beta, c, p.Ldc);
                AssertClose(p, expected, scale, idx => c[idx], Math.Pow(2, -52), $"{backend} dgemm {Describe(p)}");
            }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sgemm_matches_naive_reference(string backend, bool transA, bool transB)
    {
        var gemm = Backend(backend);
        var rng = new System.Random(2000 + (transA ? 2 : 0) + (transB ? 1 : 0));
        foreach (var (m, n, k) in Shapes)
            foreach (var (alpha, beta) in Scalars)
            {
                // Round inputs to float first, so the double reference sees exactly the float operands.
                var p = Make(rng, m, n, k, transA, transB, alpha, beta);
                p = p with { A = ToF(p.A), B = ToF(p.B), C = ToF(p.C) };
                var (expected, scale) = Reference(p);
                var af = Array.ConvertAll(p.A, x => (float)x);
                var bf = Array.ConvertAll(p.B, x => (float)x);
                var cf = Array.ConvertAll(p.C, x => (float)x);
                gemm.Sgemm(transA, transB, m, n, k, (float)alpha, af, p.Lda, bf, p.Ldb, (float)beta, cf, p.Ldc);
                AssertClose(p, expected, scale, idx => cf[idx], Math.Pow(2, -23), $"{backend} sgemm {Describe(p)}");
            }

        static double[] ToF(double[] x) => Array.ConvertAll(x, v => (double)(float)v);
    }

    [Theory]
    [InlineData("openblas")]
    [InlineData("managed")]
    public void Beta_zero_ignores_NaN_in_C(string backend)
    {
        var gemm = Backend(backend);
        var a = new double[] { 1, 2, 3, 4 };          // 2 x 2
        var b = new double[] { 5, 6, 7, 8 };
        var c = new double[] { double.NaN, double.NaN, double.NaN, double.NaN };
        gemm.Dgemm(false, false, 2, 2, 2, 1.0, a, 2, b, 2, 0.0, c, 2);
        Assert.Equal(new double[] { 19, 22, 43, 50 }, c);
        var cf = new float[] { float.NaN, float.NaN, float.NaN, float.NaN };
        gemm.Sgemm(false, false, 2, 2, 2, 1f, [1, 2, 3, 4], 2, [5, 6, 7, 8], 2, 0f, cf, 2);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, cf);
    }

    [Theory]
    [InlineData("openblas")]
    [InlineData("managed")]
    public void K_zero_scales_C_by_beta(string backend)
    {
        var gemm = Backend(backend);
        var c = new double[] { 1, 2, 3, 4, 5, 6 };
        gemm.Dgemm(false, false, 2, 3, 0, 1.0, [], 1, [], 3, 0.5, c, 3);
        Assert.Equal(new double[] { 0.5, 1, 1.5, 2, 2.5, 3 }, c);
        gemm.Dgemm(true, true, 2, 3, 0, 1.0, [], 2, [], 1, 0.0, c, 3);
        Assert.Equal(new double[6], c);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Managed_is_bit_identical_with_1_and_2_threads(bool transA, bool transB)
    {
        var rng = new System.Random(77);
        // Large enough to run in parallel (several row blocks, several K blocks, edge tiles in m and n).
        foreach (var (m, n, k) in new[] { (301, 203, 600), (150, 37, 130) })
        {
            var p = Make(rng, m, n, k, transA, transB, 0.7, -1.3);
            var c1 = (double[])p.C.Clone();
            var c2 = (double[])p.C.Clone();
            new ManagedGemm(1).Dgemm(transA, transB, m, n, k, p.Alpha, p.A, p.Lda, p.B, p.Ldb, p.Beta, c1, p.Ldc);
            new ManagedGemm(2).Dgemm(transA, transB, m, n, k, p.Alpha, p.A, p.Lda, p.B, p.Ldb, p.Beta, c2, p.Ldc);
            Assert.True(c1.AsSpan().SequenceEqual(c2), $"dgemm differs between 1 and 2 threads: {Describe(p)}");

            var af = Array.ConvertAll(p.A, x => (float)x);
            var bf = Array.ConvertAll(p.B, x => (float)x);
            var f1 = Array.ConvertAll(p.C, x => (float)x);
            var f2 = (float[])f1.Clone();
            new ManagedGemm(1).Sgemm(transA, transB, m, n, k, 0.7f, af, p.Lda, bf, p.Ldb, -1.3f, f1, p.Ldc);
            new ManagedGemm(2).Sgemm(transA, transB, m, n, k, 0.7f, af, p.Lda, bf, p.Ldb, -1.3f, f2, p.Ldc);
            Assert.True(f1.AsSpan().SequenceEqual(f2), $"sgemm differs between 1 and 2 threads: {Describe(p)}");
        }
    }

    [Theory]
    [InlineData("openblas")]
    [InlineData("managed")]
    public void Short_buffers_and_bad_leading_dimensions_throw(string backend)
    {
        var gemm = Backend(backend);
        // C (3 x 4) = A (3 x 5) * B (5 x 4)
        var a = new double[15];
        var b = new double[20];
        var c = new double[12];
        gemm.Dgemm(false, false, 3, 4, 5, 1, a, 5, b, 4, 0, c, 4); // fits exactly
        Assert.Throws<ArgumentException>(() => gemm.Dgemm(false, false, 3, 4, 5, 1, new double[14], 5, b, 4, 0, c, 4));
        Assert.Throws<ArgumentException>(() => gemm.Dgemm(false, false, 3, 4, 5, 1, a, 5, new double[19], 4, 0, c, 4));
        Assert.Throws<ArgumentException>(() => gemm.Dgemm(false, false, 3, 4, 5, 1, a, 5, b, 4, 0, new double[11], 4));
        gemm.Dgemm(true, true, 3, 4, 5, 1, a, 3, b, 5, 0, c, 4); // A stored 5 x 3, B stored 4 x 5: fit exactly
        Assert.Throws<ArgumentException>(() => gemm.Dgemm(true, false, 3, 4, 5, 1, new double[14], 3, b, 4, 0, c, 4));
        Assert.Throws<ArgumentException>(() => gemm.Dgemm(false, true, 3, 4, 5, 1, a, 5, new double[19], 5, 0, c, 4));
        Assert.Throws<ArgumentException>(() => gemm.Dgemm(true, false, 3, 4, 5, 1, a, 2, b, 4, 0, c, 4));  // lda < m
        Assert.Throws<ArgumentException>(() => gemm.Dgemm(false, false, 3, 4, 5, 1, a, 4, b, 4, 0, c, 4));  // lda < k
        Assert.Throws<ArgumentException>(() => gemm.Dgemm(false, false, 3, 4, 5, 1, a, 5, b, 3, 0, c, 4));  // ldb < n
        Assert.Throws<ArgumentException>(() => gemm.Dgemm(false, false, 3, 4, 5, 1, a, 5, b, 4, 0, c, 3));  // ldc < n
        Assert.Throws<ArgumentException>(() => gemm.Dgemm(false, false, -1, 4, 5, 1, a, 5, b, 4, 0, c, 4));
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(true, true, 3, 4, 5, 1, new float[14], 3, new float[20], 5, 0, new float[12], 4));
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, false, 3, 4, 5, 1, new float[15], 5, new float[20], 4, 0, new float[11], 4));
    }

    [Fact]
    public void OpenBlas_loads_on_this_machine()
    {
        var g = OpenBlasGemm.TryLoad(out var why);
        Assert.True(g is not null, $"OpenBLAS is required (CI installs libopenblas0-pthread): {why}");
        Assert.Contains("OpenBLAS", g!.Name);
    }

    [Fact]
    public void Blas_helpers_compute_AB_and_ABt()
    {
        // A 2 x 3, B 3 x 2, Bt 2 x 3
        double[] a = [1, 2, 3, 4, 5, 6], b = [7, 8, 9, 10, 11, 12], bt = [7, 9, 11, 8, 10, 12];
        var c = new double[4];
        Blas.MultiplyAB(a, b, c, 2, 2, 3);
        Assert.Equal(new double[] { 58, 64, 139, 154 }, c);
        Blas.MultiplyABt(a, bt, c, 2, 2, 3);
        Assert.Equal(new double[] { 58, 64, 139, 154 }, c);
        Assert.False(string.IsNullOrEmpty(Blas.Description));
    }
}
