using TheoryKit.Data;
using TheoryKit.Margins;
using TheoryKit.Random;
using TheoryKit.Teachers;
using TheoryKit.Training;

namespace TheoryKit.Experiments;

/// <summary>Settings of a difficulty family (THEORY.md §9). Every field has a documented default.</summary>
public sealed record DifficultyOptions
{
    /// <summary>
    /// Parameter values of the members; null for the family's default: two-point angles 0.1, 0.2, 0.4, 0.8,
    /// 1.6 rad (a known-answer check only: two points are fitted by any width); noisy-xor dimensions 3, 4, 5, 6, 7, 8;
    /// gaussians separations 0.5, 1, 2, 4; fashion-mnist label-noise rates 0, 0.1, 0.2, 0.3 (THEORY.md §9).
    /// </summary>
    public IReadOnlyList<double>? Values { get; init; }

    /// <summary>
    /// Sample size: gaussians default 400; fashion-mnist default 1000 (a seeded subsample of the pair, and as many
    /// held-out test images); noisy-xor default null (the whole 2^d-point support; with N, N i.i.d. draws);
    /// two-point always 2.
    /// </summary>
    public int? N { get; init; }

    /// <summary>Dimension: gaussians default 5; two-point default 2 (the points span the first two coordinates).</summary>
    public int? D { get; init; }

    /// <summary>Fashion-MNIST class pair "A-vs-B" (default "shirt-vs-t-shirt", the hard pair of THEORY.md §9; the easy pair is "trouser-vs-bag").</summary>
    public string Pair { get; init; } = "shirt-vs-t-shirt";

    /// <summary>Seed of the data (generation, subsampling, label noise); held-out sets use a derived seed or the test split.</summary>
    public ulong DataSeed { get; init; }

    /// <summary>Fashion-MNIST folder (null: the <see cref="DataOptions"/> default).</summary>
    public string? FashionMnistDir { get; init; }

    /// <summary>
    /// Margin certification of every member (default width 0.01, time budget 5 s). The Monte Carlo certificate
    /// depends on how many samples fit the budget; fix OptimisationSamples and CertificationSamples for runs
    /// that must be reproducible to the last digit, and a positive Threads (OpenBLAS's threaded GEMM can change the
    /// last bits with the thread count, and the solver's iterations amplify them to about 1e-4 in gamma). Threads = 0 (the
    /// default) uses the threads given to <see cref="Difficulty.Run(string, DifficultyOptions?, SweepSpec, TeacherSpec, string, IProgress{DifficultyProgress}?, int, CancellationToken)"/>.
    /// </summary>
    public MarginOptions Margin { get; init; } = new(Width: 0.01, TimeBudget: 5);

    /// <summary>Confidence level of the slope intervals (default 0.95).</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>
    /// The members' margin certification of the `difficulty` command: width 0.01, the time budget, and the sample counts given; with
    /// both counts fixed the margins run on one thread, so that they depend on the seed alone (OpenBLAS's threaded GEMM changes last
    /// bits with the thread count, and the solver's iterations amplify them).
    /// </summary>
    /// <param name="seed">Seed of the samples.</param>
    /// <param name="timeBudget">Time budget in seconds.</param>
    /// <param name="optimisationSamples">Directions q is fitted on, or null.</param>
    /// <param name="certificationSamples">Fresh certification samples, or null.</param>
    public static MarginOptions MarginFor(ulong seed, double timeBudget, int? optimisationSamples, long? certificationSamples) =>
        new(Width: 0.01, TimeBudget: timeBudget, Seed: seed, OptimisationSamples: optimisationSamples, CertificationSamples: certificationSamples,
            Threads: optimisationSamples is not null && certificationSamples is not null ? 1 : 0);
}

/// <summary>One dataset of a difficulty family.</summary>
/// <param name="Family">"two-point", "noisy-xor", "gaussians" or "fashion-mnist".</param>
/// <param name="Parameter">Name of the varied parameter ("theta", "d", "separation", "noise").</param>
/// <param name="Value">Its value.</param>
/// <param name="Source">Spec string for <see cref="DataSource.Load"/>.</param>
/// <param name="Data">Options for loading the training set.</param>
/// <param name="TestData">Options for loading a held-out set from the same source, or null (two-point; noisy-xor on its whole support).</param>
/// <param name="Name">Human-readable name with the sizes, used as the sweep's data source.</param>
public sealed record DifficultyMember(string Family, string Parameter, double Value, string Source, DataOptions Data, DataOptions? TestData, string Name);

/// <summary>A theory exponent of m* in 1/gamma with its source.</summary>
/// <param name="Slope">Exponent: soft 2 [MLS25]; hard 4 [MLS25], 8 [JT20].</param>
/// <param name="Source">Citation key.</param>
public sealed record TheorySlope(double Slope, string Source);

/// <summary>One member's point of a scaling fit.</summary>
/// <param name="Name">The member's name.</param>
/// <param name="Gamma">Margin estimate gamma used on the x axis (log(1/gamma)).</param>
/// <param name="MinimalWidth">m* by the rate rule, or null when no grid width succeeded.</param>
/// <param name="AtSmallestWidth">True when m* is the smallest grid width, so only m* &lt;= it is known (left-censored).</param>
public sealed record ScalingPoint(string Name, double Gamma, int? MinimalWidth, bool AtSmallestWidth = false);

/// <summary>Measured scaling of m* with 1/gamma for one label kind beside the theory's exponents.</summary>
/// <param name="Labels">Soft or hard.</param>
/// <param name="Members">Names of the members in the fit.</param>
/// <param name="LogInverseGamma">x = ln(1/gamma) of each member in the fit.</param>
/// <param name="LogMinimalWidth">y = ln m* of each member in the fit.</param>
/// <param name="Fit">Least squares fit of y on x, or null with fewer than 3 usable members or no spread in gamma.</param>
/// <param name="Theory">The theory's exponents for this label kind.</param>
/// <param name="Statement">Plain-language agreement per theory exponent.</param>
/// <param name="Excluded">Members left out and why (no m* within the grid, m* at the smallest grid width, gamma estimate &lt;= 0).</param>
public sealed record SlopeComparison(LabelKind Labels, IReadOnlyList<string> Members, double[] LogInverseGamma, double[] LogMinimalWidth,
    ScalingFitResult? Fit, IReadOnlyList<TheorySlope> Theory, string Statement, IReadOnlyList<string> Excluded);

/// <summary>Margin and sweep of one member.</summary>
/// <param name="Member">The dataset.</param>
/// <param name="Margin">Its certified margin interval.</param>
/// <param name="Sweep">Its width sweep.</param>
/// <param name="JournalPath">The sweep's journal.</param>
/// <param name="N">Number of training points n of the member (as loaded).</param>
public sealed record MemberOutcome(DifficultyMember Member, MarginResult Margin, SweepResult Sweep, string JournalPath, int N)
{
    /// <summary>The teacher fitted on the member's training set (the same fit as the sweep's soft labels, deterministic), evaluated
    /// on its training and held-out sets.</summary>
    public TeacherReport? Teacher { get; init; }
}

/// <summary>Outcome of <see cref="Difficulty.Run(string, DifficultyOptions?, SweepSpec, TeacherSpec, string, IProgress{DifficultyProgress}?, int, CancellationToken)"/>.</summary>
/// <param name="Family">The family.</param>
/// <param name="Members">Per member: margin, sweep, journal.</param>
/// <param name="Slopes">Soft and hard scaling fits beside the theory.</param>
/// <param name="Note">How the fit was made and what it can and cannot show.</param>
public sealed record DifficultyResult(string Family, IReadOnlyList<MemberOutcome> Members, IReadOnlyList<SlopeComparison> Slopes, string Note);

/// <summary>Progress of a difficulty run.</summary>
/// <param name="Member">1-based index of the current member.</param>
/// <param name="Members">Number of members.</param>
/// <param name="Name">The member's name.</param>
/// <param name="Phase">"loading", "margin" or "sweep".</param>
/// <param name="Sweep">The sweep's progress during the "sweep" phase.</param>
public sealed record DifficultyProgress(int Member, int Members, string Name, string Phase, SweepProgress? Sweep);

/// <summary>
/// Difficulty families of THEORY.md §9: datasets ordered by margin gamma, each certified (§6) and swept
/// (§9), then log m* is fitted against log(1/gamma) for soft and hard labels and the slopes are set
/// beside the theory's: soft 2 ([MLS25] m_soft = c / (gamma^2 eps)); hard 4 ([MLS25] c ln(1/eps) / gamma^4)
/// and 8 ([JT20] Theorem 2.2: M = 4096 lambda^2 / gamma^6 with lambda proportional to 1/gamma).
/// </summary>
public static class Difficulty
{
    /// <summary>The family names.</summary>
    public static IReadOnlyList<string> Families { get; } = ["two-point", "noisy-xor", "gaussians", "fashion-mnist"];

    /// <summary>The theory's exponents of m* in 1/gamma for a label kind (THEORY.md §7, §9).</summary>
    /// <param name="kind">Soft or hard.</param>
    public static IReadOnlyList<TheorySlope> TheorySlopes(LabelKind kind) =>
        kind == LabelKind.Soft ? [new(2, "[MLS25]")] : [new(4, "[MLS25]"), new(8, "[JT20]")];

    /// <summary>
    /// The members of a family (THEORY.md §9), from easy to hard or in the order of <see cref="DifficultyOptions.Values"/>:
    /// <list type="bullet">
    /// <item>"two-point": two unit vectors at angle theta with opposite labels, spec two-point:THETA (gamma grows with theta, THEORY.md §6).</item>
    /// <item>"noisy-xor": noisy 2-XOR in dimension d, spec noisy-xor:D (gamma shrinks with d).</item>
    /// <item>"gaussians": two Gaussian classes with mean separation s, spec gaussians:S, n and d from the options, held-out set of the same size from a derived seed.</item>
    /// <item>"fashion-mnist": a class pair (<see cref="DifficultyOptions.Pair"/>) with label-flip noise rate r, seeded subsample of n training images; held-out: n test-split images without noise.</item>
    /// </list>
    /// </summary>
    /// <param name="family">The family name.</param>
    /// <param name="options">Values and sizes (null: defaults).</param>
    /// <exception cref="InputException">Unknown family, or a value outside the family's range.</exception>
    public static IReadOnlyList<DifficultyMember> Members(string family, DifficultyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(family);
        var o = options ?? new DifficultyOptions();
        if (o.N is < 1) throw InputException.Parameter("n", $"must be >= 1, got {o.N}");
        var fam = family.Trim().ToLowerInvariant();
        var seed = o.DataSeed;
        var baseData = new DataOptions { Seed = seed };
        if (o.FashionMnistDir is not null) baseData = baseData with { FashionMnistDir = o.FashionMnistDir };
        var testSeed = SeedSequence.Derive(seed, "difficulty-test");
        var members = new List<DifficultyMember>();
        switch (fam)
        {
            case "two-point":
                foreach (var t in o.Values ?? [0.1, 0.2, 0.4, 0.8, 1.6])
                {
                    if (!(t > 0 && t <= Math.PI)) throw InputException.Parameter("theta", $"angles must lie in (0, pi], got {Numbers.G4(t)}");
                    var data = baseData with { D = o.D };
                    members.Add(new(fam, "theta", t, $"two-point:{Numbers.R(t)}", data, null, $"two-point:{Numbers.R(t)} (d = {o.D ?? 2})"));
                }
                break;
            case "noisy-xor":
                foreach (var v in o.Values ?? [3, 4, 5, 6, 7, 8])
                {
                    if (v != Math.Floor(v) || v < 3 || v > 30) throw InputException.Parameter("d", $"noisy-xor dimensions must be integers in 3..30, got {Numbers.G4(v)}");
                    int d = (int)v;
                    var data = baseData with { N = o.N };
                    var test = o.N is null ? null : data with { Seed = testSeed };
                    string size = o.N is { } n ? $"n = {n} draws" : $"whole support, n = {1 << d}";
                    members.Add(new(fam, "d", d, $"noisy-xor:{d}", data, test, $"noisy-xor:{d} ({size}, seed {seed})"));
                }
                break;
            case "gaussians":
                foreach (var s in o.Values ?? [0.5, 1, 2, 4])
                {
                    if (!(s >= 0) || !double.IsFinite(s)) throw InputException.Parameter("separation", $"must be a number >= 0, got {Numbers.G4(s)}");
                    int n = o.N ?? 400, d = o.D ?? 5;
                    var data = baseData with { N = n, D = d };
                    members.Add(new(fam, "separation", s, $"gaussians:{Numbers.R(s)}", data, data with { Seed = testSeed },
                        $"gaussians:{Numbers.R(s)} (n = {n}, d = {d}, seed {seed})"));
                }
                break;
            case "fashion-mnist":
                foreach (var r in o.Values ?? [0, 0.1, 0.2, 0.3])
                {
                    if (!(r >= 0 && r < 0.5)) throw InputException.Parameter("noise", $"label-noise rates must lie in [0, 0.5), got {Numbers.G4(r)}");
                    int n = o.N ?? 1000;
                    var data = baseData with { N = n, Noise = r };
                    var test = baseData with { N = n, Split = "test" };
                    members.Add(new(fam, "noise", r, $"fashion-mnist:{o.Pair}", data, test,
                        $"fashion-mnist:{o.Pair} (noise {Numbers.R(r)}, n = {n}, seed {seed})"));
                }
                break;
            default:
                throw InputException.Parameter("family", $"unknown difficulty family '{family}' (known: {string.Join(", ", Families)})");
        }
        if (members.Count == 0) throw InputException.Parameter("values", "no values given");
        return members;
    }

    /// <summary>Runs the members of a family (<see cref="Members"/>); see <see cref="Run(IReadOnlyList{DifficultyMember}, DifficultyOptions?, SweepSpec, TeacherSpec, string, IProgress{DifficultyProgress}?, int, CancellationToken)"/>.</summary>
    /// <param name="family">The family name.</param>
    /// <param name="options">Values, sizes, margin options, confidence (null: defaults).</param>
    /// <param name="template">Sweep settings shared by all members (its DataSource is replaced by each member's name).</param>
    /// <param name="teacher">The teacher of the soft labels, fitted on each member's training set.</param>
    /// <param name="journalFolder">Existing folder for the members' journals.</param>
    /// <param name="progress">Optional progress.</param>
    /// <param name="threads">Threads (0: all cores).</param>
    /// <param name="cancellation">Stops between runs.</param>
    /// <exception cref="InputException">Unknown family, bad values or settings, missing data or folder, or a journal written with other settings.</exception>
    public static DifficultyResult Run(string family, DifficultyOptions? options, SweepSpec template, TeacherSpec teacher,
        string journalFolder, IProgress<DifficultyProgress>? progress, int threads, CancellationToken cancellation = default) =>
        Run(Members(family, options), options, template, teacher, journalFolder, progress, threads, cancellation);

    /// <summary>
    /// For each member: loads it (and its held-out set), certifies gamma with <see cref="MarginSolver.Certify"/>
    /// (<see cref="DifficultyOptions.Margin"/>), runs the width sweep with journal
    /// journalFolder/FAMILY-INDEX-PARAMETER-VALUE.jsonl (so an interrupted family run resumes), and then fits
    /// ln m* (rate rule) against ln(1/gamma) (gamma: the certificate's estimate) for soft and hard labels
    /// (<see cref="CompareSlopes"/>).
    /// </summary>
    /// <param name="members">The datasets (from <see cref="Members"/> or hand-made).</param>
    /// <param name="options">Margin options and confidence (null: defaults).</param>
    /// <param name="template">Sweep settings shared by all members (its DataSource is replaced by each member's name).</param>
    /// <param name="teacher">The teacher of the soft labels, fitted on each member's training set.</param>
    /// <param name="journalFolder">Existing folder for the members' journals.</param>
    /// <param name="progress">Optional progress.</param>
    /// <param name="threads">Threads (0: all cores).</param>
    /// <param name="cancellation">Stops between runs.</param>
    /// <exception cref="InputException">Bad settings, missing data or folder, or a journal written with other settings.</exception>
    public static DifficultyResult Run(IReadOnlyList<DifficultyMember> members, DifficultyOptions? options, SweepSpec template,
        TeacherSpec teacher, string journalFolder, IProgress<DifficultyProgress>? progress, int threads, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(journalFolder);
        teacher.Validate();
        var o = options ?? new DifficultyOptions();
        if (!(o.Confidence > 0 && o.Confidence < 1)) throw InputException.Parameter("confidence", $"must lie in (0, 1), got {o.Confidence}");
        if (members.Count == 0) throw InputException.Parameter("members", "no members");
        template.Validate();
        o.Margin.Validate();
        if (!Directory.Exists(journalFolder)) throw new InputException(journalFolder, null, null, "journal folder does not exist");
        var outcomes = new List<MemberOutcome>();
        for (int i = 0; i < members.Count; i++)
        {
            var m = members[i];
            int index = i + 1;
            progress?.Report(new DifficultyProgress(index, members.Count, m.Name, "loading", null));
            var train = DataSource.Load(m.Source, m.Data);
            var test = m.TestData is null ? null : DataSource.Load(m.Source, m.TestData);
            progress?.Report(new DifficultyProgress(index, members.Count, m.Name, "margin", null));
            var margin = MarginSolver.Certify(train, o.Margin.Threads > 0 ? o.Margin : o.Margin with { Threads = threads });
            var spec = template with { DataSource = m.Name };
            var journal = JournalPath(journalFolder, m, index);
            var sweepProgress = progress is null ? null : new InlineProgress<SweepProgress>(p => progress.Report(new DifficultyProgress(index, members.Count, m.Name, "sweep", p)));
            var labels = new TeacherLabels(teacher, train, test);
            var sweep = WidthSweep.Run(spec, train, test, labels, journal, sweepProgress, threads, cancellation);
            // Fitted here when every soft-label run came from the journal (or none was asked for): the report exists either way.
            var report = labels.Fit()!;
            outcomes.Add(new MemberOutcome(m, margin, sweep, journal, train.N) { Teacher = report });
        }
        var slopes = template.LabelOrder().Select(kind => CompareSlopes(kind,
            outcomes.Select(x => x.Sweep.For(kind)?.ByRate is { } m
                ? new ScalingPoint(x.Member.Name, x.Margin.GammaEstimate, m.Width, m.Width is not null && m.Lower is null)
                : new ScalingPoint(x.Member.Name, x.Margin.GammaEstimate, null)).ToList(), o.Confidence)).ToList();
        string note = $"x = ln(1/gamma) with gamma the certificate's estimate (each member's certified interval is in Members); y = ln m* with m* the smallest grid width "
            + $"whose success rate over {template.Seeds} seeds is >= {Numbers.G4(template.SuccessThreshold)} at eps = {Numbers.G4(template.Epsilon)}, {template.Training.Steps} steps, eta = {Numbers.G4(template.Training.Eta)}; "
            + "members whose m* lies outside the grid or at its smallest width are left out (censored). "
            + $"m* is quantised to the grid (factor {Numbers.G4(template.Factor)}), and eps is fixed, so its own exponent is absorbed in the intercept. "
            + "The theory's exponents belong to upper bounds on the width: a measured slope below them means the bound is not tight on this family, "
            + "one above them that the requirement grows faster over this range than the rate allows.";
        return new DifficultyResult(members[0].Family, outcomes, slopes, note);
    }

    /// <summary>
    /// Fits ln m* against ln(1/gamma) over the points that have an m* above the smallest grid width and gamma &gt; 0
    /// (censored points, whose m* is only bounded on one side by the grid, would bias the slope) and states, per theory exponent of
    /// <paramref name="kind"/>, "consistent with E" when E lies in the slope's confidence interval, otherwise
    /// "below E, which the interval excludes: ... not tight" when the interval lies below E, "disagrees with the paper:
    /// above E, which the interval excludes" when above. With fewer than 3 usable points, no spread in gamma, or the same m* for every
    /// member, there is no fit and the statement says so.
    /// </summary>
    /// <param name="kind">Soft or hard.</param>
    /// <param name="points">One point per member.</param>
    /// <param name="confidence">Confidence level of the slope interval.</param>
    /// <exception cref="InputException">confidence outside (0, 1).</exception>
    public static SlopeComparison CompareSlopes(LabelKind kind, IReadOnlyList<ScalingPoint> points, double confidence)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (!(confidence > 0 && confidence < 1)) throw InputException.Parameter("confidence", $"must lie in (0, 1), got {confidence}");
        var (used, x, y, censored) = ScalingFit.Censor(points, p => p.Gamma, p => p.MinimalWidth, p => p.AtSmallestWidth, p => p.Name,
            p => p.Gamma > 0 && double.IsFinite(p.Gamma) ? null : $"{p.Name}: gamma estimate {Numbers.G4(p.Gamma)} is not positive");
        var excluded = censored.Select(c => c.Reason).ToList();
        var theory = TheorySlopes(kind);
        string who = ScalingFit.Who(kind);
        var (fit, statement) = ScalingFit.AgainstTheory(who, "members", x, y, theory, "", confidence,
            $"{who}: no fit, only {used.Count} member(s) with m* inside the grid and gamma > 0 (3 needed); widen the grid or change the family's values.",
            $"{who}: no fit, the members' gamma estimates are all equal.");
        return new SlopeComparison(kind, used.Select(p => p.Name).ToArray(), x, y, fit, theory, statement, excluded);
    }

    /// <summary>The journal of a member's sweep: FOLDER/FAMILY-INDEX-PARAMETER-VALUE.jsonl (INDEX 1-based, two digits).</summary>
    /// <param name="folder">The journal folder.</param>
    /// <param name="member">The member.</param>
    /// <param name="index">Its 1-based position in the family.</param>
    public static string JournalPath(string folder, DifficultyMember member, int index)
    {
        ArgumentNullException.ThrowIfNull(member);
        return Path.Combine(folder, $"{member.Family}-{index:D2}-{member.Parameter}-{Sanitise(Numbers.R(member.Value))}.jsonl");
    }

    private static string Sanitise(string s) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_').ToArray());

    /// <summary>Reports synchronously on the calling thread (Progress&lt;T&gt; would post to a synchronisation context).</summary>
    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
