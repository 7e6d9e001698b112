using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Training;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary><c>zspk pbpk forecast-train</c>: trains the PBPK forecasting transformer on a cached pool of exact PBPK cases.</summary>
internal sealed class PbpkForecastTrainCommand : Command<PbpkForecastTrainCommand.Settings>
{
    public sealed class Settings : ThreadSettings
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

        [CommandOption("--batch <N>"), Description("Cases per step (default 128).")]
        public int Batch { get; init; } = 128;

        [CommandOption("--stop-after <N>"), Description("Stop after N steps of this invocation, writing a checkpoint (resume later).")]
        public int? StopAfter { get; init; }

        public override ValidationResult Validate()
        {
            var v = base.Validate();
            if (!v.Successful) return v;
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out: a run folder is required.");
            if (Steps is not >= 1) return ValidationResult.Error($"--steps: expected a step count >= 1, got {Steps?.ToString() ?? "nothing"}.");
            if (Force && Resume) return ValidationResult.Error("--force starts the run in --out over; it cannot be combined with --resume, which continues it.");
            if (Pool < 100) return ValidationResult.Error($"--pool: expected >= 100 cases, got {Pool}.");
            if (Batch < 1) return ValidationResult.Error($"--batch: expected >= 1, got {Batch}.");
            if (StopAfter is < 1) return ValidationResult.Error($"--stop-after: expected >= 1, got {StopAfter}.");
            if (Seed is < int.MinValue or > int.MaxValue) return ValidationResult.Error($"--seed: expected a 32-bit integer, got {Seed}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        var trainer = new PbpkForecastTrainer(new PbpkForecastTrainOptions
        {
            Config = new PbpkForecastConfig { PoolCases = s.Pool, BatchSize = s.Batch },
            OutputDirectory = s.Out!, Steps = s.Steps!.Value, Seed = s.Seed, Resume = s.Resume, StopAfter = s.StopAfter,
            CommandLine = "zspk " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)), GitCommit = Git.Commit(),
        });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
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
            AnsiConsole.MarkupLine($"pbpk forecast-train seed {s.Seed}, {s.Steps} steps, batch {s.Batch}, pool {s.Pool}, {s.ThreadCount} thread(s) -> {Markup.Escape(s.Out!)}");
            PbpkForecastResult result;
            var clock = Stopwatch.StartNew();
            int firstStep = -1;
            double firstTime = 0;
            string Describe(PbpkForecastProgress p)
            {
                if (p.Phase != "train") return $"solving {p.Phase} cases {p.Done}/{p.Total}";
                if (firstStep < 0) { firstStep = p.Done - 1; firstTime = clock.Elapsed.TotalSeconds; }
                double rate = (p.Done - firstStep) / Math.Max(1e-9, clock.Elapsed.TotalSeconds - firstTime);
                double eta = (p.Total - p.Done) / Math.Max(1e-9, rate);
                return $"step {p.Done}/{p.Total} loss {p.Loss:F4} val {(p.ValidationLoss is { } v ? v.ToString("F4") : "-")} {rate:F1} steps/s eta {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}";
            }
            if (AnsiConsole.Profile.Capabilities.Interactive)
            {
                result = ProgressBars.Create("steps").Start(ctx =>
                {
                    var task = ctx.AddTask("starting", maxValue: s.Steps!.Value);
                    return trainer.Run(new SyncProgress<PbpkForecastProgress>(p =>
                    {
                        task.MaxValue = p.Total;
                        task.Value = p.Done;
                        task.Description = Describe(p);
                    }), cts.Token);
                });
            }
            else
            {
                // Redirected output (nohup): a plain line every 100 steps (and per pool chunk) instead of a live bar.
                result = trainer.Run(new SyncProgress<PbpkForecastProgress>(p =>
                {
                    var line = Describe(p);
                    if (p.Phase != "train" ? p.Done % 5000 == 0 || p.Done == p.Total : p.Done % 100 == 0 || p.Done == p.Total)
                        Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");
                }), cts.Token);
            }
            AnsiConsole.MarkupLine((result.Cancelled ? "[yellow]interrupted[/]" : "[green]done[/]") +
                $" at step {result.Step}/{result.TotalSteps}; checkpoint in {Markup.Escape(result.Directory)}" +
                (result.ValidationLoss is { } vl ? $"; held-out validation NLL {vl:F4}, log-RMSE {result.ValidationRmse:F4}" : ""));
            return result.Cancelled ? (signalExit != 0 ? signalExit : 130) : 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>The working tree's git commit, when git is on PATH.</summary>
internal static class Git
{
    public static string? Commit()
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
            return null;
        }
    }
}
