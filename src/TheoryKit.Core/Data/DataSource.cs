using TheoryKit.Random;

namespace TheoryKit.Data;

/// <summary>
/// Loads or generates a binary dataset from a spec string (THEORY.md §1: labels +-1, rows with
/// ||x|| &lt;= 1, normalised to the unit sphere by default).
/// </summary>
public static class DataSource
{
    private static readonly string[] Kinds =
        ["two-point", "noisy-xor", "gaussians", "separable", "fashion-mnist", "cifar10", "csv", "libsvm", "idx"];

    /// <summary>
    /// Loads the dataset named by <paramref name="spec"/>:
    /// <list type="bullet">
    /// <item><c>two-point:THETA[:same]</c>: (1,0) label +1 and (cos THETA, sin THETA) label -1 (+1 with :same), THETA in radians in [0, pi]; d = options.D (default 2).</item>
    /// <item><c>noisy-xor:D</c> (D &gt;= 3): the 2^D-point noisy 2-XOR support of THEORY.md §6 in a fixed order, or options.N i.i.d. draws from it.</item>
    /// <item><c>gaussians:SEP</c>: N(+-(SEP/2) e1, I_d), n = options.N (500), d = options.D (10), first ceil(n/2) labelled +1.</item>
    /// <item><c>separable:MARGIN</c>: unit vectors with y &lt;e1, x&gt; &gt;= MARGIN (margin coordinate uniform; not uniform on the sphere).</item>
    /// <item>A path, or <c>csv:PATH</c> (.csv, .tsv, .txt): numeric features plus one label column.</item>
    /// <item><c>libsvm:PATH</c> or a .libsvm/.svm/.svmlight path: sparse <c>label idx:val ...</c> lines.</item>
    /// <item><c>idx:PATH</c> or a path containing <c>idx3-ubyte</c>: IDX images (+ labels file), plain or gzip, pixels / 255.</item>
    /// <item><c>fashion-mnist:A-vs-B</c>: Fashion-MNIST classes A (+1) and B (-1) by index 0-9 or name, from options.FashionMnistDir.</item>
    /// <item><c>cifar10:A-vs-B</c>: CIFAR-10 classes A (+1) and B (-1) by index 0-9 or name, from options.CifarDir (<see cref="Cifar10"/>).</item>
    /// </list>
    /// File labels must take exactly two values: numeric labels map smaller -> -1, larger -> +1; other
    /// labels in ordinal string order, first -> -1. Then, in order: for files, a seeded subsample of
    /// options.N rows (without replacement, original order kept); label noise (each label flipped with
    /// probability options.Noise); normalisation of each row to unit norm (options.Normalise), or a
    /// check that ||x|| &lt;= 1. The same spec, options and seed always give the identical dataset.
    /// </summary>
    /// <returns>A dataset with X n x d row-major; <see cref="Dataset.LabelMapping"/> lists the -1 class first,
    /// with counts of the original labels among the returned rows before label noise.</returns>
    /// <exception cref="InputException">Missing or malformed file, unparsable/NaN/infinite value, wrong field
    /// count, labels that are not two classes, a zero row, a norm above 1 without normalisation, bad generator
    /// parameters or options, or an unknown spec kind.</exception>
    public static Dataset Load(string spec, DataOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.Noise >= 0 && options.Noise < 0.5))
            throw InputException.Parameter("noise", $"must lie in [0, 0.5), got {Numbers.G6(options.Noise)}");
        if (options.N is < 1) throw InputException.Parameter("n", $"must be >= 1, got {options.N}");
        if (options.D is < 1) throw InputException.Parameter("d", $"must be >= 1, got {options.D}");
        return Finish(spec, Read(spec.Trim(), options), options);
    }

    /// <summary>
    /// The held-out set that goes with <paramref name="spec"/> (THEORY.md §9: test accuracy), or null when
    /// the source has none: Fashion-MNIST's and CIFAR-10's other split (train -> test, test -> train) for the same class
    /// pair, all its points and clean labels; a generator's fresh draw of the same size from the seed
    /// stream "test-set" (noisy-xor on its whole support: 2^D i.i.d. draws from the support, not the support
    /// itself; two-point is deterministic: the same two points);
    /// files: the file <paramref name="testPath"/> when given, loaded with the same options but no
    /// subsampling or label noise, and with the labels of <paramref name="train"/> mapped to the same signs
    /// (a label the training set does not have is an error).
    /// </summary>
    /// <exception cref="InputException">As <see cref="Load"/>; a held-out label unknown to the training set.</exception>
    public static Dataset? LoadTest(string spec, DataOptions options, string? testPath = null, Dataset? train = null)
    {
        string kind = spec.Contains(':') ? spec[..spec.IndexOf(':')].Trim().ToLowerInvariant() : "";
        options = options with { AllowOneClass = true };
        if (testPath is not null) return Load(testPath, options with { N = null, Noise = 0, LabelMapping = train?.LabelMapping });
        return kind switch
        {
            "fashion-mnist" or "cifar10" => Load(spec, options with { Split = options.Split == "test" ? "train" : "test", N = null, Noise = 0 }),
            "noisy-xor" when options.N is null && int.TryParse(spec[(spec.IndexOf(':') + 1)..], out var dim) && dim is >= 3 and <= 20 =>
                Load(spec, options with { Seed = SeedSequence.Derive(options.Seed, "test-set"), Noise = 0, N = 1 << dim }),
            "two-point" or "noisy-xor" or "gaussians" or "separable" =>
                Load(spec, options with { Seed = SeedSequence.Derive(options.Seed, "test-set"), Noise = 0 }),
            _ => null,
        };
    }

    private static RawData Read(string spec, DataOptions o)
    {
        int colon = spec.IndexOf(':');
        string kind = colon > 0 ? spec[..colon].Trim().ToLowerInvariant() : "";
        string rest = colon > 0 ? spec[(colon + 1)..] : spec;
        if (colon > 0 && Kinds.Contains(kind))
        {
            string[] args = rest.Split(':');
            return kind switch
            {
                "two-point" => Generators.TwoPoint(spec, args, o),
                "noisy-xor" => Generators.NoisyXor(spec, args, o),
                "gaussians" => Generators.Gaussians(spec, args, o),
                "separable" => Generators.Separable(spec, args, o),
                "fashion-mnist" => FashionMnist.Load(spec, rest, o),
                "cifar10" => Cifar10.Load(spec, rest, o),
                "csv" => CsvLoader.Load(rest, o),
                "libsvm" => LibSvmLoader.Load(rest, o),
                _ => IdxLoader.Load(rest, o),
            };
        }
        if (!File.Exists(spec) && colon > 1 && kind.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-' || c == '_'))
            throw new InputException(spec, null, "kind", $"unknown data source '{kind}' (known: {string.Join(", ", Kinds)}, or a file path)");
        var name = Path.GetFileName(spec).ToLowerInvariant();
        var ext = Path.GetExtension(name);
        if (ext is ".libsvm" or ".svm" or ".svmlight") return LibSvmLoader.Load(spec, o);
        if (name.Contains("idx3-ubyte")) return IdxLoader.Load(spec, o);
        return CsvLoader.Load(spec, o);
    }

    private static Dataset Finish(string spec, RawData r, DataOptions o)
    {
        var description = r.Description;
        if (r.Subsamplable && o.N is { } k && k != r.N)
        {
            description += $": {k} of {r.N} points (subsample), d = {r.D}";
            if (k > r.N) throw new InputException(r.File, null, "n", $"cannot subsample {k} points from {r.N}");
            int all = r.N;
            Subsample(r, k, o.Seed);
            r.Notes.Add($"subsampled {k} of {all} points without replacement (seed {o.Seed}, original order kept)");
            r.UsesSeed = true;
        }
        else if (r.Subsamplable) description += $": {r.N} points, d = {r.D}";
        // Counts of the original labels, taken after subsampling and before noise.
        int pos = r.Y.Count(v => v > 0);
        var mapping = new List<LabelMap> { new(r.NegativeClass, -1, r.N - pos), new(r.PositiveClass, +1, pos) };
        bool sameByRequest = !r.Subsamplable && spec.Trim().EndsWith(":same", StringComparison.OrdinalIgnoreCase);   // two-point:THETA:same
        if ((pos == 0 || pos == r.N) && !sameByRequest && !o.AllowOneClass && o.LabelMapping is null)
            throw new InputException(r.File, null, "label",
                $"all {r.N} points are of class '{(pos == 0 ? r.NegativeClass : r.PositiveClass)}'; a margin, a bound's verdict and training need both classes" +
                (r.Subsamplable || o.N is not null ? " (a larger --n may draw both)" : ""));
        if (mapping[0].Count == 0 && r.File == spec && !r.Subsamplable) mapping.RemoveAt(0);   // e.g. two-point:THETA:same
        if (o.Noise > 0)
        {
            var rng = SeedSequence.Rng(o.Seed, "label-noise");
            int flips = 0;
            for (int i = 0; i < r.N; i++)
                if (rng.NextDouble() < o.Noise) { r.Y[i] = -r.Y[i]; flips++; }
            r.Notes.Add($"label noise: each label flipped with probability {Numbers.G6(o.Noise)} (seed {o.Seed}); {flips} of {r.N} flipped");
            r.UsesSeed = true;
        }
        int d = r.D;
        for (int i = 0; i < r.N; i++)
        {
            var row = r.X.AsSpan(i * d, d);
            double norm = Norm(row);
            int? line = r.Lines?[i];
            if (o.Normalise)
            {
                if (norm == 0) throw new InputException(r.File, line, null, "zero vector cannot be normalised to the unit sphere");
                if (Math.Abs(norm - 1) <= 4.5e-16) continue;   // unit within 2 ulps already: keep exact (generator) values
                for (int j = 0; j < d; j++) row[j] /= norm;
            }
            else if (norm > 1 + 1e-9)
                throw new InputException(r.File, line, null,
                    $"norm {norm.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} exceeds 1; the theory assumes ||x|| <= 1 (drop --no-normalise)");
        }
        if (o.Normalise) r.Notes.Add("rows normalised to the unit sphere");
        var prov = new Provenance(spec, description, o.Normalise, r.UsesSeed ? o.Seed : null, r.Notes.ToArray());
        return new Dataset(r.X, r.Y, r.N, d, r.FeatureNames, r.PositiveClass, r.NegativeClass, mapping, prov);
    }

    /// <summary>Seeded k-of-n subsample without replacement (partial Fisher-Yates, stream "subsample"), sorted.</summary>
    private static void Subsample(RawData r, int k, ulong seed)
    {
        var rng = SeedSequence.Rng(seed, "subsample");
        var idx = Enumerable.Range(0, r.N).ToArray();
        for (int i = 0; i < k; i++)
        {
            int j = i + rng.Next(r.N - i);
            (idx[i], idx[j]) = (idx[j], idx[i]);
        }
        Array.Sort(idx, 0, k);
        int d = r.D;
        var x = new double[(long)k * d];
        var y = new double[k];
        var lines = r.Lines is null ? null : new int[k];
        for (int i = 0; i < k; i++)
        {
            r.X.AsSpan(idx[i] * d, d).CopyTo(x.AsSpan(i * d, d));
            y[i] = r.Y[idx[i]];
            if (lines is not null) lines[i] = r.Lines![idx[i]];
        }
        r.X = x; r.Y = y; r.N = k; r.Lines = lines;
    }

    /// <summary>Euclidean norm, rescaled when the plain sum of squares overflows.</summary>
    private static double Norm(ReadOnlySpan<double> row)
    {
        double ss = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row);
        if (double.IsFinite(ss)) return Math.Sqrt(ss);
        double m = System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(row), acc = 0;
        foreach (var v in row) acc += (v / m) * (v / m);
        return m * Math.Sqrt(acc);
    }
}
