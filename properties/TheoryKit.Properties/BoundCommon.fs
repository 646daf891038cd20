/// What the claims of THEORY.md §7 (BoundClaims) and §8 (CrossoverClaims) share: generators of the bound
/// parameters over their domains, labelled comparisons, and the reference formulas of §7 written out here
/// (lambda, M, the [MLS25] rates, the closed-form gamma*), independent of TheoryKit.Bounds.
module TheoryKit.Properties.BoundCommon

open System
open FsCheck
open FsCheck.FSharp
open TheoryKit.Bounds
open TheoryKit.Properties.Claim
open TheoryKit.Properties.Generators

// ---- numbers ------------------------------------------------------------------------------------

/// Uniform strictly inside (lo, hi).
let inside lo hi = unit01 |> Gen.map (fun u -> lo + (hi - lo) * (1e-9 + (1.0 - 2e-9) * u))

/// gamma in (0, 1/2]: half log-uniform on (1e-6, 1/2], half uniform on (0, 1/2].
let gammaGen =
    Gen.oneof [ unit01 |> Gen.map (fun u -> 0.5 * exp (-u * log 5e5)); unit01 |> Gen.map (fun u -> 0.5 * (1.0 - u)) ]

/// epsilon in (0, 1): half log-uniform on [1e-8, 1), half uniform.
let epsilonGen = Gen.oneof [ logUniform 1e-8 (1.0 - 1e-9); inside 0.0 1.0 ]

/// delta in (0, 1/3): half log-uniform on [1e-8, 1/3), half uniform.
let deltaGen = Gen.oneof [ logUniform 1e-8 (1.0 / 3.0 - 1e-9); inside 0.0 (1.0 / 3.0) ]

/// eta in (0, 1]: 1 or uniform.
let etaGen = Gen.oneof [ Gen.constant 1.0; unit01 |> Gen.map (fun u -> 1.0 - u) ]

/// An unpublished constant c in [0.1, 10), log-uniform.
let constantGen = logUniform 0.1 10.0

/// A relative step s in [1e-6, 1), log-uniform: x and x (1 + s) stay distinguishable in doubles.
let stepGen = logUniform 1e-6 1.0

/// |got - expected| <= tol |expected|.
let close tol (got: float) (expected: float) = abs (got - expected) <= tol * abs expected

/// A labelled comparison of got against expected to relative tol.
let agrees what tol (got: float) (expected: float) =
    close tol got expected |> Prop.label (sprintf "%s: got %.17g, expected %.17g (relative tolerance %g)" what got expected tol)

/// A labelled condition.
let holds what (ok: bool) = ok |> Prop.label what

// ---- bound parameters ---------------------------------------------------------------------------

/// A random parameter set of the bound formulas, with a relative step and an increment of n for the
/// monotonicity checks.
type Params =
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
let bound (p: Params) =
    BoundParameters(p.Gamma, p.Epsilon, p.N, p.Delta, Eta = p.Eta, CSoft = p.CSoft, CHard = p.CHard, CMosw = p.CMosw, Width = Nullable p.Width)

/// Parameters over their whole domains; shrinks each number towards rounder values inside its domain.
let parameters =
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
let lowerGamma (p: Params) = { p with Gamma = p.Gamma / (1.0 + p.Step) }
let lowerEps (p: Params) = { p with Epsilon = p.Epsilon / (1.0 + p.Step) }

/// f decreases strictly in the parameter x that `lower` divides by 1 + s: f(lower p) > v = f(p).
let decreasing fName xName (lower: Params -> Params) (f: Params -> float) (p: Params) v =
    let w = f (lower p)
    holds (sprintf "decreasing in %s: %s(%s / (1 + s)) = %.17g, %s(%s) = %.17g" xName fName xName w fName xName v) (w > v)

/// f(gamma / 2) = factor f(gamma), with v = f(p), to relative 1e-12.
let gammaHalved fName factor (f: Params -> float) (p: Params) v =
    agrees (sprintf "%s(gamma / 2) against %g %s(gamma)" fName factor fName) 1e-12 (f { p with Gamma = p.Gamma / 2.0 }) (factor * v)

/// A bound labelled as a rate with a constant.
let rateLabel (b: NeuronBound) = holds (sprintf "label: %s" b.Label) (b.IsRate && b.Label = "rate, constant c")

// ---- reference formulas (THEORY.md §7), written out here ----------------------------------------

/// [JT20] lambda = (sqrt(2 ln(4n/delta)) + ln(4/eps)) / (gamma/4).
let lambdaOf gamma eps (n: int) delta = (sqrt (2.0 * log (4.0 * float n / delta)) + log (4.0 / eps)) / (gamma / 4.0)

/// [JT20] M = 4096 lambda^2 / gamma^6.
let widthOf gamma eps n delta =
    let l = lambdaOf gamma eps n delta
    4096.0 * l * l / gamma ** 6.0

/// [MLS25] m_soft = c_soft / (gamma^2 eps).
let softOf (cs: float) (gamma: float) (eps: float) = cs / (gamma * gamma * eps)

/// [MLS25] m_hard = c_hard ln(1/eps) / gamma^4.
let hardOf ch gamma eps = ch * log (1.0 / eps) / gamma ** 4.0

/// Closed-form crossover gamma* = sqrt((c_hard / c_soft) eps ln(1/eps)).
let gammaStarOf cs ch eps = sqrt (ch / cs * eps * log (1.0 / eps))
