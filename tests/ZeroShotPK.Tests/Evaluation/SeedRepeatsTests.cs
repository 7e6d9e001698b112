using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Evaluation;

public class SeedRepeatsTests
{
    private static BenchmarkRow Row(string method, string study, double logRmse, double coverage = 0.9) =>
        new(method, study, 1, 10, logRmse, coverage, 1.0, 0, 0.1, 1.0);

    // Two methods on three studies in two runs; every figure below is worked out by hand.
    private static IReadOnlyList<(string, IReadOnlyList<BenchmarkRow>)> TwoRuns() =>
    [
        ("seed-0", [
            Row("nlme", "a", 0.30), Row("nlme", "b", 0.40), Row("nlme", "c", 0.50),
            Row("zs", "a", 0.20), Row("zs", "b", 0.50), Row("zs", "c", 0.40, 0.8)]),
        ("seed-1", [
            Row("nlme", "a", 0.30), Row("nlme", "b", 0.40), Row("nlme", "c", 0.50),
            Row("zs", "a", 0.24), Row("zs", "b", 0.46), Row("zs", "c", 0.36, 1.0)]),
    ];

    [Fact]
    public void SpreadAndPairingMatchHandComputedValues()
    {
        var report = SeedRepeats.Compare(TwoRuns(), "nlme");
        var zs = report.Methods.Single(m => m.Method == "zs");
        // Run means 0.366667 and 0.353333: mean 0.36, sample sd |diff| / sqrt(2) = 0.013333 / 1.41421.
        Assert.Equal(0.36, zs.MeanLogRmse, 12);
        Assert.Equal(0.0133333333333 / Math.Sqrt(2), zs.MeanLogRmseSd, 9);
        Assert.Equal(0.353333333333, zs.MeanLogRmseMin, 9);
        // Medians 0.40 and 0.36.
        Assert.Equal(0.38, zs.MedianLogRmse, 12);
        // Each study moves by 0.04 between the runs: sd 0.04 / sqrt(2) for all three.
        Assert.Equal(0.04 / Math.Sqrt(2), zs.StudySd, 12);
        Assert.Equal(0.04 / Math.Sqrt(2), zs.StudySdMax, 12);
        // Median coverage 0.9 in both runs.
        Assert.Equal(0.9, zs.Coverage90, 12);
        var nlme = report.Methods.Single(m => m.Method == "nlme");
        Assert.Equal(0.0, nlme.MeanLogRmseSd, 12);
        Assert.Equal(0.0, nlme.StudySd, 12);

        var pair = Assert.Single(report.Pairings);
        Assert.Equal(("zs", "nlme"), (pair.Method, pair.Reference));
        // Differences of the means: -0.033333 and -0.046667.
        Assert.Equal(-0.04, pair.MeanDifference, 12);
        Assert.Equal(2, pair.SeedsBetter);
        // Run-averaged per study: a 0.22 < 0.30, b 0.48 > 0.40, c 0.38 < 0.50: 2 of 3 won; sign test p = 2 * P(X <= 1) = 1.
        Assert.Equal((2, 3), (pair.StudiesBetter, pair.Studies));
        Assert.Equal(1.0, pair.SignTestP, 12);
        Assert.Contains("zs", SeedRepeats.Format(report), StringComparison.Ordinal);
        Assert.Contains("-0.040 +- ", SeedRepeats.Format(report), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 5, 0.0625)]            // 2 / 32
    [InlineData(1, 10, 0.021484375)]      // 2 * 11 / 1024
    [InlineData(8, 16, 1.0)]
    [InlineData(10, 16, 0.454498291015625)] // 2 * P(X <= 6), X ~ Bin(16, 1/2) = 2 * 14893 / 65536
    [InlineData(0, 0, 1.0)]
    public void SignTestIsTheExactBinomialTail(int k, int n, double p) => Assert.Equal(p, SeedRepeats.SignTest(k, n), 12);

    [Fact]
    public void RunsThatDifferInMoreThanTheSeedAreRefused()
    {
        var runs = TwoRuns().ToList();
        var ex = Assert.Throws<ArgumentException>(() => SeedRepeats.Compare([runs[0]], "nlme"));
        Assert.Contains("expected at least two", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => SeedRepeats.Compare(runs, "pff"));
        Assert.Contains("reference method 'pff' is not in the runs", ex.Message, StringComparison.Ordinal);
        var fewer = ("seed-2", (IReadOnlyList<BenchmarkRow>)runs[1].Item2.Where(r => r.Study != "c" || r.Method != "zs").ToList());
        ex = Assert.Throws<ArgumentException>(() => SeedRepeats.Compare([runs[0], fewer], "nlme"));
        Assert.Contains("method zs ran on different studies in runs 'seed-0' and 'seed-2'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchmarkCsvRoundTripsAndBadFilesNameLineAndColumn()
    {
        var dir = Directory.CreateTempSubdirectory("zspk-seeds-").FullName;
        try
        {
            var rows = BenchmarkTable.Build([], [("nlme", "x", "too many individuals")]).Concat(TwoRuns()[0].Item2).ToList();
            var path = Path.Combine(dir, "benchmark.csv");
            BenchmarkTable.Write(path, rows);
            var back = BenchmarkTable.Read(path);
            Assert.Equal(rows.Count, back.Count);
            Assert.Equal(0.2, back.Single(r => r.Method == "zs" && r.Study == "a").LogRmse, 12);
            Assert.Equal("too many individuals", back.First(r => r.Study == "x").Note);

            File.WriteAllText(path, BenchmarkTable.Header + "\nnlme,a,1,10,zero,0.9,1,0,0.1,1,\n");
            var ex = Assert.Throws<DatasetFormatException>(() => BenchmarkTable.Read(path));
            Assert.Equal((2, "LOG_RMSE"), (ex.Line, ex.Column));
            File.WriteAllText(path, "METHOD,STUDY\n");
            ex = Assert.Throws<DatasetFormatException>(() => BenchmarkTable.Read(path));
            Assert.Contains("expected 'METHOD,STUDY,N_STUDIES", ex.Message, StringComparison.Ordinal);
            BenchmarkTable.Write(path, rows);
            var missing = Assert.Throws<FileNotFoundException>(() => SeedRepeats.Load([dir, Path.Combine(dir, "missing")]));
            Assert.Contains("no benchmark.csv in", missing.Message, StringComparison.Ordinal);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TheCommittedBenchmarkReadsWithItsMeanRows()
    {
        var rows = BenchmarkTable.Read(DataFiles.Path("data/results/benchmark/benchmark.csv"));
        var mean = rows.Single(r => r.Method == "aicmet-tta" && r.Study == "MEAN");
        Assert.Equal(16, mean.Studies);
        // The MEAN row is the mean of the 16 study rows (each written to 4 decimals).
        var studies = rows.Where(r => r.Method == "aicmet-tta" && r.Studies == 1 && r.Study != "MEAN" && r.Study != "MEDIAN").ToList();
        Assert.Equal(16, studies.Count);
        Assert.InRange(mean.LogRmse - studies.Average(r => r.LogRmse), -1e-4, 1e-4);
    }

    [Fact]
    public void CompareSeedsCommandPrintsAndWritesTheReportAndRefusesBadInput()
    {
        var dir = Directory.CreateTempSubdirectory("zspk-compare-seeds-").FullName;
        try
        {
            var runs = TwoRuns();
            var folders = runs.Select(r => Path.Combine(dir, r.Item1)).ToArray();
            for (var k = 0; k < runs.Count; k++)
            {
                Directory.CreateDirectory(folders[k]);
                BenchmarkTable.Write(Path.Combine(folders[k], "benchmark.csv"), runs[k].Item2);
            }
            var report = Path.Combine(dir, "seeds.txt");
            var (code, text) = ZspkProcess.RunFlat(250, "compare-seeds", folders[0], folders[1], "--out", report);
            Assert.True(code == 0, text);
            Assert.Equal(SeedRepeats.Format(SeedRepeats.Load(folders)), File.ReadAllText(report));
            Assert.Contains("-0.040 +- ", text, StringComparison.Ordinal);

            (code, text) = ZspkProcess.RunFlat(250, "compare-seeds", folders[0]);
            Assert.Equal(1, code);
            Assert.Contains("compare-seeds: 1 run folder(s) given; expected at least two", text, StringComparison.Ordinal);
            (code, text) = ZspkProcess.RunFlat(250, "compare-seeds", folders[0], folders[0] + "/");
            Assert.Equal(1, code);
            Assert.Contains($"compare-seeds: {folders[0]} is given 2 times; expected each run folder once.", text, StringComparison.Ordinal);
            (code, text) = ZspkProcess.RunFlat(250, "compare-seeds", folders[0], report);
            Assert.Equal(1, code);
            Assert.Contains($"compare-seeds: {report} is a file; expected the --out folder of zspk evaluate --benchmark.", text, StringComparison.Ordinal);
            (code, text) = ZspkProcess.RunFlat(250, "compare-seeds", folders[0], folders[1], "--reference", "pff");
            Assert.Equal(1, code);
            Assert.Contains("reference method 'pff' is not in the runs; expected one of nlme, zs.", text, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TheCommittedSeedReportIsWhatCompareSeedsGivesOnTheCommittedRuns()
    {
        string[] runs = ["data/results/benchmark", .. Enumerable.Range(1, 4).Select(k => $"data/results/benchmark-seeds/seed-{k}")];
        var report = SeedRepeats.Load(runs.Select(DataFiles.Path).ToArray());
        var committed = File.ReadAllText(DataFiles.Path("data/results/benchmark-seeds/seeds.txt"));
        // The first line names the folders as given (relative in the committed file); the table must match exactly.
        static string Body(string text) => text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..];
        Assert.Equal(Body(committed), Body(SeedRepeats.Format(report)));
        var pff = report.Pairings.Single(p => p.Method == "pff-tta");
        Assert.Equal((5, 5, 11, 16), (pff.SeedsBetter, pff.Seeds, pff.StudiesBetter, pff.Studies));
    }
}
