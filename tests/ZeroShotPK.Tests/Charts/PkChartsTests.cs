using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using Plotly.NET;
using ZeroShotPK.Charts;
using ZeroShotPK.Data;
using ZeroShotPK.Notebooks;

namespace ZeroShotPK.Tests.Charts;

public class PkChartsTests
{
    private static JsonElement Figure(GenericChart chart) => JsonDocument.Parse(GenericChart.toFigureJson(chart)).RootElement;

    [Fact]
    public void Profiles_has_one_trace_per_individual_with_its_observations_and_unit_labels()
    {
        var study = Fixtures.Study();
        var fig = Figure(PkCharts.Profiles(study, logScale: true));
        var traces = fig.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(["S1", "S2", "S3"], traces.Select(t => t.GetProperty("name").GetString()));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Fixtures.Times, traces[i].GetProperty("x").EnumerateArray().Select(e => e.GetDouble()));
            Assert.Equal(study.Individuals[i].Observations.Select(o => o.Value), traces[i].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
        }
        var layout = fig.GetProperty("layout");
        Assert.Equal("Time (h)", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("Concentration (ug/mL)", layout.GetProperty("yaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("log", layout.GetProperty("yaxis").GetProperty("type").GetString());
        Assert.Equal("fixture", layout.GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("linear", Figure(PkCharts.Profiles(study)).GetProperty("layout").GetProperty("yaxis").GetProperty("type").GetString());
    }

    [Fact]
    public void PredictionBand_fills_between_percentiles_and_adds_observed_points()
    {
        var p = Fixtures.Prediction();
        var observed = new[] { new Observation(1, 9.5), new Observation(8, 4.1) };
        var traces = Figure(PkCharts.PredictionBand(p, observed, new Units())).GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(4, traces.Length);
        Assert.Equal(p.Lower90, traces[0].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(p.Upper90, traces[1].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal("tonexty", traces[1].GetProperty("fill").GetString());
        Assert.Equal("aicmet median", traces[2].GetProperty("name").GetString());
        Assert.Equal(p.Median, traces[2].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal([9.5, 4.1], traces[3].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(3, Figure(PkCharts.PredictionBand(p, null, new Units())).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public void PredictionBand_tells_the_samples_given_to_the_method_from_the_held_out_ones()
    {
        var observed = new[] { new Observation(8, 4.1), new Observation(1, 9.5), new Observation(2, 8.0) };
        var fig = Figure(PkCharts.PredictionBand(Fixtures.Prediction(), observed, new Units(), logScale: true, known: 2));
        var traces = fig.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(5, traces.Length);
        // The first two in time order were given; the later one is held out, drawn as an open circle.
        Assert.Equal("given to the method (2)", traces[3].GetProperty("name").GetString());
        Assert.Equal([9.5, 8.0], traces[3].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal("held out", traces[4].GetProperty("name").GetString());
        Assert.Equal("circle-open", traces[4].GetProperty("marker").GetProperty("symbol").GetString());
        Assert.Equal([4.1], traces[4].GetProperty("y").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal("power", fig.GetProperty("layout").GetProperty("yaxis").GetProperty("exponentformat").GetString());
        Assert.Throws<ArgumentOutOfRangeException>(() => PkCharts.PredictionBand(Fixtures.Prediction(), observed, new Units(), known: -1));
    }

    [Fact]
    public void Profiles_of_an_empty_study_is_an_error_naming_the_study()
    {
        var ex = Assert.Throws<ArgumentException>(() => PkCharts.Profiles(new Study("empty", [])));
        Assert.StartsWith("study 'empty' has no individuals to plot.", ex.Message);
    }

    [Fact]
    public void Standalone_page_inlines_plotly_js_and_references_no_remote_script()
    {
        string html = ChartPage.ToStandaloneHtml("t", PkCharts.Profiles(Fixtures.Study()));
        Assert.Equal("2.28.0", ChartPage.PlotlyJsVersion);
        Assert.Contains("plotly.js v2.28.0", html);
        Assert.True(html.Length > 3_000_000, $"page is {html.Length} chars: plotly.js not inlined");
        // Apart from plotly.js itself (whose geo defaults name a CDN), nothing on the page points to the network.
        string ownMarkup = html.Replace(ChartPage.PlotlyJs, "");
        Assert.DoesNotContain("http", ownMarkup);
        Assert.Contains(ChartPage.Marker, html);
        // The inlined source must not end the script element early.
        Assert.Equal(1, CountOf(html, "</script>") - CountOf(ChartPage.ToHtmlFragment(PkCharts.Profiles(Fixtures.Study())), "</script>"));
    }

    [Fact]
    public void Html_views_show_one_row_per_individual_and_per_time()
    {
        string study = Fixtures.Study().ToHtml();
        Assert.Equal(3 + 1, CountOf(study, "<tr>"));
        Assert.Contains("<th>Cmax (ug/mL)</th>", study);
        Assert.Contains("<td>S2</td><td>1</td><td>320</td><td>7</td><td>0</td>", study);
        string pred = Fixtures.Prediction().ToHtml();
        Assert.Equal(Fixtures.Times.Length + 1, CountOf(pred, "<tr>"));
        Assert.Contains("<tr><td>0.5</td><td>9.512</td><td>5.707</td><td>15.22</td></tr>", pred);
    }

    [Fact]
    public void Initialize_outside_the_kernel_registers_no_formatter_but_resolves_newer_FSharp_Core()
    {
        var session = NotebookSupport.Initialize();
        Assert.False(session.FormattersRegistered);
        var loaded = typeof(Microsoft.FSharp.Core.FSharpOption<int>).Assembly;
        var resolved = AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName("FSharp.Core, Version=99.1.0.0"));
        Assert.Same(loaded, resolved);
    }

    private static int CountOf(string s, string what)
    {
        int n = 0;
        for (int i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
