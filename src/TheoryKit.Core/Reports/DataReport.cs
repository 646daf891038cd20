using TheoryKit.Data;

namespace TheoryKit.Reports;

/// <summary>The `data` member of a report: where the points came from and their size (THEORY.md §9 provenance).</summary>
/// <param name="Source">The DATA argument as given.</param>
/// <param name="Description">What the data are, in words (with the subsample, when one was drawn).</param>
/// <param name="N">Number of points n.</param>
/// <param name="D">Dimension d.</param>
/// <param name="Normalised">Whether rows were scaled to the unit sphere.</param>
/// <param name="PositiveClass">Name of the class labelled +1.</param>
/// <param name="NegativeClass">Name of the class labelled -1.</param>
public sealed record DataReport(string Source, string Description, int N, int D, bool Normalised, string PositiveClass, string NegativeClass)
{
    /// <summary>The report of a loaded dataset.</summary>
    /// <param name="data">The dataset.</param>
    public static DataReport Of(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new(data.Provenance.Source, data.Provenance.Description, data.N, data.D, data.Provenance.Normalised, data.PositiveClass, data.NegativeClass);
    }
}
