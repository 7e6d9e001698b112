using ZeroShotPK.Pbpk.Forecast;
using ZeroShotPK.Pbpk.Scaling;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Models.Pbpk;

/// <summary>Settings of a PBPK forecaster run (recorded in its manifest; a resume must use the same ones).</summary>
public sealed record PbpkForecastConfig
{
    /// <summary>Network size.</summary>
    public PbpkForecastArchitecture Architecture { get; init; } = new(EncoderLayers: 3, DecoderLayers: 3);
    /// <summary>Compounds of the <see cref="ForecastData"/> pool (80 % train, 20 % held out).</summary>
    public int Compounds { get; init; } = 5000;
    /// <summary>Virtual individuals per species.</summary>
    public int Individuals { get; init; } = 200;
    /// <summary>Training cases solved once and cached in the run folder.</summary>
    public int PoolCases { get; init; } = 200000;
    /// <summary>Held-out-compound cases for the validation loss.</summary>
    public int ValidationCases { get; init; } = 1000;
    /// <summary>Cases per step.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Peak learning rate (AdamW).</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Final learning rate of the cosine decay.</summary>
    public double MinLearningRate { get; init; } = 3e-5;
    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 200;
    /// <summary>Decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Gradient-norm clip.</summary>
    public double GradientClip { get; init; } = 1;
    /// <summary>Probability that a training case reveals 2-3 early samples.</summary>
    public double ObservedFraction { get; init; } = 0.5;
    /// <summary>Highest grid index an early sample is drawn from (grid index 7 is 6 h).</summary>
    public int EarliestSampleIndexMax { get; init; } = 7;
    /// <summary>Validation (and loss.csv) every this many steps.</summary>
    public int ValidationEvery { get; init; } = 250;
    /// <summary>Checkpoint every this many steps (and at the end, on a stop, and at least every <see cref="CheckpointMinutes"/>).</summary>
    public int CheckpointEvery { get; init; } = 2000;
    /// <summary>Checkpoint at least this often, minutes of wall time (a run's result does not depend on when it checkpoints).</summary>
    public double CheckpointMinutes { get; init; } = 4;
    /// <summary>Descriptor ranges of the training compounds (absent in manifests before 2026-12-06: the original box).</summary>
    public CompoundSpace Space { get; init; } = new();
    /// <summary>
    /// Train with profile points at <see cref="ForecastData.FloorConcentration"/> as censored (below the floor) instead of
    /// as observed values (<see cref="PbpkForecastNetwork.Loss"/>); absent in older manifests: false.
    /// </summary>
    public bool CensorFloor { get; init; }

    /// <summary>Checks ranges.</summary>
    /// <exception cref="ArgumentException">A setting out of range (the message names it).</exception>
    public PbpkForecastConfig Validate()
    {
        Architecture.Validate();
        (Space ?? throw new ArgumentException("config: Space is null.")).Validate();
        if (Compounds < 10) throw new ArgumentException($"config: Compounds must be >= 10, got {Compounds}.");
        if (Individuals < 1) throw new ArgumentException($"config: Individuals must be >= 1, got {Individuals}.");
        if (PoolCases < 1 || ValidationCases < 1) throw new ArgumentException($"config: PoolCases and ValidationCases must be >= 1, got {PoolCases} and {ValidationCases}.");
        if (BatchSize < 1) throw new ArgumentException($"config: BatchSize must be >= 1, got {BatchSize}.");
        if (!(LearningRate > 0) || !(MinLearningRate >= 0)) throw new ArgumentException("config: learning rates must be > 0.");
        if (ObservedFraction is < 0 or > 1) throw new ArgumentException($"config: ObservedFraction must be in [0, 1], got {ObservedFraction}.");
        if (EarliestSampleIndexMax < 2 || EarliestSampleIndexMax >= ForecastData.Grid.Count)
            throw new ArgumentException($"config: EarliestSampleIndexMax must be in [2, {ForecastData.Grid.Count - 1}], got {EarliestSampleIndexMax}.");
        if (ValidationEvery < 1 || CheckpointEvery < 1) throw new ArgumentException("config: ValidationEvery and CheckpointEvery must be >= 1.");
        return this;
    }

    /// <summary>The settings a resume must match (when and how often it checkpoints does not change the result).</summary>
    internal PbpkForecastConfig Identity => this with { CheckpointEvery = 0, CheckpointMinutes = 0, ValidationEvery = 0 };
}

/// <summary>
/// What a forecaster checkpoint says about itself (<c>manifest.json</c>, kind <c>pbpk-forecast</c>): the common
/// <see cref="ModelManifest"/> fields plus its <see cref="PbpkForecastConfig"/> and training pool.
/// <see cref="ModelManifest.ValidationLoss"/> is the mean NLL per point (normalised target; censored at the floor when <see cref="PbpkForecastConfig.CensorFloor"/>) on the
/// held-out-compound validation cases, half with early samples.
/// </summary>
public sealed record PbpkForecastManifest : ModelManifest, IModelManifestKind
{
    /// <summary>Sets this code's feature layout.</summary>
    public PbpkForecastManifest() => Features = PbpkForecastFeatures.Layout;

    /// <inheritdoc />
    public static string KindName => "pbpk-forecast";
    /// <inheritdoc />
    public static string WrittenBy => "zspk pbpk forecast-train";
    /// <inheritdoc />
    protected override string KindValue => KindName;

    /// <summary>Settings.</summary>
    public required PbpkForecastConfig Config { get; init; }
    /// <summary>Training-pool file (absent in a shipped checkpoint).</summary>
    public string? PoolFile { get; init; }
    /// <summary>Seconds spent solving the pool's cases.</summary>
    public double PoolSeconds { get; init; }

    /// <inheritdoc />
    // Format 1 had these fields (PascalCase, read case-insensitively); only the kind was added.
    public static void Upgrade(System.Text.Json.Nodes.JsonObject json, int fromVersion, string? modelFile) { }

    /// <inheritdoc />
    protected internal override void Check(string path)
    {
        if (Features != PbpkForecastFeatures.Layout)
            throw new InvalidOperationException($"{path}: trained with features '{Features}', this code builds '{PbpkForecastFeatures.Layout}'; retrain.");
        try
        {
            Config.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"{path}: {ex.Message}");
        }
    }
}

/// <summary>Reads and writes forecaster checkpoint folders (through <see cref="ModelManifests"/>: atomic writes, checksums, format and kind checks).</summary>
public static class PbpkForecastCheckpoint
{
    /// <summary>Current manifest format (<see cref="ModelManifests.FormatVersion"/>).</summary>
    public const int FormatVersion = ModelManifests.FormatVersion;
    /// <summary>Training pool file.</summary>
    public const string PoolFile = "pool.bin";
    /// <summary>Validation cases file.</summary>
    public const string ValidationFile = "validation.bin";
    /// <summary>Loss log.</summary>
    public const string LossLogFile = "loss.csv";
    /// <summary>The header of the forecaster's <see cref="LossLogFile"/>: loss and val_loss are NLLs of the normalised log concentration (censored at the floor when the run was); a validation-only row (step 0) has no loss.</summary>
    public const string LossLogHeader = "step,loss,grad_norm,val_loss,val_rmse,elapsed_s";

    /// <summary>True when the folder holds a manifest.</summary>
    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, ModelManifests.ManifestFile));

    /// <summary>Writes weights (and optimizer) under step-numbered names, then the manifest with checksums; removes older files after.</summary>
    public static PbpkForecastManifest Save(string dir, PbpkForecastNetwork model, ScalarSafeAdamW? optimizer, PbpkForecastManifest manifest)
    {
        Directory.CreateDirectory(dir);
        var modelFile = $"model-{manifest.Step:D6}.bin";
        var optFile = optimizer is null ? null : $"optimizer-{manifest.Step:D6}.bin";
        Data.AtomicFile.Write(Path.Combine(dir, modelFile), tmp => model.save(tmp));
        if (optimizer is not null) Data.AtomicFile.Write(Path.Combine(dir, optFile!), optimizer.Save);
        var final = manifest with
        {
            ModelFile = modelFile, OptimizerFile = optFile, FormatVersion = FormatVersion, Features = PbpkForecastFeatures.Layout,
            Checksums = ModelManifests.Checksums(dir, modelFile, optFile, manifest.PoolFile, ValidationFile),
        };
        WriteManifest(dir, final);
        foreach (var f in Directory.EnumerateFiles(dir, "*.bin"))
        {
            var n = Path.GetFileName(f);
            if (n != modelFile && n != optFile && (n.StartsWith("model-") || n.StartsWith("optimizer-"))) File.Delete(f);
        }
        return final;
    }

    /// <summary>Writes the manifest atomically.</summary>
    public static void WriteManifest(string dir, PbpkForecastManifest m) => ModelManifests.Write(Path.Combine(dir, ModelManifests.ManifestFile), m);

    /// <summary>Reads and checks a manifest (older formats upgraded, newer refused).</summary>
    /// <exception cref="FileNotFoundException">No manifest.</exception>
    /// <exception cref="InvalidOperationException">Unreadable, a newer format, another model kind or feature layout.</exception>
    public static PbpkForecastManifest ReadManifest(string dir)
    {
        var path = Path.Combine(dir, ModelManifests.ManifestFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no forecaster manifest (expected a folder written by 'zspk pbpk forecast-train').", path);
        return ModelManifests.Read<PbpkForecastManifest>(path);
    }

    /// <summary>Checks the named files (none named: every listed file) against the manifest's checksums.</summary>
    /// <exception cref="FileNotFoundException">A listed file is missing.</exception>
    /// <exception cref="InvalidDataException">A file differs from the recorded one.</exception>
    public static void Verify(string dir, PbpkForecastManifest m, params string?[] files) =>
        ModelManifests.Verify(dir, Path.Combine(dir, ModelManifests.ManifestFile), m, files);

    /// <summary>Loads the network of a checkpoint (eval mode, every listed file verified, weights finite).</summary>
    public static (PbpkForecastNetwork Network, PbpkForecastManifest Manifest) Load(string dir)
    {
        var m = ReadManifest(dir);
        Verify(dir, m);
        var file = Path.Combine(dir, m.ModelFile);
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: weights named in the manifest are missing.", file);
        var net = new PbpkForecastNetwork(m.Config.Architecture);
        net.load(file);
        using (var scope = NewDisposeScope())
            foreach (var (name, p) in net.named_parameters())
                if (!isfinite(p).all().item<bool>())
                    throw new InvalidDataException($"{file}: parameter '{name}' holds NaN or infinite values.");
        net.eval();
        return (net, m);
    }
}
