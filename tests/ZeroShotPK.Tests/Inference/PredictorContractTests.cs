using System.Collections.Concurrent;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Evaluation.Diagnostics;
using ZeroShotPK.Inference;
using ZeroShotPK.Models.Baselines;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Inference;

/// <summary>
/// The contract every registered method keeps (issue #14), run over <see cref="Methods.All"/> so that a new method gets
/// these checks by being registered: ordered quantiles, a CDF that agrees with them and with the reported 90% band,
/// seeded reproducibility, samples drawn from the declared distribution, the held-out individual never in the context,
/// the known samples respected, and the optional capabilities working where declared. Small data (theophylline, a
/// context of 6) and small settings for the expensive methods (neural ODE 20 iterations, 2 adaptation steps, 200 NLME
/// draws) keep it affordable; the methods' own tests check their accuracy.
/// </summary>
[Collection(TorchCollection.Name)]
public class PredictorContractTests
{
    private const int Known = 4;
    private static readonly double[] Levels = [0.05, 0.25, 0.5, 0.75, 0.95];

    public static TheoryData<string> MethodNames() => [.. Methods.All];

    private static readonly Lazy<Study> Theophylline = new(() => NonmemCsv.ReadStudy(DataFiles.Path("data/theophylline.csv")));

    // Predictors and predictions are cached per method: each is made once for all the facts below.
    private static readonly ConcurrentDictionary<string, IPredictor> Predictors = new();
    private static readonly ConcurrentDictionary<(string, int), Prediction> Hidden = new();

    private static IPredictor Create(string name) => Predictors.GetOrAdd(name, n => Methods.Create(n, ShippedModels.Require(ShippedModels.Default), samples: 200,
        node: new NeuralOdeOptions { Iterations = 20, LatentSamples = 100 }, adaptation: new AicmetAdaptation(Steps: 2, TasksPerStep: 2)));

    private static Study Context => new("theophylline", Theophylline.Value.Individuals.Take(6), Theophylline.Value.Units);
    private static Individual Target => Theophylline.Value.Individuals[6];
    private static double[] HiddenTimes => Target.Observations.Skip(Known).Select(o => o.Time).ToArray();

    private static Prediction PredictHidden(string name, int seed) =>
        Hidden.GetOrAdd((name, seed), k => Create(k.Item1).Predict(Context, Target.WithFirstObservations(Known), HiddenTimes, k.Item2));

    [Theory]
    [MemberData(nameof(MethodNames))]
    public void QuantilesAreOrderedAndTheCdfAgreesWithThemAndWithTheReportedBand(string name)
    {
        var p = PredictHidden(name, 11);
        Assert.Equal(name, p.Method);
        Assert.Equal(HiddenTimes.Length, p.Distribution.Count);
        for (int j = 0; j < p.Times.Count; j++)
        {
            var q = Levels.Select(l => p.Distribution.Quantile(j, l)).ToArray();
            for (int k = 1; k < q.Length; k++)
                Assert.True(q[k] >= q[k - 1] * (1 - 1e-12), $"{name} t={p.Times[j]}: quantile {Levels[k]} = {q[k]} below quantile {Levels[k - 1]} = {q[k - 1]}");
            Assert.True(p.Lower90[j] <= p.Median[j] && p.Median[j] <= p.Upper90[j], $"{name} t={p.Times[j]}: band {p.Lower90[j]}..{p.Upper90[j]} does not hold median {p.Median[j]}");
            Assert.True(p.Median[j] > 0, $"{name} t={p.Times[j]}: post-dose median {p.Median[j]}");
            // The CDF at a quantile gives back its level: exactly for a closed form, within a draw's weight for samples.
            double tol = p.Distribution.Form(j) == PredictiveForm.Samples ? 2.0 / p.Samples!.Length + 1e-9 : 1e-4;
            for (int k = 0; k < q.Length; k++)
                Assert.True(Math.Abs(p.Distribution.Cdf(j, q[k]) - Levels[k]) <= tol,
                    $"{name} t={p.Times[j]}: CDF at the {Levels[k]} quantile is {p.Distribution.Cdf(j, q[k])}");
            // The reported 90% band is the distribution's (NLME: its lower end is capped at the median it reports).
            Assert.True(Math.Abs(p.Distribution.Cdf(j, p.Upper90[j]) - 0.95) <= tol + 0.01, $"{name} t={p.Times[j]}: CDF at the upper 90% end is {p.Distribution.Cdf(j, p.Upper90[j])}");
            Assert.True(p.Distribution.Cdf(j, p.Lower90[j]) <= 0.05 + tol + 0.01, $"{name} t={p.Times[j]}: CDF at the lower 90% end is {p.Distribution.Cdf(j, p.Lower90[j])}");
            double atMedian = p.Distribution.Cdf(j, p.Median[j]);
            Assert.True(atMedian is > 0.3 and < 0.7, $"{name} t={p.Times[j]}: CDF at the reported median is {atMedian}");
        }
        Assert.Equal(p.Times.Select((_, j) => p.Distribution.Quantile(j, 0.3)), p.Quantiles(0.3));
    }

    [Theory]
    [MemberData(nameof(MethodNames))]
    public void TheSameSeedGivesTheSamePredictionAndAnotherSeedOtherDraws(string name)
    {
        var a = PredictHidden(name, 11);
        var b = Create(name).Predict(Context, Target.WithFirstObservations(Known), HiddenTimes, 11);
        Assert.Equal(a.Median, b.Median);
        Assert.Equal(a.Lower90, b.Lower90);
        Assert.Equal(a.Upper90, b.Upper90);
        Assert.Equal(a.Samples is null, b.Samples is null);
        if (a.Samples is null) return;
        for (int s = 0; s < a.Samples.Length; s++) Assert.Equal(a.Samples[s], b.Samples![s]);
        var c = PredictHidden(name, 12);
        Assert.NotEqual(a.Samples.SelectMany(r => r), c.Samples!.SelectMany(r => r));
    }

    [Theory]
    [MemberData(nameof(MethodNames))]
    public void SamplesAreDrawsOfTheDeclaredDistribution(string name)
    {
        var p = PredictHidden(name, 11);
        if (p.Samples is null) return;
        int inside = 0, below = 0, n = 0;
        for (int j = 0; j < p.Times.Count; j++)
        {
            double lo = p.Distribution.Quantile(j, 0.05), mid = p.Distribution.Quantile(j, 0.5), hi = p.Distribution.Quantile(j, 0.95);
            foreach (var s in p.Samples)
            {
                if (s[j] >= lo && s[j] <= hi) inside++;
                if (s[j] < mid) below++;
                n++;
            }
        }
        Assert.InRange((double)inside / n, 0.78, 1.0);
        Assert.InRange((double)below / n, 0.35, 0.65);
    }

    [Theory]
    [MemberData(nameof(MethodNames))]
    public void TheHeldOutIndividualIsNeverInTheContextAndShowsOnlyItsKnownSamples(string name)
    {
        var study = new Study("theophylline", Theophylline.Value.Individuals.Take(4), Theophylline.Value.Units);
        var spy = Create(name) is IFoldAwarePredictor aware ? new FoldAwareSpy(aware) : new Spy(Create(name));
        var result = LeaveOneOut.Run(study, spy, Known, seed: 3);
        Assert.Equal(4 * 2, spy.Calls.Count); // a scored prediction and a check per fold
        foreach (var (context, target) in spy.Calls)
        {
            Assert.DoesNotContain(context.Individuals, i => i.Id == target.Id);
            Assert.Equal(study.Individuals.Count - 1, context.Individuals.Count);
            Assert.True(target.Observations.Count <= Known);
        }
        Assert.All(result.Rows, r => Assert.Equal(name, r.Method));
    }

    [Theory]
    [MemberData(nameof(MethodNames))]
    public void TheMedianPassesNearTheKnownSamples(string name)
    {
        var given = Target.WithFirstObservations(Known);
        double first = Target.Doses[0].Time;
        var known = given.Observations.Where(o => o.Time > first && o.Value > 0 && !o.IsBlq).ToArray();
        var p = Create(name).Predict(Context, given, known.Select(o => o.Time).ToArray(), 11);
        double meanAbsLog = known.Select((o, j) => Math.Abs(Math.Log(p.Median[j] / o.Value))).Average();
        // Loose on purpose: population prediction does not condition on them, and the no-context ablation is rough.
        Assert.True(meanAbsLog < 1.0, $"{name}: mean |log(median / known)| = {meanAbsLog:F3} at {known.Length} known samples");
    }

    [Theory]
    [MemberData(nameof(MethodNames))]
    public void DeclaredCapabilitiesWork(string name)
    {
        var predictor = Create(name);
        if (predictor.GeneratesIndividuals)
        {
            var generated = predictor.GenerateIndividuals(Context, Target, HiddenTimes, 3, seed: 5);
            Assert.Equal(3, generated.Length);
            Assert.All(generated, g => Assert.Equal(HiddenTimes.Length, g.Length));
        }
        else Assert.Throws<NotSupportedException>(() => predictor.GenerateIndividuals(Context, Target, HiddenTimes, 3));
        if (predictor.HasParameterPosterior)
        {
            var sbc = Sbc.Run(predictor.ParameterPosterior(Context, Target), datasets: 4, draws: 9, seed: 1);
            Assert.NotEmpty(sbc.Parameters);
        }
        else Assert.Throws<NotSupportedException>(() => predictor.ParameterPosterior(Context, Target));
        if (predictor.TrainingCheckpoint is { } checkpoint)
            Assert.True(File.Exists(Path.Combine(checkpoint, Checkpoint.ValidationStudiesFile)), $"{name}: {checkpoint} has no held-out studies for the OOD check");
    }

    private class Spy(IPredictor inner) : IPredictor
    {
        public ConcurrentQueue<(Study Context, Individual Target)> Calls { get; } = new();
        public string Name => inner.Name;
        public Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0)
        {
            Calls.Enqueue((context, target));
            return inner.Predict(context, target, times, seed);
        }
    }

    private sealed class FoldAwareSpy(IFoldAwarePredictor inner) : Spy(inner), IFoldAwarePredictor
    {
        public void PrepareFolds(Study study, IReadOnlyList<string> heldOut, int threads) => inner.PrepareFolds(study, heldOut, threads);
    }
}
