using MathNet.Numerics.Distributions;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation.Diagnostics;
using ZeroShotPK.Inference;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Diagnostics;

/// <summary>
/// Diagnostics on real data against the R nlme reference fit of theophylline (datasets/README.md; R 4.2, nlme 3.1):
/// SSfol with lKe = -2.4547, lKa = 0.4657, lCl = -3.2272, pdDiag SDs lKa 0.6436, lCl 0.1669, additive residual
/// SD 0.7093 mg/L (log-likelihood -177.02), dose in mg/kg.
/// </summary>
public class TheophyllineDiagnosticsTests
{
    private const double LKe = -2.4547026, LKa = 0.4657295, LCl = -3.2272222, OmegaKa = 0.6435830, OmegaCl = 0.1669280, Sigma = 0.7092536;

    private static readonly Study Theoph = NonmemCsv.ReadStudy(DataFiles.Path("data/theophylline.csv"));

    private static double Ssfol(double dosePerKg, double t, double lKe, double lKa, double lCl)
    {
        double ke = Math.Exp(lKe), ka = Math.Exp(lKa);
        return dosePerKg * Math.Exp(lKe + lKa - lCl) * (Math.Exp(-ke * t) - Math.Exp(-ka * t)) / (ka - ke);
    }

    private static double DosePerKg(Individual i) => i.Doses[0].Amount / i.NumericCovariate("WT")!.Value;

    private static List<Study> Simulate(int replicates, double clFactor, int seed) =>
        Enumerable.Range(0, replicates).Select(r =>
        {
            var rng = new Random(seed + r);
            return new Study($"sim {r}", Theoph.Individuals.Select(i =>
            {
                double eKa = Normal.Sample(rng, 0, OmegaKa), eCl = Normal.Sample(rng, 0, OmegaCl);
                return new Individual(i.Id, i.Doses, i.Observations.Select(o => new Observation(o.Time,
                    Ssfol(DosePerKg(i), o.Time, LKe, LKa + eKa, LCl + eCl + Math.Log(clFactor)) + Normal.Sample(rng, 0, Sigma))));
            }));
        }).ToList();

    [Fact]
    public void Vpc_ReferenceFitIsConsistent_DoubledClearanceIsNot()
    {
        Assert.Equal(12, Theoph.Individuals.Count);
        var options = new VpcOptions { BinCount = 6 };
        var right = Vpc.Compute(Theoph, Simulate(200, 1, 10), options);
        var wrong = Vpc.Compute(Theoph, Simulate(200, 2, 10), options);
        Assert.True(right.OutsideCount <= 2, $"nlme fit: {right.OutsideCount} of 18 cells outside");
        Assert.True(wrong.OutsideCount >= 8, $"doubled CL: {wrong.OutsideCount} of 18 cells outside");
    }

    // PRED with simulated predictive samples (IIV + residual), at every post-dose sample.
    private static Dictionary<string, Prediction> PopulationPredictions(bool withSamples)
    {
        var rng = new Random(4);
        return Theoph.Individuals.ToDictionary(i => i.Id, i =>
        {
            var t = i.Observations.Where(o => o.Time > 0).Select(o => o.Time).ToArray();
            var samples = Enumerable.Range(0, 500).Select(_ =>
            {
                double eKa = Normal.Sample(rng, 0, OmegaKa), eCl = Normal.Sample(rng, 0, OmegaCl);
                return t.Select(x => Ssfol(DosePerKg(i), x, LKe, LKa + eKa, LCl + eCl) + Normal.Sample(rng, 0, Sigma)).ToArray();
            }).ToArray();
            double Q(int j, double p) => MathNet.Numerics.Statistics.Statistics.Quantile(samples.Select(s => s[j]), p);
            return new Prediction("nlme-pred", t, t.Select((_, j) => Q(j, 0.5)).ToArray(),
                t.Select((_, j) => Q(j, 0.05)).ToArray(), t.Select((_, j) => Q(j, 0.95)).ToArray(), withSamples ? samples : null);
        });
    }

    [Fact]
    public void Gof_PopulationPredictionOfTheReferenceFit()
    {
        var d = MethodDiagnostics.Compute(Theoph, PopulationPredictions(withSamples: true));
        var gof = d.GoodnessOfFit;
        Assert.Equal(120, gof.Summary.Count); // 12 x 10 post-dose samples
        Assert.InRange(gof.Summary.Coverage90, 0.83, 0.97);
        Assert.InRange(gof.Summary.Bias, -0.15, 0.15);
        Assert.True(d.Coverage.MaxAbsoluteError < 0.12, $"{d.Coverage.MaxAbsoluteError}");
        // VPC from the 500 sample trajectories, on the 120 predicted samples only.
        Assert.NotNull(d.Vpc);
        Assert.Equal(500, d.Vpc.Replicates);
        Assert.Equal(120, d.Vpc.ObservedPoints.Count);
        Assert.True(d.Vpc.OutsideCount <= 2, $"{d.Vpc.OutsideCount}");
        string html = Plotly.NET.GenericChart.toChartHTML(ZeroShotPK.Charts.DiagnosticCharts.Panel(d));
        Assert.Contains("\"xaxis4\"", html);

        // Without samples the PIT uses a log-normal through the quantiles; the additive error model puts some 5%
        // quantiles below zero, where a log-normal cannot go: there a split normal on the concentration scale is used,
        // and those intervals are counted and left out of the log width (formerly an error, before that NaN).
        var q = MethodDiagnostics.Compute(Theoph, PopulationPredictions(withSamples: false)).GoodnessOfFit.Summary;
        Assert.Equal(PitSource.LogNormalFromQuantiles, q.PitSource);
        Assert.InRange(q.NonPositiveLowerCount, 1, 119);
        Assert.True(double.IsFinite(q.MeanLogIntervalWidth));
        Assert.Equal(gof.Summary.Coverage90, q.Coverage90);
    }
}
