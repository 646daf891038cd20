/// `train`, `sweep` and `difficulty`: THEORY.md §1-4 and §9.
module TheoryKit.Cli.TrainCommands

open System
open System.Diagnostics
open System.Text.Json.Nodes
open Argu
open TheoryKit
open TheoryKit.Data
open TheoryKit.Margins
open TheoryKit.Training
open TheoryKit.Teachers
open TheoryKit.Cli.Output
open TheoryKit.Cli.Common

type TrainArgs =
    | [<MainCommand; Mandatory>] Data of data: string
    | Labels of kind: string
    | Width of neurons: int
    | Steps of steps: int
    | Eta of eta: float
    | Symmetric
    | Radius of rho: float
    | Teacher of kind: string
    | Tau of tau: float
    | Teacher_Width of neurons: int
    | Teacher_Steps of steps: int
    | Teacher_Certificate of path: string
    | Beta of beta: float
    | Float32
    | Record_Every of steps: int
    | Trajectory of path: string
    | Test of path: string
    | Json
    | Quiet
    | Threads of count: int
    | [<AltCommandLine("-n")>] N of points: int
    | D of dimension: int
    | Seed of seed: uint64
    | Split of split: string
    | Noise of rate: float
    | Label_Column of name: string
    | Label_File of path: string
    | Classes of pair: string
    | No_Normalise
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Data _ -> "training data (as for `theorykit margin`); its held-out set is found automatically (Fashion-MNIST's other split, a generator's fresh draw) or given by --test"
            | Labels _ -> "hard (logistic loss on the true labels, default) or soft (KL to the teacher's probabilities)"
            | Width _ -> "width m of the student (default 256)"
            | Steps _ -> "gradient steps T (default 1000)"
            | Eta _ -> "step size eta (default 1)"
            | Symmetric -> "symmetric initialisation: neurons in pairs (w, a), (w, -a), so f(x; W0) = 0 (m even)"
            | Radius _ -> "projected GD: keep every row within rho / sqrt(m) of its initialisation"
            | Teacher _ -> "teacher of the soft labels: kernel (infinite-width network, default), margin (from a margin certificate) or wide (a wide network trained on hard labels)"
            | Tau _ -> "temperature tau of the soft labels p = sigmoid(g / tau) (default 1)"
            | Teacher_Width _ -> "width of the wide-network teacher (default 2048)"
            | Teacher_Steps _ -> "steps of the kernel or wide-network teacher (default 1000)"
            | Teacher_Certificate _ -> "margin certificate for the margin teacher (default: certify now with a 10 s budget)"
            | Beta _ -> "scale beta of the margin teacher's logit (default 2 / gamma_lower, so y g >= 2)"
            | Float32 -> "train in float32 instead of float64"
            | Record_Every _ -> "record the trajectory every this many steps (default: about 200 points)"
            | Trajectory _ -> "write the trajectory (step, loss, risk, error, max row movement, Frobenius movement) as CSV"
            | Test _ -> "held-out data file (for file datasets)"
            | Json -> "print JSON instead of a table"
            | Quiet -> "no progress messages on stderr"
            | Threads _ -> "threads (default: all cores); results are bit-identical for any count"
            | N _ -> "sample size of a generator, or subsample size of a real dataset"
            | D _ -> "dimension of a generator"
            | Seed _ -> "master seed of the data, the initialisation and the teacher (default 0)"
            | Split _ -> "fashion-mnist split of the training data: train or test (default train)"
            | Noise _ -> "label-flip noise rate in [0, 0.5) of the training labels"
            | Label_Column _ -> "CSV label column"
            | Label_File _ -> "IDX labels file"
            | Classes _ -> "class pair A-vs-B for IDX files"
            | No_Normalise -> "keep rows as they are (norm <= 1 required)"

/// Settings of a teacher as given on the command line.
type TeacherSettings =
    { Kind: string; Tau: float; Width: int; Steps: int; Eta: float; Certificate: string option; Beta: float option; Seed: uint64 }

/// Fits the teacher (THEORY.md §4) on the training data and returns it with its report.
let fitTeacher (t: TeacherSettings) (train: Dataset) (test: Dataset option) (quiet: bool) : ITeacher * TeacherReport =
    let teacher : ITeacher =
        match t.Kind.ToLowerInvariant() with
        | "kernel" -> KernelTeacher.Fit(train, t.Eta, t.Steps)
        | "wide" -> WideNetworkTeacher.Fit(train, t.Width, t.Steps, t.Eta, Random.SeedSequence.Derive(t.Seed, "teacher"))
        | "margin" ->
            let cert =
                match t.Certificate with
                | Some path -> MarginCertificate.Load path
                | None ->
                    if not quiet then eprintfn "[teacher] certifying the margin (10 s budget) for the margin teacher"
                    MarginSolver.Certify(train, MarginOptions(TimeBudget = 10.0, Seed = t.Seed)).Certificate
            if cert.GammaLower <= 0.0 && t.Beta.IsNone then
                raise (InputException.Parameter("beta", "the certified margin's lower end is 0; give --beta explicitly"))
            let beta = t.Beta |> Option.defaultWith (fun () -> 2.0 / cert.GammaLower)
            MarginTeacher.FromCertificate(train, cert, beta, 20000, Random.SeedSequence.Derive(t.Seed, "teacher"))
        | other -> raise (InputException.Parameter("teacher", sprintf "must be kernel, margin or wide, got '%s'" other))
    let report = TeacherReport.Evaluate(teacher, train, Option.toObj test)
    if not quiet then
        eprintfn "[teacher] %s: train accuracy %s, train margin min y g = %s%s" teacher.Description (num report.TrainAccuracy) (num report.TrainMargin)
            (match Option.ofNullable report.TestAccuracy with Some a -> sprintf ", test accuracy %s" (num a) | None -> "")
    teacher, report

let teacherJson (t: TeacherSettings) (r: TeacherReport) =
    jobj [ "kind", jstr r.Kind; "description", jstr r.Description; "tau", jnum t.Tau; "train_accuracy", jnum r.TrainAccuracy
           "train_margin", jnum r.TrainMargin; "train_risk", jnum r.TrainRisk
           "test_accuracy", (r.TestAccuracy |> Option.ofNullable |> Option.map jnum |> Option.defaultValue null) ]

let parseLabels (s: string) =
    match s.ToLowerInvariant() with
    | "hard" -> LabelKind.Hard
    | "soft" -> LabelKind.Soft
    | other -> raise (InputException.Parameter("labels", sprintf "must be soft or hard, got '%s'" other))

let trajectoryCsv (points: TrajectoryPoint seq) =
    let inv (x: float) = x.ToString("R", Globalization.CultureInfo.InvariantCulture)
    let lines = points |> Seq.map (fun p -> String.Join(",", [| string p.Step; inv p.Loss; inv p.Risk; inv p.Error; inv p.MaxRowMovement; inv p.FrobeniusMovement |]))
    "step,loss,risk,error,max_row_movement,frobenius_movement\n" + String.Join("\n", lines) + "\n"

let runTrain (r: ParseResults<TrainArgs>) =
    let quiet = r.Contains TrainArgs.Quiet
    let clock = Stopwatch.StartNew()
    let steps = r.GetResult(TrainArgs.Steps, 1000)
    let kind = parseLabels (r.GetResult(TrainArgs.Labels, "hard"))
    let seed = r.GetResult(TrainArgs.Seed, 0UL)
    let options =
        TrainingOptions(r.GetResult(TrainArgs.Width, 256), steps, r.GetResult(TrainArgs.Eta, 1.0), kind, r.Contains TrainArgs.Symmetric,
                        Option.toNullable (r.TryGetResult TrainArgs.Radius), Random.SeedSequence.Derive(seed, "student"),
                        r.GetResult(TrainArgs.Threads, 0), (if r.Contains TrainArgs.Float32 then Precision.Single else Precision.Double),
                        r.GetResult(TrainArgs.Record_Every, max 1 (steps / 200)))
    options.Validate()
    let tau = r.GetResult(TrainArgs.Tau, 1.0)
    if not (tau > 0.0) then raise (InputException.Parameter("tau", sprintf "must be positive, got %g" tau))
    r.TryGetResult TrainArgs.Trajectory |> Option.iter checkWritable
    let dataOpts =
        dataOptions (r.TryGetResult TrainArgs.N) (r.TryGetResult TrainArgs.D) (Some seed) (r.TryGetResult TrainArgs.Split)
                    (r.TryGetResult TrainArgs.Noise) (r.TryGetResult TrainArgs.Label_Column) (r.TryGetResult TrainArgs.Label_File)
                    (r.TryGetResult TrainArgs.Classes) (r.Contains TrainArgs.No_Normalise)
    let spec = r.GetResult TrainArgs.Data
    let train = DataSource.Load(spec, dataOpts)
    let test = DataSource.LoadTest(spec, dataOpts, Option.toObj (r.TryGetResult TrainArgs.Test)) |> Option.ofObj
    describeData train quiet
    if not quiet then
        match test with
        | Some t -> eprintfn "[data] held-out: %s (n = %d)" t.Provenance.Description t.N
        | None -> eprintfn "[data] no held-out set (give --test PATH)"
    let teacherSettings =
        { Kind = r.GetResult(TrainArgs.Teacher, "kernel"); Tau = tau; Width = r.GetResult(TrainArgs.Teacher_Width, 2048)
          Steps = r.GetResult(TrainArgs.Teacher_Steps, 1000); Eta = 1.0; Certificate = r.TryGetResult TrainArgs.Teacher_Certificate
          Beta = r.TryGetResult TrainArgs.Beta; Seed = seed }
    let teacher =
        if kind = LabelKind.Soft then
            let t, report = fitTeacher teacherSettings train test quiet
            Some(SoftLabels.From(t.Logits train, tau), report)
        else None
    let prog =
        { new IProgress<int> with
            member _.Report t = if not quiet then eprintf "\r[train] step %d of %d (%.0f s)   " t steps clock.Elapsed.TotalSeconds }
    let result = Trainer.Train(train, (teacher |> Option.map fst |> Option.toObj), options, Option.toObj test, prog)
    if not quiet && steps >= 100 then eprintfn ""
    r.TryGetResult TrainArgs.Trajectory |> Option.iter (fun p -> writeAtomic p (trajectoryCsv result.Trajectory))
    let optNum (x: Nullable<float>) = x |> Option.ofNullable |> Option.map jnum |> Option.defaultValue null
    if r.Contains TrainArgs.Json then
        printfn "%s" (jsonText (jobj [ dataJson train
                                       "labels", jstr (if kind = LabelKind.Soft then "soft" else "hard")
                                       "width", jint (int64 options.Width); "steps", jint (int64 steps); "eta", jnum options.Eta
                                       "symmetric", jbool options.Symmetric
                                       "radius", optNum options.Radius; "seed", jint (int64 seed)
                                       "final_loss", jnum result.FinalLoss; "epoch_averaged_loss", jnum result.EpochAveragedLoss
                                       "epoch_averaged_risk", jnum result.EpochAveragedRisk; "final_risk", jnum result.FinalRisk
                                       "train_error", jnum result.TrainError; "test_accuracy", optNum result.TestAccuracy
                                       "test_error", optNum result.TestError; "test_risk", optNum result.TestRisk
                                       "max_row_movement", jnum result.Trajectory[result.Trajectory.Length - 1].MaxRowMovement
                                       "seconds_per_step", jnum result.SecondsPerStep; "backend", jstr result.Backend
                                       "teacher", (match teacher with Some(_, rep) -> teacherJson teacherSettings rep | None -> null) ]))
    else
        let last = result.Trajectory[result.Trajectory.Length - 1]
        table (sprintf "%s-label training on %s" (if kind = LabelKind.Soft then "Soft" else "Hard") train.Provenance.Description)
            ([ "points", sprintf "n = %d, d = %d" train.N train.D, ""
               "student", sprintf "m = %d, T = %d, eta = %s" options.Width steps (num options.Eta),
                 (if options.Symmetric then "symmetric init" else "standard init") + (match r.TryGetResult TrainArgs.Radius with Some rho -> sprintf ", projected GD rho = %s" (num rho) | None -> ", plain GD")
               "epoch-averaged loss", num result.EpochAveragedLoss, (if kind = LabelKind.Soft then "(1/T) sum_t KL(p || sigmoid(f)), THEORY.md §3" else "(1/T) sum_t R(W_t), THEORY.md §3")
               "final loss", num result.FinalLoss, "at W_T"
               "final hard-label risk", num result.FinalRisk, "logistic risk on the true labels"
               "train error", num result.TrainError, "0-1 error on the true labels"
               "test accuracy", (result.TestAccuracy |> Option.ofNullable |> Option.map num |> Option.defaultValue "n/a"), (match test with Some t -> sprintf "%d held-out points" t.N | None -> "no held-out set")
               "max row movement", num last.MaxRowMovement, "max_s ||w_s,T - w_s,0||"
               "seconds per step", num result.SecondsPerStep, result.Backend ]
             @ (match teacher with
                | Some(_, rep) -> [ "teacher", rep.Kind, rep.Description
                                    "teacher accuracy", num rep.TrainAccuracy, sprintf "train; margin min y g = %s, tau = %s" (num rep.TrainMargin) (num tau) ]
                | None -> []))
    if not quiet then eprintfn "[train] done in %.1f s" clock.Elapsed.TotalSeconds
    0
