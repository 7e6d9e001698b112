using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZeroShotPK.Pbpk;

/// <summary>Acid-base class of a compound, which decides its ionisation and the Rodgers &amp; Rowland equation used.</summary>
public enum IonClass
{
    /// <summary>Unionised at physiological pH.</summary>
    Neutral,
    /// <summary>Monoprotic acid.</summary>
    Acid,
    /// <summary>Monoprotic base.</summary>
    Base,
}

/// <summary>
/// Drug properties a PBPK model needs. Clearances are plasma clearances of the species' reference individual
/// (<see cref="PhysiologyTable.Reference"/>); <see cref="PbpkModel"/> turns them into intrinsic clearances with the
/// well-stirred liver and kidney, so the reference individual reproduces them exactly.
/// </summary>
public sealed record Compound
{
    /// <summary>Name.</summary>
    public required string Name { get; init; }
    /// <summary>Acid, base or neutral.</summary>
    public required IonClass Class { get; init; }
    /// <summary>log10 octanol:water partition coefficient of the unionised form.</summary>
    public required double LogP { get; init; }
    /// <summary>pKa (required for acids and bases, ignored for neutrals).</summary>
    public double? Pka { get; init; }
    /// <summary>Fraction unbound in plasma, in (0, 1].</summary>
    public required double Fu { get; init; }
    /// <summary>Blood:plasma concentration ratio, &gt; 0.</summary>
    public required double BloodPlasmaRatio { get; init; }
    /// <summary>Hepatic plasma clearance of the reference individual, L/h (&gt;= 0, below hepatic plasma flow).</summary>
    public required double HepaticClearance { get; init; }
    /// <summary>Renal plasma clearance of the reference individual, L/h (&gt;= 0).</summary>
    public double RenalClearance { get; init; }
    /// <summary>First-order absorption rate constant from the gut lumen, 1/h.</summary>
    public double Ka { get; init; } = 1;
    /// <summary>Fraction of an oral dose absorbed into the gut wall; the rest leaves unabsorbed.</summary>
    public double Fa { get; init; } = 1;
    /// <summary>Free text: sources and caveats.</summary>
    public string? Note { get; init; }

    /// <summary>Checks ranges; throws naming the field and the compound.</summary>
    /// <exception cref="ArgumentException">A value out of range.</exception>
    public Compound Validate()
    {
        void Need(bool ok, string field, string expected, double? value)
        {
            if (!ok) throw new ArgumentException($"compound '{Name}': {field} must be {expected}, got {value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}.");
        }
        Need(double.IsFinite(LogP), "logP", "finite", LogP);
        Need(Class == IonClass.Neutral || Pka is { } k && double.IsFinite(k), "pKa", $"given for a {Class.ToString().ToLowerInvariant()}", Pka);
        Need(Fu > 0 && Fu <= 1, "fu", "in (0, 1]", Fu);
        Need(BloodPlasmaRatio > 0 && double.IsFinite(BloodPlasmaRatio), "bloodPlasmaRatio", "> 0", BloodPlasmaRatio);
        Need(HepaticClearance >= 0 && double.IsFinite(HepaticClearance), "hepaticClearance", ">= 0", HepaticClearance);
        Need(RenalClearance >= 0 && double.IsFinite(RenalClearance), "renalClearance", ">= 0", RenalClearance);
        Need(Ka > 0 && double.IsFinite(Ka), "ka", "> 0", Ka);
        Need(Fa >= 0 && Fa <= 1, "fa", "in [0, 1]", Fa);
        return this;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads one compound object or an array of them from JSON text.</summary>
    /// <exception cref="FormatException">Malformed JSON or a missing field; the message names the file, line and field.</exception>
    public static IReadOnlyList<Compound> Parse(string json, string fileName)
    {
        try
        {
            var trimmed = json.TrimStart();
            var list = trimmed.StartsWith('[')
                ? JsonSerializer.Deserialize<List<Compound>>(json, Json)!
                : [JsonSerializer.Deserialize<Compound>(json, Json)!];
            return list.Select(c => c.Validate()).ToArray();
        }
        catch (JsonException e)
        {
            throw new FormatException($"{fileName} line {(e.LineNumber ?? 0) + 1}: {e.Message}", e);
        }
    }

    /// <summary>The compounds shipped in data/pbpk/compounds.json (diazepam, propranolol, theophylline, midazolam, paracetamol, codeine).</summary>
    public static IReadOnlyList<Compound> Bundled { get; } = Parse(BundledData.ReadText("compounds.json"), "data/pbpk/compounds.json");

    /// <summary>A compound from a JSON file path, or a bundled compound by name.</summary>
    /// <exception cref="ArgumentException">Neither an existing file nor a bundled name.</exception>
    public static Compound Resolve(string fileOrName)
    {
        if (File.Exists(fileOrName))
        {
            var list = Parse(File.ReadAllText(fileOrName), fileOrName);
            return list.Count == 1 ? list[0] : throw new FormatException($"{fileOrName}: expected one compound, found {list.Count}.");
        }
        return Bundled.FirstOrDefault(c => c.Name.Equals(fileOrName, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"--compound: '{fileOrName}' is neither a file nor a bundled compound ({string.Join(", ", Bundled.Select(c => c.Name))}).");
    }
}
