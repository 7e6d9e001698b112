using System.Globalization;
using System.Text;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Training;

/// <summary>Where a pretraining run stands.</summary>
public enum RunStatus
{
    /// <summary>Its checkpoint is at the last step of its schedule.</summary>
    Done,
    /// <summary>Its checkpoint is before the last step (stopped, interrupted or still running; <c>--resume</c> continues it).</summary>
    Stopped,
    /// <summary>No checkpoint manifest yet (failed or not started before its first checkpoint).</summary>
    NoCheckpoint,
}

/// <summary>
/// One pretraining run of a sweep as <c>zspk compare-runs</c> shows it: from the run folder's manifest.json (the last
/// checkpoint: config, prior, seed, step, validation figures, wall time) and loss.csv (the best validation loss logged).
/// </summary>
/// <param name="Directory">The run folder.</param>
/// <param name="Status">Finished, stopped before the end, or no checkpoint.</param>
/// <param name="Config">Config name (null without a checkpoint).</param>
/// <param name="Prior">Prior name (null without a checkpoint).</param>
/// <param name="Seed">Run seed (null without a checkpoint).</param>
/// <param name="Step">Steps done at the last checkpoint (0 without one).</param>
/// <param name="TotalSteps">Steps of the schedule (0 without a checkpoint).</param>
/// <param name="ValidationLoss">Held-out NLL at the last checkpoint (the weights it holds).</param>
/// <param name="ValidationRmse">Held-out log-RMSE at the last checkpoint.</param>
/// <param name="BestValidationLoss">Lowest held-out NLL in loss.csv up to the checkpoint's step (null: none logged).</param>
/// <param name="BestStep">Step of <paramref name="BestValidationLoss"/>.</param>
/// <param name="Hours">Wall-clock training hours up to the last checkpoint (all invocations, resumes included; null without a checkpoint).</param>
public sealed record RunSummary(string Directory, RunStatus Status, string? Config, string? Prior, long? Seed, int Step, int TotalSteps,
    double? ValidationLoss, double? ValidationRmse, double? BestValidationLoss, int? BestStep, double? Hours);

/// <summary>Reads and tabulates the runs of a pretraining sweep (one <c>zspk pretrain --out</c> folder per run).</summary>
public static class RunComparison
{
    /// <summary>Columns of <see cref="ToCsv"/>.</summary>
    public const string CsvHeader = "run,status,config,prior,seed,step,total_steps,val_loss,val_rmse,best_val_loss,best_step,hours";

    /// <summary>Reads run folder <paramref name="directory"/>; a folder without manifest.json is a <see cref="RunStatus.NoCheckpoint"/> row.</summary>
    /// <exception cref="ArgumentException">No such folder, or a manifest or loss.csv that does not parse (one sentence naming the file).</exception>
    public static RunSummary Read(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new ArgumentException($"compare-runs: {directory} is not a folder; expected a run folder written by 'zspk pretrain --out'.");
        if (!Checkpoint.Exists(directory)) return new RunSummary(directory, RunStatus.NoCheckpoint, null, null, null, 0, 0, null, null, null, null, null);
        CheckpointManifest m;
        try { m = Checkpoint.ReadManifest(directory); }
        catch (InvalidOperationException e) { throw new ArgumentException($"compare-runs: {e.Message}"); }
        double? best = null;
        int? bestStep = null;
        var log = Path.Combine(directory, Checkpoint.LossLogFile);
        if (File.Exists(log))
        {
            var lines = File.ReadAllLines(log);
            var header = lines.Length > 0 ? lines[0].Split(',') : [];
            int stepCol = Array.IndexOf(header, "step"), valCol = Array.IndexOf(header, "val_loss");
            if (stepCol < 0 || valCol < 0) throw new ArgumentException($"compare-runs: {log}, line 1: expected a header with step and val_loss (the loss.csv of 'zspk pretrain').");
            for (int i = 1; i < lines.Length; i++)
            {
                if (lines[i].Length == 0) continue;
                var f = lines[i].Split(',');
                if (f.Length <= Math.Max(stepCol, valCol) || !int.TryParse(f[stepCol], NumberStyles.None, CultureInfo.InvariantCulture, out int step))
                    throw new ArgumentException($"compare-runs: {log}, line {i + 1}: expected {header.Length} fields with a whole step number.");
                // Rows past the checkpoint (a run killed between checkpoints) describe weights that were not kept.
                if (step > m.Step || f[valCol].Length == 0) continue;
                if (!double.TryParse(f[valCol], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new ArgumentException($"compare-runs: {log}, line {i + 1}: val_loss '{f[valCol]}' is not a number.");
                if (best is null || v < best) { best = v; bestStep = step; }
            }
        }
        return new RunSummary(directory, m.Step >= m.TotalSteps ? RunStatus.Done : RunStatus.Stopped, m.Config.Name, m.Prior, m.Seed, m.Step, m.TotalSteps,
            m.ValidationLoss, m.ValidationRmse, best, bestStep, m.ElapsedSeconds / 3600);
    }

    /// <summary>
    /// Reads every folder and orders the runs by final validation loss (lowest first; runs without one last, then by folder).
    /// </summary>
    /// <exception cref="ArgumentException">No folder given, or one that <see cref="Read"/> refuses.</exception>
    public static IReadOnlyList<RunSummary> Compare(IEnumerable<string> directories)
    {
        var runs = directories.Select(Read).ToList();
        if (runs.Count == 0) throw new ArgumentException("compare-runs: no run folder given; expected the --out folders of 'zspk pretrain' (e.g. OUT/run-*).");
        return runs.OrderBy(r => r.ValidationLoss is null).ThenBy(r => r.ValidationLoss ?? 0).ThenBy(r => r.Directory, StringComparer.Ordinal).ToList();
    }

    /// <summary>The runs as CSV (<see cref="CsvHeader"/>; numbers round-trip exactly, empty where unknown).</summary>
    public static string ToCsv(IEnumerable<RunSummary> runs)
    {
        static string R(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";
        static string Q(string? s) => s is null ? "" : s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in runs)
            sb.Append(Q(r.Directory)).Append(',').Append(StatusText(r.Status)).Append(',').Append(Q(r.Config)).Append(',').Append(Q(r.Prior)).Append(',')
              .Append(r.Seed?.ToString(CultureInfo.InvariantCulture)).Append(',').Append(r.Step.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.TotalSteps.ToString(CultureInfo.InvariantCulture)).Append(',').Append(R(r.ValidationLoss)).Append(',').Append(R(r.ValidationRmse)).Append(',')
              .Append(R(r.BestValidationLoss)).Append(',').Append(r.BestStep?.ToString(CultureInfo.InvariantCulture)).Append(',').Append(R(r.Hours)).Append('\n');
        return sb.ToString();
    }

    /// <summary>done, stopped or no-checkpoint.</summary>
    public static string StatusText(RunStatus status) => status switch
    {
        RunStatus.Done => "done",
        RunStatus.Stopped => "stopped",
        _ => "no-checkpoint",
    };
}
