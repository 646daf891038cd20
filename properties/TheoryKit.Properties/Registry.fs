/// Every claim of theory/claims.md, in the order of THEORY.md.
module TheoryKit.Properties.Registry

open TheoryKit.Properties.Claim

/// All claims.
let all: Claim list =
    ModelClaims.claims @ LossClaims.claims @ TeacherClaims.claims @ KernelClaims.claims @ MarginClaims.claims
    @ BoundClaims.claims @ EmpiricalClaims.claims

/// The claims with the given ids (case-insensitive), in registry order.
/// Raises InputException (parameter "claims") naming an unknown id.
let select (ids: string list) =
    let known = all |> List.map (fun c -> c.Id.ToUpperInvariant()) |> Set.ofList
    for id in ids do
        if not (known.Contains(id.ToUpperInvariant())) then
            raise (TheoryKit.InputException.Parameter("claims", sprintf "unknown claim '%s'; ids are listed in theory/claims.md" id))
    let wanted = ids |> List.map (fun s -> s.ToUpperInvariant()) |> Set.ofList
    all |> List.filter (fun c -> wanted.Contains(c.Id.ToUpperInvariant()))
