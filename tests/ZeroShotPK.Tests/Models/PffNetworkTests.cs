using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Tests.Training;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Tests.Models;

/// <summary>The functional flow-matching network (PFF): its reference process, sampling and training objective.</summary>
[Collection(TorchCollection.Name)]
public class PffNetworkTests
{
    private static readonly AicmetConfig Config = AicmetConfig.PffSmall;

    private static AicmetModel NewModel(int seed = 3)
    {
        manual_seed(seed);
        var m = AicmetModel.Create(Config.Architecture);
        Assert.IsType<PffNetwork>(m);
        m.eval();
        return m;
    }

    private static (float[] Mu, float[] Sigma, long Draws) Run(AicmetModel model, int samples, ulong seed, params AicmetTask[] tasks)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var batch = AicmetTensorizer.Build(tasks);
        using var g = new TorchSharp.torch.Generator(seed);
        var (mu, sigma) = model.Predict(batch, samples, g);
        return (mu.data<float>().ToArray(), sigma.data<float>().ToArray(), mu.shape[0]);
    }

    [Fact]
    public void TheReferenceIsAUnitVarianceGaussianProcessWithTheRbfCorrelation()
    {
        using var scope = NewDisposeScope();
        using var times = tensor(new float[] { 0f, 0.25f, 1f, 1f });
        using var g = new TorchSharp.torch.Generator(7);
        using var x = PffNetwork.ReferenceDraws(times, 0.25, 20000, g);          // [M, Q]
        Assert.Equal(new long[] { 20000, 4 }, x.shape);
        var v = x.to_type(ScalarType.Float64).data<double>().ToArray();
        double Cov(int a, int b) => Enumerable.Range(0, 20000).Average(m => v[m * 4 + a] * v[m * 4 + b]);
        // Variance 1 (+ jitter 1e-3); corr exp(-0.25^2 / (2 0.25^2)) = exp(-0.5) at 0.25 apart, exp(-8) at 1 apart;
        // the standard error of each estimate is about 1/sqrt(20000) = 0.007.
        Assert.Equal(1.001, Cov(0, 0), 0.03);
        Assert.Equal(Math.Exp(-0.5), Cov(0, 1), 0.03);
        Assert.Equal(Math.Exp(-8), Cov(0, 2), 0.03);
        // Repeated times are the same point of the process (the jitter aside): correlation ~1.
        Assert.True(Cov(2, 3) / Math.Sqrt(Cov(2, 2) * Cov(3, 3)) > 0.99);
    }

    [Fact]
    public void ThePointPredictionAtATimeDoesNotDependOnWhichOtherTimesAreAsked()
    {
        // The field is pointwise (queries attend to the memory only) and the point prediction starts from the reference's
        // mean, 0, so nothing couples one query to another.
        using var model = NewModel();
        var s = new OneCompartmentGenerator().Generate(4);
        var target = s.Individuals[0].WithFirstObservations(3);
        var a = Run(model, 0, 1, new AicmetTask(s.Individuals.Skip(1).ToArray(), [target], [3], [[1.0, 2.0, 6.0, 24.0]])).Mu;
        var b = Run(model, 0, 1, new AicmetTask(s.Individuals.Skip(1).ToArray(), [target], [3], [[6.0, 24.0, 0.5, 2.0]])).Mu;
        Assert.Equal(a[1], b[3], 4);
        Assert.Equal(a[2], b[0], 4);
    }

    [Fact]
    public void DrawsAreSeededAndEachTimeBeforeTheFirstDoseIsZeroConcentration()
    {
        using var model = NewModel();
        var s = new OneCompartmentGenerator().Generate(8);
        var ind = s.Individuals[0];
        var shifted = new Individual(ind.Id, [DosingEvent.Oral(2, ind.Doses[0].Amount)], ind.Observations.Select(o => o with { Time = o.Time + 2 }).Take(3).ToList());
        double[] times = [0, 1.999, 3, 6, 12];
        var task = new AicmetTask(s.Individuals.Skip(1).ToArray(), [shifted], [3], [times]);
        var (mu, sigma, m) = Run(model, 8, 5, task);
        Assert.Equal(8, m);
        for (int k = 0; k < m; k++)
        {
            Assert.Equal(AicmetModel.NoExposure, mu[k * times.Length + 0]);
            Assert.Equal(AicmetModel.NoExposure, mu[k * times.Length + 1]);
            for (int j = 2; j < times.Length; j++) Assert.True(float.IsFinite(mu[k * times.Length + j]) && mu[k * times.Length + j] > AicmetModel.NoExposure);
        }
        // The kernel bandwidth is Silverman's 1.06 sd M^(-1/5), at least 0.03, the same for every draw at a time.
        for (int j = 2; j < times.Length; j++)
        {
            var col = Enumerable.Range(0, 8).Select(k => (double)mu[k * times.Length + j]).ToArray();
            double mean = col.Average(), sd = Math.Sqrt(col.Sum(x => (x - mean) * (x - mean)) / 7);
            Assert.Equal(Math.Max(0.03, 1.06 * sd * Math.Pow(8, -0.2)), sigma[j], 4);
            Assert.Equal(sigma[j], sigma[7 * times.Length + j]);
        }
        Assert.Equal(mu, Run(model, 8, 5, task).Mu);
        Assert.NotEqual(mu, Run(model, 8, 6, task).Mu);
    }

    [Fact]
    public void TheFlowObjectiveFallsWhenTrainedOnAFixedBatch()
    {
        using var model = NewModel(11);
        model.train();
        var gen = new OneCompartmentGenerator();
        var tasks = Enumerable.Range(0, 4).Select(i => { var s = gen.Generate(20 + i); return new AicmetTask(s.Individuals.Skip(1).ToArray(), [s.Individuals[0]], [3]); }).ToArray();
        using var batch = AicmetTensorizer.Build(tasks, scoreKnown: true);
        using var opt = new ScalarSafeAdamW(model.parameters(), 3e-3, weightDecay: 0);
        double Mean(int steps)
        {
            double total = 0;
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                opt.ZeroGrad();
                var l = model.Loss(batch, 0);
                Assert.Equal(0f, l.Kl.item<float>());
                l.Loss.backward();
                opt.Step();
                total += l.Loss.item<float>();
            }
            return total / steps;
        }
        // The objective keeps an irreducible part (random reference draws and flow times), so it falls by a fraction only.
        double first = Mean(10);
        Mean(40);
        double last = Mean(10);
        Assert.True(last < 0.8 * first, $"flow-matching loss {first:F3} -> {last:F3}");
    }

    [Fact]
    public void AStartFromTheShippedTransformerCopiesItsEncoderByName()
    {
        using var model = NewModel();
        var (copied, total) = Checkpoint.CopyMatchingWeights(model, ShippedModels.Require(ShippedModels.Default));
        Assert.Contains("embed.weight", copied);
        Assert.Contains("gru.weight_ih_l0", copied);
        Assert.Contains("summary.weight", copied);
        Assert.DoesNotContain(copied, n => n.StartsWith("flowHead") || n.StartsWith("flowQuery") || n.StartsWith("memContext"));
        Assert.True(copied.Count < total);
        var (source, _) = Checkpoint.Load(ShippedModels.Require(ShippedModels.Default));
        using var _s = source;
        var from = source.state_dict();
        foreach (var (name, p) in model.state_dict().Where(kv => copied.Contains(kv.Key)))
            Assert.True(p.eq(from[name]).all().item<bool>(), name);
    }
}
