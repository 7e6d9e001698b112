using static TorchSharp.torch;
using ZeroShotPK.Torch;

namespace ZeroShotPK.Tests;

/// <summary>ScalarOps replaces TorchSharp's implicit-Scalar arithmetic: same values, same dtypes.</summary>
public class ScalarOpsTests
{
    [Fact]
    public void ArithmeticMatchesHandComputedValues()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1f, -2f, 0.5f });
        Assert.Equal(new[] { 3.5f, 0.5f, 3f }, x.Add(2.5).data<float>().ToArray());
        Assert.Equal(new[] { -1.5f, -4.5f, -2f }, x.Sub(2.5).data<float>().ToArray());
        Assert.Equal(new[] { 3f, -6f, 1.5f }, x.Mul(3).data<float>().ToArray());
        Assert.Equal(new[] { 0.5f, -1f, 0.25f }, x.Div(2).data<float>().ToArray());
        Assert.Equal(new[] { 0f, 3f, 0.5f }, x.RSub(1).data<float>().ToArray());
        Assert.Equal(new[] { 2f, -1f, 4f }, x.RDiv(2).data<float>().ToArray());
        Assert.Equal(new[] { 1f, 4f, 0.25f }, x.Pow(2).data<float>().ToArray());
        Assert.Equal(new[] { 1f, 4f, 0.25f }, x.Square().data<float>().ToArray());
        Assert.Equal(new[] { 1f, 0f, 0.5f }, x.ClampMin(0).data<float>().ToArray());
        Assert.Equal(new[] { 0.75f, -2f, 0.5f }, x.ClampMax(0.75).data<float>().ToArray());
        Assert.Equal(new[] { 1f, -1f, 0.5f }, x.Clamp(-1, 1).data<float>().ToArray());
        Assert.Equal(new[] { false, true, false }, x.Eq(-2).data<bool>().ToArray());
        Assert.Equal(new[] { true, false, false }, x.Gt(0.5).data<bool>().ToArray());
        Assert.Equal(new[] { true, false, true }, x.Ge(0.5).data<bool>().ToArray());
        Assert.Equal(new[] { false, true, false }, x.Lt(0.5).data<bool>().ToArray());
        Assert.Equal(new[] { false, true, true }, x.Le(0.5).data<bool>().ToArray());
        Assert.Equal(new[] { 1f, 9f, 0.5f }, x.MaskedFill(x.Lt(0), 9).data<float>().ToArray());
        Assert.Equal(new[] { 0.25f, 0.25f }, ScalarOps.Full([2], 0.25, ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(new long[] { 0, 1, 2, 3 }, ScalarOps.Arange(4, ScalarType.Int64).data<long>().ToArray());
    }

    [Fact]
    public void SoftplusIsLogOnePlusExpEverywhere()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { -50, -3, 0, 2, 40 });
        var expected = new[] { -50.0, -3, 0, 2, 40 }.Select(v => v > 30 ? v : Math.Log(1 + Math.Exp(v))).ToArray();
        var got = x.Softplus().data<double>().ToArray();
        for (var i = 0; i < got.Length; i++) Assert.Equal(expected[i], got[i], 1e-12);
        Assert.Equal(Math.Exp(-50), got[0], 1e-30);
    }

    [Fact]
    public void IntegerTensorsStayIntegerWithIntegerOperands()
    {
        using var scope = NewDisposeScope();
        var n = tensor(new long[] { 1, 2, 3 });
        Assert.Equal(ScalarType.Int64, n.Add(1).dtype);
        Assert.Equal(ScalarType.Int64, n.Mul(2).dtype);
        Assert.Equal(new long[] { 0, 1, 2 }, n.Sub(1).data<long>().ToArray());
        Assert.Equal(ScalarType.Float32, tensor(new float[] { 1f }).Mul(2.5).dtype);
    }

    [Fact]
    public async Task ManyScalarOpsUnderGarbageCollectionPressureGiveExactResults()
    {
        // The implicit form of this loop could free a Scalar during the native call when another thread collects.
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() => { while (!stop.IsCancellationRequested) { GC.Collect(); GC.WaitForPendingFinalizers(); } });
        try
        {
            for (var i = 0; i < 20_000; i++)
            {
                using var scope = NewDisposeScope();
                var x = ones(8);
                var y = x.Mul(0.5).Add(0.25).Sub(1.0).ClampMin(-0.5);
                Assert.Equal(-0.25f, y[0].item<float>());
            }
        }
        finally
        {
            stop.Cancel();
            await collector;
        }
    }
}
