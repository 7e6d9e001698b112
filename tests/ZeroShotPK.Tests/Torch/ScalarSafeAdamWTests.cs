using TorchSharp.Modules;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Tests.Torch;

/// <summary>ScalarSafeAdamW follows TorchSharp's Adam and AdamW step for step, and its decay and skipping rules are exact.</summary>
[Collection(TorchCollection.Name)]
public class ScalarSafeAdamWTests
{
    private static readonly float[] Inputs = Enumerable.Range(0, 8 * 3).Select(i => (float)Math.Sin(0.7 * i + 0.3)).ToArray();
    private static readonly float[] Targets = Enumerable.Range(0, 8).Select(i => (float)Math.Cos(1.3 * i)).ToArray();

    /// <summary>Two parameters of a small non-linear regression, a fresh copy each call.</summary>
    private static Parameter[] NewParameters() =>
    [
        new Parameter(tensor(Enumerable.Range(0, 3 * 4).Select(i => (float)Math.Cos(0.9 * i)).ToArray(), [3, 4])),
        new Parameter(tensor(Enumerable.Range(0, 4).Select(i => 0.5f - 0.25f * i).ToArray(), [4])),
    ];

    private static void Backward(Parameter[] p)
    {
        using var scope = NewDisposeScope();
        var x = tensor(Inputs, [8, 3]);
        var y = tensor(Targets, [8]);
        var prediction = x.matmul(p[0]).tanh().matmul(p[1]);
        var residual = prediction - y;
        residual.Square().mean().backward();
    }

    /// <summary>Learning rate of step k: changes every step so the schedule path is exercised too.</summary>
    private static double Lr(int k) => 0.05 * (0.5 + 0.5 * Math.Cos(Math.PI * k / 20));

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void TrajectoryEqualsTorchSharpsOptimizerOver20Steps(double weightDecay)
    {
        var ours = NewParameters();
        var theirs = NewParameters();
        using var safe = new ScalarSafeAdamW(ours, Lr(0), beta1: 0.85, beta2: 0.99, epsilon: 1e-7, weightDecay: weightDecay);
        using OptimizerHelper reference = weightDecay == 0
            ? optim.Adam(theirs, Lr(0), beta1: 0.85, beta2: 0.99, eps: 1e-7)
            : optim.AdamW(theirs, Lr(0), beta1: 0.85, beta2: 0.99, eps: 1e-7, weight_decay: weightDecay);
        var start = ours[0].data<float>().ToArray();
        for (int k = 0; k < 20; k++)
        {
            safe.LearningRate = Lr(k);
            foreach (var g in reference.ParamGroups) g.LearningRate = Lr(k);
            safe.ZeroGrad();
            reference.zero_grad();
            Backward(ours);
            Backward(theirs);
            safe.Step();
            reference.step();
            for (int i = 0; i < ours.Length; i++)
            {
                var a = ours[i].data<float>().ToArray();
                var b = theirs[i].data<float>().ToArray();
                for (int j = 0; j < a.Length; j++) Assert.True(Math.Abs(a[j] - b[j]) <= 1e-6, $"step {k + 1}, parameter {i}[{j}]: {a[j]} vs {b[j]}");
            }
        }
        // The trajectory actually moved (the comparison is not between two frozen copies).
        Assert.True(ours[0].data<float>().ToArray().Zip(start, (a, b) => Math.Abs(a - b)).Max() > 0.05);
        foreach (var p in ours.Concat(theirs)) p.Dispose();
    }

    [Fact]
    public void WeightDecayAloneShrinksByOneMinusLrTimesDecay()
    {
        // Zero gradient: both moments stay 0, so the update is the decoupled decay alone, p * (1 - lr * wd).
        using var p = new Parameter(tensor(new double[] { 2.0, -4.0 }));
        using var opt = new ScalarSafeAdamW([p], learningRate: 0.1, weightDecay: 0.5);
        p.grad = zeros_like(p);
        opt.Step();
        var after = p.data<double>().ToArray();
        Assert.Equal(1.9, after[0], 12);
        Assert.Equal(-3.8, after[1], 12);
    }

    [Fact]
    public void FirstStepMovesEachCoordinateByLearningRateAgainstItsGradientSign()
    {
        // Step 1: m-hat = g, v-hat = g^2, so the update is -lr * g / (|g| + eps) = -lr * sign(g) (eps 0).
        using var p = new Parameter(tensor(new double[] { 1.0, 1.0, 1.0 }));
        using var opt = new ScalarSafeAdamW([p], learningRate: 0.01, epsilon: 0);
        p.grad = tensor(new double[] { 3.0, -0.002, 50.0 });
        opt.Step();
        var after = p.data<double>().ToArray();
        Assert.Equal(0.99, after[0], 12);
        Assert.Equal(1.01, after[1], 12);
        Assert.Equal(0.99, after[2], 12);
    }

    [Fact]
    public void ParameterWithoutGradientIsLeftAlone()
    {
        using var used = new Parameter(tensor(new double[] { 1.0 }));
        using var unused = new Parameter(tensor(new double[] { 5.0 }));
        using var opt = new ScalarSafeAdamW([used, unused], learningRate: 0.5);
        used.grad = tensor(new double[] { 1.0 });
        opt.Step();
        Assert.Equal(0.5, used.data<double>()[0], 8);
        Assert.Equal(5.0, unused.data<double>()[0]);
    }

    [Fact]
    public void BadSettingsAreRejectedWithTheParameterName()
    {
        using var p = new Parameter(tensor(new double[] { 1.0 }));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ScalarSafeAdamW([p], learningRate: 0.1, beta1: 1.0));
        Assert.Equal("beta1", e.ParamName);
        Assert.StartsWith("expected beta1 in [0, 1)", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new ScalarSafeAdamW([p], learningRate: -1));
        Assert.Equal("learningRate", e.ParamName);
        using var opt = new ScalarSafeAdamW([p], learningRate: 0.1);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => opt.LearningRate = double.NaN);
        Assert.StartsWith("expected a finite learning rate >= 0", e.Message);
    }

    [Fact]
    public void SavedAndLoadedStateContinuesExactlyLikeTheUninterruptedRun()
    {
        var path = Path.Combine(Path.GetTempPath(), $"zspk-adamw-{Guid.NewGuid():N}.bin");
        try
        {
            var straight = NewParameters();
            using (var opt = new ScalarSafeAdamW(straight, 0.02, weightDecay: 0.01))
                for (int k = 0; k < 10; k++) { opt.ZeroGrad(); Backward(straight); opt.Step(); }

            var resumed = NewParameters();
            using (var first = new ScalarSafeAdamW(resumed, 0.02, weightDecay: 0.01))
            {
                for (int k = 0; k < 5; k++) { first.ZeroGrad(); Backward(resumed); first.Step(); }
                first.Save(path);
            }
            using (var second = new ScalarSafeAdamW(resumed, 0.02, weightDecay: 0.01))
            {
                second.Load(path);
                for (int k = 0; k < 5; k++) { second.ZeroGrad(); Backward(resumed); second.Step(); }
            }
            for (int i = 0; i < straight.Length; i++)
                Assert.Equal(straight[i].data<float>().ToArray(), resumed[i].data<float>().ToArray());

            // Without the state (fresh moments, step 1 bias correction) the continuation differs: the check can fail.
            var fresh = NewParameters();
            using (var opt = new ScalarSafeAdamW(fresh, 0.02, weightDecay: 0.01))
                for (int k = 0; k < 5; k++) { opt.ZeroGrad(); Backward(fresh); opt.Step(); }
            using (var restart = new ScalarSafeAdamW(fresh, 0.02, weightDecay: 0.01))
                for (int k = 0; k < 5; k++) { restart.ZeroGrad(); Backward(fresh); restart.Step(); }
            Assert.NotEqual(straight[0].data<float>().ToArray(), fresh[0].data<float>().ToArray());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LoadRefusesOtherShapesOtherSettingsAndTruncatedFiles()
    {
        var path = Path.Combine(Path.GetTempPath(), $"zspk-adamw-{Guid.NewGuid():N}.bin");
        try
        {
            var p = NewParameters();
            using (var opt = new ScalarSafeAdamW(p, 0.02)) opt.Save(path);
            using var other = new Parameter(zeros(4, 3));
            using (var wrongShape = new ScalarSafeAdamW([other, p[1]], 0.02))
                Assert.Equal($"{path}: parameter 0 has shape [3, 4] in the optimizer state, [4, 3] in the model.",
                    Assert.Throws<InvalidDataException>(() => wrongShape.Load(path)).Message);
            using (var wrongDecay = new ScalarSafeAdamW(p, 0.02, weightDecay: 0.1))
                Assert.Equal($"{path}: optimizer state has weight decay 0, this optimizer uses 0.1.",
                    Assert.Throws<InvalidDataException>(() => wrongDecay.Load(path)).Message);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..^8]);
            using (var opt = new ScalarSafeAdamW(p, 0.02))
                Assert.Equal($"{path}: optimizer state ends early (truncated file).", Assert.Throws<InvalidDataException>(() => opt.Load(path)).Message);
        }
        finally { File.Delete(path); }
    }
}
