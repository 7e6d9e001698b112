using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Tests.Training;
using static TorchSharp.torch;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Models;

[Collection(TorchCollection.Name)]
public sealed class AicmetPredictorTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "zspk-pred-" + Guid.NewGuid().ToString("N"));

    public AicmetPredictorTests()
    {
        manual_seed(9);
        using var model = new AicmetNetwork(AicmetConfig.Small.Architecture);
        Checkpoint.Save(dir, model, null, new CheckpointManifest
        {
            Config = AicmetConfig.Small, Prior = "test", PriorHash = "0", Seed = 9, Step = 0, TotalSteps = 1, ModelFile = "",
        });
    }

    public void Dispose() => Directory.Delete(dir, true);

    [Fact]
    public void MixtureQuantileMatchesTheNormalQuantilesAndSymmetry()
    {
        Assert.Equal(1 + 2 * 1.6448536269514722, AicmetPredictor.MixtureQuantile([1.0], [2.0], 0.95), 6);
        Assert.Equal(1 - 2 * 1.6448536269514722, AicmetPredictor.MixtureQuantile([1.0], [2.0], 0.05), 6);
        // Symmetric two-component mixture: median at the midpoint; its 95% point solves 0.5(Phi(x+3) + Phi(x-3)) = 0.95.
        Assert.Equal(0, AicmetPredictor.MixtureQuantile([-3.0, 3.0], [1.0, 1.0], 0.5), 6);
        double q = AicmetPredictor.MixtureQuantile([-3.0, 3.0], [1.0, 1.0], 0.95);
        double cdf = 0.5 * (MathNet.Numerics.Distributions.Normal.CDF(-3, 1, q) + MathNet.Numerics.Distributions.Normal.CDF(3, 1, q));
        Assert.Equal(0.95, cdf, 6);
    }

    [Fact]
    public void SamplesAreObservationDrawsWhoseQuantilesMatchTheInterval()
    {
        // Samples carry the decoder's residual error, so with many draws their 5% / 95% points approach the mixture's.
        using var p = new AicmetPredictor(ShippedCheckpointTests.Directory, latentSamples: 4000);
        var study = NonmemCsv.ReadStudy(ZeroShotPK.Tests.Data.DataFiles.Path("data/theophylline.csv"));
        var target = study.Individuals[0].WithFirstObservations(4);
        double[] times = [2, 6, 12, 24];
        var a = p.Predict(study.Without(target.Id), target, times, seed: 3);
        for (int j = 0; j < times.Length; j++)
        {
            var column = a.Samples!.Select(s => s[j]).OrderBy(v => v).ToArray();
            double lo = column[(int)(0.05 * column.Length)], hi = column[(int)(0.95 * column.Length)];
            Assert.InRange(Math.Log(lo / a.Lower90[j]), -0.05, 0.05);
            Assert.InRange(Math.Log(hi / a.Upper90[j]), -0.05, 0.05);
        }
    }

    [Fact]
    public void PredictionHasOrderedIntervalsSamplesAndIsSeeded()
    {
        using var p = new AicmetPredictor(dir);
        var study = new OneCompartmentGenerator().Generate(21);
        var target = study.Individuals[0].WithFirstObservations(4);
        var context = study.Without(target.Id);
        var times = Enumerable.Range(1, 50).Select(i => i * 0.5).ToArray();
        var a = p.Predict(context, target, times, seed: 1);
        Assert.Equal("aicmet", a.Method);
        Assert.Equal(50, a.Median.Length);
        Assert.Equal(AicmetPredictor.DefaultLatentSamples, a.Samples!.Length);
        for (int j = 0; j < 50; j++)
        {
            Assert.True(a.Lower90[j] > 0 && a.Lower90[j] < a.Median[j] && a.Median[j] < a.Upper90[j], $"time {times[j]}");
        }
        var again = p.Predict(context, target, times, seed: 1);
        // Same seed, same numbers (up to libtorch's float reduction order, ~1e-7 relative).
        for (int j = 0; j < 50; j++)
        {
            Assert.Equal(a.Median[j], again.Median[j], a.Median[j] * 1e-6);
            Assert.Equal(a.Samples[5][j], again.Samples![5][j], a.Samples[5][j] * 1e-6);
        }
        var other = p.Predict(context, target, times, seed: 2);
        Assert.True(a.Samples[5].Zip(other.Samples![5], (x, y) => Math.Abs(Math.Log(x / y))).Max() > 1e-3);
    }

    [Fact]
    public void NoContextAblationIgnoresTheStudy()
    {
        using var with = new AicmetPredictor(dir);
        using var without = new AicmetPredictor(dir, useContext: false);
        Assert.Equal("aicmet-nocontext", without.Name);
        var gen = new OneCompartmentGenerator();
        var s1 = gen.Generate(1);
        var s2 = gen.Generate(2);
        var target = s1.Individuals[0].WithFirstObservations(3);
        double[] times = [4, 8, 12];
        var x1 = without.Predict(s1.Without(target.Id), target, times).Median;
        var x2 = without.Predict(s2, target, times).Median;
        for (int j = 0; j < 3; j++) Assert.Equal(x1[j], x2[j], x1[j] * 1e-6);
        Assert.NotEqual(with.Predict(s1.Without(target.Id), target, times).Median, with.Predict(s2, target, times).Median);
    }

    [Fact]
    public void GeneratesSeededVirtualIndividualsOfAStudy()
    {
        using var p = new AicmetPredictor(dir);
        var study = new OneCompartmentGenerator().Generate(4);
        double[] times = [0.5, 1, 2, 4, 8, 24];
        var a = p.GenerateIndividuals(study, [DosingEvent.Oral(0, 100)], times, count: 20, seed: 3);
        Assert.Equal(20, a.Length);
        Assert.All(a, row => Assert.Equal(6, row.Length));
        Assert.All(a.SelectMany(r => r), v => Assert.True(v > 0 && double.IsFinite(v)));
        var b = p.GenerateIndividuals(study, [DosingEvent.Oral(0, 100)], times, count: 20, seed: 3);
        for (int j = 0; j < 6; j++) Assert.Equal(a[7][j], b[7][j], a[7][j] * 1e-6);
        var ex = Assert.Throws<ArgumentException>(() => p.GenerateIndividuals(new Study("empty", []), [DosingEvent.Oral(0, 100)], times, 5));
        Assert.Contains("needs a study context with at least one individual", ex.Message);
    }
}
