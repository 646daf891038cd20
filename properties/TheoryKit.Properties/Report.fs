/// Markdown and JSON of claim runs: theory/claims.md (every claim with its last status), theory/check.md
/// and theory/check.json (the last status of every claim, with counterexamples and replay seeds), and the
/// mutation report. Everything here is deterministic text: no clock, no machine names.
module TheoryKit.Properties.Report

open System
open System.Text
open System.Text.Json.Nodes
open TheoryKit.Properties.Claim
open TheoryKit.Properties.Runner

/// The last recorded result of a claim (what theory/check.json keeps per claim).
type LastStatus =
    { Id: string
      Status: string
      Profile: string
      /// The replay seed the run started from.
      Seed: string
      Cases: int
      Undecided: int
      Counterexample: string option
      /// Replay seed of the counterexample (falsified only).
      Replay: string option
      Message: string
      Seconds: float }

/// The profile's name.
let profileName (p: Profile) = if p.Thorough then "thorough" else "quick"

/// LastStatus of an outcome.
let lastOf (profile: Profile) (o: Outcome) =
    { Id = o.Claim.Id
      Status = statusText o.Status
      Profile = profileName profile
      Seed = string profile.Replay
      Cases = o.Tests
      Undecided = o.Undecided
      Counterexample = o.Counterexample
      Replay = o.Replay |> Option.map string
      Message = o.Message
      Seconds = Math.Round(o.Seconds, 3) }

/// The JSON record of a last status (with the claim's section and kind in check.json).
let private statusReport (s: LastStatus) (claim: Claim option) =
    TheoryKit.Reports.ClaimStatusReport(s.Id, s.Status, s.Profile, s.Seed, s.Cases, s.Undecided, Option.toObj s.Counterexample,
                                        Option.toObj s.Replay, s.Message, s.Seconds,
                                        (claim |> Option.map (fun c -> c.Section) |> Option.toObj),
                                        (claim |> Option.map (fun c -> kindText c.Kind) |> Option.toObj))

/// How many of `claims` have `status` as their last status ("not run" for those without one).
let private statusCount (claims: Claim list) (last: Map<string, LastStatus>) (status: string) =
    claims |> List.filter (fun c -> (match last.TryFind c.Id with Some s -> s.Status | None -> "not run") = status) |> List.length

/// theory/check.json: the last status of every claim that has one, in registry order.
let checkJson (claims: Claim list) (last: Map<string, LastStatus>) =
    let entries = [| for c in claims do
                       match last.TryFind c.Id with
                       | Some s -> yield statusReport s (Some c)
                       | None -> () |]
    let count = statusCount claims last
    TheoryKit.Reports.CheckReport("theorykit check", TheoryKit.Reports.CheckSummary(count "held", count "falsified", count "inconclusive"), entries).ToJson()

/// Reads the last statuses from the text of a check.json written by `checkJson`; entries that do not
/// parse are ignored (a missing or damaged file only means the statuses are "not run").
let parseCheckJson (text: string) : Map<string, LastStatus> =
    try
        let root = JsonNode.Parse text
        let str (o: JsonNode) (k: string) = match o[k] with null -> None | v -> Some(v.GetValue<string>())
        [ for o in root["claims"].AsArray() do
              let id = o["id"].GetValue<string>()
              id,
              { Id = id
                Status = o["status"].GetValue<string>()
                Profile = o["profile"].GetValue<string>()
                Seed = o["seed"].GetValue<string>()
                Cases = o["cases"].GetValue<int>()
                Undecided = o["undecided_cases"].GetValue<int>()
                Counterexample = str o "counterexample"
                Replay = str o "replay"
                Message = o["message"].GetValue<string>()
                Seconds = o["seconds"].GetValue<float>() } ]
        |> Map.ofList
    with _ -> Map.empty

/// A Markdown table cell: pipes escaped, line breaks removed.
let cell (s: string) = s.Replace("\r", "").Replace("\n", " ").Replace("|", "\\|")

/// The status of a claim in words, e.g. "held (quick, 300 cases)".
let statusWords (s: LastStatus) =
    // The seed is named only when the run did not start from the fixed one.
    let run = if s.Seed = string defaultReplay then s.Profile else sprintf "%s, seed %s" s.Profile s.Seed
    match s.Status with
    | "falsified" ->
        sprintf "falsified (%s) by %s; replay %s%s" run (defaultArg s.Counterexample "?") (defaultArg s.Replay "?")
            (if s.Message = "" then "" else ": " + s.Message)
    | "inconclusive" -> sprintf "inconclusive (%s, %s): %s" run (plural s.Cases "case") s.Message
    | st -> sprintf "%s (%s, %s)" st run (plural s.Cases "case")

/// theory/check.md: the table of a run (or of the last statuses), with counterexamples and replay seeds.
let runMarkdown (title: string) (claims: Claim list) (last: Map<string, LastStatus>) =
    let b = StringBuilder()
    let line (s: string) = b.Append(s).Append('\n') |> ignore
    line ("# " + title)
    line ""
    line "Written by `theorykit check`: the last run of every claim (a run with `--claims` updates only its"
    line "rows). Each row gives the profile and the replay seed the run started from; a falsified claim gives"
    line "its shrunk counterexample and the seed that reproduces it at once:"
    line "`theorykit check --claims ID --replay \"(seed,gamma,size)\"`. Claims are listed in `claims.md`."
    line ""
    line "| id | kind | status | profile | started from seed | cases | seconds | counterexample | replay | note |"
    line "|---|---|---|---|---|---|---|---|---|---|"
    for c in claims do
        match last.TryFind c.Id with
        | Some s ->
            line (sprintf "| %s | %s | %s | %s | %s | %d | %s | %s | %s | %s |" c.Id (kindText c.Kind) s.Status s.Profile s.Seed s.Cases
                      (TheoryKit.Numbers.Millis s.Seconds) (cell (defaultArg s.Counterexample "")) (cell (defaultArg s.Replay "")) (cell s.Message))
        | None -> ()
    let count = statusCount claims last
    line ""
    line (sprintf "%d held, %d falsified, %d inconclusive." (count "held") (count "falsified") (count "inconclusive"))
    b.ToString()

/// theory/claims.md: every claim, grouped by THEORY.md section, with its source, statement, kind, the
/// property that checks it, its last status, and the unit tests that also check it.
let claimsMarkdown (claims: Claim list) (last: Map<string, LastStatus>) =
    let b = StringBuilder()
    let line (s: string) = b.Append(s).Append('\n') |> ignore
    line "# TheoryKit claims"
    line ""
    line "Every claim of [`THEORY.md`](THEORY.md) (the theory specification: [JT20], [MLS25], [CS09], [MOSW22], [HVD15])"
    line "with the FsCheck property in `properties/TheoryKit.Properties` that checks it and its last status."
    line "This file is written by `theorykit check` from the claims defined in code; edit the claim values"
    line "(`properties/TheoryKit.Properties/*Claims.fs`), not this file."
    line ""
    line "- **Kinds.** *identity*: a formula, an exact equality or a known value. *deterministic inequality*:"
    line "  holds always. *probabilistic (δ)*: holds with the stated probability over random draws; its"
    line "  property is a statistical test that counts violations over independent draws against a binomial"
    line "  bound at the claim's δ, so a true claim passes reliably and a false one fails. *empirical trend*:"
    line "  measured by training runs."
    line "- **Statuses.** *held*: every generated case satisfied the property. *falsified*: a case violated it;"
    line "  the shrunk counterexample and the replay seed that reproduces it are given. *inconclusive*: no case"
    line "  violated it but some could not decide the claim (for example [JT20] Theorem 2.2 checked at widths"
    line "  far below its M). *not run*: no run recorded yet."
    line "- **Profiles.** `dotnet test` and `theorykit check` run the quick profile from the fixed replay seed"
    line (sprintf "  %O; `theorykit check --thorough` runs many more cases and larger statistical tests." defaultReplay)
    line "  A status names its seed when the run started from another one (`--replay`)."
    line "- **[MLS25] constants.** The published text gives the two [MLS25] neuron bounds as rates only, so"
    line "  m_soft, m_hard and the [MOSW22] width carry constants c_soft, c_hard, c_mosw (default 1) and every"
    line "  value computed from them is a rate with constant c."
    line "- **Mutants.** `theorykit check --mutants` runs the claims against deliberately wrong formulas;"
    line "  `mutants.md` shows which claim catches each."
    line "- What the code must report or guarantee about itself (input handling, records, journals, thread"
    line "  independence) is in `requirements.md`, checked by unit tests; the ids N1, L7, T4, M5, E5, E6 and E7"
    line "  of the first catalogue are the requirements Q1-Q7 there. Ids are never reused: claims added later"
    line "  (T5, B8, X7, E8) took new numbers."
    line ""
    let sections = claims |> List.map (fun c -> c.Section) |> List.distinct
    for section in sections do
        line ("## " + section)
        line ""
        line "| id | source | statement | kind | property | last status | unit tests |"
        line "|---|---|---|---|---|---|---|"
        for c in claims |> List.filter (fun c -> c.Section = section) do
            let status = match last.TryFind c.Id with Some s -> statusWords s | None -> "not run"
            let tests = c.Tests |> List.map (fun t -> "`" + t + "`") |> String.concat "; "
            line (sprintf "| %s | %s | %s | %s | %s | %s | %s |" c.Id (cell c.Source) (cell c.Statement) (kindText c.Kind)
                      (cell c.Property) (cell status) (cell tests))
        line ""
    let count = statusCount claims last
    line "## Summary"
    line ""
    line (sprintf "%d claims: %d held, %d falsified, %d inconclusive, %d not run." claims.Length (count "held") (count "falsified")
              (count "inconclusive") (count "not run"))
    b.ToString()

/// Mutation report as Markdown (theory/mutants.md).
let mutantsMarkdown (profile: Profile) (results: MutantOutcome list) =
    let b = StringBuilder()
    let line (s: string) = b.Append(s).Append('\n') |> ignore
    line "# Mutation check"
    line ""
    line (sprintf "Written by `theorykit check --mutants` (%s profile, replay seed %O). Each mutant replaces one" (profileName profile) profile.Replay)
    line "formula with a deliberately wrong variant; it is run against every claim whose property calls that"
    line "formula, and it is caught when at least one of them is falsified. Reproduce a row's first catch with"
    line "`theorykit check --mutant NAME --claims ID --replay \"SEED\"` (ID: the claim named in that column). The"
    line "replay seed is FsCheck's state at the failing case (with its size), not the seed the run started from."
    line ""
    line "| mutant | what is wrong | claims run | caught by | first catch: claim and counterexample | replay |"
    line "|---|---|---|---|---|---|"
    for r in results do
        let first = List.tryHead r.CaughtBy
        line (sprintf "| %s | %s | %s | %s | %s | %s |" r.Mutant.Name (cell r.Mutant.Description) (String.concat ", " r.Ran)
                  (if r.Caught then r.CaughtBy |> List.map (fun o -> o.Claim.Id) |> String.concat ", " else "**not caught**")
                  (cell (first |> Option.map (fun o -> sprintf "%s: %s" o.Claim.Id (defaultArg o.Counterexample "")) |> Option.defaultValue ""))
                  (first |> Option.bind (fun o -> o.Replay) |> Option.map string |> Option.defaultValue ""))
    line ""
    line (sprintf "%d of %d mutants caught." (results |> List.filter (fun r -> r.Caught) |> List.length) results.Length)
    b.ToString()

/// Mutation report as JSON (theory/mutants.json).
let mutantsJson (profile: Profile) (results: MutantOutcome list) =
    let mutants =
        [| for r in results ->
             TheoryKit.Reports.MutantReport(r.Mutant.Name, r.Mutant.Field, r.Mutant.Description, List.toArray r.Ran, r.Caught,
                                            [| for c in r.CaughtBy -> statusReport (lastOf profile c) None |]) |]
    TheoryKit.Reports.MutantsReport("theorykit check --mutants", profileName profile, string profile.Replay, mutants).ToJson()
