using ZeroShotPK.Data;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>Empirical coverage of one nominal central interval.</summary>
/// <param name="Nominal">Nominal level, e.g. 0.9 for the 5–95% interval.</param>
/// <param name="Empirical">Fraction of truths inside the interval.</param>
/// <param name="Count">Number of truths scored.</param>
/// <param name="StandardError">Binomial standard error sqrt(p(1−p)/n) at the nominal level: |Empirical − Nominal| beyond ~3 SE means miscalibration.</param>
public sealed record CoveragePoint(double Nominal, double Empirical, int Count, double StandardError);

/// <summary>
/// Coverage curve: empirical vs nominal coverage of central predictive intervals at several levels. A truth is
/// inside the central level-ℓ interval when its PIT lies in [(1−ℓ)/2, (1+ℓ)/2].
/// </summary>
public sealed class CoverageCurve
{
    /// <summary>Default nominal levels: 0.1 to 0.9 by 0.1, and 0.95.</summary>
    public static IReadOnlyList<double> DefaultLevels { get; } = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

    private CoverageCurve(IReadOnlyList<CoveragePoint> points, PitSource source)
    {
        Points = points; Source = source;
    }

    /// <summary>One point per nominal level, in the order given.</summary>
    public IReadOnlyList<CoveragePoint> Points { get; }

    /// <summary>How the PIT values behind the curve were obtained.</summary>
    public PitSource Source { get; }

    /// <summary>Largest |empirical − nominal| over the levels.</summary>
    public double MaxAbsoluteError => Points.Max(p => Math.Abs(p.Empirical - p.Nominal));

    /// <summary>Coverage from PIT values (each in [0, 1]).</summary>
    /// <exception cref="ArgumentException">No values, a value outside [0, 1], or a level outside (0, 1).</exception>
    public static CoverageCurve FromPit(IEnumerable<double> pit, IReadOnlyList<double>? levels = null, PitSource source = PitSource.Samples)
    {
        var u = pit.ToArray();
        if (u.Length == 0) throw new ArgumentException("coverage needs at least one PIT value.", nameof(pit));
        for (int i = 0; i < u.Length; i++)
            if (!(u[i] >= 0 && u[i] <= 1)) throw new ArgumentException($"PIT value {i} is {u[i]}; expected a number in [0, 1].", nameof(pit));
        levels ??= DefaultLevels;
        var points = new List<CoveragePoint>();
        foreach (double l in levels)
        {
            if (!(l > 0 && l < 1)) throw new ArgumentException($"coverage level {l} must be in (0, 1).", nameof(levels));
            double lo = (1 - l) / 2, hi = (1 + l) / 2;
            int inside = u.Count(x => x >= lo && x <= hi);
            points.Add(new CoveragePoint(l, inside / (double)u.Length, u.Length, Math.Sqrt(l * (1 - l) / u.Length)));
        }
        return new CoverageCurve(points, source);
    }

    /// <summary>Coverage of scalar truths by posterior or predictive draws (one draw set per truth).</summary>
    /// <exception cref="ArgumentException">Counts differ or a draw set is empty.</exception>
    public static CoverageCurve FromSamples(IReadOnlyList<double> truths, IReadOnlyList<IReadOnlyList<double>> draws, IReadOnlyList<double>? levels = null)
    {
        if (truths.Count != draws.Count)
            throw new ArgumentException($"coverage: {truths.Count} truths but {draws.Count} draw sets.", nameof(draws));
        var pit = new double[truths.Count];
        for (int i = 0; i < truths.Count; i++)
        {
            var d = draws[i];
            if (d.Count == 0) throw new ArgumentException($"coverage: draw set {i} is empty.", nameof(draws));
            int below = 0, ties = 0;
            foreach (double x in d) { if (x < truths[i]) below++; else if (x == truths[i]) ties++; }
            pit[i] = (below + 0.5 * ties) / d.Count;
        }
        return FromPit(pit, levels);
    }

    /// <summary>Coverage of observed concentrations by predictions (scored as in <see cref="GoodnessOfFit"/>; BLQ samples left out).</summary>
    public static CoverageCurve FromPredictions(IEnumerable<(Individual Observed, Prediction Prediction)> pairs, IReadOnlyList<double>? levels = null) =>
        FromGoodnessOfFit(GoodnessOfFit.Compute(pairs), levels);

    /// <summary>Coverage from the PIT values of a goodness-of-fit table.</summary>
    public static CoverageCurve FromGoodnessOfFit(GoodnessOfFit gof, IReadOnlyList<double>? levels = null) =>
        FromPit(gof.Points.Where(p => p.Pit.HasValue).Select(p => p.Pit!.Value), levels, gof.Summary.PitSource);
}
