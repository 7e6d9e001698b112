using System.Reflection;
using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace ZeroShotPK.Cli;

/// <summary>
/// Turns any failure into one line <c>error: ...</c> and an exit code; no exception type or stack trace reaches the
/// user (set <c>ZSPK_DEBUG=1</c> to see them). Exit codes: 1 bad input (a file, an option, a parameter: the message
/// says which and what was expected), 70 a failure of zspk itself (a bug: the message says so), 130 interrupted.
/// </summary>
internal static partial class ErrorReport
{
    /// <summary>Bad input: a file, an option or a parameter.</summary>
    public const int BadInput = 1;
    /// <summary>A failure of zspk itself (EX_SOFTWARE).</summary>
    public const int Internal = 70;
    /// <summary>Interrupted (Ctrl-C).</summary>
    public const int Interrupted = 130;

    /// <summary>Writes the error line for <paramref name="exception"/> to standard error and returns the exit code.</summary>
    public static int Print(Exception exception)
    {
        var (code, message) = Describe(exception);
        // Plain text, never wrapped at the terminal's width (scripts grep it); red only on a terminal.
        Console.Error.WriteLine((Console.IsErrorRedirected ? "error: " : "\u001b[31merror:\u001b[0m ") + message);
        if (Environment.GetEnvironmentVariable("ZSPK_DEBUG") == "1") Console.Error.WriteLine(exception.ToString());
        return code;
    }

    /// <summary>The exit code and the one-line message for <paramref name="exception"/>.</summary>
    public static (int Code, string Message) Describe(Exception exception)
    {
        var ex = Unwrap(exception);
        switch (ex)
        {
            case OperationCanceledException:
                return (Interrupted, "interrupted.");
            case UsageException or CommandAppException or FormatException or KeyNotFoundException or NotImplementedException or NotSupportedException:
                return (BadInput, Clean(ex.Message));
            case UnauthorizedAccessException:
                return (BadInput, QuotedPath(ex.Message) is not { } p ? Clean(ex.Message)
                    : Directory.Exists(p) ? $"{p}: a folder, where a file was expected."
                    : $"{p}: permission denied; expected a file or folder zspk may read and write.");
            case FileNotFoundException f when f.Message.StartsWith("Could not find file", StringComparison.Ordinal):
                return (BadInput, $"{f.FileName ?? QuotedPath(f.Message)}: no such file.");
            case DirectoryNotFoundException d when d.Message.StartsWith("Could not find a part of the path", StringComparison.Ordinal):
                return (BadInput, $"{QuotedPath(d.Message)}: no such folder (a part of the path does not exist).");
            case EndOfStreamException:
                return (BadInput, "a file ended before its content did (truncated or not written by zspk); rerun with ZSPK_DEBUG=1 to see which read failed.");
            case IOException or InvalidDataException or ArgumentException or InvalidOperationException or ArithmeticException:
                return (BadInput, Clean(ex.Message));
            default:
                return (Internal, $"zspk failed unexpectedly ({Clean(ex.Message)}); this is a bug: please report the command line (ZSPK_DEBUG=1 shows where it failed).");
        }
    }

    private static Exception Unwrap(Exception ex)
    {
        while (true)
        {
            switch (ex)
            {
                case AggregateException { InnerExceptions.Count: > 0 } a: ex = a.InnerExceptions[0]; continue;
                case TargetInvocationException { InnerException: { } i }: ex = i; continue;
                case TypeInitializationException { InnerException: { } t }: ex = t; continue;
                default: return ex;
            }
        }
    }

    /// <summary>One line, without .NET's "(Parameter 'x')" suffix, at most 600 characters.</summary>
    internal static string Clean(string message)
    {
        var s = ParameterSuffix().Replace(message, "");
        s = Whitespace().Replace(s, " ").Trim();
        return s.Length <= 600 ? s : s[..597] + "...";
    }

    private static string? QuotedPath(string message) => Quoted().Match(message) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex Quoted();
}
