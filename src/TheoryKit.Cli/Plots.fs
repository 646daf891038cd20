/// Line plots as PNG and SVG (ScottPlot 5, headless), written atomically.
module TheoryKit.Cli.Plots

open System
open System.IO
open ScottPlot

/// One series: legend text, x values, y values, and whether to draw markers only (no line).
type Series = { Name: string; X: float[]; Y: float[]; MarkersOnly: bool }

/// Ticks of a log10 axis: the data's own values when `atData` and there are at most 12 (a width grid),
/// else 1-2-5 steps per decade within the data's range (powers of ten beyond 4 decades, every k-th beyond 10).
let logTicks (axis: IAxis) (atData: bool) (values: float[]) =
    let inv (v: float) =
        if v >= 1e4 || v < 1e-3 then
            let e = Math.Floor(Math.Log10 v + 1e-9)
            let m = Math.Round(v / Math.Pow(10.0, e), 3)
            (if m = 1.0 then "" else TheoryKit.Numbers.G4 m) + (if m = 1.0 then "1e" else "e") + e.ToString("0", Globalization.CultureInfo.InvariantCulture)
        else TheoryKit.Numbers.G4 v
    let distinct = values |> Array.filter (fun v -> v > 0.0 && Double.IsFinite v) |> Array.distinct |> Array.sort
    if distinct.Length > 0 then
        let ticks =
            if atData && distinct.Length <= 12 then distinct
            else
                let lo, hi = Math.Floor(Math.Log10 distinct[0]), Math.Ceiling(Math.Log10 distinct[distinct.Length - 1])
                // 1-2-5 per decade over a few decades; powers of ten (every k-th) over many.
                let decades = hi - lo
                let mantissas = if decades <= 4.0 then [ 1.0; 2.0; 5.0 ] else [ 1.0 ]
                let step = if decades <= 10.0 then 1.0 else Math.Ceiling(decades / 10.0)
                [| for e in lo .. step .. hi do for m in mantissas -> m * Math.Pow(10.0, e) |]
                |> Array.filter (fun v -> v >= distinct[0] / 1.5 && v <= distinct[distinct.Length - 1] * 1.5)
        axis.SetTicks(ticks |> Array.map Math.Log10, ticks |> Array.map inv)

/// Refuses a plot base path that names an existing folder or ends in a separator: plots are files named by the base
/// path plus a suffix, so `DIR` would put them beside the folder. Raises InputException naming the path.
let refuseFolder (basePath: string) =
    if basePath.EndsWith "/" || Directory.Exists basePath then
        raise (TheoryKit.InputException(basePath, Nullable(), "plot", "is a folder; plots take a base path such as DIR/name (writing DIR/name.png and DIR/name.svg)"))

/// The two files a plot with base path `basePath` is written to: `basePath`.png and `basePath`.svg.
/// A `basePath` naming an existing folder (or ending in a separator) is refused, as the files would land beside it.
let paths (basePath: string) =
    refuseFolder basePath
    basePath + ".png", basePath + ".svg"

/// Checks before any work that both plot files can be written (see `paths` and TheoryKit.IO.SafeOutput.Check).
let check (basePath: string) =
    let png, svg = paths basePath
    TheoryKit.IO.SafeOutput.Check png |> ignore
    TheoryKit.IO.SafeOutput.Check svg |> ignore

/// Writes a finished plot to `basePath`.png and `basePath`.svg (800 x 520), each atomically through a temporary file
/// beside its target and a rename (TheoryKit.IO.SafeOutput.Write). Returns the two paths.
let write (plt: Plot) (basePath: string) =
    let png, svg = paths basePath
    TheoryKit.IO.SafeOutput.Write(png, (fun p -> plt.SavePng(p, 800, 520) |> ignore), ".png")
    TheoryKit.IO.SafeOutput.Write(svg, (fun p -> plt.SaveSvg(p, 800, 520) |> ignore), ".svg")
    png, svg

/// Writes `basePath`.png and `basePath`.svg (800 x 520). Log axes plot log10 of the values; a log x axis is
/// ticked at the data's x values (a width grid) when `gridX`, otherwise both log axes get 1-2-5 ticks per
/// decade; non-positive values are dropped from log axes. The legend is drawn right of the data area. Markers-only series (measurements) alternate filled circles
/// and larger open squares; on a log y axis they set the y range and ticks. Returns the two paths.
let saveWith (gridX: bool) (basePath: string) (title: string) (xLabel: string) (yLabel: string) (logX: bool) (logY: bool) (series: Series list) =
    Fonts.Default <- "DejaVu Sans"
    let plt = new Plot()
    let usable (x: float) (y: float) = Double.IsFinite x && Double.IsFinite y && (not logX || x > 0.0) && (not logY || y > 0.0)
    let mutable markerSeries = 0
    for s in series do
        let pts =
            Array.zip s.X s.Y
            |> Array.filter (fun (x, y) -> usable x y)
            |> Array.map (fun (x, y) -> (if logX then Math.Log10 x else x), (if logY then Math.Log10 y else y))
        if pts.Length > 0 then
            let sc = plt.Add.Scatter(Array.map fst pts, Array.map snd pts)
            sc.LegendText <- s.Name
            if s.MarkersOnly then
                // Filled circles, then larger open squares, so that equal values of two series both stay visible.
                sc.LineWidth <- 0.0f
                sc.MarkerShape <- (if markerSeries % 2 = 0 then MarkerShape.FilledCircle else MarkerShape.OpenSquare)
                sc.MarkerSize <- (if markerSeries % 2 = 0 then 8.0f else 13.0f)
                markerSeries <- markerSeries + 1
    if logX then logTicks plt.Axes.Bottom gridX (series |> List.toArray |> Array.collect (fun s -> s.X))
    // On a log y axis with measured points, they set the range (a factor 4 either side) and the ticks (their own values
    // when few), so that steep theory lines do not flatten the data and a single value is still labelled.
    let measured = [| for s in series do if s.MarkersOnly then for x, y in Array.zip s.X s.Y do if usable x y then yield y |]
    if logY && measured.Length > 0 then
        plt.Axes.SetLimitsY(Math.Log10(Array.min measured / 4.0), Math.Log10(Array.max measured * 4.0))
        logTicks plt.Axes.Left true measured
    elif logY then logTicks plt.Axes.Left false (series |> List.toArray |> Array.collect (fun s -> s.Y))
    plt.Title(title) |> ignore
    plt.XLabel(xLabel) |> ignore
    plt.YLabel(yLabel) |> ignore
    // The legend sits right of the data area, where it cannot hide a point.
    plt.ShowLegend(Edge.Right) |> ignore
    write plt basePath

/// `saveWith` with the x axis ticked at the data (width grids).
let save = saveWith true
