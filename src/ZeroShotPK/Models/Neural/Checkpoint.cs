using System.Text.Json;
using TorchSharp;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Models.Neural;

/// <summary>Provenance of a fine-tuned run's starting weights: which checkpoint, trained how long on which prior.</summary>
/// <param name="Directory">Checkpoint directory as given on the command line.</param>
/// <param name="Prior">Its prior.</param>
/// <param name="Step">Its steps.</param>
/// <param name="ElapsedSeconds">Its training time (add to this run's for the total cost).</param>
/// <param name="ModelSha256">SHA-256 of its weights file.</param>
public sealed record InitialWeights(string Directory, string Prior, int Step, double ElapsedSeconds, string ModelSha256)
{
    /// <summary>
    /// For a start from another network family (an AICMET transformer's encoder for PFF): which of this network's
    /// tensors were copied, e.g. "14 of 41 tensors: embed.*, gru.*, ..."; null when every weight was loaded.
    /// </summary>
    public string? Copied { get; init; }
}

/// <summary>
/// The held-out figures of a shipped checkpoint scored again by later code whose held-out latent draws differ from the
/// training run's (the weights, the held-out studies and <see cref="ModelManifest.ValidationLoss"/>, the training-time
/// figure, stay as they were). The latents change the loss (a mixture over 16 draws), not the RMSE of the mean.
/// </summary>
/// <param name="Loss">Validation loss as the code of <paramref name="LatentSeeds"/> computes it.</param>
/// <param name="Rmse">Validation log-RMSE as the same code computes it.</param>
/// <param name="LatentSeeds">The seed scheme of the held-out latents, e.g. <c>SeedStream.ValidationLatents</c>.</param>
/// <param name="Date">When it was scored (UTC date).</param>
public sealed record ValidationReevaluation(double Loss, double Rmse, string LatentSeeds, string Date);

/// <summary>
/// What an AICMET or PFF checkpoint directory says about itself (<c>manifest.json</c>, kind <c>aicmet</c>): the common
/// <see cref="ModelManifest"/> fields plus the network's <see cref="AicmetConfig"/>, its training prior and calibration.
/// <see cref="ModelManifest.ValidationLoss"/> is the mean negative log predictive density per scored point on the
/// held-out synthetic set (mixture over 16 prior-latent draws).
/// </summary>
public sealed record CheckpointManifest : ModelManifest, IModelManifestKind
{
    /// <summary>Sets the feature layout of this code's first network family (<see cref="Checkpoint.Save"/> writes the saved network's).</summary>
    public CheckpointManifest() => Features = Checkpoint.FeatureLayout;

    /// <inheritdoc />
    public static string KindName => "aicmet";
    /// <inheritdoc />
    public static string WrittenBy => "zspk pretrain";
    /// <inheritdoc />
    protected override string KindValue => KindName;

    /// <summary>Full configuration (architecture + training).</summary>
    public required AicmetConfig Config { get; init; }
    /// <summary>Name of the prior the synthetic studies were drawn from.</summary>
    public required string Prior { get; init; }
    /// <summary>Hash of the prior's definition (identifies its exact settings).</summary>
    public required string PriorHash { get; init; }
    /// <summary>The checkpoint whose weights this run started from (<c>zspk pretrain --init-from</c>); null: random initial weights.</summary>
    public InitialWeights? InitFrom { get; init; }
    /// <summary>RMSE of the population-mean predictor (mean log-concentration curve of the context) on the same points.</summary>
    public double? PopulationMeanRmse { get; init; }
    /// <summary>Calibration of the predictive spread on the held-out synthetic set (<c>zspk calibrate</c>); null: none (scale 1).</summary>
    public PredictiveCalibration? Calibration { get; init; }
    /// <summary>Number of held-out studies.</summary>
    public int ValidationStudies { get; init; }
    /// <summary>
    /// The held-out figures scored again after the held-out latent seeds changed; null when the training run's
    /// <see cref="ModelManifest.ValidationLoss"/> is what this code computes.
    /// </summary>
    public ValidationReevaluation? ValidationReevaluated { get; init; }

    /// <summary>The validation loss this code reproduces: <see cref="ValidationReevaluated"/>'s when present, else the training run's.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double? CurrentValidationLoss => ValidationReevaluated?.Loss ?? ValidationLoss;

    /// <inheritdoc />
    // Format 1 had these fields already; only the kind was added.
    public static void Upgrade(System.Text.Json.Nodes.JsonObject json, int fromVersion, string? modelFile) { }

    /// <inheritdoc />
    protected internal override void Check(string path)
    {
        Config.Validate(path);
        var layout = Checkpoint.FeatureLayoutFor(Config.Architecture);
        if (Features != layout)
            throw new InvalidOperationException($"{path}: checkpoint was trained with input features '{Features}', this code builds '{layout}'; retrain or use the matching code version.");
    }
}

/// <summary>Reads and writes AICMET checkpoint directories atomically.</summary>
public static class Checkpoint
{
    /// <summary>Current manifest format (<see cref="ModelManifests.FormatVersion"/>, one for every model kind).</summary>
    public const int FormatVersion = ModelManifests.FormatVersion;
    /// <summary>Input-feature layout of this code for the first network family (gru-mlp).</summary>
    public static readonly string FeatureLayout =
        $"tokens{AicmetTensorizer.TokenFeatures}-queries{AicmetTensorizer.QueryFeatures}-anchor{AicmetTensorizer.AnchorFeatures}-v1";

    /// <summary>Input-feature layout a network of <paramref name="a"/>'s family reads (the transformer also reads the dose list).</summary>
    public static string FeatureLayoutFor(AicmetArchitecture a) => a.IsAttentionFamily
        ? $"{FeatureLayout}-doses{AicmetTensorizer.DoseTokenFeatures}"
        : FeatureLayout;
    /// <summary>Name of the manifest file.</summary>
    public const string ManifestFile = ModelManifests.ManifestFile;
    /// <summary>
    /// The held-out synthetic studies beside the weights (NONMEM CSV, written by <c>zspk pretrain</c>): draws from the
    /// training prior, read for validation, calibration and the out-of-distribution check.
    /// </summary>
    public const string ValidationStudiesFile = "validation.csv";
    /// <summary>The training log beside the weights (one row per logged step, written by <c>zspk pretrain</c>).</summary>
    public const string LossLogFile = "loss.csv";
    /// <summary>The header of an AICMET or PFF run's <see cref="LossLogFile"/>: loss is the negative ELBO per scored point, val_loss the predictive NLL.</summary>
    public const string LossLogHeader = "step,loss,nll,kl,lr,grad_norm,val_loss,val_rmse,elapsed_s";

    /// <summary>True when <paramref name="directory"/> holds a manifest.</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, ManifestFile));

    /// <summary>
    /// Writes weights (and optimizer state) under step-numbered names, then the manifest, each through a temporary
    /// file and a rename; files of older steps are removed only after the new manifest is in place. A crash at any
    /// moment leaves a manifest that points at complete files.
    /// </summary>
    public static void Save(string directory, AicmetModel model, ScalarSafeAdamW? optimizer, CheckpointManifest manifest)
    {
        Directory.CreateDirectory(directory);
        var modelFile = $"model-{manifest.Step:D6}.bin";
        var optFile = optimizer is null ? null : $"optimizer-{manifest.Step:D6}.bin";
        WriteAtomic(Path.Combine(directory, modelFile), tmp => model.save(tmp));
        if (optimizer is not null) WriteAtomic(Path.Combine(directory, optFile!), optimizer.Save);
        var final = manifest with
        {
            ModelFile = modelFile, OptimizerFile = optFile, FormatVersion = FormatVersion, Features = FeatureLayoutFor(model.Architecture),
            Checksums = ModelManifests.Checksums(directory, modelFile, optFile, ValidationStudiesFile),
        };
        ModelManifests.Write(Path.Combine(directory, ManifestFile), final);
        foreach (var f in Directory.EnumerateFiles(directory, "*.bin"))
        {
            var name = Path.GetFileName(f);
            if (name != modelFile && name != optFile && (name.StartsWith("model-") || name.StartsWith("optimizer-"))) File.Delete(f);
        }
    }

    /// <summary>Writes through a temporary file in the same directory and renames it over <paramref name="path"/>.</summary>
    public static void WriteAtomic(string path, Action<string> write) => Data.AtomicFile.Write(path, write);

    /// <summary>Rewrites the manifest of <paramref name="directory"/> with <paramref name="calibration"/> (atomically; weights untouched).</summary>
    public static void WriteCalibration(string directory, PredictiveCalibration calibration)
    {
        ModelManifests.Write(Path.Combine(directory, ManifestFile), ReadManifest(directory) with { Calibration = calibration });
    }

    /// <summary>Reads and checks a manifest (through <see cref="ModelManifests.Read{T}"/>: older formats upgraded, newer refused).</summary>
    /// <exception cref="FileNotFoundException">No manifest in the directory.</exception>
    /// <exception cref="InvalidOperationException">Unreadable manifest, a newer format, another model kind, or another feature layout than this code.</exception>
    public static CheckpointManifest ReadManifest(string directory) => ModelManifests.Read<CheckpointManifest>(Path.Combine(directory, ManifestFile));

    /// <summary>Called with a one-sentence notice when a checkpoint is loaded without checksums to verify (the CLI prints it); null: silent.</summary>
    public static Action<string>? Notice
    {
        get => ModelManifests.Notice;
        set => ModelManifests.Notice = value;
    }

    /// <summary>SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256(string path) => ModelManifests.Sha256(path);

    /// <summary>
    /// Checks <paramref name="files"/> of the checkpoint against the manifest's checksums (none named: every listed file).
    /// A manifest without checksums (written before they existed) passes with a <see cref="Notice"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">A listed file is missing.</exception>
    /// <exception cref="InvalidDataException">A file whose content differs from the one the manifest recorded (the message names it).</exception>
    public static void VerifyFiles(string directory, CheckpointManifest m, params string?[] files) =>
        ModelManifests.Verify(directory, Path.Combine(directory, ManifestFile), m, files);

    /// <summary>Refuses weights with a NaN or infinite value (they would give NaN predictions without a word).</summary>
    /// <exception cref="InvalidDataException">The first parameter that is not finite, by name.</exception>
    internal static void RequireFinite(AicmetModel model, string file)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, p) in model.named_parameters())
            if (!isfinite(p).all().item<bool>())
                throw new InvalidDataException($"{file}: parameter '{name}' holds NaN or infinite values; expected finite weights (the training diverged or the file is damaged).");
    }

    /// <summary>Builds the network described by the manifest and loads its weights onto <paramref name="device"/>.</summary>
    /// <exception cref="InvalidOperationException">The weights do not fit the architecture in the manifest (message names both).</exception>
    /// <exception cref="InvalidDataException">The weights differ from the manifest's checksum, or hold NaN or infinite values.</exception>
    public static (AicmetModel Model, CheckpointManifest Manifest) Load(string directory, Device? device = null)
    {
        var m = ReadManifest(directory);
        VerifyFiles(directory, m); // every file the manifest lists: weights, optimizer state, held-out studies
        var model = AicmetModel.Create(m.Config.Architecture);
        LoadWeights(model, directory, m);
        RequireFinite(model, Path.Combine(directory, m.ModelFile));
        if (device is not null) model.to(device);
        model.eval();
        return (model, m);
    }

    /// <summary>
    /// Copies into <paramref name="model"/> every tensor of the checkpoint in <paramref name="directory"/> with the same name
    /// and shape (a start from another family, e.g. PFF from an AICMET transformer, whose encoders share names); the rest
    /// keep their fresh initialisation.
    /// </summary>
    /// <returns>The copied tensors' names and the model's tensor count.</returns>
    public static (IReadOnlyList<string> Copied, int Total) CopyMatchingWeights(AicmetModel model, string directory)
    {
        var (source, _) = Load(directory);
        using var _s = source;
        var from = source.state_dict();
        var copied = new List<string>();
        var to = model.state_dict();
        using (no_grad())
            foreach (var (name, p) in to)
                if (from.TryGetValue(name, out var v) && v.shape.SequenceEqual(p.shape))
                {
                    p.copy_(v);
                    copied.Add(name);
                }
        return (copied, to.Count);
    }

    internal static void LoadWeights(AicmetModel model, string directory, CheckpointManifest m)
    {
        var file = Path.Combine(directory, m.ModelFile);
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: weights named in the manifest are missing.", file);
        try
        {
            model.load(file, strict: true);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"{file}: the weights end early (truncated file); expected {model.parameters().Sum(p => p.numel())} parameters of the architecture in the manifest.", ex);
        }
        catch (Exception ex) when (ex is not FileNotFoundException and not UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"{file}: weights do not match the architecture {JsonSerializer.Serialize(model.Architecture, AicmetConfig.Json).ReplaceLineEndings(" ")} " +
                $"({ex.Message}). The checkpoint was written by other code or its manifest was edited.", ex);
        }
    }
}
