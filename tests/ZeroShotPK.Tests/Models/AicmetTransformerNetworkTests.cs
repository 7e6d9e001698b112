using ZeroShotPK.Data;
using ZeroShotPK.Tests.Data;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Tests.Training;
using ZeroShotPK.Training;
using static TorchSharp.torch;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Models;

[Collection(TorchCollection.Name)]
public class AicmetTransformerNetworkTests
{
    private static readonly AicmetConfig Config = AicmetConfig.TransformerSmall;

    private static AicmetModel NewModel(int seed = 3)
    {
        manual_seed(seed);
        var m = AicmetModel.Create(Config.Architecture);
        Assert.IsType<AicmetTransformerNetwork>(m);
        m.eval();
        return m;
    }

    private static float[] PriorMeans(AicmetModel model, params AicmetTask[] tasks)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var batch = AicmetTensorizer.Build(tasks);
        var (mu, _) = model.Predict(batch, 0);
        return mu.data<float>().ToArray();
    }

    private static AicmetTask TaskOf(Study s, int known = 3) => new(s.Individuals.Skip(1).ToArray(), [s.Individuals[0]], [known]);

    [Fact]
    public void StudyLatentIsInvariantToTheOrderOfContextIndividuals()
    {
        using var model = NewModel();
        var task = TaskOf(new OneCompartmentGenerator().Generate(11));
        var reversed = new AicmetTask(task.Context.Reverse().ToArray(), task.Targets, task.Known);
        var a = PriorMeans(model, task);
        var b = PriorMeans(model, reversed);
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 4);
    }

    [Fact]
    public void PaddingNextToLargerTasksDoesNotChangeAPrediction()
    {
        using var model = NewModel();
        var gen = new OneCompartmentGenerator();
        var small = TaskOf(gen.Generate(1));
        var s2 = gen.Generate(2);
        var longer = s2.Individuals.Select(i => new Individual(i.Id, [.. i.Doses, DosingEvent.Oral(30, 50)],
            i.Observations.Concat([new Observation(48, 0.01), new Observation(72, 0.005)]))).ToArray();
        var big = new AicmetTask(longer.Skip(2).ToArray(), longer.Take(2).ToArray(), [4, 1]);
        var alone = PriorMeans(model, small);
        var batched = PriorMeans(model, small, big);
        int q = small.Targets[0].Observations.Count;
        for (int j = 0; j < q; j++) Assert.Equal(alone[j], batched[j], 4);
    }

    [Fact]
    public void ThePredictionAtATimeDoesNotDependOnWhichOtherTimesAreAsked()
    {
        // Queries attend to the memory only, never to each other.
        using var model = NewModel();
        var s = new OneCompartmentGenerator().Generate(4);
        var target = s.Individuals[0].WithFirstObservations(3);
        var a = PriorMeans(model, new AicmetTask(s.Individuals.Skip(1).ToArray(), [target], [3], [[1.0, 2.0, 6.0]]));
        var b = PriorMeans(model, new AicmetTask(s.Individuals.Skip(1).ToArray(), [target], [3], [[6.0, 24.0, 0.5, 2.0]]));
        Assert.Equal(a[1], b[3], 4);
        Assert.Equal(a[2], b[0], 4);
    }

    [Fact]
    public void NoDoseYetMeansZeroAndAnOralProfileStartsFromZero()
    {
        using var model = NewModel(5);
        var s = new OneCompartmentGenerator().Generate(8);
        var ind = s.Individuals[0];
        var shifted = new Individual(ind.Id, [DosingEvent.Oral(2, ind.Doses[0].Amount)], ind.Observations.Select(o => o with { Time = o.Time + 2 }).Take(3).ToList());
        double[] times = [0, 1, 1.999, 2, 2 + 1e-6, 2.5, 4];
        var mu = PriorMeans(model, new AicmetTask(s.Individuals.Skip(1).ToArray(), [shifted], [3], [times]));
        // Before the dose: exactly the no-exposure level (concentration 0).
        Assert.Equal(AicmetModel.NoExposure, mu[0]);
        Assert.Equal(AicmetModel.NoExposure, mu[1]);
        Assert.Equal(AicmetModel.NoExposure, mu[2]);
        // Right after an oral dose the backbone is ka * tau: a microsecond in, the level is orders below half an hour in,
        // whatever the (untrained) residual says.
        Assert.True(mu[4] < mu[5] - Math.Log(100), $"log level 1e-6 h after the dose {mu[4]} vs 0.5 h after {mu[5]}");
    }

    [Fact]
    public void LossIsFiniteWithGradientsForMultipleDosesInfusionsAndSteadyState()
    {
        using var model = NewModel();
        model.train();
        var gen = new OneCompartmentGenerator();
        var plain = gen.Generate(21);
        Individual Regimen(Individual i, int k) => new(i.Id, k switch
        {
            0 => [DosingEvent.Infusion(0, 100, 1.5), DosingEvent.Bolus(12, 50)],
            1 => [new DosingEvent(0, 100, Route.Oral, SteadyStateInterval: 12)],
            2 => [new DosingEvent(0, 100, Route.IvInfusion, 2, SteadyStateInterval: 8), DosingEvent.Oral(8, 100)],
            _ => i.Doses,
        }, i.Observations);
        var mixed = new Study("mixed", plain.Individuals.Select((i, k) => Regimen(i, k % 4)));
        var tasks = new[] { TaskOf(mixed, 2), new AicmetTask(mixed.Individuals.Skip(2).ToArray(), mixed.Individuals.Take(2).ToArray(), [1, 4]) };
        using var scope = NewDisposeScope();
        using var batch = AicmetTensorizer.Build(tasks, scoreKnown: true);
        var loss = model.Loss(batch, 1.0);
        Assert.True(double.IsFinite(loss.Loss.item<float>()));
        loss.Loss.backward();
        int withGrad = 0;
        foreach (var p in model.parameters())
        {
            if (p.grad is null) continue;
            withGrad++;
            Assert.True(p.grad.isfinite().all().item<bool>());
        }
        Assert.True(withGrad > 20);
    }

    [Fact]
    public void ScoringKnownSamplesAddsExactlyTheRevealedPoints()
    {
        var s = new OneCompartmentGenerator().Generate(2);
        var task = TaskOf(s, 4);
        using var scope = NewDisposeScope();
        using var future = AicmetTensorizer.Build([task]);
        using var all = AicmetTensorizer.Build([task], scoreKnown: true);
        Assert.Equal(s.Individuals[0].Observations.Count - 4, future.ObservedMask.sum().item<float>());
        Assert.Equal(s.Individuals[0].Observations.Count, all.ObservedMask.sum().item<float>());
        Assert.Equal(4, all.KnownQueryMask.sum().item<float>());
    }

    [Fact]
    public void CheckpointRoundTripAndFeatureLayoutOfTheTransformerFamily()
    {
        var dir = Path.Combine(Path.GetTempPath(), "zspk-tckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var model = NewModel(7);
            Checkpoint.Save(dir, model, null, new CheckpointManifest
            {
                Config = Config, Prior = "test", PriorHash = "0", Seed = 7, Step = 0, TotalSteps = 1, ModelFile = "",
            });
            var (loaded, m) = Checkpoint.Load(dir);
            using (loaded)
            {
                Assert.IsType<AicmetTransformerNetwork>(loaded);
                Assert.Equal("tokens17-queries14-anchor4-v1-doses5", m.Features);
                var task = TaskOf(new OneCompartmentGenerator().Generate(3));
                var before = PriorMeans(model, task);
                var after = PriorMeans(loaded, task);
                for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i], 5);
            }
            // The first family's layout on a transformer checkpoint is refused with both layouts named.
            var path = Path.Combine(dir, Checkpoint.ManifestFile);
            File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(m with { Features = Checkpoint.FeatureLayout }, AicmetConfig.Json));
            var ex = Assert.Throws<InvalidOperationException>(() => Checkpoint.Load(dir));
            Assert.Contains($"this code builds '{Checkpoint.FeatureLayout}-doses5'", ex.Message);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ConfigsValidateAndAnUnknownKindIsALocatedError()
    {
        AicmetConfig.TransformerSmall.Validate();
        AicmetConfig.TransformerPaper.Validate();
        Assert.Equal(AicmetConfig.TransformerPaper, AicmetConfig.Resolve("transformer-paper"));
        var bad = AicmetConfig.TransformerSmall with { Architecture = AicmetConfig.TransformerSmall.Architecture with { Kind = "lstm" } };
        var ex = Assert.Throws<ArgumentException>(() => bad.Validate("my.json"));
        Assert.Equal("my.json: Kind must be 'gru-mlp', 'transformer' or 'pff', got 'lstm'.", ex.Message);
        var heads = AicmetConfig.TransformerSmall with { Architecture = AicmetConfig.TransformerSmall.Architecture with { Heads = 3 } };
        Assert.Contains("Heads must be in 1..32 and divide EncoderWidth 64, got 3.", Assert.Throws<ArgumentException>(() => heads.Validate()).Message);
    }
}

[Collection(TorchCollection.Name)]
public sealed class AicmetAdaptationTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "zspk-tta-" + Guid.NewGuid().ToString("N"));

    public AicmetAdaptationTests()
    {
        manual_seed(4);
        using var model = AicmetModel.Create(AicmetConfig.TransformerSmall.Architecture);
        Checkpoint.Save(dir, model, null, new CheckpointManifest
        {
            Config = AicmetConfig.TransformerSmall, Prior = "test", PriorHash = "0", Seed = 4, Step = 0, TotalSteps = 1, ModelFile = "",
        });
    }

    public void Dispose() => Directory.Delete(dir, true);

    [Fact]
    public void AdaptationChangesThePredictionReproduciblyAndNeverTouchesTheSharedWeights()
    {
        var study = new OneCompartmentGenerator().Generate(12);
        var target = study.Individuals[0].WithFirstObservations(4);
        var context = study.Without(target.Id);
        double[] times = [1, 4, 12];
        using var plain = new AicmetPredictor(dir);
        using var tta = new AicmetPredictor(dir, adaptation: new AicmetAdaptation(Steps: 5, LearningRate: 1e-3, TasksPerStep: 4));
        Assert.Equal("aicmet-tta", tta.Name);
        var p0 = plain.Predict(context, target, times, seed: 1);
        var p1 = tta.Predict(context, target, times, seed: 1);
        var p2 = tta.Predict(context, target, times, seed: 1);
        Assert.Equal(p1.Median, p2.Median);                       // fresh weights each time: same seed, same numbers
        Assert.True(p0.Median.Zip(p1.Median, (a, b) => Math.Abs(Math.Log(a / b))).Max() > 1e-3);
    }

    [Fact]
    public void InvalidSettingsAreNamed()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new AicmetPredictor(dir, adaptation: new AicmetAdaptation(Steps: -1)));
        Assert.Contains("adaptation steps must be in 0..10000", ex.Message);
    }
}

public class AicmetConfigFileTests
{
    [Theory]
    [InlineData("transformer-small")]
    [InlineData("transformer-paper")]
    [InlineData("pff-small")]
    public void BundledConfigFilesEqualTheNamedConfigs(string name)
    {
        // data/configs/NAME.json is what `zspk pretrain --config data/configs/NAME.json` reads: the authors' sizes and our
        // CPU size, as files a user can copy and edit. ZSPK_UPDATE_DATA=1 rewrites them from the code.
        var path = DataFiles.Path($"data/configs/{name}.json");
        var named = AicmetConfig.Resolve(name);
        if (Environment.GetEnvironmentVariable("ZSPK_UPDATE_DATA") == "1") File.WriteAllText(path, named.ToJson() + "\n");
        Assert.Equal(named, AicmetConfig.Load(path));
    }
}

[Collection(TorchCollection.Name)]
public class PredictiveCalibrationTests
{
    [Fact]
    public void TheScaleBringsSyntheticCoverageToNinetyPercentAndThePredictorUsesIt()
    {
        var dir = Path.Combine(Path.GetTempPath(), "zspk-cal-" + Guid.NewGuid().ToString("N"));
        try
        {
            manual_seed(6);
            using var model = AicmetModel.Create(AicmetConfig.TransformerSmall.Architecture);
            var training = AicmetConfig.TransformerSmall.Training with { ValidationStudies = 24 };
            var validation = new ValidationSet(new OneCompartmentGenerator(), 24, training);
            var c = PredictiveCalibrator.Fit(model, validation, CPU);
            Assert.True(c.Points > 100, $"{c.Points} points");
            Assert.InRange(c.Coverage90After, 0.88, 0.92);
            Assert.NotEqual(c.Coverage90Before, c.Coverage90After);

            Checkpoint.Save(dir, model, null, new CheckpointManifest
            {
                Config = AicmetConfig.TransformerSmall, Prior = "test", PriorHash = "0", Seed = 6, Step = 0, TotalSteps = 1, ModelFile = "",
            });
            var study = new OneCompartmentGenerator().Generate(30);
            var target = study.Individuals[0].WithFirstObservations(3);
            double[] times = [2, 6];
            double Width(AicmetPredictor p) { var q = p.Predict(study.Without(target.Id), target, times, 1); return Math.Log(q.Upper90[1] / q.Lower90[1]); }
            double before;
            using (var p = new AicmetPredictor(dir, latentSamples: 1, antithetic: false)) before = Width(p);
            Checkpoint.WriteCalibration(dir, c with { SdScale = 2 });
            Assert.Equal(2, Checkpoint.ReadManifest(dir).Calibration!.SdScale);
            using (var p = new AicmetPredictor(dir, latentSamples: 1, antithetic: false))
                Assert.Equal(2 * before, Width(p), 3);   // one latent draw: the interval is the decoder's Gaussian, scaled
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
