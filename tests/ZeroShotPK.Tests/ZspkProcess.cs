using System.Diagnostics;

namespace ZeroShotPK.Tests;

/// <summary>Runs the built <c>zspk</c> as a separate process, as a user would, and returns its exit code and output.</summary>
internal static class ZspkProcess
{
    /// <param name="columns">Terminal width Spectre.Console lays tables out for (tests match table rows); 0 leaves COLUMNS unset.</param>
    /// <param name="args">Command-line arguments.</param>
    public static (int Code, string Output) Run(int columns, params string[] args) => RunIn(null, columns, args);

    /// <summary><see cref="Run"/> in <paramref name="workingDirectory"/> (null: the test's own), so relative paths resolve there.</summary>
    public static (int Code, string Output) RunIn(string? workingDirectory, int columns, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "zspk.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        // columns 0: no COLUMNS at all, as in a plain pipe or a CI log.
        if (columns > 0) psi.Environment["COLUMNS"] = columns.ToString(System.Globalization.CultureInfo.InvariantCulture);
        else psi.Environment.Remove("COLUMNS");
        using var p = Process.Start(psi)!;
        // Read stdout asynchronously so a full stderr pipe cannot deadlock the child.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }

    /// <summary><see cref="Run"/> with line breaks and runs of spaces collapsed: Spectre wraps long messages at the terminal width.</summary>
    public static (int Code, string Output) RunFlat(int columns, params string[] args)
    {
        var (code, output) = Run(columns, args);
        return (code, System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " "));
    }
}
