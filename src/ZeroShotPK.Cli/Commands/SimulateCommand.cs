using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;
using ZeroShotPK.Priors;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Cli.Commands;

/// <summary><c>zspk simulate --prior NAME|FILE --studies N --seed S --out FILE.csv</c>: synthetic studies as NONMEM-style CSV.</summary>
internal sealed class SimulateCommand : Command<SimulateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--prior <NAME|FILE>")]
        [Description("Built-in prior (default, multidose, misspecified, paper, monitoring, aicmet-authors, pff-authors, aicmet-authors-multidose) or a prior JSON file (see data/priors/).")]
        public string Prior { get; init; } = "default";

        [CommandOption("--studies <N>")]
        [Description("Number of studies to generate (study i uses a seed derived from --seed and i).")]
        public int Studies { get; init; } = 10;

        [CommandOption("--seed <S>")]
        [Description("Random seed; the same seed gives the same file.")]
        public long Seed { get; init; } = 1;

        [CommandOption("--out <FILE>")]
        [Description("Output CSV (with a STUDY column), written atomically.")]
        public string? Out { get; init; }

        [CommandOption("--save-prior <FILE>")]
        [Description("Also write the prior used as JSON (a starting point for a custom prior).")]
        public string? SavePrior { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required: the CSV file to write.");
            if (Studies < 1) return ValidationResult.Error($"--studies must be >= 1 (got {Studies}).");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var prior = PriorSpec.Load(settings.Prior);
        var generator = prior.CreateGenerator();
        if (settings.SavePrior is not null) prior.Write(settings.SavePrior);
        var studies = new Study[settings.Studies];
        const int chunk = 256;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new StudiesPerSecondColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"simulating {settings.Studies} studies ({prior.Name})", maxValue: settings.Studies);
                for (var start = 0; start < settings.Studies; start += chunk)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var count = Math.Min(chunk, settings.Studies - start);
                    var s0 = start;
                    Parallel.For(0, count, i => studies[s0 + i] = generator.Generate(Rng.DeriveSeed(settings.Seed, s0 + i)));
                    task.Increment(count);
                }
            });
        NonmemCsv.Write(settings.Out!, studies);
        var individuals = studies.Sum(s => s.Individuals.Count);
        var observations = studies.Sum(s => s.Individuals.Sum(i => i.Observations.Count));
        var blq = studies.Sum(s => s.Individuals.Sum(i => i.Observations.Count(o => o.IsBlq)));
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(settings.Out!)}[/]: {studies.Length} studies, {individuals} individuals, {observations} observations ({blq} BLQ), prior '{Markup.Escape(prior.Name)}', seed {settings.Seed}.");
        return 0;
    }

    /// <summary>Studies per second (Spectre's transfer column prints bytes).</summary>
    private sealed class StudiesPerSecondColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is { } s ? $"{s:F0} studies/s" : "");
    }
}
