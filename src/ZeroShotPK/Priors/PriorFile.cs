using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZeroShotPK.Priors;

/// <summary>
/// The JSON format of <see cref="Prior"/>: reads a file into the validated records (reporting a refused value with the
/// file's field path), writes a prior back, and knows the built-in priors by name.
/// </summary>
public static class PriorFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Names of the built-in priors.</summary>
    public static IReadOnlyList<string> BuiltinNames { get; } = ["default", "multidose", "misspecified", "paper", "monitoring"];

    /// <summary>A built-in prior by name (see <see cref="BuiltinNames"/>).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static Prior Builtin(string name) => name switch
    {
        "default" => BuiltinPriors.Default(),
        "multidose" => BuiltinPriors.MultiDose(),
        "misspecified" => BuiltinPriors.Misspecified(),
        "paper" => BuiltinPriors.Paper(),
        "monitoring" => BuiltinPriors.Monitoring(),
        _ => throw new ArgumentException($"unknown built-in prior '{name}' (built-in: {string.Join(", ", BuiltinNames)}).", nameof(name)),
    };

    /// <summary>A built-in prior when <paramref name="nameOrPath"/> is one of <see cref="BuiltinNames"/>, else the JSON file.</summary>
    public static Prior Load(string nameOrPath) =>
        BuiltinNames.Contains(nameOrPath) && !File.Exists(nameOrPath) ? Builtin(nameOrPath) : Read(nameOrPath);

    /// <summary>Reads and validates a prior file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="FormatException">Invalid JSON, unknown field or value out of range; the message names the field path.</exception>
    public static Prior Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"prior file '{path}' not found (built-in priors: {string.Join(", ", BuiltinNames)}).", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates prior JSON; <paramref name="sourceName"/> prefixes error messages.</summary>
    /// <exception cref="FormatException">Invalid JSON, unknown field or value out of range; the message names the field path.</exception>
    public static Prior Parse(string json, string sourceName)
    {
        PriorJson? prior;
        try
        {
            prior = JsonSerializer.Deserialize<PriorJson>(json, Json);
        }
        catch (JsonException ex) when (MissingSection(ex.Message) is { } missing)
        {
            throw new FormatException($"{sourceName}: field $.{missing.Name} is missing; expected {missing.What}, as every built-in prior does (data/priors/default.json).", ex);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : "";
            var first = ex.Message.Split(" Path:")[0];
            // System.Text.Json names CLR types; say what the file should hold instead.
            first = first.Contains("System.Int32") ? "expected an integer."
                : first.Contains("System.Double") ? "expected a number."
                : first.Contains("System.String") ? "expected a string."
                : first.Contains("System.Double[]") ? "expected an array of numbers."
                : first;
            // A rate-constant prior handed to the hierarchical reader: say where it is read instead.
            if (ex.Path == "$.Kind") first += $" (a file with a Kind is a rate-constant prior: load it with {nameof(PriorSpec)}.{nameof(PriorSpec.Load)}, as zspk does.)";
            throw new FormatException($"{sourceName}: field {ex.Path ?? "$"}{where}: {first}", ex);
        }
        if (prior is null) throw new FormatException($"{sourceName}: field $: expected a JSON object, found null.");
        return prior.ToPrior(sourceName);
    }

    // The sections Prior marks [JsonRequired]: a missing one used to take built-in values silently (a prior without Omega
    // generated between-individual variability its author never wrote). Order: the one named when several are missing.
    private static readonly (string Name, string What)[] Sections =
    [
        (nameof(Prior.TypicalValues), "the typical-value priors (median and log-sd per parameter)"),
        (nameof(Prior.Omega), "the between-individual sds of log parameters (0 for none)"),
        (nameof(Prior.WithinIndividual), "the within-individual (Ornstein-Uhlenbeck) variability (StationarySd 0 for none)"),
        (nameof(Prior.Dosing), "the dosing design"),
        (nameof(Prior.Sampling), "the sampling design"),
        (nameof(Prior.Observation), "the observation noise and censoring"),
    ];

    // System.Text.Json lists the missing [JsonRequired] properties by name, quoted, after "missing required properties".
    private static (string Name, string What)? MissingSection(string message)
    {
        int at = message.IndexOf("missing required properties", StringComparison.Ordinal);
        if (at < 0) return null;
        var listed = message[at..];
        foreach (var section in Sections)
            if (listed.Contains($"'{section.Name}'", StringComparison.Ordinal)) return section;
        return null;
    }

    /// <summary>Serialises a prior to JSON.</summary>
    public static string ToJson(Prior prior) => JsonSerializer.Serialize(new PriorJson(prior ?? throw new ArgumentNullException(nameof(prior))), Json);

    /// <summary>Writes a prior file atomically (temp file, then rename).</summary>
    public static void Write(string path, Prior prior)
    {
        var full = Path.GetFullPath(path);
        Data.AtomicFile.WriteAllText(full, ToJson(prior) + "\n");
    }

    // The file's shape: mutable mirrors of the records, property for property and in the same order (that order is the
    // file's, and the training prior's hash is taken over this JSON). Each mirror's parameterless constructor copies the
    // record's defaults, so a field left out of a file means what it meant before; ToPrior builds the records under their
    // JSON paths, so that a value a record refuses is reported as "file: field $.Dosing.MaxDoses = ...".

    private sealed class Reader(string sourceName) : PriorFieldReader(sourceName)
    {
        public LogNormalPrior LogNormal(string path, LogNormalJson? value)
        {
            var v = Need(path, value);
            return At(path, () => new LogNormalPrior(v.Median, v.LogSd));
        }

        public ParameterSds Sds(string path, ParameterSdsJson? value)
        {
            var v = Need(path, value);
            return At(path, () => new ParameterSds(v.CL, v.V, v.Ka, v.Q, v.V2, v.Tlag));
        }
    }

    private sealed class LogNormalJson
    {
        public double Median { get; set; }
        public double LogSd { get; set; }
        public LogNormalJson() { }
        public LogNormalJson(LogNormalPrior p) { Median = p.Median; LogSd = p.LogSd; }
    }

    private sealed class TypicalValuesJson
    {
        public LogNormalJson? CL { get; set; }
        public LogNormalJson? V { get; set; }
        public LogNormalJson? Ka { get; set; }
        public LogNormalJson? Q { get; set; }
        public LogNormalJson? V2 { get; set; }
        public LogNormalJson? Q3 { get; set; }
        public LogNormalJson? V3 { get; set; }
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] // only 4-compartment priors have them
        public LogNormalJson? Q4 { get; set; }
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public LogNormalJson? V4 { get; set; }
        public LogNormalJson? Tlag { get; set; }
        public LogNormalJson? KmOverCmax { get; set; }
        public TypicalValuesJson() : this(new TypicalValuePriors()) { }
        public TypicalValuesJson(TypicalValuePriors p)
        {
            CL = new(p.CL); V = new(p.V); Ka = new(p.Ka); Q = new(p.Q); V2 = new(p.V2); Q3 = new(p.Q3); V3 = new(p.V3);
            Q4 = p.Q4 is { } q4 ? new(q4) : null; V4 = p.V4 is { } v4 ? new(v4) : null;
            Tlag = new(p.Tlag); KmOverCmax = new(p.KmOverCmax);
        }

        public TypicalValuePriors ToRecord(Reader r, string path)
        {
            LogNormalPrior? Optional(string name, LogNormalJson? v) => v is null ? null : r.LogNormal($"{path}.{name}", v);
            return new TypicalValuePriors(r.LogNormal($"{path}.CL", CL), r.LogNormal($"{path}.V", V), r.LogNormal($"{path}.Ka", Ka),
                r.LogNormal($"{path}.Q", Q), r.LogNormal($"{path}.V2", V2), r.LogNormal($"{path}.Q3", Q3), r.LogNormal($"{path}.V3", V3),
                Optional("Q4", Q4), Optional("V4", V4), r.LogNormal($"{path}.Tlag", Tlag), r.LogNormal($"{path}.KmOverCmax", KmOverCmax));
        }
    }

    private sealed class ParameterSdsJson
    {
        public double CL { get; set; }
        public double V { get; set; }
        public double Ka { get; set; }
        public double Q { get; set; }
        public double V2 { get; set; }
        public double Tlag { get; set; }
        public ParameterSdsJson() { }
        public ParameterSdsJson(ParameterSds s) { CL = s.CL; V = s.V; Ka = s.Ka; Q = s.Q; V2 = s.V2; Tlag = s.Tlag; }
    }

    private sealed class WithinIndividualJson
    {
        public double MeanReversionRate { get; set; }
        public ParameterSdsJson? StationarySd { get; set; }
        public int Segments { get; set; }
        public WithinIndividualJson() : this(new WithinIndividualPrior()) { }
        public WithinIndividualJson(WithinIndividualPrior w) { MeanReversionRate = w.MeanReversionRate; StationarySd = new(w.StationarySd); Segments = w.Segments; }

        public WithinIndividualPrior ToRecord(Reader r, string path)
        {
            var sd = r.Sds($"{path}.StationarySd", StationarySd);
            return r.At(path, () => new WithinIndividualPrior(MeanReversionRate, sd, Segments));
        }
    }

    private sealed class RoutesJson
    {
        public double Oral { get; set; }
        public double IvBolus { get; set; }
        public double IvInfusion { get; set; }
        public RoutesJson() : this(new RoutePrior()) { }
        public RoutesJson(RoutePrior p) { Oral = p.Oral; IvBolus = p.IvBolus; IvInfusion = p.IvInfusion; }
    }

    private sealed class DosingJson
    {
        public LogNormalJson? Amount { get; set; }
        public double IndividualLogSd { get; set; }
        public RoutesJson? Routes { get; set; }
        public LogNormalJson? InfusionDuration { get; set; }
        public int MinDoses { get; set; }
        public int MaxDoses { get; set; }
        public double MinIntervalHalfLives { get; set; }
        public double MaxIntervalHalfLives { get; set; }
        public double SteadyStateProbability { get; set; }
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] // a file without monitoring designs leaves the section out
        public MonitoringJson? Monitoring { get; set; }
        public DosingJson() : this(new DosingPrior()) { }
        public DosingJson(DosingPrior d)
        {
            Amount = new(d.Amount); IndividualLogSd = d.IndividualLogSd; Routes = new(d.Routes); InfusionDuration = new(d.InfusionDuration);
            MinDoses = d.MinDoses; MaxDoses = d.MaxDoses; MinIntervalHalfLives = d.MinIntervalHalfLives; MaxIntervalHalfLives = d.MaxIntervalHalfLives;
            SteadyStateProbability = d.SteadyStateProbability; Monitoring = d.Monitoring is { } m ? new(m) : null;
        }

        public DosingPrior ToRecord(Reader r, string path)
        {
            var amount = r.LogNormal($"{path}.Amount", Amount);
            var routesJson = r.Need($"{path}.Routes", Routes);
            var routes = r.At($"{path}.Routes", () => new RoutePrior(routesJson.Oral, routesJson.IvBolus, routesJson.IvInfusion));
            var infusion = r.LogNormal($"{path}.InfusionDuration", InfusionDuration);
            var monitoring = Monitoring is { } m ? r.At($"{path}.Monitoring", () => new MonitoringPrior(m.Probability, m.MinOccasions,
                m.MaxOccasions, m.MinGapIntervals, m.MaxGapIntervals, m.MaxExtraDoses, m.MinSamples, m.MaxSamples, m.DoseChangeLogSd)) : null;
            return r.At(path, () => new DosingPrior(amount, IndividualLogSd, routes, infusion, MinDoses, MaxDoses, MinIntervalHalfLives,
                MaxIntervalHalfLives, SteadyStateProbability, monitoring));
        }
    }

    private sealed class MonitoringJson
    {
        public double Probability { get; set; }
        public int MinOccasions { get; set; }
        public int MaxOccasions { get; set; }
        public double MinGapIntervals { get; set; }
        public double MaxGapIntervals { get; set; }
        public int MaxExtraDoses { get; set; }
        public int MinSamples { get; set; }
        public int MaxSamples { get; set; }
        public double DoseChangeLogSd { get; set; }
        public MonitoringJson() : this(new MonitoringPrior()) { }
        public MonitoringJson(MonitoringPrior m)
        {
            Probability = m.Probability; MinOccasions = m.MinOccasions; MaxOccasions = m.MaxOccasions; MinGapIntervals = m.MinGapIntervals;
            MaxGapIntervals = m.MaxGapIntervals; MaxExtraDoses = m.MaxExtraDoses; MinSamples = m.MinSamples; MaxSamples = m.MaxSamples;
            DoseChangeLogSd = m.DoseChangeLogSd;
        }
    }

    private sealed class SamplingJson
    {
        public int GridPoints { get; set; }
        public int GridPointsBeforePeak { get; set; }
        public int SamplesBeforePeak { get; set; }
        public int SamplesAfterPeak { get; set; }
        public int MaxSamples { get; set; }
        public double HalfLivesAfterPeak { get; set; }
        public SamplingJson() : this(new SamplingPrior()) { }
        public SamplingJson(SamplingPrior s)
        {
            GridPoints = s.GridPoints; GridPointsBeforePeak = s.GridPointsBeforePeak; SamplesBeforePeak = s.SamplesBeforePeak;
            SamplesAfterPeak = s.SamplesAfterPeak; MaxSamples = s.MaxSamples; HalfLivesAfterPeak = s.HalfLivesAfterPeak;
        }
    }

    private sealed class ObservationJson
    {
        public double Proportional { get; set; }
        public double AdditiveFractionOfCmax { get; set; }
        public double LloqFractionOfCmax { get; set; }
        public ObservationJson() : this(new ObservationPrior()) { }
        public ObservationJson(ObservationPrior o) { Proportional = o.Proportional; AdditiveFractionOfCmax = o.AdditiveFractionOfCmax; LloqFractionOfCmax = o.LloqFractionOfCmax; }
    }

    private sealed class UnitsJson
    {
        public string? Time { get; set; }
        public string? Amount { get; set; }
        public string? Concentration { get; set; }
        public UnitsJson() : this(new PriorUnits()) { }
        public UnitsJson(PriorUnits u) { Time = u.Time; Amount = u.Amount; Concentration = u.Concentration; }
    }

    private sealed class PriorJson
    {
        public string? Name { get; set; }
        public string? Description { get; set; }
        public double[]? CompartmentProbabilities { get; set; }
        public double MichaelisMentenProbability { get; set; }
        public double LagTimeProbability { get; set; }
        [JsonRequired] // a prior file states it: a missing section must not silently take the defaults
        public TypicalValuesJson? TypicalValues { get; set; }
        [JsonRequired]
        public ParameterSdsJson? Omega { get; set; }
        [JsonRequired]
        public WithinIndividualJson? WithinIndividual { get; set; }
        [JsonRequired]
        public DosingJson? Dosing { get; set; }
        public int MinIndividuals { get; set; }
        public int MaxIndividuals { get; set; }
        [JsonRequired]
        public SamplingJson? Sampling { get; set; }
        [JsonRequired]
        public ObservationJson? Observation { get; set; }
        public UnitsJson? Units { get; set; }
        public PriorJson() : this(new Prior()) { }
        public PriorJson(Prior p)
        {
            Name = p.Name; Description = p.Description; CompartmentProbabilities = [.. p.CompartmentProbabilities];
            MichaelisMentenProbability = p.MichaelisMentenProbability; LagTimeProbability = p.LagTimeProbability;
            TypicalValues = new(p.TypicalValues); Omega = new(p.Omega); WithinIndividual = new(p.WithinIndividual); Dosing = new(p.Dosing);
            MinIndividuals = p.MinIndividuals; MaxIndividuals = p.MaxIndividuals; Sampling = new(p.Sampling); Observation = new(p.Observation);
            Units = new(p.Units);
        }

        public Prior ToPrior(string sourceName)
        {
            var r = new Reader(sourceName);
            var typical = r.Need(nameof(TypicalValues), TypicalValues).ToRecord(r, nameof(TypicalValues));
            var omega = r.Sds(nameof(Omega), Omega);
            var within = r.Need(nameof(WithinIndividual), WithinIndividual).ToRecord(r, nameof(WithinIndividual));
            var dosing = r.Need(nameof(Dosing), Dosing).ToRecord(r, nameof(Dosing));
            var s = r.Need(nameof(Sampling), Sampling);
            var sampling = r.At(nameof(Sampling), () => new SamplingPrior(s.GridPoints, s.GridPointsBeforePeak, s.SamplesBeforePeak,
                s.SamplesAfterPeak, s.MaxSamples, s.HalfLivesAfterPeak));
            var o = r.Need(nameof(Observation), Observation);
            var observation = r.At(nameof(Observation), () => new ObservationPrior(o.Proportional, o.AdditiveFractionOfCmax, o.LloqFractionOfCmax));
            var u = r.Need(nameof(Units), Units);
            var units = r.At(nameof(Units), () => new PriorUnits(u.Time!, u.Amount!, u.Concentration!));
            // A null or missing list is reported as a list of 0 probabilities, not replaced by the default.
            return r.At("", () => new Prior(Name ?? "", Description, CompartmentProbabilities ?? [], MichaelisMentenProbability,
                LagTimeProbability, typical, omega, within, dosing, MinIndividuals, MaxIndividuals, sampling, observation, units));
        }
    }
}

/// <summary>The built-in priors (also written to data/priors/*.json).</summary>
internal static class BuiltinPriors
{
    private const string DefaultDescription = "AICMET-style prior: single dose at t=0, oral (0.8) or IV bolus (0.2) per study, 1-2 compartments, lognormal typical values, IIV, Ornstein-Uhlenbeck within-individual variability, ~4 samples before and 6 after the peak on a 16-point grid, proportional noise, LLOQ 1% of typical Cmax.";

    /// <summary>The paper's prior: single dose at 0, oral 0.8 / IV bolus 0.2, OU within-individual variability, proportional noise.</summary>
    public static Prior Default() => new(Name: "default", Description: DefaultDescription);

    // The multidose prior's regimen and design, which the monitoring prior keeps.
    private static DosingPrior MultiDoseDosing(RoutePrior routes, MonitoringPrior? monitoring = null) =>
        new(MinDoses: 1, MaxDoses: 6, SteadyStateProbability: 0.2, Routes: routes, Monitoring: monitoring);
    private static readonly SamplingPrior MultiDoseSampling = new(GridPoints: 24, GridPointsBeforePeak: 6, SamplesAfterPeak: 10, MaxSamples: 20);

    /// <summary>Repeated dosing, IV infusions and some steady-state studies.</summary>
    public static Prior MultiDose() => new(
        Name: "multidose",
        Description: "Repeated dosing (1-6 doses every 0.5-2 half-lives, 20% starting at steady state) with oral, IV bolus and IV infusion routes.",
        Dosing: MultiDoseDosing(new RoutePrior(Oral: 0.6, IvBolus: 0.2, IvInfusion: 0.2)),
        Sampling: MultiDoseSampling);

    /// <summary>Therapeutic-drug-monitoring designs on the multidose prior's kinetics (see <see cref="MonitoringPrior"/>).</summary>
    public static Prior Monitoring() => new(
        Name: "monitoring",
        Description: "Therapeutic-drug-monitoring designs (quinidine-like routine data): each individual seen on 2-6 occasions " +
            "1-300 dosing intervals apart, each a steady-state dose (SS=1; the first occasion may start the regimen from scratch) " +
            "with that occasion's dose, 0-8 explicit doses and 1-2 samples in the last interval; parameters drift between " +
            "occasions (OU). Kinetics, routes (oral 0.8, IV bolus 0.1, infusion 0.1) and noise otherwise as the multidose prior; 8-16 individuals.",
        Dosing: MultiDoseDosing(new RoutePrior(Oral: 0.8, IvBolus: 0.1, IvInfusion: 0.1), new MonitoringPrior()),
        Sampling: MultiDoseSampling,
        MinIndividuals: 8,
        MaxIndividuals: 16);

    /// <summary>
    /// The AICMET paper's prior as far as the paper states it (see data/priors/README.md for which numbers are the
    /// paper's and which are ours): depot + central + 1 to 3 peripheral compartments.
    /// </summary>
    public static Prior Paper() => new(
        Name: "paper",
        Description: "AICMET paper prior (arXiv 2508.15659): depot, central and 1-3 peripheral compartments, single dose at t=0, " +
            "oral (0.8) or IV bolus (0.2) per study, individual doses lognormal around the study dose, Ornstein-Uhlenbeck " +
            "within-individual variation of the log parameters, proportional (log-normal) noise, ~4 samples before and 6 after " +
            "the peak on a 16-point grid of at most 15 samples. The paper states this structure; every number (typical values, " +
            "variabilities, noise level, LLOQ, study size, equal weights of 1-3 peripherals) is our choice, since the code " +
            "values of the authors are not available here; typical values are centred so that theophylline (oral) and indometacin (IV) " +
            "fall inside the 5-95% prior predictive band of Cmax/dose, Tmax and terminal half-life (data/priors/README.md).",
        CompartmentProbabilities: [0, 1.0 / 3, 1.0 / 3, 1.0 / 3],
        TypicalValues: new TypicalValuePriors(
            CL: new(6, 1.0), V: new(10, 1.0), Ka: new(1.5, 0.8), Q: new(4, 0.8), V2: new(20, 0.8),
            Q3: new(2, 0.8), V3: new(30, 0.8), Q4: new(1, 0.8), V4: new(40, 0.8)),
        // The paper varies every log parameter within an individual; default holds the distribution parameters constant.
        WithinIndividual: new WithinIndividualPrior(StationarySd: new ParameterSds(CL: 0.1, V: 0.05, Ka: 0.1, Q: 0.05, V2: 0.05)),
        // Multi-exponential profiles fall far below 1% of Cmax within 4 terminal half-lives: a lower LLOQ keeps BLQ rare.
        Observation: new ObservationPrior(LloqFractionOfCmax: 0.002));

    /// <summary>Structures the default prior never produces: 3 compartments, Michaelis-Menten, lag time, additive noise.</summary>
    public static Prior Misspecified() => new(
        Name: "misspecified",
        Description: "Out-of-prior studies for robustness checks: always 3 compartments, Michaelis-Menten elimination in half of the studies, absorption lag in 70% of oral studies, combined proportional + additive noise.",
        CompartmentProbabilities: [0, 0, 1],
        MichaelisMentenProbability: 0.5,
        LagTimeProbability: 0.7,
        Observation: new ObservationPrior(AdditiveFractionOfCmax: 0.01, LloqFractionOfCmax: 0.02));
}
