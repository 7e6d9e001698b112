namespace ZeroShotPK.Pbpk;

/// <summary>Fidelity and diversity of a generated population against a reference one.</summary>
/// <param name="EnergyDistance">Energy distance between standardised log vectors (subsamples); 0 for identical distributions.</param>
/// <param name="EnergyDistanceFloor">The same between two independent reference subsamples: the noise floor at this sample size.</param>
/// <param name="MaxKs">Largest per-variable Kolmogorov-Smirnov statistic (log scale).</param>
/// <param name="MeanKs">Mean per-variable KS statistic.</param>
/// <param name="WorstVariable">Name of the variable with the largest KS.</param>
/// <param name="Coverage">Share of reference points with a generated point inside their k-NN ball (Naeem et al. 2020, k = 5); about 0.97 for identical distributions.</param>
/// <param name="CoverageFloor">Coverage of an independent reference subsample.</param>
public sealed record PopulationFidelity(double EnergyDistance, double EnergyDistanceFloor, double MaxKs, double MeanKs, string WorstVariable, double Coverage, double CoverageFloor);

/// <summary>Distribution distances between populations, on log physiology vectors standardised by the reference.</summary>
public static class PopulationMetrics
{
    /// <summary>
    /// Compares <paramref name="generated"/> with <paramref name="reference"/>: KS on all individuals; energy distance and
    /// coverage on subsamples of <paramref name="subsample"/> (the reference is split in two halves to give the floors).
    /// </summary>
    public static PopulationFidelity Compare(IReadOnlyList<Physiology> reference, IReadOnlyList<Physiology> generated, int subsample = 2000, int seed = 1)
    {
        if (reference.Count < 2 * subsample) throw new ArgumentException($"reference needs at least {2 * subsample} individuals (two subsamples), has {reference.Count}.", nameof(reference));
        if (generated.Count < subsample) throw new ArgumentException($"generated needs at least {subsample} individuals, has {generated.Count}.", nameof(generated));
        var d = Physiology.Vector.Length;
        var refLog = reference.Select(LogVector).ToArray();
        var genLog = generated.Select(LogVector).ToArray();
        var mean = Enumerable.Range(0, d).Select(j => refLog.Average(v => v[j])).ToArray();
        var sd = Enumerable.Range(0, d).Select(j => Math.Sqrt(refLog.Average(v => (v[j] - mean[j]) * (v[j] - mean[j])))).ToArray();
        double[] Std(double[] v) => v.Select((x, j) => (x - mean[j]) / sd[j]).ToArray();

        var ks = new double[d];
        Parallel.For(0, d, j => ks[j] = Ks(refLog.Select(v => v[j]).ToArray(), genLog.Select(v => v[j]).ToArray()));
        var worst = Array.IndexOf(ks, ks.Max());

        var rng = new Random(seed);
        var refPerm = refLog.OrderBy(_ => rng.Next()).Select(Std).ToArray();
        var genSub = genLog.OrderBy(_ => rng.Next()).Take(subsample).Select(Std).ToArray();
        var refA = refPerm.Take(subsample).ToArray();
        var refB = refPerm.Skip(subsample).Take(subsample).ToArray();
        return new PopulationFidelity(
            Energy(refA, genSub), Energy(refA, refB), ks.Max(), ks.Average(), Physiology.Vector.Names[worst],
            Coverage(refA, genSub, 5), Coverage(refA, refB, 5));
    }

    private static double[] LogVector(Physiology p) => p.ToVector().Select(v => v > 0 ? Math.Log(v) : double.NegativeInfinity).ToArray();

    /// <summary>Two-sample Kolmogorov-Smirnov statistic.</summary>
    public static double Ks(double[] a, double[] b)
    {
        var x = a.OrderBy(v => v).ToArray();
        var y = b.OrderBy(v => v).ToArray();
        int i = 0, j = 0;
        var best = 0.0;
        while (i < x.Length && j < y.Length)
        {
            var v = Math.Min(x[i], y[j]);
            while (i < x.Length && x[i] <= v) i++;
            while (j < y.Length && y[j] <= v) j++;
            best = Math.Max(best, Math.Abs((double)i / x.Length - (double)j / y.Length));
        }
        return best;
    }

    private static double Dist(double[] a, double[] b)
    {
        var s = 0.0;
        for (var k = 0; k < a.Length; k++) { var t = a[k] - b[k]; s += t * t; }
        return double.IsFinite(s) ? Math.Sqrt(s) : 1e6;
    }

    private static double MeanDist(double[][] a, double[][] b)
    {
        var sums = new double[a.Length];
        Parallel.For(0, a.Length, i => { var s = 0.0; foreach (var y in b) s += Dist(a[i], y); sums[i] = s; });
        return sums.Sum() / ((double)a.Length * b.Length);
    }

    /// <summary>Energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'| (V-statistic).</summary>
    public static double Energy(double[][] x, double[][] y) => 2 * MeanDist(x, y) - MeanDist(x, x) - MeanDist(y, y);

    /// <summary>Coverage: fraction of reference points whose k-NN radius (within the reference) holds a generated point.</summary>
    public static double Coverage(double[][] reference, double[][] generated, int k)
    {
        var covered = 0;
        Parallel.For(0, reference.Length, () => 0, (i, _, local) =>
        {
            var dists = new double[reference.Length];
            for (var j = 0; j < reference.Length; j++) dists[j] = Dist(reference[i], reference[j]);
            Array.Sort(dists);
            var radius = dists[k]; // dists[0] is the point itself
            foreach (var g in generated) if (Dist(reference[i], g) <= radius) return local + 1;
            return local;
        }, local => Interlocked.Add(ref covered, local));
        return (double)covered / reference.Length;
    }
}
