using MathNet.Numerics.Distributions;
using ZeroShotPK.Inference;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>SBC rank statistics of one parameter.</summary>
/// <param name="Name">Parameter name.</param>
/// <param name="Ranks">Rank of the true value among the posterior draws, per dataset (0 to draws).</param>
/// <param name="Histogram">Rank counts per bin.</param>
/// <param name="Expected">Expected count per bin under uniform ranks.</param>
/// <param name="ChiSquare">Pearson chi-square statistic of the histogram against <paramref name="Expected"/>.</param>
/// <param name="DegreesOfFreedom">Bins − 1.</param>
/// <param name="PValue">Upper-tail chi-square p-value: small means the ranks are not uniform (miscalibrated posterior).</param>
public sealed record SbcParameterResult(string Name, int[] Ranks, int[] Histogram, double[] Expected,
    double ChiSquare, int DegreesOfFreedom, double PValue);

/// <summary>Result of simulation-based calibration over all parameters.</summary>
/// <param name="Datasets">Number of simulated datasets.</param>
/// <param name="Draws">Posterior draws per dataset (ranks run from 0 to this).</param>
/// <param name="Bins">Histogram bins.</param>
/// <param name="Parameters">Per-parameter statistics.</param>
public sealed record SbcResult(int Datasets, int Draws, int Bins, IReadOnlyList<SbcParameterResult> Parameters)
{
    /// <summary>Smallest p-value over the parameters.</summary>
    public double MinPValue => Parameters.Min(p => p.PValue);

    /// <summary>True when no parameter rejects uniformity at <paramref name="alpha"/> (Bonferroni-corrected over parameters).</summary>
    public bool Passes(double alpha = 0.01) => MinPValue >= alpha / Parameters.Count;
}

/// <summary>
/// Simulation-based calibration (Talts et al. 2018): for datasets simulated from the prior, the rank of the true
/// parameter among posterior draws is uniform if and only if the posterior sampler is calibrated on average.
/// </summary>
public static class Sbc
{
    /// <summary>Rank of <paramref name="truth"/>: the number of draws strictly below it.</summary>
    public static int Rank(double truth, IEnumerable<double> draws) => draws.Count(d => d < truth);

    /// <summary>Rank histograms and chi-square uniformity tests.</summary>
    /// <param name="trueParameters">[dataset][parameter] values drawn from the prior.</param>
    /// <param name="posteriorDraws">[dataset][draw][parameter] posterior draws given the data simulated from each truth.</param>
    /// <param name="names">Parameter names (default θ0, θ1, ...).</param>
    /// <param name="bins">Histogram bins (default <see cref="DefaultBins"/>).</param>
    /// <exception cref="ArgumentException">Inconsistent shapes, fewer than 2 datasets, or bins outside [2, draws+1].</exception>
    public static SbcResult Compute(IReadOnlyList<double[]> trueParameters, IReadOnlyList<double[][]> posteriorDraws,
        IReadOnlyList<string>? names = null, int? bins = null)
    {
        int n = trueParameters.Count;
        if (n < 2) throw new ArgumentException($"SBC needs at least 2 datasets, got {n}.", nameof(trueParameters));
        if (posteriorDraws.Count != n)
            throw new ArgumentException($"SBC: {n} true parameter vectors but {posteriorDraws.Count} posterior draw sets.", nameof(posteriorDraws));
        int dim = trueParameters[0].Length;
        int draws = posteriorDraws[0].Length;
        if (dim == 0) throw new ArgumentException("SBC: parameter vectors are empty.", nameof(trueParameters));
        if (draws == 0) throw new ArgumentException("SBC: dataset 0 has no posterior draws.", nameof(posteriorDraws));
        for (int i = 0; i < n; i++)
        {
            if (trueParameters[i].Length != dim)
                throw new ArgumentException($"SBC: dataset {i} has {trueParameters[i].Length} true parameters, expected {dim}.", nameof(trueParameters));
            if (posteriorDraws[i].Length != draws)
                throw new ArgumentException($"SBC: dataset {i} has {posteriorDraws[i].Length} draws, expected {draws} (ranks need the same count everywhere).", nameof(posteriorDraws));
            for (int d = 0; d < draws; d++)
                if (posteriorDraws[i][d].Length != dim)
                    throw new ArgumentException($"SBC: dataset {i} draw {d} has {posteriorDraws[i][d].Length} parameters, expected {dim}.", nameof(posteriorDraws));
        }
        if (names is not null && names.Count != dim)
            throw new ArgumentException($"SBC: {names.Count} names for {dim} parameters.", nameof(names));
        int b = bins ?? DefaultBins(n, draws);
        if (b < 2 || b > draws + 1) throw new ArgumentException($"SBC: bins must be in [2, {draws + 1}], got {b}.", nameof(bins));

        // Ranks 0..draws map to bins rank*b/(draws+1); expected counts follow how many rank values each bin holds.
        var expected = new double[b];
        for (int r = 0; r <= draws; r++) expected[(int)((long)r * b / (draws + 1))] += n / (double)(draws + 1);

        var results = new List<SbcParameterResult>();
        for (int k = 0; k < dim; k++)
        {
            var ranks = new int[n];
            var hist = new int[b];
            for (int i = 0; i < n; i++)
            {
                int kk = k;
                ranks[i] = Rank(trueParameters[i][k], posteriorDraws[i].Select(d => d[kk]));
                hist[(int)((long)ranks[i] * b / (draws + 1))]++;
            }
            double chi = 0;
            for (int j = 0; j < b; j++) chi += (hist[j] - expected[j]) * (hist[j] - expected[j]) / expected[j];
            double p = 1 - ChiSquared.CDF(b - 1, chi);
            results.Add(new SbcParameterResult(names?[k] ?? $"θ{k}", ranks, hist, expected, chi, b - 1, p));
        }
        return new SbcResult(n, draws, b, results);
    }

    /// <summary>
    /// Default bin count: at most 20 and at most datasets/5 (about 5 expected per bin), preferring a divisor of
    /// draws+1 so every bin holds the same number of rank values (a flat expected line).
    /// </summary>
    public static int DefaultBins(int datasets, int draws)
    {
        int cap = Math.Max(2, Math.Min(Math.Min(20, draws + 1), datasets / 5));
        for (int b = cap; b >= 2; b--) if ((draws + 1) % b == 0) return b;
        return cap;
    }

    /// <summary>SBC of a method's declared parameter posterior (<see cref="IPredictor.ParameterPosterior"/>); see the general overload.</summary>
    /// <param name="posterior">Prior, simulator and posterior of one individual's parameters.</param>
    /// <param name="datasets">Number of datasets.</param>
    /// <param name="draws">Posterior draws per dataset.</param>
    /// <param name="seed">Base seed.</param>
    public static SbcResult Run(IParameterPosterior posterior, int datasets, int draws, int seed) =>
        Run(datasets, draws, posterior.DrawPrior, posterior.Simulate, posterior.DrawPosterior, seed, posterior.ParameterNames);

    /// <summary>
    /// Runs SBC end to end: for each dataset draw θ from the prior, simulate data, draw from the posterior, rank.
    /// Each dataset gets its own <see cref="StableRandom"/> keyed (<paramref name="seed"/>, index), so results do
    /// not depend on scheduling. Datasets run in parallel, so the delegates must not share mutable state.
    /// </summary>
    /// <typeparam name="TData">Simulated data type.</typeparam>
    /// <param name="datasets">Number of datasets.</param>
    /// <param name="draws">Posterior draws per dataset.</param>
    /// <param name="prior">Draws a parameter vector.</param>
    /// <param name="simulator">Simulates data given parameters.</param>
    /// <param name="posterior">Draws <paramref name="draws"/> parameter vectors given data.</param>
    /// <param name="seed">Base seed.</param>
    /// <param name="names">Parameter names.</param>
    /// <param name="bins">Histogram bins (see <see cref="Compute"/>).</param>
    public static SbcResult Run<TData>(int datasets, int draws, Func<Random, double[]> prior,
        Func<double[], Random, TData> simulator, Func<TData, int, Random, double[][]> posterior, int seed,
        IReadOnlyList<string>? names = null, int? bins = null)
    {
        if (datasets < 2) throw new ArgumentOutOfRangeException(nameof(datasets), datasets, "SBC needs at least 2 datasets.");
        if (draws < 1) throw new ArgumentOutOfRangeException(nameof(draws), draws, "SBC needs at least 1 posterior draw.");
        var truths = new double[datasets][];
        var post = new double[datasets][][];
        Parallel.For(0, datasets, i =>
        {
            var rng = StableRandom.For(seed, i);
            truths[i] = prior(rng);
            post[i] = posterior(simulator(truths[i], rng), draws, rng);
        });
        return Compute(truths, post, names, bins);
    }
}
