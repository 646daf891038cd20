using System.Globalization;
using System.Text.Json.Nodes;

namespace TheoryKit.Deep;

/// <summary>Family of a deep student or teacher.</summary>
public enum DeepFamily
{
    /// <summary>Multilayer perceptron: depth hidden layers of the same width, ReLU, one output logit.</summary>
    Mlp,
    /// <summary>Small CNN: depth blocks of 3x3 convolution (padding 1), ReLU and 2x2 max pooling, channels width, 2 width, 4 width, ...,
    /// then a linear layer to one output logit.</summary>
    Cnn,
}

/// <summary>Shape of an image input: channels x height x width (channel-major rows, as CIFAR-10's binary format and IDX files).</summary>
/// <param name="Channels">Channels C.</param>
/// <param name="Height">Height H.</param>
/// <param name="Width">Width W.</param>
public sealed record ImageShape(int Channels, int Height, int Width)
{
    /// <summary>
    /// The image shape of a row of d values: 1 x s x s when d = s^2 (e.g. Fashion-MNIST, d = 784), else 3 x s x s when d = 3 s^2
    /// (e.g. CIFAR-10, d = 3072), else null.
    /// </summary>
    /// <param name="d">Row length.</param>
    public static ImageShape? Infer(int d)
    {
        foreach (var c in new[] { 1, 3 })
        {
            if (d % c != 0) continue;
            int s = (int)Math.Round(Math.Sqrt(d / c));
            if (s >= 1 && s * s * c == d) return new ImageShape(c, s, s);
        }
        return null;
    }

    /// <summary>"CxHxW", e.g. "1x28x28".</summary>
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}

/// <summary>
/// Settings of deep students and their teacher beyond the common <see cref="TheoryKit.Training.TrainingOptions"/> (which give
/// width, epoch cap (Steps), learning rate (Eta), optimiser, batch size, momentum, Adam's betas, convergence rule, precision).
/// </summary>
/// <param name="Family">MLP or CNN.</param>
/// <param name="Depth">Hidden layers (MLP) or convolution blocks (CNN), &gt;= 1.</param>
/// <param name="WeightDecay">L2 weight decay of the optimiser (PyTorch's weight_decay: added to the gradient), &gt;= 0.</param>
/// <param name="TeacherWidth">Width (MLP units, CNN channels of the first block) of the teacher, a wide network of the same family.</param>
/// <param name="TeacherEpochs">Epoch cap of the teacher.</param>
/// <param name="TeacherPatience">The teacher stops when its logistic risk on the noisy validation split has not improved for this many epochs (and keeps its epoch of lowest risk).</param>
public sealed record DeepSettings(DeepFamily Family, int Depth = 2, double WeightDecay = 0, int TeacherWidth = 32, int TeacherEpochs = 30, int TeacherPatience = 10)
{
    /// <summary>"mlp" or "cnn".</summary>
    public string Name => Family == DeepFamily.Mlp ? "mlp" : "cnn";

    /// <summary>Checks the settings.</summary>
    /// <exception cref="InputException">A setting is impossible (parameters depth, weight-decay, teacher-width, teacher-epochs, teacher-patience).</exception>
    public void Validate()
    {
        if (Depth is < 1 or > 8) throw InputException.Parameter("depth", $"must lie in 1..8, got {Depth}");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay)) throw InputException.Parameter("weight-decay", $"must be >= 0, got {WeightDecay}");
        if (TeacherWidth < 1) throw InputException.Parameter("teacher-width", $"must be >= 1, got {TeacherWidth}");
        if (TeacherEpochs < 1) throw InputException.Parameter("teacher-epochs", $"must be >= 1, got {TeacherEpochs}");
        if (TeacherPatience < 1) throw InputException.Parameter("teacher-patience", $"must be >= 1, got {TeacherPatience}");
    }

    /// <summary>The settings as written to a journal header.</summary>
    public JsonObject ToJson() => new()
    {
        ["family"] = Name, ["depth"] = Depth, ["weight_decay"] = WeightDecay, ["teacher_width"] = TeacherWidth,
        ["teacher_epochs"] = TeacherEpochs, ["teacher_patience"] = TeacherPatience, ["init"] = "he-normal/seed-sequence", ["input_scale"] = "sqrt(d)",
    };

}
