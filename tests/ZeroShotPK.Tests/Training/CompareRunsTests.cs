using System.Globalization;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Training;

namespace ZeroShotPK.Tests.Training;

/// <summary>zspk compare-runs over a tiny seed sweep of zspk pretrain, run as the user runs them.</summary>
public sealed class CompareRunsTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "zspk-sweep-" + Guid.NewGuid().ToString("N"));

    public CompareRunsTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static (int Code, string Output) Zspk(params string[] args) => ZspkProcess.RunFlat(250, args);

    [Fact]
    public void CompareRunsTabulatesASweepFromManifestsAndLossLogs()
    {
        // The tiny config of the pretrainer tests: 6 steps, validated at steps 3 and 6 (about 2 s a run).
        var config = Path.Combine(root, "tiny.json");
        File.WriteAllText(config, PretrainerTests.Tiny.ToJson());
        string Run(int k) => Path.Combine(root, $"run-{k}");
        for (int k = 0; k < 2; k++)
        {
            var (c, t) = Zspk("pretrain", "--config", config, "--prior", "default", "--threads", "1", "--seed", (1 + k).ToString(CultureInfo.InvariantCulture), "--out", Run(k));
            Assert.True(c == 0, t);
        }
        // A run stopped at its first checkpoint, and a sweep task that failed before writing any.
        var (code, text) = Zspk("pretrain", "--config", config, "--prior", "default", "--threads", "1", "--seed", "3", "--stop-after", "3", "--out", Run(2));
        Assert.True(code == 0, text);
        Directory.CreateDirectory(Run(3));

        var csv = Path.Combine(root, "comparison.csv");
        (code, text) = Zspk("compare-runs", Run(3), Run(2), Run(1), Run(0), "--csv", csv);
        Assert.True(code == 0, text);
        Assert.Contains("4 runs (2 done, 1 stopped, 1 without a checkpoint); lowest final validation NLL: ", text);

        var lines = File.ReadAllLines(csv);
        Assert.Equal(RunComparison.CsvHeader, lines[0]);
        Assert.Equal(5, lines.Length);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        // Ordered by final validation loss; the folder without a checkpoint comes last with empty figures.
        var losses = rows.Take(3).Select(r => double.Parse(r[7], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(losses.Order(), losses);
        Assert.Equal([Run(3), "no-checkpoint", "", "", "", "0", "0", "", "", "", "", ""], rows[3]);
        foreach (var r in rows.Take(3))
        {
            var m = Checkpoint.ReadManifest(r[0]);
            Assert.Equal(m.ValidationLoss!.Value, double.Parse(r[7], CultureInfo.InvariantCulture));
            Assert.Equal(m.ValidationRmse!.Value, double.Parse(r[8], CultureInfo.InvariantCulture));
            Assert.Equal(m.ElapsedSeconds / 3600, double.Parse(r[11], CultureInfo.InvariantCulture));
            Assert.Equal(("tiny", "default", m.Seed.ToString(CultureInfo.InvariantCulture), m.Step.ToString(CultureInfo.InvariantCulture), "6"), (r[2], r[3], r[4], r[5], r[6]));
            Assert.Equal(m.Step == 6 ? "done" : "stopped", r[1]);
            // Best: the lowest val_loss in loss.csv (validations at steps 3 and 6).
            var logged = File.ReadAllLines(Path.Combine(r[0], Checkpoint.LossLogFile)).Skip(1).Select(l => l.Split(','))
                .Where(f => f[6].Length > 0).Select(f => (Step: int.Parse(f[0], CultureInfo.InvariantCulture), Loss: double.Parse(f[6], CultureInfo.InvariantCulture))).ToArray();
            Assert.Equal(m.Step == 6 ? [3, 6] : [3], logged.Select(x => x.Step));
            var best = logged.MinBy(x => x.Loss);
            Assert.Equal((best.Loss, best.Step), (double.Parse(r[9], CultureInfo.InvariantCulture), int.Parse(r[10], CultureInfo.InvariantCulture)));
        }
        Assert.Equal("stopped", rows.Single(r => r[0] == Run(2))[1]);

        // Seeds 1 and 2 of one config differ (each run trains its own weights and data stream).
        Assert.NotEqual(rows.Single(r => r[0] == Run(0))[7], rows.Single(r => r[0] == Run(1))[7]);

        // Not a folder: one sentence naming it.
        (code, text) = Zspk("compare-runs", Run(0), Path.Combine(root, "nope"));
        Assert.Equal(1, code);
        Assert.Contains($"compare-runs: {Path.Combine(root, "nope")} is not a folder; expected a run folder written by 'zspk pretrain --out'.", text);
        Assert.DoesNotContain("   at ", text);
    }
}
