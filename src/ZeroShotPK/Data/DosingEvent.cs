namespace ZeroShotPK.Data;

/// <summary>How a dose enters the body.</summary>
public enum Route
{
    /// <summary>Into the depot (gut), absorbed first-order: NONMEM CMT 1 with RATE 0.</summary>
    Oral,
    /// <summary>Instantaneous input into the central compartment.</summary>
    IvBolus,
    /// <summary>Zero-order input into the central compartment over <see cref="DosingEvent.Duration"/>.</summary>
    IvInfusion,
    /// <summary>Zero-order input into the depot (e.g. a zero-order absorption phase).</summary>
    OralInfusion,
}

/// <summary>
/// One administration. ADDL/II in a file are expanded into separate events by the reader, so every
/// <see cref="DosingEvent"/> is one real administration; <see cref="SteadyStateInterval"/> marks a dose given
/// at that interval long enough for steady state (NONMEM SS=1, II=interval; with <see cref="SteadyStateAdditive"/>
/// SS=2).
/// </summary>
/// <param name="Time">Time of the administration (start of an infusion), in the study's time unit; &gt;= 0.</param>
/// <param name="Amount">Amount given (AMT), in the study's amount unit; &gt; 0.</param>
/// <param name="Route">Route; decides the compartment the amount enters.</param>
/// <param name="Duration">Infusion duration (0 for a bolus or an oral dose).</param>
/// <param name="SteadyStateInterval">Dosing interval when this dose is at steady state (SS=1), else null.</param>
/// <param name="ResetBefore">True when the system is reset to zero just before this dose (EVID 4).</param>
/// <param name="SteadyStateAdditive">
/// With <paramref name="SteadyStateInterval"/>: true when the steady state of the regimen is added to the amounts
/// already in the body (NONMEM SS=2) instead of replacing them (SS=1, the default).
/// </param>
public sealed record DosingEvent(
    double Time,
    double Amount,
    Route Route,
    double Duration = 0,
    double? SteadyStateInterval = null,
    bool ResetBefore = false,
    bool SteadyStateAdditive = false)
{
    /// <summary>True for zero-order input.</summary>
    public bool IsInfusion => Route is Route.IvInfusion or Route.OralInfusion;

    /// <summary>Infusion rate (amount per time), or 0 for a bolus.</summary>
    public double Rate => IsInfusion ? Amount / Duration : 0;

    /// <summary>
    /// True when nothing given before this dose counts after it: a reset before the dose (EVID 4) or a steady state that
    /// replaces the past (SS=1; SS=2 adds to it).
    /// </summary>
    public bool ReplacesPast => ResetBefore || SteadyStateInterval is not null && !SteadyStateAdditive;

    /// <summary>True when the dose enters the depot rather than the central compartment.</summary>
    public bool IntoDepot => Route is Route.Oral or Route.OralInfusion;

    /// <summary>An oral dose at <paramref name="time"/>.</summary>
    public static DosingEvent Oral(double time, double amount) => new(time, amount, Route.Oral);

    /// <summary>An IV bolus at <paramref name="time"/>.</summary>
    public static DosingEvent Bolus(double time, double amount) => new(time, amount, Route.IvBolus);

    /// <summary>An IV infusion of <paramref name="amount"/> over <paramref name="duration"/>.</summary>
    public static DosingEvent Infusion(double time, double amount, double duration) => new(time, amount, Route.IvInfusion, duration);
}
