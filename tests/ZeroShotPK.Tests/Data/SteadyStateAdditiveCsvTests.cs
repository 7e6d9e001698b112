using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Data;

public class SteadyStateAdditiveCsvTests
{
    [Fact]
    public void SsTwoRowsAreReadAsAdditiveSteadyStateAndWrittenBack()
    {
        const string csv = "ID,TIME,DV,AMT,EVID,MDV,CMT,SS,II\n1,0,.,100,1,1,1,1,12\n1,5,.,50,1,1,2,2,8\n1,6,3.1,.,0,0,2,.,.\n";
        var ind = DataFiles.Read(csv).Studies[0].Individuals[0];
        Assert.Equal([new DosingEvent(0, 100, Route.Oral, 0, 12), new DosingEvent(5, 50, Route.IvBolus, 0, 8, SteadyStateAdditive: true)], ind.Doses);
        var written = DataFiles.Write([new Study("s", [ind])]);
        Assert.Contains("1,5,.,50,1,1,2,2,8", written);
        Assert.Equal(ind.Doses, DataFiles.Read(written).Studies[0].Individuals[0].Doses);
    }

    [Fact]
    public void SsTwoNeedsAnIntervalAndSsThreeIsRefused()
    {
        var noInterval = Assert.Throws<DatasetFormatException>(() => DataFiles.Read("ID,TIME,DV,AMT,EVID,MDV,CMT,SS,II\n1,0,.,100,1,1,1,2,.\n", "bad.csv"));
        Assert.Equal("bad.csv, line 2, column SS: SS 2 needs the dosing interval; expected II > 0, got II 0.", noInterval.Message);
        var three = Assert.Throws<DatasetFormatException>(() => DataFiles.Read("ID,TIME,DV,AMT,EVID,MDV,CMT,SS,II\n1,0,.,100,1,1,1,3,12\n", "bad.csv"));
        Assert.Equal("bad.csv, line 2, column SS: SS 3 is not supported; expected 0, 1 (steady state at interval II) or 2 (steady state added to the amounts in the body).", three.Message);
    }

    [Fact]
    public void AdditionalDosesOfAnSsTwoRowAreOrdinaryDoses()
    {
        var ind = DataFiles.Read("ID,TIME,DV,AMT,EVID,MDV,CMT,SS,II,ADDL\n1,0,.,100,1,1,1,2,12,1\n").Studies[0].Individuals[0];
        Assert.Equal([new DosingEvent(0, 100, Route.Oral, 0, 12, SteadyStateAdditive: true), DosingEvent.Oral(12, 100)], ind.Doses);
    }
}
