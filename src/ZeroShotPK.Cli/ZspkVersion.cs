using System.Reflection;

namespace ZeroShotPK.Cli;

/// <summary>What <c>zspk --version</c> prints: the assembly's version and the git commit it was built from, when the build recorded one.</summary>
internal static class ZspkVersion
{
    /// <summary>The line for this build of zspk.</summary>
    public static string Text { get; } = Describe(
        typeof(ZspkVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ZspkVersion).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    /// <summary>
    /// The line for an informational version such as <c>1.0.0+2a512d5...</c>: the .NET SDK appends the commit of the
    /// git checkout it built (SourceLink); a build outside a checkout has none, and the line says so.
    /// </summary>
    internal static string Describe(string informationalVersion)
    {
        int plus = informationalVersion.IndexOf('+');
        var version = plus < 0 ? informationalVersion : informationalVersion[..plus];
        var commit = plus < 0 ? "" : informationalVersion[(plus + 1)..];
        return commit.Length == 40 && commit.All(Uri.IsHexDigit)
            ? $"zspk {version} (git commit {commit})"
            : $"zspk {version} (git commit unknown: not built from a git checkout)";
    }
}
