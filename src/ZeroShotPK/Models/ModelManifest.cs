using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ZeroShotPK.Models;

/// <summary>
/// What a trained model's files say about themselves: the one manifest format of every model kind (AICMET and PFF
/// checkpoints, the PBPK forecaster, the population diffusion generators). These fields are common to all; each kind's
/// record adds its typed configuration and what only it has (a prior, a calibration, standardisation vectors).
/// Read and written by <see cref="ModelManifests"/>.
/// </summary>
public abstract record ModelManifest
{
    /// <summary>Format of the manifest; a newer one than <see cref="ModelManifests.FormatVersion"/> is refused, older ones are read and upgraded.</summary>
    [JsonPropertyOrder(-3)]
    public int FormatVersion { get; init; } = ModelManifests.FormatVersion;

    /// <summary>Model kind (<c>aicmet</c>, <c>pbpk-forecast</c>, <c>population-diffusion</c>): which loader reads the files.</summary>
    [JsonPropertyOrder(-2)]
    public string Kind => KindValue;

    /// <summary>The kind's name (<see cref="IModelManifestKind.KindName"/>).</summary>
    protected abstract string KindValue { get; }

    /// <summary>Input-feature layout (or architecture id) the weights were trained with; the loader refuses another than the code builds.</summary>
    [JsonPropertyOrder(-1)]
    public string Features { get; init; } = "";

    /// <summary>Run seed (data, initial weights, batches).</summary>
    public required long Seed { get; init; }

    /// <summary>Optimisation steps completed.</summary>
    public required int Step { get; init; }

    /// <summary>Steps the run (its learning-rate schedule) was planned for.</summary>
    public required int TotalSteps { get; init; }

    /// <summary>Validation loss on the kind's held-out set (its meaning is the kind's: see its record); null when none was computed.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>RMSE of log concentration of the predicted mean on the held-out set, where the kind predicts concentrations.</summary>
    public double? ValidationRmse { get; init; }

    /// <summary>Trainable parameters.</summary>
    public long Parameters { get; init; }

    /// <summary>Weights file name, relative to the manifest's folder.</summary>
    public required string ModelFile { get; init; }

    /// <summary>Optimizer-state file name (AdamW moments), when kept for a resume.</summary>
    public string? OptimizerFile { get; init; }

    /// <summary>Version of the ZeroShotPK assembly that wrote it.</summary>
    public string? CodeVersion { get; init; }

    /// <summary>Git commit of the working tree, when known.</summary>
    public string? GitCommit { get; init; }

    /// <summary>Command line that produced it.</summary>
    public string? CommandLine { get; init; }

    /// <summary>libtorch intra-op threads (results reproduce for the same count); 0 when not recorded.</summary>
    public int Threads { get; init; }

    /// <summary>Wall-clock training time, seconds.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>The same in hours (written for people; not read back).</summary>
    public double Hours => Math.Round(ElapsedSeconds / 3600, 4);

    /// <summary>When it was written (UTC).</summary>
    public string? CreatedUtc { get; init; }

    /// <summary>
    /// SHA-256 (lower-case hex) of the model's files by name, relative to the manifest's folder: weights, optimizer state,
    /// held-out data, cached training pool. Every listed file is verified when the model is loaded or resumed. The
    /// training log (loss.csv) is not listed: it grows after the manifest is written. Null in files written before
    /// checksums (loaded unverified, with a notice).
    /// </summary>
    public Dictionary<string, string>? Checksums { get; init; }

    /// <summary>Checks what only the kind knows (its configuration, its feature layout against this code's).</summary>
    /// <param name="path">The manifest, for the message.</param>
    /// <exception cref="InvalidOperationException">A setting or layout this code cannot use (the message names the file).</exception>
    protected internal abstract void Check(string path);
}

/// <summary>A model kind's manifest record: its name, and how its older files are brought to the current format.</summary>
public interface IModelManifestKind
{
    /// <summary>The <see cref="ModelManifest.Kind"/> value of this record.</summary>
    static abstract string KindName { get; }

    /// <summary>What writes such files, for messages (e.g. <c>zspk pretrain</c>).</summary>
    static abstract string WrittenBy { get; }

    /// <summary>
    /// Rewrites the JSON of a manifest of an older <paramref name="fromVersion"/> (0: a file without a version) into the
    /// current format's fields, in place; the files it describes are not touched.
    /// </summary>
    /// <param name="json">The manifest's properties (case-insensitive names).</param>
    /// <param name="fromVersion">Its format version.</param>
    /// <param name="modelFile">Weights file name where the old format did not record it (the generators'); else null.</param>
    static abstract void Upgrade(JsonObject json, int fromVersion, string? modelFile);
}

/// <summary>
/// The one reader and writer of <see cref="ModelManifest"/>s: format-version check (a newer format than this code is
/// refused, older ones upgraded on read; files on disk are not rewritten), kind check, atomic writes and SHA-256
/// checksums of every file a model consists of. Errors are one sentence naming the file and what was expected.
/// </summary>
public static class ModelManifests
{
    /// <summary>
    /// Current format. 1: the AICMET/PFF and forecaster manifests before one format (no kind); 2: one format for every
    /// model kind (kind, checksums and provenance for the generators too). Generator files without a version are read as 0.
    /// </summary>
    public const int FormatVersion = 2;

    /// <summary>Name of the manifest in a checkpoint folder.</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>JSON of every manifest: camelCase written, names read case-insensitively (format 1 forecasters were PascalCase), unknown fields refused.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Called with a one-sentence notice when a model is loaded without checksums to verify (the CLI prints it); null: silent.</summary>
    public static Action<string>? Notice { get; set; }

    /// <summary>Reads, upgrades and checks the manifest at <paramref name="path"/>.</summary>
    /// <param name="path">The manifest file.</param>
    /// <param name="modelFile">Weights file name for formats that did not record it.</param>
    /// <exception cref="FileNotFoundException">No such file (the message says what writes one).</exception>
    /// <exception cref="InvalidOperationException">Unreadable JSON, a newer format, another kind, or settings this code cannot use.</exception>
    public static T Read<T>(string path, string? modelFile = null) where T : ModelManifest, IModelManifestKind
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no {T.KindName} manifest; expected one written by '{T.WrittenBy}'.", path);
        return Parse<T>(File.ReadAllText(path), path, modelFile);
    }

    /// <summary>Parses, upgrades and checks a manifest's text; <paramref name="path"/> names it in messages.</summary>
    /// <exception cref="InvalidOperationException">Unreadable JSON, a newer format, another kind, or settings this code cannot use.</exception>
    public static T Parse<T>(string text, string path, string? modelFile = null) where T : ModelManifest, IModelManifestKind
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(text, new JsonNodeOptions { PropertyNameCaseInsensitive = true },
                       new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                   ?? throw new InvalidOperationException($"{path}: expected a JSON object (a model manifest).");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{path}: unreadable manifest at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {ex.Message}");
        }
        int version = ReadVersion(json, path);
        if (version > FormatVersion)
            throw new InvalidOperationException(
                $"{path}: model file format {version} is newer than this code reads (format {FormatVersion} and older); use the zspk version that wrote it" +
                (json["codeVersion"] is JsonValue cv && cv.TryGetValue<string>(out var cvs) ? $" (code version {cvs})" : "") + " or a newer one.");
        var kind = json["kind"] is JsonValue k && k.TryGetValue<string>(out var ks) ? ks : LegacyKind(json);
        if (kind != T.KindName)
            throw new InvalidOperationException($"{path}: a model of kind '{kind ?? "unknown"}', expected kind '{T.KindName}' (written by '{T.WrittenBy}').");
        if (version < FormatVersion)
        {
            T.Upgrade(json, version, modelFile);
            json["formatVersion"] = FormatVersion;
        }
        // Written for people and fixed by the record; the reader takes them from the record, not the file.
        json.Remove("kind");
        json.Remove("hours");
        T? m;
        try
        {
            m = json.Deserialize<T>(Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{path}: not a valid {T.KindName} manifest ({ex.Message})");
        }
        if (m is null) throw new InvalidOperationException($"{path}: empty manifest.");
        m.Check(path);
        return m;
    }

    private static int ReadVersion(JsonObject json, string path)
    {
        if (json["formatVersion"] is not { } v) return 0;
        try
        {
            return v.GetValue<int>();
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{path}: formatVersion must be an integer, got {v.ToJsonString()}.");
        }
    }

    // Format 1 and the versionless generator files carry no kind; their fields tell which they are.
    private static string? LegacyKind(JsonObject json) =>
        json.ContainsKey("species") && json.ContainsKey("mean") ? "population-diffusion"
        : json.ContainsKey("poolSeconds") || json.ContainsKey("poolFile") ? "pbpk-forecast"
        : json.ContainsKey("prior") && json.ContainsKey("priorHash") ? "aicmet"
        : null;

    /// <summary>The manifest as JSON text (the file's content).</summary>
    public static string Serialize<T>(T manifest) where T : ModelManifest => JsonSerializer.Serialize(manifest, Json);

    /// <summary>Writes <paramref name="manifest"/> to <paramref name="path"/> atomically.</summary>
    public static void Write<T>(string path, T manifest) where T : ModelManifest =>
        Data.AtomicFile.WriteAllText(path, Serialize(manifest));

    /// <summary>SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Sha256(stream);
    }

    /// <summary>SHA-256 of the rest of a stream, lower-case hex.</summary>
    public static string Sha256(Stream stream) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));

    /// <summary>Checksums of those of <paramref name="files"/> (names in <paramref name="directory"/>) that exist.</summary>
    public static Dictionary<string, string> Checksums(string directory, params string?[] files)
    {
        var sums = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in files)
            if (name is not null && File.Exists(Path.Combine(directory, name))) sums[name] = Sha256(Path.Combine(directory, name));
        return sums;
    }

    /// <summary>
    /// Checks files of the model in <paramref name="directory"/> against the manifest's checksums: every listed file
    /// when <paramref name="files"/> is empty, else those named (a name the checksums do not list is not checked). A
    /// manifest without checksums passes with a <see cref="Notice"/>.
    /// </summary>
    /// <param name="directory">Folder of the manifest.</param>
    /// <param name="manifestPath">The manifest, for messages.</param>
    /// <param name="m">The manifest.</param>
    /// <param name="files">File names to check; none: all listed.</param>
    /// <exception cref="FileNotFoundException">A listed file is missing.</exception>
    /// <exception cref="InvalidDataException">A file differs from the one the manifest recorded.</exception>
    public static void Verify(string directory, string manifestPath, ModelManifest m, params string?[] files)
    {
        if (m.Checksums is null)
        {
            Notice?.Invoke($"{manifestPath} records no checksums (written before they existed); its files are used unverified.");
            return;
        }
        IEnumerable<string?> names = files.Length == 0 ? m.Checksums.Keys : files;
        foreach (var name in names)
        {
            if (name is null || !m.Checksums.TryGetValue(name, out var expected)) continue;
            var path = Path.Combine(directory, name);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: named in {Path.GetFileName(manifestPath)} but missing; expected the file the model was saved with.", path);
            RequireSame(path, Sha256(path), expected, manifestPath);
        }
    }

    /// <summary>Checks one file's content (as a stream: a bundled resource) against its recorded checksum.</summary>
    /// <exception cref="InvalidDataException">It differs (the message names <paramref name="name"/>).</exception>
    public static void Verify(string name, Stream content, string manifestPath, ModelManifest m, string file)
    {
        if (m.Checksums is null)
        {
            Notice?.Invoke($"{manifestPath} records no checksums (written before they existed); its files are used unverified.");
            return;
        }
        if (m.Checksums.TryGetValue(file, out var expected)) RequireSame(name, Sha256(content), expected, manifestPath);
    }

    private static void RequireSame(string path, string actual, string expected, string manifestPath)
    {
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"{path}: SHA-256 {actual[..12]}... differs from {expected[..Math.Min(12, expected.Length)]}... recorded in {Path.GetFileName(manifestPath)}; the file is damaged or was replaced (restore it, or retrain).");
    }
}
