using Microsoft.Data.Analysis;
using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Data;

public class StudyFrameTests
{
    public static TheoryData<string> BundledFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(DataFiles.Path("data"), "*.csv").Concat(Directory.GetFiles(DataFiles.Path("data/benchmark"), "*.csv")).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(DataFiles.Root, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(BundledFiles))]
    public void EveryBundledStudyRoundTripsThroughADataFrame(string file)
    {
        var study = NonmemCsv.ReadStudy(DataFiles.Path(file));
        var frame = StudyFrame.ToDataFrame(study);
        var back = StudyFrame.ToStudy(frame, study.Name, study.Units);
        Assert.Equal(study.Name, back.Name);
        Assert.Equal(DataFiles.Write([study]), DataFiles.Write([back]));
        // One row per event: doses, observations, resets and covariate-only times.
        Assert.True(frame.Rows.Count >= study.Individuals.Sum(i => i.Doses.Count + i.Observations.Count + i.ResetTimes.Count));
    }

    [Fact]
    public void TheFrameHasTheNonmemColumnsTypedAndEveryEventKind()
    {
        // Doses by three routes (an infusion), SS=1, an EVID 3 reset, BLQ with LLOQ, a time-varying covariate.
        var study = DataFiles.Read("""
            ID,TIME,DV,AMT,EVID,MDV,CMT,RATE,SS,II,BLQ,LLOQ,WT
            1,0,.,100,1,1,1,0,1,12,0,.,70
            1,1,2.5,.,0,0,2,0,0,0,0,.,70
            1,2,.,50,1,1,2,25,0,0,0,.,71
            1,6,0.05,.,0,0,2,0,0,0,1,0.1,71
            1,8,.,.,3,1,.,0,0,0,0,.,71
            1,9,.,20,1,1,2,0,0,0,0,.,72
            1,10,1.5,.,0,0,2,0,0,0,0,.,72
            """).Studies[0];
        var frame = StudyFrame.ToDataFrame(study);
        Assert.IsType<DoubleDataFrameColumn>(frame.Columns["TIME"]);
        Assert.IsType<DoubleDataFrameColumn>(frame.Columns["EVID"]);
        Assert.IsType<StringDataFrameColumn>(frame.Columns["ID"]);
        Assert.IsType<StringDataFrameColumn>(frame.Columns["WT"]);
        Assert.Equal(new double?[] { 1, 0, 1, 0, 3, 1, 0 }, Enumerable.Range(0, 7).Select(i => (double?)frame.Columns["EVID"][i]));
        Assert.Equal(new double?[] { 1, 0, 0, 0, 0, 0, 0 }, Enumerable.Range(0, 7).Select(i => (double?)frame.Columns["SS"][i]));
        Assert.Equal(new double?[] { 0, 0, 0, 1, 0, 0, 0 }, Enumerable.Range(0, 7).Select(i => (double?)frame.Columns["BLQ"][i]));
        Assert.Null(frame.Columns["DV"][0]); // "." in the file: missing in the frame
        Assert.Equal("72", frame.Columns["WT"][6]);
        // A filter in the frame (observations only) is what a user plots.
        var observations = frame.Filter(frame.Columns["EVID"].ElementwiseEquals(0));
        Assert.Equal(3, observations.Rows.Count);
        Assert.Equal(DataFiles.Write([study]), DataFiles.Write([StudyFrame.ToStudy(frame, study.Name)]));
    }

    [Fact]
    public void AnEditedFrameThatBreaksTheFormatIsRefusedWithItsRowAndColumn()
    {
        var study = NonmemCsv.ReadStudy(DataFiles.Path("data/theophylline.csv"));
        var frame = StudyFrame.ToDataFrame(study);
        frame.Columns["TIME"][3] = -1.0;
        var e = Assert.Throws<DatasetFormatException>(() => StudyFrame.ToStudy(frame, "edited"));
        Assert.Equal(5, e.Line); // frame row 3 = line 5 (header on line 1)
        Assert.Equal("TIME", e.Column);
    }
}
