using System.Globalization;

namespace TheoryKit.IO;

/// <summary>
/// The memory budget: every allocation whose size comes from input (an n x d data matrix, an m x d weight matrix,
/// sample matrices, decompressed files) is checked against it first, so that hostile or mistaken input ends in one
/// line naming what was too large instead of exhausting the machine. Default: a quarter of the memory available to the
/// process (<see cref="GC.GetGCMemoryInfo()"/>.TotalAvailableMemoryBytes, which respects container limits);
/// the CLI's <c>--max-memory</c> sets it.
/// </summary>
public static class MemoryBudget
{
    private static long _bytes = DefaultBytes();

    /// <summary>The budget in bytes (&gt; 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive value.</exception>
    public static long Bytes
    {
        get => Interlocked.Read(ref _bytes);
        set { ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value); Interlocked.Exchange(ref _bytes, value); }
    }

    /// <summary>A quarter of the memory available to the process (at least 64 MiB): the checked buffers are the largest of a
    /// computation, not all of it, and solvers keep several of them.</summary>
    public static long DefaultBytes()
    {
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (total <= 0) total = 4L << 30;
        return Math.Max(64L << 20, total / 4);
    }

    /// <summary>
    /// Throws when <paramref name="count"/> elements of <paramref name="elementBytes"/> bytes exceed the budget or one
    /// .NET array (<see cref="Array.MaxLength"/> elements). Computed in floating point, so huge counts cannot overflow.
    /// </summary>
    /// <param name="what">What would be allocated, for the message (e.g. "data matrix n x d = 3 x 2000000000").</param>
    /// <param name="count">Element count (may be a product of sizes computed as double).</param>
    /// <param name="elementBytes">Bytes per element (8 for double).</param>
    /// <param name="file">The file the sizes come from, or null for a parameter.</param>
    /// <param name="field">The field or parameter the sizes come from, or null.</param>
    /// <exception cref="InputException">Over the budget or beyond one array.</exception>
    public static void Check(string what, double count, int elementBytes, string? file = null, string? field = null)
    {
        double bytes = count * elementBytes;
        if (!(count >= 0) || bytes > Bytes)
            throw Error(file, field, $"{what} needs {Size(bytes)}, more than the memory budget {Size(Bytes)} (raise it with --max-memory)");
        if (count > Array.MaxLength)
            throw Error(file, field, $"{what} has {count.ToString("G4", CultureInfo.InvariantCulture)} elements, more than one array holds ({Array.MaxLength})");
    }

    /// <summary>Checks a rows x cols matrix of doubles (<see cref="Check"/>).</summary>
    /// <exception cref="InputException">Over the budget or beyond one array.</exception>
    public static void CheckMatrix(string what, double rows, double cols, string? file = null, string? field = null) =>
        Check($"{what} {rows.ToString("G10", CultureInfo.InvariantCulture)} x {cols.ToString("G10", CultureInfo.InvariantCulture)}", rows * cols, sizeof(double), file, field);

    private static InputException Error(string? file, string? field, string reason) =>
        file is null ? InputException.Parameter(field ?? "max-memory", reason) : new InputException(file, null, field, reason);

    /// <summary>A byte count in binary units (e.g. "16 GiB").</summary>
    public static string Size(double bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        int k = 0;
        while (bytes >= 1024 && k < units.Length - 1) { bytes /= 1024; k++; }
        return (k == 0 ? bytes.ToString("0", CultureInfo.InvariantCulture) : bytes.ToString("0.##", CultureInfo.InvariantCulture)) + " " + units[k];
    }

    /// <summary>
    /// Parses a budget: a number of bytes with an optional unit K, M, G, T (binary: 1G = 2^30 bytes; "B" and "iB"
    /// suffixes accepted), e.g. "512M", "4G", "1.5GiB".
    /// </summary>
    /// <exception cref="InputException">Not a positive size.</exception>
    public static long Parse(string text)
    {
        var s = (text ?? "").Trim().ToUpperInvariant();
        if (s.EndsWith("IB", StringComparison.Ordinal)) s = s[..^2];
        else if (s.EndsWith('B')) s = s[..^1];
        double unit = 1;
        if (s.Length > 0 && "KMGT".Contains(s[^1]))
        {
            unit = Math.Pow(1024, "KMGT".IndexOf(s[^1]) + 1);
            s = s[..^1];
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v * unit >= 1) || !double.IsFinite(v * unit) || v * unit > long.MaxValue / 2.0)
            throw InputException.Parameter("max-memory", $"expected a positive size such as 512M or 4G, got '{text}'");
        return (long)(v * unit);
    }
}
