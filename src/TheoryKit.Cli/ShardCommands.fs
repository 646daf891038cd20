/// Sweeps beyond one machine: `--shard`, `--merge`, `theorykit merge` and `theorykit slurm` (parsing and rendering; the
/// assignment and the merge are TheoryKit.Experiments.ShardPlan / ShardMerge).
module TheoryKit.Cli.ShardCommands

open System
open System.IO
open System.Text.RegularExpressions
open Argu
open TheoryKit
open TheoryKit.Experiments
open TheoryKit.Reports
open TheoryKit.Cli.Output
open TheoryKit.Cli.Common

/// `--shard I/N` or `--shard slurm` (from SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT).
let parseShard (text: string) = ShardSpec.Parse(text, Func<string, string>(Environment.GetEnvironmentVariable))

/// How a command merges: N shards, from the given journals or (None) the shard journals found beside its own journals.
type MergeMode = { Count: int; Journals: string list option }

/// The merge mode of `--merge N` and `--merge-journals J...`; refuses `--merge-journals` without `--merge`, and `--shard` with `--merge`.
let mergeMode (shard: ShardSpec option) (count: int option) (journals: string list option) =
    match count, journals with
    | None, Some _ -> raise (InputException.Parameter("merge-journals", "needs --merge N"))
    | Some n, _ when n < 1 || n > ShardSpec.MaxCount -> raise (InputException.Parameter("merge", sprintf "the number of shards must lie in 1..%d, got %d" ShardSpec.MaxCount n))
    | Some _, _ when shard.IsSome -> raise (InputException.Parameter("merge", "cannot be combined with --shard: run the shards first, then merge"))
    | Some n, js -> Some { Count = n; Journals = js }
    | None, None -> None

/// The shard journals of a target journal in merge mode: the given ones, or those found beside it.
let candidates (m: MergeMode) (target: string) : Collections.Generic.IReadOnlyList<string> =
    match m.Journals with
    | Some js -> List.toArray js :> _
    | None -> ShardMerge.Existing(target, m.Count)

/// Options dropped from the recorded command line: (name, takes a value).
let private dropped = [ "--shard", true; "--merge", true; "--threads", true; "--max-memory", true; "--json", false; "--quiet", false ]

/// The command line as a shard records it (see Common.Shared.Command).
let normaliseCommand (argv: string[]) =
    let rec go (xs: string list) =
        match xs with
        | [] -> []
        | "--merge-journals" :: rest -> go (rest |> List.skipWhile (fun a -> not (a.StartsWith "--")))
        | x :: rest ->
            match dropped |> List.tryFind (fun (name, _) -> name = x) with
            | Some(_, true) -> go (List.skip (min 1 rest.Length) rest)
            | Some(_, false) -> go rest
            | None -> x :: go rest
    go (List.ofArray argv)

/// A shell word in single quotes.
let shellQuote (s: string) =
    if s <> "" && Regex.IsMatch(s, @"^[A-Za-z0-9_./:=,+@%-]+$") then s else "'" + s.Replace("'", "'\\''") + "'"

/// The command line that runs this build of theorykit: `dotnet DLL` or the apphost.
let selfCommand () =
    let host = Environment.ProcessPath
    if isNull host || Path.GetFileNameWithoutExtension(host) = "dotnet" then
        [ (if isNull host then "dotnet" else host); Reflection.Assembly.GetEntryAssembly().Location ]
    else [ host ]

/// Prints what one shard did (table, nothing with --quiet, or JSON) and returns exit code 0.
let shardSummary (sh: Shared) (s: ShardSummary) =
    let share = ShardSummaryReport.ShareOf s
    let merge = String.Join(" ", "theorykit" :: (sh.Command |> List.map shellQuote)) + sprintf " --merge %d" s.Shard.Count
    if sh.Json then printfn "%s" (ShardSummaryReport.Of(s, merge).ToJson())
    elif sh.Quiet then ()   // a shard's summary is bookkeeping, not a result: --quiet hides it (--json still prints it)
    else
        table (sprintf "Shard %d of %d (0-based): its part of the runs, to be merged" s.Shard.Index s.Shard.Count)
            [ "runs", sprintf "%d (%d new, %d from the journal)" s.Runs s.NewRuns s.ResumedRuns, sprintf "%s%% of the estimated cost (width x steps x n x d)" (num (100.0 * share))
              "journals", String.Join(", ", s.Journals), "one writer per file: this shard's own"
              "merge", merge, "or `theorykit merge` with every shard's journal, once all shards are done" ]
    if not sh.Quiet then eprintfn "[shard] shard %d of %d done: %d runs (%d new)" s.Shard.Index s.Shard.Count s.Runs s.NewRuns
    0

/// Prints an incomplete merge (the missing runs by shard, the array indices to resubmit) and returns its exit code
/// (ShardMergeReport.IncompleteExitCode); nothing has been written.
let reportIncomplete (sh: Shared) (r: ShardMergeReport) =
    if sh.Json then printfn "%s" (MergeIncompleteReport.Of(r).ToJson())
    else
        table (sprintf "Merge incomplete: %d of %d runs missing" r.MissingRuns r.Runs)
            ([ for g in r.Missing ->
                sprintf "shard %d (array index %d)" g.Shard g.Shard, sprintf "%d runs missing, e.g. %s" g.Runs (String.Join("; ", g.Examples)),
                (if g.Given then sprintf "its journal %s is incomplete" g.Journal else sprintf "no journal of it was given (%s)" g.Journal) ]
             @ [ "resubmit", String.Join(",", r.Resubmit), r.Statement ])
    if not sh.Quiet then eprintfn "[merge] %s" r.Statement
    ShardMergeReport.IncompleteExitCode

/// Options of `theorykit merge`.
type MergeArgs =
    | [<MainCommand; ExactlyOnce>] Journals of journals: string list
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Journals _ -> "the shard journals (every journal each shard wrote, e.g. *.shard-*-of-4.jsonl)"

/// The help of `theorykit merge`: its own arguments and the top-level options that apply to it (the data, seed and training
/// options come from the command recorded in the journals' headers, so they are not listed).
let mergeUsage () =
    let own = ArgumentParser.Create<MergeArgs>(programName = "theorykit merge").PrintUsage()
    own.TrimEnd()
    + "\n\nOPTIONS that apply as well:\n\n"
    + "    --json                print the merged result as JSON\n"
    + "    --quiet               no progress messages on stderr\n"
    + "    --threads <count>     threads (default: all cores)\n"
    + "    --max-memory <size>   memory budget, e.g. 512M or 4G\n\n"
    + "The data, seed and every setting come from the command recorded in the journals' headers; run merge in the folder the shards ran in."

/// `theorykit merge J...`: reads the command recorded in the journals' headers and runs it again with `--merge N
/// --merge-journals J...` (through `dispatch`), which prints exactly what the unsharded command prints, or the missing runs
/// with exit code 3.
let runMerge (r: ParseResults<MergeArgs>) (sh: Shared) (dispatch: string[] -> int) =
    let journals = r.GetResult MergeArgs.Journals
    if journals.IsEmpty then raise (InputException.Parameter("journals", "give the shard journals to merge"))
    let first = journals.Head
    let headers = [ for j in journals -> j, ShardMerge.ReadHeader j ]
    let command = ShardMerge.CommandOf(first, snd headers.Head)
    let struct (_, count, _) = ShardMerge.TagOf(first, snd headers.Head)
    for j, h in headers do
        let struct (_, c, _) = ShardMerge.TagOf(j, h)
        if c <> count then raise (InputException(j, Nullable 1, "shard.count", sprintf "is of %d shards, %s of %d: give the journals of one sharding" c first count))
        let cmd = ShardMerge.CommandOf(j, h)
        if not (Seq.forall2 (=) cmd command) || cmd.Count <> command.Count then
            raise (InputException(j, Nullable 1, "shard.command", sprintf "belongs to another experiment than %s (`theorykit %s`, not `theorykit %s`)" first (String.Join(" ", cmd)) (String.Join(" ", command))))
    let args =
        [| yield! command
           if sh.Json then yield "--json"
           if sh.Quiet then yield "--quiet"
           match sh.Threads with Some t -> yield! [ "--threads"; string t ] | None -> ()
           yield! [ "--merge"; string count; "--merge-journals" ]
           yield! journals |]
    if not sh.Quiet then eprintfn "[merge] %d journals of %d shards: theorykit %s" journals.Length count (String.Join(" ", command |> Seq.map shellQuote))
    dispatch args

/// `theorykit slurm COMMAND ARGS --array N [--partition P] [--time T] [--cpus C] [--mem M] [--script PATH]`: writes an sbatch script
/// (atomically) that runs shard $SLURM_ARRAY_TASK_ID of N, or with THEORYKIT_MERGE=1 the merge; prints the sbatch line that
/// submits the array and a merge job depending on it (afterok). `check` parses the command's arguments (refusing typos before
/// submission).
let runSlurm (argv: string[]) (check: string[] -> unit) =
    let usage = "usage: theorykit slurm sweep|difficulty|distill ARGS --array N [--partition P] [--time HH:MM:SS] [--cpus C] [--mem M] [--script PATH]"
    if argv.Length = 0 || argv.[0] = "--help" then printfn "%s" usage; 0
    else
    let command = argv.[0]
    if not (List.contains command [ "sweep"; "difficulty"; "distill" ]) then
        raise (InputException.Parameter("command", sprintf "slurm runs sweep, difficulty or distill, got '%s' (%s)" command usage))
    let own = [ "--array"; "--partition"; "--time"; "--cpus"; "--mem"; "--script" ]
    let rec split (xs: string list) (opts: Map<string, string>) (rest: string list) =
        match xs with
        | [] -> opts, List.rev rest
        | x :: v :: tail when List.contains x own ->
            if opts.ContainsKey x then raise (InputException.Parameter(x.TrimStart('-'), "is given twice"))
            split tail (opts.Add(x, v)) rest
        | [ x ] when List.contains x own -> raise (InputException.Parameter(x.TrimStart('-'), "needs a value"))
        | x :: tail -> split tail opts (x :: rest)
    let opts, args = split (List.ofArray argv.[1..]) Map.empty []
    for a in args do
        if a = "--shard" || a = "--merge" || a = "--merge-journals" then
            raise (InputException.Parameter(a.TrimStart('-'), "is set by the script (each task runs --shard I/N, the merge job --merge N)"))
    let get name pattern what =
        match opts.TryFind name with
        | Some v when not (Regex.IsMatch(v, pattern)) -> raise (InputException.Parameter(name.TrimStart('-'), sprintf "expected %s, got '%s'" what v))
        | v -> v
    let count =
        match opts.TryFind "--array" with
        | None -> raise (InputException.Parameter("array", "give the number of array tasks N (the shards), e.g. --array 4"))
        | Some v ->
            match Int32.TryParse v with
            | true, n when n >= 1 && n <= ShardSpec.MaxCount -> n
            | _ -> raise (InputException.Parameter("array", sprintf "the number of tasks must be an integer in 1..%d, got '%s'" ShardSpec.MaxCount v))
    let partition = get "--partition" @"^[A-Za-z0-9_.,-]+$" "a partition name"
    let time = get "--time" @"^(\d+-)?(\d+:)?\d+(:\d+)?$" "a Slurm time such as HH:MM:SS, MM or D-HH:MM:SS"
    let cpus = get "--cpus" @"^[1-9][0-9]{0,3}$" "a number of CPUs per task (1-9999)"
    let mem = get "--mem" @"^[1-9][0-9]*[KMGT]?$" "a memory size such as 4G or 500M"
    // The command must parse (typos are refused before anything is submitted), as a shard and as the merge.
    check (Array.ofList (command :: args @ [ "--shard"; sprintf "0/%d" count ]))
    let script = defaultArg (opts.TryFind "--script") (sprintf "theorykit-%s.sbatch" command)
    checkWritable script
    let self = selfCommand () |> List.map shellQuote |> String.concat " "
    let cmd = String.Join(" ", command :: args |> List.map shellQuote)
    let threads = match cpus with Some c when not (List.contains "--threads" args) -> sprintf " --threads %s" c | _ -> ""
    let quoted = shellQuote script
    let submit =
        sprintf "jid=$(sbatch --parsable --array=0-%d %s) && sbatch --dependency=afterok:${jid%%%%;*} --kill-on-invalid-dep=yes --export=ALL,THEORYKIT_MERGE=1 %s"
            (count - 1) quoted quoted
    let text =
        String.concat "\n"
            [ "#!/bin/bash"
              sprintf "#SBATCH --job-name=theorykit-%s" command
              yield! [ for name, v in [ "partition", partition; "time", time; "cpus-per-task", cpus; "mem", mem ] do
                         match v with Some x -> yield sprintf "#SBATCH --%s=%s" name x | None -> () ]
              sprintf "# Written by `theorykit slurm`: %d shards of `theorykit %s`, one per array task, and their merge." count cmd
              "# Submit the array and a merge job that runs once every task has succeeded:"
              sprintf "#   %s" submit
              "# If the merge reports missing runs (exit code 3), resubmit the array indices it names and merge again:"
              sprintf "#   jid=$(sbatch --parsable --array=I,J %s) && sbatch --dependency=afterok:${jid%%%%;*} --kill-on-invalid-dep=yes --export=ALL,THEORYKIT_MERGE=1 %s" quoted quoted
              "set -eu"
              sprintf "cd %s" (shellQuote (Directory.GetCurrentDirectory()))
              "if [ \"${THEORYKIT_MERGE:-0}\" = 1 ]; then"
              sprintf "  exec %s %s --merge %d" self cmd count
              "fi"
              sprintf ": \"${SLURM_ARRAY_TASK_ID:?submit this script as an array: sbatch --array=0-%d}\"" (count - 1)
              sprintf "exec %s %s --shard \"$SLURM_ARRAY_TASK_ID/%d\"%s" self cmd count threads
              "" ]
    writeAtomic script text
    eprintfn "[slurm] wrote %s: %d array tasks of `theorykit %s` (each --shard I/%d) and the merge (--merge %d); submit with:" script count cmd count count
    printfn "%s" submit
    0
