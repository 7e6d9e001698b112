using System.Diagnostics;
using System.Globalization;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk.Forecast;
using ZeroShotPK.Simulation;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Training;

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
        DrawObserved(new Rng(SeedMix.Mix(seed, i, SeedStream.ForecastObserved)), c.ObservedFraction, c.EarliestSampleIndexMax);

    /// <summary>The batch of step s: pool rows and revealed samples.</summary>
    public static (int[] Rows, int[]?[] Observed) DrawStep(long seed, int step, int poolSize, PbpkForecastConfig c)
    {
        var rng = new Rng(SeedMix.Mix(seed, step, SeedStream.ForecastBatch));
        var rows = new int[c.BatchSize];
        var obs = new int[]?[c.BatchSize];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = (int)(rng.NextDouble() * poolSize);
            obs[i] = DrawObserved(rng, c.ObservedFraction, c.EarliestSampleIndexMax);
        }
        return (rows, obs);
    }

    /// <summary>Validation NLL per point (censored at the floor when <paramref name="censorFloor"/>, as the run trained) and RMSE of ln concentration over records, a forecast below the floor read as at it (in chunks, no gradient).</summary>
    public static (double Loss, double Rmse) Validate(PbpkForecastNetwork net, IReadOnlyList<ForecastRecord> records, IReadOnlyList<int[]?> observed, bool censorFloor = false)
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
            using var loss = net.Loss(batch, censorFloor);
            using var output = net.call(batch);
            using var mu0 = output.select(-1, 0);
            // A forecast below the 1e-6 mg/L floor counts as at it (the targets stop there), as in PbpkForecastEvaluation.
            using var floor = PbpkForecastNetwork.NormalisedFloor(batch.Offset);
            using var mu = maximum(mu0, floor);
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
        var resumed = RunFolder.Open<PbpkForecastManifest>(dir, o.Resume, o.Seed, o.Steps, stepsOptional: false, "forecaster checkpoint");
        if (resumed is not null)
        {
            if (resumed.Config.Identity != c.Identity)
                throw new InvalidOperationException($"{dir}: --resume with other settings than the checkpoint's; use the same settings.");
            if (resumed.PoolFile is null)
                throw new InvalidOperationException($"{dir}: a shipped checkpoint (no pool) cannot be resumed; start a new run in another --out.");
        }
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
            var data = new ForecastData((int)o.Seed, c.Compounds, c.Individuals, c.Space);
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
            (valLoss, valRmse) = Validate(net, validation, valObserved, c.CensorFloor);
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
                var loss = net.Loss(batch, c.CensorFloor);
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
                (valLoss, valRmse) = Validate(net, validation, valObserved, c.CensorFloor);
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
        var rows = new List<string> { PbpkForecastCheckpoint.LossLogHeader };
        if (step > 0 && File.Exists(path))
            rows.AddRange(File.ReadLines(path).Skip(1).Where(l => l.Length > 0 &&
                int.Parse(l.AsSpan(0, l.IndexOf(',')), CultureInfo.InvariantCulture) <= step));
        Checkpoint.WriteAtomic(path, tmp => File.WriteAllLines(tmp, rows));
    }
}
