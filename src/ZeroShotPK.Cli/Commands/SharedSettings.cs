using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Models.Baselines;
using ZeroShotPK.Torch;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// --force, declared once for the commands that write outputs and need no other shared options (the others declare it
/// with the same <see cref="OutputGuard.ForceOption"/> and <see cref="OutputGuard.ForceHelp"/>; zspk checks at start that every
/// command with an <see cref="OutputAttribute"/> option has it).
/// </summary>
internal abstract class OutputSettings : CommandSettings
{
    /// <summary>--force: replace existing outputs.</summary>
    [CommandOption(OutputGuard.ForceOption), Description(OutputGuard.ForceHelp)]
    public bool Force { get; init; }
}

/// <summary>
/// --threads, declared once for every command that computes in parallel, with one meaning and one default (all cores).
/// </summary>
internal abstract class ThreadSettings : CommandSettings
{
    /// <summary>--threads: libtorch intra-op threads, and the work items (folds, individuals) run at once; null = all cores.</summary>
    [CommandOption("--threads <N>"), Description("libtorch threads and folds or individuals run at once, 1 to 256 (default all cores; numbers reproduce for the same count).")]
    public int? Threads { get; init; }

    /// <summary>--threads, or the machine's core count (at most 256) when it is not given.</summary>
    public int ThreadCount => Threads ?? Math.Min(Environment.ProcessorCount, TorchDevice.MaxThreads);

    /// <summary>Sets libtorch's intra-op threads to <see cref="ThreadCount"/>.</summary>
    public void ApplyThreads() => TorchDevice.SetThreads(ThreadCount);

    /// <inheritdoc />
    public override ValidationResult Validate() => Threads is < 1 or > TorchDevice.MaxThreads
        ? ValidationResult.Error($"--threads: expected 1 to {TorchDevice.MaxThreads}, got {Threads}.")
        : ValidationResult.Success();
}

/// <summary>
/// --threads and --device, for every command that computes with libtorch: one meaning and one default each (all cores;
/// auto = CUDA when a CUDA libtorch and a GPU are present, else the CPU).
/// </summary>
internal abstract class ComputeSettings : ThreadSettings
{
    /// <summary>--device: where libtorch computes.</summary>
    [CommandOption("--device <DEVICE>"), Description("auto, cpu or cuda (default auto: cuda when a CUDA libtorch and a GPU are present, else cpu).")]
    public string Device { get; init; } = "auto";

    /// <summary>The parsed --device.</summary>
    public DeviceChoice DeviceChoice => TorchDevice.Parse(Device);

    /// <summary>Applies --threads and resolves --device.</summary>
    public TorchSharp.torch.Device SetUpTorch()
    {
        ApplyThreads();
        return TorchDevice.Resolve(DeviceChoice);
    }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var v = base.Validate();
        if (!v.Successful) return v;
        if (Device.Trim().ToLowerInvariant() is not ("auto" or "cpu" or "cuda" or "gpu"))
            return ValidationResult.Error($"--device: expected auto, cpu or cuda, got '{Device}'.");
        // Asked for CUDA where there is none: refused before any work.
        if (DeviceChoice == DeviceChoice.Cuda)
        {
            try { TorchDevice.Resolve(DeviceChoice.Cuda); }
            catch (InvalidOperationException e) { return ValidationResult.Error(e.Message); }
        }
        return ValidationResult.Success();
    }
}

/// <summary>Options of every command that runs a prediction method (predict, evaluate, diagnose, bench predict).</summary>
internal abstract class MethodSettings : ComputeSettings
{
    /// <summary>--checkpoint: the pretrained AICMET model.</summary>
    [CommandOption("--checkpoint <DIR>"), Description("Pretrained AICMET model folder for aicmet, aicmet-nocontext and aicmet-tta (default the shipped data/checkpoints/aicmet-transformer); a PFF folder (zspk pretrain --model pff) for pff and pff-tta (default the shipped data/checkpoints/pff).")]
    public string? Checkpoint { get; init; }

    /// <summary>--checkpoint, or the shipped default model when it is not given (null when neither exists).</summary>
    public string? ResolvedCheckpoint => Checkpoint ?? ShippedModels.Find(ShippedModels.Default);

    /// <summary>--seed: seed of the predictions.</summary>
    [CommandOption("--seed <SEED>"), Description("Seed of the predictions (leave-one-out folds derive their own seeds from it) (default 0).")]
    public int Seed { get; init; }

}

/// <summary>Options of the commands that read one dataset and reveal K samples of a held-out individual.</summary>
internal abstract class StudySettings : MethodSettings
{
    /// <summary>--data: the event CSV.</summary>
    [CommandOption("--data <FILE>"), RequiredUnless("--benchmark"), Description("Event CSV (NONMEM style); required (evaluate: or --benchmark).")]
    public string Data { get; init; } = "";

    /// <summary>--known: samples of the held-out individual given to the method.</summary>
    [CommandOption("--known <K>"), Description("Observations of the held-out individual given to the method (default 4).")]
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
    [CommandOption("--out <DIR>", true), Output, Description("Output folder.")]
    public string Out { get; init; } = "";

    /// <summary>--force: replace an existing output folder.</summary>
    [CommandOption(OutputGuard.ForceOption), Description(OutputGuard.ForceHelp)]
    public bool Force { get; init; }

    /// <summary>--estimation: focei or lb.</summary>
    [CommandOption("--estimation <ALG>"), Description("NLME estimation: focei or lb (Lindstrom-Bates, additive error) (default focei).")]
    public string Estimation { get; init; } = "focei";

    /// <summary>--samples: predictive samples per prediction.</summary>
    [CommandOption("--samples <N>"), Description("Predictive samples per prediction (sampling methods; the VPC's replicates) (default 1000).")]
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
internal abstract class TrainingSettings : ComputeSettings
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


}
