using static ZeroShotPK.Priors.PriorChecks;

namespace ZeroShotPK.Priors;

// The prior records validate in their constructors and have get-only properties: a record that exists is valid and
// stays so. (An init-only property would let `with` change a field after validation, and a cross-field rule such as
// MaxDoses >= MinDoses cannot be checked there.) Derive a variant by naming the changed fields in a new record; every
// omitted argument takes the default that the built-in "default" prior uses. JSON is PriorFile's business.

/// <summary>A lognormal distribution given by its median and the standard deviation of its logarithm.</summary>
/// <exception cref="PriorFieldException">A value is out of range (the message names the field).</exception>
public sealed record LogNormalPrior(double Median, double LogSd)
{
    /// <summary>Smallest median (typical values, dose amount, infusion duration).</summary>
    public const double MinMedian = 1e-6;
    /// <summary>Largest median.</summary>
    public const double MaxMedian = 1e6;

    // Further out, concentrations overflow, solvers stall or sampling times run to years (a Median of 1e300 gave
    // NotFinite, one of 1e-300 ran for minutes).
    /// <summary>Median (= exp of the log-mean), in [<see cref="MinMedian"/>, <see cref="MaxMedian"/>].</summary>
    public double Median { get; } = Require(Positive(Median, nameof(LogNormalPrior), nameof(Median)), Median >= MinMedian && Median <= MaxMedian,
        nameof(LogNormalPrior), nameof(Median), $"a number in [{MinMedian:G}, {MaxMedian:G}] (the simulator's working range)");
    /// <summary>Standard deviation of the logarithm, in [0, 5].</summary>
    public double LogSd { get; } = PriorChecks.LogSd(LogSd, 5, nameof(LogNormalPrior), nameof(LogSd));
}

/// <summary>
/// Study typical values (Theta) of the PK parameters, each lognormal across studies; an omitted (null) parameter takes
/// the default prior's value, except <see cref="Q4"/> and <see cref="V4"/>, which stay absent.
/// </summary>
public sealed record TypicalValuePriors(LogNormalPrior? CL = null, LogNormalPrior? V = null, LogNormalPrior? Ka = null,
    LogNormalPrior? Q = null, LogNormalPrior? V2 = null, LogNormalPrior? Q3 = null, LogNormalPrior? V3 = null,
    LogNormalPrior? Q4 = null, LogNormalPrior? V4 = null, LogNormalPrior? Tlag = null, LogNormalPrior? KmOverCmax = null)
{
    /// <summary>Clearance (L/h).</summary>
    public LogNormalPrior CL { get; } = CL ?? new(5, 0.8);
    /// <summary>Central volume (L).</summary>
    public LogNormalPrior V { get; } = V ?? new(50, 0.8);
    /// <summary>Absorption rate constant (1/h).</summary>
    public LogNormalPrior Ka { get; } = Ka ?? new(1, 0.7);
    /// <summary>Inter-compartmental clearance to peripheral 1 (L/h).</summary>
    public LogNormalPrior Q { get; } = Q ?? new(5, 0.8);
    /// <summary>Peripheral volume 1 (L).</summary>
    public LogNormalPrior V2 { get; } = V2 ?? new(80, 0.8);
    /// <summary>Inter-compartmental clearance to peripheral 2 (L/h).</summary>
    public LogNormalPrior Q3 { get; } = Q3 ?? new(2, 0.8);
    /// <summary>Peripheral volume 2 (L).</summary>
    public LogNormalPrior V3 { get; } = V3 ?? new(150, 0.8);
    /// <summary>Inter-compartmental clearance to peripheral 3 (L/h); needed when 4 compartments are possible, else may be null.</summary>
    public LogNormalPrior? Q4 { get; } = Q4;
    /// <summary>Peripheral volume 3 (L); needed when 4 compartments are possible, else may be null.</summary>
    public LogNormalPrior? V4 { get; } = V4;
    /// <summary>Lag time of oral doses (h), used with probability <see cref="Prior.LagTimeProbability"/>.</summary>
    public LogNormalPrior Tlag { get; } = Tlag ?? new(0.3, 0.5);
    /// <summary>
    /// Michaelis-Menten Km as a multiple of the study's typical Cmax (so saturation is visible in the data);
    /// Vmax = CL * Km keeps the low-concentration clearance at CL.
    /// </summary>
    public LogNormalPrior KmOverCmax { get; } = KmOverCmax ?? new(0.5, 0.7);
}

/// <summary>Standard deviations (log scale, each in [0, 3]) per PK parameter: Omega (between individuals) or OU stationary sd (within).</summary>
/// <exception cref="PriorFieldException">A value is out of range (the message names the field).</exception>
public sealed record ParameterSds(double CL = 0, double V = 0, double Ka = 0, double Q = 0, double V2 = 0, double Tlag = 0)
{
    private const double Max = 3;
    /// <summary>Sd of log CL.</summary>
    public double CL { get; } = LogSd(CL, Max, nameof(ParameterSds), nameof(CL));
    /// <summary>Sd of log V.</summary>
    public double V { get; } = LogSd(V, Max, nameof(ParameterSds), nameof(V));
    /// <summary>Sd of log Ka.</summary>
    public double Ka { get; } = LogSd(Ka, Max, nameof(ParameterSds), nameof(Ka));
    /// <summary>Sd of log Q, log Q3 and log Q4.</summary>
    public double Q { get; } = LogSd(Q, Max, nameof(ParameterSds), nameof(Q));
    /// <summary>Sd of log V2, log V3 and log V4.</summary>
    public double V2 { get; } = LogSd(V2, Max, nameof(ParameterSds), nameof(V2));
    /// <summary>Sd of log Tlag.</summary>
    public double Tlag { get; } = LogSd(Tlag, Max, nameof(ParameterSds), nameof(Tlag));

    internal IEnumerable<(string Name, double Value)> All() =>
        [(nameof(CL), CL), (nameof(V), V), (nameof(Ka), Ka), (nameof(Q), Q), (nameof(V2), V2), (nameof(Tlag), Tlag)];
}

/// <summary>Within-individual variability: an Ornstein-Uhlenbeck process on each log parameter.</summary>
/// <exception cref="PriorFieldException">A value is out of range (the message names the field).</exception>
public sealed record WithinIndividualPrior(double MeanReversionRate = 0.1, ParameterSds? StationarySd = null, int Segments = 24)
{
    /// <summary>Mean-reversion rate theta (1/h), &gt; 0: correlation exp(-theta lag).</summary>
    public double MeanReversionRate { get; } = Positive(MeanReversionRate, nameof(WithinIndividualPrior), nameof(MeanReversionRate));
    /// <summary>Stationary standard deviations per log parameter (0 = constant within the individual); null: CL 0.1, V 0.05, Ka 0.1.</summary>
    public ParameterSds StationarySd { get; } = StationarySd ?? new(CL: 0.1, V: 0.05, Ka: 0.1);
    /// <summary>Number of piecewise-constant parameter segments over the sampling horizon, in [1, 1000].</summary>
    public int Segments { get; } = Integer(Segments, 1, 1000, nameof(WithinIndividualPrior), nameof(Segments));
}

/// <summary>Probabilities of the route of a study (one route per study; weights &gt;= 0, normalised, summing to &gt; 0).</summary>
/// <exception cref="PriorFieldException">A weight is negative or all are 0.</exception>
public sealed record RoutePrior(double Oral = 0.8, double IvBolus = 0.2, double IvInfusion = 0)
{
    /// <summary>Oral (depot, first-order absorption).</summary>
    public double Oral { get; } = NonNegative(Oral, nameof(RoutePrior), nameof(Oral));
    /// <summary>IV bolus.</summary>
    public double IvBolus { get; } = NonNegative(IvBolus, nameof(RoutePrior), nameof(IvBolus));
    /// <summary>IV zero-order infusion.</summary>
    public double IvInfusion { get; } = Oral + IvBolus + NonNegative(IvInfusion, nameof(RoutePrior), nameof(IvInfusion)) > 0 ? IvInfusion
        : throw Refused(nameof(RoutePrior), "", 0, "route weights summing to > 0");
}

/// <summary>Dose, route and regimen of a study.</summary>
/// <exception cref="PriorFieldException">A value is out of range (the message names the field).</exception>
public sealed record DosingPrior(LogNormalPrior? Amount = null, double IndividualLogSd = 0.1, RoutePrior? Routes = null,
    LogNormalPrior? InfusionDuration = null, int MinDoses = 1, int MaxDoses = 1, double MinIntervalHalfLives = 0.5,
    double MaxIntervalHalfLives = 2, double SteadyStateProbability = 0, MonitoringPrior? Monitoring = null)
{
    /// <summary>Study dose (mg); null: median 100, log-sd 1.</summary>
    public LogNormalPrior Amount { get; } = Amount ?? new(100, 1.0);
    /// <summary>Sd of the log dose between individuals of a study (weight-based dosing etc.), in [0, 3].</summary>
    public double IndividualLogSd { get; } = LogSd(IndividualLogSd, 3, nameof(DosingPrior), nameof(IndividualLogSd));
    /// <summary>Route probabilities; null: oral 0.8, IV bolus 0.2.</summary>
    public RoutePrior Routes { get; } = Routes ?? new();
    /// <summary>Infusion duration (h) for infusion studies; null: median 1, log-sd 0.5.</summary>
    public LogNormalPrior InfusionDuration { get; } = InfusionDuration ?? new(1, 0.5);
    /// <summary>Smallest number of doses per individual, in [1, 100].</summary>
    public int MinDoses { get; } = Integer(MinDoses, 1, 100, nameof(DosingPrior), nameof(MinDoses));
    /// <summary>Largest number of doses per individual, in [<see cref="MinDoses"/>, 100].</summary>
    public int MaxDoses { get; } = AtLeast(MaxDoses, MinDoses, nameof(MinDoses), 100, nameof(DosingPrior), nameof(MaxDoses));
    /// <summary>Smallest dosing interval as a multiple of the typical half-life, &gt; 0.</summary>
    public double MinIntervalHalfLives { get; } = Positive(MinIntervalHalfLives, nameof(DosingPrior), nameof(MinIntervalHalfLives));
    /// <summary>Largest dosing interval as a multiple of the typical half-life, finite and &gt;= <see cref="MinIntervalHalfLives"/>.</summary>
    public double MaxIntervalHalfLives { get; } = Require(MaxIntervalHalfLives, MaxIntervalHalfLives >= MinIntervalHalfLives && !double.IsInfinity(MaxIntervalHalfLives),
        nameof(DosingPrior), nameof(MaxIntervalHalfLives), $"a finite number >= MinIntervalHalfLives = {Text(MinIntervalHalfLives)}");
    /// <summary>Probability that a multiple-dose study starts at steady state (first dose SS=1).</summary>
    public double SteadyStateProbability { get; } = Probability(SteadyStateProbability, nameof(DosingPrior), nameof(SteadyStateProbability));
    /// <summary>Therapeutic-drug-monitoring designs (null: none).</summary>
    public MonitoringPrior? Monitoring { get; } = Monitoring;
}

/// <summary>
/// Therapeutic-drug-monitoring (TDM) designs: a long regimen seen on a few occasions, each a steady-state dose (SS=1) with
/// the dose of that occasion, a few explicit doses, and one or two samples; occasions days to months apart (quinidine-like
/// routine data). Parameters drift between occasions through the prior's within-individual (OU) variation.
/// </summary>
/// <exception cref="PriorFieldException">A value is out of range (the message names the field).</exception>
public sealed record MonitoringPrior(double Probability = 1, int MinOccasions = 2, int MaxOccasions = 6, double MinGapIntervals = 1,
    double MaxGapIntervals = 300, int MaxExtraDoses = 8, int MinSamples = 1, int MaxSamples = 2, double DoseChangeLogSd = 0.3)
{
    private const string Record = nameof(MonitoringPrior);
    /// <summary>Share of the prior's studies with this design.</summary>
    public double Probability { get; } = PriorChecks.Probability(Probability, Record, nameof(Probability));
    /// <summary>Fewest occasions per individual, in [1, 50].</summary>
    public int MinOccasions { get; } = Integer(MinOccasions, 1, 50, Record, nameof(MinOccasions));
    /// <summary>Most occasions per individual, in [<see cref="MinOccasions"/>, 50].</summary>
    public int MaxOccasions { get; } = AtLeast(MaxOccasions, MinOccasions, nameof(MinOccasions), 50, Record, nameof(MaxOccasions));
    /// <summary>Shortest gap between occasions, in dosing intervals (log-uniform between the two), in [0.5, 10000].</summary>
    public double MinGapIntervals { get; } = Require(MinGapIntervals, MinGapIntervals >= 0.5 && MinGapIntervals <= 1e4, Record,
        nameof(MinGapIntervals), "a number of dosing intervals in [0.5, 10000]");
    /// <summary>Longest gap between occasions, in dosing intervals, in [<see cref="MinGapIntervals"/>, 10000].</summary>
    public double MaxGapIntervals { get; } = Require(MaxGapIntervals, MaxGapIntervals >= MinGapIntervals && MaxGapIntervals <= 1e4, Record,
        nameof(MaxGapIntervals), $"a number of dosing intervals in [MinGapIntervals = {Text(MinGapIntervals)}, 10000]");
    /// <summary>Most explicit doses after an occasion's steady-state dose (uniform from 0), in [0, 100].</summary>
    public int MaxExtraDoses { get; } = Integer(MaxExtraDoses, 0, 100, Record, nameof(MaxExtraDoses));
    /// <summary>Fewest samples per occasion, in [1, 20].</summary>
    public int MinSamples { get; } = Integer(MinSamples, 1, 20, Record, nameof(MinSamples));
    /// <summary>Most samples per occasion, in [<see cref="MinSamples"/>, 20].</summary>
    public int MaxSamples { get; } = AtLeast(MaxSamples, MinSamples, nameof(MinSamples), 20, Record, nameof(MaxSamples));
    /// <summary>Sd of the log dose change from one occasion to the next (dose adjustments), in [0, 3].</summary>
    public double DoseChangeLogSd { get; } = LogSd(DoseChangeLogSd, 3, Record, nameof(DoseChangeLogSd));
}

/// <summary>Sampling design, derived from each study's typical time to peak and half-life.</summary>
/// <exception cref="PriorFieldException">A value is out of range (the message names the field).</exception>
public sealed record SamplingPrior(int GridPoints = 16, int GridPointsBeforePeak = 5, int SamplesBeforePeak = 4, int SamplesAfterPeak = 6,
    int MaxSamples = 15, double HalfLivesAfterPeak = 4)
{
    private const string Record = nameof(SamplingPrior);
    /// <summary>Points of the study's time grid, in [2, 1000].</summary>
    public int GridPoints { get; } = Integer(GridPoints, 2, 1000, Record, nameof(GridPoints));
    /// <summary>Grid points up to the typical peak time (oral/infusion studies), in [1, <see cref="GridPoints"/> - 1].</summary>
    public int GridPointsBeforePeak { get; } = Require(GridPointsBeforePeak, GridPointsBeforePeak >= 1 && GridPointsBeforePeak < GridPoints, Record,
        nameof(GridPointsBeforePeak), $"an integer in [1, GridPoints - 1 = {GridPoints - 1}]");
    /// <summary>Typical number of samples per individual before the peak (each individual: this +- 1), in [1, <see cref="GridPointsBeforePeak"/>].</summary>
    public int SamplesBeforePeak { get; } = Require(SamplesBeforePeak, SamplesBeforePeak >= 1 && SamplesBeforePeak <= GridPointsBeforePeak, Record,
        nameof(SamplesBeforePeak), $"an integer in [1, GridPointsBeforePeak = {GridPointsBeforePeak}]");
    /// <summary>Typical number of samples per individual after the peak (each individual: this +- 1), in [1, GridPoints - GridPointsBeforePeak].</summary>
    public int SamplesAfterPeak { get; } = Require(SamplesAfterPeak, SamplesAfterPeak >= 1 && SamplesAfterPeak <= GridPoints - GridPointsBeforePeak, Record,
        nameof(SamplesAfterPeak), $"an integer in [1, GridPoints - GridPointsBeforePeak = {GridPoints - GridPointsBeforePeak}]");
    /// <summary>Maximum samples per individual, in [1, <see cref="GridPoints"/>].</summary>
    public int MaxSamples { get; } = Require(MaxSamples, MaxSamples >= 1 && MaxSamples <= GridPoints, Record,
        nameof(MaxSamples), $"an integer in [1, GridPoints = {GridPoints}]");
    /// <summary>Sampling horizon after the (last) peak, in typical half-lives, &gt; 0.</summary>
    public double HalfLivesAfterPeak { get; } = Positive(HalfLivesAfterPeak, Record, nameof(HalfLivesAfterPeak));
}

/// <summary>Residual error and censoring.</summary>
/// <exception cref="PriorFieldException">A value is out of range (the message names the field).</exception>
public sealed record ObservationPrior(double Proportional = 0.1, double AdditiveFractionOfCmax = 0, double LloqFractionOfCmax = 0.01)
{
    private const string Record = nameof(ObservationPrior);
    /// <summary>Proportional error: sd of the log-normal factor exp(eps), in [0, 2].</summary>
    public double Proportional { get; } = LogSd(Proportional, 2, Record, nameof(Proportional));
    /// <summary>Additive error sd as a fraction of the study's typical Cmax, in [0, 1].</summary>
    public double AdditiveFractionOfCmax { get; } = Require(AdditiveFractionOfCmax, AdditiveFractionOfCmax >= 0 && AdditiveFractionOfCmax <= 1, Record,
        nameof(AdditiveFractionOfCmax), "a fraction in [0, 1]");
    /// <summary>LLOQ as a fraction of the study's typical Cmax (0 = no censoring), in [0, 1); &gt; 0 when there is additive noise.</summary>
    public double LloqFractionOfCmax { get; } =
        !(LloqFractionOfCmax >= 0 && LloqFractionOfCmax < 1) ? throw Refused(Record, nameof(LloqFractionOfCmax), LloqFractionOfCmax, "a fraction in [0, 1)")
        // Additive noise can go negative; those samples are censored, so they need an LLOQ.
        : AdditiveFractionOfCmax > 0 && LloqFractionOfCmax == 0 ? throw Refused(Record, nameof(LloqFractionOfCmax), 0,
            "> 0 when AdditiveFractionOfCmax > 0 (additive noise can go negative; those samples are censored)")
        : LloqFractionOfCmax;
}

/// <summary>Units written into generated studies.</summary>
/// <exception cref="PriorFieldException">A unit is null.</exception>
public sealed record PriorUnits(string Time = "h", string Amount = "mg", string Concentration = "mg/L")
{
    /// <summary>Time unit.</summary>
    public string Time { get; } = Present(Time, nameof(PriorUnits), nameof(Time));
    /// <summary>Amount unit.</summary>
    public string Amount { get; } = Present(Amount, nameof(PriorUnits), nameof(Amount));
    /// <summary>Concentration unit (amount / volume, volumes in L).</summary>
    public string Concentration { get; } = Present(Concentration, nameof(PriorUnits), nameof(Concentration));
}

/// <summary>
/// A hierarchical prior over synthetic PK studies: study typical values (Theta, lognormal), between-individual
/// variability (Omega), within-individual Ornstein-Uhlenbeck variability, dosing, sampling design and observation
/// noise. Every argument left out (or null) takes the built-in "default" prior's value. Read and write JSON with
/// <see cref="PriorFile"/>; sample with <see cref="PriorStudyGenerator"/>.
/// </summary>
/// <exception cref="PriorFieldException">A value is out of range or missing (the message names the field).</exception>
public sealed record Prior(string Name = "default", string? Description = null, IReadOnlyList<double>? CompartmentProbabilities = null,
    double MichaelisMentenProbability = 0, double LagTimeProbability = 0, TypicalValuePriors? TypicalValues = null, ParameterSds? Omega = null,
    WithinIndividualPrior? WithinIndividual = null, DosingPrior? Dosing = null, int MinIndividuals = 6, int MaxIndividuals = 12,
    SamplingPrior? Sampling = null, ObservationPrior? Observation = null, PriorUnits? Units = null)
{
    private const string Record = nameof(Prior);

    /// <summary>Name (used in study names), not blank.</summary>
    public string Name { get; } = !string.IsNullOrWhiteSpace(Name) ? Name : throw new PriorFieldException(Record, nameof(Name), ": expected a non-empty name");
    /// <summary>What the prior is for.</summary>
    public string? Description { get; } = Description;
    /// <summary>
    /// Probabilities of 1, 2 and 3 compartments, or of 1 to 4 (4 entries: central + up to 3 peripherals, then
    /// <see cref="TypicalValuePriors.Q4"/> and <see cref="TypicalValuePriors.V4"/> are needed); null: 0.5, 0.5, 0.
    /// </summary>
    public IReadOnlyList<double> CompartmentProbabilities { get; } = Compartments(CompartmentProbabilities ?? [0.5, 0.5, 0]);
    /// <summary>Probability of Michaelis-Menten elimination.</summary>
    public double MichaelisMentenProbability { get; } = Probability(MichaelisMentenProbability, Record, nameof(MichaelisMentenProbability));
    /// <summary>Probability that an oral study has an absorption lag time.</summary>
    public double LagTimeProbability { get; } = Probability(LagTimeProbability, Record, nameof(LagTimeProbability));
    /// <summary>Typical-value priors (Theta).</summary>
    public TypicalValuePriors TypicalValues { get; } = WithFourthCompartment(TypicalValues ?? new(), CompartmentProbabilities);
    /// <summary>Between-individual sds of log parameters (Omega diagonal, as sds); null: CL 0.3, V 0.25, Ka 0.4, Q 0.2, V2 0.2, Tlag 0.3.</summary>
    public ParameterSds Omega { get; } = Omega ?? new(CL: 0.3, V: 0.25, Ka: 0.4, Q: 0.2, V2: 0.2, Tlag: 0.3);
    /// <summary>Within-individual OU variability.</summary>
    public WithinIndividualPrior WithinIndividual { get; } = WithinIndividual ?? new();
    /// <summary>Dosing.</summary>
    public DosingPrior Dosing { get; } = Dosing ?? new();
    /// <summary>Smallest number of individuals per study, in [1, 10000].</summary>
    public int MinIndividuals { get; } = Integer(MinIndividuals, 1, 10_000, Record, nameof(MinIndividuals));
    /// <summary>Largest number of individuals per study, in [<see cref="MinIndividuals"/>, 10000].</summary>
    public int MaxIndividuals { get; } = AtLeast(MaxIndividuals, MinIndividuals, nameof(MinIndividuals), 10_000, Record, nameof(MaxIndividuals));
    /// <summary>Sampling design.</summary>
    public SamplingPrior Sampling { get; } = Sampling ?? new();
    /// <summary>Noise and censoring.</summary>
    public ObservationPrior Observation { get; } = Observation ?? new();
    /// <summary>Units of the generated studies.</summary>
    public PriorUnits Units { get; } = Units ?? new();

    private static IReadOnlyList<double> Compartments(IReadOnlyList<double> p)
    {
        if (p.Count is not (3 or 4))
            throw new PriorFieldException(Record, nameof(CompartmentProbabilities), $": expected 3 probabilities (1, 2 and 3 compartments) or 4 (1 to 4), found {p.Count}");
        for (var i = 0; i < p.Count; i++) Probability(p[i], Record, $"{nameof(CompartmentProbabilities)}[{i}]");
        if (!(p.Sum() > 0)) throw Refused(Record, nameof(CompartmentProbabilities), p.Sum(), "probabilities summing to > 0");
        return Frozen(p);
    }

    // Q4/V4 are optional (absent from 1-3 compartment priors) but needed once 4 compartments can be drawn.
    private static TypicalValuePriors WithFourthCompartment(TypicalValuePriors tv, IReadOnlyList<double>? compartments)
    {
        if (compartments is { Count: 4 } && compartments[3] > 0)
            foreach (var (name, value) in new[] { (nameof(tv.Q4), tv.Q4), (nameof(tv.V4), tv.V4) })
                if (value is null)
                    throw new PriorFieldException(Record, $"{nameof(TypicalValues)}.{name}", " is missing: needed when CompartmentProbabilities[3] (4 compartments) is > 0");
        return tv;
    }
}
