using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using ZeroShotPK.Data;
using ZeroShotPK.Models.Baselines;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>
/// Simulation-based calibration of the NLME route's individual step: with the population values of a fit held fixed,
/// Eta is drawn from its prior N(0, Omega), observations are simulated with residual error on a design individual's
/// doses and sampling times, and the Laplace posterior N(MAP, H⁻¹) of <see cref="NlmeFit.Map"/> is ranked against the
/// truth. Uniform ranks mean the empirical-Bayes posterior the NLME intervals sample from is calibrated.
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
    public static SbcResult Run(NlmeFit fit, Individual design, int datasets = 100, int draws = 99, int seed = 0)
    {
        var pop = fit.Population;
        int q = pop.Omega.Length;
        if (q == 0) throw new ArgumentException($"model '{fit.Model.Name}' has no random effect: nothing to calibrate.", nameof(fit));
        double first = design.Doses.Count > 0 ? design.Doses[0].Time : double.NegativeInfinity;
        var times = design.Observations.Where(o => o.Time > first).Select(o => o.Time).Distinct().ToArray();
        if (times.Length == 0) throw new ArgumentException($"individual '{design.Id}' has no post-dose sampling time to simulate.", nameof(design));
        var names = fit.Model.ParameterNames.Where((_, k) => fit.Model.HasRandomEffect[k]).Select(n => "eta_" + n).ToArray();
        var probe = new Individual(design.Id, design.Doses, [], design.Covariates, design.ResetTimes);
        return Sbc.Run(datasets, draws,
            rng => pop.Omega.Select(w => Math.Sqrt(w) * Normal.Sample(rng, 0, 1)).ToArray(),
            (eta, rng) =>
            {
                var phi = (double[])pop.Theta.Clone();
                int k = 0;
                for (int i = 0; i < phi.Length; i++) if (fit.Model.HasRandomEffect[i]) phi[i] += eta[k++];
                var f = fit.Model.Predict(phi, probe, times);
                return new Individual(design.Id, design.Doses,
                    times.Select((t, j) => new Observation(t, f[j] + Math.Sqrt(pop.ResidualVariance(f[j])) * Normal.Sample(rng, 0, 1))),
                    design.Covariates, design.ResetTimes);
            },
            (ind, n, rng) =>
            {
                var est = fit.Map(ind);
                var chol = Matrix<double>.Build.DenseOfArray(est.Covariance).Cholesky().Factor;
                return Enumerable.Range(0, n).Select(_ =>
                {
                    var z = Enumerable.Range(0, q).Select(_ => Normal.Sample(rng, 0, 1)).ToArray();
                    return Enumerable.Range(0, q).Select(a => est.Eta[a] + Enumerable.Range(0, a + 1).Sum(b => chol[a, b] * z[b])).ToArray();
                }).ToArray();
            }, seed, names);
    }
}
