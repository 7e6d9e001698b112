using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Training;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary><c>zspk pretrain</c>: pretrains AICMET on streamed synthetic studies with checkpoints and --resume.</summary>
internal sealed class PretrainCommand : Command<PretrainCommand.Settings>
{
    public sealed class Settings : TrainingSettings
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
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out: a checkpoint directory is required.");
            if (Force && Resume) return ValidationResult.Error("--force starts the run in --out over; it cannot be combined with --resume, which continues it.");
            if (InitFrom is not null && Resume) return ValidationResult.Error("--init-from starts a new run; it cannot be combined with --resume (a resumed run keeps its own starting weights).");
            if (Steps is < 1) return ValidationResult.Error($"--steps must be >= 1, got {Steps}.");
            if (StopAfter is < 1) return ValidationResult.Error($"--stop-after must be >= 1, got {StopAfter}.");
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
            CommandLine = "zspk " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)), GitCommit = GitCommit(),
        });

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Ctrl-C (SIGINT) and SIGTERM both finish the current step, write a validated checkpoint and exit non-zero
        // (130 and 143, as a shell reports a process ended by the signal), so scripts never read a stop as success.
        int signalExit = 0;
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; signalExit = 130; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        OutputGuard.LeaveSignalsToCommand();
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            signalExit = 143;
            cts.Cancel();
        });
        try
        {
            AnsiConsole.MarkupLine($"pretrain [bold]{Markup.Escape(config.Name)}[/] on {device.type}, prior '{Markup.Escape(s.Prior)}', seed {s.Seed}, " +
                                   $"batch {config.Training.BatchSize}, {s.ThreadCount} thread(s) -> {Markup.Escape(s.Out!)}");
            PretrainResult result;
            if (AnsiConsole.Profile.Capabilities.Interactive)
            {
                result = ProgressBars.Create("steps")
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("starting", maxValue: trainer.TotalSteps);
                        var progress = new SyncProgress<TrainingProgress>(p =>
                        {
                            task.MaxValue = p.TotalSteps;
                            task.Value = p.Step;
                            task.Description = Describe(p);
                        });
                        return trainer.Run(progress, cts.Token);
                    });
            }
            else
            {
                // Redirected output (nohup, CI): one plain line every 25 steps instead of a live bar.
                var clock = Stopwatch.StartNew();
                var progress = new SyncProgress<TrainingProgress>(p =>
                {
                    if (p.Step % 25 == 0 || p.Step == p.TotalSteps)
                    {
                        double eta = (p.TotalSteps - p.Step) / Math.Max(1e-9, p.StepsPerSecond);
                        Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {Describe(p)} eta {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}");
                    }
                });
                result = trainer.Run(progress, cts.Token);
            }
            var v = result.Validation;
            AnsiConsole.MarkupLine((result.Cancelled ? "[yellow]interrupted[/]" : "[green]done[/]") +
                                   $" at step {result.Step}/{result.TotalSteps}; checkpoint in {Markup.Escape(result.Directory)}" +
                                   (v is null ? "" : $"; validation NLL {v.Loss:F4}, log-RMSE {v.Rmse:F4} (population mean {v.PopulationMeanRmse:F4})"));
            return result.Cancelled ? (signalExit != 0 ? signalExit : 130) : 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static string Describe(TrainingProgress p) =>
        $"step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} val {(p.ValidationLoss is { } v ? v.ToString("F4") : "-")} {p.StepsPerSecond:F2} steps/s";

    private static string? GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse HEAD") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (git is null) return null;
            var sha = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && sha.Length == 40 ? sha : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on PATH
        }
    }

    /// <summary>Reports synchronously on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
