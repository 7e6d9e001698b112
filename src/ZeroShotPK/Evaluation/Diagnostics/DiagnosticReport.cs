using System.Globalization;
using System.Text;
using ZeroShotPK.Data;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>One number of a diagnostic report, in long format.</summary>
/// <param name="Section">gof, coverage, vpc, sbc or ood.</param>
/// <param name="Item">What the number is about: "all", a nominal level, a VPC bin, a parameter, a feature.</param>
/// <param name="Statistic">Name of the number (e.g. pooled_log_rmse, empirical, p_value).</param>
/// <param name="Value">The number.</param>
public sealed record DiagnosticRow(string Section, string Item, string Statistic, double Value);

/// <summary>
/// The diagnostic panel of one method on one dataset, as numbers: goodness of fit and calibration of leave-one-out
/// predictions (<see cref="MethodDiagnostics"/>), SBC where the method has a parameter posterior to calibrate, and the
/// out-of-distribution check of the study against a pretrained model's training prior. Sections that do not apply
/// are null and say why in their note.
/// </summary>
/// <param name="Dataset">Study name.</param>
/// <param name="Known">Samples of each held-out individual given to the method.</param>
/// <param name="Diagnostics">GOF, coverage and (with sample trajectories) VPC.</param>
/// <param name="Sbc">SBC result, or null.</param>
/// <param name="SbcNote">What the SBC calibrates, or why there is none.</param>
/// <param name="Ood">Out-of-distribution report, or null.</param>
/// <param name="OodNote">What the study was checked against, or why it was not.</param>
public sealed record DiagnosticReport(string Dataset, int Known, MethodDiagnostics Diagnostics, SbcResult? Sbc, string SbcNote,
    OodReport? Ood, string OodNote)
{
    /// <summary>
    /// The library's leave-one-out -> diagnose workflow (what <c>zspk diagnose</c> runs): leave-one-out predictions with
    /// <paramref name="known"/> samples (<see cref="MethodDiagnostics.LeaveOneOutPredictions"/>), their diagnostics, SBC
    /// when the method declares a parameter posterior, and the out-of-distribution check when it declares a training
    /// checkpoint (<see cref="IPredictor"/>'s optional capabilities: what applies is what the method says it offers).
    /// </summary>
    /// <param name="study">The dataset.</param>
    /// <param name="predictor">The method.</param>
    /// <param name="known">Samples of each held-out individual given to the method.</param>
    /// <param name="seed">Base seed (leave-one-out fold f uses <see cref="LeaveOneOut.FoldSeed"/>(seed, f); the SBC uses it too).</param>
    /// <param name="sbcDatasets">Simulated individuals for the SBC (0 skips it; otherwise at least 2).</param>
    /// <param name="progress">Called after each held-out individual with the number done.</param>
    /// <param name="threads">Threads a fold-aware predictor may use to prepare its folds.</param>
    /// <returns>The report and the predictions behind it (by individual id).</returns>
    /// <exception cref="ArgumentException">What the parts throw (no individual to diagnose, a design without post-dose samples).</exception>
    public static (DiagnosticReport Report, IReadOnlyDictionary<string, Prediction> Predictions) Run(Study study, IPredictor predictor, int known,
        int seed = 0, int sbcDatasets = 200, Action<int>? progress = null, int threads = 1)
    {
        if (sbcDatasets is < 0 or 1) throw new ArgumentOutOfRangeException(nameof(sbcDatasets), sbcDatasets, "sbcDatasets must be 0 (skip) or >= 2.");
        var (observed, predictions) = MethodDiagnostics.LeaveOneOutPredictions(study, predictor, known, seed, progress, threads);
        var diagnostics = MethodDiagnostics.Compute(observed, predictions);

        SbcResult? sbc = null;
        string sbcNote;
        if (predictor.HasParameterPosterior && sbcDatasets >= 2)
        {
            var design = study.Individuals.First(i => i.Observations.Any(o => o.Time > (i.Doses.Count > 0 ? i.Doses[0].Time : double.NegativeInfinity)));
            var posterior = predictor.ParameterPosterior(study, design);
            sbc = global::ZeroShotPK.Evaluation.Diagnostics.Sbc.Run(posterior, sbcDatasets, 99, seed);
            sbcNote = $"{posterior.Description}; {sbcDatasets} individuals simulated on the design of individual '{design.Id}', 99 posterior draws each.";
        }
        else sbcNote = predictor.HasParameterPosterior
            ? "skipped (--sbc-datasets 0)."
            : $"not applicable to '{predictor.Name}': SBC ranks true parameters in posterior draws, and this method has no parameter posterior (it predicts concentrations directly or does not condition on the individual).";

        OodReport? ood = null;
        string oodNote;
        if (predictor.TrainingCheckpoint is { } checkpoint)
        {
            var reference = OodReference.ForCheckpoint(checkpoint);
            ood = reference.Check(study);
            oodNote = $"the study's individuals against {reference.StudyCount} held-out studies of the checkpoint's training prior ({reference.LowerQuantile * 100:G3}-{reference.UpperQuantile * 100:G3}% ranges per feature, joint Mahalanobis distance).";
        }
        else oodNote = $"not applicable to '{predictor.Name}': it fits the study itself rather than relying on a training prior.";
        return (new DiagnosticReport(study.Name, known, diagnostics, sbc, sbcNote, ood, oodNote), predictions);
    }

    /// <summary>Every number of the report (what <see cref="WriteCsv"/> writes).</summary>
    public IReadOnlyList<DiagnosticRow> Rows()
    {
        var rows = new List<DiagnosticRow>();
        void Add(string section, string item, string stat, double v) => rows.Add(new DiagnosticRow(section, item, stat, v));
        var s = Diagnostics.GoodnessOfFit.Summary;
        Add("gof", "all", "individuals", Diagnostics.GoodnessOfFit.Points.Select(p => p.IndividualId).Distinct().Count());
        Add("gof", "all", "observations_scored", s.Count);
        Add("gof", "all", "observations_blq", s.BlqCount);
        Add("gof", "all", "pooled_log_rmse", s.PooledLogRmse);
        Add("gof", "all", "mean_individual_log_rmse", s.MeanIndividualLogRmse);
        Add("gof", "all", "bias", s.Bias);
        Add("gof", "all", "coverage90", s.Coverage90);
        Add("gof", "all", "mean_interval_width", s.MeanIntervalWidth);
        Add("gof", "all", "mean_log_interval_width", s.MeanLogIntervalWidth);
        Add("gof", "all", "intervals_nonpositive_lower", s.NonPositiveLowerCount);
        foreach (var p in Diagnostics.Coverage.Points)
        {
            string level = Num(p.Nominal);
            Add("coverage", level, "empirical", p.Empirical);
            Add("coverage", level, "standard_error", p.StandardError);
            Add("coverage", level, "count", p.Count);
        }
        if (Diagnostics.Vpc is { } vpc)
        {
            Add("vpc", "all", "cells_outside", vpc.OutsideCount);
            Add("vpc", "all", "replicates", vpc.Replicates);
            Add("vpc", "all", "bands_nonpositive_lower", vpc.NonPositiveBands);
            for (int b = 0; b < vpc.Bins.Count; b++)
            {
                var bin = vpc.Bins[b];
                string item = $"bin{b + 1}";
                Add("vpc", item, "time_lower", bin.Lower);
                Add("vpc", item, "time_upper", bin.Upper);
                Add("vpc", item, "observed_count", bin.ObservedCount);
                for (int k = 0; k < vpc.Percentiles.Count; k++)
                {
                    string pc = "p" + (vpc.Percentiles[k] * 100).ToString("00.##", CultureInfo.InvariantCulture);
                    Add("vpc", item, $"observed_{pc}", bin.Observed[k]);
                    Add("vpc", item, $"simulated_{pc}_lower", bin.Simulated[k].Lower);
                    Add("vpc", item, $"simulated_{pc}_median", bin.Simulated[k].Median);
                    Add("vpc", item, $"simulated_{pc}_upper", bin.Simulated[k].Upper);
                }
                Add("vpc", item, "observed_blq_fraction", bin.ObservedBlqFraction);
            }
        }
        if (Sbc is { } sbc)
            foreach (var p in sbc.Parameters)
            {
                Add("sbc", p.Name, "p_value", p.PValue);
                Add("sbc", p.Name, "datasets", sbc.Datasets);
                Add("sbc", p.Name, "draws", sbc.Draws);
            }
        if (Ood is { } ood)
        {
            Add("ood", "all", "warnings", ood.Reasons.Count);
            Add("ood", "all", "notes", ood.Notes.Count);
            foreach (var g in ood.Reasons.GroupBy(r => r.Feature)) Add("ood", g.Key, "individuals_flagged", g.Count());
        }
        return rows;
    }

    /// <summary>Writes <see cref="Rows"/> as CSV (section,item,statistic,value; invariant culture; temp file then rename).</summary>
    public void WriteCsv(string path)
    {
        var sb = new StringBuilder("section,item,statistic,value\n");
        foreach (var r in Rows()) sb.Append(r.Section).Append(',').Append(r.Item).Append(',').Append(r.Statistic).Append(',').Append(Num(r.Value)).Append('\n');
        EvaluationCsv.WriteAtomic(path, sb.ToString());
    }

    private static string Num(double v) => v.ToString("G10", CultureInfo.InvariantCulture);
}
