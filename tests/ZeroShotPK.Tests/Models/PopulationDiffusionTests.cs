using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Training;

namespace ZeroShotPK.Tests.Models;

[Collection(TorchCollection.Name)]
public class PopulationDiffusionTests
{
    private static readonly PhysiologyTable Table = PhysiologyTable.Load(Species.Human);

    private static DiffusionConfig Tiny(double physics) => new()
    {
        Hidden = 64, Layers = 2, DiffusionSteps = 20, TrainSteps = 100, Batch = 64, TrainingSetSize = 300, LearningRate = 5e-3, PhysicsWeight = physics, Seed = 3,
    };

    [Fact]
    public void Penalty_IsSmallOnReferenceAndLargeOnBrokenIndividuals()
    {
        using var model = PopulationDiffusionTraining.Train(Table, PopulationMethod.Pcdm, Tiny(1) with { TrainSteps = 1 }, "test");
        var pop = new ReferencePopulation(Table).Sample(200, 1);
        var data = PopulationDiffusion.LogVectors(pop, model.Mean, model.Std);
        using var z = TorchSharp.torch.tensor(data, [200, Physiology.Vector.Length]);
        using var p = model.Penalty(z);
        // Reference individuals close exactly; a few sit between 3.5 and 4 log-SDs, where the range term starts.
        Assert.True(p.mean().item<float>() < 5e-3, $"reference penalty {p.mean().item<float>()}");
        // Muscle flow +10% of CO: closure error 0.1 / 0.02 = 5 tolerances, pseudo-Huber sqrt(1 + 25) - 1 = 4.10 (plus a small range term).
        var broken = pop.Select(q => Physiology.FromVector(Species.Human, q.ToVector().Select((v, i) => i == Physiology.Vector.FlowIndex(Tissue.Muscle) ? v + 0.1 * q.CardiacOutput : v).ToArray())).ToArray();
        using var zb = TorchSharp.torch.tensor(PopulationDiffusion.LogVectors(broken, model.Mean, model.Std), [200, Physiology.Vector.Length]);
        using var pb = model.Penalty(zb);
        Assert.InRange(pb.min().item<float>(), 4.0, 6.0);
    }

    [Fact]
    public void Training_IsSeededAndCheckpointsRoundTrip()
    {
        using var a = PopulationDiffusionTraining.Train(Table, PopulationMethod.Pcdm, Tiny(1), "test");
        using var b = PopulationDiffusionTraining.Train(Table, PopulationMethod.Pcdm, Tiny(1), "test");
        Assert.Equal(a.Manifest!.FinalDenoisingLoss, b.Manifest!.FinalDenoisingLoss);
        Assert.InRange(a.Manifest.FinalDenoisingLoss, 0.05, 0.9); // learnt something: an untrained net scores about 1
        var dir = Directory.CreateTempSubdirectory("pbpk");
        var prefix = Path.Combine(dir.FullName, "g");
        a.Save(prefix);
        using var c = PopulationDiffusion.Load(prefix);
        var s1 = a.Sample(50, 11);
        var s2 = c.Sample(50, 11);
        var s3 = c.Sample(50, 12);
        Assert.Equal(s1[49].ToVector(), s2[49].ToVector());
        Assert.NotEqual(s1[0].ToVector(), s3[0].ToVector());
        Assert.Equal(100, c.Manifest!.Config.TrainSteps);
        dir.Delete(true);
    }

    [Theory]
    [InlineData(PopulationMethod.Ddpm, 0.05)]
    [InlineData(PopulationMethod.Pcdm, 0.02)]
    public void BundledGenerators_ProduceMostlyValidHumans(PopulationMethod method, double maxRate)
    {
        using var model = PopulationDiffusion.LoadBundled(Species.Human, method);
        Assert.Equal(method.ToString().ToLowerInvariant(), model.Manifest!.Method);
        var pop = model.Sample(1000, 5);
        var report = PhysiologyConstraints.For(Species.Human).Evaluate(pop);
        Assert.True(report.Any.Rate <= maxRate, $"{method}: {report.Any}");
        var bw = pop.Select(p => Math.Log(p.BodyWeight)).Average();
        Assert.Equal(Math.Log(73), bw, 0.05);
    }

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(PopulationMethod.Ddpm, 0.05)]
    [InlineData(PopulationMethod.Pcdm, 0.02)]
    public void BundledGenerators_ProduceMostlyValidRats(PopulationMethod method, double maxRate)
    {
        using var model = PopulationDiffusion.LoadBundled(Species.Rat, method);
        Assert.Equal("rat", model.Manifest!.Species);
        var pop = model.Sample(500, 5);
        var report = PhysiologyConstraints.For(Species.Rat).Evaluate(pop);
        Assert.True(report.Any.Rate <= maxRate, $"{method}: {report.Any}");
        Assert.Equal(Math.Log(0.25), pop.Select(p => Math.Log(p.BodyWeight)).Average(), 0.05);
    }

    [Fact]
    public void MissingCheckpoint_SaysHowToTrainOne()
    {
        var e = Assert.Throws<IOException>(() => PopulationDiffusion.LoadBundled(Species.Mouse, PopulationMethod.Pcdm));
        Assert.Equal("no bundled pcdm checkpoint for mouse (data/pbpk/generator_mouse_pcdm.bin); train one with --retrain.", e.Message);
    }
}
