using System.Diagnostics;
using ZeroShotPK.Data;
using ZeroShotPK.Inference;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Evaluation;

/// <summary>One predicted observation of a held-out individual.</summary>
/// <param name="Method">Method name.</param>
/// <param name="Id">Individual id.</param>
/// <param name="Time">Observation time.</param>
/// <param name="Dv">Observed value.</param>
/// <param name="Pred">Predictive median.</param>
/// <param name="Lo90">5th percentile.</param>
/// <param name="Hi90">95th percentile.</param>
/// <param name="Scored">False when the observation is excluded from the scores (see <see cref="LeaveOneOut"/>).</param>
/// <param name="Dataset">Study the individual belongs to (ids repeat across the studies of one file).</param>
/// <param name="Flagged">True when the method flagged this individual's prediction (<see cref="Prediction.Warnings"/>).</param>
/// <param name="Role">
/// <see cref="PredictionRole.Predicted"/>: a hidden sample (the protocol's score). <see cref="PredictionRole.Known"/>: one of the
/// K samples the method was given (<see cref="Scored"/> = counted in KNOWN_LOG_RMSE). <see cref="PredictionRole.FirstDose"/>:
/// the prediction at the time of the first dose (<see cref="Dv"/> = the sample at that time or NaN; <see cref="Scored"/> =
/// counted in EARLY_RATIO).
/// </param>
public sealed record PredictionRow(string Method, string Id, double Time, double Dv, double Pred, double Lo90, double Hi90, bool Scored,
    string Dataset = "", bool Flagged = false, PredictionRole Role = PredictionRole.Predicted);

/// <summary>What a <see cref="PredictionRow"/> predicts.</summary>
public enum PredictionRole
{
    /// <summary>A hidden sample of the held-out individual: what the protocol scores.</summary>
    Predicted,
    /// <summary>One of the K samples the method was given: how well the method reproduces what it was told.</summary>
    Known,
    /// <summary>The time of the individual's first dose: what the method predicts before any drug can have arrived.</summary>
    FirstDose,
}

/// <summary>Scores of one method on one dataset.</summary>
/// <param name="Method">Method name.</param>
/// <param name="Dataset">Study name.</param>
/// <param name="Individuals">Held-out individuals with at least one scored observation (those averaged).</param>
/// <param name="LogRmse">Mean over individuals of the RMSE of natural-log concentrations.</param>
/// <param name="Coverage90">Share of scored observations inside the 90% interval.</param>
/// <param name="Seconds">Wall time of the whole protocol for this method.</param>
/// <param name="ObservationsScored">Observations in the scores.</param>
/// <param name="ObservationsSkipped">Predicted observations left out of the scores (BLQ, DV &lt;= 0, pre-dose).</param>
/// <param name="Flagged">Held-out individuals whose prediction the method flagged (<see cref="Prediction.Warnings"/>); they stay in the scores.</param>
/// <param name="KnownLogRmse">
/// Mean over individuals of the RMSE of natural-log concentrations at the K known samples (positive, not BLQ, after the
/// first dose): how far the predictive median is from what the method was told. NaN without such samples.
/// </param>
/// <param name="EarlyRatio">
/// Mean over individuals of the predicted median at the time of the first dose divided by the largest known concentration
/// (positive, not BLQ, after the first dose), over individuals whose first dose is extravascular or an infusion: 0 is right
/// there without a pre-dose level. Individuals starting with an IV bolus are not counted (the initial concentration is
/// the peak). NaN when no individual counts.
/// </param>
public sealed record EvaluationSummary(string Method, string Dataset, int Individuals, double LogRmse, double Coverage90, double Seconds,
    int ObservationsScored, int ObservationsSkipped, int Flagged = 0, double KnownLogRmse = double.NaN, double EarlyRatio = double.NaN);

/// <summary>Rows and summary of one method's leave-one-out run.</summary>
/// <param name="Rows">One row per predicted observation.</param>
/// <param name="Summary">Scores.</param>
/// <param name="Warnings">The methods' warnings, one line per warning, prefixed with study and individual; null for none.</param>
/// <param name="CheckRows">
/// Predictions at the known samples and at the first dose (<see cref="PredictionRole.Known"/>, <see cref="PredictionRole.FirstDose"/>)
/// behind <see cref="EvaluationSummary.KnownLogRmse"/> and <see cref="EvaluationSummary.EarlyRatio"/>; null when not computed.
/// </param>
public sealed record EvaluationResult(IReadOnlyList<PredictionRow> Rows, EvaluationSummary Summary, IReadOnlyList<string>? Warnings = null,
    IReadOnlyList<PredictionRow>? CheckRows = null);

/// <summary>
/// The AICMET paper's protocol: each individual in turn is held out; the method sees the rest of the study as context
/// plus the held-out individual's full dosing and its first K observations, and predicts the remaining ones.
/// Scoring: an observation counts when DV &gt; 0, it is not BLQ, and it is after the first dose (a pre-dose level is
/// residual from earlier intake that no method is told about); the others are written with SCORED = 0 and counted.
/// A non-positive prediction of a scored observation is an error (its log is undefined), never clamped.
/// After each fold's prediction, a second call with the same seed predicts the held-out individual at its K known sample
/// times and at its first dose (the checks KNOWN_LOG_RMSE and EARLY_RATIO); it is a separate call so that the scored
/// predictions are exactly those of the protocol, and its time is not counted in SECONDS (a method that refits per call,
/// like the neural ODE, spends about twice the wall time).
/// </summary>
public static class LeaveOneOut
{
    /// <summary>Runs the protocol for one method.</summary>
    /// <param name="study">The dataset.</param>
    /// <param name="predictor">The method.</param>
    /// <param name="known">Observations of the held-out individual given to the method (K).</param>
    /// <param name="seed">Base seed; fold f uses <see cref="FoldSeed"/>(seed, f).</param>
    /// <param name="progress">Called after each held-out individual with the number done (under a lock when folds run in parallel).</param>
    /// <param name="threads">
    /// Folds run at once for an <see cref="IFoldAwarePredictor"/> (which is told the folds first); other predictors run
    /// one fold at a time. Rows come out in fold order and every fold has its own seed, so the results do not depend on it.
    /// </param>
    /// <param name="includeFold">
    /// Which folds to run (by fold index: the position among the individuals with more than K observations); null runs
    /// all. A sharded run (<see cref="Shard"/>) runs a subset: each fold keeps its own seed and the warm starts are
    /// prepared from all folds, so its rows are exactly those of the full run; the summary scores the subset only.
    /// </param>
    /// <exception cref="ArgumentException">K &lt; 0, no individual has more than K observations, or one to be predicted has no dose.</exception>
    public static EvaluationResult Run(Study study, IPredictor predictor, int known, int seed = 0, Action<int>? progress = null, int threads = 1,
        Func<int, bool>? includeFold = null)
    {
        if (known < 0) throw new ArgumentOutOfRangeException(nameof(known), known, "known (K) must be >= 0.");
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be >= 1.");
        var folds = study.Individuals.Where(i => i.Observations.Count > known).ToArray();
        if (folds.Length == 0) throw new ArgumentException($"study '{study.Name}': no individual has more than {known} observations to predict.", nameof(known));
        // Concentrations after a dose are what the protocol predicts; without a dose there is nothing a method can mean.
        var undosed = folds.FirstOrDefault(i => i.Doses.Count == 0);
        if (undosed is not null)
            throw new ArgumentException($"study '{study.Name}', individual {undosed.Id}: {undosed.Observations.Count} observations but no dose; expected every individual to be predicted to have its doses in the file (add them, or remove the individual).");
        var sw = Stopwatch.StartNew();
        var foldRows = new List<PredictionRow>[folds.Length];
        var foldChecks = new List<PredictionRow>[folds.Length];
        var foldWarnings = new List<string>[folds.Length];
        var checkTicks = new long[folds.Length];
        var aware = predictor as IFoldAwarePredictor;
        aware?.PrepareFolds(study, folds.Select(i => i.Id).ToArray(), threads);
        var run = Enumerable.Range(0, folds.Length).Where(f => includeFold?.Invoke(f) ?? true).ToArray();
        int done = 0;
        var gate = new Lock();
        void Fold(int f)
        {
            var ind = folds[f];
            var (rows, flagged, foldWarning) = Predict(study, predictor, ind, known, FoldSeed(seed, f));
            foldWarnings[f] = foldWarning;
            foldRows[f] = rows;
            // The checks (known samples, first dose) are a second call whose time is kept out of SECONDS.
            var checkClock = Stopwatch.StartNew();
            foldChecks[f] = Check(study, predictor, ind, known, FoldSeed(seed, f), flagged).ToList();
            checkTicks[f] = checkClock.Elapsed.Ticks;
            lock (gate) progress?.Invoke(++done);
        }
        if (aware is not null && threads > 1)
        {
            try
            {
                Parallel.For(0, run.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, k => Fold(run[k]));
            }
            catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
            {
                // The first fold's own exception, as a sequential run would throw it.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
        }
        else
            foreach (int f in run) Fold(f);
        sw.Stop();
        var all = foldRows.Where(r => r is not null).SelectMany(r => r).ToList();
        var checks = foldChecks.Where(r => r is not null).SelectMany(r => r).ToList();
        // Folds may run in parallel: the checks' share of the wall time is their summed time over the threads used.
        double checkSeconds = TimeSpan.FromTicks(checkTicks.Sum()).TotalSeconds / (aware is not null && threads > 1 ? Math.Max(1, Math.Min(threads, run.Length)) : 1);
        var summary = Score(predictor.Name, study.Name, all, Math.Max(0, sw.Elapsed.TotalSeconds - checkSeconds), checks);
        var warnings = foldWarnings.Where(w => w is not null).SelectMany(w => w).ToList();
        // A shard scores a subset; only the whole run can say that nothing at all was scorable.
        if (includeFold is null && summary.ObservationsScored == 0)
            warnings.Add($"{study.Name}: none of the {all.Count} held-out observations can be scored (all BLQ, DV <= 0 or before the first dose), so LOG_RMSE and COVERAGE90 are NaN.");
        return new EvaluationResult(all, summary, warnings, checks);
    }

    /// <summary>
    /// The seed of fold <paramref name="fold"/>'s prediction in a run seeded with <paramref name="seed"/>:
    /// <see cref="SeedStream.Of"/>(seed, fold, <see cref="SeedStream.LeaveOneOutFold"/>), so runs with neighbouring seeds
    /// share no fold's stream.
    /// </summary>
    public static int FoldSeed(int seed, int fold) => SeedStream.Of(seed, fold, SeedStream.LeaveOneOutFold);

    /// <summary>
    /// One fold of the protocol on its own: individual <paramref name="id"/> held out, the method given the rest of
    /// <paramref name="study"/> and the individual's first <paramref name="known"/> samples, its later samples predicted
    /// and scored exactly as <see cref="Run"/> scores them (so the summary's LogRmse is this individual's log-RMSE).
    /// The known-sample and first-dose checks are not run.
    /// </summary>
    /// <param name="study">The dataset.</param>
    /// <param name="predictor">The method.</param>
    /// <param name="id">The held-out individual.</param>
    /// <param name="known">Observations of the held-out individual given to the method (K).</param>
    /// <param name="seed">The prediction's seed, as given (<see cref="Run"/> gives fold f <see cref="FoldSeed"/>(seed, f)).</param>
    /// <exception cref="ArgumentException">K &lt; 0, no individual <paramref name="id"/>, or it has no dose or no more than K observations.</exception>
    public static EvaluationResult RunIndividual(Study study, IPredictor predictor, string id, int known, int seed = 0)
    {
        if (known < 0) throw new ArgumentOutOfRangeException(nameof(known), known, "known (K) must be >= 0.");
        var ind = study.Individuals.FirstOrDefault(i => i.Id == id)
            ?? throw new ArgumentException($"study '{study.Name}' has no individual '{id}'.", nameof(id));
        if (ind.Observations.Count <= known)
            throw new ArgumentException($"study '{study.Name}', individual {id}: {ind.Observations.Count} observations, expected more than K = {known} to predict.", nameof(known));
        if (ind.Doses.Count == 0)
            throw new ArgumentException($"study '{study.Name}', individual {id}: {ind.Observations.Count} observations but no dose; expected the individual to be predicted to have its doses in the file.", nameof(id));
        var sw = Stopwatch.StartNew();
        var (rows, _, warnings) = Predict(study, predictor, ind, known, seed);
        return new EvaluationResult(rows, Score(predictor.Name, study.Name, rows, sw.Elapsed.TotalSeconds), warnings);
    }

    /// <summary>The scored rows of one fold: <paramref name="ind"/>'s samples after its first K, predicted from the rest of the study.</summary>
    private static (List<PredictionRow> Rows, bool Flagged, List<string> Warnings) Predict(Study study, IPredictor predictor, Individual ind, int known, int seed)
    {
        var hidden = ind.Observations.Skip(known).ToArray();
        var pred = predictor.Predict(study.Without(ind.Id), ind.WithFirstObservations(known), hidden.Select(o => o.Time).ToArray(), seed);
        double firstDose = ind.Doses.Count > 0 ? ind.Doses[0].Time : double.NegativeInfinity;
        bool flagged = pred.Warnings.Count > 0;
        var rows = new List<PredictionRow>(hidden.Length);
        for (int j = 0; j < hidden.Length; j++)
            rows.Add(SampleRow(study, predictor, ind, hidden[j], pred, j, firstDose, flagged, PredictionRole.Predicted, "time"));
        return (rows, flagged, pred.Warnings.Select(w => $"{study.Name}, individual {ind.Id}: {w}").ToList());
    }

    /// <summary>
    /// The row of observation <paramref name="o"/> against the prediction's point <paramref name="j"/>: scored when it is a
    /// quantified positive sample after the first dose, and then its median must be positive (its log-error is undefined
    /// otherwise; <paramref name="where"/> names the sample in that error).
    /// </summary>
    private static PredictionRow SampleRow(Study study, IPredictor predictor, Individual ind, Observation o, Prediction pred, int j,
        double firstDose, bool flagged, PredictionRole role, string where)
    {
        bool scored = o.Value > 0 && !o.IsBlq && o.Time > firstDose;
        if (scored && !(pred.Median[j] > 0))
            throw new InvalidOperationException($"method '{predictor.Name}', individual {ind.Id}, {where} {o.Time}: prediction {pred.Median[j]} is not positive, so its log-error is undefined.");
        return new PredictionRow(predictor.Name, ind.Id, o.Time, o.Value, pred.Median[j], pred.Lower90[j], pred.Upper90[j], scored, study.Name, flagged, role);
    }

    /// <summary>Predictions at the known samples and at the first dose of <paramref name="ind"/>, from the same context and seed.</summary>
    private static IEnumerable<PredictionRow> Check(Study study, IPredictor predictor, Individual ind, int known, int seed, bool flagged)
    {
        var given = ind.Observations.Take(known).ToArray();
        if (ind.Doses.Count == 0 && given.Length == 0) return [];
        double firstDose = ind.Doses.Count > 0 ? ind.Doses[0].Time : double.NegativeInfinity;
        var times = given.Select(o => o.Time).ToList();
        if (ind.Doses.Count > 0) times.Add(firstDose);
        var pred = predictor.Predict(study.Without(ind.Id), ind.WithFirstObservations(known), times, seed);
        var result = new List<PredictionRow>(times.Count);
        for (int j = 0; j < given.Length; j++)
            result.Add(SampleRow(study, predictor, ind, given[j], pred, j, firstDose, flagged, PredictionRole.Known, "known sample at time"));
        if (ind.Doses.Count > 0)
        {
            int j = given.Length;
            var atDose = ind.Observations.FirstOrDefault(o => o.Time == firstDose);
            // Only a dose that does not enter the blood at once starts from zero: after an IV bolus the initial
            // concentration is the peak, legitimately above every later sample, so it is not counted.
            bool defined = result.Any(r => r.Scored) && ind.Doses[0].Route != Route.IvBolus;
            result.Add(new PredictionRow(predictor.Name, ind.Id, firstDose, atDose?.Value ?? double.NaN, pred.Median[j], pred.Lower90[j], pred.Upper90[j],
                defined, study.Name, flagged, PredictionRole.FirstDose));
        }
        return result;
    }

    /// <summary>
    /// Pools one method's runs on several studies (the studies of one file): log-RMSE averaged over all their held-out
    /// individuals, coverage over all their scored observations, seconds summed.
    /// </summary>
    /// <exception cref="ArgumentException">No run, or runs of different methods.</exception>
    public static EvaluationSummary Pool(string dataset, IReadOnlyList<EvaluationResult> runs)
    {
        if (runs.Count == 0) throw new ArgumentException("nothing to pool: no run.", nameof(runs));
        var method = runs[0].Summary.Method;
        var other = runs.FirstOrDefault(r => r.Summary.Method != method);
        if (other is not null) throw new ArgumentException($"cannot pool runs of different methods ('{method}' and '{other.Summary.Method}').", nameof(runs));
        return Score(method, dataset, runs.SelectMany(r => r.Rows).ToArray(), runs.Sum(r => r.Summary.Seconds),
            runs.All(r => r.CheckRows is null) ? null : runs.SelectMany(r => r.CheckRows ?? []).ToArray());
    }

    /// <summary>
    /// Scores rows: per-individual (dataset and id) log-RMSE averaged over individuals, 90% coverage over observations,
    /// and the number of individuals (dataset and id) with a flagged prediction; with <paramref name="checkRows"/>, also
    /// KNOWN_LOG_RMSE and EARLY_RATIO (see <see cref="EvaluationSummary"/>).
    /// </summary>
    public static EvaluationSummary Score(string method, string dataset, IReadOnlyList<PredictionRow> rows, double seconds,
        IReadOnlyList<PredictionRow>? checkRows = null)
    {
        var scored = rows.Where(r => r.Scored).ToArray();
        var perInd = scored.GroupBy(r => (r.Dataset, r.Id))
            .Select(g => Math.Sqrt(g.Average(r => Math.Pow(Math.Log(r.Dv) - Math.Log(r.Pred), 2)))).ToArray();
        double coverage = scored.Length == 0 ? double.NaN : scored.Count(r => r.Dv >= r.Lo90 && r.Dv <= r.Hi90) / (double)scored.Length;
        int flagged = rows.Where(r => r.Flagged).Select(r => (r.Dataset, r.Id)).Distinct().Count();
        double knownLogRmse = double.NaN, earlyRatio = double.NaN;
        if (checkRows is not null)
        {
            var known = checkRows.Where(r => r.Role == PredictionRole.Known && r.Scored).GroupBy(r => (r.Dataset, r.Id))
                .Select(g => Math.Sqrt(g.Average(r => Math.Pow(Math.Log(r.Dv) - Math.Log(r.Pred), 2)))).ToArray();
            var largest = checkRows.Where(r => r.Role == PredictionRole.Known && r.Scored).GroupBy(r => (r.Dataset, r.Id))
                .ToDictionary(g => g.Key, g => g.Max(r => r.Dv));
            var ratios = checkRows.Where(r => r.Role == PredictionRole.FirstDose && r.Scored)
                .Select(r => r.Pred / largest[(r.Dataset, r.Id)]).ToArray();
            if (known.Length > 0) knownLogRmse = known.Average();
            if (ratios.Length > 0) earlyRatio = ratios.Average();
        }
        return new EvaluationSummary(method, dataset, perInd.Length, perInd.Length == 0 ? double.NaN : perInd.Average(), coverage, seconds,
            scored.Length, rows.Count - scored.Length, flagged, knownLogRmse, earlyRatio);
    }
}
