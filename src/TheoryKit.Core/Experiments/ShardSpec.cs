using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TheoryKit.Teachers;

namespace TheoryKit.Experiments;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> of an experiment's runs (sweep, difficulty, distill): the runs are split
/// into Count disjoint parts by <see cref="ShardPlan.Assign"/>, each shard trains its part into its own journal
/// (<see cref="JournalPath(string)"/>: one writer per file), and <see cref="ShardMerge"/> combines the journals.
/// Shards are numbered from 0, as the tasks of a Slurm array submitted with --array=0-(Count-1).
/// </summary>
/// <param name="Index">0-based shard index, 0 &lt;= Index &lt; Count.</param>
/// <param name="Count">Number of shards N (1 to <see cref="MaxCount"/>).</param>
public sealed record ShardSpec(int Index, int Count)
{
    /// <summary>The largest number of shards accepted (Slurm's default MaxArraySize is 1001).</summary>
    public const int MaxCount = 10000;

    /// <summary>
    /// Parses "I/N" (0 &lt;= I &lt; N) or "slurm": I = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN and N = SLURM_ARRAY_TASK_COUNT,
    /// which is right for an array of consecutive task ids (e.g. --array=0-3); a resubmitted subset of the ids (--array=1,3)
    /// changes MIN and COUNT, so scripts that resubmit single tasks give "$SLURM_ARRAY_TASK_ID/N" instead.
    /// </summary>
    /// <param name="text">"I/N" or "slurm".</param>
    /// <param name="environment">Reads an environment variable (null when unset).</param>
    /// <exception cref="InputException">Malformed text, I outside 0..N-1, N outside 1..MaxCount, or "slurm" outside a Slurm array task
    /// (a variable missing or not a number, or an id beyond MIN + COUNT - 1, as in an array with a step).</exception>
    public static ShardSpec Parse(string text, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(environment);
        var t = text.Trim();
        if (t.Equals("slurm", StringComparison.OrdinalIgnoreCase))
        {
            int Var(string name)
            {
                var v = environment(name);
                if (string.IsNullOrWhiteSpace(v))
                    throw InputException.Parameter("shard", $"'slurm' needs {name} (with SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT), which is unset: run it as a task of a Slurm job array (sbatch --array=0-3), or give --shard I/N");
                if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var x))
                    throw InputException.Parameter("shard", $"{name} is '{v}', not a non-negative integer");
                return x;
            }
            int id = Var("SLURM_ARRAY_TASK_ID"), min = Var("SLURM_ARRAY_TASK_MIN"), count = Var("SLURM_ARRAY_TASK_COUNT");
            if (count < 1 || count > MaxCount) throw InputException.Parameter("shard", $"SLURM_ARRAY_TASK_COUNT must lie in 1..{MaxCount}, got {count}");
            if (id < min || id - min >= count)
                throw InputException.Parameter("shard", $"task {id} of an array with ids from {min} and {count} tasks is not one of {min}..{min + count - 1}: 'slurm' needs consecutive task ids (no step); give --shard \"$SLURM_ARRAY_TASK_ID/N\" instead");
            return new ShardSpec(id - min, count);
        }
        var parts = t.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw InputException.Parameter("shard", $"expected I/N (shard I of N, I from 0 to N-1) or 'slurm', got '{text}'");
        if (n < 1 || n > MaxCount) throw InputException.Parameter("shard", $"N must lie in 1..{MaxCount}, got {n}");
        if (i >= n) throw InputException.Parameter("shard", $"I must lie in 0..{n - 1} (shards are numbered from 0), got {i}");
        return new ShardSpec(i, n);
    }

    /// <summary>The shard's journal beside <paramref name="journal"/>: ".shard-I-of-N" inserted before ".jsonl" (or appended).</summary>
    /// <param name="journal">The journal of the whole experiment.</param>
    public string JournalPath(string journal) => JournalPath(journal, Index, Count);

    /// <summary>Shard <paramref name="index"/> of <paramref name="count"/>'s journal beside <paramref name="journal"/> (see <see cref="JournalPath(string)"/>).</summary>
    /// <param name="journal">The journal of the whole experiment.</param>
    /// <param name="index">0-based shard index.</param>
    /// <param name="count">Number of shards.</param>
    public static string JournalPath(string journal, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(journal);
        string tag = $".shard-{index}-of-{count}";
        return journal.EndsWith(".jsonl", StringComparison.Ordinal) ? journal[..^6] + tag + ".jsonl" : journal + tag;
    }

    /// <summary>
    /// The shard's tag, the "shard" field of its journal's header: index, count, the command that runs the whole experiment
    /// (without --shard, --merge and the output options; <c>theorykit merge</c> reruns it to render the merged result) and,
    /// for a sweep, the report of the teacher the shard fitted (null when it fitted none).
    /// </summary>
    /// <param name="command">The command's arguments, e.g. ["sweep", "noisy-xor:3", "--epsilon", "0.2"].</param>
    /// <param name="teacher">The teacher's report, or null.</param>
    public JsonObject Tag(IReadOnlyList<string> command, TeacherReport? teacher)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new JsonObject
        {
            ["index"] = Index,
            ["count"] = Count,
            ["command"] = new JsonArray(command.Select(a => (JsonNode)a).ToArray()),
            ["teacher"] = teacher is null ? null : JsonSerializer.SerializeToNode(teacher, Journal.Json),
        };
    }
}

/// <summary>
/// One shard's part of an experiment: the keys of the runs it owns and its tag (<see cref="ShardSpec.Tag"/>). The experiments
/// (<see cref="WidthSweep"/>, <see cref="Distill"/>) train only these runs and write the tag into their journal's header.
/// </summary>
/// <param name="Shard">Which shard.</param>
/// <param name="Keys">The runs it owns.</param>
/// <param name="Tag">The "shard" field of its journal's header.</param>
/// <typeparam name="TKey">The experiment's run key.</typeparam>
public sealed record ShardPart<TKey>(ShardSpec Shard, IReadOnlySet<TKey> Keys, JsonObject Tag) where TKey : notnull
{
    /// <summary>True when the shard owns the run.</summary>
    /// <param name="key">The run's key.</param>
    public bool Owns(TKey key) => Keys.Contains(key);

    /// <summary>The experiment's header with the shard's tag as field "shard" (a copy).</summary>
    /// <param name="header">The whole experiment's journal header.</param>
    public JsonObject Header(JsonObject header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var h = (JsonObject)header.DeepClone();
        h["shard"] = Tag.DeepClone();
        return h;
    }

    /// <summary>Refuses a record of a run this shard does not own (a journal of another assignment).</summary>
    /// <param name="path">The journal.</param>
    /// <param name="records">Its records.</param>
    /// <param name="key">A record's key.</param>
    /// <param name="lines">Each record's line.</param>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <exception cref="InputException">Naming the file, line and field "shard".</exception>
    public void CheckOwned<TRecord>(string path, IReadOnlyList<TRecord> records, Func<TRecord, TKey> key, IReadOnlyList<int> lines)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(lines);
        for (int i = 0; i < records.Count; i++)
            if (!Owns(key(records[i])))
                throw new InputException(path, lines[i], "shard", $"run ({key(records[i])}) is not assigned to shard {Shard.Index} of {Shard.Count}; the journal belongs to another assignment");
    }
}
