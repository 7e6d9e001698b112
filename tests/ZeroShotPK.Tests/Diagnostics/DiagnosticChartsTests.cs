using MathNet.Numerics.Distributions;
using Plotly.NET;
using ZeroShotPK.Charts;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation.Diagnostics;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Diagnostics;

public class DiagnosticChartsTests
{
    private static readonly Units Units = new("h", "mg", "ng/mL");

    private static GoodnessOfFit Gof()
    {
        var rng = new Random(2);
        double[] t = [1, 2, 4];
        var pairs = Enumerable.Range(0, 5).Select(i =>
        {
            var m = t.Select(x => 10 * Math.Exp(-0.3 * x)).ToArray();
            var ind = new Individual($"{i}", [DosingEvent.Bolus(0, 100)],
                t.Select((x, j) => j == 2 && i == 0 ? new Observation(x, 0.5, 0.5, true) : new Observation(x, m[j] * Math.Exp(Normal.Sample(rng, 0, 0.2)))));
            var samples = Enumerable.Range(0, 50).Select(_ => m.Select(v => v * Math.Exp(Normal.Sample(rng, 0, 0.2))).ToArray()).ToArray();
            return (ind, new Prediction("aicmet", t, m, m.Select(v => v * 0.72).ToArray(), m.Select(v => v * 1.39).ToArray(), samples));
        }).ToList();
        return GoodnessOfFit.Compute(pairs);
    }

    private static int TraceCount(GenericChart chart) => GenericChart.getTraces(chart).Count();

    [Fact]
    public void GofPanel_HasPointsIdentityResidualsAndLogAxes()
    {
        var chart = DiagnosticCharts.GofPanel(Gof(), Units);
        string html = GenericChart.toChartHTML(chart);
        Assert.Equal(5, TraceCount(chart)); // observed, identity, BLQ, residuals, zero line
        foreach (var s in new[] { "\"name\":\"observed\"", "\"name\":\"identity\"", "\"name\":\"BLQ (at reported value)\"", "\"name\":\"log residual\"",
                     "predicted median (ng/mL)", "observed (ng/mL)", "time (h)", "\"type\":\"log\"", "aicmet: pooled log-RMSE" })
            Assert.Contains(s, html);
    }

    [Fact]
    public void PitHistogram_CountsEveryScoredObservation()
    {
        var gof = Gof();
        var chart = DiagnosticCharts.PitHistogram(gof, bins: 5);
        string html = GenericChart.toChartHTML(chart);
        var m = System.Text.RegularExpressions.Regex.Match(html, "\"y\":\\[([0-9,]+)\\]");
        Assert.True(m.Success);
        var y = m.Groups[1].Value.Split(',').Select(int.Parse).ToArray();
        Assert.Equal(5, y.Length);
        Assert.Equal(14, y.Sum()); // 15 samples, one BLQ
        Assert.Contains("PIT (from samples)", html);
    }

    [Fact]
    public void Vpc_HasBandsObservedPercentilesAndLloq()
    {
        var observed = Fixtures.OralStudy(20, 1, lloq: 0.5);
        var reps = Enumerable.Range(0, 20).Select(r => Fixtures.OralStudy(20, 100 + r, lloq: 0.5)).ToList();
        var vpc = Vpc.Compute(observed, reps, new VpcOptions { BinCount = 4 });
        var chart = DiagnosticCharts.Vpc(vpc, Units);
        string html = GenericChart.toChartHTML(chart);
        foreach (var s in new[] { "simulated P5 (90% CI)", "simulated P5 upper", "simulated P95 lower", "observed P50", "observed P95", "\"name\":\"LLOQ\"",
                     "concentration (ng/mL)", "\"type\":\"log\"" })
            Assert.Contains(s, html);
        // observed points, 3 x (range = lower + upper + median, observed line), LLOQ, BLQ points, censored P5
        Assert.Equal(1 + 3 * 4 + 2 + (vpc.Bins.Any(b => b.ObservedCensored[0]) ? 1 : 0) + (vpc.Bins.Any(b => b.ObservedCensored[1]) ? 1 : 0), TraceCount(chart));
        Assert.Contains("fraction BLQ", GenericChart.toChartHTML(DiagnosticCharts.VpcBlqFraction(vpc, Units)));
    }

    [Fact]
    public void CalibrationAndSbc_BuildWithExpectedTraces()
    {
        var gof = Gof();
        var curve = CoverageCurve.FromGoodnessOfFit(gof);
        string cal = GenericChart.toChartHTML(DiagnosticCharts.Calibration([("aicmet", curve), ("nlme", curve)]));
        foreach (var s in new[] { "nominal (±2 SE)", "\"name\":\"aicmet\"", "\"name\":\"nlme\"", "nominal coverage", "empirical coverage" })
            Assert.Contains(s, cal);

        var truths = Enumerable.Range(0, 40).Select(i => new[] { i / 40.0, 1 - i / 40.0 }).ToArray();
        var draws = truths.Select(_ => Enumerable.Range(0, 9).Select(k => new[] { k / 9.0, k / 9.0 }).ToArray()).ToArray();
        var sbc = Sbc.Compute(truths, draws, ["CL", "V"], bins: 5);
        var chart = DiagnosticCharts.SbcHistogram(sbc);
        string html = GenericChart.toChartHTML(chart);
        Assert.Equal(4, TraceCount(chart));
        foreach (var s in new[] { "\"type\":\"bar\"", "CL ranks", "V expected", "SBC rank histograms (40 datasets, 9 draws, 5 bins)" })
            Assert.Contains(s, html);
    }

    [Fact]
    public void Panel_CombinesEverything()
    {
        var gof = Gof();
        var observed = Fixtures.OralStudy(10, 1);
        var vpc = Vpc.Compute(observed, Enumerable.Range(0, 5).Select(r => Fixtures.OralStudy(10, 100 + r)).ToList(), new VpcOptions { BinCount = 3 });
        var chart = DiagnosticCharts.Panel(gof, Units, vpc, CoverageCurve.FromGoodnessOfFit(gof));
        string html = GenericChart.toChartHTML(chart);
        Assert.Contains("aicmet: diagnostics", html);
        Assert.Contains("\"xaxis4\"", html);
        Assert.Equal(5 + (1 + 3 * 4) + (3 + 1), TraceCount(chart)); // GOF, VPC without BLQ, coverage band + line
        // No shared legend; a title per subplot says what its marks are (the VPC's names its percentiles and CI level).
        var layout = System.Text.Json.JsonDocument.Parse(GenericChart.toFigureJson(chart)).RootElement.GetProperty("layout");
        Assert.False(layout.GetProperty("showlegend").GetBoolean());
        var titles = layout.GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("text").GetString()).ToArray();
        Assert.Equal(4, titles.Length);
        Assert.Equal("observed vs predicted median (dashed: y = x)", titles[0]);
        Assert.StartsWith("VPC: observed P5/P50/P95 (blue) in simulated ", titles[2]);
        Assert.Equal("power", layout.GetProperty("yaxis").GetProperty("exponentformat").GetString());
        string gofOnly = GenericChart.toChartHTML(DiagnosticCharts.Panel(gof, Units));
        Assert.Contains("\"xaxis2\"", gofOnly);
        Assert.DoesNotContain("\"xaxis3\"", gofOnly);
    }
}
