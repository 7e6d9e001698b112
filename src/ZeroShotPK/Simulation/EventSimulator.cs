using ZeroShotPK.Data;

namespace ZeroShotPK.Simulation;

/// <summary>How a solver moves the state across an interval with constant parameters and infusion rates.</summary>
internal interface IPropagator
{
    /// <summary>Advances <paramref name="x"/> by <paramref name="h"/>.</summary>
    SolveStatus Advance(PkModel model, PkParameters p, ReadOnlySpan<double> rates, Span<double> x, double h, ref int steps);

    /// <summary>State just before a steady-state dose (trough) for repeated <paramref name="dose"/> every <paramref name="tau"/>.</summary>
    SolveStatus SteadyState(PkModel model, PkParameters p, DosingEvent dose, double tau, Span<double> trough, ref int steps);
}

/// <summary>
/// Walks the dosing history event by event (doses after lag, infusion starts and stops, resets, parameter changes,
/// outputs) and lets an <see cref="IPropagator"/> move the state between events. Shared by both solvers so that they
/// differ only in how an interval is solved.
/// </summary>
internal static class EventSimulator
{
    private enum Kind { Reset = 0, Segment = 1, SteadyState = 2, Bolus = 3, InfusionStart = 4, InfusionStop = 5, Output = 6 }

    private readonly record struct Event(double Time, Kind Kind, int Index, int Compartment, double Value);

    public static PkSolution Solve(PkProblem problem, IPropagator propagator) =>
        Run(problem, propagator, null, null);

    /// <summary>Runs the simulation; optional initial state at time 0 and final state at the last event.</summary>
    public static PkSolution Run(PkProblem problem, IPropagator propagator, double[]? initial, double[]? final)
    {
        var model = problem.Model;
        var n = model.StateCount;
        var events = new List<Event>(problem.Times.Count + problem.Doses.Count * 2 + problem.Segments.Count + 4);
        for (var i = 0; i < problem.Times.Count; i++) events.Add(new Event(problem.Times[i], Kind.Output, i, 0, 0));
        for (var i = 1; i < problem.Segments.Count; i++) events.Add(new Event(problem.Segments[i].Start, Kind.Segment, i, 0, 0));
        foreach (var rt in problem.ResetTimes) events.Add(new Event(rt, Kind.Reset, 0, 0, 0));
        for (var i = 0; i < problem.Doses.Count; i++)
        {
            var d = problem.Doses[i];
            var p = problem.ParametersAt(d.Time);
            if (d.ResetBefore && d.SteadyStateInterval is null) events.Add(new Event(d.Time, Kind.Reset, 0, 0, 0));
            if (d.SteadyStateInterval is { } tau)
            {
                var duration = d.IsInfusion ? d.Duration : 0;
                var lag = d.IntoDepot ? p.Tlag : 0;
                if (lag + duration > tau)
                    return PkSolution.Failed(problem, SolveStatus.Unsupported,
                        $"steady-state dose at time {d.Time}: lag ({lag}) + infusion duration ({duration}) exceeds the interval {tau}; overlapping steady-state doses are not supported.");
                events.Add(new Event(d.Time, Kind.SteadyState, i, 0, tau));
            }
            var cmt = d.IntoDepot ? 0 : 1;
            var amount = d.IntoDepot ? d.Amount * p.F : d.Amount;
            var start = d.Time + (d.IntoDepot ? p.Tlag : 0);
            if (d.IsInfusion)
            {
                events.Add(new Event(start, Kind.InfusionStart, i, cmt, amount / d.Duration));
                events.Add(new Event(start + d.Duration, Kind.InfusionStop, i, cmt, amount / d.Duration));
            }
            else events.Add(new Event(start, Kind.Bolus, i, cmt, amount));
        }
        // Stable sort: at equal times resets come first, outputs last (a sample at a dose time sees the dose).
        events.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : a.Index.CompareTo(b.Index));

        var x = new double[n];
        if (initial is not null) initial.AsSpan(0, n).CopyTo(x);
        var rates = new double[n];
        var active = new List<(int Dose, int Compartment, double Rate, double Start)>();
        var concentrations = new double[problem.Times.Count];
        var amounts = new double[problem.Times.Count, n];
        var segment = 0;
        var p0 = problem.Segments[0].Parameters;
        var t = 0.0;
        var steps = 0;
        var lastReset = double.NegativeInfinity;
        foreach (var ev in events)
        {
            if (ev.Time > t)
            {
                var status = propagator.Advance(model, problem.Segments[segment].Parameters, rates, x, ev.Time - t, ref steps);
                if (status != SolveStatus.Success)
                    return PkSolution.Failed(problem, status, $"solver failed between t = {t} and t = {ev.Time} ({status}).");
                t = ev.Time;
            }
            switch (ev.Kind)
            {
                case Kind.Reset:
                    Array.Clear(x);
                    active.Clear();
                    lastReset = ev.Time;
                    break;
                case Kind.Segment:
                    segment = ev.Index;
                    break;
                case Kind.SteadyState:
                {
                    // NONMEM SS=1: the past is replaced by the steady state of this dose regimen.
                    active.Clear();
                    lastReset = ev.Time;
                    var dose = problem.Doses[ev.Index];
                    var trough = new double[n];
                    var status = propagator.SteadyState(model, problem.ParametersAt(dose.Time), dose with { Time = 0, SteadyStateInterval = null, ResetBefore = false }, ev.Value, trough, ref steps);
                    if (status != SolveStatus.Success)
                        return PkSolution.Failed(problem, status, $"steady state for the dose at time {dose.Time} failed ({status}).");
                    trough.CopyTo(x, 0);
                    break;
                }
                case Kind.Bolus:
                    x[ev.Compartment] += ev.Value;
                    break;
                case Kind.InfusionStart:
                    active.Add((ev.Index, ev.Compartment, ev.Value, ev.Time));
                    break;
                case Kind.InfusionStop:
                    active.RemoveAll(a => a.Dose == ev.Index);
                    break;
                case Kind.Output:
                {
                    var p = problem.Segments[segment].Parameters;
                    concentrations[ev.Index] = x[1] / p.V;
                    for (var s = 0; s < n; s++) amounts[ev.Index, s] = x[s];
                    break;
                }
            }
            Array.Clear(rates);
            foreach (var a in active) rates[a.Compartment] += a.Rate;
        }
        _ = lastReset; _ = p0;
        foreach (var c in concentrations)
            if (!double.IsFinite(c)) return PkSolution.Failed(problem, SolveStatus.NotFinite, "a concentration is not finite.");
        if (final is not null) x.CopyTo(final, 0);
        return new PkSolution(problem, SolveStatus.Success, concentrations, amounts, null, steps);
    }

    /// <summary>State at time tau after a single dose given at 0 to an empty system (helper for steady state).</summary>
    public static SolveStatus SingleInterval(PkModel model, PkParameters p, DosingEvent dose, double tau, double[]? initial, double[] final, IPropagator propagator, ref int steps)
    {
        var problem = new PkProblem(model, p, [dose], [tau]);
        var solution = Run(problem, propagator, initial, final);
        steps += solution.Steps;
        return solution.Status;
    }
}
