using ZeroShotPK.Data;
using ZeroShotPK.Pbpk.Scaling;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Pbpk.Forecast;

/// <summary>How a forecast dose is given.</summary>
public enum ForecastRoute
{
    /// <summary>Oral, first-order absorption from the gut lumen.</summary>
    Oral,
    /// <summary>Intravenous bolus into venous blood.</summary>
    IvBolus,
    /// <summary>Zero-order intravenous infusion over <see cref="ForecastDose.Duration"/>.</summary>
    Infusion,
}

/// <summary>One dose of a forecast regimen.</summary>
/// <param name="Time">Dose time, h.</param>
/// <param name="Amount">Amount, mg.</param>
/// <param name="Route">Route.</param>
/// <param name="Duration">Infusion duration, h (0 for oral and bolus).</param>
public sealed record ForecastDose(double Time, double Amount, ForecastRoute Route, double Duration = 0)
{
    /// <summary>The dose as the PBPK model takes it.</summary>
    public DosingEvent ToEvent() => Route switch
    {
        ForecastRoute.Oral => DosingEvent.Oral(Time, Amount),
        ForecastRoute.IvBolus => DosingEvent.Bolus(Time, Amount),
        _ => DosingEvent.Infusion(Time, Amount, Duration),
    };

    /// <summary>
    /// The route named on the command line: oral (or po), iv (or bolus) or infusion, any case; null for another name.
    /// </summary>
    public static ForecastRoute? ParseRoute(string name) => name.Trim().ToLowerInvariant() switch
    {
        "oral" or "po" => ForecastRoute.Oral,
        "iv" or "bolus" => ForecastRoute.IvBolus,
        "infusion" => ForecastRoute.Infusion,
        _ => null,
    };

    /// <summary>
    /// A dose of a study (<see cref="ToEvent"/> the other way): oral, IV bolus or IV infusion; null for a route the
    /// forecaster was not trained on (a zero-order oral input) or a steady-state dose (the forecaster starts from an empty body).
    /// </summary>
    public static ForecastDose? FromEvent(DosingEvent dose) => dose.SteadyStateInterval is not null ? null : dose.Route switch
    {
        Data.Route.Oral => new ForecastDose(dose.Time, dose.Amount, ForecastRoute.Oral),
        Data.Route.IvBolus => new ForecastDose(dose.Time, dose.Amount, ForecastRoute.IvBolus),
        Data.Route.IvInfusion => new ForecastDose(dose.Time, dose.Amount, ForecastRoute.Infusion, dose.Duration),
        _ => null,
    };
}

/// <summary>
/// One forecasting case: a compound (its values for the case's species), an individual, a regimen, and the exact
/// PBPK plasma profile on <see cref="ForecastData.Grid"/> as natural-log concentration (mg/L, floored at
/// <see cref="ForecastData.FloorConcentration"/>).
/// </summary>
public sealed record ForecastCase(int CompoundIndex, Compound Compound, Species Species, Physiology Individual,
    IReadOnlyList<ForecastDose> Doses, double[] LogConcentration);

/// <summary>
/// Seeded generator of PBPK forecasting data: virtual compounds (<see cref="CrossSpeciesGenerator"/>, plus oral ka
/// log-uniform 0.2-5 /h and fa uniform 0.3-1) x virtual individuals (<see cref="ReferencePopulation"/> of human or rat,
/// half each) x regimens (1-3 doses every 8, 12 or 24 h; oral 50 %, IV bolus 25 %, infusion 25 % over 0.5-4 h; dose
/// log-uniform 0.1-10 mg/kg), solved exactly (<see cref="PbpkModel.Simulate"/>; Rodgers &amp; Rowland Kp at the species' reference hematocrit) on a fixed grid of 0.25-48 h.
/// Compounds are split into training and held-out sets by a seeded hash of their index (20 % held out): a held-out
/// compound never appears in a training case. Case k of a stream depends only on (seed, stream, k).
/// </summary>
public sealed class ForecastData
{
    /// <summary>Output times, h (0.25 to 48).</summary>
    public static IReadOnlyList<double> Grid { get; } = [0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 10, 12, 14, 16, 20, 24, 26, 28, 32, 36, 40, 44, 48];
    /// <summary>Lowest concentration kept, mg/L (log concentrations are floored here).</summary>
    public const double FloorConcentration = 1e-6;
    /// <summary>Fraction of compounds held out.</summary>
    public const double HeldOutFraction = 0.2;
    /// <summary>Species of the cases.</summary>
    public static IReadOnlyList<Species> SpeciesUsed { get; } = [Species.Human, Species.Rat];

    /// <summary>Descriptor ranges the compounds were drawn from.</summary>
    public CompoundSpace Space { get; }

    private readonly VirtualCompound[] _compounds;
    private readonly (double Ka, double Fa)[] _absorption;
    private readonly int[] _train, _heldOut;
    private readonly Dictionary<Species, Physiology[]> _individuals = [];
    private readonly Dictionary<Species, Physiology> _references = [];

    /// <summary>Creates the compound pool and the individuals.</summary>
    /// <param name="seed">Seed of everything.</param>
    /// <param name="compounds">Compounds in the pool (train + held out).</param>
    /// <param name="individuals">Virtual individuals per species.</param>
    /// <param name="space">Descriptor ranges of the compounds (default: the generator's original box).</param>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 10 compounds or 1 individual.</exception>
    public ForecastData(int seed, int compounds = 1000, int individuals = 200, CompoundSpace? space = null)
    {
        if (compounds < 10) throw new ArgumentOutOfRangeException(nameof(compounds), compounds, "at least 10 compounds are needed.");
        if (individuals < 1) throw new ArgumentOutOfRangeException(nameof(individuals), individuals, "at least 1 individual is needed.");
        Seed = seed;
        Space = (space ?? new CompoundSpace()).Validate();
        _compounds = new CrossSpeciesGenerator(space: Space).Generate(compounds, seed);
        _absorption = _compounds.Select(c =>
        {
            var r = new Rng(SeedMix.Mix(seed, c.Index, SeedStream.ForecastCompound));
            return (Math.Exp(r.Uniform(Math.Log(0.2), Math.Log(5))), r.Uniform(0.3, 1));
        }).ToArray();
        var heldOut = Enumerable.Range(0, compounds).Select(IsHeldOut).ToArray();
        _train = Enumerable.Range(0, compounds).Where(i => !heldOut[i]).ToArray();
        _heldOut = Enumerable.Range(0, compounds).Where(i => heldOut[i]).ToArray();
        if (_train.Length == 0 || _heldOut.Length == 0) throw new InvalidOperationException($"seed {seed}: the split left an empty set; use more compounds.");
        foreach (var s in SpeciesUsed)
        {
            _individuals[s] = ReferencePopulation.For(s).Sample(individuals, SeedMix.Int(seed, (long)s, SeedStream.ForecastIndividuals));
            _references[s] = PhysiologyTable.Load(s).Reference();
        }
    }

    /// <summary>Seed.</summary>
    public int Seed { get; }
    /// <summary>Indices of training compounds.</summary>
    public IReadOnlyList<int> TrainCompounds => _train;
    /// <summary>Indices of held-out compounds.</summary>
    public IReadOnlyList<int> HeldOutCompounds => _heldOut;

    /// <summary>True when compound <paramref name="index"/> is held out (a seeded hash, independent of the pool size).</summary>
    public bool IsHeldOut(int index) => (SeedMix.Mix(Seed, index, SeedStream.ForecastHeldOut) & 0xFFFF) < HeldOutFraction * 65536;

    /// <summary>Compound <paramref name="index"/> of the pool as the PBPK model takes it in <paramref name="species"/>.</summary>
    public Compound CompoundOf(int index, Species species)
    {
        var (ka, fa) = _absorption[index];
        return _compounds[index].ToCompound(species) with { Ka = ka, Fa = fa };
    }

    /// <summary>Case <paramref name="k"/> of the training (or held-out) stream.</summary>
    public ForecastCase Case(bool heldOut, long k)
    {
        var rng = new Rng(SeedMix.Mix(Seed, k, heldOut ? SeedStream.ForecastHeldOutCase : SeedStream.ForecastTrainingCase));
        var pool = heldOut ? _heldOut : _train;
        var ci = pool[(int)(rng.NextDouble() * pool.Length)];
        var species = SpeciesUsed[rng.NextDouble() < 0.5 ? 0 : 1];
        var ind = _individuals[species];
        var individual = ind[(int)(rng.NextDouble() * ind.Length)];
        var doses = Regimen(rng, individual.BodyWeight);
        return Solve(ci, CompoundOf(ci, species), species, individual, doses);
    }

    /// <summary>A regimen: 1-3 doses, one route, interval 8/12/24 h, 0.1-10 mg/kg.</summary>
    internal static ForecastDose[] Regimen(Rng rng, double bodyWeight)
    {
        var n = 1 + (int)(rng.NextDouble() * 3);
        var interval = new[] { 8.0, 12, 24 }[(int)(rng.NextDouble() * 3)];
        var u = rng.NextDouble();
        var route = u < 0.5 ? ForecastRoute.Oral : u < 0.75 ? ForecastRoute.IvBolus : ForecastRoute.Infusion;
        var amount = Math.Exp(rng.Uniform(Math.Log(0.1), Math.Log(10))) * bodyWeight;
        var duration = route == ForecastRoute.Infusion ? rng.Uniform(0.5, 4) : 0;
        return Enumerable.Range(0, n).Select(i => new ForecastDose(i * interval, amount, route, duration)).ToArray();
    }

    /// <summary>Solves a case exactly on <see cref="Grid"/>.</summary>
    public ForecastCase Solve(int compoundIndex, Compound compound, Species species, Physiology individual, IReadOnlyList<ForecastDose> doses)
    {
        var reference = _references.TryGetValue(species, out var r) ? r : PhysiologyTable.Load(species).Reference();
        return new ForecastCase(compoundIndex, compound, species, individual, doses.ToArray(), ExactLogProfile(compound, individual, doses, reference));
    }

    /// <summary>
    /// The exact PBPK plasma profile of a regimen as natural-log concentration (mg/L, floored at
    /// <see cref="FloorConcentration"/>) on <paramref name="times"/> (default <see cref="Grid"/>), the way the cases are made.
    /// </summary>
    /// <param name="compound">Compound (clearances of the species' reference individual).</param>
    /// <param name="individual">Individual simulated.</param>
    /// <param name="doses">Regimen.</param>
    /// <param name="reference">The species' reference individual (its clearances are the compound's); loaded when null.</param>
    /// <param name="times">Output times, h.</param>
    public static double[] ExactLogProfile(Compound compound, Physiology individual, IReadOnlyList<ForecastDose> doses,
        Physiology? reference = null, IReadOnlyList<double>? times = null)
    {
        reference ??= PhysiologyTable.Load(individual.Species).Reference();
        // Kp at the reference hematocrit: the compound's B:P is the reference individual's, and an individual's own
        // hematocrit can make Rodgers & Rowland binding negative for a lipophilic base with that B:P.
        var kp = PartitionCoefficients.Predict(compound, PartitionMethod.RodgersRowland, reference.Hematocrit);
        var model = new PbpkModel(individual, compound, reference: reference, kp: kp);
        var cp = model.Simulate(doses.Select(d => d.ToEvent()), times ?? Grid).PlasmaConcentration();
        return cp.Select(c => Math.Log(Math.Max(c, FloorConcentration))).ToArray();
    }

    /// <summary>Cases first .. first + count - 1 of a stream (in parallel; the result does not depend on scheduling).</summary>
    public ForecastCase[] Cases(bool heldOut, long first, int count)
    {
        var result = new ForecastCase[count];
        Parallel.For(0, count, i => result[i] = Case(heldOut, first + i));
        return result;
    }
}
