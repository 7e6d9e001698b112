using ZeroShotPK.Evaluation;

namespace ZeroShotPK.Tests.Evaluation;

public class BenchmarkTableTests
{
    private static EvaluationSummary S(string method, string study, int n, double rmse, double cov, double sec, int flagged, double known, double early) =>
        new(method, study, n, rmse, cov, sec, 10, 0, flagged, known, early);

    [Fact]
    public void RowsPerStudyThenMeanAndMedianPerMethod()
    {
        var rows = BenchmarkTable.Build(
            [S("aicmet", "a", 6, 0.2, 0.9, 1, 0, 0.1, 0.0), S("aicmet", "b", 12, 0.4, 0.8, 2, 1, 0.3, double.NaN), S("aicmet", "c", 120, 0.9, 0.5, 6, 0, 0.2, 0.6),
             S("nlme", "a", 6, 0.3, 0.85, 30, 2, 0.05, 0.1), S("nlme", "b", 12, 0.1, 0.95, 60, 0, 0.07, 0.3)],
            [("nlme", "c", "120 individuals > --max-individuals nlme=40")]);
        Assert.Equal(["a", "b", "c", "MEAN", "MEDIAN", "a", "b", "c", "MEAN", "MEDIAN"], rows.Select(r => r.Study));
        var mean = rows[3];
        Assert.Equal(("aicmet", 3), (mean.Method, mean.Studies));
        Assert.Equal(46, mean.Individuals, 12);
        Assert.Equal(0.5, mean.LogRmse, 12);
        Assert.Equal(3, mean.Seconds, 12);
        Assert.Equal(0.3, mean.EarlyRatio, 12);            // the NaN of study b is left out: (0 + 0.6) / 2
        var median = rows[4];
        Assert.Equal(0.4, median.LogRmse, 12);
        Assert.Equal(0.2, median.KnownLogRmse, 12);
        Assert.Equal(12, median.Individuals, 12);
        var skipped = rows[7];
        Assert.Equal((0, "120 individuals > --max-individuals nlme=40"), (skipped.Studies, skipped.Note));
        Assert.True(double.IsNaN(skipped.LogRmse));
        var nlmeMedian = rows[9];
        Assert.Equal(2, nlmeMedian.Studies);                 // the skipped study is not aggregated
        Assert.Equal(0.2, nlmeMedian.LogRmse, 12);            // (0.3 + 0.1) / 2
        Assert.Equal(1, nlmeMedian.Flagged, 12);

        var dir = Path.Combine(Path.GetTempPath(), "zspk-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Path.Combine(dir, "benchmark.csv");
            BenchmarkTable.Write(path, rows);
            var lines = File.ReadAllLines(path);
            Assert.Equal(BenchmarkTable.Header, lines[0]);
            Assert.Equal("aicmet,b,1,12,0.4000,0.8000,2.000,1,0.3000,NaN,", lines[2]);
            Assert.Equal("aicmet,MEAN,3,46,0.5000,0.7333,3.000,0.3,0.2000,0.3000,", lines[4]);
            Assert.Equal("nlme,c,0,NaN,NaN,NaN,NaN,NaN,NaN,NaN,120 individuals > --max-individuals nlme=40", lines[8]);
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
