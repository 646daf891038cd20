using MathNet.Numerics.Distributions;
using TheoryKit.Random;

namespace TheoryKit.Data;

/// <summary>
/// Synthetic datasets with known margins (THEORY.md §6 "Known answers"). Every generator is a pure
/// function of its parameters and <see cref="DataOptions.Seed"/>. Parameter errors are
/// <see cref="InputException"/>s with the spec as File and the parameter as Field.
/// </summary>
internal static class Generators
{
    /// <summary>
    /// two-point:THETA[:same]: (1,0) with label +1 and (cos THETA, sin THETA) with label -1 (+1 with :same),
    /// embedded in the first two coordinates of R^d (d = options.D, default 2). THETA in radians, 0..pi;
    /// "pi" and "pi/K" are accepted.
    /// </summary>
    public static RawData TwoPoint(string spec, string[] args, DataOptions o)
    {
        if (args.Length is < 1 or > 2) throw new InputException(spec, null, null, "expected two-point:THETA or two-point:THETA:same");
        var theta = ParseAngle(spec, args[0]);
        bool same = false;
        if (args.Length == 2)
        {
            var m = args[1].Trim().ToLowerInvariant();
            if (m is "same") same = true;
            else if (m is not ("opposite" or "opp")) throw new InputException(spec, null, "labels", $"expected 'same' or 'opposite', got '{args[1]}'");
        }
        int d = o.D ?? 2;
        if (d < 2) throw new InputException(spec, null, "d", $"must be an integer >= 2, got {d}");
        if (o.N is { } n && n != 2) throw new InputException(spec, null, "n", $"two-point has exactly 2 points, got n = {n}");
        Num.CheckSize(spec, 2, d);
        var x = new double[2 * d];
        x[0] = 1; x[d] = Math.Cos(theta); x[d + 1] = Math.Sin(theta);
        var raw = new RawData
        {
            File = spec, X = x, Y = [1.0, same ? 1.0 : -1.0], N = 2, D = d, PositiveClass = "+1", NegativeClass = "-1",
            Description = $"two unit vectors at angle {Numbers.G6(theta)} rad, {(same ? "same labels (+1, +1)" : "opposite labels (+1, -1)")}, in R^{d}",
        };
        raw.Notes.Add($"generator two-point: theta = {Numbers.G6(theta)} rad, {(same ? "same" : "opposite")} labels, d = {d}");
        return raw;
    }

    private static double ParseAngle(string spec, string s)
    {
        s = s.Trim();
        double theta;
        if (s.StartsWith("pi", StringComparison.OrdinalIgnoreCase))
        {
            var rest = s[2..].Trim();
            if (rest.Length == 0) theta = Math.PI;
            else if (rest[0] == '/' && Num.TryParse(rest[1..], out var k) && k > 0) theta = Math.PI / k;
            else throw new InputException(spec, null, "THETA", $"cannot parse '{s}' as an angle (radians, 'pi' or 'pi/K')");
        }
        else if (!Num.TryParse(s, out theta) || !double.IsFinite(theta))
            throw new InputException(spec, null, "THETA", $"cannot parse '{s}' as a number of radians");
        if (theta < 0 || theta > Math.PI * (1 + 1e-12)) throw new InputException(spec, null, "THETA", $"must lie in [0, pi] radians, got {s}");
        return Math.Min(theta, Math.PI);
    }

    /// <summary>
    /// noisy-xor:D, the noisy 2-XOR distribution of THEORY.md §6 ([JT20]): support
    /// (1/sqrt(D-1)) (x1, x2, x3..xD), (x1,x2) in {(+1,0),(-1,0),(0,+1),(0,-1)}, x3..xD in {-1,+1};
    /// label +1 on (+-1,0), -1 on (0,+-1). Without options.N: the whole 2^D-point support in a fixed order
    /// (the four (x1,x2) patterns in the order above, each followed by x3..xD counting in binary with -1
    /// as 0, x3 the most significant). With options.N: n i.i.d. uniform draws from the support (stream "noisy-xor").
    /// </summary>
    public static RawData NoisyXor(string spec, string[] args, DataOptions o)
    {
        if (args.Length != 1 || !int.TryParse(args[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var d) || d < 3)
            throw new InputException(spec, null, "D", "must be an integer >= 3");
        if (o.D is { } od && od != d) throw new InputException(spec, null, "d", $"the spec says D = {d} but d = {od} was given");
        double s = 1.0 / Math.Sqrt(d - 1);
        int[,] pairs = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };
        int n;
        double[] x, y;
        if (o.N is { } nn)
        {
            if (nn < 1) throw new InputException(spec, null, "n", $"must be >= 1, got {nn}");
            n = nn;
            Num.CheckSize(spec, n, d);
            x = new double[(long)n * d]; y = new double[n];
            var rng = SeedSequence.Rng(o.Seed, "noisy-xor");
            for (int i = 0; i < n; i++)
            {
                int p = rng.Next(4);
                var row = x.AsSpan(i * d, d);
                row[0] = pairs[p, 0] * s; row[1] = pairs[p, 1] * s;
                for (int j = 2; j < d; j++) row[j] = rng.Next(2) == 1 ? s : -s;
                y[i] = p < 2 ? 1 : -1;
            }
        }
        else
        {
            if (d > 20) throw new InputException(spec, null, "D", $"the full support has 2^{d} points; give n to sample it for D > 20");
            n = 1 << d;
            x = new double[(long)n * d]; y = new double[n];
            int per = 1 << (d - 2);
            for (int p = 0; p < 4; p++)
                for (int b = 0; b < per; b++)
                {
                    int i = p * per + b;
                    var row = x.AsSpan(i * d, d);
                    row[0] = pairs[p, 0] * s; row[1] = pairs[p, 1] * s;
                    for (int j = 2; j < d; j++) row[j] = ((b >> (d - 1 - j)) & 1) == 1 ? s : -s;
                    y[i] = p < 2 ? 1 : -1;
                }
        }
        var raw = new RawData
        {
            File = spec, X = x, Y = y, N = n, D = d, PositiveClass = "+1", NegativeClass = "-1",
            UsesSeed = o.N is not null,
            Description = o.N is null
                ? $"noisy 2-XOR in R^{d}: the whole {n}-point support (THEORY.md §6)"
                : $"noisy 2-XOR in R^{d}: {n} i.i.d. uniform draws from the {1L << Math.Min(d, 62)}-point support (THEORY.md §6)",
        };
        raw.Notes.Add(o.N is null ? $"generator noisy-xor: D = {d}, full support, fixed order" : $"generator noisy-xor: D = {d}, n = {n} i.i.d. draws (seed {o.Seed})");
        return raw;
    }

    /// <summary>
    /// gaussians:SEP: n (default 500) points in R^d (default 10); the first ceil(n/2) get label +1 and are
    /// drawn from N(+(SEP/2) e1, I_d), the rest get -1 from N(-(SEP/2) e1, I_d) (stream "gaussians").
    /// </summary>
    public static RawData Gaussians(string spec, string[] args, DataOptions o)
    {
        if (args.Length != 1 || !Num.TryParse(args[0], out var sep) || !double.IsFinite(sep) || sep < 0)
            throw new InputException(spec, null, "SEP", "must be a number >= 0");
        var (n, d) = Size(spec, o, 1);
        var x = new double[(long)n * d];
        Normal.Samples(SeedSequence.Rng(o.Seed, "gaussians"), x, 0, 1);
        var y = new double[n];
        int npos = (n + 1) / 2;
        for (int i = 0; i < n; i++) { y[i] = i < npos ? 1 : -1; x[(long)i * d] += y[i] * sep / 2; }
        var raw = new RawData
        {
            File = spec, X = x, Y = y, N = n, D = d, PositiveClass = "+1", NegativeClass = "-1", UsesSeed = true,
            Description = $"two Gaussians N(+-{Numbers.G6(sep / 2)} e1, I) in R^{d}: {npos} points +1, {n - npos} points -1",
        };
        raw.Notes.Add($"generator gaussians: sep = {Numbers.G6(sep)}, n = {n}, d = {d} (seed {o.Seed})");
        return raw;
    }

    /// <summary>
    /// separable:MARGIN (0 &lt;= MARGIN &lt; 1): n (default 500) unit vectors in R^d (default 10, d &gt;= 2)
    /// with alternating labels y = +1, -1, +1, ... and x = y t e1 + sqrt(1 - t^2) w, t ~ Uniform[MARGIN, 1],
    /// w a uniform unit vector orthogonal to e1 (stream "separable"). So y &lt;e1, x&gt; &gt;= MARGIN exactly and
    /// ||x|| = 1. Not uniform on the sphere: the margin coordinate t is uniform.
    /// </summary>
    public static RawData Separable(string spec, string[] args, DataOptions o)
    {
        if (args.Length != 1 || !Num.TryParse(args[0], out var margin) || !(margin >= 0 && margin < 1))
            throw new InputException(spec, null, "MARGIN", "must be a number in [0, 1)");
        var (n, d) = Size(spec, o, 2);
        var rng = SeedSequence.Rng(o.Seed, "separable");
        var x = new double[(long)n * d];
        var y = new double[n];
        var w = new double[d - 1];
        for (int i = 0; i < n; i++)
        {
            y[i] = i % 2 == 0 ? 1 : -1;
            double t = margin + (1 - margin) * rng.NextDouble(), norm;
            do { Normal.Samples(rng, w, 0, 1); norm = Math.Sqrt(w.Sum(v => v * v)); } while (norm < 1e-12);
            var row = x.AsSpan(i * d, d);
            double r = Math.Sqrt(Math.Max(0, 1 - t * t));
            row[0] = y[i] * t;
            for (int j = 1; j < d; j++) row[j] = r * w[j - 1] / norm;
        }
        var raw = new RawData
        {
            File = spec, X = x, Y = y, N = n, D = d, PositiveClass = "+1", NegativeClass = "-1", UsesSeed = true,
            Description = $"linearly separable unit vectors in R^{d}: {n} points, y <e1, x> >= {Numbers.G6(margin)} (margin coordinate uniform, not uniform on the sphere)",
        };
        raw.Notes.Add($"generator separable: margin = {Numbers.G6(margin)}, n = {n}, d = {d}, alternating labels (seed {o.Seed})");
        return raw;
    }

    private static (int N, int D) Size(string spec, DataOptions o, int minD)
    {
        int n = o.N ?? 500, d = o.D ?? 10;
        if (n < 1) throw new InputException(spec, null, "n", $"must be >= 1, got {n}");
        if (d < minD) throw new InputException(spec, null, "d", $"must be >= {minD}, got {d}");
        Num.CheckSize(spec, n, d);
        return (n, d);
    }
}
