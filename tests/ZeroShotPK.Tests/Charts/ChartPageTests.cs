using System.Text.Json;
using ZeroShotPK.Charts;

namespace ZeroShotPK.Tests.Charts;

public class ChartPageTests
{
    [Fact]
    public void Compact_json_rounds_fractions_keeps_integers_and_strings_and_writes_gaps_as_null()
    {
        string json = "{ \"x\": [0.123456789, 12345678, -1.5e-7, 2.0, \"NaN\", NaN, -Infinity],\n \"name\": \"a 0.123456789 \\\"b\\\" NaN\", \"y\": 98765.4321 }";
        string compact = ChartPage.CompactJson(json);
        Assert.Equal("{\"x\":[0.12346,12345678,-1.5E-07,2,null,null,null],\"name\":\"a 0.123456789 \\\"b\\\" NaN\",\"y\":98765}", compact);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(compact).RootElement.ValueKind);
    }

    [Fact]
    public void Chart_fragments_carry_compact_json_that_parses_back_to_the_same_figure_within_rounding()
    {
        var times = Enumerable.Range(0, 50).Select(i => i * 0.37).ToArray();
        var chart = PkCharts.PredictionBand(new ZeroShotPK.Inference.Prediction("m", times, times.Select(t => Math.Exp(-t / 3)).ToArray(),
            times.Select(t => 0.5 * Math.Exp(-t / 3)).ToArray(), times.Select(t => 2 * Math.Exp(-t / 3)).ToArray()), null, new ZeroShotPK.Data.Units());
        string full = Plotly.NET.GenericChart.toFigureJson(chart);
        string fragment = ChartPage.ToHtmlFragment(chart);
        int start = fragment.IndexOf("var fig = ", StringComparison.Ordinal) + "var fig = ".Length;
        string compact = fragment[start..fragment.IndexOf(";\n", start, StringComparison.Ordinal)];
        Assert.True(compact.Length < 0.9 * full.Length, $"compact {compact.Length} vs {full.Length} characters");
        var a = JsonDocument.Parse(full).RootElement.GetProperty("data")[2].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var b = JsonDocument.Parse(compact).RootElement.GetProperty("data")[2].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 5e-5 * Math.Abs(a[i]), $"y[{i}]: {a[i]} vs {b[i]}");
    }

    [Fact]
    public void The_default_template_ships_once_with_plotly_js_instead_of_in_every_chart()
    {
        var chart = PkCharts.Profiles(Fixtures.Study());
        string full = ChartPage.CompactJson(Plotly.NET.GenericChart.toFigureJson(chart));
        using var doc = JsonDocument.Parse(full);
        string template = doc.RootElement.GetProperty("layout").GetProperty("template").GetRawText();
        Assert.True(template.Length > 5_000, $"template is {template.Length} characters");
        string fragment = ChartPage.ToHtmlFragment(chart);
        Assert.DoesNotContain("\"template\":", fragment);
        Assert.Contains("fig.layout.template = window.zspkPlotlyTemplate;", fragment);
        Assert.EndsWith($"\nwindow.zspkPlotlyTemplate = {template};</script>", ChartPage.PlotlyJsScriptTag());
        // A chart with its own template keeps it inline.
        string custom = ChartPage.ToHtmlFragment(Plotly.NET.Chart.withTemplate(Plotly.NET.ChartTemplates.dark).Invoke(chart));
        Assert.Contains("\"template\":", custom);
        Assert.DoesNotContain("window.zspkPlotlyTemplate", custom);
    }
}
