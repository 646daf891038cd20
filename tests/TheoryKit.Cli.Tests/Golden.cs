using System.Text.Json.Nodes;
using Xunit;

namespace TheoryKit.Cli.Tests;

/// <summary>
/// Golden-file checks of the `--json` contracts: the output of a command, with the members that vary from run to run
/// (wall times, absolute paths) replaced by "&lt;volatile&gt;", must equal tests/TheoryKit.Cli.Tests/Golden/NAME.json
/// exactly (same members, order and values as text). THEORYKIT_UPDATE_GOLDEN=1 rewrites the file instead: do that only
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
        Mask(node, new HashSet<string>(volatileMembers));
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

    private static void Mask(JsonNode node, HashSet<string> names)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(kv => kv.Key).ToList())
                {
                    if (names.Contains(key)) o[key] = "<volatile>";
                    else if (o[key] is { } child) Mask(child, names);
                }
                break;
            case JsonArray a:
                foreach (var child in a) if (child is not null) Mask(child, names);
                break;
        }
    }
}
