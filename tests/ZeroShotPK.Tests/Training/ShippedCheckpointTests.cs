using ZeroShotPK.Models.Neural;
using ZeroShotPK.Training;
using static TorchSharp.torch;

namespace ZeroShotPK.Tests.Training;

[Collection(TorchCollection.Name)]
public class ShippedCheckpointTests
{
    internal static string Directory => Of(ShippedModels.Small);

    internal static string Of(string name) => ShippedModels.Require(name);

    [Theory]
    [InlineData(ShippedModels.Small)]
    [InlineData(ShippedModels.Default)]
    [InlineData(ShippedModels.Pff)]
    public void ReproducesItsRecordedValidationLossAndBeatsThePopulationMean(string name)
    {
        set_num_threads(1);
        var dir = Of(name);
        var manifest = Checkpoint.ReadManifest(dir);
        var (generator, hash) = TrainingPrior.Resolve(manifest.Prior);
        Assert.True(hash == manifest.PriorHash, $"prior '{manifest.Prior}' changed since the checkpoint was trained (hash {hash}, manifest {manifest.PriorHash})");
        var (model, _) = Checkpoint.Load(dir);
        using (model)
        {
            // The shipped held-out studies, not a fresh draw: simulator code may change after training.
            var validation = ValidationSet.Load(dir, manifest.Config.Training);
            Assert.Equal(manifest.ValidationStudies, validation.Studies.Count);
            var r = validation.Evaluate(model, CPU);
            Assert.Equal(manifest.ValidationLoss!.Value, r.Loss, 4);
            Assert.Equal(manifest.ValidationRmse!.Value, r.Rmse, 4);
            Assert.Equal(manifest.PopulationMeanRmse!.Value, r.PopulationMeanRmse, 6);
            // A clear margin over predicting the context's mean log-concentration curve.
            Assert.True(r.Rmse < 0.8 * r.PopulationMeanRmse, $"log-RMSE {r.Rmse:F4} vs population mean {r.PopulationMeanRmse:F4}");
        }
    }

    [Fact]
    public void IsSmallAndDescribesItself()
    {
        var m = Checkpoint.ReadManifest(Directory);
        Assert.Equal("small", m.Config.Name);
        Assert.Equal(AicmetConfig.Small.Architecture, m.Config.Architecture);
        Assert.Equal(TrainingPrior.Shipped, m.Prior);
        Assert.True(m.Step >= 3000, $"only {m.Step} steps");
        Assert.StartsWith("zspk pretrain", m.CommandLine);
        Assert.True(new FileInfo(Path.Combine(Directory, m.ModelFile)).Length < 5 << 20);
        var rows = File.ReadAllLines(Path.Combine(Directory, "loss.csv"));
        Assert.Equal("step,loss,nll,kl,lr,grad_norm,val_loss,val_rmse,elapsed_s", rows[0]);
        Assert.Equal(m.Step, int.Parse(rows[^1].Split(',')[0]));
    }
}
