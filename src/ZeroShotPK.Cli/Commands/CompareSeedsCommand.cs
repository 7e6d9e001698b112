using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Evaluation;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// <c>zspk compare-seeds RUN_DIR... [--reference M] [--out FILE]</c>: how much of a benchmark's ranking is seed noise, from
/// several <c>zspk evaluate --benchmark</c> runs that differ only in <c>--seed</c> (environment/evaluate-seeds.sh).
/// </summary>
internal sealed class CompareSeedsCommand : Command<CompareSeedsCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandArgument(0, "<RUN_DIRS>"), Description("Two or more --out folders of 'zspk evaluate --benchmark' with the same methods and studies and different --seed.")]
        public string[] Runs { get; init; } = [];

        [CommandOption("--reference <METHOD>"), Description("Method every other is paired with (default nlme).")]
        public string Reference { get; init; } = "nlme";

        [CommandOption("--out <FILE>"), Output, Description("Also write the report as text, atomically.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (Runs.Length < 2) return ValidationResult.Error($"compare-seeds: {Runs.Length} run folder(s) given; expected at least two (e.g. zspk compare-seeds data/results/benchmark data/results/benchmark-seeds/seed-*).");
            foreach (var r in Runs)
                if (!Directory.Exists(r))
                    return ValidationResult.Error($"compare-seeds: {r} {(File.Exists(r) ? "is a file" : "does not exist")}; expected the --out folder of zspk evaluate --benchmark.");
            // The same run twice would count as two seeds that agree exactly.
            if (Runs.GroupBy(r => Path.GetFullPath(r).TrimEnd(Path.DirectorySeparatorChar)).FirstOrDefault(g => g.Count() > 1) is { } twice)
                return ValidationResult.Error($"compare-seeds: {twice.First()} is given {twice.Count()} times; expected each run folder once.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var text = SeedRepeats.Format(SeedRepeats.Load(settings.Runs, settings.Reference));
        Console.Write(text);
        if (settings.Out is not null)
        {
            Data.AtomicFile.WriteAllText(settings.Out, text);
            AnsiConsole.MarkupLine(Markup.Escape($"wrote {settings.Out}"));
        }
        return 0;
    }
}
