/// Claims about the student of THEORY.md §1 (initialisation, forward pass, gradient, symmetric
/// initialisation) and its training of §3 (gradient descent, projected GD, epoch averages, row movement).
/// Expected values come from the plain loops of Reference: the forward pass, the per-row gradient, and a whole
/// reference gradient descent (with optional projection) that never calls the trainer's own helpers; the
/// law of the initialisation is checked with two-sided binomial tests and the DKW inequality.
module TheoryKit.Properties.ModelClaims

open System
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open TheoryKit.Networks
open TheoryKit.Properties.Claim
open TheoryKit.Properties.Generators
open TheoryKit.Properties.Reference
open TheoryKit.Random
open TheoryKit.Training

/// max_k ||w_k - w_k0|| by a plain loop.
let private maxRowDistance (w: float[]) (w0: float[]) m d =
    [ 0 .. m - 1 ] |> List.map (fun k -> norm (Array.init d (fun j -> w.[k * d + j] - w0.[k * d + j]))) |> List.max

// ---- generators ---------------------------------------------------------------------------------

/// Labels of a training run: kind, teacher probabilities p_i (exactly 0 or 1 one time in seven) and
/// whether the initialisation is symmetric.
type private Labels =
    { Kind: LabelKind
      P: float[]
      Symmetric: bool }
    member l.Soft = if l.Kind = LabelKind.Soft then Some l.P else None
    member l.SoftOrNull = if l.Kind = LabelKind.Soft then l.P else null
    override l.ToString() =
        sprintf "%s labels%s%s" (if l.Kind = LabelKind.Soft then "soft" else "hard")
            (if l.Kind = LabelKind.Soft then sprintf " p = (%s)" (l.P |> Array.map (sprintf "%.6g") |> String.concat ", ") else "")
            (if l.Symmetric then ", symmetric initialisation" else "")

let private labelsGen n =
    gen {
        let! kind = Gen.elements [ LabelKind.Hard; LabelKind.Soft ]
        let! p = Gen.arrayOfLength n (Gen.frequency [ 1, Gen.elements [ 0.0; 1.0 ]; 6, uniform 0.02 0.98 ])
        let! symmetric = Gen.frequency [ 3, Gen.constant false; 1, Gen.constant true ]
        return { Kind = kind; P = p; Symmetric = symmetric }
    }

/// Unit data (n in [1, 8], d in [1, 4]) and a training configuration (even m <= 12, T <= maxSteps).
let private trainingCase maxSteps = Arb.zip (smallUnit 1 8 4, trainConfig 12 maxSteps)

let private options (c: TrainConfig) (l: Labels) (radius: float option) recordEvery =
    TrainingOptions(c.Width, c.Steps, c.Eta, l.Kind, l.Symmetric, Option.toNullable radius, c.Seed, 1, Precision.Double, recordEvery)

/// Gradient descent under check (ctx.Impl.Train) on s with the labels, configuration, optional radius and
/// recording interval of a case.
let private train (ctx: Context) (s: Small) (c: TrainConfig) (l: Labels) radius recordEvery =
    ctx.Impl.Train (toDataset s) l.SoftOrNull (options c l radius recordEvery)

/// The initialisation of a case and the plain-loop (projected) gradient descent from it.
let private referenceOf (s: Small) (c: TrainConfig) (l: Labels) radius =
    let net = TwoLayerNetwork.Initialise(c.Width, s.D, c.Seed, l.Symmetric)
    net, plainDescent s net.W0 net.A l.Soft c.Eta c.Steps radius

/// The steps t in `steps` at which got t and expected t differ by more than tol t, as a label (or None).
let private mismatches what (steps: int seq) (got: int -> float) (expected: int -> float) (tol: int -> float) =
    steps
    |> Seq.tryFind (fun t -> not (abs (got t - expected t) <= tol t))
    |> Option.map (fun t -> sprintf "%s at step %d: %.17g, reference %.17g" what t (got t) (expected t))

/// (1/sqrt m) sum_k |z_ki| for each point i (z is m x n): the magnitude of the terms summed in f_i.
let private logitScale (z: float[,]) =
    let m, n = Array2D.length1 z, Array2D.length2 z
    Array.init n (fun i -> (Seq.sumBy (fun k -> abs z.[k, i]) [ 0 .. m - 1 ]) / sqrt (float m))

/// Property from an optional failure message.
let private noMismatch (what: string) (failure: string option) =
    match failure with
    | None -> Prop.ofTestable true |> Prop.label what
    | Some msg -> Prop.ofTestable false |> Prop.label msg

/// Losses and risks of a trainer run against a reference run at every comparable recorded step.
let private trajectoryMatches (r: TrainingResult) (reference: Descent) =
    let recorded = r.Trajectory |> Array.filter (fun pt -> pt.Step <= reference.Comparable)
    let byStep = recorded |> Array.map (fun pt -> pt.Step, pt) |> dict
    let steps = recorded |> Array.map (fun pt -> pt.Step)
    // the two runs round differently (GEMM vs loops) by ~1e-16 per operation; GD with eta <= 1 on these
    // tiny problems does not amplify that beyond ~1e-14 over 30 steps: 1e-10 of the summed terms.
    let loss = mismatches "loss" steps (fun t -> byStep.[t].Loss) (fun t -> reference.Loss.[t]) (fun t -> 1e-10 * reference.Scale.[t] + 1e-300)
    let risk = mismatches "risk" steps (fun t -> byStep.[t].Risk) (fun t -> reference.Risk.[t]) (fun t -> 1e-10 * reference.Risk.[t] + 1e-300)
    noMismatch "losses" loss .&. noMismatch "risks" risk

/// W_T of a trainer run against the reference's (when no kink was met), to 1e-10 of max(1, max |W_0|).
let private finalWMatches (r: TrainingResult) (reference: Descent) (w0: float[]) =
    if reference.Kink.IsSome then Prop.ofTestable true
    else
        let scale = max 1.0 (w0 |> Array.map abs |> Array.max)
        let bad = Seq.tryFind (fun k -> not (abs (r.W.[k] - reference.W.[k]) <= 1e-10 * scale)) [ 0 .. w0.Length - 1 ]
        noMismatch "W_T" (bad |> Option.map (fun k -> sprintf "W_T entry %d: %.17g, reference %.17g" k r.W.[k] reference.W.[k]))

// ---- §1 Model ----------------------------------------------------------------------------------------

/// Two-sided binomial test: `count` successes in `trials` independent draws, each a success with
/// probability p under the claim; accepted when neither tail has probability below alpha / 2.
let private twoSided what count trials p alpha =
    let hi = binomialCritical trials p (alpha / 2.0)
    let lo = trials - binomialCritical trials (1.0 - p) (alpha / 2.0)
    (count >= lo && count <= hi)
    |> Prop.label (sprintf "%s: %d of %d; Binomial(%d, %g) accepts [%d, %d] at level %g (two-sided)" what count trials trials p lo hi alpha)

/// An initialisation to test: width m, dimension d, seed, symmetric or not.
type private InitCase =
    { M: int
      D: int
      Seed: uint64
      Symmetric: bool }
    override c.ToString() = sprintf "m = %d, d = %d, seed = %d%s" c.M c.D c.Seed (if c.Symmetric then ", symmetric" else "")

let private n2 =
    { Id = "N2"
      Section = "§1 Model"
      Source = "[JT20] §2; THEORY.md §1"
      Statement = "Width m. First layer W in R^{m x d}, rows w_s ~ N(0, I_d) i.i.d. Second layer a_s ~ Unif{-1,+1}, fixed, never trained."
      Kind = Probabilistic "law of the draws, tests at level 1e-6"
      Property =
        "For random m in [200, 1000], d in [1, 6] and seeds (plain and symmetric initialisation, whose independent neurons are the "
        + "even rows), TwoLayerNetwork.Initialise gives a_s in {-1, +1}, and two-sided binomial tests at level 1e-6 accept: the "
        + "number of a_s = +1 (p = 1/2), of positive W_0 coordinates (1/2), of coordinates with |w| below the normal quartile 0.67449 "
        + "(1/2) and above 1.95996 (0.05), of equal signs in disjoint pairs of coordinates (1/2, independence) and of a_s w_{s,1} > 0 "
        + "(1/2, a independent of W); the DKW inequality at level 1e-6 bounds sup |F_n - Phi| of the coordinates."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.One_unit_step_recovers_a_gradient_that_matches_central_finite_differences" ]
      QuickTests = 40
      ThoroughTests = 1000
      Check =
        fun _ ->
            let g =
                gen {
                    let! half = Gen.choose (100, 500)
                    let! d = Gen.choose (1, 6)
                    let! s = seed
                    let! symmetric = Gen.elements [ false; true ]
                    return { M = 2 * half; D = d; Seed = s; Symmetric = symmetric }
                }
            forAllGen g (fun c ->
                let alpha = 1e-6
                let net = TwoLayerNetwork.Initialise(c.M, c.D, c.Seed, c.Symmetric)
                let rows = if c.Symmetric then [| 0 .. 2 .. c.M - 1 |] else [| 0 .. c.M - 1 |]
                let coords = rows |> Array.collect (fun k -> row net.W0 c.D k)
                let signs = rows |> Array.map (fun k -> net.A.[k])
                let count pred xs = xs |> Array.filter pred |> Array.length
                let nc = coords.Length
                let pairs = Array.init (nc / 2) (fun k -> coords.[2 * k], coords.[2 * k + 1])
                // DKW: P(sup |F_n - Phi| > e) <= 2 exp(-2 n e^2).
                let sorted = Array.sort coords
                let ks =
                    sorted
                    |> Array.mapi (fun i v ->
                        let phi = Normal.CDF(0.0, 1.0, v)
                        max (float (i + 1) / float nc - phi) (phi - float i / float nc))
                    |> Array.max
                let dkw = sqrt (log (2.0 / alpha) / (2.0 * float nc))
                (net.A |> Array.forall (fun a -> a = 1.0 || a = -1.0) |> Prop.label "a_s not in {-1, +1}")
                .&. twoSided "a_s = +1" (count (fun a -> a = 1.0) signs) signs.Length 0.5 alpha
                .&. twoSided "w > 0" (count (fun v -> v > 0.0) coords) nc 0.5 alpha
                .&. twoSided "|w| < 0.6744897501960817" (count (fun v -> abs v < 0.6744897501960817) coords) nc 0.5 alpha
                .&. twoSided "|w| > 1.959963984540054" (count (fun v -> abs v > 1.959963984540054) coords) nc 0.05 alpha
                .&. (if pairs.Length = 0 then Prop.ofTestable true
                     else twoSided "equal signs in coordinate pairs" (count (fun (u, v) -> (u > 0.0) = (v > 0.0)) pairs) pairs.Length 0.5 alpha)
                .&. twoSided "a_s w_{s,1} > 0" (count (fun k -> net.A.[k] * net.W0.[k * c.D] > 0.0) rows) rows.Length 0.5 alpha
                .&. (ks <= dkw |> Prop.label (sprintf "sup |F_n - Phi| = %.6g over %d coordinates > DKW bound %.6g at level %g" ks nc dkw alpha))) }

/// A small net for the forward pass: width m in [1, 12], seed, scale c of a random shift of W away from
/// W_0 (c = 0 is W_0 itself), symmetric or not (m even).
type private NetCase =
    { M: int
      Seed: uint64
      Shift: float
      Symmetric: bool }
    override c.ToString() = sprintf "m = %d, seed = %d, W = W_0 + %g G%s" c.M c.Seed c.Shift (if c.Symmetric then ", symmetric" else "")

let private n3 =
    { Id = "N3"
      Section = "§1 Model"
      Source = "[JT20] §2; THEORY.md §1"
      Statement = "f(x; W) = (1/sqrt(m)) * sum_s a_s * relu(<w_s, x>)."
      Kind = Identity
      Property =
        "For random data (n <= 8, d <= 5, coordinates in [-1, 1]) and random nets (m <= 12, a from the initialisation, W = W_0 + c G "
        + "with G Gaussian and c in {0, 0.5, 2}), Trainer.Logits and TwoLayerNetwork.ForwardReference equal the sum written here "
        + "with plain loops, to 1e-13 times (1/sqrt m) sum_s |<w_s, x>|."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Logits_and_risk_helpers_match_the_plain_loop_references"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Two_neurons_one_step_matches_the_hand_formula"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Wide_network_teacher_fits_two_gaussians_and_matches_the_reference_forward_pass" ]
      QuickTests = 200
      ThoroughTests = 5000
      Check =
        fun _ ->
            let netGen =
                gen {
                    let! m = Gen.choose (1, 12)
                    let! s = seed
                    let! shift = Gen.elements [ 0.0; 0.5; 2.0 ]
                    let! symmetric = Gen.elements [ false; true ]
                    return { M = (if symmetric then 2 * ((m + 1) / 2) else m); Seed = s; Shift = shift; Symmetric = symmetric }
                }
            forAll (small 1 8 5) (fun s ->
                forAllGen netGen (fun c ->
                    let net = TwoLayerNetwork.Initialise(c.M, s.D, c.Seed, c.Symmetric)
                    let shift = Gaussian.Matrix(c.M, s.D, c.Seed, "property-n3-shift")
                    let w = Array.map2 (fun w0 g -> w0 + c.Shift * g) net.W0 shift
                    let z, expected = forward w net.A s
                    let scale = logitScale z
                    let compare what (got: float[]) =
                        let bad = Seq.tryFind (fun i -> not (abs (got.[i] - expected.[i]) <= 1e-13 * scale.[i] + 1e-300)) [ 0 .. s.N - 1 ]
                        noMismatch what (bad |> Option.map (fun i -> sprintf "%s: f(x_%d) = %.17g, plain loop %.17g" what i got.[i] expected.[i]))
                    compare "Trainer.Logits" (Trainer.Logits(w, net.A, s.X, s.N, s.D))
                    .&. compare "ForwardReference" (net.ForwardReference(w, s.X, s.N)))) }

/// One gradient step to recover the gradient: width, seed, step size eta.
type private StepCase =
    { M: int
      Seed: uint64
      Eta: float }
    override c.ToString() = sprintf "m = %d, seed = %d, eta = %g" c.M c.Seed c.Eta

let private n4 =
    { Id = "N4"
      Section = "§1 Model"
      Source = "[JT20] §2; THEORY.md §1"
      Statement = "Gradient: d f / d w_s = (1/sqrt(m)) a_s 1[<w_s, x> > 0] x."
      Kind = Identity
      Property =
        "For random unit data (n <= 8, d <= 4), widths m <= 12, eta in [0.01, 1], hard and soft labels and plain or symmetric "
        + "initialisation, one Trainer step gives W_0 - W_1 = eta grad L(W_0) with grad L = (1/n) sum_i l'(f_i) (1/sqrt m) a_s "
        + "1[<w_s, x_i> > 0] x_i written here with plain loops, to 4 eps |W_0| + 1e-13 eta times the magnitude of the summed terms "
        + "(cases with a pre-activation within 1e-10 of the kink would be inconclusive)."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.One_unit_step_recovers_a_gradient_that_matches_central_finite_differences"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Two_neurons_one_step_matches_the_hand_formula" ]
      QuickTests = 150
      ThoroughTests = 5000
      Check =
        fun ctx ->
            forAll (smallUnit 1 8 4) (fun s ->
                let stepGen =
                    gen {
                        let! half = Gen.choose (1, 6)
                        let! sd = seed
                        let! eta = Gen.frequency [ 1, Gen.elements [ 0.125; 1.0 ]; 2, uniform 0.01 1.0 ]
                        let! labels = labelsGen s.N
                        return { M = 2 * half; Seed = sd; Eta = eta }, labels
                    }
                forAllGen stepGen (fun (c, l) ->
                    let net = TwoLayerNetwork.Initialise(c.M, s.D, c.Seed, l.Symmetric)
                    let o = TrainingOptions(c.M, 1, c.Eta, l.Kind, l.Symmetric, Nullable(), c.Seed, 1)
                    let r = ctx.Impl.Train (toDataset s) l.SoftOrNull o
                    let g, z, _ = gradient net.W0 net.A s l.Soft
                    let kinked =
                        Seq.exists (fun (k, i) -> abs z.[k, i] <= 1e-10 * norm (row net.W0 s.D k) * norm (s.Row i))
                            (Seq.allPairs [ 0 .. c.M - 1 ] [ 0 .. s.N - 1 ])
                    // magnitude of the summed terms of entry (k, j): (1/(n sqrt m)) sum_i (1 + F_i) |x_ij|, F_i the scale of f_i
                    // (l' is 1/4-Lipschitz in f, and f carries the rounding of its own sum).
                    let fScale = logitScale z
                    let termScale k =
                        let j = k % s.D
                        (Seq.sumBy (fun i -> (1.0 + fScale.[i]) * abs s.X.[i * s.D + j]) [ 0 .. s.N - 1 ]) / (float s.N * sqrt (float c.M))
                    let bad =
                        Seq.tryFind
                            (fun k ->
                                let moved = net.W0.[k] - r.W.[k]
                                not (abs (moved - c.Eta * g.[k]) <= 4.0 * eps * abs net.W0.[k] + 1e-13 * c.Eta * termScale k))
                            [ 0 .. g.Length - 1 ]
                    let label =
                        match bad with
                        | Some k -> sprintf "entry (%d, %d): W_0 - W_1 = %.17g, eta grad = %.17g" (k / s.D) (k % s.D) (net.W0.[k] - r.W.[k]) (c.Eta * g.[k])
                        | None -> "W_0 - W_1 = eta grad"
                    undecidedBecause ctx "a pre-activation at a kink of the ReLU, where the gradient is not defined" kinked (lazy bad.IsNone) |> Prop.label label)) }

/// A symmetric initialisation: half the width, seed.
type private SymmetricCase =
    { Half: int
      Seed: uint64
      P: float[] }
    override c.ToString() = sprintf "m = %d, seed = %d, p = (%s)" (2 * c.Half) c.Seed (c.P |> Array.map (sprintf "%.6g") |> String.concat ", ")

let private n5 =
    { Id = "N5"
      Section = "§1 Model"
      Source = "THEORY.md §1"
      Statement = "Optional \"symmetric\" init: neurons in pairs (w, a) and (w, -a) so f(x; W_0) = 0."
      Kind = Identity
      Property =
        "For random data (n <= 8, d <= 5) and even m <= 20, the symmetric initialisation has rows 2k and 2k+1 equal with a_{2k+1} = "
        + "-a_{2k} in {-1, +1}; f(x; W_0) is exactly 0 by ForwardReference and Trainer.Logits; training starts (step 0) with "
        + "loss ln 2 for hard labels (to n eps) and mean KL(p_i || 1/2) written here for soft labels (to (8 + n) eps 2 ln 2), risk "
        + "ln 2, every point a tie (f = 0, half an error) and no movement."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Symmetric_initialisation_starts_at_f_equal_to_zero"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Impossible_settings_are_input_errors_naming_the_parameter" ]
      QuickTests = 100
      ThoroughTests = 3000
      Check =
        fun ctx ->
            forAll (small 1 8 5) (fun s ->
                let g =
                    gen {
                        let! half = Gen.choose (1, 10)
                        let! sd = seed
                        let! p = Gen.arrayOfLength s.N (uniform 0.0 1.0)
                        return { Half = half; Seed = sd; P = p }
                    }
                forAllGen g (fun c ->
                    let m, d = 2 * c.Half, s.D
                    let net = TwoLayerNetwork.Initialise(m, d, c.Seed, true)
                    let paired =
                        [ 0 .. c.Half - 1 ]
                        |> List.forall (fun k ->
                            net.A.[2 * k + 1] = -net.A.[2 * k] && abs net.A.[2 * k] = 1.0 && row net.W0 d (2 * k) = row net.W0 d (2 * k + 1))
                    let fRef = net.ForwardReference(net.W0, s.X, s.N)
                    let fGemm = Trainer.Logits(net.W0, net.A, s.X, s.N, d)
                    let start kind p =
                        let r = ctx.Impl.Train (toDataset s) p (TrainingOptions(m, 1, 0.5, kind, true, Nullable(), c.Seed, 1))
                        r.Trajectory.[0]
                    let hard = start LabelKind.Hard null
                    let soft = start LabelKind.Soft c.P
                    let n = float s.N
                    let ln2 = log 2.0
                    let softExpected = (c.P |> Array.sumBy (fun p -> klRef p 0.0)) / n
                    (paired |> Prop.label "rows 2k, 2k+1 not paired as (w, a), (w, -a)")
                    .&. (Array.forall (fun f -> f = 0.0) fRef |> Prop.label (sprintf "ForwardReference f(x; W_0) = %A" fRef))
                    .&. (Array.forall (fun f -> f = 0.0) fGemm |> Prop.label (sprintf "Trainer.Logits f(x; W_0) = %A" fGemm))
                    // the mean of n copies of ln 2 carries at most n eps of rounding; a soft term ln 2 - H(p_i) is a difference
                    // of terms of size <= ln 2, computed to a few eps of ln 2 each.
                    .&. (abs (hard.Loss - ln2) <= n * eps * ln2 |> Prop.label (sprintf "hard: first loss %.17g, ln 2 = %.17g" hard.Loss ln2))
                    .&. (abs (soft.Loss - softExpected) <= (8.0 + n) * eps * 2.0 * ln2 |> Prop.label (sprintf "soft: first loss %.17g, mean KL(p || 1/2) = %.17g" soft.Loss softExpected))
                    .&. ((abs (hard.Risk - ln2) <= n * eps * ln2 && abs (soft.Risk - ln2) <= n * eps * ln2)
                         |> Prop.label (sprintf "first risks %.17g (hard), %.17g (soft), ln 2 = %.17g" hard.Risk soft.Risk ln2))
                    .&. ((hard.Error = 0.5 && soft.Error = 0.5) |> Prop.label (sprintf "first 0-1 errors %g (hard), %g (soft), expected 1/2" hard.Error soft.Error))
                    .&. ((hard.MaxRowMovement = 0.0 && hard.FrobeniusMovement = 0.0 && soft.MaxRowMovement = 0.0)
                         |> Prop.label "movement at step 0 is not 0"))) }

// ---- §3 Training -------------------------------------------------------------------------------------

let private t1 =
    { Id = "T1"
      Section = "§3 Training"
      Source = "[JT20]; THEORY.md §3"
      Statement = "Gradient descent on W: W_{t+1} = W_t - eta * grad L(W_t), constant eta (JT20 allow eta <= 1)."
      Kind = Identity
      Property =
        "For random unit data (n <= 8, d <= 4), training configurations (even m <= 12, eta <= 1, T <= 30) and hard or soft labels "
        + "(plain or symmetric initialisation), Trainer.Train in float64 records at every step the loss and risk of a reference "
        + "gradient descent written here with plain loops, to 1e-10 of the summed terms, and returns its W_T to 1e-10 of max(1, |W_0|) "
        + "(a run that meets a pre-activation within 1e-9 of the kink is compared up to that step)."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.One_unit_step_recovers_a_gradient_that_matches_central_finite_differences"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Two_neurons_one_step_matches_the_hand_formula"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Float32_agrees_with_float64_over_20_steps"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Impossible_settings_are_input_errors_naming_the_parameter" ]
      QuickTests = 100
      ThoroughTests = 3000
      Check =
        fun ctx ->
            forAll (trainingCase 30) (fun (s, c) ->
                forAllGen (labelsGen s.N) (fun l ->
                    let r = train ctx s c l None 1
                    let net, reference = referenceOf s c l None
                    (r.Trajectory.Length = c.Steps + 1 |> Prop.label (sprintf "%d points recorded for T = %d" r.Trajectory.Length c.Steps))
                    .&. trajectoryMatches r reference
                    .&. finalWMatches r reference net.W0
                    |> Prop.classify reference.Kink.IsSome "near a kink")) }

let private t2 =
    { Id = "T2"
      Section = "§3 Training"
      Source = "[MLS25]; THEORY.md §3"
      Statement = "Projected GD: after each step project each row onto the ball ||w_s - w_{s,0}||_2 <= rho / sqrt(m) (rho a parameter)."
      Kind = Inequality
      Property =
        "For random unit data, configurations (m <= 12, eta <= 1, T <= 30), labels and rho log-uniform in [0.005, 2], projected GD "
        + "records max_s ||w_{s,t} - w_{s,0}|| <= rho/sqrt(m) at every step and its W_T satisfies it by a plain loop (both up to "
        + "1e-12 (rho/sqrt m + max |W_0|) of rounding); one projected step equals the free step with each row's displacement scaled by "
        + "min(1, (rho/sqrt m)/||delta_s||) (reference here, to 4 eps of the entries); the projected run matches a plain-loop "
        + "projected GD in loss and W_T to 1e-10."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Projected_GD_keeps_every_row_within_rho_over_sqrt_m"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.One_projected_step_is_the_free_step_clipped_row_by_row"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Impossible_settings_are_input_errors_naming_the_parameter" ]
      QuickTests = 100
      ThoroughTests = 3000
      Check =
        fun ctx ->
            forAll (trainingCase 30) (fun (s, c) ->
                forAllGen (Gen.zip (labelsGen s.N) (logUniform 0.005 2.0)) (fun (l, rho) ->
                    let m, d = c.Width, s.D
                    let bound = rho / sqrt (float m)
                    let net, reference = referenceOf s c l (Some bound)
                    let maxW0 = net.W0 |> Array.map abs |> Array.max
                    // w_0 + delta * scale is rounded: the distance recomputed from it may exceed the radius by a few eps (|w_0| + |delta|).
                    let slack = 1e-12 * (bound + maxW0)
                    let projected = train ctx s c l (Some rho) 1
                    let worst = projected.Trajectory |> Array.maxBy (fun pt -> pt.MaxRowMovement)
                    let finalDistance = maxRowDistance projected.W net.W0 m d
                    // one step, free and projected, against clipping written here
                    let one = { c with Steps = 1 }
                    let free1 = train ctx s one l None 1
                    let proj1 = train ctx s one l (Some rho) 1
                    let clipped =
                        Array.init (m * d) (fun k ->
                            let sRow = k / d
                            let delta = Array.init d (fun j -> free1.W.[sRow * d + j] - net.W0.[sRow * d + j])
                            let factor = min 1.0 (bound / norm delta)
                            net.W0.[k] + (free1.W.[k] - net.W0.[k]) * factor)
                    let badClip =
                        Seq.tryFind (fun k -> not (abs (proj1.W.[k] - clipped.[k]) <= 4.0 * eps * (abs net.W0.[k] + abs (free1.W.[k] - net.W0.[k])))) [ 0 .. m * d - 1 ]
                    (worst.MaxRowMovement <= bound + slack
                     |> Prop.label (sprintf "step %d: max row movement %.17g > rho / sqrt m = %.17g" worst.Step worst.MaxRowMovement bound))
                    .&. (finalDistance <= bound + slack |> Prop.label (sprintf "W_T: max row distance %.17g > rho / sqrt m = %.17g" finalDistance bound))
                    .&. noMismatch "one projected step = free step clipped"
                            (badClip |> Option.map (fun k -> sprintf "one step, entry (%d, %d): projected %.17g, free step clipped %.17g" (k / d) (k % d) proj1.W.[k] clipped.[k]))
                    .&. trajectoryMatches projected reference
                    .&. finalWMatches projected reference net.W0
                    |> Prop.classify (worst.MaxRowMovement >= 0.999 * bound) "projection active"
                    |> Prop.classify reference.Kink.IsSome "near a kink")) }

let private t3 =
    { Id = "T3"
      Section = "§3 Training"
      Source = "THEORY.md §3"
      Statement = "Epoch-averaged loss: (1/T) sum_{t<T} L(W_t). This is the quantity the neuron bounds control."
      Kind = Identity
      Property =
        "For random unit data, configurations (m <= 12, eta <= 1, T <= 30), hard or soft labels and a recording interval in [1, 4], "
        + "TrainingResult.EpochAveragedLoss and EpochAveragedRisk equal the means over t < T of L(W_t) and R(W_t) along the plain-loop "
        + "reference gradient descent, to 1e-10 of the summed terms (also when only every k-th step is recorded)."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Trajectory_and_averages_match_independent_recomputation" ]
      QuickTests = 100
      ThoroughTests = 3000
      Check =
        fun ctx ->
            forAll (trainingCase 30) (fun (s, c) ->
                forAllGen (Gen.zip (labelsGen s.N) (Gen.choose (1, 4))) (fun (l, every) ->
                    let r = train ctx s c l None every
                    let _, reference = referenceOf s c l None
                    let comparable = reference.Comparable >= c.Steps - 1
                    let loss, risk, scale = epochMean reference.Loss, epochMean reference.Risk, epochMean reference.Scale
                    ((not comparable || abs (r.EpochAveragedLoss - loss) <= 1e-10 * scale + 1e-300)
                     |> Prop.label (sprintf "epoch-averaged loss %.17g, mean of the reference L(W_t), t < T: %.17g" r.EpochAveragedLoss loss))
                    .&. ((not comparable || abs (r.EpochAveragedRisk - risk) <= 1e-10 * risk + 1e-300)
                         |> Prop.label (sprintf "epoch-averaged risk %.17g, mean of the reference R(W_t), t < T: %.17g" r.EpochAveragedRisk risk))
                    |> Prop.classify (not comparable) "near a kink before T")) }

let private t5 =
    { Id = "T5"
      Section = "§3 Training"
      Source =
        "Derived from THEORY.md §1 and §3 [JT20]: follows from §1's gradient, ||x_i|| <= 1 and |l'(z)| <= l(z) for the logistic loss; "
        + "the per-step bound behind the [JT20] movement estimate. Step t moves row s by eta ||grad_{w_s} L(W_t)|| <= "
        + "(eta / sqrt(m)) (1/n) sum_i |l'(y_i f_i)| ||x_i|| <= (eta / sqrt(m)) R(W_t) (|l'(z)| = 1/(1 + e^z) <= ln(1 + e^-z)), "
        + "and the triangle inequality sums the steps."
      Statement =
        "For hard labels and data with ||x_i|| <= 1, along plain GD: max_s ||w_{s,t} - w_{s,0}|| <= (eta / sqrt(m)) sum_{tau<t} R(W_tau) "
        + "for every t."
      Kind = Inequality
      Property =
        "For random unit data (n <= 8, d <= 4), configurations (even m <= 12, eta <= 1, T <= 40) and plain or symmetric "
        + "initialisation, hard-label GD records at every step t a max row movement at most (eta / sqrt m) times the sum of the "
        + "recorded risks R(W_tau), tau < t, up to a relative 1e-12 and the rounding of the updates (2 eps t sqrt(d) (1 + max |W_0|))."
      Tests = []
      QuickTests = 100
      ThoroughTests = 3000
      Check =
        fun ctx ->
            forAll (Arb.zip (smallUnit 1 8 4, trainConfig 12 40)) (fun (s, c) ->
                forAllGen (Gen.elements [ false; true ]) (fun symmetric ->
                    let l = { Kind = LabelKind.Hard; P = [||]; Symmetric = symmetric }
                    let r = train ctx s c l None 1
                    let net = TwoLayerNetwork.Initialise(c.Width, s.D, c.Seed, symmetric)
                    let maxW0 = net.W0 |> Array.map abs |> Array.max
                    let traj = r.Trajectory
                    let bound t = c.Eta / sqrt (float c.Width) * (Array.sumBy (fun (pt: TrajectoryPoint) -> pt.Risk) (Array.sub traj 0 t))
                    let slack t = 1e-12 * bound t + 2.0 * eps * float t * sqrt (float s.D) * (1.0 + maxW0)
                    let bad = [ 0 .. traj.Length - 1 ] |> List.tryFind (fun t -> not (traj.[t].MaxRowMovement <= bound t + slack t))
                    ((traj.Length = c.Steps + 1 && (traj |> Array.mapi (fun t pt -> pt.Step = t) |> Array.forall id))
                     |> Prop.label "the trajectory does not record every step")
                    .&. (bad.IsNone
                         |> Prop.label (match bad with
                                        | Some t -> sprintf "step %d: max row movement %.17g > (eta / sqrt m) sum_{tau<t} R(W_tau) = %.17g" t traj.[t].MaxRowMovement (bound t)
                                        | None -> "")))) }

/// The claims of this file, in the order of THEORY.md.
let claims: Claim list = [ n2; n3; n4; n5; t1; t2; t3; t5 ]
