using System.Globalization;
using Microsoft.Data.Analysis;

namespace ZeroShotPK.Data;

/// <summary>
/// A <see cref="Study"/> as a Microsoft.Data.Analysis <see cref="DataFrame"/> and back: one row per event in the
/// NONMEM layout that <see cref="NonmemCsv"/> writes (ID, TIME, DV, AMT, EVID, MDV, CMT, then RATE/DUR, SS/II, BLQ/LLOQ
/// where the study has them, then covariates), so a user can inspect, filter and plot their data with the library's
/// notebook display and Arrow interchange.
/// </summary>
/// <remarks>
/// Both directions go through the CSV writer and the validating reader, so the frame has exactly the file's layout and a
/// frame edited by hand is checked as a file would be (errors name the frame's row as "line N + 1", the header being line 1).
/// NONMEM columns are numeric (null where the file has "."), ID and covariates are text.
/// </remarks>
public static class StudyFrame
{
    private static readonly HashSet<string> Numeric = new(
        ["TIME", "DV", "AMT", "EVID", "MDV", "CMT", "RATE", "DUR", "II", "ADDL", "SS", "LLOQ", "BLQ", "CENS"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The study's event table, one row per reset, dose, observation and covariate change.</summary>
    public static DataFrame ToDataFrame(Study study)
    {
        ArgumentNullException.ThrowIfNull(study);
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        NonmemCsv.Write(writer, [study]);
        var lines = CsvLines.Read(new StringReader(writer.ToString()), study.Name);
        var header = lines[0].Fields;
        var columns = new List<DataFrameColumn>(header.Length);
        for (int c = 0; c < header.Length; c++)
        {
            var name = header[c];
            if (Numeric.Contains(name))
            {
                var col = new DoubleDataFrameColumn(name, lines.Count - 1);
                for (int r = 1; r < lines.Count; r++)
                    col[r - 1] = lines[r].Fields[c] is "." or "" ? null : double.Parse(lines[r].Fields[c], NumberStyles.Float, CultureInfo.InvariantCulture);
                columns.Add(col);
            }
            else
            {
                var col = new StringDataFrameColumn(name, lines.Count - 1);
                for (int r = 1; r < lines.Count; r++) col[r - 1] = lines[r].Fields[c] is "." ? null : lines[r].Fields[c];
                columns.Add(col);
            }
        }
        return new DataFrame(columns);
    }

    /// <summary>Reads an event table (as <see cref="ToDataFrame"/> makes, or edited) back into a study named <paramref name="name"/>.</summary>
    /// <param name="frame">The event table.</param>
    /// <param name="name">The study's name.</param>
    /// <param name="units">The study's units (a frame, like a file, does not carry them); default h, mg, mg/L.</param>
    /// <exception cref="DatasetFormatException">The frame breaks a rule of the NONMEM format (named by row and column), or holds more than one study.</exception>
    public static Study ToStudy(DataFrame frame, string name, Units? units = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        writer.WriteLine(string.Join(",", frame.Columns.Select(c => CsvLines.Quote(c.Name))));
        var cells = new string[frame.Columns.Count];
        for (long r = 0; r < frame.Rows.Count; r++)
        {
            for (int c = 0; c < cells.Length; c++)
            {
                var v = frame.Columns[c][r];
                cells[c] = v switch
                {
                    null => ".",
                    double d => CsvLines.Format(d),
                    float f => CsvLines.Format(f),
                    IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
                    _ => CsvLines.Quote(v.ToString() ?? "."),
                };
            }
            writer.WriteLine(string.Join(",", cells));
        }
        var study = NonmemCsv.ReadStudy(new StringReader(writer.ToString()), name);
        return new Study(name, study.Individuals, units ?? study.Units);
    }
}
