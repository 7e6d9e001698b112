using System.Text;
using Plotly.NET;

namespace ZeroShotPK.Charts;

/// <summary>
/// Offline HTML for Plotly.NET charts. plotly.js is never fetched from a CDN: it is the copy Plotly.NET
/// embeds (the version its JSON targets), inlined into standalone pages.
/// </summary>
public static class ChartPage
{
    /// <summary>Attribute on every chart div; the notebook runner looks for it to prove a chart was drawn.</summary>
    public const string Marker = "data-zspk-chart";

    private static readonly Lazy<(string Version, string Source)> PlotlyJsLazy = new(LoadPlotlyJs);
    private static int _counter;

    /// <summary>Version of the inlined plotly.js (from Plotly.NET's embedded resource name).</summary>
    public static string PlotlyJsVersion => PlotlyJsLazy.Value.Version;

    /// <summary>The plotly.js source (minified, about 3.6 MB).</summary>
    public static string PlotlyJs => PlotlyJsLazy.Value.Source;

    /// <summary>
    /// A div plus a script that draws the chart with a global <c>Plotly</c>; no plotly.js inside. Ids are
    /// deterministic (a counter per process), so re-executed notebooks give the same output.
    /// </summary>
    public static string ToHtmlFragment(GenericChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        string id = $"zspk-chart-{Interlocked.Increment(ref _counter)}";
        string figure = GenericChart.toFigureJson(chart);
        // Waits for plotly.js when the page inlines it after this output (e.g. a notebook render).
        return $$"""
            <div id="{{id}}" {{Marker}}="1"></div>
            <script type="text/javascript">
            (function () {
              var fig = {{figure}};
              var draw = function () {
                if (!window.Plotly) { setTimeout(draw, 50); return; }
                window.Plotly.newPlot('{{id}}', fig.data, fig.layout, {displaylogo: false});
              };
              draw();
            })();
            </script>
            """;
    }

    /// <summary>A script element holding the whole plotly.js source.</summary>
    public static string PlotlyJsScriptTag() =>
        $"<script type=\"text/javascript\" data-zspk-plotly=\"{PlotlyJsVersion}\">{PlotlyJs}</script>";

    /// <summary>A standalone HTML page (plotly.js inlined) showing the charts one under the other.</summary>
    public static string ToStandaloneHtml(string title, params GenericChart[] charts)
    {
        if (charts.Length == 0) throw new ArgumentException("a chart page needs at least one chart.", nameof(charts));
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
          .Append(System.Net.WebUtility.HtmlEncode(title)).Append("</title>\n")
          .Append(PlotlyJsScriptTag()).Append("\n</head><body style=\"background:white\">\n");
        foreach (var c in charts) sb.Append(ToHtmlFragment(c)).Append('\n');
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>Writes <see cref="ToStandaloneHtml"/> to <paramref name="path"/> (temp file, then rename).</summary>
    public static void Write(string path, string title, params GenericChart[] charts)
    {
        string html = ToStandaloneHtml(title, charts);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = full + ".tmp";
        File.WriteAllText(tmp, html, new UTF8Encoding(false));
        File.Move(tmp, full, overwrite: true);
    }

    private static (string, string) LoadPlotlyJs()
    {
        var asm = typeof(GenericChart).Assembly;
        string name = asm.GetManifestResourceNames().FirstOrDefault(n => n.StartsWith("Plotly.NET.plotly-") && n.EndsWith(".min.js"))
            ?? throw new InvalidOperationException($"Plotly.NET {asm.GetName().Version} does not embed plotly.js (expected a resource 'Plotly.NET.plotly-*.min.js').");
        using var stream = asm.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string version = name["Plotly.NET.plotly-".Length..^".min.js".Length];
        return (version, reader.ReadToEnd());
    }
}
