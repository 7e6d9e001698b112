using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ZeroShotPK.Evaluation;

/// <summary>A study of a sharded evaluation's plan: its name and the ids of its held-out individuals in fold order.</summary>
public sealed record ShardStudy(string Name, IReadOnlyList<string> Folds);

/// <summary>One input file of a sharded evaluation: its output folder (relative to --out; "" for --data) and its studies.</summary>
public sealed record ShardFile(string Name, string OutDir, IReadOnlyList<ShardStudy> Studies);

/// <summary>A method skipped on a study (--max-individuals), with the reason benchmark.csv keeps.</summary>
public sealed record ShardSkip(string Method, string Study, string Reason);

/// <summary>Wall seconds one shard spent on one method and study (SECONDS of the merged summary is their sum).</summary>
public sealed record ShardSeconds(string Method, string Study, double Seconds);

/// <summary>
/// manifest.json of one shard folder: what was run (command, arguments without --shard/--out/--threads, data hash, code
/// version), which shard of how many, and the plan every shard shares (files, studies, held-out individuals in fold
/// order, methods, skipped pairs); written last, so a folder without it is a shard that did not finish.
/// </summary>
public sealed record ShardManifest
{
    /// <summary>Format tag of the file.</summary>
    public const string CurrentFormat = "zspk-shard/1";
    /// <summary>Format tag.</summary>
    public string Format { get; init; } = CurrentFormat;
    /// <summary>The zspk command (e.g. "evaluate").</summary>
    public string Command { get; init; } = "";
    /// <summary>The command's arguments without --shard, --out and --threads (which do not change any result).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];
    /// <summary>SHA-256 of the input files (names and bytes) and of the checkpoint's weights when one is used.</summary>
    public string DataHash { get; init; } = "";
    /// <summary>Version and SHA-256 of the zspk assemblies that ran.</summary>
    public string CodeVersion { get; init; } = "";
    /// <summary>K.</summary>
    public int Index { get; init; }
    /// <summary>N.</summary>
    public int Count { get; init; }
    /// <summary>Work items of the whole job (all shards).</summary>
    public long Items { get; init; }
    /// <summary>Work items this shard ran.</summary>
    public long ItemsRun { get; init; }
    /// <summary>Items per block when the job was sharded by block (see <see cref="Evaluation.Shard.Owns(long, int)"/>); 1 for round robin by item.</summary>
    public int BlockSize { get; init; } = 1;
    /// <summary>Whether the job was evaluate --benchmark (the merge writes benchmark.csv).</summary>
    public bool Benchmark { get; init; }
    /// <summary>Methods in run order.</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];
    /// <summary>Input files in run order.</summary>
    public IReadOnlyList<ShardFile> Files { get; init; } = [];
    /// <summary>Skipped method and study pairs, in run order.</summary>
    public IReadOnlyList<ShardSkip> Skipped { get; init; } = [];
    /// <summary>This shard's wall seconds per method and study it ran.</summary>
    public IReadOnlyList<ShardSeconds> Seconds { get; init; } = [];

    /// <summary>The shard this manifest describes.</summary>
    public Shard Shard => new(Index, Count);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The manifest of a shard: DIR/manifest.json for a shard folder, FILE.manifest.json for a shard file (simulate).</summary>
    public static string PathOf(string shard) => Directory.Exists(shard) ? Path.Combine(shard, ShardedEvaluation.ManifestFile) : shard + "." + ShardedEvaluation.ManifestFile;

    /// <summary>Writes the manifest to <paramref name="path"/> atomically (a folder: its manifest.json).</summary>
    public void Write(string path) => EvaluationCsv.WriteAtomic(Directory.Exists(path) ? Path.Combine(path, ShardedEvaluation.ManifestFile) : path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Reads the manifest of shard folder or file <paramref name="dir"/> (<see cref="PathOf"/>).</summary>
    /// <exception cref="ArgumentException">No manifest, or one that does not parse.</exception>
    public static ShardManifest Read(string dir)
    {
        var path = PathOf(dir);
        if (!Directory.Exists(dir) && !File.Exists(dir)) throw new ArgumentException($"{dir}: no such shard folder or file.");
        if (!File.Exists(path)) throw new ArgumentException($"{dir}: no {Path.GetFileName(path)}; expected a finished shard (a shard writes its manifest last).");
        ShardManifest? m;
        try { m = JsonSerializer.Deserialize<ShardManifest>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new ArgumentException($"{path}: not a shard manifest ({e.Message})."); }
        if (m is null || m.Format != CurrentFormat || m.Count < 1 || m.Index < 0 || m.Index >= m.Count)
            throw new ArgumentException($"{path}: not a {CurrentFormat} manifest with 0 <= index < count.");
        return m;
    }
}

/// <summary>
/// Sharded leave-one-out evaluation: a shard writes its rows at full precision (rows.csv) and its manifest; <see cref="Merge"/>
/// rebuilds predictions.csv, summary.csv and (for --benchmark) benchmark.csv exactly as one run writes them: rows in the
/// run's order (file, study, method, fold), scores recomputed from the full-precision rows with the same arithmetic.
/// SECONDS (summary.csv, benchmark.csv) is the sum of the shards' wall times, so it is the only column that differs from
/// an unsharded run.
/// </summary>
public static class ShardedEvaluation
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestFile = "manifest.json";
    /// <summary>The shard's rows (predictions.csv's columns, numbers round-trip exact).</summary>
    public const string RowsFile = "rows.csv";

    /// <summary>Writes a shard's rows at full precision, atomically.</summary>
    public static void WriteRows(string path, IEnumerable<PredictionRow> rows)
    {
        var sb = new StringBuilder(EvaluationCsv.PredictionsHeader).Append('\n');
        foreach (var r in rows)
            sb.Append(Field(r.Method)).Append(',').Append(Field(r.Dataset)).Append(',').Append(Field(r.Id)).Append(',').Append(R(r.Time)).Append(',').Append(R(r.Dv)).Append(',')
              .Append(R(r.Pred)).Append(',').Append(R(r.Lo90)).Append(',').Append(R(r.Hi90)).Append(',').Append(r.Scored ? '1' : '0').Append(',').Append(r.Flagged ? '1' : '0').Append(',')
              .Append(EvaluationCsv.Role(r.Role)).Append('\n');
        EvaluationCsv.WriteAtomic(path, sb.ToString());
    }

    /// <summary>Reads rows written by <see cref="WriteRows"/>.</summary>
    /// <exception cref="ArgumentException">A line that is not such a row (named by file and line).</exception>
    public static List<PredictionRow> ReadRows(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"{path}: missing; expected the rows of a finished shard.");
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != EvaluationCsv.PredictionsHeader) throw new ArgumentException($"{path}, line 1: expected the header {EvaluationCsv.PredictionsHeader}.");
        var rows = new List<PredictionRow>(lines.Length - 1);
        for (int i = 1; i < lines.Length; i++)
        {
            var f = SplitCsv(lines[i]);
            PredictionRole? role = f.Count == 11 ? f[10] switch { "predicted" => PredictionRole.Predicted, "known" => PredictionRole.Known, "first-dose" => PredictionRole.FirstDose, _ => null } : null;
            double[] v = new double[5];
            bool ok = role is not null && f[8] is "0" or "1" && f[9] is "0" or "1";
            for (int j = 0; ok && j < 5; j++) ok = double.TryParse(f[3 + j], NumberStyles.Float, CultureInfo.InvariantCulture, out v[j]);
            if (!ok) throw new ArgumentException($"{path}, line {i + 1}: expected {EvaluationCsv.PredictionsHeader.Split(',').Length} fields as in the header, with numbers, 0/1 flags and a role.");
            rows.Add(new PredictionRow(f[0], f[2], v[0], v[1], v[2], v[3], v[4], f[8] == "1", f[1], f[9] == "1", role!.Value));
        }
        return rows;
    }

    /// <summary>
    /// Checks that <paramref name="manifests"/> are shards 0..N-1 of one job, each exactly once, with the same command,
    /// arguments, data hash and code version.
    /// </summary>
    /// <exception cref="ArgumentException">The first problem found, in one sentence naming the folders.</exception>
    public static void CheckComplete(IReadOnlyList<(string Dir, ShardManifest Manifest)> manifests)
    {
        if (manifests.Count == 0) throw new ArgumentException("zspk merge: no shard folder given; expected the folders of shards 0/N to N-1/N.");
        var (dir0, m0) = manifests[0];
        foreach (var (dir, m) in manifests.Skip(1))
        {
            string? what = m.Command != m0.Command ? $"the command ('{m0.Command}' and '{m.Command}')"
                : !m.Arguments.SequenceEqual(m0.Arguments) ? $"the arguments ('{string.Join(' ', m0.Arguments)}' and '{string.Join(' ', m.Arguments)}')"
                : m.DataHash != m0.DataHash ? $"the data hash ({m0.DataHash[..Math.Min(12, m0.DataHash.Length)]} and {m.DataHash[..Math.Min(12, m.DataHash.Length)]})"
                : m.CodeVersion != m0.CodeVersion ? $"the code version ({m0.CodeVersion} and {m.CodeVersion})"
                : m.Count != m0.Count ? $"the number of shards ({m0.Count} and {m.Count})"
                : m.BlockSize != m0.BlockSize ? $"the block size ({m0.BlockSize} and {m.BlockSize})"
                : null;
            if (what is not null) throw new ArgumentException($"zspk merge: shard folders {dir0} and {dir} disagree on {what}; expected the shards of one job.");
        }
        var byIndex = manifests.GroupBy(x => x.Manifest.Index).ToDictionary(g => g.Key, g => g.Select(x => x.Dir).ToList());
        var twice = byIndex.Where(kv => kv.Value.Count > 1).OrderBy(kv => kv.Key).FirstOrDefault();
        if (twice.Value is not null) throw new ArgumentException($"zspk merge: shard {twice.Key}/{m0.Count} is given twice ({string.Join(" and ", twice.Value)}); expected each shard once.");
        var missing = Enumerable.Range(0, m0.Count).Where(k => !byIndex.ContainsKey(k)).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"zspk merge: shard{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing.Take(10).Select(k => $"{k}/{m0.Count}"))}{(missing.Length > 10 ? ", ..." : "")} missing; expected all {m0.Count} shards, each once.");
    }

    /// <summary>
    /// Merges the folders of shards 0..N-1 of one <c>zspk evaluate --shard</c> job into <paramref name="outDir"/>: the
    /// predictions.csv and summary.csv of every file (and benchmark.csv for --benchmark) that the unsharded run writes.
    /// </summary>
    /// <returns>The files written.</returns>
    /// <exception cref="ArgumentException">Shards missing, repeated or of different jobs, or a shard's rows that do not match its plan.</exception>
    public static IReadOnlyList<string> Merge(IReadOnlyList<string> shardDirs, string outDir)
    {
        var manifests = shardDirs.Select(d => (Dir: d, Manifest: ShardManifest.Read(d))).ToList();
        CheckComplete(manifests);
        manifests.Sort((a, b) => a.Manifest.Index.CompareTo(b.Manifest.Index));
        var m0 = manifests[0].Manifest;
        if (m0.Command != "evaluate") throw new ArgumentException($"zspk merge: {manifests[0].Dir} is a shard of '{m0.Command}'; this merge reads shards of 'evaluate'.");
        // Rows per (method, study), shards in index order; each shard's rows are in fold order.
        var predicted = new Dictionary<(string, string), List<PredictionRow>>();
        var checks = new Dictionary<(string, string), List<PredictionRow>>();
        foreach (var (dir, _) in manifests)
            foreach (var r in ReadRows(Path.Combine(dir, RowsFile)))
            {
                var into = r.Role == PredictionRole.Predicted ? predicted : checks;
                if (!into.TryGetValue((r.Method, r.Dataset), out var list)) into[(r.Method, r.Dataset)] = list = [];
                list.Add(r);
            }
        var seconds = manifests.SelectMany(x => x.Manifest.Seconds).GroupBy(s => (s.Method, s.Study)).ToDictionary(g => g.Key, g => g.Sum(s => s.Seconds));
        var skipped = m0.Skipped.Select(s => (s.Method, s.Study)).ToHashSet();
        var written = new List<string>();
        var studySummaries = new List<EvaluationSummary>();
        foreach (var file in m0.Files)
        {
            var rows = new List<PredictionRow>();
            var checkRows = new List<PredictionRow>();
            var summaries = new List<EvaluationSummary>();
            var runs = m0.Methods.ToDictionary(m => m, _ => new List<EvaluationResult>());
            foreach (var study in file.Studies)
            {
                var fold = study.Folds.Select((id, f) => (id, f)).ToDictionary(x => x.id, x => x.f);
                foreach (var method in m0.Methods)
                {
                    if (skipped.Contains((method, study.Name))) continue;
                    int FoldOf(PredictionRow r) => fold.TryGetValue(r.Id, out var f) ? f
                        : throw new ArgumentException($"zspk merge: a shard has rows of individual {r.Id} of study {study.Name}, which is not one of its held-out individuals; expected shards of one job.");
                    var p = (predicted.GetValueOrDefault((method, study.Name)) ?? []).OrderBy(FoldOf).ToList();
                    var c = (checks.GetValueOrDefault((method, study.Name)) ?? []).OrderBy(FoldOf).ToList();
                    var have = p.Select(r => r.Id).ToHashSet();
                    var lost = study.Folds.FirstOrDefault(id => !have.Contains(id));
                    if (lost is not null)
                        throw new ArgumentException($"zspk merge: no shard has the predictions of {method} for individual {lost} of study {study.Name}; expected every held-out individual in exactly one shard.");
                    var summary = LeaveOneOut.Score(method, study.Name, p, seconds.GetValueOrDefault((method, study.Name)), c);
                    rows.AddRange(p);
                    checkRows.AddRange(c);
                    summaries.Add(summary);
                    runs[method].Add(new EvaluationResult(p, summary, null, c));
                }
            }
            studySummaries.AddRange(summaries);
            if (file.Studies.Count > 1)
                foreach (var method in m0.Methods.Where(m => runs[m].Count > 0))
                    summaries.Add(LeaveOneOut.Pool(file.Name, runs[method]));
            var dir = Path.Combine(outDir, file.OutDir);
            Directory.CreateDirectory(dir);
            EvaluationCsv.WritePredictions(Path.Combine(dir, "predictions.csv"), rows.Concat(checkRows));
            EvaluationCsv.WriteSummary(Path.Combine(dir, "summary.csv"), summaries);
            written.Add(Path.Combine(dir, "predictions.csv"));
            written.Add(Path.Combine(dir, "summary.csv"));
        }
        if (m0.Benchmark)
        {
            var path = Path.Combine(outDir, "benchmark.csv");
            BenchmarkTable.Write(path, BenchmarkTable.Build(studySummaries, m0.Skipped.Select(s => (s.Method, s.Study, s.Reason)).ToList()));
            written.Add(path);
        }
        return written;
    }

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Field(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";

    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else sb.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(ch);
        }
        fields.Add(sb.ToString());
        return fields;
    }
}
