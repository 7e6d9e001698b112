using ZeroShotPK.Data;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>
/// Everything the diagnostic panel shows for one method on one study, computed from its predictions alone:
/// goodness of fit, coverage curve and, when the predictions carry sample trajectories, a VPC.
/// </summary>
/// <param name="Method">Method name.</param>
/// <param name="Units">Units of the study (for chart labels).</param>
/// <param name="GoodnessOfFit">Goodness-of-fit table and metrics.</param>
/// <param name="Coverage">Coverage curve of the predictive intervals.</param>
/// <param name="Vpc">VPC from sample trajectories, or null when the method returns none.</param>
public sealed record MethodDiagnostics(string Method, Units Units, GoodnessOfFit GoodnessOfFit, CoverageCurve Coverage, VpcResult? Vpc)
{
    /// <summary>Computes the diagnostics of one method's predictions for the individuals of <paramref name="observed"/>.</summary>
    /// <param name="observed">Observed study (all observations).</param>
    /// <param name="predictions">Prediction per individual id (e.g. from leave-one-out runs of an <see cref="IPredictor"/>).</param>
    /// <param name="vpcOptions">VPC settings (default: 6 quantile bins, 5/50/95%).</param>
    /// <exception cref="ArgumentException">An individual without a prediction, or the errors of the parts.</exception>
    public static MethodDiagnostics Compute(Study observed, IReadOnlyDictionary<string, Prediction> predictions, VpcOptions? vpcOptions = null)
    {
        var missing = observed.Individuals.FirstOrDefault(i => !predictions.ContainsKey(i.Id));
        if (missing is not null)
            throw new ArgumentException($"no prediction for individual '{missing.Id}' of study '{observed.Name}'.", nameof(predictions));
        var gof = GoodnessOfFit.Compute(observed.Individuals.Select(i => (i, predictions[i.Id])));
        bool samples = observed.Individuals.All(i => predictions[i.Id].Samples is { Length: > 1 });
        var vpc = samples ? Diagnostics.Vpc.FromPredictions(observed, predictions, vpcOptions) : null;
        return new MethodDiagnostics(gof.Method, observed.Units, gof, CoverageCurve.FromGoodnessOfFit(gof), vpc);
    }

    /// <summary>
    /// Leave-one-out predictions to diagnose a method: each individual with more than <paramref name="known"/> samples is
    /// held out in turn; the method sees the rest of the study and the first <paramref name="known"/> samples and predicts
    /// the later ones that can be diagnosed: after the first dose, and either BLQ or quantified with DV &gt; 0 (a pre-dose
    /// level or a non-positive DV has no log residual; <see cref="LeaveOneOut"/> leaves the same ones unscored).
    /// </summary>
    /// <param name="study">The dataset.</param>
    /// <param name="predictor">The method.</param>
    /// <param name="known">Samples of the held-out individual given to the method.</param>
    /// <param name="seed">Base seed; fold f uses <see cref="LeaveOneOut.FoldSeed"/>(seed, f), as in <see cref="LeaveOneOut.Run"/>.</param>
    /// <param name="progress">Called after each held-out individual with the number done.</param>
    /// <param name="threads">Threads an <see cref="IFoldAwarePredictor"/> may use to prepare its folds.</param>
    /// <returns>The predicted individuals (all their observations) and their predictions, by id.</returns>
    /// <exception cref="ArgumentException">K &lt; 0, or no individual has a sample to diagnose after its first K.</exception>
    public static (Study Observed, IReadOnlyDictionary<string, Prediction> Predictions) LeaveOneOutPredictions(Study study, IPredictor predictor,
        int known, int seed = 0, Action<int>? progress = null, int threads = 1)
    {
        if (known < 0) throw new ArgumentOutOfRangeException(nameof(known), known, "known (K) must be >= 0.");
        static bool Diagnosable(Individual ind, Observation o) =>
            o.Time > (ind.Doses.Count > 0 ? ind.Doses[0].Time : double.NegativeInfinity) && (o.IsBlq || o.Value > 0);
        var folds = study.Individuals.Where(i => i.Observations.Skip(known).Any(o => Diagnosable(i, o))).ToArray();
        if (folds.Length == 0)
            throw new ArgumentException($"study '{study.Name}': no individual has a post-dose sample to predict after its first {known}.", nameof(known));
        // Prepared with LeaveOneOut's fold list, so that warm starts, and hence the numbers, are those of zspk evaluate.
        (predictor as IFoldAwarePredictor)?.PrepareFolds(study, study.Individuals.Where(i => i.Observations.Count > known).Select(i => i.Id).ToArray(), Math.Max(1, threads));
        var predictions = new Dictionary<string, Prediction>();
        for (int f = 0; f < folds.Length; f++)
        {
            var ind = folds[f];
            var times = ind.Observations.Skip(known).Where(o => Diagnosable(ind, o)).Select(o => o.Time).ToArray();
            predictions[ind.Id] = predictor.Predict(study.Without(ind.Id), ind.WithFirstObservations(known), times, LeaveOneOut.FoldSeed(seed, f));
            progress?.Invoke(f + 1);
        }
        return (new Study(study.Name, folds, study.Units), predictions);
    }
}
