using ZeroShotPK.Inference;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>Where a probability-integral-transform value came from: the form of the method's predictive distribution.</summary>
public enum PitSource
{
    /// <summary>Empirical CDF of the prediction's sample trajectories (ties count half).</summary>
    Samples,
    /// <summary>
    /// No samples: a split log-normal through the median and the 90% interval (each side's log-scale spread from
    /// its own interval end), an approximation for methods that report quantiles only.
    /// </summary>
    LogNormalFromQuantiles,
    /// <summary>
    /// No samples and a lower 90% end ≤ 0 (additive residual error): a split normal on the concentration scale through
    /// the median and the 90% interval, where a log-normal cannot go.
    /// </summary>
    NormalFromQuantiles,
    /// <summary>The method's own closed-form predictive CDF (AICMET's mixture of log-normals, the neural ODE's log-normal).</summary>
    Exact,
}

/// <summary>PIT values from a <see cref="Prediction"/>'s own predictive distribution.</summary>
internal static class Pit
{
    /// <summary>P(Y &lt;= y) under the prediction at query index <paramref name="j"/>, and the distribution's form there.</summary>
    /// <exception cref="ArgumentException">A distribution from quantiles without a positive median and upper end.</exception>
    public static (double Pit, PitSource Source) Cdf(Prediction p, int j, double y)
    {
        try
        {
            return (p.Distribution.Cdf(j, y), Source(p.Distribution.Form(j)));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"prediction '{p.Method}' at t={p.Times[j]}: {e.Message}", e);
        }
    }

    /// <summary>The PIT source of a distribution form.</summary>
    public static PitSource Source(PredictiveForm form) => form switch
    {
        PredictiveForm.Samples => PitSource.Samples,
        PredictiveForm.Exact => PitSource.Exact,
        PredictiveForm.SplitLogNormal => PitSource.LogNormalFromQuantiles,
        _ => PitSource.NormalFromQuantiles,
    };

    /// <summary>Index of <paramref name="time"/> in the prediction's query times, or -1.</summary>
    public static int IndexOf(Prediction p, double time)
    {
        for (int j = 0; j < p.Times.Count; j++)
            if (Math.Abs(p.Times[j] - time) <= 1e-9 * Math.Max(1, Math.Abs(time))) return j;
        return -1;
    }
}
