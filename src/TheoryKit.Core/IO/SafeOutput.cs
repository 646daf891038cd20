using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace TheoryKit.IO;

/// <summary>
/// Output files written safely: only regular files are written (a device, FIFO, socket or folder is refused);
/// a symbolic link is written through to its final target; every write goes to a temporary file beside the
/// target, named <c>.NAME.theorykit-tmp.PID[.EXT]</c>, then renamed over it, so the target is either the old
/// or the complete new file. Temporary files of processes that no longer run (a killed run) are removed the
/// next time an output goes to the same folder. Errors are <see cref="InputException"/>s naming the path.
/// </summary>
public static partial class SafeOutput
{
    /// <summary>The marker in temporary file names: <c>.NAME.theorykit-tmp.PID[.EXT]</c>.</summary>
    public const string TempMarker = ".theorykit-tmp.";

    [GeneratedRegex(@"^\..+\.theorykit-tmp\.(\d+)(\.[A-Za-z0-9]+)?$")]
    private static partial Regex TempName();

    private const int TypeMask = 0xF000, Fifo = 0x1000, CharDevice = 0x2000, Folder = 0x4000, BlockDevice = 0x6000,
        Regular = 0x8000, Link = 0xA000, Socket = 0xC000;

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat")]
    private static extern int NativeStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] status);

    /// <summary>
    /// The file type bits (S_IFMT) of <paramref name="path"/> after following links, 0 when it does not exist,
    /// or -1 when the type cannot be read on this platform (then only folders are told apart).
    /// </summary>
    private static int TypeOf(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) return 0;
        try
        {
            // .NET's own stat wrapper: int flags, int mode, ... (the buffer is larger than its FileStatus record).
            var status = new byte[256];
            if (NativeStat(path, status) != 0) return 0;
            return BitConverter.ToInt32(status, 4) & TypeMask;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Directory.Exists(path) ? Folder : -1;
        }
    }

    /// <summary>Why an existing path is not a regular file (after following links), or null when it is one.</summary>
    internal static string? NotRegular(string path)
    {
        int type = TypeOf(path);
        if (type == -1) return path.StartsWith("/dev/", StringComparison.Ordinal) ? Describe(CharDevice) : null;
        return type is Regular or 0 ? null : Describe(type);
    }

    private static string Describe(int type) => type switch
    {
        Folder => "is a folder, not a file",
        CharDevice or BlockDevice => "is a device, not a regular file",
        Fifo => "is a FIFO (named pipe), not a regular file",
        Socket => "is a socket, not a regular file",
        _ => "is not a regular file",
    };

    /// <summary>
    /// Checks that <paramref name="path"/> can be written as a regular file, before any work: a symbolic link is
    /// followed to its final target; the target must not exist or be a regular file; its folder must exist and
    /// be writable (tested by creating and deleting a probe file, since root ignores permission bits). Removes
    /// stale temporary files of dead processes from that folder.
    /// </summary>
    /// <param name="path">The output path as given.</param>
    /// <returns>The full path that will really be written (the link's target for a symbolic link).</returns>
    /// <exception cref="InputException">An empty path, a non-regular target, a dangling link loop, a missing or unwritable folder.</exception>
    public static string Check(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw InputException.Parameter("output", "the output path is empty");
        string full = Path.GetFullPath(path);
        if (full.EndsWith(Path.DirectorySeparatorChar) || Directory.Exists(full))
            throw new InputException(path, null, null, Describe(Folder));
        string target = full;
        var info = new FileInfo(full);
        if (info.LinkTarget is not null)
        {
            FileSystemInfo? final;
            try { final = File.ResolveLinkTarget(full, returnFinalTarget: true); }
            catch (IOException e) { throw new InputException(path, null, null, "cannot follow the symbolic link: " + e.Message); }
            target = final is null ? full : Path.GetFullPath(final.FullName);
        }
        int type = TypeOf(target);
        if (type != 0 && type != Regular && type != -1) throw new InputException(path, null, null, Describe(type));
        if (type == -1 && target.StartsWith("/dev/", StringComparison.Ordinal)) throw new InputException(path, null, null, Describe(CharDevice));
        string folder = Path.GetDirectoryName(target) ?? ".";
        if (!Directory.Exists(folder))
            throw new InputException(path, null, null, File.Exists(folder) ? $"'{folder}' is a file, not a folder" : $"folder '{folder}' does not exist");
        Probe(path, folder);
        RemoveStale(folder);
        return target;
    }

    /// <summary>
    /// Checks an output folder before any work: an existing path must be a folder and writable (probe file);
    /// a missing one must have a writable nearest existing ancestor (it is created only for the work, by
    /// <see cref="CreateFolder"/>).
    /// </summary>
    /// <param name="path">The folder as given.</param>
    /// <param name="field">The option that names it, for messages (e.g. "journal-dir").</param>
    /// <returns>True when the folder exists already.</returns>
    /// <exception cref="InputException">The path is a file or device, or it (or its parent) is missing or unwritable.</exception>
    public static bool CheckFolder(string path, string field)
    {
        if (string.IsNullOrWhiteSpace(path)) throw InputException.Parameter(field, "the folder path is empty");
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) { Probe(path, full); return true; }
        if (File.Exists(full)) throw new InputException(path, null, field, "is a file, not a folder");
        // The nearest existing ancestor must be a writable folder (the missing ones are created with the output).
        string? parent = Path.GetDirectoryName(full.TrimEnd(Path.DirectorySeparatorChar));
        while (parent is not null && !Directory.Exists(parent))
        {
            if (File.Exists(parent)) throw new InputException(path, null, field, $"'{parent}' is a file, not a folder");
            parent = Path.GetDirectoryName(parent);
        }
        Probe(path, parent ?? ".");
        return false;
    }

    /// <summary>Creates an output folder (and reports whether it was new, so a failed run can remove it).</summary>
    /// <returns>True when the folder did not exist before.</returns>
    /// <exception cref="InputException">The folder cannot be created.</exception>
    public static bool CreateFolder(string path, string field)
    {
        if (Directory.Exists(path)) return false;
        try { Directory.CreateDirectory(path); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new InputException(path, null, field, "cannot create the folder: " + e.Message); }
    }

    /// <summary>Removes a folder this run created when the run fails and the folder is still empty.</summary>
    public static void RemoveIfEmpty(string path)
    {
        try { if (Directory.Exists(path) && !Directory.EnumerateFileSystemEntries(path).Any()) Directory.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static void Probe(string path, string folder)
    {
        var probe = Path.Combine(folder, $".theorykit-probe{TempMarker}{Environment.ProcessId}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(probe); } catch (Exception) { }
            throw new InputException(path, null, null, $"cannot write in folder '{folder}': {e.Message}");
        }
    }

    /// <summary>Deletes <c>.NAME.theorykit-tmp.PID</c> files in <paramref name="folder"/> whose process no longer runs.</summary>
    public static void RemoveStale(string folder)
    {
        try
        {
            foreach (var f in Directory.EnumerateFiles(folder, "." + "*" + TempMarker + "*"))
            {
                var m = TempName().Match(Path.GetFileName(f));
                if (m.Success && int.TryParse(m.Groups[1].Value, out var pid) && pid != Environment.ProcessId && !Alive(pid))
                    try { File.Delete(f); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static bool Alive(int pid)
    {
        if (Directory.Exists("/proc/self")) return Directory.Exists($"/proc/{pid}");
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>
    /// Writes <paramref name="path"/> atomically: checks it (<see cref="Check"/>), lets <paramref name="write"/> fill a
    /// temporary file beside the real target (named <c>.NAME.theorykit-tmp.PID</c> + <paramref name="extension"/>), then
    /// renames it over the target. On failure the temporary file is deleted and the target is untouched.
    /// </summary>
    /// <param name="path">The output path (a symbolic link is written through to its target).</param>
    /// <param name="write">Writes the complete content to the path it is given.</param>
    /// <param name="extension">Extension for the temporary name (e.g. ".png" for writers that need one), or "".</param>
    /// <exception cref="InputException">As <see cref="Check"/>; the write or rename fails.</exception>
    public static void Write(string path, Action<string> write, string extension = "")
    {
        ArgumentNullException.ThrowIfNull(write);
        string target = Check(path);
        string tmp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}{TempMarker}{Environment.ProcessId}{extension}");
        try
        {
            write(tmp);
            File.Move(tmp, target, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (Exception) { }
            throw new InputException(path, null, null, "cannot write: " + e.Message);
        }
        catch
        {
            try { File.Delete(tmp); } catch (Exception) { }
            throw;
        }
    }

    /// <summary>Writes UTF-8 text atomically (<see cref="Write"/>).</summary>
    /// <exception cref="InputException">As <see cref="Write"/>.</exception>
    public static void WriteText(string path, string text) => Write(path, tmp => File.WriteAllText(tmp, text));
}

/// <summary>Input files are read only when they are regular files: a device (/dev/zero), FIFO or socket could block or never end.</summary>
public static class InputFile
{
    /// <summary>Checks that <paramref name="path"/> (after following links) is an existing regular file.</summary>
    /// <exception cref="InputException">Missing ("file not found"), a folder, a device, a FIFO or a socket.</exception>
    public static void Check(string path)
    {
        if (Directory.Exists(path)) throw new InputException(path, null, null, "is a folder, not a file");
        if (!File.Exists(path)) throw new InputException(path, null, null, "file not found");
        var reason = SafeOutput.NotRegular(path);
        if (reason is not null) throw new InputException(path, null, null, reason);
    }
}
