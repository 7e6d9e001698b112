using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Training;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary><c>zspk pretrain</c>: pretrains AICMET on streamed synthetic studies with checkpoints and --resume.</summary>
internal sealed class PretrainCommand : Command<PretrainCommand.Settings>
{
    public sealed class Settings : TrainingSettings, ITrainingRunSettings
    {
        [CommandOption("--out <DIR>", true), Output(Mode = OutputMode.InPlace, ContinuedBy = "--resume")]
        [Description("Checkpoint directory (manifest.json, weights, optimizer state, loss.csv).")]
        public string? Out { get; init; }

        [CommandOption("--resume")]
        [Description("Continue from the checkpoint in --out.")]
        public bool Resume { get; init; }

        [CommandOption(OutputGuard.ForceOption), Description(OutputGuard.ForceHelp)]
        public bool Force { get; init; }

        [CommandOption("--init-from <DIR>")]
        [Description("Start from this checkpoint's weights (same architecture), with a fresh optimizer and schedule: fine-tuning, e.g. on another prior mixture. Recorded in the manifest.")]
        public string? InitFrom { get; init; }

        [CommandOption("--steps <N>")]
        [Description("Total steps of the schedule (default the config's).")]
        public int? Steps { get; init; }

        [CommandOption("--stop-after <N>")]
        [Description("Stop after N steps of this invocation, writing a checkpoint (resume later).")]
        public int? StopAfter { get; init; }

        [CommandOption("--seed <S>")]
        [Description("Run seed (default 1).")]
        public long Seed { get; init; } = 1;

        public override ValidationResult Validate()
        {
            var v = base.Validate();
            if (!v.Successful) return v;
            v = TrainingRun.Validate(this, stepsRequired: false);
            if (!v.Successful) return v;
            if (InitFrom is not null && Resume) return ValidationResult.Error("--init-from starts a new run; it cannot be combined with --resume (a resumed run keeps its own starting weights).");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var config = s.ResolveConfig();
        var device = s.SetUpTorch();
        var (generator, priorHash) = TrainingPrior.Resolve(s.Prior);
        var trainer = new Pretrainer(new PretrainOptions
        {
            Config = config, OutputDirectory = s.Out!, Generator = generator, PriorName = s.Prior, PriorHash = priorHash,
            Seed = s.Seed, Steps = s.Steps, Resume = s.Resume, InitFrom = s.InitFrom, Device = device, StopAfter = s.StopAfter,
            CommandLine = TrainingRun.CommandLine, GitCommit = Git.Commit(),
        });
        return TrainingRun.Execute<TrainingProgress, PretrainResult>(
            $"pretrain [bold]{Markup.Escape(config.Name)}[/] on {device.type}, prior '{Markup.Escape(s.Prior)}', seed {s.Seed}, " +
            $"batch {config.Training.BatchSize}, {s.ThreadCount} thread(s) -> {Markup.Escape(s.Out!)}",
            trainer.TotalSteps, plainEvery: 25, trainer.Run,
            p => new RunProgress(p.Step, p.TotalSteps, p.Loss, p.ValidationLoss),
            r => (r.Cancelled, $" at step {r.Step}/{r.TotalSteps}; checkpoint in {Markup.Escape(r.Directory)}" +
                 (r.Validation is { } v ? $"; validation NLL {v.Loss:F4}, log-RMSE {v.Rmse:F4} (population mean {v.PopulationMeanRmse:F4})" : "")),
            cancellationToken);
    }
}
