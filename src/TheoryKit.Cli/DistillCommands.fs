/// `distill`: the soft-versus-hard experiment of THEORY.md §9 (accuracy on one yardstick, gap against difficulty).
module TheoryKit.Cli.DistillCommands

open System
open System.Diagnostics
open Argu
open ScottPlot
open TheoryKit
open TheoryKit.Data
open TheoryKit.Training
open TheoryKit.Experiments
open TheoryKit.Reports
open TheoryKit.Cli.Output
open TheoryKit.Cli.Common

type DistillArgs =
    | [<MainCommand; ExactlyOnce>] Data of data: string
    | Widths of list: string
    | Seeds of count: int
    | Steps of steps: int
    | Eta of eta: float
    | No_Convergence
    | Standard_Init
    | Train_Output
    | Optimiser of name: string
    | Batch_Size of size: int
    | Momentum of beta: float
    | Validation of fraction: float
    | Teacher_Eta of eta: float
    | Teacher_Steps of steps: int
    | No_Teacher_Early_Stop
    | Tau of tau: float
    | Float64
    | Journal of path: string
    | Plot of path: string
    | Test of path: string
    | Shard of shard: string
    | Merge of shards: int
    | [<Hidden>] Merge_Journals of journals: string list
    | Student of family: string
    | Depth of layers: int
    | Epochs of epochs: int
    | Weight_Decay of lambda: float
    | Teacher_Width of width: int
    | Teacher_Epochs of epochs: int
    | Teacher_Patience of epochs: int
    | Cifar_Dir of path: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Shard _ -> "run only shard I of N (I from 0 to N-1) of the teachers and students, into its own journal (<journal>.shard-I-of-N.jsonl), or 'slurm': I and N from SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT"
            | Merge _ -> "merge the journals of N shards (found beside the journal) and print the unsharded result; exit code 3 and the missing runs when incomplete"
            | Merge_Journals _ -> "with --merge: the shard journals to merge (as given to `theorykit merge`)"
            | Data _ -> "data (a hard pair such as fashion-mnist:shirt-vs-t-shirt; Fashion-MNIST pairs default to a 1000-point subsample, --n to change; held-out: the other split, clean labels)"
            | Widths _ -> "student widths, comma-separated (default 2,4,8,16,32,64; mlp 8,32,128,512; cnn channels 2,4,8,16)"
            | Seeds _ -> "seeds S: label flips, teacher and initialisation are paired by seed; the training/validation split is made once (default 5; mlp/cnn 3)"
            | Steps _ -> "step cap of every student run (default 2000; held-out and validation errors are recorded every cap/100 steps)"
            | Eta _ -> "student step size eta (default 16; mlp/cnn: the learning rate, default 1e-3 with adam, 0.05 with sgd)"
            | No_Convergence -> "run every student to its cap (steps for two-layer, epochs for mlp/cnn) instead of stopping when the objective has converged (two-layer: a drop < 1% or < 1e-4 nats over the last 10% of steps, checked from step 1000; mlp/cnn: a line fitted to the epoch-averaged objective over the last 20% of the epochs moves by < 1% or < 1e-4 nats, checked from epoch 10)"
            | Standard_Init -> "standard instead of symmetric initialisation (width 2 then fails whenever both a_s share a sign)"
            | Train_Output -> "also train the output layer"
            | Optimiser _ -> "gd (full batch, default for two-layer), sgd (with momentum) or adam (default for mlp/cnn)"
            | Batch_Size _ -> "minibatch size of sgd and adam (0: full batch, default; mlp/cnn default 64)"
            | Momentum _ -> "momentum of sgd (default 0.9)"
            | Validation _ -> "fraction of the points held out as the noisy validation split (default 0.2)"
            | Teacher_Eta _ -> "step size of the kernel teacher (default 16)"
            | Teacher_Steps _ -> "step cap of the kernel teacher (default 3000)"
            | No_Teacher_Early_Stop -> "keep the teacher's last step instead of its step of lowest validation logistic risk"
            | Tau _ -> "temperature tau of the soft labels p = sigmoid(g / tau) (default 1)"
            | Float64 -> "train the students in float64 (default float32: on 24 runs it moved held-out errors by at most 6 of 2000 test images and took 0.6x the CPU time; the teacher is float64 either way)"
            | Journal _ -> "JSON Lines journal of every run; rerunning the same command resumes it (default <data>.distill.jsonl)"
            | Plot _ -> "base path of the plots (default: the journal's path without .jsonl): -accuracy-noise<R> and -gap .png/.svg"
            | Test _ -> "held-out data file (for file datasets)"
            | Student _ -> "student family: two-layer (default; THEORY.md §1, kernel teachers), mlp or cnn (deep students on TorchSharp; the teacher is a wide network of the same family)"
            | Depth _ -> "mlp/cnn: hidden layers (mlp) or convolution blocks (cnn) (default 2)"
            | Epochs _ -> "mlp/cnn: epoch cap of every student run (default 30; the convergence rule may stop a run earlier)"
            | Weight_Decay _ -> "mlp/cnn: L2 weight decay of the optimiser (default 0)"
            | Teacher_Width _ -> "mlp/cnn: width of the wide teacher (default 32 channels for cnn, 1024 units for mlp)"
            | Teacher_Epochs _ -> "mlp/cnn: epoch cap of the teacher (default 30)"
            | Teacher_Patience _ -> "mlp/cnn: the teacher stops when its logistic risk on the noisy validation split has not improved for this many epochs, keeping its epoch of lowest risk (default 10)"
            | Cifar_Dir _ -> "folder of CIFAR-10's binary distribution (data_batch_1..5.bin, test_batch.bin) for cifar10:A-vs-B (default $THEORYKIT_CIFAR10)"

/// The deep student family of `--student` (None for two-layer); raises InputException for an unknown name, or for options
/// of the other kind of student.
let deepFamily (r: ParseResults<DistillArgs>) =
    let family =
        match r.GetResult(DistillArgs.Student, "two-layer").Trim().ToLowerInvariant() with
        | "two-layer" | "twolayer" -> None
        | "mlp" -> Some TheoryKit.Deep.DeepFamily.Mlp
        | "cnn" -> Some TheoryKit.Deep.DeepFamily.Cnn
        | other -> raise (InputException.Parameter("student", sprintf "must be two-layer, mlp or cnn, got '%s'" other))
    let name (x: DistillArgs) =
        match x with
        | Steps _ -> Some (false, "steps") | Teacher_Steps _ -> Some (false, "teacher-steps") | Teacher_Eta _ -> Some (false, "teacher-eta")
        | Standard_Init -> Some (false, "standard-init") | Train_Output -> Some (false, "train-output") | No_Teacher_Early_Stop -> Some (false, "no-teacher-early-stop")
        | Depth _ -> Some (true, "depth") | Epochs _ -> Some (true, "epochs") | Weight_Decay _ -> Some (true, "weight-decay")
        | Teacher_Width _ -> Some (true, "teacher-width") | Teacher_Epochs _ -> Some (true, "teacher-epochs") | Teacher_Patience _ -> Some (true, "teacher-patience")
        | _ -> None
    // an option of the other kind of student: (deep-only?, name)
    let wrong = r.GetAllResults() |> List.tryPick (fun x -> match name x with Some (deep, n) when deep <> family.IsSome -> Some n | _ -> None)
    match family, wrong with
    | Some _, Some name -> raise (InputException.Parameter(name, "is for two-layer students (see --help)"))
    | None, Some name -> raise (InputException.Parameter(name, "is for --student mlp or cnn"))
    | _ -> family

/// The deep engine of `--student mlp|cnn` (kept apart so that two-layer runs never load TheoryKit.Deep).
let private deepEngine (r: ParseResults<DistillArgs>) (family: TheoryKit.Deep.DeepFamily) : IDistillEngine =
    let settings =
        TheoryKit.Deep.DeepSettings(family, r.GetResult(DistillArgs.Depth, 2), r.GetResult(DistillArgs.Weight_Decay, 0.0),
                                    r.GetResult(DistillArgs.Teacher_Width, (if family = TheoryKit.Deep.DeepFamily.Cnn then 32 else 1024)),
                                    r.GetResult(DistillArgs.Teacher_Epochs, 30), r.GetResult(DistillArgs.Teacher_Patience, 10))
    settings.Validate()
    TheoryKit.Deep.DeepDistillEngine(settings)

/// The thresholds of the deep students' convergence rule (TheoryKit.Deep.MinibatchConvergence): a line fitted to the epoch-averaged
/// objective over the last 20% of the epochs (at least 5) moves by < 1% or < 1e-4 nats, checked every epoch from epoch 10.
let deepConvergence () = ConvergenceRule(0.01, 0.2, 10, 1)

/// The checked settings of `distill --student mlp|cnn`: students of the given family, minibatch Adam by default (learning rate 1e-3,
/// batch 64), a cap of --epochs 30 with the deep convergence rule, float32; teachers of the same family (see deepEngine).
let private deepSpec (r: ParseResults<DistillArgs>) (sh: Shared) (source: string) (noise: float list) (widths: int list) family =
    let epochs = r.GetResult(DistillArgs.Epochs, 30)
    if epochs < 1 then raise (InputException.Parameter("epochs", sprintf "must be >= 1, got %d" epochs))
    let optimiser = TrainCommands.parseOptimiser (r.GetResult(DistillArgs.Optimiser, "adam"))
    let eta = r.GetResult(DistillArgs.Eta, (if optimiser = Optimiser.Adam then 1e-3 else 0.05))
    let student =
        TrainingOptions(2, epochs, eta, LabelKind.Hard, false, Nullable(), sh.Seed, defaultArg sh.Threads 0,
                        (if r.Contains DistillArgs.Float64 then Precision.Double else Precision.Single), 1,
                        Convergence = (if r.Contains DistillArgs.No_Convergence then null else deepConvergence ()),
                        Optimiser = optimiser, BatchSize = r.GetResult(DistillArgs.Batch_Size, 64), Momentum = r.GetResult(DistillArgs.Momentum, 0.9))
    let teacher = DistillTeacher(1.0, 1, true, 1, r.GetResult(DistillArgs.Tau, 1.0))
    let spec =
        DistillSpec(source, List.toArray noise, List.toArray widths, r.GetResult(DistillArgs.Seeds, 3), student, teacher,
                    ValidationFraction = r.GetResult(DistillArgs.Validation, 0.2), MasterSeed = sh.Seed, Engine = deepEngine r family)
    spec.Validate()
    spec

/// The checked settings of `distill` (nothing is loaded).
let distillSpec (r: ParseResults<DistillArgs>) (sh: Shared) (source: string) =
    // --noise R1,R2,... (inherited): the label-flip rates of the training and validation labels.
    let noise = defaultArg sh.Noise [ 0.0; 0.1; 0.2; 0.3 ]
    let family = deepFamily r
    let widths =
        r.TryGetResult DistillArgs.Widths |> Option.map (parseNumbers "widths")
        |> Option.defaultValue (match family with
                                | None -> [ 2.0; 4.0; 8.0; 16.0; 32.0; 64.0 ]
                                | Some TheoryKit.Deep.DeepFamily.Cnn -> [ 2.0; 4.0; 8.0; 16.0 ]
                                | Some _ -> [ 8.0; 32.0; 128.0; 512.0 ])
        |> List.map (fun w -> if w <> Math.Floor w || w < 1.0 || w > 1e6 then raise (InputException.Parameter("widths", sprintf "widths must be positive integers, got %s" (num w))) else int w)
    match family with
    | Some f -> deepSpec r sh source noise widths f
    | None ->
    let steps = r.GetResult(DistillArgs.Steps, 2000)
    let student =
        TrainingOptions(2, steps, r.GetResult(DistillArgs.Eta, 16.0), LabelKind.Hard, not (r.Contains DistillArgs.Standard_Init), Nullable(), sh.Seed,
                        defaultArg sh.Threads 0, (if r.Contains DistillArgs.Float64 then Precision.Double else Precision.Single), max 1 (steps / 100),
                        Convergence = (if r.Contains DistillArgs.No_Convergence then null else TrainCommands.defaultConvergence ()),
                        TrainOutput = r.Contains DistillArgs.Train_Output,
                        Optimiser = TrainCommands.parseOptimiser (r.GetResult(DistillArgs.Optimiser, "gd")),
                        BatchSize = r.GetResult(DistillArgs.Batch_Size, 0), Momentum = r.GetResult(DistillArgs.Momentum, 0.9))
    let teacher =
        DistillTeacher(r.GetResult(DistillArgs.Teacher_Eta, TrainCommands.defaultTeacherEta), r.GetResult(DistillArgs.Teacher_Steps, TrainCommands.defaultTeacherSteps),
                       not (r.Contains DistillArgs.No_Teacher_Early_Stop), 10, r.GetResult(DistillArgs.Tau, 1.0))
    let spec =
        DistillSpec(source, List.toArray noise, List.toArray widths, r.GetResult(DistillArgs.Seeds, 5), student, teacher,
                    ValidationFraction = r.GetResult(DistillArgs.Validation, 0.2), MasterSeed = sh.Seed)
    spec.Validate()
    spec

/// Run counts as text; unit "step" (two-layer students) or "epoch" (deep students).
let private countsText (unit: string) (c: RunCounts) = sprintf "%d converged, %d at the %s cap, %d diverged, %d dead" c.Converged c.StepCap unit c.Diverged c.Dead

let private pct (x: float) = if Double.IsNaN x then "n/a" else (100.0 * x).ToString("0.0", Globalization.CultureInfo.InvariantCulture)

let private accText (a: AccuracySummary) =
    if a.Runs = 0 then "n/a" elif Double.IsNaN a.Lower then pct a.TestAccuracy else sprintf "%s [%s, %s]" (pct a.TestAccuracy) (pct a.Lower) (pct a.Upper)

let private gapText (g: MeanInterval) =
    match g with
    | null -> "n/a"
    | g -> sprintf "%s [%s, %s] (%d/%d pairs > 0)" (PairedStats.Points g.Mean) (if Double.IsNaN g.Lower then "n/a" else PairedStats.Points g.Lower)
                  (if Double.IsNaN g.Upper then "n/a" else PairedStats.Points g.Upper) g.Positive g.N

/// Writes `basePath`-accuracy-noise<R> (per level) and `basePath`-gap (.png, .svg): accuracy against width with the teacher's
/// line, and the mean gap (over widths, per seed) against the noise rate with its interval. Returns the paths.
let distillPlots (basePath: string) (res: DistillResult) =
    let perLevel =
        [ for l in res.Levels do
            let xs = l.Widths |> Seq.map (fun w -> float w.Width) |> Seq.toArray
            let series name (f: DistillWidth -> AccuracySummary) = { Plots.Name = name; Plots.X = xs; Plots.Y = l.Widths |> Seq.map (fun w -> 100.0 * (f w).TestAccuracy) |> Seq.toArray; Plots.MarkersOnly = false }
            let teacher = { Plots.Name = sprintf "teacher (%s%%)" (pct l.Teacher.TestAccuracy); Plots.X = [| Array.min xs; Array.max xs |]
                            Plots.Y = [| 100.0 * l.Teacher.TestAccuracy; 100.0 * l.Teacher.TestAccuracy |]; Plots.MarkersOnly = false }
            let p1, p2 =
                Plots.save (sprintf "%s-accuracy-noise%s" basePath (num l.Noise)) (sprintf "Label noise %s: held-out accuracy, clean labels" (num l.Noise))
                    "width m" "mean held-out accuracy (%)" true false
                    [ series "soft labels" (fun w -> w.Soft); series "hard labels" (fun w -> w.Hard)
                      series "hard, early-stopped" (fun w -> w.HardEarlyStopped); teacher ]
            yield p1
            yield p2 ]
    Fonts.Default <- "DejaVu Sans"
    let plt = new Plot()
    let add (name: string) (pick: DistillLevel -> MeanInterval) (offset: float) =
        let pts = [| for l in res.Levels do match pick l with null -> () | g -> yield l.Noise + offset, 100.0 * g.Mean, (if Double.IsNaN g.Lower then 0.0 else 100.0 * (g.Mean - g.Lower)) |]
        if pts.Length > 0 then
            let xs, ys, es = Array.map (fun (x, _, _) -> x) pts, Array.map (fun (_, y, _) -> y) pts, Array.map (fun (_, _, e) -> e) pts
            let sc = plt.Add.Scatter(xs, ys)
            sc.LegendText <- name
            let eb = plt.Add.ErrorBar(xs, ys, es)
            eb.Color <- sc.Color
    // the control is drawn 1% of the rate range to the right, so that equal points and bars stay visible
    let levels = res.Spec.Levels()
    let shift = 0.01 * (if levels.Length > 1 then Array.max levels - Array.min levels else 1.0)
    add (sprintf "soft - hard (%s)" res.Trend.Word) (fun l -> l.MeanGap) 0.0
    add (sprintf "soft - early-stopped hard (%s)" res.TrendEarlyStopped.Word) (fun l -> l.MeanGapEarlyStopped) shift
    let zero = plt.Add.HorizontalLine(0.0)
    zero.Color <- Colors.Gray
    plt.Title(sprintf "Paired gaps (mean over widths), %s%% t intervals" (num (100.0 * res.Spec.Confidence))) |> ignore
    plt.XLabel("label-flip rate") |> ignore
    plt.YLabel("accuracy gap (points)") |> ignore
    plt.ShowLegend(Edge.Right) |> ignore
    let g1, g2 = Plots.write plt (basePath + "-gap")
    perLevel @ [ g1; g2 ]

let runDistill (r: ParseResults<DistillArgs>) (sh: Shared) =
    let quiet = sh.Quiet
    let clock = Stopwatch.StartNew()
    let shard = r.TryGetResult DistillArgs.Shard |> Option.map ShardCommands.parseShard
    let merge = ShardCommands.mergeMode shard (r.TryGetResult DistillArgs.Merge) (r.TryGetResult DistillArgs.Merge_Journals)
    let source = dataArgument (r.GetResult DistillArgs.Data)
    let spec = distillSpec r sh source
    let kind = if spec.Engine.Student = "two-layer" then "" else "-" + spec.Engine.Student
    let journal = r.GetResult(DistillArgs.Journal, sprintf "%s.distill%s.jsonl" (TrainCommands.slug source) kind)
    checkWritable (match shard with Some sd -> sd.JournalPath journal | None -> journal)
    let plotBase = r.GetResult(DistillArgs.Plot, TrainCommands.withoutJsonl journal)
    checkWritable plotBase
    let dataOpts = sharedData { sh with Noise = None } (defaultPoints source)
    let dataOpts =
        match r.TryGetResult DistillArgs.Cifar_Dir with
        | Some _ when not (source.Trim().StartsWith("cifar10:", StringComparison.OrdinalIgnoreCase)) ->
            raise (InputException.Parameter("cifar-dir", sprintf "is for cifar10:A-vs-B data, not '%s'" source))
        | Some dir -> dataOpts.WithCifarDir dir
        | None -> dataOpts
    let points = DataSource.Load(source, dataOpts)
    // the student family against the data's shape (a CNN needs image rows) before anything is printed or written
    spec.Engine.Validate(spec, points.D)
    let test =
        match DataSource.LoadTest(source, dataOpts, Option.toObj (r.TryGetResult DistillArgs.Test), points) with
        | null -> raise (InputException.Parameter("test", "distill needs a held-out set: give --test PATH for a file dataset"))
        | t -> t
    describeData points quiet sh.Threads
    if not quiet then
        eprintfn "[data] held-out: %s (n = %d, clean labels)" test.Provenance.Description test.N
        eprintfn "[distill] %s students: noise %s x widths %s x %d seeds (soft, hard; teacher per noise and seed), eta = %s, cap %d %s; journal %s"
            spec.Engine.Student (String.Join(",", spec.Levels() |> Array.map num)) (String.Join(",", spec.WidthGrid())) spec.Seeds (num spec.Student.Eta) spec.Student.Steps
            (if spec.Engine.Student = "two-layer" then "steps" else "epochs") journal
    let prog =
        { new IProgress<DistillProgress> with
            member _.Report p =
                if not quiet then
                    let eta = match Option.ofNullable p.Eta with Some e -> sprintf ", about %s left" (e.ToString(@"h\:mm\:ss")) | None -> ""
                    eprintfn "[distill] %d of %d runs done (%d from the journal): %s%s, %.0f s" p.Done p.Total p.Resumed p.Phase eta clock.Elapsed.TotalSeconds }
    match shard with
    | Some sd ->
        // one shard: the teachers and students it owns, into its own journal (THEORY.md §9; ShardPlan's assignment)
        let plan = ShardDistill.Plan(spec, points, sd.Count)
        let part = plan.Part(sd, sd.Tag(List.toArray sh.Command, null))
        let path = sd.JournalPath journal
        if not quiet then eprintfn "[distill] shard %d of %d: %d of %d records; journal %s" sd.Index sd.Count part.Keys.Count plan.Keys.Count path
        let res = Distill.Run(spec, points, test, path, prog, defaultArg sh.Threads 0, Threading.CancellationToken.None, part)
        ShardCommands.shardSummary sh (ShardSummary(sd, part.Keys.Count, res.NewRuns, res.ResumedRuns, [| path |], plan.Load sd.Index, Seq.sum plan.Costs))
    | None ->
    let merged =
        merge |> Option.map (fun m ->
            let plan = ShardDistill.Plan(spec, points, m.Count)
            let group = ShardDistill.Collect(spec, points, test, journal, plan, ShardCommands.candidates m journal, m.Journals.IsSome)
            let report = ShardMergeReport.Of(m.Count, plan.Keys.Count, [ group.Missing ])
            if report.Complete then Ok(ShardDistill.Write group) else Error report)
    match merged with
    | Some(Error report) -> ShardCommands.reportIncomplete sh report
    | _ ->
    let res = Distill.Run(spec, points, test, journal, prog, defaultArg sh.Threads 0)
    let res = match merged with Some(Ok(struct (a, e))) -> ShardCounts.Of(res, a, e) | _ -> res
    let plots = distillPlots plotBase res
    if sh.Json then printfn "%s" (DistillReport.Of(res, journal, List.toArray plots, points).ToJson())
    else
        let unit = if spec.Engine.Student = "two-layer" then "step" else "epoch"
        let rows =
            [ for l in res.Levels do
                yield sprintf "noise %s: teacher" (num l.Noise), accText l.Teacher,
                      sprintf "best hard student: width %d, %s%s" l.BestHardWidth (pct l.BestHardAccuracy)
                          (match Option.ofNullable l.TeacherStoppedAt with Some t -> sprintf "; teachers kept %s %.0f on average (early stopping)" unit t | None -> "")
                for w in l.Widths do
                    yield sprintf "noise %s, m = %d" (num l.Noise) w.Width,
                          sprintf "soft %s, hard %s, early-stopped hard %s" (accText w.Soft) (accText w.Hard) (accText w.HardEarlyStopped),
                          sprintf "gap soft - hard %s; soft - early-stopped hard %s" (gapText w.Gap) (gapText w.GapEarlyStopped)
                yield sprintf "noise %s: mean gap" (num l.Noise), gapText l.MeanGap, "soft - hard averaged over widths per seed"
                yield sprintf "noise %s: control" (num l.Noise), gapText l.MeanGapEarlyStopped, "soft - early-stopped hard averaged over widths per seed"
                yield sprintf "noise %s: runs" (num l.Noise), sprintf "soft: %s" (countsText unit l.Soft), sprintf "hard: %s" (countsText unit l.Hard)
                match l.TeacherWarning with
                | null -> ()
                | w -> yield sprintf "noise %s: warning" (num l.Noise), "teacher weaker", w ]
            @ [ "trend (soft - hard)", res.Trend.Word, res.Trend.Statement
                "trend (soft - early-stopped hard)", res.TrendEarlyStopped.Word, res.TrendEarlyStopped.Statement
                "student runs", countsText unit res.Counts, (match res.CapWarning with null -> "diverged and dead runs are not scored" | w -> w + " Diverged and dead runs are not scored.")
                "journal", journal, sprintf "%d new runs, %d from the journal" res.NewRuns res.ResumedRuns
                "plots", String.Join(", ", plots), "" ]
        table (sprintf "Soft versus hard labels on %s: held-out accuracy %% (clean labels), %s%% t intervals over %d seeds" points.Provenance.Description (num (100.0 * spec.Confidence)) spec.Seeds) rows
        if not quiet then eprintfn "[distill] %s" res.Note
    if not quiet then
        for l in res.Levels do
            match l.TeacherWarning with null -> () | w -> eprintfn "[distill] warning: noise %s: %s" (num l.Noise) w
        eprintfn "[distill] done in %.1f s: %d runs (teachers and students; %d new); %s" clock.Elapsed.TotalSeconds res.Runs.Count res.NewRuns res.Trend.Statement
    0
