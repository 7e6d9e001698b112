using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Simulation;
using ZeroShotPK.Training;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary>zspk pbpk population: generate (and optionally train, evaluate) a virtual population.</summary>
internal sealed class PbpkPopulationCommand : Command<PbpkPopulationCommand.Settings>
{
    public sealed class Settings : ComputeSettings
    {
        [CommandOption("--species <NAME>"), Description("human, rat, mouse, dog or monkey (default human).")]
        public string Species { get; init; } = "human";

        [CommandOption("-n|--count <N>"), Description("Number of individuals (default 10000).")]
        public int N { get; init; } = 10000;

        [CommandOption("--method <METHOD>"), Description("reference, ddpm or pcdm (default reference).")]
        public string Method { get; init; } = "reference";

        [CommandOption("--seed <SEED>"), Description("Sampling seed (default 1).")]
        public int Seed { get; init; } = 1;

        [CommandOption("--out <FILE>"), Output, RequiredUnless("--report"), Description("Output CSV: one individual per row, physiology plus broken rules; required unless --report.")]
        public string? Out { get; init; }

        [CommandOption(OutputGuard.ForceOption), Description(OutputGuard.ForceHelp)]
        public bool Force { get; init; }

        [CommandOption("--guidance <SCALE>"), Description("Constraint guidance scale while sampling (ddpm/pcdm; default: the checkpoint's, 0).")]
        public double? Guidance { get; init; }

        [CommandOption("--checkpoint <PREFIX>"), Description("Load PREFIX.bin/PREFIX.json instead of the bundled generator.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--retrain"), Description("Train a new generator on a fresh reference sample, save it (--save), then sample.")]
        public bool Retrain { get; init; }

        [CommandOption("--save <PREFIX>"), Description("Where --retrain writes PREFIX.bin/.json (default data/pbpk/generator_{species}_{method}, the shipped generator); existing files are replaced only with --force.")]
        public string? Save { get; init; }

        [CommandOption("--steps <N>"), Description("Training steps for --retrain (default 4000).")]
        public int? Steps { get; init; }

        [CommandOption("--train-seed <SEED>"), Description("Seed of training data and weights for --retrain (default 1).")]
        public int TrainSeed { get; init; } = 1;

        [CommandOption("--physics-weight <W>"), Description("Physics-loss weight for --retrain of pcdm (default 1).")]
        public double? PhysicsWeight { get; init; }

        [CommandOption("--range-margin <Z>"), Description("Range z-score where the pcdm physics loss starts, for --retrain (default 3.5).")]
        public double? RangeMargin { get; init; }

        [CommandOption("--report"), Description("Print violation rates (95% Wilson CI), fidelity and coverage against a fresh reference sample.")]
        public bool Report { get; init; }

        [CommandOption("--shard <K/N>"), Description("Draw shard K of N with the seeds and IDs of the full run, into --out plus --out.manifest.json; 'zspk merge' combines the N shard files into the full run's file. reference: individuals K+1, K+1+N, ... (N <= --count); ddpm/pcdm: blocks K, K+N, ... of 4096 individuals, each block from its own generator (N <= the number of blocks).")]
        public string? Shard { get; init; }

        public override ValidationResult Validate()
        {
            if (N < 1) return ValidationResult.Error($"-n|--count: expected a positive count, got {N}.");
            if (Out is null && !Report) return ValidationResult.Error("--out: give an output CSV (or --report to only evaluate).");
            if (Steps is < 1) return ValidationResult.Error($"--steps: expected a positive count, got {Steps}.");
            if (Shard is not null)
            {
                Evaluation.Shard shard;
                try { shard = Evaluation.Shard.Parse(Shard); }
                catch (ArgumentException e) { return ValidationResult.Error(e.Message); }
                if (Retrain) return ValidationResult.Error("--shard: not with --retrain (every shard would train its own generator); retrain once, then shard the sampling with --checkpoint.");
                if (Report) return ValidationResult.Error("--shard: not with --report (the report needs the whole population); run --report without --shard.");
                if (Out is null) return ValidationResult.Error("--shard: needs --out (the shard's CSV file).");
                bool blocks = !Method.Trim().Equals("reference", StringComparison.OrdinalIgnoreCase);
                int units = blocks ? (N + PopulationDiffusion.BlockSize - 1) / PopulationDiffusion.BlockSize : N;
                if (shard.Count > units)
                    return ValidationResult.Error(blocks
                        ? $"--shard {Shard}: {Method} draws blocks of {PopulationDiffusion.BlockSize} individuals, and --count {N} makes {units}; N must be at most {units}, so that every shard has a block."
                        : $"--shard {Shard}: N must be at most --count ({N}), so that every shard has an individual.");
            }
            return base.Validate();
        }
    }

    internal static PopulationMethod ParseMethod(string text) => text.Trim().ToLowerInvariant() switch
    {
        "reference" => PopulationMethod.Reference,
        "ddpm" => PopulationMethod.Ddpm,
        "pcdm" => PopulationMethod.Pcdm,
        _ => throw new ArgumentException($"--method: expected reference, ddpm or pcdm, got '{text}'."),
    };

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var species = SpeciesNames.Parse(s.Species);
        var method = ParseMethod(s.Method);
        var table = PhysiologyTable.Load(species);
        // The generator files are outputs too (by default the shipped ones): locked and refused without --force before
        // hours of training, not found existing afterwards.
        string? savePrefix = null;
        if (s.Retrain && method != PopulationMethod.Reference)
        {
            savePrefix = s.Save ?? Path.Combine("data", "pbpk", $"generator_{species.ToString().ToLowerInvariant()}_{method.ToString().ToLowerInvariant()}");
            OutputGuard.ClaimFiles("--save", savePrefix, ".bin", ".json");
        }
        var device = s.SetUpTorch();
        Physiology[] population;
        var shard = s.Shard is null ? null : Evaluation.Shard.Parse(s.Shard);
        // Individual i (ID i + 1) always uses seed (--seed, i), or its block's generator for ddpm/pcdm; a shard draws the
        // individuals (reference) or blocks (ddpm/pcdm) it owns.
        int blockSize = method == PopulationMethod.Reference ? 1 : PopulationDiffusion.BlockSize;
        var owned = Enumerable.Range(0, s.N).Where(i => shard?.Owns(i, blockSize) ?? true).ToArray();
        if (shard is not null && File.Exists(Evaluation.ShardManifest.PathOf(s.Out!))) File.Delete(Evaluation.ShardManifest.PathOf(s.Out!)); // until this run writes its own
        var sw = System.Diagnostics.Stopwatch.StartNew();
        if (method == PopulationMethod.Reference)
        {
            var sampler = new ReferencePopulation(table);
            population = WithProgress($"reference {species}", owned.Length, p => sampler.Sample(owned, s.Seed, p));
            AnsiConsole.MarkupLine($"reference sampler: {owned.Length} individuals{(shard is null ? "" : $" (shard {shard} of {s.N})")} in {sw.Elapsed.TotalSeconds:F2} s, redraw rate {100 * sampler.RedrawRate:F2}%");
            if (sampler.RedrawCauses.Count > 0)
                AnsiConsole.MarkupLine(Markup.Escape("redraws by first broken rule: " + string.Join(", ", sampler.RedrawCauses.Take(5).Select(kv => $"{kv.Key} {100 * kv.Value:F2}%"))));
        }
        else
        {
            using var model = s.Retrain ? Train(s, species, method, table, savePrefix!, device, cancellationToken)
                : s.Checkpoint is not null ? PopulationDiffusion.Load(s.Checkpoint, device)
                : PopulationDiffusion.LoadBundled(species, method, device);
            if (model.Manifest?.Method is { } m && !m.Equals(method.ToString(), StringComparison.OrdinalIgnoreCase))
                AnsiConsole.MarkupLine($"[yellow]note:[/] checkpoint was trained as {m}.");
            if (s.Guidance is { } g) model.SetGuidance(g);
            sw.Restart();
            population = WithProgress($"{method.ToString().ToLowerInvariant()} {species}", owned.Length,
                p => model.Sample(s.N, s.Seed, p, cancellationToken, shard is null ? null : j => shard.Owns(j)));
            AnsiConsole.MarkupLine($"{method.ToString().ToLowerInvariant()}: {owned.Length} individuals{(shard is null ? "" : $" (shard {shard} of {s.N}, blocks of {blockSize})")} in {sw.Elapsed.TotalSeconds:F2} s ({owned.Length / sw.Elapsed.TotalSeconds:F0}/s), guidance {model.Config.GuidanceScale}");
        }

        var constraints = new PhysiologyConstraints(table);
        if (s.Out is not null) WriteCsv(s.Out, population, owned, constraints);
        if (shard is not null)
            new Evaluation.ShardManifest
            {
                Command = "pbpk population", Arguments = ShardRun.Arguments("pbpk", "population"), DataHash = ShardRun.Hash([s.Checkpoint is null ? null : s.Checkpoint + ".bin"]),
                CodeVersion = ShardRun.CodeVersion(), Index = shard.Index, Count = shard.Count, Items = s.N, ItemsRun = owned.Length, BlockSize = blockSize,
            }.Write(Evaluation.ShardManifest.PathOf(s.Out!));
        if (s.Report) PrintReport(table, constraints, population, s.Seed);
        return 0;
    }

    private static PopulationDiffusion Train(Settings s, Species species, PopulationMethod method, PhysiologyTable table, string prefix, TorchSharp.torch.Device device, CancellationToken cancel)
    {
        var config = DiffusionConfig.For(method) with { Seed = s.TrainSeed };
        if (s.Steps is { } steps) config = config with { TrainSteps = steps };
        if (s.PhysicsWeight is { } w) config = config with { PhysicsWeight = w };
        if (s.RangeMargin is { } z) config = config with { RangeMargin = z };
        // The manifest records the command without --save and --force: where the files go, and whether they replace
        // others, does not change what is trained.
        var args = Environment.GetCommandLineArgs().Skip(1).SkipWhile(a => a != "population").Skip(1).ToList();
        var at = args.IndexOf("--save");
        if (at >= 0) args.RemoveRange(at, Math.Min(2, args.Count - at));
        args.RemoveAll(a => a == OutputGuard.ForceOption || a.StartsWith(OutputGuard.ForceOption + "=", StringComparison.Ordinal));
        var command = "zspk pbpk population " + string.Join(' ', args);
        PopulationDiffusion? model = null;
        ProgressBars.Create("steps")
            .Start(ctx =>
            {
                var task = ctx.AddTask($"train {method.ToString().ToLowerInvariant()}", maxValue: config.TrainSteps);
                model = PopulationDiffusionTraining.Train(table, method, config, command, (step, dl, pl) =>
                {
                    task.Value = step;
                    task.Description = $"train {method.ToString().ToLowerInvariant()} loss {dl:F4} physics {pl:F4}";
                }, device, cancel, Git.Commit());
                task.Value = config.TrainSteps;
            });
        model!.Save(prefix);
        var mf = model.Manifest!;
        AnsiConsole.MarkupLine($"trained {config.TrainSteps} steps in {mf.ElapsedSeconds:F1} s: denoising loss {mf.FinalDenoisingLoss:F4}, physics loss {mf.FinalPhysicsLoss:F4}; saved {Markup.Escape(prefix)}.bin/.json");
        return model;
    }

    internal static T WithProgress<T>(string label, int total, Func<IProgress<int>, T> run)
    {
        T result = default!;
        ProgressBars.Create("individuals")
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total);
                result = run(new Progress<int>(v => task.Value = v));
                task.Value = total;
            });
        return result;
    }

    private static void PrintReport(PhysiologyTable table, PhysiologyConstraints constraints, Physiology[] population, int seed)
    {
        var report = constraints.Evaluate(population);
        var grid = new Table().AddColumn("rule").AddColumn("violation rate [[95% Wilson CI]]");
        grid.AddRow("any", Markup.Escape(report.Any.ToString()));
        foreach (var (rule, p) in report.ByRule) grid.AddRow(rule.ToString(), Markup.Escape(p.ToString()));
        AnsiConsole.Write(grid);
        if (population.Length >= 2000)
        {
            var reference = new ReferencePopulation(table).Sample(4000, SeedStream.Of(seed, 0, SeedStream.ReferenceSample));
            var f = PopulationMetrics.Compare(reference, population);
            AnsiConsole.MarkupLine($"fidelity: energy distance {f.EnergyDistance:F4} (reference vs reference {f.EnergyDistanceFloor:F4}); KS max {f.MaxKs:F3} ({f.WorstVariable}), mean {f.MeanKs:F3}; network classifier AUC {f.ClassifierAuc:F3} (reference vs reference {f.ClassifierAucFloor:F3})");
            AnsiConsole.MarkupLine($"diversity: coverage {f.Coverage:F3} (reference vs reference {f.CoverageFloor:F3})");
        }
    }

    private static void WriteCsv(string path, Physiology[] population, int[] indices, PhysiologyConstraints constraints)
    {
        PopulationCsv.Write(path, population, indices, constraints);
        AnsiConsole.MarkupLine($"wrote {population.Length} individuals to {Markup.Escape(path)}");
    }
}
