using System.Text.Json.Serialization;

namespace ZeroShotPK.Priors;

/// <summary>A lognormal distribution given by its median and the standard deviation of its logarithm.</summary>
public sealed class LogNormalPrior
{
    /// <summary>Median (= exp of the log-mean), &gt; 0.</summary>
    public double Median { get; set; }
    /// <summary>Standard deviation of the logarithm, &gt;= 0.</summary>
    public double LogSd { get; set; }

    /// <summary>Creates an empty prior (for JSON).</summary>
    public LogNormalPrior() { }
    /// <summary>Creates a prior with the given median and log-scale sd.</summary>
    public LogNormalPrior(double median, double logSd) { Median = median; LogSd = logSd; }
}

/// <summary>Study typical values (Theta) of the PK parameters, each lognormal across studies.</summary>
public sealed class TypicalValuePriors
{
    /// <summary>Clearance (L/h).</summary>
    public LogNormalPrior CL { get; set; } = new(5, 0.8);
    /// <summary>Central volume (L).</summary>
    public LogNormalPrior V { get; set; } = new(50, 0.8);
    /// <summary>Absorption rate constant (1/h).</summary>
    public LogNormalPrior Ka { get; set; } = new(1, 0.7);
    /// <summary>Inter-compartmental clearance to peripheral 1 (L/h).</summary>
    public LogNormalPrior Q { get; set; } = new(5, 0.8);
    /// <summary>Peripheral volume 1 (L).</summary>
    public LogNormalPrior V2 { get; set; } = new(80, 0.8);
    /// <summary>Inter-compartmental clearance to peripheral 2 (L/h).</summary>
    public LogNormalPrior Q3 { get; set; } = new(2, 0.8);
    /// <summary>Peripheral volume 2 (L).</summary>
    public LogNormalPrior V3 { get; set; } = new(150, 0.8);
    /// <summary>Inter-compartmental clearance to peripheral 3 (L/h); needed (and only written) when 4 compartments are possible.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LogNormalPrior? Q4 { get; set; }
    /// <summary>Peripheral volume 3 (L); needed (and only written) when 4 compartments are possible.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LogNormalPrior? V4 { get; set; }
    /// <summary>Lag time of oral doses (h), used with probability <see cref="Prior.LagTimeProbability"/>.</summary>
    public LogNormalPrior Tlag { get; set; } = new(0.3, 0.5);
    /// <summary>
    /// Michaelis-Menten Km as a multiple of the study's typical Cmax (so saturation is visible in the data);
    /// Vmax = CL * Km keeps the low-concentration clearance at CL.
    /// </summary>
    public LogNormalPrior KmOverCmax { get; set; } = new(0.5, 0.7);
}

/// <summary>Standard deviations (log scale) per PK parameter: Omega (between individuals) or OU stationary sd (within).</summary>
public sealed class ParameterSds
{
    /// <summary>Sd of log CL.</summary>
    public double CL { get; set; }
    /// <summary>Sd of log V.</summary>
    public double V { get; set; }
    /// <summary>Sd of log Ka.</summary>
    public double Ka { get; set; }
    /// <summary>Sd of log Q, log Q3 and log Q4.</summary>
    public double Q { get; set; }
    /// <summary>Sd of log V2, log V3 and log V4.</summary>
    public double V2 { get; set; }
    /// <summary>Sd of log Tlag.</summary>
    public double Tlag { get; set; }

    internal IEnumerable<(string Name, double Value)> All() =>
        [(nameof(CL), CL), (nameof(V), V), (nameof(Ka), Ka), (nameof(Q), Q), (nameof(V2), V2), (nameof(Tlag), Tlag)];
}

/// <summary>Within-individual variability: an Ornstein-Uhlenbeck process on each log parameter.</summary>
public sealed class WithinIndividualPrior
{
    /// <summary>Mean-reversion rate theta (1/h): correlation exp(-theta lag).</summary>
    public double MeanReversionRate { get; set; } = 0.1;
    /// <summary>Stationary standard deviations per log parameter (0 = constant within the individual).</summary>
    public ParameterSds StationarySd { get; set; } = new() { CL = 0.1, V = 0.05, Ka = 0.1 };
    /// <summary>Number of piecewise-constant parameter segments over the sampling horizon.</summary>
    public int Segments { get; set; } = 24;
}

/// <summary>Probabilities of the route of a study (one route per study; weights are normalised).</summary>
public sealed class RoutePrior
{
    /// <summary>Oral (depot, first-order absorption).</summary>
    public double Oral { get; set; } = 0.8;
    /// <summary>IV bolus.</summary>
    public double IvBolus { get; set; } = 0.2;
    /// <summary>IV zero-order infusion.</summary>
    public double IvInfusion { get; set; }
}

/// <summary>Dose, route and regimen of a study.</summary>
public sealed class DosingPrior
{
    /// <summary>Study dose (mg).</summary>
    public LogNormalPrior Amount { get; set; } = new(100, 1.0);
    /// <summary>Sd of the log dose between individuals of a study (weight-based dosing etc.).</summary>
    public double IndividualLogSd { get; set; } = 0.1;
    /// <summary>Route probabilities.</summary>
    public RoutePrior Routes { get; set; } = new();
    /// <summary>Infusion duration (h) for infusion studies.</summary>
    public LogNormalPrior InfusionDuration { get; set; } = new(1, 0.5);
    /// <summary>Smallest number of doses per individual.</summary>
    public int MinDoses { get; set; } = 1;
    /// <summary>Largest number of doses per individual.</summary>
    public int MaxDoses { get; set; } = 1;
    /// <summary>Smallest dosing interval as a multiple of the typical half-life.</summary>
    public double MinIntervalHalfLives { get; set; } = 0.5;
    /// <summary>Largest dosing interval as a multiple of the typical half-life.</summary>
    public double MaxIntervalHalfLives { get; set; } = 2;
    /// <summary>Probability that a multiple-dose study starts at steady state (first dose SS=1).</summary>
    public double SteadyStateProbability { get; set; }
    /// <summary>Therapeutic-drug-monitoring designs (null: none; the file says so by leaving the section out).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public MonitoringPrior? Monitoring { get; set; }
}

/// <summary>
/// Therapeutic-drug-monitoring (TDM) designs: a long regimen seen on a few occasions, each a steady-state dose (SS=1) with
/// the dose of that occasion, a few explicit doses, and one or two samples; occasions days to months apart (quinidine-like
/// routine data). Parameters drift between occasions through the prior's within-individual (OU) variation.
/// </summary>
public sealed class MonitoringPrior
{
    /// <summary>Share of the prior's studies with this design.</summary>
    public double Probability { get; set; } = 1;
    /// <summary>Fewest occasions per individual.</summary>
    public int MinOccasions { get; set; } = 2;
    /// <summary>Most occasions per individual.</summary>
    public int MaxOccasions { get; set; } = 6;
    /// <summary>Shortest gap between occasions, in dosing intervals (log-uniform between the two).</summary>
    public double MinGapIntervals { get; set; } = 1;
    /// <summary>Longest gap between occasions, in dosing intervals.</summary>
    public double MaxGapIntervals { get; set; } = 300;
    /// <summary>Most explicit doses after an occasion's steady-state dose (uniform from 0).</summary>
    public int MaxExtraDoses { get; set; } = 8;
    /// <summary>Fewest samples per occasion.</summary>
    public int MinSamples { get; set; } = 1;
    /// <summary>Most samples per occasion.</summary>
    public int MaxSamples { get; set; } = 2;
    /// <summary>Sd of the log dose change from one occasion to the next (dose adjustments).</summary>
    public double DoseChangeLogSd { get; set; } = 0.3;
}

/// <summary>Sampling design, derived from each study's typical time to peak and half-life.</summary>
public sealed class SamplingPrior
{
    /// <summary>Points of the study's time grid.</summary>
    public int GridPoints { get; set; } = 16;
    /// <summary>Share of grid points up to the typical peak time (oral/infusion studies).</summary>
    public int GridPointsBeforePeak { get; set; } = 5;
    /// <summary>Typical number of samples per individual before the peak (each individual: this +- 1).</summary>
    public int SamplesBeforePeak { get; set; } = 4;
    /// <summary>Typical number of samples per individual after the peak (each individual: this +- 1).</summary>
    public int SamplesAfterPeak { get; set; } = 6;
    /// <summary>Maximum samples per individual.</summary>
    public int MaxSamples { get; set; } = 15;
    /// <summary>Sampling horizon after the (last) peak, in typical half-lives.</summary>
    public double HalfLivesAfterPeak { get; set; } = 4;
}

/// <summary>Residual error and censoring.</summary>
public sealed class ObservationPrior
{
    /// <summary>Proportional error: sd of the log-normal factor exp(eps).</summary>
    public double Proportional { get; set; } = 0.1;
    /// <summary>Additive error sd as a fraction of the study's typical Cmax.</summary>
    public double AdditiveFractionOfCmax { get; set; }
    /// <summary>LLOQ as a fraction of the study's typical Cmax (0 = no censoring).</summary>
    public double LloqFractionOfCmax { get; set; } = 0.01;
}

/// <summary>
/// A hierarchical prior over synthetic PK studies, as data (System.Text.Json): study typical values (Theta,
/// lognormal), between-individual variability (Omega), within-individual Ornstein-Uhlenbeck variability, dosing,
/// sampling design and observation noise. Load with <see cref="PriorFile"/>; sample with <see cref="PriorStudyGenerator"/>.
/// </summary>
public sealed class Prior
{
    /// <summary>Name (used in study names).</summary>
    public string Name { get; set; } = "default";
    /// <summary>What the prior is for.</summary>
    public string? Description { get; set; }
    /// <summary>
    /// Probabilities of 1, 2 and 3 compartments, or of 1 to 4 (4 entries: central + up to 3 peripherals, then
    /// <see cref="TypicalValuePriors.Q4"/> and <see cref="TypicalValuePriors.V4"/> are needed).
    /// </summary>
    public double[] CompartmentProbabilities { get; set; } = [0.5, 0.5, 0];
    /// <summary>Probability of Michaelis-Menten elimination.</summary>
    public double MichaelisMentenProbability { get; set; }
    /// <summary>Probability that an oral study has an absorption lag time.</summary>
    public double LagTimeProbability { get; set; }
    /// <summary>Typical-value priors (Theta).</summary>
    [JsonRequired] // a prior file states it: a missing section must not silently take these defaults
    public TypicalValuePriors TypicalValues { get; set; } = new();
    /// <summary>Between-individual sds of log parameters (Omega diagonal, as sds).</summary>
    [JsonRequired] // a prior file states it: a missing section must not silently take these defaults
    public ParameterSds Omega { get; set; } = new() { CL = 0.3, V = 0.25, Ka = 0.4, Q = 0.2, V2 = 0.2, Tlag = 0.3 };
    /// <summary>Within-individual OU variability.</summary>
    [JsonRequired] // a prior file states it: a missing section must not silently take these defaults
    public WithinIndividualPrior WithinIndividual { get; set; } = new();
    /// <summary>Dosing.</summary>
    [JsonRequired] // a prior file states it: a missing section must not silently take these defaults
    public DosingPrior Dosing { get; set; } = new();
    /// <summary>Smallest number of individuals per study.</summary>
    public int MinIndividuals { get; set; } = 6;
    /// <summary>Largest number of individuals per study.</summary>
    public int MaxIndividuals { get; set; } = 12;
    /// <summary>Sampling design.</summary>
    [JsonRequired] // a prior file states it: a missing section must not silently take these defaults
    public SamplingPrior Sampling { get; set; } = new();
    /// <summary>Noise and censoring.</summary>
    [JsonRequired] // a prior file states it: a missing section must not silently take these defaults
    public ObservationPrior Observation { get; set; } = new();
    /// <summary>Units of the generated studies.</summary>
    [JsonPropertyName("Units")]
    public PriorUnits Units { get; set; } = new();
}

/// <summary>Units written into generated studies.</summary>
public sealed class PriorUnits
{
    /// <summary>Time unit.</summary>
    public string Time { get; set; } = "h";
    /// <summary>Amount unit.</summary>
    public string Amount { get; set; } = "mg";
    /// <summary>Concentration unit (amount / volume, volumes in L).</summary>
    public string Concentration { get; set; } = "mg/L";
}
