using TheoryKit.Data;
using TheoryKit.Random;

namespace TheoryKit.Bench;

/// <summary>
/// The synthetic training set of the training-step benchmarks: n rows x_i ~ N(0, I_d) normalised to unit
/// length, labels +-1 uniformly at random, all from a fixed seed, built as a <see cref="Dataset"/> directly
/// (no data source, no file).
/// </summary>
public static class SyntheticTrainingData
{
    /// <summary>Default seed of the data.</summary>
    public const ulong Seed = 20240611;

    /// <summary>The n x d dataset (unit rows, random labels).</summary>
    public static Dataset Create(int n, int d, ulong seed = Seed)
    {
        var x = Gaussian.Matrix(n, d, seed, "bench-train-x");
        for (int i = 0; i < n; i++)
        {
            var row = x.AsSpan(i * d, d);
            double norm = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Multiply(row, 1 / norm, row);
        }
        var rng = SeedSequence.Rng(seed, "bench-train-y");
        var y = new double[n];
        for (int i = 0; i < n; i++) y[i] = rng.Next(2) == 0 ? -1.0 : 1.0;
        int pos = y.Count(v => v > 0);
        var labelMap = new[] { new LabelMap("+1", 1, pos), new LabelMap("-1", -1, n - pos) };
        var provenance = new Provenance("synthetic:bench", $"n = {n} Gaussian rows in d = {d}, normalised, random +-1 labels",
            true, seed, Array.Empty<string>());
        return new Dataset(x, y, n, d, null, "+1", "-1", labelMap, provenance);
    }
}
