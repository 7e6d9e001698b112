using static ZeroShotPK.Priors.PriorChecks;

namespace ZeroShotPK.Priors;

// As the hierarchical prior records (Prior.cs): validated in the constructor, get-only properties, JSON in
// RateConstantPriorFile. A UniformRange is checked by the record that holds it, which knows its bounds.

/// <summary>A closed interval [Min, Max] that a study-level quantity is drawn from uniformly (Min = Max: fixed).</summary>
/// <param name="Min">Lower end.</param>
/// <param name="Max">Upper end, &gt;= <paramref name="Min"/> (checked, with its bounds, by the record that holds the range).</param>
public sealed record UniformRange(double Min, double Max)
{
    /// <summary>A fixed value (Min = Max = <paramref name="value"/>).</summary>
    public static UniformRange Fixed(double value) => new(value, value);

    /// <summary>The range if both ends lie in [<paramref name="lo"/>, <paramref name="hi"/>] in order, else a refusal naming <paramref name="field"/>.Min or .Max.</summary>
    internal static UniformRange Within(UniformRange? range, double lo, double hi, string what, string record, string field)
    {
        var r = Present(range, record, field);
        Require(r.Min, r.Min >= lo && r.Min <= hi, record, field + ".Min", $"{what} in [{Text(lo)}, {Text(hi)}]");
        Require(r.Max, r.Max >= r.Min && r.Max <= hi, record, field + ".Max", $"{what} in [Min = {Text(r.Min)}, {Text(hi)}]");
        return r;
    }
}

/// <summary>
/// Per-study hyper-priors of one rate-constant parameter (ka, ke, V, k1p or kp1), in the AICMET authors' words: the
/// study's log-mean and log-sd of the individuals' lognormal, and the time-variation magnitude (tmag) and scale (tscl),
/// each drawn uniformly from its range once per study (per peripheral for k1p and kp1).
/// </summary>
/// <exception cref="PriorFieldException">A range is missing or out of its bounds (the message names the field).</exception>
public sealed record RateParameterPrior(UniformRange LogMean, UniformRange LogSd, UniformRange TimeMagnitude, UniformRange TimeScale)
{
    private const string Record = nameof(RateParameterPrior);
    // exp(+-20) spans every plausible rate and volume; beyond it the solver's exponentials under/overflow.
    /// <summary>Range of the study's mean of the log parameter, within [-20, 20].</summary>
    public UniformRange LogMean { get; } = UniformRange.Within(LogMean, -20, 20, "a log value", Record, nameof(LogMean));
    /// <summary>Range of the study's between-individual sd of the log parameter, within [0, 3].</summary>
    public UniformRange LogSd { get; } = UniformRange.Within(LogSd, 0, 3, "a log-scale sd", Record, nameof(LogSd));
    // 1 + tmag sin(.) must stay positive; the OU's stationary variance is tmag tscl.
    /// <summary>Range of the within-individual time-variation magnitude tmag (0 = constant in time), within [0, 0.99].</summary>
    public UniformRange TimeMagnitude { get; } = UniformRange.Within(TimeMagnitude, 0, 0.99, "a magnitude", Record, nameof(TimeMagnitude));
    /// <summary>Range of the within-individual time-variation scale tscl (h), within [0.001, 10000].</summary>
    public UniformRange TimeScale { get; } = UniformRange.Within(TimeScale, 1e-3, 1e4, "a time scale (h)", Record, nameof(TimeScale));
}

/// <summary>Route probabilities of a rate-constant prior (one route per study; weights are normalised).</summary>
/// <exception cref="PriorFieldException">A weight is negative or infinite, or both are 0.</exception>
public sealed record RateConstantRoutes(double Oral, double Iv)
{
    /// <summary>Weight of oral studies (dose into the gut compartment).</summary>
    public double Oral { get; } = Require(Oral, Oral >= 0 && !double.IsInfinity(Oral), nameof(RateConstantRoutes), nameof(Oral), "a finite weight >= 0");
    /// <summary>Weight of IV studies (dose into the central compartment: a bolus, or an infusion with <see cref="RateConstantDosing.IvInfusionProbability"/>).</summary>
    public double Iv { get; } =
        Require(Iv, Iv >= 0 && !double.IsInfinity(Iv), nameof(RateConstantRoutes), nameof(Iv), "a finite weight >= 0") + Oral > 0 ? Iv
        : throw Refused(nameof(RateConstantRoutes), "", Oral + Iv, "route weights summing to > 0");
}

/// <summary>
/// Dosing of a rate-constant prior. The authors' part: one dose at t = 0, individual doses lognormal(mu, s) with
/// mu, s drawn per study, route per study. Our extension (off by default): several doses every
/// <see cref="IntervalHalfLives"/> typical half-lives, and IV infusions.
/// </summary>
/// <exception cref="PriorFieldException">A value is missing or out of range (the message names the field).</exception>
public sealed record RateConstantDosing(UniformRange LogDoseMean, UniformRange LogDoseSd, RateConstantRoutes Routes,
    double IvInfusionProbability = 0, UniformRange? InfusionDuration = null, int MinDoses = 1, int MaxDoses = 1, UniformRange? IntervalHalfLives = null)
{
    private const string Record = nameof(RateConstantDosing);
    /// <summary>Range of the study's log-dose mean mu (individual doses ~ lognormal(mu, s)), within [-20, 20].</summary>
    public UniformRange LogDoseMean { get; } = UniformRange.Within(LogDoseMean, -20, 20, "a log dose", Record, nameof(LogDoseMean));
    /// <summary>Range of the study's log-dose sd s, within [0, 3].</summary>
    public UniformRange LogDoseSd { get; } = UniformRange.Within(LogDoseSd, 0, 3, "a log-scale sd", Record, nameof(LogDoseSd));
    /// <summary>Route weights.</summary>
    public RateConstantRoutes Routes { get; } = Present(Routes, Record, nameof(Routes));
    /// <summary>Ours: probability that an IV individual's doses are infusions rather than boluses (the authors' variant draws it per individual; 0 in their run).</summary>
    public double IvInfusionProbability { get; } = Probability(IvInfusionProbability, Record, nameof(IvInfusionProbability));
    /// <summary>Infusion duration (h), drawn uniformly per individual (the authors' variant: [0.5, 2], the default).</summary>
    public UniformRange InfusionDuration { get; } = UniformRange.Within(InfusionDuration ?? new(0.5, 2), 1e-3, 1e4, "a duration (h)", Record, nameof(InfusionDuration));
    /// <summary>Ours: smallest number of doses per study (1 = the authors' single dose), in [1, 100].</summary>
    public int MinDoses { get; } = Integer(MinDoses, 1, 100, Record, nameof(MinDoses));
    /// <summary>Ours: largest number of doses per study, in [<see cref="MinDoses"/>, 100].</summary>
    public int MaxDoses { get; } = AtLeast(MaxDoses, MinDoses, nameof(MinDoses), 100, Record, nameof(MaxDoses));
    /// <summary>Ours: range of the dosing interval, in the study's typical (capped) half-lives; drawn per study (default [0.5, 2]).</summary>
    public UniformRange IntervalHalfLives { get; } = UniformRange.Within(IntervalHalfLives ?? new(0.5, 2), 1e-3, 1e3, "a number of half-lives", Record, nameof(IntervalHalfLives));
}

/// <summary>
/// The authors' PKPeakHalfLife sampling design: from the study's typical Tpeak and T1/2, the canonical times
/// {PeakMultipliers} Tpeak, Tpeak, Tpeak + {HalfLifeMultipliers} T1/2; the first <see cref="MaxSamples"/> of them, those
/// within the time span, snapped to the simulation grid, duplicates and t = 0 dropped. Every individual of a study is
/// sampled at the same times. With several doses (ours) the canonical times after the first dose that fall before the
/// second, and the canonical times after the last dose, are pooled and the first <see cref="MaxSamples"/> kept.
/// </summary>
/// <exception cref="PriorFieldException">A value is missing or out of range (the message names the field).</exception>
public sealed record RateConstantSampling(IReadOnlyList<double> PeakMultipliers, IReadOnlyList<double> HalfLifeMultipliers, int MaxSamples, int SimulationGridPoints)
{
    private const string Record = nameof(RateConstantSampling);
    /// <summary>Multiples of Tpeak sampled before the peak (the authors': 0.1, 0.2, 0.5, 0.8), each in [0, 1).</summary>
    public IReadOnlyList<double> PeakMultipliers { get; } = Each(Present(PeakMultipliers, Record, nameof(PeakMultipliers)),
        m => m >= 0 && m < 1, nameof(PeakMultipliers), "a fraction of Tpeak in [0, 1)");
    /// <summary>Multiples of T1/2 after the peak (the authors': 0.25 ... 30), each in (0, 1000].</summary>
    public IReadOnlyList<double> HalfLifeMultipliers { get; } = Each(Present(HalfLifeMultipliers, Record, nameof(HalfLifeMultipliers)),
        m => m > 0 && m <= 1e3, nameof(HalfLifeMultipliers), "a number of half-lives in (0, 1000]");
    /// <summary>Samples kept, in time order (the authors' 15: the last canonical point, Tpeak + 30 T1/2, is never used), in [1, 1000].</summary>
    public int MaxSamples { get; } = Integer(MaxSamples, 1, 1000, Record, nameof(MaxSamples));
    /// <summary>
    /// Points of the authors' simulation grid (linspace over the time span) that sampling times snap to, as their
    /// nearest-neighbour alignment does (100 in their run); 0 = no snapping (exact canonical times).
    /// </summary>
    public int SimulationGridPoints { get; } = Require(SimulationGridPoints, SimulationGridPoints is 0 or (>= 2 and <= 1_000_000), Record,
        nameof(SimulationGridPoints), "0 (no snapping) or an integer in [2, 1000000]");

    private static IReadOnlyList<double> Each(IReadOnlyList<double> values, Func<double, bool> accepted, string field, string expected)
    {
        for (var i = 0; i < values.Count; i++) Require(values[i], accepted(values[i]), Record, $"{field}[{i}]", expected);
        return Frozen(values);
    }
}

/// <summary>
/// The AICMET authors' pretraining prior (cesarali/pff, <c>compartment_models.py</c>): gut + central + P peripheral
/// compartments with rate constants ka, ke, k1p, kp1 and central volume V; per study, every log parameter's mean and sd
/// are drawn uniformly from ranges, individuals are lognormal around them; ka, ke and V vary in time by exp(OU), the
/// peripheral rates by k (1 + tmag sin(t / tscl)); proportional noise C (1 + eps). Units: h, mg, L, mg/L.
/// Validated when built and immutable; load and save with <see cref="RateConstantPriorFile"/>, sample with
/// <see cref="RateConstantStudyGenerator"/>.
/// </summary>
/// <exception cref="PriorFieldException">A value is missing or out of range (the message names the field).</exception>
public sealed record RateConstantPrior(string Name, string? Description, IReadOnlyList<double> PeripheralProbabilities, int MinIndividuals,
    int MaxIndividuals, double TimeSpan, RateParameterPrior Ka, RateParameterPrior Ke, RateParameterPrior V, RateParameterPrior K1p,
    RateParameterPrior Kp1, double SegmentLength, RateConstantDosing Dosing, RateConstantSampling Sampling, UniformRange RelativeError,
    RateConstantUnits? Units = null)
{
    /// <summary>The value of the file's "Kind" field that marks a rate-constant prior file (files without it are hierarchical <see cref="Prior"/>s).</summary>
    public const string KindName = "rate-constants";
    private const string Record = nameof(RateConstantPrior);

    /// <summary>Name (used in study names), not blank.</summary>
    public string Name { get; } = !string.IsNullOrWhiteSpace(Name) ? Name : throw new PriorFieldException(Record, nameof(Name), ": expected a non-empty name");
    /// <summary>What the prior is for and where its numbers come from.</summary>
    public string? Description { get; } = Description;
    /// <summary>Probabilities of 1, 2 and 3 peripheral compartments (weights are normalised).</summary>
    public IReadOnlyList<double> PeripheralProbabilities { get; } = Peripherals(Present(PeripheralProbabilities, Record, nameof(PeripheralProbabilities)));
    /// <summary>Smallest number of individuals per study, in [1, 10000].</summary>
    public int MinIndividuals { get; } = Integer(MinIndividuals, 1, 10_000, Record, nameof(MinIndividuals));
    /// <summary>Largest number of individuals per study, in [<see cref="MinIndividuals"/>, 10000].</summary>
    public int MaxIndividuals { get; } = AtLeast(MaxIndividuals, MinIndividuals, nameof(MinIndividuals), 10_000, Record, nameof(MaxIndividuals));
    /// <summary>End of the study's time span (h), in (0, 100000]; the span starts at the first dose, t = 0.</summary>
    public double TimeSpan { get; } = Require(TimeSpan, TimeSpan > 0 && TimeSpan <= 1e5, Record, nameof(TimeSpan), "a time (h) in (0, 100000]");
    /// <summary>Absorption rate constant ka (1/h), gut to central.</summary>
    public RateParameterPrior Ka { get; } = Present(Ka, Record, nameof(Ka));
    /// <summary>Elimination rate constant ke (1/h); CL = ke V.</summary>
    public RateParameterPrior Ke { get; } = Present(Ke, Record, nameof(Ke));
    /// <summary>Central volume V (L).</summary>
    public RateParameterPrior V { get; } = Present(V, Record, nameof(V));
    /// <summary>Central-to-peripheral rate constant k1p (1/h), one per peripheral; Q = k1p V.</summary>
    public RateParameterPrior K1p { get; } = Present(K1p, Record, nameof(K1p));
    /// <summary>Peripheral-to-central rate constant kp1 (1/h), one per peripheral; Vp = Q / kp1.</summary>
    public RateParameterPrior Kp1 { get; } = Present(Kp1, Record, nameof(Kp1));
    /// <summary>
    /// Length (h) of the segments on which the time-varying rates are held constant (each segment is solved exactly),
    /// &gt; 0 with at most 10000 segments over the span; the authors integrate the continuous rates with RK4 instead.
    /// </summary>
    public double SegmentLength { get; } = Require(SegmentLength, SegmentLength > 0 && TimeSpan / SegmentLength <= 10_000, Record,
        nameof(SegmentLength), $"a length (h) > 0 with at most 10000 segments over TimeSpan = {Text(TimeSpan)}");
    /// <summary>Dose, route and (ours) regimen.</summary>
    public RateConstantDosing Dosing { get; } = Present(Dosing, Record, nameof(Dosing));
    /// <summary>Sampling design.</summary>
    public RateConstantSampling Sampling { get; } = Present(Sampling, Record, nameof(Sampling));
    /// <summary>Range of the study's relative residual error rel_ruv, within [0, 0.3]: y = C (1 + eps), eps ~ N(0, rel_ruv^2).</summary>
    public UniformRange RelativeError { get; } = UniformRange.Within(RelativeError, 0, 0.3, "a relative error sd", Record, nameof(RelativeError));
    /// <summary>Units written into generated studies (time h, amount mg, concentration mg/L with V in L).</summary>
    public RateConstantUnits Units { get; } = Units ?? new();

    private static IReadOnlyList<double> Peripherals(IReadOnlyList<double> p)
    {
        if (p.Count != 3)
            throw new PriorFieldException(Record, nameof(PeripheralProbabilities), $": expected 3 probabilities (1, 2 and 3 peripherals), found {p.Count}");
        for (var i = 0; i < 3; i++) Probability(p[i], Record, $"{nameof(PeripheralProbabilities)}[{i}]");
        if (!(p.Sum() > 0)) throw Refused(Record, nameof(PeripheralProbabilities), p.Sum(), "probabilities summing to > 0");
        return Frozen(p);
    }
}

/// <summary>Units written into studies of a rate-constant prior (same fields as <see cref="PriorUnits"/>).</summary>
/// <exception cref="PriorFieldException">A unit is null.</exception>
public sealed record RateConstantUnits(string Time = "h", string Amount = "mg", string Concentration = "mg/L")
{
    /// <summary>Time unit.</summary>
    public string Time { get; } = Time ?? throw Missing();
    /// <summary>Amount unit.</summary>
    public string Amount { get; } = Amount ?? throw Missing();
    /// <summary>Concentration unit (amount / volume, volumes in L).</summary>
    public string Concentration { get; } = Concentration ?? throw Missing();

    private static PriorFieldException Missing() => new(nameof(RateConstantUnits), "", ": expected Time, Amount and Concentration strings");
}
