using System.Diagnostics;
using System.Globalization;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Robustness;

/// <summary>
/// Outputs (issue #15): zspk never writes over a file or a non-empty folder without --force, a folder appears whole or not
/// at all (written beside it, then renamed), one run at a time writes a path (a lock naming the writer's process), and a
/// failed or killed run leaves the old output as it was and nothing that a later run trips over.
/// </summary>
public sealed class OutputSafetyTests : IDisposable
{
    private readonly string dir = Hostile.TempFolder();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Theophylline => DataFiles.Path("data/theophylline.csv");

    private static string[] Simulate(string output, int studies = 1, string? shard = null) =>
        ["simulate", "--prior", "default", "--studies", studies.ToString(CultureInfo.InvariantCulture), "--seed", "7", .. shard is null ? Array.Empty<string>() : ["--shard", shard], "--out", output];

    private static void AssertOk((int Code, string Output) result) => Assert.True(result.Code == 0, result.Output);

    /// <summary>Lock files, staging folders, moved-aside folders and temporary files are all hidden (leading dot): none may be left.</summary>
    private void AssertNoLeftovers() =>
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir, ".*", SearchOption.AllDirectories));

    /// <summary>Two simulate shards of 2 studies (their merge is the 2-study file), in <see cref="dir"/>.</summary>
    private string[] Shards()
    {
        var shards = new[] { Path.Combine(dir, "s-0.csv"), Path.Combine(dir, "s-1.csv") };
        for (int k = 0; k < 2; k++) AssertOk(Hostile.Run(Simulate(shards[k], 2, $"{k}/2")));
        return shards;
    }

    [Fact]
    public void AnExistingFileIsKeptWithoutForceAndReplacedWithIt()
    {
        var path = Path.Combine(dir, "studies.csv");
        File.WriteAllText(path, "mine\n");
        var line = Hostile.AssertError(Hostile.Run(Simulate(path)), 1);
        Assert.Equal($"error: --out {path}: the file already exists; pass --force to replace it, or choose another path.", line);
        Assert.Equal("mine\n", File.ReadAllText(path));

        AssertOk(Hostile.Run([.. Simulate(path), "--force"]));
        var fresh = Path.Combine(dir, "fresh.csv");
        AssertOk(Hostile.Run(Simulate(fresh)));
        Assert.Equal(File.ReadAllBytes(fresh), File.ReadAllBytes(path));
        AssertNoLeftovers();
    }

    [Fact]
    public void EveryOutputOptionIsGuardedNotOnlyOut()
    {
        // simulate --save-prior is an output too.
        var prior = Path.Combine(dir, "prior.json");
        File.WriteAllText(prior, "{}");
        var line = Hostile.AssertError(Hostile.Run([.. Simulate(Path.Combine(dir, "s.csv")), "--save-prior", prior]), 1);
        Assert.Equal($"error: --save-prior {prior}: the file already exists; pass --force to replace it, or choose another path.", line);
        Assert.Equal("{}", File.ReadAllText(prior));
        Assert.False(File.Exists(Path.Combine(dir, "s.csv")));
    }

    [Fact]
    public void AFolderWithFilesIsKeptWithoutForceAndReplacedWholeWithIt()
    {
        var shards = Shards();
        var merged = Path.Combine(dir, "merged");
        Directory.CreateDirectory(merged);
        File.WriteAllText(Path.Combine(merged, "notes.txt"), "mine\n");
        var line = Hostile.AssertError(Hostile.Run(["merge", .. shards, "--out", merged]), 1);
        Assert.Equal($"error: --out {merged}: the folder already exists and is not empty; pass --force to replace it, or choose another path.", line);
        Assert.Equal("mine\n", File.ReadAllText(Path.Combine(merged, "notes.txt")));

        AssertOk(Hostile.Run(["merge", .. shards, "--out", merged, "--force"]));
        // The folder is the new one as a whole: the old file is gone, not mixed in.
        Assert.Equal(["studies.csv"], Directory.GetFileSystemEntries(merged).Select(Path.GetFileName));
        var whole = Path.Combine(dir, "whole.csv");
        AssertOk(Hostile.Run(Simulate(whole, 2)));
        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(Path.Combine(merged, "studies.csv")));

        // An empty folder holds no output: written without --force.
        var empty = Path.Combine(dir, "empty");
        Directory.CreateDirectory(empty);
        AssertOk(Hostile.Run(["merge", .. shards, "--out", empty]));
        Assert.True(File.Exists(Path.Combine(empty, "studies.csv")));
        AssertNoLeftovers();
    }

    [Fact]
    public void AnOutputFolderNeverHoldsAnInput()
    {
        var data = Path.Combine(dir, "in", "theophylline.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(data)!);
        File.Copy(Theophylline, data);
        var folder = Path.GetDirectoryName(data)!;
        var line = Hostile.AssertError(Hostile.Run("evaluate", "--data", data, "--method", "population", "--out", folder, "--force"), 1);
        Assert.Equal($"error: --out {folder} holds --data {data}: writing the output folder would delete the input; expected another folder.", line);

        var shards = Shards();
        line = Hostile.AssertError(Hostile.Run(["merge", .. shards, "--out", dir, "--force"]), 1);
        Assert.Equal($"error: --out {dir} holds the input {shards[0]}: writing the output folder would delete the input; expected another folder.", line);
        Assert.True(File.Exists(data));
        Assert.True(File.Exists(shards[1]));
    }

    [Fact]
    public void ALockHeldByALiveProcessRefusesASecondWriter()
    {
        var path = Path.Combine(dir, "studies.csv");
        var lockFile = Path.Combine(dir, ".studies.csv.zspk-lock");
        // This test's own process stands for the other zspk: it is alive.
        var held = $"{Environment.ProcessId}@{Environment.MachineName}\n";
        File.WriteAllText(lockFile, held);
        var line = Hostile.AssertError(Hostile.Run(Simulate(path)), 1);
        Assert.Equal($"error: --out {path}: another zspk (process {Environment.ProcessId}) is writing it now; wait for it to finish or choose another path.", line);
        Assert.False(File.Exists(path));
        Assert.Equal(held, File.ReadAllText(lockFile)); // the other writer's lock stays
    }

    [Fact]
    public void AStaleLockOfADeadProcessIsTakenOver()
    {
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        gone.WaitForExit();
        var path = Path.Combine(dir, "studies.csv");
        File.WriteAllText(Path.Combine(dir, ".studies.csv.zspk-lock"), $"{gone.Id}@{Environment.MachineName}\n");
        AssertOk(Hostile.Run(Simulate(path)));
        Assert.True(File.Exists(path));
        AssertNoLeftovers(); // the taken-over lock is released at the end like any other
    }

    [Fact]
    public void AFailedRunKeepsTheOldFolderAndLeavesNoTemporaryFolder()
    {
        var shards = Shards();
        var merged = Path.Combine(dir, "merged");
        Directory.CreateDirectory(merged);
        File.WriteAllText(Path.Combine(merged, "studies.csv"), "old\n");
        File.Delete(shards[1] + ".manifest.json"); // shard 1 did not finish: the merge fails after it started writing
        var line = Hostile.AssertError(Hostile.Run(["merge", .. shards, "--out", merged, "--force"]), 1);
        Assert.Contains($"{shards[1]}: no s-1.csv.manifest.json; expected a finished shard", line);
        Assert.Equal(["studies.csv"], Directory.GetFileSystemEntries(merged).Select(Path.GetFileName));
        Assert.Equal("old\n", File.ReadAllText(Path.Combine(merged, "studies.csv")));
        AssertNoLeftovers();
    }

    [Fact]
    public void AKilledRunLeavesNoFolderThatLooksCompleteAndTheNextRunCleansUp()
    {
        var output = Path.Combine(dir, "e");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "zspk.dll"), "evaluate", "--data", Theophylline, "--method", "population", "--threads", "1", "--out", output })
            psi.ArgumentList.Add(a);
        using var first = Process.Start(psi)!;
        try
        {
            var staging = Path.Combine(dir, $".e.{first.Id}.zspk-tmp");
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (!Directory.Exists(staging) && !first.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.True(Directory.Exists(staging), "the evaluation's staging folder never appeared");

            // A second writer is refused at once, naming the first.
            var line = Hostile.AssertError(Hostile.Run("evaluate", "--data", Theophylline, "--method", "population", "--out", output), 1);
            Assert.Equal($"error: --out {output}: another zspk (process {first.Id}) is writing it now; wait for it to finish or choose another path.", line);
            Assert.False(first.HasExited, "the first evaluation finished before the second was refused; the test needs it running");

            first.Kill(); // SIGKILL: no finally block, no exit handler
            first.WaitForExit();
            Assert.False(Directory.Exists(output)); // nothing at --out that looks like a finished evaluation
            Assert.True(Directory.Exists(staging));
        }
        finally
        {
            if (!first.HasExited) { first.Kill(); first.WaitForExit(); }
        }
        // The next run on that path takes the dead run's lock and removes its staging folder.
        AssertOk(Hostile.Run(["merge", .. Shards(), "--out", output]));
        Assert.Equal(["studies.csv"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
        AssertNoLeftovers();
    }

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public void SigtermOrCtrlCLeavesNoStagingFolderOrLockAndExitsNonZero(string signal, int exitCode)
    {
        // Found killing a real evaluation: .NET ran no ProcessExit on SIGTERM, so the staging folder and the lock stayed.
        var output = Path.Combine(dir, "sig");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "zspk.dll"), "evaluate", "--data", Theophylline, "--method", "node", "--threads", "1", "--out", output })
            psi.ArgumentList.Add(a);
        using var run = Process.Start(psi)!;
        try
        {
            var staging = Path.Combine(dir, $".sig.{run.Id}.zspk-tmp");
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (!Directory.Exists(staging) && !run.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.True(Directory.Exists(staging), "the evaluation's staging folder never appeared");
            Thread.Sleep(500);
            using (var kill = Process.Start("kill", ["-" + signal, run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(run.WaitForExit(TimeSpan.FromMinutes(1)), $"zspk did not stop on SIG{signal}");
            Assert.Equal(exitCode, run.ExitCode);
        }
        finally
        {
            if (!run.HasExited) { run.Kill(); run.WaitForExit(); }
        }
        Assert.False(Directory.Exists(output));
        AssertNoLeftovers();
    }

    [Fact]
    public void AFolderMovedAsideByAKilledReplacementIsPutBack()
    {
        // Killed between the two renames of a --force replacement: the old folder is aside and --out is missing.
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        gone.WaitForExit();
        var output = Path.Combine(dir, "merged");
        var aside = Path.Combine(dir, $".merged.{gone.Id}.zspk-old");
        Directory.CreateDirectory(aside);
        File.WriteAllText(Path.Combine(aside, "studies.csv"), "old\n");
        var line = Hostile.AssertError(Hostile.Run(["merge", .. Shards(), "--out", output]), 1);
        Assert.Equal($"error: --out {output}: the folder already exists and is not empty; pass --force to replace it, or choose another path.", line);
        Assert.Equal("old\n", File.ReadAllText(Path.Combine(output, "studies.csv")));
        AssertNoLeftovers();
    }

    [Fact]
    public void PretrainRefusesAnotherRunsFolderButResumeIsNoOverwrite()
    {
        var run = Path.Combine(dir, "run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "loss.csv"), "step,loss\n");
        var line = Hostile.AssertError(Hostile.Run("pretrain", "--out", run), 1);
        Assert.Equal($"error: --out {run}: the folder already exists and is not empty; pass --force to replace it, or choose another path.", line);
        // --resume continues the folder: no --force needed (here it holds no checkpoint, which pretrain itself reports).
        line = Hostile.AssertError(Hostile.Run("pretrain", "--out", run, "--resume"), 1);
        Assert.Contains($"--resume: {run} holds no checkpoint", line);
        line = Hostile.AssertError(Hostile.Run("pretrain", "--out", run, "--resume", "--force"), 1);
        Assert.Equal("error: --force starts the run in --out over; it cannot be combined with --resume, which continues it.", line);
        Assert.Equal("step,loss\n", File.ReadAllText(Path.Combine(run, "loss.csv")));
        AssertNoLeftovers();
    }

    [Fact]
    public void EveryCommandThatWritesHasForceWithOneHelpText()
    {
        ZspkApp.Create(); // registers the commands; a command with an output option but no --force (or the reverse) throws here
        var (code, help) = ZspkProcess.RunFlat(400, "evaluate", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--force " + ZeroShotPK.Cli.OutputGuard.ForceHelp.TrimEnd('.'), help);
        Assert.EndsWith("(default false).", ZeroShotPK.Cli.OutputGuard.ForceHelp);
    }
}
