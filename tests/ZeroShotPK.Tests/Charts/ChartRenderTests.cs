using ZeroShotPK.Charts;

namespace ZeroShotPK.Tests.Charts;

/// <summary>Renders a chart page built here in headless Chromium and looks at the pixels.</summary>
public class ChartRenderTests
{
    [ChromiumFact]
    [Trait("Category", "Slow")]
    public void Chart_page_renders_offline_with_plot_area_and_coloured_traces()
    {
        string dir = Directory.CreateTempSubdirectory("zspk-chart-").FullName;
        try
        {
            string page = Path.Combine(dir, "profiles.html");
            ChartPage.Write(page, "profiles", PkCharts.Profiles(Fixtures.Study()));
            var png = Chromium.Screenshot(page, dir);
            Assert.Equal((1000, 700), (png.Width, png.Height));
            int nonWhite = Chromium.NonWhitePixels(png), coloured = Chromium.ColouredPixels(png);
            // Plotly's grey plot area alone is ~20% of the window; three coloured traces give thousands of pixels.
            Assert.True(nonWhite > 100_000, $"only {nonWhite} non-white pixels: chart not drawn");
            Assert.True(coloured > 1_000, $"only {coloured} coloured pixels: traces not drawn");

            // Control: the same chart without plotly.js must come out blank, or the counts above prove nothing.
            string blank = Path.Combine(dir, "no-plotly.html");
            File.WriteAllText(blank, File.ReadAllText(page).Replace(ChartPage.PlotlyJs, ""));
            var control = Chromium.Screenshot(blank, dir);
            Assert.True(Chromium.NonWhitePixels(control) < 1_000, $"{Chromium.NonWhitePixels(control)} non-white pixels without plotly.js");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
