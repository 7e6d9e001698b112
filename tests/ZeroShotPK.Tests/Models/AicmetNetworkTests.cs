using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Tests.Training;
using ZeroShotPK.Training;
using static TorchSharp.torch;

namespace ZeroShotPK.Tests.Models;

[Collection(TorchCollection.Name)]
public class AicmetNetworkTests
{
    private static AicmetNetwork NewModel(int seed = 3)
    {
        manual_seed(seed);
        var m = new AicmetNetwork(AicmetConfig.Small.Architecture);
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
        var study = new OneCompartmentGenerator().Generate(11);
        var task = TaskOf(study);
        var reversed = new AicmetTask(task.Context.Reverse().ToArray(), task.Targets, task.Known);
        var a = PriorMeans(model, task);
        var b = PriorMeans(model, reversed);
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 5);
    }

    [Fact]
    public void PaddingNextToLargerTasksDoesNotChangeAPrediction()
    {
        using var model = NewModel();
        var gen = new OneCompartmentGenerator();
        var small = TaskOf(gen.Generate(1));
        var s2 = gen.Generate(2);
        var longer = s2.Individuals.Select(i => new Individual(i.Id, i.Doses, i.Observations.Concat([new Observation(48, 0.01), new Observation(72, 0.005)]))).ToArray();
        var big = new AicmetTask(longer.Skip(2).Concat(longer.Skip(2)).Select((x, k) => new Individual($"{k}", x.Doses, x.Observations)).ToArray(),
            longer.Take(2).ToArray(), [4, 1]);
        var alone = PriorMeans(model, small);
        var batched = PriorMeans(model, small, big);
        // [B, T, Q] with T = 2, Q = 12 in the batch; the first task's target is row 0 of its first slot.
        int q = small.Targets[0].Observations.Count;
        for (int j = 0; j < q; j++) Assert.Equal(alone[j], batched[j], 5);
    }

    [Fact]
    public void ContextChangesThePredictionAndLossIsFiniteWithGradients()
    {
        using var model = NewModel();
        var gen = new OneCompartmentGenerator();
        var task = TaskOf(gen.Generate(5));
        var other = new AicmetTask(gen.Generate(6).Individuals.Skip(1).ToArray(), task.Targets, task.Known);
        var a = PriorMeans(model, task);
        var b = PriorMeans(model, other);
        Assert.True(a.Zip(b, (x, y) => Math.Abs(x - y)).Max() > 1e-4);

        model.train();
        using var scope = NewDisposeScope();
        var tasks = Pretrainer.DrawTasks(gen, AicmetConfig.Small.Training with { BatchSize = 4 }, 1, 0);
        using var batch = AicmetTensorizer.Build(tasks);
        var loss = model.Loss(batch, 1.0);
        loss.Loss.backward();
        Assert.True(double.IsFinite(loss.Loss.item<float>()));
        Assert.True(loss.Kl.item<float>() >= 0);
        Assert.All(model.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void CheckpointRoundTripGivesIdenticalOutputs()
    {
        var dir = Path.Combine(Path.GetTempPath(), "zspk-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var model = NewModel(7);
            var manifest = new CheckpointManifest
            {
                Config = AicmetConfig.Small, Prior = "test", PriorHash = "0", Seed = 7, Step = 0, TotalSteps = 1, ModelFile = "",
            };
            Checkpoint.Save(dir, model, null, manifest);
            var (loaded, m) = Checkpoint.Load(dir);
            using (loaded)
            {
                Assert.Equal(AicmetConfig.Small, m.Config);
                var task = TaskOf(new OneCompartmentGenerator().Generate(3));
                // Weights bit-identical; outputs equal up to libtorch's float reduction order.
                var saved = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
                foreach (var (name, p) in loaded.named_parameters()) Assert.Equal(saved[name], p.data<float>().ToArray());
                var before = PriorMeans(model, task);
                var after = PriorMeans(loaded, task);
                for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i], 6);
            }

            // A manifest claiming another architecture than the weights: clear error naming the file.
            var path = Path.Combine(dir, Checkpoint.ManifestFile);
            var wrong = m with { Config = m.Config with { Architecture = m.Config.Architecture with { DecoderWidth = 96 } } };
            File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(wrong, AicmetConfig.Json));
            var ex = Assert.Throws<InvalidOperationException>(() => Checkpoint.Load(dir));
            Assert.Contains("model-000000.bin: weights do not match the architecture", ex.Message);
            Assert.Contains("\"decoderWidth\": 96", ex.Message);

            File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(m with { Features = "tokens9-v0" }, AicmetConfig.Json));
            ex = Assert.Throws<InvalidOperationException>(() => Checkpoint.Load(dir));
            Assert.Contains($"trained with input features 'tokens9-v0', this code builds '{Checkpoint.FeatureLayout}'", ex.Message);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}

[Collection(TorchCollection.Name)]
public class AicmetFourCompartmentTests
{
    [Fact]
    public void PaperPriorFourCompartmentStudiesTensorizeAndGiveFiniteLossAndPredictions()
    {
        // The paper prior draws depot + central + up to 3 peripherals; the tensorizer sees only doses and samples, so a
        // 4-compartment study must batch like any other, beside a 2-compartment one.
        var generator = ZeroShotPK.Priors.PriorStudyGenerator.Load("paper");
        var drawn = Enumerable.Range(0, 200).Select(s => generator.GenerateWithTruth(s)).ToList();
        var four = drawn.First(d => d.Truth.Model.Compartments == 4);
        var two = drawn.First(d => d.Truth.Model.Compartments == 2);
        var options = new AicmetTraining { MaxTargets = 3, MaxKnownSamples = 4, NoContextProbability = 0, NoKnownProbability = 0 };
        var rng = new Random(5);
        var tasks = new[] { TaskSampler.Sample(four.Study, options, rng), TaskSampler.Sample(two.Study, options, rng) };

        manual_seed(3);
        using var model = new AicmetNetwork(AicmetConfig.Small.Architecture);
        using var scope = NewDisposeScope();
        using var batch = AicmetTensorizer.Build(tasks);
        Assert.Equal(2, batch.Size);
        Assert.True(batch.Tokens.isfinite().all().item<bool>());
        Assert.True(batch.ObservedMask.sum().item<float>() > 0);
        var loss = model.Loss(batch, 1.0);
        Assert.True(double.IsFinite(loss.Loss.item<float>()));
        loss.Loss.backward();
        Assert.All(model.parameters(), p => Assert.True(p.grad is null || p.grad.isfinite().all().item<bool>()));
        model.eval();
        using var _ = no_grad();
        var (mu, sigma) = model.Predict(batch, 0);
        Assert.True(mu.isfinite().all().item<bool>() && sigma.isfinite().all().item<bool>());
        Assert.True(sigma.min().item<float>() > 0);
    }
}
