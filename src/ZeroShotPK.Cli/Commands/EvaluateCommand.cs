using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Models.Baselines;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// zspk evaluate: the paper's leave-one-individual-out protocol for one or several methods; writes
/// DIR/predictions.csv and DIR/summary.csv. A file with several studies (STUDY column) is evaluated study by study
/// (each individual is held out of its own study only); summary.csv then also has, per method, a pooled row whose
/// DATASET is the file name without extension.
/// </summary>
internal sealed class EvaluateCommand : Command<EvaluateCommand.Settings>
{
    public sealed class Settings : LeaveOneOutSettings
    {
        [CommandOption("--method <LIST>"), Description("Comma-separated: aicmet, aicmet-nocontext, nlme, population, node, or all."), DefaultValue("all")]
        public string Method { get; init; } = "all";

        [CommandOption("--node-iterations <N>"), Description("Adam iterations of each neural ODE fit (node); fewer is quicker and rougher."), DefaultValue(300)]
        public int NodeIterations { get; init; } = 300;

        [CommandOption("--nlme-cold"), Description("Fit every NLME fold from scratch (two starting points per structure) instead of warm-starting it from a sub-study fit that excludes the held-out individual.")]
        public bool NlmeCold { get; init; }

        public override ValidationResult Validate()
        {
            var v = base.Validate();
            if (!v.Successful) return v;
            if (NodeIterations < 1 || NodeIterations > 100_000) return ValidationResult.Error($"--node-iterations must be between 1 and 100000, got {NodeIterations}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var estimation = settings.EstimationAlgorithm;
        settings.ApplyThreads();
        var methods = Methods.Parse(settings.Method, !string.IsNullOrEmpty(settings.Checkpoint));
        var studies = NonmemCsv.ReadStudies(settings.Data);
        // nlme and population share one population fit per fold: the first of them to run pays for it (its SECONDS
        // include the fits; the other's are its sampling only); the split is printed below.
        var predictors = Methods.CreateMany(methods, settings.Checkpoint, settings.Samples, estimation,
            new NeuralOdeOptions { Iterations = settings.NodeIterations }, warmStart: !settings.NlmeCold).ToArray();
        // Folds of the NLME methods run in parallel on --threads (default: all cores); torch methods stay sequential.
        int foldThreads = settings.Threads ?? Environment.ProcessorCount;
        var rows = new List<PredictionRow>();
        var summaries = new List<EvaluationSummary>();
        var runs = predictors.ToDictionary(p => p.Name, _ => new List<EvaluationResult>());
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                foreach (var study in studies)
                foreach (var p in predictors)
                {
                    int folds = study.Individuals.Count(i => i.Observations.Count > settings.Known);
                    var task = ctx.AddTask($"{p.Name} on {study.Name}", maxValue: Math.Max(folds, 1));
                    var sw = Stopwatch.StartNew();
                    var result = LeaveOneOut.Run(study, p, settings.Known, settings.Seed, done =>
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        task.Value = done;
                        task.Description = $"{p.Name} on {study.Name} {done}/{folds} ({done / sw.Elapsed.TotalSeconds:F2} ind/s)";
                    }, foldThreads);
                    task.Value = task.MaxValue;
                    rows.AddRange(result.Rows);
                    summaries.Add(result.Summary);
                    runs[p.Name].Add(result);
                }
            });
        foreach (var p in predictors) (p as IDisposable)?.Dispose();
        var shared = predictors.OfType<NlmePredictor>().Select(p => p.Fitter).Concat(predictors.OfType<PopulationPredictor>().Select(p => p.Fitter)).Distinct().ToArray();
        var sharedNote = shared.Length == 1 && predictors.Count(p => p is NlmePredictor or PopulationPredictor) == 2
            ? $"nlme and population shared one population fit per fold: {shared[0].FitCount} fits, {shared[0].FitSeconds:F1} s of fitting summed over {foldThreads} thread(s), counted in the SECONDS of {predictors.First(p => p is NlmePredictor or PopulationPredictor).Name} (run first); the other's SECONDS are its MAP and sampling only"
            : null;
        if (studies.Count > 1)
            foreach (var p in predictors) summaries.Add(LeaveOneOut.Pool(Path.GetFileNameWithoutExtension(settings.Data), runs[p.Name]));
        Directory.CreateDirectory(settings.Out);
        EvaluationCsv.WritePredictions(Path.Combine(settings.Out, "predictions.csv"), rows);
        EvaluationCsv.WriteSummary(Path.Combine(settings.Out, "summary.csv"), summaries);

        var table = new Table().AddColumns("method", "dataset", "individuals", "log-RMSE", "coverage 90%", "seconds", "scored", "skipped", "flagged");
        foreach (var s in summaries)
            table.AddRow(s.Method, s.Dataset, s.Individuals.ToString(), s.LogRmse.ToString("F4"), s.Coverage90.ToString("F3"),
                s.Seconds.ToString("F2"), s.ObservationsScored.ToString(), s.ObservationsSkipped.ToString(), s.Flagged.ToString());
        AnsiConsole.Write(table);
        // Flagged predictions stay in the scores; their warnings are shown so that nothing is dropped silently.
        var warnings = runs.Values.SelectMany(r => r).SelectMany(r => (r.Warnings ?? []).Select(w => $"{r.Summary.Method}: {w}")).ToArray();
        foreach (var w in warnings.Take(20)) AnsiConsole.MarkupLine($"[yellow]warning[/] {Markup.Escape(w)}");
        if (warnings.Length > 20) AnsiConsole.MarkupLine($"[yellow]... and {warnings.Length - 20} more warnings (FLAGGED = 1 in predictions.csv)[/]");
        if (sharedNote is not null) AnsiConsole.MarkupLine(Markup.Escape(sharedNote));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(Path.Combine(settings.Out, "predictions.csv"))} and summary.csv (skipped = BLQ, DV <= 0 or pre-dose samples, not scored; flagged = held-out individuals whose method reported a problem with its fit, still scored)");
        return 0;
    }
}
