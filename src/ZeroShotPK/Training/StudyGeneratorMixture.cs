using ZeroShotPK.Data;
using ZeroShotPK.Priors;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Training;

/// <summary>
/// Equal-weight mixture of study generators (e.g. single-dose and multiple-dose priors, so one network learns both).
/// The component and its seed are derived from the study seed, so the same seed still gives the same study.
/// </summary>
public sealed class StudyGeneratorMixture : IStudyGenerator
{
    private readonly IStudyGenerator[] components;

    /// <summary>Mixes <paramref name="components"/> with equal weights.</summary>
    /// <exception cref="ArgumentException">No component.</exception>
    public StudyGeneratorMixture(IReadOnlyList<IStudyGenerator> components)
    {
        if (components.Count == 0) throw new ArgumentException("a mixture needs at least one generator.", nameof(components));
        this.components = components.ToArray();
    }

    /// <inheritdoc />
    public Study Generate(long seed)
    {
        int k = (int)(SeedMix.Mix(seed, SeedStream.MixtureComponent) % components.Length);
        return components[k].Generate(SeedMix.Mix(seed, k + 1));
    }
}
