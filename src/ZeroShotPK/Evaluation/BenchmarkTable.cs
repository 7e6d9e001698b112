using System.Globalization;
using System.Text;
using ZeroShotPK.Data;

namespace ZeroShotPK.Evaluation;

/// <summary>
/// One row of benchmark.csv: one method on one study, or its MEAN or MEDIAN over the studies it ran on.
/// </summary>
/// <param name="Method">Method name.</param>
/// <param name="Study">Study name, or "MEAN" / "MEDIAN".</param>
/// <param name="Studies">1 for a study row (0 when skipped); the number of studies aggregated for MEAN / MEDIAN.</param>
/// <param name="Individuals">Held-out individuals scored (MEAN / MEDIAN: over studies).</param>
/// <param name="LogRmse">LOG_RMSE of the study's summary.</param>
/// <param name="Coverage90">COVERAGE90.</param>
/// <param name="Seconds">SECONDS.</param>
/// <param name="Flagged">N_FLAGGED.</param>
/// <param name="KnownLogRmse">KNOWN_LOG_RMSE.</param>
/// <param name="EarlyRatio">EARLY_RATIO.</param>
/// <param name="Note">Why a study was skipped for this method; empty otherwise.</param>
public sealed record BenchmarkRow(string Method, string Study, int Studies, double Individuals, double LogRmse, double Coverage90,
    double Seconds, double Flagged, double KnownLogRmse, double EarlyRatio, string Note = "");

/// <summary>
/// The multi-study table of <c>zspk evaluate --benchmark</c>: per method, one row per study in run order, then the MEAN
/// and the MEDIAN of every numeric column over the studies the method ran on (a NaN cell, e.g. a study without an
/// EARLY_RATIO, is left out of its column's mean and median). A skipped study keeps a row with its reason in NOTE.
/// </summary>
public static class BenchmarkTable
{
    /// <summary>Header of benchmark.csv.</summary>
    public const string Header = "METHOD,STUDY,N_STUDIES,N_INDIVIDUALS,LOG_RMSE,COVERAGE90,SECONDS,N_FLAGGED,KNOWN_LOG_RMSE,EARLY_RATIO,NOTE";

    /// <summary>Builds the rows from per-study summaries and the skipped (method, study) pairs.</summary>
    /// <param name="summaries">One summary per method and study (not pooled rows).</param>
    /// <param name="skipped">Method, study and reason of each pair not run.</param>
    public static IReadOnlyList<BenchmarkRow> Build(IReadOnlyList<EvaluationSummary> summaries,
        IReadOnlyList<(string Method, string Study, string Reason)>? skipped = null)
    {
        skipped ??= [];
        var methods = summaries.Select(s => s.Method).Concat(skipped.Select(s => s.Method)).Distinct().ToList();
        var studyOrder = summaries.Select(s => s.Dataset).Concat(skipped.Select(s => s.Study)).Distinct().ToList();
        var rows = new List<BenchmarkRow>();
        foreach (var m in methods)
        {
            var done = new List<BenchmarkRow>();
            foreach (var study in studyOrder)
            {
                if (summaries.FirstOrDefault(s => s.Method == m && s.Dataset == study) is { } s)
                {
                    var row = new BenchmarkRow(m, study, 1, s.Individuals, s.LogRmse, s.Coverage90, s.Seconds, s.Flagged, s.KnownLogRmse, s.EarlyRatio);
                    rows.Add(row);
                    done.Add(row);
                }
                else if (skipped.FirstOrDefault(k => k.Method == m && k.Study == study) is { Method: not null } k)
                    rows.Add(new BenchmarkRow(m, study, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, k.Reason));
            }
            rows.Add(Aggregate(m, "MEAN", done, Mean));
            rows.Add(Aggregate(m, "MEDIAN", done, Median));
        }
        return rows;
    }

    private static BenchmarkRow Aggregate(string method, string name, List<BenchmarkRow> rows, Func<IEnumerable<double>, double> f)
    {
        double Col(Func<BenchmarkRow, double> c) => f(rows.Select(c).Where(v => !double.IsNaN(v)));
        return new BenchmarkRow(method, name, rows.Count, Col(r => r.Individuals), Col(r => r.LogRmse), Col(r => r.Coverage90),
            Col(r => r.Seconds), Col(r => r.Flagged), Col(r => r.KnownLogRmse), Col(r => r.EarlyRatio));
    }

    /// <summary>Arithmetic mean; NaN for no values.</summary>
    public static double Mean(IEnumerable<double> values)
    {
        var v = values.ToArray();
        return v.Length == 0 ? double.NaN : v.Average();
    }

    /// <summary>Median (mean of the two middle values for an even count); NaN for no values.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    /// <summary>Writes the rows to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, IEnumerable<BenchmarkRow> rows)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var r in rows)
            sb.Append(Field(r.Method)).Append(',').Append(Field(r.Study)).Append(',').Append(r.Studies.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(Count(r.Individuals)).Append(',').Append(F(r.LogRmse, "F4")).Append(',').Append(F(r.Coverage90, "F4")).Append(',')
              .Append(F(r.Seconds, "F3")).Append(',').Append(Count(r.Flagged)).Append(',').Append(F(r.KnownLogRmse, "F4")).Append(',')
              .Append(F(r.EarlyRatio, "F4")).Append(',').Append(Field(r.Note)).Append('\n');
        EvaluationCsv.WriteAtomic(path, sb.ToString());
    }

    /// <summary>Reads a benchmark.csv written by <see cref="Write"/> (study rows and the MEAN / MEDIAN rows).</summary>
    /// <exception cref="DatasetFormatException">Another header, a row with the wrong number of fields or a field that is not a number (file, line, column named).</exception>
    public static IReadOnlyList<BenchmarkRow> Read(string path)
    {
        using var reader = new StreamReader(path);
        var lines = CsvLines.Read(reader, path);
        var expected = Header.Split(',');
        if (lines.Count == 0 || !lines[0].Fields.SequenceEqual(expected))
            throw new DatasetFormatException(path, lines.Count == 0 ? 0 : lines[0].Number, null,
                $"the header is not that of zspk evaluate --benchmark; expected '{Header}'.");
        var rows = new List<BenchmarkRow>(lines.Count - 1);
        foreach (var line in lines.Skip(1))
        {
            var f = line.Fields;
            if (f.Length != expected.Length)
                throw new DatasetFormatException(path, line.Number, null, $"the row has {f.Length} fields; expected {expected.Length}.");
            double Num(int i) => f[i] is "NaN" ? double.NaN
                : double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                : throw new DatasetFormatException(path, line.Number, expected[i], $"'{f[i]}' is not a number; expected a number or NaN.");
            var studies = Num(2);
            if (studies < 0 || studies != Math.Round(studies))
                throw new DatasetFormatException(path, line.Number, expected[2], $"'{f[2]}' is not a study count; expected a whole number >= 0.");
            rows.Add(new BenchmarkRow(f[0], f[1], (int)studies, Num(3), Num(4), Num(5), Num(6), Num(7), Num(8), Num(9), f[10]));
        }
        return rows;
    }

    /// <summary>A count as written: whole numbers plain, means with one decimal, NaN as "NaN".</summary>
    public static string Count(double v) => double.IsNaN(v) ? "NaN" : v == Math.Round(v) ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.0", CultureInfo.InvariantCulture);

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    private static string Field(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
}
