/// Claims about the crossover gamma* of the soft- and hard-label neuron bounds (THEORY.md §8). Expected values
/// are the closed form sqrt((c_hard / c_soft) eps ln(1/eps)) written out here (BoundCommon), numbers computed
/// outside the code, and sign checks of m_soft - m_hard. The rates are "rate, constant c".
module TheoryKit.Properties.CrossoverClaims

open System
open FsCheck
open FsCheck.FSharp
open TheoryKit.Bounds
open TheoryKit.Properties.Claim
open TheoryKit.Properties.Generators
open TheoryKit.Properties.BoundCommon

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

let claims: Claim list = [ x1; x2; x3; x4; x5; x6; x7 ]
