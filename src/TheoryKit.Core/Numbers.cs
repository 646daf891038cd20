using System.Globalization;

namespace TheoryKit;

/// <summary>
/// How numbers are written in every text of Core and the CLI (statements, notes, error messages, tables): invariant culture
/// (a point, never a comma), one definition per style.
/// </summary>
public static class Numbers
{
    /// <summary>4 significant digits ("G4"): the numbers of statements and notes, e.g. 0.1235 or 1.235E+05.</summary>
    public static string G4(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>6 significant digits ("G6"), e.g. 0.123457.</summary>
    public static string G6(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>Every digit that round-trips ("R"): for error messages that quote a value exactly, e.g. 0.1.</summary>
    public static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A table cell: 6 significant digits, "inf" for +infinity and "n/a" for NaN (no value).</summary>
    public static string Cell(double v) => double.IsPositiveInfinity(v) ? "inf" : double.IsNaN(v) ? "n/a" : G6(v);

    /// <summary>Seconds to the millisecond without trailing zeros ("0.###"), e.g. 0.386 or 12.</summary>
    public static string Millis(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);
}
