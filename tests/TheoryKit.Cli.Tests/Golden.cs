using System.Text.Json.Nodes;
using Xunit;

namespace TheoryKit.Cli.Tests;

/// <summary>
/// Golden-file checks of the `--json` contracts: the output of a command, with the members that vary from run to run
/// (wall times, absolute paths) replaced by "&lt;volatile&gt;" and every non-integer number rounded to
/// <see cref="Digits"/> significant digits, must equal tests/TheoryKit.Cli.Tests/Golden/NAME.json exactly (same members,
/// order and values as text). The rounding keeps the contract's shape and values while OpenBLAS, which picks its kernels by
/// CPU, may change the last bits of sums on another machine. THEORYKIT_UPDATE_GOLDEN=1 rewrites the file instead: do that only
/// for an intended change of a contract, and review the diff.
/// </summary>
public static class Golden
{
    /// <summary>The folder of the golden files in the repository.</summary>
    public static string Folder => Path.Combine(CliRunner.Repository, "tests", "TheoryKit.Cli.Tests", "Golden");

    /// <summary>Compares JSON text with the golden file NAME.json after masking the named members at any depth.</summary>
    /// <param name="name">File name without .json.</param>
    /// <param name="json">The command's stdout.</param>
    /// <param name="volatileMembers">Member names whose values vary between runs (e.g. "seconds", "journal").</param>
    public static void Assert(string name, string json, params string[] volatileMembers)
    {
        var node = JsonNode.Parse(json) ?? throw new Xunit.Sdk.XunitException(name + ": empty JSON");
        node = Normalised(node, new HashSet<string>(volatileMembers))!;
        var text = node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
        var path = Path.Combine(Folder, name + ".json");
        if (Environment.GetEnvironmentVariable("THEORYKIT_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllText(path, text);
            return;
        }
        Xunit.Assert.True(File.Exists(path), $"no golden file {path} (THEORYKIT_UPDATE_GOLDEN=1 writes it)");
        Xunit.Assert.Equal(File.ReadAllText(path), text);
    }

    /// <summary>Significant digits kept of non-integer numbers (10: far above any printed figure, far below the last bits).</summary>
    public const int Digits = 10;

    private static JsonNode? Normalised(JsonNode? node, HashSet<string> names)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(kv => kv.Key).ToList())
                    o[key] = names.Contains(key) ? "<volatile>" : Normalised(o[key]?.DeepClone(), names);
                return o;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++) a[i] = Normalised(a[i]?.DeepClone(), names);
                return a;
            case JsonValue v when v.TryGetValue<double>(out var x) && x != Math.Floor(x):
                return JsonValue.Create(double.Parse(x.ToString("G" + Digits, System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture));
            default:
                return node;
        }
    }
}
