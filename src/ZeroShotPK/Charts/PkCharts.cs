using Plotly.NET;
using ZeroShotPK.Data;
using ZeroShotPK.Inference;
using CsChart = Plotly.NET.CSharp.Chart;

namespace ZeroShotPK.Charts;

/// <summary>
/// Chart builders for PK data. They return Plotly.NET charts, so callers can restyle them with Plotly.NET;
/// <see cref="ChartPage"/> turns a chart into offline HTML.
/// </summary>
public static class PkCharts
{
    /// <summary>Concentration-time profiles of a study: one line with markers per individual.</summary>
    /// <param name="study">The study; BLQ samples are drawn at their reported value, like the others.</param>
    /// <param name="logScale">Log concentration axis (non-positive values are left out by plotly, not by us).</param>
    /// <param name="title">Chart title; defaults to the study name.</param>
    public static GenericChart Profiles(Study study, bool logScale = false, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(study);
        if (study.Individuals.Count == 0) throw new ArgumentException($"study '{study.Name}' has no individuals to plot.", nameof(study));
        var traces = study.Individuals.Select(ind => CsChart.Line<double, double, string>(
            x: ind.Observations.Select(o => o.Time), y: ind.Observations.Select(o => o.Value),
            ShowMarkers: true, Name: ind.Id));
        var chart = Style(CsChart.Combine(traces), study.Units, logScale, title ?? study.Name);
        return logScale ? ChartAxes.LogY(chart, study.Individuals.SelectMany(i => i.Observations).Select(o => o.Value)) : chart;
    }

    /// <summary>
    /// A prediction with its 90% band (shaded 5th-95th percentile), the median line and, when given,
    /// the individual's observed concentrations as points drawn on top: the samples the method was given as filled
    /// black dots, the held-out ones as open circles.
    /// </summary>
    /// <param name="prediction">Predictive distribution at query times.</param>
    /// <param name="observed">Observed samples of the same individual; may be null.</param>
    /// <param name="units">Units for the axis labels.</param>
    /// <param name="logScale">Log concentration axis.</param>
    /// <param name="title">Chart title; defaults to the method name.</param>
    /// <param name="known">How many of the first observed samples (in time order) the method was given, e.g. 4 for
    /// <c>individual.WithFirstObservations(4)</c>; 0 = all observed points are held out.</param>
    public static GenericChart PredictionBand(Prediction prediction, IEnumerable<Observation>? observed, Units units,
        bool logScale = false, string? title = null, int known = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(known);
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(units);
        var band = Color.fromString("rgba(31,119,180,0.25)");
        var traces = new List<GenericChart>
        {
            CsChart.Line<double, double, string>(x: prediction.Times, y: prediction.Lower90, Name: "5th percentile",
                LineColor: band, ShowLegend: false),
            CsChart.Line<double, double, string>(x: prediction.Times, y: prediction.Upper90, Name: "90% interval",
                LineColor: band, Fill: StyleParam.Fill.ToNext_y, FillColor: band),
            CsChart.Line<double, double, string>(x: prediction.Times, y: prediction.Median,
                Name: $"{prediction.Method} median", LineColor: Color.fromString("rgb(31,119,180)")),
        };
        var obs = observed?.OrderBy(o => o.Time).ToArray() ?? [];
        var given = obs.Take(known).ToArray();
        var heldOut = obs.Skip(known).ToArray();
        if (given.Length > 0)
            traces.Add(CsChart.Point<double, double, string>(x: given.Select(o => o.Time), y: given.Select(o => o.Value),
                Name: $"given to the method ({given.Length})", MarkerColor: Color.fromString("black"), MarkerSymbol: StyleParam.MarkerSymbol.Circle));
        if (heldOut.Length > 0)
        {
            var marker = new Plotly.NET.TraceObjects.Marker();
            marker.SetProperty("symbol", known > 0 ? "circle-open" : "circle");
            marker.SetProperty("size", 8);
            traces.Add(CsChart.Point<double, double, string>(x: heldOut.Select(o => o.Time), y: heldOut.Select(o => o.Value),
                Name: known > 0 ? "held out" : "observed", MarkerColor: Color.fromString("black"), Marker: marker));
        }
        var chart = Style(CsChart.Combine(traces), units, logScale, title ?? prediction.Method);
        // The log range follows the band's top and the data, so a band that starts at 0 at dose time does not stretch it.
        return logScale ? ChartAxes.LogY(chart, prediction.Upper90.Concat(prediction.Median).Concat(obs.Select(o => o.Value))) : chart;
    }

    private static GenericChart Style(GenericChart chart, Units units, bool logScale, string title)
    {
        chart = Plotly.NET.CSharp.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart,
            TitleText: $"Time ({units.Time})");
        chart = Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart,
            TitleText: $"Concentration ({units.Concentration})",
            AxisType: logScale ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear);
        chart = Plotly.NET.CSharp.GenericChartExtensions.WithSize(chart, Width: 760, Height: 440);
        return Plotly.NET.Chart.withTitle(title, null).Invoke(chart);
    }
}
