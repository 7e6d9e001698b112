using System.Globalization;
using Plotly.NET;
using CsChart = Plotly.NET.CSharp.Chart;

namespace ZeroShotPK.Charts;

/// <summary>One named series of a chart; series with the same <paramref name="Group"/> share a colour and one legend entry.</summary>
/// <param name="Name">Legend name (used when <paramref name="Group"/> is null).</param>
/// <param name="X">X values.</param>
/// <param name="Y">Y values, same length as <paramref name="X"/>.</param>
/// <param name="Group">Colour group (e.g. the route of a simulated study); null = a series of its own.</param>
/// <param name="Markers">In <see cref="StatCharts.Lines"/>, draw this series as points only (e.g. observed data over predicted lines).</param>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, string? Group = null, bool Markers = false);

/// <summary>One estimate with its interval, drawn as a point with a whisker.</summary>
/// <param name="Label">Category on the x axis.</param>
/// <param name="Value">Point estimate.</param>
/// <param name="Lower">Lower end of the interval.</param>
/// <param name="Upper">Upper end of the interval.</param>
public sealed record IntervalEstimate(string Label, double Value, double Lower, double Upper);

/// <summary>
/// Generic statistical charts for notebooks and reports (histograms, grouped lines and points, estimates with
/// intervals). Like <see cref="PkCharts"/>, they return Plotly.NET charts that <see cref="ChartPage"/> renders offline.
/// </summary>
public static class StatCharts
{
    private static readonly string[] Palette =
        ["rgb(31,119,180)", "rgb(255,127,14)", "rgb(44,160,44)", "rgb(214,39,40)", "rgb(148,103,189)", "rgb(140,86,75)", "rgb(227,119,194)", "rgb(127,127,127)"];

    /// <summary>
    /// Overlaid histograms, normalised to probability density (so samples of different sizes compare), on bins shared by
    /// all series. The bins are counted here and drawn as bars: the chart carries one height per bin, not every value.
    /// </summary>
    /// <param name="series">Name and values of each distribution.</param>
    /// <param name="xTitle">X axis title.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="log10">Plot log10 of the values (for positive, skewed quantities such as CL or V); non-positive values are an error.</param>
    /// <param name="bins">Number of equal-width bins between the smallest and the largest value of all series.</param>
    public static GenericChart Histograms(IEnumerable<(string Name, IEnumerable<double> Values)> series, string xTitle,
        string? title = null, bool log10 = false, int bins = 40)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "histograms: bins must be >= 1.");
        var list = series.Select(s => (s.Name, Values: s.Values.ToArray())).ToList();
        if (list.Count == 0 || list.Any(s => s.Values.Length == 0))
            throw new ArgumentException("histograms: expected at least one series, each with values.", nameof(series));
        if (list.FirstOrDefault(s => s.Values.Any(v => !double.IsFinite(v))) is { Name: not null } inf)
            throw new ArgumentException($"histograms: series '{inf.Name}' has a value that is NaN or infinite.", nameof(series));
        if (log10 && list.FirstOrDefault(s => s.Values.Any(v => !(v > 0))) is { Name: not null } bad)
            throw new ArgumentException($"histograms: series '{bad.Name}' has a value <= 0; log10 needs positive values.", nameof(series));
        if (log10) list = list.Select(s => (s.Name, s.Values.Select(Math.Log10).ToArray())).ToList();
        var (lo, width) = Bins(list.SelectMany(s => s.Values), bins);
        var centres = Enumerable.Range(0, bins).Select(b => lo + (b + 0.5) * width).ToArray();
        var traces = list.Select((s, i) => CsChart.Column<double, double, string>(
            values: Density(s.Values, lo, width, bins), Keys: centres, Name: s.Name, Opacity: list.Count > 1 ? 0.6 : 1.0,
            Width: width, MarkerColor: Color.fromString(Palette[i % Palette.Length])));
        var chart = CsChart.Combine(traces);
        var overlay = new Layout();
        overlay.SetProperty("barmode", "overlay");
        overlay.SetProperty("bargap", 0);
        chart = Plotly.NET.GenericChart.addLayout(overlay, chart);
        return Style(chart, log10 ? $"log10 {xTitle}" : xTitle, "density", title, logY: false);
    }

    /// <summary>Left edge and width of <paramref name="bins"/> equal bins spanning the values (width 1 when all are equal).</summary>
    internal static (double Lo, double Width) Bins(IEnumerable<double> values, int bins)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var v in values) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
        if (!(hi > lo)) return (lo - 0.5, 1.0 / bins);
        return (lo, (hi - lo) / bins);
    }

    /// <summary>Probability density per bin: count / (n * width); the largest value falls in the last bin.</summary>
    internal static double[] Density(double[] values, double lo, double width, int bins)
    {
        var counts = new double[bins];
        foreach (var v in values) counts[Math.Clamp((int)Math.Floor((v - lo) / width), 0, bins - 1)]++;
        return counts.Select(c => c / (values.Length * width)).ToArray();
    }

    /// <summary>Lines (optionally with markers), coloured by group: spaghetti plots, loss curves, concentration profiles.</summary>
    /// <param name="series">The lines.</param>
    /// <param name="xTitle">X axis title.</param>
    /// <param name="yTitle">Y axis title.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="logY">Log y axis (non-positive values are left out by plotly).</param>
    /// <param name="markers">Draw markers at the points.</param>
    /// <param name="logX">Log x axis.</param>
    public static GenericChart Lines(IEnumerable<ChartSeries> series, string xTitle, string yTitle, string? title = null,
        bool logY = false, bool markers = false, bool logX = false) =>
        Style(CsChart.Combine(Traces(series, (s, color, showLegend, name) => s.Markers
            ? CsChart.Point<double, double, string>(x: s.X, y: s.Y, Name: name, ShowLegend: showLegend, MarkerColor: color)
            : CsChart.Line<double, double, string>(x: s.X, y: s.Y, Name: name, ShowLegend: showLegend, ShowMarkers: markers,
                LineColor: color, Opacity: 0.8))), xTitle, yTitle, title, logY, logX);

    /// <summary>Points coloured by group: e.g. a simulated cloud with the real subjects drawn on top.</summary>
    /// <param name="series">The point sets (later series are drawn on top).</param>
    /// <param name="xTitle">X axis title.</param>
    /// <param name="yTitle">Y axis title.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="logX">Log x axis.</param>
    /// <param name="logY">Log y axis.</param>
    public static GenericChart Points(IEnumerable<ChartSeries> series, string xTitle, string yTitle, string? title = null,
        bool logX = false, bool logY = false) =>
        Style(CsChart.Combine(Traces(series, (s, color, showLegend, name) => CsChart.Point<double, double, string>(
            x: s.X, y: s.Y, Name: name, ShowLegend: showLegend, MarkerColor: color, Opacity: 0.7))),
            xTitle, yTitle, title, logY, logX);

    /// <summary>Estimates with intervals (e.g. rates with 95% confidence intervals, or a metric per method): a point and a whisker per label.</summary>
    /// <param name="estimates">One estimate per category.</param>
    /// <param name="yTitle">Y axis title.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="logY">Log y axis.</param>
    public static GenericChart Intervals(IEnumerable<IntervalEstimate> estimates, string yTitle, string? title = null, bool logY = false)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        var list = estimates.ToList();
        if (list.Count == 0) throw new ArgumentException("intervals: expected at least one estimate.", nameof(estimates));
        // A relative slack of 1e-9 absorbs rounding in interval formulas (a Wilson lower bound of 1e-19 for a rate of 0).
        static bool Inside(IntervalEstimate e) { var tol = 1e-9 * Math.Max(1, Math.Abs(e.Value)); return e.Lower <= e.Value + tol && e.Value <= e.Upper + tol; }
        if (list.FirstOrDefault(e => !Inside(e)) is { } bad)
            throw new ArgumentException($"intervals: '{bad.Label}' has value {bad.Value} outside [{bad.Lower}, {bad.Upper}].", nameof(estimates));
        var traces = list.Select((e, i) =>
        {
            var color = Color.fromString(Palette[i % Palette.Length]);
            return CsChart.Combine(
            [
                CsChart.Line<string, double, string>(x: [e.Label, e.Label], y: [e.Lower, e.Upper], Name: e.Label,
                    ShowLegend: false, LineColor: color, LineWidth: 3),
                CsChart.Point<string, double, string>(x: [e.Label], y: [e.Value], Name: e.Label, ShowLegend: false,
                    MarkerColor: color, Text: e.Value.ToString("G3", CultureInfo.InvariantCulture),
                    TextPosition: StyleParam.TextPosition.MiddleRight),
            ]);
        });
        return Style(CsChart.Combine(traces), "", yTitle, title, logY);
    }

    // Series of one group become one trace (NaN between series breaks the line), so a spaghetti plot of hundreds of
    // studies is a few traces; the legend and hover name were the group's already, so nothing shown is lost.
    private static IEnumerable<GenericChart> Traces(IEnumerable<ChartSeries> series, Func<ChartSeries, Color, bool, string, GenericChart> trace)
    {
        ArgumentNullException.ThrowIfNull(series);
        var list = series.ToList();
        if (list.Count == 0) throw new ArgumentException("expected at least one series.", nameof(series));
        if (list.FirstOrDefault(s => s.X.Count != s.Y.Count) is { } bad)
            throw new ArgumentException($"series '{bad.Name}': {bad.X.Count} x values but {bad.Y.Count} y values.", nameof(series));
        var groups = list.Select(s => s.Group ?? s.Name).Distinct().ToList();
        var seen = new HashSet<string>();
        foreach (var part in list.GroupBy(s => (Key: s.Group ?? s.Name, s.Markers, Merge: s.Group is not null)).SelectMany(g => g.Key.Merge ? [Merge(g.ToList())] : g.AsEnumerable()))
        {
            var key = part.Group ?? part.Name;
            var color = Color.fromString(Palette[groups.IndexOf(key) % Palette.Length]);
            yield return trace(part, color, seen.Add(key), key);
        }
    }

    private static ChartSeries Merge(List<ChartSeries> group)
    {
        if (group.Count == 1) return group[0];
        var x = new List<double>(); var y = new List<double>();
        foreach (var s in group)
        {
            if (x.Count > 0) { x.Add(double.NaN); y.Add(double.NaN); }
            x.AddRange(s.X); y.AddRange(s.Y);
        }
        return group[0] with { X = x, Y = y };
    }

    private static GenericChart Style(GenericChart chart, string xTitle, string yTitle, string? title, bool logY, bool logX = false)
    {
        // Axis type is only set for log axes, so category axes (Intervals) stay categorical.
        chart = logX
            ? Plotly.NET.CSharp.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: xTitle, AxisType: StyleParam.AxisType.Log)
            : Plotly.NET.CSharp.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: xTitle);
        chart = logY
            ? Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: yTitle, AxisType: StyleParam.AxisType.Log)
            : Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: yTitle);
        chart = Plotly.NET.CSharp.GenericChartExtensions.WithSize(chart, Width: 760, Height: 440);
        return title is null ? chart : Plotly.NET.Chart.withTitle(title, null).Invoke(chart);
    }
}
