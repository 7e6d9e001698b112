using System.Globalization;
using System.Text;

namespace ZeroShotPK.Evaluation;

/// <summary>Writes evaluation tables: predictions.csv and summary.csv (atomically: temp file, then rename).</summary>
public static class EvaluationCsv
{
    /// <summary>Header of predictions.csv.</summary>
    public const string PredictionsHeader = "METHOD,DATASET,ID,TIME,DV,PRED,LO90,HI90,SCORED,FLAGGED,ROLE";

    /// <summary>Header of summary.csv.</summary>
    public const string SummaryHeader = "METHOD,DATASET,N_IND,LOG_RMSE,COVERAGE90,SECONDS,N_SCORED,N_SKIPPED,N_FLAGGED,KNOWN_LOG_RMSE,EARLY_RATIO";

    /// <summary>
    /// Writes one row per prediction: ROLE "predicted" (hidden samples; SCORED = in LOG_RMSE and COVERAGE90), "known" (the K
    /// samples given; SCORED = in KNOWN_LOG_RMSE) and "first-dose" (DV the sample at that time or '.'; SCORED = in EARLY_RATIO).
    /// </summary>
    public static void WritePredictions(string path, IEnumerable<PredictionRow> rows)
    {
        var sb = new StringBuilder(PredictionsHeader).Append('\n');
        foreach (var r in rows)
            sb.Append(Field(r.Method)).Append(',').Append(Field(r.Dataset)).Append(',').Append(Field(r.Id)).Append(',').Append(Num(r.Time)).Append(',').Append(double.IsNaN(r.Dv) && r.Role == PredictionRole.FirstDose ? "." : Num(r.Dv)).Append(',')
              .Append(Num(r.Pred)).Append(',').Append(Num(r.Lo90)).Append(',').Append(Num(r.Hi90)).Append(',').Append(r.Scored ? '1' : '0').Append(',').Append(r.Flagged ? '1' : '0').Append(',').Append(Role(r.Role)).Append('\n');
        WriteAtomic(path, sb.ToString());
    }

    /// <summary>Header of the CSV of one individual's prediction (<see cref="WritePrediction"/>).</summary>
    public const string PredictionHeader = "METHOD,ID,TIME,PRED,LO90,HI90";

    /// <summary>
    /// Writes one individual's prediction, as <c>zspk predict</c> does: one row per query time with the median and the 90%
    /// band, values in G10 (the method and ID as given, unquoted).
    /// </summary>
    public static void WritePrediction(string path, Inference.Prediction prediction, string id)
    {
        var sb = new StringBuilder(PredictionHeader).Append('\n');
        for (var j = 0; j < prediction.Times.Count; j++)
            sb.Append(CultureInfo.InvariantCulture, $"{prediction.Method},{id},{prediction.Times[j]:G10},{prediction.Median[j]:G10},{prediction.Lower90[j]:G10},{prediction.Upper90[j]:G10}\n");
        WriteAtomic(path, sb.ToString());
    }

    /// <summary>Writes one row per method and dataset.</summary>
    public static void WriteSummary(string path, IEnumerable<EvaluationSummary> rows)
    {
        var sb = new StringBuilder(SummaryHeader).Append('\n');
        foreach (var s in rows)
            sb.Append(Field(s.Method)).Append(',').Append(Field(s.Dataset)).Append(',').Append(s.Individuals).Append(',')
              .Append(s.LogRmse.ToString("F4", CultureInfo.InvariantCulture)).Append(',').Append(s.Coverage90.ToString("F4", CultureInfo.InvariantCulture)).Append(',')
              .Append(s.Seconds.ToString("F3", CultureInfo.InvariantCulture)).Append(',').Append(s.ObservationsScored).Append(',').Append(s.ObservationsSkipped).Append(',').Append(s.Flagged).Append(',')
              .Append(s.KnownLogRmse.ToString("F4", CultureInfo.InvariantCulture)).Append(',').Append(s.EarlyRatio.ToString("F4", CultureInfo.InvariantCulture)).Append('\n');
        WriteAtomic(path, sb.ToString());
    }

    /// <summary>Writes <paramref name="text"/> to a temporary file beside <paramref name="path"/>, then renames it.</summary>
    public static void WriteAtomic(string path, string text) => Data.AtomicFile.WriteAllText(path, text);

    private static string Num(double v) => v.ToString("G10", CultureInfo.InvariantCulture);

    /// <summary>The ROLE column's word for <paramref name="role"/>.</summary>
    public static string Role(PredictionRole role) => role switch
    {
        PredictionRole.Predicted => "predicted",
        PredictionRole.Known => "known",
        _ => "first-dose",
    };

    private static string Field(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
}
