using TheoryKit.Data;
using TheoryKit.Experiments;
using TheoryKit.IO;
using TheoryKit.Training;

namespace TheoryKit.Core.Tests;

/// <summary>Issue 11 at the level of the core: the memory budget, width grids, held-out sets and degenerate data.</summary>
public class HostileInputTests
{
    [Fact]
    public void Budget_sizes_parse_in_binary_units()
    {
        Assert.Equal(512L << 20, MemoryBudget.Parse("512M"));
        Assert.Equal(3L << 29, MemoryBudget.Parse("1.5GiB"));
        Assert.Equal(4096L, MemoryBudget.Parse("4k"));
        Assert.Equal(1000L, MemoryBudget.Parse("1000"));
        foreach (var bad in new[] { "", "lots", "-1G", "0", "1e400" })
            Assert.Equal("max-memory", Assert.Throws<InputException>(() => MemoryBudget.Parse(bad)).Field);
    }

    [Fact]
    public void Budget_refuses_what_exceeds_it_and_one_array()
    {
        var saved = MemoryBudget.Bytes;
        try
        {
            MemoryBudget.Bytes = 1 << 20;
            MemoryBudget.CheckMatrix("m", 128, 1024);   // exactly 1 MiB of doubles
            var e = Assert.Throws<InputException>(() => MemoryBudget.CheckMatrix("data matrix", 128, 1025, "f.csv"));
            Assert.Equal("f.csv", e.File);
            Assert.Contains("128 x 1025", e.Message);
            MemoryBudget.Bytes = long.MaxValue / 2;
            Assert.Contains("one array", Assert.Throws<InputException>(() => MemoryBudget.Check("bytes", Array.MaxLength + 1.0, 1)).Message);
        }
        finally { MemoryBudget.Bytes = saved; }
    }

    private static SweepSpec Grid(int min, int max, double factor, bool symmetric = false) =>
        new("gaussians:2", 0.1, min, max, 1, new TrainingOptions(Width: 2, Steps: 1, Eta: 1, Symmetric: symmetric)) { Factor = factor };

    [Fact]
    public void Width_grids_keep_odd_widths()
    {
        Assert.Equal([5], Grid(5, 5, 2).Widths());
        Assert.Equal([3, 9, 27], Grid(3, 30, 3).Widths());
        Assert.Equal([int.MaxValue], Grid(int.MaxValue, int.MaxValue, 2).Widths());
        Grid(5, 5, 2).Validate();
    }

    [Fact]
    public void Symmetric_initialisation_refuses_an_odd_grid_width()
    {
        var e = Assert.Throws<InputException>(() => Grid(5, 5, 2, symmetric: true).Validate());
        Assert.Contains("even widths", e.Message);
        Grid(4, 16, 2, symmetric: true).Validate();
    }

    [Fact]
    public void Noisy_xor_held_out_set_is_a_fresh_draw_not_the_support()
    {
        var o = new DataOptions { Seed = 5 };
        var train = DataSource.Load("noisy-xor:5", o);
        var test = DataSource.LoadTest("noisy-xor:5", o)!;
        Assert.Equal((32, 5), (test.N, test.D));
        Assert.NotEqual(train.X, test.X);
        // The fresh draw is i.i.d. from the support: 32 uniform draws from 32 points repeat some (all distinct has probability 32!/32^32).
        var rows = Enumerable.Range(0, test.N).Select(i => string.Join(",", test.X.Skip(i * 5).Take(5))).ToList();
        Assert.True(rows.Distinct().Count() < test.N);
        Assert.Equal(test.X, DataSource.LoadTest("noisy-xor:5", o)!.X);
    }

    [Theory]
    [InlineData("gaussians:1", 1)]
    [InlineData("separable:0.2", 1)]
    [InlineData("noisy-xor:3", 1)]
    public void One_class_data_is_refused(string spec, int n)
    {
        var e = Assert.Throws<InputException>(() => DataSource.Load(spec, new DataOptions { N = n }));
        Assert.Equal("label", e.Field);
        Assert.Contains("both classes", e.Message);
    }

    [Fact]
    public void Two_point_same_labels_stay_allowed()
    {
        Assert.Equal(2, DataSource.Load("two-point:1:same", new DataOptions()).N);
    }
}
