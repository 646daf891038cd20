/// Generators shared by the claim properties, with shrinkers that move towards smaller, rounder cases:
/// fewer points, fewer dimensions, coordinates on a coarse grid, smaller widths and shorter runs. A
/// counterexample therefore comes back small enough to read.
module TheoryKit.Properties.Generators

open System
open System.Collections.Generic
open FsCheck
open FsCheck.FSharp
open TheoryKit.Data
open TheoryKit.Margins

// ---- numbers ------------------------------------------------------------------------------------

/// Uniform on [0, 1) with 53 random bits.
let unit01 = Gen.choose64 (0L, (1L <<< 53) - 1L) |> Gen.map (fun k -> float k / 9007199254740992.0)

/// Uniform on [lo, hi).
let uniform lo hi = unit01 |> Gen.map (fun u -> lo + (hi - lo) * u)

/// Log-uniform on [lo, hi) (0 < lo < hi).
let logUniform lo hi = unit01 |> Gen.map (fun u -> exp (log lo + (log hi - log lo) * u))

/// A 64-bit seed.
let seed = Gen.choose64 (0L, Int64.MaxValue) |> Gen.map uint64

/// x rounded to a multiple of 1/2^k.
let roundTo k (x: float) = Math.Round(x * float (1 <<< k)) / float (1 <<< k)

/// x rounded to `digits` significant decimal digits (through the decimal text, so rounding a rounded
/// value gives it back and shrinking cannot cycle).
let roundSignificant (digits: int) (x: float) =
    if x = 0.0 || not (Double.IsFinite x) then x
    else Double.Parse(x.ToString("G" + string digits, Globalization.CultureInfo.InvariantCulture), Globalization.CultureInfo.InvariantCulture)

/// Significant decimal digits of x's shortest round-trip text (0 for 0): the measure of roundness that
/// shrinking must decrease, so that it cannot cycle.
let significantDigits (x: float) =
    if x = 0.0 then 0
    else
        let shortest = abs(x).ToString("R", Globalization.CultureInfo.InvariantCulture)
        let mantissa = (if shortest.Contains "E" then shortest.Substring(0, shortest.IndexOf 'E') else shortest).Replace(".", "").Trim('0')
        max 1 mantissa.Length

/// Candidates for shrinking a float towards rounder values: 0, then x on grids of 1, 1/2, ..., 1/256,
/// then x to 1, 2 and 3 significant digits (so that small values such as 5.98e-5 become 6e-5); only
/// candidates with fewer significant digits than x.
let shrinkFloat (x: float) =
    let digits = significantDigits x
    seq {
        if x <> 0.0 then yield 0.0
        for k in 0 .. 8 do
            yield roundTo k x
        for d in 1 .. 3 do
            yield roundSignificant d x
    }
    |> Seq.filter (fun r -> r <> x && significantDigits r < digits)
    |> Seq.distinct

// ---- datasets -----------------------------------------------------------------------------------

/// A small labelled dataset: n points in R^d, X row-major (n x d), labels +-1.
type Small =
    { D: int
      X: float[]
      Y: float[] }
    member s.N = s.Y.Length
    /// Row i.
    member s.Row i = Array.sub s.X (i * s.D) s.D
    override s.ToString() =
        let rows = [ for i in 0 .. s.N - 1 -> sprintf "(%s) %+g" (s.Row i |> Array.map (sprintf "%.6g") |> String.concat ", ") s.Y.[i] ]
        sprintf "%d %s in R^%d: %s" s.N (if s.N = 1 then "point" else "points") s.D (String.concat "; " rows)

/// A Dataset of TheoryKit.Core from raw arrays (no normalisation; provenance "property").
let dataset (x: float[]) (y: float[]) d =
    Dataset(x, y, y.Length, d, null, "+1", "-1", List<LabelMap>(), Provenance("property", "generated", false, Nullable(), List<string>()))

/// The Dataset of a Small.
let toDataset (s: Small) = dataset s.X s.Y s.D

/// s with every non-zero row scaled to unit norm (zero rows stay zero).
let normalised (s: Small) =
    let x = Array.copy s.X
    for i in 0 .. s.N - 1 do
        let r = sqrt (Array.sumBy (fun j -> x.[i * s.D + j] ** 2.0) [| 0 .. s.D - 1 |])
        if r > 0.0 then
            for j in 0 .. s.D - 1 do
                x.[i * s.D + j] <- x.[i * s.D + j] / r
    { s with X = x }

/// Shrinks of a Small: drop a point (keeping at least `minN`), drop the last coordinate (d >= 2), then
/// round one coordinate.
let shrinkSmall minN (s: Small) =
    seq {
        if s.N > minN then
            for i in 0 .. s.N - 1 do
                yield { s with X = Array.append (Array.sub s.X 0 (i * s.D)) (Array.sub s.X ((i + 1) * s.D) ((s.N - i - 1) * s.D))
                               Y = Array.append (Array.sub s.Y 0 i) (Array.sub s.Y (i + 1) (s.N - i - 1)) }
        if s.D > 1 then
            yield { s with D = s.D - 1; X = Array.init (s.N * (s.D - 1)) (fun k -> s.X.[(k / (s.D - 1)) * s.D + k % (s.D - 1)]) }
        for k in 0 .. s.X.Length - 1 do
            for v in shrinkFloat s.X.[k] do
                yield { s with X = Array.updateAt k v s.X }
    }

/// n in [minN, maxN] points in d in [1, maxD] dimensions, coordinates uniform on [-1, 1) (one in eight
/// exactly 0), labels +-1.
let smallGen minN maxN maxD =
    gen {
        let! n = Gen.choose (minN, maxN)
        let! d = Gen.choose (1, maxD)
        let coord = Gen.frequency [ 1, Gen.constant 0.0; 7, uniform -1.0 1.0 ]
        let! x = Gen.arrayOfLength (n * d) coord
        let! y = Gen.arrayOfLength n (Gen.elements [ -1.0; 1.0 ])
        return { D = d; X = x; Y = y }
    }

/// Small datasets with shrinking: n in [minN, maxN], d in [1, maxD].
let small minN maxN maxD = Arb.fromGenShrink (smallGen minN maxN maxD, shrinkSmall minN)

/// Small datasets with unit rows (no zero rows), the setting of the theory (||x_i|| <= 1).
let smallUnit minN maxN maxD =
    let nonZero (s: Small) = [ 0 .. s.N - 1 ] |> List.forall (fun i -> s.Row i |> Array.exists (fun v -> v <> 0.0))
    Arb.fromGenShrink (smallGen minN maxN maxD |> Gen.filter nonZero |> Gen.map normalised,
                       shrinkSmall minN >> Seq.filter nonZero >> Seq.map normalised)

// ---- planar datasets (exact margins) ------------------------------------------------------------

/// A planar dataset given by polar coordinates: point i is r_i (cos a_i, sin a_i) with label y_i. The
/// margin of planar data is computed exactly (THEORY.md §6, exact in d = 2).
type Planar =
    { Angles: float[]
      Radii: float[]
      Labels: float[] }
    member p.N = p.Angles.Length
    override p.ToString() =
        [ for i in 0 .. p.N - 1 -> sprintf "%+g at %.6g rad, r %.6g" p.Labels.[i] p.Angles.[i] p.Radii.[i] ] |> String.concat "; "

/// Circular distance between two angles.
let arcGap (a: float) (b: float) =
    let t = abs (a - b) % (2.0 * Math.PI)
    min t (2.0 * Math.PI - t)

/// True when all angles are at least 1e-3 apart on the circle.
let distinctAngles (p: Planar) =
    Seq.forall (fun (i, j) -> i >= j || arcGap p.Angles.[i] p.Angles.[j] >= 1e-3) (Seq.allPairs [ 0 .. p.N - 1 ] [ 0 .. p.N - 1 ])

/// The Dataset of a planar case (d = 2).
let planarData (p: Planar) =
    let x = Array.init (2 * p.N) (fun k -> let i = k / 2 in p.Radii.[i] * (if k % 2 = 0 then cos p.Angles.[i] else sin p.Angles.[i]))
    dataset x p.Labels 2

/// Shrinks of a planar case: drop a point (keeping at least two), set a radius to 1, round an angle to
/// a multiple of pi/12 then of pi/4.
let shrinkPlanar (p: Planar) =
    let drop i (a: float[]) = Array.append (Array.sub a 0 i) (Array.sub a (i + 1) (a.Length - i - 1))
    seq {
        if p.N > 2 then
            for i in 0 .. p.N - 1 do
                yield { Angles = drop i p.Angles; Radii = drop i p.Radii; Labels = drop i p.Labels }
        for i in 0 .. p.N - 1 do
            if p.Radii.[i] <> 1.0 then yield { p with Radii = Array.updateAt i 1.0 p.Radii }
        for i in 0 .. p.N - 1 do
            for step in [ Math.PI / 4.0; Math.PI / 12.0 ] do
                let r = Math.Round(p.Angles.[i] / step) * step
                if r <> p.Angles.[i] then yield { p with Angles = Array.updateAt i r p.Angles }
    }
    |> Seq.filter distinctAngles

/// Planar cases with n in [2, maxN] points at distinct angles, radii 1 or uniform in [0.25, 1], random labels.
let planarGen maxN =
    gen {
        let! n = Gen.choose (2, maxN)
        let! angles = Gen.arrayOfLength n (uniform 0.0 (2.0 * Math.PI))
        let! radii = Gen.arrayOfLength n (Gen.frequency [ 1, Gen.constant 1.0; 2, uniform 0.25 1.0 ])
        let! labels = Gen.arrayOfLength n (Gen.elements [ -1.0; 1.0 ])
        return { Angles = angles; Radii = radii; Labels = labels }
    }
    |> Gen.filter distinctAngles

/// Planar cases with shrinking.
let planar maxN = Arb.fromGenShrink (planarGen maxN, shrinkPlanar)

/// Exact margin results, cached per case: several claims look at the same cases.
let private exactCache = Dictionary<string, MarginResult>()

/// The exact margin (lower = upper up to 1e-6) of a planar case, cached.
let exactPlanar (p: Planar) =
    let key = sprintf "%A|%A|%A" p.Angles p.Radii p.Labels
    lock exactCache (fun () ->
        match exactCache.TryGetValue key with
        | true, r -> r
        | _ ->
            let r = MarginSolver.Certify(planarData p, MarginOptions(TimeBudget = 10.0))
            exactCache.[key] <- r
            r)

/// gamma of two unit points at angle theta with opposite labels (THEORY.md §6 known answers).
let twoPointGamma theta = (theta + (Math.PI - theta) * sin (theta / 2.0)) / (2.0 * Math.PI)

/// The angle theta in (0, pi] at which two opposite-labelled unit points have margin gamma in (0, 1/2]
/// (twoPointGamma is increasing; bisection to 1e-15).
let thetaForGamma gamma =
    let mutable lo = 0.0
    let mutable hi = Math.PI
    for _ in 1 .. 60 do
        let mid = (lo + hi) / 2.0
        if twoPointGamma mid < gamma then lo <- mid else hi <- mid
    (lo + hi) / 2.0

/// A dataset with a prescribed margin: two unit points with opposite labels at the angle theta whose
/// margin is `Gamma` (THEORY.md §6 known answers), placed in the plane of R^d spanned by the first two
/// rows of `Frame` (d x d numbers, orthonormalised by Gram-Schmidt; the margin is rotation invariant).
type Prescribed =
    { Gamma: float
      D: int
      Frame: float[] }
    /// The angle between the two points.
    member p.Theta = thetaForGamma p.Gamma
    /// The exact margin (twoPointGamma of Theta; equals Gamma to about 1e-15).
    member p.Exact = twoPointGamma p.Theta
    /// The two points (+1 then -1).
    member p.Small =
        let d = p.D
        let e1 = Array.sub p.Frame 0 d
        let n1 = sqrt (Array.sumBy (fun v -> v * v) e1)
        let e1 = e1 |> Array.map (fun v -> v / n1)
        let e2 = Array.sub p.Frame d d
        let c = Array.fold2 (fun s a b -> s + a * b) 0.0 e1 e2
        let e2 = Array.map2 (fun a b -> a - c * b) e2 e1
        let n2 = sqrt (Array.sumBy (fun v -> v * v) e2)
        let e2 = e2 |> Array.map (fun v -> v / n2)
        let p2 = Array.map2 (fun a b -> cos p.Theta * a + sin p.Theta * b) e1 e2
        { D = d; X = Array.append e1 p2; Y = [| 1.0; -1.0 |] }
    override p.ToString() = sprintf "two points, gamma %.6g (theta %.6g) in R^%d: %O" p.Gamma p.Theta p.D p.Small

/// Datasets with margin uniform in [lo, hi] (0 < lo <= hi <= 1/2) in d in [2, maxD]. Shrinks towards
/// d = 2 with the standard frame and a rounder gamma.
let withMargin lo hi maxD =
    let wellConditioned (p: Prescribed) =
        let e1 = Array.sub p.Frame 0 p.D
        let e2 = Array.sub p.Frame p.D p.D
        let n1 = Array.sumBy (fun v -> v * v) e1
        let n2 = Array.sumBy (fun v -> v * v) e2
        let c = Array.fold2 (fun s a b -> s + a * b) 0.0 e1 e2
        n1 > 1e-2 && n2 - c * c / n1 > 1e-2
    let g =
        gen {
            let! gamma = uniform lo hi
            let! d = Gen.choose (2, maxD)
            let! frame = Gen.arrayOfLength (2 * d) (uniform -1.0 1.0)
            return { Gamma = gamma; D = d; Frame = frame }
        }
        |> Gen.filter wellConditioned
    let shrink (p: Prescribed) =
        seq {
            if p.D > 2 then yield { p with D = 2; Frame = [| 1.0; 0.0; 0.0; 1.0 |] }
            let r = roundTo 4 p.Gamma
            if r <> p.Gamma && r >= lo && r <= hi && r > 0.0 then yield { p with Gamma = r }
        }
    Arb.fromGenShrink (g, shrink)

// ---- training configurations and teachers -------------------------------------------------------

/// A training configuration of THEORY.md §3: width m, step size eta, steps T, initialisation seed.
type TrainConfig =
    { Width: int
      Eta: float
      Steps: int
      Seed: uint64 }
    override c.ToString() = sprintf "m = %d, eta = %g, T = %d, seed = %d" c.Width c.Eta c.Steps c.Seed

/// Configurations with even m in [2, maxWidth], eta in {1/8, 1/4, 1/2, 1} or uniform in (0, 1], T in
/// [1, maxSteps]. Shrinks towards m = 2, eta = 1 (or a rounder eta), T = 1 and seed 0.
let trainConfig maxWidth maxSteps =
    let g =
        gen {
            let! half = Gen.choose (1, maxWidth / 2)
            let! eta = Gen.frequency [ 1, Gen.elements [ 0.125; 0.25; 0.5; 1.0 ]; 1, uniform 0.01 1.0 ]
            let! steps = Gen.choose (1, maxSteps)
            let! s = seed
            return { Width = 2 * half; Eta = eta; Steps = steps; Seed = s }
        }
    let shrink c =
        seq {
            if c.Width > 2 then yield { c with Width = max 2 (c.Width / 2 / 2 * 2) }
            if c.Steps > 1 then yield { c with Steps = c.Steps / 2 }
            if c.Eta <> 1.0 then yield { c with Eta = 1.0 }
            for e in shrinkFloat c.Eta |> Seq.filter (fun e -> e > 0.0 && e <= 1.0) do
                yield { c with Eta = e }
            if c.Seed <> 0UL then yield { c with Seed = 0UL }
        }
    Arb.fromGenShrink (g, shrink)

/// A teacher of THEORY.md §4, as a recipe applied to a training set.
type TeacherSpec =
    /// Kernel-limit teacher: functional GD with the limiting kernel, step eta, `Steps` steps.
    | KernelSpec of Eta: float * Steps: int
    /// Margin teacher with scale beta, built from the exact (planar) or certified margin certificate.
    | MarginSpec of Beta: float
    /// Wide-network teacher: a student of width `Width` trained on hard labels for `Steps` steps.
    | WideSpec of Width: int * Steps: int

/// Teacher recipes; shrinks towards the kernel teacher with few steps.
let teacherSpec =
    let g =
        Gen.oneof [ gen {
                        let! eta = Gen.elements [ 0.5; 1.0; 2.0 ]
                        let! steps = Gen.choose (1, 200)
                        return KernelSpec(eta, steps)
                    }
                    Gen.elements [ 1.0; 4.0; 16.0 ] |> Gen.map MarginSpec
                    gen {
                        let! half = Gen.choose (8, 64)
                        let! steps = Gen.choose (1, 100)
                        return WideSpec(2 * half, steps)
                    } ]
    let shrink =
        function
        | KernelSpec(eta, steps) when steps > 1 -> seq { KernelSpec(eta, steps / 2) }
        | KernelSpec _ -> Seq.empty
        | _ -> seq { KernelSpec(1.0, 1) }
    Arb.fromGenShrink (g, shrink)
