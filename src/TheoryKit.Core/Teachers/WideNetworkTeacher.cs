using TheoryKit.Data;
using TheoryKit.Networks;
using TheoryKit.Training;

namespace TheoryKit.Teachers;

/// <summary>
/// The wide-network teacher of THEORY.md §4 (practical distillation): a two-layer ReLU student of large width
/// m_T (THEORY.md §1) trained by full-batch gradient descent on the hard labels with the logistic loss
/// (<see cref="Trainer.Train"/>, THEORY.md §3). Its logits are g(x) = f(x; W_T) = (1/sqrt(m_T)) sum_s a_s relu(&lt;w_s, x&gt;)
/// with the final first layer W_T and the fixed second layer a of <see cref="TwoLayerNetwork.Initialise"/>(m_T, d, seed).
/// Source: THEORY.md §4; [MLS25], [HVD15].
/// </summary>
public sealed class WideNetworkTeacher : ITeacher
{
    private WideNetworkTeacher(int width, int d, double[] w, double[] a, TrainingResult training, int steps, double eta, ulong seed, string source)
    {
        Width = width; D = d; W = w; A = a; Training = training; Steps = steps; Eta = eta; Seed = seed;
        Description = $"wide-network teacher: width {width} trained on hard labels, {steps} GD steps, eta = {eta:G4}, seed {seed}, "
            + $"train error {training.TrainError:G4} ({source})";
    }

    /// <inheritdoc/>
    public string Kind => "wide-network";

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public int D { get; }

    /// <summary>Width m_T of the teacher network.</summary>
    public int Width { get; }

    /// <summary>Final first layer W_T, m_T x d row-major.</summary>
    public double[] W { get; }

    /// <summary>Fixed second layer a in {-1, +1}^{m_T}.</summary>
    public double[] A { get; }

    /// <summary>The training run (trajectory, losses, final W).</summary>
    public TrainingResult Training { get; }

    /// <summary>Number of gradient steps.</summary>
    public int Steps { get; }

    /// <summary>Step size eta.</summary>
    public double Eta { get; }

    /// <summary>Seed of the initialisation.</summary>
    public ulong Seed { get; }

    /// <summary>
    /// Trains the teacher: <see cref="Trainer.Train"/> on the hard labels of <paramref name="train"/> with
    /// standard (not symmetric) initialisation from <paramref name="seed"/>, plain GD, float64.
    /// </summary>
    /// <param name="train">Training data (n x d, labels +-1).</param>
    /// <param name="width">Width m_T &gt;= 1 (large: the teacher should fit the data).</param>
    /// <param name="steps">Number of GD steps T &gt;= 1.</param>
    /// <param name="eta">Step size eta &gt; 0 (finite).</param>
    /// <param name="seed">Seed of the initialisation (streams "init-w" and "init-a").</param>
    /// <param name="progress">Optional progress (steps done).</param>
    /// <exception cref="InputException">width &lt; 1, steps &lt; 1, or eta not a positive finite number.</exception>
    public static WideNetworkTeacher Fit(Dataset train, int width, int steps, double eta, ulong seed, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (width < 1) throw InputException.Parameter("width", $"must be >= 1, got {width}");
        if (steps < 1) throw InputException.Parameter("steps", $"must be >= 1, got {steps}");
        if (!(eta > 0) || !double.IsFinite(eta)) throw InputException.Parameter("eta", $"must be a positive number, got {eta}");
        var options = new TrainingOptions(width, steps, eta, LabelKind.Hard, Symmetric: false, Seed: seed, RecordEvery: Math.Max(1, steps / 100));
        var result = Trainer.Train(train, null, options, null, progress);
        var a = TwoLayerNetwork.Initialise(width, train.D, seed).A;
        return new WideNetworkTeacher(width, train.D, result.W, a, result, steps, eta, seed, train.Provenance.Source);
    }

    /// <summary>
    /// g(x_i) = f(x_i; W_T) for every row of <paramref name="data"/> (length data.N), via <see cref="Trainer.Logits"/>
    /// (one GEMM per block of rows; blocks keep the rows x m_T pre-activation matrix at most 2^22 entries).
    /// </summary>
    /// <exception cref="InputException">data.D differs from <see cref="D"/>.</exception>
    public double[] Logits(Dataset data)
    {
        TeacherChecks.SameDimension(this, data);
        int n = data.N, d = D, rows = Math.Clamp(KernelBlocks.BlockEntries / Width, 1, n);
        if (rows == n) return Trainer.Logits(W, A, data.X, n, d);
        var g = new double[n];
        for (int r0 = 0; r0 < n; r0 += rows)
        {
            int r = Math.Min(rows, n - r0);
            Trainer.Logits(W, A, data.X.AsSpan(r0 * d, r * d).ToArray(), r, d).CopyTo(g, r0);
        }
        return g;
    }
}
