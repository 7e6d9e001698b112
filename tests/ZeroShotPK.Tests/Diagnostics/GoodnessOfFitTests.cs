using MathNet.Numerics.Distributions;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation.Diagnostics;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Diagnostics;

public class GoodnessOfFitTests
{
    private static Individual Ind(string id, params (double T, double C)[] obs) =>
        new(id, [DosingEvent.Bolus(0, 100)], obs.Select(o => new Observation(o.T, o.C)));

    [Fact]
    public void HandComputedMetrics_QuantilePit()
    {
        // Observations at the median, at the upper and at the lower 90% ends: PIT 0.5, 0.95, 0.05.
        var a = Ind("a", (1, 4), (2, 4), (3, 1));
        var pa = new Prediction("m", [1, 2, 3], [4, 2, 2], [2, 1, 1], [8, 4, 4]);
        var b = Ind("b", (0.5, 9), (1, 3)); // t=0.5 is context: not predicted, not scored
        var pb = new Prediction("m", [1], [1], [0.5], [2]);
        var gof = GoodnessOfFit.Compute([(a, pa), (b, pb)]);

        Assert.Equal(4, gof.Points.Count);
        Assert.Equal([0.5, 0.95, 0.05], gof.Points.Take(3).Select(p => Math.Round(p.Pit!.Value, 10)));
        Assert.Equal(Normal.InvCDF(0, 1, 0.95), gof.Points[1].Npd!.Value, 10);
        double[] r = [0, Math.Log(2), Math.Log(0.5), Math.Log(3)];
        var s = gof.Summary;
        Assert.Equal(Math.Sqrt(r.Average(x => x * x)), s.PooledLogRmse, 12);
        Assert.Equal(r.Average(), s.Bias, 12);
        Assert.Equal((Math.Sqrt((r[1] * r[1] + r[2] * r[2]) / 3) + Math.Log(3)) / 2, s.MeanIndividualLogRmse, 12);
        Assert.Equal(0.75, s.Coverage90); // t=3 exactly at lower bound counts as inside; b's 3 > 2 is outside
        Assert.Equal((6 + 3 + 3 + 1.5) / 4, s.MeanIntervalWidth, 12);
        Assert.Equal(PitSource.LogNormalFromQuantiles, s.PitSource);
        Assert.True(Normal.CDF(0, 1, Math.Log(3) / (Math.Log(2) / Normal.InvCDF(0, 1, 0.95))) - gof.Points[3].Pit!.Value is > -1e-12 and < 1e-12);
    }

    [Fact]
    public void SamplePit_IsEmpiricalCdfWithHalfTies()
    {
        var samples = Enumerable.Range(1, 100).Select(k => new double[] { k }).ToArray();
        var p = new Prediction("m", [1], [50.5], [5], [95], samples);
        var gof = GoodnessOfFit.Compute([(Ind("a", (1, 50.5)), p)]);
        Assert.Equal(0.5, gof.Points[0].Pit);
        gof = GoodnessOfFit.Compute([(Ind("a", (1, 10)), p)]);
        Assert.Equal(0.095, gof.Points[0].Pit!.Value, 12); // 9 below, 1 tie
        Assert.Equal(PitSource.Samples, gof.Summary.PitSource);
    }

    [Fact]
    public void CalibratedLogNormalPredictions_NominalCoverageAndZeroBias()
    {
        var rng = new Random(7);
        var pairs = new List<(Individual, Prediction)>();
        double[] times = [1, 2, 4, 8];
        for (int i = 0; i < 300; i++)
        {
            var median = times.Select(t => 10 * Math.Exp(-0.2 * t)).ToArray();
            var obs = median.Select(m => m * Math.Exp(Normal.Sample(rng, 0, 0.4))).ToArray();
            var samples = Enumerable.Range(0, 200).Select(_ => median.Select(m => m * Math.Exp(Normal.Sample(rng, 0, 0.4))).ToArray()).ToArray();
            double z = Normal.InvCDF(0, 1, 0.95);
            pairs.Add((Ind($"{i}", times.Select((t, j) => (t, obs[j])).ToArray()),
                new Prediction("exact", times, median, median.Select(m => m * Math.Exp(-0.4 * z)).ToArray(), median.Select(m => m * Math.Exp(0.4 * z)).ToArray(), samples)));
        }
        var s = GoodnessOfFit.Compute(pairs).Summary;
        Assert.Equal(1200, s.Count);
        Assert.InRange(s.Coverage90, 0.88, 0.92);
        Assert.InRange(s.Bias, -0.04, 0.04);
        Assert.InRange(s.PooledLogRmse, 0.37, 0.43); // sigma = 0.4
        Assert.Equal(2 * 0.4 * Normal.InvCDF(0, 1, 0.95), s.MeanLogIntervalWidth, 10);
        var curve = CoverageCurve.FromPredictions(pairs);
        Assert.All(curve.Points, p => Assert.InRange(p.Empirical - p.Nominal, -3 * p.StandardError, 3 * p.StandardError));
    }

    [Fact]
    public void BlqShownButNotScored_AndBadInputIsNamed()
    {
        var a = new Individual("a", [DosingEvent.Bolus(0, 1)], [new Observation(1, 2), new Observation(2, 0.1, 0.1, true)]);
        var p = new Prediction("m", [1, 2], [2, 0.5], [1, 0.2], [4, 1]);
        var gof = GoodnessOfFit.Compute([(a, p)]);
        Assert.Equal(1, gof.Summary.Count);
        Assert.Equal(1, gof.Summary.BlqCount);
        Assert.Null(gof.Points[1].Pit);
        Assert.True(double.IsNaN(gof.Points[1].LogResidual));

        var missing = new Prediction("m", [1, 3], [2, 1], [1, 0.5], [4, 2]);
        var e = Assert.Throws<ArgumentException>(() => GoodnessOfFit.Compute([(a, missing)]));
        Assert.StartsWith("individual 'a': prediction 'm' has query time 3 but no observation there", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => GoodnessOfFit.Compute([(a, p), (a, new Prediction("n", [1], [1], [1], [1]))]));
        Assert.StartsWith("goodness of fit mixes methods 'm' and 'n'", e2.Message);
    }
}
