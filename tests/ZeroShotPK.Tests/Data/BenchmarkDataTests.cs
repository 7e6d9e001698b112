using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Data;

/// <summary>
/// The real-data benchmark (data/benchmark/): every committed study file is exactly what the converters make of the
/// committed raw tables (data/raw/), and a few numbers per study are checked by hand against the raw rows.
/// </summary>
public sealed class BenchmarkDataTests
{
    private static readonly Lazy<IReadOnlyList<BenchmarkStudy>> Converted = new(() => BenchmarkConverters.ConvertAll(DataFiles.Path("data/raw")));

    private static Study Get(string name) => Converted.Value.Single(s => s.Study.Name == name).Study;

    [Fact]
    public void BenchmarkFilesAreTheConverterOutput()
    {
        // ZSPK_UPDATE_DATA=1 regenerates data/benchmark/ (same as zspk data convert-benchmark --raw data/raw --out data/benchmark).
        var bundled = DataFiles.Path("data/benchmark");
        if (Environment.GetEnvironmentVariable("ZSPK_UPDATE_DATA") == "1")
            BenchmarkConverters.ConvertAllToFolder(DataFiles.Path("data/raw"), bundled);
        var temp = Path.Combine(Path.GetTempPath(), $"benchmark-{Guid.NewGuid():N}");
        try
        {
            var studies = BenchmarkConverters.ConvertAllToFolder(DataFiles.Path("data/raw"), temp);
            Assert.Equal(16, studies.Count);
            Assert.Equal(9, studies.Select(s => s.Drug).Distinct().Count());
            // No stale file: the folder holds exactly the converted studies.
            Assert.Equal(studies.Select(s => s.Study.Name + ".csv").Order(),
                Directory.GetFiles(bundled, "*.csv").Select(Path.GetFileName).Order());
            foreach (var s in studies)
            {
                var file = s.Study.Name + ".csv";
                Assert.True(File.ReadAllBytes(Path.Combine(bundled, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(temp, file))),
                    $"data/benchmark/{file} differs from a fresh conversion of data/raw (ZSPK_UPDATE_DATA=1 regenerates it).");
                RoundTripTests.AssertSame([s.Study], [NonmemCsv.ReadStudy(Path.Combine(bundled, file))]);
            }
        }
        finally { if (Directory.Exists(temp)) Directory.Delete(temp, true); }
    }

    [Fact]
    public void TheophyllineAndIndometacinMatchTheBundledCopies()
    {
        // The bundled data/theophylline.csv and data/indometacin.csv were copied from the shared folder; the benchmark
        // converts R's tables itself (AMT = Dose mg/kg x Wt) and must agree with them number for number.
        RoundTripTests.AssertSame([NonmemCsv.ReadStudy(DataFiles.Path("data/theophylline.csv"))], [Get("theophylline")]);
        RoundTripTests.AssertSame([NonmemCsv.ReadStudy(DataFiles.Path("data/indometacin.csv"))], [Get("indometacin")]);
        var quinidine = Get("quinidine");
        Assert.Equal(136, quinidine.Individuals.Count);
        Assert.Equal(14, quinidine.Individuals.Count(i => i.Observations.Count >= 6));
    }

    [Theory]
    // study, individuals, first id, its dose (mg; cefamandole mg/kg), route, first sample (h, mg/L), last individual's last sample
    [InlineData("theophylline", 12, "1", 319.992, Route.Oral, 0.0, 0.74, 24.15, 1.17)]             // Theoph: 4.02 mg/kg x 79.6 kg
    [InlineData("indometacin", 6, "1", 25.0, Route.IvBolus, 0.25, 1.5, 8.0, 0.09)]
    [InlineData("cefamandole", 6, "1", 15.0, Route.IvBolus, 10.0 / 60, 127.0, 6.0, 1.03)]         // 10 min, 360 min
    [InlineData("mavoglurant-occ1", 120, "793", 25.0, Route.IvInfusion, 0.2, 0.491, 24.2, 0.00665)] // DV 491 ng/mL
    [InlineData("mavoglurant-occ2", 78, "829", 50.0, Route.IvInfusion, 0.2, 0.669, 24.2, 0.00432)]
    [InlineData("warfarin", 32, "1", 100.0, Route.Oral, 0.5, 0.0, 120.0, 2.5)]                    // a zero kept as 0
    [InlineData("codeine-oral-loetsch2006", 11, "P1", 80.0, Route.Oral, 0.0, 0.00994, 4.9, 0.0816)]
    [InlineData("midazolam-iv-heizmann1983", 6, "RH", 8.205, Route.IvBolus, 0.0833, 0.291, 10.0, 0.005)] // 0.15 mg/kg x 54.7 kg
    [InlineData("midazolam-oral10-heizmann1983", 4, "RH", 10.0, Route.Oral, 0.25, 0.052, 6.0, 0.005)]
    [InlineData("midazolam-oral20-heizmann1983", 6, "RH", 20.0, Route.Oral, 0.25, 0.121, 8.0, 0.004)]
    [InlineData("paracetamol-iv-singla2012", 6, "Subject 7", 1000.0, Route.IvBolus, 0.0, 0.0701, 6.0, 1.54)]
    [InlineData("paracetamol-oral-singla2012", 6, "Subject 7", 1000.0, Route.Oral, 0.0, 0.0, 6.0, 3.15)]
    [InlineData("paracetamol-rectal-singla2012", 6, "Subject 7", 1000.0, Route.Oral, 0.0, 0.0463, 6.0, 3.61)]
    [InlineData("paracetamol-oral-kietzmann1990", 13, "case14", 1000.0, Route.Oral, 0.517, 16.9, 8.32, 1.55)]
    [InlineData("paracetamol-iv-abernethy1982", 4, "indiviual1", 650.0, Route.IvBolus, 0.0, 11.6, 12.0, 0.161)]
    public void StudyMatchesHandCheckedRawValues(string name, int individuals, string firstId, double dose, Route route,
        double firstTime, double firstDv, double lastTime, double lastDv)
    {
        var study = Get(name);
        Assert.Equal(individuals, study.Individuals.Count);
        var first = study.Individuals[0];
        Assert.Equal(firstId, first.Id);
        var d = Assert.Single(first.Doses);
        Assert.Equal(0, d.Time);
        Assert.Equal(dose, d.Amount, 9);
        Assert.Equal(route, d.Route);
        Assert.Equal(firstTime, first.Observations[0].Time, 12);
        Assert.Equal(firstDv, first.Observations[0].Value, 12);
        var last = study.Individuals[^1].Observations[^1];
        Assert.Equal(lastTime, last.Time, 12);
        Assert.Equal(lastDv, last.Value, 12);
        // Every study qualifies for the protocol: at least 4 individuals with at least 6 samples.
        Assert.True(study.Individuals.Count(i => i.Observations.Count >= 6) >= 4);
        // No source here gives a limit of quantification: nothing is flagged BLQ.
        Assert.DoesNotContain(study.Individuals.SelectMany(i => i.Observations), o => o.IsBlq || o.Lloq is not null);
    }

    [Fact]
    public void OmittedSourceRowsAreCounted()
    {
        // PK-DB nulls (no number in the source table) and mavoglurant's EVID 0 / MDV 1 rows are not samples; the README counts them.
        int Samples(string name) => Get(name).Individuals.Sum(i => i.Observations.Count);
        Assert.Equal(6 * 15 - 4, Samples("midazolam-iv-heizmann1983"));
        Assert.Equal(4 * 15 - 20, Samples("midazolam-oral10-heizmann1983"));
        Assert.Equal(6 * 15 - 18, Samples("midazolam-oral20-heizmann1983"));
        Assert.Equal(1545 - 51, Samples("mavoglurant-occ1"));
        Assert.Equal(935 - 2, Samples("mavoglurant-occ2"));
        var infusion = Get("mavoglurant-occ1")["794"].Doses[0];
        Assert.Equal(25.0 / 150, infusion.Duration, 12); // AMT 25 mg at RATE 150 mg/h
    }

    [Fact]
    public void BadRawRowIsLocated()
    {
        var raw = Path.Combine(Path.GetTempPath(), $"raw-{Guid.NewGuid():N}");
        try
        {
            CopyDirectory(DataFiles.Path("data/raw"), raw);
            var theoph = Path.Combine(raw, "r", "Theoph.csv");
            var lines = File.ReadAllLines(theoph);
            Assert.Equal("\"1\",79.6,4.02,1.12,10.5", lines[4]);
            lines[4] = "\"1\",79.6,4.02,1.12,high";
            File.WriteAllLines(theoph, lines);
            var ex = Assert.Throws<DatasetFormatException>(() => BenchmarkConverters.ConvertAll(raw));
            Assert.Equal($"{theoph}, line 5, column conc: 'high' is not a number; expected a number >= 0.", ex.Message);

            File.Copy(DataFiles.Path("data/raw/r/Theoph.csv"), theoph, overwrite: true);
            var tc = Path.Combine(raw, "pkdb", "timecourses.tsv");
            var tsv = File.ReadAllLines(tc);
            var row = Array.FindIndex(tsv, l => l.StartsWith("Loetsch2006\t") && l.Contains("\tP3\t") && l.Contains("\t872\t"));
            tsv[row] = tsv[row].Replace("'5.81e-06'", "'n.d.'");
            File.WriteAllLines(tc, tsv);
            ex = Assert.Throws<DatasetFormatException>(() => BenchmarkConverters.ConvertAll(raw));
            Assert.Equal($"{tc}, line {row + 1}, column value: list item ''n.d.'' is not a number >= 0 or None.", ex.Message);
        }
        finally { if (Directory.Exists(raw)) Directory.Delete(raw, true); }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to));
    }
}
