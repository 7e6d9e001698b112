using System.Text.Json;
using Microsoft.Data.Analysis;
using Deedle;
using Plotly.NET;
using ZeroShotPK.Charts;
using ZeroShotPK.Notebooks;

namespace ZeroShotPK.Tests.Charts;

public class StatChartsTests
{
    private static JsonElement Figure(GenericChart chart) => JsonDocument.Parse(GenericChart.toFigureJson(chart)).RootElement;
    private static double[] Numbers(JsonElement trace, string axis) => trace.GetProperty(axis).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    [Fact]
    public void Histograms_count_shared_bins_as_density_bars_and_take_log10_when_asked()
    {
        var fig = Figure(StatCharts.Histograms([("a", [1.0, 10, 100]), ("b", [1000.0])], "CL (L/h)", title: "t", log10: true, bins: 3));
        var traces = fig.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(["a", "b"], traces.Select(t => t.GetProperty("name").GetString()));
        Assert.All(traces, t => Assert.Equal("bar", t.GetProperty("type").GetString()));
        // log10 values 0, 1, 2 and 3: bins [0,1), [1,2), [2,3] shared by both series; the maximum falls in the last bin.
        Assert.All(traces, t => Assert.Equal([0.5, 1.5, 2.5], Numbers(t, "x")));
        Assert.All(traces, t => Assert.Equal(1.0, t.GetProperty("width").GetDouble()));
        Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 3.0], Numbers(traces[0], "y"));
        Assert.Equal([0.0, 0, 1], Numbers(traces[1], "y"));
        var layout = fig.GetProperty("layout");
        Assert.Equal("overlay", layout.GetProperty("barmode").GetString());
        Assert.Equal(0, layout.GetProperty("bargap").GetDouble());
        Assert.Equal("log10 CL (L/h)", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void Histogram_densities_integrate_to_one_and_carry_one_number_per_bin()
    {
        var values = Enumerable.Range(0, 4000).Select(i => Math.Sin(i) * 3 + i % 7).ToArray();
        var trace = Figure(StatCharts.Histograms([("v", values)], "v", bins: 25)).GetProperty("data")[0];
        var y = Numbers(trace, "y");
        Assert.Equal(25, y.Length);
        Assert.Equal(1.0, y.Sum() * trace.GetProperty("width").GetDouble(), 12);
        var ex = Assert.Throws<ArgumentException>(() => StatCharts.Histograms([("w", [1.0, double.NaN])], "w"));
        Assert.StartsWith("histograms: series 'w' has a value that is NaN or infinite.", ex.Message);
    }

    [Fact]
    public void Histograms_refuse_non_positive_values_on_log10_naming_the_series()
    {
        var ex = Assert.Throws<ArgumentException>(() => StatCharts.Histograms([("ok", [1.0]), ("V", [2.0, 0])], "V", log10: true));
        Assert.StartsWith("histograms: series 'V' has a value <= 0; log10 needs positive values.", ex.Message);
    }

    [Fact]
    public void Lines_of_one_group_become_one_trace_broken_by_gaps_with_one_legend_entry_per_group()
    {
        var fig = Figure(StatCharts.Lines(
        [
            new ChartSeries("s1", [0.0, 1], [1.0, 2], "Oral"),
            new ChartSeries("s3", [0.0, 2], [5.0, 6], "IvBolus"),
            new ChartSeries("s2", [0.0, 1], [3.0, 4], "Oral"),
        ], "t", "c", logY: true));
        var traces = fig.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(["Oral", "IvBolus"], traces.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal([true, true], traces.Select(t => t.GetProperty("showlegend").GetBoolean()));
        var colours = traces.Select(t => t.GetProperty("line").GetProperty("color").GetString()).ToArray();
        Assert.NotEqual(colours[0], colours[1]);
        // The two Oral series, in order, with a NaN (a gap: plotly does not join across it) between them.
        Assert.Equal([0.0, 1, double.NaN, 0, 1], NumbersOrNaN(traces[0], "x"));
        Assert.Equal([1.0, 2, double.NaN, 3, 4], NumbersOrNaN(traces[0], "y"));
        Assert.Equal([5.0, 6], Numbers(traces[1], "y"));
        Assert.Equal("log", fig.GetProperty("layout").GetProperty("yaxis").GetProperty("type").GetString());
        Assert.Equal(["lines", "lines"], traces.Select(t => t.GetProperty("mode").GetString()));
        // In the page the gap is written as null, which plotly also draws as a gap.
        string fragment = ChartPage.ToHtmlFragment(StatCharts.Lines([new ChartSeries("a", [0.0], [1.0], "g"), new ChartSeries("b", [2.0], [3.0], "g")], "t", "c"));
        Assert.Contains("\"x\":[0,null,2],\"y\":[1,null,3]", fragment);
    }

    private static double[] NumbersOrNaN(JsonElement trace, string axis) => trace.GetProperty(axis).EnumerateArray()
        .Select(e => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : e.GetString() == "NaN" ? double.NaN : throw new FormatException(e.ToString())).ToArray();

    [Fact]
    public void Lines_draw_a_markers_series_as_points()
    {
        var traces = Figure(StatCharts.Lines([new ChartSeries("pred", [1.0, 2], [3.0, 4]), new ChartSeries("observed", [1.5], [3.5], Markers: true)], "t", "c"))
            .GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(["lines", "markers"], traces.Select(t => t.GetProperty("mode").GetString()));
        Assert.Equal([3.5], Numbers(traces[1], "y"));
    }

    [Fact]
    public void Series_with_mismatched_lengths_is_an_error()
    {
        var ex = Assert.Throws<ArgumentException>(() => StatCharts.Points([new ChartSeries("bad", [1.0, 2], [1.0])], "x", "y"));
        Assert.StartsWith("series 'bad': 2 x values but 1 y values.", ex.Message);
    }

    [Fact]
    public void Intervals_draw_a_whisker_and_a_point_per_label_and_check_the_order()
    {
        var traces = Figure(StatCharts.Intervals([new IntervalEstimate("ddpm", 0.03, 0.017, 0.052), new IntervalEstimate("reference", 0, 1e-19, 0.0095)], "rate"))
            .GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(4, traces.Length);
        Assert.Equal([0.017, 0.052], Numbers(traces[0], "y"));
        Assert.Equal([0.03], Numbers(traces[1], "y"));
        Assert.Equal("ddpm", traces[1].GetProperty("x")[0].GetString());
        var ex = Assert.Throws<ArgumentException>(() => StatCharts.Intervals([new IntervalEstimate("m", 2, 0, 1)], "y"));
        Assert.StartsWith("intervals: 'm' has value 2 outside [0, 1].", ex.Message);
    }

    [Fact]
    public void ToDataFrame_makes_numeric_and_string_columns_and_renders_html()
    {
        var df = HtmlViews.ToDataFrame(new[] { new { Method = "nlme", Rmse = 0.25, N = 12 }, new { Method = "aicmet", Rmse = 0.125, N = 11 } });
        Assert.Equal(["Method", "Rmse", "N"], df.Columns.Select(c => c.Name));
        Assert.IsType<StringDataFrameColumn>(df.Columns["Method"]);
        Assert.IsType<DoubleDataFrameColumn>(df.Columns["N"]);
        Assert.Equal(0.125, (double)df.Columns["Rmse"][1]!);
        Assert.Equal("<table><thead><tr><th>Method</th><th>Rmse</th><th>N</th></tr></thead><tbody>"
            + "<tr><td>nlme</td><td>0.25</td><td>12</td></tr><tr><td>aicmet</td><td>0.125</td><td>11</td></tr></tbody></table>", df.ToHtml());
        Assert.EndsWith("<div>(1 more rows)</div>", df.ToHtml(maxRows: 1));
    }

    [Fact]
    public void A_deedle_pivot_renders_as_a_table_with_row_keys_and_blank_missing_values()
    {
        var rows = new[] { new { Study = "theo", Method = "nlme", V = 0.25 }, new { Study = "theo", Method = "aicmet", V = 0.125 }, new { Study = "indo", Method = "nlme", V = 0.5 } };
        var pivot = Deedle.Frame.FromRecords(rows).PivotTable<int, string, string, string, double>("Study", "Method", f => f.GetColumn<double>("V").FirstValue());
        var html = pivot.ToHtml();
        Assert.StartsWith("<table><thead><tr><th></th>", html);
        Assert.Contains("<tr><th>theo</th>", html);
        Assert.Contains("<td>0.125</td>", html);
        Assert.Contains("<td></td>", html); // indo has no aicmet value
        Assert.EndsWith("<div>(1 more rows)</div>", pivot.ToHtml(maxRows: 1));
    }
}
