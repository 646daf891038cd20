using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace TheoryKit.Cli.Tests;

/// <summary>
/// A one-node Slurm cluster (Debian's slurm-wlm, which .ci/run installs; this test installs nothing) started as root without
/// systemd: slurmctld and slurmd with a configuration, state and spool in a temporary folder and free ports, stopped again by
/// `scontrol shutdown` (the daemons' own pids, read from their pid files, are killed if they outlive it).
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    /// <summary>The temporary folder of the configuration, state, spool and logs.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("theorykit-slurm-").FullName;

    /// <summary>The slurm.conf.</summary>
    public string Config => Path.Combine(Folder, "slurm.conf");

    public SlurmCluster()
    {
        if (Environment.UserName != "root") throw new InvalidOperationException("the Slurm test starts slurmd, which needs root (run the tests as root, as .ci/run does)");
        foreach (var tool in new[] { "slurmctld", "slurmd", "sbatch", "scontrol", "squeue" })
            if (!new[] { "/usr/sbin", "/usr/bin" }.Any(d => File.Exists(Path.Combine(d, tool))))
                throw new InvalidOperationException($"{tool} not found: install Debian's slurm-wlm (apt-get install slurm-wlm; .ci/run does)");
        string host = Run("hostname", "-s").Output.Trim();
        foreach (var d in new[] { "state", "spool", "log" }) Directory.CreateDirectory(Path.Combine(Folder, d));
        var conf = new StringBuilder()
            .AppendLine("ClusterName=theorykit-test")
            .AppendLine($"SlurmctldHost={host}")
            .AppendLine("SlurmUser=root").AppendLine("SlurmdUser=root")
            .AppendLine("AuthType=auth/none").AppendLine("CredType=cred/none")
            .AppendLine("ProctrackType=proctrack/linuxproc").AppendLine("TaskPlugin=task/none").AppendLine("MpiDefault=none")
            .AppendLine($"SlurmctldPort={FreePort()}").AppendLine($"SlurmdPort={FreePort()}")
            .AppendLine($"StateSaveLocation={Folder}/state").AppendLine($"SlurmdSpoolDir={Folder}/spool")
            .AppendLine($"SlurmctldPidFile={Folder}/slurmctld.pid").AppendLine($"SlurmdPidFile={Folder}/slurmd.pid")
            .AppendLine($"SlurmctldLogFile={Folder}/log/slurmctld.log").AppendLine($"SlurmdLogFile={Folder}/log/slurmd.log")
            .AppendLine("JobCompType=jobcomp/filetxt").AppendLine($"JobCompLoc={Folder}/log/jobcomp.txt")
            .AppendLine("SchedulerType=sched/backfill").AppendLine("SelectType=select/cons_tres").AppendLine("SelectTypeParameters=CR_Core")
            .AppendLine("ReturnToService=2")
            .AppendLine($"NodeName={host} CPUs={Environment.ProcessorCount} State=UNKNOWN")
            .AppendLine($"PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP");
        File.WriteAllText(Config, conf.ToString());
        try
        {
            Check(Run("slurmctld", "-c", "-f", Config), "slurmctld");
            Check(Run("slurmd", "-f", Config), "slurmd");
            var clock = Stopwatch.StartNew();
            while (!Run("sinfo", "-h", "-o", "%T").Output.Contains("idle"))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new InvalidOperationException("the node did not become idle within 30 s:\n" + Logs());
                Thread.Sleep(200);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The daemons' logs (for failure messages).</summary>
    public string Logs() => string.Join("\n", Directory.GetFiles(Path.Combine(Folder, "log")).Select(f => $"--- {f}\n{File.ReadAllText(f)}"));

    /// <summary>Runs a program in the cluster's folder with SLURM_CONF set (killed after 120 s).</summary>
    public (int Code, string Output) Run(string program, params string[] args) => RunIn(Folder, program, args);

    /// <summary>Runs a program in a folder with SLURM_CONF set (killed after 120 s); returns its exit code and its stdout followed by its stderr.</summary>
    public (int Code, string Output) RunIn(string dir, string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SLURM_CONF"] = Config;
        CliRunner.PinVectorWidth(psi);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120))) { p.Kill(true); throw new TimeoutException($"{program} {string.Join(' ', args)} ran over 120 s"); }
        return (p.ExitCode, output + err.Result);
    }

    /// <summary>Waits until job <paramref name="job"/> (all its array tasks) has left the queue.</summary>
    public void WaitFor(string job)
    {
        var clock = Stopwatch.StartNew();
        while (Run("squeue", "-h", "-j", job).Output.Trim().Length > 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(120)) throw new TimeoutException($"job {job} still queued after 120 s:\n{Run("squeue").Output}");
            Thread.Sleep(200);
        }
    }

    /// <summary>Submits a batch job in a folder (sbatch --parsable ARGS), waits until it has left the queue (polling every 0.2 s, where
    /// sbatch --wait backs off to seconds) and returns its id and exit code (scontrol's ExitCode; -1 when unknown).</summary>
    public (string Job, int ExitCode) Submit(string dir, params string[] args)
    {
        var r = RunIn(dir, "sbatch", ["--parsable", .. args]);
        if (r.Code != 0) throw new InvalidOperationException($"sbatch {string.Join(' ', args)} failed: {r.Output}");
        var job = r.Output.Trim().Split(';')[0];
        WaitFor(job);
        var m = Regex.Match(Run("scontrol", "show", "job", job).Output, @"ExitCode=(\d+):");
        return (job, m.Success ? int.Parse(m.Groups[1].Value) : -1);
    }

    private static void Check((int Code, string Output) r, string what)
    {
        if (r.Code != 0) throw new InvalidOperationException($"{what} failed to start (exit {r.Code}): {r.Output}");
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>`scontrol shutdown`; daemons of this cluster still running 10 s later are killed by their pid.</summary>
    public void Dispose()
    {
        try { Run("scontrol", "shutdown"); } catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException) { }
        foreach (var pidFile in new[] { "slurmctld.pid", "slurmd.pid" }.Select(f => Path.Combine(Folder, f)))
        {
            if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) continue;
            try
            {
                using var p = Process.GetProcessById(pid);
                if (!p.WaitForExit(TimeSpan.FromSeconds(10))) p.Kill();
            }
            catch (ArgumentException) { }   // already gone
        }
        try { Directory.Delete(Folder, true); } catch (IOException) { }
    }
}

/// <summary>
/// `theorykit slurm` on a real one-node Slurm cluster: a 4-task array of a small sweep and its merge job give the local run's
/// result; a cancelled task is named by the merge (exit code 3) and its resubmission completes the merge.
/// </summary>
public sealed class SlurmTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("theorykit-slurm-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private const string Sweep = "sweep gaussians:1 --n 60 --d 5 --epsilon 0.3 --min-width 2 --max-width 8 --seeds 2 --steps 200 --teacher-steps 200 --json --quiet";

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    private static string[] Split(string args) => args.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static IEnumerable<string> Jobs(string output) => Regex.Matches(output, @"Submitted batch job (\d+)").Select(m => m.Groups[1].Value);

    private static string ScriptFor(string dir)
    {
        var run = CliRunner.Run(dir, Split($"slurm {Sweep} --array 4 --cpus 1 --time 00:05:00"));
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("afterok", run.Stdout);
        return run.Stdout.Trim();
    }

    [Fact]
    public void A_4_task_array_and_its_merge_give_the_local_result_and_a_cancelled_task_is_named_and_resubmitted()
    {
        var local = CliRunner.Run(Folder("local"), Split(Sweep));
        Assert.True(local.ExitCode == 0, local.Stderr);
        var expected = ShardMergeTests.WithoutTiming(local.Stdout);
        using var cluster = new SlurmCluster();

        // The line `theorykit slurm` prints: the array and the merge job (afterok).
        var full = Folder("full");
        var submit = cluster.RunIn(full, "bash", "-c", ScriptFor(full));
        Assert.True(submit.Code == 0, submit.Output);
        var merge = Jobs(submit.Output).Last();
        cluster.WaitFor(merge);
        var mergeOut = Path.Combine(full, $"slurm-{merge}.out");
        Assert.True(File.Exists(mergeOut), "no merge output\n" + cluster.Run("scontrol", "show", "job", merge).Output + cluster.Logs());
        Assert.Equal(expected, ShardMergeTests.WithoutTiming(File.ReadAllText(mergeOut)));
        Assert.Contains("ExitCode=0:0", cluster.Run("scontrol", "show", "job", merge).Output);

        // A task cancelled at once: the merge job names it (exit 3), its resubmission completes the merge.
        var broken = Folder("broken");
        var line = ScriptFor(broken);
        var script = Regex.Match(line, @"--array=0-3 (\S+)\)").Groups[1].Value;
        var array = cluster.RunIn(broken, "sbatch", "--parsable", "--array=0-3", script);
        Assert.True(array.Code == 0, array.Output);
        var job = array.Output.Trim().Split(';')[0];
        Assert.Equal(0, cluster.Run("scancel", $"{job}_2").Code);
        cluster.WaitFor(job);
        var incomplete = cluster.Submit(broken, "--export=ALL,THEORYKIT_MERGE=1", script);
        Assert.Equal(3, incomplete.ExitCode);
        var report = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(broken, $"slurm-{incomplete.Job}.out")))!;
        Assert.Equal([2], report["resubmit"]!.AsArray().Select(x => (int)x!).ToArray());
        Assert.False((bool)report["complete"]!);
        Assert.Equal(0, cluster.Submit(broken, "--array=2", script).ExitCode);
        var complete = cluster.Submit(broken, "--export=ALL,THEORYKIT_MERGE=1", script);
        Assert.Equal(0, complete.ExitCode);
        var done = File.ReadAllText(Path.Combine(broken, $"slurm-{complete.Job}.out"));
        Assert.Equal(expected, ShardMergeTests.WithoutTiming(done));
    }
}
