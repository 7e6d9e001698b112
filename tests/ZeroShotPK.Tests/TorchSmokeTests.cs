using static TorchSharp.torch;
using ZeroShotPK.Torch;

namespace ZeroShotPK.Tests;

[Collection(TorchCollection.Name)]
public class TorchSmokeTests
{
    [Fact]
    public void TensorOpAndBackwardPassRunOnCpu()
    {
        // d/dx sum(x^2 * 3) = 6x: proves libtorch loads (glibc fix applied by the build) and autograd works.
        using var x = tensor(new float[] { 1f, -2f, 0.5f }, requires_grad: true);
        using var y = x.Pow(2).Mul(3).sum();
        y.backward();
        var g = x.grad!.data<float>().ToArray();
        Assert.Equal(new[] { 6f, -12f, 3f }, g);
        Assert.Equal(15.75f, y.item<float>(), 5);
    }

    [Fact]
    public void DeviceParseRejectsUnknownNames()
    {
        var ex = Assert.Throws<ArgumentException>(() => ZeroShotPK.Torch.TorchDevice.Parse("tpu"));
        Assert.Contains("expected auto, cpu or cuda, got 'tpu'", ex.Message);
        Assert.Equal(ZeroShotPK.Torch.DeviceChoice.Cpu, ZeroShotPK.Torch.TorchDevice.Parse("CPU"));
    }
}
