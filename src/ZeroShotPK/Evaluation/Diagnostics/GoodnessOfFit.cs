using MathNet.Numerics.Distributions;
using ZeroShotPK.Data;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>One observation next to its prediction: a row of a goodness-of-fit table.</summary>
/// <param name="IndividualId">Individual the observation belongs to.</param>
/// <param name="Time">Sampling time.</param>
/// <param name="Observed">Observed DV (for a BLQ sample, the value reported).</param>
/// <param name="IsBlq">True for a censored sample: it is shown but left out of residual-based metrics.</param>
/// <param name="Predicted">Predictive median (PRED or IPRED, depending on what the method conditions on).</param>
/// <param name="Lower90">5th percentile of the prediction.</param>
/// <param name="Upper90">95th percentile of the prediction.</param>
/// <param name="Pit">Probability integral transform P(Y &lt;= observed); null for BLQ samples.</param>
/// <param name="Npd">Normalised prediction discrepancy Φ⁻¹(PIT), PIT clamped to [1e-6, 1 − 1e-6] (NPDE without decorrelation across times); null for BLQ samples.</param>
public sealed record GofPoint(string IndividualId, double Time, double Observed, bool IsBlq, double Predicted,
    double Lower90, double Upper90, double? Pit, double? Npd)
{
    /// <summary>ln(observed) − ln(predicted); NaN for BLQ samples.</summary>
    public double LogResidual => IsBlq ? double.NaN : Math.Log(Observed) - Math.Log(Predicted);

    /// <summary>True when the observation lies in the 90% interval (false for BLQ samples).</summary>
    public bool InInterval90 => !IsBlq && Observed >= Lower90 && Observed <= Upper90;
}

/// <summary>Summary metrics of a goodness-of-fit table, over quantified (non-BLQ) observations.</summary>
/// <param name="Count">Quantified observations scored.</param>
/// <param name="BlqCount">BLQ observations, shown but not scored.</param>
/// <param name="PooledLogRmse">
/// Root mean squared log residual, pooled over observations (individuals with more samples weigh more); not the
/// protocol's LOG_RMSE (<see cref="EvaluationSummary.LogRmse"/>), which is <paramref name="MeanIndividualLogRmse"/>.
/// </param>
/// <param name="MeanIndividualLogRmse">Per-individual log-RMSE averaged over individuals (the AICMET protocol's figure).</param>
/// <param name="Bias">Mean log residual; positive means the method under-predicts.</param>
/// <param name="Coverage90">Fraction of observations inside the 90% interval (nominal 0.90).</param>
/// <param name="MeanIntervalWidth">Mean width of the 90% interval, concentration units.</param>
/// <param name="MeanLogIntervalWidth">
/// Mean of ln(upper/lower) of the 90% interval over the observations whose lower end is positive; NaN when none is.
/// Under an additive (or combined) residual error the lower end can be at or below zero, where the log width is
/// undefined: those intervals are counted in <paramref name="NonPositiveLowerCount"/> and left out of this mean only
/// (coverage and <paramref name="MeanIntervalWidth"/> use every interval).
/// </param>
/// <param name="PitSource">How PIT values were obtained, from the predictions' own distributions: <see cref="PitSource.LogNormalFromQuantiles"/> if any came from quantiles only, <see cref="PitSource.NormalFromQuantiles"/> if all of those had a lower end ≤ 0, else <see cref="PitSource.Exact"/> if any was a closed form, else <see cref="PitSource.Samples"/>.</param>
/// <param name="NonPositiveLowerCount">Scored observations whose 90% interval's lower end is ≤ 0 (left out of <paramref name="MeanLogIntervalWidth"/>).</param>
public sealed record GofSummary(int Count, int BlqCount, double PooledLogRmse, double MeanIndividualLogRmse, double Bias,
    double Coverage90, double MeanIntervalWidth, double MeanLogIntervalWidth, PitSource PitSource, int NonPositiveLowerCount = 0);

/// <summary>
/// Goodness-of-fit data for any method: observed vs predicted, log residuals vs time, PIT/NPD per observation and
/// summary metrics. Built from <see cref="Prediction"/> only, so it never asks which method ran.
/// </summary>
public sealed class GoodnessOfFit
{
    private GoodnessOfFit(string method, IReadOnlyList<GofPoint> points, GofSummary summary)
    {
        Method = method; Points = points; Summary = summary;
    }

    /// <summary>Method that made the predictions.</summary>
    public string Method { get; }

    /// <summary>One row per scored observation, in input order.</summary>
    public IReadOnlyList<GofPoint> Points { get; }

    /// <summary>Summary metrics.</summary>
    public GofSummary Summary { get; }

    /// <summary>
    /// Pairs each prediction with the individual's observations at the prediction's query times (the times that
    /// were predicted are the times scored; observations at other times, e.g. the known early samples, are context).
    /// </summary>
    /// <param name="pairs">Observed individual (with all its observations) and the prediction for it.</param>
    /// <exception cref="ArgumentException">No pairs; predictions from different methods; a query time with no
    /// observation; a non-positive quantified observation or predicted median.</exception>
    public static GoodnessOfFit Compute(IEnumerable<(Individual Observed, Prediction Prediction)> pairs)
    {
        var list = pairs.ToList();
        if (list.Count == 0) throw new ArgumentException("goodness of fit needs at least one (individual, prediction) pair.", nameof(pairs));
        string method = list[0].Prediction.Method;
        var other = list.FirstOrDefault(p => p.Prediction.Method != method);
        if (other.Prediction is not null)
            throw new ArgumentException($"goodness of fit mixes methods '{method}' and '{other.Prediction.Method}'; compute one table per method.", nameof(pairs));

        var points = new List<GofPoint>();
        var perIndividual = new List<double>();
        var source = PitSource.Samples;
        foreach (var (ind, pred) in list)
        {
            double sq = 0; int n = 0;
            for (int j = 0; j < pred.Times.Count; j++)
            {
                double t = pred.Times[j];
                var obs = ind.Observations.FirstOrDefault(o => Math.Abs(o.Time - t) <= 1e-9 * Math.Max(1, Math.Abs(t)))
                    ?? throw new ArgumentException($"individual '{ind.Id}': prediction '{method}' has query time {t} but no observation there; predict at observation times to score them.", nameof(pairs));
                if (!(pred.Median[j] > 0))
                    throw new ArgumentException($"individual '{ind.Id}' t={t}: predicted median of '{method}' is {pred.Median[j]}; log residuals need a positive prediction.", nameof(pairs));
                double? pit = null, npd = null;
                if (!obs.IsBlq)
                {
                    if (!(obs.Value > 0))
                        throw new ArgumentException($"individual '{ind.Id}' t={t}: observed value {obs.Value} is not positive and not flagged BLQ.", nameof(pairs));
                    var (u, s) = Pit.Cdf(pred, j, obs.Value);
                    // The least exact form marks the table: quantile-based (log-normal over normal) over exact over samples.
                    if (Rank(s) > Rank(source)) source = s;
                    pit = u;
                    npd = Normal.InvCDF(0, 1, Math.Clamp(u, 1e-6, 1 - 1e-6));
                    double r = Math.Log(obs.Value) - Math.Log(pred.Median[j]);
                    sq += r * r; n++;
                }
                points.Add(new GofPoint(ind.Id, t, obs.Value, obs.IsBlq, pred.Median[j], pred.Lower90[j], pred.Upper90[j], pit, npd));
            }
            if (n > 0) perIndividual.Add(Math.Sqrt(sq / n));
        }

        var scored = points.Where(p => !p.IsBlq).ToList();
        int count = scored.Count;
        var positive = scored.Where(p => p.Lower90 > 0).ToList();
        var summary = new GofSummary(
            count, points.Count - count,
            count > 0 ? Math.Sqrt(scored.Average(p => p.LogResidual * p.LogResidual)) : double.NaN,
            perIndividual.Count > 0 ? perIndividual.Average() : double.NaN,
            count > 0 ? scored.Average(p => p.LogResidual) : double.NaN,
            count > 0 ? scored.Count(p => p.InInterval90) / (double)count : double.NaN,
            count > 0 ? scored.Average(p => p.Upper90 - p.Lower90) : double.NaN,
            positive.Count > 0 ? positive.Average(p => Math.Log(p.Upper90 / p.Lower90)) : double.NaN,
            source, count - positive.Count);
        return new GoodnessOfFit(method, points, summary);
    }

    // Order of precedence of the PIT sources in one table (see GofSummary.PitSource).
    private static int Rank(PitSource s) => s switch
    {
        PitSource.Samples => 0,
        PitSource.Exact => 1,
        PitSource.NormalFromQuantiles => 2,
        _ => 3,
    };
}
