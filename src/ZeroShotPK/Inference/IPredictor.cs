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
    /// <exception cref="ArgumentException">Lengths differ, or an interval does not contain its median.</exception>
    public Prediction(string method, IReadOnlyList<double> times, double[] median, double[] lower90, double[] upper90,
        double[][]? samples = null, IReadOnlyList<string>? warnings = null)
    {
        Warnings = warnings ?? [];
        int n = times.Count;
        if (median.Length != n || lower90.Length != n || upper90.Length != n)
            throw new ArgumentException($"prediction '{method}': median, lower90 and upper90 need {n} entries (one per time), got {median.Length}, {lower90.Length}, {upper90.Length}.");
        if (samples is not null && samples.Any(s => s.Length != n))
            throw new ArgumentException($"prediction '{method}': every sample trajectory needs {n} entries.");
        Method = method; Times = times; Median = median; Lower90 = lower90; Upper90 = upper90; Samples = samples;
    }

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
