using System.Xml.Linq;
using TheoryKit.Deep;

namespace TheoryKit.Deep.Tests;

/// <summary>How TheoryKit.Deep finds libtorch (LibTorch.cs; README "Installing the command"). The installed tool's path (libtorch
/// from the NuGet cache, the one-line error without it) is run by .ci/run on the packed and installed tool.</summary>
public class LibTorchTests
{
    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "TheoryKit.sln"))) return d.FullName;
        throw new InvalidOperationException("no TheoryKit.sln above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void VersionIsTheOneDirectoryPackagesPropsPins()
    {
        var props = XDocument.Load(Path.Combine(RepositoryRoot(), "Directory.Packages.props"));
        var pinned = props.Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == LibTorch.Package);
        Assert.Equal((string?)pinned.Attribute("Version"), LibTorch.Version);
    }

    [Fact]
    public void ABuiltProgramLoadsItsOwnLibTorch()
    {
        // This test assembly's output holds libtorch next to TorchSharp.dll (deps.json): nothing is loaded from elsewhere,
        // whatever THEORYKIT_LIBTORCH or the NuGet cache hold.
        var native = Path.Combine(Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location)!, "runtimes", "linux-x64", "native");
        Assert.True(File.Exists(Path.Combine(native, "libtorch_cpu.so")), native);
        Assert.Null(LibTorch.EnsureLoaded());
    }
}
