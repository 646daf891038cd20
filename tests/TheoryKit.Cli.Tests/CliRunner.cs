using System.Diagnostics;
using System.Text;

namespace TheoryKit.Cli.Tests;

/// <summary>What one run of the CLI left: exit code, stdout, stderr, peak resident memory, and the files it added.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr, long PeakRssKiB, IReadOnlyList<string> NewEntries, TimeSpan Elapsed);

/// <summary>
/// Runs the built CLI (`dotnet src/TheoryKit.Cli/bin/CONFIG/net10.0/theorykit.dll`, found relative to the repository
/// by TheoryKit.sln and built before this project) in a given working folder, measuring the child's peak resident set
/// (VmHWM of /proc/PID/status, polled while it runs) and listing the entries it added to that folder.
/// </summary>
public static class CliRunner
{
    /// <summary>The repository root: the nearest folder above the test assembly holding TheoryKit.sln.</summary>
    public static string Repository { get; } = FindRepository();

    /// <summary>The CLI dll of the same configuration as this test assembly ($THEORYKIT_CLI_DLL overrides it, e.g. to run
    /// the suite against an older build).</summary>
    public static string Dll { get; } = FindDll();

    private static string FindRepository()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "TheoryKit.sln"))) return d.FullName;
        throw new InvalidOperationException("no TheoryKit.sln above " + AppContext.BaseDirectory);
    }

    private static string FindDll()
    {
        if (Environment.GetEnvironmentVariable("THEORYKIT_CLI_DLL") is { Length: > 0 } given) return given;
        var config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(Repository, "src", "TheoryKit.Cli", "bin", config, "net10.0", "theorykit.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException("the CLI is not built: " + dll);
        return dll;
    }

    /// <summary>All entries (files, folders, links; recursive, hidden included) under a folder, relative to it.</summary>
    public static HashSet<string> Entries(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true })
            .Select(e => Path.GetRelativePath(folder, e)).ToHashSet();

    /// <summary>
    /// Sets DOTNET_PreferredVectorBitWidth=256 for a child process (and, through sbatch's exported environment, for the Slurm jobs it
    /// submits): System.Numerics.Tensors reduces in 512-bit vectors where AVX-512 is available, which changes the last bits of dot
    /// products and norms (the solver's iterations amplify them to about 1e-8 in gamma); the golden files hold the numbers of 256-bit
    /// vectors, and a local run and a cluster's run of the same command must use the same width to agree bit for bit.
    /// </summary>
    public static void PinVectorWidth(ProcessStartInfo psi) => psi.Environment["DOTNET_PreferredVectorBitWidth"] = "256";

    /// <summary>Runs `theorykit ARGS` in <paramref name="workDir"/> (killed after <paramref name="timeout"/>).</summary>
    public static CliRun Run(string workDir, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var before = Entries(workDir);
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_TieredPGO"] = "0";   // a short run gains nothing from profiling
        PinVectorWidth(psi);
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        var status = $"/proc/{p.Id}/status";
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        while (!p.WaitForExit(10))
        {
            peak = Math.Max(peak, ReadHwm(status));
            if (clock.Elapsed > limit) { p.Kill(entireProcessTree: true); p.WaitForExit(); break; }
        }
        p.WaitForExit();
        var after = Entries(workDir);
        after.ExceptWith(before);
        return new CliRun(p.ExitCode, stdout.Result, stderr.Result, peak, after.Order().ToList(), clock.Elapsed);
    }

    /// <summary>VmHWM (peak resident set, KiB) of a running process, or 0 when it has gone.</summary>
    private static long ReadHwm(string statusPath)
    {
        try
        {
            foreach (var line in File.ReadLines(statusPath))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return 0;
    }
}
