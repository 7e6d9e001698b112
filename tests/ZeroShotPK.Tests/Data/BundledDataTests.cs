using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Data;

/// <summary>The datasets in data/ match their raw sources (R datasets::Theoph, datasets::Indometh, nlme::Quinidine).</summary>
public class BundledDataTests
{
    private static (int Subjects, int Doses, int Observations) Counts(Study s) =>
        (s.Individuals.Count, s.Individuals.Sum(i => i.Doses.Count), s.Individuals.Sum(i => i.Observations.Count));

    [Fact]
    public void Theophylline()
    {
        var r = NonmemCsv.Read(DataFiles.Path("data/theophylline.csv"));
        var s = Assert.Single(r.Studies);
        Assert.Empty(r.Warnings);
        Assert.Equal("theophylline", s.Name);
        Assert.Equal((12, 12, 132), Counts(s));
        Assert.All(s.Individuals, i => Assert.Equal(Route.Oral, Assert.Single(i.Doses).Route));
        Assert.Equal(79.6, s["1"].NumericCovariate("WT"));
        Assert.Equal(319.992, s["1"].Doses[0].Amount);
        Assert.Equal(0.74, s["1"].Observations[0].Value); // pre-dose sample at TIME 0
        Assert.Equal(24.37, s["1"].Observations[^1].Time);
        Assert.All(s.Individuals, i => Assert.Empty(i.CovariateChanges));
    }

    [Fact]
    public void Indometacin()
    {
        var r = NonmemCsv.Read(DataFiles.Path("data/indometacin.csv"));
        var s = Assert.Single(r.Studies);
        Assert.Empty(r.Warnings);
        Assert.Equal((6, 6, 66), Counts(s));
        Assert.All(s.Individuals, i => Assert.Equal(DosingEvent.Bolus(0, 25), Assert.Single(i.Doses)));
        Assert.Equal(1.5, s["1"].Observations[0].Value);
        Assert.Equal(0.25, s["1"].Observations[0].Time);
    }

    [Fact]
    public void QuinidineMatchesTheRawRows()
    {
        var raw = File.ReadAllLines(DataFiles.Path("data/raw/quinidine_raw.csv"));
        var head = raw[0].Split(',').Select(h => h.Trim('"')).ToList();
        int conc = head.IndexOf("conc"), dose = head.IndexOf("dose"), interval = head.IndexOf("interval");
        var rows = raw.Skip(1).Select(l => l.Split(',')).ToList(); // no quoted commas in this file
        var doseRows = rows.Count(f => f[dose] != ".");
        var concRows = rows.Count(f => f[conc] != ".");
        var ssRows = rows.Count(f => f[interval] != ".");
        var subjects = rows.Select(f => f[0]).Distinct().Count();
        // The numbers found in the raw file (nlme::Quinidine has 1471 rows: 1028 doses, 361 concentrations, 82 covariate-only).
        Assert.Equal((1471, 136, 1028, 361, 249), (rows.Count, subjects, doseRows, concRows, ssRows));

        var r = NonmemCsv.Read(DataFiles.Path("data/quinidine.csv"));
        var s = Assert.Single(r.Studies);
        Assert.Empty(r.Warnings);
        Assert.Equal("quinidine", s.Name);
        Assert.Equal((subjects, doseRows, concRows), Counts(s));
        Assert.Equal(ssRows, s.Individuals.Sum(i => i.Doses.Count(d => d.SteadyStateInterval is not null)));
        Assert.All(s.Individuals.SelectMany(i => i.Doses), d => Assert.Equal(Route.Oral, d.Route));

        // Subject 1 (first rows of the raw file): 249 mg at 0, 3, 6 h; the dose at 138 h is at steady state every 6 h.
        var one = s["1"];
        Assert.Equal([0.0, 3, 6], one.Doses.Take(3).Select(d => d.Time));
        Assert.Equal(249, one.Doses[0].Amount);
        Assert.Equal(new DosingEvent(138, 201, Route.Oral, 0, 6), one.Doses.Single(d => d.Time == 138));
        Assert.Equal([new Observation(49.25, 1.4), new Observation(193.33, 3)], one.Observations);
        // glyco 0.41 at baseline, 1.11 from 138 h on.
        Assert.Equal("0.41", one.Covariates["glyco"]);
        Assert.Equal("1.11", one.CovariateAt("glyco", 193.33));
        Assert.Equal(">= 50", one.Covariates["Creatinine"]);
    }

    [Fact]
    public void BundledQuinidineIsTheConverterOutput()
    {
        // ZSPK_UPDATE_DATA=1 regenerates data/quinidine.csv (same as zspk data convert-quinidine).
        var bundled = DataFiles.Path("data/quinidine.csv");
        if (Environment.GetEnvironmentVariable("ZSPK_UPDATE_DATA") == "1")
            QuinidineConverter.ConvertFile(DataFiles.Path("data/raw/quinidine_raw.csv"), bundled);
        var temp = Path.Combine(Path.GetTempPath(), $"quinidine-{Guid.NewGuid():N}", "quinidine.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        try
        {
            var study = QuinidineConverter.ConvertFile(DataFiles.Path("data/raw/quinidine_raw.csv"), temp);
            Assert.Equal(File.ReadAllText(bundled), File.ReadAllText(temp));
            RoundTripTests.AssertSame([study], [NonmemCsv.ReadStudy(bundled)]);
        }
        finally { Directory.Delete(Path.GetDirectoryName(temp)!, true); }
    }

    [Fact]
    public void QuinidineConverterRejectsARowWithDoseAndConc()
    {
        const string raw = "Subject,time,conc,dose,interval,Age\n1,0,.,100,.,60\n1,2,1.5,100,.,60\n";
        var ex = Assert.Throws<DatasetFormatException>(() => QuinidineConverter.Convert(new StringReader(raw), "q.csv"));
        Assert.Equal("q.csv, line 3, column dose: row has both conc and dose; expected one event per row.", ex.Message);
    }
}
