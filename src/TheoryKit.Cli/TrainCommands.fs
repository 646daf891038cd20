/// `train`, `sweep` and `difficulty`: THEORY.md §1-4 and §9.
module TheoryKit.Cli.TrainCommands

open System
open System.Diagnostics
open Argu
open TheoryKit
open TheoryKit.Data
open TheoryKit.Margins
open TheoryKit.Training
open TheoryKit.Teachers
open TheoryKit.Experiments
open TheoryKit.Reports
open TheoryKit.Cli.Output
open TheoryKit.Cli.Common

/// Help texts that `train`, `sweep` and `difficulty` share (each union lists its options again, as Argu has no inheritance),
/// with the defaults of Core.
module private Help =
    let eta = sprintf "step size eta (default %g)" (SweepSettings().Eta)
    let teacherWidth = sprintf "width of the wide-network teacher (default %d)" (TeacherSpec().Width)
    let teacherSteps = sprintf "steps of the kernel or wide-network teacher (default %d)" TeacherSpec.DefaultSteps
    let teacherEta = sprintf "step size of the kernel or wide-network teacher (default %g)" TeacherSpec.DefaultEta
    let test = "held-out data file (for file datasets)"

type TrainArgs =
    | [<MainCommand; ExactlyOnce>] Data of data: string
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
    | Teacher_Eta of eta: float
    | Teacher_Early_Stop
    | Teacher_Certificate of path: string
    | Beta of beta: float
    | Float32
    | Record_Every of steps: int
    | Trajectory of path: string
    | Test of path: string
    | No_Convergence
    | Validation of fraction: float
    | Optimiser of name: string
    | Batch_Size of size: int
    | Momentum of beta: float
    | Train_Output
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Data _ -> "training data (as for `theorykit margin`); its held-out set is found automatically (Fashion-MNIST's other split, a generator's fresh draw) or given by --test"
            | Teacher_Eta _ -> Help.teacherEta
            | Teacher_Early_Stop -> "keep the teacher's step of lowest error on the validation split (needs --validation; kernel teacher)"
            | No_Convergence -> "run all --steps instead of stopping when the objective has converged (a drop < 1% or < 1e-4 nats over the last 10% of steps, checked from step 1000)"
            | Validation _ -> "hold out this fraction of the training points as a validation split: its error is recorded per step, and the run reports its early-stopped state (lowest validation error)"
            | Optimiser _ -> "gd (full-batch gradient descent, default), sgd (minibatch SGD with momentum) or adam"
            | Batch_Size _ -> "minibatch size of sgd and adam (0: full batch, default)"
            | Momentum _ -> "momentum of sgd (default 0.9)"
            | Train_Output -> "also train the output layer a (default: fixed a, as in THEORY.md §1)"
            | Labels _ -> "hard (logistic loss on the true labels, default) or soft (KL to the teacher's probabilities)"
            | Width _ -> "width m of the student (default 256)"
            | Steps _ -> "step cap T (default 3000; the run stops earlier when the objective has converged)"
            | Eta _ -> Help.eta
            | Symmetric -> "symmetric initialisation: neurons in pairs (w, a), (w, -a), so f(x; W0) = 0 (m even)"
            | Radius _ -> "projected GD: keep every row within rho / sqrt(m) of its initialisation"
            | Teacher _ -> "teacher of the soft labels: kernel (infinite-width network, default), margin (from a margin certificate) or wide (a wide network trained on hard labels)"
            | Tau _ -> "temperature tau of the soft labels p = sigmoid(g / tau) (default 1)"
            | Teacher_Width _ -> Help.teacherWidth
            | Teacher_Steps _ -> Help.teacherSteps
            | Teacher_Certificate _ -> "margin certificate for the margin teacher (default: certify now with 2048 optimisation and 20000 certification samples on one thread, so the soft labels depend on the seed alone)"
            | Beta _ -> "scale beta of the margin teacher's logit (default 2 / the middle of the certified interval)"
            | Float32 -> "train in float32 instead of float64"
            | Record_Every _ -> "record the trajectory every this many steps (default: about 200 points)"
            | Trajectory _ -> "write the trajectory (step, loss, risk, error, max row movement, Frobenius movement, held-out error and accuracy, validation error) as CSV"
            | Test _ -> Help.test

/// Default step size and step count of the kernel and wide-network teachers (TeacherSpec.DefaultEta, DefaultSteps).
let defaultTeacherEta, defaultTeacherSteps = TeacherSpec.DefaultEta, TeacherSpec.DefaultSteps

/// The convergence rule of train, sweep, difficulty and distill (SweepSettings.CommandConvergence).
let defaultConvergence () = SweepSettings.CommandConvergence()

/// Prints the fitted teacher's accuracies and margin to stderr unless `quiet`.
let describeTeacher (quiet: bool) (report: TeacherReport) =
    if not quiet then
        eprintfn "[teacher] %s: train accuracy %s, train margin min y g = %s%s" report.Description (num report.TrainAccuracy) (num report.TrainMargin)
            (match Option.ofNullable report.TestAccuracy with Some a -> sprintf ", test accuracy %s" (num a) | None -> "")

let parseLabels (s: string) =
    match s.ToLowerInvariant() with
    | "hard" -> LabelKind.Hard
    | "soft" -> LabelKind.Soft
    | other -> raise (InputException.Parameter("labels", sprintf "must be soft or hard, got '%s'" other))

let trajectoryCsv (points: TrajectoryPoint seq) =
    let inv (x: float) = x.ToString("R", Globalization.CultureInfo.InvariantCulture)
    let opt (x: Nullable<float>) = if x.HasValue then inv x.Value else ""
    let acc (x: Nullable<float>) = if x.HasValue then inv (1.0 - x.Value) else ""
    let lines = points |> Seq.map (fun p -> String.Join(",", [| string p.Step; inv p.Loss; inv p.Risk; inv p.Error; inv p.MaxRowMovement; inv p.FrobeniusMovement; opt p.TestError; acc p.TestError; opt p.ValidationError |]))
    "step,loss,risk,error,max_row_movement,frobenius_movement,test_error,test_accuracy,validation_error\n" + String.Join("\n", lines) + "\n"

/// The outcome's spelling in tables and JSON (TrainVerdict.OutcomeName).
let outcomeName (o: RunOutcome) = TrainVerdict.OutcomeName o

/// "gd", "sgd" or "adam" as an optimiser.
let parseOptimiser (s: string) = OptimiserNames.Parse s

let runTrain (r: ParseResults<TrainArgs>) (sh: Shared) =
    let quiet = sh.Quiet
    let clock = Stopwatch.StartNew()
    let steps = r.GetResult(TrainArgs.Steps, 3000)
    let kind = parseLabels (r.GetResult(TrainArgs.Labels, "hard"))
    let seed = sh.Seed
    let options =
        TrainingOptions(r.GetResult(TrainArgs.Width, 256), steps, r.GetResult(TrainArgs.Eta, 16.0), kind, r.Contains TrainArgs.Symmetric,
                        Option.toNullable (r.TryGetResult TrainArgs.Radius), Random.SeedSequence.Derive(seed, "student"),
                        defaultArg sh.Threads 0, (if r.Contains TrainArgs.Float32 then Precision.Single else Precision.Double),
                        r.GetResult(TrainArgs.Record_Every, max 1 (steps / 200)),
                        Convergence = (if r.Contains TrainArgs.No_Convergence then null else defaultConvergence ()),
                        Optimiser = parseOptimiser (r.GetResult(TrainArgs.Optimiser, "gd")), BatchSize = r.GetResult(TrainArgs.Batch_Size, 0),
                        Momentum = r.GetResult(TrainArgs.Momentum, 0.9), TrainOutput = r.Contains TrainArgs.Train_Output)
    options.Validate()
    TheoryKit.IO.MemoryBudget.Check(sprintf "the trajectory (%d steps / record every %d)" steps options.RecordEvery, float steps / float options.RecordEvery + 1.0, 64, null, "record-every")
    if r.Contains TrainArgs.Teacher_Early_Stop && not (r.Contains TrainArgs.Validation) then
        raise (InputException.Parameter("teacher-early-stop", "needs a validation split: give --validation FRACTION"))
    let tau = r.GetResult(TrainArgs.Tau, 1.0)
    let teacherSpec =
        TeacherSpec(TeacherSpec.ParseKind(r.GetResult(TrainArgs.Teacher, "kernel")), tau, r.GetResult(TrainArgs.Teacher_Width, 2048),
                    r.GetResult(TrainArgs.Teacher_Steps, TeacherSpec.DefaultSteps), r.GetResult(TrainArgs.Teacher_Eta, TeacherSpec.DefaultEta), seed,
                    r.Contains TrainArgs.Teacher_Early_Stop, Option.toObj (r.TryGetResult TrainArgs.Teacher_Certificate), Option.toNullable (r.TryGetResult TrainArgs.Beta))
    teacherSpec.Validate()
    if kind = LabelKind.Hard && not quiet then
        for name, given in [ "teacher", r.Contains TrainArgs.Teacher; "tau", r.Contains TrainArgs.Tau; "teacher-width", r.Contains TrainArgs.Teacher_Width
                             "teacher-steps", r.Contains TrainArgs.Teacher_Steps; "teacher-eta", r.Contains TrainArgs.Teacher_Eta
                             "teacher-early-stop", r.Contains TrainArgs.Teacher_Early_Stop
                             "teacher-certificate", r.Contains TrainArgs.Teacher_Certificate; "beta", r.Contains TrainArgs.Beta ] do
            if given then eprintfn "[train] note: --%s only applies to --labels soft; ignored for hard labels" name
    r.TryGetResult TrainArgs.Trajectory |> Option.iter checkWritable
    let spec = dataArgument (r.GetResult TrainArgs.Data)
    let dataOpts = sharedData sh (defaultPoints spec)
    let loaded = DataSource.Load(spec, dataOpts)
    TheoryKit.IO.MemoryBudget.Check(sprintf "network weights m x d = %d x %d (W0, W and the gradient)" options.Width loaded.D, float options.Width * float loaded.D, 24, null, "width")
    let test = DataSource.LoadTest(spec, dataOpts, Option.toObj (r.TryGetResult TrainArgs.Test), loaded) |> Option.ofObj
    // With --validation the points are split once (seeded): the student and the teacher train on the rest.
    let train, validation =
        match r.TryGetResult TrainArgs.Validation with
        | Some f -> let struct (t, v) = Distill.Split(loaded, f, seed) in t, Some v
        | None -> loaded, None
    describeData loaded quiet sh.Threads
    if not quiet then
        match test with
        | Some t -> eprintfn "[data] held-out: %s (n = %d)" t.Provenance.Description t.N
        | None -> eprintfn "[data] no held-out set (give --test PATH)"
        validation |> Option.iter (fun v -> eprintfn "[data] validation split: %d of %d points; training on the other %d" v.N loaded.N train.N)
    let teacher =
        if kind = LabelKind.Soft then
            let labels = TeacherLabels(teacherSpec, train, Option.toObj test, Option.toObj validation, progress quiet "teacher")
            let report = labels.Fit()
            describeTeacher quiet report
            Some(labels.Probabilities(), report)
        else None
    let prog =
        { new IProgress<int> with
            member _.Report t = if not quiet then eprintf "\r[train] step %d of %d (%.0f s)   " t steps clock.Elapsed.TotalSeconds }
    let result = Trainer.Train(train, (teacher |> Option.map fst |> Option.toObj), options, Option.toObj test, prog, Option.toObj validation)
    if not quiet && steps >= 100 then eprintfn ""
    let verdict = TrainVerdict.Of(result, (teacher |> Option.bind (fun (_, rep) -> Option.ofNullable rep.TestAccuracy) |> Option.toNullable))
    r.TryGetResult TrainArgs.Trajectory |> Option.iter (fun p -> writeAtomic p (trajectoryCsv result.Trajectory))
    if sh.Json then
        let teacherSummary = teacher |> Option.map (fun (_, rep) -> TeacherSummary.Of(rep, tau)) |> Option.toObj
        printfn "%s" (TrainReports.Json(TrainReport.Of(train, options, seed, result, verdict, teacherSummary)))
    else
        let last = result.Trajectory[result.Trajectory.Length - 1]
        table (sprintf "%s-label training on %s" (if kind = LabelKind.Soft then "Soft" else "Hard") train.Provenance.Description)
            ([ "points", sprintf "n = %d, d = %d" train.N train.D, ""
               "student", sprintf "m = %d, step cap %d, eta = %s, %s" options.Width steps (num options.Eta) (OptimiserNames.Of options.Optimiser),
                 (if options.Symmetric then "symmetric init" else "standard init") + (match r.TryGetResult TrainArgs.Radius with Some rho -> sprintf ", projected GD rho = %s" (num rho) | None -> ", plain GD")
               "epoch-averaged loss", num result.EpochAveragedLoss, (if kind = LabelKind.Soft then "(1/T) sum_t KL(p || sigmoid(f)), THEORY.md §3" else "(1/T) sum_t R(W_t), THEORY.md §3")
               "outcome", outcomeName result.Outcome, sprintf "%d steps run; %s" result.StepsRun verdict.Statement
               "final loss", num result.FinalLoss, "at W_T"
               "final hard-label risk", num result.FinalRisk, "logistic risk on the true labels"
               "train error", num result.TrainError, "0-1 error on the true labels"
               "test accuracy", (result.TestAccuracy |> Option.ofNullable |> Option.map num |> Option.defaultValue "n/a"), (match test with Some t -> sprintf "%d held-out points" t.N | None -> "no held-out set")
               "max row movement", num last.MaxRowMovement, "max_s ||w_s,T - w_s,0||" ]
             @ (match result.EarlyStopped with
                | null -> []
                | e -> [ "early-stopped", sprintf "step %d: validation error %s, test accuracy %s" e.Step (num e.ValidationError)
                                              (e.TestError |> Option.ofNullable |> Option.map (fun x -> num (1.0 - x)) |> Option.defaultValue "n/a"),
                         "the recorded step of lowest validation error" ])
             @ (match verdict.Warning with null -> [] | w -> [ "WARNING", "teacher weaker", w ])
             @ [
               "seconds per step", num result.SecondsPerStep, result.Backend ]
             @ (match teacher with
                | Some(_, rep) -> [ "teacher", rep.Kind, rep.Description
                                    "teacher accuracy", num rep.TrainAccuracy, sprintf "train; margin min y g = %s, tau = %s" (num rep.TrainMargin) (num tau)
                                    "teacher held-out accuracy", (rep.TestAccuracy |> Option.ofNullable |> Option.map num |> Option.defaultValue "n/a"), "" ]
                | None -> []))
    if not quiet then
        match verdict.Warning with null -> () | w -> eprintfn "[train] warning: %s" w
        eprintfn "[train] done in %.1f s: %s after %d steps" clock.Elapsed.TotalSeconds (outcomeName result.Outcome) result.StepsRun
    if result.Outcome = RunOutcome.Diverged then
        eprintfn "[train] error: the run diverged (the objective became NaN or infinite at step %d); lower --eta" result.StepsRun
        1
    else 0

/// Options of `sweep` and `difficulty` (one union serves both; the family options are refused by `sweep`).
type SweepArgs =
    | [<MainCommand; ExactlyOnce>] Data of data: string
    | Values of list: string
    | Pair of pair: string
    | Margin_Time of seconds: float
    | Margin_Samples of count: int64
    | Margin_Optimisation_Samples of count: int
    | Journal_Dir of path: string
    | [<Mandatory>] Epsilon of epsilon: string
    | Min_Width of neurons: int
    | Max_Width of neurons: int
    | Factor of factor: float
    | Seeds of count: int
    | Steps of steps: int
    | Steps_Times_Epsilon of c: float
    | Eta of eta: float
    | Symmetric
    | Radius of rho: float
    | Float32
    | Labels of kinds: string
    | Teacher of kind: string
    | Tau of tau: float
    | Teacher_Width of neurons: int
    | Teacher_Steps of steps: int
    | Teacher_Eta of eta: float
    | No_Convergence
    | Target_Accuracy of accuracy: float
    | Accuracy_Tolerance of points: float
    | Threshold of rate: float
    | Delta_S of delta: float
    | Journal of path: string
    | Plot of path: string
    | Test of path: string
    | Shard of shard: string
    | Merge of shards: int
    | [<Hidden>] Merge_Journals of journals: string list
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Shard _ -> "run only shard I of N (I from 0 to N-1) of the runs, into its own journal (<journal>.shard-I-of-N.jsonl), or 'slurm': I and N from SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT"
            | Merge _ -> "merge the journals of N shards (found beside the journals) and print the unsharded result; exit code 3 and the missing runs when incomplete"
            | Merge_Journals _ -> "with --merge: the shard journals to merge (as given to `theorykit merge`)"
            | Data _ -> "sweep: training data (as for `theorykit margin`; Fashion-MNIST pairs default to a 1000-point subsample); difficulty: the family two-point, noisy-xor, gaussians or fashion-mnist"
            | Values _ -> "difficulty: the family's parameter values, comma-separated (two-point: angles; noisy-xor: d; gaussians: separations; fashion-mnist: noise rates)"
            | Pair _ -> "difficulty: the Fashion-MNIST class pair (default shirt-vs-t-shirt)"
            | Margin_Time _ -> "difficulty: time budget of each member's margin certificate in seconds (default 5)"
            | Margin_Samples _ -> "difficulty: fix the number of fresh certification samples of each member's margin"
            | Margin_Optimisation_Samples _ -> "difficulty: fix the number of directions each member's q is fitted on; with --margin-samples too, the margins run on one thread and depend on the seed alone (not on the machine's speed or --threads)"
            | Journal_Dir _ -> "difficulty: folder of the members' journals (default difficulty-<family>-eps<E>)"
            | Epsilon _ -> "target epoch-averaged loss epsilon: a run succeeds when (1/T) sum_t L(W_t) <= epsilon; sweep: a comma-separated list (e.g. 0.4,0.2,0.1) runs one sweep per epsilon and fits log m* against log(1/epsilon)"
            | Min_Width _ -> "smallest width of the geometric grid (default 16)"
            | Max_Width _ -> "largest width of the grid (default 1024)"
            | Factor _ -> "ratio between grid widths (default 2)"
            | Seeds _ -> "seeds S per width and label kind (default 5)"
            | Steps _ -> "step cap T per run (default 3000; a run stops earlier when its objective has converged)"
            | Steps_Times_Epsilon _ -> "sweep: T = ceil(C / epsilon) steps for each epsilon instead of --steps (the theorems' step counts grow like 1/epsilon)"
            | Eta _ -> Help.eta
            | Symmetric -> "symmetric initialisation (f(x; W0) = 0)"
            | Radius _ -> "projected GD radius rho (rows within rho / sqrt(m) of their start)"
            | Float32 -> "train in float32"
            | Labels _ -> "label kinds to sweep: soft,hard (default both)"
            | Teacher _ -> "teacher of the soft labels: kernel (default), margin or wide"
            | Tau _ -> "temperature tau of the soft labels (default 1)"
            | Teacher_Width _ -> Help.teacherWidth
            | Teacher_Steps _ -> Help.teacherSteps
            | Teacher_Eta _ -> Help.teacherEta
            | No_Convergence -> "run every student to the step cap (default: stop when the objective drops by < 1% or < 1e-4 nats over the last 10% of steps, checked from step 1000)"
            | Target_Accuracy _ -> "accuracy-based m* (compared across label kinds): the smallest width whose mean held-out accuracy reaches this (default: 1 point below the best mean of any width and label kind)"
            | Accuracy_Tolerance _ -> "points below the best mean held-out accuracy that define the default target (default 1)"
            | Threshold _ -> "rate rule: m* is the smallest width whose success rate >= this (default 0.5)"
            | Delta_S _ -> "Clopper-Pearson rule: m* is the smallest width whose one-sided 95% lower bound >= 1 - delta_s (default 0.5)"
            | Journal _ -> "JSON Lines journal of every run; rerunning the same command resumes it (default <data>-eps<E>.sweep.jsonl; with several epsilons -eps<E> is inserted before .sweep.jsonl or the extension)"
            | Plot _ -> "base path of the plots (default: the journal's path without .jsonl); writes -success and -accuracy .png/.svg; with several epsilons P-eps<E>-success... and P-epsilon-scaling .png/.svg"
            | Test _ -> Help.test

/// A file-name-safe form of a data spec, for default journal names.
let slug (s: string) =
    let chars = s.ToLowerInvariant() |> Seq.map (fun c -> if Char.IsLetterOrDigit c || c = '.' || c = '-' then c else '-') |> Seq.toArray
    String(chars).Trim('-')

let parseKinds (s: string) =
    s.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries) |> Array.map parseLabels |> Array.distinct |> Array.toList

/// The epsilons of `--epsilon`: one number or a comma-separated list, each parsed in invariant culture; an
/// empty list, an unparsable entry or an epsilon given twice is refused (positivity is checked by the sweep spec).
let parseEpsilons (s: string) =
    let values = parseNumbers "epsilon" s
    match values |> List.countBy id |> List.tryFind (fun (_, c) -> c > 1) with
    | Some(v, _) -> raise (InputException.Parameter("epsilon", sprintf "%s is given twice" (num v)))
    | None -> values

/// The sweep settings of the command line (each default in SweepSettings).
let sweepSettings (r: ParseResults<SweepArgs>) =
    let d = SweepSettings()
    SweepSettings(MinWidth = r.GetResult(SweepArgs.Min_Width, d.MinWidth), MaxWidth = r.GetResult(SweepArgs.Max_Width, d.MaxWidth),
                  Factor = r.GetResult(SweepArgs.Factor, d.Factor), Seeds = r.GetResult(SweepArgs.Seeds, d.Seeds), Steps = r.GetResult(SweepArgs.Steps, d.Steps),
                  Eta = r.GetResult(SweepArgs.Eta, d.Eta), Symmetric = r.Contains SweepArgs.Symmetric, Radius = Option.toNullable (r.TryGetResult SweepArgs.Radius),
                  Float32 = r.Contains SweepArgs.Float32, Labels = (match r.TryGetResult SweepArgs.Labels with Some k -> parseKinds k | None -> List.ofSeq d.Labels),
                  Convergence = not (r.Contains SweepArgs.No_Convergence), TargetAccuracy = Option.toNullable (r.TryGetResult SweepArgs.Target_Accuracy),
                  AccuracyTolerancePoints = r.GetResult(SweepArgs.Accuracy_Tolerance, d.AccuracyTolerancePoints),
                  Threshold = r.GetResult(SweepArgs.Threshold, d.Threshold), DeltaS = r.GetResult(SweepArgs.Delta_S, d.DeltaS))

/// The step budget of the sweep at `eps`: ceil(C / eps) with `--steps-times-epsilon C`, else `--steps` (default 3000).
/// The two options together are refused.
let sweepSteps (r: ParseResults<SweepArgs>) (eps: float) =
    match r.TryGetResult SweepArgs.Steps_Times_Epsilon with
    | Some c ->
        if r.Contains SweepArgs.Steps then
            raise (InputException.Parameter("steps-times-epsilon", "cannot be combined with --steps (it sets T = ceil(C / epsilon) itself)"))
        EpsilonScaling.StepsFor(c, eps)
    | None -> (sweepSettings r).Steps

/// The teacher of `sweep` and `difficulty` as given on the command line.
let teacherOf (r: ParseResults<SweepArgs>) seed =
    TeacherSpec(TeacherSpec.ParseKind(r.GetResult(SweepArgs.Teacher, "kernel")), r.GetResult(SweepArgs.Tau, 1.0), r.GetResult(SweepArgs.Teacher_Width, 2048),
                r.GetResult(SweepArgs.Teacher_Steps, TeacherSpec.DefaultSteps), r.GetResult(SweepArgs.Teacher_Eta, TeacherSpec.DefaultEta), seed)

let sweepSpec (r: ParseResults<SweepArgs>) (sh: Shared) (source: string) (teacher: TeacherSpec) (eps: float) (steps: int) =
    (sweepSettings r).Spec(source, eps, steps, teacher, sh.Seed, defaultArg sh.Threads 0)

let sweepProgress (quiet: bool) (clock: Stopwatch) =
    { new IProgress<Experiments.SweepProgress> with
        member _.Report p =
            if not quiet then
                let eta = match Option.ofNullable p.Eta with Some e -> sprintf ", about %s left" (e.ToString(@"h\:mm\:ss")) | None -> ""
                let last = match p.Last with
                           | null -> ""
                           | l -> sprintf " (last: %s m = %d seed %d, loss %s, %s after %d steps)" (Experiments.SweepSpec.KindName l.Labels) l.Width l.SeedIndex (num l.EpochAveragedLoss) (outcomeName l.Outcome) l.StepsRun
                eprintfn "[sweep] %d of %d runs done (%d from the journal)%s%s, %.0f s" p.Done p.Total p.Resumed last eta clock.Elapsed.TotalSeconds }

let widthText (m: Experiments.MinimalWidth) =
    match Option.ofNullable m.Width, Option.ofNullable m.Lower with
    | Some w, Some lo -> sprintf "%d (in (%d, %d])" w lo w
    | Some w, None -> sprintf "<= %d (smallest grid width)" w
    | None, Some lo -> sprintf "> %d (beyond the grid)" lo
    | None, None -> "none"

let sweepPlots (basePath: string) (res: Experiments.SweepResult) =
    let series f =
        [ for l in res.Labels ->
            { Plots.Name = Experiments.SweepSpec.KindName l.Labels + " labels"; Plots.X = l.Widths |> Seq.map (fun w -> float w.Width) |> Seq.toArray
              Plots.Y = l.Widths |> Seq.map f |> Seq.toArray; Plots.MarkersOnly = false } ]
    let s = Plots.save (basePath + "-success") (sprintf "Success rate (epoch-averaged loss <= %s), %s" (num res.Epsilon) res.DataSource) "width m" "success rate" true false
                       (series (fun w -> w.Rate))
    let a = Plots.save (basePath + "-accuracy") (sprintf "Test accuracy, %s" res.DataSource) "width m" "mean test accuracy" true false
                       (series (fun w -> w.MeanTestAccuracy |> Option.ofNullable |> Option.defaultValue nan))
    [ fst s; snd s; fst a; snd a ]

let sweepRows (res: Experiments.SweepResult) =
    [ for l in res.Labels do
        let kind = Experiments.SweepSpec.KindName l.Labels
        for w in l.Widths ->
            sprintf "%s, m = %d" kind w.Width,
            sprintf "%d/%d succeed [%s, %s]; one-sided lower %s" w.Successes w.Runs (num w.RateLower) (num w.RateUpper) (num w.OneSidedLower),
            sprintf "objective %s; hard-label risk %s (%d/%d <= eps); test accuracy %s; %d converged, %d at the cap, %d diverged, %d dead" (num w.MeanEpochAveragedLoss) (num w.MeanEpochAveragedRisk)
                w.RiskSuccesses w.Runs (w.MeanTestAccuracy |> Option.ofNullable |> Option.map num |> Option.defaultValue "n/a") w.Converged w.StepCap w.Diverged w.Dead
        yield sprintf "m*_%s (objective)" kind, widthText l.ByRate,
              sprintf "objective-based (not comparable across label kinds): rate >= %s; Clopper-Pearson rule: %s" (num res.SuccessThreshold) (widthText l.ByClopperPearson) ]
    @ [ for g in res.Gaps ->
          sprintf "gap soft - hard, m = %d" g.Width,
          sprintf "%s points [%s, %s]" (PairedStats.Points g.Gap.Mean) (if Double.IsNaN g.Gap.Lower then "n/a" else PairedStats.Points g.Gap.Lower) (if Double.IsNaN g.Gap.Upper then "n/a" else PairedStats.Points g.Gap.Upper),
          sprintf "held-out accuracy, paired by seed, %d/%d pairs > 0" g.Gap.Positive g.Gap.N ]
    @ (match res.ByAccuracy with
       | null -> [ "m*_hard / m*_soft", "n/a", "needs held-out accuracies of both label kinds (the objective-based m* are not comparable across label kinds)" ]
       | a -> [ "accuracy target", num a.Target, a.TargetRule
                "m*_hard / m*_soft (accuracy)",
                (match a.Relation, Option.ofNullable a.Ratio with
                 | ("=" | ">=" | "<="), Some v -> sprintf "%s %s" a.Relation (num v)
                 | _ -> a.Relation),
                a.Statement ])

/// The teacher settings and the checked sweep spec at epsilon `eps` with `steps` steps, shared by `sweep` and `difficulty`.
let sweepSetupAt (r: ParseResults<SweepArgs>) (sh: Shared) (source: string) (eps: float) (steps: int) =
    let teacher = teacherOf r sh.Seed
    teacher.Validate()
    let spec = sweepSpec r sh source teacher eps steps
    spec.Validate()
    teacher, spec

/// `sweepSetupAt` for a command that takes a single epsilon and `--steps`.
let sweepSetup (r: ParseResults<SweepArgs>) (sh: Shared) (source: string) =
    match parseEpsilons (r.GetResult SweepArgs.Epsilon) with
    | [ eps ] -> sweepSetupAt r sh source eps (sweepSettings r).Steps
    | _ -> raise (InputException.Parameter("epsilon", "takes one value here; a list of epsilons belongs to `theorykit sweep`"))

/// The default journal of a sweep on `source` at `eps`.
let defaultJournal (source: string) (eps: float) = sprintf "%s-eps%s.sweep.jsonl" (slug source) (num eps)

/// A path without its ".jsonl" ending.
let withoutJsonl (path: string) = if path.EndsWith ".jsonl" then path.[.. path.Length - 7] else path

/// Series of a log-log scaling plot (THEORY.md §9) for one label kind: the measured points, and with a fit the fitted
/// line and each theory slope through the fit's centre (mean ln x, mean ln y), over the measured range.
let scalingSeries (kind: string) (logX: float[]) (logY: float[]) (fit: ScalingFitResult) (theory: TheorySlope seq) =
    [ yield { Plots.Name = sprintf "%s labels: measured m*" kind; Plots.X = logX |> Array.map exp; Plots.Y = logY |> Array.map exp; Plots.MarkersOnly = true }
      for l in ScalingLines.Of(kind, logX, logY, fit, theory) ->
          { Plots.Name = l.Name; Plots.X = [| l.X0; l.X1 |]; Plots.Y = [| l.Y0; l.Y1 |]; Plots.MarkersOnly = false } ]

/// Confidence level of the epsilon fit's slope interval.
let epsilonConfidence = 0.95

/// One shard of `sweep` (THEORY.md §9): one assignment over every epsilon's runs; the teacher is fitted first when the shard owns a
/// soft-label run (its report goes into the shard's tag, for the merge); then each epsilon's owned runs into the shard's journal.
let sweepShard (sh: Shared) (clock: Stopwatch) (sd: ShardSpec) (specs: SweepSpec list) (journals: string list) (train: Dataset) (test: Dataset option)
               (teacher: TeacherLabels) =
    let plan = ShardSweeps.Plan(List.toArray specs, train.N, train.D, sd.Count)
    if plan |> Array.exists (fun a -> ShardPlan.NeedsTeacher(a.Part(sd, System.Text.Json.Nodes.JsonObject()))) then
        teacher.Fit() |> describeTeacher sh.Quiet
    let tag = sd.Tag(List.toArray sh.Command, teacher.Report)
    let results =
        [ for (spec, journal), a in List.zip (List.zip specs journals) (List.ofArray plan) ->
            let part = a.Part(sd, tag)
            let path = sd.JournalPath journal
            if not sh.Quiet then eprintfn "[sweep] shard %d of %d: %d of %d runs at epsilon %s; journal %s" sd.Index sd.Count part.Keys.Count a.Keys.Count (num spec.Epsilon) path
            let res = WidthSweep.Run(spec, train, Option.toObj test, teacher, path, sweepProgress sh.Quiet clock, spec.Training.Threads,
                                     Threading.CancellationToken.None, part)
            path, part.Keys.Count, res ]
    ShardCommands.shardSummary sh
        (ShardSummary(sd, results |> List.sumBy (fun (_, n, _) -> n), results |> List.sumBy (fun (_, _, x) -> x.NewRuns), results |> List.sumBy (fun (_, _, x) -> x.ResumedRuns),
                      [| for p, _, _ in results -> p |], plan |> Array.sumBy (fun a -> a.Load sd.Index), plan |> Array.sumBy (fun a -> Seq.sum a.Costs)))

/// `sweep --merge N`: collects every epsilon's shard journals (nothing written yet); incomplete: the report; complete: each whole
/// journal completed, with the counts (appended, existing) per epsilon and the teacher report the shards recorded.
let sweepMerge (specs: SweepSpec list) (journals: string list) (train: Dataset) (test: Dataset option) (m: ShardCommands.MergeMode) =
    let plan = ShardSweeps.Plan(List.toArray specs, train.N, train.D, m.Count)
    let groups =
        [ for (spec, journal), a in List.zip (List.zip specs journals) (List.ofArray plan) ->
            ShardSweeps.Collect(spec, train, Option.toObj test, journal, a, ShardCommands.candidates m journal) ]
    m.Journals |> Option.iter (fun js -> ShardMerge.RefuseUnmatched(js, [| for g in groups -> g.Header |], groups |> Seq.collect (fun g -> g.Journals), "width-sweep"))
    let report = ShardMergeReport.Of(m.Count, plan |> Array.sumBy (fun a -> a.Keys.Count), [ for g in groups -> g.Missing ])
    if not report.Complete then Error report
    else
        let teacher = groups |> List.tryPick (fun g -> Option.ofObj (g.Teacher()))
        Ok([ for g in groups -> ShardSweeps.Write g ], teacher)

let runSweep (r: ParseResults<SweepArgs>) (sh: Shared) =
    for name, given in [ "values", r.Contains SweepArgs.Values; "pair", r.Contains SweepArgs.Pair
                         "margin-time", r.Contains SweepArgs.Margin_Time; "journal-dir", r.Contains SweepArgs.Journal_Dir
                         "margin-samples", r.Contains SweepArgs.Margin_Samples
                         "margin-optimisation-samples", r.Contains SweepArgs.Margin_Optimisation_Samples ] do
        if given then raise (InputException.Parameter(name, "belongs to `theorykit difficulty`, not `sweep`"))
    let quiet = sh.Quiet
    let clock = Stopwatch.StartNew()
    let shard = r.TryGetResult SweepArgs.Shard |> Option.map ShardCommands.parseShard
    let merge = ShardCommands.mergeMode shard (r.TryGetResult SweepArgs.Merge) (r.TryGetResult SweepArgs.Merge_Journals)
    let source = dataArgument (r.GetResult SweepArgs.Data)
    let epsilons = parseEpsilons (r.GetResult SweepArgs.Epsilon)
    let several = epsilons.Length > 1
    let setups = [ for eps in epsilons -> sweepSetupAt r sh source eps (sweepSteps r eps) ]
    let teacher = fst setups.Head
    let specs = setups |> List.map snd
    // With several epsilons each sweep has its own journal and plots, "-eps<E>" inserted into the given or default names.
    let journals =
        [ for spec in specs ->
            match r.TryGetResult SweepArgs.Journal with
            | Some j when several -> EpsilonScaling.JournalFor(j, spec.Epsilon)
            | Some j -> j
            | None -> defaultJournal source spec.Epsilon ]
    match journals |> List.countBy id |> List.tryFind (fun (_, c) -> c > 1) with
    | Some(j, _) -> raise (InputException.Parameter("epsilon", sprintf "two epsilons share the journal %s (they agree to 6 significant digits)" j))
    | None -> ()
    r.TryGetResult SweepArgs.Plot |> Option.iter Plots.refuseFolder
    let plotBases =
        [ for spec, journal in List.zip specs journals ->
            checkWritable (match shard with Some sd -> sd.JournalPath journal | None -> journal)
            let plotBase =
                match r.TryGetResult SweepArgs.Plot with
                | Some p when several -> sprintf "%s-eps%s" p (num spec.Epsilon)
                | Some p -> p
                | None -> withoutJsonl journal
            Plots.check (plotBase + "-success")
            Plots.check (plotBase + "-accuracy")
            plotBase ]
    let scalingPlot =
        match r.TryGetResult SweepArgs.Plot, r.TryGetResult SweepArgs.Journal with
        | Some p, _ -> p + "-epsilon-scaling"
        | None, Some j -> (if j.EndsWith ".sweep.jsonl" then j.[.. j.Length - 13] else withoutJsonl j) + "-epsilon-scaling"
        | None, None -> slug source + "-epsilon-scaling"
    if several then Plots.check scalingPlot
    // Fashion-MNIST pairs default to a 1000-point subsample so the default sweep fits in minutes.
    let dataOpts = sharedData sh (defaultPoints source)
    let train = DataSource.Load(source, dataOpts)
    for spec in specs do TheoryKit.IO.MemoryBudget.Check(sprintf "the widest network's weights m x d = %d x %d (W0, W and the gradient)" spec.MaxWidth train.D, float spec.MaxWidth * float train.D, 24, null, "max-width")
    let test = DataSource.LoadTest(source, dataOpts, Option.toObj (r.TryGetResult SweepArgs.Test), train) |> Option.ofObj
    describeData train quiet sh.Threads
    // The teacher and its soft labels do not depend on epsilon: fitted at most once, they serve every sweep.
    let teacherLabels = TeacherLabels(teacher, train, Option.toObj test, null, progress quiet "teacher")
    match shard with
    | Some sd -> sweepShard sh clock sd specs journals train test teacherLabels
    | None ->
    let merged = merge |> Option.map (sweepMerge specs journals train test)
    match merged with
    | Some(Error report) -> ShardCommands.reportIncomplete sh report
    | _ ->
    // A merge takes the teacher's report from the shards' journals.
    let mergedTeacher = match merged with Some(Ok(_, t)) -> t | _ -> None
    let counts = match merged with Some(Ok(c, _)) -> Some c | _ -> None
    let outcomes =
        [ for i, (spec, journal, plotBase) in List.indexed (List.zip3 specs journals plotBases) ->
            if not quiet then
                if several then eprintfn "[sweep] epsilon %s (%d of %d)" (num spec.Epsilon) (i + 1) specs.Length
                eprintfn "[sweep] widths %s x %d seeds x %s, T = %d, eta = %s; journal %s" (String.Join(",", spec.Widths())) spec.Seeds
                    (String.Join("+", spec.LabelOrder() |> Array.map Experiments.SweepSpec.KindName)) spec.Training.Steps (num spec.Training.Eta) journal
            let fitted = teacherLabels.Report
            let res = Experiments.WidthSweep.Run(spec, train, Option.toObj test, teacherLabels, journal, sweepProgress quiet clock, spec.Training.Threads)
            if isNull fitted then Option.ofObj teacherLabels.Report |> Option.iter (describeTeacher quiet)
            let res = match counts with Some c -> (let struct (a, e) = List.item i c in ShardCounts.Of(res, a, e)) | None -> res
            spec, journal, res, sweepPlots plotBase res ]
    // A journal that needed no more soft-label runs fitted no teacher: fit it now (deterministic, the same numbers),
    // so a resumed sweep reports the teacher as a fresh one does.
    if mergedTeacher.IsNone && isNull teacherLabels.Report && specs |> List.exists (fun s -> s.LabelOrder() |> Array.contains LabelKind.Soft) then
        teacherLabels.Fit() |> describeTeacher quiet
    let teacherReport = match mergedTeacher with Some t -> Some t | None -> Option.ofObj teacherLabels.Report
    let teacherRows (res: SweepResult) =
        match teacherReport |> Option.bind (fun rep -> Option.ofNullable rep.TestAccuracy) with
        | Some acc ->
            let c = TeacherComparison.Of(acc, res)
            if not quiet then match c.Warning with null -> () | w -> eprintfn "[sweep] warning: %s" w
            [ "teacher held-out accuracy", num acc,
              (if c.BestHardWidth > 0 then sprintf "best hard-label student: %s at m = %d%s" (num c.BestHardAccuracy) c.BestHardWidth (match c.Warning with null -> "" | _ -> "; WARNING: the teacher is weaker") else "") ]
        | None -> []
    let sweepTable (spec: SweepSpec) journal (res: SweepResult) (plots: string list) =
        table (sprintf "Width sweep on %s, epsilon = %s (%d seeds, step cap %d, eta = %s)" train.Provenance.Description (num spec.Epsilon) spec.Seeds spec.Training.Steps (num spec.Training.Eta))
            (sweepRows res @ teacherRows res @ [ "journal", journal, sprintf "%d new runs, %d from the journal" res.NewRuns res.ResumedRuns
                                                 "plots", String.Join(", ", plots), "" ])
    let teacherSummary () = match teacherReport with Some rep -> TeacherSummary.Of(rep, teacher.Tau) | None -> null
    match outcomes with
    | [ spec, journal, res, plots ] ->
        if sh.Json then
            let versus =
                match teacherReport |> Option.bind (fun rep -> Option.ofNullable rep.TestAccuracy) with
                | Some acc -> TeacherVersusBestHard.Of(TeacherComparison.Of(acc, res))
                | None -> null
            printfn "%s" (TrainReports.Json(SingleSweepReport(SweepReport.Of(res, journal, plots), teacherSummary (), versus)))
        else sweepTable spec journal res plots
    | _ ->
        // THEORY.md §9: ln m*(eps) against ln(1/eps) per label kind, beside the theory (soft 1 [MLS25]; hard: no power of 1/eps).
        let first = specs.Head
        let fits =
            [ for kind in first.LabelOrder() ->
                EpsilonScaling.Compare(kind, [| for _, _, res, _ in outcomes -> EpsilonScaling.PointOf(res, kind) |], epsilonConfidence) ]
        let series = [ for f in fits do yield! scalingSeries (SweepSpec.KindName f.Labels) f.LogInverseEpsilon f.LogMinimalWidth f.Fit f.Theory ]
        let p1, p2 = Plots.saveWith true scalingPlot (sprintf "Minimal width against 1/epsilon: %s" source) "1 / epsilon" "minimal width m*" true true series
        let scalingPlots = [ p1; p2 ]
        let stepsText =
            match r.TryGetResult SweepArgs.Steps_Times_Epsilon with
            | Some c -> sprintf "T = ceil(%s / eps) steps" (num c)
            | None -> sprintf "T = %d steps for every eps" first.Training.Steps
        let note =
            sprintf "x = ln(1/eps), y = ln m*(eps) with m* the smallest grid width whose success rate over %d seeds is >= %s; data, teacher, soft labels, grid and seeds are the same for every eps, %s, eta = %s. "
                first.Seeds (num first.SuccessThreshold) stepsText (num first.Training.Eta)
            + sprintf "Epsilons whose m* lies beyond the grid or at its smallest width are left out (censored). m* is quantised to the grid (factor %s). " (num first.Factor)
            + "The theory's exponents belong to upper bounds on the width: a measured slope below them means the bound is not tight here, one above them that the requirement grows faster than the rate allows."
            + (if r.Contains SweepArgs.Steps_Times_Epsilon then ""
               else " With the same T for every eps, a small eps can fail for want of steps rather than of width (the theorems' step counts grow like 1/eps; see --steps-times-epsilon).")
        let mstarOf (res: SweepResult) kind = res.For kind |> Option.ofObj |> Option.map (fun l -> widthText l.ByRate) |> Option.defaultValue "-"
        if sh.Json then
            let sweeps = [| for spec, journal, res, plots in outcomes -> EpsilonSweepReport(SweepReport.Of(res, journal, plots), spec.Training.Steps) |]
            let scaling = EpsilonScalingReport(epsilonConfidence, [| for f in fits -> EpsilonFitReport.Of f |], note, List.toArray scalingPlots)
            let report =
                EpsilonSweepsReport(source, [| for spec in specs -> spec.Epsilon |], Option.toNullable (r.TryGetResult SweepArgs.Steps_Times_Epsilon),
                                    sweeps, scaling, teacherSummary ())
            printfn "%s" (TrainReports.Json report)
        else
            for spec, journal, res, plots in outcomes do sweepTable spec journal res plots
            let epsilonRows =
                [ for spec, _, res, _ in outcomes ->
                    sprintf "epsilon = %s" (num spec.Epsilon),
                    String.Join("; ", [ for kind in spec.LabelOrder() -> sprintf "m*_%s %s" (SweepSpec.KindName kind) (mstarOf res kind) ]),
                    sprintf "T = %d" spec.Training.Steps ]
            let fitRows =
                [ for f in fits do
                    let kind = SweepSpec.KindName f.Labels
                    yield sprintf "slope (%s)" kind,
                          (match f.Fit with null -> "no fit" | fit -> sprintf "%s [%s, %s], n = %d" (num fit.Slope) (num fit.SlopeLower) (num fit.SlopeUpper) f.N),
                          f.Statement
                    // Without a theory exponent the statement of a fit already carries the theory in words.
                    if f.Theory.Count > 0 || isNull f.Fit then
                        yield sprintf "theory (%s)" kind,
                              (if f.Theory.Count = 0 then "no power of 1/eps" else String.Join(", ", [ for t in f.Theory -> sprintf "%s %s" (num t.Slope) t.Source ])),
                              f.TheoryNote
                    if f.Excluded.Count > 0 then
                        yield sprintf "censored (%s)" kind,
                              String.Join(", ", [ for e in f.Excluded -> sprintf "eps = %s" (num e.Epsilon) ]),
                              String.Join("; ", [ for e in f.Excluded -> e.Reason ]) ]
            table (sprintf "Epsilon scaling on %s: log m* against log(1/epsilon), %s%% intervals" train.Provenance.Description (num (100.0 * epsilonConfidence)))
                (epsilonRows @ fitRows @ [ "plots", String.Join(", ", scalingPlots), "" ])
            if not quiet then eprintfn "[sweep] %s" note
    if not quiet then
        let runs = outcomes |> List.sumBy (fun (_, _, res, _) -> res.Runs.Count)
        let fresh = outcomes |> List.sumBy (fun (_, _, res, _) -> res.NewRuns)
        if several then eprintfn "[sweep] done in %.1f s: %d runs (%d new) over %d epsilons" clock.Elapsed.TotalSeconds runs fresh outcomes.Length
        else eprintfn "[sweep] done in %.1f s: %d runs (%d new)" clock.Elapsed.TotalSeconds runs fresh
    0

/// The checked settings of a `difficulty` run: the family, its members, the margin options, the teacher and the
/// sweep template. Options that belong to `sweep` are refused.
let difficultySetup (r: ParseResults<SweepArgs>) (sh: Shared) =
    for name, given in [ "journal", r.Contains SweepArgs.Journal; "test", r.Contains SweepArgs.Test ] do
        if given then raise (InputException.Parameter(name, "belongs to `theorykit sweep`; difficulty uses --journal-dir and each member's own held-out set"))
    if r.Contains SweepArgs.Steps_Times_Epsilon then
        raise (InputException.Parameter("steps-times-epsilon", "belongs to `theorykit sweep` with several epsilons; difficulty runs one epsilon with --steps"))
    let seed = sh.Seed
    let family = dataArgument (r.GetResult SweepArgs.Data)
    let teacher, template = sweepSetup r sh family
    if family.Trim().ToLowerInvariant() = "fashion-mnist" then FashionMnist.CheckPair(r.GetResult(SweepArgs.Pair, "trouser-vs-bag")) |> ignore
    let values = r.TryGetResult SweepArgs.Values |> Option.map (parseNumbers "values" >> List.toArray)
    let optimisation, certification = r.TryGetResult SweepArgs.Margin_Optimisation_Samples, r.TryGetResult SweepArgs.Margin_Samples
    let margin = DifficultyOptions.MarginFor(seed, r.GetResult(SweepArgs.Margin_Time, 5.0), Option.toNullable optimisation, Option.toNullable certification)
    margin.Validate()
    checkTimeAndSamples "margin-time" (r.TryGetResult SweepArgs.Margin_Time) certification optimisation sh.Quiet
    let options =
        DifficultyOptions(Values = Option.toObj (values |> Option.map (fun a -> a :> Collections.Generic.IReadOnlyList<float>)),
                          N = Option.toNullable sh.N, D = Option.toNullable sh.D,
                          Pair = r.GetResult(SweepArgs.Pair, "shirt-vs-t-shirt"), DataSeed = seed, Margin = margin)
    family, Difficulty.Members(family, options), options, teacher, template

/// The checked settings of one family of the empirical tables, as `difficultySetup` gives them for its command line
/// (`EmpiricalFamily.Arguments`) with the shared --seed, --threads, --n and --d.
let empiricalSetup (f: Tables.EmpiricalFamily) (sh: Shared) =
    let teacher = f.Teacher sh.Seed
    teacher.Validate()
    let template = f.Sweep.Spec(f.Family, f.Epsilon, f.Steps, teacher, sh.Seed, defaultArg sh.Threads 0)
    template.Validate()
    let options = f.Options(sh.Seed, Option.toNullable sh.N, Option.toNullable sh.D)
    options.Margin.Validate()
    Difficulty.Members(f.Family, options), options, teacher, template

/// Runs the members of a difficulty family (journals in `folder`, which must exist), reporting progress on stderr.
let difficultyRun (quiet: bool) (clock: Stopwatch) (members: Collections.Generic.IReadOnlyList<DifficultyMember>) (options: DifficultyOptions) (teacher: TeacherSpec) (template: Experiments.SweepSpec) (folder: string) =
    let prog =
        { new IProgress<DifficultyProgress> with
            member _.Report p =
                if not quiet then
                    match p.Sweep with
                    | null -> eprintfn "[difficulty] member %d of %d, %s: %s (%.0f s)" p.Member p.Members p.Name p.Phase clock.Elapsed.TotalSeconds
                    | s when s.Done = s.Total -> eprintfn "[difficulty] member %d of %d, %s: %d runs done (%.0f s)" p.Member p.Members p.Name s.Total clock.Elapsed.TotalSeconds
                    | _ -> () }
    Difficulty.Run(members, options, template, teacher, folder, prog, template.Training.Threads)

/// The teacher's report on each member (fitted on the member's training set, evaluated on its held-out set too).
let teacherReports (res: DifficultyResult) = [| for m in res.Members -> m.Teacher |]

/// A teacher's accuracies as text: "teacher accuracy A (held-out B)".
let teacherText (r: TeacherReport) =
    sprintf "teacher accuracy %s%s" (num r.TrainAccuracy)
        (match Option.ofNullable r.TestAccuracy with Some a -> sprintf " (held-out %s)" (num a) | None -> "")

/// Writes `plotBase`.png and .svg: m* against 1/gamma (log-log) with the fitted line and the theory's slopes
/// through the fit's centre (THEORY.md §9); the title names the label kinds without a fit. Returns the two paths.
let difficultyPlot (plotBase: string) (res: DifficultyResult) (epsilon: float) =
    let series = [ for sl in res.Slopes do yield! scalingSeries (SweepSpec.KindName sl.Labels) sl.LogInverseGamma sl.LogMinimalWidth sl.Fit sl.Theory ]
    let noFit = [ for sl in res.Slopes do if isNull sl.Fit then yield SweepSpec.KindName sl.Labels ]
    let title =
        sprintf "Minimal width against 1/gamma: %s, epsilon = %s%s" res.Family (num epsilon)
            (if noFit.IsEmpty then "" else sprintf " (no fit: %s)" (String.Join(", ", noFit)))
    let p1, p2 = Plots.saveWith false plotBase title "1 / gamma" "minimal width m*" true true series
    [ p1; p2 ]

/// `difficulty --merge N`: collects every member's shard journals; complete: the members' journals completed (None), else the report.
let difficultyMerge (members: Collections.Generic.IReadOnlyList<DifficultyMember>) (template: SweepSpec) (folder: string) (m: ShardCommands.MergeMode) =
    let groups = ShardSweeps.CollectDifficulty(members, template, folder, m.Count, (match m.Journals with Some js -> List.toArray js | None -> null))
    let report = ShardMergeReport.Of(m.Count, groups |> Seq.sumBy (fun g -> g.Assignment.Keys.Count), [ for g in groups -> g.Missing ])
    if report.Complete then
        for g in groups do ShardSweeps.Write g |> ignore
        None
    else Some report

let runDifficulty (r: ParseResults<SweepArgs>) (sh: Shared) =
    let quiet = sh.Quiet
    let clock = Stopwatch.StartNew()
    let shard = r.TryGetResult SweepArgs.Shard |> Option.map ShardCommands.parseShard
    let merge = ShardCommands.mergeMode shard (r.TryGetResult SweepArgs.Merge) (r.TryGetResult SweepArgs.Merge_Journals)
    let family, members, options, teacher, template = difficultySetup r sh
    let folder = r.GetResult(SweepArgs.Journal_Dir, sprintf "difficulty-%s-eps%s" (slug family) (num template.Epsilon))
    // The folder is checked first and created only for the work; a failed run removes it when it is new and still empty.
    TheoryKit.IO.SafeOutput.CheckFolder(folder, "journal-dir") |> ignore
    r.TryGetResult SweepArgs.Plot |> Option.iter (fun p -> if not (p.StartsWith(folder.TrimEnd('/') + "/")) then Plots.check p)
    let created = TheoryKit.IO.SafeOutput.CreateFolder(folder, "journal-dir")
    let plotBase = r.GetResult(SweepArgs.Plot, IO.Path.Combine(folder, "scaling"))
    let cleanUp () = if created then TheoryKit.IO.SafeOutput.RemoveIfEmpty folder
    match shard with
    | Some sd ->
        let prog =
            { new IProgress<DifficultyProgress> with
                member _.Report p = if not quiet then eprintfn "[difficulty] shard %d of %d: member %d of %d, %s (%.0f s)" sd.Index sd.Count p.Member p.Members p.Name clock.Elapsed.TotalSeconds }
        let summary =
            try ShardSweeps.RunDifficulty(members, template, teacher, folder, sd, List.toArray sh.Command, prog, template.Training.Threads)
            with _ -> cleanUp (); reraise ()
        ShardCommands.shardSummary sh summary
    | None ->
    match (try merge |> Option.bind (difficultyMerge members template folder) with _ -> cleanUp (); reraise ()) with
    | Some report -> cleanUp (); ShardCommands.reportIncomplete sh report
    | None ->
    let res, teachers, plots =
        try
            Plots.check plotBase
            let res = difficultyRun quiet clock members options teacher template folder
            let teachers = teacherReports res
            res, teachers, difficultyPlot plotBase res template.Epsilon
        with _ ->
            if created then TheoryKit.IO.SafeOutput.RemoveIfEmpty folder
            reraise ()
    if sh.Json then
        let summaries = [| for t in teachers -> TeacherSummary.Of(t, teacher.Tau) |]
        printfn "%s" (TrainReports.Json(DifficultyReport.Of(res, template.Epsilon, summaries, List.toArray plots)))
    else
        let memberRows =
            [ for m, t in Array.zip (Seq.toArray res.Members) teachers ->
                m.Member.Name,
                sprintf "gamma in [%s, %s]" (num m.Margin.GammaLower) (num m.Margin.GammaUpper),
                sprintf "objective-based (not comparable across label kinds): m*_soft %s, m*_hard %s; %s; %s"
                    (m.Sweep.For LabelKind.Soft |> Option.ofObj |> Option.map (fun l -> widthText l.ByRate) |> Option.defaultValue "-")
                    (m.Sweep.For LabelKind.Hard |> Option.ofObj |> Option.map (fun l -> widthText l.ByRate) |> Option.defaultValue "-")
                    (match m.Sweep.ByAccuracy with null -> "no accuracy-based m* (no held-out set)" | a -> a.Statement)
                    (teacherText t + (match Option.ofNullable t.TestAccuracy with
                                      | Some acc ->
                                          let c = TeacherComparison.Of(acc, m.Sweep)
                                          if c.BestHardWidth > 0 then
                                              sprintf " beside the best hard-label student's %s (m = %d)%s" (num c.BestHardAccuracy) c.BestHardWidth
                                                  (match c.Warning with null -> "" | _ -> "; WARNING: the teacher is weaker")
                                          else ""
                                      | None -> "")) ]
        let slopeRows =
            [ for sl in res.Slopes ->
                sprintf "slope (%s)" (SweepSpec.KindName sl.Labels),
                (match sl.Fit with null -> "no fit" | f -> sprintf "%s [%s, %s]" (num f.Slope) (num f.SlopeLower) (num f.SlopeUpper)),
                sl.Statement ]
        table (sprintf "Difficulty family %s, epsilon = %s: log m* against log(1/gamma)" res.Family (num template.Epsilon))
            (memberRows @ slopeRows @ [ "plots", String.Join(", ", plots), ""; "journals", folder, "" ])
        if not quiet then eprintfn "[difficulty] %s" res.Note
    if not quiet then eprintfn "[difficulty] done in %.1f s" clock.Elapsed.TotalSeconds
    0
