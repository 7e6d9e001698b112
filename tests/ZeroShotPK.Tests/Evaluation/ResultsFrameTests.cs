using System.Globalization;
using Deedle;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Evaluation;

public class ResultsFrameTests
{
    private static readonly string Benchmark = DataFiles.Path("data/results/benchmark");

    private static Dictionary<(string Method, string Study), string[]> SummaryRows()
    {
        var rows = new Dictionary<(string, string), string[]>();
        foreach (var dir in Directory.GetDirectories(Benchmark))
            foreach (var line in File.ReadAllLines(Path.Combine(dir, "summary.csv")).Skip(1))
            {
                var f = line.Split(',');
                rows[(f[0], f[1])] = f;
            }
        return rows;
    }

    private static string F4(double x) => x.ToString("F4", CultureInfo.InvariantCulture);

    [Fact]
    public void TheFrameSummaryReproducesEverySummaryCsvOfTheBenchmark()
    {
        var results = ResultsFrame.Load(Benchmark);
        var summary = ResultsFrame.Summary(results);
        var expected = SummaryRows();
        Assert.Equal(expected.Count, summary.RowCount);
        foreach (var row in summary.Rows.Values)
        {
            var f = expected[(row.GetAs<string>("Method"), row.GetAs<string>("Study"))];
            Assert.Equal(f[3], F4(row.GetAs<double>("LogRmse")));
            Assert.Equal(f[4], F4(row.GetAs<double>("Coverage90")));
            Assert.Equal(f[2], row.GetAs<double>("Individuals").ToString(CultureInfo.InvariantCulture));
            Assert.Equal(f[6], row.GetAs<double>("Samples").ToString(CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void ThePivotAndItsMeansAndMediansReproduceBenchmarkCsv()
    {
        var pivot = ResultsFrame.Pivot(ResultsFrame.Summary(ResultsFrame.Load(Benchmark)), "LogRmse");
        var over = ResultsFrame.OverStudies(pivot);
        var lines = File.ReadAllLines(Path.Combine(Benchmark, "benchmark.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(lines.Select(f => f[1]).Where(s => s is not ("MEAN" or "MEDIAN")).Distinct().Order(), pivot.RowKeys.Order());
        foreach (var f in lines)
        {
            double value = double.Parse(f[4], CultureInfo.InvariantCulture);
            if (f[1] is "MEAN" or "MEDIAN")
                // benchmark.csv rounds each study to 4 decimals first: within 6e-4, not "equal to 3 decimals",
                // which fails on a rounding boundary (0.87050 vs 0.87054).
                Assert.Equal(value, over.GetColumn<double>(f[0])[f[1]], 6e-4);
            else
                Assert.Equal(f[4], F4(pivot.GetColumn<double>(f[0])[f[1]]));
        }
    }

    [Fact]
    public void PublishedFiguresJoinBesideOurStudies()
    {
        var pivot = ResultsFrame.Pivot(ResultsFrame.Summary(ResultsFrame.Load(Benchmark)), "LogRmse");
        var joined = ResultsFrame.WithPublished(pivot, ResultsFrame.Published(DataFiles.Path("data/results/published.csv")));
        Assert.Equal(pivot.RowCount, joined.RowCount);
        Assert.Equal(0.274, joined.GetColumn<double>("AICMET (published)")["theophylline"], 12);
        Assert.Equal(0.245, joined.GetColumn<double>("PFF (published)")["indometacin"], 12);
        Assert.False(joined.GetColumn<double>("PFF (published)").TryGet("warfarin").HasValue);
        Assert.Equal(pivot.GetColumn<double>("nlme")["theophylline"], joined.GetColumn<double>("nlme")["theophylline"]);
    }

    [Fact]
    public void PerIndividualErrorsComeFromTheFrame()
    {
        var results = ResultsFrame.Load(Path.Combine(Benchmark, "theophylline"));
        var perIndividual = ResultsFrame.PerIndividual(results);
        var nlme = perIndividual.Where(r => r.Value.GetAs<string>("Method") == "nlme");
        Assert.Equal(12, nlme.RowCount);
        // Individual 1 by hand from predictions.csv.
        var rows = ResultsFrame.ReadPredictions(Path.Combine(Benchmark, "theophylline", "predictions.csv"))
            .Where(r => r.Method == "nlme" && r.Id == "1" && r.Scored && r.Role == "predicted").ToArray();
        double byHand = Math.Sqrt(rows.Average(r => Math.Pow(Math.Log(r.Dv) - Math.Log(r.Pred), 2)));
        var one = nlme.Where(r => r.Value.GetAs<string>("Id") == "1").Rows.Values.Single();
        Assert.Equal(byHand, one.GetAs<double>("LogRmse"), 12);
        Assert.Equal(rows.Length, one.GetAs<double>("Samples"));
    }

    [Fact]
    public void AFolderWithoutResultsOrAForeignFileIsRefusedWithAnExplanation()
    {
        var dir = Directory.CreateTempSubdirectory("zspk-frame-").FullName;
        try
        {
            var e = Assert.Throws<DatasetFormatException>(() => ResultsFrame.Load(dir));
            Assert.Contains("no predictions.csv", e.Message);
            File.WriteAllText(Path.Combine(dir, "predictions.csv"), "ID,TIME,DV\n1,0,1\n");
            e = Assert.Throws<DatasetFormatException>(() => ResultsFrame.Load(dir));
            Assert.Contains("expected 'METHOD,DATASET", e.Message);
            File.WriteAllText(Path.Combine(dir, "predictions.csv"), EvaluationCsv.PredictionsHeader + "\nnlme,s,1,abc,1,1,0.5,2,1,0,predicted\n");
            e = Assert.Throws<DatasetFormatException>(() => ResultsFrame.Load(dir));
            Assert.Equal(2, e.Line);
            Assert.Equal("TIME", e.Column);
            Assert.Throws<DirectoryNotFoundException>(() => ResultsFrame.Load(Path.Combine(dir, "missing")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
