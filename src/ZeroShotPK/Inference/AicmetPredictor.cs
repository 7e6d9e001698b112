using TorchSharp;
using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Simulation;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Inference;

/// <summary>
/// Zero-shot predictions from a pretrained AICMET checkpoint. The predictive distribution of log concentration at each
/// query time is a mixture over <see cref="LatentSamples"/> draws of the prior latents (z_s from the context, z_i from
/// the target's known samples) of the decoder's Gaussians, the draws paired antithetically where the model allows it
/// (<see cref="AntitheticDraws"/>); the median and 90% interval are that mixture's quantiles, and
/// <see cref="Prediction.Distribution"/> is the mixture itself (exact CDF and quantiles at any level).
/// With <c>useContext: false</c> (name "aicmet-nocontext") the study context is ignored: the ablation.
/// BLQ samples, in the context and among the target's known samples, are kept as censored tokens (flag and censoring
/// level log(LLOQ / scale), see <see cref="AicmetTensorizer"/>), never dropped or imputed: the network was trained with
/// the censored likelihood -log Φ((level - mu) / sigma) for them.
/// </summary>
public sealed class AicmetPredictor : IPredictor, IDisposable
{
    private readonly AicmetModel model;
    private readonly Device device;
    private readonly bool useContext;
    private readonly string directory;
    private readonly object gate = new();

    /// <summary>Loads the checkpoint in <paramref name="checkpointDirectory"/>.</summary>
    /// <param name="checkpointDirectory">Folder written by <c>zspk pretrain</c>.</param>
    /// <param name="useContext">False for the ablation without study context.</param>
    /// <param name="device">Where the network runs.</param>
    /// <param name="latentSamples">Latent draws mixed per prediction (even where the draws are paired, see <see cref="AntitheticDraws"/>).</param>
    /// <param name="adaptation">Test-time adaptation to each prediction's context (null: none).</param>
    /// <param name="name">Method name; by default "aicmet", "aicmet-nocontext" or "aicmet-tta".</param>
    /// <param name="antithetic">Pair the latent draws (e, -e) where the model allows it (<see cref="AntitheticDraws"/>); false for independent draws.</param>
    /// <exception cref="IOException">No manifest or weights.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint does not match this code's architecture or features.</exception>
    public AicmetPredictor(string checkpointDirectory, bool useContext = true, DeviceChoice device = DeviceChoice.Cpu, int latentSamples = DefaultLatentSamples,
        AicmetAdaptation? adaptation = null, string? name = null, bool antithetic = true)
    {
        if (latentSamples < 1) throw new ArgumentOutOfRangeException(nameof(latentSamples), latentSamples, "latentSamples must be >= 1.");
        adaptation?.Validate();
        this.device = TorchDevice.Resolve(device);
        directory = checkpointDirectory;
        (model, Manifest) = Checkpoint.Load(checkpointDirectory, this.device);
        this.useContext = useContext;
        AntitheticDraws = antithetic && model.SupportsAntitheticDraws;
        if (AntitheticDraws && latentSamples % 2 != 0)
        {
            model.Dispose();
            throw new ArgumentOutOfRangeException(nameof(latentSamples), latentSamples, "latentSamples must be even: this model's latent draws are paired (e, -e).");
        }
        LatentSamples = latentSamples;
        Adaptation = adaptation is { Steps: > 0 } ? adaptation : null;
        Name = name ?? (!useContext ? "aicmet-nocontext" : Adaptation is not null ? "aicmet-tta" : "aicmet");
    }

    /// <summary>"aicmet", "aicmet-nocontext" for the ablation without study context, "aicmet-tta" with test-time adaptation, or the name given.</summary>
    public string Name { get; }

    /// <summary>Test-time adaptation applied before each prediction, or null.</summary>
    public AicmetAdaptation? Adaptation { get; }

    /// <summary>The loaded checkpoint's manifest.</summary>
    public CheckpointManifest Manifest { get; }

    /// <summary>Latent draws mixed per prediction.</summary>
    public int LatentSamples { get; }

    /// <summary>
    /// Latent draws per prediction by default: 8, in 4 antithetic pairs. On the 16-study benchmark they gave the median
    /// LOG_RMSE and COVERAGE90 of 16 independent draws (two seeds: 0.412 / 0.900 and 0.416 / 0.894, against 0.420 / 0.906
    /// and 0.427 / 0.934) at about two thirds of the latency.
    /// </summary>
    public const int DefaultLatentSamples = 8;

    /// <summary>
    /// True when the prediction's latent draws come in antithetic pairs (noise e, then -e): every AICMET family unless
    /// the constructor asked for independent draws; never PFF. Virtual
    /// individuals (<see cref="GenerateIndividuals"/>) always use independent draws, since paired ones would be mirror images.
    /// </summary>
    public bool AntitheticDraws { get; }

    /// <inheritdoc />
    /// <remarks>
    /// Sample trajectories are predictive draws of observations, as for every method: one per latent draw, the
    /// decoder's Gaussian on log scale sampled independently at each time (seeded by <paramref name="seed"/>).
    /// </remarks>
    /// <exception cref="ArgumentException">No query time, or nothing (context or target samples) to set the concentration scale.</exception>
    public Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0)
    {
        if (times.Count == 0) throw new ArgumentException("at least one query time is needed.", nameof(times));
        var input = Input(target);
        // Context individuals without a sample carry nothing to learn from; left in, they would shift the study summary.
        var task = new AicmetTask(useContext ? context.Individuals.Where(i => i.Observations.Count > 0).Select(Input).ToArray() : [], [input], [input.Observations.Count], [times]);
        var (mu, sigma, logC) = Run(task, LatentSamples, seed, AntitheticDraws);
        int m = mu.Length / times.Count, q = times.Count;
        var median = new double[q]; var lo = new double[q]; var hi = new double[q];
        var mq = new double[m]; var sq = new double[m];
        // The mixture's components in log concentration (the scale logC added), for the distribution's CDF and quantiles.
        var logMu = new double[m][]; var logSigma = new double[m][];
        for (int k = 0; k < m; k++) { logMu[k] = new double[q]; logSigma[k] = new double[q]; }
        for (int j = 0; j < q; j++)
        {
            for (int k = 0; k < m; k++) { mq[k] = mu[k * q + j]; sq[k] = sigma[k * q + j]; logMu[k][j] = logC + mq[k]; logSigma[k][j] = sq[k]; }
            median[j] = Math.Exp(logC + MixtureQuantile(mq, sq, 0.5));
            lo[j] = Math.Exp(logC + MixtureQuantile(mq, sq, 0.05));
            hi[j] = Math.Exp(logC + MixtureQuantile(mq, sq, 0.95));
        }
        return new Prediction(Name, times, median, lo, hi, Draw(mu, sigma, logC, m, q, new StableRandom(seed), withResidualError: true),
            distribution: PredictiveDistribution.LogNormalMixture(logMu, logSigma));
    }

    /// <inheritdoc />
    /// <remarks>Not without context: with neither the study nor a revealed sample there is nothing to set the concentration scale.</remarks>
    public bool GeneratesIndividuals => useContext;

    /// <inheritdoc />
    public string? TrainingCheckpoint => directory;

    /// <summary>
    /// Virtual individuals of the study: <paramref name="count"/> concentration profiles at <paramref name="times"/> for a new
    /// individual receiving <paramref name="doses"/>, each from its own draw of the individual latent given the study
    /// context (no known samples), with the decoder's residual noise when <paramref name="withResidualError"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Empty context, no times, or count below 1.</exception>
    public double[][] GenerateIndividuals(Study context, IReadOnlyList<DosingEvent> doses, IReadOnlyList<double> times, int count,
        int seed = 0, bool withResidualError = true)
    {
        if (context.Individuals.Count == 0) throw new ArgumentException("generating individuals needs a study context with at least one individual.", nameof(context));
        if (times.Count == 0) throw new ArgumentException("at least one time is needed.", nameof(times));
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be >= 1.");
        var task = new AicmetTask(context.Individuals.Select(Input).ToArray(), [new Individual("virtual", doses, [])], [0], [times]);
        var (mu, sigma, logC) = Run(task, count, seed, antithetic: false);
        return Draw(mu, sigma, logC, count, times.Count, new StableRandom(seed), withResidualError);
    }

    /// <summary>
    /// What the network reads of an individual. The transformer family does not read samples taken at or before the
    /// first dose: its prior never has them (so they are out of distribution, and a pre-dose level left by earlier intake,
    /// as in theophylline, derailed its extrapolation), and its dose backbone already fixes the level before the first dose
    /// at 0. The first family reads everything, as it was trained and published.
    /// </summary>
    private Individual Input(Individual ind)
    {
        if (model is AicmetNetwork || ind.Doses.Count == 0) return ind;
        double first = ind.Doses.Min(d => d.Time);
        return ind.Observations.Any(o => o.Time <= first)
            ? new Individual(ind.Id, ind.Doses, ind.Observations.Where(o => o.Time > first).ToList(), ind.Covariates, ind.ResetTimes, ind.CovariateChanges)
            : ind;
    }

    // Row k at time j: exp(logC + mu + sigma * eps), eps standard normal (Box-Muller) or 0 without residual error.
    private static double[][] Draw(float[] mu, float[] sigma, double logC, int count, int q, Random rng, bool withResidualError)
    {
        var result = new double[count][];
        for (int k = 0; k < count; k++)
        {
            result[k] = new double[q];
            for (int j = 0; j < q; j++)
            {
                double eps = withResidualError ? Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()) : 0;
                result[k][j] = Math.Exp(logC + mu[k * q + j] + sigma[k * q + j] * eps);
            }
        }
        return result;
    }

    internal (float[] Mu, float[] Sigma, double LogC) Run(AicmetTask task, int samples, int seed, bool antithetic)
    {
        lock (gate)
        {
            if (Adaptation is null || task.Context.Count < 2) return Run(model, task, samples, seed, antithetic);
            // A fresh copy of the checkpoint's weights per prediction: adaptation to one study never leaks into another.
            using var adapted = AicmetModel.Create(Manifest.Config.Architecture);
            Checkpoint.LoadWeights(adapted, directory, Manifest);
            adapted.to(device);
            Adaptation.Apply(adapted, task.Context, Manifest.Config.Training, device, seed);
            return Run(adapted, task, samples, seed, antithetic);
        }
    }

    private (float[] Mu, float[] Sigma, double LogC) Run(AicmetModel model, AicmetTask task, int samples, int seed, bool antithetic)
    {
        using var scope = NewDisposeScope();
        // Inference mode, not just no_grad: no version counters or autograd metadata on any tensor of the pass.
        using var inference = inference_mode();
        using var batch = AicmetTensorizer.Build([task], device);
        using var generator = new Generator((ulong)seed, device);
        var (mu, sigma) = model.Predict(batch, samples, generator, antithetic);
        var sd = sigma.cpu().data<float>().ToArray();
        // The checkpoint's calibration on its held-out synthetic studies (zspk calibrate), if any.
        if (Manifest.Calibration is { SdScale: var k } && k != 1)
            for (int i = 0; i < sd.Length; i++) sd[i] = (float)(sd[i] * k);
        return (mu.cpu().data<float>().ToArray(), sd, batch.LogConcentrationScale[0]);
    }

    /// <summary>The p-quantile of an equal-weight mixture of normals (bracketed Newton on the mixture CDF).</summary>
    internal static double MixtureQuantile(double[] mu, double[] sigma, double p) => LogNormalMixtureDistribution.MixtureQuantile(mu, sigma, p);

    /// <summary>Releases the network.</summary>
    public void Dispose() => model.Dispose();
}
