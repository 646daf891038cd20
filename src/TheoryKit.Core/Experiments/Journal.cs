using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TheoryKit.Experiments;

/// <summary>What <see cref="Journal.Load"/> read from a journal file.</summary>
/// <param name="Header">The header object (line 1).</param>
/// <param name="Records">The complete run records, in file order.</param>
/// <param name="Lines">1-based line number of each record.</param>
/// <param name="ValidLength">Bytes up to and including the newline of the last complete line.</param>
/// <param name="DiscardedTail">True when a final truncated or unparsable line was ignored (a crash mid-write).</param>
/// <typeparam name="TRecord">The record type of the journal's lines.</typeparam>
public sealed record JournalContents<TRecord>(JsonObject Header, IReadOnlyList<TRecord> Records, IReadOnlyList<int> Lines, long ValidLength, bool DiscardedTail);

/// <summary>The width-sweep journal (<see cref="JsonLinesJournal{TRecord, TKey}"/> of <see cref="RunRecord"/>s keyed by <see cref="RunKey"/>).</summary>
public static class Journal
{
    /// <summary>The journals' JSON settings: snake_case names and enums, NaN and infinities allowed, required fields enforced.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Opens (and locks) a width-sweep journal; see <see cref="JsonLinesJournal{TRecord, TKey}.Open"/>.</summary>
    /// <param name="path">The .jsonl file.</param>
    /// <param name="header">The sweep's settings (see <see cref="SweepSpec.Header"/>).</param>
    /// <exception cref="InputException">As <see cref="JsonLinesJournal{TRecord, TKey}.Open"/>.</exception>
    public static JsonLinesJournal<RunRecord, RunKey> Open(string path, JsonObject header) =>
        JsonLinesJournal<RunRecord, RunKey>.Open(path, header, r => r.Key, "width-sweep");

    /// <summary>Reads a width-sweep journal that is not open for writing; see <see cref="JsonLinesJournal{TRecord, TKey}.Load"/>.</summary>
    /// <param name="path">The .jsonl file.</param>
    /// <exception cref="InputException">As <see cref="JsonLinesJournal{TRecord, TKey}.Load"/>, or a header that is not of format <see cref="SweepSpec.JournalFormat"/>.</exception>
    public static JournalContents<RunRecord> Load(string path) =>
        JsonLinesJournal<RunRecord, RunKey>.Load(path, r => r.Key, SweepSpec.JournalFormat, "width-sweep");

    /// <summary>One record as its journal line (without the newline).</summary>
    /// <param name="record">The record.</param>
    public static string Serialize(RunRecord record) => JsonSerializer.Serialize(record, Json);
}

/// <summary>
/// Append-only JSON Lines journal of an experiment (width sweeps, distillation grids; THEORY.md §9). Line 1 is a header object with the
/// sweep's settings; every further line is one <see cref="RunRecord"/> (snake_case JSON). Each append
/// writes one line with its newline in a single write and flushes it to disk (fsync) before returning,
/// so killing the process loses at most the run in progress. A final line without a newline, or a final
/// line that does not parse, is the trace of such a crash: it is ignored and cut off by the next append.
/// Any other malformed line is an error naming its line number. While open, the file is locked
/// (exclusive), so two sweeps cannot write the same journal at once.
/// </summary>
/// <typeparam name="TRecord">The record of one finished run (one line, snake_case JSON).</typeparam>
/// <typeparam name="TKey">What identifies a run: a key may appear once.</typeparam>
public sealed class JsonLinesJournal<TRecord, TKey> : IDisposable where TRecord : class where TKey : notnull
{
    private static JsonSerializerOptions Json => Journal.Json;

    private readonly FileStream _stream;
    private readonly List<TRecord> _records;
    private readonly List<int> _lines;
    private readonly HashSet<TKey> _keys;
    private readonly Func<TRecord, TKey> _key;
    private long _validLength;
    private int _lineCount;

    private JsonLinesJournal(string path, FileStream stream, JsonObject header, List<TRecord> records, List<int> lines, long validLength, Func<TRecord, TKey> key)
    {
        Path = path; _stream = stream; Header = header; _records = records; _lines = lines; _validLength = validLength; _key = key;
        _lineCount = 1 + records.Count;
        _keys = records.Select(key).ToHashSet();
    }

    /// <summary>The journal file as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The header (line 1).</summary>
    public JsonObject Header { get; }

    /// <summary>The complete records: those read at open, then those appended, in file order.</summary>
    public IReadOnlyList<TRecord> Records => _records;

    /// <summary>1-based line number of each record in <see cref="Records"/>.</summary>
    public IReadOnlyList<int> RecordLines => _lines;

    /// <summary>True when a completed run with this key is in the journal.</summary>
    /// <param name="key">The run's key.</param>
    public bool Contains(TKey key) => _keys.Contains(key);

    /// <summary>
    /// Opens (and locks) a journal for appending. A new file, or one without a complete header line, gets
    /// <paramref name="header"/> as line 1. An existing file must carry the same header, field by field.
    /// </summary>
    /// <param name="path">The .jsonl file.</param>
    /// <param name="header">The experiment's settings (e.g. <see cref="SweepSpec.Header"/>); its "format" names the format and version.</param>
    /// <param name="key">The key of a record.</param>
    /// <param name="kind">The kind of journal in messages, e.g. "width-sweep".</param>
    /// <exception cref="InputException">The folder does not exist, the file cannot be opened or is in use, its header
    /// differs from <paramref name="header"/> (naming the first field that differs), a line in the middle is
    /// malformed (naming the line), or a run appears twice.</exception>
    public static JsonLinesJournal<TRecord, TKey> Open(string path, JsonObject header, Func<TRecord, TKey> key, string kind)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(header);
        CheckFolder(path);
        var expected = (JsonObject)JsonNode.Parse(header.ToJsonString(Json))!;
        FileStream stream;
        try { stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        { throw new InputException(path, null, null, $"cannot open the journal (in use by another sweep?): {e.Message}"); }
        catch (UnauthorizedAccessException) { throw new InputException(path, null, null, "permission denied"); }
        try
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            var parsed = Parse(path, bytes, allowMissingHeader: true, key);
            if (parsed is null)
            {
                // New file, or a crash before the header line was complete: start afresh.
                var line = Encoding.UTF8.GetBytes(expected.ToJsonString(Json) + "\n");
                stream.SetLength(0);
                stream.Position = 0;
                stream.Write(line);
                stream.Flush(true);
                return new JsonLinesJournal<TRecord, TKey>(path, stream, expected, [], [], line.Length, key);
            }
            CompareHeaders(path, parsed.Header, expected, kind);
            return new JsonLinesJournal<TRecord, TKey>(path, stream, parsed.Header, parsed.Records.ToList(), parsed.Lines.ToList(), parsed.ValidLength, key);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a journal that is not open for writing: its header and every complete record. A final
    /// truncated or unparsable line is ignored (reported by <see cref="JournalContents{TRecord}.DiscardedTail"/>).
    /// </summary>
    /// <param name="path">The .jsonl file.</param>
    /// <param name="key">The key of a record.</param>
    /// <param name="format">The expected "format" of the header.</param>
    /// <param name="kind">The kind of journal in messages, e.g. "width-sweep".</param>
    /// <exception cref="InputException">Missing or locked file, no header, another format or version, a malformed line before the last one
    /// (naming the line), or a run that appears twice.</exception>
    public static JournalContents<TRecord> Load(string path, Func<TRecord, TKey> key, string format, string kind)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InputException(path, null, null, "journal file not found");
        byte[] bytes;
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            bytes = new byte[s.Length];
            s.ReadExactly(bytes);
        }
        catch (IOException e) { throw new InputException(path, null, null, $"cannot read the journal (in use by a running sweep?): {e.Message}"); }
        // The header first: a journal of another format or version is refused before its records are read.
        int eol = Array.IndexOf(bytes, (byte)'\n');
        var head = eol > 0 ? TryParseHeader(bytes, (0, eol)) : null;
        if (head is not null && (head["format"]?.GetValueKind() != JsonValueKind.String || (string?)head["format"] != format))
            throw new InputException(path, 1, "format", $"not a TheoryKit {kind} journal of this version (found {Show(head["format"])}, expected '{format}'; use a new journal file)");
        var contents = Parse(path, bytes, allowMissingHeader: false, key)!;
        return contents;
    }

    /// <summary>
    /// Appends one record as one line and flushes it to disk (FileStream.Flush(true)) before returning. A
    /// truncated final line left by a crash is cut off first.
    /// </summary>
    /// <param name="record">The finished run.</param>
    /// <exception cref="InvalidOperationException">A run with the same key is already in the journal.</exception>
    /// <exception cref="ObjectDisposedException">The journal was disposed.</exception>
    public void Append(TRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var k = _key(record);
        if (_keys.Contains(k)) throw new InvalidOperationException($"run ({k}) is already in the journal {Path}");
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, Json) + "\n");
        if (_stream.Length != _validLength) _stream.SetLength(_validLength);
        _stream.Position = _validLength;
        _stream.Write(bytes);
        _stream.Flush(true);
        _validLength += bytes.Length;
        _records.Add(record);
        _lines.Add(++_lineCount);
        _keys.Add(k);
    }

    /// <summary>Closes the file and releases its lock.</summary>
    public void Dispose() => _stream.Dispose();

    private static void CheckFolder(string path)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new InputException(path, null, null, $"folder '{folder}' does not exist");
        if (Directory.Exists(path)) throw new InputException(path, null, null, "is a folder, not a journal file");
    }

    /// <summary>Refuses a header that differs from <paramref name="expected"/> (format first, then field by field), naming the field.</summary>
    internal static void CompareHeaders(string path, JsonObject found, JsonObject expected, string kind)
    {
        // The format (and version) first: an old journal is refused as such, not for its first differing setting.
        if (expected.TryGetPropertyValue("format", out var format) && !JsonNode.DeepEquals(found["format"], format))
            throw new InputException(path, 1, "format", $"not a TheoryKit {kind} journal of this version (found {Show(found["format"])}, expected {Show(format)}; use a new journal file)");
        foreach (var (name, value) in expected)
        {
            if (!found.TryGetPropertyValue(name, out var old))
                throw new InputException(path, 1, name, $"missing from the journal's header; this run has {Show(value)} (use a new journal file)");
            if (!JsonNode.DeepEquals(old, value))
            {
                throw new InputException(path, 1, name,
                    $"the journal was written with {Show(old)}, this run has {Show(value)}; resume with the original settings or use a new journal file");
            }
        }
        foreach (var (name, value) in found)
            if (!expected.ContainsKey(name))
                throw new InputException(path, 1, name, $"the journal's header has {Show(value)}, this run has no such setting (use a new journal file)");
    }

    private static string Show(JsonNode? v)
    {
        var s = v is null ? "null" : v.ToJsonString(Json);
        return s.Length > 80 ? s[..77] + "..." : s;
    }

    /// <summary>Parses the bytes; null when there is no complete header and <paramref name="allowMissingHeader"/>.</summary>
    private static JournalContents<TRecord>? Parse(string path, byte[] bytes, bool allowMissingHeader, Func<TRecord, TKey> key)
    {
        // Complete lines end with '\n'; whatever follows the last '\n' is a truncated write.
        var lines = new List<(int Start, int Length)>();
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
            if (bytes[i] == (byte)'\n') { lines.Add((start, i - start)); start = i + 1; }
        bool discarded = start < bytes.Length;
        long validLength = start;

        JsonObject? header = null;
        if (lines.Count > 0)
        {
            header = TryParseHeader(bytes, lines[0]);
            if (header is null)
            {
                if (lines.Count > 1) throw new InputException(path, 1, null, "malformed header: expected a JSON object");
                // Only line: a crash while writing the header.
                discarded = true; validLength = 0; lines.Clear();
            }
        }
        if (header is null)
        {
            if (allowMissingHeader) return null;
            throw new InputException(path, null, null, bytes.Length == 0 ? "empty journal: no header line" : "no complete header line");
        }
        var records = new List<TRecord>();
        var numbers = new List<int>();
        var seen = new Dictionary<TKey, int>();
        for (int k = 1; k < lines.Count; k++)
        {
            var (s, len) = lines[k];
            TRecord? r = null;
            string? why = null;
            try { r = JsonSerializer.Deserialize<TRecord>(bytes.AsSpan(s, len), Json); if (r is null) why = "null record"; }
            catch (JsonException e) { why = e.Message.Split(". Path")[0].Split(" LineNumber")[0]; }
            if (r is null)
            {
                if (k == lines.Count - 1)
                {
                    // The last line does not parse: the trace of an interrupted write.
                    discarded = true; validLength = s;
                    break;
                }
                throw new InputException(path, k + 1, null, $"malformed run record: {why}");
            }
            var rk = key(r);
            if (seen.TryGetValue(rk, out var first))
                throw new InputException(path, k + 1, null, $"run ({rk}) appears twice (first at line {first})");
            seen[rk] = k + 1;
            records.Add(r);
            numbers.Add(k + 1);
        }
        return new JournalContents<TRecord>(header, records, numbers, validLength, discarded);
    }

    private static JsonObject? TryParseHeader(byte[] bytes, (int Start, int Length) line)
    {
        try { return JsonNode.Parse(bytes.AsSpan(line.Start, line.Length)) as JsonObject; }
        catch (JsonException) { return null; }
    }
}
