using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Priors;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Cli.Commands;

/// <summary><c>zspk simulate --prior NAME|FILE --studies N --seed S --out FILE.csv</c>: synthetic studies as NONMEM-style CSV.</summary>
internal sealed class SimulateCommand : Command<SimulateCommand.Settings>
{
    public sealed class Settings : OutputSettings
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

        [CommandOption("--out <FILE>", true), Output]
        [Description("Output CSV (with a STUDY column), written atomically.")]
        public string? Out { get; init; }

        [CommandOption("--shard <K/N>")]
        [Description("Generate shard K of N (0 <= K < N <= --studies): studies K, K+N, K+2N, ... with the seeds of the full run, into --out plus --out.manifest.json; 'zspk merge' combines the N shard files into the full run's file.")]
        public string? Shard { get; init; }

        [CommandOption("--save-prior <FILE>"), Output]
        [Description("Also write the prior used as JSON (a starting point for a custom prior).")]
        public string? SavePrior { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required: the CSV file to write.");
            if (Studies < 1) return ValidationResult.Error($"--studies must be >= 1 (got {Studies}).");
            if (Shard is not null)
            {
                try
                {
                    if (Evaluation.Shard.Parse(Shard).Count > Studies)
                        return ValidationResult.Error($"--shard {Shard}: N must be at most --studies ({Studies}), so that every shard has a study.");
                }
                catch (ArgumentException e) { return ValidationResult.Error(e.Message); }
            }
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var prior = PriorSpec.Load(settings.Prior);
        var generator = prior.CreateGenerator();
        if (settings.SavePrior is not null) prior.Write(settings.SavePrior);
        var shard = settings.Shard is null ? null : Evaluation.Shard.Parse(settings.Shard);
        // Study i always uses the seed derived from --seed and i; a shard generates the studies it owns.
        var owned = Enumerable.Range(0, settings.Studies).Where(i => shard?.Owns(i) ?? true).ToArray();
        var studies = new Study[owned.Length];
        if (shard is not null && File.Exists(ShardManifest.PathOf(settings.Out!))) File.Delete(ShardManifest.PathOf(settings.Out!)); // until this run writes its own
        const int chunk = 256;
        ProgressBars.Create("studies")
            .Start(ctx =>
            {
                var task = ctx.AddTask($"simulating {owned.Length} studies ({prior.Name})", maxValue: owned.Length);
                for (var start = 0; start < owned.Length; start += chunk)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var count = Math.Min(chunk, owned.Length - start);
                    var s0 = start;
                    Parallel.For(0, count, i => studies[s0 + i] = generator.Generate(Rng.DeriveSeed(settings.Seed, owned[s0 + i])));
                    task.Increment(count);
                }
            });
        NonmemCsv.Write(settings.Out!, studies);
        if (shard is not null)
        {
            var priorFile = File.Exists(settings.Prior) ? settings.Prior : null;
            new ShardManifest
            {
                Command = "simulate", Arguments = ShardRun.Arguments("simulate"), DataHash = ShardRun.Hash([priorFile]), CodeVersion = ShardRun.CodeVersion(),
                Index = shard.Index, Count = shard.Count, Items = settings.Studies, ItemsRun = owned.Length,
            }.Write(ShardManifest.PathOf(settings.Out!));
        }
        var individuals = studies.Sum(s => s.Individuals.Count);
        var observations = studies.Sum(s => s.Individuals.Sum(i => i.Observations.Count));
        var blq = studies.Sum(s => s.Individuals.Sum(i => i.Observations.Count(o => o.IsBlq)));
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(settings.Out!)}[/]: {studies.Length} studies, {individuals} individuals, {observations} observations ({blq} BLQ), prior '{Markup.Escape(prior.Name)}', seed {settings.Seed}.");
        return 0;
    }
}
