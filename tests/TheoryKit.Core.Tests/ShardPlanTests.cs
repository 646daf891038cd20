using TheoryKit.Experiments;
using TheoryKit.Training;

namespace TheoryKit.Tests;

// Values from outside the code:
//   Greedy LPT by hand for costs 5, 4, 3, 3, 2, 2, 1 on 2 shards (largest first, ties by index; least-loaded shard, ties by
//   lowest index): 5 -> 0 (5, 0); 4 -> 1 (5, 4); 3 (index 2) -> 1 (5, 7); 3 (index 3) -> 0 (8, 7); 2 (index 4) -> 1 (8, 9);
//   2 (index 5) -> 0 (10, 9); 1 -> 1 (10, 10). Owners 0, 1, 1, 0, 1, 0, 1.
//   List scheduling bound (Graham 1966): when the last run is added to the most loaded shard, that shard held at most the mean
//   load, so every greedy schedule has max load <= sum / N + max cost.
public sealed class ShardPlanTests
{
    [Fact]
    public void Lpt_matches_the_hand_computed_schedule()
    {
        Assert.Equal([0, 1, 1, 0, 1, 0, 1], ShardPlan.Assign([5, 4, 3, 3, 2, 2, 1], 2));
        // equal costs go round the shards in run order
        Assert.Equal([0, 1, 2, 3, 0, 1], ShardPlan.Assign([1, 1, 1, 1, 1, 1], 4));
        // one shard owns everything; more shards than runs leave some empty
        Assert.Equal([0, 0, 0], ShardPlan.Assign([3, 1, 2], 1));
        Assert.Equal([2, 0, 1], ShardPlan.Assign([1, 3, 2], 5));
    }

    [Fact]
    public void Lpt_stays_within_the_list_scheduling_bound_and_is_deterministic()
    {
        var rng = new System.Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = rng.Next(1, 60), shards = rng.Next(1, 9);
            var costs = Enumerable.Range(0, n).Select(_ => Math.Round(rng.NextDouble() * 100, 1)).ToArray();
            var owner = ShardPlan.Assign(costs, shards);
            Assert.Equal(owner, ShardPlan.Assign(costs, shards));
            var load = new double[shards];
            for (int i = 0; i < n; i++) load[owner[i]] += costs[i];
            Assert.True(load.Max() <= costs.Sum() / shards + costs.Max() + 1e-9, $"trial {trial}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardPlan.Assign([1, double.NaN], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardPlan.Assign([1], 0));
    }

    [Fact]
    public void A_sweep_plan_holds_every_run_once_and_a_part_owns_its_shards_runs()
    {
        var spec = new SweepSpec("d", 0.1, 2, 8, 3, new TrainingOptions(2, 100, 1, LabelKind.Hard, false, null, 0, 1));
        var plans = ShardSweeps.Plan([spec, spec with { Epsilon = 0.2 }], 50, 4, 3);
        Assert.Equal(2, plans.Length);
        foreach (var p in plans)
        {
            Assert.Equal(3 * 3 * 2, p.Keys.Count);   // widths 2, 4, 8 x 3 seeds x soft, hard
            Assert.Equal(p.Keys.Count, p.Keys.Distinct().Count());
            Assert.Equal(8.0 * 100 * 50 * 4, p.Costs[p.Keys.ToList().IndexOf(new RunKey(LabelKind.Hard, 8, 2))]);
        }
        var parts = Enumerable.Range(0, 3).Select(i => plans[0].Part(new ShardSpec(i, 3), new System.Text.Json.Nodes.JsonObject())).ToArray();
        Assert.Equal(plans[0].Keys.Count, parts.Sum(p => p.Keys.Count));
        Assert.Empty(parts[0].Keys.Intersect(parts[1].Keys));
        // both epsilons together are balanced: 36 runs of equal cost per width give each shard the same load
        Assert.Equal(plans.Sum(a => a.Load(0)), plans.Sum(a => a.Load(2)));
    }

    [Fact]
    public void Shards_parse_from_text_and_from_a_slurm_array_task()
    {
        static string? None(string _) => null;
        Assert.Equal(new ShardSpec(1, 4), ShardSpec.Parse("1/4", None));
        Assert.Equal(new ShardSpec(0, 1), ShardSpec.Parse(" 0/1 ", None));
        foreach (var bad in new[] { "4/4", "1/0", "-1/4", "1/4/2", "a/b", "1", "" })
            Assert.Equal("shard", Assert.Throws<InputException>(() => ShardSpec.Parse(bad, None)).Field);
        var env = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "5", ["SLURM_ARRAY_TASK_MIN"] = "3", ["SLURM_ARRAY_TASK_COUNT"] = "4" };
        Assert.Equal(new ShardSpec(2, 4), ShardSpec.Parse("slurm", k => env.GetValueOrDefault(k)));
        Assert.Contains("SLURM_ARRAY_TASK_ID", Assert.Throws<InputException>(() => ShardSpec.Parse("slurm", None)).Reason);
        env["SLURM_ARRAY_TASK_ID"] = "9";   // an array with a step (3, 5, 7, 9): ids beyond MIN + COUNT - 1
        Assert.Contains("consecutive", Assert.Throws<InputException>(() => ShardSpec.Parse("slurm", k => env.GetValueOrDefault(k))).Reason);
    }

    [Fact]
    public void A_shards_journal_sits_beside_the_whole_journal()
    {
        Assert.Equal("runs/x-eps0.3.sweep.shard-2-of-4.jsonl", new ShardSpec(2, 4).JournalPath("runs/x-eps0.3.sweep.jsonl"));
        Assert.Equal("journal.shard-0-of-1", ShardSpec.JournalPath("journal", 0, 1));
    }
}
