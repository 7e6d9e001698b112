using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Training;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary><c>zspk pbpk forecast-train</c>: trains the PBPK forecasting transformer on a cached pool of exact PBPK cases.</summary>
internal sealed class PbpkForecastTrainCommand : Command<PbpkForecastTrainCommand.Settings>
{
    public sealed class Settings : ThreadSettings, ITrainingRunSettings
    {
        [CommandOption("--out <DIR>", true), Output(Mode = OutputMode.InPlace, ContinuedBy = "--resume")]
        [Description("Run folder (manifest.json, weights, optimizer state, pool.bin, validation.bin, loss.csv).")]
        public string? Out { get; init; }

        [CommandOption("--steps <N>", true), Description("Total steps of the learning-rate schedule.")]
        public int? Steps { get; init; }

        [CommandOption("--seed <S>"), Description("Run seed: compounds, split, individuals, pool, weights and batches (default 1).")]
        public long Seed { get; init; } = 1;

        [CommandOption("--resume"), Description("Continue the run in --out (same settings and seed).")]
        public bool Resume { get; init; }

        [CommandOption(OutputGuard.ForceOption), Description(OutputGuard.ForceHelp)]
        public bool Force { get; init; }

        [CommandOption("--pool <N>"), Description("Training cases solved once and cached in --out (default 200000).")]
        public int Pool { get; init; } = 200000;

        [CommandOption("--compounds <N>"), Description("Virtual compounds drawn, train and held out together (20 % held out; default 5000). More compounds keep the network from learning each one's profile by heart.")]
        public int Compounds { get; init; } = 5000;

        [CommandOption("--censor-floor"), Description("Treat profile points at the 1e-6 mg/L floor of the training profiles as censored (below the floor, M3-style likelihood) instead of as observed values (default false).")]
        public bool CensorFloor { get; init; }

        [CommandOption("--batch <N>"), Description("Cases per step (default 128).")]
        public int Batch { get; init; } = 128;

        [CommandOption("--stop-after <N>"), Description("Stop after N steps of this invocation, writing a checkpoint (resume later).")]
        public int? StopAfter { get; init; }

        [CommandOption("--space <NAME>"), Description("Descriptor ranges of the training compounds: original (logP -0.5..4.5, acid pKa 2.5..7, base pKa 6..10.5, CLint 0.01..30 mL/min/g) or wide (logP -3..6.5, acid pKa 1..9, base pKa 6..12, CLint 0.001..30; the shipped checkpoint's, with --compounds 50000). Default original.")]
        public string Space { get; init; } = "original";

        internal ZeroShotPK.Pbpk.Scaling.CompoundSpace CompoundSpace => Space.Trim().ToLowerInvariant() == "wide" ? ZeroShotPK.Pbpk.Scaling.CompoundSpace.Wide : new();

        public override ValidationResult Validate()
        {
            var v = base.Validate();
            if (!v.Successful) return v;
            v = TrainingRun.Validate(this, stepsRequired: true);
            if (!v.Successful) return v;
            if (Pool < 100) return ValidationResult.Error($"--pool: expected >= 100 cases, got {Pool}.");
            if (Compounds < 10) return ValidationResult.Error($"--compounds: expected >= 10 compounds, got {Compounds}.");
            if (Batch < 1) return ValidationResult.Error($"--batch: expected >= 1, got {Batch}.");
            if (Space.Trim().ToLowerInvariant() is not ("original" or "wide")) return ValidationResult.Error($"--space: expected original or wide, got '{Space}'.");
            if (Seed is < int.MinValue or > int.MaxValue) return ValidationResult.Error($"--seed: expected a 32-bit integer, got {Seed}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        var trainer = new PbpkForecastTrainer(new PbpkForecastTrainOptions
        {
            Config = new PbpkForecastConfig { Compounds = s.Compounds, PoolCases = s.Pool, BatchSize = s.Batch, Space = s.CompoundSpace, CensorFloor = s.CensorFloor },
            OutputDirectory = s.Out!, Steps = s.Steps!.Value, Seed = s.Seed, Resume = s.Resume, StopAfter = s.StopAfter,
            CommandLine = TrainingRun.CommandLine, GitCommit = Git.Commit(),
        });
        return TrainingRun.Execute<PbpkForecastProgress, PbpkForecastResult>(
            $"pbpk forecast-train seed {s.Seed}, {s.Steps} steps, batch {s.Batch}, pool {s.Pool}, {s.Compounds} compounds, {s.Space.Trim().ToLowerInvariant()} space, {(s.CensorFloor ? "floor censored, " : "")}{s.ThreadCount} thread(s) -> {Markup.Escape(s.Out!)}",
            s.Steps!.Value, plainEvery: 100, trainer.Run,
            p => new RunProgress(p.Done, p.Total, p.Loss, p.ValidationLoss, p.Phase == "train" ? null : p.Phase),
            r => (r.Cancelled, $" at step {r.Step}/{r.TotalSteps}; checkpoint in {Markup.Escape(r.Directory)}" +
                 (r.ValidationLoss is { } vl ? $"; held-out validation NLL {vl:F4}, log-RMSE {r.ValidationRmse:F4}" : "")),
            cancellationToken);
    }
}
