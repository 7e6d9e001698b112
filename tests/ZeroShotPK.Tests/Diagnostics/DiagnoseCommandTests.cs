using System.Globalization;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Tests.Data;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Diagnostics;

/// <summary>zspk diagnose run as a process on theophylline with the population method.</summary>
public sealed class DiagnoseCommandTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "zspk-diagnose-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { if (Directory.Exists(dir)) Directory.Delete(dir, true); }

    [Fact]
    [Trait("Category", "Slow")]
    public void PopulationOnTheophyllineWritesThePanelAndTheProtocolsNumbers()
    {
        var data = DataFiles.Path("data/theophylline.csv");
        var (code, output) = ZspkProcess.Run(200, "diagnose", "--data", data, "--method", "population", "--samples", "200", "--out", dir);
        Assert.True(code == 0, output);
        var csv = File.ReadAllLines(Path.Combine(dir, "diagnostics.csv"));
        Assert.Equal("section,item,statistic,value", csv[0]);
        var values = csv.Skip(1).Select(l => l.Split(',')).ToDictionary(f => $"{f[0]}/{f[1]}/{f[2]}", f => double.Parse(f[3], CultureInfo.InvariantCulture));

        // The same leave-one-out protocol as zspk evaluate: its log-RMSE and 90% coverage must come out identical.
        var study = NonmemCsv.ReadStudy(data);
        var reference = LeaveOneOut.Run(study, new PopulationPredictor(samples: 200), 4).Summary;
        Assert.Equal(12, values["gof/all/individuals"]);
        Assert.Equal(reference.ObservationsScored, values["gof/all/observations_scored"]);
        Assert.Equal(0, values["gof/all/observations_blq"]);
        Assert.Equal(reference.LogRmse, values["gof/all/mean_individual_log_rmse"], 1e-9);
        Assert.Equal(reference.Coverage90, values["gof/all/coverage90"], 1e-9);
        Assert.InRange(values["gof/all/mean_individual_log_rmse"], 0.20, 0.24); // README: population 0.219
        Assert.Equal(reference.ObservationsScored, values["coverage/0.9/count"]);
        Assert.Equal(200, values["vpc/all/replicates"]);
        Assert.Equal(6, csv.Count(l => l.StartsWith("vpc,bin") && l.Contains(",observed_count,"))); // 6 time bins
        Assert.Equal(reference.ObservationsScored, csv.Where(l => l.StartsWith("vpc,bin") && l.Contains(",observed_count,"))
            .Sum(l => double.Parse(l.Split(',')[3], CultureInfo.InvariantCulture)));
        Assert.DoesNotContain(csv, l => l.StartsWith("sbc,") || l.StartsWith("ood,"));

        var html = File.ReadAllText(Path.Combine(dir, "diagnostics.html"));
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("data-zspk-plotly=", html); // plotly.js inlined: renders offline
        Assert.Equal(2, html.Split("data-zspk-chart=\"1\"").Length - 1); // panel + PIT histogram
        Assert.Contains("population on theophylline: diagnostics", html);
        Assert.Contains("not applicable to &#39;population&#39;", html);
        Assert.Contains("wrote ", output);
    }

    [Fact]
    public void MoreThanOneMethodIsRefusedByName()
    {
        var (code, output) = ZspkProcess.Run(200, "diagnose", "--data", DataFiles.Path("data/theophylline.csv"), "--method", "nlme,population", "--out", dir);
        Assert.Equal(1, code);
        Assert.Contains("error: --method: diagnose takes one method, got 'nlme,population' (nlme, population).", output.Replace("\n", ""));
        Assert.False(Directory.Exists(dir));
    }
}
