using System.Text.Json.Nodes;
using ZeroShotPK.Models;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Models;

/// <summary>The one manifest format and its loader, over every model kind and every shipped model file.</summary>
[Collection(TorchCollection.Name)]
public sealed class ModelManifestTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("zspk-manifest").FullName;

    public void Dispose()
    {
        ModelManifests.Notice = null;
        Directory.Delete(root, true);
    }

    private string Copy(string shipped)
    {
        var target = Path.Combine(root, Path.GetFileName(shipped));
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(DataFiles.Path(shipped))) File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        return target;
    }

    [Theory]
    [InlineData("data/checkpoints/aicmet-small", 8500)]
    [InlineData("data/checkpoints/aicmet-transformer", 10000)]
    [InlineData("data/checkpoints/pff", 11000)]
    public void EveryShippedAicmetCheckpointLoadsWithAllItsFilesVerified(string dir, int step)
    {
        var notices = new List<string>();
        ModelManifests.Notice = notices.Add;
        var path = DataFiles.Path(dir);
        var (model, m) = Checkpoint.Load(path);
        model.Dispose();
        Assert.Equal(("aicmet", ModelManifests.FormatVersion, step, step), (m.Kind, m.FormatVersion, m.Step, m.TotalSteps));
        Assert.StartsWith("zspk pretrain", m.CommandLine);
        Assert.Equal($"model-{step:D6}.bin", m.ModelFile);
        Assert.Contains(Checkpoint.ValidationStudiesFile, m.Checksums!.Keys);
        Assert.Empty(notices); // every one records checksums, and they match
    }

    [Fact]
    public void TheShippedForecasterLoadsWithItsFilesVerified()
    {
        var notices = new List<string>();
        ModelManifests.Notice = notices.Add;
        var (net, m) = PbpkForecastCheckpoint.Load(DataFiles.Path("data/checkpoints/pbpk-forecast"));
        net.Dispose();
        Assert.Equal(("pbpk-forecast", ModelManifests.FormatVersion, 24000, 1L, 208898L), (m.Kind, m.FormatVersion, m.Step, m.Seed, m.Parameters));
        Assert.Equal((50000, 0.6052, true), (m.Config.Compounds, m.Hours, m.Config.CensorFloor));
        Assert.Equal(-3.0, m.Config.Space.LogPMin);
        Assert.Equal(["model-024000.bin", "validation.bin"], m.Checksums!.Keys.Order());
        Assert.Empty(notices);
    }

    [Fact]
    public void AForecasterManifestOfFormat1WithPascalCaseKeysIsReadAsTheSameModel()
    {
        // The first shipped forecaster (2026-12-05) wrote format 1 with PascalCase keys and no Config.Space or CensorFloor:
        // it still loads, as the original compound box with an uncensored floor.
        var dir = Copy("data/checkpoints/pbpk-forecast");
        var path = Path.Combine(dir, ModelManifests.ManifestFile);
        static JsonNode? Pascal(JsonNode? n) => n switch
        {
            JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(char.ToUpperInvariant(kv.Key[0]) + kv.Key[1..],
                kv.Key == "checksums" ? kv.Value!.DeepClone() : Pascal(kv.Value)))), // file names stay as they are
            _ => n?.DeepClone(),
        };
        var old = (JsonObject)Pascal(JsonNode.Parse(File.ReadAllText(path)))!;
        old["FormatVersion"] = 1;
        ((JsonObject)old["Config"]!).Remove("Space");
        ((JsonObject)old["Config"]!).Remove("CensorFloor");
        File.WriteAllText(path, old.ToJsonString());
        var (net, m) = PbpkForecastCheckpoint.Load(dir);
        net.Dispose();
        Assert.Equal(("pbpk-forecast", 24000, 1L, 208898L, 50000), (m.Kind, m.Step, m.Seed, m.Parameters, m.Config.Compounds));
        Assert.Equal(0.6052, m.Hours);
        Assert.Equal(new ZeroShotPK.Pbpk.Scaling.CompoundSpace().LogPMin, m.Config.Space.LogPMin);
        Assert.False(m.Config.CensorFloor);
        Assert.Equal(["model-024000.bin", "validation.bin"], m.Checksums!.Keys.Order());
    }

    [Theory]
    [InlineData(Species.Human, PopulationMethod.Ddpm)]
    [InlineData(Species.Human, PopulationMethod.Pcdm)]
    [InlineData(Species.Rat, PopulationMethod.Ddpm)]
    [InlineData(Species.Rat, PopulationMethod.Pcdm)]
    public void EveryShippedGeneratorLoadsFromItsVersionlessFile(Species species, PopulationMethod method)
    {
        var prefix = $"generator_{species.ToString().ToLowerInvariant()}_{method.ToString().ToLowerInvariant()}";
        var notices = new List<string>();
        ModelManifests.Notice = notices.Add;
        using var bundled = PopulationDiffusion.LoadBundled(species, method);
        using var onDisk = PopulationDiffusion.Load(DataFiles.Path("data/pbpk/" + prefix));
        var m = onDisk.Manifest!;
        // The versionless fields land in the common ones: command, seed and steps from the config, the weights beside it.
        Assert.Equal(("population-diffusion", ModelManifests.FormatVersion, prefix + ".bin"), (m.Kind, m.FormatVersion, m.ModelFile));
        Assert.Equal((m.Config.Seed, m.Config.TrainSteps, m.Config.TrainSteps), ((int)m.Seed, m.Step, m.TotalSteps));
        Assert.StartsWith("zspk pbpk population ", m.CommandLine);
        Assert.Contains($"--method {method.ToString().ToLowerInvariant()} --retrain --steps 4000", m.CommandLine);
        Assert.True(m.ElapsedSeconds > 0 && m.CreatedUtc is not null);
        Assert.Equal(PopulationDiffusion.FeatureLayout, m.Features);
        Assert.Null(m.Checksums);
        Assert.Equal(2, notices.Count); // bundled and on disk: no checksums to verify, said once each
        Assert.Equal(bundled.Sample(3, 5)[2].ToVector(), onDisk.Sample(3, 5)[2].ToVector());
    }

    [Fact]
    public void EveryKindRoundTripsThroughTheOneFormat()
    {
        var aicmet = Checkpoint.ReadManifest(DataFiles.Path("data/checkpoints/pff"));
        var forecast = PbpkForecastCheckpoint.ReadManifest(DataFiles.Path("data/checkpoints/pbpk-forecast"));
        var generator = ModelManifests.Read<GeneratorManifest>(DataFiles.Path("data/pbpk/generator_rat_pcdm.json"), "generator_rat_pcdm.bin");
        AssertRoundTrip(aicmet);
        AssertRoundTrip(forecast);
        AssertRoundTrip(generator with { Checksums = new() { ["generator_rat_pcdm.bin"] = new string('a', 64) } });
        // The common fields are written the same way for every kind: camelCase, format and kind first.
        var json = JsonNode.Parse(ModelManifests.Serialize(forecast))!.AsObject();
        Assert.Equal(["formatVersion", "kind", "features"], json.Select(p => p.Key).Take(3));
        Assert.Equal(ModelManifests.FormatVersion, (int)json["formatVersion"]!);
        Assert.Equal(0.6052, (double)json["hours"]!);
    }

    private void AssertRoundTrip<T>(T m) where T : ModelManifest, IModelManifestKind
    {
        var path = Path.Combine(root, T.KindName + ".json");
        ModelManifests.Write(path, m);
        var back = ModelManifests.Read<T>(path);
        Assert.Equal(ModelManifests.Serialize(m), ModelManifests.Serialize(back));
        Assert.Equal(File.ReadAllText(path), ModelManifests.Serialize(back));
    }

    [Fact]
    public void ANewerFormatIsRefusedWithOneSentence()
    {
        var dir = Copy("data/checkpoints/pbpk-forecast");
        var path = Path.Combine(dir, ModelManifests.ManifestFile);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["formatVersion"] = ModelManifests.FormatVersion + 1;
        File.WriteAllText(path, json.ToJsonString());
        var e = Assert.Throws<InvalidOperationException>(() => PbpkForecastCheckpoint.Load(dir));
        Assert.Equal($"{path}: model file format {ModelManifests.FormatVersion + 1} is newer than this code reads (format {ModelManifests.FormatVersion} and older); " +
                     "use the zspk version that wrote it (code version 1.0.0.0) or a newer one.", e.Message);
    }

    [Fact]
    public void AnotherKindIsRefusedNamingBoth()
    {
        var dir = DataFiles.Path("data/checkpoints/pbpk-forecast");
        var e = Assert.Throws<InvalidOperationException>(() => Checkpoint.ReadManifest(dir));
        Assert.Equal($"{Path.Combine(dir, "manifest.json")}: a model of kind 'pbpk-forecast', expected kind 'aicmet' (written by 'zspk pretrain').", e.Message);
        var g = Assert.Throws<InvalidOperationException>(() => PbpkForecastCheckpoint.ReadManifest(DataFiles.Path("data/checkpoints/pff")));
        Assert.Contains("a model of kind 'aicmet', expected kind 'pbpk-forecast' (written by 'zspk pbpk forecast-train')", g.Message);
    }

    [Fact]
    public void AChangedFileIsRefusedNamingIt()
    {
        var dir = Copy("data/checkpoints/pbpk-forecast");
        var file = Path.Combine(dir, PbpkForecastCheckpoint.ValidationFile);
        var bytes = File.ReadAllBytes(file);
        bytes[^1] ^= 1;
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<InvalidDataException>(() => PbpkForecastCheckpoint.Load(dir));
        Assert.Equal($"{file}: SHA-256 {ModelManifests.Sha256(file)[..12]}... differs from a1df7628e337... recorded in manifest.json; " +
                     "the file is damaged or was replaced (restore it, or retrain).", e.Message);
    }

    [Fact]
    public void AMissingFileIsRefusedNamingIt()
    {
        var dir = Copy("data/checkpoints/aicmet-small");
        var file = Path.Combine(dir, Checkpoint.ValidationStudiesFile);
        File.Delete(file);
        var e = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(dir));
        Assert.Equal($"{file}: named in manifest.json but missing; expected the file the model was saved with.", e.Message);
        var none = Path.Combine(root, "empty");
        Directory.CreateDirectory(none);
        var n = Assert.Throws<FileNotFoundException>(() => Checkpoint.ReadManifest(none));
        Assert.Equal($"{Path.Combine(none, "manifest.json")}: no aicmet manifest; expected one written by 'zspk pretrain'.", n.Message);
        var g = Assert.Throws<FileNotFoundException>(() => PopulationDiffusion.Load(Path.Combine(none, "g")));
        Assert.Equal($"{Path.Combine(none, "g")}.json: no generator manifest; expected one written by 'zspk pbpk population --retrain'.", g.Message);
    }

    [Fact]
    public void UnreadableJsonNamesLineAndColumn()
    {
        var path = Path.Combine(root, "bad.json");
        File.WriteAllText(path, "{\n  \"formatVersion\": 2,\n  \"kind\": \n}");
        var e = Assert.Throws<InvalidOperationException>(() => ModelManifests.Read<CheckpointManifest>(path));
        Assert.StartsWith($"{path}: unreadable manifest at line 4, column 1: ", e.Message);
    }

    [Fact]
    public void ASavedGeneratorRecordsTheOneFormatAndItsWeightsChecksum()
    {
        using var model = PopulationDiffusion.Load(DataFiles.Path("data/pbpk/generator_human_ddpm"));
        var prefix = Path.Combine(root, "g");
        model.Save(prefix);
        var json = JsonNode.Parse(File.ReadAllText(prefix + ".json"))!.AsObject();
        Assert.Equal((2, "population-diffusion", "g.bin"), ((int)json["formatVersion"]!, (string)json["kind"]!, (string)json["modelFile"]!));
        // The weights are the shipped ones byte for byte: saving writes the format, not new weights.
        Assert.Equal(ModelManifests.Sha256(DataFiles.Path("data/pbpk/generator_human_ddpm.bin")), (string)json["checksums"]!["g.bin"]!);
        using (var again = PopulationDiffusion.Load(prefix))
            Assert.Equal(model.Manifest!.CommandLine, again.Manifest!.CommandLine);
        var bytes = File.ReadAllBytes(prefix + ".bin");
        bytes[^1] ^= 1;
        File.WriteAllBytes(prefix + ".bin", bytes);
        var e = Assert.Throws<InvalidDataException>(() => PopulationDiffusion.Load(prefix));
        Assert.StartsWith($"{prefix}.bin: SHA-256 ", e.Message);
        Assert.EndsWith("recorded in g.json; the file is damaged or was replaced (restore it, or retrain).", e.Message);
    }
}
