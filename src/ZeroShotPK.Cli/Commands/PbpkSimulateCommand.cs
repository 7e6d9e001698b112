using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Forecast;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// zspk pbpk simulate: one compound in a species' reference individual with the whole-body model, or (--population) in
/// every individual of a population file written by <c>zspk pbpk population</c>, which --shard K/N splits by individual.
/// </summary>
internal sealed class PbpkSimulateCommand : Command<PbpkSimulateCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("--species <NAME>"), Description("human, rat, mouse, dog or monkey (default human).")]
        public string Species { get; init; } = "human";

        [CommandOption("--compound <FILE|NAME>", true), Description("A compound JSON file, or a bundled name: diazepam, propranolol, theophylline, midazolam, paracetamol, codeine.")]
        public string? Compound { get; init; }

        [CommandOption("--dose <AMOUNT>", true), Description("Amount per dose (mg).")]
        public double? Dose { get; init; }

        [CommandOption("--route <ROUTE>"), Description("oral, iv (bolus) or infusion (default oral).")]
        public string Route { get; init; } = "oral";

        [CommandOption("--duration <H>"), Description("Infusion duration (h), for --route infusion (default 1.0).")]
        public double Duration { get; init; } = 1;

        [CommandOption("--doses <N>"), Description("Number of doses (default 1).")]
        public int Doses { get; init; } = 1;

        [CommandOption("--interval <H>"), Description("Dosing interval (h) when --doses > 1 (default 24.0).")]
        public double Interval { get; init; } = 24;

        [CommandOption("--end <H>"), Description("Simulation end time (h) (default 24.0).")]
        public double End { get; init; } = 24;

        [CommandOption("--step <H>"), Description("Output grid step (h) (default 0.25).")]
        public double Step { get; init; } = 0.25;

        [CommandOption("--kp <METHOD>"), Description("Partition coefficients: rr (Rodgers & Rowland) or pt (Poulin & Theil) (default rr).")]
        public string Kp { get; init; } = "rr";

        [CommandOption("--out <FILE>", true), Output, Description("Output CSV: time, plasma and tissue concentrations, eliminated amounts (with --population: an ID column first, each individual's rows in a block).")]
        public string? Out { get; init; }

        [CommandOption("--population <FILE>"), Description("Simulate every individual of this CSV (written by 'zspk pbpk population' for the same --species) instead of the reference individual.")]
        public string? Population { get; init; }

        [CommandOption("--shard <K/N>"), Description("With --population: simulate shard K of N (individuals K+1, K+1+N, ... of the file) into --out plus --out.manifest.json; 'zspk merge' combines the N shard files into the full run's file.")]
        public string? Shard { get; init; }

        public override ValidationResult Validate()
        {
            if (Compound is null) return ValidationResult.Error("--compound: required (a JSON file or diazepam, propranolol, theophylline, midazolam, paracetamol, codeine).");
            if (Dose is not > 0) return ValidationResult.Error($"--dose: expected an amount > 0, got {Dose?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}.");
            if (Out is null) return ValidationResult.Error("--out: required (output CSV).");
            if (!(Duration > 0)) return ValidationResult.Error($"--duration: expected > 0, got {Duration}.");
            if (Doses < 1) return ValidationResult.Error($"--doses: expected >= 1, got {Doses}.");
            if (!(Interval > 0)) return ValidationResult.Error($"--interval: expected > 0, got {Interval}.");
            if (!(End > 0)) return ValidationResult.Error($"--end: expected > 0, got {End}.");
            if (!(Step > 0) || Step > End) return ValidationResult.Error($"--step: expected in (0, --end], got {Step}.");
            if (Shard is not null)
            {
                try { Evaluation.Shard.Parse(Shard); }
                catch (ArgumentException e) { return ValidationResult.Error(e.Message); }
                if (Population is null) return ValidationResult.Error("--shard: needs --population (the individuals to split); one reference individual is a single simulation.");
            }
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var species = SpeciesNames.Parse(s.Species);
        var compound = Compound.Resolve(s.Compound!);
        var method = s.Kp.Trim().ToLowerInvariant() switch
        {
            "rr" or "rodgersrowland" => PartitionMethod.RodgersRowland,
            "pt" or "poulintheil" => PartitionMethod.PoulinTheil,
            _ => throw new ArgumentException($"--kp: expected rr or pt, got '{s.Kp}'."),
        };
        var route = ForecastDose.ParseRoute(s.Route) ?? throw new ArgumentException($"--route: expected oral, iv or infusion, got '{s.Route}'.");
        var doses = Enumerable.Range(0, s.Doses)
            .Select(i => new ForecastDose(i * s.Interval, s.Dose!.Value, route, route == ForecastRoute.Infusion ? s.Duration : 0).ToEvent()).ToArray();
        var count = (int)Math.Floor(s.End / s.Step + 1e-9) + 1;
        var times = Enumerable.Range(0, count).Select(i => i * s.Step).ToArray();
        if (s.Population is not null) return SimulatePopulation(s, species, compound, method, doses, times, cancellationToken);

        var physiology = PhysiologyTable.Load(species).Reference();
        var model = new PbpkModel(physiology, compound, method);
        var sol = model.Simulate(doses, times);
        var cp = sol.PlasmaConcentration();

        ProfileCsv.Write(s.Out!, sol, times);

        var kp = new Table().AddColumn("tissue").AddColumn("Kp").AddColumn("V (L)").AddColumn("Q (L/h)");
        foreach (var t in Tissues.All)
            kp.AddRow(t.ToString(), model.Kp[(int)t].ToString("G3", CultureInfo.InvariantCulture), physiology.Volume(t).ToString("G3", CultureInfo.InvariantCulture), physiology.Flow(t).ToString("G3", CultureInfo.InvariantCulture));
        AnsiConsole.Write(kp);
        var iMax = Array.IndexOf(cp, cp.Max());
        AnsiConsole.MarkupLine($"{Markup.Escape(compound.Name)} in {species.ToString().ToLowerInvariant()} ({physiology.BodyWeight:G3} kg), Kp {method}: " +
                               $"Vss {model.Vss:G4} L ({model.Vss / physiology.BodyWeight:G3} L/kg), CL {model.PlasmaClearance:G4} L/h, " +
                               $"t1/2 ~ {model.HalfLife:G3} h, oral F = Fa x F_H = {model.OralBioavailability:G3}");
        AnsiConsole.MarkupLine($"Cmax {cp[iMax]:G4} mg/L at {times[iMax]:G4} h; AUC(0-{s.End:G4} h) {sol.Amounts[^1][(int)PbpkState.PlasmaAuc]:G4} mg h/L; wrote {times.Length} rows to {Markup.Escape(s.Out!)}");
        return 0;
    }

    /// <summary>
    /// --population: the compound in every individual of the file (or, with --shard K/N, in individuals K, K+N, ... of it:
    /// an individual's rows depend on nothing else, so the shards' files merge into exactly the full run's file).
    /// </summary>
    private static int SimulatePopulation(Settings s, Species species, Compound compound, PartitionMethod method, DosingEvent[] doses, double[] times, CancellationToken cancel)
    {
        var individuals = PopulationCsv.Read(s.Population!, species);
        var shard = s.Shard is null ? null : Evaluation.Shard.Parse(s.Shard);
        if (shard is not null && shard.Count > individuals.Count)
            throw new ArgumentException($"--shard {s.Shard}: N must be at most the {individuals.Count} individuals of {s.Population}, so that every shard has one.");
        var owned = Enumerable.Range(0, individuals.Count).Where(i => shard?.Owns(i) ?? true).ToArray();
        if (shard is not null && File.Exists(Evaluation.ShardManifest.PathOf(s.Out!))) File.Delete(Evaluation.ShardManifest.PathOf(s.Out!)); // until this run writes its own
        var lines = new string[owned.Length][];
        var cmax = new double[owned.Length];
        var auc = new double[owned.Length];
        ProgressBars.Create("individuals").Start(ctx =>
        {
            var task = ctx.AddTask($"{compound.Name} in {owned.Length} individuals", maxValue: owned.Length);
            Parallel.For(0, owned.Length, new ParallelOptions { CancellationToken = cancel }, j =>
            {
                var (id, physiology) = individuals[owned[j]];
                var sol = new PbpkModel(physiology, compound, method).Simulate(doses, times);
                lines[j] = [.. ProfileCsv.Rows(sol, times)];
                cmax[j] = sol.PlasmaConcentration().Max();
                auc[j] = sol.Amounts[^1][(int)PbpkState.PlasmaAuc];
                task.Increment(1);
            });
        });
        ProfileCsv.WritePopulation(s.Out!, [.. owned.Select(i => individuals[i].Id)], lines);
        if (shard is not null)
            new Evaluation.ShardManifest
            {
                Command = "pbpk simulate", Arguments = ShardRun.Arguments("pbpk", "simulate"),
                DataHash = ShardRun.Hash([s.Population, File.Exists(s.Compound) ? s.Compound : null]), CodeVersion = ShardRun.CodeVersion(),
                Index = shard.Index, Count = shard.Count, Items = individuals.Count, ItemsRun = owned.Length,
            }.Write(Evaluation.ShardManifest.PathOf(s.Out!));
        AnsiConsole.MarkupLine(Markup.Escape($"{compound.Name} in {owned.Length} {species.ToString().ToLowerInvariant()} individuals of {s.Population}" +
                                             (shard is null ? "" : $" (shard {shard} of {individuals.Count})") +
                                             $": median Cmax {Evaluation.BenchmarkTable.Median(cmax):G4} mg/L, median AUC(0-{s.End:G4} h) {Evaluation.BenchmarkTable.Median(auc):G4} mg h/L; wrote {owned.Length * times.Length} rows to {s.Out}"));
        return 0;
    }
}
