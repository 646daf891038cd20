namespace TheoryKit.Data;

/// <summary>
/// Options for <see cref="DataSource.Load"/>: sizes for generators, subsampling and label noise for real
/// data, the seed that drives all randomness, and format details for files.
/// </summary>
public sealed record DataOptions
{
    /// <summary>
    /// Generator sample size n, or the size of a seeded subsample (without replacement, original order
    /// kept) of a file's rows. Null: the generator's default, or all rows of a file.
    /// </summary>
    public int? N { get; init; }

    /// <summary>
    /// Dimension d for generators that take one (two-point, gaussians, separable); for LIBSVM files the
    /// dimension when larger than the largest index. For CSV/IDX/Fashion-MNIST it must equal the file's
    /// dimension if given. Null: the default.
    /// </summary>
    public int? D { get; init; }

    /// <summary>Master seed: one seed drives generation, subsampling and label noise (separate streams).</summary>
    public ulong Seed { get; init; } = 0;

    /// <summary>Fashion-MNIST split: "train" (60000 images) or "test" (10000 images, the t10k files).</summary>
    public string Split { get; init; } = "train";

    /// <summary>
    /// Label-flip rate p in [0, 0.5): each label is flipped independently with probability p
    /// (seeded, stream "label-noise"), after subsampling.
    /// </summary>
    public double Noise { get; init; } = 0.0;

    /// <summary>CSV label column: a header name (case-insensitive) or a 1-based column index. Null: auto.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>
    /// IDX labels file. Null: derived from the images file name by replacing "images-idx3" with "labels-idx1".
    /// </summary>
    public string? LabelsPath { get; init; }

    /// <summary>"A-vs-B" class pair (label values) for IDX files whose labels take more than two values; A maps to +1, B to -1.</summary>
    public string? Classes { get; init; }

    /// <summary>
    /// True (default): scale every row to unit Euclidean norm (THEORY.md §1 assumes ||x|| &lt;= 1).
    /// False: rows are kept as they are, and a row with norm &gt; 1 + 1e-9 is an error.
    /// </summary>
    public bool Normalise { get; init; } = true;

    /// <summary>
    /// For held-out files: the training set's label mapping (<see cref="Dataset.LabelMapping"/>), used instead of
    /// inferring one, so the same label value gets the same sign in both files; a label value the mapping does
    /// not know is an error naming its line, and a single class is allowed. Null (default): infer the mapping.
    /// </summary>
    public IReadOnlyList<LabelMap>? LabelMapping { get; init; }

    /// <summary>
    /// True for held-out sets, which may hold a single class. False (default): data whose points are all of one class
    /// is refused (a margin, a verdict and training need both), except two-point:THETA:same, which asks for it.
    /// </summary>
    public bool AllowOneClass { get; init; }

    /// <summary>
    /// Directory with the gzip IDX Fashion-MNIST files (Debian package dataset-fashion-mnist).
    /// Default: $THEORYKIT_FASHION_MNIST, else /usr/share/datasets/fashion-mnist.
    /// </summary>
    public string FashionMnistDir { get; init; } =
        Environment.GetEnvironmentVariable("THEORYKIT_FASHION_MNIST") ?? "/usr/share/datasets/fashion-mnist";

    /// <summary>
    /// Folder of CIFAR-10's binary distribution (data_batch_1.bin ... data_batch_5.bin, test_batch.bin) for <c>cifar10:A-vs-B</c>.
    /// Default: $THEORYKIT_CIFAR10, else null (then cifar10 data are refused with a hint).
    /// </summary>
    public string? CifarDir { get; init; } = Environment.GetEnvironmentVariable("THEORYKIT_CIFAR10");

    /// <summary>The same options with <see cref="CifarDir"/> set (for callers without C#'s <c>with</c>).</summary>
    /// <param name="dir">The folder.</param>
    public DataOptions WithCifarDir(string dir) => this with { CifarDir = dir };
}
