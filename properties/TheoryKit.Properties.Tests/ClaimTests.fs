/// Every claim of theory/claims.md, checked in the quick profile from the fixed replay seed: one xUnit
/// case per claim, so `dotnet test` shows which claim failed together with its shrunk counterexample and
/// the replay seed that reproduces it (`theorykit check --claims ID --replay SEED`).
module TheoryKit.Properties.Tests.ClaimTests

open Xunit
open TheoryKit.Properties
open TheoryKit.Properties.Runner

/// Claim ids, one xUnit case each.
let ids: obj[] seq = Registry.all |> Seq.map (fun c -> [| box c.Id |])

let private describe (o: Outcome) =
    sprintf "%s %s after %d cases: %s%s%s" o.Claim.Id (statusText o.Status) o.Tests o.Message
        (match o.Counterexample with Some c -> "\ncounterexample: " + c | None -> "")
        (match o.Replay with Some r -> sprintf "\nreplay: theorykit check --claims %s --replay \"%O\"" o.Claim.Id r | None -> "")

[<Theory>]
[<MemberData(nameof ids)>]
let ``claim holds in the quick profile`` (id: string) =
    let claim = Registry.all |> List.find (fun c -> c.Id = id)
    let o = run quick claim
    match id with
    | "B3"
    | "B8" ->
        // [JT20] Theorem 2.2 can only be run at m far below its M: every case is outside the hypothesis,
        // hence inconclusive, and the bound must still have held in each of them.
        Assert.True(o.Status = Inconclusive && o.Undecided = o.Tests && o.Message.Contains " held there" && not (o.Message.Contains "failed"), describe o)
    | "E8" ->
        // A measured disagreement with [MLS25], kept on record: from the fixed replay seed the first case
        // (gaussians:1.502, d = 20, data seed 597, flip rates 0 and 0.375, 10 seeds) gives mean gaps soft - hard
        // of +5.0 and +1.7 points, a slope of -8.8 points per unit rate with its 95% interval below 0. On these
        // Gaussians the classes overlap, so clean hard labels already carry noise that soft labels smooth away,
        // and at flip rates near 0.4 the teacher, fitted to the same noisy labels, has less to give.
        Assert.True(o.Status = Falsified && o.Message.Contains "reverses" && o.Message.Contains "(mean gaps +5.0, +1.7)", describe o)
    | _ ->
        // An empirical trend may be undecidable at the quick profile's size; nothing may be falsified.
        let acceptable = o.Status = Held || (o.Status = Inconclusive && claim.Kind = Claim.Trend)
        Assert.True(acceptable, describe o)
