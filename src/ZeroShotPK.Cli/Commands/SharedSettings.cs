using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Models.Baselines;
using ZeroShotPK.Torch;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Cli.Commands;

/// <summary>Options of every command that runs a prediction method (predict, evaluate, diagnose, bench predict).</summary>
internal abstract class MethodSettings : CommandSettings
{
    /// <summary>--checkpoint: the pretrained AICMET model.</summary>
    [CommandOption("--checkpoint <DIR>"), Description("Pretrained AICMET model folder for aicmet, aicmet-nocontext and aicmet-tta (default: the shipped data/checkpoints/aicmet-transformer); a PFF folder (zspk pretrain --model pff) for pff and pff-tta (default: the shipped data/checkpoints/pff).")]
    public string? Checkpoint { get; init; }

    /// <summary>--checkpoint, or the shipped default model when it is not given (null when neither exists).</summary>
    public string? ResolvedCheckpoint => Checkpoint ?? ShippedModels.Find(ShippedModels.Default);

    /// <summary>--seed: seed of the predictions.</summary>
    [CommandOption("--seed <SEED>"), Description("Seed of the predictions (leave-one-out: fold i uses seed + i)."), DefaultValue(0)]
    public int Seed { get; init; }

    /// <summary>--threads: libtorch intra-op threads, and the leave-one-out folds of nlme/population run at once; null keeps the command's default.</summary>
    [CommandOption("--threads <N>"), Description("Torch intra-op threads, and leave-one-out folds of nlme/population run at once, 1 to 256 (default: all cores; bench predict: 1).")]
    public int? Threads { get; init; }

    /// <summary>--device: where the neural methods run.</summary>
    [CommandOption("--device <DEVICE>"), Description("auto, cpu or cuda (default auto).")]
    public string Device { get; init; } = "auto";

    /// <summary>The parsed --device.</summary>
    public DeviceChoice DeviceChoice => TorchDevice.Parse(Device);

    /// <summary>Sets libtorch's threads to --threads, else to <paramref name="fallback"/> when given.</summary>
    public void ApplyThreads(int? fallback = null)
    {
        if ((Threads ?? fallback) is int n) TorchDevice.SetThreads(n);
    }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (Threads is < 1) return ValidationResult.Error($"--threads must be >= 1, got {Threads}.");
        if (Device.Trim().ToLowerInvariant() is not ("auto" or "cpu" or "cuda" or "gpu"))
            return ValidationResult.Error($"--device: expected auto, cpu or cuda, got '{Device}'.");
        // Asked for CUDA where there is none: refused before any work, whichever methods run.
        if (DeviceChoice == DeviceChoice.Cuda)
        {
            try { TorchDevice.Resolve(DeviceChoice.Cuda); }
            catch (InvalidOperationException e) { return ValidationResult.Error(e.Message); }
        }
        return ValidationResult.Success();
    }
}

/// <summary>Options of the commands that read one dataset and reveal K samples of a held-out individual.</summary>
internal abstract class StudySettings : MethodSettings
{
    /// <summary>--data: the event CSV.</summary>
    [CommandOption("--data <FILE>"), RequiredUnless("--benchmark"), Description("Event CSV (NONMEM style); required (evaluate: or --benchmark).")]
    public string Data { get; init; } = "";

    /// <summary>--known: samples of the held-out individual given to the method.</summary>
    [CommandOption("--known <K>"), Description("Observations of the held-out individual given to the method."), DefaultValue(4)]
    public int Known { get; init; } = 4;

    /// <summary>False when the command can read its studies from somewhere else (evaluate --benchmark).</summary>
    protected virtual bool DataRequired => true;

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var v = base.Validate();
        if (!v.Successful) return v;
        if (DataRequired && string.IsNullOrWhiteSpace(Data)) return ValidationResult.Error("--data is required (an event CSV).");
        if (Known < 0) return ValidationResult.Error($"--known must be >= 0, got {Known}.");
        return ValidationResult.Success();
    }
}

/// <summary>Options of the leave-one-individual-out commands (evaluate, diagnose).</summary>
internal abstract class LeaveOneOutSettings : StudySettings
{
    /// <summary>--out: the output folder.</summary>
    [CommandOption("--out <DIR>", true), Description("Output folder.")]
    public string Out { get; init; } = "";

    /// <summary>--estimation: focei or lb.</summary>
    [CommandOption("--estimation <ALG>"), Description("NLME estimation: focei or lb (Lindstrom-Bates, additive error)."), DefaultValue("focei")]
    public string Estimation { get; init; } = "focei";

    /// <summary>--samples: predictive samples per prediction.</summary>
    [CommandOption("--samples <N>"), Description("Predictive samples per prediction (sampling methods; the VPC's replicates)."), DefaultValue(1000)]
    public int Samples { get; init; } = 1000;

    /// <summary>The parsed --estimation.</summary>
    /// <exception cref="ArgumentException">Neither focei nor lb.</exception>
    public NlmeEstimation EstimationAlgorithm => Estimation.ToLowerInvariant() switch
    {
        "focei" => NlmeEstimation.Focei,
        "lb" or "lindstrom-bates" => NlmeEstimation.LindstromBates,
        _ => throw new ArgumentException($"--estimation: expected focei or lb, got '{Estimation}'."),
    };

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var v = base.Validate();
        if (!v.Successful) return v;
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required (an output folder).");
        if (Samples < 10) return ValidationResult.Error($"--samples must be >= 10, got {Samples}.");
        return ValidationResult.Success();
    }
}

/// <summary>Options of the commands that train AICMET (pretrain, bench train): config, prior, device and threads.</summary>
internal abstract class TrainingSettings : CommandSettings
{
    /// <summary>--config: small, paper or a JSON file.</summary>
    [CommandOption("--config <CONFIG>"), Description("small, paper, transformer-small (the shipped AICMET's), transformer-paper (the authors' sizes), pff-small (the shipped PFF's) or a JSON config file such as data/configs/transformer-small.json (default small for --model aicmet, pff-small for --model pff).")]
    public string? Config { get; init; }

    /// <summary>--model: the model family to train.</summary>
    [CommandOption("--model <MODEL>"), Description("aicmet (the gru-mlp or transformer family) or pff (functional flow matching) (default aicmet).")]
    public string Model { get; init; } = "aicmet";

    /// <summary>The configuration --config names, or --model's default; checked against --model.</summary>
    /// <exception cref="ArgumentException">An unknown model, or a config of the other family.</exception>
    public AicmetConfig ResolveConfig()
    {
        var model = Model.Trim().ToLowerInvariant();
        if (model is not ("aicmet" or "pff")) throw new ArgumentException($"--model: expected aicmet or pff, got '{Model}'.");
        var config = AicmetConfig.Resolve(Config ?? (model == "pff" ? "pff-small" : "small"));
        bool isPff = config.Architecture.Kind == ZeroShotPK.Models.Neural.AicmetArchitecture.Pff;
        if (isPff != (model == "pff"))
            throw new ArgumentException($"--config '{config.Name}' is a {config.Architecture.Kind} network, but --model is {model}; pass --model {(isPff ? "pff" : "aicmet")} or another --config.");
        return config;
    }

    /// <summary>--prior: the prior(s) of the synthetic studies.</summary>
    [CommandOption("--prior <NAME>"), Description("Prior(s) of the synthetic studies (built-in names, e.g. default, paper, aicmet-authors, pff-authors, or JSON files), joined by + for a mixture (default default+multidose).")]
    public string Prior { get; init; } = ZeroShotPK.Training.TrainingPrior.Shipped;

    /// <summary>--device: auto, cpu or cuda.</summary>
    [CommandOption("--device <DEVICE>"), Description("auto, cpu or cuda (default auto).")]
    public string Device { get; init; } = "auto";

    /// <summary>--threads: libtorch intra-op threads.</summary>
    [CommandOption("--threads <N>"), Description("libtorch intra-op threads, 1 to 256 (default 1; results reproduce for the same count).")]
    public int Threads { get; init; } = 1;

    /// <summary>Resolves --device and applies --threads.</summary>
    /// <exception cref="ArgumentException">--device is not auto, cpu or cuda.</exception>
    public TorchSharp.torch.Device SetUpTorch()
    {
        var device = TorchDevice.Resolve(TorchDevice.Parse(Device));
        TorchDevice.SetThreads(Threads);
        return device;
    }

    /// <inheritdoc />
    public override ValidationResult Validate() =>
        Threads < 1 ? ValidationResult.Error($"--threads must be >= 1, got {Threads}.") : ValidationResult.Success();
}
