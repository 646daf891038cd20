namespace TheoryKit.Data;

/// <summary>How one original label value was mapped to a class sign.</summary>
/// <param name="Original">The label as written in the source (e.g. "0", "cat", "-1", "Shirt").</param>
/// <param name="Sign">The class sign it maps to, -1 or +1.</param>
/// <param name="Count">How many points carry it.</param>
public sealed record LabelMap(string Original, int Sign, int Count);

/// <summary>Where a dataset came from and what was done to it (for reports and certificates).</summary>
/// <param name="Source">The data argument as given (a path or a generator/dataset spec).</param>
/// <param name="Description">One-line human description, e.g. "Fashion-MNIST train, Shirt (+1) vs T-shirt/top (-1)".</param>
/// <param name="Normalised">True when rows were scaled to the unit sphere.</param>
/// <param name="Seed">Seed used by a generator or a subsample, or null.</param>
/// <param name="Notes">Further steps applied in order (subsampling, label noise ...).</param>
public sealed record Provenance(string Source, string Description, bool Normalised, ulong? Seed, IReadOnlyList<string> Notes);

/// <summary>
/// A binary classification dataset: n points in R^d, stored row-major in <see cref="X"/>
/// (length n*d, point i at X[i*d .. i*d+d-1]), labels y_i in {-1, +1} in <see cref="Y"/> (length n).
/// THEORY.md §1: the theory assumes ||x_i||_2 &lt;= 1; loaders normalise rows to the unit sphere by default.
/// </summary>
public sealed class Dataset
{
    /// <summary>Features, n x d row-major.</summary>
    public double[] X { get; }
    /// <summary>Labels, length n, each -1.0 or +1.0.</summary>
    public double[] Y { get; }
    /// <summary>Number of points n.</summary>
    public int N { get; }
    /// <summary>Dimension d.</summary>
    public int D { get; }
    /// <summary>Feature names, length d.</summary>
    public IReadOnlyList<string> FeatureNames { get; }
    /// <summary>Name of the class with label +1.</summary>
    public string PositiveClass { get; }
    /// <summary>Name of the class with label -1.</summary>
    public string NegativeClass { get; }
    /// <summary>How the source's label values were mapped to +-1.</summary>
    public IReadOnlyList<LabelMap> LabelMapping { get; }
    /// <summary>Origin and processing steps.</summary>
    public Provenance Provenance { get; }

    /// <summary>Creates a dataset after checking shapes and labels.</summary>
    /// <exception cref="ArgumentException">Shapes disagree, a label is not +-1, or a value is not finite.</exception>
    public Dataset(double[] x, double[] y, int n, int d, IReadOnlyList<string>? featureNames,
                   string positiveClass, string negativeClass, IReadOnlyList<LabelMap> labelMapping, Provenance provenance)
    {
        if (n < 1 || d < 1) throw new ArgumentException($"need n >= 1 and d >= 1, got n={n}, d={d}");
        if (x.Length != (long)n * d) throw new ArgumentException($"X has {x.Length} values, expected n*d = {(long)n * d}");
        if (y.Length != n) throw new ArgumentException($"Y has {y.Length} labels, expected n = {n}");
        foreach (var v in y) if (v != 1.0 && v != -1.0) throw new ArgumentException($"label {v} is not -1 or +1");
        foreach (var v in x) if (!double.IsFinite(v)) throw new ArgumentException("X contains a value that is not finite");
        featureNames ??= Enumerable.Range(1, d).Select(j => $"x{j}").ToArray();
        if (featureNames.Count != d) throw new ArgumentException($"{featureNames.Count} feature names for d = {d}");
        X = x; Y = y; N = n; D = d; FeatureNames = featureNames;
        PositiveClass = positiveClass; NegativeClass = negativeClass; LabelMapping = labelMapping; Provenance = provenance;
    }

    /// <summary>Row i as a span of length d.</summary>
    public ReadOnlySpan<double> Row(int i) => X.AsSpan(i * D, D);

    /// <summary>Euclidean norm of row i.</summary>
    public double RowNorm(int i) => Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(Row(i)));

    /// <summary>
    /// SHA-256 over n, d, X and Y (little-endian doubles), hex: identifies the exact numbers a margin
    /// certificate was computed on.
    /// </summary>
    public string Fingerprint()
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        sha.AppendData(BitConverter.GetBytes(N)); sha.AppendData(BitConverter.GetBytes(D));
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(X.AsSpan()));
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Y.AsSpan()));
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
