using static TorchSharp.torch;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Simulation;
using ZeroShotPK.Torch;

namespace ZeroShotPK.Training;

/// <summary>
/// Training of <see cref="PopulationDiffusion"/> (DDPM and PCDM): a fresh seeded reference sample, standardised log
/// vectors, and the denoising loss plus, for PCDM, the weighted physics penalty on x0-hat.
/// </summary>
public static class PopulationDiffusionTraining
{
    /// <summary>Trains a new model on a fresh reference sample (seeded by the config).</summary>
    /// <param name="table">Species table.</param>
    /// <param name="method">ddpm or pcdm (sets the manifest's method).</param>
    /// <param name="config">Configuration.</param>
    /// <param name="command">Command line recorded in the manifest.</param>
    /// <param name="progress">Receives (step, denoising loss, physics loss).</param>
    /// <param name="device">Torch device.</param>
    /// <param name="cancel">Stops training between steps.</param>
    /// <param name="gitCommit">Git commit recorded in the manifest, when known.</param>
    public static PopulationDiffusion Train(PhysiologyTable table, PopulationMethod method, DiffusionConfig config, string command,
        Action<int, double, double>? progress = null, Device? device = null, CancellationToken cancel = default, string? gitCommit = null)
    {
        var pop = new ReferencePopulation(table).Sample(config.TrainingSetSize, config.Seed);
        var d = Physiology.Vector.Length;
        var logs = pop.Select(p => p.ToVector().Select(v => Math.Log(v)).ToArray()).ToArray();
        var mean = Enumerable.Range(0, d).Select(j => logs.Average(l => l[j])).ToArray();
        var std = Enumerable.Range(0, d).Select(j => Math.Sqrt(logs.Average(l => (l[j] - mean[j]) * (l[j] - mean[j])))).Select(s => Math.Max(s, 1e-6)).ToArray();
        var model = new PopulationDiffusion(table, config, mean, std, device);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (dl, pl) = Fit(model, PopulationDiffusion.LogVectors(pop, mean, std), progress, cancel);
        model.Manifest = new GeneratorManifest
        {
            Species = table.Species.ToString().ToLowerInvariant(), Method = method.ToString().ToLowerInvariant(), CommandLine = command,
            Config = config, Mean = mean, Std = std, FinalDenoisingLoss = dl, FinalPhysicsLoss = pl, ElapsedSeconds = sw.Elapsed.TotalSeconds,
            CreatedUtc = DateTime.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            Seed = config.Seed, Step = config.TrainSteps, TotalSteps = config.TrainSteps, ModelFile = "", GitCommit = gitCommit,
            CodeVersion = typeof(PopulationDiffusionTraining).Assembly.GetName().Version?.ToString(), Threads = get_num_threads(),
        };
        return model;
    }

    private static (double Denoising, double Physics) Fit(PopulationDiffusion model, float[] data, Action<int, double, double>? progress, CancellationToken cancel)
    {
        var d = Physiology.Vector.Length;
        var n = data.Length / d;
        var (net, alphaBar, device) = (model.Network, model.AlphaBar, model.Device);
        using var all = tensor(data, [n, d], device: device);
        var cfg = model.Config;
        using var opt = new ScalarSafeAdamW(net.parameters(), cfg.LearningRate);
        var gen = new Generator((ulong)SeedStream.Of(cfg.Seed, 0, SeedStream.DiffusionTraining), device);
        double dSum = 0, pSum = 0;
        var tail = Math.Max(1, cfg.TrainSteps / 10);
        net.train();
        for (var step = 0; step < cfg.TrainSteps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var lr = cfg.LearningRate * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * step / cfg.TrainSteps)));
            opt.LearningRate = lr;
            var idx = randint(n, [cfg.Batch], generator: gen, device: device);
            var x0 = all.index_select(0, idx);
            var t = randint(cfg.DiffusionSteps, [cfg.Batch], generator: gen, device: device);
            var eps = randn([cfg.Batch, d], generator: gen, device: device);
            var ab = alphaBar.index_select(0, t).unsqueeze(1);
            var xt = (sqrt(ab) * x0).Plus(sqrt(ab.RSub(1)) * eps);
            var epsHat = net.forward(xt, t.to(float32).Div(cfg.DiffusionSteps));
            var denoise = nn.functional.mse_loss(epsHat, eps);
            var loss = denoise;
            double physicsValue = 0;
            if (cfg.PhysicsWeight > 0)
            {
                var x0Hat = (xt - sqrt(ab.RSub(1)) * epsHat) / sqrt(ab);
                var penalty = model.Penalty(x0Hat); // [B]
                // Weight alpha-bar^2: x0-hat is only informative at low noise.
                var physics = (ab.squeeze(1).Square() * penalty).mean();
                loss = loss.Plus(physics.Mul(cfg.PhysicsWeight));
                physicsValue = physics.item<float>();
            }
            opt.ZeroGrad();
            loss.backward();
            nn.utils.clip_grad_norm_(net.parameters(), 1.0);
            opt.Step();
            var dv = denoise.item<float>();
            if (step >= cfg.TrainSteps - tail) { dSum += dv; pSum += physicsValue; }
            if (step % 50 == 0 || step == cfg.TrainSteps - 1) progress?.Invoke(step + 1, dv, physicsValue);
        }
        net.eval();
        return (dSum / tail, pSum / tail);
    }
}
