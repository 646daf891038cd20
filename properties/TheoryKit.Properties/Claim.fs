/// What a claim is (THEORY.md statement, source, kind, checking property) and the helpers that properties
/// share: statistical tests for probabilistic claims and the "inconclusive" mark.
module TheoryKit.Properties.Claim

open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions

/// The kind of a claim, as in theory/claims.md.
type Kind =
    /// A formula or exact equality (including known values of a closed form).
    | Identity
    /// An inequality that holds always.
    | Inequality
    /// Holds with the stated probability over random draws; `Delta` is the failure probability as stated.
    | Probabilistic of Delta: string
    /// An empirical trend measured by training runs.
    | Trend

/// Kind as printed in tables.
let kindText =
    function
    | Identity -> "identity"
    | Inequality -> "deterministic inequality"
    | Probabilistic d -> sprintf "probabilistic (%s)" d
    | Trend -> "empirical trend"

/// What a property sees: the implementations under check and the profile.
type Context =
    { Impl: Impl.Impl
      /// The thorough profile (`theorykit check --thorough`): more trials and larger statistical tests.
      Thorough: bool
      /// Cases that could not decide the claim, counted per reason by `undecidedBecause`.
      Undecided: System.Collections.Concurrent.ConcurrentDictionary<string, int> }

/// One claim of THEORY.md with the property that checks it.
type Claim =
    { /// Stable id (N, L, T, R, K, M, B, X, E followed by a number).
      Id: string
      /// THEORY.md section, e.g. "§5 Limiting kernel".
      Section: string
      /// Paper and theorem or equation, and the THEORY.md section.
      Source: string
      /// The exact statement.
      Statement: string
      Kind: Kind
      /// One-line description of the property (what is generated, what is asserted, against what).
      Property: string
      /// Unit tests in tests/TheoryKit.Core.Tests that also check the claim.
      Tests: string list
      /// FsCheck cases in the quick profile (CI) and in the thorough profile.
      QuickTests: int
      ThoroughTests: int
      /// The property.
      Check: Context -> Property }

/// `prop`, except that when `undecided` holds the case passes and is counted in ctx.Undecided under
/// `reason` (e.g. "m < M, outside the theorem's hypothesis"): the run then reports the claim
/// inconclusive, with the number of such cases per reason.
let undecidedBecause (ctx: Context) (reason: string) (undecided: bool) (prop: Lazy<bool>) : Property =
    if undecided then
        ctx.Undecided.AddOrUpdate(reason, 1, fun _ k -> k + 1) |> ignore
        Prop.ofTestable true
    else Prop.ofTestable prop.Value


/// Smallest c with P(X > c) <= alpha for X ~ Binomial(trials, p): a count of violations above c rejects
/// "each draw violates with probability at most p" at level alpha.
let binomialCritical (trials: int) (p: float) (alpha: float) =
    if p >= 1.0 then trials
    else
        let b = Binomial(p, trials)
        let mutable c = 0
        while c < trials && 1.0 - b.CumulativeDistribution(float c) > alpha do
            c <- c + 1
        c

/// Statistical test of a probabilistic claim: `violations` out of `trials` independent draws, each
/// violating with probability at most `p` under the claim. Passes when violations <= binomialCritical;
/// the label says what was counted.
let binomialTest (what: string) (violations: int) (trials: int) (p: float) (alpha: float) : Property =
    let c = binomialCritical trials p alpha
    (violations <= c)
    |> Prop.label (sprintf "%s: %d violations in %d draws; at most %d allowed (Binomial(%d, %g) at level %g)" what violations trials c trials p alpha)

/// A property over the values of a generator (with its shrinker, if the Arbitrary has one).
let forAll (arb: Arbitrary<'a>) (f: 'a -> 'p) : Property = Prop.forAll arb f

/// A property over a generator without shrinking.
let forAllGen (g: Gen<'a>) (f: 'a -> 'p) : Property = Prop.forAll (Arb.fromGen g) f
