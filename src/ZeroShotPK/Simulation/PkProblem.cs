using ZeroShotPK.Data;

namespace ZeroShotPK.Simulation;

/// <summary>
/// An immutable PK problem: model, (possibly time-varying) parameters, dosing history and output times.
/// Solve it with any <see cref="IPkSolver"/>.
/// </summary>
public sealed class PkProblem
{
    /// <summary>Creates a problem with piecewise-constant parameters.</summary>
    /// <param name="model">Model structure.</param>
    /// <param name="segments">Parameter segments sorted by start; the first one applies before its start too.</param>
    /// <param name="doses">Doses (any order; sorted here).</param>
    /// <param name="times">Output times, ascending, &gt;= 0.</param>
    /// <param name="resetTimes">EVID 3 reset times (state set to zero, running infusions stopped).</param>
    /// <exception cref="ArgumentException">Invalid parameters, unsorted times or segments, invalid doses.</exception>
    public PkProblem(PkModel model, IEnumerable<ParameterSegment> segments, IEnumerable<DosingEvent> doses,
        IEnumerable<double> times, IEnumerable<double>? resetTimes = null)
    {
        model.Validate();
        Model = model;
        Segments = segments.ToArray();
        if (Segments.Count == 0) throw new ArgumentException("at least one parameter segment is required.", nameof(segments));
        for (var i = 0; i < Segments.Count; i++)
        {
            Segments[i].Parameters.Validate(model);
            if (i > 0 && !(Segments[i].Start > Segments[i - 1].Start))
                throw new ArgumentException($"parameter segment {i} starts at {Segments[i].Start}, not after segment {i - 1} ({Segments[i - 1].Start}).", nameof(segments));
        }
        Doses = doses.OrderBy(d => d.Time).ToArray();
        foreach (var d in Doses)
        {
            if (!(d.Amount >= 0) || !double.IsFinite(d.Time) || d.Time < 0)
                throw new ArgumentException($"dose at time {d.Time} with amount {d.Amount}: time and amount must be finite and >= 0.", nameof(doses));
            if (d.IsInfusion && !(d.Duration > 0))
                throw new ArgumentException($"infusion at time {d.Time} has duration {d.Duration}; expected > 0.", nameof(doses));
            if (d.SteadyStateInterval is { } ii && !(ii > 0))
                throw new ArgumentException($"steady-state dose at time {d.Time} has interval {ii}; expected > 0.", nameof(doses));
            if (d.SteadyStateAdditive && d.SteadyStateInterval is null)
                throw new ArgumentException($"dose at time {d.Time} is marked SteadyStateAdditive (SS=2) but has no SteadyStateInterval; expected an interval > 0.", nameof(doses));
        }
        Times = times.ToArray();
        for (var i = 0; i < Times.Count; i++)
        {
            if (!double.IsFinite(Times[i]) || Times[i] < 0) throw new ArgumentException($"output time {Times[i]} must be finite and >= 0.", nameof(times));
            if (i > 0 && Times[i] < Times[i - 1]) throw new ArgumentException($"output times must be ascending ({Times[i - 1]} then {Times[i]}).", nameof(times));
        }
        ResetTimes = (resetTimes ?? []).OrderBy(t => t).ToArray();
    }

    /// <summary>Creates a problem with constant parameters.</summary>
    public PkProblem(PkModel model, PkParameters parameters, IEnumerable<DosingEvent> doses, IEnumerable<double> times,
        IEnumerable<double>? resetTimes = null)
        : this(model, [new ParameterSegment(0, parameters)], doses, times, resetTimes) { }

    /// <summary>
    /// The problem for one individual of a dataset: its doses (ADDL already expanded, SS and EVID 4 kept), its EVID 3
    /// reset times, and its observation times (or <paramref name="times"/> when given).
    /// </summary>
    public static PkProblem ForIndividual(Individual individual, PkModel model, PkParameters parameters, IEnumerable<double>? times = null) =>
        new(model, parameters, individual.Doses, times ?? individual.Observations.Select(o => o.Time), individual.ResetTimes);

    /// <summary>Model structure.</summary>
    public PkModel Model { get; }
    /// <summary>Piecewise-constant parameters, sorted by start.</summary>
    public IReadOnlyList<ParameterSegment> Segments { get; }
    /// <summary>Doses sorted by time.</summary>
    public IReadOnlyList<DosingEvent> Doses { get; }
    /// <summary>Output times, ascending.</summary>
    public IReadOnlyList<double> Times { get; }
    /// <summary>EVID 3 reset times, ascending.</summary>
    public IReadOnlyList<double> ResetTimes { get; }

    /// <summary>True when parameters change over time.</summary>
    public bool IsTimeVarying => Segments.Count > 1;

    /// <summary>The parameters in effect at <paramref name="time"/>.</summary>
    public PkParameters ParametersAt(double time)
    {
        var p = Segments[0].Parameters;
        for (var i = 1; i < Segments.Count && Segments[i].Start <= time; i++) p = Segments[i].Parameters;
        return p;
    }

    /// <summary>A copy with other output times.</summary>
    public PkProblem WithTimes(IEnumerable<double> times) => new(Model, Segments, Doses, times, ResetTimes);
}
