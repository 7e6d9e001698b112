using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;
using ZeroShotPK.Data;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Notebooks;

/// <summary>HTML tables for notebooks (and reports): plain tables, no script, no external style.</summary>
public static class HtmlViews
{
    private static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
    private static string E(string s) => WebUtility.HtmlEncode(s);

    /// <summary>One row per individual: doses, total amount, samples, BLQ count, observed Cmax and Tmax.</summary>
    public static string ToHtml(this Study study)
    {
        ArgumentNullException.ThrowIfNull(study);
        var u = study.Units;
        var sb = new StringBuilder();
        sb.Append($"<div><b>{E(study.Name)}</b>: {study.Individuals.Count} individuals, units time {E(u.Time)}, amount {E(u.Amount)}, concentration {E(u.Concentration)}</div>");
        sb.Append("<table><thead><tr><th>ID</th><th>doses</th>")
          .Append($"<th>total dose ({E(u.Amount)})</th><th>samples</th><th>BLQ</th>")
          .Append($"<th>Cmax ({E(u.Concentration)})</th><th>Tmax ({E(u.Time)})</th></tr></thead><tbody>");
        foreach (var ind in study.Individuals)
        {
            var max = ind.Observations.Where(o => !o.IsBlq).MaxBy(o => o.Value);
            sb.Append("<tr><td>").Append(E(ind.Id)).Append("</td><td>").Append(ind.Doses.Count)
              .Append("</td><td>").Append(F(ind.Doses.Sum(d => d.Amount)))
              .Append("</td><td>").Append(ind.Observations.Count)
              .Append("</td><td>").Append(ind.Observations.Count(o => o.IsBlq))
              .Append("</td><td>").Append(max is null ? "" : F(max.Value))
              .Append("</td><td>").Append(max is null ? "" : F(max.Time)).Append("</td></tr>");
        }
        return sb.Append("</tbody></table>").ToString();
    }

    /// <summary>One row per query time: median and 90% interval.</summary>
    public static string ToHtml(this Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var sb = new StringBuilder();
        sb.Append($"<div><b>{E(prediction.Method)}</b> prediction at {prediction.Times.Count} times</div>");
        sb.Append("<table><thead><tr><th>time</th><th>median</th><th>5%</th><th>95%</th></tr></thead><tbody>");
        for (int i = 0; i < prediction.Times.Count; i++)
            sb.Append("<tr><td>").Append(F(prediction.Times[i])).Append("</td><td>").Append(F(prediction.Median[i]))
              .Append("</td><td>").Append(F(prediction.Lower90[i])).Append("</td><td>").Append(F(prediction.Upper90[i]))
              .Append("</td></tr>");
        return sb.Append("</tbody></table>").ToString();
    }
    /// <summary>
    /// A DataFrame with one row per item and one column per public property of <typeparamref name="T"/> (anonymous types
    /// included): numeric properties become double columns, everything else string columns (via ToString).
    /// </summary>
    public static DataFrame ToDataFrame<T>(IEnumerable<T> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var items = rows.ToList();
        var props = typeof(T).GetProperties().Where(p => p.CanRead && p.GetIndexParameters().Length == 0).ToList();
        if (props.Count == 0) throw new ArgumentException($"{typeof(T).Name} has no public properties to tabulate.", nameof(rows));
        var columns = new List<DataFrameColumn>();
        foreach (var p in props)
        {
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (t == typeof(double) || t == typeof(float) || t == typeof(int) || t == typeof(long) || t == typeof(decimal))
                columns.Add(new DoubleDataFrameColumn(p.Name, items.Select(i => p.GetValue(i) is { } v ? (double?)Convert.ToDouble(v, CultureInfo.InvariantCulture) : null)));
            else
                columns.Add(new StringDataFrameColumn(p.Name, items.Select(i => p.GetValue(i) is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : p.GetValue(i)?.ToString())));
        }
        return new DataFrame(columns);
    }

    /// <summary>A DataFrame as an HTML table (numbers to 4 significant digits; at most <paramref name="maxRows"/> rows).</summary>
    public static string ToHtml(this DataFrame frame, int maxRows = 100)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var sb = new StringBuilder("<table><thead><tr>");
        foreach (var c in frame.Columns) sb.Append("<th>").Append(E(c.Name)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        var n = (int)Math.Min(frame.Rows.Count, maxRows);
        for (var r = 0; r < n; r++)
        {
            sb.Append("<tr>");
            foreach (var c in frame.Columns)
            {
                var v = c[r];
                sb.Append("<td>").Append(v switch { null => "", double d => F(d), float f => F(f), IFormattable x => E(x.ToString(null, CultureInfo.InvariantCulture)), _ => E(v.ToString() ?? "") }).Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        if (frame.Rows.Count > n) sb.Append($"<div>({frame.Rows.Count - n} more rows)</div>");
        return sb.ToString();
    }

    /// <summary>
    /// A Deedle frame as an HTML table: row keys in the first column, numbers to 4 significant digits, missing values
    /// blank; at most <paramref name="maxRows"/> rows.
    /// </summary>
    public static string ToHtml<TRow, TCol>(this Deedle.Frame<TRow, TCol> frame, int maxRows = 100)
        where TRow : notnull where TCol : notnull
    {
        ArgumentNullException.ThrowIfNull(frame);
        var sb = new StringBuilder("<table><thead><tr><th></th>");
        foreach (var c in frame.ColumnKeys) sb.Append("<th>").Append(E(c.ToString() ?? "")).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        int shown = 0;
        foreach (var key in frame.RowKeys)
        {
            if (shown++ == maxRows) break;
            sb.Append("<tr><th>").Append(E(key.ToString() ?? "")).Append("</th>");
            var row = frame.GetRow<object>(key);
            foreach (var c in frame.ColumnKeys)
            {
                var v = row.TryGet(c);
                sb.Append("<td>").Append(!v.HasValue ? "" : v.Value switch
                {
                    double d => double.IsNaN(d) ? "" : F(d),
                    float f => F(f),
                    IFormattable x => E(x.ToString(null, CultureInfo.InvariantCulture)),
                    var o => E(o.ToString() ?? ""),
                }).Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        if (frame.RowCount > maxRows) sb.Append($"<div>({frame.RowCount - maxRows} more rows)</div>");
        return sb.ToString();
    }
}
