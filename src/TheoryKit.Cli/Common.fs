/// Pieces every command shares: data options, data description, JSON of a dataset.
module TheoryKit.Cli.Common

open System
open System.Diagnostics
open Argu
open TheoryKit
open TheoryKit.Data
open TheoryKit.Margins
open TheoryKit.Bounds
open TheoryKit.LinearAlgebra
open TheoryKit.Cli.Output

/// The options every command inherits from the top level (data source options, seed, threads, output).
type Shared =
    { /// Sample size of a generator or subsample size of a real dataset (`bounds`: the number of training points n).
      N: int option
      D: int option
      Seed: uint64
      Split: string option
      /// The --noise rates as given (one rate for every command but `distill`, which takes a list).
      Noise: float list option
      LabelColumn: string option
      LabelFile: string option
      Classes: string option
      NoNormalise: bool
      Threads: int option
      Json: bool
      Quiet: bool
      /// The command line without --shard, --merge, --merge-journals and the output options (--json, --quiet, --threads,
      /// --max-memory): the command a shard records in its journal, which `theorykit merge` runs again.
      Command: string list }

/// The shared data options (each command's union lists them again, as Argu has no inheritance).
let dataOptions n d seed split noise labelColumn labels classes noNormalise =
    DataOptions(N = Option.toNullable n, D = Option.toNullable d, Seed = defaultArg seed 0UL, Split = defaultArg split "train",
                Noise = defaultArg noise 0.0, LabelColumn = Option.toObj labelColumn, LabelsPath = Option.toObj labels,
                Classes = Option.toObj classes, Normalise = not noNormalise)

/// The positional DATA argument, refusing what is really a mistyped option (Argu hands unknown
/// options to the positional argument).
let dataArgument (value: string) =
    if value.StartsWith "-" then raise (InputException.Parameter(value, "unknown option (see --help)"))
    value

/// The default `--n` of the training commands for a DATA argument: Fashion-MNIST and CIFAR-10 pairs use a 1000-point subsample.
let defaultPoints (source: string) =
    let s = source.Trim().ToLowerInvariant()
    if s.StartsWith "fashion-mnist:" || s.StartsWith "cifar10:" then Some 1000 else None

/// The data options of the shared arguments; `defaultN` is used when `--n` is not given.
let sharedData (sh: Shared) (defaultN: int option) =
    let noise =
        match sh.Noise with
        | None -> None
        | Some [ rate ] -> Some rate
        | Some _ -> raise (InputException.Parameter("noise", "give one rate here (only `distill` takes a list of rates)"))
    dataOptions (Option.orElse defaultN sh.N) sh.D (Some sh.Seed) sh.Split noise sh.LabelColumn sh.LabelFile sh.Classes sh.NoNormalise

/// Prints the dataset, its label mapping and processing notes, and the GEMM backend (after applying the
/// thread count, so the line states the threads really used) to stderr.
let describeData (ds: Dataset) (quiet: bool) (threads: int option) =
    threads |> Option.iter (fun t -> if t > 0 then Blas.Current.SetThreads t)
    if not quiet then
        eprintfn "[data] %s: n = %d, d = %d" ds.Provenance.Description ds.N ds.D
        let mapping = ds.LabelMapping |> Seq.map (fun m -> sprintf "'%s' -> %+d (%d)" m.Original m.Sign m.Count) |> String.concat ", "
        if mapping <> "" then eprintfn "[data] labels: %s" mapping
        for note in ds.Provenance.Notes do eprintfn "[data] %s" note
        eprintfn "[blas] %s" Blas.Description

/// The table row that states the data's size and whether rows were normalised.
let pointsRow (ds: Dataset) =
    "points", sprintf "n = %d, d = %d" ds.N ds.D, (if ds.Provenance.Normalised then "rows normalised to the unit sphere" else "rows as given (norm <= 1)")

/// The theory folder of the repository the current folder lies in (found by TheoryKit.sln at or above it).
/// Raises InputException when there is none, with `hint` (e.g. "give --out DIR").
let repositoryTheoryFolder (hint: string) =
    let rec up (d: IO.DirectoryInfo) =
        if isNull d then
            raise (InputException.Parameter("out", sprintf "no TheoryKit repository (TheoryKit.sln) at or above '%s'; %s" (IO.Directory.GetCurrentDirectory()) hint))
        elif IO.File.Exists(IO.Path.Combine(d.FullName, "TheoryKit.sln")) then IO.Path.Combine(d.FullName, "theory")
        else up d.Parent
    up (IO.DirectoryInfo(IO.Directory.GetCurrentDirectory()))

/// A comma-separated list of numbers in invariant culture (spaces and empty entries ignored); raises InputException
/// naming the option `name` for an empty list or an entry that is not a number.
let parseNumbers (name: string) (text: string) =
    let items = text.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)
    if items.Length = 0 then raise (InputException.Parameter(name, "give at least one number"))
    [ for x in items ->
        match Double.TryParse(x, Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
        | true, v -> v
        | _ -> raise (InputException.Parameter(name, sprintf "cannot parse '%s' as a number" x)) ]

/// `--time` (named `timeName`) beside fixed margin sample counts: with both --samples and --optimisation-samples the clock
/// plays no part (the solvers stop on iteration caps), so the time option is refused; with --samples alone it bounds only
/// the search for q (all K fresh samples are drawn), which a note on stderr says unless `quiet`.
/// Raises InputException naming the time option.
let checkTimeAndSamples (timeName: string) (time: float option) (samples: int64 option) (optimisation: int option) (quiet: bool) =
    match time, samples, optimisation with
    | Some _, Some _, Some _ ->
        raise (InputException.Parameter(timeName, "has no effect when the two sample counts are both fixed (the solvers then stop on iteration caps, not the clock); drop it or one of the counts"))
    | Some _, Some _, None ->
        if not quiet then eprintfn "[margin] note: --%s bounds only the search for q; the fixed fresh samples are all drawn, however long they take" timeName
    | _ -> ()
