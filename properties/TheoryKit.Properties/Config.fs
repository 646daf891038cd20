/// Shared FsCheck settings: every property runs from a fixed replay seed in CI so runs are repeatable;
/// a failure prints the shrunk counterexample and this seed.
module TheoryKit.Properties.Config

/// Replay seed "(seed,gamma)" used by every [<Property>] in the quick profile.
[<Literal>]
let Replay = "(20261129,1)"

open FsCheck
open FsCheck.FSharp

/// Uniform on [0, 1) with 53 random bits (shrinks towards 0).
let unit01 =
    Gen.choose64 (0L, (1L <<< 53) - 1L) |> Gen.map (fun k -> float k / 9007199254740992.0)

/// A property over the values of a generator.
let forAll g f = Prop.forAll (Arb.fromGen g) f
