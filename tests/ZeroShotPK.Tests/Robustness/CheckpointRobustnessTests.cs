using System.Text.Json.Nodes;
using TorchSharp;
using ZeroShotPK.Tests.Data;
using ZeroShotPK.Tests.Training;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Training;
using static TorchSharp.torch;

namespace ZeroShotPK.Tests.Robustness;

/// <summary>
/// Damaged, foreign or mismatched checkpoints (issue #15): checksums in the manifest verified on load and resume,
/// NaN weights refused, --resume refusing a missing folder, another prior or fewer steps than done.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class CheckpointRobustnessTests : IDisposable
{
    private readonly string root = Hostile.TempFolder();

    public void Dispose()
    {
        Checkpoint.Notice = null;
        Directory.Delete(root, recursive: true);
    }

    private string CopyShipped(string name)
    {
        var source = ShippedModels.Require(name);
        var target = Path.Combine(root, name);
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(source)) File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        return target;
    }

    private static void FlipByte(string path, long offset)
    {
        using var f = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        f.Position = offset;
        int b = f.ReadByte();
        f.Position = offset;
        f.WriteByte((byte)(b ^ 0x5A));
    }

    private static void DropChecksums(string dir)
    {
        var file = Path.Combine(dir, Checkpoint.ManifestFile);
        var node = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        Assert.True(node.Remove("checksums"));
        File.WriteAllText(file, node.ToJsonString());
    }

    private PretrainOptions Tiny(string dir, bool resume = false, int? stopAfter = null, int? steps = null, string priorHash = "h") => new()
    {
        Config = PretrainerTests.Tiny, OutputDirectory = dir, Generator = new OneCompartmentGenerator(), PriorName = "test-1cmt",
        PriorHash = priorHash, Seed = 5, Resume = resume, StopAfter = stopAfter, Steps = steps,
    };

    [Theory]
    [InlineData(ShippedModels.Default)]
    [InlineData(ShippedModels.Small)]
    public void ShippedManifestsRecordChecksumsThatMatchTheirFiles(string name)
    {
        var dir = ShippedModels.Require(name);
        var m = Checkpoint.ReadManifest(dir);
        Assert.NotNull(m.Checksums);
        Assert.Equal(new[] { m.ModelFile, m.OptimizerFile!, ValidationSet.StudiesFile }.Order(), m.Checksums!.Keys.Order());
        foreach (var (file, sum) in m.Checksums) Assert.Equal(sum, Checkpoint.Sha256(Path.Combine(dir, file)));
    }

    [Fact]
    public void AFlippedByteInTheWeightsIsRefusedOnLoadAndByPredict()
    {
        var dir = CopyShipped(ShippedModels.Default);
        var m = Checkpoint.ReadManifest(dir);
        var weights = Path.Combine(dir, m.ModelFile);
        FlipByte(weights, new FileInfo(weights).Length / 2);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir));
        Assert.StartsWith($"{weights}: SHA-256 ", e.Message);
        Assert.Contains("differs from", e.Message);

        var result = Hostile.Run("predict", "--data", DataFiles.Path("data/theophylline.csv"), "--id", "2", "--times", "0:1:4",
            "--out", Path.Combine(root, "p.csv"), "--checkpoint", dir);
        Hostile.AssertError(result, 1, weights, "SHA-256", "damaged or was replaced");
        Assert.False(File.Exists(Path.Combine(root, "p.csv")));
    }

    [Fact]
    public void AManifestWithoutChecksumsLoadsWithANotice()
    {
        var dir = CopyShipped(ShippedModels.Small);
        DropChecksums(dir);
        var notices = new List<string>();
        Checkpoint.Notice = notices.Add;
        var (model, m) = Checkpoint.Load(dir);
        model.Dispose();
        Assert.Null(m.Checksums);
        Assert.Equal($"{Path.Combine(dir, Checkpoint.ManifestFile)} records no checksums (written before they existed); its files are used unverified.", Assert.Single(notices));
    }

    [Fact]
    public void TruncatedWeightsAreRefusedWithTheFileNamed()
    {
        var dir = CopyShipped(ShippedModels.Default);
        DropChecksums(dir); // so the reader, not the checksum, meets the truncation
        var weights = Path.Combine(dir, Checkpoint.ReadManifest(dir).ModelFile);
        using (var f = File.Open(weights, FileMode.Open)) f.SetLength(f.Length / 3);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir));
        Assert.Equal($"{weights}: the weights end early (truncated file); expected 233157 parameters of the architecture in the manifest.", e.Message);

        var result = Hostile.Run("predict", "--data", DataFiles.Path("data/theophylline.csv"), "--id", "2", "--times", "0:1:4",
            "--out", Path.Combine(root, "p.csv"), "--checkpoint", dir);
        Hostile.AssertError(result, 1, weights, "truncated");
        Assert.Contains("note: ", result.Output);
    }

    [Fact]
    public void NaNWeightsAreRefusedEvenWithMatchingChecksums()
    {
        set_num_threads(1);
        var run = Path.Combine(root, "run");
        new Pretrainer(Tiny(run, stopAfter: 3)).Run();
        var (model, m) = Checkpoint.Load(run);
        using (model)
        {
            var (name, p) = model.named_parameters().First();
            using (no_grad())
            using (var nan = double.NaN.ToScalar())
                p.fill_(nan);
            var bad = Path.Combine(root, "nan");
            Checkpoint.Save(bad, model, null, m); // checksums of the NaN weights: only the finiteness check can catch them
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(bad));
            Assert.Equal($"{Path.Combine(bad, m.ModelFile)}: parameter '{name}' holds NaN or infinite values; expected finite weights (the training diverged or the file is damaged).", e.Message);
        }
    }

    [Fact]
    public void SaveRecordsTheChecksumsOfEveryFile()
    {
        set_num_threads(1);
        var run = Path.Combine(root, "run");
        new Pretrainer(Tiny(run, stopAfter: 3)).Run();
        var m = Checkpoint.ReadManifest(run);
        Assert.Equal(new[] { "model-000003.bin", "optimizer-000003.bin", ValidationSet.StudiesFile }.Order(), m.Checksums!.Keys.Order());
        foreach (var (file, sum) in m.Checksums) Assert.Equal(Checkpoint.Sha256(Path.Combine(run, file)), sum);
    }

    [Fact]
    public void ResumeRefusesAMissingCheckpointWithoutCreatingTheFolder()
    {
        var typo = Path.Combine(root, "runn");
        var e = Assert.Throws<InvalidOperationException>(() => new Pretrainer(Tiny(typo, resume: true)).Run());
        Assert.Equal($"--resume: {typo} holds no checkpoint (no manifest.json); expected the --out folder of the run to continue, or drop --resume to start a new run.", e.Message);
        Assert.False(Directory.Exists(typo));
    }

    [Fact]
    public void ResumeRefusesAnotherPriorAndFewerStepsThanDone()
    {
        set_num_threads(1);
        var run = Path.Combine(root, "run");
        new Pretrainer(Tiny(run, stopAfter: 3)).Run();
        var before = File.ReadAllText(Path.Combine(run, Checkpoint.ManifestFile));
        var e = Assert.Throws<InvalidOperationException>(() => new Pretrainer(Tiny(run, resume: true, priorHash: "other")).Run());
        Assert.Equal($"{run}: --resume with prior 'test-1cmt' (hash other), but the checkpoint was trained on 'test-1cmt' (hash h); use the same --prior.", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => new Pretrainer(Tiny(run, resume: true, steps: 2)).Run());
        Assert.Equal($"{run}: --resume --steps 2 is below the checkpoint's step 3; expected --steps >= 3 (or no --steps to finish its plan of 6).", e.Message);
        // Nothing was rewritten by the refused runs.
        Assert.Equal(before, File.ReadAllText(Path.Combine(run, Checkpoint.ManifestFile)));
    }

    [Fact]
    public void ResumeRefusesADamagedOptimizerFile()
    {
        set_num_threads(1);
        var run = Path.Combine(root, "run");
        new Pretrainer(Tiny(run, stopAfter: 3)).Run();
        var optimizer = Path.Combine(run, "optimizer-000003.bin");
        FlipByte(optimizer, new FileInfo(optimizer).Length - 5);
        var e = Assert.Throws<InvalidDataException>(() => new Pretrainer(Tiny(run, resume: true)).Run());
        Assert.StartsWith($"{optimizer}: SHA-256 ", e.Message);
        // Without checksums (an older checkpoint) a truncated optimizer file is still named.
        DropChecksums(run);
        using (var f = File.Open(optimizer, FileMode.Open)) f.SetLength(f.Length / 2);
        e = Assert.Throws<InvalidDataException>(() => new Pretrainer(Tiny(run, resume: true)).Run());
        Assert.Equal($"{optimizer}: optimizer state ends early (truncated file).", e.Message);
    }
}
