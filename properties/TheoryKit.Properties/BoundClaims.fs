/// Claims about the neuron bounds and their crossover (THEORY.md §7-§8), one claim per property.
/// All [MLS25]/[MOSW22] values are rates with constant c (default 1 unless a property draws them).
module TheoryKit.Properties.BoundClaims

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TheoryKit.Properties.Config
open TheoryKit.Bounds

// ---- generators ---------------------------------------------------------------------------------


/// A point strictly inside (lo, hi), uniform.
let private inside lo hi =
    unit01 |> Gen.map (fun u -> lo + (hi - lo) * (1e-9 + (1.0 - 2e-9) * u))

/// A point in [lo, hi), log-uniform (lo > 0).
let private logUniform lo hi =
    unit01 |> Gen.map (fun u -> exp (log lo + (log hi - log lo) * u))

/// gamma in (0, 0.5]: half log-uniform on [1e-6, 0.5], half uniform on (0, 0.5].
let private gamma =
    Gen.oneof [ unit01 |> Gen.map (fun u -> 0.5 * exp (-u * log 5e5))
                unit01 |> Gen.map (fun u -> 0.5 * (1.0 - u)) ]

/// epsilon in (0, 1): half log-uniform on [1e-8, 1), half uniform.
let private epsilon =
    Gen.oneof [ logUniform 1e-8 (1.0 - 1e-9); inside 0.0 1.0 ]

/// delta in (0, 1/3).
let private delta = Gen.oneof [ logUniform 1e-8 (1.0 / 3.0 - 1e-9); inside 0.0 (1.0 / 3.0) ]

/// n >= 1.
let private n = Gen.choose (1, 10_000_000)

/// A relative step s in [1e-6, 1), log-uniform: pairs x < x (1 + s) stay distinguishable in doubles.
let private step = logUniform 1e-6 1.0

/// An unpublished constant in [0.1, 10), log-uniform.
let private constant = logUniform 0.1 10.0

let private parms g e = BoundParameters(g, e, 1000, 0.1)

let private mSoft (p: BoundParameters) = NeuronBounds.Mls25Soft.Evaluate p
let private mHard (p: BoundParameters) = NeuronBounds.Mls25Hard.Evaluate p
let private jt20 (p: BoundParameters) = NeuronBounds.Jt20Width.Evaluate p


// ---- monotonicity (THEORY.md §7) ------------------------------------------------------------------

[<Property(Replay = Config.Replay)>]
let ``m_soft is decreasing in gamma`` () =
    forAll (Gen.zip3 gamma step epsilon) (fun (g2, s, e) ->
        let g1 = g2 / (1.0 + s)
        mSoft (parms g1 e) > mSoft (parms g2 e))

[<Property(Replay = Config.Replay)>]
let ``m_soft is decreasing in epsilon`` () =
    forAll (Gen.zip3 gamma step epsilon) (fun (g, s, e2) ->
        let e1 = e2 / (1.0 + s)
        mSoft (parms g e1) > mSoft (parms g e2))

[<Property(Replay = Config.Replay)>]
let ``m_hard is decreasing in gamma`` () =
    forAll (Gen.zip3 gamma step epsilon) (fun (g2, s, e) ->
        let g1 = g2 / (1.0 + s)
        mHard (parms g1 e) > mHard (parms g2 e))

[<Property(Replay = Config.Replay)>]
let ``JT20 M is decreasing in gamma`` () =
    forAll (Gen.zip3 (Gen.zip gamma step) (Gen.zip epsilon n) delta) (fun ((g2, s), (e, k), d) ->
        let g1 = g2 / (1.0 + s)
        jt20 (BoundParameters(g1, e, k, d)) > jt20 (BoundParameters(g2, e, k, d)))

[<Property(Replay = Config.Replay)>]
let ``JT20 M is increasing in n`` () =
    forAll (Gen.zip3 (Gen.zip gamma epsilon) (Gen.zip n (Gen.choose (1, 10_000_000))) delta)
        (fun ((g, e), (n1, extra), d) ->
            let n2 = n1 + extra
            jt20 (BoundParameters(g, e, n1, d)) < jt20 (BoundParameters(g, e, n2, d)))

[<Property(Replay = Config.Replay)>]
let ``JT20 M is decreasing in delta`` () =
    forAll (Gen.zip3 (Gen.zip gamma epsilon) (Gen.zip n step) delta) (fun ((g, e), (k, s), d2) ->
        let d1 = d2 / (1.0 + s)
        jt20 (BoundParameters(g, e, k, d1)) > jt20 (BoundParameters(g, e, k, d2)))

// ---- crossover (THEORY.md §8) ---------------------------------------------------------------------

/// eps and constants with the closed-form gamma* strictly inside (0, 0.5 / (1 + 1e-6)).
let private crossing =
    Gen.zip3 epsilon constant constant
    |> Gen.filter (fun (e, cs, ch) -> sqrt ((ch / cs) * e * log (1.0 / e)) < 0.5 / (1.0 + 1e-6))

let private gammaStar e cs ch =
    let r = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard,
                            BoundParameters(0.5, e, 1000, 0.1, CSoft = cs, CHard = ch))
    r.GammaStar.Value

let private withC g e cs ch = BoundParameters(g, e, 1000, 0.1, CSoft = cs, CHard = ch)

[<Property(Replay = Config.Replay)>]
let ``at the closed-form gamma* m_soft equals m_hard to relative 1e-9`` () =
    forAll crossing (fun (e, cs, ch) ->
        let p = withC (gammaStar e cs ch) e cs ch
        let a, b = mSoft p, mHard p
        abs (a - b) <= 1e-9 * max a b)

[<Property(Replay = Config.Replay)>]
let ``below gamma* m_soft < m_hard`` () =
    forAll (Gen.zip crossing unit01) (fun ((e, cs, ch), u) ->
        let g = gammaStar e cs ch * (1e-3 + (1.0 - 1e-6 - 1e-3) * u) // gamma in [1e-3, 1 - 1e-6) * gamma*
        let p = withC g e cs ch
        mSoft p < mHard p)

[<Property(Replay = Config.Replay)>]
let ``above gamma* m_soft > m_hard`` () =
    forAll (Gen.zip crossing unit01) (fun ((e, cs, ch), u) ->
        let lo = gammaStar e cs ch * (1.0 + 1e-6)
        let g = lo + (0.5 - lo) * (1.0 - u) // gamma in (lo, 0.5]
        let p = withC g e cs ch
        mSoft p > mHard p)

[<Property(Replay = Config.Replay, MaxTest = 40)>]
let ``Brent on the MLS25 pair agrees with the closed form to 1e-9`` () =
    forAll crossing (fun (e, cs, ch) ->
        let p = withC 0.5 e cs ch
        let numeric = Crossover.SolveNumerically(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, p)
        numeric.GammaStar.HasValue && abs (numeric.GammaStar.Value - gammaStar e cs ch) <= 1e-9)

// ---- the paper's sufficient condition gamma <= eps ([MLS25], THEORY.md §8), c_soft = c_hard = 1 ----
//
// m_soft <= m_hard  <=>  gamma^2 <= eps ln(1/eps). With gamma <= eps, gamma^2 <= eps^2, and
// eps^2 <= eps ln(1/eps)  <=>  eps <= ln(1/eps)  <=>  eps <= Omega = W(1) = 0.5671432904097838
// (the omega constant, Omega e^Omega = 1). So gamma <= eps suffices for every eps in (0, Omega].
// Because every margin is at most 1/2, on admissible margins it suffices further, up to the eps_1 in
// (1/e, 1) where eps ln(1/eps) = 1/4, i.e. gamma* = 1/2: eps_1 = 0.6994905768857719. Beyond eps_1 it
// fails at gamma = 1/2 <= eps. (Both constants were computed by bisection outside this code; the Fact
// below checks their defining equations.)

let private omega = 0.5671432904097838
let private eps1 = 0.6994905768857719

[<Fact>]
let ``the domain constants satisfy their defining equations`` () =
    Assert.Equal(omega, log (1.0 / omega), 12)
    Assert.Equal(0.25, eps1 * log (1.0 / eps1), 12)
    Assert.True(eps1 > 1.0 / Math.E)

/// gamma in (0, min(eps, 0.5)].
let private gammaAtMost e = unit01 |> Gen.map (fun u -> min e 0.5 * (1.0 - u))

[<Property(Replay = Config.Replay)>]
let ``gamma <= eps implies m_soft <= m_hard for every eps in (0, Omega]`` () =
    let g = gen {
        let! e = Gen.oneof [ logUniform 1e-8 omega; unit01 |> Gen.map (fun u -> omega * (1.0 - u)) ]
        let! gm = gammaAtMost e
        return e, gm }
    forAll g (fun (e, gm) ->
        let p = parms gm e
        mSoft p <= mHard p * (1.0 + 1e-12)) // equality at gamma = eps = Omega; allow rounding

[<Property(Replay = Config.Replay)>]
let ``on possible margins gamma <= min(eps, 1/2) implies m_soft <= m_hard up to eps_1 = 0.69949`` () =
    let g = gen {
        let! e = unit01 |> Gen.map (fun u -> omega + (eps1 - omega) * (1.0 - u)) // (Omega, eps_1]
        let! gm = gammaAtMost e
        return e, gm }
    forAll g (fun (e, gm) ->
        let p = parms gm e
        mSoft p <= mHard p * (1.0 + 1e-12)) // equality at gamma = 1/2, eps = eps_1; allow rounding

[<Property(Replay = Config.Replay)>]
let ``beyond eps_1 the condition gamma <= eps fails at gamma = 1/2`` () =
    forAll (inside (eps1 + 1e-6) 1.0) (fun e ->
        let p = parms 0.5 e
        mSoft p > mHard p)
