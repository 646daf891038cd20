/// Rendering helpers: readable tables, atomic file writes, progress on stderr (JSON: TheoryKit.Reports records).
module TheoryKit.Cli.Output

open System
open System.IO
open Spectre.Console

/// Formats a number with 6 significant digits in invariant culture ("inf" for infinity).
let num (x: float) = TheoryKit.Numbers.Cell x

/// A two-column table (quantity, value[, note]) written to stdout; plain Unicode when redirected.
let table (title: string) (rows: (string * string * string) list) =
    // Redirected output defaults to 80 columns; notes read better on one line.
    if Console.IsOutputRedirected then AnsiConsole.Profile.Width <- 140
    let t = Table()
    t.Title <- TableTitle(Markup.Escape title)
    t.AddColumn("quantity") |> ignore
    t.AddColumn("value") |> ignore
    t.AddColumn("note") |> ignore
    for (a, b, c) in rows do
        t.AddRow(Markup.Escape a, Markup.Escape b, Markup.Escape c) |> ignore
    AnsiConsole.Write t

/// Checks, before any work, that an output file can be written later (TheoryKit.IO.SafeOutput.Check): a regular file or
/// none (devices, FIFOs and folders are refused), a symbolic link is followed to its target, its folder exists and is
/// writable. Raises InputException naming the path.
let checkWritable (path: string) = TheoryKit.IO.SafeOutput.Check path |> ignore

/// Writes text to a file atomically (TheoryKit.IO.SafeOutput.WriteText): a temporary `.NAME.theorykit-tmp.PID` beside
/// the real target (through a symbolic link), then a rename. Raises InputException naming the path when it cannot be written.
let writeAtomic (path: string) (text: string) = TheoryKit.IO.SafeOutput.WriteText(path, text)

/// Progress messages go to stderr so stdout stays clean for tables and JSON.
let progress (quiet: bool) (prefix: string) =
    { new IProgress<string> with
        member _.Report msg = if not quiet then eprintfn "[%s] %s" prefix msg }
