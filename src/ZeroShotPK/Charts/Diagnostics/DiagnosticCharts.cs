using Plotly.NET;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation.Diagnostics;
using Chart = Plotly.NET.CSharp.Chart;
using Plotly.NET.CSharp;

namespace ZeroShotPK.Charts;

/// <summary>
/// Diagnostic charts for any method: goodness of fit, VPC, coverage and SBC rank histograms. Each takes the
/// diagnostic data (never the method) and returns a Plotly <see cref="GenericChart"/>; axis labels carry the study's units.
/// </summary>
public static class DiagnosticCharts
{
    private static readonly Color ObservedColor = Color.fromHex("#1f77b4");
    private static readonly Color PredictedColor = Color.fromHex("#d62728");
    private static readonly Color BandColor = Color.fromString("rgba(214,39,40,0.25)");
    private static readonly Color MedianBandColor = Color.fromString("rgba(214,39,40,0.40)");
    private static readonly Color ReferenceColor = Color.fromHex("#7f7f7f");

    /// <summary>Observed vs predicted median on log-log axes with the identity line; BLQ samples drawn separately.</summary>
    public static GenericChart ObservedVsPredicted(GoodnessOfFit gof, Units units)
    {
        var q = gof.Points.Where(p => !p.IsBlq).ToList();
        var blq = gof.Points.Where(p => p.IsBlq).ToList();
        var all = gof.Points.SelectMany(p => new[] { p.Observed, p.Predicted }).Where(v => v > 0).ToList();
        double lo = all.Count > 0 ? all.Min() : 1e-3, hi = all.Count > 0 ? all.Max() : 1;
        var charts = new List<GenericChart>
        {
            Chart.Point<double, double, string>(x: q.Select(p => p.Predicted), y: q.Select(p => p.Observed), Name: "observed",
                MarkerColor: ObservedColor, MultiText: q.Select(p => $"{p.IndividualId} t={p.Time}").ToArray()),
            Chart.Line<double, double, string>(x: new[] { lo, hi }, y: new[] { lo, hi }, Name: "identity", LineColor: ReferenceColor, LineDash: StyleParam.DrawingStyle.Dash),
        };
        if (blq.Count > 0)
            charts.Add(Chart.Point<double, double, string>(x: blq.Select(p => p.Predicted), y: blq.Select(p => p.Observed),
                Name: "BLQ (at reported value)", MarkerSymbol: StyleParam.MarkerSymbol.Cross, MarkerColor: ReferenceColor));
        return Chart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: $"predicted median ({units.Concentration})", AxisType: StyleParam.AxisType.Log)
            .WithYAxisStyle<double, double, string>(TitleText: $"observed ({units.Concentration})", AxisType: StyleParam.AxisType.Log)
            .PowerExponents(x: true, y: true)
            .Titled($"{gof.Method}: observed vs predicted");
    }

    /// <summary>Log residuals ln(observed/predicted) vs time with the zero line (quantified samples).</summary>
    public static GenericChart ResidualsVsTime(GoodnessOfFit gof, Units units)
    {
        var q = gof.Points.Where(p => !p.IsBlq).ToList();
        double t0 = q.Count > 0 ? q.Min(p => p.Time) : 0, t1 = q.Count > 0 ? q.Max(p => p.Time) : 1;
        return Chart.Combine(
            [
                Chart.Point<double, double, string>(x: q.Select(p => p.Time), y: q.Select(p => p.LogResidual), Name: "log residual",
                    MarkerColor: ObservedColor, MultiText: q.Select(p => p.IndividualId).ToArray()),
                Chart.Line<double, double, string>(x: new[] { t0, t1 }, y: new[] { 0.0, 0.0 }, Name: "zero", LineColor: ReferenceColor, LineDash: StyleParam.DrawingStyle.Dash),
            ])
            .WithXAxisStyle<double, double, string>(TitleText: $"time ({units.Time})")
            .WithYAxisStyle<double, double, string>(TitleText: "ln(observed / predicted)")
            .Titled($"{gof.Method}: residuals vs time");
    }

    /// <summary>Goodness-of-fit panel: observed vs predicted and residuals vs time side by side, metrics in the title.</summary>
    public static GenericChart GofPanel(GoodnessOfFit gof, Units units)
    {
        var s = gof.Summary;
        return Chart.Grid([ObservedVsPredicted(gof, units), ResidualsVsTime(gof, units)], 1, 2)
            .Titled(FormattableString.Invariant(
                $"{gof.Method}: pooled log-RMSE {s.PooledLogRmse:F3}, bias {s.Bias:F3}, 90% coverage {s.Coverage90 * 100:F0}% (n={s.Count}, BLQ {s.BlqCount})"))
            .WithSize(1000, 450);
    }

    /// <summary>Histogram of PIT values in <paramref name="bins"/> equal bins against the uniform count: flat means calibrated.</summary>
    public static GenericChart PitHistogram(GoodnessOfFit gof, int bins = 10)
    {
        if (bins < 2) throw new ArgumentOutOfRangeException(nameof(bins), bins, "a PIT histogram needs at least 2 bins.");
        var pit = gof.Points.Where(p => p.Pit.HasValue).Select(p => p.Pit!.Value).ToList();
        var counts = new int[bins];
        foreach (double u in pit) counts[Math.Min(bins - 1, (int)(u * bins))]++;
        var mids = Enumerable.Range(0, bins).Select(b => (b + 0.5) / bins).ToArray();
        return Chart.Combine(
            [
                Chart.Column<int, double, string>(values: counts, Keys: mids, Name: "PIT", MarkerColor: ObservedColor),
                Chart.Line<double, double, string>(x: new[] { 0.0, 1.0 }, y: new[] { pit.Count / (double)bins, pit.Count / (double)bins },
                    Name: "uniform", LineColor: PredictedColor, LineDash: StyleParam.DrawingStyle.Dash),
            ])
            .WithXAxisStyle<double, double, string>(TitleText: gof.Summary.PitSource switch { PitSource.Samples => "PIT (from samples)", PitSource.Exact => "PIT (method's predictive CDF)", PitSource.NormalFromQuantiles => "PIT (normal from quantiles)", _ => "PIT (log-normal from quantiles)" })
            .WithYAxisStyle<double, double, string>(TitleText: "count")
            .Titled($"{gof.Method}: probability integral transform");
    }

    /// <summary>
    /// VPC: observed samples, observed percentile lines, and the simulated percentiles' bands (log concentration
    /// axis; linear, said in the title, when a value to plot is ≤ 0, as the lower bands of an additive residual error
    /// without LLOQ are: a log axis would drop them). Observed percentiles that fall among BLQ samples are drawn as
    /// open markers at the LLOQ, which is drawn too.
    /// </summary>
    public static GenericChart Vpc(VpcResult vpc, Units units, string title = "VPC")
    {
        var x = vpc.Bins.Select(b => b.MidTime).ToArray();
        var charts = new List<GenericChart>();
        var quant = vpc.ObservedPoints.Where(p => !p.IsBlq).ToList();
        charts.Add(Chart.Point<double, double, string>(x: quant.Select(p => p.Time), y: quant.Select(p => p.Value), Name: "observed",
            MarkerColor: ObservedColor, Opacity: 0.5));
        for (int k = 0; k < vpc.Percentiles.Count; k++)
        {
            string label = Invariant($"P{vpc.Percentiles[k] * 100:G3}");
            int kk = k;
            var band = vpc.Bins.Select(b => b.Simulated[kk]).ToArray();
            charts.Add(Chart.Range<double, double, string>(
                x: x, y: band.Select(b => b.Median), upper: band.Select(b => b.Upper), lower: band.Select(b => b.Lower),
                mode: StyleParam.Mode.Lines, Name: $"simulated {label} ({Pct(vpc.CiLevel)} CI)",
                LineColor: PredictedColor, RangeColor: Math.Abs(vpc.Percentiles[k] - 0.5) < 1e-9 ? MedianBandColor : BandColor,
                UpperName: $"simulated {label} upper", LowerName: $"simulated {label} lower"));
            charts.Add(Chart.Line<double, double, string>(x: x, y: vpc.Bins.Select(b => b.Observed[kk]), Name: $"observed {label}",
                LineColor: ObservedColor, ShowMarkers: true, LineDash: Math.Abs(vpc.Percentiles[k] - 0.5) < 1e-9 ? StyleParam.DrawingStyle.Solid : StyleParam.DrawingStyle.Dash));
            var censored = vpc.Bins.Where(b => b.ObservedCensored[kk]).ToList();
            if (censored.Count > 0)
                charts.Add(Chart.Point<double, double, string>(x: censored.Select(b => b.MidTime), y: censored.Select(b => b.Observed[kk]),
                    Name: $"observed {label} censored (≤ LLOQ)", MarkerSymbol: StyleParam.MarkerSymbol.Diamond, MarkerColor: ObservedColor));
        }
        if (vpc.Lloq is double lloq)
        {
            charts.Add(Chart.Line<double, double, string>(x: new[] { vpc.Bins[0].Lower, vpc.Bins[^1].Upper }, y: new[] { lloq, lloq },
                Name: "LLOQ", LineColor: ReferenceColor, LineDash: StyleParam.DrawingStyle.Dot));
            var blq = vpc.ObservedPoints.Where(p => p.IsBlq).ToList();
            if (blq.Count > 0)
                charts.Add(Chart.Point<double, double, string>(x: blq.Select(p => p.Time), y: blq.Select(p => p.Value), Name: "BLQ samples (at LLOQ)",
                    MarkerSymbol: StyleParam.MarkerSymbol.Cross, MarkerColor: ReferenceColor));
        }
        string y = vpc.PredictionCorrected ? $"prediction-corrected concentration ({units.Concentration})" : $"concentration ({units.Concentration})";
        bool linear = vpc.NeedsLinearAxis;
        string heading = vpc.PredictionCorrected ? $"pc{title}" : title;
        if (linear) heading += $" (linear axis: {vpc.NonPositiveBands} simulated band(s) reach ≤ 0)";
        return Chart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: $"time ({units.Time})")
            .WithYAxisStyle<double, double, string>(TitleText: y, AxisType: linear ? StyleParam.AxisType.Linear : StyleParam.AxisType.Log)
            .PowerExponents(x: false, y: !linear)
            .Titled(heading)
            .WithSize(1000, 600);
    }

    /// <summary>Fraction of BLQ samples per bin: observed against the simulated band.</summary>
    public static GenericChart VpcBlqFraction(VpcResult vpc, Units units)
    {
        var x = vpc.Bins.Select(b => b.MidTime).ToArray();
        return Chart.Combine(
            [
                Chart.Range<double, double, string>(x: x, y: vpc.Bins.Select(b => b.SimulatedBlqFraction.Median),
                    upper: vpc.Bins.Select(b => b.SimulatedBlqFraction.Upper), lower: vpc.Bins.Select(b => b.SimulatedBlqFraction.Lower),
                    mode: StyleParam.Mode.Lines, Name: $"simulated fraction BLQ ({Pct(vpc.CiLevel)} CI)", LineColor: PredictedColor, RangeColor: BandColor,
                    UpperName: "simulated fraction BLQ upper", LowerName: "simulated fraction BLQ lower"),
                Chart.Line<double, double, string>(x: x, y: vpc.Bins.Select(b => b.ObservedBlqFraction), Name: "observed fraction BLQ",
                    ShowMarkers: true, LineColor: ObservedColor),
            ])
            .WithXAxisStyle<double, double, string>(TitleText: $"time ({units.Time})")
            .WithYAxisStyle<double, double, string>(TitleText: "fraction BLQ")
            .Titled("VPC: fraction below LLOQ");
    }

    /// <summary>Calibration: empirical vs nominal coverage of central intervals, one line per named curve, identity and a ±2 SE band around it.</summary>
    public static GenericChart Calibration(IEnumerable<(string Name, CoverageCurve Curve)> curves)
    {
        var list = curves.ToList();
        if (list.Count == 0) throw new ArgumentException("calibration chart needs at least one coverage curve.", nameof(curves));
        var first = list[0].Curve.Points.OrderBy(p => p.Nominal).ToList();
        var charts = new List<GenericChart>
        {
            Chart.Range<double, double, string>(x: first.Select(p => p.Nominal), y: first.Select(p => p.Nominal),
                upper: first.Select(p => Math.Min(1, p.Nominal + 2 * p.StandardError)), lower: first.Select(p => Math.Max(0, p.Nominal - 2 * p.StandardError)),
                mode: StyleParam.Mode.Lines, Name: "nominal (±2 SE)", LineColor: ReferenceColor, RangeColor: Color.fromString("rgba(127,127,127,0.2)"),
                UpperName: "nominal +2 SE", LowerName: "nominal -2 SE"),
        };
        foreach (var (name, curve) in list)
        {
            var pts = curve.Points.OrderBy(p => p.Nominal).ToList();
            string suffix = curve.Source is PitSource.LogNormalFromQuantiles or PitSource.NormalFromQuantiles ? " (from quantiles)" : "";
            charts.Add(Chart.Line<double, double, string>(x: pts.Select(p => p.Nominal), y: pts.Select(p => p.Empirical),
                Name: name + suffix, ShowMarkers: true));
        }
        return Chart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: "nominal coverage", MinMax: Tuple.Create(0.0, 1.0))
            .WithYAxisStyle<double, double, string>(TitleText: "empirical coverage", MinMax: Tuple.Create(0.0, 1.0))
            .Titled("Coverage of central predictive intervals");
    }

    /// <summary>Calibration chart of a single coverage curve.</summary>
    public static GenericChart Calibration(CoverageCurve curve, string name = "empirical") => Calibration([(name, curve)]);

    /// <summary>SBC rank histograms, one panel per parameter, with the expected count under uniform ranks and the chi-square p-value.</summary>
    public static GenericChart SbcHistogram(SbcResult sbc)
    {
        var panels = sbc.Parameters.Select(p =>
        {
            var bins = Enumerable.Range(0, p.Histogram.Length).Select(b => (double)b).ToArray();
            return Chart.Combine(
                [
                    Chart.Column<int, double, string>(values: p.Histogram, Keys: bins, Name: $"{p.Name} ranks", MarkerColor: ObservedColor),
                    Chart.Line<double, double, string>(x: bins, y: p.Expected, Name: $"{p.Name} expected", LineColor: PredictedColor, LineDash: StyleParam.DrawingStyle.Dash),
                ])
                .WithXAxisStyle<double, double, string>(TitleText: $"{p.Name}: rank bin ({PValue(p.PValue)})")
                .WithYAxisStyle<double, double, string>(TitleText: "count");
        }).ToList();
        return Chart.Grid(panels, 1, panels.Count)
            .Titled($"SBC rank histograms ({sbc.Datasets} datasets, {sbc.Draws} draws, {sbc.Bins} bins)")
            .WithSize(Math.Max(700, 380 * panels.Count), 450);
    }

    /// <summary>The diagnostic panel of <see cref="MethodDiagnostics"/>: GOF, residuals, VPC (when samples exist) and coverage.</summary>
    public static GenericChart Panel(MethodDiagnostics diagnostics) =>
        Panel(diagnostics.GoodnessOfFit, diagnostics.Units, diagnostics.Vpc, diagnostics.Coverage);

    /// <summary>
    /// One diagnostic panel for any method: observed vs predicted, residuals vs time, and, when given, the VPC and
    /// the coverage curve, in a 2 x 2 grid.
    /// </summary>
    public static GenericChart Panel(GoodnessOfFit gof, Units units, VpcResult? vpc = null, CoverageCurve? coverage = null)
    {
        // Four charts share one legend in a grid, which would list 19 entries for four different keys: the panel has no
        // legend and each subplot's title says what its marks are instead.
        var charts = new List<GenericChart> { ObservedVsPredicted(gof, units), ResidualsVsTime(gof, units) };
        var titles = new List<string> { "observed vs predicted median (dashed: y = x)", "ln(observed / predicted) vs time (dashed: 0)" };
        if (vpc is not null)
        {
            charts.Add(Vpc(vpc, units));
            titles.Add(Invariant($"VPC: observed P{string.Join("/P", vpc.Percentiles.Select(p => (p * 100).ToString("G3", System.Globalization.CultureInfo.InvariantCulture)))} (blue) in simulated {Pct(vpc.CiLevel)} CIs (red)"));
        }
        if (coverage is not null)
        {
            charts.Add(Calibration(coverage, gof.Method));
            titles.Add("coverage: empirical vs nominal (grey: nominal ± 2 SE)");
        }
        int rows = charts.Count > 2 ? 2 : 1;
        var layout = new Layout();
        layout.SetProperty("showlegend", false);
        return Plotly.NET.GenericChart.addLayout(layout, Chart.Grid(charts, rows, 2, SubPlotTitles: titles, YGap: 0.35))
            .Titled($"{gof.Method}: diagnostics")
            .WithSize(1100, rows * 450);
    }

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);

    private static GenericChart PowerExponents(this GenericChart chart, bool x, bool y)
    {
        if (x) chart = ChartAxes.LogX(chart);
        return y ? ChartAxes.LogY(chart) : chart;
    }

    private static string PValue(double p) => p < 1e-4 ? "p < 0.0001" : Invariant($"p = {p:G3}");

    private static string Pct(double level) => Invariant($"{level * 100:G3}%");

    private static GenericChart Titled(this GenericChart chart, string title) => Plotly.NET.Chart.withTitle(Title.init(Microsoft.FSharp.Core.FSharpOption<string>.Some(title), null, null, null, null, null, null, null, null, null, null, null)).Invoke(chart);
}
