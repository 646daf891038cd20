/// Claims about the separation margin gamma of THEORY.md §6. Expected values come from closed forms
/// written here and from the independent evaluator for planar data (Reference.PlanarEvaluator: the dual value
/// of any q and the margins of any primal v constant on the arcs of the circle, as explicit sums over the arcs
/// between the angles a_i ± π/2, plain loops, no code of TheoryKit.Margins). Exact planar
/// results are cached by Generators.exactPlanar, so claims that look at the same planar cases share them.
module TheoryKit.Properties.MarginClaims

open System
open FsCheck
open FsCheck.FSharp
open TheoryKit.Data
open TheoryKit.Margins
open TheoryKit.Properties.Claim
open TheoryKit.Properties.Generators
open TheoryKit.Properties.Reference
open TheoryKit.Properties.Reference.PlanarEvaluator

let private section = "§6 Separation margin"
let private twoPi = 2.0 * Math.PI
let private test (name: string) = "tests/TheoryKit.Core.Tests/" + name

// ---- closed forms of THEORY.md §6 ---------------------------------------------------------------

/// Two unit points at angle theta, opposite labels.
let private opposite theta = (theta + (Math.PI - theta) * sin (theta / 2.0)) / twoPi

/// Two unit points at angle theta, same label.
let private sameLabel theta = (theta + (Math.PI - theta) * cos (theta / 2.0)) / twoPi

/// The noisy 2-XOR lower bound arctan(1/sqrt(d-2)) / (pi sqrt(2) sqrt(d-1)).
let private xorBound (d: int) = atan (1.0 / sqrt (float d - 2.0)) / (Math.PI * sqrt 2.0 * sqrt (float d - 1.0))

/// The exact certificate's primal (J x 2 in the plane coordinates of PlanarMargin.PlaneCoordinates,
/// arcs in increasing angle order), clipped to the unit ball.
let private certificatePrimal (r: MarginResult) =
    let v = r.Certificate.PlanarPrimal
    Array.init (v.Length / 2) (fun k -> v.[2 * k], v.[2 * k + 1]) |> clip

/// The data in the plane coordinates the exact certificate uses, with a check that they keep every
/// inner product (to 1e-12): the certificate's primal is read in these coordinates.
let private certificatePlane (data: Dataset) =
    let c = PlanarMargin.PlaneCoordinates(data.X, data.N, data.D)
    let pl = ofCoordinates c data.Y
    let worst =
        Seq.max (seq {
            yield 0.0
            for i in 0 .. data.N - 1 do
                for j in 0 .. data.N - 1 do
                    let xx = dot (row data.X data.D i) (row data.X data.D j)
                    yield abs (xx - (pl.Px.[i] * pl.Px.[j] + pl.Py.[i] * pl.Py.[j]))
        })
    pl, worst

/// The exact result of a planar case with what the evaluator reads from its certificate: the points in the
/// certificate's plane coordinates and the isometry check of certificatePlane, the arcs, and the clipped primal.
let private exactCase (p: Planar) =
    let r = exactPlanar p
    let pl, isometry = certificatePlane (planarData p)
    r, pl, isometry, arcs pl, certificatePrimal r

/// Orthonormal e1, e2 of R^d from 2 d frame numbers by Gram-Schmidt.
let private orthonormalPair d (frame: float[]) =
    let e1 = Array.sub frame 0 d
    let e1 = let n = norm e1 in e1 |> Array.map (fun v -> v / n)
    let f = Array.sub frame d d
    let c = dot e1 f
    let e2 = Array.map2 (fun a b -> a - c * b) f e1
    let e2 = let n = norm e2 in e2 |> Array.map (fun v -> v / n)
    e1, e2

/// The plane points embedded in R^d by x = px e1 + py e2.
let private embed (pl: Plane) d (frame: float[]) =
    let e1, e2 = orthonormalPair d frame
    let x = Array.init (pl.N * d) (fun k -> let i = k / d in pl.Px.[i] * e1.[k % d] + pl.Py.[i] * e2.[k % d])
    dataset x pl.Y d

/// d in [3, maxD] and 2 d frame numbers whose Gram-Schmidt is well conditioned.
let private frameGen maxD =
    gen {
        let! d = Gen.choose (3, maxD)
        let! frame = Gen.arrayOfLength (2 * d) (uniform -1.0 1.0)
        return d, frame
    }
    |> Gen.filter (fun (d, f) ->
        let e1 = Array.sub f 0 d
        let e2 = Array.sub f d d
        let n1 = dot e1 e1
        n1 > 1e-2 && dot e2 e2 - dot e1 e2 ** 2.0 / n1 > 1e-2)

/// A point uniform on the simplex of dimension n (normalised exponentials), with each coordinate zero
/// with probability 1/4 so that faces and vertices come up.
let private simplexGen n =
    gen {
        let! e = Gen.arrayOfLength n (Gen.frequency [ 1, Gen.constant 0.0; 3, unit01 |> Gen.map (fun u -> -log (1.0 - u)) ])
        let! vertex = Gen.choose (0, n - 1)
        let s = Array.sum e
        return (if s > 0.0 then e |> Array.map (fun v -> v / s) else Array.init n (fun i -> if i = vertex then 1.0 else 0.0))
    }

/// A vector in the closed unit disk (on the circle with probability 1/4).
let private diskGen =
    gen {
        let! a = uniform 0.0 twoPi
        let! r = Gen.frequency [ 1, Gen.constant 1.0; 3, unit01 |> Gen.map sqrt ]
        return r * cos a, r * sin a
    }

let private showQ (q: float[]) = q |> Array.map (sprintf "%.6g") |> String.concat ", "

/// The exact solve of a dataset (exact planar mode when its rank is <= 2).
let private certifyExact (data: Dataset) = MarginSolver.Certify(data, MarginOptions(TimeBudget = 10.0))

// ---- M1 definition and strong duality -------------------------------------------------------------

let private m1 =
    { Id = "M1"
      Section = section
      Source = "[JT20] Assumption 2.1; THEORY.md §6"
      Statement =
        "Definition and dual. γ = sup over v: R^d → R^d with ||v(z)||₂ ≤ 1 of min_i y_i E_z[<v(z), x_i> 1[<z, x_i> > 0]], and this equals min over q ∈ Δ_n of E_z ||Σ_i q_i y_i x_i 1[<z, x_i> > 0]||₂ (minimax, so primal = dual)."
      Kind = Identity
      Property =
        "For random planar data (2-6 points, radii in [0.25, 1]) the exact certificate's q (in the simplex) and its primal v (clipped to the unit ball) are evaluated by the independent arc-by-arc evaluator: dual(q) − min_i margin_i(v) ≤ 1e-6 (a feasible primal meets a dual value: strong duality), the upper end equals min(dual(q), min_i ||x_i|| / 2) and the lower end min(upper, max(0, min_i margin_i(v))) to 1e-12, and the interval has width ≤ 1e-6."
      Tests =
        [ test "MarginTests.cs: MarginTests.Independent_planar_evaluator_reproduces_the_two_point_closed_form" ]
      QuickTests = 40
      ThoroughTests = 1000
      Check =
        fun _ ->
            forAll (planar 6) (fun p ->
                let r, pl, isometry, arcList, v = exactCase p
                let q = r.Certificate.Q
                let dual = dualValue pl q
                let primal = if v.Length = arcList.Length then Array.min (margins pl arcList v) else nan
                let upper = min dual (capOf pl)
                let lower = min upper (max 0.0 primal)
                (r.Mode = "exact-planar" |> Prop.label (sprintf "mode %s" r.Mode))
                .&. (isometry <= 1e-12 |> Prop.label (sprintf "plane coordinates change an inner product by %g" isometry))
                .&. (((q |> Array.forall (fun w -> w >= 0.0)) && abs (Array.sum q - 1.0) <= 1e-12) |> Prop.label (sprintf "q = (%s) not in the simplex" (showQ q)))
                .&. (v.Length = arcList.Length |> Prop.label (sprintf "certificate has %d arcs, the evaluator %d" v.Length arcList.Length))
                .&. (dual - primal <= 1e-6 |> Prop.label (sprintf "dual(q) = %.12g, worst margin of v = %.12g: gap above 1e-6" dual primal))
                .&. (r.Width <= 1e-6 |> Prop.label (sprintf "interval [%.12g, %.12g] wider than 1e-6" r.GammaLower r.GammaUpper))
                .&. (abs (r.GammaUpper - upper) <= 1e-12 |> Prop.label (sprintf "upper %.15g, independent min(dual(q), cap) %.15g" r.GammaUpper upper))
                .&. (abs (r.GammaLower - lower) <= 1e-12 |> Prop.label (sprintf "lower %.15g, independent worst margin of v %.15g" r.GammaLower lower))) }

// ---- M2 convexity ---------------------------------------------------------------------------------

let private m2 =
    { Id = "M2"
      Section = section
      Source = "THEORY.md §6"
      Statement = "The dual objective q ↦ E_z ||Σ_i q_i y_i x_i 1[<z, x_i> > 0]|| is convex in q."
      Kind = Inequality
      Property =
        "For random planar data (2-6 points), q1 and q2 in the simplex (faces and vertices included) and t in [0, 1], the independent arc-by-arc dual value D satisfies D(t q1 + (1 − t) q2) ≤ t D(q1) + (1 − t) D(q2) + 1e-12."
      Tests = []
      QuickTests = 200
      ThoroughTests = 5000
      Check =
        fun _ ->
            forAll (planar 6) (fun p ->
                let pl = ofPlanar p
                let g =
                    gen {
                        let! q1 = simplexGen p.N
                        let! q2 = simplexGen p.N
                        let! t = Gen.frequency [ 1, Gen.elements [ 0.0; 0.5; 1.0 ]; 3, unit01 ]
                        return q1, q2, t
                    }
                forAllGen g (fun (q1, q2, t) ->
                    let mix = Array.map2 (fun a b -> t * a + (1.0 - t) * b) q1 q2
                    let lhs = dualValue pl mix
                    let rhs = t * dualValue pl q1 + (1.0 - t) * dualValue pl q2
                    lhs <= rhs + 1e-12
                    |> Prop.label (sprintf "q1 = (%s), q2 = (%s), t = %g: D(mix) = %.15g > t D(q1) + (1 - t) D(q2) = %.15g" (showQ q1) (showQ q2) t lhs rhs))) }

// ---- M3 weak duality ------------------------------------------------------------------------------

let private m3 =
    { Id = "M3"
      Section = section
      Source = "THEORY.md §6 (certificate)"
      Statement =
        "Weak duality: for every q ∈ Δ_n and every feasible v, min_i primal_i(v) ≤ γ ≤ dual(q). Any q gives an upper bound, and any primal v gives a lower bound."
      Kind = Inequality
      Property =
        "For random planar data with exact γ ∈ [lower, upper] (width ≤ 1e-6), random q = (1 − s) q* + s q' (q* the certificate's, q' random in the simplex) and random arc-wise constant v = (1 − s') v* + s' v' (v* the certificate's primal, v' random in the unit disk on each arc), with s, s' ∈ {0, 1e-6, 1e-3, uniform}: the independent dual(q) ≥ lower − 1e-12, min_i margin_i(v) ≤ upper + 1e-12, and min_i margin_i(v) ≤ dual(q) + 1e-12."
      Tests = []
      QuickTests = 40
      ThoroughTests = 1000
      Check =
        fun _ ->
            forAll (planar 6) (fun p ->
                let r, pl, _, arcList, vStar = exactCase p
                let weight = Gen.frequency [ 1, Gen.elements [ 0.0; 1e-6; 1e-3; 1.0 ]; 2, unit01 ]
                let g =
                    gen {
                        let! q' = simplexGen p.N
                        let! s = weight
                        let! v' = Gen.arrayOfLength arcList.Length diskGen
                        let! s' = weight
                        return q', s, v', s'
                    }
                forAllGen g (fun (q', s, v', s') ->
                    let q = Array.map2 (fun a b -> (1.0 - s) * a + s * b) r.Certificate.Q q'
                    let v =
                        if vStar.Length = arcList.Length then Array.map2 (fun (a, b) (c, d) -> (1.0 - s') * a + s' * c, (1.0 - s') * b + s' * d) vStar v'
                        else v'
                    let dual = dualValue pl q
                    let primal = Array.min (margins pl arcList (clip v))
                    (dual >= r.GammaLower - 1e-12 |> Prop.label (sprintf "dual(q) = %.15g below the exact lower end %.15g (q = (%s))" dual r.GammaLower (showQ q)))
                    .&. (primal <= r.GammaUpper + 1e-12 |> Prop.label (sprintf "worst margin of v = %.15g above the exact upper end %.15g" primal r.GammaUpper))
                    .&. (primal <= dual + 1e-12 |> Prop.label (sprintf "worst margin of v = %.15g above dual(q) = %.15g" primal dual)))) }

// ---- M4 Monte Carlo interval ----------------------------------------------------------------------

/// Failure probability per end, fresh samples per re-check and re-checks per case of M4.
let private m4Delta = 0.01
let private m4Samples = 128L

/// A Monte Carlo certificate carrying q and the smoothing c (for MarginSolver.Verify on fresh samples).
let private monteCarloCertificate (data: Dataset) (q: float[]) (c: float) delta (k: int64) =
    MarginCertificate(MarginCertificate.FormatTag, "monte-carlo", data.Provenance.Source, data.Fingerprint(), data.N, data.D, 0UL, delta,
                      c, q, 0, k, 0.0, 0.0, null)

/// Re-checks (q, c) on `draws` independent fresh sample sets of K = m4Samples and counts the intervals
/// [dual_K + Hoeffding, min_i primal_K,i − Hoeffding] that certainly miss gamma in [gLo, gHi].
let private m4Misses (ctx: Context) (data: Dataset) (q: float[]) (c: float) gLo gHi (seed: uint64) draws =
    let cert = monteCarloCertificate data q c m4Delta m4Samples
    let mutable misses = 0
    let mutable example = ""
    for j in 0 .. draws - 1 do
        let r = MarginSolver.Verify(cert, data, TheoryKit.Random.SeedSequence.Derive(seed, "m4-recheck", int64 j), threads = 1)
        let upper = r.DualEstimate + ctx.Impl.HoeffdingUpperTerm r.CertificationSamples m4Delta
        let lower = r.PrimalEstimate - ctx.Impl.HoeffdingLowerTerm r.CertificationSamples data.N m4Delta
        if gLo > upper || gHi < lower then
            misses <- misses + 1
            if example = "" then example <- sprintf "e.g. [%.6g, %.6g] from dual_K %.6g, primal_K %.6g (K = %d)" lower upper r.DualEstimate r.PrimalEstimate r.CertificationSamples
    misses, example

let private m4 =
    { Id = "M4"
      Section = section
      Source = "THEORY.md §6 (Monte Carlo)"
      Statement =
        "With K fresh samples z_k, dual values lie in [0, 1] and primal values in [−1, 1]. With probability ≥ 1 − 2δ: γ ≤ dual_K(q) + sqrt(ln(1/δ) / (2K)) and γ ≥ min_i primal_K,i − sqrt(2 ln(n/δ) / K)."
      Kind = Probabilistic "δ per end, 1 − 2δ jointly"
      Property =
        "Statistical test: for two unit points with prescribed margin (exact γ in closed form, embedded in R^d, d ≤ 5) and for random planar data (exact γ to 1e-6), the exact certificate's q and smoothing c are re-checked with MarginSolver.Verify on 50 independent fresh sample sets of K = 128 (δ = 0.01); the interval is rebuilt from the raw DualEstimate and PrimalEstimate with the Hoeffding terms, and the sets whose interval certainly misses γ are counted against Binomial(50, 2δ) at level 1e-6."
      Tests =
        [ test "MarginTests.cs: MarginTests.Hoeffding_terms_match_the_formulas_for_the_reported_K"
          test "MarginTests.cs: MarginTests.Monte_Carlo_interval_contains_the_exact_two_point_value"
          test "MarginTests.cs: MarginTests.Monte_Carlo_interval_contains_the_exact_three_point_value" ]
      QuickTests = 3
      ThoroughTests = 40
      Check =
        fun ctx ->
            let draws = if ctx.Thorough then 200 else 50
            let prescribed =
                forAll (withMargin 0.05 0.45 5) (fun p ->
                    forAllGen seed (fun s ->
                        let data = toDataset p.Small
                        let r = certifyExact data
                        let gamma = opposite p.Theta
                        let misses, example = m4Misses ctx data r.Certificate.Q r.Certificate.Smoothing gamma gamma s draws
                        binomialTest (sprintf "two points, gamma %.6g: intervals missing gamma %s" gamma example) misses draws (2.0 * m4Delta) 1e-6))
            let planarCases =
                forAll (planar 4) (fun p ->
                    forAllGen seed (fun s ->
                        let r = exactPlanar p
                        let misses, example = m4Misses ctx (planarData p) r.Certificate.Q r.Certificate.Smoothing r.GammaLower r.GammaUpper s draws
                        binomialTest (sprintf "planar, gamma in [%.9g, %.9g]: intervals missing gamma %s" r.GammaLower r.GammaUpper example) misses draws (2.0 * m4Delta) 1e-6))
            prescribed .&. planarCases }

// ---- M6 degenerate case (a) -----------------------------------------------------------------------

/// The three-point configuration of THEORY.md §6 (a), rotated by phi, reflected if asked, labels times s.
let private threePoints phi reflect (s: float) =
    let a = [| 0.0; 0.5; 1.2 |] |> Array.map (fun a -> (if reflect then -a else a) + phi)
    { Angles = a; Radii = [| 1.0; 1.0; 1.0 |]; Labels = [| s; -s; s |] }

/// Rotation, reflection and label sign of the three-point configuration (shrinks to the original).
let private threePointArb =
    let g =
        gen {
            let! phi = uniform 0.0 twoPi
            let! reflect = Gen.elements [ false; true ]
            let! s = Gen.elements [ 1.0; -1.0 ]
            return phi, reflect, s
        }
    Arb.fromGenShrink (g, fun (phi, reflect, s) -> seq { if (phi, reflect, s) <> (0.0, false, 1.0) then yield 0.0, false, 1.0 })

let private m6 =
    { Id = "M6"
      Section = section
      Source = "THEORY.md §6 degenerate case (a)"
      Statement =
        "Unit vectors at angles 0, 0.5 and 1.2 rad with labels +, −, +. The optimal q's sum vanishes on the arc where all three points are active (measure 0.309), and the worst sample margin of the normalised best response is 0.039, which is loose against γ = 0.10184."
      Kind = Identity
      Property =
        "For the configuration (randomly rotated, reflected and label-flipped) the independent arc arithmetic finds the arc where all three points are active with measure 0.309 (±5e-4, the printed precision), the exact solver's q has ||U_q|| ≤ 1e-7 there, the normalised best response v = U_q / ||U_q|| (0 on that arc) has worst margin 0.039 (±5e-4; computed exactly on the arcs, of which THEORY.md's sample margin is an estimate), and dual(q) and both exact ends equal γ = 0.10184 (±5e-6)."
      Tests = []
      QuickTests = 4
      ThoroughTests = 100
      Check =
        fun _ ->
            forAll threePointArb (fun (phi, reflect, s) ->
                let p = threePoints phi reflect s
                let r = exactPlanar p
                let pl = ofPlanar p
                let q = r.Certificate.Q
                let arcList = arcs pl
                let all = arcList |> Array.filter (fun arc -> Array.forall (active pl arc) [| 0; 1; 2 |])
                let measure = all |> Array.sumBy (fun (lo, hi) -> (hi - lo) / twoPi)
                let norm arc = let ux, uy = arcU pl q arc in sqrt (ux * ux + uy * uy)
                let residue = all |> Array.map norm |> Array.fold max 0.0
                let v =
                    arcList
                    |> Array.map (fun arc ->
                        let ux, uy = arcU pl q arc
                        let n = sqrt (ux * ux + uy * uy)
                        if Array.forall (active pl arc) [| 0; 1; 2 |] || n = 0.0 then 0.0, 0.0 else ux / n, uy / n)
                let worst = Array.min (margins pl arcList v)
                let dual = dualValue pl q
                (all.Length = 1 |> Prop.label (sprintf "%d arcs with all three points active" all.Length))
                .&. (abs (measure - 0.309) <= 5e-4 |> Prop.label (sprintf "measure of the all-active arc %.6g, THEORY.md 0.309" measure))
                .&. (residue <= 1e-7 |> Prop.label (sprintf "||U_q|| = %g on the all-active arc (q = (%s))" residue (showQ q)))
                .&. (abs (worst - 0.039) <= 5e-4 |> Prop.label (sprintf "worst margin of the normalised best response %.6g, THEORY.md 0.039" worst))
                .&. (abs (dual - 0.10184) <= 5e-6 |> Prop.label (sprintf "dual(q) = %.9g, THEORY.md 0.10184" dual))
                .&. ((abs (r.GammaLower - 0.10184) <= 5e-6 && abs (r.GammaUpper - 0.10184) <= 5e-6)
                     |> Prop.label (sprintf "exact interval [%.9g, %.9g], THEORY.md 0.10184" r.GammaLower r.GammaUpper))) }

// ---- M7 degenerate case (b) -----------------------------------------------------------------------

/// The whole noisy 2-XOR support in R^d (THEORY.md §6), built here: (1/sqrt(d-1)) (x1, x2, x3..xd) with
/// (x1, x2) in {(±1, 0), (0, ±1)}, x3..xd in {-1, +1}; label +1 on (±1, 0), -1 on (0, ±1). Rows n x d.
let private noisyXor d =
    let s = 1.0 / sqrt (float d - 1.0)
    let heads = [ (1.0, 0.0, 1.0); (-1.0, 0.0, 1.0); (0.0, 1.0, -1.0); (0.0, -1.0, -1.0) ]
    let rows =
        [ for (a, b, y) in heads do
              for bits in 0 .. (1 <<< (d - 2)) - 1 ->
                  Array.append [| a * s; b * s |] (Array.init (d - 2) (fun j -> if (bits >>> j) &&& 1 = 1 then s else -s)), y ]
    Array.concat (List.map fst rows), Array.ofList (List.map snd rows)

let private m7 =
    { Id = "M7"
      Section = section
      Source = "THEORY.md §6 degenerate case (b)"
      Statement =
        "Noisy 2-XOR support, d = 6. The optimal q is uniform by symmetry, and its sum vanishes on about 10% of z. Naively normalising the ~1e-17 rounding residue halves the worst sample margin, while treating near-zero sums as zero keeps it tight."
      Kind = Identity
      Property =
        "On the 64-point support built here and K = 200000 fresh z (plain loops, q uniform, U_q summed in point order): the fraction of z with ||U_q(z)|| ≤ 1e-12 has a Clopper-Pearson interval at level 1e-6 meeting [0.095, 0.105] (about 10%, read as 10 ± 0.5 percentage points); the primal U_q / ||U_q|| that is 0 where ||U_q|| ≤ 1e-12 has worst sample margin within a Bernstein bound at level 1e-6 of dual_K (tight, so the uniform q is optimal up to that bound), and MarginSolver.Verify of the uniform q with smoothing c = 1e-9 is as tight; the naive primal, which normalises every non-zero residue, has worst sample margin between 0.35 and 0.65 times dual_K (halved)."
      Tests = []
      QuickTests = 1
      ThoroughTests = 10
      Check =
        fun _ ->
            forAllGen seed (fun s ->
                let d = 6
                let x, y = noisyXor d
                let n = y.Length
                let q = 1.0 / float n
                let k = 200000
                let z = TheoryKit.Random.Gaussian.Matrix(k, d, s, "m7-z")
                let mTight = Array.zeroCreate n
                let mNaive = Array.zeroCreate n
                let act = Array.zeroCreate n
                let u = Array.zeroCreate d
                let mutable dualSum = 0.0
                let mutable vanish = 0
                for kk in 0 .. k - 1 do
                    Array.fill u 0 d 0.0
                    for i in 0 .. n - 1 do
                        let mutable a = 0.0
                        for j in 0 .. d - 1 do
                            a <- a + z.[kk * d + j] * x.[i * d + j]
                        act.[i] <- a > 0.0
                        if act.[i] then
                            for j in 0 .. d - 1 do
                                u.[j] <- u.[j] + q * y.[i] * x.[i * d + j]
                    let mutable r2 = 0.0
                    for j in 0 .. d - 1 do
                        r2 <- r2 + u.[j] * u.[j]
                    let r = sqrt r2
                    dualSum <- dualSum + r
                    if r <= 1e-12 then vanish <- vanish + 1
                    if r > 0.0 then
                        for i in 0 .. n - 1 do
                            if act.[i] then
                                let mutable ux = 0.0
                                for j in 0 .. d - 1 do
                                    ux <- ux + u.[j] * x.[i * d + j]
                                let m = y.[i] * ux / r
                                mNaive.[i] <- mNaive.[i] + m
                                if r > 1e-12 then mTight.[i] <- mTight.[i] + m
                let dualK = dualSum / float k
                let tight = Array.min mTight / float k
                let naive = Array.min mNaive / float k
                // Every margin of the zero-aware primal has mean D(uniform q) (the support's symmetries act
                // transitively and sum_i q_i margin_i = E||U_q|| = D(q)), and dual_K has mean D(q). One-sided
                // Bernstein at level 1e-6 for each: a per-sample margin lies in [-1, 1] with second moment at
                // most P(x_i active) = 1/2 (union over the n points); a dual sample lies in [0, 1] (variance
                // at most 1/4). The slack is the sum of the two deviations.
                let lnN = log (float n / 1e-6)
                let slack = sqrt (2.0 * 0.5 * lnN / float k) + 2.0 * 2.0 * lnN / (3.0 * float k)
                            + sqrt (2.0 * 0.25 * log (1.0 / 1e-6) / float k) + 2.0 * log (1.0 / 1e-6) / (3.0 * float k)
                let struct (lo, hi) = TheoryKit.Experiments.ClopperPearson.Interval(vanish, k, 1e-6)
                let data = dataset x y d
                let verified =
                    MarginSolver.Verify(monteCarloCertificate data (Array.create n q) 1e-9 0.01 (int64 k), data, s, threads = 1)
                ((lo <= 0.105 && hi >= 0.095)
                 |> Prop.label (sprintf "vanishing fraction %d / %d, interval [%.5f, %.5f] misses 10%% ± 0.5%%" vanish k lo hi))
                .&. (tight >= dualK - slack |> Prop.label (sprintf "zero-aware worst margin %.6g, dual_K %.6g, allowed slack %.4g" tight dualK slack))
                .&. (verified.PrimalEstimate >= verified.DualEstimate - slack
                     |> Prop.label (sprintf "Verify with c = 1e-9: worst margin %.6g, dual_K %.6g, allowed slack %.4g" verified.PrimalEstimate verified.DualEstimate slack))
                .&. ((naive >= 0.35 * dualK && naive <= 0.65 * dualK)
                     |> Prop.label (sprintf "naive worst margin %.6g is %.3f of dual_K %.6g, not about half" naive (naive / dualK) dualK))) }

// ---- M19 variance-adaptive interval ----------------------------------------------------------------

/// Failure probability per end, fresh samples per re-check and re-checks per case of M19 (K large enough that
/// the empirical-Bernstein bound is the tighter one at many points).
let private m19Delta = 0.01
let private m19Samples = 4096L

/// Re-checks (q, c) on `draws` independent fresh sample sets of K = m19Samples with MarginSolver.Verify and counts the
/// reported intervals [GammaLower, GammaUpper] (each end the smaller of Hoeffding and empirical Bernstein at delta/2)
/// that certainly miss gamma in [gLo, gHi], and the draws where an end used the empirical-Bernstein bound.
let private m19Misses (data: Dataset) (q: float[]) (c: float) gLo gHi (seed: uint64) draws =
    let cert = monteCarloCertificate data q c m19Delta m19Samples
    let mutable misses = 0
    let mutable bernstein = 0
    let mutable example = ""
    for j in 0 .. draws - 1 do
        let r = MarginSolver.Verify(cert, data, TheoryKit.Random.SeedSequence.Derive(seed, "m19-recheck", int64 j), threads = 1)
        if r.UpperBound = Concentration.EmpiricalBernstein || r.LowerBound = Concentration.EmpiricalBernstein then bernstein <- bernstein + 1
        if gLo > r.GammaUpper || gHi < r.GammaLower then
            misses <- misses + 1
            if example = "" then example <- sprintf "e.g. [%.6g, %.6g] (%s, %s)" r.GammaLower r.GammaUpper r.LowerBound r.UpperBound
    misses, bernstein, example

let private m19 =
    { Id = "M19"
      Section = section
      Source = "THEORY.md §6 (Monte Carlo); Maurer and Pontil 2009, Theorem 4"
      Statement =
        "Each end of the certified interval is the smaller of Hoeffding's bound and the empirical-Bernstein bound (sqrt(2 V ln(2/δ')/K) + 7 R ln(2/δ')/(3(K−1)) for values in an interval of length R, V the sample variance), each at δ' = δ/2 (the lower end with a union over the n points, on antithetic pair means (z, −z)); the lower end is the largest of that (at δ/2 when a kernel-tail end is computed), the kernel-tail end (kernel margins of U_q / max(||U_q||, T) less ||x_i|| (S_q/T − 1) times the Clopper-Pearson bound on P(||U_q|| > T), at δ/2 over its thresholds) and the deterministic exact-kernel end, so with probability ≥ 1 − 2δ the interval contains γ."
      Kind = Probabilistic "δ per end, 1 − 2δ jointly"
      Property =
        "Statistical test of coverage: for random planar data (exact γ to 1e-6) the exact certificate's q and smoothing, and for the whole noisy 2-XOR support in d = 6 the uniform q (optimal by symmetry, THEORY.md §6 (b)) with smoothing 1e-9 and γ = 0.06367 (issue 12's exact value, ±1e-5), are re-checked with MarginSolver.Verify on 50 (thorough 200) independent fresh sample sets of K = 4096 (δ = 0.01); the reported intervals that certainly miss γ are counted against Binomial(draws, 2δ) at level 1e-6, and on the noisy 2-XOR case the empirical-Bernstein bound must have been chosen in some draw (so the test exercises it)."
      Tests =
        [ test "MarginCertificateTests.cs: MarginCertificateTests.Concentration_terms_match_the_formulas"
          test "MarginTests.cs: MarginTests.Interval_terms_are_at_most_hoeffding_at_half_delta_and_equal_it_when_named" ]
      QuickTests = 2
      ThoroughTests = 20
      Check =
        fun ctx ->
            let draws = if ctx.Thorough then 200 else 50
            let planarCases =
                forAll (planar 4) (fun p ->
                    forAllGen seed (fun s ->
                        let r = exactPlanar p
                        let misses, _, example = m19Misses (planarData p) r.Certificate.Q r.Certificate.Smoothing r.GammaLower r.GammaUpper s draws
                        binomialTest (sprintf "planar, gamma in [%.9g, %.9g]: intervals missing gamma %s" r.GammaLower r.GammaUpper example) misses draws (2.0 * m19Delta) 1e-6))
            let xorCase =
                forAllGen seed (fun s ->
                    let x, y = noisyXor 6
                    let data = Dataset(x, y, y.Length, 6, null, "+1", "-1", Array.empty, Provenance("noisy-xor:6", "noisy 2-XOR support, d = 6", false, Nullable(), Array.empty))
                    let q = Array.create y.Length (1.0 / float y.Length)
                    let misses, bernstein, example = m19Misses data q 1e-9 (0.06367 - 1e-5) (0.06367 + 1e-5) s draws
                    binomialTest (sprintf "noisy 2-XOR d = 6, gamma 0.06367: intervals missing gamma %s" example) misses draws (2.0 * m19Delta) 1e-6
                    .&. (bernstein > 0 |> Prop.label (sprintf "the empirical-Bernstein bound was chosen in %d of %d draws" bernstein draws)))
            planarCases .&. xorCase }

// ---- M8 exact planar mode -------------------------------------------------------------------------

let private m8 =
    { Id = "M8"
      Section = section
      Source = "THEORY.md §6 (exact in d = 2)"
      Statement =
        "Exact planar mode. The activation pattern is constant on the arcs between the angles a_i ± π/2, an arc's measure is its length / (2π), and γ is a finite convex program. The code also applies this to rank-2 data embedded in higher d."
      Kind = Identity
      Property =
        "For random planar data (2-6 points) and the same points embedded isometrically in R^d (3 ≤ d ≤ 5, random plane), the solver runs in exact planar mode, each upper end equals min(dual(q), min_i ||x_i|| / 2) for its own certificate's q by the independent arc-by-arc evaluator (to 1e-12), and the two exact intervals agree to 1e-6."
      Tests =
        [ test "MarginTests.cs: MarginTests.Three_points_degenerate_case_a"
          test "MarginTests.cs: MarginTests.Two_points_in_d5_use_exact_mode" ]
      QuickTests = 40
      ThoroughTests = 1000
      Check =
        fun _ ->
            forAll (planar 6) (fun p ->
                let r = exactPlanar p
                let pl = ofPlanar p
                let cap = capOf pl
                let expected = min (dualValue pl r.Certificate.Q) cap
                forAllGen (frameGen 5) (fun (d, frame) ->
                    let e = certifyExact (embed pl d frame)
                    let expectedEmbedded = min (dualValue pl e.Certificate.Q) cap
                    ((r.Mode = "exact-planar" && e.Mode = "exact-planar") |> Prop.label (sprintf "modes %s (d = 2) and %s (d = %d)" r.Mode e.Mode d))
                    .&. (abs (r.GammaUpper - expected) <= 1e-12 |> Prop.label (sprintf "d = 2: upper %.15g, independent %.15g" r.GammaUpper expected))
                    .&. (abs (e.GammaUpper - expectedEmbedded) <= 1e-12 |> Prop.label (sprintf "d = %d: upper %.15g, independent %.15g" d e.GammaUpper expectedEmbedded))
                    .&. ((abs (e.GammaUpper - r.GammaUpper) <= 1e-6 && abs (e.GammaLower - r.GammaLower) <= 1e-6)
                         |> Prop.label (sprintf "d = %d: [%.12g, %.12g], d = 2: [%.12g, %.12g]" d e.GammaLower e.GammaUpper r.GammaLower r.GammaUpper)))) }

// ---- M9 finite-width margin -----------------------------------------------------------------------

/// min of f over [a, b] by golden-section search to an argument width of 1e-12 (f convex); the value
/// returned is f at a point of [a, b].
let private golden (f: float -> float) (a: float) (b: float) =
    let ratio = (sqrt 5.0 - 1.0) / 2.0
    let mutable a = a
    let mutable b = b
    let mutable x1 = b - ratio * (b - a)
    let mutable x2 = a + ratio * (b - a)
    let mutable f1 = f x1
    let mutable f2 = f x2
    while b - a > 1e-12 do
        if f1 <= f2 then
            b <- x2
            x2 <- x1
            f2 <- f1
            x1 <- b - ratio * (b - a)
            f1 <- f x1
        else
            a <- x1
            x1 <- x2
            f1 <- f2
            x2 <- a + ratio * (b - a)
            f2 <- f x2
    List.min [ f1; f2; f a; f b ]

/// gamma_m by plain loops: (1/m) sum_s ||sum_i q_i y_i x_i 1[<w_s, x_i> > 0]|| minimised over the simplex
/// (n <= 3) by nested golden-section search (partial minima of a convex function are convex). The value
/// is the dual value of a point of the simplex, so it is >= gamma_m, and within ~1e-11 of it.
let private finiteWidthGamma (s: Small) (w0: float[]) m =
    let n, d = s.N, s.D
    let masks = Array.init m (fun k -> Array.init n (fun i -> dot (row w0 d k) (s.Row i) > 0.0))
    let value (q: float[]) =
        let mutable total = 0.0
        for k in 0 .. m - 1 do
            let u = Array.zeroCreate d
            for i in 0 .. n - 1 do
                if masks.[k].[i] then
                    for j in 0 .. d - 1 do
                        u.[j] <- u.[j] + q.[i] * s.Y.[i] * s.X.[i * d + j]
            total <- total + norm u
        total / float m
    match n with
    | 1 -> value [| 1.0 |]
    | 2 -> golden (fun a -> value [| a; 1.0 - a |]) 0.0 1.0
    | _ -> golden (fun a -> golden (fun b -> value [| a; b; max 0.0 (1.0 - a - b) |]) 0.0 (1.0 - a)) 0.0 1.0

let private m9 =
    { Id = "M9"
      Section = section
      Source = "THEORY.md §6"
      Statement = "Finite-width margin at initialisation γ_m: the same program with the m rows of W_0 as the z's."
      Kind = Identity
      Property =
        "For random unit data (1-3 points in d ≤ 4) and W_0 with m ≤ 64 Gaussian rows (seeded), FiniteWidthMargin.Compute brackets γ_m: lower ≤ upper (+1e-12 rounding), upper − lower ≤ 1e-6, and the independent γ_m (plain loops over the m rows, minimised over the simplex by nested golden-section search) lies in [lower − 1e-12, upper + 1e-9]."
      Tests =
        [ test "MarginTests.cs: MarginTests.Finite_width_margin_is_near_gamma_for_large_m"
          test "MarginTests.cs: MarginTests.Finite_width_margin_rejects_a_wrong_shape" ]
      QuickTests = 40
      ThoroughTests = 1000
      Check =
        fun _ ->
            forAll (smallUnit 1 3 4) (fun s ->
                let g = Gen.zip (Gen.frequency [ 1, Gen.elements [ 1; 2 ]; 4, Gen.choose (1, 64) ]) seed
                forAllGen g (fun (m, sd) ->
                    let w0 = TheoryKit.Random.Gaussian.Matrix(m, s.D, sd, "m9-w0")
                    let r = FiniteWidthMargin.Compute(toDataset s, w0, m)
                    let independent = finiteWidthGamma s w0 m
                    ((r.Lower <= r.Upper + 1e-12 && r.Upper - r.Lower <= 1e-6) |> Prop.label (sprintf "m = %d: bracket [%.17g, %.17g]" m r.Lower r.Upper))
                    .&. ((r.Lower <= independent + 1e-12 && independent <= r.Upper + 1e-9)
                         |> Prop.label (sprintf "m = %d: independent gamma_m %.12g outside [%.12g, %.12g]" m independent r.Lower r.Upper)))) }

// ---- M10 [JT20] transfer --------------------------------------------------------------------------

let private m10 =
    { Id = "M10"
      Section = section
      Source = "[JT20] (transfer of Assumption 2.1 to width m); THEORY.md §6"
      Statement = "γ_m ≥ γ − sqrt(2 ln(n/δ) / m) with probability ≥ 1 − δ."
      Kind = Probabilistic "δ"
      Property =
        "Statistical test: for two unit points with prescribed margin γ ∈ [0.49, 0.5] (closed form; near-antipodal, where γ_m fluctuates most, in R^d, d ≤ 3), 40 independent W_0 with m = 2000 rows; a draw violates when the upper end of FiniteWidthMargin.Compute (solved to a gap of 1e-4; always ≥ γ_m, so a counted violation is certain) is below the transfer bound at δ = 0.01; violations are compared with Binomial(40, δ) at level 1e-6."
      Tests = [ test "MarginTests.cs: MarginTests.Finite_width_margin_is_near_gamma_for_large_m" ]
      QuickTests = 2
      ThoroughTests = 10
      Check =
        fun ctx ->
            let m = 2000
            let delta = 0.01
            let draws = if ctx.Thorough then 200 else 40
            forAll (withMargin 0.49 0.5 3) (fun p ->
                forAllGen seed (fun s ->
                    let data = toDataset p.Small
                    let gamma = opposite p.Theta
                    let bound = ctx.Impl.TransferLowerBound gamma data.N m delta
                    let mutable violations = 0
                    let mutable worst = infinity
                    for j in 0 .. draws - 1 do
                        let w0 = TheoryKit.Random.Gaussian.Matrix(m, data.D, s, "m10-w0", int64 j)
                        let r = FiniteWidthMargin.Compute(data, w0, m, 1e-4)
                        worst <- min worst r.Upper
                        if r.Upper < bound then violations <- violations + 1
                    binomialTest (sprintf "gamma %.6g, m = %d, bound %.6g, smallest upper end %.6g: gamma_m below the bound" gamma m bound worst)
                        violations draws delta 1e-6)) }

// ---- M11-M14 known answers ------------------------------------------------------------------------

/// Both exact ends equal the expected value to 1e-8 (exact mode solves to a gap of 1e-9).
let private exactly (r: MarginResult) expected what =
    (r.Mode = "exact-planar" |> Prop.label (sprintf "%s: mode %s" what r.Mode))
    .&. ((abs (r.GammaLower - expected) <= 1e-8 && abs (r.GammaUpper - expected) <= 1e-8)
         |> Prop.label (sprintf "%s: exact interval [%.12g, %.12g], closed form %.12g" what r.GammaLower r.GammaUpper expected))

let private m11 =
    { Id = "M11"
      Section = section
      Source = "THEORY.md §6 known answers"
      Statement =
        "Two unit points with opposite labels: γ = (θ + (π − θ) sin(θ/2)) / (2π). This gives 1/2 at θ = π, 0.322565 at θ = 1 and 0.471197 at θ = 2."
      Kind = Identity
      Property =
        "The closed form gives the three published values (to their printed precision); for random θ (through a prescribed margin in [0.001, 0.5]) and the pair placed in a random plane of R^d, d ≤ 5, both exact ends equal the closed form to 1e-8."
      Tests =
        [ test "MarginTests.cs: MarginTests.Two_points_opposite_labels"
          test "MarginTests.cs: MarginTests.Two_points_in_d5_use_exact_mode"
          test "MarginTests.cs: MarginTests.Independent_planar_evaluator_reproduces_the_two_point_closed_form"
          test "MarginTests.cs: MarginTests.Monte_Carlo_interval_contains_the_exact_two_point_value"
          test "MarginTests.cs: MarginTests.Sandwich_two_points_closed_forms"
          test "DataTests.cs: GeneratorTests.Two_point_rows_meet_at_theta" ]
      QuickTests = 40
      ThoroughTests = 1000
      Check =
        fun _ ->
            let published =
                (abs (opposite Math.PI - 0.5) <= 1e-15 && abs (opposite 1.0 - 0.322565) <= 5e-7 && abs (opposite 2.0 - 0.471197) <= 5e-7)
                |> Prop.label (sprintf "closed form at pi, 1, 2: %.15g, %.7g, %.7g" (opposite Math.PI) (opposite 1.0) (opposite 2.0))
            published
            .&. forAll (withMargin 0.001 0.5 5) (fun p ->
                let r = certifyExact (toDataset p.Small)
                exactly r (opposite p.Theta) (sprintf "theta %.9g in R^%d" p.Theta p.D)) }

let private m12 =
    { Id = "M12"
      Section = section
      Source = "THEORY.md §6 known answers"
      Statement = "Two unit points with the same label: γ = (θ + (π − θ) cos(θ/2)) / (2π)."
      Kind = Identity
      Property =
        "For random θ in (0, π] and the pair placed in a random plane of R^d, d ≤ 5, both labelled +1 or both −1, both exact ends equal the closed form to 1e-8."
      Tests =
        [ test "MarginTests.cs: MarginTests.Two_points_same_label"
          test "MarginTests.cs: MarginTests.Two_point_spec_with_same_flag_at_2"
          test "MarginTests.cs: MarginTests.Two_points_in_d5_use_exact_mode"
          test "MarginTests.cs: MarginTests.Sandwich_two_points_closed_forms"
          test "DataTests.cs: GeneratorTests.Two_point_same_labels_embedding_and_errors" ]
      QuickTests = 40
      ThoroughTests = 1000
      Check =
        fun _ ->
            forAll (withMargin 0.001 0.5 5) (fun p ->
                forAllGen (Gen.elements [ 1.0; -1.0 ]) (fun y ->
                    let pair = { p.Small with Y = [| y; y |] }
                    let r = certifyExact (toDataset pair)
                    exactly r (sameLabel p.Theta) (sprintf "theta %.9g in R^%d, labels %+g" p.Theta p.D y))) }

/// A non-zero vector of d <= 5 with random norm in (0, 1] (1 with probability 1/4).
let private shortVector =
    let norm = Gen.frequency [ 1, Gen.constant 1.0; 3, uniform 0.0 1.0 |> Gen.filter (fun r -> r > 1e-3) ]
    Arb.zip (smallUnit 1 1 5, Arb.fromGenShrink (norm, fun r -> seq { if r <> 1.0 then yield 1.0 }))

/// The point x of a shortVector case (the unit vector scaled to the drawn norm) and ||x|| by a plain loop.
let private shortPoint (s: Small) (length: float) =
    let x = s.X |> Array.map (fun v -> length * v)
    x, norm x

let private m13 =
    { Id = "M13"
      Section = section
      Source = "THEORY.md §6 known answers"
      Statement = "A single point: γ = ||x|| / 2."
      Kind = Identity
      Property = "For a random point in R^d (d ≤ 5) of norm in (0, 1] and either label, both exact ends equal ||x|| / 2 (plain loop) to 1e-8."
      Tests =
        [ test "MarginTests.cs: MarginTests.Single_point_has_margin_half_its_norm"
          test "MarginTests.cs: MarginTests.Single_short_point_loaded_without_normalisation"
          test "MarginTests.cs: MarginTests.Sandwich_single_point_and_duplicated_point" ]
      QuickTests = 40
      ThoroughTests = 1000
      Check =
        fun _ ->
            forAll shortVector (fun (s, length) ->
                let x, nx = shortPoint s length
                let r = certifyExact (dataset x s.Y s.D)
                exactly r (nx / 2.0) (sprintf "||x|| = %.9g" nx)) }

let private m14 =
    { Id = "M14"
      Section = section
      Source = "THEORY.md §6 known answers"
      Statement = "The same point with both labels: γ = 0."
      Kind = Identity
      Property = "For a random point in R^d (d ≤ 5) of norm in (0, 1], given twice with labels +1 and −1 (either order), both exact ends are 0 to 1e-8."
      Tests =
        [ test "MarginTests.cs: MarginTests.Same_point_with_both_labels_has_margin_zero"
          test "MarginTests.cs: MarginTests.Sandwich_single_point_and_duplicated_point" ]
      QuickTests = 20
      ThoroughTests = 500
      Check =
        fun _ ->
            forAll shortVector (fun (s, length) ->
                let x, nx = shortPoint s length
                let y = s.Y.[0]
                let r = certifyExact (dataset (Array.append x x) [| y; -y |] s.D)
                exactly r 0.0 (sprintf "||x|| = %.9g" nx)) }

// ---- M15 linearly separable -----------------------------------------------------------------------

/// Planar data separated by the unit vector at angle U with y_i <u, x_i> >= G: each point is
/// y_i (t_i u + side_i sqrt(r_i^2 - t_i^2) u_perp) with t_i in [G, 1] and r_i in [t_i, 1] (t_i = G and
/// r_i = t_i each with probability 1/3, where the bound is tightest).
type private Separable =
    { U: float
      G: float
      Points: Planar }
    override s.ToString() = sprintf "u at %.6g rad, g_lin %.6g: %O" s.U s.G s.Points

let private separable =
    let g =
        gen {
            let! n = Gen.choose (1, 6)
            let! u = uniform 0.0 twoPi
            let! glin = uniform 0.01 0.9
            let! pts =
                Gen.listOfLength n (gen {
                    let! y = Gen.elements [ 1.0; -1.0 ]
                    let! t = Gen.frequency [ 1, Gen.constant glin; 2, uniform glin 1.0 ]
                    let! r = Gen.frequency [ 1, Gen.constant t; 2, uniform t 1.0 ]
                    let! side = Gen.elements [ 1.0; -1.0 ]
                    let h = side * sqrt (max 0.0 (r * r - t * t))
                    let px = y * (t * cos u - h * sin u)
                    let py = y * (t * sin u + h * cos u)
                    return atan2 py px, sqrt (px * px + py * py), y
                })
            return { U = u; G = glin; Points = { Angles = pts |> List.map (fun (a, _, _) -> a) |> Array.ofList
                                                 Radii = pts |> List.map (fun (_, r, _) -> r) |> Array.ofList
                                                 Labels = pts |> List.map (fun (_, _, y) -> y) |> Array.ofList } }
        }
    let drop i (a: float[]) = Array.append (Array.sub a 0 i) (Array.sub a (i + 1) (a.Length - i - 1))
    let shrink (s: Separable) =
        seq {
            if s.Points.N > 1 then
                for i in 0 .. s.Points.N - 1 do
                    yield { s with Points = { Angles = drop i s.Points.Angles; Radii = drop i s.Points.Radii; Labels = drop i s.Points.Labels } }
        }
    Arb.fromGenShrink (g, shrink)

let private m15 =
    { Id = "M15"
      Section = section
      Source = "THEORY.md §6 known answers"
      Statement = "Linearly separable data with a unit u and y_i <u, x_i> ≥ g_lin for all i: γ ≥ g_lin / 2."
      Kind = Inequality
      Property =
        "For random planar data (1-6 points, norms ≤ 1) built around a random unit u with y_i <u, x_i> ≥ g_lin (g_lin in [0.01, 0.9]; g_lin recomputed as the minimum over the points), the exact lower end (a margin attained by a feasible primal) is ≥ g_lin / 2 − 1e-9."
      Tests =
        [ test "MarginTests.cs: MarginTests.Separable_upper_end_is_at_least_half_the_linear_margin"
          test "DataTests.cs: GeneratorTests.Separable_margin_holds" ]
      QuickTests = 40
      ThoroughTests = 1000
      Check =
        fun _ ->
            forAll separable (fun s ->
                let p = s.Points
                let glin = Array.init p.N (fun i -> p.Labels.[i] * p.Radii.[i] * cos (p.Angles.[i] - s.U)) |> Array.min
                let r = exactPlanar p
                r.GammaLower >= glin / 2.0 - 1e-9
                |> Prop.label (sprintf "exact interval [%.12g, %.12g], g_lin / 2 = %.12g" r.GammaLower r.GammaUpper (glin / 2.0))) }

// ---- M16 noisy 2-XOR ------------------------------------------------------------------------------

let private m16 =
    { Id = "M16"
      Section = section
      Source = "THEORY.md §6 known answers"
      Statement =
        "Noisy 2-XOR in d ≥ 3 (support (1/sqrt(d−1)) (x1, x2, x3..xd) with (x1, x2) ∈ {(±1, 0), (0, ±1)} and x3..xd ∈ {−1, +1}; label +1 on (±1, 0) and −1 on (0, ±1)): γ ≥ arctan(1/sqrt(d−2)) / (π sqrt(2) sqrt(d−1)). This gives 0.125 at d = 3, 0.046670 at d = 6 and 0.025497 at d = 10."
      Kind = Inequality
      Property =
        "The formula gives the three published values (to their printed precision). For d in 3..5 on the support built here: the sandwich upper end (a deterministic upper bound on γ) is ≥ the bound, and, a probabilistic consequence (δ = 1e-6), the Monte Carlo certified upper end (1024 optimisation and 20000 certification samples, random seed) is ≥ the bound."
      Tests =
        [ test "MarginTests.cs: MarginTests.Noisy_xor_6_upper_end_is_above_the_known_lower_bound"
          test "MarginTests.cs: MarginTests.Sandwich_on_noisy_xor_3_brackets_the_certified_interval"
          test "DataTests.cs: GeneratorTests.Noisy_xor_6_is_the_whole_support"
          test "DataTests.cs: GeneratorTests.Noisy_xor_sample_is_seeded_and_in_the_support" ]
      QuickTests = 3
      ThoroughTests = 30
      Check =
        fun ctx ->
            let published =
                (abs (xorBound 3 - 0.125) <= 5e-16 && abs (xorBound 6 - 0.046670) <= 5e-7 && abs (xorBound 10 - 0.025497) <= 5e-7)
                |> Prop.label (sprintf "bound at d = 3, 6, 10: %.15g, %.7g, %.7g" (xorBound 3) (xorBound 6) (xorBound 10))
            published
            .&. forAllGen (Gen.zip (Gen.choose (3, 5)) seed) (fun (d, s) ->
                let x, y = noisyXor d
                let data = dataset x y d
                let bound = xorBound d
                let sandwich = ctx.Impl.Sandwich data
                let r =
                    MarginSolver.Certify(data, MarginOptions(Width = 0.05, Delta = 1e-6, Seed = s, OptimisationSamples = Nullable 1024,
                                                             CertificationSamples = Nullable 20000L))
                (sandwich.Upper >= bound |> Prop.label (sprintf "d = %d: sandwich upper %.9g below the bound %.9g" d sandwich.Upper bound))
                .&. (r.GammaUpper >= bound |> Prop.label (sprintf "d = %d: certified upper %.9g below the bound %.9g (probability <= 1e-6 if correct)" d r.GammaUpper bound))) }

// ---- M17 three planar points ----------------------------------------------------------------------

let private m17 =
    { Id = "M17"
      Section = section
      Source = "THEORY.md §6 degenerate case (a)"
      Statement = "Unit vectors in the plane at angles 0, 0.5 and 1.2 rad with labels +, −, +: γ = 0.10184."
      Kind = Identity
      Property =
        "For the configuration randomly rotated, reflected, label-flipped and placed in a random plane of R^d (2 ≤ d ≤ 5), both exact ends and the independent arc-by-arc dual value of the certificate's q equal 0.10184 (±5e-6, the printed precision), and the upper end equals that dual value to 1e-12."
      Tests =
        [ test "MarginTests.cs: MarginTests.Three_points_degenerate_case_a"
          test "MarginTests.cs: MarginTests.Monte_Carlo_interval_contains_the_exact_three_point_value"
          test "MarginTests.cs: MarginTests.Sandwich_on_three_planar_points_brackets_the_exact_value"
          test "MarginTests.cs: MarginTests.Exact_certificate_round_trips_and_verifies" ]
      QuickTests = 10
      ThoroughTests = 300
      Check =
        fun _ ->
            forAll threePointArb (fun (phi, reflect, s) ->
                let pl = ofPlanar (threePoints phi reflect s)
                let plane = Gen.frequency [ 1, Gen.constant (2, [| 1.0; 0.0; 0.0; 1.0 |]); 3, frameGen 5 ]
                forAllGen plane (fun (d, frame) ->
                    let r = certifyExact (embed pl d frame)
                    let dual = dualValue pl r.Certificate.Q
                    (r.Mode = "exact-planar" |> Prop.label (sprintf "mode %s" r.Mode))
                    .&. ((abs (r.GammaLower - 0.10184) <= 5e-6 && abs (r.GammaUpper - 0.10184) <= 5e-6)
                         |> Prop.label (sprintf "d = %d: exact interval [%.9g, %.9g], THEORY.md 0.10184" d r.GammaLower r.GammaUpper))
                    .&. ((abs (dual - 0.10184) <= 5e-6 && abs (dual - r.GammaUpper) <= 1e-12)
                         |> Prop.label (sprintf "d = %d: independent dual(q) = %.15g, upper %.15g" d dual r.GammaUpper)))) }

// ---- M18 kernel sandwich --------------------------------------------------------------------------

/// Planar cases: half from Generators.planar, half two or three unit points (where lambda_min(H) can
/// exceed gamma, so that a sandwich without the 1/n is wrong).
let private sandwichCases =
    let unitPoints =
        planarGen 3 |> Gen.map (fun p -> { p with Radii = Array.create p.N 1.0 })
    Arb.fromGenShrink (Gen.frequency [ 1, planarGen 6; 1, unitPoints ], shrinkPlanar)

let private m18 =
    { Id = "M18"
      Section = section
      Source = "THEORY.md §6 known answers"
      Statement = "Sandwich: λ_min(H) / n ≤ γ ≤ min(1/2, sqrt(min_{q ∈ Δ_n} qᵀ (YHY) q)) with H_ij = K(x_i, x_j)."
      Kind = Inequality
      Property =
        "For random planar data (2-6 points, radii ≤ 1; half of the cases unit points), the sandwich brackets the exact γ: lower ≤ exact upper + 1e-9, exact lower − 1e-9 ≤ upper, and upper ≤ 1/2."
      Tests =
        [ test "MarginTests.cs: MarginTests.Sandwich_two_points_closed_forms"
          test "MarginTests.cs: MarginTests.Sandwich_single_point_and_duplicated_point"
          test "MarginTests.cs: MarginTests.Sandwich_on_noisy_xor_3_brackets_the_certified_interval"
          test "MarginTests.cs: MarginTests.Sandwich_on_three_planar_points_brackets_the_exact_value" ]
      QuickTests = 60
      ThoroughTests = 1000
      Check =
        fun ctx ->
            forAll sandwichCases (fun p ->
                let r = exactPlanar p
                let s = ctx.Impl.Sandwich(planarData p)
                (s.Lower <= r.GammaUpper + 1e-9 |> Prop.label (sprintf "sandwich lower %.12g above exact gamma %.12g" s.Lower r.GammaUpper))
                .&. (r.GammaLower - 1e-9 <= s.Upper |> Prop.label (sprintf "sandwich upper %.12g below exact gamma %.12g" s.Upper r.GammaLower))
                .&. (s.Upper <= 0.5 |> Prop.label (sprintf "sandwich upper %.12g above 1/2" s.Upper))) }

/// The claims of this file, in the order of THEORY.md.
let claims: Claim list = [ m1; m2; m3; m4; m19; m6; m7; m8; m9; m10; m11; m12; m13; m14; m15; m16; m17; m18 ]
