using System.Security.Cryptography;
using System.Text;
using ZeroShotPK.Priors;

namespace ZeroShotPK.Training;

/// <summary>
/// The synthetic-study source of a pretraining run, by name: a built-in prior or a prior JSON file, or several joined
/// by '+' (an equal-weight <see cref="StudyGeneratorMixture"/>, e.g. <c>default+multidose</c>, the shipped model's).
/// </summary>
public static class TrainingPrior
{
    /// <summary>The prior the shipped checkpoint was trained on.</summary>
    public const string Shipped = "default+multidose";

    /// <summary>The generator and a hash (SHA-256 of the priors' JSON, 16 hex digits) for <paramref name="spec"/>.</summary>
    /// <exception cref="ArgumentException">Unknown built-in name.</exception>
    /// <exception cref="FileNotFoundException">Neither a built-in name nor an existing file.</exception>
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
