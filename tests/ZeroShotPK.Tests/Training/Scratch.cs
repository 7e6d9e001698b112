using ZeroShotPK.Training;
using static TorchSharp.torch;
namespace ZeroShotPK.Tests.Training;
public class Scratch
{
    [Fact]
    public void TwoStraightRunsAgree()
    {
        set_num_threads(1);
        var root = Path.Combine(Path.GetTempPath(), "zspk-s-" + Guid.NewGuid().ToString("N"));
        PretrainOptions O(string d) => new() { Config = PretrainerTests.Tiny, OutputDirectory = d, Generator = new OneCompartmentGenerator(), PriorName = "x", Seed = 5 };
        new Pretrainer(O(root + "/a")).Run();
        new Pretrainer(O(root + "/b")).Run();
        float[] W(string d) { var (m, _) = Checkpoint.Load(d); return m.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray(); }
        var a = W(root + "/a"); var b = W(root + "/b");
        double maxd = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        new Pretrainer(O(root + "/c")).Run();
        Assert.Fail($"maxdiff {maxd}");
    }
}
