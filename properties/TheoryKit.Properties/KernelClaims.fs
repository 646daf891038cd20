/// Claims about the limiting kernel K of THEORY.md §5. Expected values are computed here with plain loops
/// (dot products, norms), never with the kernel code's own helpers.
module TheoryKit.Properties.KernelClaims

open FsCheck
open FsCheck.FSharp
open TheoryKit.Properties.Claim
open TheoryKit.Properties.Generators

let private dot (a: float[]) (b: float[]) = Array.fold2 (fun s p q -> s + p * q) 0.0 a b

/// A non-zero vector of dimension 1..8 (shrinks by dropping coordinates and rounding them).
let private vector =
    small 1 1 8 |> Arb.mapFilter id (fun s -> s.X |> Array.exists (fun v -> v <> 0.0))

let private k3 =
    { Id = "K3"
      Section = "§5 Limiting kernel"
      Source = "THEORY.md §5 [JT20]"
      Statement = "K(x, x) = ||x||^2 / 2."
      Kind = Identity
      Property = "For random non-zero x in R^d (d <= 8), K(x, x) equals ||x||^2 / 2 (plain loop) to relative 1e-14."
      Tests = [ "tests/TheoryKit.Core.Tests/KernelTests.cs: KernelTests.K_on_the_diagonal_is_half_the_squared_norm" ]
      QuickTests = 300
      ThoroughTests = 10000
      Check =
        fun ctx ->
            forAll vector (fun s ->
                let x = s.X
                let expected = dot x x / 2.0
                let got = ctx.Impl.Limiting x x
                abs (got - expected) <= 1e-14 * expected |> Prop.label (sprintf "K(x, x) = %.17g, ||x||^2 / 2 = %.17g" got expected)) }

/// The claims of this file, in the order of THEORY.md.
let claims: Claim list = [ k3 ]
