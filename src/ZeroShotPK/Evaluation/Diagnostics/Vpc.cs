using MathNet.Numerics.Statistics;
using ZeroShotPK.Data;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>Settings of a visual predictive check.</summary>
public sealed record VpcOptions
{
    /// <summary>Number of time bins at quantiles of the observed sampling times (ignored when <see cref="BinEdges"/> is set); default 6.</summary>
    public int BinCount { get; init; } = 6;

    /// <summary>User bin edges (strictly increasing, at least two); observations must lie within the first and last edge.</summary>
    public IReadOnlyList<double>? BinEdges { get; init; }

    /// <summary>Percentiles of the concentration distribution to compare, as fractions; default 5%, 50%, 95%.</summary>
    public IReadOnlyList<double> Percentiles { get; init; } = [0.05, 0.5, 0.95];

    /// <summary>Level of the interval of each simulated percentile over replicates; default 0.9.</summary>
    public double CiLevel { get; init; } = 0.9;

    /// <summary>
    /// Prediction-corrected VPC (Bergstrand et al. 2011): each value is scaled by PRED_bin / PRED, PRED being the
    /// population prediction's median at that sample and PRED_bin its median within the bin. Needs population predictions.
    /// </summary>
    public bool PredictionCorrected { get; init; }

    /// <summary>LLOQ used for censoring; default: the LLOQ recorded on the observed study's observations.</summary>
    public double? Lloq { get; init; }
}

/// <summary>A simulated statistic summarised over replicates: median and central interval.</summary>
/// <param name="Lower">Lower end of the interval over replicates.</param>
/// <param name="Median">Median over replicates.</param>
/// <param name="Upper">Upper end of the interval over replicates.</param>
public sealed record VpcBand(double Lower, double Median, double Upper)
{
    /// <summary>True when <paramref name="value"/> lies in [Lower, Upper].</summary>
    public bool Contains(double value) => value >= Lower && value <= Upper;
}

/// <summary>One time bin of a VPC.</summary>
/// <param name="Lower">Lower time edge (inclusive).</param>
/// <param name="Upper">Upper time edge (exclusive, inclusive for the last bin).</param>
/// <param name="MidTime">Median observed time in the bin (where the bin is plotted).</param>
/// <param name="ObservedCount">Observed samples in the bin, BLQ included.</param>
/// <param name="Observed">Observed percentile per requested percentile (BLQ samples counted at the LLOQ).</param>
/// <param name="ObservedCensored">True where the observed percentile falls among BLQ samples, so its value is only "≤ LLOQ".</param>
/// <param name="Simulated">Band of each simulated percentile over replicates.</param>
/// <param name="ObservedBlqFraction">Fraction of observed samples that are BLQ.</param>
/// <param name="SimulatedBlqFraction">Band of the simulated BLQ fraction over replicates.</param>
public sealed record VpcBin(double Lower, double Upper, double MidTime, int ObservedCount, double[] Observed,
    bool[] ObservedCensored, VpcBand[] Simulated, double ObservedBlqFraction, VpcBand SimulatedBlqFraction);

/// <summary>An observed sample as plotted in the VPC (prediction-corrected when the VPC is).</summary>
/// <param name="Time">Sampling time.</param>
/// <param name="Value">Concentration (the LLOQ for a BLQ sample).</param>
/// <param name="IsBlq">Censored sample.</param>
public sealed record VpcPoint(double Time, double Value, bool IsBlq);

/// <summary>Binned observed percentiles against simulated percentile bands.</summary>
/// <param name="Percentiles">Percentiles compared (fractions).</param>
/// <param name="CiLevel">Level of the simulated bands.</param>
/// <param name="PredictionCorrected">True for a pcVPC.</param>
/// <param name="Lloq">LLOQ used for censoring, null when no censoring applied.</param>
/// <param name="Replicates">Number of simulated replicates.</param>
/// <param name="Bins">Bins in time order.</param>
/// <param name="ObservedPoints">Observed samples.</param>
public sealed record VpcResult(IReadOnlyList<double> Percentiles, double CiLevel, bool PredictionCorrected, double? Lloq,
    int Replicates, IReadOnlyList<VpcBin> Bins, IReadOnlyList<VpcPoint> ObservedPoints)
{
    /// <summary>Number of (bin, percentile) cells whose uncensored observed percentile lies outside its simulated band.</summary>
    public int OutsideCount => Bins.Sum(b => Enumerable.Range(0, Percentiles.Count)
        .Count(k => !b.ObservedCensored[k] && !b.Simulated[k].Contains(b.Observed[k])));

    /// <summary>
    /// Number of (bin, percentile) simulated bands whose lower end is ≤ 0: replicates drawn with an additive (or
    /// combined) residual error go below zero at low concentrations when no LLOQ censors them. Such a VPC cannot be
    /// drawn on a log axis (<see cref="NeedsLinearAxis"/>); its numbers are kept as simulated, not clamped.
    /// </summary>
    public int NonPositiveBands => Bins.Sum(b => b.Simulated.Count(s => !(s.Lower > 0)));

    /// <summary>True when some plotted value (observed sample or percentile, simulated band) is ≤ 0, so a log axis would hide it.</summary>
    public bool NeedsLinearAxis => NonPositiveBands > 0 || ObservedPoints.Any(p => !(p.Value > 0)) || Bins.Any(b => b.Observed.Any(v => !(v > 0)));
}

/// <summary>
/// Visual predictive check from an observed study and simulated replicates of it, for any method: replicates are
/// studies (e.g. from a simulator) or are built from a method's sample trajectories with <see cref="ReplicatesFromPredictions"/>.
/// BLQ-aware: censored samples enter percentiles at the LLOQ, percentiles that fall among them are flagged, and
/// the fraction BLQ per bin is compared with its simulated band.
/// </summary>
public static class Vpc
{
    /// <summary>Computes the VPC.</summary>
    /// <param name="observed">Observed study.</param>
    /// <param name="replicates">Simulated studies (same design); each is one replicate.</param>
    /// <param name="options">Binning, percentiles and correction.</param>
    /// <param name="populationPredictions">Population prediction per individual id, needed for a pcVPC (its
    /// median at each sample time is PRED).</param>
    /// <exception cref="ArgumentException">Bad options, no replicates, samples outside the bins, an empty bin in
    /// a replicate, BLQ samples without a known LLOQ, or a pcVPC without predictions or with BLQ samples.</exception>
    public static VpcResult Compute(Study observed, IReadOnlyList<Study> replicates, VpcOptions? options = null,
        IReadOnlyDictionary<string, Prediction>? populationPredictions = null)
    {
        options ??= new VpcOptions();
        if (replicates.Count < 2) throw new ArgumentException($"VPC needs at least 2 replicates, got {replicates.Count}.", nameof(replicates));
        if (!(options.CiLevel > 0 && options.CiLevel < 1)) throw new ArgumentException($"VPC CiLevel {options.CiLevel} must be in (0, 1).", nameof(options));
        if (options.Percentiles.Count == 0 || options.Percentiles.Any(p => !(p > 0 && p < 1)))
            throw new ArgumentException($"VPC percentiles must be fractions in (0, 1), got [{string.Join(", ", options.Percentiles)}].", nameof(options));

        var obs = observed.Individuals.SelectMany(i => i.Observations.Select(o => (Ind: i, Obs: o))).ToList();
        if (obs.Count == 0) throw new ArgumentException($"study '{observed.Name}' has no observations.", nameof(observed));
        double? lloq = ResolveLloq(observed, options);
        if (obs.Any(o => o.Obs.IsBlq) && lloq is null)
            throw new ArgumentException($"study '{observed.Name}' has BLQ samples but no LLOQ is recorded; set VpcOptions.Lloq.", nameof(options));

        double[] edges = Edges(obs.Select(o => o.Obs.Time).ToArray(), options);
        int nb = edges.Length - 1;

        Func<Individual, double, double>? pred = null;
        if (options.PredictionCorrected)
        {
            if (populationPredictions is null)
                throw new ArgumentException("a prediction-corrected VPC needs population predictions (one per individual id).", nameof(populationPredictions));
            if (obs.Any(o => o.Obs.IsBlq) || replicates.Any(r => r.Individuals.Any(i => i.Observations.Any(o => o.IsBlq))))
                throw new ArgumentException("a prediction-corrected VPC with BLQ samples is not supported; use the BLQ-aware standard VPC.", nameof(options));
            pred = (ind, t) => Pred(populationPredictions, ind.Id, t);
        }

        // PRED_bin: median population prediction of the observed samples in each bin.
        var predBin = new double[nb];
        if (pred is not null)
            for (int b = 0; b < nb; b++)
                predBin[b] = Median(obs.Where(o => BinOf(edges, o.Obs.Time) == b).Select(o => pred(o.Ind, o.Obs.Time)).ToArray());

        (double Value, bool Blq, int Bin) Prepare(Individual ind, Observation o, string where)
        {
            int b = BinOf(edges, o.Time);
            if (b < 0) throw new ArgumentException($"{where}: individual '{ind.Id}' sample at t={o.Time} lies outside the VPC bins [{edges[0]}, {edges[^1]}].");
            bool blq = o.IsBlq || (lloq is double l && o.Value < l);
            if (blq && lloq is null)
                throw new ArgumentException($"{where}: individual '{ind.Id}' sample at t={o.Time} is BLQ but no LLOQ is known; set VpcOptions.Lloq.");
            double v = blq ? lloq!.Value : o.Value;
            if (pred is not null) v *= predBin[b] / pred(ind, o.Time);
            return (v, blq, b);
        }

        var obsPrepared = obs.Select(o => (o.Obs.Time, P: Prepare(o.Ind, o.Obs, $"study '{observed.Name}'"))).ToList();
        int np = options.Percentiles.Count;
        // [bin][percentile][replicate]
        var simPct = new double[nb, np, replicates.Count];
        var simBlq = new double[nb, replicates.Count];
        for (int r = 0; r < replicates.Count; r++)
        {
            var byBin = new List<(double V, bool Blq)>[nb];
            for (int b = 0; b < nb; b++) byBin[b] = [];
            foreach (var ind in replicates[r].Individuals)
                foreach (var o in ind.Observations)
                {
                    var p = Prepare(ind, o, $"replicate {r}");
                    byBin[p.Bin].Add((p.Value, p.Blq));
                }
            for (int b = 0; b < nb; b++)
            {
                if (byBin[b].Count == 0)
                    throw new ArgumentException($"replicate {r} has no samples in VPC bin {b} [{edges[b]}, {edges[b + 1]}]; replicates must follow the observed design.", nameof(replicates));
                var sorted = byBin[b].Select(x => x.V).Order().ToArray();
                for (int k = 0; k < np; k++) simPct[b, k, r] = SortedArrayStatistics.QuantileCustom(sorted, options.Percentiles[k], QuantileDefinition.R7);
                simBlq[b, r] = byBin[b].Count(x => x.Blq) / (double)byBin[b].Count;
            }
        }

        double lo = (1 - options.CiLevel) / 2, hi = (1 + options.CiLevel) / 2;
        VpcBand Band(IEnumerable<double> values)
        {
            var s = values.Order().ToArray();
            return new VpcBand(SortedArrayStatistics.QuantileCustom(s, lo, QuantileDefinition.R7),
                SortedArrayStatistics.QuantileCustom(s, 0.5, QuantileDefinition.R7),
                SortedArrayStatistics.QuantileCustom(s, hi, QuantileDefinition.R7));
        }

        var bins = new List<VpcBin>();
        for (int b = 0; b < nb; b++)
        {
            var inBin = obsPrepared.Where(o => o.P.Bin == b).ToList();
            if (inBin.Count == 0)
                throw new ArgumentException($"VPC bin {b} [{edges[b]}, {edges[b + 1]}] holds no observed sample; choose other bin edges.", nameof(options));
            var sorted = inBin.Select(o => o.P.Value).Order().ToArray();
            double blqFraction = inBin.Count(o => o.P.Blq) / (double)inBin.Count;
            var observedPct = new double[np];
            var censored = new bool[np];
            var bands = new VpcBand[np];
            for (int k = 0; k < np; k++)
            {
                observedPct[k] = SortedArrayStatistics.QuantileCustom(sorted, options.Percentiles[k], QuantileDefinition.R7);
                censored[k] = blqFraction > 0 && blqFraction >= options.Percentiles[k];
                int kk = k, bb = b;
                bands[k] = Band(Enumerable.Range(0, replicates.Count).Select(r => simPct[bb, kk, r]));
            }
            int b2 = b;
            bins.Add(new VpcBin(edges[b], edges[b + 1], Median(inBin.Select(o => o.Time).ToArray()), inBin.Count,
                observedPct, censored, bands, blqFraction, Band(Enumerable.Range(0, replicates.Count).Select(r => simBlq[b2, r]))));
        }

        var points = obsPrepared.Select(o => new VpcPoint(o.Time, o.P.Value, o.P.Blq)).ToList();
        return new VpcResult(options.Percentiles.ToArray(), options.CiLevel, options.PredictionCorrected,
            lloq, replicates.Count, bins, points);
    }

    /// <summary>
    /// VPC of a method's predictions: replicates from the predictions' sample trajectories
    /// (<see cref="ReplicatesFromPredictions"/>), compared with the observations at the predicted times only (known
    /// early samples a method conditioned on are left out of both sides). With leave-one-out predictions this is a
    /// conditional VPC: each individual's replicate values come from its own predictive distribution.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="ReplicatesFromPredictions"/>, or a predicted time with no observation.</exception>
    public static VpcResult FromPredictions(Study observed, IReadOnlyDictionary<string, Prediction> predictions, VpcOptions? options = null)
    {
        var replicates = ReplicatesFromPredictions(observed, predictions);
        var scored = new Study(observed.Name, observed.Individuals.Select(ind =>
        {
            var p = predictions[ind.Id];
            var obs = p.Times.Select(t => ind.Observations.FirstOrDefault(o => Math.Abs(o.Time - t) <= 1e-9 * Math.Max(1, Math.Abs(t)))
                ?? throw new ArgumentException($"individual '{ind.Id}': prediction '{p.Method}' has query time {t} but no observation there.", nameof(predictions)));
            return new Individual(ind.Id, ind.Doses, obs.ToList(), ind.Covariates);
        }), observed.Units);
        return Compute(scored, replicates, options);
    }

    /// <summary>
    /// Builds replicates from sample trajectories: replicate s holds, for each individual, its prediction's
    /// s-th sample trajectory at the prediction's query times (doses copied from <paramref name="observed"/>).
    /// </summary>
    /// <exception cref="ArgumentException">An individual has no prediction, a prediction has no samples, or sample counts differ.</exception>
    public static IReadOnlyList<Study> ReplicatesFromPredictions(Study observed, IReadOnlyDictionary<string, Prediction> predictions)
    {
        int? count = null;
        foreach (var ind in observed.Individuals)
        {
            if (!predictions.TryGetValue(ind.Id, out var p))
                throw new ArgumentException($"no prediction for individual '{ind.Id}' of study '{observed.Name}'.", nameof(predictions));
            if (p.Samples is not { Length: > 0 })
                throw new ArgumentException($"prediction '{p.Method}' for individual '{ind.Id}' has no sample trajectories; a VPC needs them.", nameof(predictions));
            if (count is int c && c != p.Samples.Length)
                throw new ArgumentException($"prediction for individual '{ind.Id}' has {p.Samples.Length} samples, others have {c}; replicates need equal counts.", nameof(predictions));
            count = p.Samples.Length;
        }
        if (count is null) throw new ArgumentException($"study '{observed.Name}' has no individuals.", nameof(observed));
        var reps = new List<Study>(count.Value);
        for (int s = 0; s < count.Value; s++)
        {
            int ss = s;
            reps.Add(new Study($"{observed.Name} replicate {s}", observed.Individuals.Select(ind =>
            {
                var p = predictions[ind.Id];
                return new Individual(ind.Id, ind.Doses, p.Times.Select((t, j) => new Observation(t, p.Samples![ss][j])), ind.Covariates);
            }), observed.Units));
        }
        return reps;
    }

    private static double? ResolveLloq(Study study, VpcOptions options)
    {
        if (options.Lloq is double l)
        {
            if (!(l > 0)) throw new ArgumentException($"VpcOptions.Lloq must be positive, got {l}.", nameof(options));
            return l;
        }
        var values = study.Individuals.SelectMany(i => i.Observations).Where(o => o.Lloq.HasValue).Select(o => o.Lloq!.Value).Distinct().ToList();
        if (values.Count > 1)
            throw new ArgumentException($"study '{study.Name}' records several LLOQs ({string.Join(", ", values)}); set VpcOptions.Lloq to the one to censor at.", nameof(options));
        return values.Count == 1 ? values[0] : null;
    }

    private static double[] Edges(double[] times, VpcOptions options)
    {
        if (options.BinEdges is { } user)
        {
            if (user.Count < 2) throw new ArgumentException("VpcOptions.BinEdges needs at least two edges.", nameof(options));
            for (int i = 1; i < user.Count; i++)
                if (!(user[i] > user[i - 1])) throw new ArgumentException($"VpcOptions.BinEdges must increase strictly, but edge {i} ({user[i]}) follows {user[i - 1]}.", nameof(options));
            return user.ToArray();
        }
        if (options.BinCount < 1) throw new ArgumentException($"VpcOptions.BinCount must be >= 1, got {options.BinCount}.", nameof(options));
        var sorted = times.Order().ToArray();
        var edges = Enumerable.Range(0, options.BinCount + 1)
            .Select(k => SortedArrayStatistics.QuantileCustom(sorted, k / (double)options.BinCount, QuantileDefinition.R7))
            .Distinct().ToArray();
        if (edges.Length < 2) edges = [sorted[0], sorted[0] + 1];
        return edges;
    }

    private static int BinOf(double[] edges, double t)
    {
        if (t < edges[0] || t > edges[^1]) return -1;
        for (int b = 0; b < edges.Length - 2; b++) if (t < edges[b + 1]) return b;
        return edges.Length - 2;
    }

    private static double Pred(IReadOnlyDictionary<string, Prediction> predictions, string id, double t)
    {
        if (!predictions.TryGetValue(id, out var p))
            throw new ArgumentException($"pcVPC: no population prediction for individual '{id}'.");
        int j = Pit.IndexOf(p, t);
        if (j < 0) throw new ArgumentException($"pcVPC: prediction '{p.Method}' for individual '{id}' has no query time {t}.");
        if (!(p.Median[j] > 0)) throw new ArgumentException($"pcVPC: prediction '{p.Method}' for individual '{id}' at t={t} is {p.Median[j]}; PRED must be positive.");
        return p.Median[j];
    }

    private static double Median(double[] values) => SortedArrayStatistics.QuantileCustom(values.Order().ToArray(), 0.5, QuantileDefinition.R7);
}
