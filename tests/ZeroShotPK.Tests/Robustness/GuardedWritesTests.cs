using System.Text.Json.Nodes;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Tests.Robustness;

/// <summary>
/// Writes that are not a command's --out (issue #15): pbpk population --retrain's generator files (by default the shipped
/// ones under data/pbpk) and calibrate's rewrite of a checkpoint manifest go through the same guard as every output:
/// refused without --force (the generator), locked against a second writer, staged, nothing left behind.
/// </summary>
public sealed class GuardedWritesTests : IDisposable
{
    private readonly string dir = Hostile.TempFolder();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static void AssertOk((int Code, string Output) result) => Assert.True(result.Code == 0, result.Output);

    private void AssertNoLeftovers() =>
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir, ".*", SearchOption.AllDirectories));

    private string[] Retrain(string? save, params string[] more) =>
        ["pbpk", "population", "--method", "ddpm", "--retrain", "--steps", "2", "-n", "4", "--threads", "1", "--out", Path.Combine(dir, "pop.csv"),
         .. save is null ? Array.Empty<string>() : ["--save", save], .. more];

    [Fact]
    public void RetrainRefusesToWriteOverAGeneratorWithoutForce()
    {
        var prefix = Path.Combine(dir, "gen");
        File.WriteAllText(prefix + ".bin", "mine");
        var line = Hostile.AssertError(Hostile.Run(Retrain(prefix)), 1);
        Assert.Equal($"error: --save {prefix}.bin: the file already exists; pass --force to replace it, or choose another path.", line);
        Assert.Equal("mine", File.ReadAllText(prefix + ".bin"));
        Assert.False(File.Exists(prefix + ".json"));
        Assert.False(File.Exists(Path.Combine(dir, "pop.csv"))); // refused before training, not after
        AssertNoLeftovers();
    }

    [Fact]
    public void RetrainWithoutSaveClaimsTheShippedGeneratorPath()
    {
        // The default --save is data/pbpk/generator_{species}_{method} under the working folder: the shipped files.
        var shipped = Path.Combine(dir, "data", "pbpk");
        Directory.CreateDirectory(shipped);
        File.WriteAllText(Path.Combine(shipped, "generator_human_ddpm.json"), "{}");
        var line = Hostile.AssertError(ZspkProcess.RunIn(dir, 200, Retrain(null)), 1);
        Assert.Equal("error: --save data/pbpk/generator_human_ddpm.json: the file already exists; pass --force to replace it, or choose another path.", line);
        Assert.Equal("{}", File.ReadAllText(Path.Combine(shipped, "generator_human_ddpm.json")));
        Assert.False(File.Exists(Path.Combine(shipped, "generator_human_ddpm.bin")));
        AssertNoLeftovers();
    }

    [Fact]
    public void RetrainRefusesWhileAnotherZspkWritesTheGenerator()
    {
        var prefix = Path.Combine(dir, "gen");
        var held = $"{Environment.ProcessId}@{Environment.MachineName}\n";
        File.WriteAllText(Path.Combine(dir, ".gen.json.zspk-lock"), held);
        var line = Hostile.AssertError(Hostile.Run(Retrain(prefix, "--force")), 1);
        Assert.Equal($"error: --save {prefix}.json: another zspk (process {Environment.ProcessId}) is writing it now; wait for it to finish or choose another path.", line);
        Assert.False(File.Exists(prefix + ".bin"));
        Assert.Equal(held, File.ReadAllText(Path.Combine(dir, ".gen.json.zspk-lock")));
    }

    [Fact]
    public void RetrainWithForceReplacesBothFilesAndRecordsTheCommandWithoutForce()
    {
        var prefix = Path.Combine(dir, "gen");
        File.WriteAllText(prefix + ".bin", "old");
        File.WriteAllText(prefix + ".json", "{}");
        AssertOk(Hostile.Run(Retrain(prefix, "--force")));
        Assert.NotEqual("old", File.ReadAllText(prefix + ".bin"));
        var command = JsonNode.Parse(File.ReadAllText(prefix + ".json"))!["commandLine"]!.GetValue<string>();
        Assert.StartsWith("zspk pbpk population --method ddpm --retrain --steps 2", command);
        Assert.DoesNotContain("--force", command);
        Assert.DoesNotContain("--save", command);
        Assert.True(File.Exists(Path.Combine(dir, "pop.csv")));
        AssertNoLeftovers();
    }

    private string CopyCheckpoint()
    {
        var source = ShippedModels.Require(ShippedModels.Small);
        var target = Path.Combine(dir, "ckpt");
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(source)) File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        return target;
    }

    [Fact]
    public void CalibrateRefusesACheckpointThatAnotherZspkWrites()
    {
        var ckpt = CopyCheckpoint();
        var manifest = File.ReadAllText(Path.Combine(ckpt, Checkpoint.ManifestFile));
        // This test's own process stands for a pretraining run writing the folder: alive.
        var lockFile = Path.Combine(dir, ".ckpt.zspk-lock");
        var held = $"{Environment.ProcessId}@{Environment.MachineName}\n";
        File.WriteAllText(lockFile, held);
        var line = Hostile.AssertError(Hostile.Run("calibrate", "--checkpoint", ckpt, "--threads", "1"), 1);
        Assert.Equal($"error: --checkpoint {ckpt}: another zspk (process {Environment.ProcessId}) is writing it now; wait for it to finish or choose another path.", line);
        Assert.Equal(manifest, File.ReadAllText(Path.Combine(ckpt, Checkpoint.ManifestFile)));
        Assert.Equal(held, File.ReadAllText(lockFile));
    }

    [Fact]
    public void CalibrateRefusesAMissingFolder()
    {
        var missing = Path.Combine(dir, "nothing-here");
        var line = Hostile.AssertError(Hostile.Run("calibrate", "--checkpoint", missing), 1);
        Assert.Equal($"error: --checkpoint {missing}: no such folder; expected an existing folder.", line);
        Assert.False(Directory.Exists(missing));
        AssertNoLeftovers();
    }

    [Fact]
    public void CalibrateRewritesTheManifestUnderTheLockAndLeavesNothingBehind()
    {
        var ckpt = CopyCheckpoint();
        // A killed calibrate's temporary manifest (a dead process id) is cleaned up by the next run holding the lock.
        using var gone = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        gone.WaitForExit();
        File.WriteAllText(Path.Combine(ckpt, $".manifest.json.{gone.Id}.0123abcd.tmp"), "{");
        AssertOk(Hostile.Run("calibrate", "--checkpoint", ckpt, "--threads", "1"));
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(ckpt, Checkpoint.ManifestFile)))!;
        Assert.NotNull(node["calibration"]);
        AssertNoLeftovers();
    }
}
