using ZeroShotPK.Models.Neural;
using ZeroShotPK.Training;
using static TorchSharp.torch;

namespace ZeroShotPK.Tests.Training;

[Collection(TorchCollection.Name)]
public sealed class PretrainerTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "zspk-pretrain-" + Guid.NewGuid().ToString("N"));

    internal static AicmetConfig Tiny { get; } = new()
    {
        Name = "tiny",
        Architecture = new AicmetArchitecture
        {
            EncoderWidth = 8, EncoderLayers = 1, SummaryDim = 8, StudyLatentDim = 4, IndividualLatentDim = 4,
            DecoderWidth = 16, DecoderLayers = 1, Dropout = 0.1,
        },
        Training = new AicmetTraining
        {
            BatchSize = 8, Steps = 6, WarmupSteps = 2, LearningRate = 3e-3, CheckpointEvery = 3, ValidationEvery = 3, ValidationStudies = 8,
        },
    };

    private PretrainOptions Options(string dir, bool resume = false, int? stopAfter = null, AicmetConfig? config = null, long seed = 5,
        string? initFrom = null, string priorName = "test-1cmt") => new()
    {
        Config = config ?? Tiny, OutputDirectory = dir, Generator = new OneCompartmentGenerator(), PriorName = priorName,
        PriorHash = "h", Seed = seed, Resume = resume, StopAfter = stopAfter, InitFrom = initFrom,
    };

    private static Dictionary<string, float[]> Weights(string dir)
    {
        var (model, _) = Checkpoint.Load(dir);
        using (model) return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
    }

    private static double MaxDifference(Dictionary<string, float[]> a, Dictionary<string, float[]> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        return a.Max(kv => kv.Value.Zip(b[kv.Key], (x, y) => (double)Math.Abs(x - y)).Max());
    }

    private static double[][] LossRows(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "loss.csv")).Skip(1)
            .Select(l => l.Split(',')[..^1].Select(f => f.Length == 0 ? double.NaN : double.Parse(f, System.Globalization.CultureInfo.InvariantCulture)).ToArray())
            .ToArray(); // without elapsed_s

    // libtorch's vectorised float reductions are not bit-stable across allocations (alignment), so two identical runs
    // already differ around 1e-7 in a loss, which Adam's normalised steps can lift to ~1e-4 in a weight after a few steps.
    // A wrong seed, RNG stream or optimizer state gives differences of order 1e-1 (checked below against another seed).
    private const double Tolerance = 2e-3;
    private const double RowTolerance = 1e-4;

    private static void AssertSameRows(double[][] a, double[][] b)
    {
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
            for (int j = 0; j < a[i].Length; j++)
            {
                if (double.IsNaN(a[i][j])) { Assert.True(double.IsNaN(b[i][j]), $"row {i + 1} column {j}"); continue; }
                Assert.True(Math.Abs(a[i][j] - b[i][j]) <= RowTolerance * Math.Max(1, Math.Abs(a[i][j])), $"row {i + 1} column {j}: {a[i][j]} vs {b[i][j]}");
            }
    }

    [Fact]
    public void InterruptedAndResumedRunEqualsUninterruptedRunExactly()
    {
        set_num_threads(1);
        var straight = Path.Combine(root, "straight");
        var resumed = Path.Combine(root, "resumed");
        new Pretrainer(Options(straight)).Run();
        var first = new Pretrainer(Options(resumed, stopAfter: 3)).Run();
        Assert.Equal(3, first.Step);
        Assert.Equal(3, Checkpoint.ReadManifest(resumed).Step);
        var second = new Pretrainer(Options(resumed, resume: true)).Run();
        Assert.Equal(6, second.Step);

        Assert.InRange(MaxDifference(Weights(straight), Weights(resumed)), 0, Tolerance);
        AssertSameRows(LossRows(straight), LossRows(resumed));
        Assert.Equal(6, LossRows(straight).Length);
        // A different seed gives clearly different weights: the tolerance cannot hide a broken resume.
        var other = Path.Combine(root, "other");
        new Pretrainer(Options(other, seed: 6)).Run();
        Assert.True(MaxDifference(Weights(straight), Weights(other)) > 0.05);
        var m = Checkpoint.ReadManifest(resumed);
        Assert.Equal(Checkpoint.ReadManifest(straight).ValidationLoss!.Value, m.ValidationLoss!.Value, 4);
        Assert.Equal(6, m.Step);
        Assert.Equal(5, m.Seed);
        Assert.Equal("test-1cmt", m.Prior);
        // Only the current step's files remain.
        Assert.Equal(new[] { "model-000006.bin", "optimizer-000006.bin" }, Directory.GetFiles(resumed, "*.bin").Select(f => Path.GetFileName(f)).Order().ToArray());
    }

    [Fact]
    public void ResumeFromATorchSharpOptimizerFileIsRefusedWithAClearMessage()
    {
        // Checkpoints written before the Scalar-safe optimizer hold TorchSharp's AdamW state (as the shipped aicmet-small does).
        var dir = Path.Combine(root, "old-optimizer");
        new Pretrainer(Options(dir, stopAfter: 3)).Run();
        var optimizerFile = Path.Combine(dir, "optimizer-000003.bin");
        File.Copy(ZeroShotPK.Tests.Data.DataFiles.Path("data/checkpoints/aicmet-small/optimizer-008500.bin"), optimizerFile, overwrite: true);
        // Such checkpoints also predate checksums (with them the replaced file is refused before it is read: RobustnessCheckpointTests).
        var manifestFile = Path.Combine(dir, Checkpoint.ManifestFile);
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifestFile))!.AsObject();
        Assert.True(node.Remove("checksums"));
        File.WriteAllText(manifestFile, node.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => new Pretrainer(Options(dir, resume: true)).Run());
        Assert.Equal($"{optimizerFile}: not a ZeroShotPK optimizer-state file ('ZSPK-ADAMW-1'): it was written by TorchSharp's AdamW " +
            "(checkpoints of ZeroShotPK before the Scalar-safe optimizer), whose state this code does not read. Start a new run (weights can still be used for prediction).", e.Message);
    }

    private sealed class OnStep(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    [Fact]
    public void CancellationWritesAValidatedCheckpointAtTheCurrentStep()
    {
        set_num_threads(1);
        var dir = Path.Combine(root, "cancel");
        using var cts = new CancellationTokenSource();
        var r = new Pretrainer(Options(dir)).Run(new OnStep(p => { if (p.Step == 2) cts.Cancel(); }), cts.Token);
        Assert.True(r.Cancelled);
        // Cancelled during step 2's report: step 3 completes, is validated and saved.
        var m = Checkpoint.ReadManifest(dir);
        Assert.Equal(r.Step, m.Step);
        var (model, _) = Checkpoint.Load(dir);
        using (model)
        {
            var v = new ValidationSet(new OneCompartmentGenerator(), Tiny.Training.ValidationStudies, Tiny.Training).Evaluate(model, CPU);
            Assert.Equal(m.ValidationLoss!.Value, v.Loss, 4);
        }
    }

    [Fact]
    public void ResumeWithAnotherConfigOrSeedIsRefused()
    {
        set_num_threads(1);
        var dir = Path.Combine(root, "run");
        new Pretrainer(Options(dir, stopAfter: 3)).Run();
        var ex = Assert.Throws<InvalidOperationException>(() => new Pretrainer(Options(dir, resume: true, seed: 6)).Run());
        Assert.Contains("--resume with seed 6, but the checkpoint was trained with seed 5", ex.Message);
        var other = Tiny with { Architecture = Tiny.Architecture with { DecoderWidth = 32 } };
        ex = Assert.Throws<InvalidOperationException>(() => new Pretrainer(Options(dir, resume: true, config: other)).Run());
        Assert.Contains("another configuration than the checkpoint's", ex.Message);
        ex = Assert.Throws<InvalidOperationException>(() => new Pretrainer(Options(dir)).Run());
        Assert.Contains("already holds a checkpoint; pass --resume", ex.Message);
    }

    [Fact]
    public void InitFromStartsFromAnotherCheckpointsWeightsAndRecordsWhereTheyCameFrom()
    {
        set_num_threads(1);
        var source = Path.Combine(root, "source");
        new Pretrainer(Options(source, stopAfter: 3)).Run();
        var tuned = Path.Combine(root, "tuned");
        new Pretrainer(Options(tuned, stopAfter: 1, seed: 9, initFrom: source, priorName: "other-prior")).Run();
        var m = Checkpoint.ReadManifest(tuned);
        Assert.NotNull(m.InitFrom);
        Assert.Equal(source, m.InitFrom!.Directory);
        Assert.Equal(3, m.InitFrom.Step);
        Assert.Equal("test-1cmt", m.InitFrom.Prior);
        var srcManifest = Checkpoint.ReadManifest(source);
        using (var sha = System.Security.Cryptography.SHA256.Create())
        using (var f = File.OpenRead(Path.Combine(source, srcManifest.ModelFile)))
            Assert.Equal(Convert.ToHexString(sha.ComputeHash(f)).ToLowerInvariant(), m.InitFrom.ModelSha256);
        // One Adam step (lr warm-up) moves a weight by at most ~lr; a fresh initialisation (seed 9) is far away.
        var fresh = Path.Combine(root, "fresh");
        new Pretrainer(Options(fresh, stopAfter: 1, seed: 9)).Run();
        Assert.True(MaxDifference(Weights(source), Weights(tuned)) < 0.01);
        Assert.True(MaxDifference(Weights(source), Weights(fresh)) > 0.05);
        // Resuming the fine-tuned run keeps its provenance.
        new Pretrainer(Options(tuned, resume: true, stopAfter: 1, seed: 9, priorName: "other-prior")).Run();
        Assert.Equal(3, Checkpoint.ReadManifest(tuned).InitFrom?.Step);

        var other = Tiny with { Architecture = Tiny.Architecture with { DecoderWidth = 32 } };
        var ex = Assert.Throws<InvalidOperationException>(() => new Pretrainer(Options(Path.Combine(root, "x"), config: other, initFrom: source)).Run());
        Assert.Contains("--init-from: '" + source + "' has architecture 'tiny', which differs from --config 'tiny'", ex.Message);
        ex = Assert.Throws<InvalidOperationException>(() => new Pretrainer(Options(Path.Combine(root, "y"), initFrom: Path.Combine(root, "none"))).Run());
        Assert.Contains("--init-from: no checkpoint (manifest.json) in", ex.Message);
        // Refused before anything is written: no empty output folders left behind.
        Assert.False(Directory.Exists(Path.Combine(root, "x")));
        Assert.False(Directory.Exists(Path.Combine(root, "y")));
    }

    [Fact]
    public void DivergenceStopsWithClearMessageAndKeepsLastGoodCheckpoint()
    {
        set_num_threads(1);
        var dir = Path.Combine(root, "nan");
        new Pretrainer(Options(dir, stopAfter: 3)).Run();
        var before = File.ReadAllBytes(Path.Combine(dir, "model-000003.bin"));
        // An absurd learning rate blows the weights up within a few steps.
        var wild = Tiny with { Training = Tiny.Training with { LearningRate = 1e30, MinLearningRate = 1e30, WarmupSteps = 0, GradientClip = 1e30 } };
        var manifestPath = Path.Combine(dir, Checkpoint.ManifestFile);
        var m = Checkpoint.ReadManifest(dir);
        File.WriteAllText(manifestPath, System.Text.Json.JsonSerializer.Serialize(m with { Config = wild with { Training = wild.Training with { Steps = 6 } } }, AicmetConfig.Json));
        var ex = Assert.Throws<TrainingDivergedException>(() => new Pretrainer(Options(dir, resume: true, config: wild)).Run());
        Assert.Matches(@"training diverged at step \d+: (loss|gradient norm) is (NaN|∞|-∞|Infinity)", ex.Message);
        Assert.Contains("last good checkpoint (step 3)", ex.Message);
        Assert.Equal(3, Checkpoint.ReadManifest(dir).Step);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, "model-000003.bin")));
    }

    [Fact]
    public void LearningRateWarmsUpThenDecaysByCosineToTheMinimum()
    {
        var t = new AicmetTraining { LearningRate = 1e-3, MinLearningRate = 1e-4, WarmupSteps = 10 };
        Assert.Equal(1e-4, Pretrainer.LearningRate(t, 0, 110), 12);
        Assert.Equal(1e-3, Pretrainer.LearningRate(t, 9, 110), 12);
        Assert.Equal(1e-3, Pretrainer.LearningRate(t, 10, 110), 12);
        Assert.Equal(1e-4 + 0.5 * 9e-4, Pretrainer.LearningRate(t, 60, 110), 12);
        Assert.Equal(1e-4, Pretrainer.LearningRate(t, 110, 110), 12);
    }

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }
}
