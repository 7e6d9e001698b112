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
/// <param name="Labels">In <see cref="StatCharts.Points"/>, a text beside each point (e.g. the study a point stands for); null = none.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, string? Group = null, bool Markers = false,
    IReadOnlyList<string>? Labels = null);

/// <summary>A band (e.g. a 90% predictive interval) drawn as a filled area, with an optional median line in the same colour.</summary>
/// <param name="Name">Legend name.</param>
/// <param name="X">X values.</param>
/// <param name="Lower">Lower edge of the band at each x.</param>
/// <param name="Upper">Upper edge of the band at each x.</param>
/// <param name="Median">Central line; null = none.</param>
public sealed record BandSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Lower, IReadOnlyList<double> Upper,
    IReadOnlyList<double>? Median = null)
{
    /// <summary>
    /// The band between two quantiles of many curves on one x grid (e.g. virtual patients), with their median: each
    /// curve's value at an x is one draw. Quantiles are the type-7 (linear interpolation) sample quantiles.
    /// </summary>
    /// <param name="name">Legend name.</param>
    /// <param name="x">The shared x grid.</param>
    /// <param name="curves">The curves, each with one value per x.</param>
    /// <param name="lower">Lower quantile level (default 0.05).</param>
    /// <param name="upper">Upper quantile level (default 0.95).</param>
    public static BandSeries FromCurves(string name, IReadOnlyList<double> x, IEnumerable<IReadOnlyList<double>> curves,
        double lower = 0.05, double upper = 0.95)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(curves);
        if (!(0 <= lower && lower < upper && upper <= 1))
            throw new ArgumentOutOfRangeException(nameof(lower), $"band '{name}': expected 0 <= lower < upper <= 1, got {lower} and {upper}.");
        var list = curves.ToList();
        if (list.Count == 0) throw new ArgumentException($"band '{name}': expected at least one curve.", nameof(curves));
        if (list.FindIndex(c => c.Count != x.Count) is var bad and >= 0)
            throw new ArgumentException($"band '{name}': curve {bad} has {list[bad].Count} values for {x.Count} x values.", nameof(curves));
        double[] At(double level) => Enumerable.Range(0, x.Count)
            .Select(j => MathNet.Numerics.Statistics.Statistics.QuantileCustom(list.Select(c => c[j]), level, MathNet.Numerics.Statistics.QuantileDefinition.R7))
            .ToArray();
        return new BandSeries(name, x, At(lower), At(upper), At(0.5));
    }
}

/// <summary>Values of one series at named categories (e.g. log-RMSE of one method per study).</summary>
/// <param name="Name">Legend name.</param>
/// <param name="Categories">Category of each value (the x axis).</param>
/// <param name="Values">One value per category; NaN = no value (left out).</param>
public sealed record CategorySeries(string Name, IReadOnlyList<string> Categories, IReadOnlyList<double> Values);

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
    /// Histograms normalised to probability density (so samples of different sizes compare), on bins shared by all
    /// series. The bins are counted here: the chart carries one height per bin, not every value. One series is drawn as
    /// bars; several as step outlines, which stay readable where they overlap (overlaid translucent bars blur).
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
        string x = log10 ? $"log10 {xTitle}" : xTitle;
        if (list.Count == 1)
        {
            var bars = CsChart.Column<double, double, string>(values: Density(list[0].Values, lo, width, bins), Keys: centres,
                Name: list[0].Name, Width: width, MarkerColor: Color.fromString(Palette[0]));
            var layout = new Layout();
            layout.SetProperty("bargap", 0);
            return Style(Plotly.NET.GenericChart.addLayout(layout, bars), x, "density", title, logY: false);
        }
        // Step outline: (edge_0, 0), then each bin's height from its left edge, then down to 0 at the last edge.
        var edges = Enumerable.Range(0, bins + 1).Select(b => lo + b * width).ToArray();
        var steps = list.Select((s, i) =>
        {
            var d = Density(s.Values, lo, width, bins);
            var sx = new List<double> { edges[0] }; var sy = new List<double> { 0 };
            for (int b = 0; b < bins; b++) { sx.Add(edges[b]); sy.Add(d[b]); }
            sx.Add(edges[bins]); sy.Add(0);
            var line = new Line();
            line.SetProperty("color", Palette[i % Palette.Length]);
            line.SetProperty("width", 2);
            line.SetProperty("shape", "hv");
            return CsChart.Line<double, double, string>(x: sx, y: sy, Name: s.Name, Line: line);
        });
        return Style(CsChart.Combine(steps), x, "density", title, logY: false);
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
    /// <param name="logY">Log y axis (non-positive values are left out by plotly); it spans at most <see cref="ChartAxes.LogDecades"/> decades below the largest value unless <paramref name="logX"/> is set too.</param>
    /// <param name="markers">Draw markers at the points.</param>
    /// <param name="logX">Log x axis.</param>
    public static GenericChart Lines(IEnumerable<ChartSeries> series, string xTitle, string yTitle, string? title = null,
        bool logY = false, bool markers = false, bool logX = false)
    {
        var list = series?.ToList() ?? throw new ArgumentNullException(nameof(series));
        return Style(CsChart.Combine(Traces(list, (s, color, showLegend, name) => s.Markers
            ? CsChart.Point<double, double, string>(x: s.X, y: s.Y, Name: name, ShowLegend: showLegend, MarkerColor: color)
            : CsChart.Line<double, double, string>(x: s.X, y: s.Y, Name: name, ShowLegend: showLegend, ShowMarkers: markers,
                LineColor: color, Opacity: 0.8))), xTitle, yTitle, title, logY, logX,
            // Log-log lines are predicted-vs-observed charts: the y axis keeps every point, as the x axis does (the 4-decade
            // cut is for concentration profiles and would hide the far-off predictions such a chart exists to show).
            logX ? null : list.SelectMany(s => s.Y));
    }

    /// <summary>
    /// Bands as filled areas (e.g. 90% predictive intervals, or the 5-95% range of virtual patients), each with its
    /// median line, and data points drawn on top of every band.
    /// </summary>
    /// <param name="bands">The bands, drawn in order (later ones over earlier ones), each in its own colour.</param>
    /// <param name="points">Data drawn on top as black-edged markers (e.g. the observed samples); null = none.</param>
    /// <param name="xTitle">X axis title.</param>
    /// <param name="yTitle">Y axis title.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="logY">Log y axis.</param>
    public static GenericChart Bands(IEnumerable<BandSeries> bands, IEnumerable<ChartSeries>? points, string xTitle, string yTitle,
        string? title = null, bool logY = false)
    {
        ArgumentNullException.ThrowIfNull(bands);
        var list = bands.ToList();
        if (list.Count == 0) throw new ArgumentException("bands: expected at least one band.", nameof(bands));
        if (list.FirstOrDefault(b => b.Lower.Count != b.X.Count || b.Upper.Count != b.X.Count || (b.Median is { } m && m.Count != b.X.Count)) is { } bad)
            throw new ArgumentException($"band '{bad.Name}': lower, upper and median need one value per x ({bad.X.Count}).", nameof(bands));
        var traces = new List<GenericChart>();
        for (int i = 0; i < list.Count; i++)
        {
            var b = list[i];
            string rgb = Palette[i % Palette.Length];
            var line = Color.fromString(rgb);
            var fill = Color.fromString(rgb.Replace("rgb(", "rgba(", StringComparison.Ordinal).Replace(")", ",0.25)", StringComparison.Ordinal));
            traces.Add(CsChart.Line<double, double, string>(x: b.X, y: b.Lower, Name: $"{b.Name} lower", ShowLegend: false,
                LineColor: fill, LineWidth: 0.5));
            traces.Add(CsChart.Line<double, double, string>(x: b.X, y: b.Upper, Name: b.Name, LineColor: fill, LineWidth: 0.5,
                Fill: StyleParam.Fill.ToNext_y, FillColor: fill));
            if (b.Median is { } median)
                traces.Add(CsChart.Line<double, double, string>(x: b.X, y: median, Name: $"{b.Name}: median", ShowLegend: false,
                    LineColor: line, LineWidth: 2));
        }
        var dots = points?.ToList() ?? [];
        if (dots.FirstOrDefault(s => s.X.Count != s.Y.Count) is { } badPoints)
            throw new ArgumentException($"series '{badPoints.Name}': {badPoints.X.Count} x values but {badPoints.Y.Count} y values.", nameof(points));
        var outline = Color.fromString("black");
        foreach (var s in dots)
            traces.Add(CsChart.Point<double, double, string>(x: s.X, y: s.Y, Name: s.Name, MarkerColor: outline, MarkerSymbol: StyleParam.MarkerSymbol.Circle));
        var values = list.SelectMany(b => b.Upper.Concat(b.Median ?? b.Lower)).Concat(dots.SelectMany(s => s.Y));
        return Style(CsChart.Combine(traces), xTitle, yTitle, title, logY, logX: false, values);
    }

    /// <summary>Points coloured by group: e.g. a simulated cloud with the real subjects drawn on top.</summary>
    /// <param name="series">The point sets (later series are drawn on top).</param>
    /// <param name="xTitle">X axis title.</param>
    /// <param name="yTitle">Y axis title.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="logX">Log x axis.</param>
    /// <param name="logY">Log y axis.</param>
    /// <param name="identity">Draw the line y = x (dashed grey) across the data, for predicted-vs-true charts.</param>
    /// <param name="background">How many of the first series are a background cloud (e.g. thousands of simulated
    /// subjects): drawn small and faint, so the later series (the real data) stand out on top.</param>
    public static GenericChart Points(IEnumerable<ChartSeries> series, string xTitle, string yTitle, string? title = null,
        bool logX = false, bool logY = false, bool identity = false, int background = 0)
    {
        var list = series?.ToList() ?? throw new ArgumentNullException(nameof(series));
        ArgumentOutOfRangeException.ThrowIfNegative(background);
        var cloud = list.Take(background).Select(s => s.Group ?? s.Name).ToHashSet();
        var traces = Traces(list, (s, color, showLegend, name) =>
        {
            // The cloud is small and faint; the data series are bigger, with a dark edge, so they read on top of it.
            bool faint = cloud.Contains(s.Group ?? s.Name);
            var marker = new Plotly.NET.TraceObjects.Marker();
            marker.SetProperty("size", faint ? 4 : background > 0 ? 9 : 7);
            if (!faint)
            {
                var edge = new Line();
                edge.SetProperty("color", "rgb(40,40,40)");
                edge.SetProperty("width", 1);
                marker.SetProperty("line", edge);
            }
            return CsChart.Point<double, double, string>(x: s.X, y: s.Y, Name: name, ShowLegend: showLegend, MarkerColor: color,
                Opacity: faint ? 0.35 : 0.9, Marker: marker,
                MultiText: s.Labels is { } labels ? (Plotly.NET.CSharp.Optional<IEnumerable<string>>)labels.ToArray() : default,
                TextPosition: s.Labels is null ? default : (Plotly.NET.CSharp.Optional<StyleParam.TextPosition>)StyleParam.TextPosition.TopCenter);
        }).ToList();
        if (identity)
        {
            var xs = list.SelectMany(s => s.X).Concat(list.SelectMany(s => s.Y)).Where(double.IsFinite).Where(v => !logX || v > 0).ToList();
            if (xs.Count > 0)
                traces.Add(CsChart.Line<double, double, string>(x: [xs.Min(), xs.Max()], y: [xs.Min(), xs.Max()], Name: "y = x",
                    LineColor: Color.fromString("rgb(127,127,127)"), LineDash: StyleParam.DrawingStyle.Dash));
        }
        return Style(CsChart.Combine(traces), xTitle, yTitle, title, logY, logX, list.SelectMany(s => s.Y));
    }

    /// <summary>Values per named category, one marker colour per series (e.g. log-RMSE per study, one series per method).</summary>
    /// <param name="series">The series; categories keep the order of their first appearance.</param>
    /// <param name="yTitle">Y axis title.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="logY">Log y axis.</param>
    public static GenericChart ByCategory(IEnumerable<CategorySeries> series, string yTitle, string? title = null, bool logY = false)
    {
        ArgumentNullException.ThrowIfNull(series);
        var list = series.ToList();
        if (list.Count == 0) throw new ArgumentException("by category: expected at least one series.", nameof(series));
        if (list.FirstOrDefault(s => s.Categories.Count != s.Values.Count) is { } bad)
            throw new ArgumentException($"series '{bad.Name}': {bad.Categories.Count} categories but {bad.Values.Count} values.", nameof(series));
        var traces = list.Select((s, i) =>
        {
            var keep = Enumerable.Range(0, s.Values.Count).Where(j => double.IsFinite(s.Values[j])).ToArray();
            return CsChart.Point<string, double, string>(x: keep.Select(j => s.Categories[j]), y: keep.Select(j => s.Values[j]), Name: s.Name,
                MarkerColor: Color.fromString(Palette[i % Palette.Length]), MarkerSymbol: StyleParam.MarkerSymbol.Circle, Opacity: 0.85);
        });
        var chart = Style(CsChart.Combine(traces), "", yTitle, title, logY, logX: false, list.SelectMany(s => s.Values));
        return Plotly.NET.CSharp.GenericChartExtensions.WithSize(chart, Width: 900, Height: 480);
    }

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
        var chart = Style(CsChart.Combine(traces), "", yTitle, title, logY, logX: false, list.Select(e => e.Upper).Concat(list.Select(e => e.Lower)));
        // Half a category of room at each end: the value written right of the last whisker stays inside the plot.
        var axis = new Plotly.NET.LayoutObjects.LinearAxis();
        axis.SetProperty("range", new[] { -0.5, list.Count - 0.5 });
        return Plotly.NET.Chart.withXAxis(axis, null).Invoke(chart);
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
        // Labels follow their points (an empty label at each gap) when any series of the group has them.
        List<string>? labels = null;
        if (group.Any(s => s.Labels is not null))
        {
            labels = [];
            foreach (var s in group)
            {
                if (labels.Count > 0) labels.Add("");
                labels.AddRange(s.Labels ?? Enumerable.Repeat("", s.X.Count));
            }
        }
        return group[0] with { X = x, Y = y, Labels = labels };
    }

    private static GenericChart Style(GenericChart chart, string xTitle, string yTitle, string? title, bool logY, bool logX = false,
        IEnumerable<double>? yValues = null)
    {
        // Axis type is only set for log axes, so category axes (Intervals) stay categorical.
        chart = logX
            ? Plotly.NET.CSharp.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: xTitle, AxisType: StyleParam.AxisType.Log)
            : Plotly.NET.CSharp.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: xTitle);
        chart = logY
            ? Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: yTitle, AxisType: StyleParam.AxisType.Log)
            : Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: yTitle);
        chart = Plotly.NET.CSharp.GenericChartExtensions.WithSize(chart, Width: 760, Height: 440);
        if (logX) chart = ChartAxes.LogX(chart);
        if (logY) chart = ChartAxes.LogY(chart, yValues);
        return title is null ? chart : Plotly.NET.Chart.withTitle(title, null).Invoke(chart);
    }
}
