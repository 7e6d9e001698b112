using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using ZeroShotPK.Data;
using ZeroShotPK.Models.Baselines;

namespace ZeroShotPK.Inference;

/// <summary>
/// A capability: the predictor's population fits come from a <see cref="NlmePopulationFitter"/> that other predictors
/// may share (one fit per fold for "nlme" and "population"), so a run reports the fitting time once.
/// </summary>
public interface ISharedPopulationFit
{
    /// <summary>The fitter, possibly shared.</summary>
    NlmePopulationFitter Fitter { get; }
}

/// <summary>
/// The NLME route ("nlme"): population fit on the context, empirical-Bayes (MAP) estimate of the target's Eta from
/// its known observations, predictive samples from the Laplace posterior plus residual error. BLQ samples, in the
/// context and among the target's known samples, are censored observations (Beal's M3) unless the fitter's
/// <see cref="NlmeOptions.Blq"/> says <see cref="BlqMethod.Drop"/>.
/// </summary>
public sealed class NlmePredictor(NlmePopulationFitter? fitter = null, int samples = 1000) : IFoldAwarePredictor, ISharedPopulationFit
{
    /// <inheritdoc />
    public void PrepareFolds(Study study, IReadOnlyList<string> heldOut, int threads) => Fitter.PrepareFolds(study, heldOut, threads);

    /// <summary>The fitter (shareable with a <see cref="PopulationPredictor"/>).</summary>
    public NlmePopulationFitter Fitter { get; } = fitter ?? new NlmePopulationFitter();

    /// <inheritdoc />
    public string Name => "nlme";

    /// <inheritdoc />
    public Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0) =>
        NlmePrediction.From(Name, times, Fitter.Fit(context).PredictIndividual(target, times, Name, samples, seed));

    /// <summary>The Laplace posterior of Eta behind the predictions (population values of the fit to <paramref name="study"/> held fixed).</summary>
    public IParameterPosterior ParameterPosterior(Study study, Individual design) => new NlmeEtaPosterior(Fitter.Fit(study), design);

    /// <inheritdoc />
    public bool HasParameterPosterior => true;

    /// <inheritdoc />
    public bool GeneratesIndividuals => true;
}

/// <summary>
/// The floor ("population"): the typical individual of the context's population fit with the target's dosing, its
/// own observations unused; the interval spans Omega and residual error. BLQ samples of the context enter the population
/// fit as censored observations (Beal's M3, unless <see cref="NlmeOptions.Blq"/> is <see cref="BlqMethod.Drop"/>); the
/// target's own samples, BLQ or not, are never used.
/// </summary>
public sealed class PopulationPredictor(NlmePopulationFitter? fitter = null, int samples = 1000) : IFoldAwarePredictor, ISharedPopulationFit
{
    /// <inheritdoc />
    public void PrepareFolds(Study study, IReadOnlyList<string> heldOut, int threads) => Fitter.PrepareFolds(study, heldOut, threads);

    /// <summary>The fitter (shareable with an <see cref="NlmePredictor"/>).</summary>
    public NlmePopulationFitter Fitter { get; } = fitter ?? new NlmePopulationFitter();

    /// <inheritdoc />
    public string Name => "population";

    /// <inheritdoc />
    public Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0) =>
        NlmePrediction.From(Name, times, Fitter.Fit(context).PredictPopulation(target, times, Name, samples, seed));

    /// <inheritdoc />
    public bool GeneratesIndividuals => true;
}

/// <summary>The NLME routes' predictions: the empirical distribution of their noisy draws.</summary>
internal static class NlmePrediction
{
    public static Prediction From(string method, IReadOnlyList<double> times, NlmeDraws d) =>
        new(method, times, d.Median, d.Lower90, d.Upper90, d.Samples, d.Warnings, PredictiveDistribution.FromSamples(d.Samples));
}

/// <summary>
/// The NLME route's individual step as a parameter posterior: with the population values of a fit held fixed, Eta has
/// prior N(0, Omega), observations are simulated with residual error on a design individual's doses and post-dose
/// sampling times, and the posterior is the Laplace approximation N(MAP, H⁻¹) of <see cref="NlmeFit.Map"/>.
/// </summary>
public sealed class NlmeEtaPosterior : IParameterPosterior
{
    private readonly NlmeFit fit;
    private readonly Individual design, probe;
    private readonly double[] times;

    /// <summary>Creates the posterior of <paramref name="fit"/> on <paramref name="design"/>'s dosing and sampling times.</summary>
    /// <exception cref="ArgumentException">The design has no post-dose sampling time, or the model has no random effect.</exception>
    public NlmeEtaPosterior(NlmeFit fit, Individual design)
    {
        if (fit.Population.Omega.Length == 0) throw new ArgumentException($"model '{fit.Model.Name}' has no random effect: nothing to calibrate.", nameof(fit));
        double first = design.Doses.Count > 0 ? design.Doses[0].Time : double.NegativeInfinity;
        times = design.Observations.Where(o => o.Time > first).Select(o => o.Time).Distinct().ToArray();
        if (times.Length == 0) throw new ArgumentException($"individual '{design.Id}' has no post-dose sampling time to simulate.", nameof(design));
        this.fit = fit; this.design = design;
        probe = new Individual(design.Id, design.Doses, [], design.Covariates, design.ResetTimes);
        ParameterNames = fit.Model.ParameterNames.Where((_, k) => fit.Model.HasRandomEffect[k]).Select(n => "eta_" + n).ToArray();
    }

    /// <inheritdoc />
    public string Description => "Laplace posterior of Eta (MAP step) with the population fit to the whole study held fixed";

    /// <inheritdoc />
    public IReadOnlyList<string> ParameterNames { get; }

    /// <inheritdoc />
    public double[] DrawPrior(Random rng) => fit.Population.Omega.Select(w => Math.Sqrt(w) * Normal.Sample(rng, 0, 1)).ToArray();

    /// <inheritdoc />
    public Individual Simulate(double[] parameters, Random rng)
    {
        var pop = fit.Population;
        var phi = (double[])pop.Theta.Clone();
        int k = 0;
        for (int i = 0; i < phi.Length; i++) if (fit.Model.HasRandomEffect[i]) phi[i] += parameters[k++];
        var f = fit.Model.Predict(phi, probe, times);
        return new Individual(design.Id, design.Doses,
            times.Select((t, j) => new Observation(t, f[j] + Math.Sqrt(pop.ResidualVariance(f[j])) * Normal.Sample(rng, 0, 1))),
            design.Covariates, design.ResetTimes);
    }

    /// <inheritdoc />
    public double[][] DrawPosterior(Individual observed, int draws, Random rng)
    {
        int q = fit.Population.Omega.Length;
        var est = fit.Map(observed);
        var chol = Matrix<double>.Build.DenseOfArray(est.Covariance).Cholesky().Factor;
        return Enumerable.Range(0, draws).Select(_ =>
        {
            var z = Enumerable.Range(0, q).Select(_ => Normal.Sample(rng, 0, 1)).ToArray();
            return Enumerable.Range(0, q).Select(a => est.Eta[a] + Enumerable.Range(0, a + 1).Sum(b => chol[a, b] * z[b])).ToArray();
        }).ToArray();
    }
}
