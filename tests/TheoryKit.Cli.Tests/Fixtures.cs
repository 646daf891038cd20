using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace TheoryKit.Cli.Tests;

/// <summary>Builders of hostile input files and output targets, each an action on a case's working folder.</summary>
public static class Fixtures
{
    /// <summary>A text file.</summary>
    public static Action<string> Text(string name, string text) => dir => File.WriteAllText(Path.Combine(dir, name), text);

    /// <summary>A binary file.</summary>
    public static Action<string> Bytes(string name, byte[] bytes) => dir => File.WriteAllBytes(Path.Combine(dir, name), bytes);

    /// <summary>A folder.</summary>
    public static Action<string> Folder(string name) => dir => Directory.CreateDirectory(Path.Combine(dir, name));

    /// <summary>A symbolic link <paramref name="name"/> to <paramref name="target"/>.</summary>
    public static Action<string> Link(string name, string target) => dir => File.CreateSymbolicLink(Path.Combine(dir, name), target);

    /// <summary>A FIFO (named pipe), made by mkfifo.</summary>
    public static Action<string> Fifo(string name) => dir =>
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", Path.Combine(dir, name)) { UseShellExecute = false })!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("mkfifo failed");
    };

    /// <summary>
    /// A character device <paramref name="name"/> like /dev/null (mknod c 1 3), so that a build that wrongly replaces
    /// devices damages only the test's folder; where mknod is not permitted, a symbolic link to /dev/null (which such a
    /// build would replace, leaving /dev/null itself alone).
    /// </summary>
    public static Action<string> Device(string name) => dir =>
    {
        var path = Path.Combine(dir, name);
        using var p = Process.Start(new ProcessStartInfo("mknod", ["-m", "666", path, "c", "1", "3"]) { UseShellExecute = false, RedirectStandardError = true })!;
        p.WaitForExit();
        if (p.ExitCode != 0) File.CreateSymbolicLink(path, "/dev/null");
    };

    /// <summary>
    /// A folder of CIFAR-10's binary format: data_batch_1.bin ... data_batch_5.bin and test_batch.bin, each two records of 3073 bytes
    /// (label byte 3 then 5, pixels 1..255 cycling). <paramref name="only"/> writes that file alone; <paramref name="broken"/> names the
    /// file to spoil: <paramref name="tail"/> extra bytes (a truncated third record), <paramref name="label"/> as the second record's
    /// label byte, or <paramref name="empty"/> for a file of no bytes.
    /// </summary>
    public static Action<string> Cifar(string folder, string? only = null, string? broken = null, int tail = 0, int? label = null, bool empty = false) => dir =>
    {
        var root = Directory.CreateDirectory(Path.Combine(dir, folder)).FullName;
        string[] files = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
        foreach (var f in only is null ? files : [only])
        {
            var bytes = new byte[2 * 3073 + (f == broken ? tail : 0)];
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(1 + i % 255);
            bytes[0] = 3;
            bytes[3073] = f == broken && label is { } l ? (byte)l : (byte)5;
            File.WriteAllBytes(Path.Combine(root, f), f == broken && empty ? [] : bytes);
        }
    };

    /// <summary>Several set-up steps in order.</summary>
    public static Action<string> All(params Action<string>[] steps) => dir => { foreach (var s in steps) s(dir); };

    /// <summary>A CSV of <paramref name="rows"/> rows with <paramref name="columns"/> feature columns (values 1..9) and an alternating 0/1 label.</summary>
    public static Action<string> WideCsv(string name, int rows, int columns) => dir =>
    {
        var sb = new StringBuilder();
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++) sb.Append((char)('1' + (i + j) % 9)).Append(',');
            sb.Append(i % 2).Append('\n');
        }
        File.WriteAllText(Path.Combine(dir, name), sb.ToString());
    };

    /// <summary>IDX header: magic and big-endian int32 dimensions.</summary>
    public static byte[] IdxHeader(int magic, params int[] dims)
    {
        var b = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(b, magic);
        for (int k = 0; k < dims.Length; k++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * k), dims[k]);
        return b;
    }

    /// <summary>An IDX images file (magic 2051, n, rows, cols) with the given payload.</summary>
    public static byte[] Images(int n, int rows, int cols, byte[] payload) => [.. IdxHeader(2051, n, rows, cols), .. payload];

    /// <summary>An IDX labels file (magic 2049, n) with the given labels.</summary>
    public static byte[] Labels(int n, byte[] labels) => [.. IdxHeader(2049, n), .. labels];

    /// <summary>Gzip of <paramref name="head"/> followed by <paramref name="zeros"/> zero bytes (a bomb when the zeros are many).</summary>
    public static byte[] Gzip(byte[] head, long zeros = 0)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(head);
            var block = new byte[1 << 20];
            for (long left = zeros; left > 0; left -= block.Length) gz.Write(block, 0, (int)Math.Min(block.Length, left));
        }
        return ms.ToArray();
    }

    /// <summary>Gzip of <paramref name="head"/> followed by <paramref name="count"/> incompressible (seeded random) bytes.</summary>
    public static byte[] GzipRandom(byte[] head, int count)
    {
        var rest = new byte[count];
        new System.Random(1).NextBytes(rest);
        return Gzip([.. head, .. rest]);
    }

    /// <summary>A plain IDX pair imgs-images-idx3-ubyte / imgs-labels-idx1-ubyte of two 2 x 2 images with labels 0 and 1.</summary>
    public static Action<string> GoodIdxLabels(string prefix = "imgs") =>
        Bytes(prefix + "-labels-idx1-ubyte", Labels(2, [0, 1]));
}
