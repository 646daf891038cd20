using System.Numerics.Tensors;
using TheoryKit.Data;
using TheoryKit.LinearAlgebra;
using TheoryKit.Margins;

namespace TheoryKit.Teachers;

/// <summary>
/// The margin teacher of THEORY.md §4: g(x) = beta * E_z[&lt;v(z), x&gt; 1[&lt;z, x&gt; &gt; 0]], z ~ N(0, I_d), with v the
/// primal of a margin certificate (THEORY.md §6), so that y_i g(x_i) &gt;= beta * gamma on every training point.
/// The expectation is a Monte Carlo mean over S fixed directions z_1..z_S drawn from the seed (stream
/// "teacher-margin", chunk k of 2048 rows from index k), identical on every call, so g is one fixed function:
/// g(x) = (beta / S) sum_k &lt;v(z_k), x&gt; 1[&lt;z_k, x&gt; &gt; 0].
/// <para>The primal v is the certificate's own:</para>
/// <list type="bullet">
/// <item>Monte Carlo certificates: v(z) = U_q(z) / max(||U_q(z)||, c), U_q(z) = sum_i q_i y_i x_i 1[&lt;z, x_i&gt; &gt; 0],
/// with q and the smoothing c of the certificate (the function whose margins the certificate's lower end bounds).</item>
/// <item>Exact planar certificates (rank X &lt;= 2): the per-arc primal directions stored in the certificate
/// (<see cref="MarginCertificate.PlanarPrimal"/>): z is projected onto the data's plane (the orthonormal basis of
/// <see cref="PlanarMargin.PlaneCoordinates"/>), its angle picks the arc, and v(z) is that arc's direction mapped
/// back to R^d. Its exact margins are the certificate's lower end; the normalised U_q can be much looser where
/// U_q vanishes on an arc (THEORY.md §6, case (a)).</item>
/// </list>
/// Each term of the mean lies in [-||x||, ||x||], so by Hoeffding, for unit-norm training points,
/// y_i g(x_i) &gt;= beta (gamma_lower - sqrt(2 ln(n / delta) / S)) for all i with probability &gt;= 1 - delta over the
/// teacher's directions (on top of the certificate's own confidence in Monte Carlo mode).
/// Every chunk costs GEMMs of 2 * 2048 * d * (n + 2 n_eval) flops. Source: THEORY.md §4, §6; [JT20] Assumption 2.1; [MLS25].
/// </summary>
public sealed class MarginTeacher : ITeacher
{
    private const int Chunk = 2048;
    private const int EvalBlock = 2048;
    private const string Stream = "teacher-margin";

    private readonly double[] _x, _xt;     // training X (n x d) and diag(q y) X
    private readonly int _n;
    private readonly Planar? _planar;

    private MarginTeacher(Dataset train, MarginCertificate cert, double beta, int samples, ulong seed, Planar? planar)
    {
        _x = train.X; _n = train.N; D = train.D; Certificate = cert; Beta = beta; Samples = samples; Seed = seed; _planar = planar;
        _xt = new double[(long)_n * D];
        MarginGame.ScaleRows(train.X, train.Y, cert.Q, _xt, _n, D);
        Description = $"margin teacher: beta = {beta:G4} times the {cert.Mode} certificate's primal (gamma in [{cert.GammaLower:G4}, {cert.GammaUpper:G4}]), "
            + $"{samples} directions (seed {seed}), n = {_n}, d = {D} ({train.Provenance.Source})";
    }

    /// <inheritdoc/>
    public string Kind => "margin";

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public int D { get; }

    /// <summary>Scale beta &gt; 0 of the logits: y_i g(x_i) is about beta * gamma or more on the training points.</summary>
    public double Beta { get; }

    /// <summary>Number S of Gaussian directions in the Monte Carlo mean.</summary>
    public int Samples { get; }

    /// <summary>Seed of the directions (stream "teacher-margin").</summary>
    public ulong Seed { get; }

    /// <summary>The certificate the primal v comes from.</summary>
    public MarginCertificate Certificate { get; }

    /// <summary>Guaranteed training margin in the limit S -&gt; infinity: beta * <see cref="MarginCertificate.GammaLower"/>.</summary>
    public double TargetMargin => Beta * Certificate.GammaLower;

    /// <summary>
    /// Builds the margin teacher from a certificate computed on <paramref name="train"/> (e.g.
    /// <see cref="MarginSolver.Certify"/>(train, options).Certificate, or <see cref="MarginCertificate.Load"/>).
    /// No sampling happens here; <see cref="Logits"/> draws the directions.
    /// </summary>
    /// <param name="train">The training data the certificate was computed on (n x d, labels +-1).</param>
    /// <param name="cert">The margin certificate (q length n, smoothing c &gt; 0).</param>
    /// <param name="beta">Logit scale beta &gt; 0 (finite).</param>
    /// <param name="samples">Number S &gt;= 1 of Gaussian directions.</param>
    /// <param name="seed">Seed of the directions.</param>
    /// <exception cref="InputException">beta is not a positive finite number, samples &lt; 1, the certificate is for other
    /// data (n, d or fingerprint differ from the dataset's), or its q, smoothing or planar primal are malformed.</exception>
    public static MarginTeacher FromCertificate(Dataset train, MarginCertificate cert, double beta, int samples, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(cert);
        if (!(beta > 0) || !double.IsFinite(beta)) throw InputException.Parameter("beta", $"must be a positive number, got {beta}");
        if (samples < 1) throw InputException.Parameter("samples", $"must be >= 1, got {samples}");
        string name = cert.DataSource;
        if (cert.N != train.N || cert.D != train.D)
            throw new InputException(name, null, "n", $"certificate is for n={cert.N}, d={cert.D}; the data have n={train.N}, d={train.D}");
        if (cert.DataFingerprint != train.Fingerprint())
            throw new InputException(name, null, "data_fingerprint", $"certificate was computed on different data (fingerprint mismatch; it names '{cert.DataSource}')");
        if (cert.Q is null || cert.Q.Length != train.N || cert.Q.Any(v => !(v >= 0) || !double.IsFinite(v)))
            throw new InputException(name, null, "q", $"expected {train.N} finite non-negative weights");
        if (!(cert.Smoothing > 0) || !double.IsFinite(cert.Smoothing)) throw new InputException(name, null, "smoothing", "must be a positive number");
        Planar? planar = null;
        if (cert.Mode == "exact-planar")
        {
            planar = Planar.Build(train, cert.PlanarPrimal)
                ?? throw new InputException(name, null, "planar_primal", "exact certificate, but the data are not planar or the arcs do not match its primal");
        }
        return new MarginTeacher(train, cert, beta, samples, seed, planar);
    }

    /// <summary>
    /// g(x) = (beta / S) sum_k &lt;v(z_k), x&gt; 1[&lt;z_k, x&gt; &gt; 0] for every row of <paramref name="data"/> (length data.N),
    /// with the teacher's fixed directions; streamed in chunks of 2048 directions and blocks of 2048 rows.
    /// </summary>
    /// <exception cref="InputException">data.D differs from <see cref="D"/>.</exception>
    public double[] Logits(Dataset data)
    {
        TeacherChecks.SameDimension(this, data);
        int d = D, m = data.N;
        var z = new double[Chunk * d];
        var v = new double[Chunk * d];
        int trainBlock = Math.Min(_n, EvalBlock), evalBlock = Math.Min(m, EvalBlock);
        var a = new double[(long)Chunk * trainBlock];
        var p = new double[(long)Chunk * evalBlock];
        var mm = new double[(long)Chunk * evalBlock];
        var sums = new double[m];
        var part = new double[evalBlock];
        int chunks = (Samples + Chunk - 1) / Chunk;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            int rows = Math.Min(Chunk, Samples - chunk * Chunk);
            TheoryKit.Random.Gaussian.Fill(z, rows, d, Seed, Stream, chunk);
            if (_planar is { } planar) planar.Primal(z, rows, v);
            else SmoothedPrimal(z, rows, a, v, trainBlock);
            // sums_i += sum_k 1[<z_k, x_i> > 0] <v_k, x_i>, in blocks of evaluation rows.
            for (int e0 = 0; e0 < m; e0 += evalBlock)
            {
                int e = Math.Min(evalBlock, m - e0);
                var xe = data.X.AsSpan(e0 * d, e * d);
                Blas.MultiplyABt(z.AsSpan(0, rows * d), xe, p.AsSpan(0, rows * e), rows, e, d);
                MarginGame.ToMask(p.AsSpan(0, rows * e));
                Blas.MultiplyABt(v.AsSpan(0, rows * d), xe, mm.AsSpan(0, rows * e), rows, e, d);
                Array.Clear(part);
                MarginGame.AddMaskedColumnSums(p, mm, null, part, rows, e);
                for (int i = 0; i < e; i++) sums[e0 + i] += part[i];
            }
        }
        var g = new double[m];
        for (int i = 0; i < m; i++) g[i] = Beta * sums[i] / Samples;
        return g;
    }

    /// <summary>V (rows x d) = U_q(z_k) / max(||U_q(z_k)||, c), with U = A diag(q y) X accumulated over blocks of training rows.</summary>
    private void SmoothedPrimal(double[] z, int rows, double[] a, double[] v, int trainBlock)
    {
        int d = D;
        Array.Clear(v, 0, rows * d);
        for (int t0 = 0; t0 < _n; t0 += trainBlock)
        {
            int t = Math.Min(trainBlock, _n - t0);
            Blas.MultiplyABt(z.AsSpan(0, rows * d), _x.AsSpan(t0 * d, t * d), a.AsSpan(0, rows * t), rows, t, d);
            MarginGame.ToMask(a.AsSpan(0, rows * t));
            Blas.Current.Dgemm(false, false, rows, d, t, 1.0, a.AsSpan(0, rows * t), t, _xt.AsSpan(t0 * d, t * d), d, 1.0, v.AsSpan(0, rows * d), d);
        }
        MarginGame.ClipRows(v, rows, d, Certificate.Smoothing);
    }

    /// <summary>
    /// The exact planar primal as a function of z: plane basis (as in <see cref="PlanarMargin.PlaneCoordinates"/>),
    /// the arcs of <see cref="PlanarMargin.Game"/> (sorted cut angles a_i +- pi/2, arcs of length &lt;= 1e-15 dropped)
    /// and one primal direction per arc.
    /// </summary>
    private sealed class Planar
    {
        private readonly double[][] _basis;    // 0, 1 or 2 orthonormal vectors of length d
        private readonly double[] _starts;     // start angle of each kept arc, increasing, in [0, 2 pi)
        private readonly double[] _primal;     // J x 2
        private readonly int _d;

        private Planar(double[][] basis, double[] starts, double[] primal, int d)
        {
            _basis = basis; _starts = starts; _primal = primal; _d = d;
        }

        internal static Planar? Build(Dataset train, double[]? primal)
        {
            int n = train.N, d = train.D;
            var p = PlanarMargin.PlaneCoordinates(train.X, n, d);
            var basis = PlanarMargin.PlaneBasis(train.X, n, d);
            if (p is null || basis is null || primal is null) return null;
            var starts = PlanarMargin.ArcStarts(p, n);
            if (primal.Length != 2 * starts.Length || primal.Any(x => !double.IsFinite(x))) return null;
            var clipped = PlanarMargin.ClipRowsToUnitBall(primal, 2);   // as MarginSolver.Verify does
            return new Planar(basis, starts, clipped, d);
        }

        /// <summary>
        /// V (rows x d): for each z_k, its plane coordinates (&lt;b_1, z&gt;, &lt;b_2, z&gt;) (a missing basis vector gives 0:
        /// with rank 1 the arcs are the two half-planes and the angle 0 or pi picks the right one), the arc containing
        /// their angle, and v = sum_b primal_arc[b] b. Unit-ball rows stay in the unit ball (the basis is orthonormal).
        /// </summary>
        internal void Primal(double[] z, int rows, double[] v)
        {
            Array.Clear(v, 0, rows * _d);
            int arcs = _starts.Length;
            for (int k = 0; k < rows; k++)
            {
                var zk = z.AsSpan(k * _d, _d);
                double c0 = _basis.Length > 0 ? TensorPrimitives.Dot(_basis[0], zk) : 0;
                double c1 = _basis.Length > 1 ? TensorPrimitives.Dot(_basis[1], zk) : 0;
                double phi = PlanarMargin.Wrap(Math.Atan2(c1, c0));
                // Last arc whose start is <= phi; before the first start lies the wrap-around (last) arc.
                int idx = Array.BinarySearch(_starts, phi);
                int arc = idx >= 0 ? idx : (~idx) - 1;
                if (arc < 0) arc = arcs - 1;
                var vk = v.AsSpan(k * _d, _d);
                for (int b = 0; b < _basis.Length; b++) TensorPrimitives.MultiplyAdd(_basis[b], _primal[2 * arc + b], vk, vk);
            }
        }
    }
}
