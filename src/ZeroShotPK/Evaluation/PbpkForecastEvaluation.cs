using System.Globalization;
using System.Text;
using ZeroShotPK.Analysis;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Forecast;

namespace ZeroShotPK.Evaluation;

/// <summary>Accuracy of one compound class and logP band (<see cref="PbpkForecastEvaluation.Strata(PbpkForecastNetwork, IReadOnlyList{ForecastCase})"/>).</summary>
/// <param name="Class">Ion class.</param>
/// <param name="Band">Index of the logP band: 0 below the first edge of <see cref="PbpkForecastEvaluation.LogPBandEdges"/>, and so on.</param>
/// <param name="Cases">Cases in the stratum.</param>
/// <param name="LogRmse">Pooled RMSE of ln concentration (forecast floored as in <see cref="PbpkForecastEvaluation.AtLeastFloor"/>).</param>
/// <param name="CmaxWithin125">Fraction of cases with Cmax within 1.25-fold.</param>
/// <param name="HalfLifeWithin2">Fraction of cases (with a half-life in both profiles) within 2-fold.</param>
public sealed record ForecastStratum(ZeroShotPK.Pbpk.IonClass Class, int Band, int Cases, double LogRmse, double CmaxWithin125, double HalfLifeWithin2)
{
    /// <summary>The band as text, e.g. "0-2" or "&lt;0".</summary>
    public string LogPBand
    {
        get
        {
            var e = PbpkForecastEvaluation.LogPBandEdges;
            return Band == 0 ? $"<{e[0]:G3}" : Band == e.Count ? $">={e[^1]:G3}" : $"{e[Band - 1]:G3}-{e[Band]:G3}";
        }
    }
}

/// <summary>Accuracy of the PBPK forecaster against the exact solver for one species and one condition.</summary>
/// <param name="Species">Species.</param>
/// <param name="Observed">Grid indices revealed as observed early samples (empty: forecast from dose and descriptors alone).</param>
/// <param name="Cases">Cases scored.</param>
/// <param name="LogRmse">RMSE of ln concentration over every grid point of every case.</param>
/// <param name="LogRmseAfter">The same over the points after the last revealed sample (all points when none).</param>
/// <param name="AucWithin125">Fraction of cases whose AUC(0.25-48 h) fold error is within 1.25-fold.</param>
/// <param name="AucWithin2">... within 2-fold.</param>
/// <param name="CmaxWithin125">Cmax (on the grid) within 1.25-fold.</param>
/// <param name="CmaxWithin2">... within 2-fold.</param>
/// <param name="HalfLifeCases">Cases with a terminal half-life estimable on both profiles (after the last dose).</param>
/// <param name="HalfLifeWithin125">Half-life within 1.25-fold.</param>
/// <param name="HalfLifeWithin2">... within 2-fold.</param>
/// <param name="Coverage90">Fraction of grid points whose exact value lies in the forecast's 90 % band.</param>
/// <param name="AucAafe">Absolute average fold error of AUC.</param>
public sealed record ForecastAccuracy(Species Species, int[] Observed, int Cases, double LogRmse, double LogRmseAfter,
    double AucWithin125, double AucWithin2, double CmaxWithin125, double CmaxWithin2, int HalfLifeCases,
    double HalfLifeWithin125, double HalfLifeWithin2, double Coverage90, double AucAafe);

/// <summary>
/// Scores a <see cref="PbpkForecastNetwork"/> on cases of held-out compounds (never in a training case) against the exact
/// PBPK profiles: log-RMSE, AUC / Cmax / half-life fold errors and 90 % band coverage, per species, without and with
/// observed early samples.
/// </summary>
public static class PbpkForecastEvaluation
{
    /// <summary>First case of the held-out stream used here (the training run validates on cases 0 .. ValidationCases - 1).</summary>
    public const long FirstCase = 1_000_000;
    /// <summary>Early samples revealed in the "with samples" condition: 0.5, 1 and 2 h.</summary>
    public static readonly int[] EarlySamples = [1, 2, 4];

    /// <summary>The <paramref name="cases"/> held-out cases that <see cref="Run(PbpkForecastNetwork, IReadOnlyList{ForecastCase})"/> and <see cref="Strata(PbpkForecastNetwork, IReadOnlyList{ForecastCase})"/> score (each solved exactly once).</summary>
    public static IReadOnlyList<ForecastCase> HeldOutCases(ForecastData data, int cases)
    {
        var all = data.Cases(true, FirstCase, cases);
        foreach (var c in all)
            if (!data.IsHeldOut(c.CompoundIndex)) throw new InvalidOperationException($"case of compound {c.CompoundIndex} is not held out.");
        return all;
    }

    /// <summary>Scores <paramref name="cases"/> held-out cases (about half per species).</summary>
    public static IReadOnlyList<ForecastAccuracy> Run(PbpkForecastNetwork network, ForecastData data, int cases) =>
        Run(network, HeldOutCases(data, cases));

    /// <summary>Scores held-out cases (<see cref="HeldOutCases"/>) per species, without and with early samples.</summary>
    public static IReadOnlyList<ForecastAccuracy> Run(PbpkForecastNetwork network, IReadOnlyList<ForecastCase> all)
    {
        var result = new List<ForecastAccuracy>();
        foreach (var species in ForecastData.SpeciesUsed)
        {
            var sp = all.Where(c => c.Species == species).ToArray();
            if (sp.Length == 0) continue;
            foreach (var observed in new[] { Array.Empty<int>(), EarlySamples })
                result.Add(Score(network, sp, species, observed));
        }
        return result;
    }

    /// <summary>Forecasts of cases with the given revealed grid indices (chunks of 512).</summary>
    public static ForecastProfile[] Forecast(PbpkForecastNetwork network, IReadOnlyList<ForecastCase> cases, int[] observed)
    {
        var records = cases.Select(PbpkForecastFeatures.Encode).ToArray();
        var result = new List<ForecastProfile>(cases.Count);
        for (int start = 0; start < records.Length; start += 512)
        {
            var part = records.Skip(start).Take(512).ToArray();
            using var batch = ForecastBatch.Build(part, part.Select(_ => observed.Length == 0 ? null : observed).ToArray());
            result.AddRange(PbpkForecaster.Predict(network, batch));
        }
        return [.. result];
    }

    private static ForecastAccuracy Score(PbpkForecastNetwork network, ForecastCase[] cases, Species species, int[] observed)
    {
        var forecasts = Forecast(network, cases, observed);
        var grid = ForecastData.Grid;
        int after = observed.Length == 0 ? 0 : observed.Max() + 1;
        double se = 0, seAfter = 0; long n = 0, nAfter = 0, covered = 0;
        var auc = new List<double>(); var cmax = new List<double>(); var half = new List<double>();
        for (int i = 0; i < cases.Length; i++)
        {
            var exact = cases[i].LogConcentration;
            var f = forecasts[i];
            for (int k = 0; k < grid.Count; k++)
            {
                var e = AtLeastFloor(f.LogMean[k]) - exact[k];
                se += e * e; n++;
                if (k >= after) { seAfter += e * e; nAfter++; }
                // A floored exact value only says "at or below the floor": covered when the band reaches down to it.
                if (exact[k] <= LogFloor ? f.LogMean[k] - ForecastProfile.Z90 * f.LogSd[k] <= LogFloor
                                         : Math.Abs(f.LogMean[k] - exact[k]) <= ForecastProfile.Z90 * f.LogSd[k]) covered++;
            }
            var r = Ratios(cases[i], f);
            auc.Add(r.Auc);
            cmax.Add(r.Cmax);
            if (r.HalfLife is { } h) half.Add(h);
        }
        return new ForecastAccuracy(species, observed, cases.Length, Math.Sqrt(se / n), Math.Sqrt(seAfter / Math.Max(1, nAfter)),
            Within(auc, 1.25), Within(auc, 2), Within(cmax, 1.25), Within(cmax, 2), half.Count,
            Within(half, 1.25), Within(half, 2), (double)covered / n, Math.Exp(auc.Average(r => Math.Abs(Math.Log(r)))));
    }

    /// <summary>Forecast over exact AUC, Cmax and terminal half-life of one case (forecast floored as the exact profile is); half-life null when either profile gives none.</summary>
    private static (double Auc, double Cmax, double? HalfLife) Ratios(ForecastCase c, ForecastProfile f)
    {
        var grid = ForecastData.Grid;
        var ce = c.LogConcentration.Select(Math.Exp).ToArray();
        var cf = f.LogMean.Select(l => Math.Exp(AtLeastFloor(l))).ToArray();
        var lastDose = c.Doses.Max(d => d.Time + d.Duration);
        double? half = HalfLife(grid, ce, lastDose) is { } he && HalfLife(grid, cf, lastDose) is { } hf ? hf / he : null;
        return (Auc(grid, cf) / Auc(grid, ce), cf.Max() / ce.Max(), half);
    }

    /// <summary>ln <see cref="ForecastData.FloorConcentration"/>: the exact profiles stop there.</summary>
    public static readonly double LogFloor = Math.Log(ForecastData.FloorConcentration);

    /// <summary>A forecast ln concentration read the way the exact profiles are made: below the floor counts as at it.</summary>
    public static double AtLeastFloor(double logConcentration) => Math.Max(logConcentration, LogFloor);

    /// <summary>
    /// Log-RMSE of one forecast against the exact profile, pooled over its grid points: sqrt(mean over k of
    /// (max(<paramref name="predictedLog"/>[k], ln floor) - <paramref name="exactLog"/>[k])^2), both natural-log
    /// concentrations; the exact profiles are floored at <see cref="ForecastData.FloorConcentration"/>, so a forecast
    /// below it counts as at it. One profile's points pooled, like <see cref="Diagnostics.GofSummary.PooledLogRmse"/>;
    /// not the mean of per-individual values that <see cref="EvaluationSummary.LogRmse"/> reports.
    /// </summary>
    /// <exception cref="ArgumentException">The profiles differ in length or are empty.</exception>
    public static double PooledLogRmse(IReadOnlyList<double> predictedLog, IReadOnlyList<double> exactLog)
    {
        if (predictedLog.Count != exactLog.Count || predictedLog.Count == 0)
            throw new ArgumentException($"expected two profiles of the same positive length, got {predictedLog.Count} and {exactLog.Count} points.", nameof(exactLog));
        double se = 0;
        for (var k = 0; k < predictedLog.Count; k++)
        {
            var e = AtLeastFloor(predictedLog[k]) - exactLog[k];
            se += e * e;
        }
        return Math.Sqrt(se / predictedLog.Count);
    }

    /// <summary>Fraction of ratios within <paramref name="fold"/>-fold.</summary>
    public static double Within(IReadOnlyCollection<double> ratios, double fold) =>
        ratios.Count == 0 ? double.NaN : ratios.Count(r => r <= fold && r >= 1 / fold) / (double)ratios.Count;

    /// <summary>AUC over the grid (linear trapezoid), mg h/L.</summary>
    public static double Auc(IReadOnlyList<double> t, IReadOnlyList<double> c)
    {
        double a = 0;
        for (int k = 1; k < t.Count; k++) a += 0.5 * (c[k] + c[k - 1]) * (t[k] - t[k - 1]);
        return a;
    }

    /// <summary>Terminal half-life (NCA, best adjusted R² of the last points) from the points after the last dose ends; null with fewer than 4.</summary>
    public static double? HalfLife(IReadOnlyList<double> t, IReadOnlyList<double> c, double lastDoseEnd)
    {
        var idx = Enumerable.Range(0, t.Count).Where(k => t[k] > lastDoseEnd).ToArray();
        if (idx.Length < 4) return null;
        try
        {
            var r = Nca.Compute(idx.Select(k => t[k]).ToArray(), idx.Select(k => c[k]).ToArray());
            return double.IsFinite(r.HalfLife) && r.HalfLife > 0 ? r.HalfLife : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>logP bands of <see cref="Strata(PbpkForecastNetwork, IReadOnlyList{ForecastCase})"/>: below 0, 0-2, 2-4, 4 and above.</summary>
    public static IReadOnlyList<double> LogPBandEdges { get; } = [0, 2, 4];

    /// <summary>
    /// Accuracy without early samples by compound class and logP band (<see cref="LogPBandEdges"/>), both species
    /// pooled, on the same held-out cases as <see cref="Run(PbpkForecastNetwork, IReadOnlyList{ForecastCase})"/>: where in compound space the forecaster is wrong, which
    /// the pooled rows hide.
    /// </summary>
    public static IReadOnlyList<ForecastStratum> Strata(PbpkForecastNetwork network, ForecastData data, int cases) =>
        Strata(network, HeldOutCases(data, cases));

    /// <summary>As <see cref="Strata(PbpkForecastNetwork, ForecastData, int)"/> on given held-out cases (<see cref="HeldOutCases"/>).</summary>
    public static IReadOnlyList<ForecastStratum> Strata(PbpkForecastNetwork network, IReadOnlyList<ForecastCase> all)
    {
        var forecasts = Forecast(network, all, []);
        return all.Select((c, i) => (c, f: forecasts[i]))
            .GroupBy(x => (x.c.Compound.Class, Band: LogPBandEdges.Count(e => x.c.Compound.LogP >= e)))
            .OrderBy(g => g.Key.Class).ThenBy(g => g.Key.Band)
            .Select(g =>
            {
                var ratios = g.Select(x => Ratios(x.c, x.f)).ToArray();
                // Every case has the same grid, so the pooled RMSE is the root mean of the per-case mean squares.
                var se = g.Sum(x => Math.Pow(PooledLogRmse(x.f.LogMean, x.c.LogConcentration), 2));
                return new ForecastStratum(g.Key.Class, g.Key.Band, g.Count(), Math.Sqrt(se / g.Count()),
                    Within(ratios.Select(r => r.Cmax).ToArray(), 1.25), Within(ratios.Where(r => r.HalfLife is not null).Select(r => r.HalfLife!.Value).ToArray(), 2));
            }).ToArray();
    }

    /// <summary>The strata as a plain-text table.</summary>
    public static string FormatStrata(IReadOnlyList<ForecastStratum> strata)
    {
        static string P(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("F1", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine("By compound class and logP, no early samples, human and rat pooled:");
        sb.AppendLine("class    logP     cases  logRMSE  Cmax<=1.25x  t1/2<=2x");
        foreach (var r in strata)
            sb.AppendLine(string.Join("  ", r.Class.ToString().ToLowerInvariant().PadRight(7), r.LogPBand.PadRight(7), r.Cases.ToString().PadLeft(5),
                r.LogRmse.ToString("F3", CultureInfo.InvariantCulture).PadLeft(7), P(r.CmaxWithin125).PadLeft(11), P(r.HalfLifeWithin2).PadLeft(8)));
        return sb.ToString();
    }

    /// <summary>The results as a plain-text table.</summary>
    public static string Format(IReadOnlyList<ForecastAccuracy> rows, string header)
    {
        static string P(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("F1", CultureInfo.InvariantCulture);
        static string G(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine(header);
        sb.AppendLine();
        sb.AppendLine("species  samples          cases  logRMSE  logRMSE>2h  AUC<=1.25x  AUC<=2x  AUC-AAFE  Cmax<=1.25x  Cmax<=2x  t1/2-n  t1/2<=1.25x  t1/2<=2x  cover90");
        foreach (var r in rows)
        {
            var samples = r.Observed.Length == 0 ? "none" : string.Join('+', r.Observed.Select(k => ForecastData.Grid[k].ToString(CultureInfo.InvariantCulture))) + " h";
            sb.AppendLine(string.Join("  ", r.Species.ToString().ToLowerInvariant().PadRight(7), samples.PadRight(15), r.Cases.ToString().PadLeft(5),
                G(r.LogRmse).PadLeft(7), G(r.LogRmseAfter).PadLeft(10), P(r.AucWithin125).PadLeft(10), P(r.AucWithin2).PadLeft(7),
                G(r.AucAafe).PadLeft(8), P(r.CmaxWithin125).PadLeft(11), P(r.CmaxWithin2).PadLeft(8), r.HalfLifeCases.ToString().PadLeft(6),
                P(r.HalfLifeWithin125).PadLeft(11), P(r.HalfLifeWithin2).PadLeft(8), P(r.Coverage90).PadLeft(7)));
        }
        sb.AppendLine();
        sb.AppendLine("logRMSE: natural-log concentration over the 22 grid times (0.25-48 h); logRMSE>2h: only the points after the last revealed sample.");
        sb.AppendLine("AUC: trapezoid over the grid; Cmax: highest grid value; t1/2: NCA terminal half-life from the points after the last dose (cases where both profiles give one).");
        sb.AppendLine("Percentages are % of cases within the fold; cover90: % of grid points whose exact value lies in the forecast's 90% band.");
        return sb.ToString();
    }
}
