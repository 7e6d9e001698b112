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
}
