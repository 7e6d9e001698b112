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
        return Style(CsChart.Combine(traces), study.Units, logScale, title ?? study.Name);
    }

    /// <summary>
    /// A prediction with its 90% band (shaded 5th-95th percentile), the median line and, when given,
    /// the individual's observed concentrations as points.
    /// </summary>
    /// <param name="prediction">Predictive distribution at query times.</param>
    /// <param name="observed">Observed samples of the same individual (e.g. the held-out ones); may be null.</param>
    /// <param name="units">Units for the axis labels.</param>
    /// <param name="logScale">Log concentration axis.</param>
    /// <param name="title">Chart title; defaults to the method name.</param>
    public static GenericChart PredictionBand(Prediction prediction, IEnumerable<Observation>? observed, Units units,
        bool logScale = false, string? title = null)
    {
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
        var obs = observed?.ToArray() ?? [];
        if (obs.Length > 0)
            traces.Add(CsChart.Point<double, double, string>(x: obs.Select(o => o.Time), y: obs.Select(o => o.Value),
                Name: "observed", MarkerColor: Color.fromString("black")));
        return Style(CsChart.Combine(traces), units, logScale, title ?? prediction.Method);
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
