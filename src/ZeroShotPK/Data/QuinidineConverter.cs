using System.Globalization;
using System.Text;

namespace ZeroShotPK.Data;

/// <summary>
/// Converts R's <c>nlme::Quinidine</c> (long format: Subject, time, conc, dose, interval, then covariates) into a
/// <see cref="Study"/> named "quinidine". A row with <c>dose</c> is an oral dose (mg, CMT 1); with <c>interval</c>
/// it is at steady state (NONMEM SS=1, II=interval). A row with <c>conc</c> is an observation (mg/L, CMT 2). A row
/// with neither records covariates only (EVID 2). Covariates (Age, Weight, glyco, ...) change within subjects and
/// are kept as baseline plus <see cref="Individual.CovariateChanges"/>. The bundled <c>data/quinidine.csv</c> is
/// <c>zspk data convert-quinidine --in data/raw/quinidine_raw.csv --out data/quinidine.csv</c>.
/// </summary>
public static class QuinidineConverter
{
    private static readonly string[] Required = ["Subject", "time", "conc", "dose", "interval"];

    /// <summary>Reads the raw file and returns the study.</summary>
    /// <exception cref="DatasetFormatException">A row that does not follow the rules above.</exception>
    public static Study Convert(string rawPath)
    {
        using var reader = new StreamReader(rawPath, Encoding.UTF8);
        return Convert(reader, rawPath);
    }

    /// <summary>Reads raw rows from <paramref name="reader"/>; <paramref name="sourceName"/> is used in messages.</summary>
    /// <exception cref="DatasetFormatException">A row that does not follow the rules above.</exception>
    public static Study Convert(TextReader reader, string sourceName)
    {
        var lines = CsvLines.Read(reader, sourceName);
        if (lines.Count < 2)
            throw new DatasetFormatException(sourceName, 0, null, "expected a header (Subject, time, conc, dose, interval, covariates) and data rows.");
        var names = lines[0].Fields;
        int Col(string n) => Array.FindIndex(names, h => h.Equals(n, StringComparison.OrdinalIgnoreCase));
        var missing = Required.Where(n => Col(n) < 0).ToList();
        if (missing.Count > 0)
            throw new DatasetFormatException(sourceName, lines[0].Number, null, $"required columns {string.Join(", ", missing)} missing; expected {string.Join(", ", Required)}.");
        int subject = Col("Subject"), time = Col("time"), conc = Col("conc"), dose = Col("dose"), interval = Col("interval");
        var covariateIndex = Enumerable.Range(0, names.Length).Where(i => i != subject && i != time && i != conc && i != dose && i != interval).ToArray();

        var rows = new List<EventRow>(lines.Count - 1);
        foreach (var line in lines.Skip(1))
        {
            var f = line.Fields;
            DatasetFormatException Error(int col, string detail) => new(sourceName, line.Number, names[col], detail);
            double? Number(int col, bool positive)
            {
                if (CsvLines.IsMissing(f[col])) return null;
                if (!double.TryParse(f[col], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                    throw Error(col, $"'{f[col]}' is not a number; expected a number {(positive ? "> 0" : ">= 0")} or '.'.");
                if (positive ? v <= 0 : v < 0) throw Error(col, $"{f[col]} is out of range; expected a number {(positive ? "> 0" : ">= 0")}.");
                return v;
            }

            if (f.Length != names.Length)
                throw new DatasetFormatException(sourceName, line.Number, null, $"{f.Length} fields, expected {names.Length} (one per header column).");
            var id = CsvLines.IsMissing(f[subject]) ? throw Error(subject, "Subject is missing; expected a subject number.") : f[subject];
            var t = Number(time, false) ?? throw Error(time, "time is missing; expected hours since the first dose.");
            var c = Number(conc, false);
            var d = Number(dose, true);
            var ii = Number(interval, true);
            if (c is not null && d is not null) throw Error(dose, "row has both conc and dose; expected one event per row.");
            if (ii is not null && d is null) throw Error(interval, "interval without a dose; expected interval only on dose rows.");
            var covariates = covariateIndex.Select(i => CsvLines.IsMissing(f[i]) ? null : f[i]).ToArray();
            rows.Add(d is not null
                ? new EventRow(line.Number, "quinidine", id, t, RowKind.Dose, covariates)
                    { Dose = new DosingEvent(t, d.Value, Route.Oral, SteadyStateInterval: ii) }
                : c is not null
                    ? new EventRow(line.Number, "quinidine", id, t, RowKind.Observation, covariates) { Observation = new Observation(t, c.Value) }
                    : new EventRow(line.Number, "quinidine", id, t, RowKind.Other, covariates));
        }
        return StudyBuilder.Build(sourceName, rows, covariateIndex.Select(i => names[i]).ToList(),
            new ColumnLabels(names[subject], names[time], names[dose])).Single();
    }

    /// <summary>Converts <paramref name="rawPath"/> and writes the NONMEM-style CSV to <paramref name="outPath"/> (atomically).</summary>
    /// <returns>The converted study.</returns>
    public static Study ConvertFile(string rawPath, string outPath)
    {
        var study = Convert(rawPath);
        NonmemCsv.Write(outPath, [study]);
        return study;
    }
}
