using System.Diagnostics;

namespace ZeroShotPK.Tests.Charts;

/// <summary>
/// A fact that needs headless Chromium (installed by environment/setup.sh, which CI runs first). Without Chromium the
/// test fails with a message saying so; it is skipped only when ZSPK_SKIP_BROWSER_TESTS=1 says that is intended.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Skips only on an explicit opt-out.</summary>
    public ChromiumFactAttribute() { if (Chromium.OptedOut) Skip = Chromium.OptOutReason; }
}

/// <summary>The theory form of <see cref="ChromiumFactAttribute"/>.</summary>
public sealed class ChromiumTheoryAttribute : TheoryAttribute
{
    /// <summary>Skips only on an explicit opt-out.</summary>
    public ChromiumTheoryAttribute() { if (Chromium.OptedOut) Skip = Chromium.OptOutReason; }
}

/// <summary>Screenshots of HTML pages in headless Chromium, and pixel counts on them.</summary>
internal static class Chromium
{
    public static bool OptedOut => Environment.GetEnvironmentVariable("ZSPK_SKIP_BROWSER_TESTS") == "1" && Find() is null;
    public const string OptOutReason = "chromium is not installed and ZSPK_SKIP_BROWSER_TESTS=1: visual chart tests skipped on request.";

    public static string? Find() =>
        new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(n => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, n)))
            .FirstOrDefault(File.Exists);

    /// <summary>The browser, or a failed assertion naming what to do.</summary>
    public static string Require() => Find() ?? throw new Xunit.Sdk.XunitException(
        "chromium not found on PATH (chromium, chromium-browser or google-chrome): run environment/setup.sh, which installs it, " +
        "or set ZSPK_SKIP_BROWSER_TESTS=1 to skip the visual chart tests on purpose.");

    /// <summary>Screenshots <paramref name="htmlPath"/> (<paramref name="width"/> x <paramref name="height"/>) and returns the decoded PNG.</summary>
    public static Png Screenshot(string htmlPath, string dir, int width = 1000, int height = 700)
    {
        string chromium = Require();
        string png = Path.Combine(dir, Path.GetFileNameWithoutExtension(htmlPath) + ".png");
        var psi = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", $"--user-data-dir={Path.Combine(dir, "profile")}",
                     $"--screenshot={png}", $"--window-size={width},{height}", "--virtual-time-budget=5000", new Uri(htmlPath).AbsoluteUri })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "chromium did not finish within 60 s");
        Assert.True(File.Exists(png), $"chromium wrote no screenshot (exit {p.ExitCode}): {stderr.Result}");
        return Png.Read(png);
    }

    /// <summary>Pixels clearly coloured (not white/grey): trace lines, bars and markers, never page background or text.</summary>
    public static int ColouredPixels(Png png)
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

    public static int NonWhitePixels(Png png) =>
        Enumerable.Range(0, png.Width * png.Height).Count(i => png.Rgb[3 * i] < 240 || png.Rgb[3 * i + 1] < 240 || png.Rgb[3 * i + 2] < 240);
}
