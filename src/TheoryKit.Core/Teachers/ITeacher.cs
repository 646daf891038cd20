using TheoryKit.Data;
using TheoryKit.Training;

namespace TheoryKit.Teachers;

/// <summary>
/// A source of soft labels (THEORY.md §4): a fixed real-valued logit function g: R^d -&gt; R fitted to a
/// training set. Soft labels are p_i = sigmoid(g(x_i) / tau) (<see cref="SoftLabels.From"/>, THEORY.md §2, [HVD15]).
/// Implementations: <see cref="KernelTeacher"/> (infinite-width network, the default of theory checks),
/// <see cref="MarginTeacher"/> (built from a margin certificate) and <see cref="WideNetworkTeacher"/>
/// (a wide student trained on hard labels). Source: THEORY.md §4, [MLS25].
/// </summary>
public interface ITeacher
{
    /// <summary>Short machine-readable kind: "kernel", "margin" or "wide-network".</summary>
    string Kind { get; }

    /// <summary>One-line human description with the teacher's parameters (for reports).</summary>
    string Description { get; }

    /// <summary>Input dimension d the teacher was fitted in; every dataset passed to <see cref="Logits"/> must have it.</summary>
    int D { get; }

    /// <summary>
    /// Teacher logits g(x_i) for every row x_i of <paramref name="data"/> (n x d row-major, any n), length n.
    /// Deterministic: the same teacher gives the same numbers on every call.
    /// </summary>
    /// <exception cref="InputException">The dataset's dimension differs from <see cref="D"/>.</exception>
    double[] Logits(Dataset data);
}

/// <summary>
/// How well a teacher fits: accuracy and margin of its logits against the true labels (THEORY.md §4).
/// A point counts as correct when y_i g(x_i) &gt; 0 (as in <see cref="Trainer.RiskAndError"/>).
/// </summary>
/// <param name="Kind">The teacher's <see cref="ITeacher.Kind"/>.</param>
/// <param name="Description">The teacher's <see cref="ITeacher.Description"/>.</param>
/// <param name="TrainAccuracy">Fraction of training points with y_i g(x_i) &gt; 0, in [0, 1].</param>
/// <param name="TrainMargin">min_i y_i g(x_i) over the training set (in logit units; negative when a point is misclassified).</param>
/// <param name="TrainRisk">Mean logistic loss (1/n) sum_i ln(1 + exp(-y_i g(x_i))) on the training set, in nats.</param>
/// <param name="TestAccuracy">Fraction of held-out points with y g &gt; 0, or null without held-out data.</param>
public sealed record TeacherReport(string Kind, string Description, double TrainAccuracy, double TrainMargin, double TrainRisk, double? TestAccuracy)
{
    /// <summary>Evaluates <paramref name="teacher"/> on its training set and, optionally, on held-out data.</summary>
    /// <param name="teacher">The teacher.</param>
    /// <param name="train">Training data (labels +-1, dimension <see cref="ITeacher.D"/>).</param>
    /// <param name="test">Optional held-out data of the same dimension.</param>
    /// <exception cref="InputException">A dataset's dimension differs from the teacher's.</exception>
    public static TeacherReport Evaluate(ITeacher teacher, Dataset train, Dataset? test = null)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(train);
        var g = teacher.Logits(train);
        var (risk, error) = Trainer.RiskAndError(g, train.Y);
        double margin = double.PositiveInfinity;
        for (int i = 0; i < g.Length; i++) margin = Math.Min(margin, train.Y[i] * g[i]);
        double? testAccuracy = null;
        if (test is not null)
        {
            var gt = teacher.Logits(test);
            testAccuracy = 1 - Trainer.RiskAndError(gt, test.Y).error;
        }
        return new TeacherReport(teacher.Kind, teacher.Description, 1 - error, margin, risk, testAccuracy);
    }
}

/// <summary>Shared argument checks of the teachers.</summary>
internal static class TeacherChecks
{
    internal static void SameDimension(ITeacher teacher, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.D != teacher.D)
            throw InputException.Parameter("data", $"the {teacher.Kind} teacher was fitted in d = {teacher.D}, the data have d = {data.D}");
    }
}
