module TheoryKit.Cli.Program

[<EntryPoint>]
let main _ = 0
