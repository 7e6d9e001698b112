using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// <c>zspk data convert-benchmark --raw data/raw --out data/benchmark</c>: converts the public raw tables (R datasets and
/// nlme, nlmixr2data, PK-DB) into one NONMEM-style CSV per study (see <see cref="BenchmarkConverters"/>).
/// </summary>
internal sealed class DataConvertBenchmarkCommand : Command<DataConvertBenchmarkCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("--raw <DIR>", true)]
        [Description("Raw folder holding r/, nlmixr2data/, pkdb/ and quinidine_raw.csv (environment/export-benchmark-raw.sh writes them).")]
        public string? Raw { get; init; }

        [CommandOption("--out <DIR>", true), Output]
        [Description("Folder for the study files NAME.csv (written atomically).")]
        public string? Out { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Raw) ? ValidationResult.Error("--raw is required: the raw folder (data/raw).")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required: the folder for the study files.")
            : !Directory.Exists(Raw) ? ValidationResult.Error($"--raw {Raw}: no such folder.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var studies = BenchmarkConverters.ConvertAllToFolder(settings.Raw!, OutputGuard.Folder(settings.Out!)); // staged, see OutputGuard
        var table = new Table().AddColumns("study", "drug", "route", "individuals", "samples per individual", "doses");
        foreach (var s in studies)
        {
            var counts = s.Study.Individuals.Select(i => i.Observations.Count).ToArray();
            table.AddRow(s.Study.Name, s.Drug, s.Route, counts.Length.ToString(), $"{counts.Min()}-{counts.Max()}",
                s.Study.Individuals.Sum(i => i.Doses.Count).ToString());
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"wrote {studies.Count} studies to {Markup.Escape(settings.Out!)}.");
        return 0;
    }
}
