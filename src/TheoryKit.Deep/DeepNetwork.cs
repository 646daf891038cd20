using TheoryKit.Random;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace TheoryKit.Deep;

/// <summary>
/// A deep binary classifier with one output logit f(x) (THEORY.md §9, deep students of [MLS25]'s last experiment): an MLP of
/// <see cref="DeepSettings.Depth"/> hidden layers of width m, or a CNN of Depth blocks (3x3 convolution with padding 1, ReLU,
/// 2x2 max pooling) with m, 2m, 4m, ... channels followed by one linear layer. Inputs are rows of d values (row-major n x d);
/// the network multiplies them by sqrt(d), so that unit-norm rows (the loaders' default) have entries of mean square 1.
/// Initialisation from the seed alone (never from torch's generator): every weight tensor k (in parameter order) is
/// N(0, 2 / fan_in) (He) from SeedSequence stream "deep-init" index k, the last layer's N(0, 1 / fan_in); biases 0.
/// </summary>
public sealed class DeepNetwork : IDisposable
{
    /// <summary>The torch module (input B x d, output B x 1).</summary>
    public Module<Tensor, Tensor> Module { get; }

    /// <summary>Family.</summary>
    public DeepFamily Family { get; }

    /// <summary>Width m (units per hidden layer, or channels of the first block).</summary>
    public int Width { get; }

    /// <summary>Input dimension d.</summary>
    public int D { get; }

    /// <summary>Element type (float32 or float64).</summary>
    public ScalarType Type { get; }

    private readonly ImageShape? _shape;
    private readonly double _scale;

    private DeepNetwork(Module<Tensor, Tensor> module, DeepFamily family, int width, int d, ImageShape? shape, ScalarType type)
    {
        Module = module; Family = family; Width = width; D = d; _shape = shape; Type = type; _scale = Math.Sqrt(d);
    }

    /// <summary>Checks that a network of this family and depth can take rows of d values (a CNN needs an image shape
    /// 1 x s x s or 3 x s x s, <see cref="ImageShape.Infer"/>, with s &gt;= 2^depth).</summary>
    /// <param name="settings">Family and depth.</param>
    /// <param name="d">Row length.</param>
    /// <exception cref="InputException">No image shape, or too many pooling blocks for the image.</exception>
    public static void Check(DeepSettings settings, int d)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (settings.Family != DeepFamily.Cnn) return;
        var shape = ImageShape.Infer(d) ?? throw InputException.Parameter("student",
            $"a CNN needs image rows of 1 x s x s or 3 x s x s values; d = {d} is neither (use --student mlp)");
        if (Math.Min(shape.Height, shape.Width) >> settings.Depth < 1)
            throw InputException.Parameter("depth", $"{settings.Depth} pooling blocks need images of at least {1 << settings.Depth} pixels a side, got {shape}");
    }

    /// <summary>A new network initialised from <paramref name="seed"/> (see the class summary).</summary>
    /// <param name="settings">Family and depth.</param>
    /// <param name="width">Width m (&gt;= 1).</param>
    /// <param name="d">Input dimension.</param>
    /// <param name="seed">Initialisation seed.</param>
    /// <param name="type">float32 or float64.</param>
    /// <exception cref="InputException">As <see cref="Check"/>, or width &lt; 1.</exception>
    public static DeepNetwork Create(DeepSettings settings, int width, int d, ulong seed, ScalarType type)
    {
        Check(settings, d);
        if (width < 1) throw InputException.Parameter("width", $"must be >= 1, got {width}");
        var layers = new List<Module<Tensor, Tensor>>();
        ImageShape? shape = null;
        if (settings.Family == DeepFamily.Mlp)
        {
            int inputs = d;
            for (int k = 0; k < settings.Depth; k++)
            {
                layers.Add(Linear(inputs, width));
                layers.Add(ReLU());
                inputs = width;
            }
            layers.Add(Linear(inputs, 1));
        }
        else
        {
            shape = ImageShape.Infer(d)!;
            int c = shape.Channels, h = shape.Height, w = shape.Width;
            for (int k = 0; k < settings.Depth; k++)
            {
                int outC = width << k;
                layers.Add(Conv2d(c, outC, 3, padding: 1));
                layers.Add(ReLU());
                layers.Add(MaxPool2d(2));
                c = outC; h /= 2; w /= 2;
            }
            layers.Add(Flatten());
            layers.Add(Linear((long)c * h * w, 1));
        }
        var module = Sequential(layers);
        module.to(type);
        var net = new DeepNetwork(module, settings.Family, width, d, shape, type);
        net.Initialise(seed);
        return net;
    }

    /// <summary>Sets every parameter from the seed (He normal weights, last layer 1 / fan_in, zero biases).</summary>
    private void Initialise(ulong seed)
    {
        var ps = Module.parameters().ToList();
        int last = ps.FindLastIndex(p => p.dim() >= 2);
        using var _ = no_grad();
        for (int k = 0; k < ps.Count; k++)
        {
            var p = ps[k];
            if (p.dim() < 2) { p.zero_(); continue; }
            long n = p.numel(), fanIn = n / p.shape[0];
            var z = Gaussian.Matrix(1, checked((int)n), seed, "deep-init", k, threads: 1);
            double sd = Math.Sqrt((k == last ? 1.0 : 2.0) / fanIn);
            for (long i = 0; i < n; i++) z[i] *= sd;
            using var t = tensor(z, p.shape, dtype: Type);
            p.copy_(t);
        }
    }

    /// <summary>Logits f (length B) of rows x (B x d, this network's element type).</summary>
    /// <param name="x">Rows, B x d.</param>
    public Tensor Forward(Tensor x)
    {
        var input = x * _scale;
        if (_shape is { } s) input = input.view(x.shape[0], s.Channels, s.Height, s.Width);
        return Module.forward(input).view(-1);
    }

    /// <summary>Number of trained parameters.</summary>
    public long ParameterCount => Module.parameters().Sum(p => p.numel());

    /// <summary>Copies of the parameters (for early stopping).</summary>
    public Tensor[] Snapshot()
    {
        using var _ = no_grad();
        return Module.parameters().Select(p => p.detach().clone()).ToArray();
    }

    /// <summary>Restores parameters from <see cref="Snapshot"/>.</summary>
    /// <param name="state">The snapshot.</param>
    public void Restore(Tensor[] state)
    {
        using var _ = no_grad();
        var ps = Module.parameters().ToList();
        for (int k = 0; k < ps.Count; k++) ps[k].copy_(state[k]);
    }

    /// <summary>Frees the module.</summary>
    public void Dispose() => Module.Dispose();
}
