using System.Reflection;
using System.Runtime.InteropServices;

namespace TheoryKit.Deep;

/// <summary>
/// Finds the native libtorch for TorchSharp when the program does not carry it. Built programs (the CLI's build output, the
/// tests, the benchmarks) hold libtorch next to TorchSharp.dll (deps.json) and need nothing from here. The installed .NET tool
/// `theorykit` leaves libtorch (about 0.5 GB) out of its package and holds only TorchSharp's shim libLibTorchSharp.so, patched
/// for Debian 12 by build/TorchSharpNative.targets. For it, <see cref="EnsureLoaded"/> loads libtorch.so (and through its
/// RUNPATH libtorch_cpu.so, libc10.so and libgomp) by full path from the folder named by the environment variable
/// THEORYKIT_LIBTORCH, else from the NuGet cache (NUGET_PACKAGES, else ~/.nuget/packages:
/// libtorch-cpu-linux-x64/VERSION/runtimes/linux-x64/native), and then the program's own shim by full path. TorchSharp's
/// loader then finds both already loaded (by soname), so it neither picks up another libtorch on the default library path
/// (Debian's python3-torch 1.13) nor copies the packages' unpatched files next to the tool.
/// </summary>
public static class LibTorch
{
    /// <summary>NuGet package of the native libtorch that TorchSharp is built against.</summary>
    public const string Package = "libtorch-cpu-linux-x64";

    /// <summary>Environment variable naming a folder that holds libtorch.so of <see cref="Version"/> (overrides the NuGet cache).</summary>
    public const string FolderVariable = "THEORYKIT_LIBTORCH";

    /// <summary>Version of <see cref="Package"/> this assembly was built with (from Directory.Packages.props, stored as
    /// assembly metadata by TheoryKit.Deep.csproj).</summary>
    public static string Version { get; } =
        typeof(LibTorch).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == Package)?.Value
        ?? throw new InvalidOperationException($"TheoryKit.Deep was built without the {Package} version metadata");

    private static readonly object Gate = new();
    private static bool _done;
    private static string? _folder;

    /// <summary>
    /// Makes libtorch loadable for TorchSharp; call before the first use of TorchSharp (idempotent, thread-safe).
    /// Returns the folder libtorch was loaded from, or null when nothing was needed (libtorch next to TorchSharp.dll, or not
    /// Linux x64, where TorchSharp's own loader applies).
    /// </summary>
    /// <exception cref="InputException">libtorch is in neither THEORYKIT_LIBTORCH nor the NuGet cache, or it or the shim does
    /// not load; the one-line message names what to restore.</exception>
    public static string? EnsureLoaded()
    {
        lock (Gate)
        {
            if (!_done)
            {
                _folder = Load();
                _done = true;
            }
            return _folder;
        }
    }

    private static string? Load()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
        var torchSharp = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location);
        if (string.IsNullOrEmpty(torchSharp)) return null;
        string[] own = [torchSharp, Path.Combine(torchSharp, "runtimes", "linux-x64", "native")];
        if (own.Any(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")))) return null;
        var shim = own.Select(d => Path.Combine(d, "libLibTorchSharp.so")).FirstOrDefault(File.Exists);
        if (shim is null) return null;

        var folder = Environment.GetEnvironmentVariable(FolderVariable);
        string where;
        if (!string.IsNullOrEmpty(folder))
            where = $"{FolderVariable}={folder}";
        else
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(packages))
                packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            folder = Path.Combine(packages, Package, Version, "runtimes", "linux-x64", "native");
            where = "the NuGet cache";
        }
        var libtorch = Path.Combine(folder, "libtorch.so");
        if (!File.Exists(libtorch))
            throw InputException.Parameter("student",
                $"deep students need {Package} {Version}, which is not in {where} ({libtorch} is missing): restore it with "
                + $"`dotnet restore src/TheoryKit.Deep` in a TheoryKit clone, or set {FolderVariable} to a folder holding libtorch {Version}'s libtorch.so");
        Preload(libtorch, $"libtorch from {where}");
        Preload(shim, "TorchSharp's shim");
        return folder;
    }

    private static void Preload(string path, string what)
    {
        try { NativeLibrary.Load(path); }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw InputException.Parameter("student", $"deep students: {what} ({path}) does not load: {e.Message.Split('\n')[0].Trim()}");
        }
    }
}
