/// Runs claims: each claim's property is checked by FsCheck from a replay seed, and its result becomes a
/// status (held, falsified with the shrunk counterexample and the replay seed that reproduces it, or
/// inconclusive). Also runs the mutation check.
module TheoryKit.Properties.Runner

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.Globalization
open FsCheck
open TheoryKit
open TheoryKit.Properties.Claim

/// Status of a claim after a run.
type Status =
    /// Every generated case satisfied the property.
    | Held
    /// A case violated it: see the counterexample and replay seed.
    | Falsified
    /// No case violated it, but some could not decide the claim (or too many cases were discarded).
    | Inconclusive

/// Status as printed in tables and JSON.
let statusText =
    function
    | Held -> "held"
    | Falsified -> "falsified"
    | Inconclusive -> "inconclusive"

/// A replay seed: FsCheck's random state (seed, gamma; gamma odd) and optionally the size of the first case.
type ReplaySeed =
    { Seed: uint64
      Gamma: uint64
      Size: int option }
    override r.ToString() =
        match r.Size with
        | Some s -> sprintf "(%d,%d,%d)" r.Seed r.Gamma s
        | None -> sprintf "(%d,%d)" r.Seed r.Gamma

/// The fixed replay seed of every run unless --replay is given (also the CI seed).
let defaultReplay = { Seed = 20261129UL; Gamma = 11400714819323198485UL; Size = None }

/// Parses "(seed,gamma)" or "(seed,gamma,size)" (parentheses optional; gamma must be odd).
/// Raises InputException (parameter "replay") for anything else.
let parseReplay (text: string) =
    let bad reason = raise (InputException.Parameter("replay", sprintf "%s, got '%s'; expected (seed,gamma) or (seed,gamma,size) as printed by a falsified claim" reason text))
    let parts = text.Trim().TrimStart('(').TrimEnd(')').Split(',') |> Array.map (fun s -> s.Trim())
    let u64 (s: string) =
        match UInt64.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture) with
        | true, v -> v
        | _ -> bad (sprintf "'%s' is not a non-negative integer" s)
    match parts with
    | [| s; g |]
    | [| s; g; _ |] ->
        let gamma = u64 g
        if gamma % 2UL = 0UL then bad "gamma must be odd"
        let size =
            if parts.Length = 3 then
                match Int32.TryParse(parts.[2], NumberStyles.None, CultureInfo.InvariantCulture) with
                | true, v -> Some v
                | _ -> bad (sprintf "size '%s' is not a non-negative integer" parts.[2])
            else None
        { Seed = u64 s; Gamma = gamma; Size = size }
    | _ -> bad "wrong number of fields"

/// How claims are run.
type Profile =
    { /// More cases and larger statistical tests.
      Thorough: bool
      Replay: ReplaySeed }

/// The quick profile from the default replay seed (what CI runs).
let quick = { Thorough = false; Replay = defaultReplay }

/// Result of one claim.
type Outcome =
    { Claim: Claim
      Status: Status
      /// Cases run.
      Tests: int
      /// Cases that could not decide the claim.
      Undecided: int
      /// The shrunk counterexample (falsified only).
      Counterexample: string option
      /// The replay seed that reproduces the counterexample (falsified only).
      Replay: ReplaySeed option
      /// Labels of the failing case, an exception message, or a note on inconclusive cases.
      Message: string
      Seconds: float }

/// "1 case", "n cases" (likewise for other nouns).
let plural (n: int) (noun: string) = if n = 1 then sprintf "1 %s" noun else sprintf "%d %ss" n noun

type private Capture() =
    member val Result: TestResult option = None with get, set
    interface IRunner with
        member _.OnStartFixture _ = ()
        member _.OnArguments(_, _, _) = ()
        member _.OnShrink(_, _) = ()
        member this.OnFinished(_, r) = this.Result <- Some r

let private show (args: obj list) =
    args |> List.map (fun a -> String.Format(CultureInfo.InvariantCulture, "{0}", a)) |> String.concat ", "

/// Runs `claim` against `impl` under `profile`. Never throws for a failing property: an exception inside
/// the property counts as a falsifying case.
let runWith (impl: Impl.Impl) (profile: Profile) (claim: Claim) : Outcome =
    let capture = Capture()
    let trials = if profile.Thorough then claim.ThoroughTests else claim.QuickTests
    let replay = { Rnd = Rnd(profile.Replay.Seed, profile.Replay.Gamma); Size = profile.Replay.Size }
    let config = Config.Quick.WithMaxTest(trials).WithReplay(Some replay).WithRunner(capture).WithQuietOnSuccess(true)
    let watch = Stopwatch.StartNew()
    let undecidedBy = ConcurrentDictionary<string, int>()
    let property =
        try
            claim.Check { Impl = impl; Thorough = profile.Thorough; Undecided = undecidedBy }
        with e -> FsCheck.FSharp.Prop.ofTestable (fun () -> raise e)
    Check.One(config, property)
    let seconds = watch.Elapsed.TotalSeconds
    let basic = { Claim = claim; Status = Held; Tests = 0; Undecided = 0; Counterexample = None; Replay = None; Message = ""; Seconds = seconds }
    match capture.Result with
    | Some(TestResult.Passed(data, _)) ->
        let reasons = undecidedBy |> Seq.map (fun kv -> kv.Key, kv.Value) |> Seq.sortWith (fun (a, _) (b, _) -> String.CompareOrdinal(a, b)) |> Seq.toList
        let undecided = reasons |> List.sumBy snd
        if undecided > 0 then
            let cases n = plural n "case"
            let total = data.NumberOfTests
            { basic with Status = Inconclusive; Tests = total; Undecided = undecided
                         Message =
                           sprintf "%s could not decide the claim: %s"
                               (if undecided >= total then sprintf "all %s" (cases total) else sprintf "%d of %s" undecided (cases total))
                               (reasons |> List.map (fun (r, k) -> if reasons.Length = 1 then r else sprintf "%s (%s)" r (cases k)) |> String.concat "; ") }
        else { basic with Tests = data.NumberOfTests }
    | Some(TestResult.Failed(data, _, shrunk, outcome, _, lastSeed, lastSize)) ->
        let why =
            match outcome with
            | Outcome.Failed e ->
                let m = (if isNull e.InnerException then e else e.InnerException).Message
                // FsCheck's own text for a property that returned false adds nothing to the labels.
                if m.StartsWith "Expected true, got false" then "" else m
            | _ -> ""
        let labels = data.Labels |> Seq.toList
        { basic with
            Status = Falsified
            Tests = data.NumberOfTests
            Counterexample = Some(show shrunk)
            Replay = Some { Seed = lastSeed.Seed; Gamma = lastSeed.Gamma; Size = Some lastSize }
            Message = String.concat "; " (labels @ (if why = "" then [] else [ why ])) }
    | Some(TestResult.Exhausted data) ->
        { basic with Status = Inconclusive; Tests = data.NumberOfTests; Message = "too many generated cases were discarded" }
    | None -> { basic with Status = Inconclusive; Message = "FsCheck reported no result" }

/// Runs `claim` against TheoryKit.Core.
let run profile claim = runWith Impl.real profile claim

/// Mutation check result for one mutant.
type MutantOutcome =
    { Mutant: Mutants.Mutant
      /// Claims run against the mutant (those whose property called the mutated field).
      Ran: string list
      /// Outcomes of the claims that falsified it (with counterexample and replay seed).
      CaughtBy: Outcome list }
    member m.Caught = not m.CaughtBy.IsEmpty

/// Runs every claim against the real code while recording which Impl fields each property calls, then
/// runs each mutant against the claims that call its field. `onClaim`/`onMutant` report progress.
let runMutants (profile: Profile) (claims: Claim list) (mutants: Mutants.Mutant list) (onStep: string -> unit) =
    let uses =
        claims
        |> List.map (fun c ->
            onStep (sprintf "%s on the real code (recording the formulas it calls)" c.Id)
            let used = ConcurrentDictionary<string, bool>()
            let outcome = runWith (Impl.tracked used Impl.real) profile c
            c, outcome, Set.ofSeq used.Keys)
    let results =
        mutants
        |> List.map (fun m ->
            onStep (sprintf "mutant %s against the claims that call %s" m.Name m.Field)
            let targets = uses |> List.filter (fun (_, _, fields) -> fields.Contains m.Field) |> List.map (fun (c, _, _) -> c)
            let mutated = m.Apply Impl.real
            let caught = targets |> List.map (runWith mutated profile) |> List.filter (fun o -> o.Status = Falsified)
            { Mutant = m; Ran = targets |> List.map (fun c -> c.Id); CaughtBy = caught })
    (uses |> List.map (fun (_, o, _) -> o)), results
