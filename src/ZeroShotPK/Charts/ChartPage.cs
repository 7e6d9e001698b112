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
        string figure = CompactJson(GenericChart.toFigureJson(chart));
        // Plotly.NET writes its default template (about 7.6 kB) into every chart; it is shipped once, with plotly.js.
        string shared = "," + TemplateKey + DefaultTemplate.Value;
        bool sharedTemplate = figure.Contains(shared, StringComparison.Ordinal);
        if (sharedTemplate) figure = figure.Replace(shared, "", StringComparison.Ordinal);
        string template = sharedTemplate ? $"fig.layout.template = window.{TemplateVariable};" : "";
        // Waits for plotly.js when the page inlines it after this output (e.g. a notebook render).
        return $$"""
            <div id="{{id}}" {{Marker}}="1"></div>
            <script type="text/javascript">
            (function () {
              var fig = {{figure}};
              var draw = function () {
                if (!window.Plotly) { setTimeout(draw, 50); return; }
                {{template}}
                var el = document.getElementById('{{id}}');
                el.innerHTML = ''; // a committed notebook's static copy of the chart (environment/nbtool.py commit)
                window.Plotly.newPlot(el, fig.data, fig.layout, {displaylogo: false});
              };
              draw();
            })();
            </script>
            """;
    }

    /// <summary>Significant digits kept for non-integer numbers in chart JSON (0.001% of a value: far below a pixel).</summary>
    public const int SignificantDigits = 5;

    /// <summary>
    /// Chart JSON made small: whitespace outside strings dropped, non-integer numbers rounded to
    /// <see cref="SignificantDigits"/> significant digits (integers kept exactly), NaN and infinities (gaps) written
    /// as null, which plotly draws as gaps as well. Strings are copied unchanged.
    /// </summary>
    public static string CompactJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var sb = new StringBuilder(json.Length);
        for (int i = 0; i < json.Length;)
        {
            char c = json[i];
            if (c == '"')
            {
                int start = i++;
                while (i < json.Length && json[i] != '"') i += json[i] == '\\' ? 2 : 1;
                i++;
                string token = json[start..Math.Min(i, json.Length)];
                sb.Append(token is "\"NaN\"" or "\"Infinity\"" or "\"-Infinity\"" ? "null" : token);
            }
            else if (json.AsSpan(i).StartsWith("-Infinity")) { sb.Append("null"); i += 9; }
            else if (c == '-' || char.IsAsciiDigit(c))
            {
                int start = i++;
                while (i < json.Length && (char.IsAsciiDigit(json[i]) || json[i] is '.' or 'e' or 'E' or '+' or '-')) i++;
                string token = json[start..i];
                if (token.AsSpan().IndexOfAny(".eE") < 0 || !double.TryParse(token, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v))
                    sb.Append(token);
                else
                {
                    double r = double.Parse(v.ToString("G" + SignificantDigits, System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
                    sb.Append(r.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            else if (char.IsWhiteSpace(c)) i++;
            else if (json.AsSpan(i).StartsWith("NaN")) { sb.Append("null"); i += 3; }
            else if (json.AsSpan(i).StartsWith("Infinity")) { sb.Append("null"); i += 8; }
            else { sb.Append(c); i++; }
        }
        return sb.ToString();
    }

    /// <summary>
    /// A script element holding the whole plotly.js source, and Plotly.NET's default layout template as
    /// <c>window.zspkPlotlyTemplate</c> (chart fragments use it instead of carrying a copy each).
    /// </summary>
    /// <remarks>
    /// plotly.js runs with <c>define</c>, <c>module</c> and <c>exports</c> shadowed, so it always sets <c>window.Plotly</c>:
    /// where require.js is loaded (Jupyter Notebook 6, nbconvert's HTML export) its UMD header would otherwise register an
    /// AMD module instead, and every chart, waiting for <c>window.Plotly</c>, would stay blank.
    /// </remarks>
    public static string PlotlyJsScriptTag() =>
        $"<script type=\"text/javascript\" data-zspk-plotly=\"{PlotlyJsVersion}\">(function (define, module, exports) {{\n{PlotlyJs}\n}}).call(window);\nwindow.{TemplateVariable} = {DefaultTemplate.Value};</script>";

    private const string TemplateVariable = "zspkPlotlyTemplate";
    private const string TemplateKey = "\"template\":";

    // The template Plotly.NET puts into a chart's layout by default, as it appears in compacted figure JSON.
    private static readonly Lazy<string> DefaultTemplate = new(() =>
    {
        string json = CompactJson(GenericChart.toFigureJson(Plotly.NET.CSharp.Chart.Point<double, double, string>(x: [0.0], y: [0.0])));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("layout").GetProperty("template").GetRawText();
    });

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
        Data.AtomicFile.WriteAllText(full, html);
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
