/// Claims about the limiting kernel K of THEORY.md §5. Expected values are computed with the plain loops of
/// Reference (dot products, norms, the angle as 2 atan2(||u - u'||, ||u + u'||) of the unit vectors), never with
/// the kernel code's own helpers; Monte Carlo checks draw z ~ N(0, I_d) from a seed generated with the case and
/// accept by rigorous tail bounds (binomial, Hoeffding, Chebyshev) at level about 1e-6.
module TheoryKit.Properties.KernelClaims

open System
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open MathNet.Numerics.LinearAlgebra
open TheoryKit.Kernels
open TheoryKit.Networks
open TheoryKit.Properties.Claim
open TheoryKit.Properties.Generators
open TheoryKit.Properties.Reference
open TheoryKit.Random

/// A non-zero vector of dimension 1..8 (shrinks by dropping coordinates and rounding them).
let private vector =
    small 1 1 8 |> Arb.mapFilter id (fun s -> s.X |> Array.exists (fun v -> v <> 0.0))

let private nonZeroRows (s: Small) = [ 0 .. s.N - 1 ] |> List.forall (fun i -> s.Row i |> Array.exists (fun v -> v <> 0.0))

/// n in [minN, maxN] non-zero points of a common dimension 1..maxD, coordinates in [-1, 1]; one time in
/// four the last point is a multiple of the first (theta = 0 or pi, where the angle is hardest to get
/// right). Shrinks by dropping points and coordinates and rounding coordinates.
let private points minN maxN maxD =
    let g =
        gen {
            let! s = smallGen minN maxN maxD
            let! kind = Gen.choose (0, 3)
            if kind = 0 && s.N >= 2 then
                let! c = Gen.elements [ -3.0; -0.5; 0.25; 2.0 ]
                let last = s.Row 0 |> Array.map (fun v -> c * v)
                return { s with X = Array.append (Array.sub s.X 0 ((s.N - 1) * s.D)) last }
            else
                return s
        }
        |> Gen.filter nonZeroRows
    Arb.fromGenShrink (g, shrinkSmall minN >> Seq.filter nonZeroRows)

/// A pair of non-zero vectors (the two rows of a Small) and a seed for Monte Carlo draws.
let private pairAndSeed maxD = Arb.zip (points 2 2 maxD, Arb.fromGen seed)

/// n x d standard normal draws from a generated seed (xoshiro256** via SeedSequence, MathNet's sampler).
let private normals (count: int) (s: uint64) (stream: string) =
    let z = Array.zeroCreate count
    Normal.Samples(SeedSequence.Rng(s, stream), z, 0.0, 1.0)
    z

/// <z_k, x> for draw k of row-major draws z of dimension d = x.Length, by a plain loop.
let private project (z: float[]) k (x: float[]) =
    let d = x.Length
    let mutable a = 0.0
    for j in 0 .. d - 1 do
        a <- a + z.[k * d + j] * x.[j]
    a

let private k1 =
    { Id = "K1"
      Section = "§5 Limiting kernel"
      Source = "[JT20] §2, [CS09]; THEORY.md §5"
      Statement = "With z ~ N(0, I_d) and theta the angle between x and x': E[1[<z,x> > 0] 1[<z,x'> > 0]] = (pi - theta) / (2 pi)."
      Kind = Identity
      Property =
        "For random pairs of non-zero vectors (d <= 6; a quarter parallel or antiparallel), the co-activation equals (pi - theta) / (2 pi) "
        + "with theta computed here to 1e-15, and (pi - acos c) / (2 pi) of the cosine c to 1e-13 where |c| <= 0.99; the count of "
        + "z among N = 10^4 Gaussian draws (10^5 thorough, seeded by the case) with both inner products positive passes a two-sided "
        + "binomial test against it at level 1e-6."
      Tests =
        [ "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.CoActivation_matches_a_slow_Monte_Carlo"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.Hand_value_at_theta_pi_over_3"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.Orthogonal_unit_vectors_give_zero"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.Opposite_vectors_give_zero"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.Zero_vector_gives_zero" ]
      QuickTests = 60
      ThoroughTests = 2000
      Check =
        fun ctx ->
            forAll (pairAndSeed 6) (fun (s, sd) ->
                let x, x2 = s.Row 0, s.Row 1
                let d = s.D
                let got = ctx.Impl.CoActivation x x2
                let theta = angle x x2
                let closed = (Math.PI - theta) / (2.0 * Math.PI)
                let c = dot x x2 / (norm x * norm x2)
                // acos loses accuracy near |c| = 1 (derivative 1/sqrt(1 - c^2)): compared only where it is well conditioned.
                let viaAcos = (Math.PI - acos c) / (2.0 * Math.PI)
                let trials = if ctx.Thorough then 100000 else 10000
                let z = normals (trials * d) sd "property-k1"
                let mutable hits = 0
                for k in 0 .. trials - 1 do
                    if project z k x > 0.0 && project z k x2 > 0.0 then hits <- hits + 1
                let alpha = 1e-6
                // two-sided: the count of co-activations is Binomial(trials, got) under the claim.
                let p = min 1.0 (max 0.0 got)
                let hi = binomialCritical trials p (alpha / 2.0)
                let lo = trials - binomialCritical trials (1.0 - p) (alpha / 2.0)
                (abs (got - closed) <= 1e-15 |> Prop.label (sprintf "co-activation %.17g, (pi - theta) / (2 pi) = %.17g" got closed))
                .&. ((abs c > 0.99 || abs (got - viaAcos) <= 1e-13) |> Prop.label (sprintf "co-activation %.17g, (pi - acos c) / (2 pi) = %.17g" got viaAcos))
                .&. ((got >= 0.0 && got <= 0.5 && hits >= lo && hits <= hi)
                     |> Prop.label (sprintf "Monte Carlo: %d of %d draws co-activate; Binomial(%d, %.6g) accepts [%d, %d] at level %g" hits trials trials got lo hi alpha))) }

let private k2 =
    { Id = "K2"
      Section = "§5 Limiting kernel"
      Source = "[JT20] §2; THEORY.md §5"
      Statement = "K(x, x') = E[<x, x'> 1[<z,x> > 0] 1[<z,x'> > 0]] = <x, x'> (pi - theta) / (2 pi)."
      Kind = Identity
      Property =
        "For random sets of 2 to 8 non-zero points (d <= 5; a quarter with a parallel or antiparallel pair), every K(x_i, x_j) equals "
        + "<x_i, x_j> (pi - theta) / (2 pi) with the inner product and theta computed here, to 1e-14 ||x_i|| ||x_j||; K is symmetric "
        + "(exactly) and |K| <= ||x_i|| ||x_j|| / 2; NtkKernel.LimitingGram holds these entries, and the Gram matrix of K has no "
        + "eigenvalue below -1e-12 (1 + trace) (positive semidefinite)."
      Tests =
        [ "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.Hand_value_at_theta_pi_over_3"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.Obtuse_angle_gives_negative_K"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.Orthogonal_unit_vectors_give_zero"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.Opposite_vectors_give_zero"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.Zero_vector_gives_zero"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.LimitingGram_entries_are_K_and_symmetric" ]
      QuickTests = 200
      ThoroughTests = 5000
      Check =
        fun ctx ->
            forAll (points 2 8 5) (fun s ->
                let n = s.N
                let h = Array2D.init n n (fun i j -> ctx.Impl.Limiting (s.Row i) (s.Row j))
                let gram = NtkKernel.LimitingGram(s.X, n, s.D)
                let pairs = [ for i in 0 .. n - 1 do for j in 0 .. n - 1 -> i, j ]
                let scale i j = norm (s.Row i) * norm (s.Row j)
                let expected i j = kernelRef (s.Row i) (s.Row j)
                let first what pred =
                    match List.tryFind (fun (i, j) -> not (pred i j)) pairs with
                    | None -> Prop.ofTestable true |> Prop.label what
                    | Some(i, j) ->
                        Prop.ofTestable false
                        |> Prop.label (sprintf "%s fails at (x_%d, x_%d): K = %.17g, K(x', x) = %.17g, <x, x'> (pi - theta) / (2 pi) = %.17g, ||x|| ||x'|| = %.17g, Gram entry %.17g"
                                           what i j h.[i, j] h.[j, i] (expected i j) (scale i j) gram.[i * n + j])
                let matrix = Matrix<float>.Build.Dense(n, n, fun i j -> h.[i, j])
                let trace = Seq.sum [ for i in 0 .. n - 1 -> h.[i, i] ]
                let minEig =
                    if pairs |> List.forall (fun (i, j) -> h.[i, j] = h.[j, i]) then
                        matrix.Evd(Symmetricity.Symmetric).EigenValues |> Seq.map (fun e -> e.Real) |> Seq.min
                    else nan
                first "K = <x, x'> (pi - theta) / (2 pi)" (fun i j -> abs (h.[i, j] - expected i j) <= 1e-14 * scale i j)
                .&. first "symmetry" (fun i j -> h.[i, j] = h.[j, i])
                .&. first "|K| <= ||x|| ||x'|| / 2" (fun i j -> abs h.[i, j] <= scale i j / 2.0 * (1.0 + 1e-14))
                .&. first "LimitingGram entries" (fun i j -> abs (gram.[i * n + j] - h.[i, j]) <= 1e-15 * scale i j)
                .&. (minEig >= -1e-12 * (1.0 + trace) |> Prop.label (sprintf "Gram matrix of K: smallest eigenvalue %.6g" minEig))) }

let private k3 =
    { Id = "K3"
      Section = "§5 Limiting kernel"
      Source = "THEORY.md §5 [JT20]"
      Statement = "K(x, x) = ||x||^2 / 2."
      Kind = Identity
      Property = "For random non-zero x in R^d (d <= 8), K(x, x) equals ||x||^2 / 2 (plain loop) to relative 1e-14."
      Tests =
        [ "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.K_on_the_diagonal_is_half_the_squared_norm"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.LimitingGram_entries_are_K_and_symmetric" ]
      QuickTests = 300
      ThoroughTests = 10000
      Check =
        fun ctx ->
            forAll vector (fun s ->
                let x = s.X
                let expected = dot x x / 2.0
                let got = ctx.Impl.Limiting x x
                abs (got - expected) <= 1e-14 * expected |> Prop.label (sprintf "K(x, x) = %.17g, ||x||^2 / 2 = %.17g" got expected)) }

/// A finite-width kernel to test: width m, seed, symmetric initialisation or not.
type private WidthCase =
    { M: int
      Seed: uint64
      Symmetric: bool }
    override c.ToString() = sprintf "m = %d, seed = %d%s" c.M c.Seed (if c.Symmetric then ", symmetric" else "")

let private k4 =
    { Id = "K4"
      Section = "§5 Limiting kernel"
      Source = "[JT20] §2; THEORY.md §1, §5"
      Statement =
        "The finite-width kernel <grad f(x; W_0), grad f(x'; W_0)> converges to K as m grows (a Monte Carlo estimate with m samples): "
        + "test the analytic form against it."
      Kind = Probabilistic "δ, union over the entries"
      Property =
        "For random sets of 1 to 6 non-zero points (d <= 5) and W_0 from TwoLayerNetwork.Initialise with m in [1000, 8000] (plain, or "
        + "symmetric with m/2 independent rows), NtkKernel.FiniteWidthGram equals sum_s <grad_{w_s} f(x_i), grad_{w_s} f(x_j)> written "
        + "here from §1's gradient to 1e-13 ||x_i|| ||x_j||, and every entry is within |<x_i, x_j>| sqrt(ln(2E/delta) / (2 m')) of "
        + "K(x_i, x_j) (E entries, m' independent rows, delta = 1e-6)."
      Tests =
        [ "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.FiniteWidthGram_is_within_Hoeffding_of_LimitingGram"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.FiniteWidthGram_rejects_bad_shapes" ]
      QuickTests = 40
      ThoroughTests = 1000
      Check =
        fun ctx ->
            let widthGen =
                gen {
                    let! half = Gen.choose (500, 4000)
                    let! sd = seed
                    let! symmetric = Gen.elements [ false; true ]
                    return { M = 2 * half; Seed = sd; Symmetric = symmetric }
                }
            forAll (points 1 6 5) (fun s ->
                forAllGen widthGen (fun c ->
                    let n, d, m = s.N, s.D, c.M
                    let net = TwoLayerNetwork.Initialise(m, d, c.Seed, c.Symmetric)
                    let finite = NtkKernel.FiniteWidthGram(s.X, n, d, net.W0, m)
                    // grad_{w_s} f(x) = (1/sqrt m) a_s 1[<w_s, x> > 0] x (THEORY.md §1); a pre-activation within 1e-12 of
                    // the kink may round either way, which moves the entry by at most |<x, x'>| / m: allowed per such row.
                    let pre = Array2D.init m n (fun k i -> dot (row net.W0 d k) (s.Row i))
                    let wNorm = Array.init m (fun k -> norm (row net.W0 d k))
                    let xNorm = Array.init n (fun i -> norm (s.Row i))
                    let expected i j =
                        let ip = dot (s.Row i) (s.Row j)
                        let mutable sum = 0.0
                        let mutable ambiguous = 0
                        for k in 0 .. m - 1 do
                            let gi = if pre.[k, i] > 0.0 then net.A.[k] / sqrt (float m) else 0.0
                            let gj = if pre.[k, j] > 0.0 then net.A.[k] / sqrt (float m) else 0.0
                            sum <- sum + gi * gj * ip
                            if abs pre.[k, i] <= 1e-12 * wNorm.[k] * xNorm.[i] || abs pre.[k, j] <= 1e-12 * wNorm.[k] * xNorm.[j] then
                                ambiguous <- ambiguous + 1
                        sum, ambiguous
                    let entries = n * (n + 1) / 2
                    let independent = if c.Symmetric then m / 2 else m
                    let delta = 1e-6
                    let t = sqrt (log (2.0 * float entries / delta) / (2.0 * float independent))
                    let pairs = [ for i in 0 .. n - 1 do for j in i .. n - 1 -> i, j ]
                    let definition =
                        pairs
                        |> List.tryPick (fun (i, j) ->
                            let e, ambiguous = expected i j
                            let scale = norm (s.Row i) * norm (s.Row j)
                            let got = finite.[i * n + j]
                            if abs (got - e) <= 1e-13 * scale + float ambiguous * abs (dot (s.Row i) (s.Row j)) / float m then None
                            else Some(sprintf "entry (%d, %d): FiniteWidthGram %.17g, sum of gradient products %.17g" i j got e))
                    let hoeffding =
                        pairs
                        |> List.tryPick (fun (i, j) ->
                            let k = ctx.Impl.Limiting (s.Row i) (s.Row j)
                            let got = finite.[i * n + j]
                            let tol = abs (dot (s.Row i) (s.Row j)) * t + 1e-12 * norm (s.Row i) * norm (s.Row j)
                            if abs (got - k) <= tol then None
                            else Some(sprintf "entry (%d, %d): finite width %.17g, K = %.17g, Hoeffding allows %.6g (m' = %d, delta = %g)" i j got k tol independent delta))
                    let asProp what =
                        function
                        | None -> Prop.ofTestable true |> Prop.label what
                        | Some msg -> Prop.ofTestable false |> Prop.label msg
                    asProp "definition" definition .&. asProp "Hoeffding" hoeffding)) }

let private k5 =
    { Id = "K5"
      Section = "§5 Limiting kernel"
      Source = "[CS09]; THEORY.md §5"
      Statement = "E[relu(<z,x>) relu(<z,x'>)] = ||x|| ||x'|| (sin theta + (pi - theta) cos theta) / (2 pi)."
      Kind = Identity
      Property =
        "For random pairs of non-zero vectors (d <= 6; a quarter parallel or antiparallel), NtkKernel.ArcCosine1 equals the closed form "
        + "with norms and theta computed here to 1e-14 ||x|| ||x'||; against B = 100 (400 thorough) batch means of 2000 Gaussian "
        + "products each (seeded by the case): since E[P^2] <= 3 ||x||^2 ||x'||^2, Chebyshev puts a batch mean further than "
        + "t = ||x|| ||x'|| sqrt(3 / (2000 / 4)) from the truth with probability <= 1/4, and the number of such batches passes a "
        + "binomial test with p = 1/4 at level 1e-6."
      Tests =
        [ "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.ArcCosine1_matches_a_slow_Monte_Carlo_of_relu_products"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.Hand_value_at_theta_pi_over_3"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.ArcCosine1_at_theta_0_is_half_the_squared_norm"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.ArcCosine1_at_theta_pi_over_2_is_the_norm_product_over_2pi"
          "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.Zero_vector_gives_zero" ]
      QuickTests = 30
      ThoroughTests = 1000
      Check =
        fun ctx ->
            forAll (pairAndSeed 6) (fun (s, sd) ->
                let x, x2 = s.Row 0, s.Row 1
                let d = s.D
                let got = NtkKernel.ArcCosine1(ReadOnlySpan x, ReadOnlySpan x2)
                let theta = angle x x2
                let nn = norm x * norm x2
                let closed = nn * (sin theta + (Math.PI - theta) * cos theta) / (2.0 * Math.PI)
                let batches = if ctx.Thorough then 400 else 100
                let perBatch = 2000
                let q = 0.25
                // Var(P) <= E[P^2] <= sqrt(E[<z,x>^4] E[<z,x'>^4]) = 3 ||x||^2 ||x'||^2; Chebyshev: P(|mean - E P| >= t) <= Var / (N t^2) = q.
                let t = nn * sqrt (3.0 / (q * float perBatch))
                let z = normals (batches * perBatch * d) sd "property-k5"
                let mutable far = 0
                for b in 0 .. batches - 1 do
                    let mutable sum = 0.0
                    for k in b * perBatch .. (b + 1) * perBatch - 1 do
                        sum <- sum + max (project z k x) 0.0 * max (project z k x2) 0.0
                    if abs (sum / float perBatch - got) > t then far <- far + 1
                (abs (got - closed) <= 1e-14 * nn
                 |> Prop.label (sprintf "ArcCosine1 %.17g, ||x|| ||x'|| (sin theta + (pi - theta) cos theta) / (2 pi) = %.17g" got closed))
                .&. binomialTest (sprintf "batch means further than %.4g from ArcCosine1 = %.6g" t got) far batches q 1e-6) }

/// The claims of this file, in the order of THEORY.md.
let claims: Claim list = [ k1; k2; k3; k4; k5 ]
