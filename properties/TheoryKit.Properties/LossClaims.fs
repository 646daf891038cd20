/// Claims about the losses of THEORY.md §2: the logistic risk, the stable softplus, the KL soft-label loss
/// and its derivative, and the teacher's tempered soft labels. Expected values come from Reference: the
/// softplus with a series for ln(1 + v) (independent of Math.Log(1 + v)), the sigmoid by its formula and
/// KL as p ln(p/s) + (1-p) ln((1-p)/(1-s)); the formulas under check are reached through `ctx.Impl`.
module TheoryKit.Properties.LossClaims

open System
open FsCheck
open FsCheck.FSharp
open TheoryKit.Data
open TheoryKit.Networks
open TheoryKit.Properties.Claim
open TheoryKit.Properties.Generators
open TheoryKit.Properties.Reference
open TheoryKit.Training

// ---- generators ---------------------------------------------------------------------------------

/// A logit: uniform on [-30, 30) half the time, +-10^k with k uniform in [-8, 4] (tiny logits up to 1e4 in
/// magnitude) a third of the time, otherwise one of the edges where exp overflows or underflows. Shrinks
/// towards 0 and rounder values.
let private logitGen =
    Gen.frequency [ 3, uniform -30.0 30.0
                    2, Gen.zip (Gen.elements [ -1.0; 1.0 ]) (uniform -8.0 4.0) |> Gen.map (fun (s, k) -> s * 10.0 ** k)
                    1, Gen.elements [ 1e4; -1e4; 710.0; -710.0; 745.5; -745.5; 800.0; -800.0; 36.9; -36.9 ] ]

/// Shrinks of a logit: rounder values up to 1e4 in magnitude.
let private shrinkLogit = shrinkFloat >> Seq.filter (fun t -> abs t <= 1e4)

let private logit = Arb.fromGenShrink (logitGen, shrinkLogit)

/// A teacher probability in [0, 1]: exactly 0 or 1 one time in eight, else uniform.
let private probabilityGen = Gen.frequency [ 1, Gen.elements [ 0.0; 1.0 ]; 7, uniform 0.0 1.0 ]

let private shrinkProbability = shrinkFloat >> Seq.filter (fun p -> p >= 0.0 && p <= 1.0)

/// Shrinks a pair component by component.
let private shrinkPair (sa: 'a -> seq<'a>) (sb: 'b -> seq<'b>) (a: 'a, b: 'b) =
    seq {
        for a2 in sa a -> a2, b
        for b2 in sb b -> a, b2
    }

/// (p, f): one time in three f lies within 1e-3 of the logit of p (where KL is near 0), else independent.
let private probabilityAndLogit =
    let g =
        Gen.oneof [ Gen.zip probabilityGen logitGen
                    gen {
                        let! p = uniform 1e-6 (1.0 - 1e-6)
                        let! dlt = uniform -1e-3 1e-3
                        return p, log (p / (1.0 - p)) + dlt
                    } ]
    Arb.fromGenShrink (g, shrinkPair shrinkProbability shrinkLogit)

// ---- claims -------------------------------------------------------------------------------------

/// Logits and labels of n in [1, 10] points (shrinks by dropping a point and rounding a logit).
let private logitsAndLabels =
    let g =
        gen {
            let! n = Gen.choose (1, 10)
            let! f = Gen.arrayOfLength n logitGen
            let! y = Gen.arrayOfLength n (Gen.elements [ -1.0; 1.0 ])
            return Array.zip f y
        }
    let shrink (a: (float * float)[]) =
        seq {
            if a.Length > 1 then
                for i in 0 .. a.Length - 1 -> Array.removeAt i a
            for i in 0 .. a.Length - 1 do
                let f, y = a.[i]
                for f2 in shrinkFloat f -> Array.updateAt i (f2, y) a
        }
    Arb.fromGenShrink (g, shrink)

/// A small training problem for the risk at W_0: unit data, width, seed, label kind.
let private riskProblem =
    Arb.zip (smallUnit 1 8 4, trainConfig 12 1)

let private l1 =
    { Id = "L1"
      Section = "§2 Losses"
      Source = "THEORY.md §2"
      Statement = "Hard label (logistic): l(y f) = ln(1 + exp(-y f)). Empirical risk R(W) = (1/n) sum_i l(y_i f(x_i; W))."
      Kind = Identity
      Property =
        "For random logits (up to 1e4 in magnitude) and labels, Trainer.RiskAndError equals the mean of softplus(-y_i f_i) "
        + "(series softplus written here) to relative 1e-14 and the 0-1 error (1 if f y < 0, 1/2 if f = 0) exactly; for random unit data and "
        + "students, the risk the trainer records at W_0 (hard and soft training) equals R(W_0) with f from a plain loop, to relative 1e-12."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Logits_and_risk_helpers_match_the_plain_loop_references"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.KL_with_a_hard_probability_is_the_logistic_loss"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Trajectory_and_averages_match_independent_recomputation" ]
      QuickTests = 100
      ThoroughTests = 3000
      Check =
        fun ctx ->
            let helper =
                forAll logitsAndLabels (fun pairs ->
                    let f = Array.map fst pairs
                    let y = Array.map snd pairs
                    let n = float pairs.Length
                    let struct (risk, error) = Trainer.RiskAndError(f, y)
                    let expectedRisk = (Array.map2 (fun fi yi -> softplusRef (-yi * fi)) f y |> Array.sum) / n
                    let expectedError = (Array.map2 (fun fi yi -> if fi = 0.0 then 0.5 elif fi * yi < 0.0 then 1.0 else 0.0) f y |> Array.sum) / n
                    (abs (risk - expectedRisk) <= 1e-14 * expectedRisk + 1e-300
                     |> Prop.label (sprintf "risk %.17g, reference %.17g" risk expectedRisk))
                    .&. (error = expectedError |> Prop.label (sprintf "0-1 error %g, reference %g" error expectedError)))
            let atInit =
                forAll riskProblem (fun (s, c) ->
                    forAllGen (Gen.zip (Gen.elements [ LabelKind.Hard; LabelKind.Soft ]) (Gen.arrayOfLength s.N (uniform 0.0 1.0))) (fun (kind, p) ->
                        let options = TrainingOptions(c.Width, 1, c.Eta, kind, false, Nullable(), c.Seed, 1)
                        let r = ctx.Impl.Train (toDataset s) (if kind = LabelKind.Soft then p else null) options
                        let net = TwoLayerNetwork.Initialise(c.Width, s.D, c.Seed)
                        // f(x_i; W_0) by a plain loop
                        let f = Array.init s.N (fun i -> logitAt net.W0 net.A (s.Row i))
                        let expected = (Array.map2 (fun fi yi -> softplusRef (-yi * fi)) f s.Y |> Array.sum) / float s.N
                        let got = r.Trajectory.[0].Risk
                        // f from a GEMM and from the loop differ by ~1e-16 |f|; l is 1-Lipschitz: relative 1e-12.
                        abs (got - expected) <= 1e-12 * expected
                        |> Prop.label (sprintf "%A training: recorded R(W_0) = %.17g, reference %.17g" kind got expected)))
            helper .&. atInit }

let private l2 =
    { Id = "L2"
      Section = "§2 Losses"
      Source = "THEORY.md §2"
      Statement = "Compute with a stable softplus; no overflow for |f| up to 1e4."
      Kind = Identity
      Property =
        "For random t with |t| <= 1e4 (uniform, powers of ten, and the edges where exp overflows or underflows), softplus(t) "
        + "is finite, max(t, 0) <= softplus(t) <= max(t, 0) + ln 2, softplus(t) - softplus(-t) = t to 4 eps max(1, |t|), and "
        + "softplus(t) equals the series reference max(t, 0) + ln(1 + e^-|t|) to relative 4 eps."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Losses_stay_finite_and_correct_for_logits_up_to_1e4"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Softplus_of_a_very_negative_argument_is_its_exponential"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Softplus_matches_a_series_reference_to_a_few_ulps" ]
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            forAll logit (fun t ->
                let s = ctx.Impl.Softplus t
                let sm = ctx.Impl.Softplus(-t)
                let lo = max t 0.0
                let expected = softplusRef t
                ((Double.IsFinite s && Double.IsFinite sm) |> Prop.label (sprintf "softplus(%g) = %g, softplus(%g) = %g" t s (-t) sm))
                .&. ((s >= lo && s <= lo + log 2.0 * (1.0 + eps)) |> Prop.label (sprintf "softplus(%g) = %.17g outside [%g, %g + ln 2]" t s lo lo))
                // both sides share ln(1 + e^-|t|): the difference is exact up to the rounding of max(t, 0) + that term.
                .&. (abs (s - sm - t) <= 4.0 * eps * max 1.0 (abs t) |> Prop.label (sprintf "softplus(t) - softplus(-t) = %.17g, t = %.17g" (s - sm) t))
                // the reference is accurate to ~2 ulps; the subnormal range (t < -708) gets an absolute 1e-300.
                .&. (abs (s - expected) <= 4.0 * eps * expected + 1e-300 |> Prop.label (sprintf "softplus(%g) = %.17g, reference %.17g" t s expected))) }

let private l3 =
    { Id = "L3"
      Section = "§2 Losses"
      Source = "THEORY.md §2"
      Statement = "Soft label with teacher probability p_i in (0,1): KL(p_i || sigma(f_i)) = BCE(p_i, sigma(f_i)) - H(p_i)."
      Kind = Identity
      Property =
        "For random p in [0, 1] and logits f up to 1e4 in magnitude (a third within 1e-3 of the logit of p), KL(p || sigma f) equals "
        + "p ln(p/s) + (1-p) ln((1-p)/(1-s)) written here with ln s = -softplus(-f), to 8 eps times the magnitude of the summed terms; "
        + "it is finite and >= 0, at most 1e-14 at the logit of p, and at least 2 (p - s)^2 (Pinsker), so positive when |s - p| > 1e-6."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.KL_is_nonnegative_and_vanishes_only_at_the_teacher_probability"
          "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Losses_stay_finite_and_correct_for_logits_up_to_1e4" ]
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            forAll probabilityAndLogit (fun (p, f) ->
                let kl = ctx.Impl.KL p f
                let expected = klRef p f
                let tol = 8.0 * eps * klScale p f + 1e-300
                let gap = abs (sigmoidRef f - p)
                let interior = p >= 1e-6 && p <= 1.0 - 1e-6
                let atLogit = if interior then ctx.Impl.KL p (log (p / (1.0 - p))) else 0.0
                ((Double.IsFinite kl && kl >= 0.0) |> Prop.label (sprintf "KL(%g || sigma(%g)) = %g is not a finite non-negative number" p f kl))
                .&. (abs (kl - expected) <= tol |> Prop.label (sprintf "KL(%g || sigma(%g)) = %.17g, reference %.17g (tolerance %g)" p f kl expected tol))
                // at f = logit p the terms are at most ln 2: the cancellation leaves a few eps; the logit's own rounding enters squared.
                .&. (atLogit <= 1e-14 |> Prop.label (sprintf "KL(%g || sigma(logit %g)) = %.17g, not 0" p p atLogit))
                .&. ((kl >= 2.0 * gap * gap - tol && (gap <= 1e-6 || kl > 0.0))
                     |> Prop.label (sprintf "Pinsker: KL(%g || sigma(%g)) = %.17g < 2 (p - s)^2 = %.17g" p f kl (2.0 * gap * gap)))) }

/// (p, f) with p in [0, 1] and |f| <= 20, shrinking towards p = 0 and f = 0.
let private probabilityAndModerateLogit =
    Arb.fromGenShrink (Gen.zip probabilityGen (uniform -20.0 20.0), shrinkPair shrinkProbability shrinkFloat)

let private l4 =
    { Id = "L4"
      Section = "§2 Losses"
      Source = "THEORY.md §2"
      Statement = "The derivative of KL(p || sigma(f)) in the logit f is sigma(f) - p."
      Kind = Identity
      Property =
        "For random p in [0, 1] and |f| <= 20, the derivative equals the central difference (h = 1e-5) of the KL reference written "
        + "here, to 1e-8 (truncation <= 2e-12, rounding <= 1e-9), and sigma(f) - p (sigmoid written here) to 2 eps."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.KL_derivative_in_the_logit_is_sigmoid_minus_p" ]
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            forAll probabilityAndModerateLogit (fun (p, f) ->
                let h = 1e-5
                // h^2/6 |KL'''| <= 2e-12 (|KL'''| = |s(1-s)(1-2s)| <= 0.1); rounding ~ 4 eps (1 + |f|) / (2h) <= 1e-9.
                let fd = (klRef p (f + h) - klRef p (f - h)) / (2.0 * h)
                let got = ctx.Impl.KLDerivative p f
                let closed = sigmoidRef f - p
                (abs (got - fd) <= 1e-8 |> Prop.label (sprintf "d KL / d f at p = %g, f = %g: %.17g, central difference %.17g" p f got fd))
                .&. (abs (got - closed) <= 2.0 * eps |> Prop.label (sprintf "d KL / d f at p = %g, f = %g: %.17g, sigma(f) - p = %.17g" p f got closed))) }

let private l5 =
    { Id = "L5"
      Section = "§2 Losses"
      Source = "THEORY.md §2"
      Statement = "With p in {0, 1}, KL(p || sigma(f)) equals the logistic loss ln(1 + exp(-y f)) of y = 2p - 1."
      Kind = Identity
      Property =
        "For p in {0, 1} and random logits up to 1e4 in magnitude, KL(p || sigma f) equals softplus(-(2p - 1) f) (series softplus "
        + "written here) to relative 4 eps."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.KL_with_a_hard_probability_is_the_logistic_loss" ]
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            let hard = Arb.zip (Arb.fromGenShrink (Gen.elements [ 0.0; 1.0 ], fun p -> if p = 1.0 then Seq.singleton 0.0 else Seq.empty), logit)
            forAll hard (fun (p, f) ->
                let y = 2.0 * p - 1.0
                let got = ctx.Impl.KL p f
                let expected = softplusRef (-y * f)
                abs (got - expected) <= 4.0 * eps * expected + 1e-300
                |> Prop.label (sprintf "KL(%g || sigma(%g)) = %.17g, logistic loss of y = %g: %.17g" p f got y expected)) }

/// A teacher logit (up to 1e300 in magnitude) and a temperature tau log-uniform in [1e-3, 1e3].
let private logitAndTemperature =
    let g =
        Gen.zip
            (Gen.frequency [ 2, uniform -50.0 50.0
                             1, Gen.zip (Gen.elements [ -1.0; 1.0 ]) (uniform -8.0 300.0) |> Gen.map (fun (s, k) -> s * 10.0 ** k) ])
            (logUniform 1e-3 1e3)
    Arb.fromGenShrink (g, shrinkPair shrinkFloat (shrinkFloat >> Seq.filter (fun t -> t > 0.0)))

let private l6 =
    { Id = "L6"
      Section = "§2 Losses"
      Source = "THEORY.md §2 [HVD15]"
      Statement = "Teacher soft labels: p_i = sigma(g(x_i) / tau), g the teacher's logit, temperature tau > 0 [HVD15]."
      Kind = Identity
      Property =
        "For random teacher logits g (up to 1e300 in magnitude) and tau log-uniform in [1e-3, 1e3], the soft label is a finite "
        + "probability equal to sigma(g / tau) (sigmoid written here) to relative 4 eps; tau = 0, tau < 0 and tau = NaN are refused."
      Tests =
        [ "tests/TheoryKit.Core.Tests/TrainingTests.cs: TrainingTests.Soft_label_is_the_tempered_sigmoid"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Soft_label_of_a_zero_logit_at_temperature_one_is_one_half"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Soft_label_matches_a_hand_value"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Soft_labels_of_huge_logits_are_finite_probabilities"
          "tests/TheoryKit.Core.Tests/TeacherTests.cs: TeacherTests.Soft_labels_reject_a_temperature_that_is_not_positive" ]
      QuickTests = 300
      ThoroughTests = 20000
      Check =
        fun ctx ->
            forAll logitAndTemperature (fun (g, tau) ->
                let got = ctx.Impl.SoftLabel g tau
                let expected = sigmoidRef (g / tau)
                let refuses bad =
                    try
                        ctx.Impl.SoftLabel g bad |> ignore
                        false
                    with :? ArgumentException -> true
                ((Double.IsFinite got && got >= 0.0 && got <= 1.0) |> Prop.label (sprintf "soft label of g = %g at tau = %g is %g" g tau got))
                // e^t below 1e-308 is subnormal: an absolute 1e-300 there.
                .&. (abs (got - expected) <= 4.0 * eps * expected + 1e-300
                     |> Prop.label (sprintf "soft label of g = %g at tau = %g: %.17g, sigma(g / tau) = %.17g" g tau got expected))
                .&. ((refuses 0.0 && refuses (-tau) && refuses nan) |> Prop.label (sprintf "a temperature <= 0 or NaN was accepted (g = %g)" g))) }

/// The claims of this file, in the order of THEORY.md.
let claims: Claim list = [ l1; l2; l3; l4; l5; l6 ]
