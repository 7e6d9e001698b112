using System.Security.Cryptography;
using System.Text;
using ZeroShotPK.Priors;

namespace ZeroShotPK.Training;

/// <summary>
/// The synthetic-study source of a pretraining run, by name: a built-in prior or a prior JSON file of either kind
/// (<see cref="PriorSpec"/>: hierarchical, or the authors' rate-constant prior such as <c>aicmet-authors</c>), or several
/// joined by '+' (an equal-weight <see cref="StudyGeneratorMixture"/>, e.g. <c>default+multidose</c>, the shipped model's,
/// or <c>aicmet-authors+multidose</c>).
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
        var priors = spec.Split('+', StringSplitOptions.TrimEntries).Select(PriorSpec.Load).ToArray();
        // Hierarchical priors serialise exactly as before, so existing hashes (the shipped checkpoint's) are unchanged.
        var json = string.Join("\n", priors.Select(p => p.ToJson()));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16];
        IStudyGenerator generator = priors.Length == 1
            ? priors[0].CreateGenerator()
            : new StudyGeneratorMixture(priors.Select(p => p.CreateGenerator()).ToArray());
        return (generator, hash);
    }
}
