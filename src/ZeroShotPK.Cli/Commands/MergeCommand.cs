using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Evaluation;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// zspk merge SHARD_DIR... --out DIR: combines the folders (evaluate) or files (simulate, merged into DIR/studies.csv;
/// pbpk population into DIR/population.csv; pbpk simulate into DIR/profiles.csv) of shards 0..N-1 of one sharded job (<c>--shard K/N</c>) into the files one unsharded run writes. Refuses, naming the problem, when a shard is missing or given twice, or when the
/// manifests disagree on the command, its arguments, the data hash or the code version.
/// </summary>
internal sealed class MergeCommand : Command<MergeCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandArgument(0, "<SHARD_DIRS>"), Description("The outputs of shards 0/N to N-1/N: evaluate's folders, or the files of simulate, pbpk population or pbpk simulate (any order; a shell glob such as out/shard-* is fine).")]
        public string[] Shards { get; init; } = [];

        [CommandOption("--out <DIR>", true), Output, Description("Output folder: the files one unsharded run writes.")]
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
        var first = ShardManifest.Read(settings.Shards[0]);
        // Written into a staging folder that takes --out's place when the merge succeeds (OutputGuard).
        var folder = OutputGuard.Folder(settings.Out);
        var written = first.Command switch
        {
            "simulate" => MergeSimulate(settings.Shards, folder),
            "pbpk population" or "pbpk simulate" => MergeRows(settings.Shards, first.Command, folder),
            _ => ShardedEvaluation.Merge(settings.Shards, folder),
        };
        AnsiConsole.MarkupLine(Markup.Escape($"merged {settings.Shards.Length} shards of '{first.Command}' into {settings.Out}: {written.Count} files ({string.Join(", ", written.Select(Path.GetFileName).Distinct())})"
            + (first.Command == "evaluate" ? "; SECONDS is the sum of the shards' wall times" : "")));
        return 0;
    }

    /// <summary>The merged file of a command whose shards write rows by item (<see cref="ShardedCsv"/>).</summary>
    internal static string MergedFile(string command) => command == "pbpk population" ? "population.csv" : "profiles.csv";

    /// <summary>Shards of <c>zspk pbpk population --shard</c> or <c>zspk pbpk simulate --population --shard</c> (files), merged line for line.</summary>
    private static IReadOnlyList<string> MergeRows(IReadOnlyList<string> shards, string command, string outDir)
    {
        var path = Path.Combine(outDir, MergedFile(command));
        ShardedCsv.Merge(shards, command, path);
        return [path];
    }

    /// <summary>
    /// Shards of <c>zspk simulate --shard</c> (files): study i of the full run is study i / N of shard i mod N; the merged
    /// studies are written to OUT/studies.csv exactly as one run writes them (the file format round-trips every value).
    /// </summary>
    private static IReadOnlyList<string> MergeSimulate(IReadOnlyList<string> shards, string outDir)
    {
        var manifests = shards.Select(d => (Dir: d, Manifest: ShardManifest.Read(d))).ToList();
        ShardedEvaluation.CheckComplete(manifests);
        manifests.Sort((a, b) => a.Manifest.Index.CompareTo(b.Manifest.Index));
        var parts = manifests.Select(m => Data.NonmemCsv.ReadStudies(m.Dir)).ToArray();
        long total = manifests[0].Manifest.Items;
        var studies = new List<Data.Study>();
        for (long i = 0; i < total; i++)
        {
            int k = (int)(i % parts.Length);
            long j = i / parts.Length;
            if (j >= parts[k].Count) throw new ArgumentException($"zspk merge: shard file {manifests[k].Dir} has {parts[k].Count} studies; expected {manifests[k].Manifest.ItemsRun} (study {i} of {total}).");
            studies.Add(parts[k][(int)j]);
        }
        var extra = manifests.Select((m, k) => (m.Dir, Have: parts[k].Count, Want: m.Manifest.ItemsRun)).FirstOrDefault(x => x.Have != x.Want);
        if (extra.Dir is not null) throw new ArgumentException($"zspk merge: shard file {extra.Dir} has {extra.Have} studies; its manifest says {extra.Want}.");
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, "studies.csv");
        Data.NonmemCsv.Write(path, studies);
        return [path];
    }
}
