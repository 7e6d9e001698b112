using System.Globalization;
using Plotly.NET;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Charts;

/// <summary>Charts of a pretraining run, read from the training log (<see cref="Checkpoint.LossLogFile"/>) that <c>zspk pretrain</c> writes into its checkpoint directory.</summary>
public static class TrainingCharts
{
    /// <summary>
    /// Training loss (negative ELBO per scored point) and validation loss (predictive NLL) against the step.
    /// </summary>
    /// <param name="checkpointDirectory">Folder holding loss.csv.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="every">Draw every n-th training row only (a long run logs one row per step); validation rows are all drawn.</param>
    /// <param name="markers">Markers at the points (for short runs).</param>
    /// <exception cref="FileNotFoundException">No loss.csv in the folder.</exception>
    /// <exception cref="FormatException">A missing column or a bad number, naming file, line and column.</exception>
    public static GenericChart LossCurves(string checkpointDirectory, string? title = null, int every = 1, bool markers = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointDirectory);
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "every must be >= 1.");
        var (steps, loss, validation) = ReadLossLog(Path.Combine(checkpointDirectory, Checkpoint.LossLogFile));
        var train = Enumerable.Range(0, steps.Count).Where(i => i % every == 0 || i == steps.Count - 1).ToArray();
        var val = Enumerable.Range(0, steps.Count).Where(i => validation[i] is not null).ToArray();
        var series = new List<ChartSeries>
        {
            new(every > 1 ? $"training: negative ELBO (every {every}th step)" : "training: negative ELBO",
                train.Select(i => steps[i]).ToArray(), train.Select(i => loss[i]).ToArray()),
        };
        if (val.Length > 0)
            series.Add(new ChartSeries("validation: predictive NLL", val.Select(i => steps[i]).ToArray(), val.Select(i => validation[i]!.Value).ToArray()));
        return StatCharts.Lines(series, "step", "loss per scored point", title, markers: markers);
    }

    // Columns by header name (step, loss, val_loss); an empty val_loss is a step without validation.
    private static (List<double> Steps, List<double> Loss, List<double?> Validation) ReadLossLog(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no loss log (a checkpoint directory written by zspk pretrain holds one).", path);
        using var reader = new StreamReader(path);
        var header = (reader.ReadLine() ?? "").Split(',');
        int Col(string name) => Array.IndexOf(header, name) is var c and >= 0 ? c
            : throw new FormatException($"{path}:1: expected a column '{name}' in the header, found '{string.Join(',', header)}'.");
        int cStep = Col("step"), cLoss = Col("loss"), cVal = Col("val_loss");
        var (steps, loss, validation) = (new List<double>(), new List<double>(), new List<double?>());
        int line = 1;
        for (string? row; (row = reader.ReadLine()) is not null;)
        {
            line++;
            if (row.Length == 0) continue;
            var f = row.Split(',');
            double Num(int c) => c < f.Length && double.TryParse(f[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                : throw new FormatException($"{path}:{line}: column {c + 1} ('{header[c]}') should be a number, found '{(c < f.Length ? f[c] : "")}'.");
            steps.Add(Num(cStep));
            loss.Add(Num(cLoss));
            validation.Add(cVal < f.Length && f[cVal].Length > 0 ? Num(cVal) : null);
        }
        if (steps.Count == 0) throw new FormatException($"{path}: the loss log has no rows.");
        return (steps, loss, validation);
    }
}
