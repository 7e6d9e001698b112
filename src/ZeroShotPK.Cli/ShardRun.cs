using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace ZeroShotPK.Cli;

/// <summary>What a shard's manifest records about the run: its arguments, the hash of its inputs and the code version.</summary>
internal static class ShardRun
{
    /// <summary>Options that never change a result and may differ between the shards of one job.</summary>
    private static readonly string[] Free = ["--shard", "--out", "--threads"];

    /// <summary>Flags that never change a result (--force only allows replacing an existing output).</summary>
    private static readonly string[] FreeFlags = [OutputGuard.ForceOption];

    /// <summary>
    /// The arguments after the command words (<paramref name="commandWords"/>, e.g. "evaluate" or "pbpk population") without
    /// --shard, --out and --threads and their values, and without --force: equal for every shard of one job.
    /// </summary>
    public static IReadOnlyList<string> Arguments(params string[] commandWords)
    {
        var args = Environment.GetCommandLineArgs().Skip(1).ToList();
        // Skip the command words themselves (the first occurrence of the sequence).
        for (int i = 0; i + commandWords.Length <= args.Count; i++)
            if (args.Skip(i).Take(commandWords.Length).SequenceEqual(commandWords)) { args = args.Skip(i + commandWords.Length).ToList(); break; }
        var kept = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            var name = args[i].Split('=', 2)[0];
            if (FreeFlags.Contains(name)) continue;
            if (Free.Contains(name))
            {
                if (!args[i].Contains('=')) i++; // its value
                continue;
            }
            kept.Add(args[i]);
        }
        return kept;
    }

    /// <summary>SHA-256 over the files' names and bytes, in the order given (null entries are skipped).</summary>
    public static string Hash(IEnumerable<string?> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in files)
        {
            if (f is null) continue;
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(f) + "\0"));
            sha.AppendData(File.ReadAllBytes(f));
            sha.AppendData("\0"u8);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The zspk version and a SHA-256 prefix of the zspk and ZeroShotPK assemblies (the same build on every node).</summary>
    public static string CodeVersion()
    {
        var cli = typeof(ShardRun).Assembly;
        var lib = typeof(ZeroShotPK.Evaluation.Shard).Assembly;
        var version = cli.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? cli.GetName().Version?.ToString() ?? "?";
        return $"{version} sha256:{Hash([cli.Location, lib.Location])[..16]}";
    }
}
