using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Forecast;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary>Where the forecaster's checkpoint is: --checkpoint, else the shipped data/checkpoints/pbpk-forecast.</summary>
internal static class ForecastCheckpoints
{
    /// <summary>Name of the shipped forecaster checkpoint under data/checkpoints/.</summary>
    public const string Shipped = "pbpk-forecast";

    public static string Resolve(string? given)
    {
        if (given is not null)
        {
            if (!PbpkForecastCheckpoint.Exists(given))
                throw new FileNotFoundException($"--checkpoint: no forecaster checkpoint in '{given}' (expected a folder written by 'zspk pbpk forecast-train' with manifest.json).");
            return given;
        }
        var env = Environment.GetEnvironmentVariable("ZSPK_DATA");
        var starts = string.IsNullOrEmpty(env) ? new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory } : [];
        if (!string.IsNullOrEmpty(env) && PbpkForecastCheckpoint.Exists(Path.Combine(env, "checkpoints", Shipped))) return Path.Combine(env, "checkpoints", Shipped);
        foreach (var start in starts)
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var p = Path.Combine(dir.FullName, "data", "checkpoints", Shipped);
                if (PbpkForecastCheckpoint.Exists(p)) return p;
            }
        throw new FileNotFoundException($"shipped forecaster 'data/checkpoints/{Shipped}' not found above the working directory or the zspk binary; pass --checkpoint DIR (or set ZSPK_DATA).");
    }
}

/// <summary><c>zspk pbpk forecast</c>: the forecaster's median and 90 % band of a regimen in a species' reference individual, beside the exact profile.</summary>
internal sealed class PbpkForecastCommand : Command<PbpkForecastCommand.Settings>
{
    public sealed class Settings : ThreadSettings
    {
        [CommandOption("--compound <FILE|NAME>", true), Description("A compound JSON file, or a bundled name: diazepam, propranolol, theophylline, midazolam, paracetamol, codeine.")]
        public string? Compound { get; init; }

        [CommandOption("--species <NAME>"), Description("human or rat (default human): the species' reference individual.")]
        public string Species { get; init; } = "human";

        [CommandOption("--dose <AMOUNT[,ROUTE[,DURATION]]>", true), Description("Amount per dose in mg, optionally the route (oral, iv, infusion; default oral) and the infusion duration in h (default 1), e.g. 100 or 50,infusion,2.")]
        public string? Dose { get; init; }

        [CommandOption("--doses <N>"), Description("Number of doses, 1 to 3 (the training regimens) (default 1).")]
        public int Doses { get; init; } = 1;

        [CommandOption("--interval <H>"), Description("Dosing interval in h when --doses > 1 (default 24.0).")]
        public double Interval { get; init; } = 24;

        [CommandOption("--sample <TIME:CONC>"), Description("An observed early sample, time in h and plasma concentration in mg/L (e.g. 1:0.8); repeat up to 3 times. The forecast is conditioned on them (trained with 2-3 samples up to 6 h).")]
        public string[] Samples { get; init; } = [];

        [CommandOption("--out <FILE>", true), Output, Description("Output CSV: time_h, median, lo90, hi90 (mg/L) of the forecast and exact_mg_per_L of the PBPK solver.")]
        public string? Out { get; init; }

        [CommandOption("--checkpoint <DIR>"), Description("Forecaster folder (default the shipped data/checkpoints/pbpk-forecast).")]
        public string? Checkpoint { get; init; }

        [CommandOption(OutputGuard.ForceOption), Description(OutputGuard.ForceHelp)]
        public bool Force { get; init; }

        public override ValidationResult Validate()
        {
            var v = base.Validate();
            if (!v.Successful) return v;
            if (Compound is null) return ValidationResult.Error("--compound: required (a JSON file or diazepam, propranolol, theophylline, midazolam, paracetamol, codeine).");
            if (Out is null) return ValidationResult.Error("--out: required (output CSV).");
            if (Dose is null) return ValidationResult.Error("--dose: required (amount in mg, e.g. 100 or 100,iv or 50,infusion,2).");
            try { ParseDose(Dose); }
            catch (FormatException e) { return ValidationResult.Error(e.Message); }
            if (Doses is < 1 or > PbpkForecastFeatures.MaxDoses) return ValidationResult.Error($"--doses: expected 1 to {PbpkForecastFeatures.MaxDoses} (the regimens the forecaster was trained on), got {Doses}.");
            if (!(Interval > 0)) return ValidationResult.Error($"--interval: expected > 0 h, got {Interval}.");
            if (Samples.Length > PbpkForecastFeatures.MaxObservations) return ValidationResult.Error($"--sample: at most {PbpkForecastFeatures.MaxObservations} observed samples, got {Samples.Length}.");
            foreach (var x in Samples)
            {
                try { ParseSample(x); }
                catch (FormatException e) { return ValidationResult.Error(e.Message); }
            }
            var sp = Species.Trim().ToLowerInvariant();
            if (sp is not ("human" or "rat")) return ValidationResult.Error($"--species: expected human or rat (the species the forecaster was trained on), got '{Species}'.");
            return ValidationResult.Success();
        }
    }

    /// <summary>Parses AMOUNT[,ROUTE[,DURATION]].</summary>
    /// <exception cref="FormatException">The message names the bad part.</exception>
    internal static (double Amount, ForecastRoute Route, double Duration) ParseDose(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length is < 1 or > 3) throw new FormatException($"--dose: expected AMOUNT[,ROUTE[,DURATION]], got '{text}'.");
        if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || !(amount > 0) || !double.IsFinite(amount))
            throw new FormatException($"--dose: expected an amount > 0 mg first, got '{parts[0]}'.");
        var route = parts.Length < 2 ? ForecastRoute.Oral
            : ForecastDose.ParseRoute(parts[1]) ?? throw new FormatException($"--dose: expected the route oral, iv or infusion, got '{parts[1]}'.");
        double duration = 0;
        if (route == ForecastRoute.Infusion)
        {
            duration = 1;
            if (parts.Length == 3 && (!double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out duration) || !(duration > 0) || duration > 24))
                throw new FormatException($"--dose: expected an infusion duration in (0, 24] h, got '{parts[2]}'.");
        }
        else if (parts.Length == 3) throw new FormatException($"--dose: a duration is only for the infusion route, got '{text}'.");
        return (amount, route, duration);
    }

    /// <summary>Parses TIME:CONC (h, mg/L) into (time, ln concentration).</summary>
    /// <exception cref="FormatException">The message names the bad part.</exception>
    internal static (double Time, double LogConcentration) ParseSample(string text)
    {
        var parts = text.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || !(t > 0) || !double.IsFinite(t)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var c) || !(c > 0) || !double.IsFinite(c))
            throw new FormatException($"--sample: expected TIME:CONC with a time > 0 h and a concentration > 0 mg/L, e.g. 1:0.8, got '{text}'.");
        return (t, Math.Log(c));
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        var species = s.Species.Trim().ToLowerInvariant() == "rat" ? ZeroShotPK.Pbpk.Species.Rat : ZeroShotPK.Pbpk.Species.Human;
        var compound = Compound.Resolve(s.Compound!);
        var (amount, route, duration) = ParseDose(s.Dose!);
        var doses = Enumerable.Range(0, s.Doses).Select(i => new ForecastDose(i * s.Interval, amount, route, duration)).ToArray();
        var dir = ForecastCheckpoints.Resolve(s.Checkpoint);
        var (net, manifest) = PbpkForecastCheckpoint.Load(dir);
        using var _net = net;
        foreach (var warning in ForecastPriorBox.ForecastWarnings(compound, species, ForecastPriorBox.For(manifest.Config.Space)))
            AnsiConsole.MarkupLine(Markup.Escape(warning));
        var individual = PbpkForecastFeatures.Reference(species);
        var record = PbpkForecastFeatures.Encode(compound, individual, doses);
        var samples = s.Samples.Select(ParseSample).OrderBy(x => x.Time).ToArray();
        using var batch = samples.Length == 0 ? ForecastBatch.Build([record]) : ForecastBatch.BuildWithSamples([record], [samples]);
        var f = PbpkForecaster.Predict(net, batch)[0];
        var exact = ForecastData.ExactLogProfile(compound, individual, doses, individual);
        var grid = ForecastData.Grid;
        ForecastProfileCsv.Write(s.Out!, grid, f, exact);
        var rmse = PbpkForecastEvaluation.PooledLogRmse(f.LogMean, exact);
        var fc = Enumerable.Range(0, grid.Count).Select(f.Median).ToArray();
        var ec = exact.Select(Math.Exp).ToArray();
        AnsiConsole.MarkupLine($"{Markup.Escape(compound.Name)} in the {species.ToString().ToLowerInvariant()} reference individual ({individual.BodyWeight:G3} kg), " +
            $"{s.Doses} x {amount:G4} mg {route}" + (samples.Length == 0 ? "" : $", {samples.Length} observed sample(s)") + $": forecast Cmax {fc.Max():G3} mg/L, AUC(0.25-48 h) {PbpkForecastEvaluation.Auc(grid, fc):G3} mg h/L; " +
            $"exact Cmax {ec.Max():G3} mg/L, AUC {PbpkForecastEvaluation.Auc(grid, ec):G3} mg h/L; log-RMSE pooled over the grid {rmse:F3}. " +
            $"Checkpoint {Markup.Escape(dir)} (step {manifest.Step}); wrote {grid.Count} rows to {Markup.Escape(s.Out!)}");
        return 0;
    }
}

/// <summary><c>zspk pbpk forecast-eval</c>: the forecaster against the exact solver on held-out compounds.</summary>
internal sealed class PbpkForecastEvalCommand : Command<PbpkForecastEvalCommand.Settings>
{
    public sealed class Settings : ThreadSettings
    {
        [CommandOption("--checkpoint <DIR>"), Description("Forecaster folder (default the shipped data/checkpoints/pbpk-forecast).")]
        public string? Checkpoint { get; init; }

        [CommandOption("--out <FILE>", true), Output, Description("Output text file with the accuracy table.")]
        public string? Out { get; init; }

        [CommandOption(OutputGuard.ForceOption), Description(OutputGuard.ForceHelp)]
        public bool Force { get; init; }

        [CommandOption("--cases <N>"), Description("Held-out cases scored, about half per species (default 2000).")]
        public int Cases { get; init; } = 2000;

        [CommandOption("--space <NAME>"), Description("Compound space of the held-out cases: checkpoint (the one it was trained on, default), original or wide; held-out compound indices are never in training whatever the space.")]
        public string Space { get; init; } = "checkpoint";

        public override ValidationResult Validate()
        {
            var v = base.Validate();
            if (!v.Successful) return v;
            if (Out is null) return ValidationResult.Error("--out: required (output text file).");
            if (Cases < 2) return ValidationResult.Error($"--cases: expected >= 2, got {Cases}.");
            if (Space.Trim().ToLowerInvariant() is not ("checkpoint" or "original" or "wide")) return ValidationResult.Error($"--space: expected checkpoint, original or wide, got '{Space}'.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        var dir = ForecastCheckpoints.Resolve(s.Checkpoint);
        var (net, m) = PbpkForecastCheckpoint.Load(dir);
        using var _net = net;
        var space = s.Space.Trim().ToLowerInvariant() switch
        {
            "wide" => ZeroShotPK.Pbpk.Scaling.CompoundSpace.Wide,
            "original" => new ZeroShotPK.Pbpk.Scaling.CompoundSpace(),
            _ => m.Config.Space,
        };
        var data = new ForecastData((int)m.Seed, m.Config.Compounds, m.Config.Individuals, space);
        var cases = PbpkForecastEvaluation.HeldOutCases(data, s.Cases);
        var rows = PbpkForecastEvaluation.Run(net, cases);
        var sp = space;
        var header = $"PBPK forecaster vs the exact whole-body PBPK solver on held-out compounds ({data.HeldOutCompounds.Count} of {m.Config.Compounds} never in training)\n" +
                     $"held-out compounds drawn from logP [{sp.LogPMin:G3}, {sp.LogPMax:G3}], acid pKa [{sp.AcidPkaMin:G3}, {sp.AcidPkaMax:G3}], base pKa [{sp.BasePkaMin:G3}, {sp.BasePkaMax:G3}], CLint [{sp.ClintMin:G3}, {sp.ClintMax:G3}] mL/min/g" +
                     (space == m.Config.Space ? " (the training space)\n" : " (NOT the checkpoint's training space)\n") +
                     $"checkpoint {m.Features}, step {m.Step}/{m.TotalSteps}, {m.Hours:F2} h training ({m.Threads} thread), seed {m.Seed}; {s.Cases} cases of held-out stream from {PbpkForecastEvaluation.FirstCase}\n" +
                     $"command: zspk {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}";
        var text = PbpkForecastEvaluation.Format(rows, header) + Environment.NewLine + PbpkForecastEvaluation.FormatStrata(PbpkForecastEvaluation.Strata(net, cases));
        ZeroShotPK.Data.AtomicFile.Write(s.Out!, tmp => File.WriteAllText(tmp, text));
        Console.Write(text);
        return 0;
    }
}
