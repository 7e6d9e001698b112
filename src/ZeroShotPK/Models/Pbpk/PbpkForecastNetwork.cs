using TorchSharp;
using TorchSharp.Modules;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Pbpk.Forecast;
using ZeroShotPK.Torch;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ZeroShotPK.Models.Pbpk;

/// <summary>Size of a <see cref="PbpkForecastNetwork"/>.</summary>
/// <param name="Width">Token width.</param>
/// <param name="Heads">Attention heads (divides <paramref name="Width"/>).</param>
/// <param name="EncoderLayers">Self-attention blocks over the context tokens.</param>
/// <param name="DecoderLayers">Cross-attention blocks of the query tokens into the context.</param>
/// <param name="FeedForward">Feed-forward width of each block.</param>
public sealed record PbpkForecastArchitecture(int Width = 64, int Heads = 4, int EncoderLayers = 2, int DecoderLayers = 2, int FeedForward = 128)
{
    /// <summary>Checks ranges.</summary>
    /// <exception cref="ArgumentException">A size out of range (the message names it).</exception>
    public PbpkForecastArchitecture Validate()
    {
        if (Width < 4) throw new ArgumentException($"architecture: Width must be >= 4, got {Width}.");
        if (Heads < 1 || Width % Heads != 0) throw new ArgumentException($"architecture: Heads must divide Width {Width}, got {Heads}.");
        if (EncoderLayers < 0 || DecoderLayers < 1) throw new ArgumentException($"architecture: need EncoderLayers >= 0 and DecoderLayers >= 1, got {EncoderLayers} and {DecoderLayers}.");
        if (FeedForward < 1) throw new ArgumentException($"architecture: FeedForward must be >= 1, got {FeedForward}.");
        return this;
    }
}

/// <summary>
/// A batch of forecasting cases as tensors (float32). Shapes: Compound [B, 12], Individual [B, 13], Doses [B, 3, 7],
/// DoseMask [B, 3], Observations [B, 3, 3], ObservationMask [B, 3], Queries [B, Q, 5], Offset [B] (ln dose mg/kg),
/// Target [B, Q] normalised (absent when predicting).
/// </summary>
public sealed class ForecastBatch : IDisposable
{
    /// <summary>Compound tokens.</summary>
    public required Tensor Compound { get; init; }
    /// <summary>Individual tokens.</summary>
    public required Tensor Individual { get; init; }
    /// <summary>Dose tokens.</summary>
    public required Tensor Doses { get; init; }
    /// <summary>1 for a real dose token.</summary>
    public required Tensor DoseMask { get; init; }
    /// <summary>Observed-sample tokens.</summary>
    public required Tensor Observations { get; init; }
    /// <summary>1 for a real observed sample.</summary>
    public required Tensor ObservationMask { get; init; }
    /// <summary>Query tokens (one per output time).</summary>
    public required Tensor Queries { get; init; }
    /// <summary>ln(first dose / body weight).</summary>
    public required Tensor Offset { get; init; }
    /// <summary>Normalised target, or null.</summary>
    public Tensor? Target { get; init; }

    /// <summary>
    /// Builds a batch from records; <paramref name="observed"/>[b] lists the grid indices revealed as observed samples
    /// of case b (null or empty: none; at most <see cref="PbpkForecastFeatures.MaxObservations"/>; needs targets).
    /// Queries are <paramref name="times"/> (the grid when null).
    /// </summary>
    public static ForecastBatch Build(IReadOnlyList<ForecastRecord> records, IReadOnlyList<int[]?>? observed = null,
        IReadOnlyList<double>? times = null, Device? device = null)
    {
        var grid = ForecastData.Grid;
        var samples = observed?.Select((o, i) =>
        {
            if (o is not { Length: > 0 }) return null;
            if (records[i].Target.Length != grid.Count) throw new ArgumentException("observed samples need the case's profile.", nameof(observed));
            return o.Select(k => (grid[k], (double)records[i].Target[k])).ToArray();
        }).ToArray();
        return BuildCore(records, samples, times, device);
    }

    /// <summary>
    /// Builds a batch whose case b has observed samples <paramref name="samples"/>[b]: (time h, ln concentration mg/L)
    /// pairs at any times (null or empty: none; at most <see cref="PbpkForecastFeatures.MaxObservations"/>).
    /// </summary>
    public static ForecastBatch BuildWithSamples(IReadOnlyList<ForecastRecord> records, IReadOnlyList<(double Time, double LogConcentration)[]?> samples,
        IReadOnlyList<double>? times = null, Device? device = null)
    {
        var normalised = samples.Select((o, i) => o?.Select(x =>
        {
            if (!(x.Time > 0) || !double.IsFinite(x.LogConcentration))
                throw new ArgumentException($"an observed sample needs a time > 0 h and a finite concentration > 0, got ({x.Time}, {Math.Exp(x.LogConcentration)}).", nameof(samples));
            return (x.Time, PbpkForecastFeatures.Normalise(x.LogConcentration, records[i].LogDosePerKg));
        }).ToArray()).ToArray();
        return BuildCore(records, normalised, times, device);
    }

    private static ForecastBatch BuildCore(IReadOnlyList<ForecastRecord> records, IReadOnlyList<(double Time, double Y)[]?>? observed,
        IReadOnlyList<double>? times, Device? device)
    {
        int b = records.Count, md = PbpkForecastFeatures.MaxDoses, mo = PbpkForecastFeatures.MaxObservations;
        int fc = PbpkForecastFeatures.CompoundFeatures, fi = PbpkForecastFeatures.IndividualFeatures, fd = PbpkForecastFeatures.DoseFeatures;
        int fo = PbpkForecastFeatures.ObservationFeatures, fq = PbpkForecastFeatures.QueryFeatures;
        var grid = ForecastData.Grid;
        times ??= grid;
        int q = times.Count;
        var comp = new float[b * fc]; var ind = new float[b * fi]; var doses = new float[b * md * fd]; var dmask = new float[b * md];
        var obs = new float[b * mo * fo]; var omask = new float[b * mo]; var queries = new float[b * q * fq]; var offset = new float[b];
        bool hasTarget = records.All(r => r.Target.Length == q) && ReferenceEquals(times, grid);
        var target = hasTarget ? new float[b * q] : null;
        for (int i = 0; i < b; i++)
        {
            var r = records[i];
            r.Compound.CopyTo(comp, i * fc);
            r.Individual.CopyTo(ind, i * fi);
            r.Doses.CopyTo(doses, i * md * fd);
            for (int d = 0; d < r.DoseCount; d++) dmask[i * md + d] = 1;
            offset[i] = r.LogDosePerKg;
            for (int k = 0; k < q; k++) PbpkForecastFeatures.QueryToken(times[k], r.DoseTimes, r.DoseCount, queries.AsSpan((i * q + k) * fq, fq));
            if (target is not null) r.Target.CopyTo(target, i * q);
            var o = observed?[i];
            if (o is { Length: > 0 })
            {
                if (o.Length > mo) throw new ArgumentException($"at most {mo} observed samples per case, got {o.Length}.", nameof(observed));
                for (int j = 0; j < o.Length; j++)
                {
                    var (t, y) = o[j];
                    var at = (i * mo + j) * fo;
                    obs[at] = (float)(t / 24); obs[at + 1] = (float)(Math.Log(t) / 2); obs[at + 2] = (float)y;
                    omask[i * mo + j] = 1;
                }
            }
        }
        return new ForecastBatch
        {
            Compound = tensor(comp, [b, fc], device: device), Individual = tensor(ind, [b, fi], device: device),
            Doses = tensor(doses, [b, md, fd], device: device), DoseMask = tensor(dmask, [b, md], device: device),
            Observations = tensor(obs, [b, mo, fo], device: device), ObservationMask = tensor(omask, [b, mo], device: device),
            Queries = tensor(queries, [b, q, fq], device: device), Offset = tensor(offset, [b], device: device),
            Target = target is null ? null : tensor(target, [b, q], device: device),
        };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Compound.Dispose(); Individual.Dispose(); Doses.Dispose(); DoseMask.Dispose(); Observations.Dispose();
        ObservationMask.Dispose(); Queries.Dispose(); Offset.Dispose(); Target?.Dispose();
    }
}

/// <summary>
/// Foundation PBPK forecaster (issue #17, after the seed paper's "PK forecasting as sequence modelling"): a small
/// transformer over a context of tokens (one compound token, one individual token, one per dose, one per observed
/// early sample) whose self-attention blocks (<see cref="AttentionBlock"/>, shared with the AICMET transformer) mix
/// them; one query token per output time then attends to the context through cross-attention blocks (queries never
/// attend to each other, so the forecast at a time does not depend on which other times are asked). The read-out is
/// the mean and log-sd of the dose-normalised log plasma concentration (<see cref="PbpkForecastFeatures"/>), trained
/// with the Gaussian negative log likelihood: the sd gives the uncertainty band.
/// </summary>
public sealed class PbpkForecastNetwork : Module<ForecastBatch, Tensor>
{
    private readonly Linear compoundEmbed, individualEmbed, doseEmbed, observationEmbed;
    private readonly Sequential queryEmbed;
    private readonly ModuleList<AttentionBlock> encoder, decoder;
    private readonly LayerNorm outNorm;
    private readonly Linear outHead;

    /// <summary>Lowest and highest log-sd of the normalised target.</summary>
    public const double MinLogSd = -6, MaxLogSd = 2;

    /// <summary>Builds the network with fresh weights (seed with <c>torch.manual_seed</c> first).</summary>
    public PbpkForecastNetwork(PbpkForecastArchitecture architecture) : base("pbpk-forecast")
    {
        Architecture = architecture.Validate();
        int w = architecture.Width;
        compoundEmbed = Linear(PbpkForecastFeatures.CompoundFeatures, w);
        individualEmbed = Linear(PbpkForecastFeatures.IndividualFeatures, w);
        doseEmbed = Linear(PbpkForecastFeatures.DoseFeatures, w);
        observationEmbed = Linear(PbpkForecastFeatures.ObservationFeatures, w);
        queryEmbed = Sequential(Linear(PbpkForecastFeatures.QueryFeatures, w), GELU(), Linear(w, w));
        encoder = new ModuleList<AttentionBlock>(Enumerable.Range(0, architecture.EncoderLayers)
            .Select(i => new AttentionBlock($"enc{i}", w, architecture.Heads, architecture.FeedForward, 0)).ToArray());
        decoder = new ModuleList<AttentionBlock>(Enumerable.Range(0, architecture.DecoderLayers)
            .Select(i => new AttentionBlock($"dec{i}", w, architecture.Heads, architecture.FeedForward, 0)).ToArray());
        outNorm = LayerNorm(w);
        outHead = Linear(w, 2);
        RegisterComponents();
    }

    /// <summary>Its size.</summary>
    public PbpkForecastArchitecture Architecture { get; }

    /// <summary>Mean and log-sd of the normalised target [B, Q, 2] (log-sd clamped to [<see cref="MinLogSd"/>, <see cref="MaxLogSd"/>]).</summary>
    public override Tensor forward(ForecastBatch batch)
    {
        long b = batch.Compound.shape[0];
        using var c = compoundEmbed.call(batch.Compound).unsqueeze(1);
        using var ind = individualEmbed.call(batch.Individual).unsqueeze(1);
        using var d = doseEmbed.call(batch.Doses);
        using var o = observationEmbed.call(batch.Observations);
        using var fixedMask = torch.ones(b, 2, dtype: ScalarType.Float32, device: batch.Compound.device);
        using var mask = cat([fixedMask, batch.DoseMask, batch.ObservationMask], 1);
        Tensor ctx = cat([c, ind, d, o], 1);
        foreach (var block in encoder)
        {
            var next = block.call(ctx, ctx, mask);
            ctx.Dispose();
            ctx = next;
        }
        using var _ctx = ctx;
        Tensor h = queryEmbed.call(batch.Queries);
        foreach (var block in decoder)
        {
            var next = block.call(h, ctx, mask);
            h.Dispose();
            h = next;
        }
        using var _h = h;
        using var hn = outNorm.call(h);
        using var raw = outHead.call(hn);
        using var mu = raw.narrow(-1, 0, 1);
        using var ls0 = raw.narrow(-1, 1, 1);
        using var ls = ls0.Clamp(MinLogSd, MaxLogSd);
        return cat([mu, ls], -1);
    }

    /// <summary>
    /// Mean Gaussian negative log likelihood per point of the batch's normalised target (constant ln sqrt(2 pi) left out).
    /// With <paramref name="censorFloor"/>, a target at <see cref="ForecastData.FloorConcentration"/> counts as censored
    /// (below the floor, value unknown): its term is -ln P(y &lt;= floor) = -ln Phi((floor - mu) / sd), as for a BLQ sample
    /// (M3), so the network is not taught a kink where a fast compound's profile meets the floor.
    /// </summary>
    public Tensor Loss(ForecastBatch batch, bool censorFloor = false)
    {
        if (batch.Target is null) throw new ArgumentException("the batch has no target.", nameof(batch));
        using var output = forward(batch);
        using var mu = output.select(-1, 0);
        using var ls = output.select(-1, 1);
        using var z0 = batch.Target.sub(mu);
        using var invSd = ls.neg().exp();
        using var z = z0.mul(invSd);
        using var half = z.Square().Mul(0.5);
        using var nll = half.Plus(ls);
        if (!censorFloor) return nll.mean();
        using var thr = NormalisedFloor(batch.Offset);
        using var thrTol = thr.Add(1e-4); // float rounding of the stored target; 3e-4 in ln units
        using var atFloor = batch.Target.le(thrTol);
        using var x0 = thr.sub(mu);
        using var x = x0.mul(invSd);
        using var logPhi = LogNormalCdf(x);
        using var censored = logPhi.neg();
        using var total = where(atFloor, censored, nll);
        return total.mean();
    }

    /// <summary>
    /// <see cref="ForecastData.FloorConcentration"/> as a normalised target, [B, 1]: it depends on each case's dose offset,
    /// (ln floor - offset - centre) / scale (<see cref="PbpkForecastFeatures.Normalise"/>).
    /// </summary>
    internal static Tensor NormalisedFloor(Tensor offset)
    {
        using var t0 = offset.neg().Add(Math.Log(ForecastData.FloorConcentration) - PbpkForecastFeatures.TargetCentre);
        using var t1 = t0.Div(PbpkForecastFeatures.TargetScale);
        return t1.unsqueeze(-1);
    }

    /// <summary>
    /// ln Phi(x), finite with a finite gradient for any x: ln(erfc(-x / sqrt 2) / 2) down to x = -8 (Phi(-8) = 6e-16, well inside
    /// float range), and below it the asymptotic series -x^2/2 - ln(-x sqrt(2 pi)) + ln(1 - 1/x^2 + 3/x^4 - 15/x^6)
    /// (next term 105/x^8 &lt; 7e-6). With TorchSharp 0.107, special.erfcx returned erfc's values and special.ndtr returned 0 at x = -8 (float), so neither is used.
    /// </summary>
    internal static Tensor LogNormalCdf(Tensor x)
    {
        // Each branch sees only its own half-line (clamped), so the unused branch cannot overflow and poison the gradient.
        using var mid = x.ClampMin(TailStart);
        using var u = mid.Mul(-1 / Math.Sqrt(2));
        using var ec = u.erfc();                            // erfc keeps its relative precision in the tail; ndtr does not
        using var lec = ec.log();
        using var right = lec.Add(Math.Log(0.5));
        using var t = x.ClampMax(TailStart);
        using var t2 = t.Square();
        using var inv = t2.RDiv(1.0);                       // 1/x^2
        using var inv2 = inv.Square();                      // 1/x^4
        using var inv3 = inv2.mul(inv);                     // 1/x^6
        using var s1 = inv.Mul(-1.0);
        using var m3 = inv2.Mul(3.0);
        using var m15 = inv3.Mul(-15.0);
        using var s2 = s1.Plus(m3);
        using var s3 = s2.Plus(m15);
        using var series = s3.Add(1.0);
        using var lseries = series.log();
        using var negT = t.Mul(-1.0);
        using var lt = negT.log();
        using var half = t2.Mul(-0.5);
        using var a0 = half.sub(lt);
        using var a1 = a0.Add(-0.5 * Math.Log(2 * Math.PI));
        using var left = a1.Plus(lseries);
        using var inTail = x.Lt(TailStart);
        return where(inTail, left, right);
    }

    private const double TailStart = -8;

    /// <summary>Parameters that train.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());
}

/// <summary>A forecast of one case on its query times: natural-log concentration mean and sd (mg/L).</summary>
/// <param name="LogMean">Mean (= median of the log-normal) of ln concentration.</param>
/// <param name="LogSd">Sd of ln concentration.</param>
public sealed record ForecastProfile(double[] LogMean, double[] LogSd)
{
    /// <summary>z of the two-sided 90 % band.</summary>
    public const double Z90 = 1.6448536269514722;

    /// <summary>Median concentration, mg/L.</summary>
    public double Median(int k) => Math.Exp(LogMean[k]);
    /// <summary>Lower end of the 90 % band, mg/L.</summary>
    public double Lo90(int k) => Math.Exp(LogMean[k] - Z90 * LogSd[k]);
    /// <summary>Upper end of the 90 % band, mg/L.</summary>
    public double Hi90(int k) => Math.Exp(LogMean[k] + Z90 * LogSd[k]);
}

/// <summary>Prediction helpers of a trained <see cref="PbpkForecastNetwork"/>.</summary>
public static class PbpkForecaster
{
    /// <summary>Forecasts of a batch in ln(mg/L) (no gradient; the network should be in eval mode).</summary>
    public static ForecastProfile[] Predict(PbpkForecastNetwork network, ForecastBatch batch)
    {
        using var scope = NewDisposeScope();
        using var _ng = no_grad();
        var output = network.call(batch);
        long b = output.shape[0], q = output.shape[1];
        var raw = output.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        var offset = batch.Offset.cpu().data<float>().ToArray();
        var result = new ForecastProfile[b];
        for (int i = 0; i < b; i++)
        {
            var m = new double[q]; var s = new double[q];
            for (int k = 0; k < q; k++)
            {
                var at = (i * q + k) * 2;
                m[k] = PbpkForecastFeatures.Denormalise(raw[at], offset[i]);
                s[k] = PbpkForecastFeatures.TargetScale * Math.Exp(raw[at + 1]);
            }
            result[i] = new ForecastProfile(m, s);
        }
        return result;
    }
}
