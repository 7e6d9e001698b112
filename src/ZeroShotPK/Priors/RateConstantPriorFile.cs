using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ZeroShotPK.Priors;

/// <summary>
/// JSON format of <see cref="RateConstantPrior"/> ("Kind": "rate-constants"): read (into the validated records), write, and the built-in
/// rate-constant priors by name.
/// </summary>
public static partial class RateConstantPriorFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Names of the built-in rate-constant priors (equal to data/priors/NAME.json).</summary>
    public static IReadOnlyList<string> BuiltinNames { get; } = ["aicmet-authors", "pff-authors", "aicmet-authors-multidose"];

    /// <summary>A built-in rate-constant prior by name (see <see cref="BuiltinNames"/>).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static RateConstantPrior Builtin(string name) => name switch
    {
        "aicmet-authors" => AuthorsPriors.Aicmet(),
        "pff-authors" => AuthorsPriors.Pff(),
        "aicmet-authors-multidose" => AuthorsPriors.AicmetMultiDose(),
        _ => throw new ArgumentException($"unknown built-in rate-constant prior '{name}' (built-in: {string.Join(", ", BuiltinNames)}).", nameof(name)),
    };

    /// <summary>Reads and validates a rate-constant prior file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="FormatException">Invalid JSON, unknown or missing field, or value out of range; the message names the field path.</exception>
    public static RateConstantPrior Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"prior file '{path}' not found.", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates rate-constant prior JSON; <paramref name="sourceName"/> prefixes error messages.</summary>
    /// <exception cref="FormatException">Invalid JSON, unknown or missing field, or value out of range; the message names the field path.</exception>
    public static RateConstantPrior Parse(string json, string sourceName)
    {
        RateConstantPriorJson? prior;
        try
        {
            prior = JsonSerializer.Deserialize<RateConstantPriorJson>(json, Json);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : "";
            var first = ex.Message.Split(" Path:")[0];
            // System.Text.Json names CLR types; say what the file should hold instead (the mirror classes by their record's name).
            first = first.Contains("System.Int32") ? "expected an integer."
                : first.Contains("System.Double") ? "expected a number."
                : first.Contains("System.String") ? "expected a string."
                : first.Contains("missing required properties") ? MissingFields().Replace(first, "object '$1' is missing required fields")
                : first;
            throw new FormatException($"{sourceName}: field {ex.Path ?? "$"}{where}: {first}", ex);
        }
        if (prior is null) throw new FormatException($"{sourceName}: field $: expected a JSON object, found null.");
        return prior.ToPrior(sourceName);
    }

    [GeneratedRegex(@"JSON deserialization for type '(?:[\w.]+\+)?(\w+?)Json' was missing required properties")]
    private static partial Regex MissingFields();

    /// <summary>Serialises a rate-constant prior to JSON (Kind first).</summary>
    public static string ToJson(RateConstantPrior prior) => JsonSerializer.Serialize(new RateConstantPriorJson(prior ?? throw new ArgumentNullException(nameof(prior))), Json);

    /// <summary>Writes a prior file atomically (temp file, then rename).</summary>
    public static void Write(string path, RateConstantPrior prior)
    {
        var full = Path.GetFullPath(path);
        Data.AtomicFile.WriteAllText(full, ToJson(prior) + "\n");
    }

    // The file's shape: mutable mirrors of the records (named after them plus "Json", fields in the file's order). The
    // records validate; ToPrior builds them under their JSON paths so that a refusal reads "file: field $.Ka.LogSd.Max = ...".

    private sealed class Reader(string sourceName) : PriorFieldReader(sourceName)
    {
        public RateParameterPrior Parameter(string path, RateParameterPriorJson? value)
        {
            var p = Need(path, value);
            return At(path, () => new RateParameterPrior(p.LogMean!, p.LogSd!, p.TimeMagnitude!, p.TimeScale!));
        }
    }

    private sealed class RateParameterPriorJson
    {
        [JsonRequired] public UniformRange? LogMean { get; set; }
        [JsonRequired] public UniformRange? LogSd { get; set; }
        [JsonRequired] public UniformRange? TimeMagnitude { get; set; }
        [JsonRequired] public UniformRange? TimeScale { get; set; }
        public RateParameterPriorJson() { }
        public RateParameterPriorJson(RateParameterPrior p) { LogMean = p.LogMean; LogSd = p.LogSd; TimeMagnitude = p.TimeMagnitude; TimeScale = p.TimeScale; }
    }

    private sealed class RateConstantRoutesJson
    {
        [JsonRequired] public double Oral { get; set; }
        [JsonRequired] public double Iv { get; set; }
    }

    private sealed class RateConstantDosingJson
    {
        [JsonRequired] public UniformRange? LogDoseMean { get; set; }
        [JsonRequired] public UniformRange? LogDoseSd { get; set; }
        [JsonRequired] public RateConstantRoutesJson? Routes { get; set; }
        public double IvInfusionProbability { get; set; }
        public UniformRange? InfusionDuration { get; set; } = new(0.5, 2);
        public int MinDoses { get; set; } = 1;
        public int MaxDoses { get; set; } = 1;
        public UniformRange? IntervalHalfLives { get; set; } = new(0.5, 2);
        public RateConstantDosingJson() { }
        public RateConstantDosingJson(RateConstantDosing d)
        {
            LogDoseMean = d.LogDoseMean; LogDoseSd = d.LogDoseSd; Routes = new() { Oral = d.Routes.Oral, Iv = d.Routes.Iv };
            IvInfusionProbability = d.IvInfusionProbability; InfusionDuration = d.InfusionDuration; MinDoses = d.MinDoses; MaxDoses = d.MaxDoses;
            IntervalHalfLives = d.IntervalHalfLives;
        }

        public RateConstantDosing ToRecord(Reader r, string path)
        {
            var routesJson = r.Need($"{path}.Routes", Routes);
            var routes = r.At($"{path}.Routes", () => new RateConstantRoutes(routesJson.Oral, routesJson.Iv));
            // A range given as null is refused by the record (null there would mean the default).
            var infusion = r.Need($"{path}.InfusionDuration", InfusionDuration);
            var interval = r.Need($"{path}.IntervalHalfLives", IntervalHalfLives);
            return r.At(path, () => new RateConstantDosing(LogDoseMean!, LogDoseSd!, routes, IvInfusionProbability, infusion, MinDoses, MaxDoses, interval));
        }
    }

    private sealed class RateConstantSamplingJson
    {
        [JsonRequired] public double[]? PeakMultipliers { get; set; }
        [JsonRequired] public double[]? HalfLifeMultipliers { get; set; }
        [JsonRequired] public int MaxSamples { get; set; }
        [JsonRequired] public int SimulationGridPoints { get; set; }
    }

    private sealed class RateConstantUnitsJson
    {
        public string? Time { get; set; } = "h";
        public string? Amount { get; set; } = "mg";
        public string? Concentration { get; set; } = "mg/L";
    }

    private sealed class RateConstantPriorJson
    {
        [JsonRequired] public string? Kind { get; set; } = RateConstantPrior.KindName;
        [JsonRequired] public string? Name { get; set; }
        public string? Description { get; set; }
        [JsonRequired] public double[]? PeripheralProbabilities { get; set; }
        [JsonRequired] public int MinIndividuals { get; set; }
        [JsonRequired] public int MaxIndividuals { get; set; }
        [JsonRequired] public double TimeSpan { get; set; }
        [JsonRequired] public RateParameterPriorJson? Ka { get; set; }
        [JsonRequired] public RateParameterPriorJson? Ke { get; set; }
        [JsonRequired] public RateParameterPriorJson? V { get; set; }
        [JsonRequired] public RateParameterPriorJson? K1p { get; set; }
        [JsonRequired] public RateParameterPriorJson? Kp1 { get; set; }
        [JsonRequired] public double SegmentLength { get; set; }
        [JsonRequired] public RateConstantDosingJson? Dosing { get; set; }
        [JsonRequired] public RateConstantSamplingJson? Sampling { get; set; }
        [JsonRequired] public UniformRange? RelativeError { get; set; }
        [JsonRequired] public RateConstantUnitsJson? Units { get; set; }
        public RateConstantPriorJson() { }
        public RateConstantPriorJson(RateConstantPrior p)
        {
            Name = p.Name; Description = p.Description; PeripheralProbabilities = [.. p.PeripheralProbabilities];
            MinIndividuals = p.MinIndividuals; MaxIndividuals = p.MaxIndividuals; TimeSpan = p.TimeSpan;
            Ka = new(p.Ka); Ke = new(p.Ke); V = new(p.V); K1p = new(p.K1p); Kp1 = new(p.Kp1); SegmentLength = p.SegmentLength;
            Dosing = new(p.Dosing);
            Sampling = new()
            {
                PeakMultipliers = [.. p.Sampling.PeakMultipliers], HalfLifeMultipliers = [.. p.Sampling.HalfLifeMultipliers],
                MaxSamples = p.Sampling.MaxSamples, SimulationGridPoints = p.Sampling.SimulationGridPoints,
            };
            RelativeError = p.RelativeError;
            Units = new() { Time = p.Units.Time, Amount = p.Units.Amount, Concentration = p.Units.Concentration };
        }

        public RateConstantPrior ToPrior(string sourceName)
        {
            var r = new Reader(sourceName);
            if (Kind != RateConstantPrior.KindName)
                throw new FormatException($"{sourceName}: field $.Kind = '{Kind}': expected '{RateConstantPrior.KindName}'.");
            var ka = r.Parameter(nameof(Ka), Ka);
            var ke = r.Parameter(nameof(Ke), Ke);
            var v = r.Parameter(nameof(V), V);
            var k1p = r.Parameter(nameof(K1p), K1p);
            var kp1 = r.Parameter(nameof(Kp1), Kp1);
            var dosing = r.Need(nameof(Dosing), Dosing).ToRecord(r, nameof(Dosing));
            var s = r.Need(nameof(Sampling), Sampling);
            var sampling = r.At(nameof(Sampling), () => new RateConstantSampling(s.PeakMultipliers!, s.HalfLifeMultipliers!, s.MaxSamples, s.SimulationGridPoints));
            var u = r.Need(nameof(Units), Units);
            var units = r.At(nameof(Units), () => new RateConstantUnits(u.Time!, u.Amount!, u.Concentration!));
            return r.At("", () => new RateConstantPrior(Name ?? "", Description, PeripheralProbabilities!, MinIndividuals, MaxIndividuals,
                TimeSpan, ka, ke, v, k1p, kp1, SegmentLength, dosing, sampling, RelativeError!, units));
        }
    }
}

/// <summary>The built-in rate-constant priors (also written to data/priors/*.json; a test checks they are equal).</summary>
internal static class AuthorsPriors
{
    private static RateParameterPrior Rate(double meanMin, double meanMax, UniformRange sd, UniformRange tmag) =>
        new(LogMean: new UniformRange(meanMin, meanMax), LogSd: sd, TimeMagnitude: tmag, TimeScale: new UniformRange(1, 5));

    private static readonly RateConstantDosing AuthorsDosing = new(
        LogDoseMean: new UniformRange(-2, 2), LogDoseSd: new UniformRange(0.1, 0.5), Routes: new RateConstantRoutes(Oral: 0.8, Iv: 0.2));

    private static RateConstantSampling AuthorsSampling(int maxSamples, int gridPoints) => new(
        PeakMultipliers: [0.1, 0.2, 0.5, 0.8], HalfLifeMultipliers: [0.25, 0.5, 1, 2, 4, 6, 8, 9, 14, 19, 30],
        MaxSamples: maxSamples, SimulationGridPoints: gridPoints);

    // The authors' run configuration with what the variants change as arguments.
    private static RateConstantPrior Authors(string name, string description, double timeSpan, UniformRange sd, UniformRange tmag,
        double vMeanMin, double vMeanMax, UniformRange vTmag, UniformRange relativeError, RateConstantDosing dosing, RateConstantSampling sampling) => new(
        Name: name, Description: description, PeripheralProbabilities: [1.0 / 3, 1.0 / 3, 1.0 / 3], MinIndividuals: 5, MaxIndividuals: 10,
        TimeSpan: timeSpan, Ka: Rate(-1, 2, sd, tmag), Ke: Rate(-5, 0, sd, tmag), V: Rate(vMeanMin, vMeanMax, sd, vTmag),
        K1p: Rate(-4, 0, sd, tmag), Kp1: Rate(-4, -1, sd, tmag), SegmentLength: 0.25, Dosing: dosing, Sampling: sampling,
        RelativeError: relativeError, Units: new RateConstantUnits());

    /// <summary>The AICMET authors' run configuration (reference notes, "Prior as coded").</summary>
    public static RateConstantPrior Aicmet() => Authors("aicmet-authors",
        "The AICMET authors' pretraining prior as coded (cesarali/pff compartment_models.py), run configuration: " +
            "gut + central + 1-3 peripherals (equal weights) with rate constants; per study uniform log-means and log-sds, " +
            "lognormal individuals; ka, ke, V times exp(OU) (reversion tmag, stationary variance tmag tscl), k1p, kp1 times " +
            "(1 + tmag sin(t / tscl)), held constant on 0.25 h segments; one dose at t = 0, lognormal(mu, s) per individual, " +
            "oral 0.8 / IV bolus 0.2 per study; PKPeakHalfLife sampling (15 canonical points snapped to a 100-point grid over 0-16 h); " +
            "y = C (1 + eps). See data/priors/README.md.",
        timeSpan: 16, sd: new UniformRange(0.2, 0.6), tmag: new UniformRange(0.01, 0.02), vMeanMin: 2, vMeanMax: 8,
        vTmag: UniformRange.Fixed(0.001), relativeError: new UniformRange(0.001, 0.01), AuthorsDosing, AuthorsSampling(15, 100));

    /// <summary>The PFF paper's table: span 0-24, log V mean [1, 7], log-sds [0.15, 0.45], larger time variation and noise.</summary>
    public static RateConstantPrior Pff() => Authors("pff-authors",
        "The authors' rate-constant prior with the PFF paper's table: as aicmet-authors but time span 0-24 h, " +
            "log V mean [1, 7], every log-sd [0.15, 0.45], tmag of ka, ke, k1p, kp1 [0.01, 0.1], tmag of V [0.001, 0.01], " +
            "rel_ruv [0.01, 0.1]. See data/priors/README.md.",
        timeSpan: 24, sd: new UniformRange(0.15, 0.45), tmag: new UniformRange(0.01, 0.1), vMeanMin: 1, vMeanMax: 7,
        vTmag: new UniformRange(0.001, 0.01), relativeError: new UniformRange(0.01, 0.1), AuthorsDosing, AuthorsSampling(15, 100));

    /// <summary>Ours: the AICMET run configuration extended with 1-4 doses and IV infusions, over a longer span.</summary>
    public static RateConstantPrior AicmetMultiDose() => Authors("aicmet-authors-multidose",
        "Our extension of aicmet-authors (issue #13): 1-4 doses every 0.5-2 typical half-lives (doses after the " +
            "span are dropped), half of the IV individuals given U(0.5, 2) h infusions as in the authors' infusion variant, " +
            "time span 0-48 h on a 300-point grid, sampling after the first and the last dose (at most 20 samples). " +
            "Everything else is the authors' run configuration.",
        timeSpan: 48, sd: new UniformRange(0.2, 0.6), tmag: new UniformRange(0.01, 0.02), vMeanMin: 2, vMeanMax: 8,
        vTmag: UniformRange.Fixed(0.001), relativeError: new UniformRange(0.001, 0.01),
        new RateConstantDosing(AuthorsDosing.LogDoseMean, AuthorsDosing.LogDoseSd, AuthorsDosing.Routes, IvInfusionProbability: 0.5,
            MinDoses: 1, MaxDoses: 4, IntervalHalfLives: new UniformRange(0.5, 2)),
        AuthorsSampling(20, 300));
}
