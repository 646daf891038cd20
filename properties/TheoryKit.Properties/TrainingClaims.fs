/// Claims about the losses and the student of THEORY.md §1-§3, one claim per property. Expected values are
/// computed here (sigmoid by its formula, f by the plain-loop reference forward pass), never with the
/// helpers under test. Each property runs 30 cases from the fixed replay seed and stays fast.
module TheoryKit.Properties.TrainingClaims

open System
open System.Collections.Generic
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TheoryKit.Properties.Config
open TheoryKit.Data
open TheoryKit.Networks
open TheoryKit.Training

// ---- generators ---------------------------------------------------------------------------------


/// A point in [lo, hi), uniform.
let private uniform lo hi = unit01 |> Gen.map (fun u -> lo + (hi - lo) * u)

/// A logit: uniform on [-30, 30) three times in four, otherwise +-10^k with k uniform in [-8, 4]
/// (tiny logits and logits up to 1e4 in magnitude).
let private logit =
    Gen.frequency [ 3, uniform -30.0 30.0
                    1, Gen.zip (Gen.elements [ -1.0; 1.0 ]) (uniform -8.0 4.0) |> Gen.map (fun (s, k) -> s * 10.0 ** k) ]

/// A teacher probability in [0, 1]: exactly 0 or 1 one time in eight, else uniform.
let private probability =
    Gen.frequency [ 1, Gen.elements [ 0.0; 1.0 ]; 7, uniform 0.0 1.0 ]

/// A probability in [1e-6, 1 - 1e-6] (its logit is finite and moderate).
let private interior = uniform 1e-6 (1.0 - 1e-6)

/// sigmoid(f) = 1 / (1 + e^-f), written to avoid overflow.
let private sigmoid f = if f >= 0.0 then 1.0 / (1.0 + exp (-f)) else exp f / (1.0 + exp f)

/// (p, f): one time in three f lies within 1e-3 of the logit of p (where KL is near 0), else independent.
let private probabilityAndLogit =
    Gen.oneof [ Gen.zip probability logit
                gen {
                    let! p = interior
                    let! dlt = uniform -1e-3 1e-3
                    return p, log (p / (1.0 - p)) + dlt
                } ]


/// Machine epsilon of float64 (2^-52).
let private eps = 2.220446049250313e-16

// ---- KL (THEORY.md §2) ---------------------------------------------------------------------------

[<Property(Replay = Config.Replay, MaxTest = 30)>]
let ``KL(p || sigmoid f) is finite and nonnegative`` () =
    forAll probabilityAndLogit (fun (p, f) ->
        let kl = Losses.KL(p, f)
        Double.IsFinite kl && kl >= 0.0)

/// Pinsker: KL(p || s) >= 2 (p - s)^2, so KL > 0 whenever sigmoid(f) != p by more than the rounding
/// (an error of a few eps times the terms p softplus(-f) + (1 - p) softplus(f) <= 1 + |f|).
[<Property(Replay = Config.Replay, MaxTest = 30)>]
let ``KL(p || sigmoid f) is positive when sigmoid f differs from p (Pinsker)`` () =
    forAll probabilityAndLogit (fun (p, f) ->
        let gap = abs (sigmoid f - p)
        let kl = Losses.KL(p, f)
        kl >= 2.0 * gap * gap - 8.0 * eps * (1.0 + abs f) && (gap < 1e-6 || kl > 0.0))

[<Property(Replay = Config.Replay, MaxTest = 30)>]
let ``KL(p || sigmoid f) is 0 at the logit of p`` () =
    forAll interior (fun p -> Losses.KL(p, log (p / (1.0 - p))) <= 1e-14)

/// Central differences with h = 1e-5 on |f| <= 20: truncation h^2/6 |KL'''| <= 2e-12 and rounding
/// ~ 4 eps (1 + |f|) / (2h) <= 1e-9, so 1e-8 holds with room.
[<Property(Replay = Config.Replay, MaxTest = 30)>]
let ``d KL / d f = sigmoid f - p, by central differences`` () =
    forAll (Gen.zip probability (uniform -20.0 20.0)) (fun (p, f) ->
        let h = 1e-5
        let fd = (Losses.KL(p, f + h) - Losses.KL(p, f - h)) / (2.0 * h)
        abs (fd - (sigmoid f - p)) <= 1e-8 && abs (Losses.KLDerivative(p, f) - (sigmoid f - p)) <= 2.0 * eps)

[<Property(Replay = Config.Replay, MaxTest = 30)>]
let ``KL with p in {0, 1} is the logistic loss of y = 2p - 1`` () =
    forAll (Gen.zip (Gen.elements [ 0.0; 1.0 ]) logit) (fun (p, f) -> Losses.KL(p, f) = Losses.Logistic(2.0 * p - 1.0, f))

// ---- softplus --------------------------------------------------------------------------------------

/// softplus(t) - softplus(-t) = ln((1 + e^t) / (1 + e^-t)) = t; both sides share ln(1 + e^-|t|), so the
/// difference is exact up to the rounding of max(t, 0) + that term.
[<Property(Replay = Config.Replay, MaxTest = 30)>]
let ``softplus(t) - softplus(-t) = t`` () =
    forAll logit (fun t -> abs (Losses.Softplus t - Losses.Softplus(-t) - t) <= 4.0 * eps * max 1.0 (abs t))

[<Property(Replay = Config.Replay, MaxTest = 30)>]
let ``softplus(t) is at least max(t, 0) and at most max(t, 0) + ln 2`` () =
    forAll logit (fun t ->
        let s = Losses.Softplus t
        s >= max t 0.0 && s <= max t 0.0 + log 2.0 * (1.0 + eps))

// ---- symmetric initialisation (THEORY.md §1) ----------------------------------------------------------

/// A small random problem: n in 1..8 points in d in 1..5 with coordinates in [-1, 1), labels +-1, even
/// width m in 2..20, an initialisation seed.
let private problem =
    gen {
        let! n = Gen.choose (1, 8)
        let! d = Gen.choose (1, 5)
        let! half = Gen.choose (1, 10)
        let! seed = Gen.choose64 (0L, Int64.MaxValue)
        let! x = Gen.arrayOfLength (n * d) (uniform -1.0 1.0)
        let! y = Gen.arrayOfLength n (Gen.elements [ -1.0; 1.0 ])
        return n, d, 2 * half, uint64 seed, x, y
    }

let private dataset (x: float[]) (y: float[]) n d =
    Dataset(x, y, n, d, null, "+1", "-1", List<LabelMap>(), Provenance("t", "t", true, Nullable(), List<string>()))

[<Property(Replay = Config.Replay, MaxTest = 30)>]
let ``symmetric initialisation pairs (w, a) with (w, -a) and gives f(x; W0) = 0 exactly`` () =
    forAll problem (fun (n, d, m, seed, x, _) ->
        let net = TwoLayerNetwork.Initialise(m, d, seed, true)
        let paired =
            [ 0 .. m / 2 - 1 ]
            |> List.forall (fun k ->
                net.A.[2 * k + 1] = -net.A.[2 * k]
                && abs net.A.[2 * k] = 1.0
                && [ 0 .. d - 1 ] |> List.forall (fun j -> net.W0.[2 * k * d + j] = net.W0.[(2 * k + 1) * d + j]))
        paired
        && net.ForwardReference(net.W0, x, n) |> Array.forall (fun f -> f = 0.0)
        && Trainer.Logits(net.W0, net.A, x, n, d) |> Array.forall (fun f -> f = 0.0))

/// The engine sees the same f = 0: every point counts as an error (f y <= 0) and the first loss is ln 2
/// (the mean of n copies of ln 2, up to n eps of rounding).
[<Property(Replay = Config.Replay, MaxTest = 30)>]
let ``training from a symmetric initialisation starts at loss ln 2 with every point misclassified`` () =
    forAll problem (fun (n, d, m, seed, x, y) ->
        let options = TrainingOptions(m, 1, 0.5, LabelKind.Hard, true, Nullable(), seed, 1)
        let r = Trainer.Train(dataset x y n d, null, options)
        let t0 = r.Trajectory.[0]
        abs (t0.Loss - log 2.0) <= float n * eps && t0.Error = 1.0 && t0.MaxRowMovement = 0.0)
