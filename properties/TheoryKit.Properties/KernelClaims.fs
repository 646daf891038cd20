/// Claims about the limiting kernel K of THEORY.md §5, one claim per property. Expected values are
/// computed here with plain loops (dot products, norms), never with the kernel code's own helpers.
module TheoryKit.Properties.KernelClaims

open System
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TheoryKit.Properties.Config
open MathNet.Numerics.LinearAlgebra
open TheoryKit.Kernels

// ---- generators ---------------------------------------------------------------------------------


/// A coordinate: uniform on [-2, 2), exactly 0 with probability 1/8 (axis-aligned and orthogonal cases).
let private coord =
    Gen.frequency [ 1, Gen.constant 0.0
                    7, unit01 |> Gen.map (fun u -> 4.0 * u - 2.0) ]

let private dot (a: float[]) (b: float[]) = Array.fold2 (fun s p q -> s + p * q) 0.0 a b
let private norm (a: float[]) = sqrt (dot a a)

/// A non-zero vector of length d.
let private vector d = Gen.arrayOfLength d coord |> Gen.filter (fun v -> norm v > 1e-3)

/// A pair of non-zero vectors of a common dimension 1..6; one time in four x' is a multiple of x
/// (theta = 0 or pi), where the angle is hardest to get right.
let private pair =
    gen {
        let! d = Gen.choose (1, 6)
        let! x = vector d
        let! kind = Gen.choose (0, 3)
        if kind = 0 then
            let! s = Gen.elements [ -3.0; -0.5; 0.25; 2.0 ]
            return x, Array.map (fun v -> s * v) x
        else
            let! x2 = vector d
            return x, x2
    }


// ---- claims -------------------------------------------------------------------------------------

[<Property(Replay = Config.Replay, MaxTest = 300)>]
let ``K is symmetric`` () =
    forAll pair (fun (x, x2) -> NtkKernel.Limiting(ReadOnlySpan x, ReadOnlySpan x2) = NtkKernel.Limiting(ReadOnlySpan x2, ReadOnlySpan x))

[<Property(Replay = Config.Replay, MaxTest = 300)>]
let ``K(x, x) = ||x||^2 / 2`` () =
    forAll (Gen.choose (1, 8) |> Gen.bind vector) (fun x ->
        let expected = dot x x / 2.0
        abs (NtkKernel.Limiting(ReadOnlySpan x, ReadOnlySpan x) - expected) <= 1e-14 * expected)

[<Property(Replay = Config.Replay, MaxTest = 300)>]
let ``K(x, x') = <x, x'> times the co-activation (pi - theta) / (2 pi)`` () =
    forAll pair (fun (x, x2) ->
        let k = NtkKernel.Limiting(ReadOnlySpan x, ReadOnlySpan x2)
        let co = NtkKernel.CoActivation(ReadOnlySpan x, ReadOnlySpan x2)
        // the dot products may differ in the last bits (vectorised vs plain loop): 1e-14 of ||x|| ||x'||.
        abs (k - dot x x2 * co) <= 1e-14 * norm x * norm x2)

[<Property(Replay = Config.Replay, MaxTest = 300)>]
let ``the co-activation agrees with acos of the cosine away from 0 and pi`` () =
    forAll pair (fun (x, x2) ->
        let c = dot x x2 / (norm x * norm x2)
        // acos loses accuracy near |c| = 1 (derivative 1/sqrt(1-c^2)); compare only where it is well conditioned.
        abs c > 0.99 ||
            abs (NtkKernel.CoActivation(ReadOnlySpan x, ReadOnlySpan x2) - (Math.PI - acos c) / (2.0 * Math.PI)) <= 1e-13)

[<Property(Replay = Config.Replay, MaxTest = 300)>]
let ``|K(x, x')| <= ||x|| ||x'|| / 2`` () =
    forAll pair (fun (x, x2) ->
        abs (NtkKernel.Limiting(ReadOnlySpan x, ReadOnlySpan x2)) <= norm x * norm x2 / 2.0 * (1.0 + 1e-14))

[<Property(Replay = Config.Replay, MaxTest = 100)>]
let ``the limiting Gram matrix is positive semidefinite`` () =
    let points =
        gen {
            let! d = Gen.choose (1, 5)
            let! n = Gen.choose (1, 8)
            let! rows = Gen.arrayOfLength n (vector d)
            // duplicate a row some of the time: a singular Gram matrix is the boundary case
            let! dup = Gen.choose (0, 2)
            let rows = if dup = 0 && n > 1 then Array.append rows [| rows.[0] |] else rows
            return d, rows
        }
    forAll points (fun (d, rows) ->
        let n = rows.Length
        let h = NtkKernel.LimitingGram(Array.concat rows, n, d)
        let m = Matrix<float>.Build.Dense(n, n, fun i j -> h.[i * n + j])
        let eig = m.Evd(Symmetricity.Symmetric).EigenValues
        eig |> Seq.forall (fun e -> e.Real >= -1e-10))
