using ZeroShotPK.Data;

namespace ZeroShotPK.Inference;

/// <summary>
/// Predictive distribution of one individual's concentrations at query times. Every method (AICMET, NLME,
/// population, neural ODE) returns this, so evaluation and charts never ask which method ran.
/// </summary>
public sealed class Prediction
{
    /// <summary>Creates a prediction; all arrays must have one entry per query time.</summary>
    /// <param name="method">Name of the method.</param>
    /// <param name="times">Query times.</param>
    /// <param name="median">Predictive median per time.</param>
    /// <param name="lower90">5th percentile per time.</param>
    /// <param name="upper90">95th percentile per time.</param>
    /// <param name="samples">Predictive draws [sample][time], when the method draws them.</param>
    /// <param name="warnings">What the method found wrong with its own fit (see <see cref="Warnings"/>); null for none.</param>
    /// <param name="distribution">
    /// The method's predictive distribution; null: the empirical distribution of <paramref name="samples"/> when given,
    /// else the split log-normal through the median and the 90% interval (<see cref="PredictiveDistribution.FromQuantiles"/>).
    /// </param>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public Prediction(string method, IReadOnlyList<double> times, double[] median, double[] lower90, double[] upper90,
        double[][]? samples = null, IReadOnlyList<string>? warnings = null, PredictiveDistribution? distribution = null)
    {
        Warnings = warnings ?? [];
        int n = times.Count;
        if (median.Length != n || lower90.Length != n || upper90.Length != n)
            throw new ArgumentException($"prediction '{method}': median, lower90 and upper90 need {n} entries (one per time), got {median.Length}, {lower90.Length}, {upper90.Length}.");
        if (samples is not null && samples.Any(s => s.Length != n))
            throw new ArgumentException($"prediction '{method}': every sample trajectory needs {n} entries.");
        Method = method; Times = times; Median = median; Lower90 = lower90; Upper90 = upper90; Samples = samples;
        Distribution = distribution ?? (samples is { Length: > 0 } ? PredictiveDistribution.FromSamples(samples) : PredictiveDistribution.FromQuantiles(median, lower90, upper90));
        if (Distribution.Count != n)
            throw new ArgumentException($"prediction '{method}': the predictive distribution covers {Distribution.Count} times, expected {n}.");
    }

    /// <summary>
    /// The predictive distribution of an observation at each query time, as the method defines it: quantiles at any level
    /// and the CDF (for PIT values and coverage curves). <see cref="Median"/> is the point prediction the scores use; for
    /// AICMET and the neural ODE it equals the distribution's median, for NLME it is the median of the model concentration
    /// without residual error.
    /// </summary>
    public PredictiveDistribution Distribution { get; }

    /// <summary>The <paramref name="p"/>-quantile at every query time (<see cref="PredictiveDistribution.Quantile"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">p outside (0, 1).</exception>
    public double[] Quantiles(double p) => Enumerable.Range(0, Times.Count).Select(j => Distribution.Quantile(j, p)).ToArray();

    /// <summary>Name of the method that produced it.</summary>
    public string Method { get; }
    /// <summary>Query times.</summary>
    public IReadOnlyList<double> Times { get; }
    /// <summary>Predictive median concentration (the point prediction scored by log-RMSE).</summary>
    public double[] Median { get; }
    /// <summary>5th percentile of the predictive distribution (lower end of the 90% interval).</summary>
    public double[] Lower90 { get; }
    /// <summary>95th percentile of the predictive distribution (upper end of the 90% interval).</summary>
    public double[] Upper90 { get; }
    /// <summary>
    /// Predictive draws of observations [sample][time] (residual error included, so VPCs and calibration checks can
    /// use them directly), when the method draws them.
    /// </summary>
    public double[][]? Samples { get; }

    /// <summary>
    /// Mean of ln(<see cref="Upper90"/> / <see cref="Lower90"/>) over the query times whose lower end is positive: the 90%
    /// band's width on the log scale (unitless; smaller is sharper). NaN when no lower end is positive. A band reaching 0
    /// (a point mass at 0 before the first dose, an additive error) has no log width and is left out.
    /// </summary>
    public double MeanLogWidth90
    {
        get
        {
            double sum = 0;
            int n = 0;
            for (int j = 0; j < Times.Count; j++)
                if (Lower90[j] > 0) { sum += Math.Log(Upper90[j] / Lower90[j]); n++; }
            return n == 0 ? double.NaN : sum / n;
        }
    }

    /// <summary>
    /// Problems the method detected in the fit behind this prediction (e.g. a population fit that did not converge, a
    /// neural ODE whose integration left the valid range); empty when none. A flagged prediction is still returned as
    /// computed, never silently repaired: evaluations count the flagged ones (<c>FLAGGED</c> in predictions.csv).
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }
}

/// <summary>A method that predicts a target individual's concentrations given the rest of its study.</summary>
public interface IPredictor
{
    /// <summary>Short method name as used in result tables (e.g. "aicmet", "nlme", "population").</summary>
    string Name { get; }

    /// <summary>
    /// Predicts <paramref name="target"/> at <paramref name="times"/>, given the <paramref name="context"/>
    /// study (which must not contain the target) and the target's own dosing history and known observations.
    /// </summary>
    /// <param name="context">Other individuals of the study (may be empty for methods that need none).</param>
    /// <param name="target">The new individual: full dosing history, only its known observations.</param>
    /// <param name="times">Query times.</param>
    /// <param name="seed">Seed for any sampling inside the method.</param>
    Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0);

    /// <summary>
    /// Whether the method has a posterior over an individual's parameters (<see cref="ParameterPosterior"/>); false by
    /// default: it predicts concentrations directly, or does not condition on the individual. Like the other optional
    /// capabilities below, declared by the method, so diagnostics never ask which method ran.
    /// </summary>
    bool HasParameterPosterior => false;

    /// <summary>
    /// The method's posterior over an individual's parameters for <paramref name="study"/>, on the design of
    /// <paramref name="design"/> (its doses, covariates and post-dose sampling times), for simulation-based calibration.
    /// </summary>
    /// <exception cref="NotSupportedException">The method has none (<see cref="HasParameterPosterior"/>).</exception>
    IParameterPosterior ParameterPosterior(Study study, Individual design) =>
        throw new NotSupportedException($"method '{Name}' has no parameter posterior.");

    /// <summary>Whether the method generates virtual individuals (<see cref="GenerateIndividuals"/>); false by default.</summary>
    bool GeneratesIndividuals => false;

    /// <summary>
    /// Virtual individuals of a study: <paramref name="count"/> profiles of observations at <paramref name="times"/> for a
    /// new individual with <paramref name="design"/>'s dosing and covariates, given <paramref name="context"/> (which must
    /// not contain it) and none of its samples. By default the first <paramref name="count"/> predictive draws of
    /// <see cref="Predict"/> with no known sample.
    /// </summary>
    /// <exception cref="NotSupportedException">The method does not generate individuals (<see cref="GeneratesIndividuals"/>).</exception>
    /// <exception cref="ArgumentException">The method draws fewer than <paramref name="count"/> samples per prediction.</exception>
    double[][] GenerateIndividuals(Study context, Individual design, IReadOnlyList<double> times, int count, int seed = 0)
    {
        if (!GeneratesIndividuals) throw new NotSupportedException($"method '{Name}' does not generate virtual individuals.");
        var p = Predict(context, design.WithFirstObservations(0), times, seed);
        if (p.Samples is null || p.Samples.Length < count)
            throw new ArgumentException($"method '{Name}' draws {p.Samples?.Length ?? 0} samples per prediction, fewer than the {count} virtual individuals asked.");
        return p.Samples.Take(count).ToArray();
    }

    /// <summary>
    /// The pretrained checkpoint folder whose training prior the method relies on (the out-of-distribution check compares a
    /// study against that prior's held-out synthetic studies); null (the default) for methods that fit the study itself.
    /// </summary>
    string? TrainingCheckpoint => null;
}

/// <summary>
/// A posterior over one individual's parameters with the simulator that generates its data: what simulation-based
/// calibration needs (draw the truth from the prior, simulate an individual, rank the truth among posterior draws).
/// </summary>
public interface IParameterPosterior
{
    /// <summary>What the posterior is, in a phrase for reports (e.g. "Laplace posterior of Eta (MAP step) ...").</summary>
    string Description { get; }

    /// <summary>Names of the parameters, in draw order (e.g. eta_CL).</summary>
    IReadOnlyList<string> ParameterNames { get; }

    /// <summary>A draw of the parameters from their prior.</summary>
    double[] DrawPrior(Random rng);

    /// <summary>An individual on the design, simulated with <paramref name="parameters"/> and residual error.</summary>
    Individual Simulate(double[] parameters, Random rng);

    /// <summary><paramref name="draws"/> draws from the posterior of the parameters given <paramref name="observed"/>.</summary>
    double[][] DrawPosterior(Individual observed, int draws, Random rng);
}

/// <summary>
/// A predictor whose <see cref="IPredictor.Predict"/> may be called from several threads at once, and which can prepare
/// for a leave-one-out run (fits of sub-studies to warm-start the folds from). The leave-one-out protocol runs the
/// folds of such a predictor in parallel.
/// </summary>
public interface IFoldAwarePredictor : IPredictor
{
    /// <summary>
    /// Called once before the folds of <paramref name="study"/> are predicted, with the individuals that will be held out
    /// in turn. Whatever is prepared must not let fold i's prediction depend on individual i's data.
    /// </summary>
    /// <param name="study">The whole study.</param>
    /// <param name="heldOut">Ids of the individuals held out, in fold order.</param>
    /// <param name="threads">Threads the preparation may use.</param>
    void PrepareFolds(Study study, IReadOnlyList<string> heldOut, int threads);
}
