using MathNet.Numerics.Distributions;
using ZeroShotPK.Evaluation.Diagnostics;

namespace ZeroShotPK.Tests.Diagnostics;

/// <summary>SBC and coverage on a conjugate normal-normal model whose posterior is known exactly.</summary>
public class CalibrationTests
{
    private const int N = 5; // observations per dataset

    // θ ~ N(0, 1), y_j ~ N(θ, 1): posterior N(Σy / (N + 1), 1 / (N + 1)).
    private static SbcResult RunSbc(double shiftInSd, double sdScale, int seed = 11, int datasets = 600) =>
        Sbc.Run(datasets, 99,
            prior: rng => [Normal.Sample(rng, 0, 1)],
            simulator: (theta, rng) => Enumerable.Range(0, N).Select(_ => Normal.Sample(rng, theta[0], 1)).ToArray(),
            posterior: (y, draws, rng) =>
            {
                double sd = Math.Sqrt(1.0 / (N + 1)), mean = y.Sum() / (N + 1) + shiftInSd * sd;
                return Enumerable.Range(0, draws).Select(_ => new[] { Normal.Sample(rng, mean, sd * sdScale) }).ToArray();
            },
            seed: seed, names: ["theta"]);

    [Fact]
    public void ExactPosterior_PassesSbc()
    {
        var r = RunSbc(0, 1);
        Assert.Equal(20, r.Bins);
        Assert.Equal(600, r.Parameters[0].Histogram.Sum());
        Assert.True(r.Passes(), $"p = {r.MinPValue}");
        Assert.True(r.MinPValue > 0.05, $"p = {r.MinPValue}");
        Assert.Equal(r.MinPValue, RunSbc(0, 1).MinPValue); // same seed, same numbers despite Parallel.For
    }

    [Theory]
    [InlineData(1.0, 1.0)]  // biased by one posterior sd
    [InlineData(0.0, 0.5)]  // overconfident
    [InlineData(0.0, 2.0)]  // underconfident
    public void WrongPosterior_FailsSbc(double shift, double scale)
    {
        var r = RunSbc(shift, scale);
        Assert.False(r.Passes());
        Assert.True(r.MinPValue < 1e-6, $"p = {r.MinPValue}");
    }

    [Fact]
    public void ChiSquare_HandComputed()
    {
        // 10 datasets, 1 draw, 2 bins, every truth below its draw: histogram [10, 0] vs expected [5, 5], χ² = 10.
        var truths = Enumerable.Range(0, 10).Select(_ => new[] { 0.0 }).ToArray();
        var draws = Enumerable.Range(0, 10).Select(_ => new[] { new[] { 1.0 } }).ToArray();
        var r = Sbc.Compute(truths, draws, bins: 2).Parameters[0];
        Assert.Equal([10, 0], r.Histogram);
        Assert.Equal(10, r.ChiSquare, 12);
        Assert.Equal(1 - ChiSquared.CDF(1, 10), r.PValue, 12);
        Assert.Equal(0.0015654022580025, r.PValue, 10);
        var e = Assert.Throws<ArgumentException>(() => Sbc.Compute(truths, draws.Take(9).ToArray()));
        Assert.StartsWith("SBC: 10 true parameter vectors but 9 posterior draw sets.", e.Message);
    }

    [Theory]
    [InlineData(600, 99, 20)]
    [InlineData(300, 49, 10)] // 50 rank values: 10 bins of 5, not 20 uneven bins
    [InlineData(40, 9, 5)]    // at most 40/5 = 8 bins, largest divisor of 10 is 5
    [InlineData(1000, 22, 20)] // 23 rank values is prime: no divisor, keep the cap
    public void DefaultBins_PreferEqualRankValuesPerBin(int datasets, int draws, int expected) =>
        Assert.Equal(expected, Sbc.DefaultBins(datasets, draws));

    [Fact]
    public void TwoParameters_OnlyTheBiasedOneRejects()
    {
        var r = Sbc.Run(400, 49,
            prior: rng => [Normal.Sample(rng, 0, 1), Normal.Sample(rng, 0, 1)],
            simulator: (th, rng) => th.Select(t => Normal.Sample(rng, t, 1)).ToArray(),
            posterior: (y, draws, rng) => Enumerable.Range(0, draws)
                .Select(_ => new[] { Normal.Sample(rng, y[0] / 2, Math.Sqrt(0.5)), Normal.Sample(rng, y[1] / 2 + 0.7, Math.Sqrt(0.5)) }).ToArray(),
            seed: 3, names: ["a", "b"]);
        Assert.True(r.Parameters[0].PValue > 0.01, $"p(a) = {r.Parameters[0].PValue}");
        Assert.True(r.Parameters[1].PValue < 1e-6, $"p(b) = {r.Parameters[1].PValue}");
        Assert.False(r.Passes());
    }

    private static CoverageCurve Coverage(double shiftInSd, double sdScale, int seed = 5)
    {
        var rng = new Random(seed);
        var truths = new List<double>();
        var draws = new List<IReadOnlyList<double>>();
        for (int i = 0; i < 2000; i++)
        {
            double theta = Normal.Sample(rng, 0, 1);
            double sum = Enumerable.Range(0, N).Sum(_ => Normal.Sample(rng, theta, 1));
            double sd = Math.Sqrt(1.0 / (N + 1)), mean = sum / (N + 1) + shiftInSd * sd;
            truths.Add(theta);
            draws.Add(Enumerable.Range(0, 200).Select(_ => Normal.Sample(rng, mean, sd * sdScale)).ToArray());
        }
        return CoverageCurve.FromSamples(truths, draws);
    }

    [Fact]
    public void Coverage_NominalForExact_OffForWrong()
    {
        var exact = Coverage(0, 1);
        Assert.All(exact.Points, p => Assert.InRange(p.Empirical - p.Nominal, -3 * p.StandardError - 0.01, 3 * p.StandardError + 0.01));
        Assert.True(exact.MaxAbsoluteError < 0.04, $"{exact.MaxAbsoluteError}");

        // Half the true spread: the 90% interval covers only P(|Z| < 0.8225) = 0.589.
        var over = Coverage(0, 0.5);
        Assert.InRange(over.Points.Single(p => p.Nominal == 0.9).Empirical, 0.55, 0.63);
        var biased = Coverage(1, 1);
        Assert.True(biased.MaxAbsoluteError > 0.1, $"{biased.MaxAbsoluteError}");
        var under = Coverage(0, 2);
        Assert.True(under.Points.Single(p => p.Nominal == 0.5).Empirical > 0.8);
    }
}
