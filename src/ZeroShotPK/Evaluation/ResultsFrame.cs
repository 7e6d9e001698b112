using System.Globalization;
using Deedle;
using ZeroShotPK.Data;

namespace ZeroShotPK.Evaluation;

/// <summary>One row of an evaluation's predictions.csv (<see cref="EvaluationCsv.PredictionsHeader"/>), as a frame row.</summary>
/// <param name="Method">METHOD.</param>
/// <param name="Study">DATASET: the study.</param>
/// <param name="Id">ID of the held-out individual.</param>
/// <param name="Time">TIME.</param>
/// <param name="Dv">DV (NaN where the file has "." : the first-dose check rows).</param>
/// <param name="Pred">PRED: the predictive median.</param>
/// <param name="Lo90">LO90.</param>
/// <param name="Hi90">HI90.</param>
/// <param name="Scored">SCORED: counts in the scores.</param>
/// <param name="Flagged">FLAGGED: the method flagged this individual's prediction.</param>
/// <param name="Role">ROLE: "predicted" (held out), "known" or "first-dose" (the checks).</param>
public sealed record ResultRow(string Method, string Study, string Id, double Time, double Dv, double Pred, double Lo90, double Hi90,
    bool Scored, bool Flagged, string Role)
{
    /// <summary>(log DV - log PRED)^2 of a scored row; NaN (missing in a frame) otherwise.</summary>
    public double SquaredLogError => Scored ? Math.Pow(Math.Log(Dv) - Math.Log(Pred), 2) : double.NaN;

    /// <summary>1 when a scored DV lies inside [LO90, HI90], 0 outside; NaN (missing) when not scored.</summary>
    public double Inside90 => Scored ? (Dv >= Lo90 && Dv <= Hi90 ? 1 : 0) : double.NaN;
}

/// <summary>
/// Results of <c>zspk evaluate</c> (one study or a whole benchmark) as Deedle frames: every prediction row keyed by
/// method, study and individual, and the scores, pivots and joins built from them with frame operations.
/// </summary>
/// <remarks>
/// Deedle serves labelled analysis (group, pivot, join by study and method); Microsoft.Data.Analysis serves the columnar
/// event tables of datasets (<see cref="StudyFrame"/>). The scores here follow <see cref="LeaveOneOut.Score"/>: LOG_RMSE is
/// the mean over individuals of each one's RMSE of log concentrations, COVERAGE90 the share of scored observations inside
/// the band.
/// </remarks>
public static class ResultsFrame
{
    /// <summary>
    /// Every predictions.csv of a results folder: the folder's own (one <c>zspk evaluate --data</c> run) or those of its
    /// study subfolders (<c>--benchmark</c>), one frame row per file row, ordinal row keys.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="DatasetFormatException">No predictions.csv, or a file that is not one zspk evaluate wrote (file, line, column named).</exception>
    public static Frame<int, string> Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"results folder '{folder}' does not exist; expected the --out folder of zspk evaluate.");
        var own = Path.Combine(folder, "predictions.csv");
        var files = File.Exists(own)
            ? [own]
            : Directory.GetDirectories(folder).Order(StringComparer.Ordinal).Select(d => Path.Combine(d, "predictions.csv")).Where(File.Exists).ToArray();
        if (files.Length == 0)
            throw new DatasetFormatException(folder, 0, null, "no predictions.csv in the folder or its study subfolders; expected the --out folder of zspk evaluate.");
        return Frame.FromRecords(files.SelectMany(ReadPredictions).ToArray());
    }

    /// <summary>Reads one predictions.csv written by <see cref="EvaluationCsv.WritePredictions"/>.</summary>
    /// <exception cref="DatasetFormatException">Another header, a row with the wrong number of fields or a field that is not a number.</exception>
    public static IReadOnlyList<ResultRow> ReadPredictions(string path)
    {
        using var reader = new StreamReader(path);
        var lines = CsvLines.Read(reader, path);
        var expected = EvaluationCsv.PredictionsHeader.Split(',');
        if (lines.Count == 0 || !lines[0].Fields.SequenceEqual(expected))
            throw new DatasetFormatException(path, lines.Count == 0 ? 0 : lines[0].Number, null,
                $"the header is not that of zspk evaluate's predictions; expected '{EvaluationCsv.PredictionsHeader}'.");
        var rows = new List<ResultRow>(lines.Count - 1);
        foreach (var line in lines.Skip(1))
        {
            var f = line.Fields;
            if (f.Length != expected.Length)
                throw new DatasetFormatException(path, line.Number, null, $"the row has {f.Length} fields; expected {expected.Length}.");
            double Num(int i) => f[i] is "." or "" or "NaN" ? double.NaN
                : double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                : throw new DatasetFormatException(path, line.Number, expected[i], $"'{f[i]}' is not a number; expected a number or '.'.");
            bool Flag(int i) => f[i] switch
            {
                "1" => true,
                "0" => false,
                _ => throw new DatasetFormatException(path, line.Number, expected[i], $"'{f[i]}' is not a flag; expected 0 or 1."),
            };
            rows.Add(new ResultRow(f[0], f[1], f[2], Num(3), Num(4), Num(5), Num(6), Num(7), Flag(8), Flag(9), f[10]));
        }
        return rows;
    }

    /// <summary>The scored held-out rows (ROLE predicted, SCORED 1).</summary>
    public static Frame<int, string> Scored(Frame<int, string> results) =>
        results.Where(kv => kv.Value.GetAs<bool>("Scored") && kv.Value.GetAs<string>("Role") == "predicted").IndexRowsOrdinally();

    /// <summary>Per method, study and held-out individual: LogRmse (RMSE of log concentrations over its scored samples) and Samples.</summary>
    public static Frame<int, string> PerIndividual(Frame<int, string> results) => PerIndividualOfScored(Scored(results));

    private static Frame<int, string> PerIndividualOfScored(Frame<int, string> scored)
    {
        var keys = new[] { "Method", "Study", "Id" };
        var rmse = scored.AggregateRowsBy<double, double>(keys, ["SquaredLogError"], s => Math.Sqrt(s.Mean()));
        var count = scored.AggregateRowsBy<double, double>(keys, ["SquaredLogError"], s => s.KeyCount);
        rmse.RenameColumn("SquaredLogError", "LogRmse");
        rmse.AddColumn("Samples", count.GetColumn<double>("SquaredLogError"));
        return rmse;
    }

    /// <summary>
    /// Per method and study: LogRmse (mean over individuals), Coverage90 (over scored observations), Individuals and
    /// Samples, as in each study's summary.csv.
    /// </summary>
    public static Frame<int, string> Summary(Frame<int, string> results)
    {
        var keys = new[] { "Method", "Study" };
        var scored = Scored(results);
        var perIndividual = PerIndividualOfScored(scored);
        var logRmse = perIndividual.AggregateRowsBy<double, double>(keys, ["LogRmse"], s => s.Mean());
        var individuals = perIndividual.AggregateRowsBy<double, double>(keys, ["LogRmse"], s => s.KeyCount);
        var coverage = scored.AggregateRowsBy<double, double>(keys, ["Inside90"], s => s.Mean());
        var samples = scored.AggregateRowsBy<double, double>(keys, ["Inside90"], s => s.KeyCount);
        // The aggregations share their group order (first appearance), so the rows line up.
        logRmse.AddColumn("Coverage90", coverage.GetColumn<double>("Inside90"));
        logRmse.AddColumn("Individuals", individuals.GetColumn<double>("LogRmse"));
        logRmse.AddColumn("Samples", samples.GetColumn<double>("Inside90"));
        return logRmse;
    }

    /// <summary>A study x method table of one score of <see cref="Summary"/> ("LogRmse", "Coverage90", ...).</summary>
    public static Frame<string, string> Pivot(Frame<int, string> summary, string score) =>
        summary.PivotTable<int, string, string, string, double>("Study", "Method", f => f.GetColumn<double>(score).FirstValue());

    /// <summary>The mean and median over studies of every column of a <see cref="Pivot"/> table, as rows "MEAN" and "MEDIAN".</summary>
    public static Frame<string, string> OverStudies(Frame<string, string> pivot)
    {
        var mean = new SeriesBuilder<string, double>();
        var median = new SeriesBuilder<string, double>();
        foreach (var method in pivot.ColumnKeys)
        {
            var column = pivot.GetColumn<double>(method);
            mean.Add(method, column.Mean());
            median.Add(method, column.Median());
        }
        return Frame.FromRows(new[]
        {
            KeyValuePair.Create("MEAN", (Series<string, double>)mean.Series),
            KeyValuePair.Create("MEDIAN", (Series<string, double>)median.Series),
        });
    }

    /// <summary>
    /// Published figures (a CSV with STUDY, SOURCE, LOG_RMSE, REFERENCE; <c>data/results/published.csv</c>) as a study x
    /// source table, ready to join with a <see cref="Pivot"/> table.
    /// </summary>
    public static Frame<string, string> Published(string path)
    {
        var frame = Frame.ReadCsv(path, hasHeaders: true, inferTypes: true);
        return frame.PivotTable<int, string, string, string, double>("STUDY", "SOURCE", f => f.GetColumn<double>("LOG_RMSE").FirstValue());
    }

    /// <summary>The pivot's studies with the published figures beside them (left join: studies without a published figure keep missing values).</summary>
    public static Frame<string, string> WithPublished(Frame<string, string> pivot, Frame<string, string> published) =>
        pivot.Join(published, JoinKind.Left);
}
