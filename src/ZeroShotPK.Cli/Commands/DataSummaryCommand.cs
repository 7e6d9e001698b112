using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;

namespace ZeroShotPK.Cli.Commands;

/// <summary><c>zspk data summary --data FILE</c>: counts and ranges of a NONMEM-style dataset, one row per study.</summary>
internal sealed class DataSummaryCommand : Command<DataSummaryCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <FILE>", true)]
        [Description("NONMEM-style CSV (ID, TIME, DV, AMT, EVID, MDV, CMT, ...; optional STUDY column).")]
        public string? Data { get; init; }

        public override ValidationResult Validate() => string.IsNullOrWhiteSpace(Data)
            ? ValidationResult.Error("--data is required: the dataset file to summarise.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var result = NonmemCsv.Read(settings.Data!);
        var table = new Table().Title(Markup.Escape(settings.Data!))
            .AddColumns("Study", "Subjects", "Doses", "SS", "Obs", "BLQ", "Time", "Routes");
        var covariateLines = new List<string>();
        foreach (var s in result.Studies)
        {
            var doses = s.Individuals.SelectMany(i => i.Doses).ToList();
            var obs = s.Individuals.SelectMany(i => i.Observations).ToList();
            var times = doses.Select(d => d.Time).Concat(obs.Select(o => o.Time)).ToList();
            var routes = doses.GroupBy(d => d.Route).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}");
            var covariates = s.Individuals.SelectMany(i => i.Covariates.Keys).Distinct().ToList();
            var varying = s.Individuals.SelectMany(i => i.CovariateChanges.Select(c => c.Name)).ToHashSet();
            table.AddRow(
                Markup.Escape(s.Name),
                s.Individuals.Count.ToString(CultureInfo.InvariantCulture),
                doses.Count.ToString(CultureInfo.InvariantCulture),
                doses.Count(d => d.SteadyStateInterval is not null).ToString(CultureInfo.InvariantCulture),
                obs.Count.ToString(CultureInfo.InvariantCulture),
                obs.Count(o => o.IsBlq).ToString(CultureInfo.InvariantCulture),
                times.Count == 0 ? "-" : $"{times.Min().ToString("G6", CultureInfo.InvariantCulture)}-{times.Max().ToString("G6", CultureInfo.InvariantCulture)} {s.Units.Time}",
                Markup.Escape(string.Join(", ", routes)));
            if (covariates.Count > 0)
                covariateLines.Add($"{s.Name} covariates: {string.Join(", ", covariates.Select(c => varying.Contains(c) ? c + "*" : c))}");
        }
        AnsiConsole.Write(table);
        foreach (var line in covariateLines) AnsiConsole.WriteLine(line);
        if (result.Studies.Any(s => s.Individuals.Any(i => i.CovariateChanges.Count > 0)))
            AnsiConsole.WriteLine("* changes within individuals (kept as baseline plus changes over time).");
        foreach (var w in result.Warnings.Take(20))
            AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        if (result.Warnings.Count > 20)
            AnsiConsole.MarkupLine($"[yellow]... {result.Warnings.Count - 20} more warnings.[/]");
        return 0;
    }
}
