using ZeroShotPK.Simulation;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Pbpk;

/// <summary>Fidelity and diversity of a generated population against a reference one.</summary>
/// <param name="EnergyDistance">Energy distance between standardised log vectors (subsamples); 0 for identical distributions.</param>
/// <param name="EnergyDistanceFloor">The same between two independent reference subsamples: the noise floor at this sample size.</param>
/// <param name="MaxKs">Largest per-variable Kolmogorov-Smirnov statistic (log scale).</param>
/// <param name="MeanKs">Mean per-variable KS statistic.</param>
/// <param name="WorstVariable">Name of the variable with the largest KS.</param>
/// <param name="Coverage">Share of reference points with a generated point inside their k-NN ball (Naeem et al. 2020, k = 5); about 0.97 for identical distributions.</param>
/// <param name="CoverageFloor">Coverage of an independent reference subsample.</param>
/// <param name="ClassifierAuc">Held-out ROC AUC of a neural-network two-sample classifier (reference vs generated); 0.5 when they cannot be told apart.</param>
/// <param name="ClassifierAucFloor">The same classifier on two independent reference subsamples.</param>
public sealed record PopulationFidelity(double EnergyDistance, double EnergyDistanceFloor, double MaxKs, double MeanKs, string WorstVariable, double Coverage, double CoverageFloor,
    double ClassifierAuc, double ClassifierAucFloor);

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

        var rng = new StableRandom(seed);
        var refPerm = refLog.OrderBy(_ => rng.Next()).Select(Std).ToArray();
        var genSub = genLog.OrderBy(_ => rng.Next()).Take(subsample).Select(Std).ToArray();
        var refA = refPerm.Take(subsample).ToArray();
        var refB = refPerm.Skip(subsample).Take(subsample).ToArray();
        return new PopulationFidelity(
            Energy(refA, genSub), Energy(refA, refB), ks.Max(), ks.Average(), Physiology.Vector.Names[worst],
            Coverage(refA, genSub, 5), Coverage(refA, refB, 5),
            ClassifierAuc(refA, genSub, seed), ClassifierAuc(refA, refB, seed));
    }

    /// <summary>
    /// Classifier two-sample test (Lopez-Paz &amp; Oquab 2017): the pooled samples (label 0 for <paramref name="x"/>, 1 for
    /// <paramref name="y"/>) are shuffled with <paramref name="seed"/> and split in half; a small network (two hidden
    /// layers of 64 SiLU units, AdamW, <paramref name="steps"/> full-batch steps on the logistic loss) learns to tell them
    /// apart on one half, and the ROC AUC of its scores on the other half is returned (0.5: indistinguishable,
    /// 1: perfectly separable). A network, not k nearest neighbours: in 29 dimensions k-NN misses differences that
    /// energy distance sees. Runs on the CPU; the same seed gives the same AUC.
    /// </summary>
    public static double ClassifierAuc(double[][] x, double[][] y, int seed, int steps = 300)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be >= 1.");
        if (x.Length < 2 || y.Length < 2) throw new ArgumentException($"the classifier needs at least 2 points per sample; got {x.Length} and {y.Length}.");
        var d = x[0].Length;
        if (x.Concat(y).Any(v => v.Length != d)) throw new ArgumentException($"every point must have {d} coordinates, as the first one.");
        var pooled = x.Select(v => (V: v, Label: 0)).Concat(y.Select(v => (V: v, Label: 1))).ToArray();
        var rng = new StableRandom(seed);
        for (var i = pooled.Length - 1; i > 0; i--) { var j = rng.Next(i + 1); (pooled[i], pooled[j]) = (pooled[j], pooled[i]); }
        var half = pooled.Length / 2;
        var train = pooled[..half];
        var test = pooled[half..];
        if (train.All(p => p.Label == train[0].Label) || test.All(p => p.Label == test[0].Label))
            throw new ArgumentException("after the seeded split one half holds a single label; give both samples more points.");

        // Infinite coordinates (a zero volume's log) become a large finite value, as in the distances above.
        static float[] Flat((double[] V, int Label)[] part) => part.SelectMany(p => p.V.Select(v => (float)(double.IsFinite(v) ? v : Math.Sign(v) * 1e3))).ToArray();
        using var outer = NewDisposeScope();
        random.manual_seed(seed);
        var net = nn.Sequential(("h1", nn.Linear(d, 64)), ("a1", nn.SiLU()), ("h2", nn.Linear(64, 64)), ("a2", nn.SiLU()), ("out", nn.Linear(64, 1)));
        var trainX = tensor(Flat(train), [train.Length, d]);
        var trainY = tensor(train.Select(p => (float)p.Label).ToArray(), [train.Length, 1]);
        var testX = tensor(Flat(test), [test.Length, d]);
        using (var opt = new ScalarSafeAdamW(net.parameters(), 3e-3, weightDecay: 1e-3))
        {
            for (var step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                var loss = nn.functional.binary_cross_entropy_with_logits(net.forward(trainX), trainY);
                opt.ZeroGrad();
                loss.backward();
                opt.Step();
            }
        }
        float[] scores;
        using (no_grad()) { net.eval(); scores = net.forward(testX).flatten().data<float>().ToArray(); }
        net.Dispose();
        return Auc(scores.Select(v => (double)v).ToArray(), test.Select(t => t.Label).ToArray());
    }

    /// <summary>ROC AUC of <paramref name="scores"/> for binary <paramref name="labels"/> (Mann-Whitney, ties count one half).</summary>
    public static double Auc(double[] scores, int[] labels)
    {
        var order = Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ToArray();
        double rankSumPositive = 0;
        int positives = 0;
        for (var a = 0; a < order.Length;)
        {
            var b = a;
            while (b + 1 < order.Length && scores[order[b + 1]] == scores[order[a]]) b++;
            var midRank = (a + b) / 2.0 + 1;
            for (var c = a; c <= b; c++) if (labels[order[c]] == 1) { rankSumPositive += midRank; positives++; }
            a = b + 1;
        }
        var negatives = scores.Length - positives;
        if (positives == 0 || negatives == 0) throw new ArgumentException("AUC needs both labels among the scores.");
        return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
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
