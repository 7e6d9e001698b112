
namespace ZeroShotPK.Tests.Data;

/// <summary>zspk data summary run as a process on the bundled data and on a bad file.</summary>
public class DataSummaryCommandTests
{
    private static (int Code, string Output) Zspk(params string[] args) => ZspkProcess.Run(120, args);

    [Fact]
    public void SummaryOfQuinidineCountsSubjectsDosesAndObservations()
    {
        var (code, output) = Zspk("data", "summary", "--data", DataFiles.Path("data/quinidine.csv"));
        Assert.Equal(0, code);
        Assert.Matches(@"│ quinidine\s+│ 136\s+│ 1028\s+│ 249\s+│ 361\s+│ 0\s+│ 0-8095.5 h\s+│ Oral 1028\s+│", output);
        Assert.Contains("quinidine covariates: Age*, Height, Weight*, Race, Smoke*, Ethanol, Heart*, Creatinine*, glyco*", output.Replace("\n", ""));
    }

    [Fact]
    public void SummaryOfABadFilePrintsTheLocatedError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"zspk-bad-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "ID,TIME,DV\n1,0,1\n1,oops,2\n");
        try
        {
            var (code, output) = Zspk("data", "summary", "--data", path);
            Assert.Equal(1, code);
            Assert.Contains($"error: {path}, line 3, column TIME: 'oops' is not a number; expected a time >= 0.", output.Replace("\n", ""));
        }
        finally { File.Delete(path); }
    }
}
