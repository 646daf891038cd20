/// Claims about the teachers of THEORY.md §4 (the sources of soft labels): the kernel-limit teacher, the margin
/// teacher and the wide-network teacher. Each teacher is built from a `TeacherSpec` recipe and compared with a
/// reference written out with plain loops: the functional gradient descent with the limiting kernel of Reference,
/// the margin teacher's Monte Carlo mean (and its exact expectation over the arcs of planar data) written here, and
/// Reference's plain gradient descent on the two-layer network.
module TheoryKit.Properties.TeacherClaims

open System
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open TheoryKit.Data
open TheoryKit.Margins
open TheoryKit.Networks
open TheoryKit.Teachers
open TheoryKit.Training
open TheoryKit.Properties.Claim
open TheoryKit.Properties.Generators
open TheoryKit.Properties.Reference

// ---- helpers ----------------------------------------------------------------------------------------

/// Rows of a row-major n x d array.
let private rowsOf (x: float[]) d = Array.init (x.Length / d) (fun i -> Array.sub x (i * d) d)

/// Largest |got - expected| / (1 + |expected|) over two arrays.
let private worst (got: float[]) (expected: float[]) =
    Array.fold2 (fun m g e -> max m (abs (g - e) / (1.0 + abs e))) 0.0 got expected

let private show (a: float[]) = a |> Array.map (sprintf "%.17g") |> String.concat ", "

// ---- teachers from recipes ----------------------------------------------------------------------

/// The teacher that a recipe builds on a training set (THEORY.md §4): the kernel teacher is fitted by
/// KernelTeacher.Fit; the margin teacher comes from the margin certificate `certificate ()` with `samples`
/// directions drawn from `seed`; the wide-network teacher is fitted by WideNetworkTeacher.Fit with step `eta`
/// and initialisation `seed`.
let private build (spec: TeacherSpec) (train: Dataset) (certificate: unit -> MarginCertificate) (samples: int) (eta: float) (seed: uint64) : ITeacher =
    match spec with
    | KernelSpec(eta, steps) -> KernelTeacher.Fit(train, eta, steps) :> ITeacher
    | MarginSpec beta -> MarginTeacher.FromCertificate(train, certificate (), beta, samples, seed) :> ITeacher
    | WideSpec(width, steps) -> WideNetworkTeacher.Fit(train, width, steps, eta, seed) :> ITeacher

let private noCertificate () : MarginCertificate = invalidOp "this recipe needs no margin certificate"

let private kernelSpecs = teacherSpec |> Arb.filter (function KernelSpec _ -> true | _ -> false)
let private marginSpecs = teacherSpec |> Arb.filter (function MarginSpec _ -> true | _ -> false)
let private wideSpecs = teacherSpec |> Arb.filter (function WideSpec _ -> true | _ -> false)

/// A property over planar datasets (n <= 6), margin-teacher recipes, S in [minSamples, maxSamples] and a seed:
/// `body p spec beta samples seed`.
let private forMarginCases minSamples maxSamples (body: Planar -> TeacherSpec -> float -> int -> uint64 -> Property) =
    forAll (planar 6) (fun p ->
        forAll marginSpecs (fun spec ->
            forAllGen (Gen.zip (Gen.choose (minSamples, maxSamples)) seed) (fun (samples, s) ->
                let beta =
                    match spec with
                    | MarginSpec beta -> beta
                    | _ -> invalidOp "margin recipes only"
                body p spec beta samples s)))

/// A Dataset of rows (all labelled +1: labels are not used when evaluating logits).
let private probeData (rows: float[][]) d = dataset (Array.concat rows) (Array.create rows.Length 1.0) d

/// Random points of dimension d from `seed`: Gaussian directions with radii in [0.1, 2], then the first
/// training row, its negation and a near copy (angles near 0 and pi).
let private probes (seed: uint64) (first: float[]) =
    let d = first.Length
    let rng = TheoryKit.Random.SeedSequence.Rng(seed, "teacher-claims-probes")
    let count = 1 + rng.Next(6)
    let random =
        Array.init count (fun _ ->
            let g = Array.init d (fun _ -> Normal.Sample(rng, 0.0, 1.0))
            let r = 0.1 + 1.9 * rng.NextDouble()
            let n = norm g
            g |> Array.map (fun v -> r * v / n))
    let near = first |> Array.mapi (fun j v -> v * (1.0 + 1e-9) + (if j = d - 1 then 1e-9 else 0.0))
    Array.append random [| Array.copy first; Array.map (fun v -> -v) first; near |]

// ---- R1 -----------------------------------------------------------------------------------------

let private r1 =
    { Id = "R1"
      Section = "§4 Teachers"
      Source = "THEORY.md §4, §5 [MLS25]"
      Statement =
        "Kernel-limit teacher: the infinite-width network, i.e. functional GD with the limiting kernel K of §5 on the logistic loss, g_t = K α_t, started at 0: α_0 = 0, α_{t+1} = α_t − (η/n) l'(y, g_t) with l'(y, g) = −y σ(−y g) and g_t = H α_t on the training set (H_ij = K(x_i, x_j)); after T steps g(x) = Σ_i α_i K(x, x_i). One step from 0 gives α_1 = (η/(2n)) y."
      Kind = Identity
      Property =
        "For random unit-norm datasets (n ≤ 8, d ≤ 4) and kernel-teacher recipes (η ∈ {0.5, 1, 2}, T ≤ 200), KernelTeacher.Fit's α_T, its training logits and its logits on new points (random, a training point, its negation and a near copy) equal a plain-loop iteration written here (K with the angle 2 atan2(||u − v||, ||u + v||)) to relative 1e-11."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Kernel_teacher_one_step_from_zero_is_eta_over_2n_times_H_y"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Kernel_teacher_predictions_equal_H_alpha_and_the_kernel_sum_on_new_points"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Kernel_teacher_separates_two_points"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Kernel_teacher_reaches_full_training_accuracy_on_separable_data"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Kernel_teacher_rejects_impossible_inputs" ]
      QuickTests = 100
      ThoroughTests = 2000
      Check =
        fun _ ->
            forAll (smallUnit 1 8 4) (fun s ->
                forAll kernelSpecs (fun spec ->
                    forAllGen seed (fun probeSeed ->
                        let eta, steps =
                            match spec with
                            | KernelSpec(eta, steps) -> eta, steps
                            | _ -> invalidOp "kernel recipes only"
                        let train = toDataset s
                        let t = build spec train noCertificate 0 0.0 0UL :?> KernelTeacher
                        let n = s.N
                        let rows = Array.init n s.Row
                        let h = Array.init n (fun i -> Array.init n (fun j -> kernelRef rows.[i] rows.[j]))
                        let alpha = Array.zeroCreate n
                        let mutable g = Array.zeroCreate n
                        for _ in 1..steps do
                            for i in 0 .. n - 1 do
                                alpha.[i] <- alpha.[i] + eta / float n * s.Y.[i] * sigmoidRef (-s.Y.[i] * g.[i])
                            g <- Array.init n (fun i -> dot h.[i] alpha)
                        let points = probes probeSeed rows.[0]
                        let expectedNew = points |> Array.map (fun x -> Array.fold2 (fun acc a xi -> acc + a * kernelRef x xi) 0.0 alpha rows)
                        let gotNew = t.Logits(probeData points s.D)
                        let tol = 1e-11
                        (worst t.Alpha alpha <= tol |> Prop.label (sprintf "alpha_T: got [%s], plain loop [%s]" (show t.Alpha) (show alpha)))
                        .&. (worst t.TrainLogits g <= tol |> Prop.label (sprintf "g_T = H alpha_T: got [%s], plain loop [%s]" (show t.TrainLogits) (show g)))
                        .&. (worst (t.Logits train) g <= tol |> Prop.label (sprintf "Logits(train): got [%s], plain loop [%s]" (show (t.Logits train)) (show g)))
                        .&. (worst gotNew expectedNew <= tol |> Prop.label (sprintf "logits on new points: got [%s], sum_i alpha_i K(x, x_i) [%s]" (show gotNew) (show expectedNew)))))) }

// ---- margin teacher references (planar data) ------------------------------------------------------

/// The exact planar primal of a certificate as a function of z, rebuilt here from THEORY.md §6 ("Exact in
/// d = 2") and the certificate's documented layout: the plane basis is Gram-Schmidt over the rows in order
/// (a residual counts when its norm exceeds 1e-10 times the largest row norm); the arcs start at the sorted cut
/// angles a_i ± pi/2 of the points' plane coordinates (arcs of length <= 1e-15 dropped); arc k carries the
/// certificate's k-th primal direction (plane coordinates, scaled into the unit ball).
type private PlanarReference =
    { Basis: float[][]
      /// Start angle of each arc, increasing, in [0, 2 pi).
      Starts: float[]
      /// Primal direction of each arc in R^d.
      Directions: float[][] }

let private planarReference (train: Dataset) (cert: MarginCertificate) =
    let d = train.D
    let rows = rowsOf train.X d
    let scale = rows |> Array.map norm |> Array.max
    let basis = ResizeArray<float[]>()
    for x in rows do
        let r = Array.copy x
        for e in basis do
            let c = dot e r
            for j in 0 .. d - 1 do
                r.[j] <- r.[j] - c * e.[j]
        let nr = norm r
        if nr > 1e-10 * scale && basis.Count < 2 then basis.Add(r |> Array.map (fun v -> v / nr))
    let basis = basis.ToArray()
    let coord (b: int) (x: float[]) = if b < basis.Length then dot basis.[b] x else 0.0
    let cuts =
        rows
        |> Array.collect (fun x ->
            let a = atan2 (coord 1 x) (coord 0 x)
            [| wrap (a + Math.PI / 2.0); wrap (a - Math.PI / 2.0) |])
        |> Array.sort
    let starts =
        [| for k in 0 .. cuts.Length - 1 do
               let hi = if k + 1 < cuts.Length then cuts.[k + 1] else cuts.[0] + 2.0 * Math.PI
               if hi - cuts.[k] > 1e-15 then yield cuts.[k] |]
    let primal = cert.PlanarPrimal
    let directions =
        Array.init starts.Length (fun k ->
            let p0, p1 = primal.[2 * k], primal.[2 * k + 1]
            let r = sqrt (p0 * p0 + p1 * p1)
            let p0, p1 = (if r > 1.0 then p0 / r, p1 / r else p0, p1)
            Array.init d (fun j -> p0 * (if basis.Length > 0 then basis.[0].[j] else 0.0) + p1 * (if basis.Length > 1 then basis.[1].[j] else 0.0)))
    { Basis = basis; Starts = starts; Directions = directions }

/// v(z): the direction of the arc that contains the angle of z's plane coordinates.
let private primalAt (p: PlanarReference) (z: float[]) =
    let c b = if b < p.Basis.Length then dot p.Basis.[b] z else 0.0
    let phi = wrap (atan2 (c 1) (c 0))
    let mutable arc = p.Starts.Length - 1
    for k in 0 .. p.Starts.Length - 1 do
        if p.Starts.[k] <= phi then arc <- k
    p.Directions.[arc]

/// The margin teacher's logits by plain loops at its own directions: z_1..z_S are drawn as the teacher documents
/// (standard normal, stream "teacher-margin", chunk c of 2048 rows from index c), and
/// g(x) = (beta / S) sum_k <v(z_k), x> 1[<z_k, x> > 0].
let private sampledLogits (p: PlanarReference) (beta: float) (samples: int) (seed: uint64) (points: float[][]) d =
    let sums = Array.zeroCreate points.Length
    let chunks = (samples + 2047) / 2048
    for c in 0 .. chunks - 1 do
        let rows = min 2048 (samples - c * 2048)
        let z = TheoryKit.Random.Gaussian.Matrix(rows, d, seed, "teacher-margin", int64 c)
        for k in 0 .. rows - 1 do
            let zk = Array.sub z (k * d) d
            let v = primalAt p zk
            for i in 0 .. points.Length - 1 do
                if dot zk points.[i] > 0.0 then sums.[i] <- sums.[i] + dot v points.[i]
    sums |> Array.map (fun s -> beta * s / float samples)

/// E_z[<v(z), x> 1[<z, x> > 0]] exactly: the sum over arcs of (arc length / 2 pi) <v_arc, x> 1[<u_arc, x> > 0], u_arc
/// the arc's mid direction (the activation pattern is constant on an arc).
let private expectedMargin (p: PlanarReference) (x: float[]) =
    let d = x.Length
    let j = p.Starts.Length
    Seq.sum (
        seq {
            for k in 0 .. j - 1 do
                let lo = p.Starts.[k]
                let hi = if k + 1 < j then p.Starts.[k + 1] else p.Starts.[0] + 2.0 * Math.PI
                let mid = (lo + hi) / 2.0
                let u = Array.init d (fun c -> cos mid * (if p.Basis.Length > 0 then p.Basis.[0].[c] else 0.0) + sin mid * (if p.Basis.Length > 1 then p.Basis.[1].[c] else 0.0))
                if dot u x > 0.0 then yield (hi - lo) / (2.0 * Math.PI) * dot p.Directions.[k] x
        }
    )

/// Planar points at random angles with radii in [0.1, 1.5], from `seed`.
let private planarProbes (seed: uint64) =
    let rng = TheoryKit.Random.SeedSequence.Rng(seed, "teacher-claims-planar-probes")
    Array.init (1 + rng.Next(6)) (fun _ ->
        let a = 2.0 * Math.PI * rng.NextDouble()
        let r = 0.1 + 1.4 * rng.NextDouble()
        [| r * cos a; r * sin a |])

// ---- R2 -----------------------------------------------------------------------------------------

let private r2 =
    { Id = "R2"
      Section = "§4 Teachers"
      Source = "THEORY.md §4, §6 [JT20 Assumption 2.1] [MLS25]"
      Statement =
        "Margin teacher: g(x) = β E_z[<v(z), x> 1[<z, x> > 0]], z ~ N(0, I_d), with v the margin certificate's primal of §6; the expectation is the mean over S fixed Gaussian directions z_1..z_S: g(x) = (β/S) Σ_k <v(z_k), x> 1[<z_k, x> > 0]."
      Kind = Identity
      Property =
        "For random planar datasets (n ≤ 6, exact certificates), β ∈ {1, 4, 16}, S ∈ [1, 5000] (crossing the 2048-direction chunks) and seeds, MarginTeacher.FromCertificate's logits on the training points and on new planar points equal the Monte Carlo mean written here with plain loops at the teacher's own directions (redrawn from its documented stream), with v(z) rebuilt from the certificate's per-arc primal (plane basis, arcs, unit-ball clipping rebuilt here), to 1e-12 β (1 + ||x||) (summation order only)."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Margin_teacher_on_two_points_has_margin_beta_gamma_up_to_hoeffding"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Margin_teacher_on_planar_data_in_three_dimensions"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Margin_teacher_rejects_a_certificate_of_other_data_and_bad_parameters" ]
      QuickTests = 40
      ThoroughTests = 600
      Check =
        fun _ ->
            forMarginCases 1 5000 (fun p spec beta samples directionSeed ->
                let train = planarData p
                let cert = (exactPlanar p).Certificate
                let t = build spec train (fun () -> cert) samples 0.0 directionSeed
                let reference = planarReference train cert
                let points = Array.append (rowsOf train.X 2) (planarProbes directionSeed)
                let expected = sampledLogits reference beta samples directionSeed points 2
                let got = t.Logits(probeData points 2)
                let bad =
                    [ for i in 0 .. points.Length - 1 do
                          if abs (got.[i] - expected.[i]) > 1e-12 * beta * (1.0 + norm points.[i]) then yield i ]
                bad.IsEmpty
                |> Prop.label (sprintf "S = %d, beta = %g: teacher logits [%s], plain-loop Monte Carlo mean [%s]" samples beta (show got) (show expected))) }

// ---- R3 -----------------------------------------------------------------------------------------

/// Failure probability of the Hoeffding tolerance for the S-sample estimate in R3.
[<Literal>]
let private R3Delta = 0.05

let private r3 =
    { Id = "R3"
      Section = "§4 Teachers"
      Source = "THEORY.md §4, §6 [JT20 Assumption 2.1]"
      Statement =
        "The margin teacher satisfies y_i g(x_i) ≥ β γ on every training point (for the expectation over z, with γ the certificate's lower end γ_lower ≤ γ); its S-sample estimate satisfies y_i g(x_i) ≥ β (γ_lower − sqrt(2 ln(n/δ)/S)) for all i with probability ≥ 1 − δ (Hoeffding: each term lies in [−||x_i||, ||x_i||] ⊂ [−1, 1])."
      Kind = Probabilistic "δ for the S-sample estimate; deterministic for the expectation"
      Property =
        "For random planar datasets (n ≤ 6, radii ≤ 1, exact certificate with γ_upper − γ_lower ≤ 1e-6) and β ∈ {1, 4, 16}: the exact expectation over the arcs (written here from the certificate's per-arc primal) gives min_i y_i E[g(x_i)]/β ≥ γ_lower − 1e-12, hence ≥ γ − 1e-6; and over N = 20 (thorough 200) teachers with independent direction seeds and S ∈ [16, 1024], the count of teachers with min_i y_i g(x_i)/β < γ_lower − sqrt(2 ln(n/δ)/S) at δ = 0.05 passes binomialTest at p = δ, level 1e-6."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Margin_teacher_on_two_points_has_margin_beta_gamma_up_to_hoeffding"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Margin_teacher_uses_the_exact_planar_primal_where_U_q_vanishes_on_an_arc"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Margin_teacher_from_a_monte_carlo_certificate" ]
      QuickTests = 25
      ThoroughTests = 300
      Check =
        fun ctx ->
            forMarginCases 16 1024 (fun p spec beta samples caseSeed ->
                let train = planarData p
                let result = exactPlanar p
                let cert = result.Certificate
                let reference = planarReference train cert
                let rows = rowsOf train.X 2
                let exactMargins = rows |> Array.mapi (fun i x -> train.Y.[i] * expectedMargin reference x)
                let minExact = Array.min exactMargins
                let exact = result.GammaUpper - result.GammaLower <= 1e-6
                if not exact then
                    // Not exact to 1e-6: gamma is not pinned down, so the claim cannot be checked against it.
                    undecidedBecause ctx "the exact margin solver did not pin gamma down to 1e-6" true (lazy true)
                else
                    let expectation =
                        minExact >= cert.GammaLower - 1e-12
                        |> Prop.label (sprintf "exact expectation: min_i y_i E[g(x_i)]/beta = %.17g, gamma in [%.17g, %.17g]; per point [%s]" minExact result.GammaLower result.GammaUpper (show exactMargins))
                    let trials = if ctx.Thorough then 200 else 20
                    let n = train.N
                    let tolerance = sqrt (2.0 * log (float n / R3Delta) / float samples)
                    let worstSampled =
                        Array.init trials (fun j ->
                            let s = TheoryKit.Random.SeedSequence.Derive(caseSeed, "teacher-claims-r3", int64 j)
                            let t = build spec train (fun () -> cert) samples 0.0 s
                            let g = t.Logits train
                            Array.init n (fun i -> train.Y.[i] * g.[i] / beta) |> Array.min)
                    let violations = worstSampled |> Array.filter (fun m -> m < cert.GammaLower - tolerance) |> Array.length
                    expectation
                    .&. binomialTest
                            (sprintf "S-sample estimate (S = %d, gamma_lower = %.6g, Hoeffding tolerance %.4g, lowest min_i y_i g/beta %.6g)" samples cert.GammaLower tolerance (Array.min worstSampled))
                            violations trials R3Delta 1e-6) }

// ---- R4 -----------------------------------------------------------------------------------------

let private r4 =
    { Id = "R4"
      Section = "§4 Teachers"
      Source = "THEORY.md §4, §1-3 [MLS25] [HVD15]"
      Statement =
        "Wide-network teacher: a student of large width m_T (THEORY.md §1) trained by gradient descent on the hard labels with the logistic loss (§3); its logits are g(x) = f(x; W_T) = (1/sqrt(m_T)) Σ_s a_s relu(<w_s, x>)."
      Kind = Identity
      Property =
        "For random unit-norm datasets (n ≤ 8, d ≤ 4), wide-network recipes (m_T ∈ [16, 128] even, T ≤ 100), η ∈ {0.25, 0.5, 1} and seeds: WideNetworkTeacher.Fit's W_T, epoch-averaged and final logistic risk equal plain-loop gradient descent written here from TwoLayerNetwork.Initialise(m_T, d, seed) (relative 1e-9: summation order only), its a is the initialisation's, its logits on the training set and on new points equal the plain-loop forward pass of the plain-loop W_T (1e-9), and its W_T and averaged loss are bit-identical to Trainer.Train with the same settings (hard labels, standard initialisation)."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Wide_network_teacher_fits_two_gaussians_and_matches_the_reference_forward_pass"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Wide_network_teacher_rejects_impossible_parameters" ]
      QuickTests = 40
      ThoroughTests = 500
      Check =
        fun _ ->
            forAll (smallUnit 1 8 4) (fun s ->
                forAll wideSpecs (fun spec ->
                    forAllGen (Gen.zip (Gen.elements [ 0.25; 0.5; 1.0 ]) seed) (fun (eta, initSeed) ->
                        let width, steps =
                            match spec with
                            | WideSpec(width, steps) -> width, steps
                            | _ -> invalidOp "wide-network recipes only"
                        let train = toDataset s
                        let t = build spec train noCertificate 0 eta initSeed :?> WideNetworkTeacher
                        let net = TwoLayerNetwork.Initialise(width, s.D, initSeed)
                        let rows = Array.init s.N s.Row
                        let reference = plainDescent s net.W0 net.A None eta steps None
                        let w, averaged, final = reference.W, epochMean reference.Risk, reference.Risk.[steps]
                        let points = Array.append rows (probes initSeed rows.[0])
                        let expected = points |> Array.map (logitAt w net.A)
                        let got = t.Logits(probeData points s.D)
                        let options = TrainingOptions(width, steps, eta, LabelKind.Hard, false, Nullable(), initSeed, RecordEvery = max 1 (steps / 100))
                        let direct = Trainer.Train(train, null, options)
                        (t.A = net.A |> Prop.label "second layer a equals TwoLayerNetwork.Initialise(m_T, d, seed).A")
                        .&. (worst t.W w <= 1e-9 |> Prop.label (sprintf "W_T: largest relative difference to plain-loop GD %.3g" (worst t.W w)))
                        .&. (abs (t.Training.EpochAveragedLoss - averaged) <= 1e-9 * (1.0 + averaged)
                             |> Prop.label (sprintf "epoch-averaged risk: got %.17g, plain loop %.17g" t.Training.EpochAveragedLoss averaged))
                        .&. (abs (t.Training.FinalLoss - final) <= 1e-9 * (1.0 + final)
                             |> Prop.label (sprintf "final risk: got %.17g, plain loop %.17g" t.Training.FinalLoss final))
                        .&. (worst got expected <= 1e-9 |> Prop.label (sprintf "logits: got [%s], plain forward pass [%s]" (show got) (show expected)))
                        .&. ((direct.W = t.W && direct.EpochAveragedLoss = t.Training.EpochAveragedLoss)
                             |> Prop.label "W_T and the averaged loss are bit-identical to Trainer.Train with the same settings")))) }

/// The claims of this file, in the order of THEORY.md.
let claims: Claim list = [ r1; r2; r3; r4 ]
