using System.Text.Json.Serialization;

namespace ZeroShotPK.Priors;

/// <summary>A closed interval [Min, Max] that a study-level quantity is drawn from uniformly (Min = Max: fixed).</summary>
/// <param name="Min">Lower end.</param>
/// <param name="Max">Upper end, &gt;= <paramref name="Min"/>.</param>
public sealed record UniformRange(double Min, double Max)
{
    /// <summary>A fixed value (Min = Max = <paramref name="value"/>).</summary>
    public static UniformRange Fixed(double value) => new(value, value);
}

/// <summary>
/// Per-study hyper-priors of one rate-constant parameter (ka, ke, V, k1p or kp1), in the AICMET authors' words: the
/// study's log-mean and log-sd of the individuals' lognormal, and the time-variation magnitude (tmag) and scale (tscl),
/// each drawn uniformly from its range once per study (per peripheral for k1p and kp1).
/// </summary>
public sealed record RateParameterPrior
{
    /// <summary>Range of the study's mean of the log parameter.</summary>
    [JsonRequired] public UniformRange LogMean { get; init; } = null!;
    /// <summary>Range of the study's between-individual sd of the log parameter.</summary>
    [JsonRequired] public UniformRange LogSd { get; init; } = null!;
    /// <summary>Range of the within-individual time-variation magnitude tmag (0 = constant in time).</summary>
    [JsonRequired] public UniformRange TimeMagnitude { get; init; } = null!;
    /// <summary>Range of the within-individual time-variation scale tscl (h).</summary>
    [JsonRequired] public UniformRange TimeScale { get; init; } = null!;
}

/// <summary>Route probabilities of a rate-constant prior (one route per study; weights are normalised).</summary>
public sealed record RateConstantRoutes
{
    /// <summary>Weight of oral studies (dose into the gut compartment).</summary>
    [JsonRequired] public double Oral { get; init; }
    /// <summary>Weight of IV studies (dose into the central compartment: a bolus, or an infusion with <see cref="RateConstantDosing.IvInfusionProbability"/>).</summary>
    [JsonRequired] public double Iv { get; init; }
}

/// <summary>
/// Dosing of a rate-constant prior. The authors' part: one dose at t = 0, individual doses lognormal(mu, s) with
/// mu, s drawn per study, route per study. Our extension (off by default): several doses every
/// <see cref="IntervalHalfLives"/> typical half-lives, and IV infusions.
/// </summary>
public sealed record RateConstantDosing
{
    /// <summary>Range of the study's log-dose mean mu (individual doses ~ lognormal(mu, s)).</summary>
    [JsonRequired] public UniformRange LogDoseMean { get; init; } = null!;
    /// <summary>Range of the study's log-dose sd s.</summary>
    [JsonRequired] public UniformRange LogDoseSd { get; init; } = null!;
    /// <summary>Route weights.</summary>
    [JsonRequired] public RateConstantRoutes Routes { get; init; } = null!;
    /// <summary>Ours: probability that an IV individual's doses are infusions rather than boluses (the authors' variant draws it per individual; 0 in their run).</summary>
    public double IvInfusionProbability { get; init; }
    /// <summary>Infusion duration (h), drawn uniformly per individual (the authors' variant: [0.5, 2]).</summary>
    public UniformRange InfusionDuration { get; init; } = new(0.5, 2);
    /// <summary>Ours: smallest number of doses per study (1 = the authors' single dose).</summary>
    public int MinDoses { get; init; } = 1;
    /// <summary>Ours: largest number of doses per study.</summary>
    public int MaxDoses { get; init; } = 1;
    /// <summary>Ours: range of the dosing interval, in the study's typical (capped) half-lives; drawn per study.</summary>
    public UniformRange IntervalHalfLives { get; init; } = new(0.5, 2);
}

/// <summary>
/// The authors' PKPeakHalfLife sampling design: from the study's typical Tpeak and T1/2, the canonical times
/// {PeakMultipliers} Tpeak, Tpeak, Tpeak + {HalfLifeMultipliers} T1/2; the first <see cref="MaxSamples"/> of them, those
/// within the time span, snapped to the simulation grid, duplicates and t = 0 dropped. Every individual of a study is
/// sampled at the same times. With several doses (ours) the canonical times after the first dose that fall before the
/// second, and the canonical times after the last dose, are pooled and the first <see cref="MaxSamples"/> kept.
/// </summary>
public sealed record RateConstantSampling
{
    /// <summary>Multiples of Tpeak sampled before the peak (the authors': 0.1, 0.2, 0.5, 0.8).</summary>
    [JsonRequired] public IReadOnlyList<double> PeakMultipliers { get; init; } = null!;
    /// <summary>Multiples of T1/2 after the peak (the authors': 0.25 ... 30).</summary>
    [JsonRequired] public IReadOnlyList<double> HalfLifeMultipliers { get; init; } = null!;
    /// <summary>Samples kept, in time order (the authors' 15: the last canonical point, Tpeak + 30 T1/2, is never used).</summary>
    [JsonRequired] public int MaxSamples { get; init; }
    /// <summary>
    /// Points of the authors' simulation grid (linspace over the time span) that sampling times snap to, as their
    /// nearest-neighbour alignment does (100 in their run); 0 = no snapping (exact canonical times).
    /// </summary>
    [JsonRequired] public int SimulationGridPoints { get; init; }
}

/// <summary>
/// The AICMET authors' pretraining prior (cesarali/pff, <c>compartment_models.py</c>): gut + central + P peripheral
/// compartments with rate constants ka, ke, k1p, kp1 and central volume V; per study, every log parameter's mean and sd
/// are drawn uniformly from ranges, individuals are lognormal around them; ka, ke and V vary in time by exp(OU), the
/// peripheral rates by k (1 + tmag sin(t / tscl)); proportional noise C (1 + eps). Units: h, mg, L, mg/L.
/// Immutable; load and save with <see cref="RateConstantPriorFile"/>, sample with <see cref="RateConstantStudyGenerator"/>.
/// </summary>
public sealed record RateConstantPrior
{
    /// <summary>The value of <see cref="Kind"/> that marks a rate-constant prior file.</summary>
    public const string KindName = "rate-constants";

    /// <summary>File discriminator: always <see cref="KindName"/> (files without it are hierarchical <see cref="Prior"/>s).</summary>
    [JsonRequired] public string Kind { get; init; } = KindName;
    /// <summary>Name (used in study names).</summary>
    [JsonRequired] public string Name { get; init; } = null!;
    /// <summary>What the prior is for and where its numbers come from.</summary>
    public string? Description { get; init; }
    /// <summary>Probabilities of 1, 2 and 3 peripheral compartments (weights are normalised).</summary>
    [JsonRequired] public IReadOnlyList<double> PeripheralProbabilities { get; init; } = null!;
    /// <summary>Smallest number of individuals per study.</summary>
    [JsonRequired] public int MinIndividuals { get; init; }
    /// <summary>Largest number of individuals per study.</summary>
    [JsonRequired] public int MaxIndividuals { get; init; }
    /// <summary>End of the study's time span (h); the span starts at the first dose, t = 0.</summary>
    [JsonRequired] public double TimeSpan { get; init; }
    /// <summary>Absorption rate constant ka (1/h), gut to central.</summary>
    [JsonRequired] public RateParameterPrior Ka { get; init; } = null!;
    /// <summary>Elimination rate constant ke (1/h); CL = ke V.</summary>
    [JsonRequired] public RateParameterPrior Ke { get; init; } = null!;
    /// <summary>Central volume V (L).</summary>
    [JsonRequired] public RateParameterPrior V { get; init; } = null!;
    /// <summary>Central-to-peripheral rate constant k1p (1/h), one per peripheral; Q = k1p V.</summary>
    [JsonRequired] public RateParameterPrior K1p { get; init; } = null!;
    /// <summary>Peripheral-to-central rate constant kp1 (1/h), one per peripheral; Vp = Q / kp1.</summary>
    [JsonRequired] public RateParameterPrior Kp1 { get; init; } = null!;
    /// <summary>
    /// Length (h) of the segments on which the time-varying rates are held constant (each segment is solved exactly);
    /// the authors integrate the continuous rates with RK4 instead.
    /// </summary>
    [JsonRequired] public double SegmentLength { get; init; }
    /// <summary>Dose, route and (ours) regimen.</summary>
    [JsonRequired] public RateConstantDosing Dosing { get; init; } = null!;
    /// <summary>Sampling design.</summary>
    [JsonRequired] public RateConstantSampling Sampling { get; init; } = null!;
    /// <summary>Range of the study's relative residual error rel_ruv: y = C (1 + eps), eps ~ N(0, rel_ruv^2).</summary>
    [JsonRequired] public UniformRange RelativeError { get; init; } = null!;
    /// <summary>Units written into generated studies (time h, amount mg, concentration mg/L with V in L).</summary>
    [JsonRequired] public RateConstantUnits Units { get; init; } = null!;
}

/// <summary>Units written into studies of a rate-constant prior (same fields as <see cref="PriorUnits"/>, immutable).</summary>
public sealed record RateConstantUnits
{
    /// <summary>Time unit.</summary>
    public string Time { get; init; } = "h";
    /// <summary>Amount unit.</summary>
    public string Amount { get; init; } = "mg";
    /// <summary>Concentration unit (amount / volume, volumes in L).</summary>
    public string Concentration { get; init; } = "mg/L";
}
