/// Every claim of theory/claims.md, in the order of THEORY.md.
module TheoryKit.Properties.Registry

open TheoryKit.Properties.Claim

/// The THEORY.md section number of a claim ("§3 Training" -> 3).
let private sectionNumber (c: Claim) =
    let digits = c.Section.TrimStart('§', ' ') |> Seq.takeWhile System.Char.IsDigit |> Seq.toArray
    if digits.Length = 0 then System.Int32.MaxValue else int (System.String digits)

/// All claims, by THEORY.md section (stable within a section).
let all: Claim list =
    ModelClaims.claims @ LossClaims.claims @ TeacherClaims.claims @ KernelClaims.claims @ MarginClaims.claims
    @ BoundClaims.claims @ CrossoverClaims.claims @ EmpiricalClaims.claims
    |> List.sortBy sectionNumber

/// The claims with the given ids (case-insensitive), in registry order.
/// Raises InputException (parameter "claims") naming an unknown id.
let select (ids: string list) =
    let known = all |> List.map (fun c -> c.Id.ToUpperInvariant()) |> Set.ofList
    for id in ids do
        if not (known.Contains(id.ToUpperInvariant())) then
            raise (TheoryKit.InputException.Parameter("claims", sprintf "unknown claim '%s'; ids are listed in theory/claims.md" id))
    let wanted = ids |> List.map (fun s -> s.ToUpperInvariant()) |> Set.ofList
    all |> List.filter (fun c -> wanted.Contains(c.Id.ToUpperInvariant()))
