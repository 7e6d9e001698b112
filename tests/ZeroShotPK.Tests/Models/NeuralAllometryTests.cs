using ZeroShotPK.Evaluation;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Scaling;
using ZeroShotPK.Training;

namespace ZeroShotPK.Tests.Models;

[Collection(TorchCollection.Name)]
public class NeuralAllometryTests
{
    private static readonly NeuralAllometryConfig Small = new() { Hidden = 32, Steps = 400, Batch = 64, Seed = 2 };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Trained_BeatsTheTrainingMeanAndItsOwnUnboundAllometryBase_OnHeldOutCompounds(bool ode)
    {
        var all = new CrossSpeciesGenerator().Generate(400, 21);
        var train = all.Take(300).ToArray();
        var test = all.Skip(300).ToArray();
        using var net = NeuralAllometryTraining.Train(train, Small with { OdeHead = ode });
        var p = net.PredictHuman(test);
        var cl = FoldErrorSummary.Of(p.Select(x => x.Cl).ToArray(), test.Select(c => c.In(Species.Human).Cl).ToArray());
        var vss = FoldErrorSummary.Of(p.Select(x => x.Vss).ToArray(), test.Select(c => c.In(Species.Human).Vss).ToArray());
        var mean = ScalingBenchmark.TrainingMean(train, test.Length);
        var meanCl = FoldErrorSummary.Of(mean.Cl!, test.Select(c => c.In(Species.Human).Cl).ToArray());
        // The network outputs a correction to unbound allometry (CL) and exponent-1 allometry (Vss): an untrained or
        // useless network scores like them, so beating unbound allometry on both shows that training added something.
        var unbound = ScalingBenchmark.Classical(test, out _).Single(m => m.Key == "unbound");
        var unboundCl = FoldErrorSummary.Of(unbound.Cl!, test.Select(c => c.In(Species.Human).Cl).ToArray());
        var unboundVss = FoldErrorSummary.Of(unbound.Vss!, test.Select(c => c.In(Species.Human).Vss).ToArray());
        Assert.True(cl.Aafe < meanCl.Aafe / 2, $"neural CL AAFE {cl.Aafe:F3} vs training mean {meanCl.Aafe:F3}");
        Assert.True(cl.Within2Fold >= 0.85, $"neural CL within 2-fold {cl.Within2Fold:P0}");
        Assert.True(cl.Aafe < unboundCl.Aafe, $"neural CL AAFE {cl.Aafe:F3} vs unbound allometry {unboundCl.Aafe:F3}");
        Assert.True(vss.Aafe < unboundVss.Aafe, $"neural Vss AAFE {vss.Aafe:F3} vs unbound allometry {unboundVss.Aafe:F3}");
        Assert.True(net.FinalLoss < 0.2, $"final loss {net.FinalLoss}");
    }

    [Fact]
    public void SameSeed_SamePredictions_AndBodyWeightQueriesScaleVss()
    {
        var set = new CrossSpeciesGenerator().Generate(60, 4);
        var cfg = Small with { Steps = 40 };
        using var a = NeuralAllometryTraining.Train(set, cfg);
        using var b = NeuralAllometryTraining.Train(set, cfg);
        Assert.Equal(a.PredictHuman(set.Take(5).ToArray()), b.PredictHuman(set.Take(5).ToArray()));
        using var c = NeuralAllometryTraining.Train(set, cfg with { Seed = 3 });
        Assert.NotEqual(a.PredictHuman(set.Take(5).ToArray()), c.PredictHuman(set.Take(5).ToArray()));

        // Continuous in body weight: the exponent-1 part of Vss dominates a 100-fold weight change.
        var curve = a.PredictAt(set[0], [1, 10, 100], set[0].In(Species.Human).Fu);
        Assert.All(curve, q => Assert.True(double.IsFinite(q.Cl) && q.Cl > 0 && double.IsFinite(q.Vss) && q.Vss > 0));
        Assert.InRange(curve[2].Vss / curve[0].Vss, 30, 300);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.PredictAt(set[0], [1], 1.0));

        using var o1 = NeuralAllometryTraining.Train(set, cfg with { OdeHead = true });
        using var o2 = NeuralAllometryTraining.Train(set, cfg with { OdeHead = true });
        Assert.Equal(o1.PredictHuman(set.Take(5).ToArray()), o2.PredictHuman(set.Take(5).ToArray()));
        var odeCurve = o1.PredictAt(set[0], [1, 10, 100], set[0].In(Species.Human).Fu);
        Assert.InRange(odeCurve[2].Vss / odeCurve[0].Vss, 30, 300);
    }
}
