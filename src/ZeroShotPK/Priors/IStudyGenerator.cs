using ZeroShotPK.Data;

namespace ZeroShotPK.Priors;

/// <summary>
/// A source of synthetic studies (prior + simulator): what pretraining, synthetic benchmarks and the
/// prior-design notebook draw from. The same seed always gives the same study.
/// </summary>
public interface IStudyGenerator
{
    /// <summary>Draws one complete study (typical values, individuals, doses, noisy observations).</summary>
    Study Generate(long seed);
}
