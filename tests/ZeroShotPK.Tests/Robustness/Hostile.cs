using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ZeroShotPK.Tests.Robustness;

/// <summary>Runs zspk as a user would (optionally with environment variables) and checks that a failure reads as one clean error line.</summary>
internal static class Hostile
{
    /// <summary>Runs the built zspk with <paramref name="args"/>; <paramref name="env"/> adds environment variables.</summary>
    public static (int Code, string Output) Run(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "zspk.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["COLUMNS"] = "200";
        psi.Environment.Remove("ZSPK_DEBUG");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"zspk {string.Join(' ', args)} did not finish within 3 minutes.");
        }
        return (p.ExitCode, stdout.Result + stderr);
    }

    public static (int Code, string Output) Run(params string[] args) => Run(null, args);

    /// <summary>
    /// Asserts exit code <paramref name="code"/>, one "error:" line that contains every one of
    /// <paramref name="expected"/>, and no .NET exception text or stack trace anywhere in the output.
    /// Returns the error line.
    /// </summary>
    public static string AssertError((int Code, string Output) result, int code, params string[] expected)
    {
        var (actual, output) = result;
        Assert.True(actual == code, $"exit code {actual}, expected {code}; output:\n{output}");
        AssertNoStackTrace(output);
        var errors = output.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 1, $"expected exactly one 'error:' line, got {errors.Length}; output:\n{output}");
        foreach (var e in expected) Assert.Contains(e, errors[0]);
        return errors[0];
    }

    /// <summary>No stack-trace frame ("   at X.Y(...)"), no exception type name, no "--- End of" marker.</summary>
    public static void AssertNoStackTrace(string output)
    {
        Assert.DoesNotMatch(new Regex(@"^\s+at \S+\(", RegexOptions.Multiline), output);
        Assert.DoesNotContain("Exception", output);
        Assert.DoesNotContain("--- End of", output);
        Assert.DoesNotContain("Unhandled", output);
    }

    /// <summary>A fresh temporary folder, deleted by the caller.</summary>
    public static string TempFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "zspk-robust-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
