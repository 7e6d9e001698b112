namespace ZeroShotPK.Data;

/// <summary>
/// The one way ZeroShotPK replaces a file: write a hidden temporary file beside it (same folder, so the rename cannot
/// cross file systems), then rename it over the target. A reader sees the old file or the new one, never half of
/// one; a failed or interrupted write leaves the old file and no temporary file behind.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Calls <paramref name="write"/> with a temporary path beside <paramref name="path"/> (<c>.NAME.PID.RANDOM.tmp</c>,
    /// unique per call, so two writers never share one) and renames the result over <paramref name="path"/>; creates
    /// the folder if needed.
    /// </summary>
    public static void Write(string path, Action<string> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid().ToString("N")[..8]}.tmp");
        try
        {
            write(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp); // a failed write leaves no temporary file behind
        }
    }

    /// <summary>
    /// Writes files that belong together (a generator's weights and manifest): every one to its temporary file first, then
    /// all renamed in the order given, so a failed write replaces none of them and the renames leave only a moment in
    /// which old and new are mixed.
    /// </summary>
    public static void WriteAll(IReadOnlyList<(string Path, Action<string> Write)> files)
    {
        var staged = new List<(string Tmp, string Full)>();
        try
        {
            foreach (var (path, write) in files)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(path);
                var full = Path.GetFullPath(path);
                var dir = Path.GetDirectoryName(full)!;
                Directory.CreateDirectory(dir);
                var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid().ToString("N")[..8]}.tmp");
                staged.Add((tmp, full));
                write(tmp);
            }
            foreach (var (tmp, full) in staged) File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            foreach (var (tmp, _) in staged)
                if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8 without BOM) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) => Write(path, tmp => File.WriteAllText(tmp, text));

    /// <summary>
    /// Writes <paramref name="lines"/> atomically, each ended by the platform's line ending, UTF-8 without a byte-order
    /// mark (the CSV files of the commands). The lines are enumerated while writing, so a large table is never held
    /// whole; an exception thrown by the enumeration leaves the old file as it was.
    /// </summary>
    public static void WriteLines(string path, IEnumerable<string> lines) =>
        Write(path, tmp =>
        {
            using var w = new StreamWriter(tmp, false, new System.Text.UTF8Encoding(false));
            foreach (var line in lines) w.WriteLine(line);
        });
}
