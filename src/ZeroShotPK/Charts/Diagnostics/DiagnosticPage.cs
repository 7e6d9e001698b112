using System.Globalization;
using System.Net;
using System.Text;
using Plotly.NET;
using ZeroShotPK.Evaluation.Diagnostics;

namespace ZeroShotPK.Charts;

/// <summary>
/// A standalone, offline HTML page (plotly.js inlined) of a <see cref="DiagnosticReport"/>: summary numbers, the
/// out-of-distribution check, the GOF/VPC/coverage panel, the PIT histogram, the VPC's BLQ fraction when there are
/// BLQ samples, and the SBC rank histograms when SBC applies.
/// </summary>
public static class DiagnosticPage
{
    /// <summary>The page's HTML.</summary>
    public static string ToHtml(DiagnosticReport report)
    {
        var d = report.Diagnostics;
        var s = d.GoodnessOfFit.Summary;
        string title = $"{d.Method} on {report.Dataset}: diagnostics";
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").Append(Enc(title)).Append("</title>\n")
          .Append(ChartPage.PlotlyJsScriptTag())
          .Append("\n<style>body{font-family:sans-serif;background:white;margin:1.5em} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:2px 8px;text-align:right} th{text-align:left}</style>\n")
          .Append("</head><body>\n<h1>").Append(Enc(title)).Append("</h1>\n");
        sb.Append("<p>Leave one individual out: each held-out individual's first ").Append(report.Known)
          .Append(" samples and the rest of the study are given to the method; its later post-dose samples are predicted and scored (BLQ samples shown, not scored).</p>\n");
        sb.Append("<table>\n");
        void Row(string name, string value) => sb.Append("<tr><th>").Append(Enc(name)).Append("</th><td>").Append(Enc(value)).Append("</td></tr>\n");
        Row("observations scored / BLQ", $"{s.Count} / {s.BlqCount}");
        Row("log-RMSE (pooled)", F(s.PooledLogRmse, "F4"));
        Row("log-RMSE (mean over individuals)", F(s.MeanIndividualLogRmse, "F4"));
        Row("bias (mean log residual)", F(s.Bias, "F4"));
        Row("90% interval coverage", F(s.Coverage90, "F3"));
        Row("mean log width of 90% intervals", s.NonPositiveLowerCount == 0 ? F(s.MeanLogIntervalWidth, "F3")
            : $"{F(s.MeanLogIntervalWidth, "F3")} over {s.Count - s.NonPositiveLowerCount} of {s.Count} ({s.NonPositiveLowerCount} with a lower end ≤ 0, additive error, left out)");
        Row("largest |coverage error| over levels", F(d.Coverage.MaxAbsoluteError, "F3"));
        Row("VPC cells outside their band", d.Vpc is { } v ? $"{v.OutsideCount} of {v.Bins.Count * v.Percentiles.Count}" : "no sample trajectories: no VPC");
        Row("SBC", report.Sbc is { } sbc ? $"min p-value {F(sbc.MinPValue, "G3")} ({(sbc.Passes() ? "uniform ranks" : "not uniform")})" : "not applicable");
        Row("out-of-distribution", report.Ood is { } o ? (o.IsOutOfDistribution ? $"{o.Reasons.Count} warning(s)" : "in distribution") : "not applicable");
        sb.Append("</table>\n");
        sb.Append("<p><b>SBC:</b> ").Append(Enc(report.SbcNote)).Append("</p>\n");
        sb.Append("<p><b>Out-of-distribution check:</b> ").Append(Enc(report.OodNote)).Append("</p>\n");
        if (report.Ood is { } ood && (ood.Reasons.Count > 0 || ood.Notes.Count > 0))
        {
            sb.Append("<ul>\n");
            foreach (var r in ood.Reasons) sb.Append("<li><b>warning</b>: ").Append(Enc(r.Message)).Append("</li>\n");
            foreach (var n in ood.Notes) sb.Append("<li>note: ").Append(Enc(n)).Append("</li>\n");
            sb.Append("</ul>\n");
        }
        var charts = new List<GenericChart> { DiagnosticCharts.Panel(d), DiagnosticCharts.PitHistogram(d.GoodnessOfFit) };
        if (d.Vpc is { } vpc && vpc.Lloq is not null) charts.Add(DiagnosticCharts.VpcBlqFraction(vpc, d.Units));
        if (report.Sbc is { } sb2) charts.Add(DiagnosticCharts.SbcHistogram(sb2));
        foreach (var c in charts) sb.Append(ChartPage.ToHtmlFragment(c)).Append('\n');
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>Writes <see cref="ToHtml"/> to <paramref name="path"/> (temp file, then rename).</summary>
    public static void Write(string path, DiagnosticReport report)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        Data.AtomicFile.WriteAllText(full, ToHtml(report));
    }

    private static string Enc(string s) => WebUtility.HtmlEncode(s);

    private static string F(double v, string format) => double.IsNaN(v) ? "n/a" : v.ToString(format, CultureInfo.InvariantCulture);
}
