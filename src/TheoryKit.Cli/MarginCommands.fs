/// `margin`, `bounds` and `crossover`: THEORY.md §6-8.
module TheoryKit.Cli.MarginCommands

open System
open System.Diagnostics
open Argu
open TheoryKit
open TheoryKit.Data
open TheoryKit.Margins
open TheoryKit.Bounds
open TheoryKit.LinearAlgebra
open TheoryKit.Reports
open TheoryKit.Cli.Output
open TheoryKit.Cli.Common

type MarginArgs =
    | [<MainCommand; ExactlyOnce>] Data of data: string
    | Verify of certificate: string
    | Verify_Seed of seed: uint64
    | Width of width: float
    | Time of seconds: float
    | Delta of delta: float
    | Samples of count: int64
    | Optimisation_Samples of count: int
    | Monte_Carlo
    | Float64
    | Certificate of path: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Data _ -> "dataset: a CSV/LIBSVM/IDX file or a spec such as fashion-mnist:shirt-vs-t-shirt, two-point:1.0, noisy-xor:6, gaussians:2, separable:0.2"
            | Verify _ -> "re-check this certificate JSON on fresh samples of DATA"
            | Verify_Seed _ -> "seed of the fresh verification samples (default: the certificate's seed + 1)"
            | Width _ -> "requested width of the certified interval (default 0.01)"
            | Time _ -> "time budget in seconds (default 30); with --samples it bounds only the search for q, and with --samples and --optimisation-samples both it is refused (the clock then plays no part)"
            | Delta _ -> "per-side failure probability; the interval holds with probability >= 1 - 2 delta (default 0.025)"
            | Samples _ -> "fix the number of fresh certification samples (default: chosen from width and time)"
            | Optimisation_Samples _ -> "cap the directions q is fitted on (rounds of doubling size up to this count; the output reports the round whose q is kept); with --samples too, the result depends on the seed and --threads alone (OpenBLAS's threaded GEMM changes last bits with the thread count, which the solver's iterations can amplify to about 1e-4 in gamma)"
            | Monte_Carlo -> "use Monte Carlo even for planar (rank <= 2) data"
            | Float64 -> "certify with double GEMMs throughout (default: float32 GEMMs where the lower end comes from the kernel margins alone, kernel-tail, each sampled norm raised by a rigorous rounding allowance; about twice the samples per second)"
            | Certificate _ -> "save the margin certificate (q, seed, sample counts, delta) as JSON to this path"

type BoundsArgs =
    | [<Mandatory>] Gamma of gamma: float
    | [<Mandatory>] Epsilon of epsilon: float
    | Delta of delta: float
    | Eta of eta: float
    | C_Soft of c: float
    | C_Hard of c: float
    | C_Mosw of c: float
    | Width of neurons: int
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Gamma _ -> "margin gamma in (0, 0.5]"
            | Epsilon _ -> "target epoch-averaged loss epsilon in (0, 1)"
            | Delta _ -> "confidence parameter delta in (0, 1/3) of [JT20] (default 0.1)"
            | Eta _ -> "step size eta in (0, 1] (default 1)"
            | C_Soft _ -> "constant of the [MLS25] soft-label rate (default 1; unpublished)"
            | C_Hard _ -> "constant of the [MLS25] hard-label rate (default 1; unpublished)"
            | C_Mosw _ -> "constant of the [MOSW22] rate (default 1)"
            | Width _ -> "width m at which to evaluate the [JT20] radius (default M)"

type CrossoverArgs =
    | [<MainCommand; ExactlyOnce>] Data of data: string
    | [<Mandatory>] Epsilon of epsilon: float
    | Bound_Delta of delta: float
    | C_Soft of c: float
    | C_Hard of c: float
    | Hard_Bound of id: string
    | C_Mosw of c: float
    | Samples of count: int64
    | Optimisation_Samples of count: int
    | Monte_Carlo
    | Float64
    | Width of width: float
    | Time of seconds: float
    | Delta of delta: float
    | Certificate of path: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Data _ -> "dataset (as for `theorykit margin`)"
            | Epsilon _ -> "target epoch-averaged loss epsilon in (0, 1)"
            | Bound_Delta _ -> "delta of the [JT20] bound (default 0.1)"
            | C_Soft _ -> "constant of the [MLS25] soft-label rate (default 1; unpublished)"
            | C_Hard _ -> "constant of the [MLS25] hard-label rate (default 1; unpublished)"
            | Hard_Bound _ -> "hard-label bound to compare with the soft rate: mls25-hard (default), jt20 or mosw22"
            | C_Mosw _ -> "constant of the [MOSW22] rate (default 1)"
            | Samples _ -> "fix the number of fresh certification samples of the margin"
            | Optimisation_Samples _ -> "cap the directions q is fitted on (see `margin --help`); with --samples too, the margin depends on the seed and --threads alone (see `margin --help`)"
            | Monte_Carlo -> "use Monte Carlo even for planar (rank <= 2) data"
            | Float64 -> "certify with double GEMMs throughout (default: float32 GEMMs where the lower end comes from the kernel margins alone, kernel-tail, each sampled norm raised by a rigorous rounding allowance; about twice the samples per second)"
            | Width _ -> "requested width of the certified margin interval (default 0.01)"
            | Time _ -> "time budget of the margin in seconds (default 30)"
            | Delta _ -> "per-side failure probability of the margin interval (default 0.025)"
            | Certificate _ -> "save the margin certificate as JSON to this path"

let marginRows (m: MarginResult) =
    [ "gamma interval", sprintf "[%s, %s]" (num m.GammaLower) (num m.GammaUpper),
        (if m.Mode = "exact-planar" then "exact (planar data, no sampling)" else sprintf "holds with probability >= %s" (num m.Confidence))
      "gamma estimate", num m.GammaEstimate, (if m.Mode = "exact-planar" then "exact value" else "midpoint of the primal (clamped at 0) and dual estimates")
      "interval width", num m.Width, sprintf "stopped by: %s" m.StoppedBy
      "mode", MarginModes.Of m, (if m.Mode = "monte-carlo" && not m.MonteCarloPrimal then "the Monte Carlo primal was not estimated: the lower end comes from the kernel margins" else "")
      "dual estimate", num m.DualEstimate, (if m.Mode = "exact-planar" then "" else sprintf "+ %s (%s)" (num m.UpperTerm) m.UpperBound)
      "primal estimate", num m.PrimalEstimate, (if m.Mode = "exact-planar" then ""
                                                     elif m.LowerBound = "exact-kernel" then "lower end min_i (YHYq)_i / S_q, S_q >= sup_z ||U_q(z)|| (exact-kernel, no sampling)"
                                                     elif m.LowerBound = "kernel-tail" then
                                                         sprintf "lower end %s = min_i (YHYq)_i / T - (1/2) ||x_i|| (S_q / T - 1) P(max(||U_q(z)||, ||U_q(-z)||) > T) (kernel-tail: one tail count, Clopper-Pearson)"
                                                             (num (m.PrimalEstimate - m.LowerTerm))
                                                     else sprintf "- %s (%s, union over the n points)%s" (num m.LowerTerm) m.LowerBound
                                                              (if isNull m.Certificate.PrimalQ then "" else "; primal from a second weight vector p"))
      "samples",
      (if m.OptimisationSamples = 0 && m.Mode = "monte-carlo" then sprintf "%d fresh (q from the exact kernel quadratic: no sampled round beat it, or none ran)" m.CertificationSamples
       else sprintf "%d fresh (%d to optimise)" m.CertificationSamples m.OptimisationSamples),
      sprintf "seed %d" m.Certificate.Seed
      "whole dataset",
        (match m.SubsampleOf with
         | null -> "these are the whole data"
         | s -> sprintf "subsample (%s): upper end transfers, lower end does not" s),
        (match m.SubsampleOf with
         | null -> ""
         | _ -> "a subset's margin is at least the whole set's, so the upper end bounds the whole dataset's margin")
      "solver gap", num m.SolverGap, sprintf "%d iterations" m.Iterations
      "time", sprintf "%.1f s" m.Seconds, (if m.CertificationGflops > 0 then sprintf "%.1f GFLOP/s certifying" m.CertificationGflops else "") ]

let saveCertificate (path: string option) (quiet: bool) (m: MarginResult) =
    match path with
    | Some p ->
        writeAtomic p (m.Certificate.ToJson())
        if not quiet then eprintfn "[margin] certificate saved to %s" p
    | None -> ()

let runMargin (r: ParseResults<MarginArgs>) (sh: Shared) =
    let quiet = sh.Quiet
    let data = dataArgument (r.GetResult MarginArgs.Data)
    let clock = Stopwatch.StartNew()
    r.TryGetResult MarginArgs.Certificate |> Option.iter checkWritable
    let marginOptions () =
        MarginOptions(Width = r.GetResult(MarginArgs.Width, 0.01), TimeBudget = r.GetResult(MarginArgs.Time, 30.0),
                      Delta = r.GetResult(MarginArgs.Delta, 0.025), Seed = sh.Seed, Threads = defaultArg sh.Threads 0,
                      CertificationSamples = Option.toNullable (r.TryGetResult MarginArgs.Samples),
                      OptimisationSamples = Option.toNullable (r.TryGetResult MarginArgs.Optimisation_Samples),
                      MonteCarlo = r.Contains MarginArgs.Monte_Carlo, Float32 = not (r.Contains MarginArgs.Float64))
    marginOptions().Validate()
    if (r.TryGetResult MarginArgs.Verify).IsNone then checkTimeAndSamples "time" (r.TryGetResult MarginArgs.Time) (r.TryGetResult MarginArgs.Samples) (r.TryGetResult MarginArgs.Optimisation_Samples) quiet
    // With --verify the certificate is loaded once, before the data, so a bad file fails at once.
    let verified = r.TryGetResult MarginArgs.Verify |> Option.map (fun path -> path, MarginCertificate.Load path)
    let ds = DataSource.Load(data, sharedData sh None)
    if verified.IsNone then MarginSolver.CheckMemory(ds, marginOptions ())
    describeData ds quiet sh.Threads
    let threads = defaultArg sh.Threads 0
    let result =
        match verified with
        | Some(certPath, cert) ->
            let seed = r.GetResult(MarginArgs.Verify_Seed, cert.Seed + 1UL)
            let samples = r.TryGetResult MarginArgs.Samples |> Option.toNullable
            MarginSolver.Verify(cert, ds, seed, samples, threads, progress quiet "verify", certPath)
        | None ->
            MarginSolver.Certify(ds, marginOptions (), progress quiet "margin")
    saveCertificate (r.TryGetResult MarginArgs.Certificate) quiet result
    let consistent =
        verified |> Option.map (fun (_, cert) -> cert, VerifiedMarginReport.Overlaps(MarginReport.Of(ds, result), cert))
    if sh.Json then
        match verified with
        | Some(_, cert) -> printfn "%s" (VerifiedMarginReport.Of(ds, result, cert).ToJson())
        | None -> printfn "%s" (MarginReport.Of(ds, result).ToJson())
    else
        let rows =
            marginRows result
            @ (match consistent with
               | Some(cert, ok) -> [ "certificate interval", sprintf "[%s, %s]" (num cert.GammaLower) (num cert.GammaUpper), (if ok then "consistent: the intervals overlap" else "INCONSISTENT: the intervals do not overlap") ]
               | None -> [])
        table (sprintf "Margin of %s" ds.Provenance.Description) (pointsRow ds :: rows)
    if not quiet then eprintfn "[margin] done in %.1f s" clock.Elapsed.TotalSeconds
    match consistent with
    | Some(_, false) -> 1
    | _ -> 0

let boundsRows (p: BoundParameters) =
    let jt = Jt20.Theorem22 p
    let soft, hard = NeuronBounds.Mls25Soft.Evaluate p, NeuronBounds.Mls25Hard.Evaluate p
    [ "lambda [JT20]", num jt.Lambda, "(sqrt(2 ln(4n/delta)) + ln(4/eps)) / (gamma/4)"
      "M [JT20]", num jt.M, "width for Thm 2.2: 4096 lambda^2 / gamma^6"
      "T [JT20]", num jt.T, "steps: ceil(2 lambda^2 / (eta eps))"
      "radius [JT20]", num jt.Radius, sprintf "4 lambda / (gamma sqrt(m)) at m = %s" (num jt.WidthUsed)
      "m_soft [MLS25]", num soft, sprintf "rate, constant c_soft = %s" (num p.CSoft)
      "m_hard [MLS25]", num hard, sprintf "rate, constant c_hard = %s" (num p.CHard)
      "m [MOSW22]", num (NeuronBounds.Mosw22.Evaluate p), sprintf "rate, constant c_mosw = %s" (num p.CMosw)
      "m_hard / m_soft", num (hard / soft), (if soft < hard then "soft labels need fewer neurons" else "hard labels need fewer neurons") ]

let crossoverFields (p: BoundParameters) =
    let rate = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, p)
    let jt = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Jt20Width, p)
    rate, jt

let gammaStarText (c: CrossoverResult) =
    match Option.ofNullable c.GammaStar with
    | Some g -> num g
    | None -> "none in (0, 0.5]"

let runBounds (r: ParseResults<BoundsArgs>) (sh: Shared) =
    let p = BoundParameters(r.GetResult BoundsArgs.Gamma, r.GetResult BoundsArgs.Epsilon, defaultArg sh.N 1000,
                            r.GetResult(BoundsArgs.Delta, 0.1), r.GetResult(BoundsArgs.Eta, 1.0), r.GetResult(BoundsArgs.C_Soft, 1.0),
                            r.GetResult(BoundsArgs.C_Hard, 1.0), r.GetResult(BoundsArgs.C_Mosw, 1.0), Option.toNullable (r.TryGetResult BoundsArgs.Width))
    p.Validate()
    let rate, jtx = crossoverFields p
    if sh.Json then printfn "%s" (BoundsReport.Of(p).ToJson())
    else
        table (sprintf "Neuron bounds at gamma = %s, epsilon = %s, n = %d, delta = %s, eta = %s" (num p.Gamma) (num p.Epsilon) p.N (num p.Delta) (num p.Eta))
            (boundsRows p
             @ [ "gamma* (MLS25 soft vs hard)", gammaStarText rate, rate.Method
                 "gamma* (MLS25 soft vs JT20 M)", gammaStarText jtx, jtx.Method ])
    0

/// "[MLS25] ..., rate constant c_soft = 1, at the gamma estimate": the source, and the constant of a rate.
let boundNote (b: NeuronBound) (p: BoundParameters) =
    let constant =
        match b.Id with
        | "mls25-soft" -> sprintf " constant c_soft = %s" (num p.CSoft)
        | "mls25-hard" -> sprintf " constant c_hard = %s" (num p.CHard)
        | "mosw22" -> sprintf " constant c_mosw = %s" (num p.CMosw)
        | _ -> ""
    sprintf "%s%s, at the gamma estimate" b.Source constant

let runCrossover (r: ParseResults<CrossoverArgs>) (sh: Shared) =
    let quiet = sh.Quiet
    let clock = Stopwatch.StartNew()
    let epsilon = r.GetResult CrossoverArgs.Epsilon
    let hardBound =
        match r.GetResult(CrossoverArgs.Hard_Bound, "mls25-hard").ToLowerInvariant() with
        | "mls25-hard" | "jt20" | "mosw22" as id -> NeuronBounds.ById id
        | other -> raise (InputException.Parameter("hard-bound", sprintf "must be mls25-hard, jt20 or mosw22, got '%s'" other))
    let soft = NeuronBounds.Mls25Soft
    let o = MarginOptions(Width = r.GetResult(CrossoverArgs.Width, 0.01), TimeBudget = r.GetResult(CrossoverArgs.Time, 30.0),
                          Delta = r.GetResult(CrossoverArgs.Delta, 0.025), Seed = sh.Seed, Threads = defaultArg sh.Threads 0,
                          CertificationSamples = Option.toNullable (r.TryGetResult CrossoverArgs.Samples),
                          OptimisationSamples = Option.toNullable (r.TryGetResult CrossoverArgs.Optimisation_Samples),
                          MonteCarlo = r.Contains CrossoverArgs.Monte_Carlo, Float32 = not (r.Contains CrossoverArgs.Float64))
    // Validate the bound parameters before the (long) margin computation.
    let parameters n = BoundParameters(0.5, epsilon, n, r.GetResult(CrossoverArgs.Bound_Delta, 0.1), 1.0,
                                       r.GetResult(CrossoverArgs.C_Soft, 1.0), r.GetResult(CrossoverArgs.C_Hard, 1.0), r.GetResult(CrossoverArgs.C_Mosw, 1.0))
    (parameters 1).Validate()
    o.Validate()
    checkTimeAndSamples "time" (r.TryGetResult CrossoverArgs.Time) (r.TryGetResult CrossoverArgs.Samples) (r.TryGetResult CrossoverArgs.Optimisation_Samples) quiet
    r.TryGetResult CrossoverArgs.Certificate |> Option.iter checkWritable
    let ds = DataSource.Load(dataArgument (r.GetResult CrossoverArgs.Data), sharedData sh None)
    MarginSolver.CheckMemory(ds, o)
    describeData ds quiet sh.Threads
    let m = MarginSolver.Certify(ds, o, progress quiet "margin")
    saveCertificate (r.TryGetResult CrossoverArgs.Certificate) quiet m
    let p = parameters ds.N
    let c = MarginCrossover.Assess(m, soft, hardBound, p)
    let verdict = Option.ofObj c.Verdict
    if sh.Json then printfn "%s" (CrossoverReport.Of(ds, c).ToJson())
    else
        let rows =
            marginRows m
            @ [ "epsilon", num epsilon, sprintf "bounds: %s vs %s" soft.Id hardBound.Id ]
            @ (match verdict with
               | Some v ->
                   [ "m_soft", num v.MSoft, boundNote soft p
                     "m_hard", num v.MHard, boundNote hardBound p
                     "m_hard / m_soft", num v.Ratio,
                       sprintf "at the interval ends: %s .. %s" (v.RatioAtLower |> Option.ofNullable |> Option.map num |> Option.defaultValue "inf")
                                                                (v.RatioAtUpper |> Option.ofNullable |> Option.map num |> Option.defaultValue "n/a") ]
               | None -> [])
            @ [ "gamma*", gammaStarText c.Star, c.Star.Method
                "verdict", c.VerdictText, c.VerdictReason ]
            @ (match c.WholeDatasetVerdict with
               | null -> []
               | whole -> [ "whole dataset verdict", whole, c.WholeDatasetReason ])
        table (sprintf "Crossover for %s" ds.Provenance.Description) (pointsRow ds :: rows)
    if not quiet then eprintfn "[crossover] done in %.1f s" clock.Elapsed.TotalSeconds
    0

