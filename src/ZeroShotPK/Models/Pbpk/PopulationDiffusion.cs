using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Simulation;
using ZeroShotPK.Torch;

namespace ZeroShotPK.Models.Pbpk;

/// <summary>Settings of a population diffusion model and its training.</summary>
public sealed record DiffusionConfig
{
    /// <summary>Hidden width of the MLP denoiser.</summary>
    public int Hidden { get; init; } = 256;
    /// <summary>Number of hidden layers.</summary>
    public int Layers { get; init; } = 3;
    /// <summary>Diffusion steps T (linear beta schedule).</summary>
    public int DiffusionSteps { get; init; } = 100;
    /// <summary>Optimiser steps.</summary>
    public int TrainSteps { get; init; } = 4000;
    /// <summary>Batch size.</summary>
    public int Batch { get; init; } = 256;
    /// <summary>Peak Adam learning rate (cosine decay to 5%).</summary>
    public double LearningRate { get; init; } = 2e-3;
    /// <summary>Reference individuals in the training set.</summary>
    public int TrainingSetSize { get; init; } = 20000;
    /// <summary>Weight of the physics-informed loss on x0-hat (0 = plain DDPM).</summary>
    public double PhysicsWeight { get; init; }
    /// <summary>Range z-score (log-SDs) beyond which the physics loss and guidance start to push back (the checker allows 4).</summary>
    public double RangeMargin { get; init; } = 3.5;
    /// <summary>Constraint guidance scale while sampling (0 = none).</summary>
    public double GuidanceScale { get; init; }
    /// <summary>Seed of data, initialisation and batches.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The default configuration of a method (DDPM: no physics; PCDM: physics weight 1).</summary>
    public static DiffusionConfig For(PopulationMethod method) => method switch
    {
        PopulationMethod.Ddpm => new DiffusionConfig(),
        PopulationMethod.Pcdm => new DiffusionConfig { PhysicsWeight = 1 },
        _ => throw new ArgumentException($"method {method} has no diffusion model.", nameof(method)),
    };
}

/// <summary>
/// What a generator checkpoint says about itself (<c>{prefix}.json</c> beside <c>{prefix}.bin</c>, kind
/// <c>population-diffusion</c>): the common <see cref="ModelManifest"/> fields plus species, method, its
/// <see cref="DiffusionConfig"/> and the standardisation of the log vector. It has no held-out set:
/// <see cref="ModelManifest.ValidationLoss"/> stays null and the final training losses are recorded instead.
/// </summary>
public sealed record GeneratorManifest : ModelManifest, IModelManifestKind
{
    /// <summary>Sets this code's feature layout.</summary>
    public GeneratorManifest() => Features = PopulationDiffusion.FeatureLayout;

    /// <inheritdoc />
    public static string KindName => "population-diffusion";
    /// <inheritdoc />
    public static string WrittenBy => "zspk pbpk population --retrain";
    /// <inheritdoc />
    protected override string KindValue => KindName;

    /// <summary>Species.</summary>
    public required string Species { get; init; }
    /// <summary>ddpm or pcdm.</summary>
    public required string Method { get; init; }
    /// <summary>Configuration.</summary>
    public required DiffusionConfig Config { get; init; }
    /// <summary>Mean of the log vector (standardisation).</summary>
    public required double[] Mean { get; init; }
    /// <summary>SD of the log vector.</summary>
    public required double[] Std { get; init; }
    /// <summary>Mean denoising loss over the last 10% of steps.</summary>
    public double FinalDenoisingLoss { get; init; }
    /// <summary>Mean physics loss (unweighted) over the last 10% of steps.</summary>
    public double FinalPhysicsLoss { get; init; }

    /// <inheritdoc />
    /// <remarks>
    /// The files before one format (no version) named the command line <c>command</c>, the training time
    /// <c>trainSeconds</c> and the time <c>created</c>; seed and steps were in the config only, the weights file was
    /// the manifest's prefix + .bin, and no checksums were kept.
    /// </remarks>
    public static void Upgrade(JsonObject json, int fromVersion, string? modelFile)
    {
        if (fromVersion >= 1) return;
        void Rename(string from, string to)
        {
            if (!json.TryGetPropertyValue(from, out var v)) return;
            json.Remove(from);
            json[to] = v;
        }
        Rename("command", "commandLine");
        Rename("trainSeconds", "elapsedSeconds");
        Rename("created", "createdUtc");
        var config = json["config"] as JsonObject;
        var steps = config?["trainSteps"]?.GetValue<int>() ?? new DiffusionConfig().TrainSteps;
        json["seed"] = config?["seed"]?.GetValue<int>() ?? new DiffusionConfig().Seed;
        json["step"] = steps;
        json["totalSteps"] = steps;
        json["modelFile"] = modelFile;
        json["features"] = PopulationDiffusion.FeatureLayout;
    }

    /// <inheritdoc />
    protected internal override void Check(string path)
    {
        if (Features != PopulationDiffusion.FeatureLayout)
            throw new InvalidOperationException($"{path}: trained on '{Features}', this code builds '{PopulationDiffusion.FeatureLayout}'; retrain.");
        if (Mean.Length != Physiology.Vector.Length || Std.Length != Physiology.Vector.Length)
            throw new InvalidOperationException($"{path}: mean and std must hold {Physiology.Vector.Length} values each, got {Mean.Length} and {Std.Length}.");
        if (!Enum.TryParse<Species>(Species, ignoreCase: true, out var species) || !Enum.IsDefined(species) || int.TryParse(Species, out _))
            throw new InvalidOperationException($"{path}: species '{Species}' is not one this code knows (human, rat, mouse, dog or monkey).");
    }
}

/// <summary>
/// DDPM over standardised log-physiology vectors (<see cref="Physiology.Vector"/>) with an MLP denoiser (epsilon
/// prediction, linear beta schedule). With <see cref="DiffusionConfig.PhysicsWeight"/> &gt; 0 it is the physiologically
/// constrained diffusion model (PCDM): training adds w * mean(alpha-bar_t^2 * P(x0-hat)) where x0-hat is the clean sample
/// the network implies and P penalises broken rules (volume sum, flow closure, hepatic artery, ranges) smoothly; with
/// <see cref="DiffusionConfig.GuidanceScale"/> &gt; 0 sampling also follows -grad P(x0-hat). The training loop is
/// PopulationDiffusionTraining (Training/), above this folder.
/// </summary>
public sealed class PopulationDiffusion : IDisposable
{
    private readonly Denoiser _net;
    private readonly PhysiologyTable _table;
    private readonly Tensor _alphaBar; // [T]
    private readonly double[] _alphaBarHost;
    private readonly Device _device;

    /// <summary>Creates an untrained model.</summary>
    public PopulationDiffusion(PhysiologyTable table, DiffusionConfig config, double[] mean, double[] std, Device? device = null)
    {
        _table = table;
        Config = config;
        Mean = mean;
        Std = std;
        _device = device ?? CPU;
        torch.random.manual_seed(config.Seed);
        _net = new Denoiser(Physiology.Vector.Length, config.Hidden, config.Layers);
        _net.to(_device);
        _alphaBarHost = LinearAlphaBar(config.DiffusionSteps);
        _alphaBar = tensor(_alphaBarHost.Select(a => (float)a).ToArray(), device: _device);
    }

    /// <summary>Configuration.</summary>
    public DiffusionConfig Config { get; private set; }
    /// <summary>Mean of the log vector.</summary>
    public double[] Mean { get; }
    /// <summary>SD of the log vector.</summary>
    public double[] Std { get; }
    /// <summary>Manifest of the last training or load.</summary>
    public GeneratorManifest? Manifest { get; internal set; }

    // The training loop (Training/PopulationDiffusionTraining) works on these; users sample, save and load.
    internal Denoiser Network => _net;
    internal Tensor AlphaBar => _alphaBar;
    internal Device Device => _device;

    // Linear betas 1e-4 .. 20/T: alpha-bar_T is about exp(-10), and no step amplifies by more than 1/sqrt(0.8),
    // which a cosine schedule at small T (beta clipped at 0.999) does not give.
    private static double[] LinearAlphaBar(int steps)
    {
        var ab = new double[steps];
        var prev = 1.0;
        var betaMax = Math.Min(0.2, 20.0 / steps);
        for (var t = 0; t < steps; t++)
        {
            var beta = 1e-4 + (betaMax - 1e-4) * t / Math.Max(1, steps - 1);
            prev *= 1 - beta;
            ab[t] = prev;
        }
        return ab;
    }

    /// <summary>Standardised log vectors of a population, [N, D].</summary>
    internal static float[] LogVectors(IReadOnlyList<Physiology> pop, double[] mean, double[] std)
    {
        var d = Physiology.Vector.Length;
        var data = new float[pop.Count * d];
        for (var i = 0; i < pop.Count; i++)
        {
            var v = pop[i].ToVector();
            for (var j = 0; j < d; j++) data[i * d + j] = (float)((Math.Log(v[j]) - mean[j]) / std[j]);
        }
        return data;
    }

    /// <summary>
    /// Smooth penalty per individual of standardised vectors z [B, D], with pseudo-Huber h(r) = sqrt(1 + r^2) - 1 so
    /// gradients stay bounded: h of the relative volume-sum and flow-closure errors in units of their tolerances, h of
    /// the hepatic-artery shortfall below a quarter of its typical fraction, and h of every range z-score beyond
    /// <see cref="DiffusionConfig.RangeMargin"/> (the checker allows 4). Ranges are linear in the log vector, so they are one matrix product.
    /// </summary>
    internal Tensor Penalty(Tensor z)
    {
        using var scope = NewDisposeScope();
        var c = _penaltyTensors ??= new PenaltyTensors(_table, Mean, Std, _device);
        // x0-hat at high noise can be far out; clamping keeps exp finite (those steps carry little weight anyway).
        var logx = (z.Clamp(-8, 8) * c.Std).Plus(c.Mean);
        var x = exp(logx);
        static Tensor Huber(Tensor r) => sqrt(r.Square().Add(1)).Sub(1);
        var bw = x[.., 0];
        var co = x[.., 2];
        var volErr = ((x * c.VolumeMask).sum(1) / bw).Sub(1).Div(0.05);
        var flowErr = ((x * c.FlowMask).sum(1) / co).Sub(1).Div(0.02);
        var ha = (x * c.HepaticArteryMap).sum(1) / co;
        var haShort = nn.functional.relu(ha.RSub(c.HaFloor)).Div(c.HaFloor);
        var zr = ((logx.matmul(c.RangeMap) - c.RangeCentre) / c.RangeScale).abs();
        var haZ = log(nn.functional.relu(ha).Add(1e-6f)).Sub(c.HaCentre).Div(c.HaScale).abs();
        var margin = Config.RangeMargin;
        var range = Huber(nn.functional.relu(zr.Sub(margin))).sum(1).Plus(Huber(nn.functional.relu(haZ.Sub(margin))));
        return Huber(volErr).Plus(Huber(flowErr)).Plus(Huber(haShort)).Plus(range).MoveToOuterDisposeScope();
    }

    private PenaltyTensors? _penaltyTensors;

    /// <summary>Constant tensors of <see cref="Penalty"/>, built once.</summary>
    private sealed class PenaltyTensors
    {
        public readonly Tensor Mean, Std, VolumeMask, FlowMask, HepaticArteryMap, RangeMap, RangeCentre, RangeScale;
        public readonly double HaFloor, HaCentre, HaScale;

        public PenaltyTensors(PhysiologyTable t, double[] mean, double[] std, Device device)
        {
            var d = Physiology.Vector.Length;
            Tensor Vec(IEnumerable<double> v) => tensor(v.Select(a => (float)a).ToArray(), device: device).DetachFromDisposeScope();
            Mean = Vec(mean);
            Std = Vec(std);
            var vm = new double[d];
            for (var i = 3; i <= Physiology.Vector.BloodVolumeIndex; i++) vm[i] = 1;
            VolumeMask = Vec(vm);
            var fm = new double[d];
            foreach (var tissue in Tissues.DrainToVein) fm[Physiology.Vector.FlowIndex(tissue)] = 1;
            FlowMask = Vec(fm);
            var hm = new double[d];
            hm[Physiology.Vector.FlowIndex(Tissue.Liver)] = 1;
            foreach (var tissue in Tissues.Portal) hm[Physiology.Vector.FlowIndex(tissue)] = -1;
            HepaticArteryMap = Vec(hm);
            var haFrac = t.FlowFractions[(int)Tissue.Liver];
            HaFloor = 0.25 * haFrac.Value;
            HaCentre = Math.Log(haFrac.Value);
            HaScale = haFrac.LogSd;

            // Each range is a linear form of the log vector: (coefficients, typical value, log SD).
            var forms = new List<(double[] W, double Typical, double LogSd)>();
            double[] W(params (int Index, double Coef)[] terms) { var w = new double[d]; foreach (var (i, cf) in terms) w[i] += cf; return w; }
            forms.Add((W((0, 1)), t.BodyWeight.Value, t.BodyWeight.LogSd));
            forms.Add((W((1, 1)), t.Hematocrit.Value, t.Hematocrit.LogSd));
            forms.Add((W((2, 1), (0, -0.75)), t.CardiacOutput.Value / Math.Pow(t.BodyWeight.Value, 0.75), t.CardiacOutput.LogSd));
            foreach (var tissue in Tissues.All)
                forms.Add((W((Physiology.Vector.VolumeIndex(tissue), 1), (0, -1)), t.VolumeFractions[(int)tissue].Value, t.VolumePerKgLogSd(tissue)));
            forms.Add((W((Physiology.Vector.BloodVolumeIndex, 1), (0, -1)), t.BloodFraction.Value, t.BloodPerKgLogSd));
            foreach (var tissue in Tissues.All.Skip(1).Where(x => x != Tissue.Liver))
            {
                var f = t.FlowFractions[(int)tissue];
                forms.Add((W((Physiology.Vector.FlowIndex(tissue), 1), (2, -1)), f.Value, f.LogSd));
            }
            var map = new float[d * forms.Count];
            for (var r = 0; r < forms.Count; r++)
                for (var i = 0; i < d; i++) map[i * forms.Count + r] = (float)forms[r].W[i];
            RangeMap = tensor(map, [d, forms.Count], device: device).DetachFromDisposeScope();
            RangeCentre = Vec(forms.Select(f => Math.Log(f.Typical)));
            RangeScale = Vec(forms.Select(f => f.LogSd));
        }
    }

    /// <summary>Individuals drawn together from one generator: individual i is in block i / BlockSize.</summary>
    public const int BlockSize = 4096;

    /// <summary>The generator seed of block <paramref name="block"/>: the run's seed for the first block (so populations of
    /// at most <see cref="BlockSize"/> are what they were before blocks had seeds of their own), a mix of both after it.</summary>
    internal static ulong BlockSeed(int seed, int block) => block == 0 ? (ulong)seed : (ulong)SeedMix.Mix(seed, block, SeedStream.DiffusionSampleBlock);

    /// <summary>
    /// Generates <paramref name="n"/> individuals by ancestral DDPM sampling, in blocks of <see cref="BlockSize"/>, each
    /// block from its own seeded generator, so that a block is the same whichever other blocks are drawn. With
    /// <paramref name="ownsBlock"/> only the blocks it accepts are drawn (a shard of the job), in order; the result then
    /// holds just their individuals.
    /// </summary>
    public Physiology[] Sample(int n, int seed, IProgress<int>? progress = null, CancellationToken cancel = default, Func<int, bool>? ownsBlock = null)
    {
        var d = Physiology.Vector.Length;
        var blocks = Enumerable.Range(0, (n + BlockSize - 1) / BlockSize).Where(j => ownsBlock?.Invoke(j) ?? true).ToArray();
        var result = new Physiology[blocks.Sum(j => Math.Min(BlockSize, n - j * BlockSize))];
        var done = 0;
        var steps = Config.DiffusionSteps;
        foreach (var block in blocks)
        {
            var b = Math.Min(BlockSize, n - block * BlockSize);
            var start = done;
            using var gen = new Generator(BlockSeed(seed, block), _device);
            using var outer = NewDisposeScope();
            var x = randn([b, d], generator: gen, device: _device);
            for (var i = steps - 1; i >= 0; i--)
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var ab = _alphaBarHost[i];
                var abPrev = i > 0 ? _alphaBarHost[i - 1] : 1.0;
                var alpha = ab / abPrev;
                var beta = 1 - alpha;
                var tt = ScalarOps.Full([b], (float)i / steps, float32, _device);
                Tensor mu;
                if (Config.GuidanceScale > 0)
                {
                    var xg = x.detach().requires_grad_(true);
                    var epsG = _net.forward(xg, tt);
                    var x0Hat = (xg - epsG.Mul(Math.Sqrt(1 - ab))).Div(Math.Sqrt(ab));
                    var p = Penalty(x0Hat).sum();
                    var grad = autograd.grad([p], [xg])[0];
                    var eps = epsG.detach();
                    // Weighted by alpha-bar like the training loss, and each row's shift capped at sqrt(beta) (one noise
                    // step) so a poor x0-hat at high noise cannot throw samples off the data manifold.
                    var shift = grad.Mul(Config.GuidanceScale * beta * ab);
                    var norm = shift.norm(1, keepdim: true);
                    shift = shift * norm.Add(1e-12).RDiv(Math.Sqrt(beta)).ClampMax(1);
                    mu = (x - eps.Mul(beta / Math.Sqrt(1 - ab))).Div(Math.Sqrt(alpha)) - shift;
                }
                else
                {
                    using var noGrad = no_grad();
                    var eps = _net.forward(x, tt);
                    mu = (x - eps.Mul(beta / Math.Sqrt(1 - ab))).Div(Math.Sqrt(alpha));
                }
                var sigma = Math.Sqrt(beta * (1 - abPrev) / (1 - ab));
                var next = (i > 0 ? mu.Plus(randn([b, d], generator: gen, device: _device).Mul(sigma)) : mu).detach().MoveToOuterDisposeScope();
                x.Dispose(); // keep one state per batch alive, not one per step
                x = next;
            }
            var host = x.cpu().data<float>().ToArray();
            for (var r = 0; r < b; r++)
            {
                var v = new double[d];
                for (var j = 0; j < d; j++) v[j] = Math.Exp(host[r * d + j] * Std[j] + Mean[j]);
                result[start + r] = Physiology.FromVector(_table.Species, v);
            }
            done += b;
            progress?.Report(done);
        }
        return result;
    }

    /// <summary>Sets the guidance scale used by <see cref="Sample"/>.</summary>
    public void SetGuidance(double scale)
    {
        if (!(scale >= 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "guidance scale must be >= 0.");
        Config = Config with { GuidanceScale = scale };
    }

    /// <summary>What the generator reads and writes: the standardised log physiology vector and its length.</summary>
    public static string FeatureLayout => $"physiology-log-vector{Physiology.Vector.Length}-v1";

    /// <summary>
    /// Writes <c>{prefix}.bin</c> (weights) and <c>{prefix}.json</c> (manifest with the weights' checksum): both staged,
    /// then renamed into place together.
    /// </summary>
    public void Save(string prefix)
    {
        if (Manifest is null) throw new InvalidOperationException("model has no manifest: train or load it before saving.");
        var file = Path.GetFileName(prefix) + ".bin";
        string? sum = null;
        Data.AtomicFile.WriteAll([
            (prefix + ".bin", tmp => { _net.save(tmp); sum = ModelManifests.Sha256(tmp); }),
            (prefix + ".json", tmp =>
            {
                Manifest = Manifest with
                {
                    FormatVersion = ModelManifests.FormatVersion, Features = FeatureLayout, ModelFile = file, Parameters = _net.parameters().Sum(p => p.numel()),
                    Checksums = new Dictionary<string, string>(StringComparer.Ordinal) { [file] = sum! },
                };
                File.WriteAllText(tmp, ModelManifests.Serialize(Manifest));
            }),
        ]);
    }

    /// <summary>Loads a model from a manifest's text and its weights (verified against the manifest's checksum).</summary>
    /// <param name="manifestJson">The manifest's text.</param>
    /// <param name="weights">The weights.</param>
    /// <param name="name">The checkpoint's prefix, for messages.</param>
    /// <param name="device">Torch device.</param>
    /// <exception cref="InvalidOperationException">Unreadable manifest, a newer format, another model kind.</exception>
    /// <exception cref="InvalidDataException">Weights that differ from the recorded ones.</exception>
    public static PopulationDiffusion Load(string manifestJson, Stream weights, string name, Device? device = null)
    {
        var manifestPath = name + ".json";
        var m = ModelManifests.Parse<GeneratorManifest>(manifestJson, manifestPath, Path.GetFileName(name) + ".bin");
        using var buffer = new MemoryStream();
        weights.CopyTo(buffer);
        buffer.Position = 0;
        ModelManifests.Verify(name + ".bin", buffer, manifestPath, m, m.ModelFile);
        buffer.Position = 0;
        var model = new PopulationDiffusion(PhysiologyTable.Load(SpeciesNames.Parse(m.Species)), m.Config, m.Mean, m.Std, device) { Manifest = m };
        model._net.load(buffer);
        model._net.eval();
        return model;
    }

    /// <summary>Loads <c>{prefix}.json</c> and <c>{prefix}.bin</c> from disk.</summary>
    /// <exception cref="FileNotFoundException">Either file is missing (the message names it).</exception>
    public static PopulationDiffusion Load(string prefix, Device? device = null)
    {
        if (!File.Exists(prefix + ".json"))
            throw new FileNotFoundException($"{prefix}.json: no generator manifest; expected one written by '{GeneratorManifest.WrittenBy}'.", prefix + ".json");
        var m = ModelManifests.Read<GeneratorManifest>(prefix + ".json", Path.GetFileName(prefix) + ".bin");
        var weights = Path.Combine(Path.GetDirectoryName(prefix) ?? "", m.ModelFile);
        if (!File.Exists(weights))
            throw new FileNotFoundException($"{weights}: weights named in {Path.GetFileName(prefix)}.json are missing.", weights);
        using var s = File.OpenRead(weights);
        return Load(File.ReadAllText(prefix + ".json"), s, prefix, device);
    }

    /// <summary>The bundled checkpoint data/pbpk/generator_{species}_{method}.</summary>
    /// <exception cref="IOException">No bundled checkpoint for that species and method.</exception>
    public static PopulationDiffusion LoadBundled(Species species, PopulationMethod method, Device? device = null)
    {
        var prefix = $"generator_{species.ToString().ToLowerInvariant()}_{method.ToString().ToLowerInvariant()}";
        var asm = typeof(PopulationDiffusion).Assembly;
        using var w = asm.GetManifestResourceStream("ZeroShotPK.Pbpk.Data." + prefix + ".bin")
            ?? throw new IOException($"no bundled {method.ToString().ToLowerInvariant()} checkpoint for {species.ToString().ToLowerInvariant()} (data/pbpk/{prefix}.bin); train one with --retrain.");
        return Load(BundledData.ReadText(prefix + ".json"), w, "data/pbpk/" + prefix, device);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _net.Dispose();
        _alphaBar.Dispose();
    }
}
