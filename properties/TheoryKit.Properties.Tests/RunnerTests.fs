/// The runner and the mutation check: statuses, replay seeds and mutants caught.
module TheoryKit.Properties.Tests.RunnerTests

open Xunit
open TheoryKit.Properties
open TheoryKit.Properties.Runner

[<Fact>]
let ``claim ids are unique and well formed`` () =
    let ids = Registry.all |> List.map (fun c -> c.Id)
    Assert.Equal(ids.Length, (List.distinct ids).Length)
    for id in ids do
        Assert.Matches("^[NLTRKMBXE][0-9]+$", id)

[<Fact>]
let ``replay seeds parse and print back`` () =
    Assert.Equal({ Seed = 5UL; Gamma = 7UL; Size = Some 3 }, parseReplay "(5,7,3)")
    Assert.Equal({ Seed = 5UL; Gamma = 7UL; Size = None }, parseReplay " 5, 7 ")
    Assert.Equal("(5,7,3)", (parseReplay "(5,7,3)").ToString())
    let e = Assert.Throws<TheoryKit.InputException>(fun () -> parseReplay "(5,8)" |> ignore)
    Assert.Contains("odd", e.Message)
    Assert.Throws<TheoryKit.InputException>(fun () -> parseReplay "(5)" |> ignore) |> ignore
    Assert.Throws<TheoryKit.InputException>(fun () -> parseReplay "(a,7)" |> ignore) |> ignore

[<Fact>]
let ``every mutant is caught by at least one claim`` () =
    let _, results = runMutants quick Registry.all Mutants.all ignore
    let missed = results |> List.filter (fun r -> not r.Caught) |> List.map (fun r -> sprintf "%s (ran %A)" r.Mutant.Name r.Ran)
    Assert.True(missed.IsEmpty, sprintf "not caught: %s" (String.concat "; " missed))

[<Fact>]
let ``a falsified claim's replay seed reproduces the same shrunk counterexample`` () =
    let mutant = Mutants.byName "kl-gradient-sign"
    let claim = Registry.all |> List.find (fun c -> c.Id = "L4")
    let first = runWith (mutant.Apply Impl.real) quick claim
    Assert.Equal(Falsified, first.Status)
    let again = runWith (mutant.Apply Impl.real) { quick with Replay = first.Replay.Value } claim
    Assert.Equal(Falsified, again.Status)
    Assert.Equal(first.Counterexample, again.Counterexample)
    Assert.Equal(1, again.Tests)

/// The repository root (the folder holding TheoryKit.sln), found from the test assembly's folder.
let private root =
    let rec up (d: System.IO.DirectoryInfo) =
        if isNull d then failwith "TheoryKit.sln not found above the test folder"
        elif System.IO.File.Exists(System.IO.Path.Combine(d.FullName, "TheoryKit.sln")) then d.FullName
        else up d.Parent
    up (System.IO.DirectoryInfo(System.AppContext.BaseDirectory))

[<Fact>]
let ``theory/claims.md is what theorykit check writes from the claims and theory/check.json`` () =
    let json = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "theory", "check.json"))
    let last = Report.parseCheckJson json
    Assert.Equal<string list>(Registry.all |> List.map (fun c -> c.Id), Registry.all |> List.filter (fun c -> last.ContainsKey c.Id) |> List.map (fun c -> c.Id))
    let expected = Report.claimsMarkdown Registry.all last
    let committed = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "theory", "claims.md"))
    Assert.True((expected = committed), "theory/claims.md is out of date: run `theorykit check` and commit theory/")
