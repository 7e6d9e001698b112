using System.Security.Cryptography;
using System.Text;
using ZeroShotPK.Priors;

namespace ZeroShotPK.Cli.Commands;

/// <summary>Priors that pretraining and benchmarks draw synthetic studies from: a built-in name or a prior JSON file.</summary>
internal static class PriorCatalog
{
    /// <summary>The generator and a hash (SHA-256 of the prior's JSON, 16 hex digits) for <paramref name="nameOrPath"/>.</summary>
    public static (IStudyGenerator Generator, string Hash) Resolve(string nameOrPath)
    {
        var prior = PriorFile.Load(nameOrPath);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(PriorFile.ToJson(prior))))[..16];
        return (new PriorStudyGenerator(prior), hash);
    }
}
