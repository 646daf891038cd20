/// Rendering helpers: readable tables, JSON for scripts, atomic file writes, progress on stderr.
module TheoryKit.Cli.Output

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
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

/// A JSON number node, or null when the value is not finite (JSON has no infinity).
let jnum (x: float) : JsonNode = if Double.IsFinite x then JsonValue.Create x else null

/// A JSON integer node.
let jint (x: int64) : JsonNode = JsonValue.Create x

/// A JSON boolean node.
let jbool (x: bool) : JsonNode = JsonValue.Create x

/// A JSON string node.
let jstr (s: string) : JsonNode = JsonValue.Create s

/// Builds a JSON object from (name, node) pairs, in order.
let jobj (fields: (string * JsonNode) list) : JsonNode =
    let o = JsonObject()
    for (k, v) in fields do o[k] <- v
    o

/// Serialises indented JSON.
let jsonText (node: JsonNode) =
    node.ToJsonString(JsonSerializerOptions(WriteIndented = true, Encoder = Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping))

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
