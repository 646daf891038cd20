using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using TheoryKit.Data;
using TheoryKit.LinearAlgebra;
using TheoryKit.Networks;

namespace TheoryKit.Training;

/// <summary>Floating-point precision of the training engine.</summary>
public enum Precision
{
    /// <summary>float64 (default).</summary>
    Double,
    /// <summary>float32: half the memory and about twice the GEMM rate.</summary>
    Single,
}

/// <summary>Settings of one training run (THEORY.md §3).</summary>
/// <param name="Width">Width m.</param>
/// <param name="Steps">Number of gradient steps T.</param>
/// <param name="Eta">Step size eta (&gt; 0; [JT20] allow eta &lt;= 1).</param>
/// <param name="Labels">Hard (logistic loss on y) or soft (KL to teacher probabilities p).</param>
/// <param name="Symmetric">Symmetric initialisation (f(x; W0) = 0; m even).</param>
/// <param name="Radius">rho of projected GD: rows are kept in ||w_s - w_s0|| &lt;= rho / sqrt(m); null for plain GD.</param>
/// <param name="Seed">Seed of the initialisation.</param>
/// <param name="Threads">Threads (0: all cores). Results are bit-identical for any thread count.</param>
/// <param name="Precision">float64 or float32.</param>
/// <param name="RecordEvery">Record the trajectory every this many steps (the loss averages use every step).</param>
public sealed record TrainingOptions(int Width, int Steps, double Eta, LabelKind Labels = LabelKind.Hard, bool Symmetric = false,
    double? Radius = null, ulong Seed = 0, int Threads = 0, Precision Precision = Precision.Double, int RecordEvery = 1)
{
    /// <summary>Checks the settings.</summary>
    /// <exception cref="InputException">A setting is impossible.</exception>
    public void Validate()
    {
        if (Width < 1) throw InputException.Parameter("width", $"must be >= 1, got {Width}");
        if (Steps < 1) throw InputException.Parameter("steps", $"must be >= 1, got {Steps}");
        if (!(Eta > 0) || !double.IsFinite(Eta)) throw InputException.Parameter("eta", $"must be positive, got {Eta}");
        if (Radius is { } r && !(r > 0)) throw InputException.Parameter("radius", $"must be positive, got {r}");
        if (RecordEvery < 1) throw InputException.Parameter("record-every", "must be >= 1");
        if (Symmetric && Width % 2 != 0) throw InputException.Parameter("width", $"symmetric initialisation needs an even width, got {Width}");
    }
}

/// <summary>One recorded point of a trajectory (THEORY.md §3), evaluated at W_t before step t.</summary>
/// <param name="Step">t.</param>
/// <param name="Loss">Training objective L(W_t): logistic risk (hard) or mean KL to the teacher (soft).</param>
/// <param name="Risk">Hard-label logistic risk R(W_t) on the true labels.</param>
/// <param name="Error">0-1 training error on the true labels.</param>
/// <param name="MaxRowMovement">max_s ||w_{s,t} - w_{s,0}||.</param>
/// <param name="FrobeniusMovement">||W_t - W_0||_F.</param>
public sealed record TrajectoryPoint(int Step, double Loss, double Risk, double Error, double MaxRowMovement, double FrobeniusMovement);

/// <summary>Outcome of a training run.</summary>
/// <param name="Trajectory">Recorded points (every RecordEvery steps, and the final state at step T).</param>
/// <param name="FinalLoss">L(W_T).</param>
/// <param name="EpochAveragedLoss">(1/T) sum_{t&lt;T} L(W_t), the quantity the neuron bounds control.</param>
/// <param name="EpochAveragedRisk">(1/T) sum_{t&lt;T} R(W_t) on the true labels.</param>
/// <param name="FinalRisk">R(W_T) on the true labels.</param>
/// <param name="TrainError">0-1 error at W_T on the training set.</param>
/// <param name="TestRisk">Logistic risk at W_T on the held-out set (null without one).</param>
/// <param name="TestError">0-1 error at W_T on the held-out set (null without one).</param>
/// <param name="SecondsPerStep">Wall-clock seconds per gradient step.</param>
/// <param name="Backend">GEMM backend, rows per block and precision, e.g. "blocked GEMM (64-row blocks): OpenBLAS ..., float64".</param>
/// <param name="W">Final first layer W_T (m x d row-major, float64).</param>
public sealed record TrainingResult(TrajectoryPoint[] Trajectory, double FinalLoss, double EpochAveragedLoss, double EpochAveragedRisk,
    double FinalRisk, double TrainError, double? TestRisk, double? TestError, double SecondsPerStep, string Backend, double[] W)
{
    /// <summary>1 - TestError, or null.</summary>
    public double? TestAccuracy => TestError is { } e ? 1 - e : null;
}

/// <summary>
/// Full-batch (projected) gradient descent on the two-layer ReLU student (THEORY.md §1-3).
/// One step is two GEMM-shaped products per block of rows: the pre-activations Z_b = X_b W^T (B x m) and
/// the gradient accumulation grad += G_b^T X_b (m x d), with G_is = l'(f_i) a_s 1[&lt;w_s, x_i&gt; &gt; 0] / (n sqrt(m))
/// computed in place in Z_b by one fused pass that also forms f_i; then W -= eta grad. Blocks of
/// B = 2^18 / m (d &lt; 128) or 2^20 / m rows keep the only n-dependent buffer at B x m (never n x m, never n x n, nothing per step),
/// so the same code is GEMM-bound at large d and stays in cache at small d, where NumPy-style code
/// streams several n x m temporaries. Blocks are visited in order and every sum has a fixed order, so
/// trajectories are bit-identical for any thread count.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// Elements of the per-block pre-activation buffer (B = elements / m rows): 2^20 for d &gt;= 128, where the
    /// GEMMs dominate and like tall blocks, and 2^18 below, where the block should stay in cache (measured on
    /// n = 10000, m = 4096: d = 2 and 50 are fastest with 64-row blocks, d = 784 with 256 rows).
    /// </summary>
    public static int BlockElements(int d) => d >= 128 ? 1 << 20 : 1 << 18;

    /// <summary>Tests only: rows per block instead of BlockElements(d) / m (the blocks change only the summation grouping).</summary>
    internal static int? ForceBlockRows;

    /// <summary>Trains a student from its initialisation.</summary>
    /// <param name="train">Training data (n x d, labels +-1).</param>
    /// <param name="softLabels">Teacher probabilities p_i in [0, 1] (length n) for soft labels; null for hard.</param>
    /// <param name="options">Width, steps, eta, label kind, projection, seed, threads, precision.</param>
    /// <param name="test">Optional held-out data evaluated at W_T.</param>
    /// <param name="progress">Optional progress (step count).</param>
    /// <exception cref="InputException">Invalid options, soft labels missing or of the wrong length, or test dimension != train dimension.</exception>
    public static TrainingResult Train(Dataset train, double[]? softLabels, TrainingOptions options, Dataset? test = null, IProgress<int>? progress = null)
    {
        options.Validate();
        if (options.Labels == LabelKind.Soft && (softLabels is null || softLabels.Length != train.N))
            throw InputException.Parameter("labels", "soft-label training needs one teacher probability per training point");
        if (softLabels is not null && softLabels.Any(p => !(p >= 0 && p <= 1)))
            throw InputException.Parameter("soft-labels", "teacher probabilities must lie in [0, 1]");
        if (test is not null && test.D != train.D) throw InputException.Parameter("test", $"test data have d = {test.D}, training data d = {train.D}");
        var net = TwoLayerNetwork.Initialise(options.Width, train.D, options.Seed, options.Symmetric);
        return options.Precision == Precision.Single
            ? new Engine<float>(train, softLabels, net, options).Run(options, test, progress)
            : new Engine<double>(train, softLabels, net, options).Run(options, test, progress);
    }

    /// <summary>
    /// Logits f(x_i; W) for X (n x d row-major) and W (m x d row-major), second layer a (length m): one GEMM per
    /// block of rows (<see cref="BlockElements"/>), so no n x m buffer is built.
    /// </summary>
    public static double[] Logits(double[] w, double[] a, double[] x, int n, int d)
    {
        int m = a.Length, block = Math.Clamp(BlockElements(d) / m, 1, Math.Max(1, n));
        var z = new double[(long)block * m];
        var f = new double[n];
        double scale = 1 / Math.Sqrt(m);
        for (int b0 = 0; b0 < n; b0 += block)
        {
            int rows = Math.Min(block, n - b0), start = b0;
            Blas.MultiplyABt(x.AsSpan(b0 * d, rows * d), w, z, rows, m, d);
            Parallel.For(0, rows, r =>
            {
                double s = 0;
                var zr = z.AsSpan(r * m, m);
                for (int k = 0; k < m; k++) if (zr[k] > 0) s += a[k] * zr[k];
                f[start + r] = s * scale;
            });
        }
        return f;
    }

    /// <summary>Mean logistic risk and 0-1 error of logits f against labels y (an error counts f y &lt;= 0).</summary>
    public static (double risk, double error) RiskAndError(double[] f, double[] y)
    {
        double r = 0, e = 0;
        for (int i = 0; i < f.Length; i++) { r += Losses.Logistic(y[i], f[i]); if (f[i] * y[i] <= 0) e++; }
        return (r / f.Length, e / f.Length);
    }

    private sealed class Engine<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly int _n, _d, _m, _threads, _block;
        private readonly T[] _x, _w, _w0, _aScaled, _zb, _grad;
        private readonly double[] _a, _y, _p, _lossRow, _riskRow, _errRow;
        private readonly LabelKind _kind;

        public Engine(Dataset data, double[]? soft, TwoLayerNetwork net, TrainingOptions o)
        {
            _n = data.N; _d = data.D; _m = net.Width; _kind = o.Labels;
            _threads = o.Threads > 0 ? o.Threads : Environment.ProcessorCount;
            _block = Math.Clamp(ForceBlockRows ?? BlockElements(_d) / _m, 1, _n);
            _x = Shared(data.X);                  // read-only: float64 uses the caller's arrays, no copy
            _y = data.Y; _p = soft ?? data.Y.Select(v => v > 0 ? 1.0 : 0.0).ToArray();
            _w0 = Shared(net.W0);
            _w = (T[])_w0.Clone();
            _a = net.A;
            double scale = 1 / Math.Sqrt(_m);
            _aScaled = net.A.Select(a => T.CreateTruncating(a * scale)).ToArray();
            _lossRow = new double[_n]; _riskRow = new double[_n]; _errRow = new double[_n];
            _zb = new T[(long)_block * _m];
            _grad = new T[(long)_m * _d];
        }

        /// <summary>The array itself in float64 (callers never write to it), a float32 copy otherwise.</summary>
        private static T[] Shared(double[] v)
        {
            if (typeof(T) == typeof(double)) return (T[])(object)v;
            var r = new T[v.Length];
            for (long k = 0; k < v.Length; k++) r[k] = T.CreateTruncating(v[k]);
            return r;
        }

        private static void Gemm(bool ta, bool tb, int m, int n, int k, double alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, double beta, Span<T> c, int ldc)
        {
            if (typeof(T) == typeof(double))
                Blas.Current.Dgemm(ta, tb, m, n, k, alpha, MemoryMarshal.Cast<T, double>(a), lda, MemoryMarshal.Cast<T, double>(b), ldb, beta, MemoryMarshal.Cast<T, double>(c), ldc);
            else
                Blas.Current.Sgemm(ta, tb, m, n, k, (float)alpha, MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb, (float)beta, MemoryMarshal.Cast<T, float>(c), ldc);
        }

        public TrainingResult Run(TrainingOptions o, Dataset? test, IProgress<int>? progress)
        {
            Blas.Current.SetThreads(_threads);
            var record = new List<TrajectoryPoint>();
            double sumLoss = 0, sumRisk = 0;
            var clock = Stopwatch.StartNew();
            for (int t = 0; t < o.Steps; t++)
            {
                bool recordNow = t % o.RecordEvery == 0;
                var (loss, risk, err) = Step(o.Eta, update: true, measureMovement: recordNow);
                sumLoss += loss; sumRisk += risk;
                if (o.Radius is { } rho) Project(rho / Math.Sqrt(_m));
                if (recordNow) record.Add(new TrajectoryPoint(t, loss, risk, err, _moveMax, _moveFro));
                if ((t + 1) % 100 == 0) progress?.Report(t + 1);
            }
            double secondsPerStep = clock.Elapsed.TotalSeconds / o.Steps;
            var (fl, fr, fe) = Step(0, update: false, measureMovement: true);
            record.Add(new TrajectoryPoint(o.Steps, fl, fr, fe, _moveMax, _moveFro));
            var w = Array.ConvertAll(_w, v => double.CreateTruncating(v));
            double? testRisk = null, testErr = null;
            if (test is not null)
            {
                var (r, e) = RiskAndError(Logits(w, _a, test.X, test.N, test.D), test.Y);
                testRisk = r; testErr = e;
            }
            string backend = $"blocked GEMM ({_block}-row blocks): {Blas.Current.Name}" + (typeof(T) == typeof(float) ? ", float32" : ", float64");
            return new TrainingResult(record.ToArray(), fl, sumLoss / o.Steps, sumRisk / o.Steps, fr, fe, testRisk, testErr, secondsPerStep, backend, w);
        }

        private double _moveMax, _moveFro;
        private double[]? _rowSq;

        /// <summary>max_s ||w_s - w_s0|| and ||W - W0||_F of the current W into _moveMax, _moveFro.</summary>
        private void Movement()
        {
            double max = 0, fro = 0;
            foreach (var r in RowDistancesSquared()) { fro += r; max = Math.Max(max, r); }
            _moveMax = Math.Sqrt(max); _moveFro = Math.Sqrt(fro);
        }

        /// <summary>||w_s - w_s0||^2 for every row s (a reused buffer of length m), summed over j in order.</summary>
        private double[] RowDistancesSquared()
        {
            var sq = _rowSq ??= new double[_m];
            for (int s = 0; s < _m; s++)
            {
                double acc = 0;
                for (int j = 0, k = s * _d; j < _d; j++, k++)
                {
                    double dlt = double.CreateTruncating(_w[k] - _w0[k]);
                    acc += dlt * dlt;
                }
                sq[s] = acc;
            }
            return sq;
        }

        /// <summary>Forward at the current W, losses, and (if update) W -= eta grad. Returns (loss, risk, error) at the current W.</summary>
        private (double loss, double risk, double err) Step(double eta, bool update, bool measureMovement)
        {
            if (measureMovement) Movement();
            BlockedStep(eta, update);
            double loss = 0, risk = 0, err = 0;
            for (int i = 0; i < _n; i++) { loss += _lossRow[i]; risk += _riskRow[i]; err += _errRow[i]; }
            return (loss / _n, risk / _n, err / _n);
        }

        /// <summary>Per-row loss bookkeeping and the derivative of the objective in f_i, divided by n.</summary>
        private double RowDerivative(int i, double f)
        {
            _riskRow[i] = Losses.Logistic(_y[i], f);
            _errRow[i] = f * _y[i] <= 0 ? 1 : 0;
            if (_kind == LabelKind.Hard)
            {
                _lossRow[i] = _riskRow[i];
                return Losses.LogisticDerivative(_y[i], f) / _n;
            }
            _lossRow[i] = Losses.KL(_p[i], f);
            return Losses.KLDerivative(_p[i], f) / _n;
        }

        private void BlockedStep(double eta, bool update)
        {
            if (update) Array.Clear(_grad);
            var po = new ParallelOptions { MaxDegreeOfParallelism = _threads };
            for (int b0 = 0; b0 < _n; b0 += _block)
            {
                int rows = Math.Min(_block, _n - b0), start = b0;
                var xb = _x.AsSpan(b0 * _d, rows * _d);
                Gemm(false, true, rows, _m, _d, 1.0, xb, _d, _w, _d, 0.0, _zb, _m);              // Z_b = X_b W^T
                Parallel.For(0, rows, po, r =>
                {
                    var zr = _zb.AsSpan(r * _m, _m);
                    double g = RowDerivative(start + r, double.CreateTruncating(ReluDot(zr, _aScaled)));
                    if (update) MaskScale(zr, _aScaled, T.CreateTruncating(g));                   // G_b row = g a' 1[z > 0]
                });
                if (update) Gemm(true, false, _m, _d, rows, 1.0, _zb, _m, xb, _d, 1.0, _grad, _d);  // grad += G_b^T X_b
            }
            if (update) TensorPrimitives.MultiplyAdd(_grad, T.CreateTruncating(-eta), _w, _w);     // W -= eta grad
        }

        /// <summary>sum_s a'_s relu(z_s), vectorised, in a fixed order.</summary>
        private static T ReluDot(ReadOnlySpan<T> z, ReadOnlySpan<T> a)
        {
            var acc = Vector<T>.Zero;
            int k = 0, w = Vector<T>.Count;
            for (; k <= z.Length - w; k += w)
                acc += Vector.Max(new Vector<T>(z.Slice(k, w)), Vector<T>.Zero) * new Vector<T>(a.Slice(k, w));
            T s = Vector.Sum(acc);
            for (; k < z.Length; k++) if (z[k] > T.Zero) s += z[k] * a[k];
            return s;
        }

        /// <summary>z_s &lt;- g a'_s 1[z_s &gt; 0] in place.</summary>
        private static void MaskScale(Span<T> z, ReadOnlySpan<T> a, T g)
        {
            int k = 0, w = Vector<T>.Count;
            var gv = new Vector<T>(g);
            for (; k <= z.Length - w; k += w)
            {
                var zv = new Vector<T>(z.Slice(k, w));
                Vector.ConditionalSelect(Vector.GreaterThan(zv, Vector<T>.Zero), gv * new Vector<T>(a.Slice(k, w)), Vector<T>.Zero).CopyTo(z.Slice(k, w));
            }
            for (; k < z.Length; k++) z[k] = z[k] > T.Zero ? g * a[k] : T.Zero;
        }

        /// <summary>Projects every row onto the ball ||w_s - w_s0|| &lt;= radius (THEORY.md §3).</summary>
        private void Project(double radius)
        {
            var sq = RowDistancesSquared();
            for (int s = 0; s < _m; s++)
            {
                double norm = Math.Sqrt(sq[s]);
                if (norm <= radius) continue;
                var scale = T.CreateTruncating(radius / norm);
                for (int j = 0, k = s * _d; j < _d; j++, k++) _w[k] = _w0[k] + (_w[k] - _w0[k]) * scale;
            }
        }
    }
}
