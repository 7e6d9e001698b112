using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Evaluation.Diagnostics;
using ZeroShotPK.Inference;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Cli.Commands;

/// <summary>zspk predict: predicts one individual of a study from the rest of the study and its first K samples.</summary>
internal sealed class PredictCommand : Command<PredictCommand.Settings>
{
    public sealed class Settings : StudySettings
    {
        [CommandOption("--id <ID>", true), Description("Individual to predict; the others are the context.")]
        public string Id { get; init; } = "";

        [CommandOption("--times <A:STEP:B>", true), Description("Query times from A to B in steps of STEP.")]
        public string Times { get; init; } = "";

        [CommandOption("--out <FILE>", true), Output, Description("Output CSV: METHOD,ID,TIME,PRED,LO90,HI90.")]
        public string Out { get; init; } = "";

        [CommandOption(OutputGuard.ForceOption), Description(OutputGuard.ForceHelp)]
        public bool Force { get; init; }

        [CommandOption("--method <NAME>"), Description("One of aicmet, aicmet-nocontext, aicmet-tta, aicmet-small, pff, pff-tta, nlme, population, node (default aicmet).")]
        public string Method { get; init; } = "aicmet";

        public override ValidationResult Validate()
        {
            var v = base.Validate();
            if (!v.Successful) return v;
            if (string.IsNullOrWhiteSpace(Id)) return ValidationResult.Error("--id is required.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required (an output CSV).");
            return ValidationResult.Success();
        }
    }

    /// <summary>Parses "a:step:b" into a, a + step, ..., up to b inclusive.</summary>
    /// <exception cref="FormatException">Not three numbers, step &lt;= 0, or b &lt; a.</exception>
    internal static double[] ParseTimes(string spec)
    {
        var parts = spec.Split(':');
        var nums = new double[parts.Length];
        if (parts.Length != 3 || !parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out nums[i])).All(ok => ok))
            throw new FormatException($"--times: expected a:step:b (three numbers), got '{spec}'.");
        double a = nums[0], step = nums[1], b = nums[2];
        if (!(step > 0) || !(b >= a)) throw new FormatException($"--times: expected step > 0 and b >= a, got '{spec}'.");
        int n = (int)Math.Floor((b - a) / step + 1e-9) + 1;
        if (n > 100_000) throw new FormatException($"--times: '{spec}' gives {n} times; at most 100000.");
        return Enumerable.Range(0, n).Select(i => a + i * step).ToArray();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var times = ParseTimes(settings.Times);
        settings.ApplyThreads();
        var methods = Methods.Parse(settings.Method, true);
        if (methods.Count != 1)
            throw new ArgumentException($"--method {settings.Method}: predict runs one method, got {methods.Count} ({string.Join(", ", methods)}); expected one name (zspk evaluate compares several).");
        var method = methods[0];
        var study = NonmemCsv.ReadStudy(settings.Data);
        var target = study[settings.Id];
        // A prediction needs a dose to start from and means nothing before it: refuse rather than print a number.
        if (target.Doses.Count == 0)
            throw new ArgumentException($"{settings.Data}: individual {settings.Id} has no dose; expected at least one dosing row (AMT > 0) to predict from.");
        double firstDose = target.Doses.Min(d => d.Time);
        if (times[0] < firstDose)
            throw new ArgumentException($"--times {settings.Times}: starts at {times[0].ToString("G6", CultureInfo.InvariantCulture)}, before individual {settings.Id}'s first dose at {firstDose.ToString("G6", CultureInfo.InvariantCulture)}; expected times from the first dose on.");
        var revealed = target.WithFirstObservations(settings.Known);
        if (Methods.NeedsCheckpoint(method) && string.IsNullOrEmpty(settings.ResolvedCheckpoint))
            throw new ArgumentException($"method '{method}' needs a pretrained AICMET model: pass --checkpoint DIR (the shipped data/checkpoints/{ShippedModels.Default} " +
                "was not found above the working directory or the zspk binary; set ZSPK_DATA to the repository's data folder).");
        var predictor = Methods.Create(method, settings.ResolvedCheckpoint, device: settings.DeviceChoice);
        if (predictor.TrainingCheckpoint is { } checkpoint)
        {
            // Zero-shot is only trustworthy inside the training prior: say so before predicting.
            var report = OodReference.ForCheckpoint(checkpoint).Check(study);
            AnsiConsole.MarkupLine(report.IsOutOfDistribution
                ? $"[yellow]warning:[/] {Markup.Escape(report.ToString())}"
                : $"in distribution of the checkpoint's training prior ({Markup.Escape(report.ToString())})");
        }
        var p = predictor.Predict(study.Without(settings.Id), revealed, times, settings.Seed);
        EvaluationCsv.WritePrediction(settings.Out, p, settings.Id);
        AnsiConsole.MarkupLine($"{Markup.Escape(p.Method)}: {times.Length} times for individual {Markup.Escape(settings.Id)} ({revealed.Observations.Count} known, {study.Individuals.Count - 1} in context) -> {Markup.Escape(settings.Out)}");
        return 0;
    }
}
