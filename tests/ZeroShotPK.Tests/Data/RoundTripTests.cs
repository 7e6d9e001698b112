using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Data;

/// <summary>Read -> write -> read gives the same studies, field by field.</summary>
public class RoundTripTests
{
    internal static void AssertSame(IReadOnlyList<Study> expected, IReadOnlyList<Study> actual)
    {
        Assert.Equal(expected.Select(s => s.Name), actual.Select(s => s.Name));
        for (var s = 0; s < expected.Count; s++)
        {
            Assert.Equal(expected[s].Individuals.Select(i => i.Id), actual[s].Individuals.Select(i => i.Id));
            for (var i = 0; i < expected[s].Individuals.Count; i++)
            {
                var (e, a) = (expected[s].Individuals[i], actual[s].Individuals[i]);
                Assert.Equal(e.Doses, a.Doses);
                Assert.Equal(e.Observations, a.Observations);
                Assert.Equal(e.ResetTimes, a.ResetTimes);
                Assert.Equal(e.Covariates.OrderBy(kv => kv.Key), a.Covariates.OrderBy(kv => kv.Key));
                Assert.Equal(e.CovariateChanges.OrderBy(c => c.Time).ThenBy(c => c.Name, StringComparer.Ordinal),
                    a.CovariateChanges.OrderBy(c => c.Time).ThenBy(c => c.Name, StringComparer.Ordinal));
            }
        }
    }

    private static Study Rich(string name)
    {
        var a = new Individual("1",
            [new DosingEvent(0, 100, Route.IvInfusion, 0.5), new DosingEvent(12, 1.0 / 3, Route.OralInfusion, 1.0 / 7),
             new DosingEvent(24, 250, Route.Oral, 0, 12), new DosingEvent(48, 50, Route.IvBolus, ResetBefore: true)],
            [new Observation(0.25, 3.125), new Observation(1, 0.1 + 0.2), new Observation(30, 0.05, 0.1, true),
             new Observation(31, 0, null, true), new Observation(32, 0.2, 0.1)],
            new Dictionary<string, string> { ["WT"] = "70.5", ["SEX"] = "F", ["SITE"] = "Lyon, FR" },
            resetTimes: [40],
            covariateChanges: [new CovariateChange(30, "WT", "69"), new CovariateChange(35, "WT", "68")]);
        var b = new Individual("patient \"b\"", [DosingEvent.Oral(0, 10)], [new Observation(2, 1e-7)],
            new Dictionary<string, string> { ["SEX"] = "M" });
        return new Study(name, [a, b]);
    }

    [Fact]
    public void DosesInfusionsSteadyStateBlqResetsAndCovariatesSurviveAFile()
    {
        var dir = Directory.CreateTempSubdirectory("zspk-data-");
        try
        {
            var path = Path.Combine(dir.FullName, "rich.csv");
            var original = Rich("rich");
            NonmemCsv.Write(path, [original]);
            var back = NonmemCsv.ReadStudy(path);
            AssertSame([original], [back]);
            Assert.DoesNotContain("STUDY", File.ReadLines(path).First());
            Assert.Equal(["rich.csv"], dir.GetFiles().Select(f => f.Name)); // no temp file left behind

            // Second generation is byte-identical.
            var path2 = Path.Combine(dir.CreateSubdirectory("again").FullName, "rich.csv");
            NonmemCsv.Write(path2, [back]);
            Assert.Equal(File.ReadAllText(path), File.ReadAllText(path2));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void SeveralStudiesGetAStudyColumn()
    {
        var studies = new[] { Rich("A"), Rich("B, second") };
        var csv = DataFiles.Write(studies);
        Assert.StartsWith("STUDY,ID,TIME,DV,AMT,EVID,MDV,CMT,RATE,DUR,SS,II,BLQ,LLOQ,WT,SEX,SITE", csv);
        AssertSame(studies, DataFiles.Read(csv).Studies);
    }

    [Fact]
    public void StudyNameDifferentFromTheFileNameIsKept()
    {
        var dir = Directory.CreateTempSubdirectory("zspk-data-");
        try
        {
            var path = Path.Combine(dir.FullName, "other.csv");
            NonmemCsv.Write(path, [Rich("theo-like")]);
            Assert.Equal("theo-like", NonmemCsv.ReadStudy(path).Name);
        }
        finally { dir.Delete(true); }
    }

    [Theory]
    [InlineData("theophylline.csv")]
    [InlineData("indometacin.csv")]
    [InlineData("quinidine.csv")]
    public void BundledDatasetsRoundTrip(string file)
    {
        var original = NonmemCsv.ReadStudies(DataFiles.Path("data/" + file));
        AssertSame(original, DataFiles.Read(DataFiles.Write(original), file).Studies);
    }

    [Fact]
    public void WriteRejectsAnEmptyStudy()
    {
        var ex = Assert.Throws<ArgumentException>(() => DataFiles.Write([new Study("empty", [])]));
        Assert.StartsWith("study 'empty' has no individuals; a file cannot hold an empty study.", ex.Message);
    }
}
