namespace TheoryKit.Data;

/// <summary>
/// CIFAR-10 class pairs from the user's copy of the standard binary distribution (Krizhevsky 2009, "CIFAR-10 binary version"):
/// data_batch_1.bin ... data_batch_5.bin (training split) and test_batch.bin (test split), each a sequence of 3073-byte records,
/// one label byte 0-9 then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32 x 32 row-major). Rows keep that
/// channel-major order (3 x 32 x 32), pixels scaled to [0, 1] (divided by 255). In error messages the "line" is the 1-based
/// record number within the named file. Plain file parsing: nothing here needs a network library.
/// </summary>
public static class Cifar10
{
    /// <summary>Bytes of one record: 1 label byte + 3 x 32 x 32 pixel bytes.</summary>
    public const int RecordBytes = 1 + Pixels;

    /// <summary>Pixels (values) per image: 3 channels x 32 x 32.</summary>
    public const int Pixels = 3 * 32 * 32;

    /// <summary>Official class names, indexed by label 0-9.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>The files of a split: data_batch_1.bin ... data_batch_5.bin ("train") or test_batch.bin ("test").</summary>
    /// <param name="split">"train" or "test".</param>
    public static IReadOnlyList<string> Files(string split) =>
        split == "test" ? ["test_batch.bin"] : Enumerable.Range(1, 5).Select(k => $"data_batch_{k}.bin").ToArray();

    /// <summary>
    /// Class index 0-9 of a name or digit, case-insensitive (airplane | plane, automobile | car, bird, cat, deer, dog, frog,
    /// horse, ship, truck). Returns null when unknown.
    /// </summary>
    /// <param name="name">Name or digit.</param>
    public static int? ParseClass(string name)
    {
        var s = name.Trim().ToLowerInvariant();
        if (s.Length == 1 && s[0] is >= '0' and <= '9') return s[0] - '0';
        if (s == "plane") return 0;
        if (s == "car") return 1;
        int k = ClassNames.ToList().IndexOf(s);
        return k >= 0 ? k : null;
    }

    /// <summary>
    /// Loads the pair "A-vs-B" (A -> +1, B -> -1) of split <see cref="DataOptions.Split"/> from <see cref="DataOptions.CifarDir"/>:
    /// n x 3072 row-major (channel-major images), in file order.
    /// </summary>
    /// <exception cref="InputException">No folder given, a missing file, a file that is not a whole number of records, a label
    /// byte above 9, an unknown class, too little memory.</exception>
    internal static RawData Load(string spec, string pair, DataOptions o)
    {
        var (sa, sb) = IdxLoader.SplitPair(pair.Trim().ToLowerInvariant(), spec, "classes");
        int a = ParseClass(sa) ?? throw Unknown(spec, "A", sa), b = ParseClass(sb) ?? throw Unknown(spec, "B", sb);
        if (a == b) throw new InputException(spec, null, "classes", $"the two classes must differ, both are '{ClassNames[a]}'");
        var split = o.Split.Trim().ToLowerInvariant() switch
        {
            "train" => "train",
            "test" => "test",
            _ => throw InputException.Parameter("split", $"must be 'train' or 'test', got '{o.Split}'"),
        };
        var dir = o.CifarDir;
        if (string.IsNullOrWhiteSpace(dir))
            throw new InputException(spec, null, "cifar-dir", "give --cifar-dir DIR, the folder of CIFAR-10's binary distribution (data_batch_1.bin ... data_batch_5.bin, test_batch.bin), or set THEORYKIT_CIFAR10");
        if (!Directory.Exists(dir)) throw new InputException(dir, null, "cifar-dir", "folder not found");
        var files = Files(split).Select(f => Path.Combine(dir, f)).ToArray();
        // pass 1: every file's size and labels (one byte per record), so that the kept rows are known before any allocation
        var kept = new List<(string File, int Record)>();
        var signs = new List<double>();
        foreach (var f in files)
        {
            if (!File.Exists(f)) throw new InputException(f, null, null, "file not found; CIFAR-10's binary distribution has data_batch_1.bin ... data_batch_5.bin and test_batch.bin");
            IO.InputFile.Check(f);
            long size = new FileInfo(f).Length;
            if (size == 0) throw new InputException(f, null, null, "empty file; expected records of 3073 bytes (1 label byte + 3072 pixel bytes)");
            if (size % RecordBytes != 0)
                throw new InputException(f, checked((int)(size / RecordBytes) + 1), "record",
                    $"truncated record: {size % RecordBytes} of {RecordBytes} bytes (the file's {size} bytes are not a whole number of records of 1 label byte + 3072 pixel bytes)");
            using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            int records = checked((int)(size / RecordBytes));
            for (int k = 0; k < records; k++)
            {
                s.Position = (long)k * RecordBytes;
                int label = s.ReadByte();
                if (label < 0) throw new InputException(f, k + 1, "label", "file ended early (changed while reading?)");
                if (label > 9) throw new InputException(f, k + 1, "label", $"label byte {label} is not a CIFAR-10 class 0-9");
                if (label == a || label == b) { kept.Add((f, k)); signs.Add(label == a ? 1 : -1); }
            }
        }
        Num.CheckSize(files[0], kept.Count, Pixels);
        var x = new double[(long)kept.Count * Pixels];
        var record = new byte[RecordBytes];
        int row = 0;
        foreach (var group in kept.GroupBy(k => k.File))
        {
            using var s = new FileStream(group.Key, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            foreach (var (file, k) in group)
            {
                s.Position = (long)k * RecordBytes;
                s.ReadExactly(record);
                bool zero = true;
                var dst = x.AsSpan(row * Pixels, Pixels);
                for (int j = 0; j < Pixels; j++) { dst[j] = record[1 + j] / 255.0; zero &= record[1 + j] == 0; }
                if (zero && o.Normalise) throw new InputException(file, k + 1, null, "an all-black image (zero vector) cannot be normalised to the unit sphere");
                row++;
            }
        }
        return new RawData
        {
            File = files.Length == 1 ? files[0] : Path.Combine(dir, "data_batch_{1..5}.bin"), X = x, Y = signs.ToArray(), N = kept.Count, D = Pixels,
            PositiveClass = ClassNames[a], NegativeClass = ClassNames[b], Subsamplable = true,
            Description = $"CIFAR-10 {split}, {ClassNames[a]} (+1) vs {ClassNames[b]} (-1)",
        };
    }

    private static InputException Unknown(string spec, string field, string name) =>
        new(spec, null, field, $"unknown CIFAR-10 class '{name}' (use 0-9 or airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck)");
}
