using TheoryKit.Data;

namespace TheoryKit.Margins;

/// <summary>The finite-width margin gamma_m of one initialisation, bracketed by the solver.</summary>
/// <param name="Lower">Worst margin of the solver's primal (a lower bound on gamma_m).</param>
/// <param name="Upper">Dual value of the solver's q (an upper bound on gamma_m).</param>
/// <param name="Width">Number of neurons m.</param>
/// <param name="Iterations">Solver iterations.</param>
public sealed record FiniteWidthMarginResult(double Lower, double Upper, int Width, int Iterations)
{
    /// <summary>
    /// The [JT20] transfer bound gamma - sqrt(2 ln(n/delta) / m): with probability &gt;= 1 - delta over the
    /// initialisation, gamma_m is at least this (THEORY.md §6).
    /// </summary>
    public static double TransferLowerBound(double gamma, int n, int m, double delta) => gamma - Math.Sqrt(2 * Math.Log(n / delta) / m);
}

/// <summary>
/// Margin of a finite-width initialisation (THEORY.md §6): the margin program with the m rows of W0
/// (m x d, row-major) as the directions z, each of weight 1/m. Solved with <see cref="PdhgSolver"/>;
/// no sampling, so the bracket is deterministic.
/// </summary>
public static class FiniteWidthMargin
{
    /// <summary>Brackets gamma_m for the dataset and initialisation W0 (m x d) to the given tolerance.</summary>
    /// <exception cref="ArgumentException">W0 does not have m x d entries.</exception>
    public static FiniteWidthMarginResult Compute(Dataset data, double[] w0, int m, double tolerance = 1e-6, TimeSpan? deadline = null)
    {
        if (w0.Length != (long)m * data.D) throw new ArgumentException($"W0 must be m x d = {m} x {data.D}");
        var game = new MarginGame(w0, m, null, data.X, data.Y, data.N, data.D);
        var sol = PdhgSolver.Solve(game, new PdhgSolver.Options(tolerance, 200000, deadline));
        return new FiniteWidthMarginResult(sol.Lower, sol.Upper, m, sol.Iterations);
    }
}
