using TheoryKit.Data;

namespace TheoryKit.Tests;

/// <summary>CIFAR-10 binary files written by the tests in the published format: records of 1 label byte + 3072 pixel bytes.</summary>
public class Cifar10Tests : IDisposable
{
    private readonly TempDir tmp = new();
    public void Dispose() => tmp.Dispose();

    /// <summary>A record: the label byte, then pixel j = (seed + 7 j) mod 256 (channel-major, as the format).</summary>
    private static byte[] Record(int label, int seed)
    {
        var r = new byte[Cifar10.RecordBytes];
        r[0] = (byte)label;
        for (int j = 0; j < Cifar10.Pixels; j++) r[1 + j] = (byte)((seed + 7 * j) % 256);
        return r;
    }

    /// <summary>Writes data_batch_1..5 (batch k holds labels k-1, 3 and 5) and test_batch (labels 3, 5, 5).</summary>
    private void WriteDistribution()
    {
        for (int k = 1; k <= 5; k++)
            tmp.WriteBytes($"data_batch_{k}.bin", [.. Record(k - 1, k), .. Record(3, 10 * k), .. Record(5, 20 * k)], false);
        tmp.WriteBytes("test_batch.bin", [.. Record(3, 1), .. Record(5, 2), .. Record(5, 3)], false);
    }

    private DataOptions Options(string split = "train") => new() { CifarDir = tmp.Path, Split = split, AllowOneClass = true };

    /// <summary>Pixel j of the record with this seed after /255 and scaling the row to unit norm (computed here, apart from the loader).</summary>
    private static double Pixel(int seed, int j)
    {
        double sq = 0;
        for (int k = 0; k < Cifar10.Pixels; k++) sq += Math.Pow((seed + 7 * k) % 256 / 255.0, 2);
        return (seed + 7 * j) % 256 / 255.0 / Math.Sqrt(sq);
    }

    [Fact]
    public void Pairs_keep_their_records_in_file_order_with_pixels_over_255()
    {
        WriteDistribution();
        var ds = DataSource.Load("cifar10:cat-vs-dog", Options());
        // cat = 3 (+1), dog = 5 (-1); batch 4 holds an extra label 3 (its first record): 5 batches x (3, 5) plus that one
        Assert.Equal(11, ds.N);
        Assert.Equal(3072, ds.D);
        Assert.Equal([1.0, -1, 1, -1, 1, -1, 1, 1, -1, 1, -1], ds.Y);
        Assert.Equal("cat", ds.PositiveClass);
        Assert.Equal("dog", ds.NegativeClass);
        // row 0: batch 1's second record (seed 10); pixel j = (10 + 7 j) mod 256 / 255, then the row scaled to unit norm
        Assert.Equal(Pixel(10, 0), ds.X[0], 1e-15);
        Assert.Equal(Pixel(10, 1000), ds.X[1000], 1e-15);
        // row 6: batch 4's first record (label 3, seed 4)
        Assert.Equal(Pixel(4, 2047), ds.X[6 * 3072 + 2047], 1e-15);
        var test = DataSource.LoadTest("cifar10:3-vs-5", Options())!;
        Assert.Equal([1.0, -1, -1], test.Y);
        Assert.Equal(Pixel(2, 0), test.X[3072], 1e-15);
    }

    [Theory]
    [InlineData("airplane", 0)]
    [InlineData("Car", 1)]
    [InlineData(" truck ", 9)]
    [InlineData("7", 7)]
    [InlineData("unicorn", null)]
    public void Class_names_and_indices(string name, int? index) => Assert.Equal(index, Cifar10.ParseClass(name));

    [Fact]
    public void Missing_folder_or_file_is_one_clear_error()
    {
        var e = Assert.Throws<InputException>(() => DataSource.Load("cifar10:cat-vs-dog", new DataOptions { CifarDir = null }));
        Assert.Contains("field 'cifar-dir'", e.Message);
        e = Assert.Throws<InputException>(() => DataSource.Load("cifar10:cat-vs-dog", new DataOptions { CifarDir = Path.Combine(tmp.Path, "nope") }));
        Assert.Contains("folder not found", e.Message);
        WriteDistribution();
        File.Delete(Path.Combine(tmp.Path, "data_batch_3.bin"));
        e = Assert.Throws<InputException>(() => DataSource.Load("cifar10:cat-vs-dog", Options()));
        Assert.StartsWith(Path.Combine(tmp.Path, "data_batch_3.bin") + ": file not found", e.Message);
    }

    [Fact]
    public void Truncated_record_names_file_and_record()
    {
        WriteDistribution();
        var path = tmp.WriteBytes("data_batch_2.bin", [.. Record(3, 1), .. Record(5, 2), .. Record(3, 3)[..100]], false);
        var e = Assert.Throws<InputException>(() => DataSource.Load("cifar10:cat-vs-dog", Options()));
        Assert.StartsWith($"{path}:3: field 'record': truncated record: 100 of 3073 bytes", e.Message);
    }

    [Fact]
    public void Bad_label_byte_names_file_and_record()
    {
        WriteDistribution();
        var path = tmp.WriteBytes("test_batch.bin", [.. Record(3, 1), .. Record(12, 2)], false);
        var e = Assert.Throws<InputException>(() => DataSource.Load("cifar10:cat-vs-dog", Options("test")));
        Assert.Equal($"{path}:2: field 'label': label byte 12 is not a CIFAR-10 class 0-9", e.Message);
    }

    [Fact]
    public void Unknown_class_and_same_class_are_refused()
    {
        WriteDistribution();
        Assert.Contains("unknown CIFAR-10 class 'unicorn'", Assert.Throws<InputException>(() => DataSource.Load("cifar10:unicorn-vs-dog", Options())).Message);
        Assert.Contains("must differ", Assert.Throws<InputException>(() => DataSource.Load("cifar10:cat-vs-3", Options())).Message);
    }
}
