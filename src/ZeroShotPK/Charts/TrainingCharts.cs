using System.Globalization;
using Plotly.NET;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Charts;

/// <summary>Charts of a training run, read from the training log (<see cref="Checkpoint.LossLogFile"/>) that <c>zspk pretrain</c> or <c>zspk pbpk forecast-train</c> writes into its checkpoint directory.</summary>
public static class TrainingCharts
{
    /// <summary>
    /// Training and validation loss against the step, from either kind of run's log, told apart by its header: an AICMET
    /// or PFF checkpoint's (training loss the negative ELBO per scored point, validation the predictive NLL) or the PBPK
    /// forecaster's (NLLs of the normalised log concentration, Gaussian or censored at the floor; its validation-only rows have no training loss).
    /// </summary>
    /// <param name="checkpointDirectory">Folder holding loss.csv.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="every">Draw every n-th training row only (a long run logs one row per step); validation rows are all drawn.</param>
    /// <param name="markers">Markers at the points (for short runs).</param>
    /// <exception cref="FileNotFoundException">No loss.csv in the folder.</exception>
    /// <exception cref="FormatException">A header of neither kind or a bad number, naming file, line and column.</exception>
    public static GenericChart LossCurves(string checkpointDirectory, string? title = null, int every = 1, bool markers = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointDirectory);
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "every must be >= 1.");
        var log = ReadLossLog(Path.Combine(checkpointDirectory, Checkpoint.LossLogFile));
        var trained = Enumerable.Range(0, log.Steps.Count).Where(i => log.Loss[i] is not null).ToArray();
        var train = trained.Where((_, j) => j % every == 0 || j == trained.Length - 1).ToArray();
        var val = Enumerable.Range(0, log.Steps.Count).Where(i => log.Validation[i] is not null).ToArray();
        var (trainName, valName, yTitle) = log.Forecaster
            ? ("training: NLL", "validation: NLL", "NLL per point (normalised log conc.)")
            : ("training: negative ELBO", "validation: predictive NLL", "loss per scored point");
        var series = new List<ChartSeries>
        {
            new(every > 1 ? $"{trainName} (every {every}th step)" : trainName,
                train.Select(i => log.Steps[i]).ToArray(), train.Select(i => log.Loss[i]!.Value).ToArray()),
        };
        if (val.Length > 0)
            series.Add(new ChartSeries(valName, val.Select(i => log.Steps[i]).ToArray(), val.Select(i => log.Validation[i]!.Value).ToArray()));
        return StatCharts.Lines(series, "step", yTitle, title, markers: markers);
    }

    // Columns by header name (step, loss, val_loss); an empty loss or val_loss is a step without that figure.
    private static (bool Forecaster, List<double> Steps, List<double?> Loss, List<double?> Validation) ReadLossLog(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no loss log (a checkpoint directory written by zspk pretrain or zspk pbpk forecast-train holds one).", path);
        using var reader = new StreamReader(path);
        var headerLine = reader.ReadLine() ?? "";
        var forecaster = headerLine == Models.Pbpk.PbpkForecastCheckpoint.LossLogHeader;
        if (!forecaster && headerLine != Checkpoint.LossLogHeader)
            throw new FormatException($"{path}:1: expected the header of an AICMET or PFF run ({Checkpoint.LossLogHeader}) or of the PBPK forecaster ({Models.Pbpk.PbpkForecastCheckpoint.LossLogHeader}), found '{headerLine}'.");
        var header = headerLine.Split(',');
        int cStep = Array.IndexOf(header, "step"), cLoss = Array.IndexOf(header, "loss"), cVal = Array.IndexOf(header, "val_loss");
        var (steps, loss, validation) = (new List<double>(), new List<double?>(), new List<double?>());
        int line = 1;
        for (string? row; (row = reader.ReadLine()) is not null;)
        {
            line++;
            if (row.Length == 0) continue;
            var f = row.Split(',');
            double Num(int c) => c < f.Length && double.TryParse(f[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                : throw new FormatException($"{path}:{line}: column {c + 1} ('{header[c]}') should be a number, found '{(c < f.Length ? f[c] : "")}'.");
            double? Optional(int c) => c < f.Length && f[c].Length > 0 ? Num(c) : null;
            steps.Add(Num(cStep));
            // Only the forecaster writes rows without a training loss (its validation before step 1).
            loss.Add(forecaster ? Optional(cLoss) : Num(cLoss));
            validation.Add(Optional(cVal));
        }
        if (steps.Count == 0) throw new FormatException($"{path}: the loss log has no rows.");
        return (forecaster, steps, loss, validation);
    }
}
