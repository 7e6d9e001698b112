using ZeroShotPK.Simulation;

namespace ZeroShotPK.Pbpk.Scaling;

/// <summary>
/// Assumptions of the synthetic cross-species ground truth. These decide what a scaling benchmark can show: a
/// method can only be as good as the species differences here let it be, and differences that are not modelled
/// (species-specific enzymes, transporters, non-linear kinetics, biliary clearance, individual variability) cannot
/// hurt any method. Defaults are plausible, not fitted to data (see <see cref="CrossSpeciesGenerator"/>).
/// </summary>
public sealed record SpeciesDifferences
{
    /// <summary>
    /// Mean shift of logit(fu) from human by species (plasma binding is usually weaker in rodents). Default: mouse 0.5,
    /// rat 0.4, dog 0.2, monkey 0.1 (assumed).
    /// </summary>
    public IReadOnlyDictionary<Species, double> FuLogitShift { get; init; } = new Dictionary<Species, double>
    { [Species.Mouse] = 0.5, [Species.Rat] = 0.4, [Species.Dog] = 0.2, [Species.Monkey] = 0.1 };

    /// <summary>SD of a compound's logit(fu) around human + shift, per animal species (default 0.5).</summary>
    public double FuLogitSd { get; init; } = 0.5;

    /// <summary>Correlation of those deviations between the animal species of one compound (default 0.5: a shared compound effect).</summary>
    public double FuCorrelation { get; init; } = 0.5;

    /// <summary>
    /// Typical ratio of animal to human unbound intrinsic clearance per g liver (faster metabolism per g liver in small
    /// species). Default: mouse 3, rat 2.5, monkey 2, dog 1.5 (assumed).
    /// </summary>
    public IReadOnlyDictionary<Species, double> ClintRatio { get; init; } = new Dictionary<Species, double>
    { [Species.Mouse] = 3, [Species.Rat] = 2.5, [Species.Monkey] = 2, [Species.Dog] = 1.5 };

    /// <summary>Log-SD of a compound's animal CLint around human x ratio, independent between animal species (default 0.5: enzymes differ between species).</summary>
    public double ClintLogSd { get; init; } = 0.5;

    /// <summary>
    /// Log-SD of a deviation shared by all animal species of a compound (default 0.5): human metabolism differs from
    /// every animal's in the same direction (a human-specific enzyme). Averaging species cannot remove it, so it sets
    /// a floor under every method that scales from animals.
    /// </summary>
    public double ClintSharedLogSd { get; init; } = 0.5;

    /// <summary>Coefficient of variation (log-normal) of the observed animal CL and Vss around the model's values (default 0.15: study noise). Human values are exact.</summary>
    public double ObservationCv { get; init; } = 0.15;

    /// <summary>Checks ranges.</summary>
    /// <exception cref="ArgumentException">A value out of range or a missing animal species.</exception>
    public SpeciesDifferences Validate()
    {
        foreach (var s in SpeciesDescriptor.Animals)
        {
            if (!FuLogitShift.TryGetValue(s, out var f) || !double.IsFinite(f)) throw new ArgumentException($"FuLogitShift: a finite value for {s} is required.");
            if (!ClintRatio.TryGetValue(s, out var c) || !(c > 0) || !double.IsFinite(c)) throw new ArgumentException($"ClintRatio: a finite value > 0 for {s} is required.");
        }
        if (!(FuLogitSd >= 0) || !double.IsFinite(FuLogitSd)) throw new ArgumentException($"FuLogitSd must be finite and >= 0, got {FuLogitSd}.");
        if (!(FuCorrelation is >= 0 and <= 1)) throw new ArgumentException($"FuCorrelation must be in [0, 1], got {FuCorrelation}.");
        if (!(ClintLogSd >= 0) || !double.IsFinite(ClintLogSd)) throw new ArgumentException($"ClintLogSd must be finite and >= 0, got {ClintLogSd}.");
        if (!(ClintSharedLogSd >= 0) || !double.IsFinite(ClintSharedLogSd)) throw new ArgumentException($"ClintSharedLogSd must be finite and >= 0, got {ClintSharedLogSd}.");
        if (!(ObservationCv >= 0) || !double.IsFinite(ObservationCv)) throw new ArgumentException($"ObservationCv must be finite and >= 0, got {ObservationCv}.");
        return this;
    }
}

/// <summary>
/// The descriptor ranges virtual compounds are drawn from (uniform; CLint log-uniform). The defaults are the generator's
/// original box; a forecaster trained on a wider space records it in its manifest (<c>Config.Space</c>).
/// </summary>
public sealed record CompoundSpace
{
    /// <summary>Lowest logP (default -0.5).</summary>
    public double LogPMin { get; init; } = -0.5;
    /// <summary>Highest logP (default 4.5).</summary>
    public double LogPMax { get; init; } = 4.5;
    /// <summary>Lowest acid pKa (default 2.5).</summary>
    public double AcidPkaMin { get; init; } = 2.5;
    /// <summary>Highest acid pKa (default 7).</summary>
    public double AcidPkaMax { get; init; } = 7;
    /// <summary>Lowest base pKa (default 6).</summary>
    public double BasePkaMin { get; init; } = 6;
    /// <summary>Highest base pKa (default 10.5).</summary>
    public double BasePkaMax { get; init; } = 10.5;
    /// <summary>Lowest human unbound hepatic CLint, mL/min per g liver (default 0.01).</summary>
    public double ClintMin { get; init; } = 0.01;
    /// <summary>Highest human unbound hepatic CLint, mL/min per g liver (default 30).</summary>
    public double ClintMax { get; init; } = 30;

    /// <summary>
    /// The wider space of the forecaster retrained on 2026-12-06 to cover real drugs: logP [-3, 6.5], acid pKa [1, 9],
    /// base pKa [6, 12], CLint [0.001, 30] mL/min/g (about 95 % of the 808 Lombardo drugs' logP and pKa lie inside).
    /// </summary>
    public static CompoundSpace Wide { get; } = new()
    {
        LogPMin = -3, LogPMax = 6.5, AcidPkaMin = 1, AcidPkaMax = 9, BasePkaMin = 6, BasePkaMax = 12, ClintMin = 0.001, ClintMax = 30,
    };

    /// <summary>Checks that every range is finite and not empty, and CLint positive.</summary>
    /// <exception cref="ArgumentException">A bad range (the message names it).</exception>
    public CompoundSpace Validate()
    {
        static void Range(string name, double lo, double hi)
        {
            if (!double.IsFinite(lo) || !double.IsFinite(hi) || !(lo < hi)) throw new ArgumentException($"compound space: {name} range [{lo}, {hi}] must be finite with min < max.");
        }
        Range("logP", LogPMin, LogPMax);
        Range("acid pKa", AcidPkaMin, AcidPkaMax);
        Range("base pKa", BasePkaMin, BasePkaMax);
        Range("CLint", ClintMin, ClintMax);
        if (!(ClintMin > 0)) throw new ArgumentException($"compound space: CLint minimum must be > 0 (log-uniform), got {ClintMin}.");
        return this;
    }
}

/// <summary>One species' values of a <see cref="VirtualCompound"/>, for the species' reference individual.</summary>
/// <param name="Species">Species.</param>
/// <param name="Fu">Fraction unbound in plasma.</param>
/// <param name="BloodPlasmaRatio">Blood:plasma ratio, 1 - Hct + Hct fu Kpu,bc.</param>
/// <param name="Clint">Unbound hepatic intrinsic clearance, mL/min per g liver.</param>
/// <param name="HepaticClearance">Well-stirred hepatic plasma clearance, L/h.</param>
/// <param name="RenalClearance">Well-stirred renal plasma clearance, L/h.</param>
/// <param name="Cl">Total plasma clearance of the whole-body PBPK model, L/h.</param>
/// <param name="Vss">Volume of distribution at steady state of the PBPK model (Rodgers &amp; Rowland Kp), L.</param>
/// <param name="ObservedCl">CL as an animal study would report it (with <see cref="SpeciesDifferences.ObservationCv"/> noise; human: exact).</param>
/// <param name="ObservedVss">Vss likewise.</param>
public sealed record SpeciesPk(Species Species, double Fu, double BloodPlasmaRatio, double Clint, double HepaticClearance,
    double RenalClearance, double Cl, double Vss, double ObservedCl, double ObservedVss)
{
    /// <summary>Half-life implied by Vss and CL, ln 2 Vss / CL (h); the terminal half-life of a multi-compartment drug is longer.</summary>
    public double HalfLife => Math.Log(2) * Vss / Cl;
}

/// <summary>A virtual compound: species-independent properties and its PK in each species.</summary>
public sealed record VirtualCompound
{
    /// <summary>Index in the generated set (its seed is derived from the set's seed and this index).</summary>
    public required int Index { get; init; }
    /// <summary>Acid, base or neutral.</summary>
    public required IonClass Class { get; init; }
    /// <summary>log10 octanol:water partition coefficient.</summary>
    public required double LogP { get; init; }
    /// <summary>pKa (null for neutrals).</summary>
    public double? Pka { get; init; }
    /// <summary>Unbound blood-cell:plasma partition Kpu,bc (species-independent).</summary>
    public required double BloodCellPartition { get; init; }
    /// <summary>Net renal factor r: unbound renal intrinsic clearance = r x GFR (species-independent).</summary>
    public required double RenalFactor { get; init; }
    /// <summary>PK in mouse, rat, monkey, dog and human (<see cref="SpeciesDescriptor.All"/> order).</summary>
    public required IReadOnlyList<SpeciesPk> Species { get; init; }

    /// <summary>The values of one species.</summary>
    public SpeciesPk In(Species species) => Species.First(s => s.Species == species);

    /// <summary>The compound as <see cref="PbpkModel"/> takes it for a species' reference individual.</summary>
    public Compound ToCompound(Species species)
    {
        var s = In(species);
        return new Compound
        {
            Name = $"virtual-{Index}", Class = Class, LogP = LogP, Pka = Pka, Fu = s.Fu, BloodPlasmaRatio = s.BloodPlasmaRatio,
            HepaticClearance = s.HepaticClearance, RenalClearance = s.RenalClearance,
        };
    }
}

/// <summary>
/// Seeded sampler of virtual compounds with their clearance and Vss in mouse, rat, monkey, dog and human, computed
/// with the whole-body <see cref="PbpkModel"/> (Rodgers &amp; Rowland Kp) on each species' reference individual.
/// <para>Compound (species-independent): class neutral 35 %, acid 25 %, base 40 %; logP uniform in [-0.5, 4.5]; pKa
/// uniform in [2.5, 7] (acids) or [6, 10.5] (bases) (these ranges and CLint's below are <see cref="CompoundSpace"/>'s defaults); human fu logit-normal with logit fu = 0.3 - 0.8 logP + N(0, 1.2)
/// (lipophilic drugs bind more); unbound blood-cell partition Kpu,bc log-normal, median 1 (neutral), 0.3 (acid), 3
/// (base), log-SD 0.5; human unbound hepatic CLint log-uniform 0.01 to 30 mL/min/g liver; net renal factor
/// r = LogNormal(0, 0.6) / (1 + 10^(logD7.4 - 1)) (lipophilic drugs are reabsorbed).</para>
/// <para>Per species (<see cref="SpeciesDifferences"/>): fu shifted and scattered on the logit scale; B:P =
/// 1 - Hct + Hct fu Kpu,bc with the species' hematocrit; CLint = human CLint x ratio x exp(shared + own) with a compound's shared animal deviation N(0, ClintSharedLogSd) and each species' own N(0, ClintLogSd);
/// hepatic and renal clearance well-stirred, with the liver flow and volume of the reference individual and
/// GFR of httk (<see cref="SpeciesDescriptor.Gfr"/>): CL = B:P Q e / (Q + e), e = (fu / B:P) CLint,u x organ capacity.
/// The model converts the clearance back into the same extraction, so its CL equals that input; its Vss comes from
/// the species' tissue volumes and the Rodgers &amp; Rowland Kp (rat tissue composition for every species, as the
/// project does) at the species' fu and B:P.</para>
/// <para>A draw for which Rodgers &amp; Rowland give negative binding in any species (fu too high for the lipophilicity,
/// or B:P too low for a strong base) is redrawn; <see cref="RedrawRate"/> reports how often (about 15 %: with the
/// mouse's fu, 22 % of neutral, 13 % of basic and 1 % of acidic draws, 38 % of those with logP &gt; 3 and 2 % of the
/// rest), so lipophilic, weakly bound neutrals and bases are under-represented. Not modelled: enzyme- or
/// transporter-specific species differences correlated with structure, biliary excretion, non-linear kinetics,
/// between-individual variability; the same tissue composition in all species.</para>
/// <para>What this lets a benchmark show: clearance follows the same well-stirred law in every species, so unbound
/// allometry errs mainly by the CLint scatter, and the shared deviation is a floor no method removes; Vss differs
/// between species only through fu, B:P and tissue volumes, so it scales well. The world is kinder to allometry than
/// real drugs are (simple allometry reaches AAFE about 1.5 here; published comparisons report about 2, a recalled
/// figure not checked here), and a learned
/// model can exploit any regularity put here (it cannot meet one that real species have and this omits).</para>
/// </summary>
public sealed class CrossSpeciesGenerator
{
    private const double MlPerMinToLPerH = 0.06;
    private static readonly Dictionary<Species, Physiology> References = Enum.GetValues<Species>().ToDictionary(s => s, s => PhysiologyTable.Load(s).Reference());
    private readonly SpeciesDifferences _differences;
    private readonly CompoundSpace _space;

    /// <summary>Creates a generator.</summary>
    /// <param name="differences">Species differences (default: <see cref="SpeciesDifferences"/> defaults).</param>
    /// <param name="space">Descriptor ranges (default: <see cref="CompoundSpace"/> defaults, the box described above).</param>
    public CrossSpeciesGenerator(SpeciesDifferences? differences = null, CompoundSpace? space = null)
    {
        _differences = (differences ?? new SpeciesDifferences()).Validate();
        _space = (space ?? new CompoundSpace()).Validate();
    }

    /// <summary>Descriptor ranges used.</summary>
    public CompoundSpace Space => _space;

    /// <summary>Species differences used.</summary>
    public SpeciesDifferences Differences => _differences;

    /// <summary>Fraction of draws redrawn in the last <see cref="Generate"/>.</summary>
    public double RedrawRate { get; private set; }

    /// <summary>Generates compounds <paramref name="first"/> .. first + count - 1 of the set seeded with <paramref name="seed"/> (each from its own derived seed, so any slice of a set is the same compounds).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative count or first index.</exception>
    public VirtualCompound[] Generate(int count, int seed, int first = 0)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be >= 0.");
        if (first < 0) throw new ArgumentOutOfRangeException(nameof(first), first, "first must be >= 0.");
        var result = new VirtualCompound[count];
        long redraws = 0;
        for (var i = 0; i < count; i++)
        {
            var (c, r) = Draw(first + i, seed);
            result[i] = c;
            redraws += r;
        }
        RedrawRate = count == 0 ? 0 : (double)redraws / (redraws + count);
        return result;
    }

    private (VirtualCompound Compound, int Redraws) Draw(int index, int seed)
    {
        var rng = new Rng(Rng.DeriveSeed(seed, index));
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var c = TryDraw(index, rng);
            if (c is not null) return (c, attempt);
        }
        throw new InvalidOperationException($"virtual compound {index} (seed {seed}): no valid draw in 1000 attempts; the species differences make Rodgers & Rowland binding negative too often.");
    }

    /// <summary>Log-SD of the net renal factor's compound-to-compound scatter (the LogNormal(0, 0.6) of the class summary).</summary>
    public const double RenalFactorLogSd = 0.6;

    /// <summary>
    /// Renal plasma clearance, L/h, that this generator gives a compound with <paramref name="c"/>'s fu, B:P, class, logP
    /// and pKa in <paramref name="species"/> for a net renal factor scatter of <paramref name="z"/> standard deviations:
    /// B:P x well-stirred kidney(fu/B:P x r x GFR), r = exp(0.6 z) / (1 + 10^(logD7.4 - 1)). Generated compounds have no
    /// other renal clearance, so one far outside z in [-2.58, 2.58] is off the training world even when every single
    /// descriptor is inside its range.
    /// </summary>
    public static double RenalClearanceAt(Compound c, Species species, double z)
    {
        var desc = SpeciesDescriptor.Of(species);
        var renal = RenalFactor(c.Class, c.LogP, c.Pka, z);
        return c.BloodPlasmaRatio * PbpkModel.WellStirred(desc.KidneyBloodFlow, c.Fu / c.BloodPlasmaRatio * renal * desc.Gfr);
    }

    /// <summary>Net renal factor r = exp(0.6 z) / (1 + 10^(logD7.4 - 1)) of a compound (lipophilic drugs are reabsorbed).</summary>
    private static double RenalFactor(IonClass cls, double logP, double? pka, double z)
    {
        var probe = new Compound { Name = "probe", Class = cls, LogP = logP, Pka = pka, Fu = 0.5, BloodPlasmaRatio = 1, HepaticClearance = 0 };
        var logD = logP - Math.Log10(PartitionCoefficients.Ionisation(probe, PartitionCoefficients.PlasmaPh));
        return Math.Exp(RenalFactorLogSd * z) / (1 + Math.Pow(10, logD - 1));
    }

    private static double Logit(double p) => Math.Log(p / (1 - p));
    private static double InvLogit(double x) => 1 / (1 + Math.Exp(-x));

    private VirtualCompound? TryDraw(int index, Rng rng)
    {
        var d = _differences;
        var u = rng.NextDouble();
        var cls = u < 0.35 ? IonClass.Neutral : u < 0.60 ? IonClass.Acid : IonClass.Base;
        var sp0 = _space;
        var logP = rng.Uniform(sp0.LogPMin, sp0.LogPMax);
        double? pka = cls switch { IonClass.Acid => rng.Uniform(sp0.AcidPkaMin, sp0.AcidPkaMax), IonClass.Base => rng.Uniform(sp0.BasePkaMin, sp0.BasePkaMax), _ => null };
        var fuHuman = InvLogit(0.3 - 0.8 * logP + 1.2 * rng.NextNormal());
        var kpuBc = Math.Exp(Math.Log(cls switch { IonClass.Neutral => 1.0, IonClass.Acid => 0.3, _ => 3.0 }) + 0.5 * rng.NextNormal());
        var clintHuman = Math.Pow(10, rng.Uniform(Math.Log10(sp0.ClintMin), Math.Log10(sp0.ClintMax)));
        var renal = RenalFactor(cls, logP, pka, rng.NextNormal());
        var shared = rng.NextNormal();
        var clintShared = d.ClintSharedLogSd * rng.NextNormal();
        var rho = d.FuCorrelation;

        var list = new List<SpeciesPk>(5);
        foreach (var sp in SpeciesDescriptor.All)
        {
            var desc = SpeciesDescriptor.Of(sp);
            double fu, clint;
            if (sp == Species.Human) { fu = fuHuman; clint = clintHuman; }
            else
            {
                var eps = Math.Sqrt(rho) * shared + Math.Sqrt(1 - rho) * rng.NextNormal();
                fu = InvLogit(Logit(fuHuman) + d.FuLogitShift[sp] + d.FuLogitSd * eps);
                clint = clintHuman * d.ClintRatio[sp] * Math.Exp(clintShared + d.ClintLogSd * rng.NextNormal());
            }
            // Noise is drawn for every species in a fixed order, so a compound's draws do not depend on which branch ran.
            var noiseCl = rng.NextNormal();
            var noiseVss = rng.NextNormal();
            if (!(fu < 1)) return null; // logit beyond about 37 rounds to fu = 1; such a draw is redrawn, not clamped
            var bp = 1 - desc.Hematocrit + desc.Hematocrit * fu * kpuBc;
            var fub = fu / bp;
            var eH = fub * clint * desc.LiverVolume * 1000 * MlPerMinToLPerH;
            var eR = fub * renal * desc.Gfr;
            var clH = bp * PbpkModel.WellStirred(desc.LiverBloodFlow, eH);
            var clR = bp * PbpkModel.WellStirred(desc.KidneyBloodFlow, eR);
            var compound = new Compound { Name = $"virtual-{index}", Class = cls, LogP = logP, Pka = pka, Fu = fu, BloodPlasmaRatio = bp, HepaticClearance = clH, RenalClearance = clR };
            PbpkModel model;
            try { model = new PbpkModel(References[sp], compound, reference: References[sp]); }
            catch (ArgumentException) { return null; } // negative Rodgers & Rowland binding: redraw
            var sdObs = sp == Species.Human ? 0 : Math.Sqrt(Math.Log(1 + d.ObservationCv * d.ObservationCv));
            list.Add(new SpeciesPk(sp, fu, bp, clint, clH, clR, model.PlasmaClearance, model.Vss,
                model.PlasmaClearance * Math.Exp(sdObs * noiseCl), model.Vss * Math.Exp(sdObs * noiseVss)));
        }
        return new VirtualCompound { Index = index, Class = cls, LogP = logP, Pka = pka, BloodCellPartition = kpuBc, RenalFactor = renal, Species = list };
    }
}
