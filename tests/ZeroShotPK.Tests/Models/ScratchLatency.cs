using System.Diagnostics;
using Xunit.Abstractions;
using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Training;
using static TorchSharp.torch;
namespace ZeroShotPK.Tests.Models;
public class ScratchLatency(ITestOutputHelper o)
{
    [Fact]
    public void Latency()
    {
        set_num_threads(1);
        var dir = Path.Combine(Path.GetTempPath(), "zspk-lat");
        if (!Checkpoint.Exists(dir)) { manual_seed(1); using var m = new AicmetNetwork(AicmetConfig.Small.Architecture); Checkpoint.Save(dir, m, null, new CheckpointManifest { Config = AicmetConfig.Small, Prior = "t", PriorHash = "", Seed = 1, Step = 0, TotalSteps = 1, ModelFile = "" }); }
        using var p = new AicmetPredictor(dir);
        var gen = new ZeroShotPK.Tests.Training.OneCompartmentGenerator();
        var study = gen.Generate(3);
        var more = gen.Generate(4); study = new Study("s", study.Individuals.Concat(more.Individuals.Select(i => new Individual("b" + i.Id, i.Doses, i.Observations))));
        var target = study.Individuals[0].WithFirstObservations(4);
        var ctx = new Study("c", study.Individuals.Skip(1).Take(12));
        var times = Enumerable.Range(1, 50).Select(i => i * 0.5).ToArray();
        for (int i = 0; i < 20; i++) p.Predict(ctx, target, times, i);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 100; i++) p.Predict(ctx, target, times, i);
        o.WriteLine($"predict {sw.Elapsed.TotalMilliseconds / 100:F2} ms");
        using var p1 = new AicmetPredictor(dir, latentSamples: 1);
        for (int i = 0; i < 20; i++) p1.Predict(ctx, target, times, i);
        sw.Restart();
        for (int i = 0; i < 100; i++) p1.Predict(ctx, target, times, i);
        o.WriteLine($"predict M=1 {sw.Elapsed.TotalMilliseconds / 100:F2} ms");
        var mu = Enumerable.Range(0, 32).Select(i => i * 0.01).ToArray(); var sg = Enumerable.Repeat(0.3, 32).ToArray();
        sw.Restart();
        for (int i = 0; i < 150 * 10; i++) AicmetPredictor.MixtureQuantile(mu, sg, 0.05);
        o.WriteLine($"quantiles for one prediction {sw.Elapsed.TotalMilliseconds / 10:F2} ms");
    }
}
