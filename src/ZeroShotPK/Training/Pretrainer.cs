using ZeroShotPK.Data;
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Priors;
using ZeroShotPK.Torch;
using static TorchSharp.torch;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Training;

/// <summary>Everything a pretraining run needs.</summary>
public sealed class PretrainOptions
{
    /// <summary>Network and optimisation settings.</summary>
    public required AicmetConfig Config { get; init; }
    /// <summary>Checkpoint directory (manifest, weights, optimizer state, loss.csv).</summary>
    public required string OutputDirectory { get; init; }
    /// <summary>Source of synthetic studies.</summary>
    public required IStudyGenerator Generator { get; init; }
    /// <summary>Name of the prior, recorded in the manifest.</summary>
    public required string PriorName { get; init; }
    /// <summary>Hash of the prior's settings, recorded in the manifest.</summary>
    public string PriorHash { get; init; } = "";
    /// <summary>Run seed.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>Total steps; null takes the config's.</summary>
    public int? Steps { get; init; }
    /// <summary>Continue from the checkpoint in <see cref="OutputDirectory"/>.</summary>
    public bool Resume { get; init; }
    /// <summary>Start a new run from this checkpoint's weights (same architecture; fresh optimizer and schedule): fine-tuning.</summary>
    public string? InitFrom { get; init; }
    /// <summary>Device to train on.</summary>
    public Device Device { get; init; } = CPU;
    /// <summary>Stop after this many steps of this invocation (a checkpoint is written there); null runs to the end.</summary>
    public int? StopAfter { get; init; }
    /// <summary>Recorded in the manifest.</summary>
    public string? CommandLine { get; init; }
    /// <summary>Recorded in the manifest.</summary>
    public string? GitCommit { get; init; }
}

/// <summary>One progress report (after every step). <see cref="Loss"/> is smoothed (EMA 0.98); <see cref="ValidationLoss"/> is the last validation's.</summary>
public sealed record TrainingProgress(int Step, int TotalSteps, double Loss, double? ValidationLoss, double StepsPerSecond,
    double LearningRate, double DataSeconds, double StepSeconds)
{
    /// <summary>This step's own training loss (not smoothed).</summary>
    public double StepLoss { get; init; } = double.NaN;
    /// <summary>True when this step ran a validation (so <see cref="ValidationLoss"/> is new).</summary>
    public bool Validated { get; init; }
}

/// <summary>How a run ended.</summary>
public sealed record PretrainResult(int Step, int TotalSteps, double? ValidationLoss, ValidationResult? Validation, string Directory, bool Cancelled);

/// <summary>Loss or gradients became NaN/Inf; the last good checkpoint is kept untouched.</summary>
public sealed class TrainingDivergedException(string message) : InvalidOperationException(message);

/// <summary>
/// Streams synthetic studies into AdamW steps with warm-up + cosine decay, gradient clipping, periodic validation
/// on a fixed held-out set, a loss CSV and atomic checkpoints. Reproducible: the weights are initialised from the run
/// seed, step s draws its studies from seeds Mix(seed, s, i) and its latents/dropout from torch seeded with Mix(seed,
/// s), so a run interrupted and resumed ends with the same weights as an uninterrupted one (same thread count).
/// </summary>
public sealed class Pretrainer
{
    private readonly PretrainOptions o;
    private readonly AicmetTraining t;

    /// <summary>Creates a run; nothing starts until <see cref="Run"/>.</summary>
    public Pretrainer(PretrainOptions options)
    {
        options.Config.Validate("config");
        o = options;
        t = options.Config.Training;
        TotalSteps = options.Steps ?? t.Steps;
        if (TotalSteps < 1) throw new ArgumentException($"--steps must be >= 1, got {TotalSteps}.");
    }

    /// <summary>Steps the schedule is planned for.</summary>
    public int TotalSteps { get; private set; }

    /// <summary>Learning rate at <paramref name="step"/>: linear warm-up, then cosine decay to the minimum.</summary>
    public static double LearningRate(AicmetTraining t, int step, int total)
    {
        if (step < t.WarmupSteps) return t.LearningRate * (step + 1) / t.WarmupSteps;
        double p = Math.Clamp((double)(step - t.WarmupSteps) / Math.Max(1, total - t.WarmupSteps), 0, 1);
        return t.MinLearningRate + 0.5 * (t.LearningRate - t.MinLearningRate) * (1 + Math.Cos(Math.PI * p));
    }

    /// <summary>The tasks of step <paramref name="step"/> of a run with seed <paramref name="seed"/> (generated in parallel).</summary>
    public static AicmetTask[] DrawTasks(IStudyGenerator generator, AicmetTraining t, long seed, int step)
    {
        var tasks = new AicmetTask[t.BatchSize];
        Parallel.For(0, t.BatchSize, i =>
        {
            var study = generator.Generate(SeedMix.Mix(seed, step, i));
            tasks[i] = TaskSampler.Sample(study, t, StableRandom.For(seed, step, i + 0x10000));
        });
        return tasks;
    }

    /// <summary>Runs (or resumes) training until the planned steps, <see cref="PretrainOptions.StopAfter"/> or cancellation.</summary>
    /// <exception cref="TrainingDivergedException">NaN/Inf loss or gradient; the message names the step and the kept checkpoint.</exception>
    public PretrainResult Run(IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        var dir = o.OutputDirectory;
        int step = 0;
        double elapsedBefore = 0;
        var resumed = RunFolder.Open<CheckpointManifest>(dir, o.Resume, o.Seed, o.Steps, stepsOptional: true, "checkpoint");
        if (resumed is not null)
        {
            if (resumed.Config.Architecture != o.Config.Architecture || resumed.Config.Training with { Steps = 0 } != t with { Steps = 0 })
                throw new InvalidOperationException($"{dir}: --resume with another configuration than the checkpoint's ('{resumed.Config.Name}'); use the same --config.");
            if (resumed.PriorHash.Length > 0 && o.PriorHash.Length > 0 && resumed.PriorHash != o.PriorHash)
                throw new InvalidOperationException($"{dir}: --resume with prior '{o.PriorName}' (hash {o.PriorHash}), but the checkpoint was trained on '{resumed.Prior}' (hash {resumed.PriorHash}); use the same --prior.");
            step = resumed.Step;
            if (o.Steps is null) TotalSteps = resumed.TotalSteps;
            elapsedBefore = resumed.ElapsedSeconds;
        }
        // The starting weights of a fine-tuning run are checked before anything is written.
        CheckpointManifest? initSource = null;
        if (resumed is null && o.InitFrom is { } from)
        {
            if (!Checkpoint.Exists(from))
                throw new InvalidOperationException($"--init-from: no checkpoint (manifest.json) in '{from}'.");
            initSource = Checkpoint.ReadManifest(from);
            if (initSource.Config.Architecture.Kind == o.Config.Architecture.Kind && initSource.Config.Architecture != o.Config.Architecture)
                throw new InvalidOperationException($"--init-from: '{from}' has architecture '{initSource.Config.Name}', which differs from --config '{o.Config.Name}'; use a config with the same architecture.");
        }
        Directory.CreateDirectory(dir);

        manual_seed(o.Seed);
        using var model = AicmetModel.Create(o.Config.Architecture);
        InitialWeights? initFrom = resumed?.InitFrom;
        if (resumed is not null)
        {
            Checkpoint.LoadWeights(model, dir, resumed);
            Checkpoint.RequireFinite(model, Path.Combine(dir, resumed.ModelFile));
        }
        else if (o.InitFrom is { } initDir && initSource is { } source)
        {
            string? copiedNote = null;
            if (source.Config.Architecture.Kind == o.Config.Architecture.Kind) Checkpoint.LoadWeights(model, initDir, source);
            else
            {
                // Another family (PFF from an AICMET transformer): the tensors both have, by name and shape, are copied.
                var (copied, total) = Checkpoint.CopyMatchingWeights(model, initDir);
                if (copied.Count == 0)
                    throw new InvalidOperationException($"--init-from: '{initDir}' ({source.Config.Architecture.Kind}) shares no tensor of matching name and shape with --config '{o.Config.Name}' ({o.Config.Architecture.Kind}).");
                var groups = copied.Select(n => n.Split('.')[0]).Distinct();
                copiedNote = $"{copied.Count} of {total} tensors: {string.Join(", ", groups.Select(g => g + ".*"))}";
            }
            Checkpoint.RequireFinite(model, Path.Combine(initDir, source.ModelFile));
            initFrom = new InitialWeights(initDir, source.Prior, source.Step, source.ElapsedSeconds, Checkpoint.Sha256(Path.Combine(initDir, source.ModelFile)))
            {
                Copied = copiedNote,
            };
        }
        model.to(o.Device);
        model.train();
        var parameters = model.parameters().ToArray();
        long nParams = parameters.Sum(p => p.numel());
        using var optimizer = new ScalarSafeAdamW(parameters, t.LearningRate, weightDecay: t.WeightDecay);
        if (resumed?.OptimizerFile is { } optFile) optimizer.Load(Path.Combine(dir, optFile));

        // The held-out studies travel with the checkpoint: a resumed run reads them back, a new run writes them.
        var validationFile = Path.Combine(dir, ValidationSet.StudiesFile);
        ValidationSet validation;
        if (resumed is not null && File.Exists(validationFile))
            validation = ValidationSet.Load(dir, t);
        else
        {
            validation = new ValidationSet(o.Generator, t.ValidationStudies, t);
            NonmemCsv.Write(validationFile, validation.Studies); // atomic (temp file + rename)
        }
        var lossLog = Path.Combine(dir, Checkpoint.LossLogFile);
        PrepareLossLog(lossLog, step);
        using var log = new StreamWriter(lossLog, append: true) { AutoFlush = true };

        var clock = Stopwatch.StartNew();
        int startStep = step, lastSaved = resumed?.Step ?? -1;
        double? lastVal = resumed?.ValidationLoss;
        ValidationResult? lastValidation = null;
        double emaLoss = double.NaN;
        int stopAt = o.StopAfter is { } sa ? Math.Min(TotalSteps, step + sa) : TotalSteps;

        void Save(int s)
        {
            Checkpoint.Save(dir, model, optimizer, new CheckpointManifest
            {
                Config = o.Config with { Training = t with { Steps = TotalSteps } },
                Prior = o.PriorName, PriorHash = o.PriorHash, Seed = o.Seed, Step = s, TotalSteps = TotalSteps, InitFrom = initFrom,
                ValidationLoss = lastValidation?.Loss ?? lastVal, ValidationRmse = lastValidation?.Rmse ?? resumed?.ValidationRmse,
                PopulationMeanRmse = lastValidation?.PopulationMeanRmse ?? resumed?.PopulationMeanRmse,
                ValidationStudies = t.ValidationStudies, Parameters = nParams, ModelFile = "", CodeVersion =
                    typeof(Pretrainer).Assembly.GetName().Version?.ToString(),
                GitCommit = o.GitCommit, CommandLine = o.CommandLine, Threads = get_num_threads(),
                ElapsedSeconds = elapsedBefore + clock.Elapsed.TotalSeconds, CreatedUtc = DateTime.UtcNow.ToString("o"),
            });
            lastSaved = s;
        }

        // The next batch is generated and tensorized on a worker thread while the current step runs.
        Task<AicmetBatch> Prefetch(int s) => Task.Run(() => AicmetTensorizer.Build(DrawTasks(o.Generator, t, o.Seed, s), o.Device, t.ScoreKnownSamples));
        Task<AicmetBatch>? next = Prefetch(step);
        bool cancelled = false;
        while (step < stopAt)
        {
            var sw = Stopwatch.StartNew();
            using var batch = next!.Result;
            double dataWait = sw.Elapsed.TotalSeconds;
            next = step + 1 < stopAt ? Prefetch(step + 1) : null;

            double lr = LearningRate(t, step, TotalSteps);
            double lossValue, nllValue, klValue, gradNorm;
            using (var scope = NewDisposeScope())
            {
                manual_seed(SeedMix.Mix(o.Seed, step, SeedStream.PretrainTorch));
                optimizer.LearningRate = lr;
                optimizer.ZeroGrad();
                var l = model.Loss(batch, t.KlWeight);
                lossValue = l.Loss.item<float>();
                double pts = l.Points.item<float>();
                nllValue = l.Nll.item<float>() / pts; klValue = l.Kl.item<float>() / pts;
                if (!double.IsFinite(lossValue))
                    throw Diverged(step, $"loss is {lossValue}", lastSaved, dir);
                l.Loss.backward();
                gradNorm = nn.utils.clip_grad_norm_(parameters, t.GradientClip);
                if (!double.IsFinite(gradNorm))
                    throw Diverged(step, $"gradient norm is {gradNorm}", lastSaved, dir);
                optimizer.Step();
            }
            step++;
            emaLoss = double.IsNaN(emaLoss) ? lossValue : 0.98 * emaLoss + 0.02 * lossValue;
            string val = "", valRmse = "";
            bool stopping = cancel.IsCancellationRequested;
            bool checkpointNow = step % t.CheckpointEvery == 0 || step == stopAt || stopping;
            // A checkpoint is always validated, so its manifest's figures describe the saved weights.
            if (step % t.ValidationEvery == 0 || step == TotalSteps || checkpointNow)
            {
                lastValidation = validation.Evaluate(model, o.Device);
                lastVal = lastValidation.Loss;
                val = lastValidation.Loss.ToString("R", CultureInfo.InvariantCulture);
                valRmse = lastValidation.Rmse.ToString("R", CultureInfo.InvariantCulture);
            }
            log.WriteLine(string.Join(',', step.ToString(CultureInfo.InvariantCulture), F(lossValue), F(nllValue), F(klValue), F(lr), F(gradNorm), val, valRmse,
                F(elapsedBefore + clock.Elapsed.TotalSeconds)));
            if (checkpointNow) Save(step);
            double rate = (step - startStep) / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            progress?.Report(new TrainingProgress(step, TotalSteps, emaLoss, lastVal, rate, lr, dataWait, sw.Elapsed.TotalSeconds)
                { StepLoss = lossValue, Validated = val.Length > 0 });
            if (stopping)
            {
                cancelled = true;
                break;
            }
        }
        next?.Result.Dispose();
        return new PretrainResult(step, TotalSteps, lastVal, lastValidation, dir, cancelled);
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static TrainingDivergedException Diverged(int step, string what, int lastSaved, string dir) =>
        new($"training diverged at step {step + 1}: {what}. " + (lastSaved >= 0
            ? $"The last good checkpoint (step {lastSaved}) in {dir} is kept; resume with a lower learning rate or another seed."
            : "No checkpoint had been written yet."));

    /// <summary>Starts loss.csv, or on resume keeps only the rows up to the checkpoint's step (rewritten atomically).</summary>
    private static void PrepareLossLog(string path, int step)
    {
        var rows = new List<string> { Checkpoint.LossLogHeader };
        if (step > 0 && File.Exists(path))
            rows.AddRange(File.ReadLines(path).Skip(1).Where(l => l.Length > 0 &&
                int.Parse(l.AsSpan(0, l.IndexOf(',')), CultureInfo.InvariantCulture) <= step));
        Checkpoint.WriteAtomic(path, tmp => File.WriteAllLines(tmp, rows));
    }
}
