using Xunit.Abstractions;
using System.Collections.Concurrent;
using static TheoryKit.Cli.Tests.Fixtures;

namespace TheoryKit.Cli.Tests;

/// <summary>
/// One hostile case: the command line (split on spaces; run in a fresh temporary folder after <see cref="Setup"/>) and
/// the texts the single error line must contain (file, line, field where they apply).
/// </summary>
public sealed record Case(string Name, string Args, string[] Expect, Action<string>? Setup = null);

/// <summary>
/// Hostile input through the built CLI (issue 11): every case must exit with code 2, print exactly one line on stderr
/// ("error: ..."), no stack trace, leave no new file or folder in its working folder, and peak below 1 GiB of resident
/// memory. Cases run in parallel (each in its own folder) when first asked for. Adding a case is one line in
/// <see cref="All"/>.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const long MaxRssKiB = 1L << 20;   // 1 GiB

    private static readonly Case[] All =
    [
        // ---- CSV / TSV ----
        new("csv-bad-number", "margin d.csv", ["d.csv:3:", "field 'b'", "'x'"], Text("d.csv", "a,b,label\n1,2,0\n3,x,1\n")),
        new("csv-nan-value", "margin d.csv", ["d.csv:2:", "field 'a'", "NaN"], Text("d.csv", "a,b,label\nNaN,2,0\n3,4,1\n")),
        new("csv-infinite-value", "margin d.csv", ["d.csv:3:", "field 'b'", "infinite"], Text("d.csv", "a,b,label\n1,2,0\n3,1e999,1\n")),
        new("csv-label-nan", "margin d.csv", ["d.csv:3:", "field 'label'", "NaN"], Text("d.csv", "a,b,label\n1,2,0\n3,4,NaN\n5,6,1\n")),
        new("csv-label-empty", "margin d.csv", ["d.csv:3:", "field 'label'", "empty label"], Text("d.csv", "a,b,label\n1,2,0\n3,4,\n5,6,1\n")),
        new("csv-field-count", "margin d.csv", ["d.csv:3:", "expected 3 fields, found 2"], Text("d.csv", "a,b,label\n1,2,0\n3,1\n")),
        new("csv-three-classes", "margin d.csv", ["d.csv:4:", "field 'label'", "third value"], Text("d.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,2\n")),
        new("csv-one-class", "margin d.csv", ["d.csv", "only one class"], Text("d.csv", "a,b,label\n1,2,0\n3,4,0\n")),
        new("csv-header-only", "margin d.csv", ["d.csv", "no data rows"], Text("d.csv", "a,b,label\n")),
        new("csv-empty", "margin d.csv", ["d.csv", "no data rows"], Text("d.csv", "")),
        new("csv-zero-row", "margin d.csv", ["d.csv:3:", "zero vector"], Text("d.csv", "a,b,label\n1,2,0\n0,0,1\n")),
        new("csv-label-column-missing", "margin d.csv --label-column nope", ["d.csv", "field 'label column'", "nope"], Text("d.csv", "a,b,label\n1,2,0\n3,4,1\n")),
        new("csv-200000-columns", "margin wide.csv --time 2", ["parameter 'd'", "12 x 200000", "memory budget"], WideCsv("wide.csv", 12, 200_000)),
        new("csv-missing-file", "margin nothere.csv", ["nothere.csv", "file not found"]),
        new("input-device", "margin zero.csv", ["zero.csv", "device"], Device("zero.csv")),
        new("input-fifo", "margin in.csv", ["in.csv", "FIFO"], Fifo("in.csv")),
        new("input-folder", "margin sub.csv", ["sub.csv", "is a folder"], Folder("sub.csv")),
        new("idx-label-file-fifo", "margin idx:f-images-idx3-ubyte --label-file lab", ["lab", "FIFO"],
            All(Bytes("f-images-idx3-ubyte", Images(2, 2, 2, [1, 2, 3, 4, 5, 6, 7, 8])), Fifo("lab"))),
        new("csv-subsample-one-class", "margin d.csv --n 1", ["d.csv", "field 'label'", "both classes"], Text("d.csv", "a,b,label\n1,2,0\n3,4,1\n")),
        // ---- LIBSVM ----
        new("libsvm-huge-index", "margin libsvm:h.svm", ["h.svm", "2147483647", "memory budget"], Text("h.svm", "+1 2147483647:1\n-1 1:1 2:0.5\n")),
        new("libsvm-zero-index", "margin libsvm:z.svm", ["z.svm:1:", "field 'index'", "'0'"], Text("z.svm", "1 0:1\n-1 1:1\n")),
        new("libsvm-decreasing", "margin libsvm:z.svm", ["z.svm:2:", "field 'index'", "increase"], Text("z.svm", "1 1:1\n-1 3:1 2:1\n")),
        new("libsvm-bad-value", "margin libsvm:z.svm", ["z.svm:2:", "field 'x2'", "'abc'"], Text("z.svm", "1 1:1\n-1 2:abc\n")),
        new("libsvm-no-colon", "margin libsvm:z.svm", ["z.svm:1:", "index:value", "'7'"], Text("z.svm", "1 7\n-1 1:1\n")),
        new("libsvm-overflow-index", "margin libsvm:z.svm", ["z.svm:1:", "field 'index'", "99999999999"], Text("z.svm", "1 99999999999:1\n-1 1:1\n")),
        // ---- IDX, plain and gzip ----
        new("idx-overflowing-dimensions", "margin idx:o-images-idx3-ubyte", ["o-images-idx3-ubyte", "field 'dimensions'", "65536 x 65536"],
            All(Bytes("o-images-idx3-ubyte", Images(2, 65536, 65536, new byte[8])), Bytes("o-labels-idx1-ubyte", Labels(2, [0, 1])))),
        new("idx-2^31-1-labels", "margin idx:l-images-idx3-ubyte", ["l-labels-idx1-ubyte", "field 'count'", "2147483647"],
            All(Bytes("l-images-idx3-ubyte", Images(2, 2, 2, new byte[8])), Bytes("l-labels-idx1-ubyte", Labels(int.MaxValue, [0, 1])))),
        new("idx-2^31-1-images", "margin idx:l-images-idx3-ubyte", ["l-images-idx3-ubyte", "truncated", "2147483647 images"],
            All(Bytes("l-images-idx3-ubyte", Images(int.MaxValue, 1, 1, new byte[8])), Bytes("l-labels-idx1-ubyte", Labels(int.MaxValue, [0, 1])))),
        new("idx-truncated", "margin idx:t-images-idx3-ubyte", ["t-images-idx3-ubyte", "truncated", "10 images of 2 x 2"],
            All(Bytes("t-images-idx3-ubyte", Images(10, 2, 2, new byte[8])), Bytes("t-labels-idx1-ubyte", Labels(10, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1])))),
        new("idx-bad-magic", "margin idx:m-images-idx3-ubyte", ["m-images-idx3-ubyte", "field 'magic'", "2049"],
            All(Bytes("m-images-idx3-ubyte", [.. IdxHeader(2049, 2, 2, 2), .. new byte[8]]), Bytes("m-labels-idx1-ubyte", Labels(2, [0, 1])))),
        new("idx-count-mismatch", "margin idx:c-images-idx3-ubyte", ["c-labels-idx1-ubyte", "field 'count'", "3 labels"],
            All(Bytes("c-images-idx3-ubyte", Images(2, 2, 2, [1, 2, 3, 4, 5, 6, 7, 8])), Bytes("c-labels-idx1-ubyte", Labels(3, [0, 1, 0])))),
        new("idx-negative-dimension", "margin idx:n-images-idx3-ubyte", ["n-images-idx3-ubyte", "field 'dimensions'", "-2"],
            All(Bytes("n-images-idx3-ubyte", Images(2, -2, 2, new byte[8])), Bytes("n-labels-idx1-ubyte", Labels(2, [0, 1])))),
        new("idx-no-labels-file", "margin idx:x-images-idx3-ubyte", ["x-labels-idx1-ubyte", "file not found"],
            Bytes("x-images-idx3-ubyte", Images(2, 2, 2, [1, 2, 3, 4, 5, 6, 7, 8]))),
        new("gzip-huge-dimensions", "margin idx:g-images-idx3-ubyte.gz", ["g-images-idx3-ubyte.gz", "field 'dimensions'", "more than a", "gzip file can hold"],
            All(Bytes("g-images-idx3-ubyte.gz", GzipRandom(IdxHeader(2051, 60000, 28000, 28000), 2 << 20)), Bytes("g-labels-idx1-ubyte.gz", Gzip(Labels(60000, new byte[60000]))))),
        new("gzip-bomb", "margin idx:b-images-idx3-ubyte.gz", ["b-images-idx3-ubyte.gz", "field 'dimensions'", "gzip bomb"],
            All(Bytes("b-images-idx3-ubyte.gz", Gzip(IdxHeader(2051, 20000, 100, 100), 200_000_000)),
                Bytes("b-labels-idx1-ubyte.gz", Gzip(Labels(20000, new byte[20000]))))),
        new("gzip-ratio-beyond-images", "margin idx:r-images-idx3-ubyte.gz", ["r-images-idx3-ubyte.gz", "field 'dimensions'", "gzip bomb"],
            All(Bytes("r-images-idx3-ubyte.gz", GzipRandom(IdxHeader(2051, 20000, 100, 100), 300_000)), Bytes("r-labels-idx1-ubyte.gz", Gzip(Labels(20000, new byte[20000]))))),
        new("gzip-corrupt", "margin idx:k-images-idx3-ubyte.gz", ["k-images-idx3-ubyte.gz", "corrupt gzip stream"],
            All(Bytes("k-images-idx3-ubyte.gz", [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0]), GoodIdxLabels("k"))),
        new("gzip-images-2^31-1", "margin idx:q-images-idx3-ubyte.gz", ["q-images-idx3-ubyte.gz", "field 'dimensions'", "gzip file can hold"],
            All(Bytes("q-images-idx3-ubyte.gz", Gzip(Images(int.MaxValue, 1, 1, new byte[8]))), Bytes("q-labels-idx1-ubyte.gz", Gzip(Labels(2, [0, 1]))))),
        // ---- generators and degenerate data ----
        new("two-point-huge-d", "margin two-point:1 --d 2000000000", ["two-point:1", "2 x 2000000000", "memory budget"]),
        new("gaussians-huge-n", "margin gaussians:1 --n 2000000000", ["gaussians:1", "2000000000 x 10", "memory budget"]),
        new("margin-huge-n-solver", "margin gaussians:1 --n 200000 --d 10 --max-memory 1G", ["parameter 'd'", "200000 x 10", "memory budget"]),
        new("gaussians-n-1", "margin gaussians:1 --n 1", ["gaussians:1", "field 'label'", "both classes"]),
        new("crossover-one-class", "crossover separable:0.1 --n 1 --epsilon 0.1", ["separable:0.1", "both classes"]),
        new("unknown-source", "margin foo:1", ["foo:1", "field 'kind'", "unknown data source"]),
        new("noisy-xor-bad-dimension", "margin noisy-xor:2", ["noisy-xor:2", "field 'D'"]),
        // ---- impossible options ----
        new("bounds-epsilon-subnormal", "bounds --gamma 0.1 --epsilon 1e-320", ["parameter 'epsilon'", "2.2e-308"]),
        new("bounds-gamma-subnormal", "bounds --gamma 1e-320 --epsilon 0.1", ["parameter 'gamma'", "2.2e-308"]),
        new("bounds-epsilon-above-1", "bounds --gamma 0.1 --epsilon 2", ["parameter 'epsilon'", "(0, 1)"]),
        new("train-width-2e9", "train two-point:1 --width 2000000000", ["parameter 'width'", "2000000000 x 2", "memory budget"]),
        new("train-trajectory-2e9-points", "train two-point:1 --steps 2000000000 --record-every 1", ["parameter 'record-every'", "2000000000 steps", "memory budget"]),
        new("train-width-2e9-text", "train two-point:1 --width 2e9", ["'2e9'"]),
        new("sweep-max-width-int-max", "sweep two-point:1 --epsilon 0.1 --max-width 2147483647", ["parameter 'max-width'", "2147483647 x 2", "memory budget"]),
        new("sweep-odd-symmetric", "sweep two-point:1 --epsilon 0.1 --min-width 5 --max-width 5 --symmetric", ["parameter 'min-width'", "even widths", "5"]),
        new("threads-negative", "margin two-point:1 --threads -2", ["parameter 'threads'", "-2"]),
        new("noise-list-outside-distill", "train gaussians:1 --n 20 --noise 0.1,0.2 --steps 5", ["parameter 'noise'", "only `distill`"]),
        new("distill-noise-not-a-number", "distill gaussians:1 --n 20 --noise 0,abc", ["parameter 'noise'", "abc"]),
        // ---- deep students (distill --student mlp|cnn) and CIFAR-10 folders ----
        new("deep-unknown-student", "distill gaussians:1 --n 20 --student resnet", ["parameter 'student'", "'resnet'"]),
        new("deep-depth-zero", "distill gaussians:1 --n 20 --student mlp --depth 0", ["parameter 'depth'", "1..8", "got 0"]),
        new("deep-depth-huge", "distill gaussians:1 --n 20 --student cnn --depth 1000", ["parameter 'depth'", "1..8", "got 1000"]),
        new("deep-depth-overflow", "distill gaussians:1 --n 20 --student mlp --depth 99999999999", ["'--depth'", "99999999999"]),
        new("deep-cnn-depth-beyond-image", "distill gaussians:1 --n 20 --d 64 --student cnn --depth 4", ["parameter 'depth'", "16 pixels", "1x8x8"]),
        new("deep-cnn-rows-no-image", "distill gaussians:1 --n 20 --d 10 --student cnn", ["parameter 'student'", "d = 10"]),
        new("deep-epochs-zero", "distill gaussians:1 --n 20 --student mlp --epochs 0", ["parameter 'epochs'", "got 0"]),
        new("deep-teacher-width-zero", "distill gaussians:1 --n 20 --student cnn --teacher-width 0", ["parameter 'teacher-width'", "got 0"]),
        new("deep-option-with-two-layer", "distill gaussians:1 --n 20 --depth 3", ["parameter 'depth'", "--student mlp or cnn"]),
        new("two-layer-option-with-deep", "distill gaussians:1 --n 20 --student mlp --steps 5", ["parameter 'steps'", "two-layer students"]),
        new("cifar-dir-with-other-data", "distill gaussians:1 --n 20 --cifar-dir c", ["parameter 'cifar-dir'", "cifar10:A-vs-B"], Cifar("c")),
        new("cifar-dir-missing", "distill cifar10:cat-vs-dog --cifar-dir nodir --student cnn", ["nodir", "field 'cifar-dir'", "folder not found"]),
        new("cifar-file-missing", "distill cifar10:cat-vs-dog --cifar-dir c --student cnn", ["c/data_batch_2.bin", "file not found"],
            Cifar("c", only: "data_batch_1.bin")),
        new("cifar-truncated-record", "distill cifar10:cat-vs-dog --cifar-dir c --student cnn", ["c/data_batch_3.bin:3:", "field 'record'", "100 of 3073 bytes"],
            Cifar("c", broken: "data_batch_3.bin", tail: 100)),
        new("cifar-bad-label", "distill cifar10:cat-vs-dog --cifar-dir c --student cnn", ["c/data_batch_1.bin:2:", "field 'label'", "label byte 12"],
            Cifar("c", broken: "data_batch_1.bin", label: 12)),
        new("cifar-empty-file", "distill cifar10:cat-vs-dog --cifar-dir c --student mlp", ["c/data_batch_4.bin", "empty file"],
            Cifar("c", broken: "data_batch_4.bin", empty: true)),
        new("time-with-both-counts", "margin gaussians:1 --n 20 --time 5 --samples 100 --optimisation-samples 100", ["parameter 'time'", "both fixed"]),
        new("max-memory-garbage", "margin two-point:1 --max-memory lots", ["parameter 'max-memory'", "'lots'"]),
        new("max-memory-too-small", "margin gaussians:1 --n 1000 --d 100 --max-memory 100K", ["gaussians:1", "memory budget"]),
        new("unknown-option", "margin two-point:1 --frobnicate", ["frobnicate"]),
        new("difficulty-journal-dir-is-file", "difficulty two-point --epsilon 0.1 --journal-dir f.txt", ["f.txt", "field 'journal-dir'", "is a file"], Text("f.txt", "x")),
        new("difficulty-bad-pair", "difficulty fashion-mnist --pair foo-vs-bar --epsilon 0.1 --journal-dir j", ["foo", "unknown Fashion-MNIST class"]),
        new("difficulty-member-one-class", "difficulty gaussians --n 1 --epsilon 0.1 --quiet", ["gaussians", "both classes"]),
        new("difficulty-bad-pair-default-folder", "difficulty fashion-mnist --pair foo-vs-bar --epsilon 0.1", ["foo", "unknown Fashion-MNIST class"]),
        // ---- output targets ----
        new("certificate-device", "margin two-point:1 --certificate null", ["null", "device"], Device("null")),
        new("certificate-fifo", "margin two-point:1 --certificate pipe", ["pipe", "FIFO"], Fifo("pipe")),
        new("certificate-folder", "margin two-point:1 --certificate out", ["out", "is a folder"], Folder("out")),
        new("certificate-link-to-device", "margin two-point:1 --certificate l.json", ["l.json", "device"], Link("l.json", "/dev/null")),
        new("certificate-missing-folder", "margin two-point:1 --certificate no/c.json", ["no/c.json", "does not exist"]),
        new("certificate-read-only-folder", "margin two-point:1 --certificate /proc/c.json", ["/proc/c.json", "cannot write in folder"]),
        new("trajectory-device", "train two-point:1 --steps 5 --trajectory null", ["null", "device"], Device("null")),
        new("verify-certificate-zero-q", "margin --verify c.json two-point:1", ["c.json", "field 'q'", "sum to 0"], Text("c.json", "{\"format\":\"theorykit-margin-certificate/1\",\"mode\":\"exact-planar\",\"data_source\":\"two-point:1\",\"data_fingerprint\":\"f73da457c089d9a5c75157fe3fa7d244b104a87630998bccea5ddcb81e1894ec\",\"n\":2,\"d\":2,\"seed\":0,\"delta\":0,\"smoothing\":0.00390625,\"q\":[0,0],\"optimisation_samples\":0,\"certification_samples\":0,\"gamma_lower\":0.3225647680806436,\"gamma_upper\":0.3225647680806436,\"planar_primal\":[-0.5403023058681398,-0.8414709848078965,0,0,1,0,0.47942553860420306,-0.8775825618903729]}")),
        new("verify-certificate-doubled-q", "margin --verify c.json two-point:1", ["c.json", "field 'q'", "sum to 2"], Text("c.json", "{\"format\":\"theorykit-margin-certificate/1\",\"mode\":\"exact-planar\",\"data_source\":\"two-point:1\",\"data_fingerprint\":\"f73da457c089d9a5c75157fe3fa7d244b104a87630998bccea5ddcb81e1894ec\",\"n\":2,\"d\":2,\"seed\":0,\"delta\":0,\"smoothing\":0.00390625,\"q\":[1,1],\"optimisation_samples\":0,\"certification_samples\":0,\"gamma_lower\":0.3225647680806436,\"gamma_upper\":0.3225647680806436,\"planar_primal\":[-0.5403023058681398,-0.8414709848078965,0,0,1,0,0.47942553860420306,-0.8775825618903729]}")),
        new("verify-certificate-other-data", "margin --verify c.json two-point:1 --quiet", ["c.json", "fingerprint"], Text("c.json", "{\"format\":\"theorykit-margin-certificate/1\",\"mode\":\"exact-planar\",\"data_source\":\"two-point:1\",\"data_fingerprint\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"n\":2,\"d\":2,\"seed\":0,\"delta\":0,\"smoothing\":0.00390625,\"q\":[0.5,0.5],\"optimisation_samples\":0,\"certification_samples\":0,\"gamma_lower\":0.3225647680806436,\"gamma_upper\":0.3225647680806436,\"planar_primal\":[-0.5403023058681398,-0.8414709848078965,0,0,1,0,0.47942553860420306,-0.8775825618903729]}")),
        new("crossover-certificate-fifo", "crossover two-point:1 --epsilon 0.1 --certificate pipe", ["pipe", "FIFO"], Fifo("pipe")),
        new("sweep-plot-folder", "sweep two-point:1 --epsilon 0.1 --steps 5 --plot out", ["out", "field 'plot'", "is a folder"], Folder("out")),
        new("sweep-journal-folder", "sweep two-point:1 --epsilon 0.1 --steps 5 --journal out", ["out", "is a folder"], Folder("out")),
        new("sweep-plot-read-only", "sweep two-point:1 --epsilon 0.1 --steps 5 --plot /proc/p", ["/proc/p", "cannot write in folder"]),
        new("difficulty-plot-read-only", "difficulty two-point --epsilon 0.1 --values 1,2 --plot /sys/p", ["/sys/p", "cannot write in folder"]),
        new("tables-out-file", "tables --out f.txt", ["f.txt", "is a file"], Text("f.txt", "x")),
        new("tables-out-device", "tables --out null", ["null", "is a file"], Device("null")),
        new("tables-out-read-only", "tables --out /proc/tables", ["/proc/tables", "cannot write in folder"]),
        new("check-out-read-only", "check --out /proc --claims K1", ["/proc/", "cannot write in folder"]),
        new("check-out-fifo", "check --out . --claims K1", ["claims.md", "FIFO"], Fifo("claims.md")),
    ];

    private static readonly Lazy<ConcurrentDictionary<string, Lazy<Task<(CliRun Run, string Dir)>>>> Runs = new(StartAll);

    /// <summary>Starts every case at once (at most 2 per core running) so the suite takes the time of its slowest cases.</summary>
    private static ConcurrentDictionary<string, Lazy<Task<(CliRun, string)>>> StartAll()
    {
        var gate = new SemaphoreSlim(Math.Max(2, 2 * Environment.ProcessorCount));
        var runs = new ConcurrentDictionary<string, Lazy<Task<(CliRun, string)>>>();
        foreach (var c in All)
            runs[c.Name] = new Lazy<Task<(CliRun, string)>>(() => Task.Run(async () =>
            {
                await gate.WaitAsync();
                try
                {
                    var dir = Directory.CreateTempSubdirectory("theorykit-hostile-").FullName;
                    c.Setup?.Invoke(dir);
                    return (CliRunner.Run(dir, c.Args.Split(' ', StringSplitOptions.RemoveEmptyEntries)), dir);
                }
                finally { gate.Release(); }
            }));
        foreach (var r in runs.Values) _ = r.Value;
        return runs;
    }

    /// <summary>The case names, for the theory.</summary>
    public static TheoryData<string> Names() => new(All.Select(c => c.Name));

    [Fact]
    public void TheSuiteHasAtLeastFortyDistinctCases()
    {
        Assert.True(All.Length >= 40, $"{All.Length} cases");
        Assert.Equal(All.Length, All.Select(c => c.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task RefusedWithOneLineAndNothingLeftBehind(string name)
    {
        var c = All.Single(x => x.Name == name);
        var (run, dir) = await Runs.Value[name].Value;
        output.WriteLine($"{name}: exit {run.ExitCode}, {run.Elapsed.TotalSeconds:0.00} s, peak RSS {run.PeakRssKiB / 1024} MiB; {run.Stderr.Trim()}");
        try
        {
            var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}; stderr: {run.Stderr}");
            Assert.True(lines.Length == 1, $"{lines.Length} lines on stderr:\n{run.Stderr}");
            Assert.StartsWith("error: ", lines[0]);
            Assert.DoesNotContain("   at ", run.Stderr);
            Assert.DoesNotContain("Unhandled", run.Stderr);
            foreach (var e in c.Expect) Assert.Contains(e, lines[0]);
            Assert.Equal("", run.Stdout);
            Assert.True(run.NewEntries.Count == 0, "left behind: " + string.Join(", ", run.NewEntries));
            Assert.True(run.PeakRssKiB > 0 && run.PeakRssKiB < MaxRssKiB, $"peak RSS {run.PeakRssKiB} KiB");
        }
        finally { Directory.Delete(dir, true); }
    }
}
