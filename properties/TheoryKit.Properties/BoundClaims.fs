/// Claims about the neuron bounds (THEORY.md §7). Expected values are closed forms written in the properties
/// (lambda, M, T, the radius, the rates; BoundCommon), published numbers, and plain loops over training
/// trajectories. [MLS25] and [MOSW22] values are rates whose constants c are parameters (drawn here from
/// [0.1, 10) or set to 1): "rate, constant c".
module TheoryKit.Properties.BoundClaims

open System
open System.Collections.Generic
open FsCheck
open FsCheck.FSharp
open TheoryKit.Bounds
open TheoryKit.Random
open TheoryKit.Training
open TheoryKit.Properties.Claim
open TheoryKit.Properties.Generators
open TheoryKit.Properties.BoundCommon

// ---- §7 Neuron bounds ---------------------------------------------------------------------------

let private jt20Tests =
    [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.Jt20WorkedValues"
      "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.Jt20Latex" ]

let private b1 =
    { Id = "B1"
      Section = "§7 Neuron bounds"
      Source = "[JT20] Theorem 2.2; THEORY.md §7"
      Statement =
        "For ε ∈ (0, 1) and δ ∈ (0, 1/3): λ = (sqrt(2 ln(4n/δ)) + ln(4/ε)) / (γ/4) and M = 4096 λ² / γ⁶. M is very conservative, so the checks test its formula and scaling (M decreasing in γ, increasing in n, decreasing in δ) rather than absolute widths."
      Kind = Identity
      Property =
        "For random n ∈ [1, 10⁷], δ ∈ (0, 1/3), ε ∈ (0, 1), γ ∈ (0, 1/2] (log-uniform and uniform), λ and M of the implementation equal the formulas written in the property to relative 1e-12; and M(γ/(1+s)) > M(γ), M(n) < M(n + k), M(δ/(1+s)) > M(δ) for random s ∈ [1e-6, 1), k ≥ 1."
      Tests =
        jt20Tests
        @ [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.Jt20NeuronBoundEqualsTheoremM"
            "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.InvalidParametersRaiseInputException" ]
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            forAll parameters (fun p ->
                let at (q: Params) = ctx.Impl.Jt20 (bound q)
                let r = at p
                let n2 = p.N + p.NExtra
                // Formulas: the same operations in possibly another order, so a few ulps apart.
                agrees "lambda" 1e-12 r.Lambda (lambdaOf p.Gamma p.Epsilon p.N p.Delta)
                .&. agrees "M" 1e-12 r.M (widthOf p.Gamma p.Epsilon p.N p.Delta)
                .&. (let smaller = at (lowerGamma p)
                     holds (sprintf "M decreasing in gamma: M(gamma / (1 + s)) = %.17g, M(gamma) = %.17g" smaller.M r.M) (smaller.M > r.M))
                .&. (let more = at { p with N = n2 }
                     holds (sprintf "M increasing in n: M(n) = %.17g, M(%d) = %.17g" r.M n2 more.M) (more.M > r.M))
                .&. (let lower = at { p with Delta = p.Delta / (1.0 + p.Step) }
                     holds (sprintf "M decreasing in delta: M(delta / (1 + s)) = %.17g, M(delta) = %.17g" lower.M r.M) (lower.M > r.M))) }

let private b2 =
    { Id = "B2"
      Section = "§7 Neuron bounds"
      Source = "[JT20] Theorem 2.2; THEORY.md §7"
      Statement = "Step count T = ⌈2 λ² / (η ε)⌉ and radius ||w_{s,t} − w_{s,0}|| ≤ 4 λ / (γ sqrt(m)) for t < T (formulas)."
      Kind = Identity
      Property =
        "For random (γ, ε, n, δ, η ∈ (0, 1]) and width m ∈ [1, 10⁹], T equals ⌈2 λ² / (η ε)⌉ with λ written in the property (either rounding of the ceiling's argument within relative 1e-12 is accepted), the radius at Width = m equals 4 λ / (γ sqrt(m)) and WidthUsed = m, and without a width the radius is 4 λ / (γ sqrt(M)), all to relative 1e-12."
      Tests = jt20Tests @ [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.Jt20RadiusUsesGivenWidth" ]
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            forAll parameters (fun p ->
                let r = ctx.Impl.Jt20 (bound p)
                let l = lambdaOf p.Gamma p.Epsilon p.N p.Delta
                let x = 2.0 * l * l / (p.Eta * p.Epsilon)
                // The ceiling's argument is computed by both sides up to a few ulps; at an integer boundary
                // either rounding is right.
                let tLow, tHigh = ceil (x * (1.0 - 1e-12)), ceil (x * (1.0 + 1e-12))
                let m = float p.Width
                let noWidth = ctx.Impl.Jt20 (BoundParameters(p.Gamma, p.Epsilon, p.N, p.Delta, Eta = p.Eta))
                let bigM = widthOf p.Gamma p.Epsilon p.N p.Delta
                holds (sprintf "T: got %.17g, expected ceil(%.17g) in [%.17g, %.17g]" r.T x tLow tHigh) (r.T >= tLow && r.T <= tHigh)
                .&. agrees "radius at width m" 1e-12 r.Radius (4.0 * l / (p.Gamma * sqrt m))
                .&. holds (sprintf "width used: got %.17g, expected m = %d" r.WidthUsed p.Width) (r.WidthUsed = m)
                .&. agrees "radius at width M" 1e-12 noWidth.Radius (4.0 * l / (p.Gamma * sqrt bigM))) }

// ---- [JT20] Theorem 2.2 along training trajectories (B3, B8) -------------------------------------

/// Smallest margin of the training sets of B3 and B8: T grows like 1/gamma^2, so the margin is kept
/// large enough that T stays in the tens of thousands of steps.
let private gdMinGamma = 0.4

/// The training set of a B3/B8 case: two unit points with a prescribed margin, or a planar set of at
/// most 3 points (||x|| <= 1) whose exact margin is at least gdMinGamma.
type private GdData =
    | TwoPoints of Prescribed
    | Plane of Planar
    override d.ToString() =
        match d with
        | TwoPoints p -> string p
        | Plane q -> sprintf "planar, exact gamma %.6g: %O" (exactPlanar q).GammaLower q

/// One case of B3/B8: data, eps, delta, eta, width m and the seed from which the runs' initialisations derive.
type private GdCase =
    { Data: GdData
      Epsilon: float
      Delta: float
      Eta: float
      Width: int
      Seed: uint64 }
    override c.ToString() = sprintf "%O; eps = %.17g, delta = %.17g, eta = %.17g, m = %d, seed = %d" c.Data c.Epsilon c.Delta c.Eta c.Width c.Seed

/// The Dataset, n and the margin gamma (exact) of a case.
let private materialise (c: GdCase) =
    match c.Data with
    | TwoPoints p -> toDataset p.Small, 2, p.Exact
    | Plane q -> planarData q, q.N, (exactPlanar q).GammaLower

let private twoPoints = withMargin gdMinGamma 0.5 4

let private widePlanar =
    let wide (q: Planar) = (exactPlanar q).GammaLower >= gdMinGamma
    Arb.fromGenShrink (planarGen 3 |> Gen.filter wide, shrinkPlanar >> Seq.filter wide)

/// B3/B8 cases: eps in [0.3, 0.6], delta log-uniform in [1e-4, 1e-2] (3 delta small enough that a
/// handful of runs can reject it at level 1e-6), eta 1 or uniform in [0.5, 1], even
/// m in [16, 64]. Shrinks the data, then eta towards 1, eps towards a grid of 1/8, m towards 16, seed towards 0.
let private gdCases =
    let g =
        gen {
            let! data = Gen.frequency [ 2, twoPoints.Generator |> Gen.map TwoPoints; 1, widePlanar.Generator |> Gen.map Plane ]
            let! eps = uniform 0.3 0.6
            let! delta = logUniform 1e-4 1e-2
            let! eta = Gen.frequency [ 3, Gen.constant 1.0; 1, uniform 0.5 1.0 ]
            let! half = Gen.choose (8, 32)
            let! s = seed
            return { Data = data; Epsilon = eps; Delta = delta; Eta = eta; Width = 2 * half; Seed = s }
        }
    let shrink (c: GdCase) =
        seq {
            match c.Data with
            | TwoPoints p -> for p2 in twoPoints.Shrinker p -> { c with Data = TwoPoints p2 }
            | Plane q -> for q2 in widePlanar.Shrinker q -> { c with Data = Plane q2 }
            if c.Eta <> 1.0 then yield { c with Eta = 1.0 }
            let e = roundTo 3 c.Epsilon
            if e <> c.Epsilon && e >= 0.3 && e <= 0.6 then yield { c with Epsilon = e }
            if c.Width > 16 then yield { c with Width = 16 }
            if c.Seed <> 0UL then yield { c with Seed = 0UL }
        }
    Arb.fromGenShrink (g, shrink)

/// What B3 and B8 read from one training run: (1/T) sum_{t<T} R(W_t) by a plain loop over the
/// trajectory, the trainer's own epoch average, the number of recorded steps t < T, and
/// max_{t<T} max_s ||w_{s,t} - w_{s,0}||.
type private RunSummary =
    { AverageRisk: float
      ReportedAverage: float
      Recorded: int
      MaxMovement: float }

/// Run summaries by case, T and run count: B3 and B8 draw the same cases from the same replay seed, so
/// the second of them reuses the first one's training runs.
let private runCache = Dictionary<string, RunSummary[]>()

/// `runs` independent initialisations (seeds derived from the case seed) of plain GD with hard labels,
/// width m, step eta and T steps, every step recorded (cached).
let private trainRuns (c: GdCase) (steps: int) (runs: int) =
    let key = sprintf "%O|%d|%d" c steps runs
    let cached = lock runCache (fun () -> match runCache.TryGetValue key with | true, r -> Some r | _ -> None)
    match cached with
    | Some r -> r
    | None ->
        let data, _, _ = materialise c
        let result =
            Array.init runs (fun k ->
                let s = SeedSequence.Derive(c.Seed, "jt20-theorem-2.2", int64 k)
                let r = Trainer.Train(data, null, TrainingOptions(c.Width, steps, c.Eta, Labels = LabelKind.Hard, Seed = s, Threads = 1))
                let before = r.Trajectory |> Array.filter (fun q -> q.Step < steps)
                let mutable sum = 0.0
                for q in before do
                    sum <- sum + q.Risk
                { AverageRisk = sum / float steps
                  ReportedAverage = r.EpochAveragedRisk
                  Recorded = before.Length
                  MaxMovement = before |> Array.fold (fun a q -> max a q.MaxRowMovement) 0.0 })
        lock runCache (fun () -> runCache.[key] <- result)
        result

/// Initialisations per case in the quick and thorough profiles.
let private runsPerCase (ctx: Context) = if ctx.Thorough then 12 else 4

/// Level of the binomial tests of B3 and B8.
let private alpha = 1e-6

/// Training budget: T above this would mean a wrong formula or generator, not a long run.
let private maxSteps = 200_000

/// The shared property of B3 and B8: for each case, the [JT20] quantities from ctx.Impl.Jt20 (with
/// Width = m), `runs` training runs, and `violates` applied to each run; the violation count is tested
/// against Binomial(runs, 3 delta). A case with m < M is inconclusive (outside the theorem's hypothesis),
/// whatever the count; at m >= M a rejected count falsifies. `extra` adds decisive parts.
let private theorem22Along (bound: string) (what: string) (violates: Jt20Theorem22 -> GdCase -> RunSummary -> bool) (extra: int -> RunSummary[] -> Property) (ctx: Context) =
    let runs = runsPerCase ctx
    forAll gdCases (fun c ->
        let _, n, gamma = materialise c
        let j = ctx.Impl.Jt20 (BoundParameters(gamma, c.Epsilon, n, c.Delta, Eta = c.Eta, Width = Nullable c.Width))
        if not (j.T >= 1.0 && j.T <= float maxSteps) then
            false |> Prop.label (sprintf "T = %.17g outside [1, %d]" j.T maxSteps)
        else
            let steps = int j.T
            let summaries = trainRuns c steps runs
            let violations = summaries |> Array.filter (violates j c) |> Array.length
            let critical = binomialCritical runs (3.0 * c.Delta) alpha
            let decisive = float c.Width >= j.M
            // Below M the theorem promises nothing, so no case there decides the claim either way; the
            // reason records whether the bound held there anyway.
            let reason =
                sprintf "m < M, outside the theorem's hypothesis; the %s %s there" bound
                    (if violations <= critical then "held" else "failed")
            undecidedBecause ctx reason (not decisive) (lazy (violations <= critical))
            |> Prop.label (sprintf "%s: %d violations in %d runs, at most %d allowed (Binomial(%d, 3 delta = %g) at level %g); m = %d, M = %.4g, T = %d"
                               what violations runs critical runs (3.0 * c.Delta) alpha c.Width j.M steps)
            .&. extra steps summaries)

let private b3 =
    { Id = "B3"
      Section = "§7 Neuron bounds"
      Source = "[JT20] Theorem 2.2; THEORY.md §7"
      Statement =
        "For ε ∈ (0, 1), δ ∈ (0, 1/3), m ≥ M and η ≤ 1, with probability ≥ 1 − 3δ over the initialisation, gradient descent on the logistic loss with hard labels satisfies (1/T) Σ_{t<T} R(W_t) ≤ ε with T = ⌈2 λ² / (η ε)⌉."
      Kind = Probabilistic "3δ"
      Property =
        "Data with ||x|| ≤ 1 and an exactly known margin γ ≥ 0.4 (two unit points with a prescribed margin, or at most 3 planar points with their exact margin), ε ∈ [0.3, 0.6], δ ∈ [1e-4, 1e-2], η ∈ [0.5, 1], even m ∈ [16, 64]; T from the implemented [JT20] quantities; plain GD (hard labels, every step recorded) from 4 (thorough: 12) independent initialisations. The epoch-averaged risk (1/T) Σ_{t<T} R(W_t), summed by a plain loop over the trajectory (which must record every t < T and agree with the trainer's own average to 1e-12), is compared with ε, and the violations are tested against Binomial(runs, 3δ) at level 1e-6. M is at least 5·10⁸ in these cases, so every case has m < M, outside the theorem's hypothesis: each case is reported inconclusive, with a note saying whether the guarantee held there anyway; only a case with m ≥ M (not reachable by training) could decide the claim."
      Tests = []
      QuickTests = 5
      ThoroughTests = 40
      Check =
        theorem22Along
            "guarantee (1/T) Σ_{t<T} R(W_t) ≤ ε"
            "epoch-averaged risk > eps"
            (fun _ c s -> not (s.AverageRisk <= c.Epsilon))
            (fun steps summaries ->
                summaries
                |> Array.map (fun s ->
                    holds (sprintf "trajectory records every t < T: %d of %d" s.Recorded steps) (s.Recorded = steps)
                    .&. agrees "trainer's epoch-averaged risk against the plain loop" 1e-12 s.ReportedAverage s.AverageRisk)
                |> Array.reduce (.&.)) }

let private b4 =
    { Id = "B4"
      Section = "§7 Neuron bounds"
      Source = "THEORY.md §7 worked values ([JT20] Theorem 2.2)"
      Statement = "η = 1, n = 1000, δ = 0.1, ε = 0.1, γ = 0.5 give λ = 66.34, M = 1.15e9 and T = 88 020."
      Kind = Identity
      Property =
        "At the worked parameters, λ is 66.33995424 to its 8 decimals (±5e-9) and M is 1.153693e9 to its 7 significant digits (±500), both computed outside the code (Python) and rounding to the published 66.34 and 1.15e9, and T is exactly 88 020."
      Tests = [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.Jt20WorkedValues" ]
      QuickTests = 1
      ThoroughTests = 1
      Check =
        fun ctx ->
            forAllGen (Gen.constant ()) (fun () ->
                let r = ctx.Impl.Jt20 (BoundParameters(0.5, 0.1, 1000, 0.1, Eta = 1.0))
                holds (sprintf "lambda: got %.17g, known 66.33995424 (published 66.34)" r.Lambda)
                    (abs (r.Lambda - 66.33995424) <= Tolerance.digits 8)
                .&. holds (sprintf "M: got %.17g, known 1.153693e9 (published 1.15e9)" r.M)
                    (abs (r.M - 1.153693e9) <= Tolerance.significant 1.153693e9 7)
                .&. holds (sprintf "T: got %.17g, published 88020" r.T) (r.T = 88020.0)) }

let private rateTests =
    [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.RateLatex"
      "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.RegistryAndLabels" ]

/// The check of an [MLS25] rate (B5, B6) for random parameters: the implemented `rate` equals `reference` (written in the
/// property) to relative 1e-12, halving gamma multiplies it by `factor`, the claim's own scaling in eps (`inEps`) holds,
/// it decreases strictly in gamma and in eps, and `b` is labelled "rate, constant c".
let private rateCheck name factor (rate: Params -> float) (reference: Params -> float) (b: NeuronBound) inEps =
    forAll parameters (fun p ->
        let v = rate p
        agrees name 1e-12 v (reference p)
        .&. gammaHalved name factor rate p v
        .&. inEps rate p v
        .&. decreasing name "gamma" lowerGamma rate p v
        .&. decreasing name "eps" lowerEps rate p v
        .&. rateLabel b)

let private b5 =
    { Id = "B5"
      Section = "§7 Neuron bounds"
      Source = "[MLS25] (soft labels); THEORY.md §7"
      Statement = "m_soft = c_soft / (γ² ε) neurons for an epoch-averaged loss < ε (rate, constant c_soft, default 1)."
      Kind = Identity
      Property =
        "For random γ ∈ (0, 1/2], ε ∈ (0, 1) and c_soft ∈ [0.1, 10), m_soft equals c_soft / (γ² ε) (written in the property) to relative 1e-12, m_soft(γ/2) = 4 m_soft(γ) and m_soft(ε/2) = 2 m_soft(ε) to relative 1e-12, m_soft decreases strictly in γ and in ε (steps s ∈ [1e-6, 1)), and the bound is labelled \"rate, constant c\"."
      Tests =
        [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.MSoftKnownValue"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.ConstantsScaleRates" ]
        @ rateTests
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            rateCheck "m_soft" 4.0 (fun q -> ctx.Impl.SoftRate (bound q)) (fun p -> softOf p.CSoft p.Gamma p.Epsilon) NeuronBounds.Mls25Soft
                (fun soft p v -> agrees "m_soft(eps / 2) against 2 m_soft(eps)" 1e-12 (soft { p with Epsilon = p.Epsilon / 2.0 }) (2.0 * v)) }

let private b6 =
    { Id = "B6"
      Section = "§7 Neuron bounds"
      Source = "[MLS25] (hard labels, adapted [JT20]); THEORY.md §7"
      Statement = "m_hard = c_hard ln(1/ε) / γ⁴ (rate, constant c_hard, default 1)."
      Kind = Identity
      Property =
        "For random γ ∈ (0, 1/2], ε ∈ (0, 1) and c_hard ∈ [0.1, 10), m_hard equals c_hard ln(1/ε) / γ⁴ (written in the property) to relative 1e-12, m_hard(γ/2) = 16 m_hard(γ) to relative 1e-12 and m_hard(ε²) = 2 m_hard(ε) to relative 1e-12 + 1e-15 / ln(1/ε) (rounding of ε² and 1/ε near ε = 1), m_hard decreases strictly in γ and in ε (steps s ∈ [1e-6, 1)), and the bound is labelled \"rate, constant c\"."
      Tests =
        [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.MHardKnownValue"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.ConstantsScaleRates" ]
        @ rateTests
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            rateCheck "m_hard" 16.0 (fun q -> ctx.Impl.HardRate (bound q)) (fun p -> hardOf p.CHard p.Gamma p.Epsilon) NeuronBounds.Mls25Hard
                // ln(1/eps^2) = 2 ln(1/eps). Rounding eps^2 and 1/eps (relative 1.1e-16 each) moves ln(1/.) by
                // that much absolutely, which relative to ln(1/eps) is large when eps is close to 1.
                (fun hard p v ->
                    agrees "m_hard(eps^2) against 2 m_hard(eps)" (1e-12 + 1e-15 / log (1.0 / p.Epsilon)) (hard { p with Epsilon = p.Epsilon * p.Epsilon }) (2.0 * v)) }

let private b7 =
    { Id = "B7"
      Section = "§7 Neuron bounds"
      Source = "[MOSW22] (coupled initialisation); THEORY.md §7"
      Statement = "The hard-label width is of order γ⁻² (implemented as c_mosw / γ²; rate, constant c_mosw, default 1)."
      Kind = Identity
      Property =
        "For random γ ∈ (0, 1/2], c_mosw ∈ [0.1, 10) and the other parameters, NeuronBounds.Mosw22 equals c_mosw / γ² (written in the property) to relative 1e-12, does not depend on ε, n, δ or η, scales as m(γ/2) = 4 m(γ), decreases strictly in γ, and is labelled \"rate, constant c\"."
      Tests = [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.MoswKnownValue" ] @ rateTests
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun _ ->
            forAll parameters (fun p ->
                let mosw (q: Params) = NeuronBounds.Mosw22.Evaluate(bound q)
                let v = mosw p
                agrees "m_mosw" 1e-12 v (p.CMosw / (p.Gamma * p.Gamma))
                .&. agrees "m_mosw at other eps, n, delta, eta" 0.0 (mosw { p with Epsilon = 0.5; N = 1; Delta = 0.25; Eta = 0.5 }) v
                .&. gammaHalved "m_mosw" 4.0 mosw p v
                .&. decreasing "m" "gamma" lowerGamma mosw p v
                .&. rateLabel NeuronBounds.Mosw22) }

let private b8 =
    { Id = "B8"
      Section = "§7 Neuron bounds"
      Source = "[JT20] Theorem 2.2; THEORY.md §7"
      Statement =
        "For ε ∈ (0, 1), δ ∈ (0, 1/3), m ≥ M and η ≤ 1, with probability ≥ 1 − 3δ over the initialisation, every neuron of gradient descent stays within ||w_{s,t} − w_{s,0}|| ≤ 4 λ / (γ sqrt(m)) for all t < T."
      Kind = Probabilistic "3δ"
      Property =
        "The cases and training runs of B3 (shared): along each trajectory, max_s ||w_{s,t} − w_{s,0}|| at every recorded t < T is compared with the radius 4 λ / (γ sqrt(m)) of the implemented [JT20] quantities at Width = m, and the runs whose movement exceeds it are tested against Binomial(runs, 3δ) at level 1e-6. As in B3, m < M in every case, outside the theorem's hypothesis: each case is reported inconclusive, with a note saying whether the bound held there anyway; only a case with m ≥ M could decide the claim. The radius formula itself is checked by B2."
      Tests = []
      QuickTests = 5
      ThoroughTests = 40
      Check =
        theorem22Along
            "movement bound"
            "movement above the radius"
            (fun j _ s -> not (s.MaxMovement <= j.Radius))
            (fun _ summaries -> holds "movements are finite" (summaries |> Array.forall (fun s -> Double.IsFinite s.MaxMovement))) }

let claims: Claim list = [ b1; b2; b3; b4; b5; b6; b7; b8 ]
