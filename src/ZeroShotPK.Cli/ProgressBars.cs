using Spectre.Console;
using Spectre.Console.Rendering;

namespace ZeroShotPK.Cli;

/// <summary>
/// The one progress display of every long zspk job: what runs, a bar, the percentage, the rate in the job's own unit,
/// the elapsed time, the time remaining and a spinner (the guide: a bar with rate and ETA).
/// </summary>
internal static class ProgressBars
{
    /// <summary>A progress display whose rate column counts <paramref name="unit"/> per second ("steps", "studies", ...).</summary>
    public static Progress Create(string unit) => AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RateColumn(unit),
            new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn());

    /// <summary>Items per second of a task, in its unit (blank until Spectre has measured a rate).</summary>
    private sealed class RateColumn(string unit) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is { } s ? (s >= 10 ? $"{s:F0} {unit}/s" : $"{s:F2} {unit}/s") : "");
    }
}
