using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Data;

/// <summary>What each column means once read.</summary>
public class NonmemCsvReadTests
{
    [Fact]
    public void HeadersAreCaseInsensitiveAndFieldsMayBeQuoted()
    {
        var r = DataFiles.Read("\"id\",\"Time\",\"dv\",\"amt\",\"evid\",\"cmt\",\"Race\"\n\"s1\",0,.,100,1,1,\"Black, US\"\n\"s1\",1.5,\"2.25\",0,0,2,\"Black, US\"\n", "dir/trial.csv");
        var study = Assert.Single(r.Studies);
        Assert.Equal("trial", study.Name);
        var ind = Assert.Single(study.Individuals);
        Assert.Equal("s1", ind.Id);
        Assert.Equal([DosingEvent.Oral(0, 100)], ind.Doses);
        Assert.Equal([new Observation(1.5, 2.25)], ind.Observations);
        Assert.Equal("Black, US", ind.Covariates["Race"]);
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void InfusionsFromRateAndFromDuration()
    {
        const string csv = "ID,TIME,DV,AMT,EVID,MDV,CMT,RATE,DUR\n" +
                           "1,0,.,100,1,1,2,50,.\n" +   // 100 at 50/h -> 2 h
                           "1,12,.,90,1,1,2,-2,3\n" +   // duration in DUR
                           "1,24,.,80,1,1,2,0,4\n" +    // DUR alone
                           "1,36,.,70,1,1,1,35,0\n" +   // zero-order into the depot
                           "1,48,.,60,1,1,2,.,.\n";     // bolus
        var ind = DataFiles.Read(csv).Studies[0].Individuals[0];
        Assert.Equal(new[]
        {
            new DosingEvent(0, 100, Route.IvInfusion, 2),
            new DosingEvent(12, 90, Route.IvInfusion, 3),
            new DosingEvent(24, 80, Route.IvInfusion, 4),
            new DosingEvent(36, 70, Route.OralInfusion, 2),
            new DosingEvent(48, 60, Route.IvBolus),
        }, ind.Doses);
        Assert.Equal(50, ind.Doses[0].Rate);
    }

    [Fact]
    public void AddlExpandsIntoSeparateDosesAndOnlyTheFirstIsAtSteadyState()
    {
        var ind = DataFiles.Read("ID,TIME,DV,AMT,EVID,MDV,CMT,SS,II,ADDL\n1,0,.,200,1,1,1,1,8,3\n1,30,4.2,.,0,0,2,.,.,.\n").Studies[0].Individuals[0];
        Assert.Equal(new[]
        {
            new DosingEvent(0, 200, Route.Oral, 0, 8),
            DosingEvent.Oral(8, 200), DosingEvent.Oral(16, 200), DosingEvent.Oral(24, 200),
        }, ind.Doses);
        Assert.Single(ind.Observations);
    }

    [Fact]
    public void ResetsAndOtherEvents()
    {
        const string csv = "ID,TIME,DV,AMT,EVID,MDV,CMT\n1,0,.,100,1,1,2\n1,5,.,.,3,1,.\n1,6,.,.,2,1,.\n1,10,.,50,4,1,2\n1,11,1.5,0,0,0,2\n";
        var ind = DataFiles.Read(csv).Studies[0].Individuals[0];
        Assert.Equal([5.0], ind.ResetTimes);
        Assert.Equal([DosingEvent.Bolus(0, 100), new DosingEvent(10, 50, Route.IvBolus, ResetBefore: true)], ind.Doses);
        Assert.Equal([new Observation(11, 1.5)], ind.Observations);
    }

    [Fact]
    public void MissingSamplesAreLeftOutAndReported()
    {
        var r = DataFiles.Read("ID,TIME,DV,AMT,EVID,MDV,CMT\n7,0,.,100,1,1,1\n7,1,.,0,0,1,2\n7,2,3.5,0,0,0,2\n", "m.csv");
        Assert.Equal([new Observation(2, 3.5)], r.Studies[0].Individuals[0].Observations);
        Assert.Equal("m.csv, line 3: EVID 0 row with MDV 1 (missing sample of ID 7 at time 1) is not an observation; left out.", Assert.Single(r.Warnings));
    }

    [Fact]
    public void BlqFromCensFromBlqFlagAndFromLloq()
    {
        var cens = DataFiles.Read("ID,TIME,DV,CENS\n1,1,0.05,1\n1,2,0.4,0\n").Studies[0].Individuals[0].Observations;
        Assert.Equal([new Observation(1, 0.05, 0.05, true), new Observation(2, 0.4)], cens);

        var flag = DataFiles.Read("ID,TIME,DV,BLQ,LLOQ\n1,1,0,1,0.1\n1,2,0.4,0,0.1\n").Studies[0].Individuals[0].Observations;
        Assert.Equal([new Observation(1, 0, 0.1, true), new Observation(2, 0.4, 0.1)], flag);

        var lloq = DataFiles.Read("ID,TIME,DV,LLOQ\n1,1,0.02,0.1\n1,2,0.4,0.1\n1,3,0.3,.\n").Studies[0].Individuals[0].Observations;
        Assert.Equal([new Observation(1, 0.02, 0.1, true), new Observation(2, 0.4, 0.1), new Observation(3, 0.3)], lloq);
    }

    [Fact]
    public void StudyColumnSplitsTheFile()
    {
        var r = DataFiles.Read("STUDY,ID,TIME,DV\nA,1,0,1\nA,2,0,2\nB,1,0,3\n");
        Assert.Equal(["A", "B"], r.Studies.Select(s => s.Name));
        Assert.Equal(2, r.Studies[0].Individuals.Count);
        Assert.Equal(3, r.Studies[1]["1"].Observations[0].Value);
    }

    [Fact]
    public void TimeVaryingCovariatesKeepBaselineAndChanges()
    {
        const string csv = "ID,TIME,DV,AMT,EVID,CMT,WT,ALB\n" +
                           "1,0,.,100,1,1,70,.\n" +
                           "1,0,1,0,0,2,.,40\n" +   // same time: both are baseline
                           "1,5,2,0,0,2,72,40\n" +
                           "1,6,.,.,2,.,.,38\n" +   // EVID 2 carries a change only
                           "1,8,1,0,0,2,72,38\n";
        var ind = DataFiles.Read(csv).Studies[0].Individuals[0];
        Assert.Equal(new Dictionary<string, string> { ["WT"] = "70", ["ALB"] = "40" }, ind.Covariates);
        Assert.Equal([new CovariateChange(5, "WT", "72"), new CovariateChange(6, "ALB", "38")], ind.CovariateChanges);
        Assert.Equal(70, ind.NumericCovariate("WT"));
        Assert.Equal("70", ind.CovariateAt("WT", 4.9));
        Assert.Equal("72", ind.CovariateAt("WT", 5));
        Assert.Null(ind.CovariateAt("HT", 5));
    }

    [Fact]
    public void IiWithoutSteadyStateOrAddlIsReported()
    {
        var r = DataFiles.Read("ID,TIME,DV,AMT,EVID,CMT,II\n1,0,.,100,1,1,12\n", "ii.csv");
        Assert.Equal("ii.csv, line 2: II 12 ignored (neither SS 1 nor ADDL > 0 on this dose).", Assert.Single(r.Warnings));
        Assert.Null(r.Studies[0].Individuals[0].Doses[0].SteadyStateInterval);
    }

    [Fact]
    public void ByteOrderMarkCommentsAndBlankLinesAreSkippedButLineNumbersKept()
    {
        const string csv = "\uFEFFID,TIME,DV\n# comment\n\n1,0,1\n1,-2,1\n";
        var ex = Assert.Throws<DatasetFormatException>(() => DataFiles.Read(csv, "c.csv"));
        Assert.Equal("c.csv, line 5, column TIME: time -2 is negative; expected a time >= 0.", ex.Message);
        Assert.Equal([new Observation(0, 1)], DataFiles.Read(csv[..^7]).Studies[0].Individuals[0].Observations);
    }
}
