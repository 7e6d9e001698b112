using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Inference;
using ZeroShotPK.Models.Baselines;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// zspk evaluate: the paper's leave-one-individual-out protocol for one or several methods; writes
/// DIR/predictions.csv and DIR/summary.csv. A file with several studies (STUDY column) is evaluated study by study
/// (each individual is held out of its own study only); summary.csv then also has, per method, a pooled row whose
/// DATASET is the file name without extension. With --benchmark FOLDER every *.csv of the folder is evaluated the same
/// way into DIR/NAME/ and DIR/benchmark.csv holds one row per study and method plus each method's MEAN and MEDIAN over
/// studies; --max-individuals skips a method on studies larger than its limit (a row with the reason is kept).
/// </summary>
internal sealed class EvaluateCommand : Command<EvaluateCommand.Settings>
{
    public sealed class Settings : LeaveOneOutSettings
    {
        [CommandOption("--method <LIST>"), Description("Comma-separated: aicmet, aicmet-nocontext, aicmet-tta, aicmet-small, pff, pff-tta, nlme, population, node, or all (default all).")]
        public string Method { get; init; } = "all";

        [CommandOption("--node-iterations <N>"), Description("Adam iterations of each neural ODE fit (node); fewer is quicker and rougher (default 300).")]
        public int NodeIterations { get; init; } = 300;

        [CommandOption("--benchmark <FOLDER>"), Description("Folder of event CSVs (one study per file, or several with a STUDY column): evaluate every study, write OUT/benchmark.csv and OUT/NAME/ per file. Instead of --data.")]
        public string? Benchmark { get; init; }

        [CommandOption("--max-individuals <LIST>"), Description("METHOD=N,...: skip a method on studies with more than N individuals (e.g. nlme=40,population=40,node=12); a skipped pair keeps a row with the reason in benchmark.csv.")]
        public string? MaxIndividuals { get; init; }

        protected override bool DataRequired => string.IsNullOrWhiteSpace(Benchmark);

        /// <summary>The parsed --max-individuals: limit per method name.</summary>
        /// <exception cref="ArgumentException">An entry that is not METHOD=N with a known method and N &gt;= 1.</exception>
        public IReadOnlyDictionary<string, int> Limits
        {
            get
            {
                var limits = new Dictionary<string, int>();
                foreach (var entry in (MaxIndividuals ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var parts = entry.Split('=', StringSplitOptions.TrimEntries);
                    if (parts.Length != 2 || !Methods.All.Contains(parts[0].ToLowerInvariant())
                        || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1)
                        throw new ArgumentException($"--max-individuals: '{entry}' is not METHOD=N with METHOD one of {string.Join(", ", Methods.All)} and N >= 1.");
                    limits[parts[0].ToLowerInvariant()] = n;
                }
                return limits;
            }
        }

        [CommandOption("--shard <K/N>"), Description("Run shard K of N (0 <= K < N): every N-th (study, held-out individual) from the K-th, with the seeds of the full run; OUT gets the shard's rows and manifest.json, and 'zspk merge' combines the N shard folders into the full run's files.")]
        public string? Shard { get; init; }

        [CommandOption("--nlme-cold"), Description("Fit every NLME fold from scratch (two starting points per structure) instead of warm-starting it from a sub-study fit that excludes the held-out individual.")]
        public bool NlmeCold { get; init; }

        public override ValidationResult Validate()
        {
            var v = base.Validate();
            if (!v.Successful) return v;
            if (NodeIterations < 1 || NodeIterations > 100_000) return ValidationResult.Error($"--node-iterations must be between 1 and 100000, got {NodeIterations}.");
            if (!string.IsNullOrWhiteSpace(Benchmark) && !string.IsNullOrWhiteSpace(Data))
                return ValidationResult.Error("--data and --benchmark exclude each other: evaluate one file, or every file of a folder.");
            if (!string.IsNullOrWhiteSpace(Benchmark) && !Directory.Exists(Benchmark))
                return ValidationResult.Error($"--benchmark {Benchmark}: no such folder.");
            try { _ = Limits; if (Shard is not null) _ = Evaluation.Shard.Parse(Shard); }
            catch (ArgumentException e) { return ValidationResult.Error(e.Message); }
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var estimation = settings.EstimationAlgorithm;
        settings.ApplyThreads();
        var methods = Methods.Parse(settings.Method, !string.IsNullOrEmpty(settings.ResolvedCheckpoint));
        var limits = settings.Limits;
        var benchmark = !string.IsNullOrWhiteSpace(settings.Benchmark);
        var files = benchmark
            ? Directory.GetFiles(settings.Benchmark!, "*.csv").Order(StringComparer.Ordinal).ToArray()
            : [settings.Data];
        if (files.Length == 0) throw new ArgumentException($"--benchmark {settings.Benchmark}: no *.csv file in the folder.");
        // Read every file first, so that a bad file stops the run before hours of fitting.
        var data = files.Select(f => (File: f, Studies: NonmemCsv.ReadStudies(f))).ToArray();
        if (benchmark)
        {
            var dup = data.SelectMany(d => d.Studies).GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null) throw new ArgumentException($"--benchmark {settings.Benchmark}: study '{dup.Key}' appears in more than one file; expected unique study names.");
        }
        // nlme and population share one population fit per fold: the first of them to run pays for it (its SECONDS
        // include the fits; the other's are its sampling only); the split is printed below.
        var predictors = Methods.CreateMany(methods, settings.ResolvedCheckpoint, settings.Samples, estimation,
            new NeuralOdeOptions { Iterations = settings.NodeIterations }, warmStart: !settings.NlmeCold, device: settings.DeviceChoice).ToArray();
        var shard = settings.Shard is null ? null : Shard.Parse(settings.Shard);
        var sharded = shard is null ? null : new ShardCollector(shard, benchmark);
        // A manifest left by an earlier run of this shard goes first: until this run writes its own, the folder is unfinished.
        // Written into a staging folder that takes --out's place when the run succeeds (OutputGuard): never half a folder.
        var outFolder = OutputGuard.Folder(settings.Out);
        var staleManifest = Path.Combine(outFolder, ShardedEvaluation.ManifestFile);
        if (shard is not null && File.Exists(staleManifest)) File.Delete(staleManifest);
        var studySummaries = new List<EvaluationSummary>();
        var skipped = new List<(string Method, string Study, string Reason)>();
        var allWarnings = new List<string>();
        try
        {
            foreach (var (file, studies) in data)
            {
                var outDir = benchmark ? Path.Combine(outFolder, Path.GetFileNameWithoutExtension(file)) : outFolder;
                var (summaries, skips, warnings) = EvaluateFile(file, studies, outDir, predictors, limits, settings, cancellationToken, sharded);
                studySummaries.AddRange(summaries.Where(s => studies.Any(st => st.Name == s.Dataset)));
                skipped.AddRange(skips);
                allWarnings.AddRange(warnings);
                if (!benchmark && sharded is null) PrintSummary(summaries);
            }
        }
        finally
        {
            foreach (var p in predictors) (p as IDisposable)?.Dispose();
        }
        int foldThreads = settings.ThreadCount;
        // Predictors that declare a shared population fit: the fitting time is reported once, in the first one's SECONDS.
        var sharing = predictors.Where(p => p is ISharedPopulationFit).ToArray();
        var shared = sharing.Select(p => ((ISharedPopulationFit)p).Fitter).Distinct().ToArray();
        if (shared.Length == 1 && sharing.Length == 2)
            AnsiConsole.MarkupLine(Markup.Escape($"{sharing[0].Name} and {sharing[1].Name} shared one population fit per fold: {shared[0].FitCount} fits, {shared[0].FitSeconds:F1} s of fitting summed over {foldThreads} thread(s), counted in the SECONDS of {sharing[0].Name} (run first); the other's SECONDS are its MAP and sampling only"));

        // Flagged predictions stay in the scores; their warnings are shown so that nothing is dropped silently.
        foreach (var w in allWarnings.Take(20)) AnsiConsole.MarkupLine($"[yellow]warning[/] {Markup.Escape(w)}");
        if (allWarnings.Count > 20) AnsiConsole.MarkupLine($"[yellow]... and {allWarnings.Count - 20} more warnings (FLAGGED = 1 in predictions.csv)[/]");
        foreach (var (m, s, reason) in skipped) AnsiConsole.MarkupLine($"[yellow]skipped[/] {Markup.Escape(m)} on {Markup.Escape(s)}: {Markup.Escape(reason)}");
        if (sharded is not null)
        {
            // The shard's rows and manifest (written last: a folder without it is a shard that did not finish).
            ShardedEvaluation.WriteRows(Path.Combine(outFolder, ShardedEvaluation.RowsFile), sharded.Rows);
            var checkpoint = methods.Any(m => m.StartsWith("aicmet", StringComparison.Ordinal)) ? settings.ResolvedCheckpoint : null;
            var checkpointFiles = checkpoint is null || !Directory.Exists(checkpoint) ? [] : Directory.GetFiles(checkpoint).Order(StringComparer.Ordinal).ToArray();
            new ShardManifest
            {
                Command = "evaluate", Arguments = ShardRun.Arguments("evaluate"), DataHash = ShardRun.Hash(files.Concat(checkpointFiles)),
                CodeVersion = ShardRun.CodeVersion(), Index = shard!.Index, Count = shard.Count, Items = sharded.Items, ItemsRun = sharded.ItemsRun,
                Benchmark = benchmark, Methods = predictors.Select(p => p.Name).ToArray(), Files = sharded.Files,
                Skipped = skipped.Select(k => new ShardSkip(k.Method, k.Study, k.Reason)).ToArray(), Seconds = sharded.Seconds,
            }.Write(outFolder);
            AnsiConsole.MarkupLine(Markup.Escape($"shard {shard}: ran {sharded.ItemsRun} of {sharded.Items} (study, held-out individual) items; wrote {Path.Combine(settings.Out, ShardedEvaluation.RowsFile)} and {ShardedEvaluation.ManifestFile} (merge all {shard.Count} shard folders with 'zspk merge')"));
        }
        else if (benchmark)
        {
            var rows = BenchmarkTable.Build(studySummaries, skipped);
            var path = Path.Combine(settings.Out, "benchmark.csv");
            BenchmarkTable.Write(Path.Combine(outFolder, "benchmark.csv"), rows);
            var table = new Table().AddColumns("method", "study", "studies", "individuals", "log-RMSE", "coverage 90%", "seconds", "flagged", "known log-RMSE", "early ratio");
            foreach (var r in rows)
                table.AddRow(Markup.Escape(r.Method), Markup.Escape(r.Study), r.Studies.ToString(), BenchmarkTable.Count(r.Individuals), r.LogRmse.ToString("F4"),
                    r.Coverage90.ToString("F3"), r.Seconds.ToString("F2"), BenchmarkTable.Count(r.Flagged), r.KnownLogRmse.ToString("F4"), r.EarlyRatio.ToString("F3"));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)} ({files.Length} files, {studySummaries.Select(s => s.Dataset).Distinct().Count()} studies) and predictions.csv / summary.csv per file under {Markup.Escape(settings.Out)}");
        }
        else
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(Path.Combine(settings.Out, "predictions.csv"))} and summary.csv (skipped = BLQ, DV <= 0 or pre-dose samples, not scored; flagged = held-out individuals whose method reported a problem with its fit, still scored)");
        return 0;
    }

    /// <summary>Runs every predictor on every study of one file and writes its predictions.csv and summary.csv.</summary>
    private static (List<EvaluationSummary> Summaries, List<(string, string, string)> Skipped, List<string> Warnings) EvaluateFile(
        string file, IReadOnlyList<Study> studies, string outDir, IPredictor[] predictors, IReadOnlyDictionary<string, int> limits,
        Settings settings, CancellationToken cancellationToken, ShardCollector? sharded = null)
    {
        // Folds of the NLME methods run in parallel on --threads (default: all cores); torch methods stay sequential.
        int foldThreads = settings.ThreadCount;
        var rows = new List<PredictionRow>();
        var checkRows = new List<PredictionRow>();
        var summaries = new List<EvaluationSummary>();
        var skipped = new List<(string, string, string)>();
        var runs = predictors.ToDictionary(p => p.Name, _ => new List<EvaluationResult>());
        ProgressBars.Create("folds")
            .Start(ctx =>
            {
                foreach (var study in studies)
                {
                // A shard runs the folds it owns; the item numbers (and so the shards) do not depend on the methods.
                var owns = sharded?.Plan(file, study, settings.Known);
                foreach (var p in predictors)
                {
                    if (limits.TryGetValue(p.Name, out var limit) && study.Individuals.Count > limit)
                    {
                        skipped.Add((p.Name, study.Name, $"{study.Individuals.Count} individuals > --max-individuals {p.Name}={limit}"));
                        continue;
                    }
                    // (A study without folds still runs, so that it is refused as in the unsharded run.)
                    if (owns is not null && sharded!.FoldCount > 0 && !Enumerable.Range(0, sharded.FoldCount).Any(owns)) continue;
                    int folds = owns is null ? study.Individuals.Count(i => i.Observations.Count > settings.Known) : Enumerable.Range(0, sharded!.FoldCount).Count(owns);
                    var task = ctx.AddTask($"{p.Name} on {study.Name}", maxValue: Math.Max(folds, 1));
                    var sw = Stopwatch.StartNew();
                    var result = LeaveOneOut.Run(study, p, settings.Known, settings.Seed, done =>
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        task.Value = done;
                        task.Description = $"{p.Name} on {study.Name} {done}/{folds} ({done / sw.Elapsed.TotalSeconds:F2} ind/s)";
                    }, foldThreads, owns);
                    task.Value = task.MaxValue;
                    sharded?.Add(result, p.Name, study.Name);
                    rows.AddRange(result.Rows);
                    checkRows.AddRange(result.CheckRows ?? []);
                    summaries.Add(result.Summary);
                    runs[p.Name].Add(result);
                }
                }
            });
        if (studies.Count > 1)
            foreach (var p in predictors.Where(p => runs[p.Name].Count > 0))
                summaries.Add(LeaveOneOut.Pool(Path.GetFileNameWithoutExtension(file), runs[p.Name]));
        var warnings = runs.Values.SelectMany(r => r).SelectMany(r => (r.Warnings ?? []).Select(w => $"{r.Summary.Method}: {w}")).ToList();
        if (sharded is not null) return (summaries, skipped, warnings);
        Directory.CreateDirectory(outDir);
        EvaluationCsv.WritePredictions(Path.Combine(outDir, "predictions.csv"), rows.Concat(checkRows));
        EvaluationCsv.WriteSummary(Path.Combine(outDir, "summary.csv"), summaries);
        return (summaries, skipped, warnings);
    }

    private static void PrintSummary(IEnumerable<EvaluationSummary> summaries)
    {
        var table = new Table().AddColumns("method", "dataset", "individuals", "log-RMSE", "coverage 90%", "seconds", "scored", "skipped", "flagged", "known log-RMSE", "early ratio");
        foreach (var s in summaries)
            table.AddRow(s.Method, s.Dataset, s.Individuals.ToString(), s.LogRmse.ToString("F4"), s.Coverage90.ToString("F3"),
                s.Seconds.ToString("F2"), s.ObservationsScored.ToString(), s.ObservationsSkipped.ToString(), s.Flagged.ToString(),
                s.KnownLogRmse.ToString("F4"), s.EarlyRatio.ToString("F3"));
        AnsiConsole.Write(table);
    }

    /// <summary>
    /// A shard's bookkeeping: numbers the (study, held-out individual) items in run order over all files, says which folds of
    /// a study this shard owns, and collects its rows and seconds for rows.csv and manifest.json.
    /// </summary>
    private sealed class ShardCollector(Shard shard, bool benchmark)
    {
        private readonly List<ShardFile> _files = [];
        public List<PredictionRow> Rows { get; } = [];
        public List<ShardSeconds> Seconds { get; } = [];
        public IReadOnlyList<ShardFile> Files => _files;
        public long Items { get; private set; }
        public long ItemsRun { get; private set; }
        /// <summary>Folds of the study last planned.</summary>
        public int FoldCount { get; private set; }

        /// <summary>Records the study's folds in the plan and returns which of them this shard runs.</summary>
        public Func<int, bool> Plan(string file, Study study, int known)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (_files.Count == 0 || _files[^1].Name != name)
                _files.Add(new ShardFile(name, benchmark ? name : "", []));
            var folds = study.Individuals.Where(i => i.Observations.Count > known).Select(i => i.Id).ToArray();
            _files[^1] = _files[^1] with { Studies = [.. _files[^1].Studies, new ShardStudy(study.Name, folds)] };
            long first = Items;
            Items += folds.Length;
            FoldCount = folds.Length;
            ItemsRun += Enumerable.Range(0, folds.Length).Count(f => shard.Owns(first + f));
            return f => shard.Owns(first + f);
        }

        public void Add(EvaluationResult result, string method, string study)
        {
            Rows.AddRange(result.Rows);
            Rows.AddRange(result.CheckRows ?? []);
            Seconds.Add(new ShardSeconds(method, study, result.Summary.Seconds));
        }
    }
}
