using nietras.SeparatedValues;

namespace TheoryKit.Data;

/// <summary>
/// Delimited text (CSV, TSV, whitespace): one point per line, numeric features and one label column.
/// Separator: tab for .tsv, comma for .csv, otherwise comma, tab or whitespace by the first line.
/// Header: the first row is a header if it has a non-numeric field in a column where the second row
/// holds a number (so a header-less file with string labels is not mistaken for a header); a file with
/// a single row is a header-less file unless one of its fields is not a number.
/// Label column: <see cref="DataOptions.LabelColumn"/>, else the one header named label/y/class/target (two or more such
/// headers are refused as ambiguous), else the last.
/// Comma and tab separated files are read as RFC 4180 (Sep): a quoted field may hold the separator, doubled quotes
/// and line breaks; fields are trimmed.
/// </summary>
internal static class CsvLoader
{
    private static readonly string[] LabelNames = ["label", "y", "class", "target"];

    public static RawData Load(string path, DataOptions o)
    {
        IO.InputFile.Check(path);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        char? sep = ext == ".tsv" ? '\t' : ext == ".csv" ? ',' : null;

        if (sep is null)
            foreach (var line in File.ReadLines(path))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                sep = line.Contains(',') ? ',' : line.Contains('\t') ? '\t' : ' ';
                break;
            }

        // Pass 1: the first two non-blank rows decide the header.
        var firstRows = new List<string[]>(2);
        int firstRowLine = 1;
        foreach (var (lineNo, row) in Rows(path, sep ?? ','))
        {
            if (firstRows.Count == 0) firstRowLine = lineNo;
            firstRows.Add(row);
            if (firstRows.Count == 2) break;
        }
        if (firstRows.Count == 0) throw new InputException(path, null, null, "no data rows");
        var r1 = firstRows[0];
        bool IsNum(string[] r, int j) => j < r.Length && Num.TryParse(r[j], out _);
        var nonNumeric = Enumerable.Range(0, r1.Length).Where(j => !IsNum(r1, j)).ToArray();
        bool hasHeader = nonNumeric.Length > 0 &&
                         (firstRows.Count == 1 || nonNumeric.Any(j => IsNum(firstRows[1], j)));
        string[]? header = hasHeader ? r1 : null;
        int cols = r1.Length;
        if (cols < 2) throw new InputException(path, null, null, $"need a label column and at least one feature column, found {cols} field");

        int labelCol = cols - 1;
        if (o.LabelColumn is { } lc)
        {
            if (int.TryParse(lc, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var k))
            {
                if (k < 1 || k > cols) throw new InputException(path, null, "label column", $"column {k} is out of range 1..{cols}");
                labelCol = k - 1;
            }
            else if (header is null)
                throw new InputException(path, null, "label column", $"no header row, so '{lc}' must be a 1-based column index");
            else
            {
                labelCol = Array.FindIndex(header, h => string.Equals(h, lc, StringComparison.OrdinalIgnoreCase));
                if (labelCol < 0) throw new InputException(path, null, "label column", $"no column named '{lc}' (columns: {string.Join(", ", header)})");
            }
        }
        else if (header is not null)
        {
            var named = Enumerable.Range(0, cols).Where(j => LabelNames.Contains(header[j].ToLowerInvariant())).ToArray();
            if (named.Length > 1)
                throw new InputException(path, firstRowLine, "label column",
                    $"several columns could be the label ({string.Join(", ", named.Select(j => header[j]))}): choose one with --label-column");
            if (named.Length == 1) labelCol = named[0];
        }
        string FieldName(int j) => header?[j] ?? $"column {j + 1}";
        string labelField = header?[labelCol] ?? "label";

        // Pass 2: stream all rows.
        var xs = new List<double>();
        var labels = new List<string>();
        var lines = new List<int>();
        bool skippedHeader = header is null;
        foreach (var (lineNo, f) in Rows(path, sep!.Value))
        {
            if (!skippedHeader) { skippedHeader = true; continue; }
            // The list of values grows by doubling and is copied once at the end: up to 3 copies of n x d.
            if (labels.Count % 64 == 0) Num.CheckSize(path, 3.0 * (labels.Count + 64), cols - 1);
            if (f.Length != cols) throw new InputException(path, lineNo, null, $"expected {cols} fields, found {f.Length}");
            for (int j = 0; j < cols; j++)
                if (j != labelCol) xs.Add(Num.Parse(f[j], path, lineNo, FieldName(j)));
            labels.Add(f[labelCol]);
            lines.Add(lineNo);
        }
        if (labels.Count == 0) throw new InputException(path, null, null, "no data rows (only a header)");
        int d = cols - 1;
        if (o.D is { } dd && dd != d) throw new InputException(path, null, "d", $"file has {d} feature columns but d = {dd} was requested");
        var (y, neg, pos) = LabelMapper.Map(path, labelField, labels, lines, o.LabelMapping);
        var names = header?.Where((_, j) => j != labelCol).ToArray();
        var kind = sep == '\t' ? "TSV" : sep == ',' ? "CSV" : "text";
        return new RawData
        {
            File = path, X = xs.ToArray(), Y = y, N = labels.Count, D = d, Lines = lines.ToArray(), FeatureNames = names,
            PositiveClass = pos, NegativeClass = neg, Subsamplable = true,
            Description = $"{kind} file {Path.GetFileName(path)}, label column '{labelField}' ({neg} -> -1, {pos} -> +1)",
        };
    }

    /// <summary>
    /// The non-blank rows of the file with the 1-based line each starts on, fields trimmed. Comma and tab: RFC 4180
    /// through Sep (a quoted field may hold the separator, doubled quotes and line breaks; its quotes are removed);
    /// whitespace: runs of spaces and tabs separate fields.
    /// </summary>
    /// <exception cref="InputException">A row longer than 16 Mi characters (Sep's limit; an unclosed quote), naming its first line.</exception>
    private static IEnumerable<(int Line, string[] Fields)> Rows(string path, char sep)
    {
        if (sep == ' ')
        {
            int lineNo = 0;
            foreach (var line in File.ReadLines(path))
            {
                lineNo++;
                if (!string.IsNullOrWhiteSpace(line)) yield return (lineNo, line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            }
            yield break;
        }
        using var reader = Sep.New(sep).Reader(o => o with
        {
            HasHeader = false, Unescape = true, Trim = SepTrim.All, DisableColCountCheck = true, DisableFastFloat = true,
        }).FromFile(path);
        int next = 1;   // the line the next row starts on
        while (true)
        {
            try
            {
                if (!reader.MoveNext()) yield break;
            }
            catch (NotSupportedException)
            {
                // Sep refuses a row of more than 16 Mi characters, which an unclosed quote produces: memory stays bounded.
                throw new InputException(path, next, null, "a row longer than 16 Mi characters (is a quote left open?)");
            }
            var row = reader.Current;
            next = row.LineNumberToExcl;
            if (row.Span.IsWhiteSpace()) continue;
            var fields = new string[row.ColCount];
            for (int j = 0; j < fields.Length; j++) fields[j] = row[j].ToString();
            yield return (row.LineNumberFrom, fields);
        }
    }
}

/// <summary>
/// LIBSVM / SVMlight sparse text: <c>label idx:val idx:val ...</c> with 1-based strictly increasing
/// indices; <c>#</c> starts a comment; <c>qid:</c> tokens are ignored. d = the largest index, or
/// <see cref="DataOptions.D"/> when larger (an index beyond it is an error).
/// </summary>
internal static class LibSvmLoader
{
    public static RawData Load(string path, DataOptions o)
    {
        IO.InputFile.Check(path);
        if (o.D is < 1) throw new InputException(path, null, "d", $"must be >= 1, got {o.D}");
        var entries = new List<(int Row, int Col, double V)>();
        var labels = new List<string>();
        var lines = new List<int>();
        int lineNo = 0, maxIdx = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var s = raw;
            var h = s.IndexOf('#');
            if (h >= 0) s = s[..h];
            var t = s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (t.Length == 0) continue;
            int row = labels.Count, prev = 0;
            for (int k = 1; k < t.Length; k++)
            {
                var c = t[k].IndexOf(':');
                if (c <= 0) throw new InputException(path, lineNo, null, $"expected index:value, found '{t[k]}'");
                var idxStr = t[k][..c];
                if (idxStr.Equals("qid", StringComparison.OrdinalIgnoreCase)) continue;
                if (!int.TryParse(idxStr, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var idx) || idx < 1)
                    throw new InputException(path, lineNo, "index", $"'{idxStr}' is not a 1-based integer index");
                if (idx <= prev) throw new InputException(path, lineNo, "index", $"indices must increase; {idx} follows {prev}");
                if (o.D is { } dd && idx > dd) throw new InputException(path, lineNo, $"x{idx}", $"index {idx} exceeds d = {dd}");
                prev = idx;
                entries.Add((row, idx - 1, Num.Parse(t[k][(c + 1)..], path, lineNo, $"x{idx}")));
            }
            maxIdx = Math.Max(maxIdx, prev);
            labels.Add(t[0]);
            lines.Add(lineNo);
        }
        if (labels.Count == 0) throw new InputException(path, null, null, "no data rows");
        int d = Math.Max(maxIdx, o.D ?? 0);
        if (d == 0) throw new InputException(path, null, null, "no features (no index:value pairs and no d given)");
        Num.CheckSize(path, labels.Count, d);
        var x = new double[(long)labels.Count * d];
        foreach (var (r, c, v) in entries) x[(long)r * d + c] = v;
        var (y, neg, pos) = LabelMapper.Map(path, "label", labels, lines, o.LabelMapping);
        return new RawData
        {
            File = path, X = x, Y = y, N = labels.Count, D = d, Lines = lines.ToArray(),
            PositiveClass = pos, NegativeClass = neg, Subsamplable = true,
            Description = $"LIBSVM file {Path.GetFileName(path)} ({neg} -> -1, {pos} -> +1)",
        };
    }
}
