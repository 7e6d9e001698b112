using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Statistics;
using ZeroShotPK.Analysis;
using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>
/// NCA-style summary features of one individual, the axes on which a study is compared with the training prior.
/// Times are in the study's time unit, amounts and concentrations in its units.
/// </summary>
public static class OodFeatures
{
    /// <summary>Feature names, in vector order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["LogCmaxPerDose", "Tmax", "LogLambdaZ", "SampleCount", "Horizon", "LogDose"];

    /// <summary>
    /// Feature vector: ln(Cmax / total dose), Tmax, ln λz (NaN when not estimable), number of samples, last sampling
    /// time, ln(total dose).
    /// </summary>
    /// <exception cref="ArgumentException">No dose, or no quantified observation.</exception>
    public static double[] Compute(Individual individual)
    {
        double dose = individual.Doses.Sum(d => d.Amount);
        if (!(dose > 0)) throw new ArgumentException($"individual '{individual.Id}' has no dose; OOD features need the amount given.", nameof(individual));
        var nca = Nca.Compute(individual);
        return
        [
            Math.Log(nca.Cmax / dose), nca.Tmax, nca.TerminalPoints > 0 ? Math.Log(nca.LambdaZ) : double.NaN,
            individual.Observations.Count, individual.Observations[^1].Time, Math.Log(dose),
        ];
    }

    internal static string Describe(string name, double value, Units u) => name switch
    {
        "LogCmaxPerDose" => $"Cmax/dose = {Fmt(Math.Exp(value))} ({u.Concentration} per {u.Amount})",
        "Tmax" => $"Tmax = {Fmt(value)} {u.Time}",
        "LogLambdaZ" => $"terminal slope λz = {Fmt(Math.Exp(value))} 1/{u.Time} (half-life {Fmt(Math.Log(2) / Math.Exp(value))} {u.Time})",
        "SampleCount" => $"number of samples = {Fmt(value)}",
        "Horizon" => $"sampling horizon = {Fmt(value)} {u.Time}",
        "LogDose" => $"dose = {Fmt(Math.Exp(value))} {u.Amount}",
        _ => $"{name} = {Fmt(value)}",
    };

    internal static string Natural(string name, double value) => name.StartsWith("Log", StringComparison.Ordinal) ? Fmt(Math.Exp(value)) : Fmt(value);

    private static string Fmt(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}

/// <summary>Reference range of one feature over the training prior's sample.</summary>
/// <param name="Name">Feature name (see <see cref="OodFeatures.Names"/>).</param>
/// <param name="Lower">Lower quantile (default 0.5%).</param>
/// <param name="Median">Median.</param>
/// <param name="Upper">Upper quantile (default 99.5%).</param>
/// <param name="Count">Individuals with this feature defined.</param>
public sealed record OodFeatureRange(string Name, double Lower, double Median, double Upper, int Count);

/// <summary>Why a study looks out of distribution.</summary>
/// <param name="IndividualId">Individual concerned.</param>
/// <param name="Feature">Feature name, or "Mahalanobis" for the joint check.</param>
/// <param name="Value">Feature value (model scale: logs for Log* features) or the Mahalanobis distance.</param>
/// <param name="Message">Human-readable reason.</param>
public sealed record OodReason(string IndividualId, string Feature, double Value, string Message);

/// <summary>Outcome of an out-of-distribution check.</summary>
/// <param name="Reasons">Warnings; empty when the study looks in distribution.</param>
/// <param name="Notes">Facts that limit the check (e.g. a feature that could not be computed).</param>
public sealed record OodReport(IReadOnlyList<OodReason> Reasons, IReadOnlyList<string> Notes)
{
    /// <summary>True when any warning was raised: treat a zero-shot prediction with care.</summary>
    public bool IsOutOfDistribution => Reasons.Count > 0;

    /// <inheritdoc />
    public override string ToString() => IsOutOfDistribution
        ? "out of distribution:\n" + string.Join("\n", Reasons.Select(r => "  - " + r.Message))
        : "within the reference range";
}

/// <summary>
/// Description of the training prior's range, built from a sample of synthetic studies and shipped next to a
/// checkpoint as JSON. <see cref="Check(Study)"/> flags individuals whose features fall outside the per-feature
/// quantile range, or whose joint Mahalanobis distance exceeds <see cref="MahalanobisThreshold"/>.
/// </summary>
public sealed record OodReference
{
    /// <summary>Format version of the JSON.</summary>
    public int Version { get; init; } = 1;
    /// <summary>Units of the reference studies; checked studies must use the same (no conversion is guessed).</summary>
    public required Units Units { get; init; }
    /// <summary>Quantile level of the lower range end.</summary>
    public double LowerQuantile { get; init; }
    /// <summary>Quantile level of the upper range end.</summary>
    public double UpperQuantile { get; init; }
    /// <summary>Number of studies the reference was built from.</summary>
    public int StudyCount { get; init; }
    /// <summary>Per-feature ranges, in <see cref="OodFeatures.Names"/> order.</summary>
    public required IReadOnlyList<OodFeatureRange> Features { get; init; }
    /// <summary>Names of the features entering the Mahalanobis distance (those that vary in the reference).</summary>
    public required IReadOnlyList<string> JointFeatures { get; init; }
    /// <summary>Mean of the joint features.</summary>
    public required double[] Mean { get; init; }
    /// <summary>Covariance of the joint features.</summary>
    public required double[][] Covariance { get; init; }
    /// <summary>Mahalanobis distance above which an individual is flagged (default: the 99.9% chi quantile).</summary>
    public double MahalanobisThreshold { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// The reference of a pretrained checkpoint, built from the held-out studies it ships
    /// (<see cref="Checkpoint.ValidationStudiesFile"/>): they are draws from its training prior.
    /// </summary>
    /// <exception cref="FileNotFoundException">The checkpoint has no held-out studies file.</exception>
    public static OodReference ForCheckpoint(string checkpointDirectory)
    {
        var path = Path.Combine(checkpointDirectory, Checkpoint.ValidationStudiesFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no held-out studies beside the checkpoint, so no out-of-distribution reference.", path);
        return FromStudies(NonmemCsv.ReadStudies(path));
    }

    /// <summary>Builds the reference from any studies (e.g. a sample of synthetic studies of the training prior).</summary>
    /// <param name="studies">Reference studies; all must share one set of units.</param>
    /// <param name="lowerQuantile">Lower range quantile (default 0.005).</param>
    /// <param name="upperQuantile">Upper range quantile (default 0.995).</param>
    /// <param name="mahalanobisLevel">Chi-square level of the joint threshold (default 0.999).</param>
    /// <exception cref="ArgumentException">Fewer than 10 individuals, mixed units, or bad quantile levels.</exception>
    public static OodReference FromStudies(IEnumerable<Study> studies, double lowerQuantile = 0.005, double upperQuantile = 0.995,
        double mahalanobisLevel = 0.999)
    {
        if (!(lowerQuantile >= 0 && lowerQuantile < upperQuantile && upperQuantile <= 1))
            throw new ArgumentException($"quantile levels must satisfy 0 <= lower < upper <= 1, got {lowerQuantile} and {upperQuantile}.", nameof(lowerQuantile));
        if (!(mahalanobisLevel > 0 && mahalanobisLevel < 1))
            throw new ArgumentException($"mahalanobisLevel must be in (0, 1), got {mahalanobisLevel}.", nameof(mahalanobisLevel));
        Units? units = null;
        int studyCount = 0;
        var rows = new List<double[]>();
        foreach (var s in studies)
        {
            units ??= s.Units;
            if (s.Units != units) throw new ArgumentException($"study '{s.Name}' uses units {s.Units}, earlier studies {units}; a reference needs one set of units.", nameof(studies));
            studyCount++;
            rows.AddRange(s.Individuals.Where(i => i.Observations.Any(o => !o.IsBlq)).Select(OodFeatures.Compute));
        }
        if (rows.Count < 10) throw new ArgumentException($"an OOD reference needs at least 10 individuals with observations, got {rows.Count}.", nameof(studies));

        var names = OodFeatures.Names;
        var ranges = new List<OodFeatureRange>();
        for (int k = 0; k < names.Count; k++)
        {
            var v = rows.Select(r => r[k]).Where(double.IsFinite).Order().ToArray();
            ranges.Add(v.Length == 0
                ? new OodFeatureRange(names[k], double.NaN, double.NaN, double.NaN, 0)
                : new OodFeatureRange(names[k], SortedArrayStatistics.QuantileCustom(v, lowerQuantile, QuantileDefinition.R7),
                    SortedArrayStatistics.Median(v), SortedArrayStatistics.QuantileCustom(v, upperQuantile, QuantileDefinition.R7), v.Length));
        }

        // Joint distance only over features that are always defined and vary: a fixed design makes SampleCount constant.
        var complete = rows.Where(r => r.All(double.IsFinite)).ToList();
        var joint = Enumerable.Range(0, names.Count).Where(k =>
            complete.Count >= 10 && complete.Select(r => r[k]).StandardDeviation() > 1e-9 * Math.Max(1, Math.Abs(complete[0][k]))).ToArray();
        double[] mean = joint.Select(k => complete.Average(r => r[k])).ToArray();
        var cov = new double[joint.Length][];
        for (int a = 0; a < joint.Length; a++)
        {
            cov[a] = new double[joint.Length];
            for (int b = 0; b < joint.Length; b++)
                cov[a][b] = complete.Sum(r => (r[joint[a]] - mean[a]) * (r[joint[b]] - mean[b])) / (complete.Count - 1);
        }
        return new OodReference
        {
            Units = units!, LowerQuantile = lowerQuantile, UpperQuantile = upperQuantile, StudyCount = studyCount,
            Features = ranges, JointFeatures = joint.Select(k => names[k]).ToArray(), Mean = mean, Covariance = cov,
            MahalanobisThreshold = joint.Length > 0 ? Math.Sqrt(ChiSquared.InvCDF(joint.Length, mahalanobisLevel)) : double.PositiveInfinity,
        };
    }

    /// <summary>
    /// Fraction of a study's checked individuals that must be outside the range of one feature (or beyond the
    /// Mahalanobis threshold) before that feature is a warning. With 0.5–99.5% ranges over six features about one
    /// individual in seventeen is outside somewhere by chance, so isolated hits are reported as notes. Default 0.2;
    /// a study of one individual is flagged by any hit.
    /// </summary>
    public double MaxOutlierFraction { get; init; } = 0.2;

    /// <summary>
    /// Checks a study (e.g. the context a zero-shot prediction will condition on). Per feature, the individuals
    /// outside the range become warnings when they are more than <see cref="MaxOutlierFraction"/> of the study;
    /// otherwise they are listed as notes. Check the context's fully profiled individuals: a new individual known by
    /// its first few samples only differs in SampleCount, Horizon and Tmax by design.
    /// </summary>
    /// <exception cref="ArgumentException">The study's units differ from the reference's.</exception>
    public OodReport Check(Study study)
    {
        if (study.Units != Units)
            throw new ArgumentException($"study '{study.Name}' uses units {study.Units} but the reference was built in {Units}; convert the study first.", nameof(study));
        var hits = new Dictionary<string, List<OodReason>>();
        var notes = new List<string>();
        var names = OodFeatures.Names;
        Matrix<double>? precision = JointFeatures.Count > 0
            ? Matrix<double>.Build.DenseOfRowArrays(Covariance).PseudoInverse() : null;
        int[] jointIdx = JointFeatures.Select(n => names.ToList().IndexOf(n)).ToArray();
        int checkedCount = 0;
        void Hit(OodReason r) { if (!hits.TryGetValue(r.Feature, out var l)) hits[r.Feature] = l = []; l.Add(r); }
        foreach (var ind in study.Individuals)
        {
            if (!ind.Observations.Any(o => !o.IsBlq))
            {
                notes.Add($"individual '{ind.Id}' has no quantified observation; not checked.");
                continue;
            }
            checkedCount++;
            var x = OodFeatures.Compute(ind);
            for (int k = 0; k < names.Count; k++)
            {
                var range = Features[k];
                if (!double.IsFinite(x[k]))
                {
                    notes.Add($"individual '{ind.Id}': {names[k]} not estimable (fewer than {Nca.MinTerminalPoints} declining samples after Cmax).");
                    continue;
                }
                if (range.Count == 0) continue;
                string? side = x[k] < range.Lower ? "below" : x[k] > range.Upper ? "above" : null;
                if (side is null) continue;
                Hit(new OodReason(ind.Id, names[k], x[k],
                    $"individual '{ind.Id}': {OodFeatures.Describe(names[k], x[k], Units)} is {side} the training range " +
                    $"[{OodFeatures.Natural(names[k], range.Lower)}, {OodFeatures.Natural(names[k], range.Upper)}] " +
                    $"({LowerQuantile * 100:G3}–{UpperQuantile * 100:G3}% of {range.Count} reference individuals)."));
            }
            if (precision is not null && jointIdx.All(k => double.IsFinite(x[k])))
            {
                var d = Vector<double>.Build.Dense(jointIdx.Select((k, a) => x[k] - Mean[a]).ToArray());
                double dist = Math.Sqrt(Math.Max(0, d * (precision * d)));
                if (dist > MahalanobisThreshold)
                    Hit(new OodReason(ind.Id, "Mahalanobis", dist,
                        $"individual '{ind.Id}': joint Mahalanobis distance {dist.ToString("F2", CultureInfo.InvariantCulture)} over ({string.Join(", ", JointFeatures)}) exceeds {MahalanobisThreshold.ToString("F2", CultureInfo.InvariantCulture)}: an unusual combination even if each feature is in range."));
            }
        }
        var reasons = new List<OodReason>();
        foreach (var (feature, list) in hits)
        {
            if (list.Count > MaxOutlierFraction * checkedCount) reasons.AddRange(list);
            else notes.AddRange(list.Select(r => $"{r.Message} Isolated ({list.Count} of {checkedCount} individuals): not a study-level warning."));
        }
        return new OodReport(reasons, notes);
    }

    /// <summary>Serialises to indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a reference from JSON.</summary>
    /// <exception cref="FormatException">Not a valid reference document.</exception>
    public static OodReference FromJson(string json)
    {
        try
        {
            var r = JsonSerializer.Deserialize<OodReference>(json, Json) ?? throw new FormatException("OOD reference JSON is null.");
            if (r.Version != 1) throw new FormatException($"OOD reference version {r.Version} is not supported (expected 1).");
            if (r.Features.Count != OodFeatures.Names.Count || !r.Features.Select(f => f.Name).SequenceEqual(OodFeatures.Names))
                throw new FormatException($"OOD reference features [{string.Join(", ", r.Features.Select(f => f.Name))}] differ from [{string.Join(", ", OodFeatures.Names)}].");
            if (r.Mean.Length != r.JointFeatures.Count || r.Covariance.Length != r.JointFeatures.Count || r.Covariance.Any(row => row.Length != r.JointFeatures.Count))
                throw new FormatException("OOD reference: Mean and Covariance sizes do not match JointFeatures.");
            return r;
        }
        catch (JsonException e)
        {
            throw new FormatException($"OOD reference JSON is invalid at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}: {e.Message}", e);
        }
    }

    /// <summary>Writes the JSON to <paramref name="path"/> atomically (temp file, then rename).</summary>
    public void Save(string path)
    {
        Data.AtomicFile.WriteAllText(path, ToJson());
    }

    /// <summary>Reads a reference saved by <see cref="Save"/>.</summary>
    /// <exception cref="FormatException">Invalid content; the message names the file.</exception>
    public static OodReference Load(string path)
    {
        try { return FromJson(File.ReadAllText(path)); }
        catch (FormatException e) { throw new FormatException($"{path}: {e.Message}", e); }
    }
}
