using System.Text.Json;
using ZeroShotPK.Charts;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Charts;

/// <summary>
/// One chart of each committed notebook, as its saved output, rendered in headless Chromium with plotly.js inlined:
/// proves the outputs a reader gets draw (not only that the chart code works, which the other chart tests cover).
/// The charts are the ones shown in the README.
/// </summary>
public class NotebookChartRenderTests
{
    /// <summary>Notebook and the id of its cell whose first chart output is rendered.</summary>
    public static readonly TheoryData<string, string> Charts = new()
    {
        { "00-quickstart", "profiles" },
        { "01-prior-design", "check-chart" },
        { "02-pretraining", "shipped-loss" },
        { "03-in-context-inference", "reveal" },
        { "04-baseline-comparison", "panel" },
        { "05-pbpk-virtual-populations", "profiles" },
        { "06-bring-your-own-study", "predict" },
        { "07-pbpk-forecasting", "real" },
    };

    private static string NotebookPath(string name) => DataFiles.Path(Path.Combine("notebooks", name + ".ipynb"));

    /// <summary>The first output of cell <paramref name="cellId"/> that carries a chart, as HTML.</summary>
    internal static string ChartOutput(string notebook, string cellId)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(NotebookPath(notebook)));
        var cell = doc.RootElement.GetProperty("cells").EnumerateArray()
            .FirstOrDefault(c => c.TryGetProperty("id", out var id) && id.GetString() == cellId);
        Assert.True(cell.ValueKind == JsonValueKind.Object, $"{notebook}.ipynb has no cell with id '{cellId}'.");
        foreach (var output in cell.GetProperty("outputs").EnumerateArray())
        {
            if (!output.TryGetProperty("data", out var data) || !data.TryGetProperty("text/html", out var html)) continue;
            string text = html.ValueKind == JsonValueKind.Array ? string.Concat(html.EnumerateArray().Select(l => l.GetString())) : html.GetString()!;
            if (text.Contains(ChartPage.Marker)) return text;
        }
        throw new Xunit.Sdk.XunitException($"{notebook}.ipynb cell '{cellId}' has no chart output: re-run environment/run-notebooks.sh --update-outputs.");
    }

    [Fact]
    public void Every_notebook_has_a_chart_in_the_visual_test()
    {
        var notebooks = Directory.GetFiles(DataFiles.Path("notebooks"), "*.ipynb").Select(Path.GetFileNameWithoutExtension).Order().ToArray();
        Assert.Equal(notebooks, Charts.Select(row => (string)row[0]).Order().ToArray());
        foreach (var row in Charts) Assert.Contains("var fig = {\"data\":[{", ChartOutput((string)row[0], (string)row[1]));
    }

    [ChromiumTheory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(Charts))]
    public void Saved_chart_of_each_notebook_renders_in_chromium(string notebook, string cellId)
    {
        string chart = ChartOutput(notebook, cellId);
        string dir = Directory.CreateTempSubdirectory("zspk-nbchart-").FullName;
        try
        {
            string page = Path.Combine(dir, notebook + ".html");
            File.WriteAllText(page, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">" + ChartPage.PlotlyJsScriptTag()
                + "</head><body style=\"margin:0;background:white\">" + chart + "</body></html>");
            var png = Chromium.Screenshot(page, dir, 1150, 950);
            int nonWhite = Chromium.NonWhitePixels(png), coloured = Chromium.ColouredPixels(png);
            // A blank page (no plotly.js: see ChartRenderTests' control) has under 1,000 non-white pixels; the plot area alone
            // (plotly's grey-blue background) is 90,000 to 150,000 pixels of a 760 x 440 chart, less with a wide legend.
            Assert.True(nonWhite > 60_000, $"{notebook}/{cellId}: only {nonWhite} non-white pixels: chart not drawn");
            Assert.True(coloured > 1_000, $"{notebook}/{cellId}: only {coloured} coloured pixels: traces not drawn");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Every chart output of every committed notebook, as HTML: (notebook, chart id, html).</summary>
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(DataFiles.Path("notebooks"), "*.ipynb").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    private static List<string> ChartOutputs(string notebook)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(NotebookPath(notebook)));
        var charts = new List<string>();
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            if (!cell.TryGetProperty("outputs", out var outputs)) continue;
            foreach (var output in outputs.EnumerateArray())
            {
                if (!output.TryGetProperty("data", out var data) || !data.TryGetProperty("text/html", out var html)) continue;
                string text = html.ValueKind == JsonValueKind.Array ? string.Concat(html.EnumerateArray().Select(l => l.GetString())) : html.GetString()!;
                if (text.Contains(ChartPage.Marker)) charts.Add(text);
            }
        }
        return charts;
    }

    [ChromiumTheory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(Notebooks))]
    public void Every_committed_chart_draws_offline_without_plotly_js(string notebook)
    {
        // What a reader sees on opening the committed notebook with no kernel and no network: the outputs alone, with no
        // plotly.js anywhere (the commit step leaves it out), so each chart must carry its own static image.
        var charts = ChartOutputs(notebook);
        Assert.NotEmpty(charts);
        string dir = Directory.CreateTempSubdirectory("zspk-offline-").FullName;
        try
        {
            for (int i = 0; i < charts.Count; i++)
            {
                Assert.DoesNotContain("data-zspk-plotly", charts[i]);
                string page = Path.Combine(dir, $"{notebook}-{i + 1}.html");
                File.WriteAllText(page, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0;background:white\">"
                    + charts[i] + "</body></html>");
                var png = Chromium.Screenshot(page, dir, 1150, 950);
                int nonWhite = Chromium.NonWhitePixels(png), coloured = Chromium.ColouredPixels(png);
                // A blank chart (the output without its static image) has no non-white pixel at all.
                Assert.True(nonWhite > 40_000, $"{notebook}, chart {i + 1} of {charts.Count}: only {nonWhite} non-white pixels offline: chart blank (re-commit it with environment/run-notebooks.sh --update-outputs)");
                Assert.True(coloured > 100, $"{notebook}, chart {i + 1} of {charts.Count}: only {coloured} coloured pixels offline: traces not drawn");
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [ChromiumFact]
    [Trait("Category", "Slow")]
    public void A_chart_output_without_its_static_image_is_blank_offline()
    {
        // The control: the same check on a chart output stripped of its static image must fail.
        string chart = System.Text.RegularExpressions.Regex.Replace(ChartOutputs("00-quickstart")[0], "<img data-zspk-static=\"1\"[^>]*>", "");
        string dir = Directory.CreateTempSubdirectory("zspk-offline-").FullName;
        try
        {
            string page = Path.Combine(dir, "blank.html");
            File.WriteAllText(page, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0;background:white\">" + chart + "</body></html>");
            Assert.True(Chromium.NonWhitePixels(Chromium.Screenshot(page, dir, 1150, 950)) < 1_000);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
