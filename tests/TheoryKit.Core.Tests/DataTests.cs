using System.IO.Compression;
using TheoryKit.Data;

namespace TheoryKit.Tests;

/// <summary>Temp folder with hand-written data files, deleted after each test class.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("tk-data-").FullName;
    public string Write(string name, string text) { var p = System.IO.Path.Combine(Path, name); File.WriteAllText(p, text); return p; }
    public string WriteBytes(string name, byte[] bytes, bool gzip)
    {
        var p = System.IO.Path.Combine(Path, name);
        if (!gzip) { File.WriteAllBytes(p, bytes); return p; }
        using var fs = File.Create(p);
        using var gz = new GZipStream(fs, CompressionLevel.Optimal);
        gz.Write(bytes);
        return p;
    }
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

public class DataFileTests : IDisposable
{
    private readonly TempDir tmp = new();
    public void Dispose() => tmp.Dispose();
    private static readonly DataOptions Raw = new() { Normalise = false };

    private static void AssertRows(Dataset ds, double[,] expected, double tol = 1e-15)
    {
        Assert.Equal(expected.GetLength(0), ds.N);
        Assert.Equal(expected.GetLength(1), ds.D);
        for (int i = 0; i < ds.N; i++)
            for (int j = 0; j < ds.D; j++)
                Assert.True(Math.Abs(ds.X[i * ds.D + j] - expected[i, j]) <= tol, $"X[{i},{j}] = {ds.X[i * ds.D + j]}, expected {expected[i, j]}");
    }

    [Fact]
    public void Held_out_file_uses_the_training_label_signs()
    {
        // Training labels cat/dog: cat -> -1, dog -> +1 (ordinal order). The held-out file has only 'dog'
        // (one class, which inference would refuse) and must map it to +1, not re-infer a mapping.
        var train = DataSource.Load(tmp.Write("tr.csv", "a,b,label\n1,0,cat\n0,1,dog\n"), new DataOptions());
        var test = DataSource.LoadTest("tr.csv", new DataOptions(), tmp.Write("te.csv", "a,b,label\n0,1,dog\n1,1,dog\n"), train)!;
        Assert.Equal(new[] { 1.0, 1.0 }, test.Y);
        var unknown = Assert.Throws<InputException>(() =>
            DataSource.LoadTest("tr.csv", new DataOptions(), tmp.Write("te2.csv", "a,b,label\n1,0,cat\n0,1,bird\n"), train));
        Assert.Equal(3, unknown.Line);
        Assert.Contains("'bird' is not one of the training labels", unknown.Message);
    }

    private InputException Bad(string name, string text, DataOptions? o = null) =>
        Assert.Throws<InputException>(() => DataSource.Load(tmp.Write(name, text), o ?? new DataOptions()));

    [Fact]
    public void Csv_with_header_is_normalised_exactly_and_labels_map_0_1_to_minus_plus()
    {
        var p = tmp.Write("d.csv", "a,b,label\n3,4,0\n\n1,0,1\n0,-2,1\n");
        var ds = DataSource.Load(p, new DataOptions());
        AssertRows(ds, new double[,] { { 0.6, 0.8 }, { 1, 0 }, { 0, -1 } });
        Assert.Equal(new[] { -1.0, 1, 1 }, ds.Y);
        Assert.Equal(new[] { "a", "b" }, ds.FeatureNames);
        Assert.Equal(new[] { new LabelMap("0", -1, 1), new LabelMap("1", 1, 2) }, ds.LabelMapping);
        Assert.Equal(("1", "0"), (ds.PositiveClass, ds.NegativeClass));
        Assert.True(ds.Provenance.Normalised);
        Assert.Contains("rows normalised to the unit sphere", ds.Provenance.Notes);
        Assert.Equal(p, ds.Provenance.Source);
        Assert.Null(ds.Provenance.Seed);
    }

    [Fact]
    public void Csv_with_two_label_like_headers_is_refused_naming_them_unless_the_column_is_chosen()
    {
        const string text = "\nx,y,label\n3,4,-1\n1,0,1\n";
        var e = Bad("two.csv", text);
        Assert.Equal((2, "label column"), (e.Line, e.Field));
        Assert.Contains("several columns could be the label (y, label)", e.Message);
        var ds = DataSource.Load(tmp.Write("chosen.csv", text), new DataOptions { LabelColumn = "label" });
        Assert.Equal(new[] { "x", "y" }, ds.FeatureNames);
        Assert.Equal(new[] { -1.0, 1 }, ds.Y);
    }

    [Fact]
    public void Csv_prefix_and_minus_plus_one_labels_are_identity()
    {
        var p = tmp.Write("pm.csv", "0.5,0,-1\n0,0.25,+1\n");
        var ds = DataSource.Load("csv:" + p, Raw);
        AssertRows(ds, new double[,] { { 0.5, 0 }, { 0, 0.25 } });
        Assert.Equal(new[] { -1.0, 1 }, ds.Y);
        Assert.False(ds.Provenance.Normalised);
        Assert.DoesNotContain("rows normalised to the unit sphere", ds.Provenance.Notes);
    }

    [Fact]
    public void Headerless_csv_with_string_labels_keeps_its_first_row()
    {
        var ds = DataSource.Load(tmp.Write("s.csv", "0.6,0.8,dog\n1,0,cat\n0,1,dog\n"), Raw);
        Assert.Equal(3, ds.N);
        Assert.Equal(new[] { 1.0, -1, 1 }, ds.Y);   // ordinal: "cat" < "dog"
        Assert.Equal(new[] { new LabelMap("cat", -1, 1), new LabelMap("dog", 1, 2) }, ds.LabelMapping);
        Assert.Equal(new[] { "x1", "x2" }, ds.FeatureNames);
    }

    [Fact]
    public void Quoted_fields_may_hold_commas_doubled_quotes_and_line_breaks()
    {
        // RFC 4180: a header name and string labels holding the separator, a doubled quote, a label over two lines.
        var ds = DataSource.Load(tmp.Write("q.csv",
            "\"width, cm\",\"height\",\"species, common name\"\n" +
            "0.6,0.8,\"robin, European\"\n" +
            "1,0,\"the \"\"wren\"\"\"\n" +
            "0,1,\"robin, European\"\n" +
            "\" 0.8 \",0.6,\"the \"\"wren\"\"\"\n"), Raw);
        AssertRows(ds, new double[,] { { 0.6, 0.8 }, { 1, 0 }, { 0, 1 }, { 0.8, 0.6 } });
        Assert.Equal(new[] { "width, cm", "height" }, ds.FeatureNames);
        // Strings sort: "robin, European" < "the \"wren\"", so robin is -1.
        Assert.Equal(new[] { -1.0, 1, -1, 1 }, ds.Y);
        Assert.Equal("robin, European", ds.NegativeClass);
        Assert.Equal("the \"wren\"", ds.PositiveClass);
        // A quoted field over two lines is one field; errors name the line the row starts on.
        var two = DataSource.Load(tmp.Write("nl.csv", "a,b,y\n1,0,\"x\ny\"\n0,1,z\n"), Raw);
        Assert.Equal(new[] { "x\ny", "z" }, new[] { two.NegativeClass, two.PositiveClass });
        var e = Assert.Throws<InputException>(() => DataSource.Load(tmp.Write("nl2.csv", "a,b,y\n1,0,\"x\ny\"\n0,abc,z\n"), Raw));
        Assert.EndsWith("nl2.csv:4: field 'b': cannot parse 'abc' as a number", e.Message);
        // A quote left open swallows the rest of the file into one row; beyond 16 Mi characters it is refused, not buffered.
        var open = tmp.Write("open.csv", "a,b,y\n1,0,0\n0,1,\"1\n" + string.Concat(Enumerable.Repeat("0.5,0.25,1\n", 1_600_000)));
        e = Assert.Throws<InputException>(() => DataSource.Load(open, Raw));
        Assert.EndsWith("open.csv:3: a row longer than 16 Mi characters (is a quote left open?)", e.Message);
    }

    [Fact]
    public void Label_column_by_header_name_index_and_option_with_quotes_and_tsv()
    {
        // "Class" header in the first column is found automatically.
        var ds = DataSource.Load(tmp.Write("c.csv", "\"Class\",\"u\",\"v\"\n\"2\",\"0\",\"1\"\n\"5\",\"1\",\"0\"\n"), Raw);
        AssertRows(ds, new double[,] { { 0, 1 }, { 1, 0 } });
        Assert.Equal(new[] { -1.0, 1 }, ds.Y);
        Assert.Equal(new[] { "u", "v" }, ds.FeatureNames);
        // tab separated, label chosen by name (case-insensitive) and by 1-based index
        var t = tmp.Write("t.tsv", "f1\tkind\tf2\n0.1\tb\t0.2\n0.3\ta\t0.4\n");
        foreach (var lc in new[] { "KIND", "2" })
        {
            var dt = DataSource.Load(t, Raw with { LabelColumn = lc });
            AssertRows(dt, new double[,] { { 0.1, 0.2 }, { 0.3, 0.4 } });
            Assert.Equal(new[] { 1.0, -1 }, dt.Y);
        }
        // without a label header the last column is the label
        var dl = DataSource.Load(tmp.Write("l.txt", "p q r\n0 0.5 7\n0.5 0 8\n"), Raw);
        Assert.Equal(new[] { -1.0, 1 }, dl.Y);
        Assert.Equal(new[] { "p", "q" }, dl.FeatureNames);
    }

    [Fact]
    public void Csv_errors_name_file_line_and_field()
    {
        var e = Bad("bad.csv", "a,b,y\n1,2,0\n1,abc,1\n");
        Assert.EndsWith("bad.csv:3: field 'b': cannot parse 'abc' as a number", e.Message);
        Assert.Equal((3, "b"), (e.Line, e.Field));

        e = Bad("nan.csv", "a,b,y\n1,2,0\nNaN,1,1\n");
        Assert.EndsWith("nan.csv:3: field 'a': value is NaN", e.Message);

        e = Bad("inf.csv", "1,2,0\n1,Infinity,1\n");
        Assert.EndsWith("inf.csv:2: field 'column 2': value 'Infinity' is infinite", e.Message);

        e = Bad("count.csv", "a,b,c,d,y\n1,2,3,4,0\n\n1,2,3,1\n");
        Assert.EndsWith("count.csv:4: expected 5 fields, found 4", e.Message);

        e = Bad("three.csv", "a,y\n1,0\n2,1\n3,1\n4,2\n");
        Assert.EndsWith("three.csv:5: field 'y': labels must be two classes; found a third value '2' after '0' and '1'", e.Message);

        e = Bad("one.csv", "a,y\n1,1\n2,1\n");
        Assert.Contains("only one class '1' found", e.Message);
        Assert.Equal("y", e.Field);

        e = Bad("zero.csv", "a,b,y\n1,2,0\n0,0,1\n");
        Assert.EndsWith("zero.csv:3: zero vector cannot be normalised to the unit sphere", e.Message);

        e = Bad("big.csv", "a,b,y\n0.1,0,0\n3.2,0,1\n", Raw);
        Assert.EndsWith("big.csv:3: norm 3.2 exceeds 1; the theory assumes ||x|| <= 1 (drop --no-normalise)", e.Message);

        var missing = Path.Combine(tmp.Path, "nope.csv");
        e = Assert.Throws<InputException>(() => DataSource.Load(missing, new DataOptions()));
        Assert.Equal($"{missing}: file not found", e.Message);

        e = Bad("lc.csv", "a,b\n1,0\n0,1\n", new DataOptions { LabelColumn = "target" });
        Assert.Equal("label column", e.Field);
    }

    [Fact]
    public void Numeric_labels_compare_by_value()
    {
        var ds = DataSource.Load(tmp.Write("v.csv", "x,y\n1,10\n1,9\n1,10.0\n"), new DataOptions());
        Assert.Equal(new[] { 1.0, -1, 1 }, ds.Y);   // 9 < 10 numerically although "10" < "9" as strings
        Assert.Equal(new[] { new LabelMap("9", -1, 1), new LabelMap("10", 1, 2) }, ds.LabelMapping);
    }

    [Fact]
    public void Libsvm_sparse_rows_comments_and_dimension()
    {
        var p = tmp.Write("a.svm", "# header comment\n+1 1:3 2:4  # trailing\n\n-1 3:0.5\n+1 qid:2 2:1\n");
        var ds = DataSource.Load(p, new DataOptions());
        AssertRows(ds, new double[,] { { 0.6, 0.8, 0 }, { 0, 0, 1 }, { 0, 1, 0 } });
        Assert.Equal(new[] { 1.0, -1, 1 }, ds.Y);
        Assert.Equal(new[] { new LabelMap("-1", -1, 1), new LabelMap("+1", 1, 2) }, ds.LabelMapping);

        var wide = DataSource.Load("libsvm:" + p, new DataOptions { D = 5 });
        Assert.Equal(5, wide.D);
        Assert.Equal(new[] { 0.6, 0.8, 0, 0, 0 }, wide.Row(0).ToArray());

        var e = Assert.Throws<InputException>(() => DataSource.Load(p, new DataOptions { D = 2 }));
        Assert.EndsWith("a.svm:4: field 'x3': index 3 exceeds d = 2", e.Message);

        e = Assert.Throws<InputException>(() => DataSource.Load(tmp.Write("b.libsvm", "1 1:1\n0 2:1 1:1\n"), new DataOptions()));
        Assert.Equal((2, "index"), (e.Line, e.Field));
        e = Assert.Throws<InputException>(() => DataSource.Load(tmp.Write("c.svmlight", "1 1:1\n0 2:x\n"), new DataOptions()));
        Assert.EndsWith("c.svmlight:2: field 'x2': cannot parse 'x' as a number", e.Message);
        e = Assert.Throws<InputException>(() => DataSource.Load(tmp.Write("d.svm", "1 1:1\n0 2:1\n2 1:1\n"), new DataOptions()));
        Assert.Equal(3, e.Line);
        Assert.Contains("found a third value '2'", e.Message);
    }

    /// <summary>IDX bytes written by hand: big-endian magic, counts and unsigned bytes.</summary>
    private static byte[] IdxImages(int n, int rows, int cols, params byte[] pixels)
    {
        var head = new byte[] { 0, 0, 8, 3, 0, 0, 0, (byte)n, 0, 0, 0, (byte)rows, 0, 0, 0, (byte)cols };
        return [.. head, .. pixels];
    }
    private static byte[] IdxLabels(params byte[] labels) => [0, 0, 8, 1, 0, 0, 0, (byte)labels.Length, .. labels];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_plain_and_gzip(bool gzip)
    {
        var ext = gzip ? "-ubyte.gz" : "-ubyte";
        var img = tmp.WriteBytes("toy-images-idx3" + ext, IdxImages(3, 1, 2, 255, 0, 0, 51, 153, 204), gzip);
        tmp.WriteBytes("toy-labels-idx1" + ext, IdxLabels(7, 3, 7), gzip);
        var raw = DataSource.Load(img, Raw);
        AssertRows(raw, new double[,] { { 1, 0 }, { 0, 0.2 }, { 0.6, 0.8 } });
        Assert.Equal(new[] { 1.0, -1, 1 }, raw.Y);   // 3 < 7
        Assert.Equal(new[] { new LabelMap("3", -1, 1), new LabelMap("7", 1, 2) }, raw.LabelMapping);
        var norm = DataSource.Load("idx:" + img, new DataOptions());
        AssertRows(norm, new double[,] { { 1, 0 }, { 0, 1 }, { 0.6, 0.8 } }, 1e-15);
    }

    [Fact]
    public void Idx_with_many_labels_needs_a_class_pair()
    {
        var img = tmp.WriteBytes("m-images-idx3-ubyte", IdxImages(4, 2, 1, 1, 0, 0, 1, 3, 4, 0, 2), false);
        var lab = tmp.WriteBytes("other-labels.bin", IdxLabels(0, 1, 2, 1), true);   // gzip detected by magic
        var e = Assert.Throws<InputException>(() => DataSource.Load(img, new DataOptions { LabelsPath = lab }));
        Assert.Equal((lab, 3, "label"), (e.File, e.Line, e.Field));
        Assert.Contains("labels must be two classes; found a third value '2'", e.Message);

        var ds = DataSource.Load(img, new DataOptions { LabelsPath = lab, Classes = "2-vs-0" });
        AssertRows(ds, new double[,] { { 1, 0 }, { 0.6, 0.8 } }, 1e-15);  // images 1 and 3: (1,0)/255 and (3,4)/255, normalised
        Assert.Equal(new[] { -1.0, 1 }, ds.Y);
        Assert.Equal(new[] { new LabelMap("0", -1, 1), new LabelMap("2", 1, 1) }, ds.LabelMapping);

        var zero = tmp.WriteBytes("z-images-idx3-ubyte", IdxImages(2, 1, 1, 0, 9), false);
        tmp.WriteBytes("z-labels-idx1-ubyte", IdxLabels(0, 1), false);
        e = Assert.Throws<InputException>(() => DataSource.Load(zero, new DataOptions()));
        Assert.EndsWith("z-images-idx3-ubyte:1: zero vector cannot be normalised to the unit sphere", e.Message);

        var trunc = tmp.WriteBytes("t-images-idx3-ubyte", IdxImages(2, 2, 2, 1, 2, 3, 4, 5), false);
        tmp.WriteBytes("t-labels-idx1-ubyte", IdxLabels(0, 1), false);
        e = Assert.Throws<InputException>(() => DataSource.Load(trunc, new DataOptions()));
        Assert.Contains("truncated", e.Message);
        e = Assert.Throws<InputException>(() => DataSource.Load(tmp.WriteBytes("n-images-idx3-ubyte", IdxImages(1, 1, 1, 1), false), new DataOptions()));
        Assert.EndsWith("n-labels-idx1-ubyte: file not found", e.Message);
    }

    [Fact]
    public void File_subsample_is_seeded_and_keeps_order()
    {
        var rows = string.Join("\n", Enumerable.Range(1, 50).Select(i => FormattableString.Invariant($"{i / 100.0},0,{i % 2}")));
        var p = tmp.Write("many.csv", "a,b,y\n" + rows + "\n");
        var o = new DataOptions { N = 10, Seed = 5 };
        var a = DataSource.Load(p, o with { Normalise = false, D = null });
        Assert.Equal(10, a.N);
        Assert.Equal(5UL, a.Provenance.Seed);
        var idx = Enumerable.Range(0, 10).Select(i => (int)Math.Round(a.X[2 * i] * 100)).ToArray();
        Assert.Equal(idx.OrderBy(v => v), idx);
        Assert.Equal(10, idx.Distinct().Count());
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(idx[i] % 2 == 1 ? 1.0 : -1.0, a.Y[i]));
        Assert.Equal(a.Fingerprint(), DataSource.Load(p, o with { Normalise = false }).Fingerprint());
        Assert.NotEqual(a.Fingerprint(), DataSource.Load(p, o with { Normalise = false, Seed = 6 }).Fingerprint());
        Assert.Contains("subsampled 10 of 50 points without replacement (seed 5, original order kept)", a.Provenance.Notes);
        var e = Assert.Throws<InputException>(() => DataSource.Load(p, o with { N = 51 }));
        Assert.Equal("n", e.Field);
    }
}

public class GeneratorTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(Math.PI)]
    public void Two_point_rows_meet_at_theta(double theta)
    {
        var spec = "two-point:" + theta.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var ds = DataSource.Load(spec, new DataOptions());
        Assert.Equal((2, 2), (ds.N, ds.D));
        Assert.Equal(new[] { 1.0, -1 }, ds.Y);
        Assert.Equal(new[] { 1.0, 0 }, ds.Row(0).ToArray());
        var dot = ds.X[0] * ds.X[2] + ds.X[1] * ds.X[3];
        Assert.Equal(theta, Math.Acos(Math.Clamp(dot, -1, 1)), 7);
        Assert.Equal(1.0, ds.RowNorm(1), 14);
    }

    [Fact]
    public void Two_point_same_labels_embedding_and_errors()
    {
        var ds = DataSource.Load("two-point:pi/2:same", new DataOptions { D = 4 });
        Assert.Equal(4, ds.D);
        Assert.Equal(new[] { 1.0, 1 }, ds.Y);
        Assert.Equal(new[] { 1.0, 0, 0, 0 }, ds.Row(0).ToArray());
        Assert.Equal(1.0, ds.X[5], 15);
        Assert.Equal(0.0, ds.X[6]);
        Assert.Equal(new[] { new LabelMap("+1", 1, 2) }, ds.LabelMapping);
        var e = Assert.Throws<InputException>(() => DataSource.Load("two-point:3.5", new DataOptions()));
        Assert.Equal(("two-point:3.5", "THETA"), (e.File, e.Field));
        e = Assert.Throws<InputException>(() => DataSource.Load("two-point:1", new DataOptions { N = 3 }));
        Assert.Equal("n", e.Field);
    }

    [Fact]
    public void Noisy_xor_6_is_the_whole_support()
    {
        var ds = DataSource.Load("noisy-xor:6", new DataOptions());
        Assert.Equal((64, 6), (ds.N, ds.D));
        Assert.Equal(32, ds.Y.Count(v => v > 0));
        Assert.Equal(32, ds.Y.Count(v => v < 0));
        var s = 1 / Math.Sqrt(5);
        var keys = new HashSet<string>();
        for (int i = 0; i < 64; i++)
        {
            var r = ds.Row(i).ToArray();
            Assert.Equal(1.0, ds.RowNorm(i), 14);
            Assert.All(r.Skip(2), v => Assert.Equal(s, Math.Abs(v), 15));
            Assert.Equal(s, Math.Abs(r[0]) + Math.Abs(r[1]), 15);
            Assert.Equal(r[0] != 0 ? 1.0 : -1.0, ds.Y[i]);
            keys.Add(string.Join(",", r.Select(v => Math.Sign(v))));
        }
        Assert.Equal(64, keys.Count);
        Assert.Equal(new[] { s, 0, -s, -s, -s, -s }, ds.Row(0).ToArray());
        Assert.Null(ds.Provenance.Seed);
    }

    [Fact]
    public void Noisy_xor_sample_is_seeded_and_in_the_support()
    {
        var o = new DataOptions { N = 200, Seed = 9 };
        var a = DataSource.Load("noisy-xor:10", o);
        var b = DataSource.Load("noisy-xor:10", o);
        Assert.Equal(a.Fingerprint(), b.Fingerprint());
        Assert.NotEqual(a.Fingerprint(), DataSource.Load("noisy-xor:10", o with { Seed = 10 }).Fingerprint());
        var s = 1 / 3.0;
        for (int i = 0; i < a.N; i++)
        {
            var r = a.Row(i);
            Assert.Equal(s, Math.Abs(r[0]) + Math.Abs(r[1]), 15);
            Assert.Equal(r[0] != 0 ? 1.0 : -1.0, a.Y[i]);
            for (int j = 2; j < 10; j++) Assert.Equal(s, Math.Abs(r[j]), 15);
        }
        Assert.InRange(a.Y.Count(v => v > 0), 70, 130);
    }

    [Fact]
    public void Gaussians_defaults_labels_and_reproducibility()
    {
        var ds = DataSource.Load("gaussians:4", new DataOptions { Seed = 1 });
        Assert.Equal((500, 10), (ds.N, ds.D));
        Assert.All(Enumerable.Range(0, 500), i => Assert.Equal(i < 250 ? 1.0 : -1.0, ds.Y[i]));
        Assert.All(Enumerable.Range(0, 500), i => Assert.Equal(1.0, ds.RowNorm(i), 14));
        // SEP = 4: the mean of the first coordinate has the label's sign for nearly every point
        Assert.True(Enumerable.Range(0, 500).Count(i => ds.Y[i] * ds.X[i * 10] > 0) > 450);
        var odd = DataSource.Load("gaussians:0", new DataOptions { N = 7, D = 3, Seed = 1 });
        Assert.Equal(4, odd.Y.Count(v => v > 0));
        Assert.Equal(ds.Fingerprint(), DataSource.Load("gaussians:4", new DataOptions { Seed = 1 }).Fingerprint());
        Assert.NotEqual(ds.Fingerprint(), DataSource.Load("gaussians:4", new DataOptions { Seed = 2 }).Fingerprint());
        var e = Assert.Throws<InputException>(() => DataSource.Load("gaussians:4", new DataOptions { Normalise = false }));
        Assert.Contains("exceeds 1", e.Message);
        e = Assert.Throws<InputException>(() => DataSource.Load("gaussians:-1", new DataOptions()));
        Assert.Equal(("gaussians:-1", "SEP"), (e.File, e.Field));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(0.9)]
    public void Separable_margin_holds(double margin)
    {
        var spec = FormattableString.Invariant($"separable:{margin}");
        var ds = DataSource.Load(spec, new DataOptions { N = 300, D = 5, Seed = 4, Normalise = false });
        Assert.Equal((300, 5), (ds.N, ds.D));
        Assert.Equal(150, ds.Y.Count(v => v > 0));
        for (int i = 0; i < ds.N; i++)
        {
            Assert.True(ds.Y[i] * ds.X[i * 5] >= margin, $"row {i}: y<e1,x> = {ds.Y[i] * ds.X[i * 5]}");
            Assert.Equal(1.0, ds.RowNorm(i), 14);
        }
        Assert.Equal(ds.Fingerprint(), DataSource.Load(spec, new DataOptions { N = 300, D = 5, Seed = 4, Normalise = false }).Fingerprint());
        Assert.Throws<InputException>(() => DataSource.Load("separable:1", new DataOptions()));
    }

    [Fact]
    public void Generator_and_option_errors()
    {
        var e = Assert.Throws<InputException>(() => DataSource.Load("noisy-xor:2", new DataOptions()));
        Assert.Equal("noisy-xor:2: field 'D': must be an integer >= 3", e.Message);
        e = Assert.Throws<InputException>(() => DataSource.Load("spirals:3", new DataOptions()));
        Assert.Equal(("spirals:3", "kind"), (e.File, e.Field));
        Assert.Contains("unknown data source 'spirals'", e.Message);
        e = Assert.Throws<InputException>(() => DataSource.Load("gaussians:1", new DataOptions { Noise = 0.5 }));
        Assert.Equal("noise", e.Field);
        e = Assert.Throws<InputException>(() => DataSource.Load("separable:0.1", new DataOptions { D = 1 }));
        Assert.Equal("d", e.Field);
    }

    [Fact]
    public void Label_noise_on_a_generator_is_seeded()
    {
        var o = new DataOptions { N = 2000, Seed = 3, Noise = 0.2 };
        var clean = DataSource.Load("separable:0.1", o with { Noise = 0 });
        var noisy = DataSource.Load("separable:0.1", o);
        Assert.Equal(clean.X, noisy.X);
        var flips = Enumerable.Range(0, 2000).Count(i => clean.Y[i] != noisy.Y[i]);
        Assert.InRange(flips, 400 - 5 * Math.Sqrt(2000 * 0.2 * 0.8), 400 + 5 * Math.Sqrt(2000 * 0.2 * 0.8));
        Assert.Equal(noisy.Y, DataSource.Load("separable:0.1", o).Y);
        Assert.Contains(noisy.Provenance.Notes, n => n.StartsWith("label noise"));
    }
}

public class FashionMnistTests
{
    private static readonly DataOptions Default = new() { FashionMnistDir = "/usr/share/datasets/fashion-mnist" };

    [Fact]
    public void Shirt_vs_tshirt_train_has_6000_per_class()
    {
        var ds = DataSource.Load("fashion-mnist:shirt-vs-t-shirt", Default);
        Assert.Equal((12000, 784), (ds.N, ds.D));
        Assert.Equal(6000, ds.Y.Count(v => v > 0));
        Assert.Equal(("Shirt", "T-shirt/top"), (ds.PositiveClass, ds.NegativeClass));
        Assert.Equal(new[] { new LabelMap("T-shirt/top", -1, 6000), new LabelMap("Shirt", 1, 6000) }, ds.LabelMapping);
        Assert.All(Enumerable.Range(0, ds.N), i => Assert.Equal(1.0, ds.RowNorm(i), 12));
        Assert.All(ds.X, v => Assert.InRange(v, 0.0, 1.0));
        Assert.StartsWith("Fashion-MNIST train, Shirt (+1) vs T-shirt/top (-1)", ds.Provenance.Description);
        Assert.Contains("rows normalised to the unit sphere", ds.Provenance.Notes);
    }

    [Fact]
    public void Class_names_indices_and_test_split()
    {
        Assert.Equal(6, FashionMnist.ParseClass("Shirt"));
        Assert.Equal(0, FashionMnist.ParseClass("T-shirt/top"));
        Assert.Equal(9, FashionMnist.ParseClass("ankle boot"));
        Assert.Equal(9, FashionMnist.ParseClass("Ankle_Boot"));
        Assert.Null(FashionMnist.ParseClass("hat"));
        var ds = DataSource.Load("fashion-mnist:0-vs-ankle_boot", Default with { Split = "test" });
        Assert.Equal(2000, ds.N);
        Assert.Equal(("T-shirt/top", "Ankle boot"), (ds.PositiveClass, ds.NegativeClass));
        Assert.All(ds.X, v => Assert.InRange(v, 0.0, 1.0));
        Assert.Equal(1000, ds.Y.Count(v => v > 0));
        var ex = Assert.Throws<InputException>(() => DataSource.Load("fashion-mnist:0-vs-9", Default with { Split = "test", Normalise = false }));
        Assert.Contains("exceeds 1; the theory assumes ||x|| <= 1", ex.Message);
        var e = Assert.Throws<InputException>(() => DataSource.Load("fashion-mnist:hat-vs-bag", Default));
        Assert.Equal(("fashion-mnist:hat-vs-bag", "A"), (e.File, e.Field));
        e = Assert.Throws<InputException>(() => DataSource.Load("fashion-mnist:0-vs-1", Default with { Split = "val" }));
        Assert.Equal("split", e.Field);
    }

    [Fact]
    public void Subsample_is_seeded_and_reproducible()
    {
        var o = Default with { N = 1000, Seed = 42 };
        var a = DataSource.Load("fashion-mnist:shirt-vs-t-shirt", o);
        var b = DataSource.Load("fashion-mnist:shirt-vs-t-shirt", o);
        Assert.Equal(1000, a.N);
        Assert.Equal(a.Fingerprint(), b.Fingerprint());
        Assert.NotEqual(a.Fingerprint(), DataSource.Load("fashion-mnist:shirt-vs-t-shirt", o with { Seed = 43 }).Fingerprint());
        Assert.Equal(42UL, a.Provenance.Seed);
        Assert.Equal(1000, a.LabelMapping.Sum(m => m.Count));
        Assert.InRange(a.Y.Count(v => v > 0), 500 - 5 * Math.Sqrt(250), 500 + 5 * Math.Sqrt(250));
    }

    [Fact]
    public void Label_noise_flips_about_ten_percent()
    {
        var clean = DataSource.Load("fashion-mnist:coat-vs-pullover", Default with { Seed = 7 });
        var noisy = DataSource.Load("fashion-mnist:coat-vs-pullover", Default with { Seed = 7, Noise = 0.1 });
        Assert.Equal(clean.X, noisy.X);
        int n = clean.N, flips = Enumerable.Range(0, n).Count(i => clean.Y[i] != noisy.Y[i]);
        double sd = Math.Sqrt(n * 0.1 * 0.9);
        Assert.InRange(flips, n * 0.1 - 5 * sd, n * 0.1 + 5 * sd);
        Assert.Contains(noisy.Provenance.Notes, s => s.Contains($"{flips} of {n} flipped"));
    }

    [Fact]
    public void Missing_directory_says_which_package_to_install()
    {
        var e = Assert.Throws<InputException>(() => DataSource.Load("fashion-mnist:shirt-vs-t-shirt", Default with { FashionMnistDir = "/nonexistent/fm" }));
        Assert.Equal("/nonexistent/fm/train-images-idx3-ubyte.gz", e.File);
        Assert.Contains("install Debian package dataset-fashion-mnist", e.Message);
    }
}
