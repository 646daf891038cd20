using TheoryKit.Data;
using TheoryKit.Teachers;

namespace TheoryKit.Experiments;

/// <summary>What one shard did (all its journals together).</summary>
/// <param name="Shard">Which shard.</param>
/// <param name="Runs">Runs assigned to it.</param>
/// <param name="NewRuns">Runs trained in this call.</param>
/// <param name="ResumedRuns">Runs found in its journals.</param>
/// <param name="Journals">Its journals.</param>
/// <param name="Load">Estimated cost of its runs (<see cref="ShardPlan"/>'s model).</param>
/// <param name="TotalCost">Estimated cost of all shards' runs.</param>
public sealed record ShardSummary(ShardSpec Shard, int Runs, int NewRuns, int ResumedRuns, IReadOnlyList<string> Journals, double Load, double TotalCost);

/// <summary>Sharded width sweeps (THEORY.md §9): one assignment over the sweeps of several epsilons or members, and their merge.</summary>
public static class ShardSweeps
{
    /// <summary>One assignment over several sweeps on the same data (e.g. the epsilons of <c>sweep</c>), balanced over all their runs.</summary>
    /// <param name="specs">The sweeps, in order.</param>
    /// <param name="n">Training points.</param>
    /// <param name="d">Dimension.</param>
    /// <param name="count">Number of shards.</param>
    public static ShardAssignment<RunKey>[] Plan(IReadOnlyList<SweepSpec> specs, int n, int d, int count)
    {
        ArgumentNullException.ThrowIfNull(specs);
        return ShardPlan.AssignGroups(specs.Select(s => ShardPlan.SweepRuns(s, n, d)).ToArray(), count);
    }

    /// <summary>One assignment over sweeps on different data (e.g. the members of a difficulty family): each with its own n and d.</summary>
    /// <param name="sweeps">Per sweep its settings, training points and dimension.</param>
    /// <param name="count">Number of shards.</param>
    public static ShardAssignment<RunKey>[] Plan(IReadOnlyList<(SweepSpec Spec, int N, int D)> sweeps, int count)
    {
        ArgumentNullException.ThrowIfNull(sweeps);
        return ShardPlan.AssignGroups(sweeps.Select(s => ShardPlan.SweepRuns(s.Spec, s.N, s.D)).ToArray(), count);
    }

    /// <summary>Collects the shard journals of one sweep among <paramref name="journals"/> (see <see cref="ShardMerge.Collect"/>); every record
    /// is checked as the sweep checks its own journal (grid, seed, figures).</summary>
    /// <param name="spec">The sweep.</param>
    /// <param name="train">Its training data (for the header's fingerprint).</param>
    /// <param name="test">Its held-out data, or null.</param>
    /// <param name="target">The whole sweep's journal.</param>
    /// <param name="assignment">Its runs and their owners.</param>
    /// <param name="journals">Candidate shard journals.</param>
    /// <exception cref="InputException">As <see cref="ShardMerge.Collect"/>.</exception>
    public static ShardGroup<RunRecord, RunKey> Collect(SweepSpec spec, Dataset train, Dataset? test, string target, ShardAssignment<RunKey> assignment, IReadOnlyList<string> journals)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return ShardMerge.Collect(target, spec.Header(train, test), assignment, journals, Journal.Load,
            (path, records, lines) => WidthSweep.CheckRecords(spec, path, records, lines), r => r.Key);
    }

    /// <summary>Writes a complete group into the whole sweep's journal (<see cref="ShardMerge.Write"/>).</summary>
    /// <param name="group">A complete group.</param>
    public static (int Appended, int Existing) Write(ShardGroup<RunRecord, RunKey> group) => ShardMerge.Write(group, Journal.Open, r => r.Key);

    /// <summary>
    /// Runs one shard of a difficulty family's sweeps (THEORY.md §9): loads every member, assigns all members' runs at once
    /// (<see cref="Plan(IReadOnlyList{ValueTuple{SweepSpec, int, int}}, int)"/>), and trains the shard's runs of each member into
    /// the member's shard journal (<see cref="Difficulty.JournalPath"/> with <see cref="ShardSpec.JournalPath(string)"/>). Margins are
    /// not certified here: the merge certifies them, as a rerun of the whole family does.
    /// </summary>
    /// <param name="members">The family's members.</param>
    /// <param name="template">Sweep settings shared by all members.</param>
    /// <param name="teacher">The teacher of the soft labels, fitted on a member's training set when the shard owns one of its soft-label runs.</param>
    /// <param name="journalFolder">Existing folder of the members' journals.</param>
    /// <param name="shard">Which shard.</param>
    /// <param name="command">The whole family's command (the shard tag's command).</param>
    /// <param name="progress">Optional progress per member.</param>
    /// <param name="threads">Threads (0: all cores).</param>
    /// <exception cref="InputException">As <see cref="Difficulty.Run(IReadOnlyList{DifficultyMember}, DifficultyOptions?, SweepSpec, TeacherSpec, string, IProgress{DifficultyProgress}?, int, CancellationToken)"/>.</exception>
    public static ShardSummary RunDifficulty(IReadOnlyList<DifficultyMember> members, SweepSpec template, TeacherSpec teacher, string journalFolder,
        ShardSpec shard, IReadOnlyList<string> command, IProgress<DifficultyProgress>? progress, int threads)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(teacher);
        template.Validate();
        if (!Directory.Exists(journalFolder)) throw new InputException(journalFolder, null, null, "journal folder does not exist");
        var loaded = Load(members, template);
        var plan = Plan(loaded.Select(x => (x.Spec, x.Train.N, x.Train.D)).ToArray(), shard.Count);
        var tag = shard.Tag(command, null);
        int runs = 0, fresh = 0, resumed = 0;
        var journals = new List<string>();
        for (int i = 0; i < members.Count; i++)
        {
            var (m, spec, train, test) = loaded[i];
            var part = plan[i].Part(shard, tag);
            var journal = shard.JournalPath(Difficulty.JournalPath(journalFolder, m, i + 1));
            progress?.Report(new DifficultyProgress(i + 1, members.Count, m.Name, "sweep", null));
            var r = WidthSweep.Run(spec, train, test, new TeacherLabels(teacher, train, test), journal, null, threads, default, part);
            runs += part.Keys.Count; fresh += r.NewRuns; resumed += r.ResumedRuns;
            journals.Add(journal);
        }
        return new ShardSummary(shard, runs, fresh, resumed, journals, plan.Sum(a => a.Load(shard.Index)), plan.Sum(a => a.Costs.Sum()));
    }

    /// <summary>
    /// Collects the shard journals of every member of a difficulty family among <paramref name="journals"/> (the same assignment as
    /// <see cref="RunDifficulty"/>): one group per member, whose target is the member's journal in <paramref name="journalFolder"/>.
    /// </summary>
    /// <param name="members">The family's members.</param>
    /// <param name="template">Sweep settings shared by all members.</param>
    /// <param name="journalFolder">The members' journal folder.</param>
    /// <param name="count">Number of shards.</param>
    /// <param name="journals">Candidate shard journals (null: the shard journals found beside each member's journal).</param>
    /// <exception cref="InputException">As <see cref="ShardMerge.Collect"/>, or a journal that belongs to no member (<see cref="ShardMerge.RefuseUnmatched"/>).</exception>
    public static IReadOnlyList<ShardGroup<RunRecord, RunKey>> CollectDifficulty(IReadOnlyList<DifficultyMember> members, SweepSpec template, string journalFolder,
        int count, IReadOnlyList<string>? journals)
    {
        ArgumentNullException.ThrowIfNull(members);
        var loaded = Load(members, template);
        var plan = Plan(loaded.Select(x => (x.Spec, x.Train.N, x.Train.D)).ToArray(), count);
        var groups = new List<ShardGroup<RunRecord, RunKey>>();
        for (int i = 0; i < members.Count; i++)
        {
            var (m, spec, train, test) = loaded[i];
            var target = Difficulty.JournalPath(journalFolder, m, i + 1);
            groups.Add(Collect(spec, train, test, target, plan[i], journals ?? ShardMerge.Existing(target, count)));
        }
        if (journals is not null)
            ShardMerge.RefuseUnmatched(journals, groups.Select(g => g.Header).ToArray(), groups.SelectMany(g => g.Journals), "width-sweep");
        return groups;
    }

    private static List<(DifficultyMember Member, SweepSpec Spec, Dataset Train, Dataset? Test)> Load(IReadOnlyList<DifficultyMember> members, SweepSpec template) =>
        members.Select(m =>
        {
            var train = DataSource.Load(m.Source, m.Data);
            var test = m.TestData is null ? null : DataSource.Load(m.Source, m.TestData);
            return (m, template with { DataSource = m.Name }, train, test);
        }).ToList();
}

/// <summary>Sharded distillation grids (THEORY.md §9) and their merge.</summary>
public static class ShardDistill
{
    /// <summary>The assignment of a grid's records (teachers and students) to <paramref name="count"/> shards.</summary>
    /// <param name="spec">The grid.</param>
    /// <param name="points">The points before the training / validation split.</param>
    /// <param name="count">Number of shards.</param>
    public static ShardAssignment<DistillKey> Plan(DistillSpec spec, Dataset points, int count)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(points);
        var (train, _) = Distill.Split(points, spec.ValidationFraction, spec.MasterSeed);
        return ShardPlan.AssignGroups([ShardPlan.DistillRuns(spec, train.N, train.D)], count)[0];
    }

    /// <summary>Collects the shard journals of a grid among <paramref name="journals"/> (see <see cref="ShardMerge.Collect"/>), checking every record as the grid
    /// checks its own journal; a journal of another experiment is refused.</summary>
    /// <param name="spec">The grid.</param>
    /// <param name="points">Its points (for the header's fingerprint).</param>
    /// <param name="test">Its held-out set.</param>
    /// <param name="target">The whole grid's journal.</param>
    /// <param name="assignment">Its records and their owners.</param>
    /// <param name="journals">Candidate shard journals.</param>
    /// <param name="explicitJournals">True when the journals were named by the user (then every one must belong to the grid).</param>
    /// <exception cref="InputException">As <see cref="ShardMerge.Collect"/> and <see cref="ShardMerge.RefuseUnmatched"/>.</exception>
    public static ShardGroup<DistillRecord, DistillKey> Collect(DistillSpec spec, Dataset points, Dataset test, string target, ShardAssignment<DistillKey> assignment,
        IReadOnlyList<string> journals, bool explicitJournals)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(journals);
        var group = ShardMerge.Collect(target, spec.Header(points, test), assignment, journals,
            p => JsonLinesJournal<DistillRecord, DistillKey>.Load(p, r => r.Key, DistillSpec.JournalFormat, "distill"),
            (path, records, lines) => Distill.CheckRecords(spec, path, records, lines), r => r.Key);
        if (explicitJournals) ShardMerge.RefuseUnmatched(journals, [group.Header], group.Journals, "distill");
        return group;
    }

    /// <summary>Writes a complete group into the whole grid's journal (<see cref="ShardMerge.Write"/>).</summary>
    /// <param name="group">A complete group.</param>
    public static (int Appended, int Existing) Write(ShardGroup<DistillRecord, DistillKey> group) =>
        ShardMerge.Write(group, (path, header) => JsonLinesJournal<DistillRecord, DistillKey>.Open(path, header, r => r.Key, "distill"), r => r.Key);
}

/// <summary>The results of a merge, with the run counts of the merge: the records it appended to the whole journal count as new,
/// those the journal held before as resumed (so a first merge reports what a fresh unsharded run reports).</summary>
public static class ShardCounts
{
    /// <summary>The sweep result with the merge's counts.</summary>
    /// <param name="result">The analysis of the merged journal.</param>
    /// <param name="appended">Records the merge appended.</param>
    /// <param name="existing">Records the journal held before.</param>
    public static SweepResult Of(SweepResult result, int appended, int existing)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result with { NewRuns = appended, ResumedRuns = existing };
    }

    /// <summary>The distillation result with the merge's counts.</summary>
    /// <param name="result">The analysis of the merged journal.</param>
    /// <param name="appended">Records the merge appended.</param>
    /// <param name="existing">Records the journal held before.</param>
    public static DistillResult Of(DistillResult result, int appended, int existing)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result with { NewRuns = appended, ResumedRuns = existing };
    }
}
