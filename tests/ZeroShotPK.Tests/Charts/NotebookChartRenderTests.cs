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
}
