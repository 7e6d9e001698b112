using ZeroShotPK.Data;

namespace ZeroShotPK.Models.Neural;

/// <summary>
/// An individual's record as AICMET sees it: the dosing history with NONMEM's reset semantics, on a time axis
/// without dead gaps before resets.
/// </summary>
/// <remarks>
/// <para>A reset (EVID 3, an EVID 4 dose, or an SS=1 steady-state dose) replaces everything given before it, exactly as
/// <see cref="Simulation.Superposition"/> does; <see cref="DoseEnd"/> records, per dose, the first later reset, after which
/// the dose no longer counts. Without it a long regimen (weeks of dosing sampled at steady state) would be summed dose by
/// dose into concentrations far above anything the drug can reach.</para>
/// <para>Time before a reset is dead time: nothing given before it matters afterwards. Monitoring designs (quinidine:
/// one sample per occasion, occasions months apart) would otherwise set the task's time scale to thousands of hours and
/// push every rate constant far outside what the model was trained on. So each gap between the last event before a
/// reset and the reset shrinks to one dosing interval of the steady-state dose (for EVID 3/4: at most the length of the
/// segment before it). Durations inside a segment, and so every rate the model infers, are unchanged. Records without
/// resets pass through untouched (same objects, same numbers).</para>
/// <para>A steady-state dose (SS=1 or SS=2, interval II) stands for a regimen given long before it. The priors put one
/// only at the start of a record, and the network reads it there as trained; after other events (a new occasion of
/// routine data) a token "at steady state, interval II" gave predictions tens of times too high. There it is written
/// out as what it means for linear kinetics: the last <see cref="SteadyStateHistory"/> doses of that regimen, II apart,
/// ending at the SS dose; for SS=1 the reset moves to the first of them. Only as many are written as fit after the
/// previous event of the record (never before a sample or dose that the SS dose does not void).</para>
/// </remarks>
internal sealed class AicmetTimeline
{
    /// <summary>Doses of the regimen a steady-state dose stands for that are written out (6 intervals: at least 3
    /// half-lives for the 0.5-2 half-life intervals of the training priors, so at least 7/8 of the steady state).</summary>
    public const int SteadyStateHistory = 6;

    private readonly (double Start, double Shift, double GapStart, double GapScale)[] cuts;

    private AicmetTimeline(Individual individual, double[]? doseEnd, (double, double, double, double)[] cuts)
    {
        Individual = individual;
        DoseEnd = doseEnd;
        this.cuts = cuts;
    }

    /// <summary>The individual on the warped time axis (the original object when nothing changed).</summary>
    public Individual Individual { get; }

    /// <summary>Per dose of <see cref="Individual"/>, the (warped) time of the first reset after it; null when no dose is ever voided.</summary>
    public double[]? DoseEnd { get; }

    /// <summary>Maps a time of the original record onto the warped axis (identity without compressed gaps).</summary>
    public double Warp(double t) => Warp(cuts, t);

    private static double Warp((double Start, double Shift, double GapStart, double GapScale)[] cuts, double t)
    {
        double shift = 0;
        foreach (var (start, s, gapStart, gapScale) in cuts)
        {
            if (t >= start) { shift += s; continue; }
            // Inside a compressed gap: squeeze linearly so the axis stays increasing.
            if (t > gapStart) return gapStart - shift + (t - gapStart) * gapScale;
            break;
        }
        return t - shift;
    }

    /// <summary>The timeline of <paramref name="individual"/>; <paramref name="extraTimes"/> (query times) count as events, so no query falls in a compressed gap.</summary>
    public static AicmetTimeline Of(Individual individual, IReadOnlyList<double>? extraTimes = null)
    {
        List<(double Time, double Interval)> resets;
        if (individual.Doses.Any(IsExpandable)) (individual, resets) = ExpandSteadyStates(individual, extraTimes);
        else
        {
            resets = individual.ResetTimes.Select(r => (r, 0.0)).ToList();
            foreach (var d in individual.Doses)
                if (d.ReplacesPast) resets.Add((d.Time, KeptInterval(d)));
        }
        var doses = individual.Doses;
        // Only a reset that voids an earlier dose changes anything.
        resets = resets.Where(r => doses.Any(d => d.Time < r.Time)).OrderBy(r => r.Time).ToList();
        if (resets.Count == 0) return new AicmetTimeline(individual, null, []);

        var events = new List<double>();
        foreach (var d in doses) { events.Add(d.Time); events.Add(d.Time + d.Duration); }
        foreach (var o in individual.Observations) events.Add(o.Time);
        if (extraTimes is not null) events.AddRange(extraTimes);
        events.Sort();

        var cuts = new List<(double Start, double Shift, double GapStart, double GapScale)>();
        double segmentStart = events.Count > 0 ? Math.Min(events[0], resets[0].Time) : 0;
        double lastCut = double.NegativeInfinity;
        foreach (var (r, interval) in resets)
        {
            if (r <= lastCut) continue;
            double p = double.NegativeInfinity;
            foreach (var e in events) { if (e < r) p = e; else break; }
            if (double.IsNegativeInfinity(p)) continue;
            double gap = r - p;
            double keep = interval > 0 ? interval : Math.Max(p - segmentStart, 0);
            if (gap > keep && keep > 0)
                cuts.Add((r, gap - keep, p, keep / gap));
            segmentStart = r;
            lastCut = r;
        }
        var cut = cuts.ToArray();
        double W(double t) => Warp(cut, t);
        var warped = cut.Length == 0 ? individual : new Individual(individual.Id,
            doses.Select(d => d with { Time = W(d.Time) }),
            individual.Observations.Select(o => o with { Time = W(o.Time) }),
            individual.Covariates,
            individual.ResetTimes.Select(W),
            individual.CovariateChanges.Select(c => c with { Time = W(c.Time) }));
        var warpedResets = resets.Select(r => W(r.Time)).ToArray();
        var doseEnd = new double[warped.Doses.Count];
        for (int i = 0; i < doseEnd.Length; i++)
        {
            double t = warped.Doses[i].Time, end = double.PositiveInfinity;
            foreach (var r in warpedResets) if (r > t) { end = r; break; }
            doseEnd[i] = end;
        }
        return new AicmetTimeline(warped, doseEnd, cut);
    }

    private static bool IsExpandable(DosingEvent d) => d.SteadyStateInterval is > 0 && d.Duration < d.SteadyStateInterval;

    // How much of the dead gap before a reset dose is kept: one dosing interval of a steady state that replaces the past
    // (SS=1); 0 (the segment's own length) for an EVID 4 dose or an additive steady state.
    private static double KeptInterval(DosingEvent d) => d.SteadyStateAdditive ? 0 : d.SteadyStateInterval ?? 0;

    /// <summary>
    /// Writes every steady-state dose that follows another event out as the last doses of its regimen (see remarks).
    /// Returns the record (the same object when nothing was written out) and its resets (time, and the dosing interval
    /// that a compressed gap before it keeps).
    /// </summary>
    private static (Individual Individual, List<(double Time, double Interval)> Resets) ExpandSteadyStates(
        Individual individual, IReadOnlyList<double>? extraTimes)
    {
        var events = new List<double>();
        foreach (var d in individual.Doses) { events.Add(d.Time); events.Add(d.Time + d.Duration); }
        foreach (var o in individual.Observations) events.Add(o.Time);
        foreach (var r in individual.ResetTimes) events.Add(r);
        if (extraTimes is not null) events.AddRange(extraTimes);
        events.Sort();

        var doses = new List<DosingEvent>(individual.Doses.Count + SteadyStateHistory);
        var resets = individual.ResetTimes.Select(r => (r, 0.0)).ToList();
        bool written = false;
        foreach (var d in individual.Doses)
        {
            // The previous event: the written-out doses must all fall after it (a sample there sees the old doses).
            double previous = double.NegativeInfinity;
            if (IsExpandable(d))
                foreach (var e in events) { if (e < d.Time) previous = e; else break; }
            if (double.IsNegativeInfinity(previous))
            {
                doses.Add(d);
                if (d.ReplacesPast) resets.Add((d.Time, KeptInterval(d)));
                continue;
            }
            double ii = d.SteadyStateInterval!.Value, t0 = d.Time;
            int k = Math.Clamp((int)Math.Ceiling((t0 - previous) / ii) - 1, 0, SteadyStateHistory);
            bool resetsPast = d.ReplacesPast;
            var plain = d with { SteadyStateInterval = null, SteadyStateAdditive = false, ResetBefore = false };
            for (int j = k; j >= 1; j--)
                doses.Add(plain with { Time = t0 - j * ii, ResetBefore = resetsPast && j == k });
            doses.Add(plain with { ResetBefore = resetsPast && k == 0 });
            if (resetsPast) resets.Add((t0 - k * ii, ii));
            written = true;
        }
        if (!written) return (individual, resets);
        return (new Individual(individual.Id, doses, individual.Observations, individual.Covariates, individual.ResetTimes,
            individual.CovariateChanges), resets);
    }
}
