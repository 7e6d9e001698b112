namespace ZeroShotPK.Simulation;

/// <summary>How drug leaves the central compartment.</summary>
public enum Elimination
{
    /// <summary>First-order: rate CL * C.</summary>
    Linear,
    /// <summary>Saturable: rate Vmax * C / (Km + C); has no closed form.</summary>
    MichaelisMenten,
}

/// <summary>
/// Structure of a compartment model: a depot (gut) absorbing first-order into the central compartment, the central
/// compartment and 0 to 3 peripheral compartments; elimination from the central compartment.
/// </summary>
/// <param name="Compartments">Number of disposition compartments, 1 to 4 (central + peripherals).</param>
/// <param name="Elimination">Linear or Michaelis-Menten elimination.</param>
public sealed record PkModel(int Compartments, Elimination Elimination = Elimination.Linear)
{
    /// <summary>Largest number of disposition compartments supported (central + 3 peripherals).</summary>
    public const int MaxCompartments = 4;

    /// <summary>Number of state variables: depot, central, peripherals and the cumulative eliminated amount.</summary>
    public int StateCount => Compartments + 2;

    /// <summary>Index of the cumulative eliminated amount in the state (the last one).</summary>
    public int EliminatedIndex => Compartments + 1;

    /// <summary>State names in order: Depot, Central, Peripheral1.., Eliminated.</summary>
    public IReadOnlyList<string> StateNames =>
        ["Depot", "Central", .. Enumerable.Range(1, Compartments - 1).Select(i => "Peripheral" + i), "Eliminated"];

    /// <summary>Throws when the structure is not supported.</summary>
    public void Validate()
    {
        if (Compartments is < 1 or > MaxCompartments)
            throw new ArgumentOutOfRangeException(nameof(Compartments), Compartments, "Compartments must be 1, 2, 3 or 4.");
    }

    /// <summary>Terminal half-life ln2 / lambda_z of the linear model: lambda_z = smallest eigenvalue of the disposition rate matrix.</summary>
    public double TerminalHalfLife(PkParameters p)
    {
        var s = StateCount;
        var a = new double[s * s];
        CompartmentSystem.RateMatrix(this with { Elimination = Elimination.Linear }, p, a, s);
        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(Compartments, Compartments, (i, j) => a[(i + 1) * s + j + 1]);
        var lambda = m.Evd().EigenValues.Select(e => -e.Real).Where(v => v > 0).DefaultIfEmpty(double.Epsilon).Min();
        return Math.Log(2) / lambda;
    }

    /// <summary>One-compartment model with linear elimination.</summary>
    public static PkModel OneCompartment { get; } = new(1);

    /// <summary>The model in words, for titles and messages: "2 compartments, linear elimination".</summary>
    public override string ToString() =>
        $"{Compartments} compartment{(Compartments == 1 ? "" : "s")}, {(Elimination == Elimination.Linear ? "linear" : "Michaelis-Menten")} elimination";
    /// <summary>Two-compartment model with linear elimination.</summary>
    public static PkModel TwoCompartment { get; } = new(2);
    /// <summary>Three-compartment model with linear elimination.</summary>
    public static PkModel ThreeCompartment { get; } = new(3);
    /// <summary>Four-compartment model (central + 3 peripherals) with linear elimination.</summary>
    public static PkModel FourCompartment { get; } = new(4);
}
