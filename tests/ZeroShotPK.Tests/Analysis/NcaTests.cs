using ZeroShotPK.Data;
using ZeroShotPK.Analysis;

namespace ZeroShotPK.Tests.Analysis;

public class NcaTests
{
    [Fact]
    public void MonoExponentialDecay_AucHalfLifeExact()
    {
        // C = 10 exp(-0.2 t): the log-down trapezoid is exact for exponential decay.
        double[] t = [0.5, 1, 2, 4, 6, 8, 12, 24];
        var c = t.Select(x => 10 * Math.Exp(-0.2 * x)).ToArray();
        var r = Nca.Compute(t, c);
        Assert.Equal(10 * Math.Exp(-0.1), r.Cmax, 12);
        Assert.Equal(0.5, r.Tmax);
        Assert.Equal(50 * (Math.Exp(-0.1) - Math.Exp(-4.8)), r.AucLast, 10);
        Assert.Equal(0.2, r.LambdaZ, 10);
        Assert.Equal(Math.Log(2) / 0.2, r.HalfLife, 9);
        Assert.Equal(50 * Math.Exp(-0.1), r.AucInf, 9);
        Assert.Equal(7, r.TerminalPoints); // exact fit everywhere: ties go to the most points
        Assert.Equal(24, r.Tlast);
    }

    [Fact]
    public void ReplicateSamplesAtOneTimeAreAveraged()
    {
        // Duplicate assays at 1 h (as in mavoglurant id 829): one point at their mean; a BLQ replicate beside a value is ignored.
        var ind = new Individual("r", [DosingEvent.Bolus(0, 100)],
        [
            new Observation(0.5, 8), new Observation(1, 6), new Observation(1, 4), new Observation(2, 2.5),
            new Observation(2, 0.1, 0.1, true), new Observation(4, 1),
        ]);
        var r = Nca.Compute(ind);
        var expected = Nca.Compute([0.5, 1, 2, 4], [8, 5, 2.5, 1]);
        Assert.Equal(expected.AucLast, r.AucLast, 12);
        Assert.Equal(expected.LambdaZ, r.LambdaZ, 12);
    }

    [Fact]
    public void OralOneCompartment_MatchesClosedFormWithinOnePercent()
    {
        double dose = 100, cl = 2, v = 20, ka = 1.5, ke = cl / v;
        double[] t = [0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48];
        var c = t.Select(x => Diagnostics.Fixtures.OneCompartmentOral(x, dose, cl, v, ka)).ToArray();
        var r = Nca.Compute(t, c);
        // AUC 0-inf = dose/CL = 50; the profile starts at 0.25 h, so add the exact 0-0.25 h area.
        double auc0 = dose * ka / (v * (ka - ke)) * ((1 - Math.Exp(-ke * 0.25)) / ke - (1 - Math.Exp(-ka * 0.25)) / ka);
        Assert.Equal(dose / cl, auc0 + r.AucInf, 50 * 0.01);
        Assert.Equal(Math.Log(2) / ke, r.HalfLife, Math.Log(2) / ke * 0.01);
        double tmaxTrue = Math.Log(ka / ke) / (ka - ke); // 1.934 h; the sample grid puts it at 2 h
        Assert.Equal(2.0, r.Tmax);
        Assert.InRange(tmaxTrue, 1.5, 2.5);
    }

    [Fact]
    public void Individual_LeadingBlqIsZero_TrailingBlqDropped()
    {
        var ind = new Individual("1", [DosingEvent.Oral(0, 100)],
        [
            new Observation(0, 0.1, 0.1, true), new Observation(1, 4), new Observation(2, 8), new Observation(4, 4),
            new Observation(6, 2), new Observation(8, 1), new Observation(10, 0.1, 0.1, true),
        ]);
        var r = Nca.Compute(ind);
        Assert.Equal(8, r.Tlast);
        // 0-1 linear (0 to 4) = 2; 1-2 linear up = 6; then halving every 2 h: log-down 2 h segments.
        double down = (8 - 4) * 2 / Math.Log(2) + (4 - 2) * 2 / Math.Log(2) + (2 - 1) * 2 / Math.Log(2);
        Assert.Equal(2 + 6 + down, r.AucLast, 10);
        Assert.Equal(Math.Log(2) / 2, r.LambdaZ, 10);
    }

    [Fact]
    public void BadInput_NamesThePoint()
    {
        var e = Assert.Throws<ArgumentException>(() => Nca.Compute([0, 2, 1], [1, 2, 3]));
        Assert.StartsWith("NCA: times must be strictly increasing, but t[2]=1 follows t[1]=2.", e.Message);
        var nan = Nca.Compute([1, 2, 3], [5, 6, 7]);
        Assert.True(double.IsNaN(nan.HalfLife));
        Assert.Equal(0, nan.TerminalPoints);
    }

    [Fact]
    public void StartingEstimates_IvHalvingProfile()
    {
        // IV, C halves every hour from 8 at 1 h: the curve starts at the first sample (8) at the dose, linear trapezoid
        // 8 + 6 + 3 = 17, λz = ln 2, AUC(0-inf) = 17 + 2 / ln 2, CL = 100 / that, V = CL / ln 2, Ka = max(2 ln 2, 3 / 1).
        var e = Nca.StartingEstimates([-0.5, 0, 1, 2, 3], [0.5, 9, 8, 4, 2], 100, oral: false)!.Value;
        double cl = 100 / (17 + 2 / Math.Log(2));
        Assert.Equal(5.028817618802232, cl, 14);
        Assert.Equal(cl, e.CL, 14);
        Assert.Equal(cl / Math.Log(2), e.V, 13);
        Assert.Equal(3, e.Ka, 14);
    }

    [Fact]
    public void StartingEstimates_OralStartsAtZeroAndSkipsNonPositiveSamples()
    {
        // Oral: the first segment rises from 0 (4 instead of the IV 8), so AUC(0-last) = 13; the zero sample is ignored.
        var e = Nca.StartingEstimates([1, 2, 2.5, 3], [8, 4, 0, 2], 100, oral: true)!.Value;
        double cl = 100 / (13 + 2 / Math.Log(2));
        Assert.Equal(6.295092502305602, cl, 14);
        Assert.Equal(cl, e.CL, 14);
        Assert.Equal(cl / Math.Log(2), e.V, 13);
        Assert.Equal(3, e.Ka, 14);
    }

    [Fact]
    public void StartingEstimates_RisingTailFallsBackAndTooFewPointsGiveNull()
    {
        // Still rising at the end: λz = ln 2 / last time (4 h); Tmax = 4 so Ka = max(2 ln2 / 4, 3 / 4) = 0.75.
        var e = Nca.StartingEstimates([1, 2, 4], [1, 2, 3], 10, oral: true)!.Value;
        double lz = Math.Log(2) / 4, auc = 0.5 + 1.5 + 5;
        Assert.Equal(10 / (auc + 3 / lz), e.CL, 14);
        Assert.Equal(e.CL / lz, e.V, 12);
        Assert.Equal(0.75, e.Ka, 14);
        Assert.Null(Nca.StartingEstimates([0, 1, 2], [5, 4, 3], 10, oral: false));
        Assert.Throws<ArgumentException>(() => Nca.StartingEstimates([1, 2], [1], 10, oral: true));
    }
}
