/// Shared FsCheck settings: every property runs from a fixed replay seed in CI so runs are repeatable;
/// a failure prints the shrunk counterexample and this seed.
module TheoryKit.Properties.Config

/// Replay seed "(seed,gamma)" used by every [<Property>] in the quick profile.
[<Literal>]
let Replay = "(20261129,1)"
