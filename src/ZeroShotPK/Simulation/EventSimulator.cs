using ZeroShotPK.Data;

namespace ZeroShotPK.Simulation;

/// <summary>How a solver moves the state across an interval with constant parameters and infusion rates.</summary>
internal interface IPropagator
{
    /// <summary>Advances <paramref name="x"/> by <paramref name="h"/>.</summary>
    SolveStatus Advance(PkModel model, PkParameters p, ReadOnlySpan<double> rates, Span<double> x, double h, ref int steps);

    /// <summary>State just before a dose of the periodic regimen (the trough, at 0⁻): the fixed point of the window map.</summary>
    SolveStatus SteadyState(PeriodicWindow window, Span<double> trough, ref int steps);
}

/// <summary>
/// One dosing interval [0, tau) of a steady-state regimen: the dose at 0 and what earlier doses (at -tau, -2 tau, ...)
/// still put in during it (lag and infusions longer than tau make doses overlap). Its map x(0⁻) -> x(tau⁻) is affine
/// for linear models, x(tau⁻) = e^{A tau} x(0⁻) + b, and the steady state is its fixed point.
/// </summary>
/// <param name="Problem">The interval as a problem: lag already applied (Tlag 0), one output at tau.</param>
/// <param name="Tau">Dosing interval.</param>
/// <param name="DepotActive">False when nothing enters the depot (its amount stays 0 and is not an unknown).</param>
internal sealed record PeriodicWindow(PkProblem Problem, double Tau, bool DepotActive)
{
    /// <summary>State indices solved for: all but the eliminated amount, and the depot only when it receives doses.</summary>
    public int[] Unknowns()
    {
        var model = Problem.Model;
        return Enumerable.Range(DepotActive ? 0 : 1, model.StateCount - 1 - (DepotActive ? 0 : 1)).ToArray();
    }

    /// <summary>x(tau⁻) from <paramref name="initial"/> at 0⁻ (eliminated amount ignored and returned as accumulated).</summary>
    public SolveStatus Map(double[] initial, double[] final, IPropagator propagator, ref int steps)
    {
        var solution = EventSimulator.Run(Problem, propagator, initial, final);
        steps += solution.Steps;
        return solution.Status;
    }
}

/// <summary>
/// Walks the dosing history event by event (doses after lag, infusion starts and stops, resets, parameter changes,
/// outputs) and lets an <see cref="IPropagator"/> move the state between events. Shared by both solvers so that they
/// differ only in how an interval is solved.
/// </summary>
internal static class EventSimulator
{
    private enum Kind { Reset = 0, Segment = 1, SteadyState = 2, Bolus = 3, InfusionStart = 4, InfusionStop = 5, Output = 6 }

    /// <summary>An event; <paramref name="Origin"/> is the steady-state dose time for inputs left over from its earlier doses (+inf otherwise).</summary>
    private readonly record struct Event(double Time, Kind Kind, int Index, int Compartment, double Value, double Origin = double.PositiveInfinity);

    public static PkSolution Solve(PkProblem problem, IPropagator propagator) =>
        Run(problem, propagator, null, null);

    /// <summary>
    /// Inputs of the regimen of <paramref name="dose"/> every <paramref name="tau"/> that fall in [<paramref name="from"/>, <paramref name="to"/>),
    /// from the doses given at -k tau for k &gt;= <paramref name="firstDose"/>, times relative to the dose at 0 and lag applied:
    /// (start, duration (0 = bolus), amount before bioavailability).
    /// </summary>
    private static IEnumerable<(double Start, double Duration, double Amount)> RegimenInputs(DosingEvent dose, double lag, double tau,
        int firstDose, double from, double to)
    {
        var duration = dose.IsInfusion ? dose.Duration : 0;
        for (var k = firstDose; k * tau <= lag + duration; k++)
        {
            var start = lag - k * tau;
            if (duration == 0)
            {
                if (start >= from && start < to) yield return (start, 0, dose.Amount);
                continue;
            }
            var a = Math.Max(start, from);
            var b = Math.Min(start + duration, to);
            if (b > a) yield return (a, b - a, dose.Amount * (b - a) / duration);
        }
    }

    /// <summary>The dosing interval of a steady-state dose (see <see cref="PeriodicWindow"/>).</summary>
    private static PeriodicWindow Window(PkModel model, PkParameters p, DosingEvent dose, double tau)
    {
        var lag = dose.IntoDepot ? p.Tlag : 0;
        var doses = RegimenInputs(dose, lag, tau, 0, 0, tau)
            .Select(i => new DosingEvent(i.Start, i.Amount, dose.Route, i.Duration)).ToArray();
        return new PeriodicWindow(new PkProblem(model, p with { Tlag = 0 }, doses, [tau]), tau, dose.IntoDepot);
    }

    /// <summary>Runs the simulation; optional initial state at time 0 and final state at the last event.</summary>
    public static PkSolution Run(PkProblem problem, IPropagator propagator, double[]? initial, double[]? final)
    {
        var model = problem.Model;
        var n = model.StateCount;
        var events = new List<Event>(problem.Times.Count + problem.Doses.Count * 2 + problem.Segments.Count + 4);
        for (var i = 0; i < problem.Times.Count; i++) events.Add(new Event(problem.Times[i], Kind.Output, i, 0, 0));
        for (var i = 1; i < problem.Segments.Count; i++) events.Add(new Event(problem.Segments[i].Start, Kind.Segment, i, 0, 0));
        foreach (var rt in problem.ResetTimes) events.Add(new Event(rt, Kind.Reset, 0, 0, 0));
        // Inputs left over from a steady-state regimen's earlier doses get indices after the doses' own.
        var extraIndex = problem.Doses.Count;
        for (var i = 0; i < problem.Doses.Count; i++)
        {
            var d = problem.Doses[i];
            var p = problem.ParametersAt(d.Time);
            var cmt = d.IntoDepot ? 0 : 1;
            var bioavailability = d.IntoDepot ? p.F : 1;
            var lag = d.IntoDepot ? p.Tlag : 0;
            if (d.ResetBefore && (d.SteadyStateInterval is null || d.SteadyStateAdditive)) events.Add(new Event(d.Time, Kind.Reset, 0, 0, 0));
            if (d.SteadyStateInterval is { } tau)
            {
                events.Add(new Event(d.Time, Kind.SteadyState, i, 0, tau));
                // Overlapping regimen (lag + infusion duration > tau): earlier doses are still going in after d.Time.
                foreach (var (start, duration, amount) in RegimenInputs(d, lag, tau, 1, 0, double.PositiveInfinity))
                {
                    var index = extraIndex++;
                    if (duration == 0) events.Add(new Event(d.Time + start, Kind.Bolus, index, cmt, amount * bioavailability, d.Time));
                    else
                    {
                        var rate = amount * bioavailability / duration;
                        events.Add(new Event(d.Time + start, Kind.InfusionStart, index, cmt, rate, d.Time));
                        events.Add(new Event(d.Time + start + duration, Kind.InfusionStop, index, cmt, rate, d.Time));
                    }
                }
            }
            var amountIn = d.Amount * bioavailability;
            var begin = d.Time + lag;
            if (d.IsInfusion)
            {
                events.Add(new Event(begin, Kind.InfusionStart, i, cmt, amountIn / d.Duration));
                events.Add(new Event(begin + d.Duration, Kind.InfusionStop, i, cmt, amountIn / d.Duration));
            }
            else events.Add(new Event(begin, Kind.Bolus, i, cmt, amountIn));
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
        var t = 0.0;
        var steps = 0;
        // Time of the last reset or SS=1 dose: leftovers of a regimen started before it are void.
        var cleared = double.NegativeInfinity;
        foreach (var ev in events)
        {
            if (ev.Time > t)
            {
                var status = propagator.Advance(model, problem.Segments[segment].Parameters, rates, x, ev.Time - t, ref steps);
                if (status != SolveStatus.Success)
                    return PkSolution.Failed(problem, status, $"solver failed between t = {t} and t = {ev.Time}: {Why(status, propagator)}.");
                t = ev.Time;
            }
            if (ev.Origin < cleared) continue;
            switch (ev.Kind)
            {
                case Kind.Reset:
                    Array.Clear(x);
                    active.Clear();
                    cleared = ev.Time;
                    break;
                case Kind.Segment:
                    segment = ev.Index;
                    break;
                case Kind.SteadyState:
                {
                    var dose = problem.Doses[ev.Index];
                    var window = Window(model, problem.ParametersAt(dose.Time), dose, ev.Value);
                    var trough = new double[n];
                    var status = propagator.SteadyState(window, trough, ref steps);
                    if (status != SolveStatus.Success)
                        return PkSolution.Failed(problem, status, $"steady state for the dose at time {dose.Time} failed: {Why(status, propagator)}.");
                    if (dose.SteadyStateAdditive)
                    {
                        // NONMEM SS=2: superposition of the regimen on whatever is in the body.
                        for (var s = 0; s < n - 1; s++) x[s] += trough[s];
                    }
                    else
                    {
                        // NONMEM SS=1: the past is replaced by the steady state of this dose regimen.
                        active.Clear();
                        trough.CopyTo(x, 0);
                        cleared = ev.Time;
                    }
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
        foreach (var c in concentrations)
            if (!double.IsFinite(c)) return PkSolution.Failed(problem, SolveStatus.NotFinite, "a concentration is not finite.");
        if (final is not null) x.CopyTo(final, 0);
        return new PkSolution(problem, SolveStatus.Success, concentrations, amounts, null, steps);
    }

    /// <summary>A failed status in words, with the limit it hit.</summary>
    private static string Why(SolveStatus status, IPropagator propagator) => (status, propagator) switch
    {
        (SolveStatus.WorkLimitExceeded, OdeSolver ode) => $"more than {ode.MaxStepsPerSolve.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} integration steps, the work limit of one solve (OdeSolver.MaxStepsPerSolve); the parameters make the system too stiff to integrate",
        (SolveStatus.MaxStepsExceeded, OdeSolver ode) => $"more than {ode.Options.MaxSteps.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} integration steps in one interval (OdeOptions.MaxSteps); the parameters make the system too stiff to integrate",
        (SolveStatus.StepSizeTooSmall, _) => "the step size fell below its minimum (the system is too stiff or not finite)",
        (SolveStatus.SteadyStateNotConverged, _) => "steady state did not converge within the iteration limit",
        (SolveStatus.NotFinite, _) => "a non-finite number appeared",
        _ => status.ToString(),
    };
}
