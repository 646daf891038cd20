using System.Buffers.Binary;
using System.IO.Compression;

namespace TheoryKit.Data;

/// <summary>
/// IDX files (LeCun's MNIST format): an images file (magic 2051, big-endian int32 n, rows, cols, then
/// n*rows*cols unsigned bytes) and a labels file (magic 2049, int32 n, then n unsigned bytes), each
/// plain or gzip (by the .gz extension or the gzip magic). Pixels are scaled to [0, 1] (divided by 255).
/// In error messages the "line" of a binary file is the 1-based record (image) number.
/// </summary>
internal static class IdxLoader
{
    /// <summary>Loads an images file and its labels; <see cref="DataOptions.Classes"/> picks a pair ("A-vs-B", A -> +1).</summary>
    public static RawData Load(string imagesPath, DataOptions o)
    {
        IO.InputFile.Check(imagesPath);
        var labelsPath = o.LabelsPath ?? DeriveLabelsPath(imagesPath);
        var labels = ReadLabels(labelsPath, ImagesHeader(imagesPath).N, imagesPath);
        int a, b;
        if (o.Classes is { } cls)
        {
            var (sa, sb) = SplitPair(cls, imagesPath, "classes");
            a = ParseByte(sa, imagesPath, "A"); b = ParseByte(sb, imagesPath, "B");
            if (a == b) throw new InputException(imagesPath, null, "classes", $"the two classes must differ, got '{cls}'");
            foreach (var (v, s) in new[] { (a, sa), (b, sb) })
                if (Array.IndexOf(labels, (byte)v) < 0) throw new InputException(labelsPath, null, "label", $"class '{s}' does not occur in the labels");
        }
        else
        {
            int first = labels.Length > 0 ? labels[0] : -1, second = -1;
            for (int i = 1; i < labels.Length; i++)
            {
                if (labels[i] == first || labels[i] == second) continue;
                if (second < 0) { second = labels[i]; continue; }
                throw new InputException(labelsPath, i + 1, "label",
                    $"labels must be two classes; found a third value '{labels[i]}' after '{first}' and '{second}' (pick a pair with classes A-vs-B)");
            }
            if (first < 0) throw new InputException(labelsPath, null, null, "no labels");
            if (second < 0) throw new InputException(labelsPath, null, "label", $"only one class '{first}' found; labels must be two classes");
            (a, b) = (Math.Max(first, second), Math.Min(first, second)); // numeric rule: larger -> +1
        }
        var raw = Read(imagesPath, labelsPath, labels, (byte)a, (byte)b, a.ToString(), b.ToString(), o,
            $"IDX file {Path.GetFileName(imagesPath)}, label {a} -> +1, label {b} -> -1");
        return raw;
    }

    /// <summary>Labels file next to an images file: "images-idx3" replaced by "labels-idx1" in the file name.</summary>
    private static string DeriveLabelsPath(string imagesPath)
    {
        var name = Path.GetFileName(imagesPath);
        if (!name.Contains("images-idx3", StringComparison.Ordinal))
            throw new InputException(imagesPath, null, "labels", "cannot derive the labels file name (no 'images-idx3' in the name); give the labels path");
        return Path.Combine(Path.GetDirectoryName(imagesPath) ?? "", name.Replace("images-idx3", "labels-idx1"));
    }

    internal static (string A, string B) SplitPair(string pair, string file, string field)
    {
        var k = pair.IndexOf("-vs-", StringComparison.OrdinalIgnoreCase);
        if (k <= 0 || k + 4 >= pair.Length) throw new InputException(file, null, field, $"expected 'A-vs-B', got '{pair}'");
        return (pair[..k].Trim(), pair[(k + 4)..].Trim());
    }

    private static int ParseByte(string s, string file, string field) =>
        int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v <= 255
            ? v : throw new InputException(file, null, field, $"IDX label value must be an integer 0..255, got '{s}'");

    /// <summary>Reads the images whose label is a (+1) or b (-1), in file order, decoding the stream once.</summary>
    internal static RawData Read(string imagesPath, string labelsPath, byte[] labels, byte a, byte b, string nameA, string nameB,
                                 DataOptions o, string description)
    {
        int kept = 0;
        foreach (var l in labels) if (l == a || l == b) kept++;
        try
        {
            var (n, rows, cols, d) = ImagesHeader(imagesPath);
            if (n != labels.Length) throw new InputException(labelsPath, null, null, $"has {labels.Length} labels but {imagesPath} has {n} images");
            if (o.D is { } dd && dd != d) throw new InputException(imagesPath, null, "d", $"images have d = {d} pixels but d = {dd} was requested");
            Num.CheckSize(imagesPath, kept, d);
            using var s = Open(imagesPath);
            s.ReadExactly(new byte[16]);
            var scale = new double[256];
            for (int v = 0; v < 256; v++) scale[v] = v / 255.0;
            var x = new double[(long)kept * d];
            var y = new double[kept];
            var rec = new int[kept];
            var buf = new byte[d];
            int r = 0;
            for (int i = 0; i < n; i++)
            {
                try { s.ReadExactly(buf); }
                catch (EndOfStreamException) { throw new InputException(imagesPath, i + 1, null, $"file truncated: ends inside image {i + 1} of {n}"); }
                if (labels[i] != a && labels[i] != b) continue;
                var dst = x.AsSpan(r * d, d);
                for (int j = 0; j < d; j++) dst[j] = scale[buf[j]];
                y[r] = labels[i] == a ? 1.0 : -1.0;
                rec[r++] = i + 1;
            }
            return new RawData
            {
                File = imagesPath, X = x, Y = y, N = kept, D = d, Lines = rec, PositiveClass = nameA, NegativeClass = nameB,
                Subsamplable = true, Description = description,
            };
        }
        catch (InvalidDataException e) { throw new InputException(imagesPath, null, null, "corrupt gzip stream: " + e.Message); }
    }

    /// <summary>
    /// Reads the 16-byte header of an IDX images file (magic 2051, n, rows, cols) and checks the declared payload
    /// n x rows x cols bytes against the file's real size before anything is allocated: a plain file must hold it,
    /// a gzip file cannot hold more than DEFLATE's largest ratio (1032:1) allows.
    /// </summary>
    /// <returns>The image count n, rows, cols and d = rows x cols.</returns>
    /// <exception cref="InputException">Missing file, wrong magic, bad or overflowing dimensions, a payload the file cannot hold.</exception>
    internal static (int N, int Rows, int Cols, int D) ImagesHeader(string path)
    {
        IO.InputFile.Check(path);
        try
        {
            using var s = Open(path);
            var head = ReadHeader(s, 16, 2051, "images", path);
            int n = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(4)), rows = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(8)),
                cols = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(12));
            if (n < 0 || rows < 1 || cols < 1) throw new InputException(path, null, "dimensions", $"bad dimensions {n} x {rows} x {cols}");
            long d = (long)rows * cols;
            if (d > Array.MaxLength) throw new InputException(path, null, "dimensions", $"an image of {rows} x {cols} pixels is larger than one array holds");
            CheckPayload(path, 16, (double)n * d, $"{n} images of {rows} x {cols} pixels");
            return (n, rows, cols, (int)d);
        }
        catch (InvalidDataException e) { throw new InputException(path, null, null, "corrupt gzip stream: " + e.Message); }
    }

    /// <summary>Largest decompressed-to-compressed size ratio of DEFLATE (RFC 1951: 258-byte matches in 1-2 bits).</summary>
    private const double MaxGzipRatio = 1032;

    /// <summary>
    /// A gzip IDX file whose declared payload exceeds <see cref="BombFloor"/> bytes and this many times the file's size is
    /// refused as a likely bomb: image data compresses far less (Fashion-MNIST about 2:1, MNIST about 5:1); a plain file is
    /// checked exactly instead.
    /// </summary>
    private const double BombRatio = 100, BombFloor = 64 << 20;

    /// <summary>Refuses a declared payload the file cannot hold (plain: its size; gzip: 1032 times its size).</summary>
    private static void CheckPayload(string path, long headerBytes, double payloadBytes, string what)
    {
        long size = new FileInfo(path).Length;
        if (IsGzip(path))
        {
            if (payloadBytes + headerBytes > size * MaxGzipRatio)
                throw new InputException(path, null, "dimensions", $"declares {what} ({payloadBytes:G4} bytes), more than a {size}-byte gzip file can hold");
            if (payloadBytes > BombFloor && payloadBytes > size * BombRatio)
                throw new InputException(path, null, "dimensions",
                    $"declares {what} ({payloadBytes:G4} bytes), more than {BombRatio:0} times the gzip file's size: refused as a likely gzip bomb (decompress it with gunzip to load it)");
        }
        else if (payloadBytes + headerBytes > size)
            throw new InputException(path, null, null, $"file truncated: declares {what} ({payloadBytes:G4} bytes) but has {size - headerBytes} bytes after its header");
    }

    /// <summary>
    /// Reads an IDX labels file (magic 2049); the count must equal <paramref name="expected"/> (the images file's n,
    /// when known) and fit in the file, both checked before the labels are allocated.
    /// </summary>
    internal static byte[] ReadLabels(string path, int? expected = null, string? imagesPath = null)
    {
        IO.InputFile.Check(path);
        try
        {
            using var s = Open(path);
            var head = ReadHeader(s, 8, 2049, "labels", path);
            int n = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(4));
            if (n < 0) throw new InputException(path, null, "count", $"bad label count {n}");
            if (expected is { } e && e != n) throw new InputException(path, null, "count", $"has {n} labels but {imagesPath} has {e} images");
            CheckPayload(path, 8, n, $"{n} labels");
            IO.MemoryBudget.Check($"{n} labels", n, 1, path, "count");
            var labels = new byte[n];
            try { s.ReadExactly(labels); }
            catch (EndOfStreamException) { throw new InputException(path, null, null, $"file truncated: expected {n} labels"); }
            return labels;
        }
        catch (InvalidDataException e) { throw new InputException(path, null, null, "corrupt gzip stream: " + e.Message); }
    }

    /// <summary>Reads an IDX header of the given length and checks its magic number (2051 images, 2049 labels).</summary>
    private static byte[] ReadHeader(Stream s, int bytes, int magic, string kind, string path)
    {
        var head = new byte[bytes];
        try { s.ReadExactly(head); }
        catch (EndOfStreamException) { throw new InputException(path, null, null, $"file truncated: shorter than its {bytes}-byte IDX header"); }
        int found = BinaryPrimitives.ReadInt32BigEndian(head);
        if (found != magic) throw new InputException(path, null, "magic", $"not an IDX {kind} file (magic {found}, expected {magic})");
        return head;
    }

    /// <summary>Opens a file, decompressing gzip (by extension or magic bytes 1f 8b) through a buffer.</summary>
    private static Stream Open(string path)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return IsGzip(path) ? new BufferedStream(new GZipStream(fs, CompressionMode.Decompress), 1 << 16) : fs;
    }

    /// <summary>True for a gzip file: the .gz extension or the magic bytes 1f 8b.</summary>
    private static bool IsGzip(string path)
    {
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return true;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 16);
        return fs.ReadByte() == 0x1f && fs.ReadByte() == 0x8b;
    }
}

/// <summary>
/// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 28 x 28 grey images in 10 classes, read from the gzip IDX
/// files of the Debian package dataset-fashion-mnist ({train,t10k}-{images-idx3,labels-idx1}-ubyte.gz).
/// </summary>
public static class FashionMnist
{
    /// <summary>Official class names, indexed by label 0-9.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static readonly Dictionary<string, int> Aliases = new()
    {
        ["t-shirt"] = 0, ["t-shirt/top"] = 0, ["tshirt"] = 0, ["top"] = 0, ["t-shirt-top"] = 0, ["tshirt/top"] = 0,
        ["trouser"] = 1, ["trousers"] = 1, ["pullover"] = 2, ["dress"] = 3, ["coat"] = 4, ["sandal"] = 5,
        ["shirt"] = 6, ["sneaker"] = 7, ["bag"] = 8, ["ankle-boot"] = 9, ["boot"] = 9,
    };

    /// <summary>
    /// Class index 0-9 of a name or digit: case-insensitive, spaces and underscores count as hyphens
    /// (0 t-shirt | t-shirt/top | tshirt | top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt,
    /// 7 sneaker, 8 bag, 9 ankle-boot | boot). Returns null when unknown.
    /// </summary>
    public static int? ParseClass(string name)
    {
        var s = Canon(name);
        if (s.Length == 1 && s[0] is >= '0' and <= '9') return s[0] - '0';
        return Aliases.TryGetValue(s, out var k) ? k : null;
    }

    private static string Canon(string s) => s.Trim().ToLowerInvariant().Replace(' ', '-').Replace('_', '-');

    /// <summary>
    /// Checks a class pair "A-vs-B" (names or indices, as <see cref="ParseClass"/>) without reading any file, so that a
    /// command can refuse it before any work.
    /// </summary>
    /// <returns>The class indices (A, B).</returns>
    /// <exception cref="InputException">Not "A-vs-B", an unknown class, or twice the same class (naming fashion-mnist:PAIR).</exception>
    public static (int A, int B) CheckPair(string pair)
    {
        var spec = $"fashion-mnist:{pair}";
        var (sa, sb) = IdxLoader.SplitPair(Canon(pair), spec, "classes");
        int a = ParseClass(sa) ?? throw Unknown(spec, "A", sa), b = ParseClass(sb) ?? throw Unknown(spec, "B", sb);
        if (a == b) throw new InputException(spec, null, "classes", $"the two classes must differ, both are '{ClassNames[a]}'");
        return (a, b);
    }

    /// <summary>
    /// Loads the pair "A-vs-B" (A -> +1, B -> -1) from <see cref="DataOptions.FashionMnistDir"/>, split
    /// <see cref="DataOptions.Split"/>; X is n x 784 row-major with pixels in [0, 1] (before normalisation).
    /// </summary>
    internal static RawData Load(string spec, string pair, DataOptions o)
    {
        var (sa, sb) = IdxLoader.SplitPair(Canon(pair), spec, "classes");
        int a = ParseClass(sa) ?? throw Unknown(spec, "A", sa), b = ParseClass(sb) ?? throw Unknown(spec, "B", sb);
        if (a == b) throw new InputException(spec, null, "classes", $"the two classes must differ, both are '{ClassNames[a]}'");
        var split = o.Split.Trim().ToLowerInvariant() switch
        {
            "train" => "train",
            "test" or "t10k" => "t10k",
            _ => throw InputException.Parameter("split", $"must be 'train' or 'test', got '{o.Split}'"),
        };
        var images = Path.Combine(o.FashionMnistDir, $"{split}-images-idx3-ubyte.gz");
        var labelsPath = Path.Combine(o.FashionMnistDir, $"{split}-labels-idx1-ubyte.gz");
        foreach (var f in new[] { images, labelsPath })
            if (!File.Exists(f))
                throw new InputException(f, null, null, "file not found; install Debian package dataset-fashion-mnist (or set THEORYKIT_FASHION_MNIST to its directory)");
        var labels = IdxLoader.ReadLabels(labelsPath, IdxLoader.ImagesHeader(images).N, images);
        var splitName = split == "train" ? "train" : "test";
        return IdxLoader.Read(images, labelsPath, labels, (byte)a, (byte)b, ClassNames[a], ClassNames[b], o,
            $"Fashion-MNIST {splitName}, {ClassNames[a]} (+1) vs {ClassNames[b]} (-1)");
    }

    private static InputException Unknown(string spec, string field, string name) =>
        new(spec, null, field, $"unknown Fashion-MNIST class '{name}' (use 0-9 or t-shirt, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, ankle-boot)");
}
