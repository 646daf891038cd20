/// Claims about the certified margin gamma of THEORY.md §6, one claim per property. Dual values of
/// arbitrary q are computed here independently, as an explicit integral over the arcs of the circle.
module TheoryKit.Properties.MarginClaims

open System
open System.Collections.Generic
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TheoryKit.Properties.Config
open TheoryKit.Data
open TheoryKit.Margins

// ---- generators ---------------------------------------------------------------------------------



let private dataset (x: float[]) (y: float[]) d =
    Dataset(x, y, y.Length, d, null, "+1", "-1", ([||]: LabelMap[]), Provenance("property", "generated", false, Nullable(), ([||]: string[])))

/// Circular distance between two angles.
let private gap (a: float) (b: float) =
    let t = abs (a - b) % (2.0 * Math.PI)
    min t (2.0 * Math.PI - t)

/// A planar dataset: 2-6 points at pairwise distinct angles (at least 1e-3 apart), radii in [0.25, 1],
/// random labels. Returned as (angles, radii, labels).
let private planar =
    gen {
        let! n = Gen.choose (2, 6)
        let! angles = Gen.arrayOfLength n (unit01 |> Gen.map (fun u -> 2.0 * Math.PI * u))
        let! radii = Gen.arrayOfLength n (Gen.frequency [ 1, Gen.constant 1.0; 2, unit01 |> Gen.map (fun u -> 0.25 + 0.75 * u) ])
        let! labels = Gen.arrayOfLength n (Gen.elements [ -1.0; 1.0 ])
        return angles, radii, labels
    }
    |> Gen.filter (fun (a, _, _) -> Seq.forall (fun (i, j) -> i >= j || gap a.[i] a.[j] >= 1e-3) (Seq.allPairs [ 0 .. a.Length - 1 ] [ 0 .. a.Length - 1 ]))

let private planarData (angles: float[], radii: float[], labels: float[]) =
    let x = Array.init (2 * angles.Length) (fun k -> let i = k / 2 in radii.[i] * (if k % 2 = 0 then cos angles.[i] else sin angles.[i]))
    dataset x labels 2

/// A point uniform on the simplex of dimension n (normalised exponentials).
let private simplex n =
    Gen.arrayOfLength n unit01 |> Gen.map (fun u ->
        let e = u |> Array.map (fun v -> -log (1.0 - v))
        let s = Array.sum e
        e |> Array.map (fun v -> v / s))

/// Dual value of q: (1/2pi) * integral over phi of || sum_i q_i y_i r_i (cos a_i, sin a_i) 1[cos(phi - a_i) > 0] ||,
/// summed arc by arc (the pattern is constant between consecutive angles a_i +- pi/2).
let private dualValue (angles: float[], radii: float[], labels: float[]) (q: float[]) =
    let wrap c = ((c % (2.0 * Math.PI)) + 2.0 * Math.PI) % (2.0 * Math.PI)
    let cuts = angles |> Array.collect (fun a -> [| wrap (a + Math.PI / 2.0); wrap (a - Math.PI / 2.0) |]) |> Array.sort
    let mutable total = 0.0
    for k in 0 .. cuts.Length - 1 do
        let lo = cuts.[k]
        let hi = if k + 1 < cuts.Length then cuts.[k + 1] else cuts.[0] + 2.0 * Math.PI
        if hi > lo then
            let mid = (lo + hi) / 2.0
            let mutable ux = 0.0
            let mutable uy = 0.0
            for i in 0 .. angles.Length - 1 do
                if cos (mid - angles.[i]) > 0.0 then
                    ux <- ux + q.[i] * labels.[i] * radii.[i] * cos angles.[i]
                    uy <- uy + q.[i] * labels.[i] * radii.[i] * sin angles.[i]
            total <- total + (hi - lo) / (2.0 * Math.PI) * sqrt (ux * ux + uy * uy)
    total

let private exact data = MarginSolver.Certify(data, MarginOptions(TimeBudget = 10.0))

/// Results of exact mode are cached per generated dataset: several claims look at the same cases.
let private cache = Dictionary<string, MarginResult>()
let private exactOf (p: float[] * float[] * float[]) =
    let key = sprintf "%A" p
    lock cache (fun () ->
        match cache.TryGetValue key with
        | true, r -> r
        | _ ->
            let r = exact (planarData p)
            cache.[key] <- r
            r)

// ---- exact planar mode --------------------------------------------------------------------------

[<Property(Replay = Config.Replay, MaxTest = 60)>]
let ``exact planar interval satisfies 0 <= Lower <= Upper <= 1/2`` () =
    forAll planar (fun p ->
        let r = exactOf p
        r.Mode = "exact-planar" && 0.0 <= r.GammaLower && r.GammaLower <= r.GammaUpper && r.GammaUpper <= 0.5)

[<Property(Replay = Config.Replay, MaxTest = 60)>]
let ``exact planar interval has width <= 1e-6`` () =
    forAll planar (fun p -> (exactOf p).Width <= 1e-6)

[<Property(Replay = Config.Replay, MaxTest = 60)>]
let ``exact planar upper end is the independent dual value of the certificate's q`` () =
    forAll planar (fun p ->
        let r = exactOf p
        // GammaUpper is min(dual(q), min_i ||x_i|| / 2); the cap applies only when it is smaller.
        let (_, radii, _) = p
        let expected = min (dualValue p r.Certificate.Q) (Array.min radii / 2.0)
        abs (r.GammaUpper - expected) <= 1e-12)

[<Property(Replay = Config.Replay, MaxTest = 60)>]
let ``weak duality: the dual value of any q in the simplex is >= the exact lower end`` () =
    let g = gen {
        let! p = planar
        let (a, _, _) = p
        let! qs = Gen.arrayOfLength 5 (simplex a.Length)
        return p, qs }
    forAll g (fun (p, qs) ->
        let r = exactOf p
        qs |> Array.forall (fun q -> dualValue p q >= r.GammaLower - 1e-12))

// ---- sandwich (THEORY.md §6) --------------------------------------------------------------------

[<Property(Replay = Config.Replay, MaxTest = 60)>]
let ``the sandwich brackets the exact planar margin`` () =
    forAll planar (fun p ->
        let r = exactOf p
        let s = MarginSandwich.Compute(planarData p)
        s.Lower <= r.GammaUpper + 1e-9 && r.GammaLower - 1e-9 <= s.Upper)

/// 1-6 points in R^3 with norms in [0.25, 1] and random labels (generically rank 3: Monte Carlo mode).
let private spatial =
    gen {
        let! n = Gen.choose (1, 6)
        let! rows =
            Gen.arrayOfLength n (gen {
                let! v = Gen.arrayOfLength 3 (unit01 |> Gen.map (fun u -> 2.0 * u - 1.0)) |> Gen.filter (fun v -> Array.sumBy (fun a -> a * a) v > 1e-2)
                let! r = unit01 |> Gen.map (fun u -> 0.25 + 0.75 * u)
                let nv = sqrt (Array.sumBy (fun a -> a * a) v)
                return v |> Array.map (fun a -> r * a / nv) })
        let! labels = Gen.arrayOfLength n (Gen.elements [ -1.0; 1.0 ])
        return Array.concat rows, labels
    }

[<Property(Replay = Config.Replay, MaxTest = 15)>]
let ``the sandwich overlaps the certified interval in d = 3`` () =
    forAll spatial (fun (x, y) ->
        let data = dataset x y 3
        let s = MarginSandwich.Compute data
        // Each end of the certified interval fails with probability <= delta = 1e-3 (fixed seed: deterministic).
        let r = MarginSolver.Certify(data, MarginOptions(Width = 0.05, TimeBudget = 1.0, Delta = 1e-3, Seed = 7UL))
        s.Lower <= s.Upper && s.Lower <= r.GammaUpper && r.GammaLower <= s.Upper)
