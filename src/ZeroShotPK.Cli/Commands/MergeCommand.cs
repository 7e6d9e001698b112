using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Evaluation;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// zspk merge SHARD_DIR... --out DIR: combines the folders of shards 0..N-1 of one sharded job (<c>--shard K/N</c>) into the
/// files one unsharded run writes. Refuses, naming the problem, when a shard is missing or given twice, or when the
/// manifests disagree on the command, its arguments, the data hash or the code version.
/// </summary>
internal sealed class MergeCommand : Command<MergeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SHARD_DIRS>"), Description("The output folders of shards 0/N to N-1/N (any order; a shell glob such as out/shard-* is fine).")]
        public string[] Shards { get; init; } = [];

        [CommandOption("--out <DIR>"), Description("Output folder: the files one unsharded run writes.")]
        public string Out { get; init; } = "";

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required (an output folder).");
            if (Shards.Length == 0) return ValidationResult.Error("zspk merge: expected the shard folders before --out (e.g. zspk merge out/shard-* --out out/merged).");
            var full = Path.GetFullPath(Out).TrimEnd('/');
            var same = Shards.FirstOrDefault(d => Path.GetFullPath(d).TrimEnd('/') == full);
            if (same is not null) return ValidationResult.Error($"--out {Out} is also the shard folder {same}: the merge would overwrite a shard; expected another folder.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var written = ShardedEvaluation.Merge(settings.Shards, settings.Out);
        AnsiConsole.MarkupLine(Markup.Escape($"merged {settings.Shards.Length} shards into {settings.Out}: {written.Count} files ({string.Join(", ", written.Select(Path.GetFileName).Distinct())}); SECONDS is the sum of the shards' wall times"));
        return 0;
    }
}
