using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Training;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// <c>zspk compare-runs RUN_DIR... [--csv FILE]</c>: one table of the runs of a pretraining sweep (one <c>zspk pretrain
/// --out</c> folder each, e.g. the array tasks of environment/slurm/pretrain-sweep.sbatch), best final validation loss first.
/// </summary>
internal sealed class CompareRunsCommand : Command<CompareRunsCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandArgument(0, "<RUN_DIRS>"), Description("Run folders written by 'zspk pretrain --out' (a shell glob such as out/run-* is fine).")]
        public string[] Runs { get; init; } = [];

        [CommandOption("--csv <FILE>"), Output, Description("Also write the table as CSV (numbers round-trip exactly), atomically.")]
        public string? Csv { get; init; }

        public override ValidationResult Validate() => Runs.Length == 0
            ? ValidationResult.Error("compare-runs: expected run folders (e.g. zspk compare-runs out/run-*).")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var runs = RunComparison.Compare(settings.Runs);
        static string F(double? v, string format) => v?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
        var table = new Table().AddColumn("run").AddColumn("status").AddColumn("config").AddColumn("prior").AddColumn("seed")
            .AddColumn(new TableColumn("steps").RightAligned()).AddColumn(new TableColumn("val NLL").RightAligned()).AddColumn(new TableColumn("val log-RMSE").RightAligned())
            .AddColumn(new TableColumn("best val NLL (step)").RightAligned()).AddColumn(new TableColumn("hours").RightAligned());
        foreach (var r in runs)
            table.AddRow(Markup.Escape(r.Directory), RunComparison.StatusText(r.Status), Markup.Escape(r.Config ?? "-"), Markup.Escape(r.Prior ?? "-"),
                r.Seed?.ToString(CultureInfo.InvariantCulture) ?? "-", r.Status == RunStatus.NoCheckpoint ? "-" : $"{r.Step}/{r.TotalSteps}",
                F(r.ValidationLoss, "F4"), F(r.ValidationRmse, "F4"),
                r.BestValidationLoss is null ? "-" : $"{F(r.BestValidationLoss, "F4")} ({r.BestStep})", F(r.Hours, "F3"));
        AnsiConsole.Write(table);
        var best = runs.FirstOrDefault(r => r.ValidationLoss is not null);
        AnsiConsole.MarkupLine(Markup.Escape($"{runs.Count} runs ({runs.Count(r => r.Status == RunStatus.Done)} done, {runs.Count(r => r.Status == RunStatus.Stopped)} stopped, {runs.Count(r => r.Status == RunStatus.NoCheckpoint)} without a checkpoint)"
            + (best is null ? "" : $"; lowest final validation NLL: {best.Directory} ({F(best.ValidationLoss, "F4")})")));
        if (settings.Csv is not null)
        {
            Data.AtomicFile.WriteAllText(settings.Csv, RunComparison.ToCsv(runs));
            AnsiConsole.MarkupLine(Markup.Escape($"wrote {settings.Csv}"));
        }
        return 0;
    }
}
