using static TorchSharp.torch;

namespace TheoryKit.Deep.Tests;

public class SmokeTests
{
    [Fact]
    public void LibTorchLoads()
    {
        var t = tensor(new double[] { 1, 2, 3 });
        Assert.Equal(14.0, (t * t).sum().item<double>());
    }
}
