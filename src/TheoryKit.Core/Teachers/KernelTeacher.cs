using System.Numerics.Tensors;
using TheoryKit.Data;
using TheoryKit.Kernels;
using TheoryKit.LinearAlgebra;
using TheoryKit.Training;

namespace TheoryKit.Teachers;

/// <summary>
/// The kernel-limit teacher of THEORY.md §4 (the default teacher of theory checks; [MLS25] draw soft labels
/// from the kernel limit of an infinite-width teacher): functional gradient descent with the limiting kernel
/// K of THEORY.md §5 on the logistic loss, started at g_0 = 0. With H = (K(x_i, x_j)) the n x n Gram matrix of
/// the training set, alpha_0 = 0 and
/// alpha_{t+1} = alpha_t - (eta / n) l'(y, g_t), g_t = H alpha_t, l'(y, g) = -y sigmoid(-y g),
/// so g_{t+1} = g_t - (eta / n) H l'(y, g_t). After T steps the teacher is g(x) = sum_i alpha_i K(x, x_i).
/// </summary>
public sealed class KernelTeacher : ITeacher
{
    /// <summary>Largest training set accepted: the Gram matrix takes 8 n^2 bytes (3.2 GB at n = 20000).</summary>
    public const int MaxTrainingPoints = 20000;

    private readonly double[] _x, _norms;
    private readonly int _n;

    private KernelTeacher(double[] x, double[] norms, int n, int d, double[] alpha, double[] trainLogits, double eta, int steps, string source,
        int? stoppedAt = null, double? validationError = null)
    {
        _x = x; _n = n; D = d; Alpha = alpha; TrainLogits = trainLogits; Eta = eta; Steps = steps; StoppedAt = stoppedAt; ValidationError = validationError;
        _norms = norms;
        Description = $"kernel-limit teacher: functional GD with the limiting kernel on the logistic loss, eta = {eta:G4}, {steps} steps"
            + (stoppedAt is { } t ? $", early-stopped at step {t} (validation error {validationError:G4})" : "") + $", n = {n}, d = {d} ({source})";
    }

    /// <inheritdoc/>
    public string Kind => "kernel";

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public int D { get; }

    /// <summary>Number of training points n.</summary>
    public int N => _n;

    /// <summary>Kernel weights alpha_T (length n, one per training point, in training order).</summary>
    public double[] Alpha { get; }

    /// <summary>g_T = H alpha_T on the training set (length n), as computed by the last step of <see cref="Fit"/>.</summary>
    public double[] TrainLogits { get; }

    /// <summary>Step size eta of the functional gradient descent.</summary>
    public double Eta { get; }

    /// <summary>Number of steps T (the cap, with early stopping).</summary>
    public int Steps { get; }

    /// <summary>With early stopping: the step whose alpha the teacher keeps (lowest validation logistic risk); null without.</summary>
    public int? StoppedAt { get; }

    /// <summary>With early stopping: the validation error at <see cref="StoppedAt"/> (ties g = 0 count half); null without.</summary>
    public double? ValidationError { get; }

    /// <summary>
    /// Runs T = <paramref name="steps"/> steps of functional gradient descent with the limiting kernel from 0
    /// (see the class summary). Cost: the n x n Gram matrix (one GEMM for the inner products plus O(n^2) angle
    /// work) and one n x n matrix-vector product per step. The Gram matrix is K(x_i, x_j) of
    /// <see cref="NtkKernel.Limiting"/>, with the angle from the GEMM inner products (pairs with |cos theta| &gt; 1 - 1e-4
    /// use <see cref="NtkKernel.Angle"/>, accurate near 0 and pi); it agrees with <see cref="NtkKernel.LimitingGram"/>
    /// to about 1e-13. THEORY.md §4, §5; [MLS25].
    /// </summary>
    /// <param name="train">Training data, X n x d row-major with n &lt;= <see cref="MaxTrainingPoints"/>, labels +-1.</param>
    /// <param name="eta">Step size eta &gt; 0 (finite). Plain GD is stable for eta &lt; 8 / lambda_max(H / n) and lambda_max(H / n) &lt;= max_i ||x_i||^2 / 2.</param>
    /// <param name="steps">Number of steps T &gt;= 1.</param>
    /// <param name="progress">Optional progress: the number of steps done, every 100 steps.</param>
    /// <exception cref="InputException">eta is not a positive finite number, steps &lt; 1, or n &gt; <see cref="MaxTrainingPoints"/>.</exception>
    public static KernelTeacher Fit(Dataset train, double eta = 1.0, int steps = 1000, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        return FitMany(train, [train.Y], eta, steps, null, null, progress: progress)[0];
    }

    /// <summary>
    /// Several kernel teachers on the same points with their own labels (e.g. one per label-noise draw), trained
    /// together: the n x n Gram matrix is built once and each step is one GEMM H (n x n) times the n x k matrix of the
    /// teachers' alphas. Teacher j is exactly <see cref="Fit"/> on (train.X, labels[j]) when there is no validation
    /// set. With a validation set (validation.X, validationLabels[j]) each teacher is early-stopped: every
    /// <paramref name="checkEvery"/> steps (and at step T; never at step 0, where g = 0 teaches nothing) its validation logistic risk (1/n_v) sum_i ln(1 + exp(-y_i g(x_i)))
    /// is measured and the alpha with the lowest risk is kept (the latest on ties). The risk, not the 0-1 error: on 200
    /// validation points the error moves in steps of 0.5 points and its minimum falls at chance steps. Measured on Fashion-MNIST
    /// shirt vs T-shirt (n = 1000, eta = 16, 3000 steps, 5 seeds), the teachers' mean held-out accuracy at label-flip rates 0,
    /// 0.1, 0.2, 0.3 was 83.4%, 81.4%, 81.5%, 77.2% when stopped at the lowest error (steps as early as 10) and 83.85%,
    /// 81.85%, 80.6%, 79.0% at the lowest risk. THEORY.md §4, §9 (teachers early-stopped on a validation split).
    /// </summary>
    /// <param name="train">Training points (n x d row-major, n &lt;= <see cref="MaxTrainingPoints"/>); its labels are not used.</param>
    /// <param name="labels">Per teacher, n labels +-1.</param>
    /// <param name="eta">Step size eta &gt; 0 (finite).</param>
    /// <param name="steps">Steps T &gt;= 1 (the cap with early stopping).</param>
    /// <param name="validation">Validation points of the same dimension, or null (no early stopping).</param>
    /// <param name="validationLabels">Per teacher, the validation labels +-1 (required with a validation set).</param>
    /// <param name="checkEvery">Steps between validation checks (&gt;= 1).</param>
    /// <param name="progress">Optional progress: the number of steps done, every 100 steps.</param>
    /// <exception cref="InputException">Bad eta, steps, checkEvery, n, label counts or dimensions.</exception>
    public static KernelTeacher[] FitMany(Dataset train, IReadOnlyList<double[]> labels, double eta, int steps, Dataset? validation,
        IReadOnlyList<double[]>? validationLabels, int checkEvery = 10, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(labels);
        if (!(eta > 0) || !double.IsFinite(eta)) throw InputException.Parameter("eta", $"must be a positive number, got {eta}");
        if (steps < 1) throw InputException.Parameter("steps", $"must be >= 1, got {steps}");
        if (checkEvery < 1) throw InputException.Parameter("check-every", $"must be >= 1, got {checkEvery}");
        int n = train.N, d = train.D, k = labels.Count;
        if (k == 0) throw InputException.Parameter("labels", "at least one teacher is needed");
        if (labels.Any(y => y.Length != n)) throw InputException.Parameter("labels", $"every teacher needs {n} labels");
        if (n > MaxTrainingPoints)
            throw InputException.Parameter("n", $"the kernel teacher holds the n x n Gram matrix ({8.0 * n * n / 1e9:G3} GB for n = {n}); at most {MaxTrainingPoints} training points");
        double[]? cv = null;
        int nv = 0;
        if (validation is not null)
        {
            if (validation.D != d) throw InputException.Parameter("validation", $"validation data have d = {validation.D}, training data d = {d}");
            if (validationLabels is null || validationLabels.Count != k || validationLabels.Any(y => y.Length != validation.N))
                throw InputException.Parameter("validation", $"every teacher needs {validation.N} validation labels");
            nv = validation.N;
            cv = new double[(long)nv * n];
            KernelBlocks.Cross(validation.X, 0, nv, KernelBlocks.RowNorms(validation.X, nv, d), train.X, n, KernelBlocks.RowNorms(train.X, n, d), d, cv);
        }
        var norms = KernelBlocks.RowNorms(train.X, n, d);
        var h = new double[(long)n * n];
        KernelBlocks.Cross(train.X, 0, n, norms, train.X, n, norms, d, h);
        var alpha = new double[(long)n * k];    // n x k row-major: column j is teacher j's alpha
        var g = new double[(long)n * k];        // g_t = H alpha_t; g_0 = 0
        var v = new double[(long)nv * k];
        var best = new double[(long)n * k];
        var bestRisk = Enumerable.Repeat(double.PositiveInfinity, k).ToArray();
        var bestErr = new double[k];
        var bestStep = new int[k];
        double scale = eta / n;
        void Check(int t)
        {
            Blas.MultiplyAB(cv, alpha, v, nv, k, n);
            for (int j = 0; j < k; j++)
            {
                double err = 0, risk = 0;
                var yv = validationLabels![j];
                for (int i = 0; i < nv; i++)
                {
                    double m = yv[i] * v[i * k + j];
                    if (m < 0) err++; else if (m == 0) err += 0.5;
                    risk += Losses.Softplus(-m);
                }
                err /= nv; risk /= nv;
                if (risk <= bestRisk[j])
                {
                    bestRisk[j] = risk; bestErr[j] = err; bestStep[j] = t;
                    for (int i = 0; i < n; i++) best[i * k + j] = alpha[i * k + j];
                }
            }
        }
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < n; i++)
                for (int j = 0; j < k; j++) alpha[i * k + j] -= scale * Losses.LogisticDerivative(labels[j][i], g[i * k + j]);
            if (k == 1) KernelBlocks.MatVec(h, alpha, g, n, n);
            else Blas.MultiplyAB(h, alpha, g, n, k, n);
            if (cv is not null && ((t + 1) % checkEvery == 0 || t + 1 == steps)) Check(t + 1);
            if ((t + 1) % 100 == 0) progress?.Report(t + 1);
        }
        var teachers = new KernelTeacher[k];
        for (int j = 0; j < k; j++)
        {
            var aj = new double[n];
            var src = cv is null ? alpha : best;
            for (int i = 0; i < n; i++) aj[i] = src[i * k + j];
            double[] gj;
            if (cv is null) { gj = new double[n]; for (int i = 0; i < n; i++) gj[i] = g[i * k + j]; }
            else { gj = new double[n]; KernelBlocks.MatVec(h, aj, gj, n, n); }
            teachers[j] = new KernelTeacher(train.X, norms, n, d, aj, gj, eta, steps, train.Provenance.Source,
                cv is null ? null : bestStep[j], cv is null ? null : bestErr[j]);
        }
        return teachers;
    }

    /// <summary>
    /// g(x) = sum_i alpha_i K(x, x_i) for every row of <paramref name="data"/> (length data.N). The cross-kernel
    /// matrix is built in row blocks of at most 2^22 entries (never n_data x n at once). On the training rows this
    /// equals H alpha_T (<see cref="TrainLogits"/>) up to rounding. THEORY.md §4, §5.
    /// </summary>
    /// <exception cref="InputException">data.D differs from <see cref="D"/>.</exception>
    public double[] Logits(Dataset data)
    {
        TeacherChecks.SameDimension(this, data);
        int m = data.N, d = D;
        var norms = KernelBlocks.RowNorms(data.X, m, d);
        var g = new double[m];
        int rows = Math.Clamp(KernelBlocks.BlockEntries / _n, 1, m);
        var c = new double[(long)rows * _n];
        for (int r0 = 0; r0 < m; r0 += rows)
        {
            int r = Math.Min(rows, m - r0);
            KernelBlocks.Cross(data.X, r0, r, norms, _x, _n, _norms, d, c);
            KernelBlocks.MatVec(c, Alpha, g.AsSpan(r0, r), r, _n);
        }
        return g;
    }
}

/// <summary>Blocks of the limiting kernel K of THEORY.md §5 through GEMM, and matrix-vector products.</summary>
internal static class KernelBlocks
{
    /// <summary>Entries per cross-kernel block (2^22: 32 MB of doubles); tests lower it to exercise several blocks.</summary>
    internal static int BlockEntries = 1 << 22;

    /// <summary>Above this |cos theta| the angle is recomputed by <see cref="NtkKernel.Angle"/> (acos is ill-conditioned near +-1).</summary>
    private const double NearParallel = 1 - 1e-4;

    internal static double[] RowNorms(double[] x, int n, int d)
    {
        var r = new double[n];
        for (int i = 0; i < n; i++) r[i] = TensorPrimitives.Norm(x.AsSpan(i * d, d));
        return r;
    }

    /// <summary>
    /// C (na x nb, row-major) = K(a_i, b_j) for rows a0 .. a0+na-1 of A (row-major, d columns) and all nb rows of B,
    /// with precomputed row norms: K = &lt;a, b&gt; (pi - theta) / (2 pi), 0 when either vector is zero.
    /// </summary>
    internal static void Cross(double[] a, int a0, int na, double[] normsA, double[] b, int nb, double[] normsB, int d, double[] c)
    {
        var aBlock = a.AsSpan(a0 * d, na * d);
        Blas.MultiplyABt(aBlock, b, c.AsSpan(0, (int)((long)na * nb)), na, nb, d);
        Parallel.For(0, na, i =>
        {
            double ni = normsA[a0 + i];
            var row = c.AsSpan((int)((long)i * nb), nb);
            for (int j = 0; j < nb; j++)
            {
                double nj = normsB[j], dot = row[j];
                if (ni == 0 || nj == 0) { row[j] = 0; continue; }
                double cos = dot / (ni * nj), theta;
                if (Math.Abs(cos) > NearParallel) theta = NtkKernel.Angle(a.AsSpan((a0 + i) * d, d), b.AsSpan(j * d, d));
                else theta = Math.Acos(cos);
                row[j] = dot * (Math.PI - theta) / (2 * Math.PI);
            }
        });
    }

    /// <summary>y = M v for M rows x cols row-major (row by row, deterministic for any thread count).</summary>
    internal static void MatVec(double[] m, double[] v, Span<double> y, int rows, int cols)
    {
        var result = new double[rows];
        Parallel.For(0, rows, i => result[i] = TensorPrimitives.Dot(m.AsSpan((int)((long)i * cols), cols), v));
        result.CopyTo(y);
    }
}
