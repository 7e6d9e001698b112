namespace ZeroShotPK.Pbpk.Scaling;

/// <summary>
/// What cross-species scaling needs to know of a species' reference individual (data/pbpk/physiology.csv), plus the
/// glomerular filtration rate. Brain weight is the brain volume at 1 kg/L.
/// </summary>
/// <param name="Species">Species.</param>
/// <param name="BodyWeight">Body weight, kg.</param>
/// <param name="BrainWeight">Brain weight, kg.</param>
/// <param name="LiverVolume">Liver volume, L (1 kg/L).</param>
/// <param name="LiverBloodFlow">Total liver blood flow, L/h.</param>
/// <param name="KidneyBloodFlow">Kidney blood flow, L/h.</param>
/// <param name="CardiacOutput">Cardiac output, L/h.</param>
/// <param name="Hematocrit">Hematocrit.</param>
/// <param name="Gfr">Glomerular filtration rate, L/h.</param>
public sealed record SpeciesDescriptor(Species Species, double BodyWeight, double BrainWeight, double LiverVolume,
    double LiverBloodFlow, double KidneyBloodFlow, double CardiacOutput, double Hematocrit, double Gfr)
{
    /// <summary>
    /// GFR in mL/min/kg^0.75 from httk's physiology.data (USEPA/CompTox-ExpoCast-httk datatables/Basic-Physiology.txt,
    /// no per-value reference; at httk's 70 kg human it is 125 mL/min, rat 0.25 kg 1.31 mL/min, dog 10 kg 61 mL/min).
    /// </summary>
    public static double GfrPerKg075(Species s) => s switch
    {
        Species.Mouse => 5.265,
        Species.Rat => 3.705,
        Species.Dog => 10.9,
        Species.Human => 5.165,
        Species.Monkey => 2.08,
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    /// <summary>
    /// Maximum life-span potential, years, by Sacher's equation MLP = 185.4 BrW^0.636 BW^-0.225 (kg), as used by the
    /// rule of exponents (Mahmood &amp; Balian 1996).
    /// </summary>
    public double MaximumLifeSpan => 185.4 * Math.Pow(BrainWeight, 0.636) * Math.Pow(BodyWeight, -0.225);

    /// <summary>The animal species of the benchmark, smallest first: mouse, rat, monkey, dog.</summary>
    public static IReadOnlyList<Species> Animals { get; } = [Species.Mouse, Species.Rat, Species.Monkey, Species.Dog];

    /// <summary>Every species: the animals then human (the node order of neural allometry, Models/Pbpk).</summary>
    public static IReadOnlyList<Species> All { get; } = [.. Animals, Species.Human];

    private static readonly Dictionary<Species, SpeciesDescriptor> Cache = Enum.GetValues<Species>().ToDictionary(s => s, Build);

    /// <summary>The descriptor of a species' reference individual.</summary>
    public static SpeciesDescriptor Of(Species species) => Cache[species];

    private static SpeciesDescriptor Build(Species s)
    {
        var p = PhysiologyTable.Load(s).Reference();
        return new SpeciesDescriptor(s, p.BodyWeight, p.Volume(Tissue.Brain), p.Volume(Tissue.Liver), p.Flow(Tissue.Liver),
            p.Flow(Tissue.Kidney), p.CardiacOutput, p.Hematocrit, GfrPerKg075(s) * Math.Pow(p.BodyWeight, 0.75) * 0.06);
    }

    /// <summary>
    /// A descriptor at any body weight: each quantity from the power law fitted through the five reference species
    /// (hematocrit: their mean). Lets a model that reads descriptors be queried continuously in body weight.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Body weight not finite and positive.</exception>
    public static SpeciesDescriptor AtBodyWeight(double bodyWeight, Species label = Species.Human)
    {
        if (!(bodyWeight > 0) || !double.IsFinite(bodyWeight)) throw new ArgumentOutOfRangeException(nameof(bodyWeight), bodyWeight, "body weight must be finite and > 0 kg.");
        var refs = All.Select(Of).ToArray();
        var bw = refs.Select(r => r.BodyWeight).ToArray();
        double At(Func<SpeciesDescriptor, double> f) => Allometry.Fit(bw, refs.Select(f).ToArray()).At(bodyWeight);
        return new SpeciesDescriptor(label, bodyWeight, At(r => r.BrainWeight), At(r => r.LiverVolume), At(r => r.LiverBloodFlow),
            At(r => r.KidneyBloodFlow), At(r => r.CardiacOutput), refs.Average(r => r.Hematocrit), At(r => r.Gfr));
    }
}
