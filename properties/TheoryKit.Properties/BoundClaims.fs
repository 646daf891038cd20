/// Claims about the neuron bounds (THEORY.md §7) and their crossover (§8). Expected values are closed
/// forms written in the properties (lambda, M, T, the radius, the rates, gamma*), published numbers, and
/// plain loops over training trajectories. [MLS25] and [MOSW22] values are rates whose constants c are
/// parameters (drawn here from [0.1, 10) or set to 1): "rate, constant c".
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

// ---- numbers ------------------------------------------------------------------------------------

/// Uniform strictly inside (lo, hi).
let private inside lo hi = unit01 |> Gen.map (fun u -> lo + (hi - lo) * (1e-9 + (1.0 - 2e-9) * u))

/// gamma in (0, 1/2]: half log-uniform on (1e-6, 1/2], half uniform on (0, 1/2].
let private gammaGen =
    Gen.oneof [ unit01 |> Gen.map (fun u -> 0.5 * exp (-u * log 5e5)); unit01 |> Gen.map (fun u -> 0.5 * (1.0 - u)) ]

/// epsilon in (0, 1): half log-uniform on [1e-8, 1), half uniform.
let private epsilonGen = Gen.oneof [ logUniform 1e-8 (1.0 - 1e-9); inside 0.0 1.0 ]

/// delta in (0, 1/3): half log-uniform on [1e-8, 1/3), half uniform.
let private deltaGen = Gen.oneof [ logUniform 1e-8 (1.0 / 3.0 - 1e-9); inside 0.0 (1.0 / 3.0) ]

/// eta in (0, 1]: 1 or uniform.
let private etaGen = Gen.oneof [ Gen.constant 1.0; unit01 |> Gen.map (fun u -> 1.0 - u) ]

/// An unpublished constant c in [0.1, 10), log-uniform.
let private constantGen = logUniform 0.1 10.0

/// A relative step s in [1e-6, 1), log-uniform: x and x (1 + s) stay distinguishable in doubles.
let private stepGen = logUniform 1e-6 1.0

/// |got - expected| <= tol |expected|.
let private close tol (got: float) (expected: float) = abs (got - expected) <= tol * abs expected

/// A labelled comparison of got against expected to relative tol.
let private agrees what tol (got: float) (expected: float) =
    close tol got expected |> Prop.label (sprintf "%s: got %.17g, expected %.17g (relative tolerance %g)" what got expected tol)

/// A labelled condition.
let private holds what (ok: bool) = ok |> Prop.label what

// ---- bound parameters ---------------------------------------------------------------------------

/// A random parameter set of the bound formulas, with a relative step and an increment of n for the
/// monotonicity checks.
type private Params =
    { Gamma: float
      Epsilon: float
      N: int
      Delta: float
      Eta: float
      CSoft: float
      CHard: float
      CMosw: float
      Width: int
      /// Relative step s in [1e-6, 1].
      Step: float
      /// Increment of n, >= 1.
      NExtra: int }
    override p.ToString() =
        // shortest text that reads back as the same double
        let r (x: float) = x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
        sprintf "gamma = %s, eps = %s, n = %d, delta = %s, eta = %s, c_soft = %s, c_hard = %s, c_mosw = %s, m = %d, s = %s, n increment = %d"
            (r p.Gamma) (r p.Epsilon) p.N (r p.Delta) (r p.Eta) (r p.CSoft) (r p.CHard) (r p.CMosw) p.Width (r p.Step) p.NExtra

/// The BoundParameters of p (with the width m).
let private bound (p: Params) =
    BoundParameters(p.Gamma, p.Epsilon, p.N, p.Delta, Eta = p.Eta, CSoft = p.CSoft, CHard = p.CHard, CMosw = p.CMosw, Width = Nullable p.Width)

/// Parameters over their whole domains; shrinks each number towards rounder values inside its domain.
let private parameters =
    let g =
        gen {
            let! gamma = gammaGen
            let! eps = epsilonGen
            let! n = Gen.oneof [ Gen.choose (1, 100); Gen.choose (1, 10_000_000) ]
            let! delta = deltaGen
            let! eta = etaGen
            let! cs = constantGen
            let! ch = constantGen
            let! cm = constantGen
            let! m = Gen.oneof [ Gen.choose (1, 1000); Gen.choose (1, 1_000_000_000) ]
            let! s = stepGen
            let! extra = Gen.oneof [ Gen.constant 1; Gen.choose (1, 10_000_000) ]
            return { Gamma = gamma; Epsilon = eps; N = n; Delta = delta; Eta = eta; CSoft = cs; CHard = ch; CMosw = cm
                     Width = m; Step = s; NExtra = extra }
        }
    let within ok x = shrinkFloat x |> Seq.filter ok
    let constant c = within (fun v -> v >= 0.1 && v <= 10.0) c
    let shrink (p: Params) =
        seq {
            for v in within (fun v -> v > 0.0 && v <= 0.5) p.Gamma -> { p with Gamma = v }
            for v in within (fun v -> v > 0.0 && v < 1.0) p.Epsilon -> { p with Epsilon = v }
            if p.N > 1 then yield { p with N = p.N / 2 }
            for v in within (fun v -> v > 0.0 && v < 1.0 / 3.0) p.Delta -> { p with Delta = v }
            if p.Eta <> 1.0 then yield { p with Eta = 1.0 }
            for v in constant p.CSoft -> { p with CSoft = v }
            for v in constant p.CHard -> { p with CHard = v }
            for v in constant p.CMosw -> { p with CMosw = v }
            if p.Width > 1 then yield { p with Width = p.Width / 2 }
            for v in within (fun v -> v >= 1e-6 && v <= 1.0) p.Step -> { p with Step = v }
            if p.NExtra > 1 then yield { p with NExtra = p.NExtra / 2 }
        }
    Arb.fromGenShrink (g, shrink)

/// p with gamma, resp. eps, divided by 1 + s.
let private lowerGamma (p: Params) = { p with Gamma = p.Gamma / (1.0 + p.Step) }
let private lowerEps (p: Params) = { p with Epsilon = p.Epsilon / (1.0 + p.Step) }

/// f decreases strictly in the parameter x that `lower` divides by 1 + s: f(lower p) > v = f(p).
let private decreasing fName xName (lower: Params -> Params) (f: Params -> float) (p: Params) v =
    let w = f (lower p)
    holds (sprintf "decreasing in %s: %s(%s / (1 + s)) = %.17g, %s(%s) = %.17g" xName fName xName w fName xName v) (w > v)

/// f(gamma / 2) = factor f(gamma), with v = f(p), to relative 1e-12.
let private gammaHalved fName factor (f: Params -> float) (p: Params) v =
    agrees (sprintf "%s(gamma / 2) against %g %s(gamma)" fName factor fName) 1e-12 (f { p with Gamma = p.Gamma / 2.0 }) (factor * v)

/// A bound labelled as a rate with a constant.
let private rateLabel (b: NeuronBound) = holds (sprintf "label: %s" b.Label) (b.IsRate && b.Label = "rate, constant c")

// ---- reference formulas (THEORY.md §7), written out here ----------------------------------------

/// [JT20] lambda = (sqrt(2 ln(4n/delta)) + ln(4/eps)) / (gamma/4).
let private lambdaOf gamma eps (n: int) delta = (sqrt (2.0 * log (4.0 * float n / delta)) + log (4.0 / eps)) / (gamma / 4.0)

/// [JT20] M = 4096 lambda^2 / gamma^6.
let private widthOf gamma eps n delta =
    let l = lambdaOf gamma eps n delta
    4096.0 * l * l / gamma ** 6.0

/// [MLS25] m_soft = c_soft / (gamma^2 eps).
let private softOf cs gamma eps = cs / (gamma * gamma * eps)

/// [MLS25] m_hard = c_hard ln(1/eps) / gamma^4.
let private hardOf ch gamma eps = ch * log (1.0 / eps) / gamma ** 4.0

/// Closed-form crossover gamma* = sqrt((c_hard / c_soft) eps ln(1/eps)).
let private gammaStarOf cs ch eps = sqrt (ch / cs * eps * log (1.0 / eps))

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
            forAll parameters (fun p ->
                let soft (q: Params) = ctx.Impl.SoftRate (bound q)
                let v = soft p
                agrees "m_soft" 1e-12 v (softOf p.CSoft p.Gamma p.Epsilon)
                .&. gammaHalved "m_soft" 4.0 soft p v
                .&. agrees "m_soft(eps / 2) against 2 m_soft(eps)" 1e-12 (soft { p with Epsilon = p.Epsilon / 2.0 }) (2.0 * v)
                .&. decreasing "m_soft" "gamma" lowerGamma soft p v
                .&. decreasing "m_soft" "eps" lowerEps soft p v
                .&. rateLabel NeuronBounds.Mls25Soft) }

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
            forAll parameters (fun p ->
                let hard (q: Params) = ctx.Impl.HardRate (bound q)
                let v = hard p
                agrees "m_hard" 1e-12 v (hardOf p.CHard p.Gamma p.Epsilon)
                .&. gammaHalved "m_hard" 16.0 hard p v
                // ln(1/eps^2) = 2 ln(1/eps). Rounding eps^2 and 1/eps (relative 1.1e-16 each) moves ln(1/.) by
                // that much absolutely, which relative to ln(1/eps) is large when eps is close to 1.
                .&. agrees "m_hard(eps^2) against 2 m_hard(eps)" (1e-12 + 1e-15 / log (1.0 / p.Epsilon)) (hard { p with Epsilon = p.Epsilon * p.Epsilon }) (2.0 * v)
                .&. decreasing "m_hard" "gamma" lowerGamma hard p v
                .&. decreasing "m_hard" "eps" lowerEps hard p v
                .&. rateLabel NeuronBounds.Mls25Hard) }

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

// ---- §8 Crossover -------------------------------------------------------------------------------

/// BoundParameters with constants c_soft, c_hard (n = 1000, delta = 0.1).
let private withC gamma eps cs ch = BoundParameters(gamma, eps, 1000, 0.1, CSoft = cs, CHard = ch)

/// The implemented [MLS25] rates (m_soft, m_hard) at gamma, eps and constants c_soft, c_hard.
let private ratesAt (ctx: Context) gamma eps cs ch = ctx.Impl.SoftRate (withC gamma eps cs ch), ctx.Impl.HardRate (withC gamma eps cs ch)

let private x1 =
    { Id = "X1"
      Section = "§8 Crossover"
      Source = "THEORY.md §8, from the [MLS25] rates"
      Statement = "m_soft < m_hard iff γ² < (c_hard / c_soft) ε ln(1/ε), i.e. γ < γ* = sqrt((c_hard / c_soft) ε ln(1/ε)) (rate constants c)."
      Kind = Identity
      Property =
        "For random ε ∈ (0, 1) and c_soft, c_hard ∈ [0.1, 10): the implemented γ* equals sqrt((c_hard / c_soft) ε ln(1/ε)) to relative 1e-12; when γ* < 1/2, m_soft(γ*) = m_hard(γ*) to relative 1e-9, m_soft < m_hard at γ ∈ [1e-3, 1 − 1e-6) γ* and m_soft > m_hard at γ ∈ (γ* (1 + 1e-6), 1/2]; when γ* ≥ 1/2, m_soft < m_hard at every sampled γ ∈ (0, 1/2]."
      Tests =
        [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.ConstantRatioFourDoublesGammaStar"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.ClosedFormAboveHalfIsReportedWithNote" ]
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            forAllGen (Gen.zip3 (Gen.zip epsilonGen unit01) constantGen (Gen.zip constantGen unit01)) (fun ((e, u1), cs, (ch, u2)) ->
                let expected = gammaStarOf cs ch e
                let gs = ctx.Impl.GammaStar (withC 0.5 e cs ch)
                let rates g = ratesAt ctx g e cs ch
                let identity = agrees "gamma*" 1e-12 gs expected
                if expected < 0.5 / (1.0 + 1e-6) then
                    let s, h = rates gs
                    let below = expected * (1e-3 + (1.0 - 1e-6 - 1e-3) * u1)
                    let sb, hb = rates below
                    let lo = expected * (1.0 + 1e-6)
                    let above = lo + (0.5 - lo) * (1.0 - u2)
                    let sa, ha = rates above
                    // The rates are evaluated at a rounded gamma*: both move by a few ulps times their slopes.
                    identity
                    .&. agrees "m_soft against m_hard at gamma*" 1e-9 s h
                    .&. holds (sprintf "below gamma* = %.17g: m_soft(%.17g) = %.17g < m_hard = %.17g" expected below sb hb) (sb < hb)
                    .&. holds (sprintf "above gamma* = %.17g: m_soft(%.17g) = %.17g > m_hard = %.17g" expected above sa ha) (sa > ha)
                else
                    let g = 0.5 * (1.0 - u1)
                    let sg, hg = rates g
                    identity
                    .&. holds (sprintf "gamma* = %.17g >= 1/2: m_soft(%.17g) = %.17g < m_hard = %.17g" expected g sg hg) (sg < hg)) }

let private x2 =
    { Id = "X2"
      Section = "§8 Crossover"
      Source = "THEORY.md §8"
      Statement = "With c = 1: γ* = 0.4799 at ε = 0.1 and 0.2146 at ε = 0.01 (rate, constant c = 1)."
      Kind = Identity
      Property =
        "The implemented γ* and Crossover.Solve on the [MLS25] pair give 0.47985259 at ε = 0.1 and 0.21459660 at ε = 0.01 to their 8 decimals (±5e-9; computed outside the code, rounding to the published 0.4799 and 0.2146)."
      Tests = [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.Mls25CrossoverKnownAnswers" ]
      QuickTests = 1
      ThoroughTests = 1
      Check =
        fun ctx ->
            forAllGen (Gen.constant ()) (fun () ->
                [ 0.1, 0.47985259; 0.01, 0.21459660 ]
                |> List.map (fun (e, known) ->
                    let p = withC 0.5 e 1.0 1.0
                    let gs = ctx.Impl.GammaStar p
                    let solved = (Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, p)).GammaStar.Value
                    holds (sprintf "eps = %g: gamma* = %.17g, known %.8f" e gs known) (abs (gs - known) <= Tolerance.digits 8)
                    .&. holds (sprintf "eps = %g: Crossover.Solve gives %.17g, known %.8f" e solved known) (abs (solved - known) <= Tolerance.digits 8))
                |> List.reduce (.&.)) }

/// The omega constant Omega = W(1) (Omega e^Omega = 1): eps <= ln(1/eps) iff eps <= Omega.
let private omega = 0.5671432904097838

/// eps_1 in (1/e, 1) with eps_1 ln(1/eps_1) = 1/4, i.e. gamma* = 1/2 (c = 1). Both constants were
/// computed by bisection outside this code; X3 checks their defining equations.
let private eps1 = 0.6994905768857719

let private x3 =
    { Id = "X3"
      Section = "§8 Crossover"
      Source = "[MLS25] condition; THEORY.md §8"
      Statement =
        "The paper's condition γ ≤ ε is sufficient for m_soft ≤ m_hard, but not necessary (c = 1). Sufficiency holds for every ε ≤ ε_1 ≈ 0.69949 (where ε_1 ln(1/ε_1) = 1/4, i.e. γ* = 1/2); beyond ε_1 it fails at γ = 1/2."
      Kind = Inequality
      Property =
        "With c = 1 and the implemented rates: for ε ∈ (0, Ω] (Ω = W(1) = 0.56714, where ε² ≤ ε ln(1/ε)) and γ ∈ (0, min(ε, 1/2)], m_soft ≤ m_hard (1 + 1e-12); for ε ∈ (Ω, ε_1] and γ ∈ (0, min(ε, 1/2)], likewise (every margin is at most 1/2); for ε ∈ (ε_1 + 1e-6, 1), m_soft > m_hard at γ = 1/2 ≤ ε; not necessary: for ε ∈ (0, 0.45], some γ ∈ (ε, min(γ*, 1/2)) (γ* written in the property) has m_soft < m_hard; Ω = ln(1/Ω) and ε_1 ln(1/ε_1) = 1/4 to 1e-12."
      Tests =
        [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.VerdictBelowGammaStarIsSoftFavoured"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.Mls25CrossoverKnownAnswers" ]
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            let rates g e = ratesAt ctx g e 1.0 1.0
            let g =
                gen {
                    let! e1 = Gen.oneof [ logUniform 1e-8 omega; unit01 |> Gen.map (fun u -> omega * (1.0 - u)) ]
                    let! e2 = unit01 |> Gen.map (fun u -> omega + (eps1 - omega) * (1.0 - u))
                    let! e3 = inside (eps1 + 1e-6) 1.0
                    let! e4 = Gen.oneof [ logUniform 1e-8 0.45; unit01 |> Gen.map (fun u -> 0.45 * (1.0 - u)) ]
                    let! us = Gen.arrayOfLength 3 unit01
                    return e1, e2, e3, e4, us
                }
            forAllGen g (fun (e1, e2, e3, e4, us) ->
                let sufficient label e u =
                    let gm = min e 0.5 * (1.0 - u)
                    let s, h = rates gm e
                    // Equality at gamma = eps = Omega and at gamma = 1/2, eps = eps_1: allow rounding.
                    holds (sprintf "%s: eps = %.17g, gamma = %.17g: m_soft = %.17g, m_hard = %.17g" label e gm s h) (s <= h * (1.0 + 1e-12))
                let s3, h3 = rates 0.5 e3
                let star = gammaStarOf 1.0 1.0 e4
                let hi = min star 0.5
                let gn = e4 + (hi - e4) * (1e-3 + 0.998 * us.[2])
                let s4, h4 = rates gn e4
                holds (sprintf "defining equations: Omega - ln(1/Omega) = %g, eps_1 ln(1/eps_1) - 1/4 = %g" (omega - log (1.0 / omega)) (eps1 * log (1.0 / eps1) - 0.25))
                    (abs (omega - log (1.0 / omega)) <= 1e-12 && abs (eps1 * log (1.0 / eps1) - 0.25) <= 1e-12 && eps1 > 1.0 / Math.E)
                .&. sufficient "gamma <= eps <= Omega" e1 us.[0]
                .&. sufficient "gamma <= min(eps, 1/2), Omega < eps <= eps_1" e2 us.[1]
                .&. holds (sprintf "beyond eps_1: eps = %.17g, gamma = 1/2: m_soft = %.17g > m_hard = %.17g" e3 s3 h3) (s3 > h3)
                .&. holds (sprintf "not necessary: eps = %.17g < gamma = %.17g < gamma* = %.17g, m_soft = %.17g < m_hard = %.17g" e4 gn star s4 h4)
                        (gn > e4 && s4 < h4)) }

/// The width of a registered bound at p, through ctx.Impl for the [MLS25] pair and [JT20] (M), and
/// written out for [MOSW22] (c_mosw / gamma^2).
let private widthAt (ctx: Context) (b: NeuronBound) (p: BoundParameters) =
    match b.Id with
    | "mls25-soft" -> ctx.Impl.SoftRate p
    | "mls25-hard" -> ctx.Impl.HardRate p
    | "jt20" -> (ctx.Impl.Jt20 p).M
    | "mosw22" -> p.CMosw / (p.Gamma * p.Gamma)
    | id -> failwithf "unknown bound %s" id

/// p with gamma replaced.
let private atGamma (p: BoundParameters) gamma =
    BoundParameters(gamma, p.Epsilon, p.N, p.Delta, Eta = p.Eta, CSoft = p.CSoft, CHard = p.CHard, CMosw = p.CMosw, Width = p.Width)

/// The widths (soft, hard) of a pair at p with gamma replaced.
let private pairWidths (ctx: Context) (soft: NeuronBound) (hard: NeuronBound) (p: BoundParameters) gamma =
    widthAt ctx soft (atGamma p gamma), widthAt ctx hard (atGamma p gamma)

/// A pair of registered bounds (soft role, hard role), as indices into NeuronBounds.All.
let private pairGen = Gen.zip (Gen.choose (0, NeuronBounds.All.Count - 1)) (Gen.choose (0, NeuronBounds.All.Count - 1))

/// Constants in [1e-3, 1e12), log-uniform: wide enough that [JT20]'s M (about 1e9 at gamma = 1/2) crosses the rates.
let private wideConstantGen = logUniform 1e-3 1e12

/// A pair and parameters for X4 and X5.
type private PairCase =
    { Soft: NeuronBound
      Hard: NeuronBound
      Parameters: BoundParameters }
    override c.ToString() = sprintf "soft %s, hard %s, %O" c.Soft.Id c.Hard.Id c.Parameters

let private pairCases =
    gen {
        let! i, j = pairGen
        let! e = epsilonGen
        let! n = Gen.choose (1, 100_000)
        let! d = deltaGen
        let! eta = etaGen
        let! cs = Gen.oneof [ constantGen; wideConstantGen ]
        let! ch = Gen.oneof [ constantGen; wideConstantGen ]
        let! cm = Gen.oneof [ constantGen; wideConstantGen ]
        return { Soft = NeuronBounds.All.[i]; Hard = NeuronBounds.All.[j]
                 Parameters = BoundParameters(0.5, e, n, d, Eta = eta, CSoft = cs, CHard = ch, CMosw = cm) }
    }

/// Log-spaced grid of `count` points on [a, b] with both ends exact.
let private logGrid a b count =
    Array.init count (fun i -> if i = 0 then a elif i = count - 1 then b else exp (log a + (log b - log a) * float i / float (count - 1)))

let private x4 =
    { Id = "X4"
      Section = "§8 Crossover"
      Source = "THEORY.md §8"
      Statement =
        "For any pair of bound formulas (including [JT20] with n and δ), solve m_soft(γ) = m_hard(γ) numerically with a bracketing root finder (Brent) and report γ*, or say that no crossing exists in (0, 1/2]."
      Kind = Identity
      Property =
        "For random pairs of the registered bounds ([MLS25] soft and hard, [JT20] M with n and δ, [MOSW22]; identical pairs included) and random ε, n, δ, η and constants c ∈ [0.1, 10) or [1e-3, 1e12), Crossover.Solve: a reported γ* in (0, 1/2] (in [1e-6, 1/2] when found by Brent) has the two widths (implemented formulas) equal to relative 1e-9, and a γ* beyond 1/2 comes only from the [MLS25] closed form; for the [MLS25] pair, SolveNumerically agrees with sqrt((c_hard / c_soft) ε ln(1/ε)) to relative 1e-9 when that lies in [1e-6, 1/2] and reports none otherwise; when no crossing in (0, 1/2] is reported, ln m_soft − ln m_hard has one strict sign (or vanishes everywhere) on a 2001-point logarithmic grid of [1e-6, 1/2]."
      Tests =
        [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.BrentAgreesWithClosedForm"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.NumericalSolverFindsCrossingOfOtherPair"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.Jt20NeverCrossesSoftRate"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.ParallelRatesNeverCross"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.IdenticalBoundsHaveNoSingleCrossing"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.ClosedFormAboveHalfIsReportedWithNote" ]
      QuickTests = 100
      ThoroughTests = 3000
      Check =
        fun ctx ->
            forAllGen pairCases (fun c ->
                let p = c.Parameters
                let widths = pairWidths ctx c.Soft c.Hard p
                let diff g = let s, h = widths g in log s - log h
                let reported = Crossover.Solve(c.Soft, c.Hard, p)
                let noCrossing () =
                    let d = logGrid Crossover.MinGamma Crossover.MaxGamma 2001 |> Array.map diff
                    let signs = d |> Array.map (fun v -> if Double.IsNaN v then 2 else sign v) |> Array.distinct
                    holds (sprintf "no crossing in [1e-6, 1/2] reported (%s); signs of ln m_soft - ln m_hard on the grid: %A" reported.Note signs)
                        (signs.Length = 1 && signs.[0] <> 2)
                let root =
                    match Option.ofNullable reported.GammaStar with
                    | Some g when g > 0.0 && g <= Crossover.MaxGamma ->
                        let s, h = widths g
                        // The numerical solver scans [1e-6, 1/2]; the closed form may lie below 1e-6.
                        holds (sprintf "gamma* = %.17g (%s) in [1e-6, 1/2]" g reported.Method) (g >= Crossover.MinGamma || reported.Method = Crossover.ClosedForm)
                        .&. agrees (sprintf "m_soft against m_hard at gamma* = %.17g (%s)" g reported.Method) 1e-9 s h
                    | Some g ->
                        // Only the closed form reports a gamma* beyond 1/2 (with a note): no crossing in (0, 1/2].
                        holds (sprintf "gamma* = %.17g beyond 1/2 reported by %s" g reported.Method) (reported.Method = Crossover.ClosedForm)
                        .&. noCrossing ()
                    | None -> noCrossing ()
                let closedForm =
                    if c.Soft.Id = "mls25-soft" && c.Hard.Id = "mls25-hard" then
                        let expected = gammaStarOf p.CSoft p.CHard p.Epsilon
                        let numeric = Crossover.SolveNumerically(c.Soft, c.Hard, p)
                        // At the ends of [1e-6, 1/2] the grid's ends decide; skip a closed form within 1e-9 of them.
                        let nearEnd = close 1e-9 expected Crossover.MinGamma || close 1e-9 expected Crossover.MaxGamma
                        if nearEnd then Prop.ofTestable true
                        elif expected >= Crossover.MinGamma && expected <= Crossover.MaxGamma then
                            holds (sprintf "Brent on the [MLS25] pair found %A, closed form %.17g" numeric.GammaStar expected)
                                (numeric.GammaStar.HasValue && close 1e-9 numeric.GammaStar.Value expected)
                        else
                            holds (sprintf "closed form %.17g outside [1e-6, 1/2], Brent found %A" expected numeric.GammaStar) (not numeric.GammaStar.HasValue)
                    else Prop.ofTestable true
                root .&. closedForm) }

let private x5 =
    { Id = "X5"
      Section = "§8 Crossover"
      Source = "THEORY.md §8"
      Statement = "Report the ratio m_hard / m_soft at the dataset's γ (estimate and interval ends)."
      Kind = Identity
      Property =
        "For random pairs of registered bounds, parameters and certified intervals [γ_lo, γ_hi] ∋ γ̂ (γ_lo possibly ≤ 0, γ_hi possibly > 1/2), Crossover.Verdict's m_soft, m_hard and ratio at γ̂, its ratio at min(γ_lo, 1/2) (none when γ_lo ≤ 0) and at min(γ_hi, 1/2) equal the ratios of the widths computed in the property (implemented formulas) to relative 1e-12."
      Tests =
        [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.VerdictBelowGammaStarIsSoftFavoured"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.ParallelRatesNeverCross"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.VerdictVacuousLowerEndAndCappedUpperEnd" ]
      QuickTests = 100
      ThoroughTests = 3000
      Check =
        fun ctx ->
            let g =
                gen {
                    let! c = pairCases
                    let! est = gammaGen
                    let! lo = Gen.oneof [ unit01 |> Gen.map (fun u -> est * u); uniform -0.1 0.0; Gen.constant est ]
                    let! hi = Gen.oneof [ unit01 |> Gen.map (fun u -> est + (0.5 - est) * u); uniform 0.5 0.8; Gen.constant est ]
                    return c, lo, hi, est
                }
            forAllGen g (fun (c, lo, hi, est) ->
                let p = c.Parameters
                let widths = pairWidths ctx c.Soft c.Hard p
                let ratio gm = let s, h = widths gm in h / s
                let v = Crossover.Verdict(c.Soft, c.Hard, p, lo, hi, est)
                let lower =
                    match lo > 0.0, Option.ofNullable v.RatioAtLower with
                    | true, Some r -> agrees (sprintf "ratio at the lower end %.17g" lo) 1e-12 r (ratio (min lo 0.5))
                    | true, None -> holds (sprintf "no ratio reported at the lower end %.17g > 0" lo) false
                    | false, r -> holds (sprintf "no ratio at a lower end %.17g <= 0: got %A" lo r) r.IsNone
                let upper =
                    match Option.ofNullable v.RatioAtUpper with
                    | Some r -> agrees (sprintf "ratio at the upper end %.17g" hi) 1e-12 r (ratio (min hi 0.5))
                    | None -> holds "no ratio reported at the upper end" false
                let softAt, hardAt = widths est
                agrees "m_soft at the estimate" 1e-12 v.MSoft softAt
                .&. agrees "m_hard at the estimate" 1e-12 v.MHard hardAt
                .&. agrees "ratio at the estimate" 1e-12 v.Ratio (ratio est)
                .&. lower
                .&. upper
                |> Prop.label (sprintf "interval [%.17g, %.17g], estimate %.17g" lo hi est)) }

let private x6 =
    { Id = "X6"
      Section = "§8 Crossover"
      Source = "THEORY.md §8"
      Statement =
        "Verdict: say which side of γ* the dataset's certified interval lies on: soft favoured, hard favoured, or \"undecided\" if the interval straddles γ*."
      Kind = Inequality
      Property =
        "For the [MLS25] pair with random ε and constants c ∈ [0.1, 10) (γ* = sqrt((c_hard / c_soft) ε ln(1/ε)) written in the property, possibly above 1/2) and random intervals placed below, above, across or near γ* (lower ends possibly ≤ 0, upper ends possibly > 1/2): with the interval capped to [max(γ_lo, 1e-6), min(γ_hi, 1/2)], the verdict is soft favoured iff it lies below γ*, hard favoured iff above, undecided iff it contains γ* (an end within relative 1e-9 of γ* may give either adjacent answer), and the reported γ* is the closed form to relative 1e-12."
      Tests =
        [ "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.VerdictBelowGammaStarIsSoftFavoured"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.VerdictAboveGammaStarIsHardFavoured"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.VerdictStraddlingIsUndecided"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.VerdictVacuousLowerEndAndCappedUpperEnd"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.VerdictRejectsBadIntervals"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.ParallelRatesNeverCross"
          "tests/TheoryKit.Core.Tests/BoundsTests.cs: BoundsTests.IdenticalBoundsHaveNoSingleCrossing" ]
      QuickTests = 300
      ThoroughTests = 10000
      Check =
        fun _ ->
            let g =
                gen {
                    let! e = logUniform 1e-6 0.9
                    let! cs = constantGen
                    let! ch = constantGen
                    let star = gammaStarOf cs ch e
                    // Two points around gamma*: factors in [1/4, 4] (log-uniform), or exactly gamma*.
                    let point = Gen.frequency [ 4, logUniform 0.25 4.0 |> Gen.map (fun f -> star * f); 1, Gen.constant star ]
                    let! a = point
                    let! b = point
                    // A certified lower end never exceeds 1/2 (no margin does).
                    let lo0, hi0 = min (min a b) 0.5, max a b
                    let! lo = Gen.frequency [ 5, Gen.constant lo0; 1, uniform -0.1 0.0 ]
                    let! hi = Gen.frequency [ 5, Gen.constant hi0; 1, uniform 0.5 0.8 ]
                    let hi = max hi lo0
                    // The estimate: inside [lo, hi] and (0, 1/2] (nonempty: 0 < lo0 <= min(hi, 1/2)).
                    let top = min hi 0.5
                    let bottom = max lo 1e-9
                    let! u = unit01
                    return e, cs, ch, lo, hi, bottom + (top - bottom) * u
                }
            forAllGen g (fun (e, cs, ch, lo, hi, est) ->
                let star = gammaStarOf cs ch e
                let v = Crossover.Verdict(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, withC est e cs ch, lo, hi, est)
                let upper = min hi 0.5
                let lower = if lo < 1e-6 then min 1e-6 upper else lo
                let near x = close 1e-9 x star
                let expected =
                    if near lower || near upper then
                        (if upper <= star || near upper then [ CrossoverVerdict.SoftFavoured ] else [])
                        @ (if lower >= star || near lower then [ CrossoverVerdict.HardFavoured ] else [])
                        @ [ CrossoverVerdict.Undecided ]
                    elif upper < star then [ CrossoverVerdict.SoftFavoured ]
                    elif lower > star then [ CrossoverVerdict.HardFavoured ]
                    else [ CrossoverVerdict.Undecided ]
                holds (sprintf "interval [%.17g, %.17g] (capped [%.17g, %.17g]), estimate %.17g, gamma* = %.17g: verdict %O, expected one of %A"
                           lo hi lower upper est star v.Verdict expected)
                    (List.contains v.Verdict expected)
                .&. agrees "reported gamma*" 1e-12 v.GammaStar.Value star) }

let private x7 =
    { Id = "X7"
      Section = "§8 Crossover"
      Source = "THEORY.md §8, from the [MLS25] rates"
      Statement =
        "The rate ratio m_hard / m_soft = (c_hard / c_soft) ε ln(1/ε) / γ² grows as γ shrinks: ratio(γ/2) = 4 ratio(γ), and it decreases strictly in γ (the soft-hard gap widens with difficulty; rate constants c)."
      Kind = Identity
      Property =
        "For random γ ∈ (0, 1/2], ε ∈ (0, 1) and c_soft, c_hard ∈ [0.1, 10), the ratio of the implemented rates equals (c_hard / c_soft) ε ln(1/ε) / γ² (written in the property) to relative 1e-12, ratio(γ/2) = 4 ratio(γ) to relative 1e-12, and ratio(γ/(1+s)) > ratio(γ) for s ∈ [1e-6, 1)."
      Tests = []
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            forAll parameters (fun p ->
                let ratio (q: Params) = ctx.Impl.HardRate (bound q) / ctx.Impl.SoftRate (bound q)
                let r = ratio p
                agrees "m_hard / m_soft" 1e-12 r (p.CHard / p.CSoft * p.Epsilon * log (1.0 / p.Epsilon) / (p.Gamma * p.Gamma))
                .&. gammaHalved "ratio" 4.0 ratio p r
                .&. decreasing "ratio" "gamma" lowerGamma ratio p r) }

/// The claims of this file, in the order of THEORY.md.
let claims: Claim list = [ b1; b2; b3; b4; b5; b6; b7; b8; x1; x2; x3; x4; x5; x6; x7 ]
