using System.Runtime.InteropServices;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ZeroShotPK.Cli;

/// <summary>How zspk writes an output folder.</summary>
internal enum OutputMode
{
    /// <summary>Written whole into a hidden sibling folder, then renamed into place: a reader never sees half of it.</summary>
    Whole,
    /// <summary>Written in place (pretrain's checkpoint folder, which --resume continues): complete when its manifest, written last with checksums of every file, is there.</summary>
    InPlace,
    /// <summary>
    /// An existing folder that the command changes in place, file by file through a temporary file and a rename
    /// (calibrate's checkpoint manifest): only locked, so that it is never changed while another zspk writes it (a
    /// pretraining run, another calibrate). Never refused as existing, so it needs no --force.
    /// </summary>
    Updated,
}

/// <summary>
/// Marks an option whose value is a path zspk writes: a file, or a folder when its value is <c>&lt;DIR&gt;</c>. Every such
/// option is checked, locked and (folders) staged by <see cref="OutputGuard"/> before the command runs; a command with one
/// also has <c>--force</c>, unless its only outputs are folders it updates in place (<see cref="OutputMode.Updated"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class OutputAttribute : Attribute
{
    /// <summary>How a folder output is written (files are always replaced atomically).</summary>
    public OutputMode Mode { get; init; } = OutputMode.Whole;

    /// <summary>A flag under which an existing output is continued, not overwritten (pretrain's <c>--resume</c>).</summary>
    public string? ContinuedBy { get; init; }
}

/// <summary>One output path of a command line, as <see cref="CommandLineCheck.Check"/> found it.</summary>
/// <param name="Option">The option as written, e.g. <c>--out</c>.</param>
/// <param name="Value">The path as written.</param>
/// <param name="FullPath">The absolute path, without a trailing separator.</param>
/// <param name="Folder">True for a folder output (<c>&lt;DIR&gt;</c>).</param>
/// <param name="Mode">How a folder output is written.</param>
/// <param name="Continued">True when the line continues the existing output (pretrain --resume): not an overwrite.</param>
internal sealed record OutputClaim(string Option, string Value, string FullPath, bool Folder, OutputMode Mode, bool Continued);

/// <summary>The outputs of a command line and whether <c>--force</c> was given.</summary>
internal sealed record OutputPlan(IReadOnlyList<OutputClaim> Outputs, bool Force)
{
    /// <summary>A line that writes nothing (help, version, a command without outputs).</summary>
    public static readonly OutputPlan None = new([], false);
}

/// <summary>
/// zspk's rules for every output, applied once for every command before it runs: an existing file or non-empty folder is
/// never written over without <c>--force</c>; one run at a time writes a path (a lock file beside it, <c>.NAME.zspk-lock</c>,
/// holding the writer's process id; a lock whose process is gone is taken over); a folder is written into a hidden sibling
/// (<c>.NAME.PID.zspk-tmp</c>) and renamed into place when the command succeeds, so a killed or failed run leaves the old
/// folder (or none) and never a half-written one; leftovers of a killed run are removed by the next run on that path.
/// </summary>
internal sealed partial class OutputGuard : IDisposable
{
    /// <summary>The option that allows replacing an existing output.</summary>
    public const string ForceOption = "--force";

    /// <summary>--force's help text, the same in every command.</summary>
    public const string ForceHelp = "Replace existing outputs (a file, or a folder with files in it) instead of refusing to run; a folder is replaced only once the new one is complete (default false).";

    private static OutputGuard? current;
    private readonly List<string> locks = [];
    private readonly Dictionary<string, string> staging = new(StringComparer.Ordinal);
    private readonly string lockContent = $"{Environment.ProcessId}@{Environment.MachineName}\n";
    private bool force;
    private bool done;

    private OutputGuard() { }

    /// <summary>
    /// Where a command writes the folder it was given as <paramref name="path"/>: the hidden staging folder while zspk runs
    /// it (renamed to <paramref name="path"/> when the command succeeds), or <paramref name="path"/> itself.
    /// </summary>
    public static string Folder(string path)
    {
        var guard = current;
        return guard is not null && guard.staging.TryGetValue(Full(path), out var stage) ? stage : path;
    }

    /// <summary>
    /// Locks every output of <paramref name="plan"/>, removes a killed run's leftovers, refuses an existing output unless
    /// --force (or the line continues it), and creates the staging folders. Dispose releases all of it.
    /// </summary>
    /// <exception cref="UsageException">Another live process writes one of the outputs, or one exists and --force is not given.</exception>
    public static OutputGuard Claim(OutputPlan plan)
    {
        var guard = new OutputGuard { force = plan.Force };
        try
        {
            foreach (var o in plan.Outputs) guard.ClaimOne(o, plan.Force);
        }
        catch
        {
            guard.Dispose();
            throw;
        }
        current = guard;
        // SIGTERM and Ctrl-C end the process without finally blocks, and (measured) without ProcessExit either: a signal
        // handler removes the staging folders and locks first, then the signal's default action ends the process
        // (exit 143 or 130). Commands that stop gracefully on a signal (pretraining) say so with LeaveSignalsToCommand.
        AppDomain.CurrentDomain.ProcessExit += guard.OnExit;
        guard.signals = [PosixSignalRegistration.Create(PosixSignal.SIGTERM, guard.OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGINT, guard.OnSignal)];
        return guard;
    }

    private PosixSignalRegistration[] signals = [];
    private static volatile bool commandHandlesSignals;

    /// <summary>
    /// For commands that stop gracefully on SIGTERM and Ctrl-C (finish the step, write a final checkpoint, then exit
    /// non-zero): the guard then leaves its outputs to the command's own exit path instead of removing them on the signal.
    /// </summary>
    public static void LeaveSignalsToCommand() => commandHandlesSignals = true;

    private void OnExit(object? sender, EventArgs e) => Release();

    private void OnSignal(PosixSignalContext context)
    {
        if (!commandHandlesSignals && !context.Cancel) Release();
    }

    /// <summary>
    /// Claims, while the command runs, files whose paths only the command knows (pbpk population --retrain writes
    /// <c>PREFIX.bin</c> and <c>PREFIX.json</c>, by default the shipped generator under data/pbpk): each is locked and
    /// refused when it exists unless --force, by the rules of <see cref="Claim"/>. Call it before any long work.
    /// </summary>
    /// <param name="option">The option that names the files, e.g. <c>--save</c> (its default is claimed the same way).</param>
    /// <param name="prefix">The path the suffixes are appended to.</param>
    /// <param name="suffixes">One file per suffix, e.g. <c>.bin</c>, <c>.json</c>.</param>
    /// <exception cref="UsageException">One of the files is a folder, exists without --force, or another live zspk writes it.</exception>
    public static void ClaimFiles(string option, string prefix, params string[] suffixes)
    {
        var guard = current ?? throw new InvalidOperationException("no output guard: ClaimFiles runs inside a zspk command.");
        foreach (var suffix in suffixes)
        {
            var value = prefix + suffix;
            var full = Full(value);
            if (Directory.Exists(full)) throw new UsageException($"{option} {value}: a folder; expected a file path.");
            if (guard.locks.Contains(Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.zspk-lock"))) continue; // claimed already
            guard.ClaimOne(new OutputClaim(option, value, full, Folder: false, OutputMode.Whole, Continued: false), guard.force);
        }
    }

    private void ClaimOne(OutputClaim o, bool force)
    {
        var dir = Path.GetDirectoryName(o.FullPath)!;
        var name = Path.GetFileName(o.FullPath);
        // A folder changed in place must be there already (nothing is created for it, not even its parent).
        if (o.Mode == OutputMode.Updated && !Directory.Exists(o.FullPath))
            throw new UsageException($"{o.Option} {o.Value}: no such folder; expected an existing folder.");
        Directory.CreateDirectory(dir);
        Lock(o, Path.Combine(dir, $".{name}.zspk-lock"));
        RemoveLeftovers(o, dir, name);
        if (!o.Continued && Existing(o) is { } existing)
        {
            if (!force)
                throw new UsageException($"{o.Option} {o.Value}: {existing}; pass {ForceOption} to replace it, or choose another path.");
            // Pretrain writes in place (its checkpoints must survive a kill to be resumed): the old run goes first.
            if (o.Folder && o.Mode == OutputMode.InPlace) Directory.Delete(o.FullPath, recursive: true);
        }
        if (o.Folder && o.Mode == OutputMode.Whole)
        {
            var stage = Path.Combine(dir, $".{name}.{Environment.ProcessId}.zspk-tmp");
            Directory.CreateDirectory(stage);
            staging[o.FullPath] = stage;
        }
    }

    /// <summary>What of <paramref name="o"/> exists already, in words (null: nothing).</summary>
    private static string? Existing(OutputClaim o)
    {
        if (o.Folder)
            return Directory.Exists(o.FullPath) && Directory.EnumerateFileSystemEntries(o.FullPath).Any() ? "the folder already exists and is not empty" : null;
        if (File.Exists(o.FullPath)) return "the file already exists";
        // A sharded run's manifest beside its file (zspk simulate --shard) belongs to that output too.
        var manifest = o.FullPath + "." + ZeroShotPK.Evaluation.ShardedEvaluation.ManifestFile;
        return File.Exists(manifest) ? $"its shard manifest {Path.GetFileName(manifest)} already exists" : null;
    }

    /// <summary>Takes the lock file <paramref name="path"/>: created whole (link, not write), taken over from a dead process.</summary>
    private void Lock(OutputClaim o, string path)
    {
        for (int attempt = 0; ; attempt++)
        {
            var tmp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid().ToString("N")[..8]}.tmp";
            File.WriteAllText(tmp, lockContent);
            try
            {
                // Without overwrite, a move fails when the lock exists: the lock appears with its content or not at all.
                File.Move(tmp, path, overwrite: false);
                locks.Add(path);
                return;
            }
            catch (IOException) when (File.Exists(path) && attempt < 5)
            {
                File.Delete(tmp);
                string held;
                try { held = File.ReadAllText(path); }
                catch (FileNotFoundException) { continue; } // released meanwhile: try again
                if (Owner(held) is { } owner && Alive(owner.Pid, owner.Host))
                    throw new UsageException($"{o.Option} {o.Value}: another zspk (process {owner.Pid}{(owner.Host == Environment.MachineName ? "" : " on " + owner.Host)}) is writing it now; wait for it to finish or choose another path.");
                // A dead writer's lock: move it aside and check it is still the one read (no other run took it over meanwhile).
                var aside = $"{path}.{Environment.ProcessId}.stale";
                try { File.Move(path, aside, overwrite: true); }
                catch (FileNotFoundException) { continue; }
                var moved = File.ReadAllText(aside);
                if (moved == held) { File.Delete(aside); continue; }
                try { File.Move(aside, path, overwrite: false); } catch (IOException) { File.Delete(aside); }
            }
            finally
            {
                if (File.Exists(tmp)) File.Delete(tmp);
            }
        }
    }

    private static (int Pid, string Host)? Owner(string content)
    {
        var m = LockContent().Match(content.Trim());
        return m.Success && int.TryParse(m.Groups[1].Value, out var pid) ? (pid, m.Groups[2].Value) : null;
    }

    /// <summary>True when process <paramref name="pid"/> runs (on another host zspk cannot tell: taken as running).</summary>
    private static bool Alive(int pid, string host)
    {
        if (host != Environment.MachineName) return true;
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>
    /// What a killed run (kill -9, power loss) left beside or in the output, removed now that this run holds its lock: staging
    /// folders, a moved-aside old folder (put back if the new one never arrived), and temporary files of dead processes.
    /// </summary>
    private static void RemoveLeftovers(OutputClaim o, string dir, string name)
    {
        var escaped = Regex.Escape(name);
        var pattern = new Regex($@"^\.{escaped}\.(\d+)\.(zspk-tmp|zspk-old|[0-9a-f]{{8}}\.tmp)$");
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir, $".{name}.*").ToArray())
        {
            var m = pattern.Match(Path.GetFileName(entry));
            if (!m.Success || Alive(int.Parse(m.Groups[1].Value), Environment.MachineName) && int.Parse(m.Groups[1].Value) != Environment.ProcessId) continue;
            if (m.Groups[2].Value == "zspk-old" && !Directory.Exists(o.FullPath) && !File.Exists(o.FullPath))
                Directory.Move(entry, o.FullPath); // killed between the two renames of a replacement: the old folder comes back
            else if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
        // A checkpoint folder written in place may hold a killed writer's temporary files (AtomicFile's .NAME.PID.RANDOM.tmp).
        if (o.Folder && (o.Mode is OutputMode.InPlace or OutputMode.Updated) && Directory.Exists(o.FullPath))
            foreach (var file in Directory.EnumerateFiles(o.FullPath, ".*.tmp"))
                if (TempFile().Match(Path.GetFileName(file)) is { Success: true } t && !Alive(int.Parse(t.Groups[1].Value), Environment.MachineName))
                    File.Delete(file);
    }

    /// <summary>Moves every staging folder into place, replacing the old folder (--force) only now that the new one is complete.</summary>
    public void Commit()
    {
        foreach (var (target, stage) in staging)
        {
            if (!Directory.Exists(stage)) continue;
            if (Directory.Exists(target))
            {
                var old = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Environment.ProcessId}.zspk-old");
                Directory.Move(target, old);
                Directory.Move(stage, target);
                Directory.Delete(old, recursive: true);
            }
            else Directory.Move(stage, target);
        }
        staging.Clear();
    }

    /// <summary>Removes staging folders that were not committed (a failed run) and releases the locks.</summary>
    public void Dispose()
    {
        Release();
        foreach (var registration in signals) registration.Dispose();
        signals = [];
    }

    // Removes staging folders and this run's locks, once; safe from a signal handler (it disposes no registration).
    private void Release()
    {
        lock (locks)
        {
            if (done) return;
            done = true;
        }
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        if (current == this) current = null;
        foreach (var stage in staging.Values)
            try { if (Directory.Exists(stage)) Directory.Delete(stage, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        foreach (var path in locks)
            try { if (File.Exists(path) && File.ReadAllText(path) == lockContent) File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string Full(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    [GeneratedRegex(@"^(\d+)@(.*)$")]
    private static partial Regex LockContent();

    [GeneratedRegex(@"^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$")]
    private static partial Regex TempFile();
}
