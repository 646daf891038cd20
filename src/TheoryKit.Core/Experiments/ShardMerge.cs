using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TheoryKit.Teachers;

namespace TheoryKit.Experiments;

/// <summary>The runs of one shard that no given journal holds.</summary>
/// <param name="Shard">0-based shard index (the Slurm array index with <c>theorykit slurm</c>'s --array=0-(N-1)).</param>
/// <param name="Runs">Missing runs assigned to it.</param>
/// <param name="Examples">Up to three of them, e.g. "soft, width 8, seed 1".</param>
/// <param name="Journal">The shard's journal (as the shard names it).</param>
/// <param name="Given">True when a journal of this shard was among those merged (it is incomplete); false when none was.</param>
public sealed record ShardGap(int Shard, int Runs, IReadOnlyList<string> Examples, string Journal, bool Given);

/// <summary>
/// The shard journals of one experiment journal (one sweep, one distill grid, one difficulty member), collected and checked by
/// <see cref="ShardMerge.Collect"/>, nothing written yet.
/// </summary>
/// <param name="Target">The whole experiment's journal, which <see cref="ShardMerge.Write"/> completes.</param>
/// <param name="Header">Its header (the shards' headers without their "shard" field).</param>
/// <param name="Assignment">The runs and their owners.</param>
/// <param name="Records">Every record of the shards, in canonical run order.</param>
/// <param name="Journals">The shard journals used.</param>
/// <param name="Tags">Their "shard" fields.</param>
/// <param name="Missing">Per shard with missing runs, ascending.</param>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <typeparam name="TKey">The run key.</typeparam>
public sealed record ShardGroup<TRecord, TKey>(string Target, JsonObject Header, ShardAssignment<TKey> Assignment, IReadOnlyList<TRecord> Records,
    IReadOnlyList<string> Journals, IReadOnlyList<JsonObject> Tags, IReadOnlyList<ShardGap> Missing) where TRecord : class where TKey : notnull
{
    /// <summary>True when every run of the assignment is in some shard journal.</summary>
    public bool Complete => Missing.Count == 0;

    /// <summary>
    /// The teacher report the shards recorded in their tags (<see cref="ShardSpec.Tag"/>): the first one; null when no shard
    /// fitted a teacher.
    /// </summary>
    /// <exception cref="InputException">Two shards recorded different teachers (the fit is deterministic, so the journals do not belong together).</exception>
    public TeacherReport? Teacher()
    {
        JsonNode? first = null;
        string? from = null;
        for (int i = 0; i < Tags.Count; i++)
        {
            var t = Tags[i]["teacher"];
            if (t is null) continue;
            if (first is null) { first = t; from = Journals[i]; }
            else if (!JsonNode.DeepEquals(first, t))
                throw new InputException(Journals[i], 1, "shard.teacher", $"differs from the teacher recorded in {from}; the shards did not fit the same teacher");
        }
        return first?.Deserialize<TeacherReport>(Journal.Json);
    }
}

/// <summary>What a merge found missing over all its journals, and which shards to run again.</summary>
/// <param name="Shards">Number of shards N.</param>
/// <param name="Runs">Runs in the whole experiment.</param>
/// <param name="MissingRuns">Runs no journal holds.</param>
/// <param name="Missing">Per shard with missing runs (summed over the experiment's journals), ascending.</param>
/// <param name="Statement">The finding in words, with the shards to resubmit.</param>
public sealed record ShardMergeReport(int Shards, int Runs, int MissingRuns, IReadOnlyList<ShardGap> Missing, string Statement)
{
    /// <summary>The exit code of an incomplete merge (0 when complete): distinct from 1 (a failed run or check) and 2 (bad input).</summary>
    public const int IncompleteExitCode = 3;

    /// <summary>True when no run is missing.</summary>
    public bool Complete => MissingRuns == 0;

    /// <summary>The 0-based shard indices to run again (the Slurm array indices with --array=0-(N-1)).</summary>
    public IReadOnlyList<int> Resubmit => Missing.Select(g => g.Shard).ToArray();

    /// <summary>The report over several journals' groups.</summary>
    /// <param name="shards">N.</param>
    /// <param name="runs">Runs in the whole experiment.</param>
    /// <param name="gaps">Each group's gaps.</param>
    public static ShardMergeReport Of(int shards, int runs, IEnumerable<IReadOnlyList<ShardGap>> gaps)
    {
        ArgumentNullException.ThrowIfNull(gaps);
        var all = gaps.SelectMany(g => g).ToList();
        var per = all.GroupBy(g => g.Shard).OrderBy(g => g.Key)
            .Select(g => new ShardGap(g.Key, g.Sum(x => x.Runs), g.SelectMany(x => x.Examples).Take(3).ToArray(), g.First().Journal, g.Any(x => x.Given)))
            .ToList();
        int missing = per.Sum(g => g.Runs);
        string statement;
        if (missing == 0) statement = $"complete: all {runs} runs of {shards} shard(s) merged.";
        else
        {
            var sb = new StringBuilder();
            sb.Append($"incomplete: {missing} of {runs} runs missing, from shard(s) {string.Join(", ", per.Select(g => g.Shard))} of {shards} ");
            sb.Append($"(0-based; the Slurm array indices with --array=0-{shards - 1}). ");
            sb.Append($"Resubmit: sbatch --array={string.Join(",", per.Select(g => g.Shard))} SCRIPT, or rerun the command with --shard I/{shards} for each; a shard resumes its journal.");
            statement = sb.ToString();
        }
        return new ShardMergeReport(shards, runs, missing, per, statement);
    }
}

/// <summary>
/// Combines the journals written by the shards of an experiment (<see cref="ShardSpec"/>): each shard journal's header must be the
/// experiment's header plus a "shard" tag of the same shard count; its records must be runs assigned to its shard (no run twice over
/// all journals); the runs missing from every journal are listed by shard. Nothing is written until <see cref="Write"/>.
/// </summary>
public static class ShardMerge
{
    /// <summary>Reads line 1 of a journal (at most 16 MiB) as a JSON object.</summary>
    /// <param name="path">The journal.</param>
    /// <exception cref="InputException">Missing, unreadable or locked file (a shard still running), or no header line.</exception>
    public static JsonObject ReadHeader(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InputException(path, null, null, "journal file not found");
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var buffer = new byte[(int)Math.Min(s.Length, 16 << 20)];
            s.ReadExactly(buffer);
            int eol = Array.IndexOf(buffer, (byte)'\n');
            if (eol <= 0) throw new InputException(path, 1, null, "no complete header line (not a journal, or a shard killed before it began)");
            try { return JsonNode.Parse(buffer.AsSpan(0, eol)) as JsonObject ?? throw new InputException(path, 1, null, "malformed header: expected a JSON object"); }
            catch (JsonException) { throw new InputException(path, 1, null, "malformed header: expected a JSON object"); }
        }
        catch (IOException e) { throw new InputException(path, null, null, $"cannot read the journal (in use by a running shard?): {e.Message}"); }
        catch (UnauthorizedAccessException) { throw new InputException(path, null, null, "permission denied"); }
    }

    /// <summary>The "shard" tag of a header: its index and count.</summary>
    /// <param name="path">The journal (for messages).</param>
    /// <param name="header">Its header.</param>
    /// <exception cref="InputException">No or a malformed "shard" field.</exception>
    public static (int Index, int Count, JsonObject Tag) TagOf(string path, JsonObject header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header["shard"] is not JsonObject tag)
            throw new InputException(path, 1, "shard", "not a shard journal (its header has no 'shard' field); merge the journals written with --shard");
        int Int(string name) => tag[name] is JsonValue v && v.TryGetValue<int>(out var x) ? x
            : throw new InputException(path, 1, $"shard.{name}", "missing or not an integer");
        int index = Int("index"), count = Int("count");
        if (count < 1 || count > ShardSpec.MaxCount || index < 0 || index >= count)
            throw new InputException(path, 1, "shard", $"shard {index} of {count} is not a valid shard");
        return (index, count, tag);
    }

    /// <summary>The command tag of a shard journal's header: the arguments of the whole experiment's command.</summary>
    /// <param name="path">The journal.</param>
    /// <param name="header">Its header.</param>
    /// <exception cref="InputException">No shard tag or no command in it.</exception>
    public static IReadOnlyList<string> CommandOf(string path, JsonObject header)
    {
        var (_, _, tag) = TagOf(path, header);
        if (tag["command"] is not JsonArray a || a.Count == 0 || a.Any(x => x is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
            throw new InputException(path, 1, "shard.command", "missing or not a list of strings");
        return a.Select(x => (string)x!).ToArray();
    }

    /// <summary>The shard journals of <paramref name="target"/> that exist: shard I of <paramref name="count"/> for every I (<see cref="ShardSpec.JournalPath(string, int, int)"/>).</summary>
    /// <param name="target">The whole experiment's journal.</param>
    /// <param name="count">N.</param>
    public static IReadOnlyList<string> Existing(string target, int count) =>
        Enumerable.Range(0, count).Select(i => ShardSpec.JournalPath(target, i, count)).Where(File.Exists).ToArray();

    /// <summary>
    /// Collects the shard journals among <paramref name="journals"/> whose header, without its "shard" field, equals
    /// <paramref name="header"/> (others are left for other groups; see <see cref="RefuseUnmatched"/>), checks them and lists
    /// what is missing.
    /// </summary>
    /// <param name="target">The whole experiment's journal.</param>
    /// <param name="header">Its header.</param>
    /// <param name="assignment">The runs and their owners.</param>
    /// <param name="journals">Candidate shard journals.</param>
    /// <param name="load">Reads a journal (e.g. <see cref="Journal.Load"/>).</param>
    /// <param name="check">Refuses records that do not belong to the experiment (grid, seeds, figures).</param>
    /// <param name="key">A record's key.</param>
    /// <exception cref="InputException">A shard journal of another shard count, one shard given twice, a record not assigned to its
    /// journal's shard, a run in two journals, an existing whole journal with another header, or what <paramref name="load"/> and
    /// <paramref name="check"/> refuse.</exception>
    public static ShardGroup<TRecord, TKey> Collect<TRecord, TKey>(string target, JsonObject header, ShardAssignment<TKey> assignment,
        IReadOnlyList<string> journals, Func<string, JournalContents<TRecord>> load, Action<string, IReadOnlyList<TRecord>, IReadOnlyList<int>> check,
        Func<TRecord, TKey> key) where TRecord : class where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(journals);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(key);
        var used = new List<string>();
        var tags = new List<JsonObject>();
        var byShard = new Dictionary<int, string>();
        var found = new Dictionary<TKey, (TRecord Record, string Path)>();
        foreach (var path in journals)
        {
            var h = ReadHeader(path);
            if (!Matches(h, header)) continue;
            var (index, count, tag) = TagOf(path, h);
            if (count != assignment.Count)
                throw new InputException(path, 1, "shard.count", $"is shard {index} of {count}, the merge is of {assignment.Count} shards; give the journals of one sharding");
            if (byShard.TryGetValue(index, out var other))
                throw new InputException(path, 1, "shard.index", (Path.GetFullPath(other) == Path.GetFullPath(path) ? "is given twice" : $"shard {index} of {count} is also {other}")
                    + ": give each shard's journal once");
            byShard[index] = path;
            var contents = load(path);
            check(path, contents.Records, contents.Lines);
            for (int i = 0; i < contents.Records.Count; i++)
            {
                var r = contents.Records[i];
                var k = key(r);
                int owner = assignment.OwnerOf(k);
                if (owner != index)
                    throw new InputException(path, contents.Lines[i], "shard", $"run ({k}) is assigned to shard {owner}, not to this journal's shard {index}; the journal belongs to another assignment");
                if (!found.TryAdd(k, (r, path)))
                    throw new InputException(path, contents.Lines[i], null, $"run ({k}) is also in {found[k].Path}");
            }
            used.Add(path);
            tags.Add(tag);
        }
        // The whole journal the merge will complete must be one of this experiment (or not exist yet): checked before anything is written.
        if (TryReadHeader(target) is { } existing) JsonLinesJournal<object, int>.CompareHeaders(target, existing, Normalise(header), "experiment");
        var records = assignment.Keys.Where(found.ContainsKey).Select(k => found[k].Record).ToArray();
        var gaps = assignment.Keys.Select((k, i) => (k, owner: assignment.Owner[i])).Where(x => !found.ContainsKey(x.k)).GroupBy(x => x.owner).OrderBy(g => g.Key)
            .Select(g => new ShardGap(g.Key, g.Count(), g.Take(3).Select(x => x.k.ToString() ?? "").ToArray(),
                byShard.TryGetValue(g.Key, out var p) ? p : ShardSpec.JournalPath(target, g.Key, assignment.Count), byShard.ContainsKey(g.Key)))
            .ToArray();
        return new ShardGroup<TRecord, TKey>(target, header, assignment, records, used, tags, gaps);
    }

    /// <summary>
    /// Refuses the first of <paramref name="journals"/> that no group used: not a shard journal, or a header that differs from every
    /// group's (the message names the first field that differs from the closest group's header).
    /// </summary>
    /// <param name="journals">The journals given to the merge.</param>
    /// <param name="headers">Each group's header.</param>
    /// <param name="used">The journals the groups used.</param>
    /// <param name="kind">The kind of experiment, e.g. "width-sweep".</param>
    /// <exception cref="InputException">One line naming the journal and the field.</exception>
    public static void RefuseUnmatched(IEnumerable<string> journals, IReadOnlyList<JsonObject> headers, IEnumerable<string> used, string kind)
    {
        ArgumentNullException.ThrowIfNull(journals);
        ArgumentNullException.ThrowIfNull(headers);
        var usedSet = used.ToHashSet();
        foreach (var path in journals)
        {
            if (usedSet.Contains(path)) continue;
            var h = ReadHeader(path);
            TagOf(path, h);
            var bare = Without(h);
            var closest = headers.Select(Normalise).MinBy(e => Differences(bare, e)) ?? throw new InputException(path, 1, null, "no experiment to merge into");
            try { JsonLinesJournal<object, int>.CompareHeaders(path, bare, closest, kind); }
            catch (InputException e) { throw new InputException(e.File, e.Line, e.Field, $"belongs to another experiment than the one merged: {e.Reason}"); }
            throw new InputException(path, 1, "shard", "its experiment is already merged from another journal");
        }
    }

    /// <summary>
    /// Appends to the whole experiment's journal (created with <see cref="ShardGroup{TRecord, TKey}.Header"/>, or an existing one with the
    /// same header) every collected record it does not hold yet, in canonical order; the same journal the unsharded command writes and
    /// resumes. Returns how many records were appended and how many it held before.
    /// </summary>
    /// <param name="group">A complete group.</param>
    /// <param name="open">Opens (and locks) a journal with a header (e.g. <see cref="Journal.Open"/>).</param>
    /// <param name="key">A record's key.</param>
    /// <exception cref="InvalidOperationException">The group is incomplete.</exception>
    /// <exception cref="InputException">The target journal cannot be opened or has another header.</exception>
    public static (int Appended, int Existing) Write<TRecord, TKey>(ShardGroup<TRecord, TKey> group, Func<string, JsonObject, JsonLinesJournal<TRecord, TKey>> open,
        Func<TRecord, TKey> key) where TRecord : class where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(key);
        if (!group.Complete) throw new InvalidOperationException("an incomplete merge writes nothing");
        using var journal = open(group.Target, group.Header);
        int existing = journal.Records.Count, appended = 0;
        foreach (var r in group.Records)
        {
            if (journal.Contains(key(r))) continue;
            journal.Append(r);
            appended++;
        }
        return (appended, existing);
    }

    private static JsonObject Without(JsonObject header)
    {
        var bare = (JsonObject)header.DeepClone();
        bare.Remove("shard");
        return bare;
    }

    /// <summary>The header of an existing journal; null for a missing file or one without a complete header (which the journal starts afresh).</summary>
    private static JsonObject? TryReadHeader(string path)
    {
        if (!File.Exists(path)) return null;
        try { return ReadHeader(path); }
        catch (InputException e) when (e.Line is not null) { return null; }
    }

    private static JsonObject Normalise(JsonObject header) => (JsonObject)JsonNode.Parse(header.ToJsonString(Journal.Json))!;

    private static bool Matches(JsonObject found, JsonObject expected) =>
        found["shard"] is JsonObject && JsonNode.DeepEquals(Without(found), Normalise(expected));

    private static int Differences(JsonObject a, JsonObject b) =>
        a.Count(kv => !b.TryGetPropertyValue(kv.Key, out var v) || !JsonNode.DeepEquals(v, kv.Value)) + b.Count(kv => !a.ContainsKey(kv.Key));
}
