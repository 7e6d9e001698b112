using MathNet.Numerics.Distributions;
using Plotly.NET;
using ZeroShotPK.Charts;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation.Diagnostics;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Diagnostics;

/// <summary>
/// Predictions with an additive residual error (constant SD 1) on a mono-exponential decay from 10 to 1: below
/// about 1.6 the lower 90% end and the low simulated percentiles are negative. The diagnostics must neither turn
/// that into NaN nor hide it.
/// </summary>
public class AdditiveErrorDiagnosticsTests
{
    private static readonly double[] Times = [1, 2, 4, 8];
    private static readonly double Z = Normal.InvCDF(0, 1, 0.95);

    private static double Curve(double t) => 10 * Math.Exp(-0.29 * t);

    private static (Study Observed, Dictionary<string, Prediction> Predictions) Study(int individuals, int samples)
    {
        var rng = new Random(11);
        var inds = new List<Individual>();
        var preds = new Dictionary<string, Prediction>();
        for (int i = 0; i < individuals; i++)
        {
            var median = Times.Select(Curve).ToArray();
            // Observed: the curve times a little log-normal noise (positive, as a measured concentration is).
            inds.Add(new Individual($"{i}", [DosingEvent.Bolus(0, 100)], Times.Select((t, j) => new Observation(t, median[j] * Math.Exp(Normal.Sample(rng, 0, 0.1))))));
            var draws = Enumerable.Range(0, samples).Select(_ => median.Select(m => m + Normal.Sample(rng, 0, 1)).ToArray()).ToArray();
            preds[$"{i}"] = new Prediction("additive", Times, median, median.Select(m => m - Z).ToArray(), median.Select(m => m + Z).ToArray(), draws);
        }
        return (new Study("additive", inds), preds);
    }

    [Fact]
    public void LogIntervalWidthIsOverPositiveLowerEndsWithTheOthersCounted()
    {
        var (observed, preds) = Study(4, 50);
        var s = GoodnessOfFit.Compute(observed.Individuals.Select(i => (i, preds[i.Id]))).Summary;
        // Medians 7.48, 5.60, 3.13, 0.98: the last has its lower end at 0.98 - 1.645 < 0.
        Assert.Equal(16, s.Count);
        Assert.Equal(4, s.NonPositiveLowerCount);
        double expected = Times.Take(3).Average(t => Math.Log((Curve(t) + Z) / (Curve(t) - Z)));
        Assert.Equal(expected, s.MeanLogIntervalWidth, 12);
        // Linear width over every interval: 2 z.
        Assert.Equal(2 * Z, s.MeanIntervalWidth, 12);
        // Every observation is inside its (wide) additive interval.
        Assert.Equal(1.0, s.Coverage90);
    }

    [Fact]
    public void AllLowerEndsNonPositiveGivesNaNWidthNotAnError()
    {
        var ind = new Individual("a", [DosingEvent.Bolus(0, 100)], [new Observation(16, 0.1), new Observation(20, 1.0)]);
        var gof = GoodnessOfFit.Compute([(ind, new Prediction("m", [16, 20], [0.1, 0.1], [-1.5, -1.5], [1.7, 1.7]))]);
        Assert.Equal(2, gof.Summary.NonPositiveLowerCount);
        Assert.True(double.IsNaN(gof.Summary.MeanLogIntervalWidth));
        // No samples and a lower end <= 0: the PIT comes from a split normal on the concentration scale (sd 1.6 / 1.645
        // above the median), not from a log-normal.
        Assert.Equal(PitSource.NormalFromQuantiles, gof.Summary.PitSource);
        Assert.Equal(0.5, gof.Points[0].Pit!.Value, 12);
        Assert.Equal(Normal.CDF(0, 1, 0.9 / (1.6 / Z)), gof.Points[1].Pit!.Value, 12);
    }

    [Fact]
    public void VpcKeepsNegativeSimulatedPercentilesAndIsDrawnOnALinearAxis()
    {
        var (observed, preds) = Study(30, 40);
        var vpc = Vpc.FromPredictions(observed, preds, new VpcOptions { BinEdges = [0.5, 1.5, 3, 6, 10] });
        // P5 of the simulated values at t = 8 (median 0.98, SD 1) is about 0.98 - 1.645 = -0.66: kept as simulated, not
        // clamped; every other band stays positive.
        var p5 = vpc.Bins[3].Simulated[0];
        Assert.True(p5.Median < -0.3 && p5.Median > -1.0 && p5.Lower < 0, $"P5 band {p5}");
        Assert.True(vpc.Bins[2].Simulated[0].Lower > 0);
        Assert.Equal(1, vpc.NonPositiveBands);
        Assert.True(vpc.NeedsLinearAxis);
        string html = GenericChart.toChartHTML(DiagnosticCharts.Vpc(vpc, new Units("h", "mg", "mg/L")));
        Assert.DoesNotContain("\"type\":\"log\"", html);
        Assert.Contains("linear axis: 1 simulated band(s) reach ≤ 0", html);
        // Positive data: the log axis as before.
        var (positive, positivePreds) = Study(30, 40);
        foreach (var p in positivePreds.Values) foreach (var draw in p.Samples!) for (int j = 0; j < draw.Length; j++) draw[j] = Math.Abs(draw[j]) + 0.01;
        var positiveVpc = Vpc.FromPredictions(positive, positivePreds, new VpcOptions { BinEdges = [0.5, 1.5, 3, 6, 10] });
        Assert.False(positiveVpc.NeedsLinearAxis);
        Assert.Contains("\"type\":\"log\"", GenericChart.toChartHTML(DiagnosticCharts.Vpc(positiveVpc, new Units("h", "mg", "mg/L"))));

        var report = new DiagnosticReport("additive", 0, MethodDiagnostics.Compute(observed, preds, new VpcOptions { BinEdges = [0.5, 1.5, 3, 6, 10] }), null, "", null, "");
        var rows = report.Rows();
        Assert.Equal(1, rows.Single(r => r.Statistic == "bands_nonpositive_lower").Value);
        Assert.Equal(30, rows.Single(r => r.Statistic == "intervals_nonpositive_lower").Value);
        Assert.False(double.IsNaN(rows.Single(r => r.Statistic == "mean_log_interval_width").Value));
    }
}
