namespace TheoryKit.Experiments;

/// <summary>A straight line on log-log axes between two points (x0, y0) and (x1, y1), in the data's own units (not logarithms).</summary>
/// <param name="Name">Legend text.</param>
/// <param name="X0">Left end's x.</param>
/// <param name="Y0">Left end's y.</param>
/// <param name="X1">Right end's x.</param>
/// <param name="Y1">Right end's y.</param>
public sealed record ScalingLine(string Name, double X0, double Y0, double X1, double Y1);

/// <summary>
/// The lines of a log-log scaling plot (THEORY.md §9): the fitted line and each theory slope drawn through the fit's centre
/// (mean ln x, mean ln y) over the measured range, so that a reader compares slopes, not intercepts.
/// </summary>
public static class ScalingLines
{
    /// <summary>
    /// The line of slope <paramref name="slope"/> on ln-ln axes through (mean ln x, mean ln y) over [min ln x, max ln x]:
    /// y(x) = exp(ym + slope (ln x - xm)) at x = exp(min ln x) and exp(max ln x).
    /// </summary>
    /// <param name="name">Legend text.</param>
    /// <param name="logX">ln x of the measured points (at least one).</param>
    /// <param name="logY">ln y of the measured points (same length).</param>
    /// <param name="slope">The slope on ln-ln axes.</param>
    /// <exception cref="ArgumentException">Empty or unequal lengths.</exception>
    public static ScalingLine Through(string name, IReadOnlyList<double> logX, IReadOnlyList<double> logY, double slope)
    {
        ArgumentNullException.ThrowIfNull(logX);
        ArgumentNullException.ThrowIfNull(logY);
        if (logX.Count == 0 || logX.Count != logY.Count) throw new ArgumentException($"need equal, non-zero numbers of points, got {logX.Count} and {logY.Count}");
        double x0 = logX.Min(), x1 = logX.Max(), xm = logX.Average(), ym = logY.Average();
        return new(name, Math.Exp(x0), Math.Exp(ym + slope * (x0 - xm)), Math.Exp(x1), Math.Exp(ym + slope * (x1 - xm)));
    }

    /// <summary>
    /// The fitted line and one line per theory exponent, all through the fit's centre (<see cref="Through"/>); none without a fit.
    /// Legends: "KIND fit: slope S [L, U]" (<see cref="Tables.TableFormat.Short"/>) and "KIND theory: slope E SOURCE" (E in 6 significant digits).
    /// </summary>
    /// <param name="kind">"soft" or "hard".</param>
    /// <param name="logX">ln x of the points in the fit.</param>
    /// <param name="logY">ln y of the points in the fit.</param>
    /// <param name="fit">The fit, or null.</param>
    /// <param name="theory">The theory's exponents.</param>
    public static IReadOnlyList<ScalingLine> Of(string kind, IReadOnlyList<double> logX, IReadOnlyList<double> logY, ScalingFitResult? fit, IEnumerable<TheorySlope> theory)
    {
        ArgumentNullException.ThrowIfNull(theory);
        if (fit is null) return [];
        var lines = new List<ScalingLine>
        {
            Through($"{kind} fit: slope {Tables.TableFormat.Short(fit.Slope)} [{Tables.TableFormat.Short(fit.SlopeLower)}, {Tables.TableFormat.Short(fit.SlopeUpper)}]", logX, logY, fit.Slope),
        };
        foreach (var t in theory)
            lines.Add(Through($"{kind} theory: slope {Numbers.Cell(t.Slope)} {t.Source}", logX, logY, t.Slope));
        return lines;
    }
}
