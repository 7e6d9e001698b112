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
    public void Histograms_of_several_series_are_step_outlines_on_shared_bins_and_take_log10_when_asked()
    {
        var fig = Figure(StatCharts.Histograms([("a", [1.0, 10, 100]), ("b", [1000.0])], "CL (L/h)", title: "t", log10: true, bins: 3));
        var traces = fig.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(["a", "b"], traces.Select(t => t.GetProperty("name").GetString()));
        Assert.All(traces, t => Assert.Equal("hv", t.GetProperty("line").GetProperty("shape").GetString()));
        // log10 values 0, 1, 2 and 3: bins [0,1), [1,2), [2,3] shared by both series; the maximum falls in the last bin.
        // Outline: up at the first edge, each bin's height from its left edge, down at the last edge.
        Assert.All(traces, t => Assert.Equal([0.0, 0, 1, 2, 3], Numbers(t, "x")));
        Assert.Equal([0, 1 / 3.0, 1 / 3.0, 1 / 3.0, 0], Numbers(traces[0], "y"));
        Assert.Equal([0.0, 0, 0, 1, 0], Numbers(traces[1], "y"));
        Assert.Equal("log10 CL (L/h)", fig.GetProperty("layout").GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
        // One series stays a bar chart, bars touching.
        var one = Figure(StatCharts.Histograms([("a", [1.0, 2, 3])], "x", bins: 2));
        Assert.Equal("bar", one.GetProperty("data")[0].GetProperty("type").GetString());
        Assert.Equal(0, one.GetProperty("layout").GetProperty("bargap").GetDouble());
    }

    [Fact]
    public void Log_axes_write_powers_of_ten_and_span_at_most_four_decades_below_the_largest_value()
    {
        // A profile from 0 at dose time: 1e-9 would stretch the axis over ten decades.
        var layout = Figure(StatCharts.Lines([new ChartSeries("c", [0.0, 1, 2], [1e-9, 20, 5])], "t", "c (mg/L)", logY: true, logX: false))
            .GetProperty("layout");
        var y = layout.GetProperty("yaxis");
        Assert.Equal("log", y.GetProperty("type").GetString());
        Assert.Equal("c (mg/L)", y.GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("power", y.GetProperty("exponentformat").GetString());
        double hi = Math.Log10(20), lo = hi - 4, pad = 0.05 * 4;
        Assert.Equal([lo - pad, hi + pad], y.GetProperty("range").EnumerateArray().Select(e => e.GetDouble()).ToArray(), new Tolerance(1e-12));
        // Data within the four decades keep their own lowest value; a single value gets one decade around it.
        Assert.Equal((Math.Log10(0.5) - 0.05 * Math.Log10(40), Math.Log10(20) + 0.05 * Math.Log10(40)), ZeroShotPK.Charts.ChartAxes.LogRange([0.5, 20, 0, -1]));
        Assert.Equal((-0.55, 0.55), ZeroShotPK.Charts.ChartAxes.LogRange([1.0]));
        Assert.Null(ZeroShotPK.Charts.ChartAxes.LogRange([0.0, double.NaN]));
        // Linear axes are left to plotly.
        Assert.False(Figure(StatCharts.Lines([new ChartSeries("c", [0.0, 1], [1.0, 2])], "t", "c")).GetProperty("layout").GetProperty("yaxis").TryGetProperty("range", out _));
        // A log-log chart (predicted vs observed) keeps every point: no cut, powers of ten on both axes.
        var scatter = Figure(StatCharts.Lines([new ChartSeries("p", [0.01, 1, 100], [1e-6, 1, 100], Markers: true)], "observed", "predicted", logY: true, logX: true))
            .GetProperty("layout");
        Assert.False(scatter.GetProperty("yaxis").TryGetProperty("range", out _));
        Assert.Equal(("log", "power"), (scatter.GetProperty("yaxis").GetProperty("type").GetString(), scatter.GetProperty("yaxis").GetProperty("exponentformat").GetString()));
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;
        public int GetHashCode(double v) => 0;
    }

    [Fact]
    public void Bands_fill_between_lower_and_upper_with_the_median_and_draw_data_points_last()
    {
        var band = new BandSeries("90% PI", [0.0, 1, 2], [1.0, 2, 3], [4.0, 5, 6], [2.0, 3, 4]);
        var traces = Figure(StatCharts.Bands([band], [new ChartSeries("observed", [0.5, 1.5], [2.5, 3.5])], "t", "c", logY: true))
            .GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(4, traces.Length);
        Assert.Equal([1.0, 2, 3], Numbers(traces[0], "y"));
        Assert.False(traces[0].GetProperty("showlegend").GetBoolean());
        Assert.Equal([4.0, 5, 6], Numbers(traces[1], "y"));
        Assert.Equal("tonexty", traces[1].GetProperty("fill").GetString());
        Assert.Equal([2.0, 3, 4], Numbers(traces[2], "y"));
        Assert.Equal("markers", traces[3].GetProperty("mode").GetString());
        Assert.Equal([2.5, 3.5], Numbers(traces[3], "y"));
        var ex = Assert.Throws<ArgumentException>(() => StatCharts.Bands([band with { Upper = [1.0] }], null, "t", "c"));
        Assert.StartsWith("band '90% PI': lower, upper and median need one value per x (3).", ex.Message);
    }

    [Fact]
    public void A_band_from_curves_is_their_pointwise_type_7_quantiles()
    {
        // 101 curves with values 0..100 at x=0 and 0..200 at x=1: R's quantile(type = 7) gives 5, 50, 95 and 10, 100, 190.
        var curves = Enumerable.Range(0, 101).Select(i => (IReadOnlyList<double>)new[] { (double)i, 2.0 * i }).Reverse();
        var band = BandSeries.FromCurves("vp", [0.0, 1], curves);
        Assert.Equal([5.0, 10], band.Lower);
        Assert.Equal([95.0, 190], band.Upper);
        Assert.Equal([50.0, 100], band.Median!);
        // Two curves: the 5% quantile interpolates 5% of the way from the lower to the upper one.
        Assert.Equal([1.05], BandSeries.FromCurves("two", [0.0], [[1.0], [2.0]]).Lower, new Tolerance(1e-12));
        var ex = Assert.Throws<ArgumentException>(() => BandSeries.FromCurves("vp", [0.0, 1], [[1.0, 2], [3.0]]));
        Assert.StartsWith("band 'vp': curve 1 has 1 values for 2 x values.", ex.Message);
    }

    [Fact]
    public void Points_draw_a_faint_background_cloud_under_outlined_data_with_labels_and_an_identity_line()
    {
        var traces = Figure(StatCharts.Points(
            [
                new ChartSeries("simulated", [1.0, 2, 3], [1.0, 2, 3]),
                new ChartSeries("real", [2.0], [4.0], Labels: ["theophylline"]),
            ], "x", "y", identity: true, background: 1)).GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(3, traces.Length);
        Assert.Equal(0.35, traces[0].GetProperty("opacity").GetDouble());
        Assert.Equal(4, traces[0].GetProperty("marker").GetProperty("size").GetDouble());
        Assert.Equal(9, traces[1].GetProperty("marker").GetProperty("size").GetDouble());
        Assert.Equal("rgb(40,40,40)", traces[1].GetProperty("marker").GetProperty("line").GetProperty("color").GetString());
        Assert.Equal("theophylline", traces[1].GetProperty("text")[0].GetString());
        // y = x over every value of both axes, as a dashed line.
        Assert.Equal("y = x", traces[2].GetProperty("name").GetString());
        Assert.Equal([1.0, 4], Numbers(traces[2], "x"));
        Assert.Equal([1.0, 4], Numbers(traces[2], "y"));
    }

    [Fact]
    public void By_category_puts_each_value_at_its_named_category_and_leaves_NaN_out()
    {
        var traces = Figure(StatCharts.ByCategory([new CategorySeries("nlme", ["theophylline", "warfarin"], [0.2, double.NaN]),
            new CategorySeries("aicmet", ["theophylline", "warfarin"], [0.3, 0.4])], "log-RMSE")).GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(["theophylline"], traces[0].GetProperty("x").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([0.2], Numbers(traces[0], "y"));
        Assert.Equal(["theophylline", "warfarin"], traces[1].GetProperty("x").EnumerateArray().Select(e => e.GetString()));
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
        // Half a category of room at each end, so the value written right of the last whisker is not clipped.
        var x = Figure(StatCharts.Intervals([new IntervalEstimate("a", 1, 0, 2), new IntervalEstimate("b", 1, 0, 2)], "y")).GetProperty("layout").GetProperty("xaxis");
        Assert.Equal([-0.5, 1.5], x.GetProperty("range").EnumerateArray().Select(e => e.GetDouble()));
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
