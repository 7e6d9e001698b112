using System.Diagnostics;
using ZeroShotPK.Tests.Training;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Training;

namespace ZeroShotPK.Tests.Robustness;

/// <summary>SIGTERM (and Ctrl-C) on zspk pretrain write a final checkpoint and exit non-zero (issue #15: it exited 0).</summary>
[Collection(TorchCollection.Name)]
public sealed class PretrainSignalTests : IDisposable
{
    private readonly string root = Hostile.TempFolder();

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task SigtermWritesAFinalCheckpointAndExits143()
    {
        var config = Path.Combine(root, "tiny.json");
        File.WriteAllText(config, (PretrainerTests.Tiny with
        {
            Training = PretrainerTests.Tiny.Training with { Steps = 100_000, CheckpointEvery = 100_000, ValidationEvery = 100_000 },
        }).ToJson());
        var run = Path.Combine(root, "run");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "zspk.dll"));
        foreach (var a in new[] { "pretrain", "--config", config, "--out", run, "--prior", "default", "--seed", "3" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var output = new System.Text.StringBuilder();
        // Plain progress lines come every 25 steps: the first one shows training is under way.
        string? line;
        while ((line = p.StandardOutput.ReadLine()) is not null)
        {
            output.AppendLine(line);
            if (line.Contains(" step 25/", StringComparison.Ordinal)) break;
        }
        if (line is null) Assert.Fail($"no progress line; output:\n{output}{await stderr}");
        Assert.False(Checkpoint.Exists(run)); // no checkpoint yet: the one found below is the final one
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
        output.Append(p.StandardOutput.ReadToEnd());
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "pretrain did not stop after SIGTERM");
        var all = output + await stderr;
        Assert.True(p.ExitCode == 143, $"exit code {p.ExitCode}; output:\n{all}");
        Hostile.AssertNoStackTrace(all);
        Assert.Contains("interrupted at step", all);
        var m = Checkpoint.ReadManifest(run);
        Assert.InRange(m.Step, 25, 99_999);
        Checkpoint.VerifyFiles(run, m, m.ModelFile, m.OptimizerFile, ValidationSet.StudiesFile);
    }
}
