using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Training;
using static TorchSharp.torch;

namespace ZeroShotPK.Tests.Models;

[Collection(TorchCollection.Name)]
public class AicmetTimelineTests
{
    private static DosingEvent Ss(double t, double amount, double ii) => DosingEvent.Oral(t, amount) with { SteadyStateInterval = ii };

    [Fact]
    public void RecordsWithoutResetsPassThroughUntouched()
    {
        var ind = new Individual("a", [DosingEvent.Oral(0, 100), DosingEvent.Oral(12, 100)], [new Observation(1, 2), new Observation(30, 1)]);
        var tl = AicmetTimeline.Of(ind);
        Assert.Same(ind, tl.Individual);
        Assert.Null(tl.DoseEnd);
        Assert.Equal(30, tl.Warp(30));
        // A first dose at steady state voids nothing: no change either.
        var ss = new Individual("b", [Ss(0, 100, 8)], [new Observation(2, 1)]);
        Assert.Same(ss, AicmetTimeline.Of(ss).Individual);
    }

    [Fact]
    public void SteadyStateDoseVoidsEarlierDosesAndTheDeadGapShrinksToOneInterval()
    {
        // Three doses, a sample at 20 h; months later an SS=1 dose (II 8 h) and two doses, samples at 1002 and 1017 h.
        var ind = new Individual("q",
            [DosingEvent.Oral(0, 100), DosingEvent.Oral(8, 100), DosingEvent.Oral(16, 100), Ss(1000, 200, 8), DosingEvent.Oral(1008, 200)],
            [new Observation(20, 3), new Observation(1002, 5), new Observation(1017, 4)]);
        var tl = AicmetTimeline.Of(ind, [1100]);
        // Gap 20 -> 1000 becomes one interval: 1000 -> 28; everything after moves by 972 h, durations inside kept.
        Assert.Equal(28, tl.Warp(1000), 12);
        Assert.Equal(new[] { 0, 8, 16, 28, 36.0 }, tl.Individual.Doses.Select(d => d.Time));
        Assert.Equal(new[] { 20, 30, 45.0 }, tl.Individual.Observations.Select(o => o.Time));
        Assert.Equal(128, tl.Warp(1100), 12);
        Assert.Equal(20 + 480 * 8 / 980.0, tl.Warp(500), 12); // inside the gap: squeezed linearly, still increasing
        Assert.Equal(new[] { 28, 28, 28, double.PositiveInfinity, double.PositiveInfinity }, tl.DoseEnd);
    }

    [Fact]
    public void AnEvid4ResetKeepsAtMostTheLengthOfTheSegmentBeforeIt()
    {
        // A crossover: 24 h occasion, a 2-week washout, then a reset dose (EVID 4).
        var ind = new Individual("x", [DosingEvent.Oral(0, 100), DosingEvent.Oral(360, 100) with { ResetBefore = true }],
            [new Observation(1, 2), new Observation(24, 0.5), new Observation(361, 2)]);
        var tl = AicmetTimeline.Of(ind);
        Assert.Equal(48, tl.Warp(360), 12);
        Assert.Equal(new[] { 48.0, double.PositiveInfinity }, tl.DoseEnd);
    }

    [Fact]
    public void DoseFeaturesAndTheBackboneIgnoreDosesBeforeAReset()
    {
        // Two targets that differ only in the amounts given before an SS=1 dose, with no sample before it: everything
        // after the reset must be identical, in the inputs and in the transformer's prediction.
        Individual Target(double early) => new("t",
            [DosingEvent.Oral(0, early), DosingEvent.Oral(8, early), Ss(500, 200, 8), DosingEvent.Oral(508, 200)],
            [new Observation(502, 5), new Observation(509, 6), new Observation(514, 4)]);
        var ctx = new Individual("c", [Ss(0, 200, 8)], [new Observation(1, 4), new Observation(6, 3)]);
        var a = new AicmetTask([ctx], [Target(10)], [2]);
        var b = new AicmetTask([ctx], [Target(150)], [2]);
        using var ba = AicmetTensorizer.Build([a]);
        using var bb = AicmetTensorizer.Build([b]);
        Assert.Equal(ba.TimeScale[0], bb.TimeScale[0]);
        Assert.Equal(ba.Queries.data<float>().ToArray(), bb.Queries.data<float>().ToArray());
        Assert.Equal(ba.Tokens.data<float>().ToArray(), bb.Tokens.data<float>().ToArray());
        // Only one dose (the SS dose) is active at the first sample: log(1 + 1).
        Assert.Equal((float)Math.Log(2), ba.Tokens.data<float>()[5 + 7], 6);

        manual_seed(3);
        using var model = AicmetModel.Create(AicmetConfig.TransformerSmall.Architecture);
        model.eval();
        using var _ = no_grad();
        using var ga = new Generator(7);
        using var gb = new Generator(7);
        var (mua, sa) = model.Predict(ba, 4, ga);
        var (mub, sb) = model.Predict(bb, 4, gb);
        using (mua) using (mub) using (sa) using (sb)
        {
            Assert.Equal(mua.data<float>().ToArray(), mub.data<float>().ToArray());
            Assert.Equal(sa.data<float>().ToArray(), sb.data<float>().ToArray());
        }
    }
}
