using System.Text.Json.Serialization;

namespace TheoryKit.Reports;

/// <summary>The last recorded result of one claim (an entry of theory/check.json, or a catch in theory/mutants.json).</summary>
/// <param name="Id">Claim id (e.g. B1).</param>
/// <param name="Status">"held", "falsified" or "inconclusive".</param>
/// <param name="Profile">"quick" or "thorough".</param>
/// <param name="Seed">The replay seed the run started from.</param>
/// <param name="Cases">Cases run.</param>
/// <param name="UndecidedCases">Cases that could not decide the claim.</param>
/// <param name="Counterexample">The shrunk counterexample (falsified only).</param>
/// <param name="Replay">Replay seed of the counterexample (falsified only).</param>
/// <param name="Message">Note of the run.</param>
/// <param name="Seconds">Wall-clock seconds (rounded to milliseconds).</param>
/// <param name="Section">THEORY.md section of the claim (check.json only; absent in mutants.json).</param>
/// <param name="Kind">Kind of the claim (check.json only).</param>
public sealed record ClaimStatusReport(string Id, string Status, string Profile, string Seed, int Cases, int UndecidedCases, string? Counterexample,
    string? Replay, string Message, double Seconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Section = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Kind = null);

/// <summary>Counts of last statuses.</summary>
/// <param name="Held">Claims held.</param>
/// <param name="Falsified">Claims falsified.</param>
/// <param name="Inconclusive">Claims inconclusive.</param>
public sealed record CheckSummary(int Held, int Falsified, int Inconclusive);

/// <summary>The `--json` contract of `theorykit check` and the text of theory/check.json.</summary>
/// <param name="Tool">"theorykit check".</param>
/// <param name="Summary">Counts over the claims listed.</param>
/// <param name="Claims">Each claim with a last status, in registry order.</param>
public sealed record CheckReport(string Tool, CheckSummary Summary, IReadOnlyList<ClaimStatusReport> Claims)
{
    /// <summary>The report as indented JSON with a final newline (the file's text).</summary>
    public string ToJson() => ReportJson.Serialize(this, CheckJsonContext.Contract.CheckReport) + "\n";
}

/// <summary>One mutant of the mutation check.</summary>
/// <param name="Mutant">Its name.</param>
/// <param name="Field">The formula it replaces.</param>
/// <param name="Description">What is wrong.</param>
/// <param name="ClaimsRun">Claims run against it.</param>
/// <param name="Caught">Whether a claim was falsified.</param>
/// <param name="CaughtBy">The falsified claims.</param>
public sealed record MutantReport(string Mutant, string Field, string Description, IReadOnlyList<string> ClaimsRun, bool Caught, IReadOnlyList<ClaimStatusReport> CaughtBy);

/// <summary>The `--json` contract of `theorykit check --mutants` and the text of theory/mutants.json.</summary>
/// <param name="Tool">"theorykit check --mutants".</param>
/// <param name="Profile">"quick" or "thorough".</param>
/// <param name="Seed">The replay seed the runs started from.</param>
/// <param name="Mutants">Each mutant.</param>
public sealed record MutantsReport(string Tool, string Profile, string Seed, IReadOnlyList<MutantReport> Mutants)
{
    /// <summary>The report as indented JSON with a final newline (the file's text).</summary>
    public string ToJson() => ReportJson.Serialize(this, CheckJsonContext.Contract.MutantsReport) + "\n";
}

/// <summary>Source-generated serialisation of the check reports (<see cref="ReportJson.Options"/>).</summary>
[JsonSerializable(typeof(CheckReport))]
[JsonSerializable(typeof(MutantsReport))]
public sealed partial class CheckJsonContext : JsonSerializerContext
{
    /// <summary>The context on the contract's options.</summary>
    public static CheckJsonContext Contract { get; } = new(ReportJson.Options);
}
