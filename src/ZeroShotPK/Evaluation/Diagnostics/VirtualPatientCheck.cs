using ZeroShotPK.Data;
using ZeroShotPK.Inference;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>
/// The papers' generative check on one real study: can a classifier tell the real individuals from virtual ones?
/// </summary>
/// <param name="Method">Method that generated the virtual individuals.</param>
/// <param name="Auc">Mean cross-validated ROC AUC over the replicates (0.5: indistinguishable; AICMET paper 0.58, PFF 0.57 on real data).</param>
/// <param name="AucSd">Standard deviation of the AUC over the replicates.</param>
/// <param name="Individuals">Real individuals compared (those with at least three positive samples after the first dose).</param>
/// <param name="Replicates">Independent sets of virtual individuals, one virtual per real individual each.</param>
public sealed record VirtualPatientResult(string Method, double Auc, double AucSd, int Individuals, int Replicates);

/// <summary>
/// Real vs virtual individuals: for each real individual, the method generates virtual ones given the rest of the study
/// (leave-one-out, so a real profile is never in the context that generated its twin), with the same doses and
/// sampling times after the first dose and no revealed sample (a predictor's draws at zero known samples, residual
/// error included). Samples at or before the first dose are left out on both sides: a positive pre-dose level (earlier
/// intake, as in theophylline) is not caused by the doses the generator is given, so no generator could reproduce it, and
/// it made the first-level feature alone separate real from virtual. Both are
/// reduced to dose-normalised shape features (log Cmax/dose, Tmax / last time, log AUC/dose, log C_last/Cmax,
/// log C_first/Cmax over the samples the real individual has above zero), and an L2-regularised logistic regression
/// separates them under two-fold cross-validation; the AUC of its held-out scores is averaged over the replicates.
/// </summary>
public static class VirtualPatientCheck
{
    /// <summary>Runs the check for <paramref name="predictor"/> on <paramref name="study"/>.</summary>
    /// <param name="predictor">A method that generates virtual individuals (<see cref="IPredictor.GeneratesIndividuals"/>).</param>
    /// <param name="study">Real study (at least 4 individuals with three positive samples).</param>
    /// <param name="replicates">Sets of virtual individuals (1..1000); each must be within the method's draws per prediction.</param>
    /// <param name="seed">Seed of the generation (individual i uses <c>SeedStream.Of(seed, i, SeedStream.VirtualPatients)</c>) and of the cross-validation splits.</param>
    /// <param name="progress">Called with the number of real individuals done.</param>
    /// <exception cref="ArgumentException">Too few usable individuals, a method that does not generate individuals, or one that draws too few.</exception>
    public static VirtualPatientResult Run(IPredictor predictor, Study study, int replicates = 10, int seed = 0, Action<int>? progress = null)
    {
        if (replicates is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(replicates), replicates, "replicates must be in 1..1000.");
        if (!predictor.GeneratesIndividuals)
            throw new ArgumentException($"method '{predictor.Name}' does not generate virtual individuals.");
        static Observation[] PostDose(Individual i)
        {
            double first = i.Doses.Min(d => d.Time);
            return i.Observations.Where(o => !o.IsBlq && o.Value > 0 && o.Time > first).ToArray();
        }
        var usable = study.Individuals.Where(i => i.Doses.Count > 0 && PostDose(i).Length >= 3).ToArray();
        if (usable.Length < 4)
            throw new ArgumentException($"study '{study.Name}': the virtual-patient check needs at least 4 individuals with a dose and three positive samples after it, got {usable.Length}.");
        var real = new double[usable.Length][];
        var virtuals = new double[replicates][][];
        for (int r = 0; r < replicates; r++) virtuals[r] = new double[usable.Length][];
        for (int i = 0; i < usable.Length; i++)
        {
            var ind = usable[i];
            var keep = PostDose(ind);
            var times = keep.Select(o => o.Time).ToArray();
            var generated = predictor.GenerateIndividuals(study.Without(ind.Id), ind, times, replicates, SeedStream.Of(seed, i, SeedStream.VirtualPatients));
            double dose = ind.Doses.Sum(d => d.Amount);
            real[i] = Features(times, keep.Select(o => o.Value).ToArray(), dose);
            for (int r = 0; r < replicates; r++) virtuals[r][i] = Features(times, generated[r], dose);
            progress?.Invoke(i + 1);
        }
        var aucs = new double[replicates];
        for (int r = 0; r < replicates; r++) aucs[r] = CrossValidatedAuc(real, virtuals[r], SeedMix.Int(seed, r, SeedStream.VirtualPatientReplicate));
        double mean = aucs.Average();
        double sd = replicates > 1 ? Math.Sqrt(aucs.Sum(a => (a - mean) * (a - mean)) / (replicates - 1)) : 0;
        return new VirtualPatientResult(predictor.Name, mean, sd, usable.Length, replicates);
    }

    /// <summary>Dose-normalised shape features of one profile (non-positive values floored at 1e-6 x Cmax).</summary>
    public static double[] Features(IReadOnlyList<double> times, IReadOnlyList<double> values, double dose)
    {
        int n = times.Count;
        double cmax = values.Max();
        if (!(cmax > 0)) cmax = 1e-12;
        double floor = cmax * 1e-6;
        var c = values.Select(v => Math.Max(v, floor)).ToArray();
        int iMax = Array.IndexOf(c, c.Max());
        double auc = 0;
        for (int k = 1; k < n; k++) auc += 0.5 * (c[k] + c[k - 1]) * (times[k] - times[k - 1]);
        double tLast = Math.Max(times[^1], 1e-12);
        double d = Math.Max(dose, 1e-12);
        return [Math.Log(c[iMax] / d), times[iMax] / tLast, Math.Log(Math.Max(auc, floor * tLast) / d), Math.Log(c[^1] / c[iMax]), Math.Log(c[0] / c[iMax])];
    }

    /// <summary>
    /// Two-fold cross-validated ROC AUC of an L2-regularised logistic regression separating <paramref name="a"/> (label 0)
    /// from <paramref name="b"/> (label 1): each half is scored by the model fitted on the other, features standardised
    /// on the training half.
    /// </summary>
    public static double CrossValidatedAuc(double[][] a, double[][] b, int seed)
    {
        var pooled = a.Select(v => (V: v, Label: 0)).Concat(b.Select(v => (V: v, Label: 1))).ToArray();
        var rng = new Rng(seed);
        // Stratified split: each label shuffled and dealt alternately to the two folds.
        var fold = new int[pooled.Length];
        foreach (int label in new[] { 0, 1 })
        {
            var idx = Enumerable.Range(0, pooled.Length).Where(k => pooled[k].Label == label).ToArray();
            for (int k = idx.Length - 1; k > 0; k--) { int j = rng.NextInt(0, k); (idx[k], idx[j]) = (idx[j], idx[k]); }
            for (int k = 0; k < idx.Length; k++) fold[idx[k]] = k % 2;
        }
        var scores = new double[pooled.Length];
        for (int f = 0; f < 2; f++)
        {
            var train = Enumerable.Range(0, pooled.Length).Where(k => fold[k] != f).Select(k => pooled[k]).ToArray();
            var w = FitLogistic(train.Select(t => t.V).ToArray(), train.Select(t => t.Label).ToArray(), out var mean, out var scale);
            for (int k = 0; k < pooled.Length; k++)
                if (fold[k] == f) scores[k] = Score(pooled[k].V, w, mean, scale);
        }
        return Pbpk.PopulationMetrics.Auc(scores, pooled.Select(p => p.Label).ToArray());
    }

    private static double Score(double[] x, double[] w, double[] mean, double[] scale)
    {
        double s = w[^1];
        for (int j = 0; j < x.Length; j++) s += w[j] * (x[j] - mean[j]) / scale[j];
        return s;
    }

    // Gradient descent on the mean logistic loss + 0.5 * 0.1 |w|^2 (intercept free): convex, so a fixed number of
    // steps from zero gives the same answer every time.
    private static double[] FitLogistic(double[][] x, int[] y, out double[] mean, out double[] scale)
    {
        int n = x.Length, d = x[0].Length;
        mean = new double[d]; scale = new double[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] = x.Average(v => v[j]);
            double m = mean[j];
            scale[j] = Math.Max(Math.Sqrt(x.Average(v => (v[j] - m) * (v[j] - m))), 1e-9);
        }
        var w = new double[d + 1];
        var g = new double[d + 1];
        for (int it = 0; it < 500; it++)
        {
            Array.Clear(g);
            for (int k = 0; k < n; k++)
            {
                double s = Score(x[k], w, mean, scale);
                double p = 1 / (1 + Math.Exp(-s));
                double e = p - y[k];
                for (int j = 0; j < d; j++) g[j] += e * (x[k][j] - mean[j]) / scale[j] / n;
                g[d] += e / n;
            }
            for (int j = 0; j < d; j++) g[j] += 0.1 * w[j];
            for (int j = 0; j <= d; j++) w[j] -= 0.5 * g[j];
        }
        return w;
    }
}
