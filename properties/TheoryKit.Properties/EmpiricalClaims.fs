/// Claims about the empirical neuron requirement of THEORY.md §9: the success rule of a width sweep, the
/// Clopper-Pearson interval of a success rate and the minimal-width rules built on it, the scaling fit, and two
/// measured trends (m* against eps, and the soft-hard gap against the margin gamma). Sweeps run on tiny data in a
/// temporary folder; their records are compared with the plain-loop gradient descent of Reference.
module TheoryKit.Properties.EmpiricalClaims

open System
open System.IO
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open TheoryKit.Data
open TheoryKit.Experiments
open TheoryKit.Networks
open TheoryKit.Teachers
open TheoryKit.Training
open TheoryKit.Properties.Claim
open TheoryKit.Properties.Generators
open TheoryKit.Properties.Reference

// ---- plain-loop training reference --------------------------------------------------------------

/// What plain-loop gradient descent gives for one run.
type private PlainRun =
    { AveragedLoss: float
      AveragedRisk: float
      FinalRisk: float
      TrainError: float
      TestError: float
      /// f(x_i; W_T) = 0 on every training point: a dead network (THEORY.md §9), never a success.
      Dead: bool }

/// Reference.plainDescent of THEORY.md §1-3 from (W_0, a) on s: the objective is the mean KL to `soft` (soft
/// labels) or the logistic risk (hard labels); also the hard-label risk along the way, and the 0-1 errors at W_T
/// on s and on the held-out points (a point is correct when y f > 0; a tie f = 0 counts half an error, THEORY.md §9).
let private plainRun (s: Small) (w0: float[]) (a: float[]) (soft: float[] option) eta steps (testRows: float[][]) (testY: float[]) =
    let run = plainDescent s w0 a soft eta steps None
    let error (xs: float[][]) (ys: float[]) =
        (Array.fold2 (fun c x yi -> let f = logitAt run.W a x in if f = 0.0 then c + 0.5 elif yi * f > 0.0 then c else c + 1.0) 0.0 xs ys) / float xs.Length
    { AveragedLoss = epochMean run.Loss
      AveragedRisk = epochMean run.Risk
      FinalRisk = run.Risk.[steps]
      TrainError = error (Array.init s.N s.Row) s.Y
      TestError = error testRows testY
      Dead = Array.init s.N s.Row |> Array.forall (fun x -> logitAt run.W a x = 0.0) }

/// Runs `f` with a fresh temporary folder, removed afterwards.
let private inTempFolder (f: string -> 'a) =
    let dir = Directory.CreateTempSubdirectory("theorykit-claims-")
    try f dir.FullName finally (try dir.Delete(true) with :? IOException -> ())

/// A width sweep of `spec` on `train`, journalled in a temporary folder (one thread per run).
let private sweep (spec: SweepSpec) (train: Dataset) (test: Dataset) (soft: float[]) =
    inTempFolder (fun dir -> WidthSweep.Run(spec, train, test, TeacherLabels.Given soft, Path.Combine(dir, "sweep.jsonl"), null, 1))

/// Soft labels sigma(g / tau) of the kernel-limit teacher (200 steps, eta = 1), the default teacher of theory checks.
let private kernelSoftLabels (train: Dataset) tau = SoftLabels.From(KernelTeacher.Fit(train, 1.0, 200).Logits(train), tau)

// ---- E1 -----------------------------------------------------------------------------------------

type private SweepCase =
    { Epsilon: float
      Steps: int
      MaxWidth: int
      Seeds: int
      Symmetric: bool
      Eta: float
      Tau: float
      MasterSeed: uint64 }
    override c.ToString() =
        sprintf "eps %g, T %d, widths 2..%d, %d seeds, symmetric %b, eta %g, tau %g, master seed %d" c.Epsilon c.Steps c.MaxWidth c.Seeds c.Symmetric c.Eta c.Tau c.MasterSeed

let private sweepCase =
    gen {
        let! eps = uniform 0.05 0.7
        let! steps = Gen.choose (1, 30)
        let! maxWidth = Gen.elements [ 4; 8 ]
        let! seeds = Gen.choose (1, 3)
        let! symmetric = Gen.elements [ false; true ]
        let! eta = Gen.elements [ 0.5; 1.0 ]
        let! tau = Gen.elements [ 0.5; 1.0; 2.0 ]
        let! master = seed
        return { Epsilon = eps; Steps = steps; MaxWidth = maxWidth; Seeds = seeds; Symmetric = symmetric; Eta = eta; Tau = tau; MasterSeed = master }
    }

/// Held-out points: `count` unit rows of dimension d with random labels, from `seed`.
let private heldOut (seed: uint64) d count =
    let rng = TheoryKit.Random.SeedSequence.Rng(seed, "empirical-claims-held-out")
    let rows =
        Array.init count (fun _ ->
            let g = Array.init d (fun _ -> Normal.Sample(rng, 0.0, 1.0))
            let r = norm g
            g |> Array.map (fun v -> v / r))
    let y = Array.init count (fun _ -> if rng.Next(2) = 0 then -1.0 else 1.0)
    rows, y

let private e1 =
    { Id = "E1"
      Section = "§9 Empirical neuron requirement"
      Source = "THEORY.md §9, §3"
      Statement =
        "For a dataset, a label kind (soft or hard), ε, a step budget T and η: a width m succeeds on a seed if the epoch-averaged training objective (1/T) Σ_{t<T} L(W_t) is ≤ ε. Also recorded: whether the hard-label risk is ≤ ε, and the test accuracy."
      Kind = Identity
      Property =
        "For random unit-norm datasets (n ≤ 6, d ≤ 3), ε ∈ [0.05, 0.7], T ≤ 30, widths 2..4 or 2..8, S ≤ 3 seeds, both initialisations, η ∈ {0.5, 1} and soft labels of the kernel teacher at τ ∈ {0.5, 1, 2}, a WidthSweep.Run in a temporary folder holds every (kind, width, seed) once with the seed SweepSpec.RunSeed; every record's success flag equals (its epoch-averaged loss ≤ ε and the network is not dead, i.e. not f(x_i; W_T) = 0 on every training point, THEORY.md §9), and its outcome is dead exactly when the plain loop's network is; its epoch-averaged objective (KL or logistic), epoch-averaged hard-label risk, final risk and 0-1 train and held-out errors equal plain-loop gradient descent written here from TwoLayerNetwork.Initialise (losses to relative 1e-9, errors exactly); the analysis counts successes and hard-risk successes (averaged risk ≤ ε) per width as the records say."
      Tests =
        [ "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.SweepRunsEveryRunOnceAndAnalyses"
          "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.AnalyseFindsMinimalWidthsAndBrackets" ]
      QuickTests = 12
      ThoroughTests = 200
      Check =
        fun _ ->
            forAll (smallUnit 2 6 3) (fun s ->
                forAllGen sweepCase (fun c ->
                    let train = toDataset s
                    let testRows, testY = heldOut c.MasterSeed s.D 5
                    let test = dataset (Array.concat testRows) testY s.D
                    let soft = kernelSoftLabels train c.Tau
                    let spec =
                        SweepSpec("property", c.Epsilon, 2, c.MaxWidth, c.Seeds, TrainingOptions(2, c.Steps, c.Eta, LabelKind.Hard, c.Symmetric),
                                  MasterSeed = c.MasterSeed, Teacher = "kernel", Temperature = c.Tau)
                    let result = sweep spec train test soft
                    let widths = spec.Widths()
                    let expectedKeys =
                        [ for w in widths do
                              for i in 0 .. c.Seeds - 1 do
                                  for k in [ LabelKind.Soft; LabelKind.Hard ] -> (k, w, i) ]
                        |> Set.ofList
                    let keys = result.Runs |> Seq.map (fun (r: RunRecord) -> (r.Labels, r.Width, r.SeedIndex)) |> List.ofSeq
                    let close a b = abs (a - b) <= 1e-9 * (1.0 + abs b)
                    let problems =
                        [ for r in result.Runs do
                              let net = TwoLayerNetwork.Initialise(r.Width, s.D, r.Seed, c.Symmetric)
                              let p = plainRun s net.W0 net.A (if r.Labels = LabelKind.Soft then Some soft else None) c.Eta c.Steps testRows testY
                              if r.Seed <> SweepSpec.RunSeed(c.MasterSeed, r.Width, r.SeedIndex) then yield sprintf "%O: seed %d is not RunSeed" r.Key r.Seed
                              if (r.Outcome = RunOutcome.Dead) <> p.Dead then
                                  yield sprintf "%O: outcome %O, but the plain loop's network is %s at W_T" r.Key r.Outcome (if p.Dead then "dead" else "alive")
                              if r.Success <> (not p.Dead && r.EpochAveragedLoss <= c.Epsilon) then
                                  yield sprintf "%O: success %b but epoch-averaged loss %.17g, eps %.17g, dead %b" r.Key r.Success r.EpochAveragedLoss c.Epsilon p.Dead
                              if not (close r.EpochAveragedLoss p.AveragedLoss) then
                                  yield sprintf "%O: epoch-averaged objective %.17g, plain loop %.17g" r.Key r.EpochAveragedLoss p.AveragedLoss
                              if not (close r.EpochAveragedRisk p.AveragedRisk) then
                                  yield sprintf "%O: epoch-averaged risk %.17g, plain loop %.17g" r.Key r.EpochAveragedRisk p.AveragedRisk
                              if not (close r.FinalRisk p.FinalRisk) then yield sprintf "%O: final risk %.17g, plain loop %.17g" r.Key r.FinalRisk p.FinalRisk
                              if r.TrainError <> p.TrainError then yield sprintf "%O: train error %g, plain loop %g" r.Key r.TrainError p.TrainError
                              if r.TestError <> Nullable p.TestError then yield sprintf "%O: test error %A, plain loop %g" r.Key r.TestError p.TestError
                          for l in result.Labels do
                              for st in l.Widths do
                                  let at = result.Runs |> Seq.filter (fun r -> r.Labels = l.Labels && r.Width = st.Width) |> List.ofSeq
                                  let successes = at |> List.filter (fun r -> r.Success) |> List.length
                                  let riskSuccesses = at |> List.filter (fun r -> r.EpochAveragedRisk <= c.Epsilon) |> List.length
                                  if st.Successes <> successes || st.RiskSuccesses <> riskSuccesses then
                                      yield sprintf "%A width %d: analysis counts %d successes, %d risk successes; records %d, %d" l.Labels st.Width st.Successes st.RiskSuccesses successes riskSuccesses ]
                    ((keys.Length = expectedKeys.Count && Set.ofList keys = expectedKeys)
                     |> Prop.label (sprintf "runs: %d records, expected each of %d keys once" keys.Length expectedKeys.Count))
                    .&. (problems.IsEmpty |> Prop.label (String.concat "; " (List.truncate 5 problems))))) }

// ---- E2 -----------------------------------------------------------------------------------------

let private e2 =
    { Id = "E2"
      Section = "§9 Empirical neuron requirement"
      Source = "THEORY.md §9; Clopper & Pearson (1934)"
      Statement =
        "Minimal width m*(ε): the smallest m on a geometric grid whose success rate over S seeds has a Clopper-Pearson lower confidence bound ≥ 1 − δ_s, or simply the smallest m whose success rate is ≥ a threshold; both the rate and its interval are reported. The two-sided Clopper-Pearson interval at level 1 − α for k successes in S trials covers the success probability p with probability ≥ 1 − α for every p; for k = 0 it is [0, 1 − (α/2)^(1/S)], for k = S it is [(α/2)^(1/S), 1]; in general its ends solve P(Bin(S, lower) ≥ k) = α/2 and P(Bin(S, upper) ≤ k) = α/2."
      Kind = Probabilistic "α"
      Property =
        "(1) For random p (mostly in [0.02, 0.1], where Wald intervals undercover), S ≤ 40 and α ∈ {0.01, 0.05, 0.1, 0.2}: the exact coverage Σ_k Bin(S, p)(k) 1[p ∈ interval(k)] is ≥ 1 − α − 1e-9, and over N = 200 (thorough 2000) binomial draws seeded from the case the misses pass binomialTest at p = α, level 1e-6. (2) For random S ≤ 60, α ∈ [1e-4, 0.5] and k: the closed forms for k = 0, 1, S − 1, S (absolute 1e-8: the Beta quantile is a root search to about 1e-10) and the binomial tail equations at both ends (absolute 1e-7). (3) For hand-made records of a random grid 2..2^j, S ≤ 12 seeds and random success counts, WidthSweep.Analyse reports each width's two-sided interval, its one-sided lower bound (the two-sided lower end at 2α) and m* by the Clopper-Pearson rule, by the rate rule and their ratio as computed here from the interval."
      Tests =
        [ "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.ClopperPearsonMatchesPublishedValues"
          "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.ClopperPearsonSeedsNeededAndBadInput"
          "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.AnalyseFindsMinimalWidthsAndBrackets"
          "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.SweepRunsEveryRunOnceAndAnalyses"
          "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.SweepSpecGridAndValidation" ]
      QuickTests = 60
      ThoroughTests = 2000
      Check =
        fun ctx ->
            let cp = ctx.Impl.ClopperPearson
            let coverageCase =
                gen {
                    let! p = Gen.frequency [ 2, uniform 0.02 0.1; 1, uniform 0.001 0.999 ]
                    let! trials = Gen.choose (1, 40)
                    let! alpha = Gen.elements [ 0.01; 0.05; 0.1; 0.2 ]
                    let! s = seed
                    return p, trials, alpha, s
                }
            let coverage =
                forAllGen coverageCase (fun (p, trials, alpha, s) ->
                    let intervals = Array.init (trials + 1) (fun k -> cp k trials alpha)
                    let covers k = let lo, hi = intervals.[k] in lo <= p && p <= hi
                    let exact = Seq.sum (seq { for k in 0..trials do if covers k then yield Binomial.PMF(p, trials, k) })
                    let draws = if ctx.Thorough then 2000 else 200
                    let rng = TheoryKit.Random.SeedSequence.Rng(s, "empirical-claims-e2")
                    let misses = Seq.init draws (fun _ -> Binomial.Sample(rng, p, trials)) |> Seq.filter (covers >> not) |> Seq.length
                    (exact >= 1.0 - alpha - 1e-9
                     |> Prop.label (sprintf "exact coverage at p = %g, S = %d, alpha = %g: %.6g < 1 - alpha" p trials alpha exact))
                    .&. binomialTest (sprintf "interval misses at p = %g, S = %d, alpha = %g" p trials alpha) misses draws alpha 1e-6)
            let knownCase =
                gen {
                    let! trials = Gen.choose (1, 60)
                    let! alpha = logUniform 1e-4 0.5
                    let! k = Gen.choose (0, trials)
                    return trials, alpha, k
                }
            let known =
                forAllGen knownCase (fun (trials, alpha, k) ->
                    let n = float trials
                    let h = alpha / 2.0
                    let checks =
                        [ yield "k = 0, lower", fst (cp 0 trials alpha), 0.0
                          yield "k = 0, upper", snd (cp 0 trials alpha), 1.0 - h ** (1.0 / n)
                          yield "k = S, lower", fst (cp trials trials alpha), h ** (1.0 / n)
                          yield "k = S, upper", snd (cp trials trials alpha), 1.0
                          if trials >= 2 then
                              yield "k = 1, lower", fst (cp 1 trials alpha), 1.0 - (1.0 - h) ** (1.0 / n)
                              yield "k = S - 1, upper", snd (cp (trials - 1) trials alpha), (1.0 - h) ** (1.0 / n) ]
                    // MathNet's Beta quantile is a root search accurate to about 1e-10 in x (measured up to 1.6e-10).
                    let bad = checks |> List.filter (fun (_, got, expected) -> not (abs (got - expected) <= 1e-8))
                    let lo, hi = cp k trials alpha
                    // P(Bin(S, lower) >= k) and P(Bin(S, upper) <= k); the ends k = 0 (lower 0) and k = S (upper 1) are closed forms above.
                    let lowerTail = if k = 0 then h else 1.0 - Binomial(lo, trials).CumulativeDistribution(float (k - 1))
                    let upperTail = if k = trials then h else Binomial(hi, trials).CumulativeDistribution(float k)
                    (bad.IsEmpty
                     |> Prop.label (bad |> List.map (fun (w, g, e) -> sprintf "S = %d, alpha = %g, %s: %.17g, closed form %.17g" trials alpha w g e) |> String.concat "; "))
                    // An error of 1e-10 in x moves a tail probability by at most S times as much (the binomial tail's slope).
                    .&. ((abs (lowerTail - h) <= 1e-7 && abs (upperTail - h) <= 1e-7)
                         |> Prop.label (sprintf "k = %d of S = %d, alpha = %g: interval [%.17g, %.17g], P(Bin >= k | lower) = %.6g, P(Bin <= k | upper) = %.6g, both should be %.6g" k trials alpha lo hi lowerTail upperTail h)))
            let ruleCase =
                gen {
                    let! j = Gen.choose (1, 5)
                    let! seeds = Gen.choose (1, 12)
                    let! soft = Gen.listOfLength (j + 1) (Gen.choose (0, seeds))
                    let! hard = Gen.listOfLength (j + 1) (Gen.choose (0, seeds))
                    let! deltaS = uniform 0.02 0.95
                    let! alpha = uniform 0.005 0.25
                    let! threshold = uniform 0.05 1.0
                    return j, seeds, soft, hard, deltaS, alpha, threshold
                }
            let rule =
                forAllGen ruleCase (fun (j, seeds, softCounts, hardCounts, deltaS, alpha, threshold) ->
                    let spec =
                        SweepSpec("hand-made", 0.5, 2, 1 <<< (j + 1), seeds, TrainingOptions(2, 1, 1.0),
                                  DeltaS = deltaS, Alpha = alpha, SuccessThreshold = threshold)
                    let widths = spec.Widths()
                    let record kind w i ok =
                        RunRecord(kind, w, i, SweepSpec.RunSeed(0UL, w, i), ok, (if ok then 0.1 else 0.9), 0.5, 0.5, 0.5, 0.1, Nullable(), Nullable(), 0.0)
                    let records =
                        [ for wi in 0 .. widths.Length - 1 do
                              for i in 0 .. seeds - 1 do
                                  yield record LabelKind.Soft widths.[wi] i (i < softCounts.[wi])
                                  yield record LabelKind.Hard widths.[wi] i (i < hardCounts.[wi]) ]
                    let result = WidthSweep.Analyse(spec, records)
                    let expectedFor (counts: int list) =
                        let byCp = List.zip (List.ofArray widths) counts |> List.tryFind (fun (_, k) -> fst (cp k seeds (2.0 * alpha)) >= 1.0 - deltaS) |> Option.map fst
                        let byRate = List.zip (List.ofArray widths) counts |> List.tryFind (fun (_, k) -> float k >= threshold * float seeds - 1e-9) |> Option.map fst
                        byCp, byRate
                    let problems =
                        [ for kind, counts in [ LabelKind.Soft, softCounts; LabelKind.Hard, hardCounts ] do
                              let l = result.For(kind)
                              for wi in 0 .. widths.Length - 1 do
                                  let st = l.Widths.[wi]
                                  let k = counts.[wi]
                                  let lo, hi = cp k seeds alpha
                                  let one = fst (cp k seeds (2.0 * alpha))
                                  if st.Successes <> k || st.RateLower <> lo || st.RateUpper <> hi || st.OneSidedLower <> one then
                                      yield sprintf "%A width %d, %d of %d: analysis [%.17g, %.17g], one-sided %.17g; interval [%.17g, %.17g], one-sided %.17g" kind st.Width k seeds st.RateLower st.RateUpper st.OneSidedLower lo hi one
                              let byCp, byRate = expectedFor counts
                              if Option.ofNullable l.ByClopperPearson.Width <> byCp then
                                  yield sprintf "%A: m* by the Clopper-Pearson rule %A, expected %A" kind l.ByClopperPearson.Width byCp
                              if Option.ofNullable l.ByRate.Width <> byRate then yield sprintf "%A: m* by the rate rule %A, expected %A" kind l.ByRate.Width byRate
                          let ratio =
                              match expectedFor softCounts, expectedFor hardCounts with
                              | (Some s, _), (Some h, _) -> Some(float h / float s)
                              | _ -> None
                          if Option.ofNullable result.RatioByClopperPearson <> ratio then
                              yield sprintf "ratio m*_hard / m*_soft (Clopper-Pearson rule) %A, expected %A" result.RatioByClopperPearson ratio ]
                    problems.IsEmpty
                    |> Prop.label (sprintf "grid %A, S = %d, delta_s = %g, alpha = %g, threshold = %g: %s" widths seeds deltaS alpha threshold (String.concat "; " problems)))
            coverage .&. known .&. rule }

// ---- E3 -----------------------------------------------------------------------------------------

let private e3 =
    { Id = "E3"
      Section = "§9 Empirical neuron requirement"
      Source = "THEORY.md §9 (least squares with a Student-t interval)"
      Statement =
        "Scaling over a family of datasets with certified γ: fit log m* against log(1/γ), and report the slope with a confidence interval next to the theory slopes (soft: 2; hard: 4 [MLS25], 8 [JT20]). The fit is ordinary least squares; the slope interval at confidence c is slope ± t_{(1+c)/2, N−2} SE(slope), which covers the true slope with probability c under independent normal residuals."
      Kind = Probabilistic "1 − c"
      Property =
        "(1) For random exact lines y = a + b x (N ∈ [3, 10] distinct x): ScalingFit.Fit returns b and a to relative 1e-9, standard errors ≤ 1e-9 (1 + |b|) and R² ≥ 1 − 1e-12. (2) For random noisy lines (Gaussian noise σ ∈ [0.01, 2], seeded from the case) the residuals satisfy the normal equations Σ r = 0 and Σ x r = 0 (relative 1e-9), and over N = 300 (thorough 3000) draws at c ∈ {0.8, 0.9, 0.95} the misses of the slope interval and of the intercept interval each pass binomialTest at p = 1 − c, level 1e-6."
      Tests =
        [ "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.ScalingFitRecoversExactLine"
          "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.ScalingFitMatchesHandComputedNoisyExample"
          "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.ScalingFitRejectsTooFewPointsAndNoSpread"
          "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.SlopeStatementsAgainstTheory"
          "tests/TheoryKit.Core.Tests/ExperimentTests.cs: ExperimentTests.DifficultyRunOnTwoPointFamily" ]
      QuickTests = 30
      ThoroughTests = 500
      Check =
        fun ctx ->
            let lineCase =
                gen {
                    let! n = Gen.choose (3, 10)
                    let! x = Gen.arrayOfLength n (uniform -3.0 3.0)
                    let! slope = uniform -10.0 10.0
                    let! intercept = uniform -10.0 10.0
                    let! sigma = logUniform 0.01 2.0
                    let! confidence = Gen.elements [ 0.8; 0.9; 0.95 ]
                    let! s = seed
                    return x, slope, intercept, sigma, confidence, s
                }
                |> Gen.filter (fun (x, _, _, _, _, _) -> Array.max x - Array.min x > 0.1)
            forAllGen lineCase (fun (x, b, a, sigma, confidence, s) ->
                let exact = ScalingFit.Fit(x, x |> Array.map (fun v -> a + b * v), confidence)
                let exactOk =
                    abs (exact.Slope - b) <= 1e-9 * (1.0 + abs b) && abs (exact.Intercept - a) <= 1e-9 * (1.0 + abs a)
                    && exact.SlopeStandardError <= 1e-9 * (1.0 + abs b) && exact.RSquared >= 1.0 - 1e-12
                let rng = TheoryKit.Random.SeedSequence.Rng(s, "empirical-claims-e3")
                let draws = if ctx.Thorough then 3000 else 300
                let mutable slopeMisses = 0
                let mutable interceptMisses = 0
                let mutable normalWorst = 0.0
                for _ in 1..draws do
                    let y = x |> Array.map (fun v -> a + b * v + sigma * Normal.Sample(rng, 0.0, 1.0))
                    let fit = ScalingFit.Fit(x, y, confidence)
                    if not (fit.SlopeLower <= b && b <= fit.SlopeUpper) then slopeMisses <- slopeMisses + 1
                    if not (fit.InterceptLower <= a && a <= fit.InterceptUpper) then interceptMisses <- interceptMisses + 1
                    let r = Array.map2 (fun xv yv -> yv - (fit.Intercept + fit.Slope * xv)) x y
                    let scale = (Array.sumBy abs y + 1.0) * (Array.sumBy abs x + 1.0)
                    normalWorst <- max normalWorst (max (abs (Array.sum r)) (abs (dot x r)) / scale)
                (exactOk
                 |> Prop.label (sprintf "exact line a = %.17g, b = %.17g: fit slope %.17g (SE %.3g), intercept %.17g, R^2 %.17g" a b exact.Slope exact.SlopeStandardError exact.Intercept exact.RSquared))
                .&. (normalWorst <= 1e-9 |> Prop.label (sprintf "normal equations: largest relative |sum r| or |sum x r| %.3g" normalWorst))
                .&. binomialTest (sprintf "slope interval misses (c = %g, N = %d, sigma = %g)" confidence x.Length sigma) slopeMisses draws (1.0 - confidence) 1e-6
                .&. binomialTest (sprintf "intercept interval misses (c = %g, N = %d, sigma = %g)" confidence x.Length sigma) interceptMisses draws (1.0 - confidence) 1e-6) }

// ---- measured minimal widths (E4, E8) ---------------------------------------------------------------

/// One-sided failure probability of the per-width statements "surely succeeds" and "surely fails" in E4 and E8.
[<Literal>]
let private TrendAlpha = 0.05

/// What a sweep says about m* (the smallest even width whose success probability reaches 1/2, on a grid that
/// starts at 2): a width surely succeeds when the one-sided Clopper-Pearson lower bound (level 1 - TrendAlpha) of
/// its success rate is >= 1/2, and surely fails when the one-sided upper bound is < 1/2. If success does not
/// decrease with width (the analysis's assumption), m* lies in [Lo, Hi]: Hi is the first width that surely
/// succeeds (infinite when none does), Lo is 2 above the largest width below Hi that surely fails (2 when none does).
type private Bracket =
    { Rates: string
      Lo: float
      Hi: float }
    override b.ToString() = sprintf "m* in [%g, %g] (successes per width %s)" b.Lo b.Hi b.Rates

let private bracketOf (cp: int -> int -> float -> float * float) (l: LabelSweep) =
    let stats = List.ofSeq l.Widths
    // The two-sided interval at level 1 - 2 TrendAlpha has one-sided ends at level 1 - TrendAlpha.
    let interval (st: WidthStats) = cp st.Successes st.Runs (2.0 * TrendAlpha)
    let hi =
        match stats |> List.tryFind (fun st -> fst (interval st) >= 0.5) with
        | Some st -> float st.Width
        | None -> infinity
    let lo =
        match stats |> List.filter (fun st -> float st.Width < hi && snd (interval st) < 0.5) |> List.tryLast with
        | Some st -> float st.Width + 2.0
        | None -> 2.0
    { Rates = stats |> List.map (fun st -> sprintf "%d: %d/%d" st.Width st.Successes st.Runs) |> String.concat ", "
      Lo = lo
      Hi = hi }

/// Outcome of one comparison of a trend.
type private Verdict =
    | Consistent
    /// A short reason (counted per case) and the details.
    | Undecided of reason: string * detail: string
    | Violated of string

/// Combines the comparisons of a case: falsified by any violation; decided when at least one comparison is.
let private verdictProperty (ctx: Context) (what: string) (verdicts: Verdict list) =
    match verdicts |> List.tryPick (function Violated w -> Some w | _ -> None) with
    | Some w -> false |> Prop.label (sprintf "%s: %s" what w)
    | None ->
        let decided = verdicts |> List.exists (function Consistent -> true | _ -> false)
        let undecided = verdicts |> List.choose (function Undecided(r, d) -> Some(r, d) | _ -> None)
        let reason = undecided |> List.map fst |> List.distinct |> String.concat "; "
        let why = undecided |> List.map (fun (r, d) -> r + ": " + d) |> String.concat "; "
        undecidedBecause ctx reason (not decided) (lazy true) |> Prop.label (sprintf "%s: %s" what why)

/// The grid's factor: also the slack allowed, on top of the brackets, before a trend counts as violated.
[<Literal>]
let private GridFactor = 2.0

// ---- E4 -----------------------------------------------------------------------------------------

type private EpsilonCase =
    { Source: string
      N: int option
      D: int option
      DataSeed: uint64
      Epsilon: float
      StepsTimesEpsilon: float
      Seed: uint64 }
    member c.Options =
        DataOptions(N = Option.toNullable c.N, D = Option.toNullable c.D, Seed = c.DataSeed)
    override c.ToString() = sprintf "%s (n %A, d %A, data seed %d), eps %g, T = ceil(%g / eps), master seed %d" c.Source c.N c.D c.DataSeed c.Epsilon c.StepsTimesEpsilon c.Seed

let private epsilonCase =
    gen {
        let! source =
            Gen.oneof [ uniform 0.8 2.0 |> Gen.map (fun t -> sprintf "two-point:%.4f" t, None, None)
                        uniform 1.5 3.0 |> Gen.map (fun s -> sprintf "gaussians:%.4f" s, Some 10, Some 3)
                        Gen.constant ("noisy-xor:3", None, None) ]
        let! dataSeed = Gen.choose (0, 1000)
        let! eps = uniform 0.1 0.2
        let! c = uniform 20.0 40.0
        let! s = seed
        let name, n, d = source
        return { Source = name; N = n; D = d; DataSeed = uint64 dataSeed; Epsilon = eps; StepsTimesEpsilon = c; Seed = s }
    }

let private e4 =
    { Id = "E4"
      Section = "§9 Empirical neuron requirement"
      Source = "THEORY.md §9, §7 [MLS25] (m_soft = c_soft / (γ² ε): theory slope 1 in log(1/ε))"
      Statement =
        "Fit log m* against log(1/ε) as well, and report that slope with a confidence interval next to the theory slope (soft: 1, from m_soft = c_soft / (γ² ε) [MLS25])."
      Kind = Trend
      Property =
        "The fit itself is `theorykit sweep --epsilon E1,E2,...` (EpsilonScaling.Compare over one sweep per ε, checked by the unit tests listed); the property checks the measured trend behind the slope: m*_soft does not decrease as ε decreases and grows no faster than 1/ε. On a tiny problem (two points at θ ∈ [0.8, 2], two Gaussian classes with n = 10, d = 3, or noisy 2-XOR in d = 3) with soft labels of the kernel teacher at τ = 2, symmetric initialisation, η = 1 and T = ceil(c/ε) steps (c ∈ [20, 40]: the theorems let T grow like 1/ε, and with c ≤ 10 the step budget, not the width, limits success at the smaller ε: m* jumped from 2 to 64 on noisy 2-XOR), soft-label sweeps (widths 2..64, thorough 2..128; 6 seeds, thorough 10) at ε_0 ∈ [0.1, 0.2] and ε_0/2 (thorough also ε_0/4) bracket m* (the smallest even width whose success probability reaches 1/2) by [Lo, Hi]: Hi is the first width whose one-sided 95% Clopper-Pearson lower bound (ctx.Impl.ClopperPearson) is ≥ 1/2, Lo is 2 above the last width below it whose upper bound is < 1/2, assuming success does not decrease with width. Falsified when a halving of ε gives Hi · 2 < Lo of the larger ε (a reversal beyond the brackets by another grid step) or Lo > 2 · 2 · Hi of the larger ε (growth faster than 1/ε beyond the brackets by another grid step); a halving is decided when its brackets show Lo ≥ Hi of the larger ε and Hi ≤ 2 · Lo of the larger ε, unless both are surely the smallest width (a tie at the grid's edge); otherwise it is inconclusive."
      Tests =
        [ "tests/TheoryKit.Core.Tests/EpsilonScalingTests.cs: EpsilonScalingTests.ExactInverseEpsilonGivesSlopeOne"
          "tests/TheoryKit.Core.Tests/EpsilonScalingTests.cs: EpsilonScalingTests.NoisyExampleMatchesHandComputation"
          "tests/TheoryKit.Core.Tests/EpsilonScalingTests.cs: EpsilonScalingTests.HardLabelsHaveNoTheoryExponentButSayWhy"
          "tests/TheoryKit.Core.Tests/EpsilonScalingTests.cs: EpsilonScalingTests.CensoredEpsilonsAreExcluded"
          "tests/TheoryKit.Core.Tests/EpsilonScalingTests.cs: EpsilonScalingTests.FewerThanThreeUncensoredPointsGiveNoFit" ]
      QuickTests = 3
      ThoroughTests = 30
      Check =
        fun ctx ->
            forAllGen epsilonCase (fun c ->
                let train = DataSource.Load(c.Source, c.Options)
                let soft = kernelSoftLabels train 2.0
                let maxWidth = if ctx.Thorough then 128 else 64
                let epsilons = if ctx.Thorough then [ c.Epsilon; c.Epsilon / 2.0; c.Epsilon / 4.0 ] else [ c.Epsilon; c.Epsilon / 2.0 ]
                let seeds = if ctx.Thorough then 10 else 6
                let brackets =
                    epsilons
                    |> List.map (fun eps ->
                        let steps = int (ceil (c.StepsTimesEpsilon / eps))
                        let spec =
                            SweepSpec("property", eps, 2, maxWidth, seeds, TrainingOptions(2, steps, 1.0, LabelKind.Soft, true),
                                      MasterSeed = c.Seed, Labels = [| LabelKind.Soft |], Teacher = "kernel", Temperature = 2.0)
                        let r = sweep spec train train soft
                        bracketOf ctx.Impl.ClopperPearson (r.For(LabelKind.Soft)))
                let verdicts =
                    List.pairwise (List.zip epsilons brackets)
                    |> List.map (fun ((e1, a), (e2, b)) ->
                        let r = e1 / e2
                        let text = sprintf "eps %.4g: %O; eps %.4g: %O" e1 a e2 b
                        if b.Hi * GridFactor < a.Lo then Violated("reversal: " + text)
                        elif b.Lo > GridFactor * r * a.Hi then Violated("faster than 1/eps: " + text)
                        elif a.Hi = 2.0 && b.Hi = 2.0 then Undecided("both m* at the smallest width (the problem is too easy to compare)", text)
                        elif b.Lo >= a.Hi && b.Hi <= r * a.Lo then Consistent
                        else Undecided("the m* brackets overlap (not resolved by the grid and the seeds)", text))
                verdictProperty ctx (sprintf "m*_soft against eps (%O)" c) verdicts) }

// ---- E8 -----------------------------------------------------------------------------------------

type private GapCase =
    { Separation: float
      DataSeed: uint64
      Noise: float
      Seed: uint64 }
    override c.ToString() =
        sprintf "gaussians:%.4g (n = 200, d = 20, data seed %d), label noise 0 and %.3g, master seed %d" c.Separation c.DataSeed c.Noise c.Seed

let private gapCase =
    gen {
        let! sep = uniform 1.0 2.0
        let! dataSeed = Gen.choose (0, 1000)
        let! noise = uniform 0.35 0.45
        let! s = seed
        return { Separation = roundTo 10 sep; DataSeed = uint64 dataSeed; Noise = roundTo 6 noise; Seed = s }
    }

let private e8 =
    { Id = "E8"
      Section = "§9 Empirical neuron requirement"
      Source = "[MLS25] abstract (soft-label students beat hard-label students, more so on harder data), THEORY.md §9"
      Statement =
        "The soft-hard gap grows with difficulty: on the common yardstick (held-out accuracy on clean labels, paired by seed), the gap soft - hard does not shrink as the label noise of the training data grows."
      Kind = Trend
      Property =
        "Distill.Run on two Gaussian classes (separation ∈ [1, 2], n = 200 split 160 / 40 into training and validation, d = 20, held-out: 200 fresh clean points) at label-flip rates 0 and r ∈ [0.35, 0.45]; per seed (10, thorough 16) one kernel teacher (η = 8, ≤ 500 steps, early-stopped on the noisy validation split) and soft and hard students of width 32 (symmetric initialisation, η = 8, cap 1000 steps with the convergence rule of THEORY.md §9 checked from step 500). The trend is the least squares slope of each seed's gap soft - hard (averaged over the widths) against the rate with its 95% t interval (PairedStats.TrendOf). Falsified when the interval lies below 0 (the gap reverses); held when it lies above 0; inconclusive when it contains 0."
      Tests =
        [ "tests/TheoryKit.Core.Tests/DistillTests.cs: DistillTests.TrendStatementsFollowTheSlopeInterval"
          "tests/TheoryKit.Core.Tests/DistillTests.cs: DistillTests.PairedIntervalMatchesHandComputation"
          "tests/TheoryKit.Core.Tests/DistillTests.cs: DistillTests.DistillRunsResumesAfterAKillAndRefusesOtherSettings" ]
      QuickTests = 3
      ThoroughTests = 30
      Check =
        fun ctx ->
            forAllGen gapCase (fun c ->
                let o = DataOptions(N = Nullable 200, D = Nullable 20, Seed = c.DataSeed)
                let source = sprintf "gaussians:%s" (c.Separation.ToString("R", Globalization.CultureInfo.InvariantCulture))
                let points = DataSource.Load(source, o)
                let test = DataSource.LoadTest(source, o)
                let student = TrainingOptions(2, 1000, 8.0, LabelKind.Hard, true, RecordEvery = 10, Convergence = ConvergenceRule(MinSteps = 500))
                let spec =
                    DistillSpec(source, [| 0.0; c.Noise |], [| 32 |], (if ctx.Thorough then 16 else 10), student, DistillTeacher(8.0, 500),
                                MasterSeed = c.Seed)
                let r = inTempFolder (fun dir -> Distill.Run(spec, points, test, Path.Combine(dir, "distill.jsonl"), null, 1))
                let text = sprintf "%s (mean gaps %s)" r.Trend.Statement (r.Levels |> Seq.map (fun l -> match l.MeanGap with null -> "n/a" | g -> PairedStats.Points g.Mean) |> String.concat ", ")
                let verdict =
                    match r.Trend.Kind with
                    | TrendKind.Grows -> Consistent
                    | TrendKind.Reverses -> Violated text
                    | TrendKind.DoesNotGrow -> Undecided("the slope's interval contains 0 (not resolved by the seeds)", text)
                    | _ -> Undecided("no trend could be fitted", text)
                verdictProperty ctx (sprintf "gap soft - hard against label noise (%O)" c) [ verdict ]) }

/// The claims of this file, in the order of THEORY.md.
let claims: Claim list = [ e1; e2; e3; e4; e8 ]
