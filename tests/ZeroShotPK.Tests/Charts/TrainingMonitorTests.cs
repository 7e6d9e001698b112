using System.Text.Json;
using System.Text.RegularExpressions;
using ZeroShotPK.Charts;
using ZeroShotPK.Notebooks;
using ZeroShotPK.Training;

namespace ZeroShotPK.Tests.Charts;

public class TrainingMonitorTests
{
    // Step s of a 100-step run: step loss s, validations every 30 steps (loss 1000 - s / 30), 2 steps/s.
    private static TrainingProgress Step(int s, int total = 100) => new(s, total, Loss: double.NaN,
        ValidationLoss: s >= 30 ? 1000 - s / 30 : null, StepsPerSecond: 2, LearningRate: 1e-3, DataSeconds: 0, StepSeconds: 0.5)
        { StepLoss = s, Validated = s % 30 == 0 };

    private static (TrainingMonitor Monitor, List<(int Step, string Html)> Shown) Run(int upTo, int total = 100, int every = 0)
    {
        var shown = new List<(int, string)>();
        var m = new TrainingMonitor("CPU", every, show: x => shown.Add((x.Last!.Step, x.ToHtml())));
        for (int s = 1; s <= upTo; s++) m.Report(Step(s, total));
        return (m, shown);
    }

    [Fact]
    public void Refreshes_at_the_first_step_every_n_steps_at_validations_and_at_the_end()
    {
        var (m, shown) = Run(100);
        // Automatic: 100 / 25 = every 4 steps; validations at 30 and 90 are off that grid (60 is on it).
        Assert.Equal(4, m.RefreshEvery);
        int[] expected = [1, .. Enumerable.Range(1, 25).Select(k => 4 * k).Append(30).Append(90).Order()];
        Assert.Equal(expected, shown.Select(x => x.Step));
        Assert.Equal(expected.Length, m.Refreshes);
        var (_, fixedEvery) = Run(100, every: 50);
        Assert.Equal([1, 30, 50, 60, 90, 100], fixedEvery.Select(x => x.Step));
    }

    [Fact]
    public void Panel_states_device_step_trailing_mean_validation_rate_and_eta()
    {
        var (m, shown) = Run(50);
        // Window 100 / 20 = 5 steps: mean of step losses 46..50 = 48.
        Assert.Equal(5, m.SmoothingWindow);
        Assert.Equal(48, m.SmoothedLoss, 12);
        Assert.Equal(25, m.EtaSeconds!.Value, 12); // 50 steps left at 2 steps/s
        Assert.Matches(@"^pretraining on cpu: step 50/100 \(50%\), loss 48\.000 \(mean of 5; step 50\.000\), validation 999\.000, 2\.00 steps/s, elapsed \d+:\d\d:\d\d, ETA 0:00:25$", m.ToString());
        string html = m.ToHtml();
        Assert.Contains("on <b>cpu</b>: step <b>50</b> / 100 (50%) running", html);
        Assert.Contains("training loss 48.000 (mean of the last 5 steps; this step 50.000) · validation 999.000 (step 30) · 2.00 steps/s", html);
        Assert.Contains("· ETA 0:00:25", html);
        Assert.Contains("width:50.0%", html);
        // One validation point plus the legend's marker.
        Assert.Equal(2, Regex.Count(html, "<circle"));
        Assert.Equal(1, Regex.Count(html, "<div " + TrainingMonitor.LiveMarker + "=\"" + m.RunId + "\""));
        Assert.Equal(48, shown[^1].Step); // the last refresh (every 4 steps)
        Assert.Contains("step <b>48</b> / 100", shown[^1].Html);

        var (done, _) = Run(100);
        Assert.Contains("step <b>100</b> / 100 (100%) finished", done.ToHtml());
        Assert.Contains("· ETA done", done.ToHtml());
        Assert.Equal(4, Regex.Count(done.ToHtml(), "<circle"));
    }

    [Fact]
    public void Chart_stays_small_on_long_runs_and_maps_the_loss_range_onto_the_plot()
    {
        var (m, _) = Run(10_000, total: 10_000, every: 10_000);
        string html = m.ToHtml();
        var polylines = Regex.Matches(html, "points=\"([^\"]*)\"").Select(x => x.Groups[1].Value.Split(' ')).ToArray();
        Assert.Equal(2, polylines.Length);
        Assert.All(polylines, p => Assert.Equal(240, p.Length));
        Assert.True(html.Length < 30_000, $"panel is {html.Length} characters");
        // The step loss rises 1..10000, so the faint line goes from the plot's bottom-left (48, 144) to its top-right (472, 8).
        Assert.Equal("48.0,144.0", polylines[0][0]);
        Assert.Equal("472.0,8.0", polylines[0][^1]);
    }

    [ChromiumFact]
    [Trait("Category", "Slow")]
    public void Earlier_panels_of_a_run_are_hidden_so_the_page_shows_the_last_state_only()
    {
        var (m, shown) = Run(100, every: 25);
        string Page(IEnumerable<string> panels) => "<!DOCTYPE html><html><body style=\"margin:0;background:white\">"
            + string.Concat(panels.Select(p => $"<div class=\"jp-OutputArea-child\">{p}</div>")) + "</body></html>";
        string dir = Directory.CreateTempSubdirectory("zspk-live-").FullName;
        try
        {
            string Shot(string name, string html) { var path = Path.Combine(dir, name + ".html"); File.WriteAllText(path, html); return path; }
            var last = Chromium.Screenshot(Shot("last", Page([shown[^1].Html])), dir, 600, 2200);
            var all = Chromium.Screenshot(Shot("all", Page(shown.Select(x => x.Html))), dir, 600, 2200);
            int lastColoured = Chromium.ColouredPixels(last);
            // Progress bar, loss lines and validation points of the final panel.
            Assert.True(lastColoured > 2_000, $"the final panel has only {lastColoured} coloured pixels");
            Assert.Equal(lastColoured, Chromium.ColouredPixels(all));
            // Control: without the scripts the earlier panels (steps 1, 25, 30, ...) stay on the page.
            var noScript = Chromium.Screenshot(Shot("no-script", Page(shown.Select(x => x.Html[..x.Html.IndexOf("<script", StringComparison.Ordinal)]))), dir, 600, 2200);
            Assert.True(Chromium.ColouredPixels(noScript) > lastColoured * 3 / 2, $"{Chromium.ColouredPixels(noScript)} coloured pixels without the scripts");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Bad_arguments_are_refused_with_the_parameter()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingMonitor("cpu", refreshEvery: -1));
        Assert.StartsWith("refreshEvery must be >= 0 (0 = automatic).", ex.Message);
        Assert.Throws<ArgumentException>(() => new TrainingMonitor(" "));
        Assert.Equal("pretraining on cuda:0: waiting for the first step", new TrainingMonitor("CUDA:0", show: _ => { }).ToString());
    }
}

public class TrainingChartsTests
{
    private static string LossLog(params string[] rows)
    {
        string dir = Directory.CreateTempSubdirectory("zspk-loss-").FullName;
        File.WriteAllLines(Path.Combine(dir, "loss.csv"), ["step,loss,nll,kl,lr,grad_norm,val_loss,val_rmse,elapsed_s", .. rows]);
        return dir;
    }

    [Fact]
    public void Loss_curves_draw_every_nth_training_row_and_every_validation_row()
    {
        string dir = LossLog(Enumerable.Range(1, 20).Select(s => $"{s},{10.0 / s},0,0,0.001,1,{(s % 10 == 0 ? (5.0 / s).ToString(System.Globalization.CultureInfo.InvariantCulture) : "")},,{s}").ToArray());
        try
        {
            var fig = JsonDocument.Parse(Plotly.NET.GenericChart.toFigureJson(TrainingCharts.LossCurves(dir, "run", every: 5))).RootElement;
            var traces = fig.GetProperty("data").EnumerateArray().ToArray();
            Assert.Equal(["training: negative ELBO (every 5th step)", "validation: predictive NLL"], traces.Select(t => t.GetProperty("name").GetString()));
            Assert.Equal([1.0, 6, 11, 16, 20], traces[0].GetProperty("x").EnumerateArray().Select(e => e.GetDouble()));
            Assert.Equal(10.0 / 6, traces[0].GetProperty("y")[1].GetDouble(), 12);
            Assert.Equal([10.0, 20], traces[1].GetProperty("x").EnumerateArray().Select(e => e.GetDouble()));
            Assert.Equal([0.5, 0.25], traces[1].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void The_forecaster_log_is_told_apart_by_its_header_and_its_validation_only_row_skipped_for_training()
    {
        string dir = Directory.CreateTempSubdirectory("zspk-loss-").FullName;
        File.WriteAllLines(Path.Combine(dir, "loss.csv"),
            ["step,loss,grad_norm,val_loss,val_rmse,elapsed_s", "0,,,4.5,5.4,1", "1,4.25,140,,,2", "2,3.5,120,,,3", "3,-1.5,90,-2.25,0.3,4"]);
        try
        {
            var fig = JsonDocument.Parse(Plotly.NET.GenericChart.toFigureJson(TrainingCharts.LossCurves(dir, every: 2))).RootElement;
            var traces = fig.GetProperty("data").EnumerateArray().ToArray();
            Assert.Equal(["training: NLL (every 2th step)", "validation: NLL"], traces.Select(t => t.GetProperty("name").GetString()));
            // Training rows 1, 2, 3: every 2nd of them (1) and the last (3); validation at 0 and 3.
            Assert.Equal([1.0, 3], traces[0].GetProperty("x").EnumerateArray().Select(e => e.GetDouble()));
            Assert.Equal([4.25, -1.5], traces[0].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
            Assert.Equal([0.0, 3], traces[1].GetProperty("x").EnumerateArray().Select(e => e.GetDouble()));
            Assert.Equal([4.5, -2.25], traces[1].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
            Assert.Contains("NLL per point (normalised log conc.)", fig.GetProperty("layout").GetRawText());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void An_unknown_loss_log_header_is_an_error_naming_both_known_ones()
    {
        string dir = Directory.CreateTempSubdirectory("zspk-loss-").FullName;
        File.WriteAllLines(Path.Combine(dir, "loss.csv"), ["step,loss,val_loss", "1,2,3"]);
        try
        {
            var ex = Assert.Throws<FormatException>(() => TrainingCharts.LossCurves(dir));
            Assert.Equal($"{Path.Combine(dir, "loss.csv")}:1: expected the header of an AICMET or PFF run (step,loss,nll,kl,lr,grad_norm,val_loss,val_rmse,elapsed_s) " +
                         "or of the PBPK forecaster (step,loss,grad_norm,val_loss,val_rmse,elapsed_s), found 'step,loss,val_loss'.", ex.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Notebook_07_cells_run_on_the_shipped_forecaster()
    {
        // Cell 4: the shipped forecaster's curve, every 50th of its 24000 training steps plus the last, and its 100 validations (step 0, every 250th, and three more at time-based checkpoints).
        var dir = ZeroShotPK.Models.Neural.ShippedModels.Require("pbpk-forecast");
        var traces = JsonDocument.Parse(Plotly.NET.GenericChart.toFigureJson(TrainingCharts.LossCurves(dir, "PBPK forecaster: training curve", every: 50)))
            .RootElement.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(481, traces[0].GetProperty("x").GetArrayLength());
        Assert.Equal(51, traces[0].GetProperty("x")[1].GetDouble());
        Assert.Equal(100, traces[1].GetProperty("x").GetArrayLength());
        Assert.Equal(5.034033203125, traces[1].GetProperty("y")[0].GetDouble(), 12);
        // Cell 14: the midazolam study's first dose (8.205 mg IV bolus) as the forecaster's dose.
        var study = ZeroShotPK.Data.NonmemCsv.ReadStudy(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(dir))!, "benchmark", "midazolam-iv-heizmann1983.csv"));
        var dose = ZeroShotPK.Pbpk.Forecast.ForecastDose.FromEvent(study.Individuals[0].Doses[0] with { Time = 0 });
        Assert.Equal(new ZeroShotPK.Pbpk.Forecast.ForecastDose(0, 8.205, ZeroShotPK.Pbpk.Forecast.ForecastRoute.IvBolus), dose);
    }

    [Fact]
    public void A_bad_loss_log_is_an_error_naming_file_line_and_column()
    {
        string dir = LossLog("1,2.5,0,0,0,0,,,1", "2,abc,0,0,0,0,,,2");
        try
        {
            var ex = Assert.Throws<FormatException>(() => TrainingCharts.LossCurves(dir));
            Assert.Equal($"{Path.Combine(dir, "loss.csv")}:3: column 2 ('loss') should be a number, found 'abc'.", ex.Message);
            Assert.Throws<FileNotFoundException>(() => TrainingCharts.LossCurves(Path.Combine(dir, "missing")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
