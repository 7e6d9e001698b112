using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZeroShotPK.Priors;

/// <summary>Reads, writes and validates <see cref="Prior"/> JSON files; knows the built-in priors by name.</summary>
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
    public static Prior Parse(string json, string sourceName)
    {
        Prior? prior;
        try
        {
            prior = JsonSerializer.Deserialize<Prior>(json, Json);
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
        Validate(prior, sourceName);
        return prior;
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
    public static string ToJson(Prior prior) => JsonSerializer.Serialize(prior, Json);

    /// <summary>Writes a prior file atomically (temp file, then rename).</summary>
    public static void Write(string path, Prior prior)
    {
        var full = Path.GetFullPath(path);
        Data.AtomicFile.WriteAllText(full, ToJson(prior) + "\n");
    }

    /// <summary>Smallest median of a lognormal prior (typical values, dose amount, infusion duration).</summary>
    public const double MinMedian = 1e-6;
    /// <summary>Largest median of a lognormal prior.</summary>
    public const double MaxMedian = 1e6;

    /// <summary>Checks every field's range; the message names the JSON path and the expected range.</summary>
    /// <exception cref="FormatException">A value is out of range.</exception>
    public static void Validate(Prior prior, string sourceName = "prior")
    {
        void Fail(string path, double value, string expected) =>
            throw new FormatException($"{sourceName}: field $.{path} = {value.ToString(CultureInfo.InvariantCulture)}: expected {expected}.");
        void Missing(string path) => throw new FormatException($"{sourceName}: field $.{path} is missing (null).");
        void Positive(string path, double v) { if (!(v > 0) || double.IsInfinity(v)) Fail(path, v, "a finite number > 0"); }
        void NonNegative(string path, double v) { if (!(v >= 0) || double.IsInfinity(v)) Fail(path, v, "a finite number >= 0"); }
        void Probability(string path, double v) { if (!(v >= 0 && v <= 1)) Fail(path, v, "a probability in [0, 1]"); }
        void LogNormal(string path, LogNormalPrior? p)
        {
            if (p is null) { Missing(path); return; }
            // Validated for what it will produce: further out, concentrations overflow, solvers stall or sampling
            // times run to years (a Median of 1e300 gave NotFinite, one of 1e-300 ran for minutes).
            Positive(path + ".Median", p.Median);
            if (!(p.Median >= MinMedian && p.Median <= MaxMedian))
                Fail(path + ".Median", p.Median, $"a number in [{MinMedian:G}, {MaxMedian:G}] (the simulator's working range)");
            if (!(p.LogSd >= 0 && p.LogSd <= 5)) Fail(path + ".LogSd", p.LogSd, "a log-scale sd in [0, 5]");
        }
        void Sds(string path, ParameterSds? s)
        {
            if (s is null) { Missing(path); return; }
            foreach (var (name, value) in s.All())
                if (!(value >= 0 && value <= 3)) Fail($"{path}.{name}", value, "a log-scale sd in [0, 3]");
        }

        if (string.IsNullOrWhiteSpace(prior.Name)) throw new FormatException($"{sourceName}: field $.Name: expected a non-empty name.");
        if (prior.CompartmentProbabilities is null || prior.CompartmentProbabilities.Length is not (3 or 4))
            throw new FormatException($"{sourceName}: field $.CompartmentProbabilities: expected 3 probabilities (1, 2 and 3 compartments) or 4 (1 to 4), found {prior.CompartmentProbabilities?.Length ?? 0}.");
        for (var i = 0; i < prior.CompartmentProbabilities.Length; i++) Probability($"CompartmentProbabilities[{i}]", prior.CompartmentProbabilities[i]);
        if (!(prior.CompartmentProbabilities.Sum() > 0)) Fail("CompartmentProbabilities", prior.CompartmentProbabilities.Sum(), "probabilities summing to > 0");
        Probability(nameof(Prior.MichaelisMentenProbability), prior.MichaelisMentenProbability);
        Probability(nameof(Prior.LagTimeProbability), prior.LagTimeProbability);

        var tv = prior.TypicalValues;
        if (tv is null) { Missing(nameof(Prior.TypicalValues)); return; }
        LogNormal("TypicalValues.CL", tv.CL); LogNormal("TypicalValues.V", tv.V); LogNormal("TypicalValues.Ka", tv.Ka);
        LogNormal("TypicalValues.Q", tv.Q); LogNormal("TypicalValues.V2", tv.V2); LogNormal("TypicalValues.Q3", tv.Q3);
        LogNormal("TypicalValues.V3", tv.V3); LogNormal("TypicalValues.Tlag", tv.Tlag); LogNormal("TypicalValues.KmOverCmax", tv.KmOverCmax);
        // Q4/V4 are optional (absent from 1-3 compartment priors) but required once 4 compartments can be drawn.
        var fourCompartments = prior.CompartmentProbabilities.Length == 4 && prior.CompartmentProbabilities[3] > 0;
        foreach (var (name, value) in new[] { ("Q4", tv.Q4), ("V4", tv.V4) })
        {
            if (value is not null) LogNormal("TypicalValues." + name, value);
            else if (fourCompartments)
                throw new FormatException($"{sourceName}: field $.TypicalValues.{name} is missing: needed when CompartmentProbabilities[3] (4 compartments) is > 0.");
        }
        Sds(nameof(Prior.Omega), prior.Omega);

        var w = prior.WithinIndividual;
        if (w is null) { Missing(nameof(Prior.WithinIndividual)); return; }
        Positive("WithinIndividual.MeanReversionRate", w.MeanReversionRate);
        Sds("WithinIndividual.StationarySd", w.StationarySd);
        if (w.Segments is < 1 or > 1000) Fail("WithinIndividual.Segments", w.Segments, "an integer in [1, 1000]");

        var d = prior.Dosing;
        if (d is null) { Missing(nameof(Prior.Dosing)); return; }
        LogNormal("Dosing.Amount", d.Amount);
        if (!(d.IndividualLogSd >= 0 && d.IndividualLogSd <= 3)) Fail("Dosing.IndividualLogSd", d.IndividualLogSd, "a log-scale sd in [0, 3]");
        if (d.Routes is null) { Missing("Dosing.Routes"); return; }
        NonNegative("Dosing.Routes.Oral", d.Routes.Oral); NonNegative("Dosing.Routes.IvBolus", d.Routes.IvBolus); NonNegative("Dosing.Routes.IvInfusion", d.Routes.IvInfusion);
        if (!(d.Routes.Oral + d.Routes.IvBolus + d.Routes.IvInfusion > 0)) Fail("Dosing.Routes", 0, "route weights summing to > 0");
        LogNormal("Dosing.InfusionDuration", d.InfusionDuration);
        if (d.MinDoses is < 1 or > 100) Fail("Dosing.MinDoses", d.MinDoses, "an integer in [1, 100]");
        if (d.MaxDoses < d.MinDoses || d.MaxDoses > 100) Fail("Dosing.MaxDoses", d.MaxDoses, $"an integer in [MinDoses = {d.MinDoses}, 100]");
        Positive("Dosing.MinIntervalHalfLives", d.MinIntervalHalfLives);
        if (!(d.MaxIntervalHalfLives >= d.MinIntervalHalfLives) || double.IsInfinity(d.MaxIntervalHalfLives))
            Fail("Dosing.MaxIntervalHalfLives", d.MaxIntervalHalfLives, $"a finite number >= MinIntervalHalfLives = {d.MinIntervalHalfLives}");
        Probability("Dosing.SteadyStateProbability", d.SteadyStateProbability);
        if (d.Monitoring is { } m)
        {
            Probability("Dosing.Monitoring.Probability", m.Probability);
            if (m.MinOccasions is < 1 or > 50) Fail("Dosing.Monitoring.MinOccasions", m.MinOccasions, "an integer in [1, 50]");
            if (m.MaxOccasions < m.MinOccasions || m.MaxOccasions > 50) Fail("Dosing.Monitoring.MaxOccasions", m.MaxOccasions, $"an integer in [MinOccasions = {m.MinOccasions}, 50]");
            if (!(m.MinGapIntervals >= 0.5 && m.MinGapIntervals <= 1e4)) Fail("Dosing.Monitoring.MinGapIntervals", m.MinGapIntervals, "a number of dosing intervals in [0.5, 10000]");
            if (!(m.MaxGapIntervals >= m.MinGapIntervals && m.MaxGapIntervals <= 1e4)) Fail("Dosing.Monitoring.MaxGapIntervals", m.MaxGapIntervals, $"a number of dosing intervals in [MinGapIntervals = {m.MinGapIntervals}, 10000]");
            if (m.MaxExtraDoses is < 0 or > 100) Fail("Dosing.Monitoring.MaxExtraDoses", m.MaxExtraDoses, "an integer in [0, 100]");
            if (m.MinSamples is < 1 or > 20) Fail("Dosing.Monitoring.MinSamples", m.MinSamples, "an integer in [1, 20]");
            if (m.MaxSamples < m.MinSamples || m.MaxSamples > 20) Fail("Dosing.Monitoring.MaxSamples", m.MaxSamples, $"an integer in [MinSamples = {m.MinSamples}, 20]");
            if (!(m.DoseChangeLogSd >= 0 && m.DoseChangeLogSd <= 3)) Fail("Dosing.Monitoring.DoseChangeLogSd", m.DoseChangeLogSd, "a log-scale sd in [0, 3]");
        }

        if (prior.MinIndividuals is < 1 or > 10_000) Fail(nameof(Prior.MinIndividuals), prior.MinIndividuals, "an integer in [1, 10000]");
        if (prior.MaxIndividuals < prior.MinIndividuals || prior.MaxIndividuals > 10_000)
            Fail(nameof(Prior.MaxIndividuals), prior.MaxIndividuals, $"an integer in [MinIndividuals = {prior.MinIndividuals}, 10000]");

        var s = prior.Sampling;
        if (s is null) { Missing(nameof(Prior.Sampling)); return; }
        if (s.GridPoints is < 2 or > 1000) Fail("Sampling.GridPoints", s.GridPoints, "an integer in [2, 1000]");
        if (s.GridPointsBeforePeak < 1 || s.GridPointsBeforePeak >= s.GridPoints) Fail("Sampling.GridPointsBeforePeak", s.GridPointsBeforePeak, $"an integer in [1, GridPoints - 1 = {s.GridPoints - 1}]");
        if (s.SamplesBeforePeak < 1 || s.SamplesBeforePeak > s.GridPointsBeforePeak) Fail("Sampling.SamplesBeforePeak", s.SamplesBeforePeak, $"an integer in [1, GridPointsBeforePeak = {s.GridPointsBeforePeak}]");
        if (s.SamplesAfterPeak < 1 || s.SamplesAfterPeak > s.GridPoints - s.GridPointsBeforePeak) Fail("Sampling.SamplesAfterPeak", s.SamplesAfterPeak, $"an integer in [1, GridPoints - GridPointsBeforePeak = {s.GridPoints - s.GridPointsBeforePeak}]");
        if (s.MaxSamples < 1 || s.MaxSamples > s.GridPoints) Fail("Sampling.MaxSamples", s.MaxSamples, $"an integer in [1, GridPoints = {s.GridPoints}]");
        Positive("Sampling.HalfLivesAfterPeak", s.HalfLivesAfterPeak);

        var o = prior.Observation;
        if (o is null) { Missing(nameof(Prior.Observation)); return; }
        if (!(o.Proportional >= 0 && o.Proportional <= 2)) Fail("Observation.Proportional", o.Proportional, "a log-scale sd in [0, 2]");
        if (!(o.AdditiveFractionOfCmax >= 0 && o.AdditiveFractionOfCmax <= 1)) Fail("Observation.AdditiveFractionOfCmax", o.AdditiveFractionOfCmax, "a fraction in [0, 1]");
        if (!(o.LloqFractionOfCmax >= 0 && o.LloqFractionOfCmax < 1)) Fail("Observation.LloqFractionOfCmax", o.LloqFractionOfCmax, "a fraction in [0, 1)");
        if (o.AdditiveFractionOfCmax > 0 && o.LloqFractionOfCmax == 0)
            Fail("Observation.LloqFractionOfCmax", 0, "> 0 when AdditiveFractionOfCmax > 0 (additive noise can go negative; those samples are censored)");
        if (prior.Units is null) Missing(nameof(Prior.Units));
    }
}

/// <summary>The built-in priors (also written to data/priors/*.json).</summary>
internal static class BuiltinPriors
{
    /// <summary>The paper's prior: single dose at 0, oral 0.8 / IV bolus 0.2, OU within-individual variability, proportional noise.</summary>
    public static Prior Default() => new()
    {
        Name = "default",
        Description = "AICMET-style prior: single dose at t=0, oral (0.8) or IV bolus (0.2) per study, 1-2 compartments, lognormal typical values, IIV, Ornstein-Uhlenbeck within-individual variability, ~4 samples before and 6 after the peak on a 16-point grid, proportional noise, LLOQ 1% of typical Cmax.",
    };

    /// <summary>Repeated dosing, IV infusions and some steady-state studies.</summary>
    public static Prior MultiDose()
    {
        var p = Default();
        p.Name = "multidose";
        p.Description = "Repeated dosing (1-6 doses every 0.5-2 half-lives, 20% starting at steady state) with oral, IV bolus and IV infusion routes.";
        p.Dosing.MinDoses = 1;
        p.Dosing.MaxDoses = 6;
        p.Dosing.SteadyStateProbability = 0.2;
        p.Dosing.Routes = new RoutePrior { Oral = 0.6, IvBolus = 0.2, IvInfusion = 0.2 };
        p.Sampling.GridPoints = 24;
        p.Sampling.GridPointsBeforePeak = 6;
        p.Sampling.SamplesAfterPeak = 10;
        p.Sampling.MaxSamples = 20;
        return p;
    }

    /// <summary>Therapeutic-drug-monitoring designs on the multidose prior's kinetics (see <see cref="MonitoringPrior"/>).</summary>
    public static Prior Monitoring()
    {
        var p = MultiDose();
        p.Name = "monitoring";
        p.Description = "Therapeutic-drug-monitoring designs (quinidine-like routine data): each individual seen on 2-6 occasions " +
            "1-300 dosing intervals apart, each a steady-state dose (SS=1; the first occasion may start the regimen from scratch) " +
            "with that occasion's dose, 0-8 explicit doses and 1-2 samples in the last interval; parameters drift between " +
            "occasions (OU). Kinetics, routes (oral 0.8, IV bolus 0.1, infusion 0.1) and noise otherwise as the multidose prior; 8-16 individuals.";
        p.Dosing.Routes = new RoutePrior { Oral = 0.8, IvBolus = 0.1, IvInfusion = 0.1 };
        p.Dosing.Monitoring = new MonitoringPrior();
        p.MinIndividuals = 8;
        p.MaxIndividuals = 16;
        return p;
    }

    /// <summary>
    /// The AICMET paper's prior as far as the paper states it (see data/priors/README.md for which numbers are the
    /// paper's and which are ours): depot + central + 1 to 3 peripheral compartments.
    /// </summary>
    public static Prior Paper()
    {
        var p = Default();
        p.Name = "paper";
        p.Description = "AICMET paper prior (arXiv 2508.15659): depot, central and 1-3 peripheral compartments, single dose at t=0, " +
            "oral (0.8) or IV bolus (0.2) per study, individual doses lognormal around the study dose, Ornstein-Uhlenbeck " +
            "within-individual variation of the log parameters, proportional (log-normal) noise, ~4 samples before and 6 after " +
            "the peak on a 16-point grid of at most 15 samples. The paper states this structure; every number (typical values, " +
            "variabilities, noise level, LLOQ, study size, equal weights of 1-3 peripherals) is our choice, since the code " +
            "values of the authors are not available here; typical values are centred so that theophylline (oral) and indometacin (IV) " +
            "fall inside the 5-95% prior predictive band of Cmax/dose, Tmax and terminal half-life (data/priors/README.md).";
        p.CompartmentProbabilities = [0, 1.0 / 3, 1.0 / 3, 1.0 / 3];
        var tv = p.TypicalValues;
        tv.CL = new LogNormalPrior(6, 1.0);
        tv.V = new LogNormalPrior(10, 1.0);
        tv.Ka = new LogNormalPrior(1.5, 0.8);
        tv.Q = new LogNormalPrior(4, 0.8);
        tv.V2 = new LogNormalPrior(20, 0.8);
        tv.Q3 = new LogNormalPrior(2, 0.8);
        tv.V3 = new LogNormalPrior(30, 0.8);
        tv.Q4 = new LogNormalPrior(1, 0.8);
        tv.V4 = new LogNormalPrior(40, 0.8);
        // The paper varies every log parameter within an individual; default holds the distribution parameters constant.
        p.WithinIndividual.StationarySd = new ParameterSds { CL = 0.1, V = 0.05, Ka = 0.1, Q = 0.05, V2 = 0.05 };
        // Multi-exponential profiles fall far below 1% of Cmax within 4 terminal half-lives: a lower LLOQ keeps BLQ rare.
        p.Observation.LloqFractionOfCmax = 0.002;
        return p;
    }

    /// <summary>Structures the default prior never produces: 3 compartments, Michaelis-Menten, lag time, additive noise.</summary>
    public static Prior Misspecified()
    {
        var p = Default();
        p.Name = "misspecified";
        p.Description = "Out-of-prior studies for robustness checks: always 3 compartments, Michaelis-Menten elimination in half of the studies, absorption lag in 70% of oral studies, combined proportional + additive noise.";
        p.CompartmentProbabilities = [0, 0, 1];
        p.MichaelisMentenProbability = 0.5;
        p.LagTimeProbability = 0.7;
        p.Observation.AdditiveFractionOfCmax = 0.01;
        p.Observation.LloqFractionOfCmax = 0.02;
        return p;
    }
}
