using System.ComponentModel;
using System.Globalization;
using System.Text;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;
using ZeroShotPK.Pbpk;

namespace ZeroShotPK.Cli.Commands;

/// <summary>zspk pbpk simulate: one compound in a species' reference individual with the whole-body model.</summary>
internal sealed class PbpkSimulateCommand : Command<PbpkSimulateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--species <NAME>"), Description("human, rat, mouse, dog or monkey."), DefaultValue("human")]
        public string Species { get; init; } = "human";

        [CommandOption("--compound <FILE|NAME>", true), Description("A compound JSON file, or a bundled name: diazepam, propranolol, theophylline.")]
        public string? Compound { get; init; }

        [CommandOption("--dose <AMOUNT>", true), Description("Amount per dose (mg).")]
        public double? Dose { get; init; }

        [CommandOption("--route <ROUTE>"), Description("oral, iv (bolus) or infusion."), DefaultValue("oral")]
        public string Route { get; init; } = "oral";

        [CommandOption("--duration <H>"), Description("Infusion duration (h), for --route infusion."), DefaultValue(1.0)]
        public double Duration { get; init; } = 1;

        [CommandOption("--doses <N>"), Description("Number of doses."), DefaultValue(1)]
        public int Doses { get; init; } = 1;

        [CommandOption("--interval <H>"), Description("Dosing interval (h) when --doses > 1."), DefaultValue(24.0)]
        public double Interval { get; init; } = 24;

        [CommandOption("--end <H>"), Description("Simulation end time (h)."), DefaultValue(24.0)]
        public double End { get; init; } = 24;

        [CommandOption("--step <H>"), Description("Output grid step (h)."), DefaultValue(0.25)]
        public double Step { get; init; } = 0.25;

        [CommandOption("--kp <METHOD>"), Description("Partition coefficients: rr (Rodgers & Rowland) or pt (Poulin & Theil)."), DefaultValue("rr")]
        public string Kp { get; init; } = "rr";

        [CommandOption("--out <FILE>", true), Description("Output CSV: time, plasma and tissue concentrations, eliminated amounts.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (Compound is null) return ValidationResult.Error("--compound: required (a JSON file or diazepam, propranolol, theophylline).");
            if (Dose is not > 0) return ValidationResult.Error($"--dose: expected an amount > 0, got {Dose?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}.");
            if (Out is null) return ValidationResult.Error("--out: required (output CSV).");
            if (!(Duration > 0)) return ValidationResult.Error($"--duration: expected > 0, got {Duration}.");
            if (Doses < 1) return ValidationResult.Error($"--doses: expected >= 1, got {Doses}.");
            if (!(Interval > 0)) return ValidationResult.Error($"--interval: expected > 0, got {Interval}.");
            if (!(End > 0)) return ValidationResult.Error($"--end: expected > 0, got {End}.");
            if (!(Step > 0) || Step > End) return ValidationResult.Error($"--step: expected in (0, --end], got {Step}.");
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
        var doses = Enumerable.Range(0, s.Doses).Select(i => s.Route.Trim().ToLowerInvariant() switch
        {
            "oral" or "po" => DosingEvent.Oral(i * s.Interval, s.Dose!.Value),
            "iv" or "bolus" => DosingEvent.Bolus(i * s.Interval, s.Dose!.Value),
            "infusion" => DosingEvent.Infusion(i * s.Interval, s.Dose!.Value, s.Duration),
            _ => throw new ArgumentException($"--route: expected oral, iv or infusion, got '{s.Route}'."),
        }).ToArray();
        var physiology = PhysiologyTable.Load(species).Reference();
        var model = new PbpkModel(physiology, compound, method);
        var count = (int)Math.Floor(s.End / s.Step + 1e-9) + 1;
        var times = Enumerable.Range(0, count).Select(i => i * s.Step).ToArray();
        var sol = model.Simulate(doses, times);
        var cp = sol.PlasmaConcentration();

        ZeroShotPK.Data.AtomicFile.Write(s.Out!, tmp =>
        {
            using (var w = new StreamWriter(tmp, false, new UTF8Encoding(false)))
            {
                w.WriteLine("Time_h,Cp_mg_per_L," + string.Join(',', Tissues.All.Select(t => $"C_{t}_mg_per_L")) +
                            ",GutLumen_mg,Unabsorbed_mg,EliminatedHepatic_mg,EliminatedRenal_mg,AucPlasma_mg_h_per_L");
                var tissueC = Tissues.All.Select(sol.TissueConcentration).ToArray();
                string F(double v) => v.ToString("G8", CultureInfo.InvariantCulture);
                for (var i = 0; i < times.Length; i++)
                {
                    var x = sol.Amounts[i];
                    w.WriteLine($"{F(times[i])},{F(cp[i])},{string.Join(',', tissueC.Select(c => F(c[i])))},{F(x[(int)PbpkState.GutLumen])},{F(x[(int)PbpkState.Unabsorbed])},{F(x[(int)PbpkState.EliminatedHepatic])},{F(x[(int)PbpkState.EliminatedRenal])},{F(x[(int)PbpkState.PlasmaAuc])}");
                }
            }
        });

        var kp = new Table().AddColumn("tissue").AddColumn("Kp").AddColumn("V (L)").AddColumn("Q (L/h)");
        foreach (var t in Tissues.All)
            kp.AddRow(t.ToString(), model.Kp[(int)t].ToString("G3", CultureInfo.InvariantCulture), physiology.Volume(t).ToString("G3", CultureInfo.InvariantCulture), physiology.Flow(t).ToString("G3", CultureInfo.InvariantCulture));
        AnsiConsole.Write(kp);
        var iMax = Array.IndexOf(cp, cp.Max());
        var qh = physiology.Flow(Tissue.Liver);
        AnsiConsole.MarkupLine($"{Markup.Escape(compound.Name)} in {species.ToString().ToLowerInvariant()} ({physiology.BodyWeight:G3} kg), Kp {method}: " +
                               $"Vss {model.Vss:G4} L ({model.Vss / physiology.BodyWeight:G3} L/kg), CL {model.PlasmaClearance:G4} L/h, " +
                               $"t1/2 ~ {Math.Log(2) * model.Vss / model.PlasmaClearance:G3} h, oral F = Fa x F_H = {compound.Fa * qh / (qh + model.HepaticExtractionTerm):G3}");
        AnsiConsole.MarkupLine($"Cmax {cp[iMax]:G4} mg/L at {times[iMax]:G4} h; AUC(0-{s.End:G4} h) {sol.Amounts[^1][(int)PbpkState.PlasmaAuc]:G4} mg h/L; wrote {times.Length} rows to {Markup.Escape(s.Out!)}");
        return 0;
    }
}
