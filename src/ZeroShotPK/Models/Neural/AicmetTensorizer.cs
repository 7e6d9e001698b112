using ZeroShotPK.Data;
using static TorchSharp.torch;

namespace ZeroShotPK.Models.Neural;

/// <summary>
/// Padded tensors of a batch of <see cref="AicmetTask"/>s. Individual slots are laid out targets first
/// (<c>T</c> slots) then context (<c>C</c> slots); <c>I = T + C</c>. All tensors are float32 on one device.
/// Times are divided by the task's time scale, concentrations are log(value / concentration scale) and
/// amounts are divided by the largest dose, so the network sees unit-free numbers.
/// </summary>
public sealed class AicmetBatch : IDisposable
{
    /// <summary>Observation tokens [B, I, S, TokenFeatures].</summary>
    public required Tensor Tokens { get; init; }
    /// <summary>1 where a token is a real observation [B, I, S].</summary>
    public required Tensor TokenMask { get; init; }
    /// <summary>1 where a target's token is revealed (first k) [B, T, S].</summary>
    public required Tensor KnownMask { get; init; }
    /// <summary>1 for a real context slot [B, C].</summary>
    public required Tensor ContextMask { get; init; }
    /// <summary>1 for a real target slot [B, T].</summary>
    public required Tensor TargetMask { get; init; }
    /// <summary>Per-target features of the last revealed sample [B, T, AnchorFeatures].</summary>
    public required Tensor Anchor { get; init; }
    /// <summary>Query features [B, T, Q, QueryFeatures].</summary>
    public required Tensor Queries { get; init; }
    /// <summary>Normalised log concentration to score at each query (0 where none) [B, T, Q].</summary>
    public required Tensor QueryValue { get; init; }
    /// <summary>1 where a query is scored as an observed value [B, T, Q].</summary>
    public required Tensor ObservedMask { get; init; }
    /// <summary>1 where a query is scored as censored below <see cref="QueryValue"/> (BLQ) [B, T, Q].</summary>
    public required Tensor CensoredMask { get; init; }
    /// <summary>
    /// Each target's doses [B, T, D, DoseTokenFeatures]: start time / time scale, amount / largest dose, 1 for an
    /// extravascular dose (first-order absorption), duration / time scale (0 for a bolus), steady-state interval / time
    /// scale (0 unless the dose is at steady state, SS=1). Padded doses are all zero
    /// with <see cref="DoseMask"/> 0.
    /// </summary>
    public required Tensor Doses { get; init; }
    /// <summary>1 for a real dose in <see cref="Doses"/> [B, T, D].</summary>
    public required Tensor DoseMask { get; init; }
    /// <summary>
    /// Per dose, the normalised time of the first later reset (SS=1 dose, EVID 3/4) from which on it no longer counts,
    /// <see cref="AicmetTensorizer.NeverVoided"/> when none [B, T, D].
    /// </summary>
    public required Tensor DoseEnd { get; init; }
    /// <summary>Whether any target dose is an infusion, at steady state, extravascular, or intravascular (lets a read-out skip branches no dose uses).</summary>
    public (bool Infusion, bool SteadyState, bool Oral, bool Intravascular) DoseKinds { get; init; }
    /// <summary>1 where a query is one of the target's revealed samples (scored only when built with scoreKnown) [B, T, Q].</summary>
    public required Tensor KnownQueryMask { get; init; }
    /// <summary>Per task: log of the concentration scale (add to a predicted mean to get natural-log concentration).</summary>
    public required double[] LogConcentrationScale { get; init; }
    /// <summary>Per task: time scale.</summary>
    public required double[] TimeScale { get; init; }
    /// <summary>Batch size B.</summary>
    public int Size => LogConcentrationScale.Length;

    /// <summary>Disposes every tensor.</summary>
    public void Dispose()
    {
        foreach (var t in new[] { Tokens, TokenMask, KnownMask, ContextMask, TargetMask, Anchor, Queries, QueryValue, ObservedMask, CensoredMask,
                     Doses, DoseMask, DoseEnd, KnownQueryMask })
            t.Dispose();
    }
}

/// <summary>Turns <see cref="AicmetTask"/>s into an <see cref="AicmetBatch"/> (padding and masks, never dropping data).</summary>
public static class AicmetTensorizer
{
    /// <summary>Features of the dosing history at one time point (see <see cref="WriteDoseFeatures"/>).</summary>
    public const int DoseFeatures = 12;
    /// <summary>Features per observation token: time, value, time step, censored flag, censoring level, dose features.</summary>
    public const int TokenFeatures = 5 + DoseFeatures;
    /// <summary>Features per query: time, time since the anchor, dose features.</summary>
    public const int QueryFeatures = 2 + DoseFeatures;
    /// <summary>Features of a target's anchor: has anchor, its time, its value, number revealed.</summary>
    public const int AnchorFeatures = 4;
    /// <summary>Features of one dose in <see cref="AicmetBatch.Doses"/>: time, amount, extravascular flag, duration, steady-state interval.</summary>
    public const int DoseTokenFeatures = 5;

    // Decay rates (per unit of normalised time) of the superposition features: a sum of exponentials over
    // past doses lets the network add up overlapping doses the way linear kinetics does.
    private static readonly double[] DecayRates = [1, 4, 16, 64];

    /// <summary>Builds the tensors of <paramref name="tasks"/> on <paramref name="device"/>.</summary>
    /// <param name="tasks">The in-context problems.</param>
    /// <param name="device">Where the tensors live (CPU when null).</param>
    /// <param name="scoreKnown">Also score a target's revealed samples (not only the unrevealed ones): the training
    /// signal that teaches a decoder the part of the curve it is conditioned on.</param>
    /// <exception cref="ArgumentException">A task has no usable concentration (no positive value, no LLOQ).</exception>
    public static AicmetBatch Build(IReadOnlyList<AicmetTask> tasks, Device? device = null, bool scoreKnown = false)
    {
        if (tasks.Count == 0) throw new ArgumentException("cannot tensorize an empty list of tasks.", nameof(tasks));
        device ??= CPU;
        int B = tasks.Count;
        int T = tasks.Max(t => t.Targets.Count);
        int C = Math.Max(1, tasks.Max(t => t.Context.Count));
        int I = T + C;
        // Reset semantics, written-out steady states and compressed dead gaps (AicmetTimeline): what the network sees
        // of every record; sizes come from it (a steady-state dose becomes several doses).
        var prepared = new Prepared[B];
        for (int b = 0; b < B; b++) prepared[b] = Prepare(tasks[b]);
        int S = 1, Q = 1, D = 1;
        foreach (var t in prepared.Select(p => p.Task))
        {
            foreach (var ind in t.Targets) D = Math.Max(D, ind.Doses.Count);
            foreach (var ind in t.Context) S = Math.Max(S, ind.Observations.Count);
            for (int j = 0; j < t.Targets.Count; j++)
            {
                S = Math.Max(S, t.Targets[j].Observations.Count);
                Q = Math.Max(Q, t.QueryTimes?[j].Count ?? t.Targets[j].Observations.Count);
            }
        }
        const int F = TokenFeatures, FQ = QueryFeatures, FA = AnchorFeatures;
        var tokens = new float[B * I * S * F];
        var tokenMask = new float[B * I * S];
        var knownMask = new float[B * T * S];
        var ctxMask = new float[B * C];
        var tgtMask = new float[B * T];
        var anchor = new float[B * T * FA];
        var queries = new float[B * T * Q * FQ];
        var qValue = new float[B * T * Q];
        var observed = new float[B * T * Q];
        var censored = new float[B * T * Q];
        var knownQuery = new float[B * T * Q];
        const int FD = DoseTokenFeatures;
        var doses = new float[B * T * D * FD];
        var doseMask = new float[B * T * D];
        var logC = new double[B];
        var timeScale = new double[B];

        var allScales = new Scales[B];
        for (int b = 0; b < B; b++) allScales[b] = ScalesOf(prepared[b].Task); // throws here, unwrapped, on a bad task
        var doseEnd = new float[B * T * D];

        void Fill(int b)
        {
            var task = prepared[b].Task;
            var scales = allScales[b];
            logC[b] = Math.Log(scales.Concentration);
            timeScale[b] = scales.Time;
            for (int slot = 0; slot < I; slot++)
            {
                Individual ind;
                int known;
                double[]? ends;
                if (slot < T)
                {
                    if (slot >= task.Targets.Count) continue;
                    ind = task.Targets[slot];
                    ends = prepared[b].TargetDoseEnd[slot];
                    known = task.Known[slot];
                    tgtMask[b * T + slot] = 1;
                }
                else
                {
                    int c = slot - T;
                    if (c >= task.Context.Count) continue;
                    ind = task.Context[c];
                    ends = prepared[b].ContextDoseEnd[c];
                    known = ind.Observations.Count;
                    ctxMask[b * C + c] = 1;
                }
                var obs = ind.Observations;
                double prevT = 0;
                for (int s = 0; s < obs.Count; s++)
                {
                    var o = obs[s];
                    int baseIdx = ((b * I + slot) * S + s) * F;
                    var span = tokens.AsSpan(baseIdx, F);
                    var (isCensored, level) = Level(o, scales);
                    span[0] = (float)(o.Time / scales.Time);
                    span[1] = isCensored ? 0f : (float)level;
                    span[2] = (float)((o.Time - (s == 0 ? 0 : prevT)) / scales.Time);
                    span[3] = isCensored ? 1f : 0f;
                    span[4] = isCensored ? (float)level : 0f;
                    WriteDoseFeatures(ind.Doses, o.Time, scales, span[5..], ends);
                    prevT = o.Time;
                    tokenMask[(b * I + slot) * S + s] = 1;
                    if (slot < T && s < known) knownMask[(b * T + slot) * S + s] = 1;
                }
                if (slot >= T) continue;

                for (int d = 0; d < ind.Doses.Count; d++)
                {
                    var dose = ind.Doses[d];
                    var ds = doses.AsSpan(((b * T + slot) * D + d) * FD, FD);
                    ds[0] = (float)(dose.Time / scales.Time);
                    ds[1] = (float)(dose.Amount / scales.Amount);
                    ds[2] = dose.Route is Route.Oral ? 1f : 0f;
                    ds[3] = (float)(dose.Duration / scales.Time);
                    ds[4] = (float)((dose.SteadyStateInterval ?? 0) / scales.Time);
                    doseMask[(b * T + slot) * D + d] = 1;
                    doseEnd[(b * T + slot) * D + d] = ends is null || double.IsPositiveInfinity(ends[d]) ? NeverVoided : (float)(ends[d] / scales.Time);
                }

                // Anchor: the last revealed sample.
                var a = anchor.AsSpan((b * T + slot) * FA, FA);
                double anchorTime = 0;
                if (known > 0)
                {
                    var last = obs[known - 1];
                    var (_, lvl) = Level(last, scales);
                    anchorTime = last.Time;
                    a[0] = 1; a[1] = (float)(last.Time / scales.Time); a[2] = (float)lvl;
                }
                a[3] = known / 6f;

                var qTimes = task.QueryTimes?[slot];
                int nq = qTimes?.Count ?? obs.Count;
                for (int q = 0; q < nq; q++)
                {
                    double tq = qTimes is null ? obs[q].Time : qTimes[q];
                    var qs = queries.AsSpan(((b * T + slot) * Q + q) * FQ, FQ);
                    qs[0] = (float)(tq / scales.Time);
                    qs[1] = (float)((tq - anchorTime) / scales.Time);
                    WriteDoseFeatures(ind.Doses, tq, scales, qs[2..], ends);
                    if (qTimes is null && q < known) knownQuery[(b * T + slot) * Q + q] = 1;
                    if (qTimes is null && (q >= known || scoreKnown))
                    {
                        var (isCensored, level) = Level(obs[q], scales);
                        int qi = (b * T + slot) * Q + q;
                        qValue[qi] = (float)level;
                        if (isCensored) censored[qi] = 1; else observed[qi] = 1;
                    }
                }
            }
        }
        // One task (a single prediction) fills in microseconds: handing it to the thread pool would cost more.
        if (B == 1) Fill(0); else Parallel.For(0, B, Fill);

        var targetDoses = prepared.Select(p => p.Task).SelectMany(t => t.Targets).SelectMany(i => i.Doses).ToArray();
        return new AicmetBatch
        {
            DoseKinds = (targetDoses.Any(d => d.Duration > 0), targetDoses.Any(d => d.SteadyStateInterval is > 0),
                targetDoses.Any(d => d.Route is Route.Oral), targetDoses.Any(d => d.Route is not Route.Oral)),
            Tokens = tensor(tokens, [B, I, S, F], device: device),
            TokenMask = tensor(tokenMask, [B, I, S], device: device),
            KnownMask = tensor(knownMask, [B, T, S], device: device),
            ContextMask = tensor(ctxMask, [B, C], device: device),
            TargetMask = tensor(tgtMask, [B, T], device: device),
            Anchor = tensor(anchor, [B, T, FA], device: device),
            Queries = tensor(queries, [B, T, Q, FQ], device: device),
            QueryValue = tensor(qValue, [B, T, Q], device: device),
            ObservedMask = tensor(observed, [B, T, Q], device: device),
            CensoredMask = tensor(censored, [B, T, Q], device: device),
            Doses = tensor(doses, [B, T, D, FD], device: device),
            DoseMask = tensor(doseMask, [B, T, D], device: device),
            DoseEnd = tensor(doseEnd, [B, T, D], device: device),
            KnownQueryMask = tensor(knownQuery, [B, T, Q], device: device),
            LogConcentrationScale = logC,
            TimeScale = timeScale,
        };
    }

    /// <summary>Normalisation constants of one task.</summary>
    /// <param name="Time">Largest time seen (observations of the context, revealed samples, queries, doses).</param>
    /// <param name="Concentration">Largest positive concentration of the context and the revealed samples.</param>
    /// <param name="Amount">Largest dose amount.</param>
    /// <param name="Floor">Censoring level used for a non-positive value reported without LLOQ.</param>
    public readonly record struct Scales(double Time, double Concentration, double Amount, double Floor);

    /// <summary>
    /// The task's scales. Only what is known at prediction time enters: context observations, revealed target
    /// samples, query times and doses; never a target's unrevealed values. As the authors do, time and concentration
    /// are scaled by their maxima over the context and the target; a context larger than
    /// <see cref="LargestTrainingContext"/> contributes the 12/13 quantile of its individuals' spans and peaks instead.
    /// </summary>
    public static Scales ComputeScales(AicmetTask task) => ScalesOf(Prepare(task).Task);

    /// <summary>A task on the timelines the network sees, with each individual's dose end times (null: never voided).</summary>
    private readonly record struct Prepared(AicmetTask Task, double[]?[] ContextDoseEnd, double[]?[] TargetDoseEnd);

    /// <summary>Value of <see cref="AicmetBatch.DoseEnd"/> for a dose no later reset voids (normalised time).</summary>
    public const float NeverVoided = 1e9f;

    private static Prepared Prepare(AicmetTask task)
    {
        var ctx = task.Context.Select(c => AicmetTimeline.Of(c)).ToArray();
        var tgt = task.Targets.Select((t, j) => AicmetTimeline.Of(t, task.QueryTimes?[j])).ToArray();
        bool changed = ctx.Where((c, i) => !ReferenceEquals(c.Individual, task.Context[i])).Any()
            || tgt.Where((t, j) => !ReferenceEquals(t.Individual, task.Targets[j])).Any();
        var ctxEnds = ctx.Select(c => c.DoseEnd).ToArray();
        var tgtEnds = tgt.Select(t => t.DoseEnd).ToArray();
        if (!changed) return new Prepared(task, ctxEnds, tgtEnds);
        var queries = task.QueryTimes?.Select((q, j) => (IReadOnlyList<double>)q.Select(tgt[j].Warp).ToArray()).ToArray();
        var warped = new AicmetTask(ctx.Select(c => c.Individual).ToArray(), tgt.Select(t => t.Individual).ToArray(), task.Known, queries);
        return new Prepared(warped, ctxEnds, tgtEnds);
    }

    private static Scales ScalesOf(AicmetTask task)
    {
        double tMax = 0, cMax = 0, minPos = double.PositiveInfinity, lloqMax = 0, aMax = 0;
        void Visit(Individual ind, int known, IReadOnlyList<double>? q, bool queryOwnTimes)
        {
            var obs = ind.Observations;
            for (int s = 0; s < obs.Count; s++)
            {
                var o = obs[s];
                if (s < known || queryOwnTimes) tMax = Math.Max(tMax, o.Time);
                if (s >= known) continue;
                if (!o.IsBlq && o.Value > 0) { cMax = Math.Max(cMax, o.Value); minPos = Math.Min(minPos, o.Value); }
                if (o.Lloq is > 0) lloqMax = Math.Max(lloqMax, o.Lloq.Value);
            }
            if (q is not null) foreach (var t in q) tMax = Math.Max(tMax, t);
            foreach (var d in ind.Doses) { aMax = Math.Max(aMax, d.Amount); tMax = Math.Max(tMax, d.Time + d.Duration); }
        }
        for (int j = 0; j < task.Targets.Count; j++)
            Visit(task.Targets[j], task.Known[j], task.QueryTimes?[j], task.QueryTimes is null);
        if (task.Context.Count <= LargestTrainingContext)
            foreach (var ind in task.Context) Visit(ind, ind.Observations.Count, null, false);
        else
        {
            // A larger study than any prior generates: the maximum over it is a more extreme statistic than the model
            // ever saw (135 routine patients' highest level), so each individual's span and peak enter through the
            // quantile that the maximum of a training-sized context typically reaches.
            double targetTime = tMax, targetPeak = cMax;
            var spans = new double[task.Context.Count];
            var peaks = new List<double>(task.Context.Count);
            for (int i = 0; i < spans.Length; i++)
            {
                tMax = 0; cMax = 0;
                Visit(task.Context[i], task.Context[i].Observations.Count, null, false);
                spans[i] = tMax;
                if (cMax > 0) peaks.Add(cMax);
            }
            const double q = TypicalTrainingContext / (TypicalTrainingContext + 1);
            tMax = Math.Max(targetTime, Quantile(spans, q));
            cMax = Math.Max(targetPeak, peaks.Count > 0 ? Quantile(peaks.ToArray(), q) : 0);
        }
        if (cMax <= 0) cMax = lloqMax;
        if (cMax <= 0)
            throw new ArgumentException("AICMET needs at least one positive concentration (or an LLOQ) in the context or the target's revealed samples to set its scale.");
        if (tMax <= 0) tMax = 1;
        if (aMax <= 0) aMax = 1;
        double floor = double.IsPositiveInfinity(minPos) ? cMax * 1e-3 : minPos;
        return new Scales(tMax, cMax, aMax, floor);
    }

    /// <summary>Most context individuals a training prior generates (the monitoring prior's 16); larger contexts are
    /// scaled by quantiles (see <see cref="ComputeScales"/>).</summary>
    public const int LargestTrainingContext = 16;

    // A typical training context: the maximum of m individuals sits near the m/(m+1) quantile of their distribution.
    private const double TypicalTrainingContext = 12;

    /// <summary>Linear-interpolated quantile (type 7, as R's default) of <paramref name="values"/> (sorted in place).</summary>
    internal static double Quantile(double[] values, double q)
    {
        Array.Sort(values);
        double pos = q * (values.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, values.Length - 1);
        return values[lo] + (values[hi] - values[lo]) * (pos - lo);
    }

    /// <summary>True when the task has a positive concentration or an LLOQ in what is known (see <see cref="ComputeScales"/>).</summary>
    public static bool HasConcentrationScale(AicmetTask task)
    {
        static bool Any(Individual ind, int known) => ind.Observations.Take(known).Any(o => (!o.IsBlq && o.Value > 0) || o.Lloq is > 0);
        return task.Context.Any(c => Any(c, c.Observations.Count)) || task.Targets.Select((t, j) => Any(t, task.Known[j])).Any(b => b);
    }

    /// <summary>
    /// Whether an observation is censored, and its normalised log level: log(value/C) for a measured value;
    /// for a BLQ sample log(LLOQ/C); a non-positive value without LLOQ is censored at the study's smallest
    /// positive value (it cannot be a log-normal measurement, and dropping it would lose the information).
    /// </summary>
    internal static (bool Censored, double Level) Level(Observation o, Scales s)
    {
        if (!o.IsBlq && o.Value > 0) return (false, Math.Log(o.Value / s.Concentration));
        double lvl = o.Lloq is > 0 ? o.Lloq.Value : (o.IsBlq && o.Value > 0 ? o.Value : s.Floor);
        return (true, Math.Log(lvl / s.Concentration));
    }

    /// <summary>
    /// Dose-history features at time <paramref name="t"/>: any dose given, time since the last dose, its amount,
    /// its route (oral, IV bolus, infusion), fraction of it delivered, log(1 + doses so far), and four
    /// sums over past doses of delivered amount x exp(-rate x elapsed time).
    /// </summary>
    /// <param name="doses">The individual's doses, by time.</param>
    /// <param name="t">The time point.</param>
    /// <param name="s">The task's scales.</param>
    /// <param name="dst">Where the <see cref="DoseFeatures"/> values go.</param>
    /// <param name="doseEnd">Per dose, the time of the first reset after it (a dose counts only before it); null: no resets.</param>
    public static void WriteDoseFeatures(IReadOnlyList<DosingEvent> doses, double t, Scales s, Span<float> dst, IReadOnlyList<double>? doseEnd = null)
    {
        dst[..DoseFeatures].Clear();
        DosingEvent? last = null;
        int n = 0;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int i = 0; i < doses.Count; i++)
        {
            var d = doses[i];
            if (d.Time > t) break;
            if (doseEnd is not null && t >= doseEnd[i]) continue; // voided by a later reset (SS=1, EVID 3/4)
            last = d; n++;
            double elapsed = (t - d.Time) / s.Time;
            double delivered = d.Duration > 0 ? Math.Min(1, (t - d.Time) / d.Duration) : 1;
            double a = d.Amount / s.Amount * delivered;
            s0 += a * Math.Exp(-DecayRates[0] * elapsed);
            s1 += a * Math.Exp(-DecayRates[1] * elapsed);
            s2 += a * Math.Exp(-DecayRates[2] * elapsed);
            s3 += a * Math.Exp(-DecayRates[3] * elapsed);
        }
        if (last is null) return;
        dst[0] = 1;
        dst[1] = (float)((t - last.Time) / s.Time);
        dst[2] = (float)(last.Amount / s.Amount);
        switch (last.Route)
        {
            case Route.Oral: dst[3] = 1; break;
            case Route.IvBolus: dst[4] = 1; break;
            case Route.IvInfusion: dst[5] = 1; break;
            case Route.OralInfusion: dst[3] = 1; dst[5] = 1; break;
        }
        dst[6] = (float)(last.Duration > 0 ? Math.Min(1, (t - last.Time) / last.Duration) : 1);
        dst[7] = (float)Math.Log(1 + n);
        dst[8] = (float)s0; dst[9] = (float)s1; dst[10] = (float)s2; dst[11] = (float)s3;
    }
}
