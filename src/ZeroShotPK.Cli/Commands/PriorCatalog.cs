using System.Security.Cryptography;
using System.Text;
using ZeroShotPK.Priors;
using ZeroShotPK.Training;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// Priors that pretraining and benchmarks draw synthetic studies from: a built-in name or a prior JSON file, or several
/// joined by '+' (an equal-weight mixture, e.g. <c>default+multidose</c>).
/// </summary>
internal static class PriorCatalog
{
    /// <summary>The generator and a hash (SHA-256 of the priors' JSON, 16 hex digits) for <paramref name="spec"/>.</summary>
    public static (IStudyGenerator Generator, string Hash) Resolve(string spec)
    {
        var priors = spec.Split('+', StringSplitOptions.TrimEntries).Select(PriorFile.Load).ToArray();
        var json = string.Join("\n", priors.Select(PriorFile.ToJson));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16];
        IStudyGenerator generator = priors.Length == 1
            ? new PriorStudyGenerator(priors[0])
            : new StudyGeneratorMixture(priors.Select(p => (IStudyGenerator)new PriorStudyGenerator(p)).ToArray());
        return (generator, hash);
    }
}
