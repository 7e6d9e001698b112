using MathNet.Numerics.Distributions;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>Where a probability-integral-transform value came from.</summary>
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
}

/// <summary>Predictive CDF at an observed value, from any <see cref="Prediction"/>.</summary>
internal static class PredictiveDistribution
{
    private static readonly double Z95 = Normal.InvCDF(0, 1, 0.95);

    /// <summary>P(Y &lt;= y) under the prediction at query index <paramref name="j"/>.</summary>
    public static (double Pit, PitSource Source) Cdf(Prediction p, int j, double y)
    {
        if (p.Samples is { Length: > 0 } samples)
        {
            int below = 0, ties = 0;
            foreach (var s in samples)
            {
                if (s[j] < y) below++;
                else if (s[j] == y) ties++;
            }
            return ((below + 0.5 * ties) / samples.Length, PitSource.Samples);
        }
        double m = p.Median[j], lo = p.Lower90[j], hi = p.Upper90[j];
        if (!(m > 0 && hi > 0) || double.IsNaN(lo))
            throw new ArgumentException($"prediction '{p.Method}' at t={p.Times[j]}: without samples the PIT needs a positive median and upper 90% end, got {lo}, {m}, {hi}.");
        if (!(lo > 0))
        {
            double linear = (y >= m ? hi - m : m - lo) / Z95;
            if (linear <= 0) return (y >= m ? 1 : 0, PitSource.NormalFromQuantiles);
            return (Normal.CDF(0, 1, (y - m) / linear), PitSource.NormalFromQuantiles);
        }
        if (y <= 0) return (0, PitSource.LogNormalFromQuantiles);
        double d = Math.Log(y) - Math.Log(m);
        double spread = (d >= 0 ? Math.Log(hi / m) : Math.Log(m / lo)) / Z95;
        // A degenerate side (interval end equal to the median) is a point mass there.
        if (spread <= 0) return (d >= 0 ? 1 : 0, PitSource.LogNormalFromQuantiles);
        return (Normal.CDF(0, 1, d / spread), PitSource.LogNormalFromQuantiles);
    }

    /// <summary>Index of <paramref name="time"/> in the prediction's query times, or -1.</summary>
    public static int IndexOf(Prediction p, double time)
    {
        for (int j = 0; j < p.Times.Count; j++)
            if (Math.Abs(p.Times[j] - time) <= 1e-9 * Math.Max(1, Math.Abs(time))) return j;
        return -1;
    }
}
