using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace TheoryKit.Reports;

/// <summary>
/// The one JSON style of every `--json` output (the stable contract): snake_case member names, indented, non-ASCII text
/// written as is, members in declaration order. Each command's report is a record in this namespace, serialised through a
/// source-generated <see cref="System.Text.Json.Serialization.JsonSerializerContext"/> built on <see cref="Options"/>
/// (e.g. <c>new SweepJsonContext(ReportJson.Options)</c>). Numbers that may be infinite or undefined are nullable
/// members (JSON has no infinity: null stands for it). Golden-file tests in tests/TheoryKit.Cli.Tests/Golden hold each contract.
/// </summary>
public static class ReportJson
{
    /// <summary>Fresh serializer options of the contract (a context takes ownership of the instance it is given).</summary>
    public static JsonSerializerOptions Options => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Serialises a report with its source-generated type information.</summary>
    /// <param name="value">The report record.</param>
    /// <param name="typeInfo">Its type information from a context built on <see cref="Options"/>.</param>
    /// <returns>Indented JSON text without a trailing newline.</returns>
    public static string Serialize<T>(T value, JsonTypeInfo<T> typeInfo) => JsonSerializer.Serialize(value, typeInfo);

    /// <summary>A finite number, or null for NaN and infinities (how the contract writes them).</summary>
    public static double? Finite(double x) => double.IsFinite(x) ? x : null;
}
