using ZeroShotPK.Data;
using ZeroShotPK.Inference;
using ZeroShotPK.Models.Baselines;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>
/// Simulation-based calibration of the NLME route's individual step: with the population values of a fit held fixed,
/// Eta is drawn from its prior N(0, Omega), observations are simulated with residual error on a design individual's
/// doses and sampling times, and the Laplace posterior N(MAP, H⁻¹) of <see cref="NlmeFit.Map"/> is ranked against the
/// truth (<see cref="NlmeEtaPosterior"/>). Uniform ranks mean the empirical-Bayes posterior the NLME intervals sample
/// from is calibrated.
/// </summary>
public static class NlmeSbc
{
    /// <summary>Runs the SBC (datasets in parallel, each seeded from <paramref name="seed"/> and its index).</summary>
    /// <param name="fit">Population fit whose Theta, Omega and Sigma define the prior and the simulator.</param>
    /// <param name="design">Individual whose doses, covariates and post-dose sampling times are simulated.</param>
    /// <param name="datasets">Simulated individuals (&gt;= 2).</param>
    /// <param name="draws">Posterior draws per individual (&gt;= 1).</param>
    /// <param name="seed">Base seed.</param>
    /// <exception cref="ArgumentException">The design has no post-dose sampling time, or the model has no random effect.</exception>
    public static SbcResult Run(NlmeFit fit, Individual design, int datasets = 100, int draws = 99, int seed = 0) =>
        Sbc.Run(new NlmeEtaPosterior(fit, design), datasets, draws, seed);
}
