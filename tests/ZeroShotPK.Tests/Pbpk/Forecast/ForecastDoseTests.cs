using ZeroShotPK.Data;
using ZeroShotPK.Pbpk.Forecast;

namespace ZeroShotPK.Tests.Pbpk.Forecast;

public class ForecastDoseTests
{
    [Fact]
    public void FromEvent_MapsTheThreeTrainedRoutesAndRoundTripsThroughToEvent()
    {
        Assert.Equal(new ForecastDose(1, 100, ForecastRoute.Oral), ForecastDose.FromEvent(DosingEvent.Oral(1, 100)));
        Assert.Equal(new ForecastDose(0, 5, ForecastRoute.IvBolus), ForecastDose.FromEvent(DosingEvent.Bolus(0, 5)));
        Assert.Equal(new ForecastDose(12, 50, ForecastRoute.Infusion, 2), ForecastDose.FromEvent(DosingEvent.Infusion(12, 50, 2)));
        foreach (var e in new[] { DosingEvent.Oral(1, 100), DosingEvent.Bolus(0, 5), DosingEvent.Infusion(12, 50, 2) })
            Assert.Equal(e, ForecastDose.FromEvent(e)!.ToEvent());
    }

    [Fact]
    public void FromEvent_RefusesWhatTheForecasterWasNotTrainedOn()
    {
        Assert.Null(ForecastDose.FromEvent(new DosingEvent(0, 10, Route.OralInfusion, 1)));
        Assert.Null(ForecastDose.FromEvent(DosingEvent.Oral(0, 10) with { SteadyStateInterval = 12 }));
    }

    [Theory]
    [InlineData("oral", ForecastRoute.Oral)]
    [InlineData(" PO ", ForecastRoute.Oral)]
    [InlineData("iv", ForecastRoute.IvBolus)]
    [InlineData("Bolus", ForecastRoute.IvBolus)]
    [InlineData("infusion", ForecastRoute.Infusion)]
    [InlineData("im", null)]
    [InlineData("", null)]
    public void ParseRoute_TakesTheCommandLineNames(string name, ForecastRoute? expected) => Assert.Equal(expected, ForecastDose.ParseRoute(name));
}
