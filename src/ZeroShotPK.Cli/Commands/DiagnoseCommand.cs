using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Charts;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Evaluation.Diagnostics;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// zspk diagnose: the diagnostic panel of one method on one dataset (leave-one-out GOF, VPC, coverage; SBC of the
/// empirical-Bayes posterior for nlme; out-of-distribution check for aicmet); writes DIR/diagnostics.html (offline
/// plotly) and DIR/diagnostics.csv (every number, long format).
/// </summary>
internal sealed class DiagnoseCommand : Command<DiagnoseCommand.Settings>
{
    public sealed class Settings : LeaveOneOutSettings
    {
        [CommandOption("--study <NAME>"), Description("Study to diagnose when the file has several (STUDY column).")]
        public string? Study { get; init; }

        [CommandOption("--method <NAME>", true), Description("One of aicmet, aicmet-nocontext, aicmet-tta, aicmet-small, pff, pff-tta, nlme, population, node.")]
        public string Method { get; init; } = "";

        [CommandOption("--sbc-datasets <N>"), Description("Simulated individuals for SBC (nlme); 0 skips it (default 200).")]
        public int SbcDatasets { get; init; } = 200;

        [CommandOption("--virtual-patients <R>"), Description("Replicate sets of virtual individuals for the real-vs-generated classifier AUC (methods with sample draws); 0 skips it (default 10).")]
        public int VirtualPatients { get; init; } = 10;

        public override ValidationResult Validate()
        {
            var v = base.Validate();
            if (!v.Successful) return v;
            if (string.IsNullOrWhiteSpace(Method)) return ValidationResult.Error("--method is required (one method).");
            if (SbcDatasets is < 0 or 1) return ValidationResult.Error($"--sbc-datasets must be 0 (skip) or >= 2, got {SbcDatasets}.");
            if (VirtualPatients is < 0 or > 1000) return ValidationResult.Error($"--virtual-patients must be in 0..1000, got {VirtualPatients}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var estimation = settings.EstimationAlgorithm;
        settings.ApplyThreads();
        var methods = Methods.Parse(settings.Method, !string.IsNullOrEmpty(settings.ResolvedCheckpoint));
        if (methods.Count != 1) throw new ArgumentException($"--method: diagnose takes one method, got '{settings.Method}' ({string.Join(", ", methods)}).");
        string method = methods[0];
        var studies = NonmemCsv.ReadStudies(settings.Data);
        var study = settings.Study is { } name
            ? studies.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"--study: '{name}' is not in {settings.Data} (studies: {string.Join(", ", studies.Select(s => s.Name))}).")
            : studies.Count == 1 ? studies[0]
            : throw new ArgumentException($"{settings.Data} holds {studies.Count} studies ({string.Join(", ", studies.Select(s => s.Name))}); choose one with --study.");

        var predictor = Methods.Create(method, settings.ResolvedCheckpoint, settings.Samples, estimation, device: settings.DeviceChoice);
        DiagnosticReport report = null!;
        try
        {
            ProgressBars.Create("folds")
                .Start(ctx =>
                {
                    int folds = study.Individuals.Count(i => i.Observations.Count > settings.Known);
                    var task = ctx.AddTask($"{method} on {study.Name}", maxValue: Math.Max(folds, 1));
                    var sw = Stopwatch.StartNew();
                    // The library's leave-one-out -> diagnose workflow; SBC and OOD apply where the method declares them.
                    (report, _) = DiagnosticReport.Run(study, predictor, settings.Known, settings.Seed, settings.SbcDatasets, done =>
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        task.Value = done;
                        task.Description = $"{method} on {study.Name} {done}/{folds} ({done / sw.Elapsed.TotalSeconds:F2} ind/s)";
                    }, settings.ThreadCount);
                    task.Value = task.MaxValue;
                });
            var (diagnostics, sbc, ood) = (report.Diagnostics, report.Sbc, report.Ood);

            // Generative check: virtual individuals of the study against the real ones (AICMET paper: AUC 0.58 on real data).
            VirtualPatientResult? vp = null;
            string vpNote = "skipped (--virtual-patients 0).";
            if (settings.VirtualPatients > 0)
            {
                try
                {
                    vp = VirtualPatientCheck.Run(predictor, study, settings.VirtualPatients, settings.Seed);
                    vpNote = $"AUC {vp.Auc:F3} (sd {vp.AucSd:F3}) of a cross-validated logistic classifier, {vp.Individuals} real individuals vs {vp.Replicates} sets of virtual ones (0.5: indistinguishable).";
                }
                catch (ArgumentException ex)
                {
                    vpNote = "not applicable: " + ex.Message;
                }
            }

            // Written into a staging folder that takes --out's place when the run succeeds (OutputGuard).
            var folder = OutputGuard.Folder(settings.Out);
            Directory.CreateDirectory(folder);
            string html = Path.Combine(settings.Out, "diagnostics.html"), csv = Path.Combine(settings.Out, "diagnostics.csv");
            DiagnosticPage.Write(Path.Combine(folder, "diagnostics.html"), report);
            report.WriteCsv(Path.Combine(folder, "diagnostics.csv"));
            string vpCsv = Path.Combine(settings.Out, "virtual_patients.csv");
            EvaluationCsv.WriteAtomic(Path.Combine(folder, "virtual_patients.csv"), "METHOD,DATASET,N_IND,REPLICATES,AUC,AUC_SD,NOTE\n" + (vp is null
                ? $"{method},{study.Name},,,,,\"{vpNote.Replace("\"", "'")}\"\n"
                : System.FormattableString.Invariant($"{method},{study.Name},{vp.Individuals},{vp.Replicates},{vp.Auc:F4},{vp.AucSd:F4},\n")));

            var s = diagnostics.GoodnessOfFit.Summary;
            var table = new Table().AddColumns("method", "dataset", "scored", "BLQ", "log-RMSE", "bias", "coverage 90%", "VPC outside", "SBC min p", "OOD warnings", "virtual-patient AUC");
            table.AddRow(method, study.Name, s.Count.ToString(), s.BlqCount.ToString(), s.MeanIndividualLogRmse.ToString("F4"), s.Bias.ToString("F4"),
                s.Coverage90.ToString("F3"), diagnostics.Vpc?.OutsideCount.ToString() ?? "-", sbc?.MinPValue.ToString("G3") ?? "-", ood?.Reasons.Count.ToString() ?? "-", vp?.Auc.ToString("F3") ?? "-");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"virtual patients: {Markup.Escape(vpNote)}");
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(html)}, {Markup.Escape(csv)} and {Markup.Escape(vpCsv)}");
            return 0;
        }
        finally
        {
            (predictor as IDisposable)?.Dispose();
        }
    }
}
