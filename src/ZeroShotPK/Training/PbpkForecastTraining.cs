using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk.Forecast;
using ZeroShotPK.Simulation;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Training;

/// <summary>Settings of a PBPK forecaster run (recorded in its manifest; a resume must use the same ones).</summary>
public sealed record PbpkForecastConfig
{
    /// <summary>Network size.</summary>
    public PbpkForecastArchitecture Architecture { get; init; } = new(EncoderLayers: 3, DecoderLayers: 3);
    /// <summary>Compounds of the <see cref="ForecastData"/> pool (80 % train, 20 % held out).</summary>
    public int Compounds { get; init; } = 5000;
    /// <summary>Virtual individuals per species.</summary>
    public int Individuals { get; init; } = 200;
    /// <summary>Training cases solved once and cached in the run folder.</summary>
    public int PoolCases { get; init; } = 200000;
    /// <summary>Held-out-compound cases for the validation loss.</summary>
    public int ValidationCases { get; init; } = 1000;
    /// <summary>Cases per step.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Peak learning rate (AdamW).</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Final learning rate of the cosine decay.</summary>
    public double MinLearningRate { get; init; } = 3e-5;
    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 200;
    /// <summary>Decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Gradient-norm clip.</summary>
    public double GradientClip { get; init; } = 1;
    /// <summary>Probability that a training case reveals 2-3 early samples.</summary>
    public double ObservedFraction { get; init; } = 0.5;
    /// <summary>Highest grid index an early sample is drawn from (grid index 7 is 6 h).</summary>
    public int EarliestSampleIndexMax { get; init; } = 7;
    /// <summary>Validation (and loss.csv) every this many steps.</summary>
    public int ValidationEvery { get; init; } = 250;
    /// <summary>Checkpoint every this many steps (and at the end, on a stop, and at least every <see cref="CheckpointMinutes"/>).</summary>
    public int CheckpointEvery { get; init; } = 2000;
    /// <summary>Checkpoint at least this often, minutes of wall time (a run's result does not depend on when it checkpoints).</summary>
    public double CheckpointMinutes { get; init; } = 4;

    /// <summary>Checks ranges.</summary>
    /// <exception cref="ArgumentException">A setting out of range (the message names it).</exception>
    public PbpkForecastConfig Validate()
    {
        Architecture.Validate();
        if (Compounds < 10) throw new ArgumentException($"config: Compounds must be >= 10, got {Compounds}.");
        if (Individuals < 1) throw new ArgumentException($"config: Individuals must be >= 1, got {Individuals}.");
        if (PoolCases < 1 || ValidationCases < 1) throw new ArgumentException($"config: PoolCases and ValidationCases must be >= 1, got {PoolCases} and {ValidationCases}.");
        if (BatchSize < 1) throw new ArgumentException($"config: BatchSize must be >= 1, got {BatchSize}.");
        if (!(LearningRate > 0) || !(MinLearningRate >= 0)) throw new ArgumentException("config: learning rates must be > 0.");
        if (ObservedFraction is < 0 or > 1) throw new ArgumentException($"config: ObservedFraction must be in [0, 1], got {ObservedFraction}.");
        if (EarliestSampleIndexMax < 2 || EarliestSampleIndexMax >= ForecastData.Grid.Count)
            throw new ArgumentException($"config: EarliestSampleIndexMax must be in [2, {ForecastData.Grid.Count - 1}], got {EarliestSampleIndexMax}.");
        if (ValidationEvery < 1 || CheckpointEvery < 1) throw new ArgumentException("config: ValidationEvery and CheckpointEvery must be >= 1.");
        return this;
    }

    /// <summary>The settings a resume must match (when and how often it checkpoints does not change the result).</summary>
    internal PbpkForecastConfig Identity => this with { CheckpointEvery = 0, CheckpointMinutes = 0, ValidationEvery = 0 };
}

/// <summary>What a forecaster checkpoint says about itself (<c>manifest.json</c>): the shape of <see cref="CheckpointManifest"/> for this network.</summary>
public sealed record PbpkForecastManifest
{
    /// <summary>Format of the directory.</summary>
    public int FormatVersion { get; init; } = PbpkForecastCheckpoint.FormatVersion;
    /// <summary>Feature layout (<see cref="PbpkForecastFeatures.Layout"/>).</summary>
    public string Features { get; init; } = PbpkForecastFeatures.Layout;
    /// <summary>Settings.</summary>
    public required PbpkForecastConfig Config { get; init; }
    /// <summary>Run seed (data, split, weights, batches).</summary>
    public required long Seed { get; init; }
    /// <summary>Steps done.</summary>
    public required int Step { get; init; }
    /// <summary>Steps planned (the learning-rate schedule).</summary>
    public required int TotalSteps { get; init; }
    /// <summary>Mean Gaussian NLL per point (normalised target) on the held-out-compound validation cases, half with early samples.</summary>
    public double? ValidationLoss { get; init; }
    /// <summary>RMSE of ln concentration of the predicted mean on the same cases.</summary>
    public double? ValidationRmse { get; init; }
    /// <summary>Trainable parameters.</summary>
    public long Parameters { get; init; }
    /// <summary>Weights file.</summary>
    public required string ModelFile { get; init; }
    /// <summary>Optimizer state file (absent in a shipped checkpoint).</summary>
    public string? OptimizerFile { get; init; }
    /// <summary>Training-pool file (absent in a shipped checkpoint).</summary>
    public string? PoolFile { get; init; }
    /// <summary>Seconds spent solving the pool's cases.</summary>
    public double PoolSeconds { get; init; }
    /// <summary>Assembly version.</summary>
    public string? CodeVersion { get; init; }
    /// <summary>Git commit, when known.</summary>
    public string? GitCommit { get; init; }
    /// <summary>Command line.</summary>
    public string? CommandLine { get; init; }
    /// <summary>libtorch intra-op threads (results reproduce for the same count).</summary>
    public int Threads { get; init; }
    /// <summary>Wall-clock training time, seconds (pool generation included).</summary>
    public double ElapsedSeconds { get; init; }
    /// <summary>The same in hours.</summary>
    public double Hours => Math.Round(ElapsedSeconds / 3600, 4);
    /// <summary>When written (UTC).</summary>
    public string? CreatedUtc { get; init; }
    /// <summary>SHA-256 of the files by name; verified on load and resume.</summary>
    public Dictionary<string, string>? Checksums { get; init; }
}

/// <summary>Reads and writes forecaster checkpoint folders (atomic writes and checksums as <see cref="Checkpoint"/>).</summary>
public static class PbpkForecastCheckpoint
{
    /// <summary>Current format.</summary>
    public const int FormatVersion = 1;
    /// <summary>Training pool file.</summary>
    public const string PoolFile = "pool.bin";
    /// <summary>Validation cases file.</summary>
    public const string ValidationFile = "validation.bin";
    /// <summary>Loss log.</summary>
    public const string LossLogFile = "loss.csv";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>True when the folder holds a manifest.</summary>
    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, Checkpoint.ManifestFile));

    /// <summary>Writes weights (and optimizer) under step-numbered names, then the manifest with checksums; removes older files after.</summary>
    public static PbpkForecastManifest Save(string dir, PbpkForecastNetwork model, ScalarSafeAdamW? optimizer, PbpkForecastManifest manifest)
    {
        Directory.CreateDirectory(dir);
        var modelFile = $"model-{manifest.Step:D6}.bin";
        var optFile = optimizer is null ? null : $"optimizer-{manifest.Step:D6}.bin";
        Checkpoint.WriteAtomic(Path.Combine(dir, modelFile), tmp => model.save(tmp));
        if (optimizer is not null) Checkpoint.WriteAtomic(Path.Combine(dir, optFile!), optimizer.Save);
        var sums = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in new[] { modelFile, optFile, manifest.PoolFile, ValidationFile })
            if (n is not null && File.Exists(Path.Combine(dir, n))) sums[n] = Checkpoint.Sha256(Path.Combine(dir, n));
        var final = manifest with { ModelFile = modelFile, OptimizerFile = optFile, Checksums = sums, FormatVersion = FormatVersion, Features = PbpkForecastFeatures.Layout };
        WriteManifest(dir, final);
        foreach (var f in Directory.EnumerateFiles(dir, "*.bin"))
        {
            var n = Path.GetFileName(f);
            if (n != modelFile && n != optFile && (n.StartsWith("model-") || n.StartsWith("optimizer-"))) File.Delete(f);
        }
        return final;
    }

    /// <summary>Writes the manifest atomically.</summary>
    public static void WriteManifest(string dir, PbpkForecastManifest m) =>
        Checkpoint.WriteAtomic(Path.Combine(dir, Checkpoint.ManifestFile), tmp => File.WriteAllText(tmp, JsonSerializer.Serialize(m, Json)));

    /// <summary>Reads and checks a manifest.</summary>
    /// <exception cref="FileNotFoundException">No manifest.</exception>
    /// <exception cref="InvalidOperationException">Unreadable, other format or feature layout.</exception>
    public static PbpkForecastManifest ReadManifest(string dir)
    {
        var path = Path.Combine(dir, Checkpoint.ManifestFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no forecaster manifest (expected a folder written by 'zspk pbpk forecast-train').", path);
        PbpkForecastManifest? m;
        try { m = JsonSerializer.Deserialize<PbpkForecastManifest>(File.ReadAllText(path), Json); }
        catch (JsonException ex) { throw new InvalidOperationException($"{path}: unreadable manifest: {ex.Message}"); }
        if (m is null) throw new InvalidOperationException($"{path}: empty manifest.");
        if (m.FormatVersion != FormatVersion) throw new InvalidOperationException($"{path}: forecaster format {m.FormatVersion}, this code reads {FormatVersion}.");
        if (m.Features != PbpkForecastFeatures.Layout)
            throw new InvalidOperationException($"{path}: trained with features '{m.Features}', this code builds '{PbpkForecastFeatures.Layout}'; retrain.");
        m.Config.Validate();
        return m;
    }

    /// <summary>Checks the named files against the manifest's checksums.</summary>
    /// <exception cref="InvalidDataException">A file differs from the recorded one.</exception>
    public static void Verify(string dir, PbpkForecastManifest m, params string?[] files)
    {
        foreach (var n in files)
        {
            if (n is null || m.Checksums is null || !m.Checksums.TryGetValue(n, out var expected)) continue;
            var path = Path.Combine(dir, n);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: named in the manifest but missing.", path);
            var actual = Checkpoint.Sha256(path);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{path}: SHA-256 {actual[..12]}... differs from {expected[..Math.Min(12, expected.Length)]}... in {Checkpoint.ManifestFile}; the file is damaged or was replaced.");
        }
    }

    /// <summary>Loads the network of a checkpoint (eval mode, weights verified and finite).</summary>
    public static (PbpkForecastNetwork Network, PbpkForecastManifest Manifest) Load(string dir)
    {
        var m = ReadManifest(dir);
        Verify(dir, m, m.ModelFile);
        var net = new PbpkForecastNetwork(m.Config.Architecture);
        net.load(Path.Combine(dir, m.ModelFile));
        using (var scope = NewDisposeScope())
            foreach (var (name, p) in net.named_parameters())
                if (!isfinite(p).all().item<bool>())
                    throw new InvalidDataException($"{Path.Combine(dir, m.ModelFile)}: parameter '{name}' holds NaN or infinite values.");
        net.eval();
        return (net, m);
    }
}

/// <summary>A set of forecasting records stored as one binary file (header + float rows).</summary>
public static class ForecastPool
{
    private const int Magic = 0x46435031; // "FCP1"

    /// <summary>Writes records atomically.</summary>
    public static void Write(string path, IReadOnlyList<ForecastRecord> records, long seed)
    {
        Checkpoint.WriteAtomic(path, tmp =>
        {
            using var w = new BinaryWriter(File.Create(tmp));
            w.Write(Magic); w.Write(ForecastRecord.Length); w.Write(records.Count); w.Write(seed);
            foreach (var r in records) foreach (var v in r.ToArray()) w.Write(v);
        });
    }

    /// <summary>Reads records written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">Another layout or seed.</exception>
    public static ForecastRecord[] Read(string path, long seed)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        if (r.ReadInt32() != Magic) throw new InvalidDataException($"{path}: not a forecast pool.");
        int len = r.ReadInt32(), n = r.ReadInt32();
        long s = r.ReadInt64();
        if (len != ForecastRecord.Length) throw new InvalidDataException($"{path}: rows of {len} floats, this code reads {ForecastRecord.Length}.");
        if (s != seed) throw new InvalidDataException($"{path}: made with seed {s}, the run has seed {seed}.");
        var row = new float[len];
        var result = new ForecastRecord[n];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < len; k++) row[k] = r.ReadSingle();
            result[i] = ForecastRecord.FromArray(row);
        }
        return result;
    }

    /// <summary>Solves cases first .. first + count - 1 of a stream and encodes them (parallel; the result does not depend on scheduling).</summary>
    public static ForecastRecord[] Generate(ForecastData data, bool heldOut, long first, int count, IProgress<int>? progress = null)
    {
        var result = new ForecastRecord[count];
        const int chunk = 500;
        for (int start = 0; start < count; start += chunk)
        {
            int n = Math.Min(chunk, count - start);
            var cases = data.Cases(heldOut, first + start, n);
            for (int i = 0; i < n; i++) result[start + i] = PbpkForecastFeatures.Encode(cases[i]);
            progress?.Report(start + n);
        }
        return result;
    }
}

/// <summary>Options of one forecaster run.</summary>
public sealed class PbpkForecastTrainOptions
{
    /// <summary>Settings.</summary>
    public PbpkForecastConfig Config { get; init; } = new();
    /// <summary>Run folder.</summary>
    public required string OutputDirectory { get; init; }
    /// <summary>Planned steps.</summary>
    public required int Steps { get; init; }
    /// <summary>Run seed.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>Continue the run in the folder.</summary>
    public bool Resume { get; init; }
    /// <summary>Stop after this many steps of this invocation (checkpoint written).</summary>
    public int? StopAfter { get; init; }
    /// <summary>Recorded.</summary>
    public string? CommandLine { get; init; }
    /// <summary>Recorded.</summary>
    public string? GitCommit { get; init; }
}

/// <summary>Progress of a forecaster run: a phase ("pool", "validation", "train") and counts.</summary>
public sealed record PbpkForecastProgress(string Phase, int Done, int Total, double Loss = double.NaN, double? ValidationLoss = null);

/// <summary>How a forecaster run ended.</summary>
public sealed record PbpkForecastResult(int Step, int TotalSteps, double? ValidationLoss, double? ValidationRmse, bool Cancelled, string Directory);

/// <summary>
/// Trains <see cref="PbpkForecastNetwork"/> on a fixed, seeded pool of exact PBPK cases (solved once, cached as pool.bin in
/// the run folder) with AdamW, warm-up + cosine decay and gradient clipping. Step s draws its cases and revealed samples
/// from <c>Rng(SeedMix.Mix(seed, s, ...))</c> and the network has no dropout, so an interrupted and resumed run ends
/// with the same weights as an uninterrupted one (same thread count).
/// </summary>
public sealed class PbpkForecastTrainer(PbpkForecastTrainOptions options)
{
    private readonly PbpkForecastTrainOptions o = options;
    private readonly PbpkForecastConfig c = options.Config.Validate();

    /// <summary>Learning rate at a step.</summary>
    public static double LearningRate(PbpkForecastConfig c, int step, int total)
    {
        if (step < c.WarmupSteps) return c.LearningRate * (step + 1) / c.WarmupSteps;
        double p = Math.Clamp((double)(step - c.WarmupSteps) / Math.Max(1, total - c.WarmupSteps), 0, 1);
        return c.MinLearningRate + 0.5 * (c.LearningRate - c.MinLearningRate) * (1 + Math.Cos(Math.PI * p));
    }

    /// <summary>Revealed early samples of a case: none, or 2-3 distinct sorted grid indices in [0, max].</summary>
    public static int[]? DrawObserved(Rng rng, double fraction, int max)
    {
        if (rng.NextDouble() >= fraction) return null;
        int k = 2 + (int)(rng.NextDouble() * 2);
        var chosen = new SortedSet<int>();
        while (chosen.Count < k) chosen.Add((int)(rng.NextDouble() * (max + 1)));
        return [.. chosen];
    }

    /// <summary>Fixed revealed samples of validation case i (half of them with 2-3 early samples).</summary>
    internal static int[]? ValidationObserved(long seed, int i, PbpkForecastConfig c) =>
        DrawObserved(new Rng(SeedMix.Mix(seed, i, 0x7A11D)), c.ObservedFraction, c.EarliestSampleIndexMax);

    /// <summary>The batch of step s: pool rows and revealed samples.</summary>
    public static (int[] Rows, int[]?[] Observed) DrawStep(long seed, int step, int poolSize, PbpkForecastConfig c)
    {
        var rng = new Rng(SeedMix.Mix(seed, step, 0xBA7C));
        var rows = new int[c.BatchSize];
        var obs = new int[]?[c.BatchSize];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = (int)(rng.NextDouble() * poolSize);
            obs[i] = DrawObserved(rng, c.ObservedFraction, c.EarliestSampleIndexMax);
        }
        return (rows, obs);
    }

    /// <summary>Validation NLL per point and RMSE of ln concentration over records (in chunks, no gradient).</summary>
    public static (double Loss, double Rmse) Validate(PbpkForecastNetwork net, IReadOnlyList<ForecastRecord> records, IReadOnlyList<int[]?> observed)
    {
        bool training = net.training;
        net.eval();
        double nll = 0, se = 0; long n = 0;
        for (int start = 0; start < records.Count; start += 256)
        {
            int len = Math.Min(256, records.Count - start);
            using var scope = NewDisposeScope();
            using var _ng = no_grad();
            using var batch = ForecastBatch.Build(records.Skip(start).Take(len).ToArray(), observed.Skip(start).Take(len).ToArray());
            using var loss = net.Loss(batch);
            using var output = net.call(batch);
            using var mu = output.select(-1, 0);
            using var err = batch.Target!.sub(mu);
            long pts = err.numel();
            nll += loss.item<float>() * pts;
            using var sq = err.Square().sum();
            se += sq.item<float>() * PbpkForecastFeatures.TargetScale * PbpkForecastFeatures.TargetScale;
            n += pts;
        }
        if (training) net.train();
        return (nll / n, Math.Sqrt(se / n));
    }

    /// <summary>Runs or resumes the training.</summary>
    /// <exception cref="InvalidOperationException">A resume that does not match the folder, or a folder that already holds a run.</exception>
    /// <exception cref="TrainingDivergedException">NaN or infinite loss or gradient.</exception>
    public PbpkForecastResult Run(IProgress<PbpkForecastProgress>? progress = null, CancellationToken cancel = default)
    {
        var dir = o.OutputDirectory;
        if (o.Steps < 1) throw new ArgumentException($"--steps must be >= 1, got {o.Steps}.");
        PbpkForecastManifest? resumed = null;
        if (o.Resume)
        {
            if (!PbpkForecastCheckpoint.Exists(dir))
                throw new InvalidOperationException($"--resume: {dir} holds no forecaster checkpoint (no {Checkpoint.ManifestFile}); drop --resume to start a new run.");
            resumed = PbpkForecastCheckpoint.ReadManifest(dir);
            if (resumed.Config.Identity != c.Identity)
                throw new InvalidOperationException($"{dir}: --resume with other settings than the checkpoint's; use the same settings.");
            if (resumed.Seed != o.Seed)
                throw new InvalidOperationException($"{dir}: --resume with seed {o.Seed}, but the checkpoint was trained with seed {resumed.Seed}.");
            if (o.Steps < resumed.Step)
                throw new InvalidOperationException($"{dir}: --resume --steps {o.Steps} is below the checkpoint's step {resumed.Step}.");
            if (resumed.OptimizerFile is null || resumed.PoolFile is null)
                throw new InvalidOperationException($"{dir}: a shipped checkpoint (no optimizer state or pool) cannot be resumed.");
            PbpkForecastCheckpoint.Verify(dir, resumed, resumed.ModelFile, resumed.OptimizerFile, resumed.PoolFile, PbpkForecastCheckpoint.ValidationFile);
        }
        else if (PbpkForecastCheckpoint.Exists(dir))
            throw new InvalidOperationException($"{dir} already holds a checkpoint; pass --resume to continue it, --force to start over, or choose another --out.");
        Directory.CreateDirectory(dir);
        var clock = Stopwatch.StartNew();
        double elapsedBefore = resumed?.ElapsedSeconds ?? 0;

        // The pool and the validation cases are solved once and kept in the folder: a resume reads them back.
        var poolPath = Path.Combine(dir, PbpkForecastCheckpoint.PoolFile);
        var valPath = Path.Combine(dir, PbpkForecastCheckpoint.ValidationFile);
        ForecastRecord[] pool, validation;
        double poolSeconds = resumed?.PoolSeconds ?? 0;
        if (resumed is not null)
        {
            pool = ForecastPool.Read(poolPath, o.Seed);
            validation = ForecastPool.Read(valPath, o.Seed);
        }
        else
        {
            var data = new ForecastData((int)o.Seed, c.Compounds, c.Individuals);
            var sw = Stopwatch.StartNew();
            pool = ForecastPool.Generate(data, false, 0, c.PoolCases, new Progress1(n => progress?.Report(new PbpkForecastProgress("pool", n, c.PoolCases))));
            validation = ForecastPool.Generate(data, true, 0, c.ValidationCases, new Progress1(n => progress?.Report(new PbpkForecastProgress("validation", n, c.ValidationCases))));
            poolSeconds = sw.Elapsed.TotalSeconds;
            ForecastPool.Write(poolPath, pool, o.Seed);
            ForecastPool.Write(valPath, validation, o.Seed);
        }
        var valObserved = Enumerable.Range(0, validation.Length).Select(i => ValidationObserved(o.Seed, i, c)).ToArray();

        manual_seed(o.Seed);
        using var net = new PbpkForecastNetwork(c.Architecture);
        if (resumed is not null) net.load(Path.Combine(dir, resumed.ModelFile));
        net.train();
        var parameters = net.parameters().ToArray();
        using var opt = new ScalarSafeAdamW(parameters, c.LearningRate, weightDecay: c.WeightDecay);
        if (resumed?.OptimizerFile is { } of) opt.Load(Path.Combine(dir, of));

        int step = resumed?.Step ?? 0;
        var logPath = Path.Combine(dir, PbpkForecastCheckpoint.LossLogFile);
        PrepareLog(logPath, step);
        using var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        double? valLoss = resumed?.ValidationLoss, valRmse = resumed?.ValidationRmse;
        int stopAt = o.StopAfter is { } sa ? Math.Min(o.Steps, step + sa) : o.Steps;
        double ema = double.NaN;
        var lastSave = Stopwatch.StartNew();
        bool cancelled = false;
        int lastSaved = resumed?.Step ?? -1;

        void Save(int s) {
            PbpkForecastCheckpoint.Save(dir, net, opt, new PbpkForecastManifest
            {
                Config = c, Seed = o.Seed, Step = s, TotalSteps = o.Steps, ValidationLoss = valLoss, ValidationRmse = valRmse,
                Parameters = net.ParameterCount, ModelFile = "", PoolFile = PbpkForecastCheckpoint.PoolFile, PoolSeconds = poolSeconds,
                CodeVersion = typeof(PbpkForecastTrainer).Assembly.GetName().Version?.ToString(), GitCommit = o.GitCommit,
                CommandLine = o.CommandLine, Threads = get_num_threads(), ElapsedSeconds = elapsedBefore + clock.Elapsed.TotalSeconds,
                CreatedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            });
            lastSaved = s;
            lastSave.Restart();
        }

        if (resumed is null)
        {
            (valLoss, valRmse) = Validate(net, validation, valObserved);
            log.WriteLine(string.Join(',', "0", "", "", F(valLoss.Value), F(valRmse.Value), F(clock.Elapsed.TotalSeconds)));
        }
        while (step < stopAt)
        {
            var (rows, observed) = DrawStep(o.Seed, step, pool.Length, c);
            double lossValue, gradNorm;
            using (var scope = NewDisposeScope())
            {
                using var batch = ForecastBatch.Build(rows.Select(r => pool[r]).ToArray(), observed);
                opt.LearningRate = LearningRate(c, step, o.Steps);
                opt.ZeroGrad();
                var loss = net.Loss(batch);
                lossValue = loss.item<float>();
                if (!double.IsFinite(lossValue)) throw Diverged(step, $"loss is {lossValue}", lastSaved, dir);
                loss.backward();
                gradNorm = nn.utils.clip_grad_norm_(parameters, c.GradientClip);
                if (!double.IsFinite(gradNorm)) throw Diverged(step, $"gradient norm is {gradNorm}", lastSaved, dir);
                opt.Step();
            }
            step++;
            ema = double.IsNaN(ema) ? lossValue : 0.98 * ema + 0.02 * lossValue;
            bool stopping = cancel.IsCancellationRequested;
            bool save = step % c.CheckpointEvery == 0 || step == stopAt || stopping || lastSave.Elapsed.TotalMinutes >= c.CheckpointMinutes;
            string v = "", r = "";
            if (step % c.ValidationEvery == 0 || save)
            {
                (valLoss, valRmse) = Validate(net, validation, valObserved);
                v = F(valLoss.Value); r = F(valRmse.Value);
            }
            log.WriteLine(string.Join(',', step.ToString(CultureInfo.InvariantCulture), F(lossValue), F(gradNorm), v, r,
                F(elapsedBefore + clock.Elapsed.TotalSeconds)));
            if (save) Save(step);
            progress?.Report(new PbpkForecastProgress("train", step, o.Steps, ema, valLoss));
            if (stopping) { cancelled = true; break; }
        }
        return new PbpkForecastResult(step, o.Steps, valLoss, valRmse, cancelled, dir);
    }

    private sealed class Progress1(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static TrainingDivergedException Diverged(int step, string what, int lastSaved, string dir) =>
        new($"training diverged at step {step + 1}: {what}. " + (lastSaved >= 0
            ? $"The last good checkpoint (step {lastSaved}) in {dir} is kept; resume with a lower learning rate or another seed."
            : "No checkpoint had been written yet."));

    private static void PrepareLog(string path, int step)
    {
        const string header = "step,loss,grad_norm,val_loss,val_rmse,elapsed_s";
        var rows = new List<string> { header };
        if (step > 0 && File.Exists(path))
            rows.AddRange(File.ReadLines(path).Skip(1).Where(l => l.Length > 0 &&
                int.Parse(l.AsSpan(0, l.IndexOf(',')), CultureInfo.InvariantCulture) <= step));
        Checkpoint.WriteAtomic(path, tmp => File.WriteAllLines(tmp, rows));
    }
}
