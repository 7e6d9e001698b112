using System.Diagnostics;
using ZeroShotPK.Charts;

namespace ZeroShotPK.Tests.Charts;

/// <summary>A fact that is skipped, with the reason, only when no Chromium is installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when Chromium is absent.</summary>
    public ChromiumFactAttribute()
    {
        if (ChartRenderTests.FindChromium() is null)
            Skip = "chromium is not installed (environment/setup.sh installs it); the visual chart test needs it.";
    }
}

/// <summary>Renders chart pages in headless Chromium (installed by environment/setup.sh) and looks at the pixels.</summary>
public class ChartRenderTests
{
    internal static string? FindChromium() =>
        new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(n => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, n)))
            .FirstOrDefault(File.Exists);

    /// <summary>Screenshots <paramref name="htmlPath"/> (1000x700) and returns the decoded PNG.</summary>
    private static Png Screenshot(string chromium, string htmlPath, string dir)
    {
        string png = Path.Combine(dir, Path.GetFileNameWithoutExtension(htmlPath) + ".png");
        var psi = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", $"--user-data-dir={Path.Combine(dir, "profile")}",
                     $"--screenshot={png}", "--window-size=1000,700", "--virtual-time-budget=5000", new Uri(htmlPath).AbsoluteUri })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "chromium did not finish within 60 s");
        Assert.True(File.Exists(png), $"chromium wrote no screenshot (exit {p.ExitCode}): {stderr.Result}");
        return Png.Read(png);
    }

    /// <summary>Pixels clearly coloured (not white/grey): trace lines and markers, never page background or text.</summary>
    private static int ColouredPixels(Png png)
    {
        int n = 0;
        for (int y = 0; y < png.Height; y++)
            for (int x = 0; x < png.Width; x++)
            {
                var (r, g, b) = png[x, y];
                if (Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)) > 60) n++;
            }
        return n;
    }

    private static int NonWhitePixels(Png png) =>
        Enumerable.Range(0, png.Width * png.Height).Count(i => png.Rgb[3 * i] < 240 || png.Rgb[3 * i + 1] < 240 || png.Rgb[3 * i + 2] < 240);

    [ChromiumFact]
    [Trait("Category", "Slow")]
    public void Chart_page_renders_offline_with_plot_area_and_coloured_traces()
    {
        string chromium = FindChromium()!;
        string dir = Directory.CreateTempSubdirectory("zspk-chart-").FullName;
        try
        {
            string page = Path.Combine(dir, "profiles.html");
            ChartPage.Write(page, "profiles", PkCharts.Profiles(Fixtures.Study()));
            var png = Screenshot(chromium, page, dir);
            Assert.Equal((1000, 700), (png.Width, png.Height));
            int nonWhite = NonWhitePixels(png), coloured = ColouredPixels(png);
            // Plotly's grey plot area alone is ~20% of the window; three coloured traces give thousands of pixels.
            Assert.True(nonWhite > 100_000, $"only {nonWhite} non-white pixels: chart not drawn");
            Assert.True(coloured > 1_000, $"only {coloured} coloured pixels: traces not drawn");

            // Control: the same chart without plotly.js must come out blank, or the counts above prove nothing.
            string blank = Path.Combine(dir, "no-plotly.html");
            File.WriteAllText(blank, File.ReadAllText(page).Replace(ChartPage.PlotlyJs, ""));
            var control = Screenshot(chromium, blank, dir);
            Assert.True(NonWhitePixels(control) < 1_000, $"{NonWhitePixels(control)} non-white pixels without plotly.js");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
