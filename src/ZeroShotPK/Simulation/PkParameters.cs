namespace ZeroShotPK.Simulation;

/// <summary>
/// PK parameters in the field's words (time, amount and volume units of the study; concentration = amount/volume).
/// Unused parameters (e.g. V3 in a 2-compartment model) are ignored.
/// </summary>
public sealed record PkParameters
{
    /// <summary>Clearance from the central compartment (volume/time); linear elimination only.</summary>
    public double CL { get; init; }
    /// <summary>Central volume.</summary>
    public double V { get; init; }
    /// <summary>First-order absorption rate constant from the depot (1/time).</summary>
    public double Ka { get; init; }
    /// <summary>Inter-compartmental clearance central - peripheral 1 (Q2).</summary>
    public double Q { get; init; }
    /// <summary>Volume of peripheral compartment 1.</summary>
    public double V2 { get; init; }
    /// <summary>Inter-compartmental clearance central - peripheral 2.</summary>
    public double Q3 { get; init; }
    /// <summary>Volume of peripheral compartment 2.</summary>
    public double V3 { get; init; }
    /// <summary>Inter-compartmental clearance central - peripheral 3.</summary>
    public double Q4 { get; init; }
    /// <summary>Volume of peripheral compartment 3.</summary>
    public double V4 { get; init; }
    /// <summary>Absorption lag time of depot doses (&gt;= 0).</summary>
    public double Tlag { get; init; }
    /// <summary>Bioavailability of depot doses, in (0, 1] typically.</summary>
    public double F { get; init; } = 1;
    /// <summary>Maximum elimination rate (amount/time), Michaelis-Menten only.</summary>
    public double Vmax { get; init; }
    /// <summary>Concentration at half-maximum elimination rate, Michaelis-Menten only.</summary>
    public double Km { get; init; }

    /// <summary>Elimination rate constant CL/V.</summary>
    public double K10 => CL / V;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first parameter out of range for <paramref name="model"/>.</summary>
    public void Validate(PkModel model)
    {
        static void Positive(string name, double v)
        {
            if (!(v > 0) || double.IsInfinity(v)) throw new ArgumentException($"PK parameter {name} = {v} must be a finite number > 0.");
        }
        static void NonNegative(string name, double v)
        {
            if (!(v >= 0) || double.IsInfinity(v)) throw new ArgumentException($"PK parameter {name} = {v} must be a finite number >= 0.");
        }
        Positive(nameof(V), V);
        if (model.Elimination == Elimination.Linear) NonNegative(nameof(CL), CL);
        else { Positive(nameof(Vmax), Vmax); Positive(nameof(Km), Km); }
        NonNegative(nameof(Ka), Ka);
        NonNegative(nameof(Tlag), Tlag);
        NonNegative(nameof(F), F);
        if (model.Compartments >= 2) { NonNegative(nameof(Q), Q); Positive(nameof(V2), V2); }
        if (model.Compartments >= 3) { NonNegative(nameof(Q3), Q3); Positive(nameof(V3), V3); }
        if (model.Compartments >= 4) { NonNegative(nameof(Q4), Q4); Positive(nameof(V4), V4); }
    }
}

/// <summary>Parameters in effect from <paramref name="Start"/> until the next segment starts (piecewise-constant parameters).</summary>
/// <param name="Start">Start time of the segment.</param>
/// <param name="Parameters">Parameters in effect.</param>
public sealed record ParameterSegment(double Start, PkParameters Parameters);
