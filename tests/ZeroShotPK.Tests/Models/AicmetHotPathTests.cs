using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Tests.Training;
using static TorchSharp.torch;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Models;

/// <summary>
/// The inference hot path (tensorizer, encoder, latent draws, batched decode) pinned to numbers recorded before it was
/// optimised: same checkpoint, data and seed give the same predictive Gaussians to 1e-6.
/// </summary>
[Collection(TorchCollection.Name)]
public class AicmetHotPathTests
{
    private static (Study Context, Individual Target, double[] Times) Case()
    {
        var study = NonmemCsv.ReadStudy(ZeroShotPK.Tests.Data.DataFiles.Path("data/theophylline.csv"));
        var target = study.Individuals[2].WithFirstObservations(4);
        return (study.Without(target.Id), target, Enumerable.Range(0, 50).Select(j => 24.0 * j / 49).ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void PredictiveGaussiansAreUnchangedBySpeedWork(int threads)
    {
        // Recorded at commit c7dde94 (before the hot-path work) with 1 thread; libtorch's float reductions may differ
        // in the last bits between thread counts, far below the 1e-6 asked.
        set_num_threads(threads);
        try
        {
            var (context, target, times) = Case();
            using var p = new AicmetPredictor(ShippedCheckpointTests.Directory);
            var (mu, sigma, logC) = p.Run(new AicmetTask(context.Individuals, [target], [4], [times]), 16, 7, antithetic: false);
            Assert.Equal(16 * 50, mu.Length);
            Assert.Equal(2.4336133554004498, logC, 12);
            int[] pick = [0, 17, 49, 50 * 5 + 3, 50 * 11 + 30, 50 * 15 + 49];
            float[] goldMu = [-0.53833145f, -0.44672477f, -1.4622891f, -0.056367658f, -1.0396128f, -2.5060039f];
            float[] goldSigma = [0.21770777f, 0.1171768f, 0.15485178f, 0.13979761f, 0.11239206f, 0.18580516f];
            for (int k = 0; k < pick.Length; k++)
            {
                Assert.Equal(goldMu[k], mu[pick[k]], 1e-6);
                Assert.Equal(goldSigma[k], sigma[pick[k]], 1e-6);
            }
        }
        finally { set_num_threads(1); }
    }

    [Fact]
    public void PredictionIsUnchangedBySpeedWork()
    {
        // Median, 5% bound and one sample trajectory recorded at commit c7dde94; the quantile search now starts closer
        // (moment-matched normal) and stops at the same tolerance, so the numbers agree to ~2e-7 relative. Recorded with
        // 16 independent draws, the default before paired draws.
        set_num_threads(1);
        var (context, target, times) = Case();
        using var p = new AicmetPredictor(ShippedCheckpointTests.Directory, latentSamples: 16, antithetic: false);
        var a = p.Predict(context, target, times, 7);
        int[] at = [1, 10, 30, 49];
        double[] median = [9.26527705105607, 8.351083827932827, 2.848992390113213, 1.0459381457309902];
        double[] lower = [6.9970998066744245, 6.018553863185276, 1.4125021857829663, 0.3456465017776195];
        double[] sample = [7.976372676545474, 7.273071647425906, 1.8067857489311248, 0.38320524629157404];
        for (int k = 0; k < at.Length; k++)
        {
            Assert.Equal(median[k], a.Median[at[k]], 1e-6 * median[k]);
            Assert.Equal(lower[k], a.Lower90[at[k]], 1e-6 * lower[k]);
            Assert.Equal(sample[k], a.Samples![9][at[k]], 1e-6 * sample[k]);
        }
    }

    [Fact]
    public void WrittenOutSoftmaxMatchesLibtorchIncludingMaskedAndLargeScores()
    {
        using var scope = NewDisposeScope();
        // Attention-shaped scores [N, heads, Lq, Lk] = [3, 4, 5, 14]; the last key masked (-1e4 added) and one row of
        // large scores (the max shift keeps exp finite where an unshifted exp overflows to inf).
        var rng = new Random(11);
        var data = new float[3 * 4 * 5 * 14];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(3 * (rng.NextDouble() * 2 - 1)) - (i % 14 == 13 ? 1e4f : 0f);
        for (int i = 0; i < 13; i++) data[i] += 200f;
        var x = tensor(data).reshape(3, 4, 5, 14);
        var ours = AttentionBlock.SoftmaxLastDim(x).data<float>().ToArray();
        var theirs = TorchSharp.torch.nn.functional.softmax(x, -1).data<float>().ToArray();
        Assert.All(ours, v => Assert.True(float.IsFinite(v)));
        for (int i = 0; i < ours.Length; i++) Assert.True(Math.Abs(ours[i] - theirs[i]) < 1e-6, $"element {i}: {ours[i]} vs {theirs[i]}");
        Assert.Equal(0f, ours[13]);
    }

    [Fact]
    public void AllocatorThresholdsAreSetOnceWhenADeviceIsResolved()
    {
        ZeroShotPK.Torch.TorchDevice.Resolve(ZeroShotPK.Torch.DeviceChoice.Cpu);
        // glibc Linux is where the tests run (Debian 12); elsewhere the tuning is a documented no-op.
        Assert.Equal(OperatingSystem.IsLinux(), ZeroShotPK.Torch.NativeAllocator.Tuned);
        ZeroShotPK.Torch.NativeAllocator.Tune();
        Assert.Equal(OperatingSystem.IsLinux(), ZeroShotPK.Torch.NativeAllocator.Tuned);
    }

    [Fact]
    public void AntitheticNoiseMirrorsItsFirstHalfAndRefusesAnOddCount()
    {
        using var scope = NewDisposeScope();
        using var g = new TorchSharp.torch.Generator(3);
        var e = AicmetModel.LatentNoise([8, 3, 5], CPU, g, antithetic: true).data<float>().ToArray();
        Assert.Equal(8 * 15, e.Length);
        for (int i = 0; i < 4 * 15; i++) Assert.Equal(-e[i], e[4 * 15 + i]);
        Assert.True(e.Take(60).Select(v => (double)v).Max() > 0.5, "the first half is real standard normal noise");
        var ex = Assert.Throws<ArgumentException>(() => AicmetModel.LatentNoise([5, 2], CPU, g, antithetic: true));
        Assert.Contains("must be even, got 5", ex.Message);
    }

    [Fact]
    public void DefaultPredictionPairsEightDrawsAndPffNever()
    {
        set_num_threads(1);
        var (context, target, times) = Case();
        using var p = new AicmetPredictor(ShippedCheckpointTests.Directory);
        Assert.Equal(8, p.LatentSamples);
        Assert.True(p.AntitheticDraws);
        var (mu, _, _) = p.Run(new AicmetTask(context.Individuals, [target], [4], [times]), 8, 7, antithetic: true);
        Assert.Equal(8 * 50, mu.Length);
        // Recorded when paired draws became the default (shipped transformer, theophylline individual 3, seed 7).
        var a = p.Predict(context, target, times, 7);
        int[] at = [1, 10, 30, 49];
        double[] median = [9.350605176028399, 8.447142121407483, 2.9292515838506095, 1.0997486584133729];
        for (int k = 0; k < at.Length; k++) Assert.Equal(median[k], a.Median[at[k]], 1e-6 * median[k]);
        Assert.Equal(8, a.Samples!.Length);
        var odd = Assert.Throws<ArgumentOutOfRangeException>(() => new AicmetPredictor(ShippedCheckpointTests.Directory, latentSamples: 7));
        Assert.Contains("must be even", odd.Message);
        using var pff = new AicmetPredictor(ShippedCheckpointTests.Of(ShippedModels.Pff), latentSamples: Methods.PffDraws, name: "pff");
        Assert.False(pff.AntitheticDraws);
    }
}
