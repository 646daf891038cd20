using TheoryKit.Data;
using TheoryKit.Margins;
using TheoryKit.Random;

namespace TheoryKit.Teachers;

/// <summary>The kinds of teacher of THEORY.md §4.</summary>
public enum TeacherKind
{
    /// <summary>The infinite-width network: functional GD with the limiting kernel (<see cref="KernelTeacher"/>).</summary>
    Kernel,
    /// <summary>Built from a margin certificate (<see cref="MarginTeacher"/>).</summary>
    Margin,
    /// <summary>A wide network trained on hard labels (<see cref="WideNetworkTeacher"/>).</summary>
    Wide,
}

/// <summary>
/// What teacher makes the soft labels p = sigmoid(g / tau) of a run (THEORY.md §4, §9), fitted on a training set by
/// <see cref="Fit"/>. Every setting has a default; the fit depends on the data and <see cref="Seed"/> alone (not on the
/// machine's speed or the thread count).
/// </summary>
/// <param name="Kind">Kernel (default), margin or wide.</param>
/// <param name="Tau">Temperature tau &gt; 0 of the soft labels (default 1).</param>
/// <param name="Width">Width of the wide-network teacher (default 2048).</param>
/// <param name="Steps">Steps of the kernel or wide-network teacher (default <see cref="DefaultSteps"/>).</param>
/// <param name="Eta">Step size of the kernel or wide-network teacher (default <see cref="DefaultEta"/>).</param>
/// <param name="Seed">Master seed (the wide teacher's initialisation and the margin teacher's directions use stream "teacher").</param>
/// <param name="EarlyStop">Kernel teacher: keep the step of lowest error on a validation split (given to <see cref="Fit"/>).</param>
/// <param name="Certificate">Margin teacher: path of a margin certificate of the training set (null: certify with
/// <see cref="MarginOptimisationSamples"/> and <see cref="MarginSamples"/>).</param>
/// <param name="Beta">Margin teacher: logit scale beta (null: 2 / the middle of the certified interval).</param>
public sealed record TeacherSpec(TeacherKind Kind = TeacherKind.Kernel, double Tau = 1, int Width = 2048, int Steps = TeacherSpec.DefaultSteps,
    double Eta = TeacherSpec.DefaultEta, ulong Seed = 0, bool EarlyStop = false, string? Certificate = null, double? Beta = null)
{
    /// <summary>
    /// Default step size of the kernel and wide-network teachers (THEORY.md §9, measured on Fashion-MNIST shirt vs T-shirt,
    /// n = 1000: eta 1 and 1000 steps give 0.8145 held-out accuracy, below a hard student; eta 16 and 3000 steps 0.841).
    /// </summary>
    public const double DefaultEta = 16;

    /// <summary>Default step count of the kernel and wide-network teachers (see <see cref="DefaultEta"/>).</summary>
    public const int DefaultSteps = 3000;

    /// <summary>Gaussian directions S of the margin teacher's Monte Carlo mean.</summary>
    public const int MarginTeacherDirections = 20000;

    /// <summary>Margin teacher without a certificate: directions q is fitted on (a fixed count, so the certificate does not
    /// depend on the machine's speed).</summary>
    public int MarginOptimisationSamples { get; init; } = 2048;

    /// <summary>Margin teacher without a certificate: fresh certification samples.</summary>
    public long MarginSamples { get; init; } = 20000;

    /// <summary>The kind's name: "kernel", "margin" or "wide".</summary>
    public string KindName => Kind switch { TeacherKind.Kernel => "kernel", TeacherKind.Margin => "margin", _ => "wide" };

    /// <summary>The teacher as a sweep records it in its journal header: "KIND (eta E, T steps)".</summary>
    public string Label => $"{KindName} (eta {Numbers.G6(Eta)}, {Steps} steps)";

    /// <summary>The kind named "kernel", "margin" or "wide" (case ignored).</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="InputException">Another name (field 'teacher').</exception>
    public static TeacherKind ParseKind(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            "kernel" => TeacherKind.Kernel,
            "margin" => TeacherKind.Margin,
            "wide" => TeacherKind.Wide,
            _ => throw InputException.Parameter("teacher", $"must be kernel, margin or wide, got '{name}'"),
        };
    }

    /// <summary>Checks the numbers before any data are loaded.</summary>
    /// <exception cref="InputException">Width or steps below 1, eta, tau or beta not positive and finite (tau: not positive), or sample
    /// counts below 1, naming the command-line option.</exception>
    public void Validate()
    {
        if (Width < 1) throw InputException.Parameter("teacher-width", $"must be >= 1, got {Width}");
        if (Steps < 1) throw InputException.Parameter("teacher-steps", $"must be >= 1, got {Steps}");
        if (!(Eta > 0) || double.IsInfinity(Eta)) throw InputException.Parameter("teacher-eta", $"must be positive, got {Numbers.R(Eta)}");
        if (Beta is { } b && (!(b > 0) || double.IsInfinity(b))) throw InputException.Parameter("beta", $"must be positive, got {Numbers.R(b)}");
        if (!(Tau > 0)) throw InputException.Parameter("tau", $"must be positive, got {Numbers.R(Tau)}");
        if (MarginOptimisationSamples < 1) throw InputException.Parameter("margin-optimisation-samples", $"must be >= 1, got {MarginOptimisationSamples}");
        if (MarginSamples < 1) throw InputException.Parameter("margin-samples", $"must be >= 1, got {MarginSamples}");
    }

    /// <summary>
    /// Fits the teacher on <paramref name="train"/> (THEORY.md §4): kernel: <see cref="KernelTeacher.Fit"/> with
    /// <see cref="Eta"/> and <see cref="Steps"/>, or with <see cref="EarlyStop"/> <see cref="KernelTeacher.FitMany"/> early-stopped on
    /// <paramref name="validation"/>; wide: <see cref="WideNetworkTeacher.Fit"/> with seed Derive(Seed, "teacher"); margin:
    /// <see cref="MarginTeacher.FromCertificate"/> with <see cref="MarginTeacherDirections"/> directions (seed Derive(Seed, "teacher"))
    /// from <see cref="Certificate"/> or from <see cref="MarginSolver.Certify"/> with both sample counts fixed, on one thread, seed
    /// <see cref="Seed"/>, and beta = <see cref="Beta"/> or 2 / the middle of the certified interval.
    /// </summary>
    /// <param name="train">Training data (n x d, labels +-1).</param>
    /// <param name="validation">Validation split for <see cref="EarlyStop"/> (null otherwise).</param>
    /// <param name="log">Optional one-line messages (e.g. that the margin is being certified).</param>
    /// <exception cref="InputException">Invalid settings, early stopping without a validation split, a certificate for other data, or
    /// a certified interval [0, 0] without <see cref="Beta"/>.</exception>
    public ITeacher Fit(Dataset train, Dataset? validation = null, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        Validate();
        switch (Kind)
        {
            case TeacherKind.Kernel when EarlyStop:
                if (validation is null) throw InputException.Parameter("teacher-early-stop", "needs a validation split: give --validation FRACTION");
                return KernelTeacher.FitMany(train, [train.Y], Eta, Steps, validation, [validation.Y])[0];
            case TeacherKind.Kernel:
                return KernelTeacher.Fit(train, Eta, Steps);
            case TeacherKind.Wide:
                return WideNetworkTeacher.Fit(train, Width, Steps, Eta, SeedSequence.Derive(Seed, "teacher"));
            default:
                MarginCertificate cert;
                if (Certificate is { } path) cert = MarginCertificate.Load(path);
                else
                {
                    log?.Report($"certifying the margin ({MarginOptimisationSamples} optimisation and {MarginSamples} certification samples, one thread) for the margin teacher");
                    cert = MarginSolver.Certify(train, MarginOptionsFor()).Certificate;
                }
                return MarginTeacher.FromCertificate(train, cert, BetaFor(cert.GammaLower, cert.GammaUpper), MarginTeacherDirections, SeedSequence.Derive(Seed, "teacher"));
        }
    }

    /// <summary>The certification of the margin teacher without a certificate: both sample counts fixed and one thread, so the
    /// certificate depends on the data and <see cref="Seed"/> alone (THEORY.md §6).</summary>
    public MarginOptions MarginOptionsFor() =>
        new(Seed: Seed, Threads: 1, OptimisationSamples: MarginOptimisationSamples, CertificationSamples: MarginSamples);

    /// <summary>The margin teacher's beta: <see cref="Beta"/>, or 2 / ((lower + upper) / 2), so that the teacher's training margin
    /// beta gamma is about 2 logit units.</summary>
    /// <param name="gammaLower">Certified lower end.</param>
    /// <param name="gammaUpper">Certified upper end.</param>
    /// <exception cref="InputException">No <see cref="Beta"/> and the middle of the interval is not positive (field 'beta').</exception>
    public double BetaFor(double gammaLower, double gammaUpper)
    {
        if (Beta is { } b) return b;
        double middle = (gammaLower + gammaUpper) / 2;
        if (!(middle > 0)) throw InputException.Parameter("beta", "the certified margin interval is [0, 0]; give --beta explicitly");
        return 2 / middle;
    }
}

/// <summary>
/// The soft labels of one training set from a <see cref="TeacherSpec"/>, fitted at most once and only when asked for (a sweep whose
/// soft-label runs all come from its journal fits no teacher), with the teacher's report on the training and held-out sets.
/// </summary>
public sealed class TeacherLabels
{
    private readonly TeacherSpec? _spec;
    private readonly Dataset? _train, _test, _validation;
    private readonly IProgress<string>? _log;
    private double[]? _probabilities;

    /// <summary>The teacher of <paramref name="spec"/> on <paramref name="train"/>, not fitted yet.</summary>
    /// <param name="spec">The teacher.</param>
    /// <param name="train">Its training set (the set whose soft labels are made).</param>
    /// <param name="test">Held-out data for the report's accuracy, or null.</param>
    /// <param name="validation">Validation split of an early-stopped kernel teacher, or null.</param>
    /// <param name="log">Optional one-line messages of the fit.</param>
    public TeacherLabels(TeacherSpec spec, Dataset train, Dataset? test = null, Dataset? validation = null, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        (_spec, _train, _test, _validation, _log) = (spec, train, test, validation, log);
    }

    private TeacherLabels(double[] probabilities) => _probabilities = probabilities;

    /// <summary>Soft labels given as numbers (no teacher is fitted and <see cref="Report"/> stays null), e.g. for checks.</summary>
    /// <param name="probabilities">One probability in [0, 1] per training point.</param>
    public static TeacherLabels Given(double[] probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        return new TeacherLabels(probabilities);
    }

    /// <summary>The teacher's report (<see cref="TeacherReport.Evaluate"/> on the training and held-out sets), or null before the fit.</summary>
    public TeacherReport? Report { get; private set; }

    /// <summary>The fitted teacher, or null before the fit (or for given labels).</summary>
    public ITeacher? Teacher { get; private set; }

    /// <summary>The spec, or null for given labels.</summary>
    public TeacherSpec? Spec => _spec;

    /// <summary>Soft labels p_i = sigmoid(g(x_i) / tau) of the training set (<see cref="SoftLabels.From"/>), fitting the teacher on first use.</summary>
    /// <exception cref="InputException">As <see cref="TeacherSpec.Fit"/>.</exception>
    public double[] Probabilities()
    {
        if (_probabilities is null)
        {
            Fit();
        }
        return _probabilities!;
    }

    /// <summary>Fits the teacher now if it is not yet (nothing for given labels) and returns its report (null for given labels).</summary>
    /// <exception cref="InputException">As <see cref="TeacherSpec.Fit"/>.</exception>
    public TeacherReport? Fit()
    {
        if (_spec is null || Teacher is not null) return Report;
        var teacher = _spec.Fit(_train!, _validation, _log);
        Report = TeacherReport.Evaluate(teacher, _train!, _test);
        _probabilities = SoftLabels.From(teacher.Logits(_train!), _spec.Tau);
        Teacher = teacher;
        return Report;
    }
}
