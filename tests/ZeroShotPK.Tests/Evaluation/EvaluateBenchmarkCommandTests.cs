using System.Globalization;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Evaluation;

/// <summary>zspk data convert-benchmark and zspk evaluate --benchmark, run as the user runs them.</summary>
public class EvaluateBenchmarkCommandTests
{
    private static (int Code, string Output) Zspk(params string[] args) => ZspkProcess.RunFlat(250, args);

    [Fact]
    public void EvaluateBenchmarkWritesOneTableAndPerFileFolders()
    {
        var root = Path.Combine(Path.GetTempPath(), "zspk-benchcli-" + Guid.NewGuid().ToString("N"));
        var input = Path.Combine(root, "in");
        var output = Path.Combine(root, "out");
        Directory.CreateDirectory(input);
        try
        {
            foreach (var name in new[] { "indometacin", "cefamandole" })
                File.Copy(DataFiles.Path($"data/benchmark/{name}.csv"), Path.Combine(input, name + ".csv"));
            var (code, text) = Zspk("evaluate", "--benchmark", input, "--method", "aicmet", "--checkpoint", DataFiles.Path("data/checkpoints/aicmet-small"),
                "--max-individuals", "aicmet=6", "--out", output);
            Assert.True(code == 0, text);
            Assert.Contains("benchmark.csv (2 files, 2 studies)", text);
            var lines = File.ReadAllLines(Path.Combine(output, "benchmark.csv"));
            Assert.Equal(BenchmarkTable.Header, lines[0]);
            Assert.Equal(["aicmet,cefamandole", "aicmet,indometacin", "aicmet,MEAN", "aicmet,MEDIAN"], lines.Skip(1).Select(l => string.Join(",", l.Split(',')[..2])));
            var indometacin = lines[2].Split(',');
            // The scored predictions are those of aicmet-small's indometacin row in data/results/benchmark/benchmark.csv
            // (0.4465 / 0.8333 with SeedStream fold seeds; 0.4433 / 0.7143 with seed + f; 0.4187 / 0.7619 with 16 independent draws).
            Assert.Equal(["1", "6"], indometacin[2..4]);
            Assert.Equal(0.4465, double.Parse(indometacin[4], CultureInfo.InvariantCulture), 3);
            Assert.Equal(0.8333, double.Parse(indometacin[5], CultureInfo.InvariantCulture), 3);
            // An IV bolus starts at its peak, so EARLY_RATIO does not count it: NaN for an all-bolus study.
            Assert.Equal("NaN", indometacin[9]);
            var summary = File.ReadAllLines(Path.Combine(output, "indometacin", "summary.csv"));
            Assert.Equal(EvaluationCsv.SummaryHeader, summary[0]);
            var predictions = File.ReadAllLines(Path.Combine(output, "cefamandole", "predictions.csv"));
            // 6 individuals: 10 hidden + 4 known + 1 first-dose row each.
            Assert.Equal(1 + 6 * (10 + 4 + 1), predictions.Length);
            Assert.Equal(6, predictions.Count(l => l.EndsWith(",first-dose", StringComparison.Ordinal)));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void BadOptionsAndBadRawRowsGiveOneSentence()
    {
        // A folder that does not exist: an existing one would be refused first (zspk never writes over a folder without --force).
        var nowhere = Path.Combine(Path.GetTempPath(), "zspk-none-" + Guid.NewGuid().ToString("N"));
        var (code, text) = Zspk("evaluate", "--benchmark", DataFiles.Path("data/benchmark"), "--method", "population", "--max-individuals", "nlme=0", "--out", nowhere);
        Assert.Equal(1, code);
        Assert.Contains("--max-individuals: 'nlme=0' is not METHOD=N", text);
        (code, text) = Zspk("evaluate", "--benchmark", DataFiles.Path("data/benchmark"), "--data", DataFiles.Path("data/theophylline.csv"), "--out", nowhere);
        Assert.Equal(1, code);
        Assert.Contains("--data and --benchmark exclude each other", text);

        var raw = Path.Combine(Path.GetTempPath(), "zspk-rawcli-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(raw, "r"));
            File.WriteAllText(Path.Combine(raw, "r", "Theoph.csv"), "\"Subject\",\"Wt\",\"Dose\",\"Time\",\"conc\"\n\"1\",79.6,4.02,0,0.74\n\"1\",79.6,4.02,-0.25,2.84\n");
            (code, text) = Zspk("data", "convert-benchmark", "--raw", raw, "--out", Path.Combine(raw, "out"));
            Assert.Equal(1, code);
            Assert.Contains("Theoph.csv, line 3, column Time: -0.25 is out of range; expected a number >= 0.", text);
            Assert.DoesNotContain("   at ", text);
        }
        finally { Directory.Delete(raw, true); }
    }
}
