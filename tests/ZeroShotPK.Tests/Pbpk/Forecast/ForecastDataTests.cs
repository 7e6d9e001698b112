using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Forecast;

namespace ZeroShotPK.Tests.Pbpk.Forecast;

public class ForecastDataTests
{
    private static readonly Lazy<ForecastData> Data = new(() => new ForecastData(seed: 11, compounds: 60, individuals: 8));

    [Fact]
    public void Split_HeldOutCompoundsNeverAppearInTrainingCases()
    {
        var d = Data.Value;
        Assert.Empty(d.TrainCompounds.Intersect(d.HeldOutCompounds));
        Assert.Equal(60, d.TrainCompounds.Count + d.HeldOutCompounds.Count);
        Assert.NotEmpty(d.HeldOutCompounds);
        var train = d.Cases(heldOut: false, 0, 200);
        Assert.All(train, c => Assert.False(d.IsHeldOut(c.CompoundIndex)));
        Assert.All(d.Cases(heldOut: true, 0, 50), c => Assert.True(d.IsHeldOut(c.CompoundIndex)));
        // Both species and all three routes occur.
        Assert.Equal(2, train.Select(c => c.Species).Distinct().Count());
        Assert.Equal(3, train.Select(c => c.Doses[0].Route).Distinct().Count());
    }

    [Fact]
    public void SameSeed_SameData_OtherSeedOtherData()
    {
        var a = new ForecastData(seed: 11, compounds: 60, individuals: 8).Cases(false, 5, 20);
        var b = Data.Value.Cases(false, 5, 20);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].CompoundIndex, b[i].CompoundIndex);
            Assert.Equal(a[i].Species, b[i].Species);
            Assert.Equal(a[i].Doses, b[i].Doses);
            Assert.Equal(a[i].LogConcentration, b[i].LogConcentration);
        }
        var c = new ForecastData(seed: 12, compounds: 60, individuals: 8).Cases(false, 5, 20);
        Assert.NotEqual(a.Select(x => x.LogConcentration[3]), c.Select(x => x.LogConcentration[3]));
    }

    [Fact]
    public void Case_IsTheExactSolverProfileOnTheGrid()
    {
        var d = Data.Value;
        var k = d.Case(false, 3);
        Assert.Equal(ForecastData.Grid.Count, k.LogConcentration.Length);
        var reference = PhysiologyTable.Load(k.Species).Reference();
        var kp = PartitionCoefficients.Predict(k.Compound, PartitionMethod.RodgersRowland, reference.Hematocrit);
        var cp = new PbpkModel(k.Individual, k.Compound, reference: reference, kp: kp)
            .Simulate(k.Doses.Select(x => x.ToEvent()), ForecastData.Grid).PlasmaConcentration();
        for (var i = 0; i < cp.Length; i++) Assert.Equal(Math.Log(Math.Max(cp[i], ForecastData.FloorConcentration)), k.LogConcentration[i], 12);
        Assert.All(k.LogConcentration, v => Assert.True(double.IsFinite(v)));
    }
}
