/// The `check` command: runs the claims of theory/claims.md as FsCheck property suites (and, with
/// --mutants, against deliberately wrong formulas) and writes the results under theory/.
module TheoryKit.Cli.CheckCommands

open System
open System.Diagnostics
open System.IO
open Argu
open Spectre.Console
open TheoryKit
open TheoryKit.Properties
open TheoryKit.Properties.Runner
open TheoryKit.Cli.Output

/// Options of `check`.
type CheckArgs =
    | Claims of ids: string
    | Thorough
    | Replay of seed: string
    | Mutants
    | Mutant of name: string
    | Out of folder: string
    | No_Write
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Claims _ -> "claim ids to run, comma-separated (e.g. K1,M10,B3; default: every claim of theory/claims.md)"
            | Thorough -> "thorough profile: many more cases and larger statistical tests (about 5 minutes instead of 10 s)"
            | Replay _ -> "FsCheck replay seed (seed,gamma) or (seed,gamma,size), as printed for a falsified claim (default: the fixed seed CI uses)"
            | Mutants -> "mutation check: run the claims against every deliberately wrong formula and report which claim catches each"
            | Mutant _ -> "run the claims against one mutant (see theory/mutants.md), e.g. to replay how it was caught; writes nothing; exit 0 when a claim catches it (with --mutants: the mutation check for this mutant only)"
            | Out _ -> "folder for claims.md, check.md, check.json, mutants.md and mutants.json (default: theory/ of the repository the current folder lies in)"
            | No_Write -> "print only; write no files"

let private statusMarkup =
    function
    | Held -> "[green]held[/]"
    | Falsified -> "[red]falsified[/]"
    | Inconclusive -> "[yellow]inconclusive[/]"

/// Prints the claim table of a run.
let private printOutcomes (mutant: string option) (outcomes: Outcome list) =
    if Console.IsOutputRedirected then AnsiConsole.Profile.Width <- 160
    let t = Table()
    for c in [ "id"; "kind"; "status"; "cases"; "seconds"; "counterexample, replay seed or note" ] do
        t.AddColumn(c) |> ignore
    for o in outcomes do
        let note =
            match o.Status with
            | Falsified ->
                sprintf "%s\nreplay: %s--claims %s --replay \"%s\"%s" (defaultArg o.Counterexample "")
                    (match mutant with Some m -> sprintf "--mutant %s " m | None -> "") o.Claim.Id
                    (o.Replay |> Option.map string |> Option.defaultValue "") (if o.Message = "" then "" else "\n" + o.Message)
            | _ -> o.Message
        t.AddRow(o.Claim.Id, Markup.Escape(Claim.kindText o.Claim.Kind), statusMarkup o.Status, string o.Tests,
                 o.Seconds.ToString("0.00", Globalization.CultureInfo.InvariantCulture), Markup.Escape note) |> ignore
    AnsiConsole.Write t

let private summary (outcomes: Outcome list) =
    let count s = outcomes |> List.filter (fun o -> o.Status = s) |> List.length
    sprintf "%s: %d held, %d falsified, %d inconclusive" (plural outcomes.Length "claim") (count Held) (count Falsified) (count Inconclusive)

/// Runs `theorykit check`. Exit code: 0 when no claim is falsified (with --mutants: every mutant caught;
/// with --mutant NAME: the mutant caught), 1 otherwise, 2 for bad input.
let runCheck (r: ParseResults<CheckArgs>) (sh: Common.Shared) =
    let ids =
        r.GetResults Claims
        |> List.collect (fun s -> s.Split([| ','; ' ' |], StringSplitOptions.RemoveEmptyEntries) |> List.ofArray)
    if r.Contains Claims && ids.IsEmpty then raise (InputException.Parameter("claims", "no claim id given"))
    if r.Contains Mutant && r.Contains Out then
        raise (InputException.Parameter("out", "a run against a mutant writes nothing; drop --out"))
    let claims = if ids.IsEmpty then Registry.all else Registry.select ids
    let profile = { Thorough = r.Contains Thorough; Replay = r.TryGetResult Replay |> Option.map parseReplay |> Option.defaultValue defaultReplay }
    let mutant = r.TryGetResult Mutant |> Option.map Mutants.byName
    // Files describe full runs on the real code: a run against a mutant, or the replay of one failing case
    // (a seed with a size), writes nothing.
    let replayOfOneCase = profile.Replay.Size.IsSome
    let write = not (r.Contains No_Write) && mutant.IsNone && not replayOfOneCase
    let out =
        match r.TryGetResult Out with
        | Some dir -> dir
        | None when not write -> "theory"
        | None -> Common.repositoryTheoryFolder "give --out DIR or --no-write"
    // A partial mutation check (--claims) cannot say a mutant escapes: it writes no mutant files.
    let partial = not ids.IsEmpty
    let files = [ "claims.md"; "check.md"; "check.json" ] @ (if r.Contains Mutants && not partial then [ "mutants.md"; "mutants.json" ] else [])
    if write then
        for f in files do checkWritable (Path.Combine(out, f))
    let clock = Stopwatch.StartNew()
    let say (s: string) = if not sh.Quiet then eprintfn "[check] %s" s
    say (sprintf "%s, %s profile, replay seed %O%s" (plural claims.Length "claim") (Report.profileName profile) profile.Replay
             (match mutant with Some m -> ", mutant " + m.Name | None -> ""))
    let runOne impl (k: int) (c: Claim.Claim) =
        let o = runWith impl profile c
        say (sprintf "%s %s: %s, %.2f s (%d of %d)" c.Id (statusText o.Status) (plural o.Tests "case") o.Seconds (k + 1) claims.Length)
        o
    /// Merges the outcomes into the last statuses kept in check.json and rewrites the three files.
    let record (outcomes: Outcome list) =
        if write then
            let jsonPath = Path.Combine(out, "check.json")
            let previous = if File.Exists jsonPath then Report.parseCheckJson (File.ReadAllText jsonPath) else Map.empty
            let last = outcomes |> List.fold (fun (m: Map<string, Report.LastStatus>) o -> m.Add(o.Claim.Id, Report.lastOf profile o)) previous
            writeAtomic (Path.Combine(out, "claims.md")) (Report.claimsMarkdown Registry.all last)
            writeAtomic (Path.Combine(out, "check.md")) (Report.runMarkdown "Claim check" Registry.all last)
            writeAtomic jsonPath (Report.checkJson Registry.all last)
    let written () = if write then sprintf "; wrote %s" (files |> List.map (fun f -> Path.Combine(out, f)) |> String.concat ", ") else ""
    if r.Contains Mutants then
        let mutants = match mutant with Some m -> [ m ] | None -> Mutants.all
        let outcomes, results = runMutants profile claims mutants say
        record outcomes
        if write && not partial then
            writeAtomic (Path.Combine(out, "mutants.md")) (Report.mutantsMarkdown profile results)
            writeAtomic (Path.Combine(out, "mutants.json")) (Report.mutantsJson profile results)
        if sh.Json then printf "%s" (Report.mutantsJson profile results)
        else
            if Console.IsOutputRedirected then AnsiConsole.Profile.Width <- 160
            let t = Table()
            for c in [ "mutant"; "what is wrong"; "claims run"; "caught by"; "replay the first catch" ] do t.AddColumn(c) |> ignore
            for m in results do
                let by =
                    if m.Caught then m.CaughtBy |> List.map (fun o -> o.Claim.Id) |> String.concat ", " |> Markup.Escape
                    elif partial && m.Ran.IsEmpty then "not run (no selected claim calls " + Markup.Escape m.Mutant.Field + ")"
                    else "[red]not caught[/]"
                let replay =
                    match m.CaughtBy with
                    | o :: _ -> sprintf "--mutant %s --claims %s --replay \"%s\"" m.Mutant.Name o.Claim.Id (o.Replay |> Option.map string |> Option.defaultValue "")
                    | [] -> ""
                t.AddRow(Markup.Escape m.Mutant.Name, Markup.Escape m.Mutant.Description, Markup.Escape(String.concat ", " m.Ran), by, Markup.Escape replay) |> ignore
            AnsiConsole.Write t
        let considered = results |> List.filter (fun m -> not (partial && m.Ran.IsEmpty))
        let caught = considered |> List.filter (fun m -> m.Caught) |> List.length
        let line = sprintf "%d of %d mutants caught%s" caught considered.Length (if considered.Length < results.Length then sprintf " (%d not run)" (results.Length - considered.Length) else "")
        if not sh.Json then printfn "%s; real code: %s" line (summary outcomes)
        say (sprintf "done in %.1f s: %s; real code: %s%s" clock.Elapsed.TotalSeconds line (summary outcomes) (written ()))
        if caught = considered.Length then 0 else 1
    else
        let impl = match mutant with Some m -> m.Apply Impl.real | None -> Impl.real
        let outcomes = claims |> List.mapi (runOne impl)
        record outcomes
        if sh.Json then
            let last = outcomes |> List.map (fun o -> o.Claim.Id, Report.lastOf profile o) |> Map.ofList
            printf "%s" (Report.checkJson claims last)
        else
            printOutcomes (mutant |> Option.map (fun m -> m.Name)) outcomes
            printfn "%s" (summary outcomes)
        say (sprintf "done in %.1f s: %s%s" clock.Elapsed.TotalSeconds (summary outcomes) (written ()))
        let falsified = outcomes |> List.exists (fun o -> o.Status = Falsified)
        match mutant with
        | Some _ -> if falsified then 0 else 1
        | None -> if falsified then 1 else 0
