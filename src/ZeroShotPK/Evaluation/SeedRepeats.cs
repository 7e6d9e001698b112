using System.Globalization;
using System.Text;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;
using ZeroShotPK.Data;

namespace ZeroShotPK.Evaluation;

/// <summary>
/// One method's benchmark figures over repeated runs that differ only in <c>--seed</c>.
/// </summary>
/// <param name="Method">Method name.</param>
/// <param name="Seeds">Runs (seeds) compared.</param>
/// <param name="Studies">Studies the method ran on in every run.</param>
/// <param name="MeanLogRmse">Mean over runs of the method's MEAN LOG_RMSE (mean over studies).</param>
/// <param name="MeanLogRmseSd">Sample standard deviation of that MEAN over runs.</param>
/// <param name="MeanLogRmseMin">Lowest MEAN of any run.</param>
/// <param name="MeanLogRmseMax">Highest MEAN of any run.</param>
/// <param name="MedianLogRmse">Mean over runs of the MEDIAN LOG_RMSE (median over studies).</param>
/// <param name="MedianLogRmseSd">Sample standard deviation of that MEDIAN over runs.</param>
/// <param name="Coverage90">Mean over runs of the MEDIAN COVERAGE90.</param>
/// <param name="StudySd">Mean over studies of one study's LOG_RMSE standard deviation over runs: how far a single study moves with the seed.</param>
/// <param name="StudySdMax">Largest such per-study standard deviation.</param>
public sealed record SeedSpread(string Method, int Seeds, int Studies, double MeanLogRmse, double MeanLogRmseSd, double MeanLogRmseMin,
    double MeanLogRmseMax, double MedianLogRmse, double MedianLogRmseSd, double Coverage90, double StudySd, double StudySdMax);

/// <summary>
/// One method against the reference method over repeated runs (negative differences: the method has the lower log-RMSE).
/// </summary>
/// <param name="Method">Method name.</param>
/// <param name="Reference">Reference method name.</param>
/// <param name="MeanDifference">Mean over runs of (method MEAN LOG_RMSE - reference MEAN LOG_RMSE), over the studies both ran on.</param>
/// <param name="MeanDifferenceSd">Sample standard deviation of that difference over runs.</param>
/// <param name="SeedsBetter">Runs in which the method's mean is below the reference's.</param>
/// <param name="Seeds">Runs compared.</param>
/// <param name="StudiesBetter">Studies on which the method's run-averaged LOG_RMSE is below the reference's.</param>
/// <param name="Studies">Studies both ran on in every run, ties excluded.</param>
/// <param name="SignTestP">Two-sided sign test of <paramref name="StudiesBetter"/> out of <paramref name="Studies"/> against 1/2.</param>
public sealed record SeedPairing(string Method, string Reference, double MeanDifference, double MeanDifferenceSd, int SeedsBetter, int Seeds,
    int StudiesBetter, int Studies, double SignTestP);

/// <summary>The seed-repeat comparison of a benchmark.</summary>
/// <param name="Runs">Run labels (folders) in the order given.</param>
/// <param name="Reference">The method every other is paired with.</param>
/// <param name="Methods">Spread per method, in the first run's order.</param>
/// <param name="Pairings">Each other method against <paramref name="Reference"/>.</param>
public sealed record SeedRepeatReport(IReadOnlyList<string> Runs, string Reference, IReadOnlyList<SeedSpread> Methods, IReadOnlyList<SeedPairing> Pairings);

/// <summary>
/// How much of a benchmark's ranking is Monte Carlo noise: the same <c>zspk evaluate --benchmark</c> repeated with several
/// <c>--seed</c> values (same data, methods and checkpoints), summarised per method (spread of the mean and median
/// log-RMSE over runs, how far a single study moves) and per method against a reference (mean difference, in how many
/// runs and on how many studies it wins, and a sign test over studies on the run-averaged values).
/// </summary>
public static class SeedRepeats
{
    /// <summary>Reads <c>benchmark.csv</c> of each folder and compares them.</summary>
    /// <param name="folders">Two or more <c>--out</c> folders of <c>zspk evaluate --benchmark</c>.</param>
    /// <param name="reference">Method to pair every other with (default NLME).</param>
    /// <exception cref="ArgumentException">Fewer than two folders, runs with different methods or studies, or no such reference method.</exception>
    /// <exception cref="FileNotFoundException">A folder without benchmark.csv.</exception>
    /// <exception cref="DatasetFormatException">A benchmark.csv that zspk evaluate did not write.</exception>
    public static SeedRepeatReport Load(IReadOnlyList<string> folders, string reference = "nlme")
    {
        var runs = new List<(string, IReadOnlyList<BenchmarkRow>)>();
        foreach (var folder in folders)
        {
            var path = Path.Combine(folder, "benchmark.csv");
            if (!File.Exists(path))
                throw new FileNotFoundException($"no benchmark.csv in '{folder}'; expected the --out folder of zspk evaluate --benchmark.", path);
            runs.Add((folder, BenchmarkTable.Read(path)));
        }
        return Compare(runs, reference);
    }

    /// <summary>Compares benchmark tables of runs that differ only in their seed.</summary>
    /// <param name="runs">Label and rows of each run (two or more).</param>
    /// <param name="reference">Method to pair every other with.</param>
    /// <exception cref="ArgumentException">Fewer than two runs, runs with different methods or studies, or no such reference method.</exception>
    public static SeedRepeatReport Compare(IReadOnlyList<(string Label, IReadOnlyList<BenchmarkRow> Rows)> runs, string reference = "nlme")
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count < 2)
            throw new ArgumentException($"{runs.Count} run(s) given; expected at least two benchmark runs with different seeds.", nameof(runs));
        // Per run: method -> study -> LOG_RMSE of the studies it ran on (skipped studies and MEAN / MEDIAN rows left out).
        var tables = runs.Select(r => StudyRows(r.Rows)).ToList();
        var methods = tables[0].Keys.ToList();
        for (var k = 1; k < runs.Count; k++)
        {
            var other = tables[k];
            if (!other.Keys.Order(StringComparer.Ordinal).SequenceEqual(methods.Order(StringComparer.Ordinal)))
                throw new ArgumentException($"run '{runs[k].Label}' has methods {string.Join(", ", other.Keys)} but run '{runs[0].Label}' has {string.Join(", ", methods)}; expected the same --method list in every run.", nameof(runs));
            foreach (var m in methods)
                if (!other[m].Keys.Order(StringComparer.Ordinal).SequenceEqual(tables[0][m].Keys.Order(StringComparer.Ordinal)))
                    throw new ArgumentException($"method {m} ran on different studies in runs '{runs[0].Label}' and '{runs[k].Label}'; expected the same benchmark folder in every run.", nameof(runs));
        }
        if (!methods.Contains(reference))
            throw new ArgumentException($"reference method '{reference}' is not in the runs; expected one of {string.Join(", ", methods)}.", nameof(reference));

        var spreads = methods.Select(m => Spread(m, tables)).ToList();
        var pairings = methods.Where(m => m != reference).Select(m => Pair(m, reference, tables)).ToList();
        return new SeedRepeatReport(runs.Select(r => r.Label).ToList(), reference, spreads, pairings);
    }

    private static Dictionary<string, Dictionary<string, (double LogRmse, double Coverage)>> StudyRows(IReadOnlyList<BenchmarkRow> rows)
    {
        var byMethod = new Dictionary<string, Dictionary<string, (double, double)>>(StringComparer.Ordinal);
        foreach (var r in rows.Where(r => r.Studies == 1 && r.Study is not "MEAN" and not "MEDIAN" && !double.IsNaN(r.LogRmse)))
        {
            if (!byMethod.TryGetValue(r.Method, out var studies))
                byMethod[r.Method] = studies = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
            studies[r.Study] = (r.LogRmse, r.Coverage90);
        }
        return byMethod;
    }

    private static SeedSpread Spread(string method, List<Dictionary<string, Dictionary<string, (double LogRmse, double Coverage)>>> tables)
    {
        var means = tables.Select(t => BenchmarkTable.Mean(t[method].Values.Select(v => v.LogRmse))).ToArray();
        var medians = tables.Select(t => BenchmarkTable.Median(t[method].Values.Select(v => v.LogRmse))).ToArray();
        var coverage = tables.Select(t => BenchmarkTable.Median(t[method].Values.Select(v => v.Coverage).Where(c => !double.IsNaN(c)))).ToArray();
        var studySds = tables[0][method].Keys.Select(s => tables.Select(t => t[method][s].LogRmse).StandardDeviation()).ToArray();
        return new SeedSpread(method, tables.Count, studySds.Length, means.Average(), means.StandardDeviation(), means.Min(), means.Max(),
            medians.Average(), medians.StandardDeviation(), coverage.Average(), studySds.Average(), studySds.Max());
    }

    private static SeedPairing Pair(string method, string reference, List<Dictionary<string, Dictionary<string, (double LogRmse, double Coverage)>>> tables)
    {
        var shared = tables[0][method].Keys.Where(tables[0][reference].ContainsKey).ToList();
        var differences = tables.Select(t => shared.Average(s => t[method][s].LogRmse - t[reference][s].LogRmse)).ToArray();
        var perStudy = shared.Select(s => tables.Average(t => t[method][s].LogRmse) - tables.Average(t => t[reference][s].LogRmse)).Where(d => d != 0).ToArray();
        var better = perStudy.Count(d => d < 0);
        return new SeedPairing(method, reference, differences.Average(), differences.StandardDeviation(), differences.Count(d => d < 0), tables.Count,
            better, perStudy.Length, SignTest(better, perStudy.Length));
    }

    /// <summary>Two-sided exact sign test: P(X &lt;= min(k, n - k)) doubled, capped at 1, X ~ Binomial(n, 1/2); 1 for n = 0.</summary>
    /// <param name="successes">Successes k.</param>
    /// <param name="trials">Trials n.</param>
    public static double SignTest(int successes, int trials)
    {
        if (trials < 0 || successes < 0 || successes > trials)
            throw new ArgumentOutOfRangeException(nameof(successes), $"{successes} successes of {trials} trials; expected 0 <= successes <= trials.");
        if (trials == 0) return 1.0;
        var tail = Binomial.CDF(0.5, trials, Math.Min(successes, trials - successes));
        return Math.Min(1.0, 2.0 * tail);
    }

    /// <summary>The report as a plain-text table (what <c>zspk compare-seeds</c> prints and writes).</summary>
    public static string Format(SeedRepeatReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"Seed-repeat benchmark: {report.Runs.Count} runs that differ only in --seed ({string.Join(", ", report.Runs)}).\n");
        sb.Append("LOG_RMSE per method: MEAN and MEDIAN over studies, as mean +- sd over runs [min, max of the run means];\n");
        sb.Append("study sd: a single study's sd over runs, averaged over studies (max); coverage: run mean of the median COVERAGE90.\n\n");
        sb.Append(c, $"{"method",-18} {"studies",7} {"mean +- sd",16} {"[min, max]",16} {"median +- sd",16} {"study sd (max)",16} {"coverage",8}\n");
        foreach (var s in report.Methods.OrderBy(s => s.MeanLogRmse))
            sb.Append(c, $"{s.Method,-18} {s.Studies,7} {$"{s.MeanLogRmse:F3} +- {s.MeanLogRmseSd:F3}",16} {$"[{s.MeanLogRmseMin:F3}, {s.MeanLogRmseMax:F3}]",16} {$"{s.MedianLogRmse:F3} +- {s.MedianLogRmseSd:F3}",16} {$"{s.StudySd:F3} ({s.StudySdMax:F3})",16} {s.Coverage90,8:F3}\n");
        sb.Append(c, $"\nAgainst {report.Reference} (difference of MEAN LOG_RMSE, negative = lower than {report.Reference}; studies won on run-averaged values; two-sided sign test):\n\n");
        sb.Append(c, $"{"method",-18} {"difference +- sd",18} {"runs won",9} {"studies won",12} {"sign test p",12}\n");
        foreach (var p in report.Pairings.OrderBy(p => p.MeanDifference))
            sb.Append(c, $"{p.Method,-18} {$"{p.MeanDifference:+0.000;-0.000;0.000} +- {p.MeanDifferenceSd:F3}",18} {$"{p.SeedsBetter}/{p.Seeds}",9} {$"{p.StudiesBetter}/{p.Studies}",12} {p.SignTestP,12:F3}\n");
        return sb.ToString();
    }
}
