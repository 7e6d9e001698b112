using ZeroShotPK.Models;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Tests.Data;
using ZeroShotPK.Training;

namespace ZeroShotPK.Tests.Training;

/// <summary>The shared part of the training commands: one set of run-option checks and one start-or-resume check.</summary>
public sealed class TrainingRunTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("zspk-run").FullName;

    public void Dispose() => Directory.Delete(root, true);

    private static (int Code, string Output) Zspk(params string[] args) => ZspkProcess.Run(400, args);

    [Theory]
    // The same option, the same sentence, in both commands (pretrain said "--steps must be >= 1" before).
    [InlineData("error: --steps: expected a step count >= 1, got 0.", "pretrain", "--out", "run", "--steps", "0")]
    [InlineData("error: --steps: expected a step count >= 1, got 0.", "pbpk", "forecast-train", "--out", "run", "--steps", "0")]
    [InlineData("error: --stop-after: expected >= 1, got 0.", "pretrain", "--out", "run", "--stop-after", "0")]
    [InlineData("error: --stop-after: expected >= 1, got 0.", "pbpk", "forecast-train", "--out", "run", "--steps", "5", "--stop-after", "0")]
    [InlineData("error: --force starts the run in --out over; it cannot be combined with --resume, which continues it.", "pretrain", "--out", "run", "--resume", "--force")]
    public void BothTrainingCommandsCheckTheirRunOptionsAlike(string expected, params string[] args)
    {
        var (code, output) = Zspk(args);
        Assert.Equal(1, code);
        Assert.Contains(expected, output);
    }

    [Fact]
    public void ANewRunRefusesAFolderThatHoldsACheckpoint()
    {
        var dir = DataFiles.Path("data/checkpoints/pbpk-forecast");
        var e = Assert.Throws<InvalidOperationException>(() => RunFolder.Open<PbpkForecastManifest>(dir, resume: false, 1, 100, false, "forecaster checkpoint"));
        Assert.Equal($"{dir} already holds a checkpoint; pass --resume to continue it, --force to start over, or choose another --out.", e.Message);
        Assert.Null(RunFolder.Open<PbpkForecastManifest>(root, resume: false, 1, 100, false, "forecaster checkpoint"));
    }

    [Fact]
    public void AResumeNeedsTheSameSeedEnoughStepsAndOptimizerState()
    {
        var forecaster = DataFiles.Path("data/checkpoints/pbpk-forecast");
        var seed = Assert.Throws<InvalidOperationException>(() => RunFolder.Open<PbpkForecastManifest>(forecaster, true, 2, 20000, false, "forecaster checkpoint"));
        Assert.Equal($"{forecaster}: --resume with seed 2, but the checkpoint was trained with seed 1.", seed.Message);
        var steps = Assert.Throws<InvalidOperationException>(() => RunFolder.Open<PbpkForecastManifest>(forecaster, true, 1, 100, false, "forecaster checkpoint"));
        Assert.Equal($"{forecaster}: --resume --steps 100 is below the checkpoint's step 24000; expected --steps >= 24000.", steps.Message);
        var shipped = Assert.Throws<InvalidOperationException>(() => RunFolder.Open<PbpkForecastManifest>(forecaster, true, 1, 30000, false, "forecaster checkpoint"));
        Assert.Equal($"{forecaster}: a shipped checkpoint (no optimizer state) cannot be resumed; start a new run in another --out.", shipped.Message);
        // Another kind in the folder is named, not half-read.
        var kind = Assert.Throws<InvalidOperationException>(() => RunFolder.Open<CheckpointManifest>(forecaster, true, 1, null, true, "checkpoint"));
        Assert.Contains("a model of kind 'pbpk-forecast', expected kind 'aicmet'", kind.Message);
        // A shipped AICMET checkpoint keeps its optimizer state: it resumes, every listed file verified.
        var small = DataFiles.Path("data/checkpoints/aicmet-small");
        var m = RunFolder.Open<CheckpointManifest>(small, true, 1, null, true, "checkpoint")!;
        Assert.Equal((8500, "optimizer-008500.bin"), (m.Step, m.OptimizerFile));
        var few = Assert.Throws<InvalidOperationException>(() => RunFolder.Open<CheckpointManifest>(small, true, 1, 10, true, "checkpoint"));
        Assert.EndsWith($"expected --steps >= 8500 (or no --steps to finish its plan of {m.TotalSteps}).", few.Message);
        var none = Assert.Throws<InvalidOperationException>(() => RunFolder.Open<CheckpointManifest>(root, true, 1, null, true, "checkpoint"));
        Assert.Equal($"--resume: {root} holds no checkpoint (no {ModelManifests.ManifestFile}); expected the --out folder of the run to continue, or drop --resume to start a new run.", none.Message);
    }
}
