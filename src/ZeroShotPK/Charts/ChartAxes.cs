using Plotly.NET;
using Plotly.NET.LayoutObjects;

namespace ZeroShotPK.Charts;

/// <summary>Axis conventions shared by every chart builder, so a log axis reads the same in every notebook.</summary>
internal static class ChartAxes
{
    /// <summary>
    /// Decades a log concentration axis spans below its largest value. A profile that starts at zero at dose time has
    /// points near 1e-9 that would otherwise stretch the axis over ten decades and squash the profile into its top strip;
    /// such points are off the axis, not removed from the chart (hover and the data keep them).
    /// </summary>
    public const double LogDecades = 4;

    /// <summary>
    /// Styles a log y axis: exponents written as powers of ten (plotly's default writes 0.0001 as "100µ", an SI prefix
    /// that reads as a unit on a mg/L axis) and, when values are given, a range from the largest positive value down
    /// at most <see cref="LogDecades"/> decades.
    /// </summary>
    public static GenericChart LogY(GenericChart chart, IEnumerable<double>? values = null) =>
        Plotly.NET.Chart.withYAxis(LogAxis(values), null).Invoke(chart);

    /// <summary>As <see cref="LogY"/> for the x axis (no range: time and dose axes keep every point).</summary>
    public static GenericChart LogX(GenericChart chart) => Plotly.NET.Chart.withXAxis(LogAxis(null), null).Invoke(chart);

    /// <summary>The log10 range [lowest, highest] a log axis shows for these values; null when none is positive.</summary>
    public static (double Lo, double Hi)? LogRange(IEnumerable<double> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in values)
            if (v > 0 && double.IsFinite(v)) { min = Math.Min(min, v); max = Math.Max(max, v); }
        if (!double.IsFinite(max)) return null;
        double hi = Math.Log10(max), lo = Math.Max(Math.Log10(min), hi - LogDecades);
        if (hi - lo < 1) { double mid = (hi + lo) / 2; (lo, hi) = (mid - 0.5, mid + 0.5); }
        // A margin of 5% of the span keeps the extreme markers whole.
        double pad = 0.05 * (hi - lo);
        return (lo - pad, hi + pad);
    }

    private static LinearAxis LogAxis(IEnumerable<double>? values)
    {
        var axis = new LinearAxis();
        axis.SetProperty("exponentformat", "power");
        if (values is not null && LogRange(values) is { } r) axis.SetProperty("range", new[] { r.Lo, r.Hi });
        return axis;
    }
}
