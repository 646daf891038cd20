/// The `theorykit` command: parses arguments, calls the core, renders tables or JSON.
module TheoryKit.Cli.Program

open System
open Argu
open TheoryKit
open TheoryKit.Data
open TheoryKit.Cli.MarginCommands
open TheoryKit.Cli.TrainCommands
open TheoryKit.Cli.DistillCommands
open TheoryKit.Cli.CheckCommands
open TheoryKit.Cli.TablesCommands

[<RequireSubcommand>]
type Args =
    | [<CliPrefix(CliPrefix.None)>] Margin of ParseResults<MarginArgs>
    | [<CliPrefix(CliPrefix.None)>] Bounds of ParseResults<BoundsArgs>
    | [<CliPrefix(CliPrefix.None)>] Crossover of ParseResults<CrossoverArgs>
    | [<CliPrefix(CliPrefix.None)>] Train of ParseResults<TrainArgs>
    | [<CliPrefix(CliPrefix.None)>] Sweep of ParseResults<SweepArgs>
    | [<CliPrefix(CliPrefix.None)>] Difficulty of ParseResults<SweepArgs>
    | [<CliPrefix(CliPrefix.None)>] Distill of ParseResults<DistillArgs>
    | [<CliPrefix(CliPrefix.None)>] Check of ParseResults<CheckArgs>
    | [<CliPrefix(CliPrefix.None)>] Tables of ParseResults<TablesArgs>
    | [<CliPrefix(CliPrefix.None)>] Merge of ParseResults<ShardCommands.MergeArgs>
    | [<Inherit; AltCommandLine("-n")>] N of points: int
    | [<Inherit>] D of dimension: int
    | [<Inherit>] Seed of seed: uint64
    | [<Inherit>] Split of split: string
    | [<Inherit>] Noise of rates: string
    | [<Inherit>] Label_Column of name: string
    | [<Inherit>] Label_File of path: string
    | [<Inherit>] Classes of pair: string
    | [<Inherit>] No_Normalise
    | [<Inherit>] Threads of count: int
    | [<Inherit>] Max_Memory of size: string
    | [<Inherit>] Json
    | [<Inherit>] Quiet
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Margin _ -> "certified NTK margin interval of a dataset (THEORY.md §6)"
            | Bounds _ -> "neuron bounds of [JT20] Thm 2.2, [MLS25] and [MOSW22] at a given gamma and epsilon (§7-8)"
            | Crossover _ -> "main job: margin interval, bounds, crossover gamma* and verdict for a dataset"
            | Train _ -> "train a two-layer ReLU student on hard or soft labels by (projected) gradient descent (§1-4)"
            | Sweep _ -> "width sweep: minimal width m* for soft and hard labels with Clopper-Pearson intervals, resumable journal; with several epsilons, the fitted slope of log m* against log(1/epsilon) (§9)"
            | Distill _ -> "soft versus hard labels on one yardstick: held-out accuracy of soft, hard and early-stopped hard students per noise level and width, paired gaps, and whether the gap grows with label noise (§9)"
            | Difficulty _ -> "difficulty family: certified gamma and width sweep per member, fitted slope of log m* against log(1/gamma) beside the theory's (§9)"
            | Tables _ -> "write the theory tables (Markdown, CSV, LaTeX) and figures (PNG, SVG) of theory/tables: bounds over gamma and epsilon, [JT20] worked values, crossovers; --empirical adds measured widths, slopes and looseness (§7-9)"
            | Merge _ -> "combine the journals of the shards of a sweep, difficulty or distill run (--shard I/N) and print exactly the unsharded result; exit code 3 and the runs and array indices to resubmit when incomplete (`theorykit slurm COMMAND ARGS --array N` writes a Slurm array script with its merge job)"
            | Check _ -> "run the claims of theory/claims.md as property suites (held, falsified with counterexample, inconclusive); --mutants for the mutation check"
            | N _ -> "number of points: sample size of a generator, subsample size (seeded) of a real dataset; for `bounds` and `tables` the training-set size n of [JT20] (default 1000)"
            | D _ -> "dimension of a generator"
            | Seed _ -> "master seed of every random choice: data, initialisation, teachers, margin samples (default 0)"
            | Split _ -> "fashion-mnist split: train or test (default train)"
            | Noise _ -> "label-flip noise rate in [0, 0.5) of the (training) labels; `distill` takes a comma-separated list of rates (default 0,0.1,0.2,0.3)"
            | Label_Column _ -> "CSV label column (name or 1-based index; default label/y/class/target or the last column)"
            | Label_File _ -> "IDX labels file (default: derived from the images file name)"
            | Classes _ -> "class pair A-vs-B for IDX files with more than two labels"
            | No_Normalise -> "keep rows as they are (norm <= 1 required) instead of scaling them to the unit sphere"
            | Threads _ -> "threads (default: all cores); random draws and training runs do not depend on it; Monte Carlo margins can, through OpenBLAS's threading (last bits, amplified by the solver to about 1e-4 in gamma)"
            | Max_Memory _ -> "memory budget, e.g. 512M or 4G (default: a quarter of the memory available); sizes from input (n x d data, m x d weights, samples, decompressed files) beyond it are refused with one line before allocating"
            | Json -> "print JSON instead of a table"
            | Quiet -> "no progress messages on stderr"

/// One line of an exception's message (the first non-empty line).
let oneLine (text: string) =
    let line = text.Split('\n') |> Array.map (fun l -> l.Trim()) |> Array.tryFind (fun l -> l <> "") |> Option.defaultValue ""
    if line.StartsWith "ERROR: " then line.Substring 7 else line

/// Exit code of a genuine internal error (a bug, not bad input): EX_SOFTWARE of sysexits.h.
let internalErrorCode = 70

/// Parses a command line and runs its command (`theorykit merge` runs the merged command through it again).
let rec dispatch (parser: ArgumentParser<Args>) (argv: string[]) : int =
    if argv.Length > 0 && argv.[0] = "merge" && argv |> Array.exists (fun a -> a = "--help" || a = "-h") then
        printfn "%s" (ShardCommands.mergeUsage ()); 0
    elif argv.Length > 0 && argv.[0] = "slurm" then
        ShardCommands.runSlurm argv.[1..] (fun a -> parser.ParseCommandLine(a, raiseOnUsage = true) |> ignore)
    else
    let results = parser.ParseCommandLine(argv, raiseOnUsage = true)
    results.TryGetResult Args.Max_Memory |> Option.iter (fun m -> TheoryKit.IO.MemoryBudget.Bytes <- TheoryKit.IO.MemoryBudget.Parse m)
    match results.TryGetResult Args.Threads with
    | Some t when t < 1 -> raise (InputException.Parameter("threads", sprintf "must be >= 1, got %d" t))
    | _ -> ()
    let noise = results.TryGetResult Args.Noise |> Option.map (Common.parseNumbers "noise")
    let sh : Common.Shared =
        { N = results.TryGetResult Args.N; D = results.TryGetResult Args.D; Seed = results.GetResult(Args.Seed, 0UL)
          Split = results.TryGetResult Args.Split; Noise = noise
          LabelColumn = results.TryGetResult Args.Label_Column; LabelFile = results.TryGetResult Args.Label_File
          Classes = results.TryGetResult Args.Classes; NoNormalise = results.Contains Args.No_Normalise
          Threads = results.TryGetResult Args.Threads; Json = results.Contains Args.Json; Quiet = results.Contains Args.Quiet
          Command = ShardCommands.normaliseCommand argv }
    match results.GetSubCommand() with
    | Margin r -> runMargin r sh
    | Bounds r -> runBounds r sh
    | Crossover r -> runCrossover r sh
    | Train r -> runTrain r sh
    | Sweep r -> runSweep r sh
    | Difficulty r -> runDifficulty r sh
    | Distill r -> runDistill r sh
    | Check r -> runCheck r sh
    | Tables r -> runTables r sh
    | Merge r -> ShardCommands.runMerge r sh (dispatch parser)
    | _ -> raise (InputException.Parameter("command", "choose a command: margin, bounds, crossover, train, sweep, difficulty, distill, check, tables, merge or slurm"))

[<EntryPoint>]
let main argv =
    let parser = ArgumentParser.Create<Args>(programName = "theorykit")
    try
        if argv = [| "--version" |] then
            printfn "theorykit %s" (typeof<Dataset>.Assembly.GetName().Version.ToString(3)); 0
        else dispatch parser argv
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
        printfn "%s" e.Message
        // commands outside the Argu union, shown with the top-level help only
        if argv.Length = 0 || argv.[0].StartsWith "-" then
            printfn "\nALSO:\n\n    slurm <command> <args> --array <n>\n                          write a Slurm array script (one task per shard) with its merge job\n                          and print the sbatch line (README: Beyond one machine)\n    --version             print the version"
        0
    | :? ArguParseException as e -> eprintfn "error: %s (see --help)" (oneLine e.Message); 2
    | :? InputException as e -> eprintfn "error: %s" e.Message; 2
    // Input errors raised inside parallel work arrive wrapped.
    | :? AggregateException as e when (e.Flatten().InnerExceptions |> Seq.exists (fun x -> x :? InputException)) ->
        eprintfn "error: %s" (e.Flatten().InnerExceptions |> Seq.find (fun x -> x :? InputException)).Message; 2
    // What input can cause beyond the checks: a file vanishing or unreadable midway, memory the budget did not foresee.
    | :? IO.IOException | :? UnauthorizedAccessException as e -> eprintfn "error: %s" (oneLine e.Message); 2
    | :? OutOfMemoryException -> eprintfn "error: out of memory (lower the sizes, or --max-memory to refuse such input up front)"; 2
    | e -> eprintfn "internal error: %s: %s" (e.GetType().Name) (oneLine e.Message); internalErrorCode
