using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using ZeroShotPK.Data;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Models.Baselines;

/// <summary>Empirical-Bayes (MAP) estimate of one individual's random effects.</summary>
/// <param name="Eta">Conditional mode of Eta.</param>
/// <param name="Covariance">Laplace posterior covariance of Eta (inverse Gauss-Newton Hessian at the mode).</param>
/// <param name="ObservationsUsed">Number of observations the estimate conditions on.</param>
public sealed record IndividualEstimate(double[] Eta, double[,] Covariance, int ObservationsUsed);

/// <summary>Predictive draws of one individual from a population fit, at the query times.</summary>
/// <param name="Median">Median over the draws of the model concentration (no residual error): the point prediction.</param>
/// <param name="Lower90">5th percentile of the noisy draws (at most the median).</param>
/// <param name="Upper90">95th percentile of the noisy draws (at least the median).</param>
/// <param name="Samples">Draws of observations [sample][time], residual error included.</param>
/// <param name="Warnings">What is wrong with the fit behind them (a fit that did not converge); empty when nothing.</param>
public sealed record NlmeDraws(double[] Median, double[] Lower90, double[] Upper90, double[][] Samples, IReadOnlyList<string> Warnings);

/// <summary>Result of a population fit (<see cref="Focei.Fit"/>): population values, likelihood and per-individual modes.</summary>
public sealed class NlmeFit
{
    private readonly bool _includePreDose;

    internal NlmeFit(NlmeModel model, PopulationValues population, double logLik, int nObs, int nInd, int iterations, bool converged,
        IReadOnlyDictionary<string, double[]> etas, bool includePreDose, BlqMethod blq)
    {
        Model = model; Population = population; LogLikelihood = logLik; ObservationCount = nObs; IndividualCount = nInd;
        Iterations = iterations; Converged = converged; Etas = etas; _includePreDose = includePreDose; Blq = blq;
    }

    /// <summary>How BLQ samples entered the fit; the MAP step (<see cref="Map"/>) treats the target's the same way.</summary>
    public BlqMethod Blq { get; }

    /// <summary>The fitted model.</summary>
    public NlmeModel Model { get; }
    /// <summary>Theta, Omega and Sigma at the optimum.</summary>
    public PopulationValues Population { get; }
    /// <summary>FOCE-I (Laplace, Gauss-Newton Hessian) marginal log-likelihood at the optimum, including the 2π constants.</summary>
    public double LogLikelihood { get; }
    /// <summary>Observations in the likelihood (BLQ samples included under <see cref="BlqMethod.M3"/>).</summary>
    public int ObservationCount { get; }
    /// <summary>Individuals in the fit.</summary>
    public int IndividualCount { get; }
    /// <summary>Outer iterations used.</summary>
    public int Iterations { get; }
    /// <summary>False when the outer optimisation stopped without meeting its convergence criteria.</summary>
    public bool Converged { get; }
    /// <summary>
    /// Bayesian information criterion, -2 <see cref="LogLikelihood"/> + k ln(<see cref="ObservationCount"/>), with k the
    /// number of Theta, Omega and Sigma values estimated: lower is better among models fitted to the same data.
    /// </summary>
    public double Bic => -2 * LogLikelihood + EstimatedParameters * Math.Log(ObservationCount);

    /// <summary>Theta, Omega and Sigma values estimated.</summary>
    public int EstimatedParameters => Population.Theta.Length + Population.Omega.Length +
        (Model.Error != ResidualError.Proportional ? 1 : 0) + (Model.Error != ResidualError.Additive ? 1 : 0);

    /// <summary>Conditional modes of Eta of the fitted individuals, by id.</summary>
    public IReadOnlyDictionary<string, double[]> Etas { get; }

    /// <summary>
    /// MAP estimate of <paramref name="individual"/>'s Eta from its observations, with Theta, Omega, Sigma fixed; BLQ
    /// samples enter as censored (M3) or are dropped, as in the fit (<see cref="Blq"/>).
    /// </summary>
    public IndividualEstimate Map(Individual individual)
    {
        var data = IndividualData.From(individual, _includePreDose, Blq);
        var mode = Conditional.Solve(Model, Population, data, new double[Population.Omega.Length]);
        return new IndividualEstimate(mode.Eta, mode.Hessian.Inverse().ToArray(), data.Y.Length);
    }

    /// <summary>
    /// Individual prediction: Eta drawn from the Laplace posterior N(MAP, H⁻¹) given the known observations, plus
    /// residual error. Median = posterior median of the model concentration; 90% interval of the noisy observation.
    /// </summary>
    public NlmeDraws PredictIndividual(Individual known, IReadOnlyList<double> times, string method = "nlme", int samples = 1000, int seed = 0)
    {
        var est = Map(known);
        return Sample(known, times, est.Eta, Matrix<double>.Build.DenseOfArray(est.Covariance), method, samples, seed);
    }

    /// <summary>Population prediction for an individual's dosing history: Eta ~ N(0, Omega), plus residual error.</summary>
    public NlmeDraws PredictPopulation(Individual individual, IReadOnlyList<double> times, string method = "population", int samples = 1000, int seed = 0)
    {
        int q = Population.Omega.Length;
        return Sample(individual, times, new double[q], Matrix<double>.Build.DenseOfDiagonalArray(Population.Omega), method, samples, seed);
    }

    private NlmeDraws Sample(Individual ind, IReadOnlyList<double> times, double[] mean, Matrix<double> cov, string method, int samples, int seed)
    {
        if (samples < 10) throw new ArgumentOutOfRangeException(nameof(samples), samples, "need at least 10 samples for a 90% interval.");
        int q = mean.Length, n = times.Count;
        var rng = new StableRandom(seed);
        var chol = q > 0 ? cov.Cholesky().Factor : null;
        var conc = new double[samples][];
        var noisy = new double[samples][];
        var z = new double[q];
        for (int s = 0; s < samples; s++)
        {
            for (int k = 0; k < q; k++) z[k] = Normal.Sample(rng, 0, 1);
            var eta = (double[])mean.Clone();
            for (int a = 0; a < q; a++) for (int b = 0; b <= a; b++) eta[a] += chol![a, b] * z[b];
            var f = Model.Predict(Conditional.Phi(Model, Population.Theta, eta), ind, times);
            conc[s] = f;
            // Where no dose has reached the individual yet the concentration is exactly 0 and so is what can be measured:
            // the additive error describes assay noise around a level, and would put a negative concentration in the
            // 90% band. The normal is drawn either way, so every other draw stays as it was.
            noisy[s] = f.Select(v =>
            {
                double e = Normal.Sample(rng, 0, 1);
                return v > 0 ? v + Math.Sqrt(Population.ResidualVariance(v)) * e : 0;
            }).ToArray();
        }
        var median = new double[n]; var lo = new double[n]; var hi = new double[n];
        var col = new double[samples];
        for (int j = 0; j < n; j++)
        {
            for (int s = 0; s < samples; s++) col[s] = conc[s][j];
            median[j] = MathNet.Numerics.Statistics.Statistics.Median(col);
            for (int s = 0; s < samples; s++) col[s] = noisy[s][j];
            lo[j] = Math.Min(MathNet.Numerics.Statistics.Statistics.Quantile(col, 0.05), median[j]);
            hi[j] = Math.Max(MathNet.Numerics.Statistics.Statistics.Quantile(col, 0.95), median[j]);
        }
        // A population fit that stopped without meeting its convergence criteria still predicts, flagged.
        string[] warnings = Converged ? [] : [$"{method}: the population fit ({Model.Name}) stopped after {Iterations} iterations without meeting its convergence criteria."];
        return new NlmeDraws(median, lo, hi, noisy, warnings);
    }
}
