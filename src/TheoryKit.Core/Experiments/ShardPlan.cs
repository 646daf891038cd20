using TheoryKit.Training;

namespace TheoryKit.Experiments;

/// <summary>
/// Which shard owns each run of one experiment group (one sweep journal, one distill journal): the runs in their canonical order
/// (<see cref="Keys"/>) and the owner of each (<see cref="Owner"/>), from <see cref="ShardPlan.Assign"/>.
/// </summary>
/// <param name="Keys">The group's runs in canonical order (the run index is the position).</param>
/// <param name="Costs">The estimated cost of each run (<see cref="ShardPlan"/>'s model).</param>
/// <param name="Owner">0-based owning shard of each run.</param>
/// <param name="Count">Number of shards.</param>
/// <typeparam name="TKey">The experiment's run key.</typeparam>
public sealed record ShardAssignment<TKey>(IReadOnlyList<TKey> Keys, IReadOnlyList<double> Costs, IReadOnlyList<int> Owner, int Count) where TKey : notnull
{
    private Dictionary<TKey, int>? _owners;

    /// <summary>The owning shard of a run, or -1 when the run is not part of the group.</summary>
    /// <param name="key">The run's key.</param>
    public int OwnerOf(TKey key)
    {
        _owners ??= Keys.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => Owner[x.i]);
        return _owners.TryGetValue(key, out var o) ? o : -1;
    }

    /// <summary>The part of shard <paramref name="shard"/> with tag <paramref name="tag"/>.</summary>
    /// <param name="shard">The shard (its Count must equal <see cref="Count"/>).</param>
    /// <param name="tag">Its tag (<see cref="ShardSpec.Tag"/>).</param>
    /// <exception cref="ArgumentException">The shard's count differs.</exception>
    public ShardPart<TKey> Part(ShardSpec shard, System.Text.Json.Nodes.JsonObject tag)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (shard.Count != Count) throw new ArgumentException($"shard of {shard.Count}, assignment of {Count}", nameof(shard));
        return new ShardPart<TKey>(shard, Keys.Where((_, i) => Owner[i] == shard.Index).ToHashSet(), tag);
    }

    /// <summary>Estimated cost of shard <paramref name="index"/>'s runs (the model's units).</summary>
    /// <param name="index">0-based shard index.</param>
    public double Load(int index) => Keys.Select((_, i) => Owner[i] == index ? Costs[i] : 0).Sum();
}

/// <summary>
/// Deterministic, cost-balanced assignment of runs to shards: greedy longest processing time first (LPT; Graham 1969: at most
/// 4/3 - 1/(3N) times the best makespan). Runs are taken by estimated cost, largest first, ties by run index; each goes to the
/// shard with the least load so far, ties to the lowest shard index. The same runs, costs and N give the same assignment on
/// every machine. Cost model (proportional to the multiply-adds of full-batch training): a student run costs
/// width x steps x n x d (its step cap; runs stopped early by the convergence rule cost less, which the plan cannot know);
/// a kernel teacher costs n x n x steps (one Gram-matrix product per step).
/// </summary>
public static class ShardPlan
{
    /// <summary>The owner (0-based shard) of each run by greedy LPT over <paramref name="costs"/>.</summary>
    /// <param name="costs">Estimated cost of each run, in run-index order (finite, &gt;= 0).</param>
    /// <param name="count">Number of shards N &gt;= 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">count &lt; 1 or a cost negative or not finite.</exception>
    public static int[] Assign(IReadOnlyList<double> costs, int count)
    {
        ArgumentNullException.ThrowIfNull(costs);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        foreach (var c in costs)
            if (!(c >= 0) || !double.IsFinite(c)) throw new ArgumentOutOfRangeException(nameof(costs), $"costs must be finite and >= 0, got {c}");
        var order = Enumerable.Range(0, costs.Count).OrderByDescending(i => costs[i]).ThenBy(i => i).ToArray();
        var load = new double[count];
        var owner = new int[costs.Count];
        foreach (var i in order)
        {
            int best = 0;
            for (int s = 1; s < count; s++)
                if (load[s] < load[best]) best = s;
            owner[i] = best;
            load[best] += costs[i];
        }
        return owner;
    }

    /// <summary>
    /// One assignment over several groups at once (e.g. the sweeps of several epsilons, the members of a difficulty family), so
    /// that the shards are balanced over all of them; the run index runs over the groups in order.
    /// </summary>
    /// <param name="groups">Per group its runs (key, cost) in canonical order.</param>
    /// <param name="count">Number of shards.</param>
    /// <typeparam name="TKey">The run key.</typeparam>
    public static ShardAssignment<TKey>[] AssignGroups<TKey>(IReadOnlyList<IReadOnlyList<(TKey Key, double Cost)>> groups, int count) where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(groups);
        var owner = Assign(groups.SelectMany(g => g.Select(x => x.Cost)).ToArray(), count);
        var result = new ShardAssignment<TKey>[groups.Count];
        int at = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            var runs = groups[g];
            result[g] = new ShardAssignment<TKey>(runs.Select(x => x.Key).ToArray(), runs.Select(x => x.Cost).ToArray(), owner[at..(at + runs.Count)], count);
            at += runs.Count;
        }
        return result;
    }

    /// <summary>The runs of a width sweep in canonical order (width ascending, seed index, soft before hard) with their costs.</summary>
    /// <param name="spec">The sweep.</param>
    /// <param name="n">Training points.</param>
    /// <param name="d">Dimension.</param>
    public static IReadOnlyList<(RunKey Key, double Cost)> SweepRuns(SweepSpec spec, int n, int d)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var runs = new List<(RunKey, double)>();
        foreach (var w in spec.Widths())
            for (int s = 0; s < spec.Seeds; s++)
                foreach (var k in spec.LabelOrder())
                    runs.Add((new RunKey(k, w, s), StudentCost(w, spec.Training.Steps, n, d)));
        return runs;
    }

    /// <summary>
    /// The records of a distillation grid in canonical order (level ascending; per level its teachers by seed, then per seed
    /// the widths ascending, soft before hard) with their costs; n is the training split's size.
    /// </summary>
    /// <param name="spec">The grid.</param>
    /// <param name="nTrain">Points in the training split.</param>
    /// <param name="d">Dimension.</param>
    public static IReadOnlyList<(DistillKey Key, double Cost)> DistillRuns(DistillSpec spec, int nTrain, int d)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var runs = new List<(DistillKey, double)>();
        foreach (var r in spec.Levels())
        {
            for (int s = 0; s < spec.Seeds; s++)
                runs.Add((new DistillKey(DistillRole.Teacher, r, s, 0), (double)nTrain * nTrain * spec.Teacher.Steps));
            for (int s = 0; s < spec.Seeds; s++)
                foreach (var w in spec.WidthGrid())
                    foreach (var role in new[] { DistillRole.Soft, DistillRole.Hard })
                        runs.Add((new DistillKey(role, r, s, w), StudentCost(w, spec.Student.Steps, nTrain, d)));
        }
        return runs;
    }

    /// <summary>The cost of one student run: width x steps x n x d.</summary>
    /// <param name="width">Width m.</param>
    /// <param name="steps">Step cap T.</param>
    /// <param name="n">Training points.</param>
    /// <param name="d">Dimension.</param>
    public static double StudentCost(int width, int steps, int n, int d) => (double)width * steps * n * d;

    /// <summary>Label kinds of a sweep that need the teacher: true when <paramref name="part"/> owns a soft-label run.</summary>
    /// <param name="part">A shard's part of a sweep.</param>
    public static bool NeedsTeacher(ShardPart<RunKey> part)
    {
        ArgumentNullException.ThrowIfNull(part);
        return part.Keys.Any(k => k.Labels == LabelKind.Soft);
    }
}
