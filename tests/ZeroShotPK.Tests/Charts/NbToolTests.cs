using System.Diagnostics;
using System.Text.Json.Nodes;
using ZeroShotPK.Charts;
using ZeroShotPK.Notebooks;
using ZeroShotPK.Tests.Data;
using ZeroShotPK.Training;

namespace ZeroShotPK.Tests.Charts;

/// <summary>environment/nbtool.py, the notebook runner's checker: what makes a notebook fail, and what a commit keeps.</summary>
public class NbToolTests
{
    private static JsonObject Cell(string id, string[] tags, params JsonObject[] outputs) => new()
    {
        ["cell_type"] = "code", ["id"] = id, ["metadata"] = new JsonObject { ["tags"] = new JsonArray(tags.Select(t => (JsonNode)t!).ToArray()) },
        ["source"] = "x", ["outputs"] = new JsonArray(outputs),
    };

    private static JsonObject Html(string html) => new()
    {
        ["output_type"] = "display_data", ["metadata"] = new JsonObject(), ["data"] = new JsonObject { ["text/html"] = html },
    };

    private static string Chart(double[] y) => ChartPage.ToHtmlFragment(StatCharts.Lines([new ChartSeries("s", y.Select((_, i) => (double)i).ToArray(), y)], "x", "y"));

    private static (int Exit, string Output, string Path) Run(string command, params JsonObject[] cells)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("zspk-nbtool-").FullName, "nb.ipynb");
        File.WriteAllText(path, new JsonObject { ["cells"] = new JsonArray(cells), ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 5 }.ToJsonString());
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { DataFiles.Path("environment/nbtool.py"), command, path }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output.Trim(), path);
    }

    [Fact]
    public void Check_fails_on_a_missing_or_empty_chart_and_on_a_notebook_without_chart_cells()
    {
        var ok = Run("check", Cell("a", ["chart"], Html(Chart([1.0, 2]))));
        Assert.Equal((0, ""), (ok.Exit, ok.Output));
        var noTag = Run("check", Cell("a", [], Html(Chart([1.0, 2]))));
        Assert.Equal((1, "no cell tagged chart: every notebook draws at least one chart, and the runner checks them by tag"), (noTag.Exit, noTag.Output));
        var missing = Run("check", Cell("a", ["chart"], Html("<div>a table</div>")));
        Assert.Equal((1, "cell a: tagged chart but produced no chart output"), (missing.Exit, missing.Output));
        var empty = Run("check", Cell("a", ["chart"], Html(Chart([1.0]).Replace("\"x\":[0],\"y\":[1]", "\"x\":[],\"y\":[]"))));
        Assert.Equal((1, "cell a: a chart output has no trace with data (an empty chart)"), (empty.Exit, empty.Output));
    }

    [Fact]
    public void Commit_keeps_only_the_last_panel_of_a_live_view()
    {
        var panels = new List<string>();
        var monitor = new TrainingMonitor("cpu", refreshEvery: 5, show: m => panels.Add(m.ToHtml()));
        for (int s = 1; s <= 10; s++) monitor.Report(new TrainingProgress(s, 10, s, null, 1, 1e-3, 0, 1) { StepLoss = s });
        Assert.Equal(3, panels.Count); // steps 1, 5, 10
        var (exit, output, path) = Run("commit", Cell("init", [], Html(PlotlyOutput)), Cell("train", [], [.. panels.Select(Html), Html("<b>after</b>")]), Cell("c", ["chart"], Html(Chart([1.0, 2]))));
        Assert.Equal((0, ""), (exit, output));
        var outputs = JsonNode.Parse(File.ReadAllText(path))!["cells"]![1]!["outputs"]!.AsArray()
            .Select(o => string.Concat(o!["data"]!["text/html"]!.AsArray().Select(l => (string)l!))).ToArray();
        Assert.Equal([panels[^1], "<b>after</b>"], outputs);
    }

    // The first output of every notebook: plotly.js inlined between the markers NotebookSupport writes.
    private static readonly string PlotlyOutput = $"<!--{NotebookSession.PlotlyMarker}-->{ChartPage.PlotlyJsScriptTag()}<!--/{NotebookSession.PlotlyMarker}-->";

    [ChromiumFact]
    [Trait("Category", "Slow")]
    public void Commit_leaves_plotly_js_out_and_gives_each_chart_a_static_image_its_script_replaces()
    {
        var (exit, output, path) = Run("commit", Cell("init", [], Html(PlotlyOutput)), Cell("c", ["chart"], Html(Chart([1.0, 2, 4]))));
        Assert.Equal((0, ""), (exit, output));
        string Out(int cell) => string.Concat(JsonNode.Parse(File.ReadAllText(path))!["cells"]![cell]!["outputs"]![0]!["data"]!["text/html"]!.AsArray().Select(l => (string)l!));
        Assert.DoesNotContain("Plotly.newPlot", Out(0));
        Assert.True(Out(0).Length < 1000, $"plotly.js left in the committed output ({Out(0).Length} characters)");
        var chart = Out(1);
        var image = System.Text.RegularExpressions.Regex.Match(chart, "<img data-zspk-static=\"1\"[^>]*src=\"data:image/webp;base64,([A-Za-z0-9+/=]+)\"");
        Assert.True(image.Success, chart[..Math.Min(400, chart.Length)]);
        var webp = Convert.FromBase64String(image.Groups[1].Value);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(webp, 0, 4));
        Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(webp, 8, 4));
        Assert.Contains("el.innerHTML = ''", chart); // the interactive chart replaces the image where plotly.js runs
        // Committing again (an already committed notebook) keeps one image per chart.
        Run("commit", Cell("init", [], Html(PlotlyOutput)), Cell("c", ["chart"], Html(chart)));
    }
}
