namespace ZeroShotPK.Pbpk;

/// <summary>
/// One individual's physiology: body weight (kg), hematocrit, cardiac output (L/h), tissue volumes (L) and blood
/// flows (L/h). <see cref="Flows"/>[Liver] is the total liver flow (hepatic artery plus portal); <see cref="Flows"/>[Lung]
/// is the cardiac output. Values are stored as given, even non-physiological ones, so that
/// <see cref="PhysiologyConstraints"/> can say what is wrong (a generator's non-finite output breaks rules rather than crashing); <see cref="PbpkModel"/> refuses invalid ones.
/// </summary>
public sealed class Physiology
{
    private readonly double[] _volumes;
    private readonly double[] _flows;

    /// <summary>Creates a physiology.</summary>
    /// <param name="species">Species the values belong to.</param>
    /// <param name="bodyWeight">Body weight, kg.</param>
    /// <param name="hematocrit">Hematocrit, fraction of blood volume.</param>
    /// <param name="cardiacOutput">Cardiac output, L/h.</param>
    /// <param name="volumes">Tissue volumes in L, indexed by <see cref="Tissue"/> (13 values).</param>
    /// <param name="bloodVolume">Total blood volume, L (one third arterial, two thirds venous).</param>
    /// <param name="flows">Tissue blood flows in L/h by <see cref="Tissue"/>; the Lung entry is ignored (lungs get the cardiac output).</param>
    /// <exception cref="ArgumentException">Wrong lengths.</exception>
    public Physiology(Species species, double bodyWeight, double hematocrit, double cardiacOutput,
        IReadOnlyList<double> volumes, double bloodVolume, IReadOnlyList<double> flows)
    {
        if (volumes.Count != Tissues.Count) throw new ArgumentException($"volumes: expected {Tissues.Count} values (one per Tissue), got {volumes.Count}.", nameof(volumes));
        if (flows.Count != Tissues.Count) throw new ArgumentException($"flows: expected {Tissues.Count} values (one per Tissue), got {flows.Count}.", nameof(flows));
        Species = species;
        BodyWeight = bodyWeight;
        Hematocrit = hematocrit;
        CardiacOutput = cardiacOutput;
        BloodVolume = bloodVolume;
        _volumes = volumes.ToArray();
        _flows = flows.ToArray();
        _flows[(int)Tissue.Lung] = cardiacOutput;
    }

    /// <summary>Species.</summary>
    public Species Species { get; }
    /// <summary>Body weight, kg.</summary>
    public double BodyWeight { get; }
    /// <summary>Hematocrit (fraction).</summary>
    public double Hematocrit { get; }
    /// <summary>Cardiac output, L/h.</summary>
    public double CardiacOutput { get; }
    /// <summary>Total blood volume, L.</summary>
    public double BloodVolume { get; }
    /// <summary>Arterial blood volume, L (one third of blood, as in common whole-body models).</summary>
    public double ArterialVolume => BloodVolume / 3;
    /// <summary>Venous blood volume, L (two thirds of blood).</summary>
    public double VenousVolume => BloodVolume * 2 / 3;
    /// <summary>Tissue volumes, L, by <see cref="Tissue"/>.</summary>
    public IReadOnlyList<double> Volumes => _volumes;
    /// <summary>Blood flows, L/h, by <see cref="Tissue"/> (Liver = total liver flow, Lung = cardiac output).</summary>
    public IReadOnlyList<double> Flows => _flows;
    /// <summary>Volume of one tissue, L.</summary>
    public double Volume(Tissue t) => _volumes[(int)t];
    /// <summary>Blood flow through one tissue, L/h.</summary>
    public double Flow(Tissue t) => _flows[(int)t];
    /// <summary>Portal vein flow: gut + spleen + pancreas, L/h.</summary>
    public double PortalFlow => Flow(Tissue.Gut) + Flow(Tissue.Spleen) + Flow(Tissue.Pancreas);
    /// <summary>Hepatic artery flow = liver flow - portal flow, L/h (negative means an impossible individual).</summary>
    public double HepaticArteryFlow => Flow(Tissue.Liver) - PortalFlow;
    /// <summary>Sum of systemic flows with the portal flow counted once (inside the liver flow), L/h.</summary>
    public double SystemicFlowSum => Tissues.DrainToVein.Sum(Flow);
    /// <summary>Sum of tissue and blood volumes, L.</summary>
    public double TotalVolume => _volumes.Sum() + BloodVolume;

    /// <summary>The vector form used by generators and CSV files, in <see cref="Vector.Names"/> order.</summary>
    public double[] ToVector()
    {
        var x = new double[Vector.Length];
        x[0] = BodyWeight; x[1] = Hematocrit; x[2] = CardiacOutput;
        for (var i = 0; i < Tissues.Count; i++) x[3 + i] = _volumes[i];
        x[3 + Tissues.Count] = BloodVolume;
        var k = 4 + Tissues.Count;
        for (var i = 1; i < Tissues.Count; i++) x[k++] = _flows[i];
        return x;
    }

    /// <summary>Builds a physiology from its vector form (<see cref="Vector.Names"/> order).</summary>
    public static Physiology FromVector(Species species, ReadOnlySpan<double> x)
    {
        if (x.Length != Vector.Length) throw new ArgumentException($"physiology vector: expected {Vector.Length} values, got {x.Length}.", nameof(x));
        var v = x.Slice(3, Tissues.Count).ToArray();
        var q = new double[Tissues.Count];
        for (var i = 1; i < Tissues.Count; i++) q[i] = x[3 + Tissues.Count + i];
        return new Physiology(species, x[0], x[1], x[2], v, x[3 + Tissues.Count], q);
    }

    /// <summary>Layout of <see cref="ToVector"/>: body weight, hematocrit, cardiac output, 13 volumes, blood volume, 12 flows.</summary>
    public static class Vector
    {
        /// <summary>Number of entries (29).</summary>
        public const int Length = 4 + Tissues.Count + Tissues.Count - 1;

        /// <summary>Column names with units, e.g. <c>V_Liver_L</c>, <c>Q_Liver_L_per_h</c>.</summary>
        public static IReadOnlyList<string> Names { get; } =
            new[] { "BodyWeight_kg", "Hematocrit", "CardiacOutput_L_per_h" }
                .Concat(Tissues.All.Select(t => $"V_{t}_L"))
                .Append("V_Blood_L")
                .Concat(Tissues.All.Skip(1).Select(t => $"Q_{t}_L_per_h"))
                .ToArray();

        /// <summary>Index of the volume of <paramref name="t"/>.</summary>
        public static int VolumeIndex(Tissue t) => 3 + (int)t;

        /// <summary>Index of the blood volume.</summary>
        public const int BloodVolumeIndex = 3 + Tissues.Count;

        /// <summary>Index of the flow of <paramref name="t"/> (not Lung).</summary>
        public static int FlowIndex(Tissue t) => t == Tissue.Lung
            ? throw new ArgumentException("lung flow is the cardiac output (index 2).", nameof(t))
            : 3 + Tissues.Count + (int)t;
    }
}
