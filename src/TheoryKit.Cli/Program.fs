/// The `theorykit` command: parses arguments, calls the core, renders tables or JSON.
module TheoryKit.Cli.Program

open Argu
open TheoryKit
open TheoryKit.Data
open TheoryKit.Cli.MarginCommands
open TheoryKit.Cli.TrainCommands

[<RequireSubcommand>]
type Args =
    | [<CliPrefix(CliPrefix.None)>] Margin of ParseResults<MarginArgs>
    | [<CliPrefix(CliPrefix.None)>] Bounds of ParseResults<BoundsArgs>
    | [<CliPrefix(CliPrefix.None)>] Crossover of ParseResults<CrossoverArgs>
    | [<CliPrefix(CliPrefix.None)>] Train of ParseResults<TrainArgs>
    | [<CliPrefix(CliPrefix.None)>] Sweep of ParseResults<SweepArgs>
    | [<CliPrefix(CliPrefix.None)>] Difficulty of ParseResults<SweepArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Margin _ -> "certified NTK margin interval of a dataset (THEORY.md §6)"
            | Bounds _ -> "neuron bounds of [JT20] Thm 2.2, [MLS25] and [MOSW22] at a given gamma and epsilon (§7-8)"
            | Crossover _ -> "main job: margin interval, bounds, crossover gamma* and verdict for a dataset"
            | Train _ -> "train a two-layer ReLU student on hard or soft labels by (projected) gradient descent (§1-4)"
            | Sweep _ -> "width sweep: minimal width m* for soft and hard labels with Clopper-Pearson intervals, resumable journal (§9)"
            | Difficulty _ -> "difficulty family: certified gamma and width sweep per member, fitted slope of log m* against log(1/gamma) beside the theory's (§9)"

[<EntryPoint>]
let main argv =
    let parser = ArgumentParser.Create<Args>(programName = "theorykit")
    try
        if argv = [| "--version" |] then
            printfn "theorykit %s" (typeof<Dataset>.Assembly.GetName().Version.ToString(3)); 0
        else
        let results = parser.ParseCommandLine(argv, raiseOnUsage = true)
        match results.GetSubCommand() with
        | Margin r -> runMargin r
        | Bounds r -> runBounds r
        | Crossover r -> runCrossover r
        | Train r -> runTrain r
        | Sweep r -> runSweep r
        | Difficulty r -> runDifficulty r
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText -> printfn "%s" e.Message; 0
    | :? ArguParseException as e -> eprintfn "%s" e.Message; 2
    | :? InputException as e -> eprintfn "error: %s" e.Message; 2
