using ZeroShotPK.Data;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Models.Baselines;

/// <summary>How a population NLME fit is estimated.</summary>
public enum NlmeEstimation
{
    /// <summary>First-order conditional estimation with interaction (<see cref="Focei"/>).</summary>
    Focei,
    /// <summary>R nlme's Lindstrom-Bates ML algorithm (<see cref="LindstromBates"/>); additive error only.</summary>
    LindstromBates,
}

/// <summary>
/// Fits a population model to a context study, remembering the fit so that the population and NLME predictors of
/// one leave-one-out fold share it. Without a given model it selects the structure, as a modeller would: every
/// candidate of <see cref="NlmeModel.CandidatesForStudy"/> (one and two compartments) is fitted and the lowest
/// <see cref="NlmeFit.Bic"/> kept. A single fixed 1-compartment oral model fitted biphasic synthetic studies so badly
/// that its predictions of the terminal phase were 100-1000 times too low. Thread-safe; fits are deterministic.
/// </summary>
public sealed class NlmePopulationFitter
{
    private readonly Func<Study, NlmeModel>? _model;
    private readonly Dictionary<string, NlmeFit> _cache = new();
    private readonly Lock _lock = new();

    /// <summary>Creates a fitter.</summary>
    /// <param name="model">Model per context study; null = the best by BIC of <see cref="NlmeModel.CandidatesForStudy"/> (for Lindstrom-Bates: <see cref="NlmeModel.ForStudy"/> with additive error).</param>
    /// <param name="estimation">Estimation algorithm.</param>
    /// <param name="options">Estimation settings.</param>
    public NlmePopulationFitter(Func<Study, NlmeModel>? model = null, NlmeEstimation estimation = NlmeEstimation.Focei, NlmeOptions? options = null)
    {
        _model = model; Estimation = estimation; Options = options ?? new NlmeOptions();
    }

    /// <summary>Estimation algorithm.</summary>
    public NlmeEstimation Estimation { get; }
    /// <summary>Estimation settings.</summary>
    public NlmeOptions Options { get; }

    /// <summary>The population fit of <paramref name="context"/> (cached by study name and individual ids).</summary>
    /// <exception cref="ArgumentException">The context has no individual.</exception>
    public NlmeFit Fit(Study context)
    {
        if (context.Individuals.Count == 0) throw new ArgumentException($"study '{context.Name}': the context is empty; a population fit needs individuals.", nameof(context));
        string key = context.Name + "\u0001" + string.Join("\u0001", context.Individuals.Select(i => $"{i.Id}:{i.Observations.Count}"));
        lock (_lock) if (_cache.TryGetValue(key, out var hit)) return hit;
        // Lindstrom-Bates takes additive error only (before, the default combined-error model made every --estimation lb
        // fit throw), and no structural choice: its Nelder-Mead step did not converge on the 2-compartment oral model.
        IReadOnlyList<NlmeModel> models = _model is not null ? [_model(context)]
            : Estimation == NlmeEstimation.LindstromBates ? [NlmeModel.ForStudy(context).WithError(ResidualError.Additive)]
            : NlmeModel.CandidatesForStudy(context);
        NlmeFit? fit = null;
        foreach (var model in models)
        {
            var candidate = Estimation == NlmeEstimation.Focei ? Focei.Fit(model, context, Options) : LindstromBates.Fit(model, context, Options);
            if (fit is null || candidate.Bic < fit.Bic) fit = candidate;
        }
        lock (_lock) _cache[key] = fit!;
        return fit!;
    }

    /// <summary>Forgets every cached fit.</summary>
    public void Clear() { lock (_lock) _cache.Clear(); }
}

/// <summary>
/// The NLME route ("nlme"): population fit on the context, empirical-Bayes (MAP) estimate of the target's Eta from
/// its known observations, predictive samples from the Laplace posterior plus residual error. BLQ samples, in the
/// context and among the target's known samples, are censored observations (Beal's M3) unless the fitter's
/// <see cref="NlmeOptions.Blq"/> says <see cref="BlqMethod.Drop"/>.
/// </summary>
public sealed class NlmePredictor(NlmePopulationFitter? fitter = null, int samples = 1000) : IPredictor
{
    /// <summary>The fitter (shareable with a <see cref="PopulationPredictor"/>).</summary>
    public NlmePopulationFitter Fitter { get; } = fitter ?? new NlmePopulationFitter();

    /// <inheritdoc />
    public string Name => "nlme";

    /// <inheritdoc />
    public Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0) =>
        Fitter.Fit(context).PredictIndividual(target, times, Name, samples, seed);
}

/// <summary>
/// The floor ("population"): the typical individual of the context's population fit with the target's dosing, its
/// own observations unused; the interval spans Omega and residual error. BLQ samples of the context enter the population
/// fit as censored observations (Beal's M3, unless <see cref="NlmeOptions.Blq"/> is <see cref="BlqMethod.Drop"/>); the
/// target's own samples, BLQ or not, are never used.
/// </summary>
public sealed class PopulationPredictor(NlmePopulationFitter? fitter = null, int samples = 1000) : IPredictor
{
    /// <summary>The fitter (shareable with an <see cref="NlmePredictor"/>).</summary>
    public NlmePopulationFitter Fitter { get; } = fitter ?? new NlmePopulationFitter();

    /// <inheritdoc />
    public string Name => "population";

    /// <inheritdoc />
    public Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0) =>
        Fitter.Fit(context).PredictPopulation(target, times, Name, samples, seed);
}
