using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// <c>zspk data convert-quinidine --in data/raw/quinidine_raw.csv --out data/quinidine.csv</c>: converts R's
/// nlme::Quinidine (long format) into a NONMEM-style event table (see <see cref="QuinidineConverter"/>).
/// </summary>
internal sealed class DataConvertQuinidineCommand : Command<DataConvertQuinidineCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("--in <RAW>", true)]
        [Description("nlme::Quinidine as CSV (Subject, time, conc, dose, interval, covariates).")]
        public string? In { get; init; }

        [CommandOption("--out <FILE>", true), Output]
        [Description("NONMEM-style CSV to write (atomically).")]
        public string? Out { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(In) ? ValidationResult.Error("--in is required: the raw quinidine CSV.")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required: the event table to write.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var study = QuinidineConverter.ConvertFile(settings.In!, settings.Out!);
        var doses = study.Individuals.Sum(i => i.Doses.Count);
        var ss = study.Individuals.Sum(i => i.Doses.Count(d => d.SteadyStateInterval is not null));
        var obs = study.Individuals.Sum(i => i.Observations.Count);
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(settings.Out!)}: {study.Individuals.Count} subjects, {doses} doses ({ss} at steady state), {obs} observations.");
        return 0;
    }
}
