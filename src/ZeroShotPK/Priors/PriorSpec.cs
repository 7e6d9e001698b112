using System.Text.Json;

namespace ZeroShotPK.Priors;

/// <summary>
/// A prior of either kind, as accepted wherever a prior is named (pretraining, <c>zspk simulate</c>): a hierarchical
/// <see cref="Prior"/> (files without a "Kind" field, serialised and hashed exactly as before) or a
/// <see cref="RateConstantPrior"/> ("Kind": "rate-constants", the AICMET authors' prior).
/// </summary>
public sealed class PriorSpec
{
    private PriorSpec(Prior? hierarchical, RateConstantPrior? rateConstants)
    {
        Hierarchical = hierarchical;
        RateConstants = rateConstants;
    }

    /// <summary>Wraps a hierarchical prior.</summary>
    public static PriorSpec From(Prior prior) => new(prior ?? throw new ArgumentNullException(nameof(prior)), null);

    /// <summary>Wraps a rate-constant prior.</summary>
    public static PriorSpec From(RateConstantPrior prior) => new(null, prior ?? throw new ArgumentNullException(nameof(prior)));

    /// <summary>The hierarchical prior, or null.</summary>
    public Prior? Hierarchical { get; }

    /// <summary>The rate-constant prior, or null.</summary>
    public RateConstantPrior? RateConstants { get; }

    /// <summary>The prior's name.</summary>
    public string Name => Hierarchical?.Name ?? RateConstants!.Name;

    /// <summary>Names of all built-in priors, both kinds.</summary>
    public static IReadOnlyList<string> BuiltinNames { get; } = [.. PriorFile.BuiltinNames, .. RateConstantPriorFile.BuiltinNames];

    /// <summary>The prior's JSON (for a hierarchical prior exactly <see cref="PriorFile.ToJson"/>, so existing hashes hold).</summary>
    public string ToJson() => Hierarchical is { } h ? PriorFile.ToJson(h) : RateConstantPriorFile.ToJson(RateConstants!);

    /// <summary>A study generator for the prior.</summary>
    public IStudyGenerator CreateGenerator() =>
        Hierarchical is { } h ? new PriorStudyGenerator(h) : new RateConstantStudyGenerator(RateConstants!);

    /// <summary>Writes the prior's JSON file atomically.</summary>
    public void Write(string path)
    {
        if (Hierarchical is { } h) PriorFile.Write(path, h);
        else RateConstantPriorFile.Write(path, RateConstants!);
    }

    /// <summary>
    /// A built-in prior of either kind when <paramref name="nameOrPath"/> is one of <see cref="BuiltinNames"/> (and no
    /// such file exists), else the JSON file, dispatched on its "Kind" field.
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither a built-in name nor an existing file.</exception>
    /// <exception cref="FormatException">Invalid file; the message names the field path.</exception>
    public static PriorSpec Load(string nameOrPath)
    {
        if (!File.Exists(nameOrPath))
        {
            if (PriorFile.BuiltinNames.Contains(nameOrPath)) return From(PriorFile.Builtin(nameOrPath));
            if (RateConstantPriorFile.BuiltinNames.Contains(nameOrPath)) return From(RateConstantPriorFile.Builtin(nameOrPath));
            throw new FileNotFoundException($"prior file '{nameOrPath}' not found (built-in priors: {string.Join(", ", BuiltinNames)}).", nameOrPath);
        }
        return Parse(File.ReadAllText(nameOrPath), nameOrPath);
    }

    /// <summary>Parses prior JSON of either kind; <paramref name="sourceName"/> prefixes error messages.</summary>
    /// <exception cref="FormatException">Invalid JSON, unknown Kind, or an invalid field; the message names the field path.</exception>
    public static PriorSpec Parse(string json, string sourceName)
    {
        string? kind = null;
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("Kind", out var k))
                kind = k.ValueKind == JsonValueKind.String ? k.GetString()
                    : throw new FormatException($"{sourceName}: field $.Kind: expected a string ('{RateConstantPrior.KindName}', or no Kind for a hierarchical prior).");
        }
        catch (JsonException)
        {
            // Malformed JSON: the hierarchical parser reports it with line and position.
        }
        return kind switch
        {
            null => From(PriorFile.Parse(json, sourceName)),
            RateConstantPrior.KindName => From(RateConstantPriorFile.Parse(json, sourceName)),
            _ => throw new FormatException($"{sourceName}: field $.Kind = '{kind}': expected '{RateConstantPrior.KindName}', or no Kind for a hierarchical prior."),
        };
    }
}
