using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZeroShotPK.Priors;

/// <summary>
/// JSON format of <see cref="RateConstantPrior"/> ("Kind": "rate-constants"): read, write, validate, and the built-in
/// rate-constant priors by name.
/// </summary>
public static class RateConstantPriorFile
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
        RateConstantPrior? prior;
        try
        {
            prior = JsonSerializer.Deserialize<RateConstantPrior>(json, Json);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : "";
            var first = ex.Message.Split(" Path:")[0];
            // System.Text.Json names CLR types; say what the file should hold instead.
            first = first.Contains("System.Int32") ? "expected an integer."
                : first.Contains("System.Double") ? "expected a number."
                : first.Contains("System.String") ? "expected a string."
                : first.Contains("missing required properties") ? first.Replace("JSON deserialization for type 'ZeroShotPK.Priors.", "object '").Replace("' was missing required properties", "' is missing required fields")
                : first;
            throw new FormatException($"{sourceName}: field {ex.Path ?? "$"}{where}: {first}", ex);
        }
        if (prior is null) throw new FormatException($"{sourceName}: field $: expected a JSON object, found null.");
        Validate(prior, sourceName);
        // The deserialiser fills Lists; wrap them so the parsed prior is as immutable as a built one.
        return prior with
        {
            PeripheralProbabilities = prior.PeripheralProbabilities.ToArray().AsReadOnly(),
            Sampling = prior.Sampling with
            {
                PeakMultipliers = prior.Sampling.PeakMultipliers.ToArray().AsReadOnly(),
                HalfLifeMultipliers = prior.Sampling.HalfLifeMultipliers.ToArray().AsReadOnly(),
            },
        };
    }

    /// <summary>Serialises a rate-constant prior to JSON (Kind first).</summary>
    public static string ToJson(RateConstantPrior prior) => JsonSerializer.Serialize(prior, Json);

    /// <summary>Writes a prior file atomically (temp file, then rename).</summary>
    public static void Write(string path, RateConstantPrior prior)
    {
        var full = Path.GetFullPath(path);
        Data.AtomicFile.WriteAllText(full, ToJson(prior) + "\n");
    }

    /// <summary>Checks every field; the message names the JSON path and what was expected.</summary>
    /// <exception cref="FormatException">A value is missing or out of range.</exception>
    public static void Validate(RateConstantPrior prior, string sourceName = "prior")
    {
        string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        void Fail(string path, double value, string expected) =>
            throw new FormatException($"{sourceName}: field $.{path} = {F(value)}: expected {expected}.");
        T Need<T>(string path, T? value) where T : class =>
            value ?? throw new FormatException($"{sourceName}: field $.{path} is missing (null).");
        void Range(string path, UniformRange? r, double lo, double hi, string what)
        {
            r = Need(path, r);
            if (!(r.Min >= lo && r.Min <= hi)) Fail(path + ".Min", r.Min, $"{what} in [{F(lo)}, {F(hi)}]");
            if (!(r.Max >= r.Min && r.Max <= hi)) Fail(path + ".Max", r.Max, $"{what} in [Min = {F(r.Min)}, {F(hi)}]");
        }
        void Parameter(string path, RateParameterPrior? p)
        {
            p = Need(path, p);
            // exp(+-20) spans every plausible rate and volume; beyond it the solver's exponentials under/overflow.
            Range(path + ".LogMean", p.LogMean, -20, 20, "a log value");
            Range(path + ".LogSd", p.LogSd, 0, 3, "a log-scale sd");
            // 1 + tmag sin(.) must stay positive; the OU's stationary variance is tmag tscl.
            Range(path + ".TimeMagnitude", p.TimeMagnitude, 0, 0.99, "a magnitude");
            Range(path + ".TimeScale", p.TimeScale, 1e-3, 1e4, "a time scale (h)");
        }

        if (prior.Kind != RateConstantPrior.KindName)
            throw new FormatException($"{sourceName}: field $.Kind = '{prior.Kind}': expected '{RateConstantPrior.KindName}'.");
        if (string.IsNullOrWhiteSpace(prior.Name)) throw new FormatException($"{sourceName}: field $.Name: expected a non-empty name.");
        var pp = Need("PeripheralProbabilities", prior.PeripheralProbabilities);
        if (pp.Count != 3)
            throw new FormatException($"{sourceName}: field $.PeripheralProbabilities: expected 3 probabilities (1, 2 and 3 peripherals), found {pp.Count}.");
        for (var i = 0; i < 3; i++)
            if (!(pp[i] >= 0 && pp[i] <= 1)) Fail($"PeripheralProbabilities[{i}]", pp[i], "a probability in [0, 1]");
        if (!(pp.Sum() > 0)) Fail("PeripheralProbabilities", pp.Sum(), "probabilities summing to > 0");
        if (prior.MinIndividuals is < 1 or > 10_000) Fail(nameof(prior.MinIndividuals), prior.MinIndividuals, "an integer in [1, 10000]");
        if (prior.MaxIndividuals < prior.MinIndividuals || prior.MaxIndividuals > 10_000)
            Fail(nameof(prior.MaxIndividuals), prior.MaxIndividuals, $"an integer in [MinIndividuals = {prior.MinIndividuals}, 10000]");
        if (!(prior.TimeSpan > 0 && prior.TimeSpan <= 1e5)) Fail(nameof(prior.TimeSpan), prior.TimeSpan, "a time (h) in (0, 100000]");
        Parameter(nameof(prior.Ka), prior.Ka);
        Parameter(nameof(prior.Ke), prior.Ke);
        Parameter(nameof(prior.V), prior.V);
        Parameter(nameof(prior.K1p), prior.K1p);
        Parameter(nameof(prior.Kp1), prior.Kp1);
        if (!(prior.SegmentLength > 0) || !(prior.TimeSpan / prior.SegmentLength <= 10_000))
            Fail(nameof(prior.SegmentLength), prior.SegmentLength, $"a length (h) > 0 with at most 10000 segments over TimeSpan = {F(prior.TimeSpan)}");

        var d = Need(nameof(prior.Dosing), prior.Dosing);
        Range("Dosing.LogDoseMean", d.LogDoseMean, -20, 20, "a log dose");
        Range("Dosing.LogDoseSd", d.LogDoseSd, 0, 3, "a log-scale sd");
        var routes = Need("Dosing.Routes", d.Routes);
        if (!(routes.Oral >= 0) || double.IsInfinity(routes.Oral)) Fail("Dosing.Routes.Oral", routes.Oral, "a finite weight >= 0");
        if (!(routes.Iv >= 0) || double.IsInfinity(routes.Iv)) Fail("Dosing.Routes.Iv", routes.Iv, "a finite weight >= 0");
        if (!(routes.Oral + routes.Iv > 0)) Fail("Dosing.Routes", routes.Oral + routes.Iv, "route weights summing to > 0");
        if (!(d.IvInfusionProbability >= 0 && d.IvInfusionProbability <= 1)) Fail("Dosing.IvInfusionProbability", d.IvInfusionProbability, "a probability in [0, 1]");
        Range("Dosing.InfusionDuration", d.InfusionDuration, 1e-3, 1e4, "a duration (h)");
        if (d.MinDoses is < 1 or > 100) Fail("Dosing.MinDoses", d.MinDoses, "an integer in [1, 100]");
        if (d.MaxDoses < d.MinDoses || d.MaxDoses > 100) Fail("Dosing.MaxDoses", d.MaxDoses, $"an integer in [MinDoses = {d.MinDoses}, 100]");
        Range("Dosing.IntervalHalfLives", d.IntervalHalfLives, 1e-3, 1e3, "a number of half-lives");

        var s = Need(nameof(prior.Sampling), prior.Sampling);
        var peak = Need("Sampling.PeakMultipliers", s.PeakMultipliers);
        for (var i = 0; i < peak.Count; i++)
            if (!(peak[i] >= 0 && peak[i] < 1)) Fail($"Sampling.PeakMultipliers[{i}]", peak[i], "a fraction of Tpeak in [0, 1)");
        var half = Need("Sampling.HalfLifeMultipliers", s.HalfLifeMultipliers);
        for (var i = 0; i < half.Count; i++)
            if (!(half[i] > 0 && half[i] <= 1e3)) Fail($"Sampling.HalfLifeMultipliers[{i}]", half[i], "a number of half-lives in (0, 1000]");
        if (s.MaxSamples is < 1 or > 1000) Fail("Sampling.MaxSamples", s.MaxSamples, "an integer in [1, 1000]");
        if (s.SimulationGridPoints is < 0 or 1 or > 1_000_000)
            Fail("Sampling.SimulationGridPoints", s.SimulationGridPoints, "0 (no snapping) or an integer in [2, 1000000]");

        Range(nameof(prior.RelativeError), prior.RelativeError, 0, 0.3, "a relative error sd");
        var u = Need(nameof(prior.Units), prior.Units);
        if (u.Time is null || u.Amount is null || u.Concentration is null) throw new FormatException($"{sourceName}: field $.Units: expected Time, Amount and Concentration strings.");
    }
}

/// <summary>The built-in rate-constant priors (also written to data/priors/*.json; a test checks they are equal).</summary>
internal static class AuthorsPriors
{
    private static RateParameterPrior Rate(double meanMin, double meanMax, UniformRange sd, UniformRange tmag) => new()
    {
        LogMean = new UniformRange(meanMin, meanMax),
        LogSd = sd,
        TimeMagnitude = tmag,
        TimeScale = new UniformRange(1, 5),
    };

    /// <summary>The AICMET authors' run configuration (reference notes, "Prior as coded").</summary>
    public static RateConstantPrior Aicmet()
    {
        var sd = new UniformRange(0.2, 0.6);
        var tmag = new UniformRange(0.01, 0.02);
        return new RateConstantPrior
        {
            Name = "aicmet-authors",
            Description = "The AICMET authors' pretraining prior as coded (cesarali/pff compartment_models.py), run configuration: " +
                "gut + central + 1-3 peripherals (equal weights) with rate constants; per study uniform log-means and log-sds, " +
                "lognormal individuals; ka, ke, V times exp(OU) (reversion tmag, stationary variance tmag tscl), k1p, kp1 times " +
                "(1 + tmag sin(t / tscl)), held constant on 0.25 h segments; one dose at t = 0, lognormal(mu, s) per individual, " +
                "oral 0.8 / IV bolus 0.2 per study; PKPeakHalfLife sampling (15 canonical points snapped to a 100-point grid over 0-16 h); " +
                "y = C (1 + eps). See data/priors/README.md.",
            PeripheralProbabilities = [1.0 / 3, 1.0 / 3, 1.0 / 3],
            MinIndividuals = 5,
            MaxIndividuals = 10,
            TimeSpan = 16,
            Ka = Rate(-1, 2, sd, tmag),
            Ke = Rate(-5, 0, sd, tmag),
            V = Rate(2, 8, sd, UniformRange.Fixed(0.001)),
            K1p = Rate(-4, 0, sd, tmag),
            Kp1 = Rate(-4, -1, sd, tmag),
            SegmentLength = 0.25,
            Dosing = new RateConstantDosing
            {
                LogDoseMean = new UniformRange(-2, 2),
                LogDoseSd = new UniformRange(0.1, 0.5),
                Routes = new RateConstantRoutes { Oral = 0.8, Iv = 0.2 },
            },
            Sampling = new RateConstantSampling
            {
                PeakMultipliers = [0.1, 0.2, 0.5, 0.8],
                HalfLifeMultipliers = [0.25, 0.5, 1, 2, 4, 6, 8, 9, 14, 19, 30],
                MaxSamples = 15,
                SimulationGridPoints = 100,
            },
            RelativeError = new UniformRange(0.001, 0.01),
            Units = new RateConstantUnits(),
        };
    }

    /// <summary>The PFF paper's table: span 0-24, log V mean [1, 7], log-sds [0.15, 0.45], larger time variation and noise.</summary>
    public static RateConstantPrior Pff()
    {
        var a = Aicmet();
        var sd = new UniformRange(0.15, 0.45);
        var tmag = new UniformRange(0.01, 0.1);
        return a with
        {
            Name = "pff-authors",
            Description = "The authors' rate-constant prior with the PFF paper's table: as aicmet-authors but time span 0-24 h, " +
                "log V mean [1, 7], every log-sd [0.15, 0.45], tmag of ka, ke, k1p, kp1 [0.01, 0.1], tmag of V [0.001, 0.01], " +
                "rel_ruv [0.01, 0.1]. See data/priors/README.md.",
            TimeSpan = 24,
            Ka = Rate(-1, 2, sd, tmag),
            Ke = Rate(-5, 0, sd, tmag),
            V = Rate(1, 7, sd, new UniformRange(0.001, 0.01)),
            K1p = Rate(-4, 0, sd, tmag),
            Kp1 = Rate(-4, -1, sd, tmag),
            RelativeError = new UniformRange(0.01, 0.1),
        };
    }

    /// <summary>Ours: the AICMET run configuration extended with 1-4 doses and IV infusions, over a longer span.</summary>
    public static RateConstantPrior AicmetMultiDose()
    {
        var a = Aicmet();
        return a with
        {
            Name = "aicmet-authors-multidose",
            Description = "Our extension of aicmet-authors (issue #13): 1-4 doses every 0.5-2 typical half-lives (doses after the " +
                "span are dropped), half of the IV individuals given U(0.5, 2) h infusions as in the authors' infusion variant, " +
                "time span 0-48 h on a 300-point grid, sampling after the first and the last dose (at most 20 samples). " +
                "Everything else is the authors' run configuration.",
            TimeSpan = 48,
            Dosing = a.Dosing with { IvInfusionProbability = 0.5, MinDoses = 1, MaxDoses = 4, IntervalHalfLives = new UniformRange(0.5, 2) },
            Sampling = a.Sampling with { MaxSamples = 20, SimulationGridPoints = 300 },
        };
    }
}
