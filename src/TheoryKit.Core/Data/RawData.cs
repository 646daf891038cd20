using System.Globalization;

namespace TheoryKit.Data;

/// <summary>A loaded or generated table before subsampling, label noise and normalisation.</summary>
internal sealed class RawData
{
    /// <summary>Source named in error messages (file path or generator spec).</summary>
    public required string File { get; init; }
    /// <summary>n x d row-major features.</summary>
    public required double[] X { get; set; }
    /// <summary>Labels +-1, length n.</summary>
    public required double[] Y { get; set; }
    public required int N { get; set; }
    public required int D { get; init; }
    /// <summary>Source line (text files) or 1-based record number (IDX) of each row, or null.</summary>
    public int[]? Lines { get; set; }
    public IReadOnlyList<string>? FeatureNames { get; init; }
    public required string PositiveClass { get; init; }
    public required string NegativeClass { get; init; }
    public required string Description { get; init; }
    public List<string> Notes { get; } = [];
    /// <summary>True when the seed was used (generator randomness, subsample or noise).</summary>
    public bool UsesSeed { get; set; }
    /// <summary>True for real data, where <see cref="DataOptions.N"/> means a subsample.</summary>
    public bool Subsamplable { get; init; }
}

/// <summary>Invariant-culture number parsing with located errors.</summary>
internal static class Num
{
    public static bool TryParse(string s, out double v) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v);

    /// <summary>Parses a finite double.</summary>
    /// <exception cref="InputException">Unparsable, NaN or infinite.</exception>
    public static double Parse(string s, string file, int? line, string? field)
    {
        if (!TryParse(s, out var v)) throw new InputException(file, line, field, $"cannot parse '{s}' as a number");
        if (double.IsNaN(v)) throw new InputException(file, line, field, "value is NaN");
        if (double.IsInfinity(v)) throw new InputException(file, line, field, $"value '{s}' is infinite");
        return v;
    }

    /// <summary>Throws when an n x d double matrix exceeds the memory budget (<see cref="IO.MemoryBudget"/>) or one array.</summary>
    /// <exception cref="InputException">Naming the file and the sizes.</exception>
    public static void CheckSize(string file, double n, double d) => IO.MemoryBudget.CheckMatrix("data matrix n x d =", n, d, file);
}

/// <summary>
/// Maps a column of original label strings to signs (common rule for all loaders): exactly two distinct
/// values; numeric labels: smaller -1, larger +1; otherwise ordinal string order, first -1, second +1.
/// </summary>
internal static class LabelMapper
{
    /// <returns>Signs (length n), the name of the -1 class and of the +1 class (original spellings, first occurrence).</returns>
    /// <exception cref="InputException">A third distinct value (with its line), or only one value.</exception>
    public static (double[] Y, string Negative, string Positive) Map(
        string file, string field, IReadOnlyList<string> labels, IReadOnlyList<int>? lines, IReadOnlyList<LabelMap>? fixedMapping = null)
    {
        var n = labels.Count;
        if (fixedMapping is { Count: > 0 }) return MapFixed(file, field, labels, lines, fixedMapping);
        for (int i = 0; i < n; i++)
        {
            var l = labels[i].Trim();
            if (l.Length == 0) throw new InputException(file, lines?[i], field, "empty label");
            if (Num.TryParse(l, out var v) && !double.IsFinite(v))
                throw new InputException(file, lines?[i], field, $"label '{labels[i]}' is not a finite number (a class needs a real value or a name)");
        }
        var vals = new double[n];
        bool numeric = true;
        for (int i = 0; i < n && numeric; i++)
            numeric = Num.TryParse(labels[i], out vals[i]) && double.IsFinite(vals[i]);
        int first = 0, second = -1;
        bool Same(int i, int j) => numeric ? vals[i] == vals[j] : string.Equals(labels[i], labels[j], StringComparison.Ordinal);
        for (int i = 1; i < n; i++)
        {
            if (Same(i, first)) continue;
            if (second < 0) { second = i; continue; }
            if (Same(i, second)) continue;
            throw new InputException(file, lines?[i], field,
                $"labels must be two classes; found a third value '{labels[i]}' after '{labels[first]}' and '{labels[second]}'");
        }
        if (n == 0) throw new InputException(file, null, null, "no data rows");
        if (second < 0) throw new InputException(file, null, field, $"only one class '{labels[first]}' found; labels must be two classes");
        bool firstIsPositive = numeric ? vals[first] > vals[second] : string.CompareOrdinal(labels[first], labels[second]) > 0;
        int pos = firstIsPositive ? first : second, neg = firstIsPositive ? second : first;
        var y = new double[n];
        for (int i = 0; i < n; i++) y[i] = Same(i, pos) ? 1.0 : -1.0;
        return (y, labels[neg], labels[pos]);
    }

    /// <summary>Maps labels through a given mapping (numbers compare by value, other labels by their spelling).</summary>
    private static (double[] Y, string Negative, string Positive) MapFixed(
        string file, string field, IReadOnlyList<string> labels, IReadOnlyList<int>? lines, IReadOnlyList<LabelMap> mapping)
    {
        if (labels.Count == 0) throw new InputException(file, null, null, "no data rows");
        bool Equal(string a, string b) =>
            Num.TryParse(a, out var x) && Num.TryParse(b, out var v) ? x == v : string.Equals(a, b, StringComparison.Ordinal);
        var y = new double[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            var hit = mapping.FirstOrDefault(m => Equal(m.Original, labels[i]))
                ?? throw new InputException(file, lines?[i], field,
                    $"label '{labels[i]}' is not one of the training labels ({string.Join(", ", mapping.Select(m => "'" + m.Original + "'"))})");
            y[i] = hit.Sign;
        }
        string Name(int sign) => mapping.FirstOrDefault(m => m.Sign == sign)?.Original ?? (sign > 0 ? "+1" : "-1");
        return (y, Name(-1), Name(1));
    }
}
