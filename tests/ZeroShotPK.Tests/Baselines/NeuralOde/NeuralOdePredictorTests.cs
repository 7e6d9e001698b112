using ZeroShotPK.Data;
using ZeroShotPK.Inference;
using ZeroShotPK.Models.Baselines;

namespace ZeroShotPK.Tests.Baselines.NeuralOde;

[Collection(TorchCollection.Name)]
public class NeuralOdePredictorTests
{
    private static readonly double[] Times = [0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24];

    /// <summary>C = F D ka / (V (ka - ke)) (exp(-ke t) - exp(-ka t)), F = 1.</summary>
    private static double OneCompartmentOral(double dose, double ka, double ke, double v, double t) =>
        dose * ka / (v * (ka - ke)) * (Math.Exp(-ke * t) - Math.Exp(-ka * t));

    /// <summary>
    /// Ten context individuals with 25% log-normal IIV on ka, ke and V, doses 250-350 mg, 5% log-normal residual
    /// error; and a target whose V is 0.65 times typical (so the population curve misses it by about 0.43 on the log
    /// scale at every time).
    /// </summary>
    private static (Study Context, Individual Target) SyntheticStudy(int seed)
    {
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        Individual Make(string id, double dose, double ka, double ke, double v) => new(id, [DosingEvent.Oral(0, dose)],
            Times.Select(t => new Observation(t, OneCompartmentOral(dose, ka, ke, v, t) * Math.Exp(0.05 * Gauss()))).ToArray());
        var context = Enumerable.Range(1, 10).Select(i => Make(i.ToString(), 250 + 10 * rng.Next(11),
            1.5 * Math.Exp(0.25 * Gauss()), 0.12 * Math.Exp(0.25 * Gauss()), 30 * Math.Exp(0.25 * Gauss()))).ToArray();
        var target = Make("T", 300, 1.5, 0.12, 30 * 0.65);
        return (new Study("synthetic", context), target);
    }

    private static double LogRmse(IReadOnlyList<double> observed, IReadOnlyList<double> predicted) =>
        Math.Sqrt(observed.Select((o, i) => Math.Pow(Math.Log(o) - Math.Log(predicted[i]), 2)).Average());

    [Fact]
    [Trait("Category", "Slow")]
    public void PredictsHeldOutSamplesOfSyntheticOneCompartmentStudies()
    {
        var node = new List<double>(); var population = new List<double>();
        int inside = 0, total = 0;
        foreach (int study in new[] { 11, 12, 13 })
        {
            var (context, target) = SyntheticStudy(study);
            var hidden = target.Observations.Skip(4).ToArray();
            var query = hidden.Select(o => o.Time).ToArray();
            var pred = new NeuralOdePredictor().Predict(context, target.WithFirstObservations(4), query, seed: 3);
            node.Add(LogRmse(hidden.Select(o => o.Value).ToArray(), pred.Median));
            // The context mean curve: geometric mean of the context's dose-normalised concentrations at the same times.
            var mean = query.Select(t => Math.Exp(context.Individuals.Average(i =>
                Math.Log(i.Observations.Single(o => o.Time == t).Value * 300 / i.Doses[0].Amount)))).ToArray();
            population.Add(LogRmse(hidden.Select(o => o.Value).ToArray(), mean));
            inside += hidden.Select((o, i) => o.Value >= pred.Lower90[i] && o.Value <= pred.Upper90[i]).Count(x => x);
            total += hidden.Length;
        }
        string figures = $"node {string.Join(", ", node.Select(x => x.ToString("F3")))}; population curve {string.Join(", ", population.Select(x => x.ToString("F3")))}";

        // The targets are atypical (V 0.65 x typical): the population curve misses them by 0.35-0.6.
        Assert.True(population.Min() > 0.3, figures);
        // An oracle with the true parameters scores about 0.05 (the residual error). The four known samples all lie in the
        // absorption phase, where C ~ D ka t / V confounds a small V with fast absorption, and the network is fitted on
        // 10 individuals; it scored 0.15-0.22 when written. Mean below 0.25 and each target better than the population
        // curve, the mean under half of the population curve's.
        Assert.True(node.Average() < 0.25, figures);
        Assert.True(node.Average() < 0.5 * population.Average(), figures);
        Assert.All(node.Zip(population), p => Assert.True(p.First < p.Second, figures));
        // 90% intervals: most of the 21 held-out samples fall inside.
        Assert.True(inside >= 15, $"only {inside} of {total} held-out samples inside the 90% interval; {figures}");
    }

    [Fact]
    public void SameSeedGivesSameNumbersAndIntervalsBracketTheMedian()
    {
        var (context, target) = SyntheticStudy(5);
        var options = new NeuralOdeOptions { Iterations = 30, LatentSamples = 50 };
        var known = target.WithFirstObservations(4);
        double[] query = [-1, 0, 2, 6, 24];
        var a = new NeuralOdePredictor(options).Predict(context, known, query, seed: 7);
        var b = new NeuralOdePredictor(options).Predict(context, known, query, seed: 7);
        var c = new NeuralOdePredictor(options).Predict(context, known, query, seed: 8);
        Assert.Equal(a.Median, b.Median);
        Assert.Equal(a.Lower90, b.Lower90);
        Assert.Equal(a.Upper90, b.Upper90);
        Assert.Equal(a.Samples![17], b.Samples![17]);
        Assert.NotEqual(a.Median[4], c.Median[4]);
        Assert.Equal("node", a.Method);
        Assert.Equal(50, a.Samples.Length);
        // At and before the dose the state is empty: exactly zero, not an extrapolation.
        Assert.Equal([0.0, 0.0], a.Median.Take(2));
        Assert.Equal([0.0, 0.0], a.Upper90.Take(2));
        for (int i = 2; i < query.Length; i++)
        {
            Assert.True(a.Lower90[i] < a.Median[i] && a.Median[i] < a.Upper90[i], $"time {query[i]}: {a.Lower90[i]} < {a.Median[i]} < {a.Upper90[i]}");
            // Symmetric on the log scale around the median (Gaussian on log C).
            Assert.Equal(Math.Log(a.Median[i] / a.Lower90[i]), Math.Log(a.Upper90[i] / a.Median[i]), 9);
        }
    }

    [Fact]
    public void EnsemblePoolsTheSamplesOfDifferentlySeededMembers()
    {
        var (context, target) = SyntheticStudy(5);
        var known = target.WithFirstObservations(4);
        double[] query = [6, 24];
        var one = new NeuralOdePredictor(new NeuralOdeOptions { Iterations = 40, LatentSamples = 20 }).Predict(context, known, query, seed: 2);
        var two = new NeuralOdePredictor(new NeuralOdeOptions { Iterations = 40, LatentSamples = 20, EnsembleSize = 2 }).Predict(context, known, query, seed: 2);
        Assert.Equal(40, two.Samples!.Length);
        // Samples of member 0 come first, then those of member 1 (another seed, another fit).
        Assert.NotEqual(two.Samples[0][1], two.Samples[20][1]);
        Assert.NotEqual(one.Median[1], two.Median[1]);
        Assert.All(two.Median, m => Assert.True(m > 0));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void FitSurvivesGarbageCollectionsStartedByAnotherThread()
    {
        // TorchSharp's own softplus, square, Adam and tensor + tensor pass temporary Scalars that a collection on another
        // thread can finalize mid-call ("Expected false to be true" from Scalar::toDouble). A detector, not a proof: with
        // TorchSharp's softplus put back, this test failed in 1 of 3 runs; with the full fix it passed every run.
        var (context, target) = SyntheticStudy(5);
        var options = new NeuralOdeOptions { Iterations = 60, LatentSamples = 20 };
        var quiet = new NeuralOdePredictor(options).Predict(context, target.WithFirstObservations(4), [6.0, 24.0], seed: 4);
        bool stop = false;
        int collections = 0;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop)) { GC.Collect(); GC.WaitForPendingFinalizers(); collections++; }
        });
        collector.Start();
        Prediction busy;
        try { busy = new NeuralOdePredictor(options).Predict(context, target.WithFirstObservations(4), [6.0, 24.0], seed: 4); }
        finally { Volatile.Write(ref stop, true); collector.Join(); }
        Assert.True(collections > 100, $"only {collections} collections ran beside the fit");
        // Same numbers with and without the collections.
        Assert.Equal(quiet.Median, busy.Median);
        Assert.Equal(quiet.Upper90, busy.Upper90);
    }

    [Theory]
    [InlineData("HiddenSize", "NeuralOdeOptions.HiddenSize must be between 1 and 256, got 0.")]
    [InlineData("LatentSize", "NeuralOdeOptions.LatentSize must be between 1 and 16, got 0.")]
    [InlineData("States", "NeuralOdeOptions.States must be between 2 and 8, got 1.")]
    [InlineData("Iterations", "NeuralOdeOptions.Iterations must be between 1 and 100000, got 0.")]
    [InlineData("Steps", "NeuralOdeOptions.Steps must be between 4 and 10000, got 3.")]
    [InlineData("EnsembleSize", "NeuralOdeOptions.EnsembleSize must be between 1 and 64, got 0.")]
    [InlineData("LatentSamples", "NeuralOdeOptions.LatentSamples must be between 2 and 100000, got 1.")]
    [InlineData("LearningRate", "NeuralOdeOptions.LearningRate must be in (0, 1], got 0.")]
    [InlineData("WeightDecay", "NeuralOdeOptions.WeightDecay must be in [0, 1], got -1.")]
    public void BadOptionsAreRejectedWithTheirName(string name, string message)
    {
        var o = name switch
        {
            "HiddenSize" => new NeuralOdeOptions { HiddenSize = 0 },
            "LatentSize" => new NeuralOdeOptions { LatentSize = 0 },
            "States" => new NeuralOdeOptions { States = 1 },
            "Iterations" => new NeuralOdeOptions { Iterations = 0 },
            "Steps" => new NeuralOdeOptions { Steps = 3 },
            "EnsembleSize" => new NeuralOdeOptions { EnsembleSize = 0 },
            "LatentSamples" => new NeuralOdeOptions { LatentSamples = 1 },
            "LearningRate" => new NeuralOdeOptions { LearningRate = 0 },
            _ => new NeuralOdeOptions { WeightDecay = -1 },
        };
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new NeuralOdePredictor(o));
        Assert.Equal(name, ex.ParamName);
        Assert.StartsWith(message, ex.Message);
    }

    [Fact]
    public void BadInputsAreRejectedWithClearMessages()
    {
        var (context, target) = SyntheticStudy(1);
        var p = new NeuralOdePredictor();
        var leak = Assert.Throws<ArgumentException>(() => p.Predict(context, context.Individuals[0], [1.0]));
        Assert.StartsWith("node: the context study 'synthetic' contains the target individual '1'", leak.Message);
        var small = new Study("tiny", context.Individuals.Take(1));
        var few = Assert.Throws<ArgumentException>(() => p.Predict(small, target, [1.0]));
        Assert.StartsWith("node: needs at least 2 context individuals with a positive sample after their first dose (for the population prior), study 'tiny' has 1.", few.Message);
        var ss = new Individual("T", [new DosingEvent(0, 300, Route.Oral, SteadyStateInterval: 12)], target.Observations.Take(4));
        var steady = Assert.Throws<ArgumentException>(() => p.Predict(context, ss, [1.0]));
        Assert.StartsWith("node: individual 'T' has a steady-state dose (SS=1) at time 0", steady.Message);
        var nan = Assert.Throws<ArgumentException>(() => p.Predict(context, target, [1.0, double.NaN]));
        Assert.StartsWith("node: query time 1 is NaN; expected a finite number.", nan.Message);
        var noDose = Assert.Throws<ArgumentException>(() => p.Predict(context, new Individual("T", [], target.Observations), [1.0]));
        Assert.StartsWith("node: target individual 'T' has no dose", noDose.Message);
    }
}
