using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Simulation;
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
        // A first dose at steady state (as the priors generate them) voids nothing and is read as trained: no change either.
        var ss = new Individual("b", [Ss(0, 100, 8)], [new Observation(2, 1)]);
        Assert.Same(ss, AicmetTimeline.Of(ss).Individual);
    }

    [Fact]
    public void TheWrittenOutRegimenReproducesTheSteadyStateItStandsFor()
    {
        // One-compartment oral drug, half-life 8 h, dosed every 8 h: six written-out intervals hold all but 2^-6 of
        // the steady state, so the concentrations after the SS dose agree with NONMEM's SS=1 to within 1.6%.
        var p = new PkParameters { CL = 30 * Math.Log(2) / 8, V = 30, Ka = 1.2, F = 1 };
        var model = new PkModel(1);
        var ss = new Individual("s", [DosingEvent.Oral(0, 100), Ss(100, 100, 8)], [new Observation(101, 1)]);
        var tl = AicmetTimeline.Of(ss);
        double[] after = [100.5, 102, 104, 107.9];
        var exact = ClosedFormSolver.Instance.Solve(new PkProblem(model, p, ss.Doses, after)).EnsureSuccess().Concentrations;
        var written = tl.Individual.Doses.Where((d, i) => tl.DoseEnd is null || double.IsPositiveInfinity(tl.DoseEnd[i])).ToArray();
        var approx = ClosedFormSolver.Instance.Solve(new PkProblem(model, p, written.Select(d => d with { ResetBefore = false }),
            after.Select(tl.Warp))).EnsureSuccess().Concentrations;
        for (int i = 0; i < after.Length; i++)
        {
            Assert.True(approx[i] < exact[i]);
            Assert.InRange(approx[i] / exact[i], 1 - Math.Pow(2, -AicmetTimeline.SteadyStateHistory), 1);
        }
    }

    [Fact]
    public void TheWrittenOutRegimenNeverReachesBackPastAnEarlierEvent()
    {
        // A sample 10 h before an SS dose (II 8 h): only one earlier dose fits after it, so the sample still sees the old dose.
        var ind = new Individual("n", [DosingEvent.Oral(0, 50), Ss(100, 100, 8)], [new Observation(90, 2), new Observation(101, 3)]);
        var tl = AicmetTimeline.Of(ind);
        Assert.Equal(new[] { 0, 92, 100.0 }, tl.Individual.Doses.Select(d => d.Time));
        Assert.Equal(new[] { 92, double.PositiveInfinity, double.PositiveInfinity }, tl.DoseEnd);
        Assert.Equal(90, tl.Warp(90));
    }

    [Fact]
    public void SteadyStateDoseVoidsEarlierDosesAndTheDeadGapShrinksToOneInterval()
    {
        // Three doses, a sample at 20 h; months later an SS=1 dose (II 8 h) and two doses, samples at 1002 and 1017 h.
        var ind = new Individual("q",
            [DosingEvent.Oral(0, 100), DosingEvent.Oral(8, 100), DosingEvent.Oral(16, 100), Ss(1000, 200, 8), DosingEvent.Oral(1008, 200)],
            [new Observation(20, 3), new Observation(1002, 5), new Observation(1017, 4)]);
        var tl = AicmetTimeline.Of(ind, [1100]);
        // The SS dose is written out as six doses from 952 h (the reset moves there); the gap 20 -> 952 becomes one
        // interval: 952 -> 28, 1000 -> 76; everything after moves by 924 h, durations inside kept.
        Assert.Equal(76, tl.Warp(1000), 12);
        Assert.Equal(new[] { 0, 8, 16, 28, 36, 44, 52, 60, 68, 76, 84.0 }, tl.Individual.Doses.Select(d => d.Time));
        Assert.Equal(new[] { 20, 78, 93.0 }, tl.Individual.Observations.Select(o => o.Time));
        Assert.Equal(176, tl.Warp(1100), 12);
        Assert.Equal(20 + 480 * 8 / 932.0, tl.Warp(500), 12); // inside the gap: squeezed linearly, still increasing
        Assert.Equal(new[] { 28, 28, 28 }.Select(x => (double)x).Concat(Enumerable.Repeat(double.PositiveInfinity, 8)), tl.DoseEnd);
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
        // Only the SS dose's regimen (six written-out doses and the SS dose) is active at the first sample: log(1 + 7).
        Assert.Equal((float)Math.Log(1 + AicmetTimeline.SteadyStateHistory + 1), ba.Tokens.data<float>()[5 + 7], 6);

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

    [Fact]
    public void ALargeContextIsScaledByQuantilesAndATrainingSizedOneByItsMaxima()
    {
        static Individual Subject(int i, double peak, double last) =>
            new($"c{i}", [DosingEvent.Oral(0, 100)], [new Observation(1, peak), new Observation(last, peak / 4)]);
        var target = new Individual("t", [DosingEvent.Oral(0, 100)], [new Observation(1, 2), new Observation(6, 1)]);
        // 16 individuals (as large as any prior's studies): the authors' maxima, outlier included.
        var small = Enumerable.Range(0, 16).Select(i => Subject(i, i == 0 ? 100 : 3, i == 0 ? 500 : 24)).ToArray();
        var s16 = AicmetTensorizer.ComputeScales(new AicmetTask(small, [target], [1]));
        Assert.Equal(100, s16.Concentration);
        Assert.Equal(500, s16.Time);
        // 40 individuals: peaks 1..40 and spans 10..400 h enter through their 12/13 quantile (type 7), so one extreme
        // routine patient no longer sets the scale of everyone.
        var large = Enumerable.Range(1, 40).Select(i => Subject(i, i, 10 * i)).ToArray();
        var s40 = AicmetTensorizer.ComputeScales(new AicmetTask(large, [target], [1]));
        double q = 1 + 39 * 12 / 13.0;
        Assert.Equal(q, s40.Concentration, 9);
        Assert.Equal(10 * q, s40.Time, 9);
        // The target's own revealed samples and horizon still count in full.
        var high = new Individual("h", [DosingEvent.Oral(0, 100)], [new Observation(1, 90), new Observation(900, 1)]);
        var sHigh = AicmetTensorizer.ComputeScales(new AicmetTask(large, [high], [2]));
        Assert.Equal(90, sHigh.Concentration);
        Assert.Equal(900, sHigh.Time);
    }
}
