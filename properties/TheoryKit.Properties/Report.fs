/// Markdown and JSON of claim runs: theory/claims.md (every claim with its last status), theory/check.md
/// and theory/check.json (the last status of every claim, with counterexamples and replay seeds), and the
/// mutation report. Everything here is deterministic text: no clock, no machine names.
module TheoryKit.Properties.Report

open System
open System.Globalization
open System.Text
open System.Text.Json
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

let private f3 (x: float) = x.ToString("0.###", CultureInfo.InvariantCulture)

let private jstrOpt (s: string option) : JsonNode =
    match s with
    | Some v -> JsonValue.Create v
    | None -> null

let private statusJson (s: LastStatus) : JsonNode =
    let o = JsonObject()
    o["id"] <- JsonValue.Create s.Id
    o["status"] <- JsonValue.Create s.Status
    o["profile"] <- JsonValue.Create s.Profile
    o["seed"] <- JsonValue.Create s.Seed
    o["cases"] <- JsonValue.Create s.Cases
    o["undecided_cases"] <- JsonValue.Create s.Undecided
    o["counterexample"] <- jstrOpt s.Counterexample
    o["replay"] <- jstrOpt s.Replay
    o["message"] <- JsonValue.Create s.Message
    o["seconds"] <- JsonValue.Create s.Seconds
    o

/// How many of `claims` have `status` as their last status ("not run" for those without one).
let private statusCount (claims: Claim list) (last: Map<string, LastStatus>) (status: string) =
    claims |> List.filter (fun c -> (match last.TryFind c.Id with Some s -> s.Status | None -> "not run") = status) |> List.length

let private options = JsonSerializerOptions(WriteIndented = true, Encoder = Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping)

/// theory/check.json: the last status of every claim that has one, in registry order.
let checkJson (claims: Claim list) (last: Map<string, LastStatus>) =
    let arr = JsonArray()
    for c in claims do
        match last.TryFind c.Id with
        | Some s ->
            let o = statusJson s :?> JsonObject
            o["section"] <- JsonValue.Create c.Section
            o["kind"] <- JsonValue.Create(kindText c.Kind)
            arr.Add(o)
        | None -> ()
    let root = JsonObject()
    root["tool"] <- JsonValue.Create "theorykit check"
    let summary = JsonObject()
    for k in [ "held"; "falsified"; "inconclusive" ] do
        summary[k] <- JsonValue.Create(statusCount claims last k)
    root["summary"] <- summary
    root["claims"] <- arr
    root.ToJsonString options + "\n"

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
                      (f3 s.Seconds) (cell (defaultArg s.Counterexample "")) (cell (defaultArg s.Replay "")) (cell s.Message))
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
    let arr = JsonArray()
    for r in results do
        let o = JsonObject()
        o["mutant"] <- JsonValue.Create r.Mutant.Name
        o["field"] <- JsonValue.Create r.Mutant.Field
        o["description"] <- JsonValue.Create r.Mutant.Description
        o["claims_run"] <- JsonArray(r.Ran |> List.map (fun s -> JsonValue.Create s :> JsonNode) |> Array.ofList)
        o["caught"] <- JsonValue.Create r.Caught
        let by = JsonArray()
        for c in r.CaughtBy do
            by.Add(statusJson (lastOf profile c))
        o["caught_by"] <- by
        arr.Add(o)
    let root = JsonObject()
    root["tool"] <- JsonValue.Create "theorykit check --mutants"
    root["profile"] <- JsonValue.Create(profileName profile)
    root["seed"] <- JsonValue.Create(string profile.Replay)
    root["mutants"] <- arr
    root.ToJsonString options + "\n"
