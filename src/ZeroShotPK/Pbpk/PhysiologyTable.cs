using System.Globalization;
using System.Reflection;

namespace ZeroShotPK.Pbpk;

/// <summary>A tabulated value with its between-individual coefficient of variation (log-normal) and its source.</summary>
/// <param name="Value">Typical value.</param>
/// <param name="Cv">Coefficient of variation (&gt;= 0).</param>
/// <param name="Source">Primary reference key (see data/pbpk/README.md).</param>
/// <param name="ReadIn">Key of the secondary source in which the number was read, or "none".</param>
/// <param name="Status">verified, partly-verified, secondary, derived, assumed or unverified (see data/pbpk/README.md).</param>
public sealed record TabulatedValue(double Value, double Cv, string Source, string ReadIn, string Status)
{
    /// <summary>Standard deviation of the log value: sqrt(ln(1 + CV^2)).</summary>
    public double LogSd => Math.Sqrt(Math.Log(1 + Cv * Cv));

    /// <summary>Where the CV comes from (optional 9th column <c>cvSource</c>): "assumed" (the default), a secondary-source key
    /// such as "McNally2014" when the number is that source's, or "derived:KEY" when computed from that source's numbers.</summary>
    public string CvSource { get; init; } = "assumed";
}

/// <summary>How <see cref="ReferencePopulation"/> draws tissue volumes for a table (data/pbpk/README.md, "Fourth pass").</summary>
public enum VolumeModel
{
    /// <summary>Every volume fraction log-normal around the table, then all renormalised to the drawn body weight.</summary>
    RenormalisedFractions,
    /// <summary>
    /// Height and body weight drawn first; every tissue but adipose log-normal around a covariate-scaled typical mass
    /// (fat-free mass for lean tissues, none for brain, body weight for Rest); adipose is the remainder of body weight.
    /// Used for tables with a <c>Height</c> row (human).
    /// </summary>
    AdiposeRemainder,
}

/// <summary>
/// The physiology table of one species (data/pbpk/physiology.csv): body weight, hematocrit, cardiac output at the
/// reference weight, tissue and blood volumes as fractions of body weight, and flows as fractions of cardiac output
/// (the liver entry is the hepatic artery). Volume and flow fractions are renormalised to sum to one.
/// </summary>
public sealed class PhysiologyTable
{
    /// <summary>Name of the flow row holding the hepatic artery fraction.</summary>
    public const string HepaticArtery = "HepaticArtery";

    private PhysiologyTable(Species species, TabulatedValue bw, TabulatedValue hct, TabulatedValue co,
        TabulatedValue[] volumeFractions, TabulatedValue blood, TabulatedValue[] flowFractions, TabulatedValue? height)
    {
        Species = species; BodyWeight = bw; Hematocrit = hct; CardiacOutput = co; Height = height;
        var vs = volumeFractions.Sum(v => v.Value) + blood.Value;
        VolumeFractions = volumeFractions.Select(v => v with { Value = v.Value / vs }).ToArray();
        BloodFraction = blood with { Value = blood.Value / vs };
        var fs = flowFractions.Skip(1).Sum(f => f.Value);
        FlowFractions = flowFractions.Select((f, i) => i == (int)Tissue.Lung ? f : f with { Value = f.Value / fs }).ToArray();
    }

    /// <summary>Species.</summary>
    public Species Species { get; }
    /// <summary>Height, cm (optional <c>Height</c> row; its presence selects <see cref="VolumeModel.AdiposeRemainder"/>).</summary>
    public TabulatedValue? Height { get; }
    /// <summary>How the reference sampler draws volumes: <see cref="VolumeModel.AdiposeRemainder"/> when the table has a height.</summary>
    public VolumeModel VolumeModel => Height is null ? VolumeModel.RenormalisedFractions : VolumeModel.AdiposeRemainder;

    /// <summary>
    /// Log-SD of body mass index (body weight / height^2) in <see cref="VolumeModel.AdiposeRemainder"/>:
    /// sqrt(sd_BW^2 - 4 sd_H^2), so that log body weight = 2 log height + log BMI keeps the tabulated body-weight SD.
    /// </summary>
    public double BmiLogSd => Height is null ? double.NaN : Math.Sqrt(BodyWeight.LogSd * BodyWeight.LogSd - 4 * Height.LogSd * Height.LogSd);

    /// <summary>
    /// Log-SD of a tissue's volume per kg body weight under the table's sampler (the population-range and physics-loss
    /// scale). Renormalised fractions: the tissue's own log-SD. Adipose remainder: sqrt(sd_T^2 + ((1 - e_T) sd_BW)^2) with
    /// e_T the elasticity of the tissue's covariate to body weight (<see cref="BodyComposition.WeightElasticity"/>), since
    /// a lean organ does not grow in proportion to body weight; adipose keeps its tabulated log-SD.
    /// </summary>
    public double VolumePerKgLogSd(Tissue tissue) => PerKgLogSd(VolumeFractions[(int)tissue], BodyComposition.WeightElasticity(this, tissue));

    /// <summary>Log-SD of blood volume per kg body weight (see <see cref="VolumePerKgLogSd"/>).</summary>
    public double BloodPerKgLogSd => PerKgLogSd(BloodFraction, BodyComposition.WeightElasticity(this, null));

    private double PerKgLogSd(TabulatedValue f, double elasticity)
    {
        var spread = (1 - elasticity) * BodyWeight.LogSd;
        return Math.Sqrt(f.LogSd * f.LogSd + spread * spread);
    }

    /// <summary>Body weight, kg.</summary>
    public TabulatedValue BodyWeight { get; }
    /// <summary>Hematocrit.</summary>
    public TabulatedValue Hematocrit { get; }
    /// <summary>Cardiac output at the reference body weight, L/h (scales as BW^0.75).</summary>
    public TabulatedValue CardiacOutput { get; }
    /// <summary>Tissue volume per kg body weight by <see cref="Tissue"/> (normalised with blood to sum 1).</summary>
    public IReadOnlyList<TabulatedValue> VolumeFractions { get; }
    /// <summary>Blood volume per kg body weight.</summary>
    public TabulatedValue BloodFraction { get; }
    /// <summary>Flow fractions of cardiac output by <see cref="Tissue"/>; index Liver holds the hepatic artery, index Lung is unused (1).</summary>
    public IReadOnlyList<TabulatedValue> FlowFractions { get; }

    /// <summary>The reference individual: every value at its tabulated typical value.</summary>
    public Physiology Reference()
    {
        var bw = BodyWeight.Value;
        var co = CardiacOutput.Value;
        var q = FlowFractions.Select(f => f.Value * co).ToArray();
        q[(int)Tissue.Liver] += q[(int)Tissue.Gut] + q[(int)Tissue.Spleen] + q[(int)Tissue.Pancreas];
        return new Physiology(Species, bw, Hematocrit.Value, co, VolumeFractions.Select(f => f.Value * bw).ToArray(), BloodFraction.Value * bw, q);
    }

    /// <summary>The table of <paramref name="species"/> from the bundled data/pbpk/physiology.csv.</summary>
    public static PhysiologyTable Load(Species species) => Parse(BundledData.ReadText("physiology.csv"), "physiology.csv", species);

    /// <summary>Parses a physiology CSV (columns species,quantity,tissue,value,cv,source,readIn,status; # comments).</summary>
    /// <exception cref="FormatException">A malformed line or a missing row; the message names file and line.</exception>
    public static PhysiologyTable Parse(string text, string fileName, Species species)
    {
        var sp = species.ToString().ToLowerInvariant();
        TabulatedValue? bw = null, hct = null, co = null, blood = null, height = null;
        var vol = new TabulatedValue?[Tissues.Count];
        var flow = new TabulatedValue?[Tissues.Count];
        var header = true;
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (header) { header = false; continue; }
            var c = line.Split(',');
            if (c.Length is not (8 or 9)) throw new FormatException($"{fileName} line {lineNo}: expected 8 or 9 columns (species,quantity,tissue,value,cv,source,readIn,status[,cvSource]), got {c.Length}.");
            if (!c[0].Equals(sp, StringComparison.OrdinalIgnoreCase)) continue;
            var value = ParseNumber(c[3], fileName, lineNo, 4, "value");
            var cv = ParseNumber(c[4], fileName, lineNo, 5, "cv");
            if (value <= 0) throw new FormatException($"{fileName} line {lineNo} column 4: value must be > 0, got {c[3]}.");
            if (cv < 0) throw new FormatException($"{fileName} line {lineNo} column 5: cv must be >= 0, got {c[4]}.");
            var tv = new TabulatedValue(value, cv, c[5], c[6], c[7]);
            if (c.Length == 9)
            {
                if (c[8].Length == 0) throw new FormatException($"{fileName} line {lineNo} column 9: cvSource is empty (write assumed, a source key, or derived:KEY).");
                tv = tv with { CvSource = c[8] };
            }
            switch (c[1])
            {
                case "BodyWeight": bw = tv; break;
                case "Hematocrit": hct = tv; break;
                case "CardiacOutput": co = tv; break;
                case "Height": height = tv; break;
                case "VolumeFraction" when c[2] == "Blood": blood = tv; break;
                case "VolumeFraction": vol[(int)ParseTissue(c[2], fileName, lineNo)] = tv; break;
                case "FlowFraction":
                    var t = c[2] == HepaticArtery ? Tissue.Liver : ParseTissue(c[2], fileName, lineNo);
                    if (t is Tissue.Lung) throw new FormatException($"{fileName} line {lineNo} column 3: lung flow is the cardiac output; no FlowFraction row for Lung.");
                    flow[(int)t] = tv; break;
                default: throw new FormatException($"{fileName} line {lineNo} column 2: unknown quantity '{c[1]}' (expected BodyWeight, Height, Hematocrit, CardiacOutput, VolumeFraction, FlowFraction).");
            }
        }
        flow[(int)Tissue.Lung] = new TabulatedValue(1, 0, "definition", "none", "derived");
        string Missing(string what) => $"{fileName}: species '{sp}' has no {what} row.";
        if (bw is null) throw new FormatException(Missing("BodyWeight"));
        if (hct is null) throw new FormatException(Missing("Hematocrit"));
        if (co is null) throw new FormatException(Missing("CardiacOutput"));
        if (blood is null) throw new FormatException(Missing("VolumeFraction,Blood"));
        for (var i = 0; i < Tissues.Count; i++)
        {
            if (vol[i] is null) throw new FormatException(Missing($"VolumeFraction,{(Tissue)i}"));
            if (flow[i] is null) throw new FormatException(Missing($"FlowFraction,{((Tissue)i == Tissue.Liver ? HepaticArtery : ((Tissue)i).ToString())}"));
        }
        if (height is not null && !(2 * height.LogSd < bw.LogSd))
            throw new FormatException($"{fileName}: species '{sp}': the Height cv ({height.Cv}) must be under half the BodyWeight cv ({bw.Cv}); body weight = BMI x height^2 leaves no BMI variability otherwise.");
        return new PhysiologyTable(species, bw, hct, co, vol.Select(v => v!).ToArray(), blood, flow.Select(f => f!).ToArray(), height);
    }

    private static Tissue ParseTissue(string text, string file, int line) =>
        Enum.TryParse<Tissue>(text, out var t) && Enum.IsDefined(t) && !int.TryParse(text, out _)
            ? t
            : throw new FormatException($"{file} line {line} column 3: unknown tissue '{text}' (expected one of {string.Join(", ", Tissues.All)}).");

    internal static double ParseNumber(string text, string file, int line, int column, string what) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new FormatException($"{file} line {line} column {column}: {what} '{text}' is not a number.");
}

/// <summary>Reads the files of data/pbpk/, which are embedded in the assembly so no path has to be found at run time.</summary>
internal static class BundledData
{
    public static string ReadText(string fileName)
    {
        using var s = Open(fileName);
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    public static Stream Open(string fileName) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream("ZeroShotPK.Pbpk.Data." + fileName)
        ?? throw new IOException($"bundled data file data/pbpk/{fileName} is missing from the assembly (build problem).");
}
