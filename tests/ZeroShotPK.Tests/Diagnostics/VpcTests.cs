using MathNet.Numerics.Statistics;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation.Diagnostics;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Diagnostics;

public class VpcTests
{
    // One bin per design time.
    private static readonly VpcOptions PerTime = new() { BinEdges = [0, 0.75, 1.5, 2.5, 3.5, 5, 7, 10, 18, 30] };

    private static IReadOnlyList<Study> Replicates(int count, double cl, double? lloq = null, double doseOmega = 0) =>
        Enumerable.Range(0, count).Select(r => Fixtures.OralStudy(40, 1000 + r, cl: cl, lloq: lloq, doseOmega: doseOmega)).ToList();

    [Fact]
    public void RightModel_ObservedPercentilesInsideBands_WrongModelOutside()
    {
        var observed = Fixtures.OralStudy(40, 1);
        var right = Vpc.Compute(observed, Replicates(100, cl: 2), PerTime);
        var wrong = Vpc.Compute(observed, Replicates(100, cl: 4), PerTime);
        Assert.Equal(9, right.Bins.Count);
        Assert.True(right.OutsideCount <= 3, $"right model: {right.OutsideCount} of 27 cells outside");
        Assert.True(wrong.OutsideCount >= 12, $"wrong model: {wrong.OutsideCount} of 27 cells outside");
    }

    [Fact]
    public void ObservedPercentiles_AreR7QuantilesPerBin()
    {
        var observed = Fixtures.OralStudy(40, 1);
        var vpc = Vpc.Compute(observed, Replicates(20, cl: 2), PerTime);
        var at4 = observed.Individuals.Select(i => i.Observations.Single(o => o.Time == 4).Value).Order().ToArray();
        var bin = vpc.Bins.Single(b => b.MidTime == 4);
        Assert.Equal(40, bin.ObservedCount);
        Assert.Equal(SortedArrayStatistics.QuantileCustom(at4, 0.05, QuantileDefinition.R7), bin.Observed[0], 12);
        Assert.Equal(SortedArrayStatistics.Median(at4), bin.Observed[1], 12);
        Assert.True(bin.Simulated[0].Lower <= bin.Simulated[0].Median && bin.Simulated[0].Median <= bin.Simulated[0].Upper);
    }

    [Fact]
    public void QuantileBins_SplitTimesEvenly()
    {
        var observed = Fixtures.OralStudy(10, 1);
        var vpc = Vpc.Compute(observed, Replicates(5, cl: 2).Select(s => new Study(s.Name, s.Individuals.Take(10))).ToList(), new VpcOptions { BinCount = 3 });
        // 90 times, 9 design points: R7 tertiles of the times are 2.667 and 6.667, so each bin holds three design times.
        Assert.Equal([0.5, 2 + 2 / 3.0, 6 + 2 / 3.0], vpc.Bins.Select(b => b.Lower), new RoundedComparer());
        Assert.Equal([30, 30, 30], vpc.Bins.Select(b => b.ObservedCount));
    }

    [Fact]
    public void Blq_FractionPerBinAndCensoredPercentiles()
    {
        const double lloq = 0.5;
        var observed = Fixtures.OralStudy(40, 1, lloq: lloq);
        var vpc = Vpc.Compute(observed, Replicates(100, cl: 2, lloq: lloq), PerTime);
        Assert.Equal(lloq, vpc.Lloq);
        var last = vpc.Bins[^1];
        int blq24 = observed.Individuals.Count(i => i.Observations.Single(o => o.Time == 24).IsBlq);
        Assert.Equal(blq24 / 40.0, last.ObservedBlqFraction, 12);
        Assert.True(blq24 >= 3, $"fixture should put some 24 h samples below LLOQ, got {blq24}");
        Assert.True(last.ObservedCensored[0]); // P5 falls among BLQ samples
        Assert.Equal(lloq, last.Observed[0]);
        Assert.False(vpc.Bins[3].ObservedCensored[0]); // no BLQ at 3 h
        Assert.Equal(0, vpc.Bins[3].ObservedBlqFraction);
        Assert.True(last.SimulatedBlqFraction.Contains(last.ObservedBlqFraction));
        Assert.True(vpc.OutsideCount <= 3, $"{vpc.OutsideCount}");
    }

    [Fact]
    public void Blq_WithoutLloq_IsAnError()
    {
        var s = new Study("x", [new Individual("1", [DosingEvent.Oral(0, 1)], [new Observation(1, 0, IsBlq: true), new Observation(2, 1)])]);
        var e = Assert.Throws<ArgumentException>(() => Vpc.Compute(s, [s, s]));
        Assert.StartsWith("study 'x' has BLQ samples but no LLOQ is recorded; set VpcOptions.Lloq.", e.Message);
    }

    [Fact]
    public void PredictionCorrected_ScalesByPredBinOverPred()
    {
        // Doses vary 3-fold between individuals: prediction correction removes that spread.
        var observed = Fixtures.OralStudy(40, 1, doseOmega: 0.5);
        var pred = observed.Individuals.ToDictionary(i => i.Id, i =>
        {
            var m = Fixtures.Design.Select(t => Fixtures.OneCompartmentOral(t, i.Doses[0].Amount, 2, 20, 1.2)).ToArray();
            return new Prediction("typical", Fixtures.Design, m, m, m);
        });
        var options = new VpcOptions { BinEdges = [0, 2.5, 30], PredictionCorrected = true };
        var doses = observed.Individuals.Select(i => i.Doses[0].Amount).ToArray();
        var reps = Enumerable.Range(0, 50).Select(r => Fixtures.OralStudy(40, 1000 + r, doses: doses)).ToList();
        var vpc = Vpc.Compute(observed, reps, options, pred);
        var plain = Vpc.Compute(observed, reps, options with { PredictionCorrected = false });
        Assert.True(vpc.PredictionCorrected);
        // One observed point by hand: pcDV = DV * median(PRED in bin) / PRED.
        var ind = observed.Individuals[0];
        var o = ind.Observations.Single(x => x.Time == 4);
        var predBin = Statistics.Median(observed.Individuals.SelectMany(i => i.Observations.Where(x => x.Time >= 2.5).Select(x => pred[i.Id].Median[Array.IndexOf(Fixtures.Design, x.Time)])));
        double expected = o.Value * predBin / pred[ind.Id].Median[Array.IndexOf(Fixtures.Design, 4.0)];
        Assert.Contains(vpc.ObservedPoints, p => p.Time == 4 && Math.Abs(p.Value - expected) < 1e-9);
        Assert.True(vpc.OutsideCount <= 1, $"{vpc.OutsideCount}");
        // Correction narrows the spread of the late bin (dose variability removed): P95/P5 ratio shrinks.
        Assert.True(vpc.Bins[1].Observed[2] / vpc.Bins[1].Observed[0] < plain.Bins[1].Observed[2] / plain.Bins[1].Observed[0]);

        var e = Assert.Throws<ArgumentException>(() => Vpc.Compute(observed, Replicates(2, cl: 2), options));
        Assert.StartsWith("a prediction-corrected VPC needs population predictions", e.Message);
    }

    [Fact]
    public void ReplicatesFromPredictions_OneStudyPerSampleTrajectory()
    {
        var observed = Fixtures.OralStudy(3, 1);
        var preds = observed.Individuals.ToDictionary(i => i.Id, i =>
        {
            double[] t = [1, 2];
            return new Prediction("m", t, [1, 1], [0.5, 0.5], [2, 2], [[1, 2], [3, 4], [5, 6]]);
        });
        var reps = Vpc.ReplicatesFromPredictions(observed, preds);
        Assert.Equal(3, reps.Count);
        Assert.Equal([3.0, 4.0], reps[1]["2"].Observations.Select(o => o.Value));
        Assert.Equal(observed.Individuals[2].Doses, reps[2]["3"].Doses);
        preds["2"] = new Prediction("m", [1.0], [1], [1], [1]);
        var e = Assert.Throws<ArgumentException>(() => Vpc.ReplicatesFromPredictions(observed, preds));
        Assert.Equal("prediction 'm' for individual '2' has no sample trajectories; a VPC needs them. (Parameter 'predictions')", e.Message);
    }

    private sealed class RoundedComparer : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) < 1e-9;
        public int GetHashCode(double x) => 0;
    }
}
