/// `tables`: the theory tables and figures of theory/tables, regenerated from code (THEORY.md §7-9).
module TheoryKit.Cli.TablesCommands

open System
open System.Diagnostics
open System.IO
open Argu
open ScottPlot
open TheoryKit
open TheoryKit.Bounds
open TheoryKit.Experiments
open TheoryKit.Tables
open TheoryKit.Reports
open TheoryKit.Cli.Output
open TheoryKit.Cli.Common
open TheoryKit.Cli.TrainCommands

type TablesArgs =
    | Out of path: string
    | Empirical
    | Gamma of list: string
    | Epsilon of list: string
    | Delta of delta: float
    | Eta of eta: float
    | C_Soft of c: float
    | C_Hard of c: float
    | Journal_Dir of path: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Out _ -> "folder of the tables and figures (default: theory/tables of the repository the current folder lies in; created if missing)"
            | Empirical -> "also run the difficulty families and tabulate measured minimal widths, fitted slopes and looseness (minutes)"
            | Gamma _ -> "margins of the bound grid, comma-separated, each in (0, 0.5] (default 0.5,0.2,0.1,0.05,0.02,0.01)"
            | Epsilon _ -> "target losses of the bound grid and the crossover table, comma-separated, each in (0, 1) (default 0.1,0.05,0.01,0.001)"
            | Delta _ -> "failure probability delta of [JT20] Theorem 2.2, in (0, 1/3) (default 0.1); --n sets its n (default 1000)"
            | Eta _ -> "step size eta of [JT20]'s step count T, in (0, 1] (default 1)"
            | C_Soft _ -> "constant of the [MLS25] soft-label rate (unpublished; default 1)"
            | C_Hard _ -> "constant of the [MLS25] hard-label rate (unpublished; default 1)"
            | Journal_Dir _ -> "--empirical: folder of the sweep journals, so an interrupted run resumes (default OUT/journals)"

/// The table settings of the command line, checked.
let settingsOf (r: ParseResults<TablesArgs>) (sh: Shared) =
    let d = TableSettings()
    let s =
        TableSettings(
            Gammas = (r.TryGetResult TablesArgs.Gamma |> Option.map (parseNumbers "gamma" >> List.toArray >> fun a -> a :> Collections.Generic.IReadOnlyList<float>) |> Option.defaultValue d.Gammas),
            Epsilons = (r.TryGetResult TablesArgs.Epsilon |> Option.map (parseNumbers "epsilon" >> List.toArray >> fun a -> a :> Collections.Generic.IReadOnlyList<float>) |> Option.defaultValue d.Epsilons),
            N = defaultArg sh.N d.N, Delta = r.GetResult(TablesArgs.Delta, d.Delta), Eta = r.GetResult(TablesArgs.Eta, d.Eta),
            CSoft = r.GetResult(TablesArgs.C_Soft, d.CSoft), CHard = r.GetResult(TablesArgs.C_Hard, d.CHard))
    s.Validate()
    s

/// The figure of the bounds against gamma (log-log), built but not written: for each epsilon, in one colour, the
/// [MLS25] rates m_soft (circles) and m_hard (squares), straight lines on these axes, drawn through 12 points from the
/// smallest grid gamma to exactly 1/2, with the rate crossover gamma* marked by a large diamond. Curves are told apart by
/// markers, not dash patterns, which the SVG export cannot draw. [JT20]'s M, many orders of magnitude above, is in the
/// tables only.
let boundsFigure (s: TableSettings) =
    Fonts.Default <- "DejaVu Sans"
    let plt = new Plot()
    let gMin = Seq.min s.Gammas
    let points = 12
    let grid =
        [| for i in 0 .. points - 1 ->
            if i = 0 then gMin elif i = points - 1 then Crossover.MaxGamma
            else exp (log gMin + (log Crossover.MaxGamma - log gMin) * float i / float (points - 1)) |]
    let palette = Palettes.Category10()
    let allY = Collections.Generic.List<float>()
    let curve (ys: float[]) (color: Color) (shape: MarkerShape) (legend: string) =
        allY.AddRange ys
        let sc = plt.Add.Scatter(grid |> Array.map Math.Log10, ys |> Array.map Math.Log10)
        sc.Color <- color
        sc.LineWidth <- 1.5f
        sc.MarkerShape <- shape
        sc.MarkerSize <- 8.0f
        sc.LegendText <- legend
    s.Epsilons |> Seq.iteri (fun i eps ->
        let color = palette.GetColor i
        let bound (b: NeuronBound) = grid |> Array.map (fun g -> b.Evaluate(s.At(g, eps)))
        curve (bound NeuronBounds.Mls25Soft) color MarkerShape.FilledCircle (sprintf "m_soft, eps = %s" (TableFormat.Short eps))
        curve (bound NeuronBounds.Mls25Hard) color MarkerShape.OpenSquare (sprintf "m_hard, eps = %s" (TableFormat.Short eps))
        match Option.ofNullable (Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, s.At(Crossover.MaxGamma, eps))).GammaStar with
        | Some g when g >= gMin && g <= Crossover.MaxGamma ->
            let m = plt.Add.Marker(Math.Log10 g, Math.Log10(NeuronBounds.Mls25Soft.Evaluate(s.At(g, eps))))
            m.Color <- color
            m.Size <- 18.0f
            m.Shape <- MarkerShape.FilledDiamond
        | _ -> ())
    Plots.logTicks plt.Axes.Bottom false grid
    Plots.logTicks plt.Axes.Left false (allY.ToArray())
    plt.Title(sprintf "[MLS25] neuron bounds, rates with c_soft = %s, c_hard = %s (diamonds: gamma*)" (TableFormat.Short s.CSoft) (TableFormat.Short s.CHard)) |> ignore
    plt.XLabel("margin gamma") |> ignore
    plt.YLabel("width (neurons)") |> ignore
    plt.ShowLegend(Alignment.UpperRight) |> ignore
    plt

/// Renders a table into its three files' (path, text) pairs: OUT/ID.md, .csv, .tex.
let tableFiles (out: string) (t: Table) =
    [ Path.Combine(out, t.Id + ".md"), TableFormat.Markdown t
      Path.Combine(out, t.Id + ".csv"), TableFormat.Csv t
      Path.Combine(out, t.Id + ".tex"), TableFormat.LatexTable t ]

/// Runs the difficulty families of the empirical tables (EmpiricalFamily.Defaults) and returns (result, teacher reports,
/// (settings line, command), epsilon) per family. Writes only the journals.
let runEmpirical (sh: Shared) (journals: string) (quiet: bool) (clock: Stopwatch) =
    [ for f in EmpiricalFamily.Defaults ->
        let members, options, teacher, template = empiricalSetup f sh
        let folder = Path.Combine(journals, f.Family)
        Directory.CreateDirectory folder |> ignore
        if not quiet then eprintfn "[tables] difficulty %s (%.0f s)" f.Arguments clock.Elapsed.TotalSeconds
        let res = difficultyRun quiet clock members options teacher template folder
        let teachers = teacherReports res
        let command = sprintf "theorykit difficulty %s --seed %d" f.Arguments sh.Seed
        let setting =
            sprintf "%s: $\\varepsilon = %s$, %d steps, $\\eta = %s$, $\\tau = %s$, widths %d to %d, %d seeds" f.Family (TableFormat.Short template.Epsilon)
                template.Training.Steps (TableFormat.Short template.Training.Eta) (TableFormat.Short teacher.Tau) template.MinWidth template.MaxWidth template.Seeds
        res, teachers, (setting, command), template.Epsilon ]

let runTables (r: ParseResults<TablesArgs>) (sh: Shared) =
    let clock = Stopwatch.StartNew()
    let quiet = sh.Quiet
    let s = settingsOf r sh
    let folder (name: string) (path: string) =
        if String.IsNullOrWhiteSpace path then raise (InputException.Parameter(name, "give a folder"))
        TheoryKit.IO.SafeOutput.CheckFolder(path, name) |> ignore
        path
    let out =
        folder "out" (match r.TryGetResult TablesArgs.Out with
                      | Some dir -> dir
                      | None -> Path.Combine(repositoryTheoryFolder "give --out DIR", "tables"))
    let journals = folder "journal-dir" (r.GetResult(TablesArgs.Journal_Dir, Path.Combine(out, "journals")))
    if r.Contains TablesArgs.Journal_Dir && not (r.Contains TablesArgs.Empirical) then
        raise (InputException.Parameter("journal-dir", "belongs to --empirical"))
    // Everything is computed (the measured runs write only their journals) before any table or figure is written.
    let analytic = List.ofSeq (TheoryTables.Analytic s)
    let runs =
        if r.Contains TablesArgs.Empirical then
            // Created only for the work; a run that fails before any journal is written leaves no folder behind.
            let outCreated = TheoryKit.IO.SafeOutput.CreateFolder(out, "out")
            let created = TheoryKit.IO.SafeOutput.CreateFolder(journals, "journal-dir")
            try runEmpirical sh journals quiet clock
            with _ ->
                if created then TheoryKit.IO.SafeOutput.RemoveIfEmpty journals
                if outCreated then TheoryKit.IO.SafeOutput.RemoveIfEmpty out
                reraise ()
        else []
    let empirical =
        if runs.IsEmpty then []
        else
            let results = [| for res, _, _, _ in runs -> res |]
            [ EmpiricalTables.Widths(results, [| for _, t, _, _ in runs -> t :> Collections.Generic.IReadOnlyList<_> |], [| for _, _, (line, _), _ in runs -> line |])
              EmpiricalTables.Looseness(results, s)
              EmpiricalTables.Slopes(results, DifficultyOptions().Confidence) ]
    let figure = boundsFigure s
    TheoryKit.IO.SafeOutput.CreateFolder(out, "out") |> ignore
    let files = Collections.Generic.List<string>()
    let writeAll (pairs: (string * string) list) =
        for path, text in pairs do
            writeAtomic path text
            files.Add path
    let tablesJson (tables: Table list) = [| for t in tables -> TableFormat.Json t |]
    writeAll [ for t in analytic @ empirical do yield! tableFiles out t ]
    writeAll [ Path.Combine(out, "tables.json"), TrainReports.Json(AnalyticTablesFile(TableSettingsReport.Of s, tablesJson analytic)) + "\n" ]
    let png, svg = Plots.write figure (Path.Combine(out, "bounds-vs-gamma"))
    files.AddRange [ png; svg ]
    if not runs.IsEmpty then
        let commands = [| for _, _, (_, command), _ in runs -> command |]
        writeAll [ Path.Combine(out, "empirical.json"), TrainReports.Json(EmpiricalTablesFile(sh.Seed, commands, tablesJson empirical)) + "\n" ]
        for res, _, _, eps in runs do files.AddRange(difficultyPlot (Path.Combine(out, "empirical-" + res.Family)) res eps)
    if sh.Json then
        printfn "%s" (TrainReports.Json(TablesReport(out, TableSettingsReport.Of s, files.ToArray())))
    else
        let struct (_, example) = (TheoryTables.Jt20Cases s).[0]
        let worked = Jt20.Theorem22 example
        let crossings =
            [ for e in s.Epsilons ->
                let g = (Crossover.ClosedFormMls25(s.At(Crossover.MaxGamma, e))).GammaStar.Value
                sprintf "%s at eps = %s" (TableFormat.Short g) (TableFormat.Short e) ]
        table (sprintf "Theory tables in %s" out)
            [ yield "bounds", sprintf "%d epsilons x %d gammas" s.Epsilons.Count s.Gammas.Count,
              sprintf "n = %d, delta = %s; [MLS25] rate, constant c: c_soft = %s, c_hard = %s" s.N (TableFormat.Short s.Delta) (TableFormat.Short s.CSoft) (TableFormat.Short s.CHard)
              yield "[JT20] worked example", sprintf "lambda = %s, M = %s, T = %s" (TableFormat.Short worked.Lambda) (TableFormat.Short worked.M) (TableFormat.Short worked.T),
              sprintf "n = %d, delta = %s, eps = 0.1, gamma = 0.5, eta = %s" s.N (TableFormat.Short s.Delta) (TableFormat.Short s.Eta)
              yield "crossover gamma* (rates)", String.Join(", ", crossings), "soft-label rate smaller below gamma*"
              for res, _, _, _ in runs ->
                  let fit (sl: SlopeComparison) =
                      match sl.Fit with
                      | null -> sprintf "%s: no fit" (SweepSpec.KindName sl.Labels)
                      | f -> sprintf "%s: %s [%s, %s]" (SweepSpec.KindName sl.Labels) (TableFormat.Short f.Slope) (TableFormat.Short f.SlopeLower) (TableFormat.Short f.SlopeUpper)
                  sprintf "slopes, %s" res.Family, String.Join("; ", [ for sl in res.Slopes -> fit sl ]), "theory: soft 2; hard 4, 8 (upper bounds)"
              yield "files", sprintf "%d" files.Count, String.Join(" ", [ for f in files -> Path.GetFileName f ]) ]
    if not quiet then eprintfn "[tables] done: %d files in %s (%.1f s)" files.Count out clock.Elapsed.TotalSeconds
    0
