namespace TheoryKit.Margins;

/// <summary>
/// How a margin interval was computed, as reports name it (THEORY.md §6): exactly on planar data, by Monte Carlo at both ends,
/// or by Monte Carlo at the upper end only (the Monte Carlo primal skipped, the lower end from the kernel margins).
/// </summary>
public static class MarginModes
{
    /// <summary>Planar data (rank &lt;= 2) solved exactly on the arcs of the circle: no sampling.</summary>
    public const string ExactPlanar = "exact-planar";

    /// <summary>Both ends estimated on fresh Gaussian directions (the Monte Carlo primal and dual).</summary>
    public const string MonteCarlo = "monte-carlo";

    /// <summary>Only the dual ||U_q(z)|| sampled: the Monte Carlo primal was not estimated, and the lower end is the
    /// kernel-tail or exact-kernel end, computed from the kernel margins (with the tail count of the same samples).</summary>
    public const string MonteCarloDual = "monte-carlo-dual";

    /// <summary>The mode of a result: <see cref="ExactPlanar"/>, <see cref="MonteCarlo"/> or <see cref="MonteCarloDual"/>.</summary>
    /// <param name="m">A certified or re-checked margin.</param>
    public static string Of(MarginResult m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m.Mode == ExactPlanar ? ExactPlanar : m.MonteCarloPrimal ? MonteCarlo : MonteCarloDual;
    }
}
