using System.Diagnostics;
using System.Runtime.InteropServices;
using Spectre.Console;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli;

/// <summary>
/// The run options every training command has (<c>zspk pretrain</c>, <c>zspk pbpk forecast-train</c>). Each command
/// declares them on its settings with its own descriptions: Spectre reads options from the settings' class chain, and
/// pretrain's chain (the AICMET options it shares with <c>bench train</c>, --device) is not forecast-train's. The checks
/// and the run itself are shared (<see cref="TrainingRun"/>).
/// </summary>
internal interface ITrainingRunSettings
{
    /// <summary>--out: the run folder (manifest, weights, optimizer state, loss.csv).</summary>
    string? Out { get; }
    /// <summary>--resume: continue the run in --out.</summary>
    bool Resume { get; }
    /// <summary>--force: start the run in --out over.</summary>
    bool Force { get; }
    /// <summary>--steps: steps of the learning-rate schedule (null: the command's default, where it has one).</summary>
    int? Steps { get; }
    /// <summary>--stop-after: stop after N steps of this invocation, writing a checkpoint.</summary>
    int? StopAfter { get; }
}

/// <summary>One progress report of a training command: <paramref name="Phase"/> null for optimisation steps, else what is being prepared ("pool", "validation").</summary>
internal readonly record struct RunProgress(int Done, int Total, double Loss = double.NaN, double? ValidationLoss = null, string? Phase = null);

/// <summary>
/// What every training command does around its model-specific part: the run options' checks, the recorded command
/// line and git commit, graceful stops on Ctrl-C and SIGTERM (finish the step, write a checkpoint, exit 130 or 143),
/// and one progress display (a live bar with rate and ETA, or, when output is redirected, a plain line with the same).
/// </summary>
internal static class TrainingRun
{
    /// <summary>Checks the shared run options; <paramref name="stepsRequired"/>: the command has no default step count.</summary>
    public static ValidationResult Validate(ITrainingRunSettings s, bool stepsRequired)
    {
        if (string.IsNullOrWhiteSpace(s.Out)) return ValidationResult.Error("--out: a run folder is required.");
        if (stepsRequired ? s.Steps is not >= 1 : s.Steps is < 1)
            return ValidationResult.Error($"--steps: expected a step count >= 1, got {s.Steps?.ToString() ?? "nothing"}.");
        if (s.Force && s.Resume) return ValidationResult.Error("--force starts the run in --out over; it cannot be combined with --resume, which continues it.");
        if (s.StopAfter is < 1) return ValidationResult.Error($"--stop-after: expected >= 1, got {s.StopAfter}.");
        return ValidationResult.Success();
    }

    /// <summary>The command line as typed, recorded in the manifest.</summary>
    public static string CommandLine => "zspk " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));

    /// <summary>
    /// Runs <paramref name="train"/> with the shared stop handling and progress display and returns the exit code: 0
    /// when it finished, 130 (Ctrl-C) or 143 (SIGTERM) when a signal stopped it after its checkpoint, so scripts never
    /// read a stop as success.
    /// </summary>
    /// <typeparam name="TProgress">The trainer's progress report.</typeparam>
    /// <typeparam name="TResult">The trainer's result.</typeparam>
    /// <param name="header">First line (markup): what runs, with which settings, into which folder.</param>
    /// <param name="totalSteps">Planned steps (the bar's length until the first report).</param>
    /// <param name="plainEvery">With redirected output, a line every this many steps (and at the last).</param>
    /// <param name="train">The model-specific part: runs the trainer with a progress sink and a stop token.</param>
    /// <param name="report">Reads the trainer's progress report.</param>
    /// <param name="finish">Whether the run was stopped, and the closing sentence (markup) after the state word.</param>
    /// <param name="cancellationToken">The command's token.</param>
    public static int Execute<TProgress, TResult>(string header, int totalSteps, int plainEvery,
        Func<IProgress<TProgress>, CancellationToken, TResult> train, Func<TProgress, RunProgress> report,
        Func<TResult, (bool Cancelled, string Summary)> finish, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Ctrl-C (SIGINT) and SIGTERM both finish the current step, write a validated checkpoint and exit non-zero
        // (130 and 143, as a shell reports a process ended by the signal).
        int signalExit = 0;
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; signalExit = 130; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        OutputGuard.LeaveSignalsToCommand();
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            signalExit = 143;
            cts.Cancel();
        });
        try
        {
            AnsiConsole.MarkupLine(header);
            var rate = new RateClock();
            TResult result;
            if (AnsiConsole.Profile.Capabilities.Interactive)
            {
                // The bar's own columns show the rate and the time remaining.
                result = ProgressBars.Create("steps").Start(ctx =>
                {
                    var task = ctx.AddTask("starting", maxValue: totalSteps);
                    return train(new SyncProgress<TProgress>(p =>
                    {
                        var r = report(p);
                        task.MaxValue = r.Total;
                        task.Value = r.Done;
                        task.Description = Describe(r);
                    }), cts.Token);
                });
            }
            else
            {
                // Redirected output (nohup, CI): a plain line every plainEvery steps instead of a live bar.
                result = train(new SyncProgress<TProgress>(p =>
                {
                    var r = report(p);
                    if (r.Phase is not null)
                    {
                        if (r.Done % 5000 == 0 || r.Done == r.Total) Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {Describe(r)}");
                        return;
                    }
                    var (perSecond, eta) = rate.Update(r.Done, r.Total);
                    if (r.Done % plainEvery == 0 || r.Done == r.Total)
                        Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {Describe(r)} {perSecond} steps/s eta {eta}");
                }), cts.Token);
            }
            var (cancelled, summary) = finish(result);
            AnsiConsole.MarkupLine((cancelled ? "[yellow]interrupted[/]" : "[green]done[/]") + summary);
            return cancelled ? (signalExit != 0 ? signalExit : 130) : 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static string Describe(RunProgress r) => r.Phase is { } phase
        ? $"solving {phase} cases {r.Done}/{r.Total}"
        : $"step {r.Done}/{r.Total} loss {r.Loss:F4} val {(r.ValidationLoss is { } v ? v.ToString("F4") : "-")}";

    /// <summary>Steps per second since the first report of this invocation (a resumed run's earlier steps do not count), and the time left.</summary>
    private sealed class RateClock
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private int firstStep = -1;
        private double firstTime;

        /// <summary>The rate and the time left as text ("-" until a second report gives a rate).</summary>
        public (string PerSecond, string Eta) Update(int done, int total)
        {
            if (firstStep < 0) { firstStep = done; firstTime = clock.Elapsed.TotalSeconds; }
            double seconds = clock.Elapsed.TotalSeconds - firstTime;
            if (done <= firstStep || seconds <= 0) return ("-", "-");
            double perSecond = (done - firstStep) / seconds;
            var eta = TimeSpan.FromSeconds(Math.Min((total - done) / perSecond, 359_999));
            return (perSecond.ToString("F2", System.Globalization.CultureInfo.InvariantCulture), $"{(int)eta.TotalHours:00}:{eta:mm\\:ss}");
        }
    }

    /// <summary>Reports synchronously on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>The working tree's git commit, when git is on PATH.</summary>
internal static class Git
{
    /// <summary>HEAD of the working tree (40 hex digits), or null without git or outside a repository.</summary>
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
