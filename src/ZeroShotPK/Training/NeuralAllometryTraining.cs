using static TorchSharp.torch;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk.Scaling;
using ZeroShotPK.Simulation;
using ZeroShotPK.Torch;

namespace ZeroShotPK.Training;

/// <summary>
/// Training of <see cref="NeuralAllometry"/> on synthetic compounds: every compound gives one sample per species
/// (that species queried from the others), half of each batch human queries; the loss is the squared residual of
/// natural-log CL and Vss over the classical baseline.
/// </summary>
public static class NeuralAllometryTraining
{
    /// <summary>Trains a model on <paramref name="compounds"/>.</summary>
    /// <param name="compounds">Training compounds.</param>
    /// <param name="config">Settings (default <see cref="NeuralAllometryConfig"/>).</param>
    /// <param name="progress">Receives (step, loss) every 50 steps and at the end.</param>
    /// <param name="cancel">Stops training between steps.</param>
    /// <param name="device">Where the network trains and predicts (default CPU; see <see cref="TorchDevice"/>).</param>
    /// <exception cref="ArgumentException">Fewer than 2 compounds.</exception>
    public static NeuralAllometry Train(IReadOnlyList<VirtualCompound> compounds, NeuralAllometryConfig? config = null,
        Action<int, double>? progress = null, CancellationToken cancel = default, Device? device = null)
    {
        if (compounds.Count < 2) throw new ArgumentException($"compounds: at least 2 training compounds needed, got {compounds.Count}.", nameof(compounds));
        var model = new NeuralAllometry(config ?? new NeuralAllometryConfig(), device);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var n = SpeciesDescriptor.All.Count;
        var samples = compounds.SelectMany(c => Enumerable.Range(0, n).Select(q => NeuralAllometry.MakeSample(c, q))).ToArray();
        // Standardise with the context nodes of every sample (each node appears as context n - 1 times, a constant weight).
        var ctxNodes = samples.SelectMany(s => s.Nodes.Where((_, i) => i != s.Query)).ToArray();
        foreach (var j in NeuralAllometry.Raw)
        {
            var m = ctxNodes.Average(v => v[j]);
            var sd = Math.Sqrt(ctxNodes.Average(v => (v[j] - m) * (v[j] - m)));
            model.FeatureMean[j] = m;
            model.FeatureStd[j] = sd > 1e-9 ? sd : 1;
        }
        Fit(model, samples, progress, cancel);
        model.TrainSeconds = sw.Elapsed.TotalSeconds;
        return model;
    }

    private static void Fit(NeuralAllometry model, NeuralAllometry.Sample[] samples, Action<int, double>? progress, CancellationToken cancel)
    {
        var (cfg, net, device) = (model.Config, model.Network, model.Device);
        var (xAll, ctxAll, qAll, baseAll) = model.Tensors(samples);
        using var _x = xAll; using var _c = ctxAll; using var _q = qAll; using var _b = baseAll;
        using var target = tensor(samples.SelectMany(s => new[] { (float)s.TargetCl, (float)s.TargetVss }).ToArray(), [samples.Length, 2], device: device);
        using var residual = target - baseAll;
        using var humanIdx = tensor(Enumerable.Range(0, samples.Length).Where(i => samples[i].Query == NeuralAllometry.HumanNode).Select(i => (long)i).ToArray(), device: device);
        using var opt = new ScalarSafeAdamW(net.parameters(), cfg.LearningRate, weightDecay: cfg.WeightDecay);
        using var gen = new Generator((ulong)SeedStream.Of(cfg.Seed, 0, SeedStream.AllometryTraining), device);
        var half = cfg.Batch / 2;
        var tail = Math.Max(1, cfg.Steps / 10);
        double sum = 0;
        net.train();
        for (var step = 0; step < cfg.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            opt.LearningRate = cfg.LearningRate * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * step / cfg.Steps)));
            var idx = cat([humanIdx.index_select(0, randint(humanIdx.shape[0], [half], generator: gen, device: device)), randint(samples.Length, [cfg.Batch - half], generator: gen, device: device)]);
            var pred = net.forward(xAll.index_select(0, idx), ctxAll.index_select(0, idx), qAll.index_select(0, idx));
            var loss = nn.functional.mse_loss(pred, residual.index_select(0, idx));
            opt.ZeroGrad();
            loss.backward();
            nn.utils.clip_grad_norm_(net.parameters(), 1.0);
            opt.Step();
            var lv = loss.item<float>();
            if (step >= cfg.Steps - tail) sum += lv;
            if (step % 50 == 0 || step == cfg.Steps - 1) progress?.Invoke(step + 1, lv);
        }
        net.eval();
        model.FinalLoss = sum / tail;
    }
}
