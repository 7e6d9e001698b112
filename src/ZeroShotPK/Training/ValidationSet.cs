using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Priors;
using static TorchSharp.torch;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Training;

/// <summary>Figures of a model on the held-out synthetic set.</summary>
/// <param name="Loss">Mean negative log predictive density per scored point (mixture over prior-latent draws).</param>
/// <param name="Rmse">RMSE of log concentration of the prediction at the prior-latent means, observed points.</param>
/// <param name="PopulationMeanRmse">RMSE of the population-mean predictor on the same points.</param>
/// <param name="Points">Scored points.</param>
public sealed record ValidationResult(double Loss, double Rmse, double PopulationMeanRmse, double Points);

/// <summary>
/// A fixed held-out set of synthetic in-context tasks: study i comes from seed Mix(ValidationSeed, i), independent of
/// the run seed, so every run and every checkpoint is scored on the same tasks. Every task has a context and reveals
/// 1..6 samples of each target.
/// </summary>
public sealed class ValidationSet
{
    /// <summary>Prior-latent draws mixed per prediction when scoring.</summary>
    public const int LatentSamples = 16;

    /// <summary>Base seed of the held-out studies.</summary>
    public const long ValidationSeed = 20250815;

    private readonly AicmetTask[] tasks;
    private readonly double populationMeanRmse;

    /// <summary>Name of the file, beside a checkpoint's manifest, that holds its held-out studies.</summary>
    public const string StudiesFile = Checkpoint.ValidationStudiesFile;

    /// <summary>Generates <paramref name="count"/> held-out tasks from <paramref name="generator"/>.</summary>
    public ValidationSet(IStudyGenerator generator, int count, AicmetTraining options)
        : this(GenerateStudies(generator, count), options)
    {
    }

    /// <summary>
    /// Held-out tasks from given studies (study i split with seed Mix(ValidationSeed, i)). A checkpoint ships its
    /// studies in <see cref="StudiesFile"/>, so its recorded validation loss stays reproducible when the simulator's
    /// code changes later.
    /// </summary>
    public ValidationSet(IReadOnlyList<Study> studies, AicmetTraining options)
    {
        var split = options with { NoContextProbability = 0, NoKnownProbability = 0 };
        Studies = studies;
        tasks = new AicmetTask[studies.Count];
        Parallel.For(0, studies.Count, i =>
            tasks[i] = TaskSampler.Sample(studies[i], split, StableRandom.For(ValidationSeed, i, 1)));
        populationMeanRmse = PopulationMean(tasks);
    }

    /// <summary>
    /// Seed of the torch generator that draws the prior latents of the chunk of tasks starting at <paramref name="start"/>
    /// (validation and calibration draw the same): <see cref="SeedStream.ValidationLatents"/> item <paramref name="start"/>.
    /// </summary>
    public static ulong LatentSeed(int start) => (ulong)SeedStream.Of(ValidationSeed, start, SeedStream.ValidationLatents);

    /// <summary>The held-out studies drawn by the generator: study i from seed Mix(ValidationSeed, i).</summary>
    public static Study[] GenerateStudies(IStudyGenerator generator, int count)
    {
        var studies = new Study[count];
        Parallel.For(0, count, i => studies[i] = generator.Generate(SeedMix.Mix(ValidationSeed, i)));
        return studies;
    }

    /// <summary>The held-out set a checkpoint directory ships (<see cref="StudiesFile"/>).</summary>
    /// <exception cref="FileNotFoundException">The directory has no <see cref="StudiesFile"/>.</exception>
    public static ValidationSet Load(string checkpointDirectory, AicmetTraining options)
    {
        var path = Path.Combine(checkpointDirectory, StudiesFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: the checkpoint's held-out studies are missing (written by zspk pretrain).", path);
        return new ValidationSet(NonmemCsv.ReadStudies(path), options);
    }

    /// <summary>The held-out studies.</summary>
    public IReadOnlyList<Study> Studies { get; }

    /// <summary>The held-out tasks.</summary>
    public IReadOnlyList<AicmetTask> Tasks => tasks;

    /// <summary>Scores <paramref name="model"/> (switched to eval mode and back) in chunks of 64 tasks.</summary>
    public ValidationResult Evaluate(AicmetModel model, Device device) => Evaluate(model, device, LatentSeed);

    /// <summary>The same with the latents of the chunk starting at task i drawn from seed <paramref name="latentSeed"/>(i) (tests measure the spread over streams).</summary>
    internal ValidationResult Evaluate(AicmetModel model, Device device, Func<int, ulong> latentSeed)
    {
        bool wasTraining = model.training;
        model.eval();
        double nll = 0, se = 0, points = 0, obs = 0;
        using (no_grad())
        {
            for (int start = 0; start < tasks.Length; start += 64)
            {
                using var scope = NewDisposeScope();
                using var batch = AicmetTensorizer.Build(tasks.Skip(start).Take(64).ToArray(), device);
                using var generator = new Generator(latentSeed(start), device);
                var r = model.Evaluate(batch, LatentSamples, generator);
                nll += r.Nll; se += r.SquaredError; points += r.Points; obs += r.ObservedPoints;
            }
        }
        if (wasTraining) model.train();
        return new ValidationResult(nll / Math.Max(1, points), Math.Sqrt(se / Math.Max(1, obs)), populationMeanRmse, points);
    }

    /// <summary>
    /// RMSE of log concentration when each unrevealed, measured target sample is predicted by the mean over the context
    /// individuals of their log-concentration curve (linear in time between samples, flat beyond the ends).
    /// </summary>
    public static double PopulationMean(IReadOnlyList<AicmetTask> tasks)
    {
        double se = 0; long n = 0;
        foreach (var task in tasks)
        {
            if (task.Context.Count == 0) continue;
            var scales = AicmetTensorizer.ComputeScales(task);
            var curves = task.Context.Select(c => c.Observations.Select(o => (o.Time, AicmetTensorizer.Level(o, scales).Level)).ToArray())
                .Where(c => c.Length > 0).ToArray();
            for (int j = 0; j < task.Targets.Count; j++)
            {
                var obs = task.Targets[j].Observations;
                for (int s = task.Known[j]; s < obs.Count; s++)
                {
                    var (censored, level) = AicmetTensorizer.Level(obs[s], scales);
                    if (censored) continue;
                    double mean = curves.Average(c => Interpolate(c, obs[s].Time));
                    se += (mean - level) * (mean - level); n++;
                }
            }
        }
        return Math.Sqrt(se / Math.Max(1, n));
    }

    private static double Interpolate((double Time, double Level)[] c, double t)
    {
        if (t <= c[0].Time) return c[0].Level;
        for (int k = 1; k < c.Length; k++)
        {
            if (t <= c[k].Time)
            {
                double w = (t - c[k - 1].Time) / Math.Max(1e-12, c[k].Time - c[k - 1].Time);
                return c[k - 1].Level + w * (c[k].Level - c[k - 1].Level);
            }
        }
        return c[^1].Level;
    }
}
