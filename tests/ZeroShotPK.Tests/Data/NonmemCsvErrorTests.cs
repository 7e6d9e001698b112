using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Data;

/// <summary>Every rejected input names file, line, column and what was expected: one test per case.</summary>
public class NonmemCsvErrorTests
{
    private const string Head = "ID,TIME,DV,AMT,EVID,MDV,CMT\n";

    private static DatasetFormatException Fail(string csv, string source = "bad.csv") =>
        Assert.Throws<DatasetFormatException>(() => NonmemCsv.Read(new StringReader(csv), source));

    [Fact]
    public void MissingRequiredColumns()
    {
        var ex = Fail("ID,AMT,EVID\n1,100,1\n");
        Assert.Equal("bad.csv, line 1: required columns TIME, DV missing; expected at least ID, TIME and DV (the header has ID, AMT, EVID).", ex.Message);
        Assert.Equal(("bad.csv", 1, (string?)null), (ex.File, ex.Line, ex.Column));
    }

    [Fact]
    public void DoseWithoutAmtColumn()
    {
        var ex = Fail("ID,TIME,DV,EVID,CMT\n1,0,.,1,1\n");
        Assert.Equal("bad.csv, line 2, column EVID: dose row (EVID 1) but the file has no AMT column; expected an AMT column with the amount given.", ex.Message);
    }

    [Fact]
    public void DoseWithoutEvidColumn()
    {
        var ex = Fail("ID,TIME,DV,AMT,CMT\n1,0,.,100,1\n");
        Assert.Equal("bad.csv, line 2, column AMT: AMT 100 but the file has no EVID column; expected an EVID column (1 dose, 0 observation) when the file has doses.", ex.Message);
    }

    [Fact]
    public void NonNumericValue()
    {
        var ex = Fail(Head + "1,0,.,100,1,1,1\n1,abc,5,0,0,0,2\n");
        Assert.Equal("bad.csv, line 3, column TIME: 'abc' is not a number; expected a time >= 0.", ex.Message);
        Assert.Equal((3, "TIME"), (ex.Line, ex.Column));
    }

    [Fact]
    public void NonNumericValueNamesTheColumnAsWrittenInTheHeader()
    {
        var ex = Fail("id,time,dv\n1,0.5,NaN\n");
        Assert.Equal("bad.csv, line 2, column dv: 'NaN' is not a number; expected a concentration >= 0.", ex.Message);
    }

    [Fact]
    public void NegativeTime()
    {
        var ex = Fail(Head + "1,-1,5,0,0,0,2\n");
        Assert.Equal("bad.csv, line 2, column TIME: time -1 is negative; expected a time >= 0.", ex.Message);
    }

    [Fact]
    public void DecreasingTimeWithinAnIndividual()
    {
        var ex = Fail(Head + "1,0,.,100,1,1,1\n1,2,5,0,0,0,2\n1,1.5,4,0,0,0,2\n");
        Assert.Equal("bad.csv, line 4, column TIME: time 1.5 of ID 1 is before the previous row's time 2 (line 3); expected the rows of an individual sorted by time.", ex.Message);
    }

    [Fact]
    public void DoseWithZeroAmount()
    {
        var ex = Fail(Head + "1,0,.,0,1,1,1\n");
        Assert.Equal("bad.csv, line 2, column AMT: dose row (EVID 1) has AMT 0; expected an amount > 0.", ex.Message);
    }

    [Fact]
    public void ObservationWithAmount()
    {
        var ex = Fail(Head + "1,0,.,100,1,1,1\n1,1,5,50,0,0,2\n");
        Assert.Equal("bad.csv, line 3, column AMT: observation row (EVID 0) has AMT 50; expected AMT 0 or '.' (a dose needs EVID 1).", ex.Message);
    }

    [Fact]
    public void NegativeDv()
    {
        var ex = Fail(Head + "1,0,.,100,1,1,1\n1,1,-0.5,0,0,0,2\n");
        Assert.Equal("bad.csv, line 3, column DV: DV -0.5 is negative; expected a concentration >= 0.", ex.Message);
    }

    [Fact]
    public void UnknownCompartment()
    {
        var ex = Fail(Head + "1,0,.,100,1,1,3\n");
        Assert.Equal("bad.csv, line 2, column CMT: CMT 3 is not a known compartment; expected 1 (depot, oral) or 2 (central, IV).", ex.Message);
    }

    [Fact]
    public void EmptyFile()
    {
        var ex = Fail("\n\n");
        Assert.Equal("bad.csv: the file is empty; expected a header line naming at least ID, TIME and DV, then data rows.", ex.Message);
        Assert.Equal(0, ex.Line);
    }

    [Fact]
    public void HeaderWithoutRows()
    {
        var ex = Fail(Head);
        Assert.Equal("bad.csv, line 1: the file has a header but no data rows; expected at least one row.", ex.Message);
    }

    [Fact]
    public void DuplicateDose()
    {
        var ex = Fail(Head + "1,0,.,100,1,1,1\n1,0,.,100,1,1,1\n");
        Assert.Equal("bad.csv, line 3, column AMT: dose of 100 at time 0 into CMT 1 of ID 1 repeats the dose of line 2; expected each administration once (use ADDL and II for repeated doses).", ex.Message);
    }

    [Fact]
    public void DoseRepeatedByAddl()
    {
        var ex = Fail("ID,TIME,DV,AMT,EVID,MDV,CMT,II,ADDL\n1,0,.,100,1,1,1,12,2\n1,24,.,100,1,1,1,.,.\n");
        Assert.Equal("bad.csv, line 3, column AMT: dose of 100 at time 24 into CMT 1 of ID 1 repeats the dose of line 2; expected each administration once (use ADDL and II for repeated doses).", ex.Message);
    }

    [Fact]
    public void RaggedRow()
    {
        var ex = Fail(Head + "1,0,.,100,1,1\n");
        Assert.Equal("bad.csv, line 2: 6 fields, expected 7 (one per header column: ID, TIME, DV, AMT, EVID, MDV, CMT).", ex.Message);
    }

    [Fact]
    public void SteadyStateWithoutInterval()
    {
        var ex = Fail("ID,TIME,DV,AMT,EVID,MDV,CMT,SS,II\n1,0,.,100,1,1,1,1,.\n");
        Assert.Equal("bad.csv, line 2, column SS: SS 1 needs the dosing interval; expected II > 0, got II 0.", ex.Message);
    }

    [Fact]
    public void AddlWithoutInterval()
    {
        var ex = Fail("ID,TIME,DV,AMT,EVID,MDV,CMT,ADDL\n1,0,.,100,1,1,1,3\n");
        Assert.Equal("bad.csv, line 2, column ADDL: ADDL 3 needs the dosing interval; expected II > 0, got II 0.", ex.Message);
    }

    [Fact]
    public void UnknownEvid()
    {
        var ex = Fail(Head + "1,0,.,100,5,1,1\n");
        Assert.Equal("bad.csv, line 2, column EVID: EVID 5 is not supported; expected 0 (observation), 1 (dose), 2 (other), 3 (reset) or 4 (reset and dose).", ex.Message);
    }

    [Fact]
    public void DoseWithoutCompartment()
    {
        var ex = Fail(Head + "1,0,.,100,1,1,.\n");
        Assert.Equal("bad.csv, line 2, column CMT: dose row (EVID 1) has no CMT; expected CMT 1 (depot, oral) or 2 (central, IV).", ex.Message);
    }

    [Fact]
    public void MissingDvOnAnObservation()
    {
        var ex = Fail(Head + "1,0,.,100,1,1,1\n1,1,.,0,0,0,2\n");
        Assert.Equal("bad.csv, line 3, column DV: DV is missing on an observation row (EVID 0, MDV 0); expected a concentration, or MDV 1 for a missing sample.", ex.Message);
    }

    [Fact]
    public void IndividualSplitAcrossTheFile()
    {
        var ex = Fail(Head + "1,0,.,100,1,1,1\n2,0,.,100,1,1,1\n1,5,3,0,0,0,2\n");
        Assert.Equal("bad.csv, line 4, column ID: ID 1 appears again after other individuals (its rows ended on line 2); expected the rows of an individual to be contiguous.", ex.Message);
    }

    [Fact]
    public void UnclosedQuote()
    {
        var ex = Fail(Head + "\"1,0,.,100,1,1,1\n");
        Assert.Equal("bad.csv, line 2: quoted field starting at character 1 is not closed; expected a closing '\"' on the same line.", ex.Message);
    }

    [Fact]
    public void DuplicateHeaderColumn()
    {
        var ex = Fail("ID,TIME,DV,time\n1,0,1,0\n");
        Assert.Equal("bad.csv, line 1, column time: column name appears twice in the header; expected each column once.", ex.Message);
    }

    [Fact]
    public void NegativeRateOtherThanMinus2()
    {
        var ex = Fail("ID,TIME,DV,AMT,EVID,MDV,CMT,RATE\n1,0,.,100,1,1,2,-1\n");
        Assert.Equal("bad.csv, line 2, column RATE: RATE -1 is not supported; expected a rate > 0, 0 (bolus) or -2 (duration in DUR).", ex.Message);
    }

    [Fact]
    public void RateMinus2WithoutDuration()
    {
        var ex = Fail("ID,TIME,DV,AMT,EVID,MDV,CMT,RATE\n1,0,.,100,1,1,2,-2\n");
        Assert.Equal("bad.csv, line 2, column DUR: RATE -2 needs the infusion duration in DUR; expected DUR > 0.", ex.Message);
    }

    [Fact]
    public void ReadStudyRejectsSeveralStudies()
    {
        var csv = "STUDY,ID,TIME,DV\nA,1,0,1\nB,1,0,2\n";
        var ex = Assert.Throws<DatasetFormatException>(() => NonmemCsv.ReadStudy(new StringReader(csv), "two.csv"));
        Assert.Equal("two.csv, column STUDY: the file holds 2 studies (A, B); expected one (use ReadStudies for several).", ex.Message);
    }

    [Fact]
    public void ExceptionIsAFormatExceptionSoTheCliPrintsIt()
    {
        Assert.IsAssignableFrom<FormatException>(Fail("x\n"));
    }
}
