using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using ZeroShotPK.Torch;

namespace ZeroShotPK.Pbpk.Scaling;

/// <summary>Settings of <see cref="NeuralAllometry"/> and its training.</summary>
public sealed record NeuralAllometryConfig
{
    /// <summary>Width of node states and MLPs.</summary>
    public int Hidden { get; init; } = 64;
    /// <summary>Message-passing rounds over the species graph.</summary>
    public int Rounds { get; init; } = 2;
    /// <summary>Optimiser steps.</summary>
    public int Steps { get; init; } = 1500;
    /// <summary>Batch size (half human queries, half queries of any species).</summary>
    public int Batch { get; init; } = 128;
    /// <summary>Peak learning rate (cosine decay to 5 %).</summary>
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>Decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Seed of the initial weights and the batches.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>
    /// Also give the network the compound's logP, class and pKa. Off by default: in the synthetic ground truth Vss is a
    /// deterministic function of them (Rodgers &amp; Rowland) and fu, so with them the network can learn the PBPK model
    /// itself rather than scaling, an advantage real compounds would not give.
    /// </summary>
    public bool UseCompoundDescriptors { get; init; }
    /// <summary>
    /// Replace the query read-out by a neural ODE in log body weight: from every context species the correction
    /// starts at 0 and follows d(correction)/d(log BW) = f(correction, log BW, that species' node state) to the query's
    /// log BW (RK4, <see cref="OdeSteps"/> steps); the query gets the mean over context species. f also sees the query
    /// node's state (its fu and physiology).
    /// </summary>
    public bool OdeHead { get; init; }
    /// <summary>RK4 steps of the ODE head.</summary>
    public int OdeSteps { get; init; } = 4;

    /// <summary>Checks ranges.</summary>
    /// <exception cref="ArgumentException">A value out of range, naming it.</exception>
    public NeuralAllometryConfig Validate()
    {
        if (Hidden < 1) throw new ArgumentException($"Hidden must be >= 1, got {Hidden}.");
        if (OdeSteps < 1) throw new ArgumentException($"OdeSteps must be >= 1, got {OdeSteps}.");
        if (Rounds < 0) throw new ArgumentException($"Rounds must be >= 0, got {Rounds}.");
        if (Steps < 1) throw new ArgumentException($"Steps must be >= 1, got {Steps}.");
        if (Batch < 2) throw new ArgumentException($"Batch must be >= 2, got {Batch}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"LearningRate must be finite and > 0, got {LearningRate}.");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay)) throw new ArgumentException($"WeightDecay must be finite and >= 0, got {WeightDecay}.");
        return this;
    }
}

/// <summary>
/// Species-graph network: every species is a node (physiology descriptors, the compound's fu there, its observed
/// CL and Vss when known, and the compound's logP, class and pKa); edges join every context node to every node,
/// with the log body-weight difference on the edge; the query node's state after message passing gives two
/// residuals (log CL, log Vss).
/// </summary>
internal sealed class SpeciesGraphNet : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Sequential _encoder;
    private readonly ModuleList<Sequential> _edges;
    private readonly ModuleList<Sequential> _updates;
    private readonly Sequential _head;
    private readonly Sequential? _field;
    private readonly int _odeSteps;

    private static Sequential Mlp(string name, long input, long hidden, long output) => nn.Sequential(
        ($"{name}_in", nn.Linear(input, hidden)), ($"{name}_act", nn.SiLU()), ($"{name}_out", nn.Linear(hidden, output)));

    public SpeciesGraphNet(int features, int hidden, int rounds, int odeSteps = 0) : base("species_graph")
    {
        _odeSteps = odeSteps;
        if (odeSteps > 0) _field = nn.Sequential(("field_in", nn.Linear(2 + 1 + 2 * hidden, hidden)), ("field_act", nn.Tanh()), ("field_out", nn.Linear(hidden, 2)));
        _encoder = Mlp("enc", features, hidden, hidden);
        _edges = nn.ModuleList(Enumerable.Range(0, rounds).Select(r => Mlp($"edge{r}", 2 * hidden + 1, hidden, hidden)).ToArray());
        _updates = nn.ModuleList(Enumerable.Range(0, rounds).Select(r => Mlp($"upd{r}", 2 * hidden, hidden, hidden)).ToArray());
        _head = Mlp("head", hidden, hidden, 2);
        RegisterComponents();
    }

    /// <param name="x">[B, N, F] standardised node features; feature 0 is the standardised log body weight.</param>
    /// <param name="context">[B, N] 1 for nodes whose CL and Vss are known, else 0.</param>
    /// <param name="query">[B, N] one-hot of the node predicted.</param>
    /// <returns>[B, 2] residual log CL and log Vss.</returns>
    public override Tensor forward(Tensor x, Tensor context, Tensor query)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1];
        var h = _encoder.forward(x);
        var hidden = h.shape[2];
        var lnBw = x.select(2, 0);
        var du = (lnBw.unsqueeze(2) - lnBw.unsqueeze(1)).unsqueeze(3); // [B, N, N, 1]: i minus j
        var offDiagonal = eye(n, dtype: x.dtype, device: x.device).RSub(1);
        var w = context.unsqueeze(1) * offDiagonal.unsqueeze(0); // [B, N(i), N(j)]: j sends to i
        var denominator = w.sum(2, keepdim: true).ClampMin(1);
        var w4 = w.unsqueeze(3);
        for (var r = 0; r < _edges.Count; r++)
        {
            var hi = h.unsqueeze(2).expand([b, n, n, hidden]);
            var hj = h.unsqueeze(1).expand([b, n, n, hidden]);
            var m = _edges[r].forward(cat([hi, hj, du], 3));
            var agg = (m * w4).sum(2) / denominator;
            h = h.Plus(_updates[r].forward(cat([h, agg], 2)));
        }
        if (_field is not null) return Integrate(h, lnBw, context, query).MoveToOuterDisposeScope();
        var hq = (h * query.unsqueeze(2)).sum(1);
        return _head.forward(hq).MoveToOuterDisposeScope();
    }

    /// <summary>RK4 from every node's log BW to the query's; mean over context nodes of the end values, [B, 2].</summary>
    private Tensor Integrate(Tensor h, Tensor lnBw, Tensor context, Tensor query)
    {
        var field = _field!;
        var uq = (lnBw * query).sum(1, keepdim: true); // [B, 1]
        var step = (uq - lnBw).Div(_odeSteps).unsqueeze(2); // [B, N, 1]
        // The field sees the start species' state and the query's (which carries the query's fu and physiology).
        var hq = (h * query.unsqueeze(2)).sum(1, keepdim: true).expand(h.shape);
        var cond = cat([h, hq], 2);
        Tensor F(Tensor y, Tensor u) => field.forward(cat([y, u, cond], 2));
        var y = zeros([h.shape[0], h.shape[1], 2], dtype: h.dtype, device: h.device);
        var u0 = lnBw.unsqueeze(2);
        var half = step.Mul(0.5);
        for (var k = 0; k < _odeSteps; k++)
        {
            var u = u0.Plus(step.Mul((double)k));
            var k1 = F(y, u);
            var k2 = F(y.Plus(half * k1), u.Plus(half));
            var k3 = F(y.Plus(half * k2), u.Plus(half));
            var k4 = F(y.Plus(step * k3), u.Plus(step));
            y = y.Plus(step.Div(6.0) * k1.Plus(k2.Mul(2.0)).Plus(k3.Mul(2.0)).Plus(k4));
        }
        var w = context.unsqueeze(2);
        return (y * w).sum(1) / w.sum(1).ClampMin(1);
    }
}

/// <summary>
/// Neural allometry: predicts a compound's CL and Vss in a query species (human, or any body weight through
/// <see cref="SpeciesDescriptor.AtBodyWeight"/>) from its observed values in the animal species, with a small graph
/// neural network over the species (<see cref="SpeciesGraphNet"/>). The network outputs a correction on top of
/// classical scaling from the same context species: log CL = mean over context of log(CL/fu) - 0.75 log BW, plus
/// 0.75 log BW and log fu of the query (unbound-clearance allometry); log Vss = mean of log Vss - log BW, plus log BW
/// (exponent 1). With zero output it is those baselines. With <see cref="NeuralAllometryConfig.OdeHead"/> the
/// correction is instead integrated along log body weight from each animal to the query (a neural ODE), so the
/// prediction is a smooth function of body weight by construction. Trained on synthetic compounds: every training compound
/// gives five samples (each species queried from the others), half of each batch human queries. The human
/// values it may use are the descriptors and fu (measured in vitro in practice), never human CL or Vss.
/// </summary>
public sealed class NeuralAllometry : IDisposable
{
    /// <summary>Features per node.</summary>
    public const int FeatureCount = 16;
    private const int ClFeature = 8, VssFeature = 9, ContextFeature = 10;
    private static readonly int[] Raw = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 15]; // standardised; flags and one-hot are not
    private readonly SpeciesGraphNet _net;
    private readonly Device _device;
    private readonly double[] _mean = new double[FeatureCount];
    private readonly double[] _std = Enumerable.Repeat(1.0, FeatureCount).ToArray();

    private NeuralAllometry(NeuralAllometryConfig config, Device? device)
    {
        Config = config.Validate();
        _device = device ?? CPU;
        torch.random.manual_seed(config.Seed);
        _net = new SpeciesGraphNet(FeatureCount, config.Hidden, config.Rounds, config.OdeHead ? config.OdeSteps : 0);
        _net.to(_device);
    }

    /// <summary>Configuration.</summary>
    public NeuralAllometryConfig Config { get; }
    /// <summary>Mean training loss (squared residual of natural-log CL and Vss) over the last 10 % of steps.</summary>
    public double FinalLoss { get; private set; }
    /// <summary>Training wall time, s.</summary>
    public double TrainSeconds { get; private set; }

    /// <summary>Raw features of one node. <paramref name="cl"/> and <paramref name="vss"/> null for the query.</summary>
    internal static double[] Features(SpeciesDescriptor s, double fu, double? cl, double? vss, VirtualCompound c)
    {
        var f = new double[FeatureCount];
        var lnBw = Math.Log(s.BodyWeight);
        f[0] = lnBw;
        f[1] = Math.Log(s.LiverVolume / s.BodyWeight);
        f[2] = Math.Log(s.LiverBloodFlow) - 0.75 * lnBw;
        f[3] = Math.Log(s.Gfr) - 0.75 * lnBw;
        f[4] = Math.Log(s.BrainWeight / s.BodyWeight);
        f[5] = Math.Log(s.KidneyBloodFlow) - 0.75 * lnBw;
        f[6] = s.Hematocrit;
        f[7] = Math.Log(fu / (1 - fu));
        f[ClFeature] = cl is { } v ? Math.Log(v) - 0.75 * lnBw : 0;
        f[VssFeature] = vss is { } w ? Math.Log(w) - lnBw : 0;
        f[ContextFeature] = cl is null ? 0 : 1;
        f[11] = c.LogP;
        f[12 + (int)c.Class] = 1; // 12 neutral, 13 acid, 14 base
        f[15] = c.Pka is { } k ? k - 7 : 0;
        return f;
    }

    /// <summary>The classical part: (log CL, log Vss) of the query from the context nodes (natural logs).</summary>
    internal static (double Cl, double Vss) Baseline(IReadOnlyList<(SpeciesDescriptor S, double Fu, double Cl, double Vss)> context, SpeciesDescriptor query, double queryFu)
    {
        double cl = 0, vss = 0;
        foreach (var (s, fu, c, v) in context)
        {
            var lnBw = Math.Log(s.BodyWeight);
            cl += Math.Log(c / fu) - 0.75 * lnBw;
            vss += Math.Log(v) - lnBw;
        }
        var lnQ = Math.Log(query.BodyWeight);
        return (cl / context.Count + 0.75 * lnQ + Math.Log(queryFu), vss / context.Count + lnQ);
    }

    private sealed record Sample(double[][] Nodes, int Query, double BaseCl, double BaseVss, double TargetCl, double TargetVss);

    /// <summary>A sample querying species index <paramref name="q"/> of <see cref="SpeciesDescriptor.All"/> from all other species.</summary>
    private static Sample MakeSample(VirtualCompound c, int q, SpeciesDescriptor? queryDescriptor = null, double? queryFu = null)
    {
        var all = SpeciesDescriptor.All;
        var nodes = new double[all.Count][];
        var ctx = new List<(SpeciesDescriptor, double, double, double)>();
        for (var i = 0; i < all.Count; i++)
        {
            var pk = c.In(all[i]);
            var d = SpeciesDescriptor.Of(all[i]);
            if (i == q) nodes[i] = Features(queryDescriptor ?? d, queryFu ?? pk.Fu, null, null, c);
            else
            {
                nodes[i] = Features(d, pk.Fu, pk.ObservedCl, pk.ObservedVss, c);
                ctx.Add((d, pk.Fu, pk.ObservedCl, pk.ObservedVss));
            }
        }
        var qd = queryDescriptor ?? SpeciesDescriptor.Of(all[q]);
        var qpk = c.In(all[q]);
        var (bCl, bVss) = Baseline(ctx, qd, queryFu ?? qpk.Fu);
        return new Sample(nodes, q, bCl, bVss, Math.Log(qpk.ObservedCl), Math.Log(qpk.ObservedVss));
    }

    private static readonly int HumanNode = SpeciesDescriptor.All.Count - 1;

    /// <summary>Trains a model on <paramref name="compounds"/>.</summary>
    /// <param name="compounds">Training compounds.</param>
    /// <param name="config">Settings (default <see cref="NeuralAllometryConfig"/>).</param>
    /// <param name="progress">Receives (step, loss) every 50 steps and at the end.</param>
    /// <param name="cancel">Stops training between steps.</param>
    /// <param name="device">Where the network trains and predicts (default CPU; see <see cref="TorchDevice"/>).</param>
    /// <exception cref="ArgumentException">Fewer than 2 compounds.</exception>
    public static NeuralAllometry Train(IReadOnlyList<VirtualCompound> compounds, NeuralAllometryConfig? config = null,
        Action<int, double>? progress = null, CancellationToken cancel = default, Device? device = null)
    {
        if (compounds.Count < 2) throw new ArgumentException($"compounds: at least 2 training compounds needed, got {compounds.Count}.", nameof(compounds));
        var model = new NeuralAllometry(config ?? new NeuralAllometryConfig(), device);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var n = SpeciesDescriptor.All.Count;
        var samples = compounds.SelectMany(c => Enumerable.Range(0, n).Select(q => MakeSample(c, q))).ToArray();
        // Standardise with the context nodes of every sample (each node appears as context n - 1 times, a constant weight).
        var ctxNodes = samples.SelectMany(s => s.Nodes.Where((_, i) => i != s.Query)).ToArray();
        foreach (var j in Raw)
        {
            var m = ctxNodes.Average(v => v[j]);
            var sd = Math.Sqrt(ctxNodes.Average(v => (v[j] - m) * (v[j] - m)));
            model._mean[j] = m;
            model._std[j] = sd > 1e-9 ? sd : 1;
        }
        model.Fit(samples, progress, cancel);
        model.TrainSeconds = sw.Elapsed.TotalSeconds;
        return model;
    }

    private (Tensor X, Tensor Context, Tensor Query, Tensor Base) Tensors(IReadOnlyList<Sample> samples)
    {
        var n = SpeciesDescriptor.All.Count;
        var x = new float[samples.Count * n * FeatureCount];
        var ctx = new float[samples.Count * n];
        var q = new float[samples.Count * n];
        var b = new float[samples.Count * 2];
        for (var s = 0; s < samples.Count; s++)
        {
            var smp = samples[s];
            for (var i = 0; i < n; i++)
            {
                var raw = smp.Nodes[i];
                for (var j = 0; j < FeatureCount; j++)
                {
                    var v = (raw[j] - _mean[j]) / _std[j];
                    if (i == smp.Query && j is ClFeature or VssFeature) v = 0; // unknown at the query
                    if (!Config.UseCompoundDescriptors && j > ContextFeature) v = 0;
                    x[(s * n + i) * FeatureCount + j] = (float)v;
                }
                ctx[s * n + i] = i == smp.Query ? 0 : 1;
                q[s * n + i] = i == smp.Query ? 1 : 0;
            }
            b[2 * s] = (float)smp.BaseCl;
            b[2 * s + 1] = (float)smp.BaseVss;
        }
        return (tensor(x, [samples.Count, n, FeatureCount], device: _device), tensor(ctx, [samples.Count, n], device: _device),
            tensor(q, [samples.Count, n], device: _device), tensor(b, [samples.Count, 2], device: _device));
    }

    private void Fit(Sample[] samples, Action<int, double>? progress, CancellationToken cancel)
    {
        var cfg = Config;
        var (xAll, ctxAll, qAll, baseAll) = Tensors(samples);
        using var _x = xAll; using var _c = ctxAll; using var _q = qAll; using var _b = baseAll;
        using var target = tensor(samples.SelectMany(s => new[] { (float)s.TargetCl, (float)s.TargetVss }).ToArray(), [samples.Length, 2], device: _device);
        using var residual = target - baseAll;
        using var humanIdx = tensor(Enumerable.Range(0, samples.Length).Where(i => samples[i].Query == HumanNode).Select(i => (long)i).ToArray(), device: _device);
        using var opt = new ScalarSafeAdamW(_net.parameters(), cfg.LearningRate, weightDecay: cfg.WeightDecay);
        using var gen = new Generator((ulong)cfg.Seed + 31, _device);
        var half = cfg.Batch / 2;
        var tail = Math.Max(1, cfg.Steps / 10);
        double sum = 0;
        _net.train();
        for (var step = 0; step < cfg.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            opt.LearningRate = cfg.LearningRate * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * step / cfg.Steps)));
            var idx = cat([humanIdx.index_select(0, randint(humanIdx.shape[0], [half], generator: gen, device: _device)), randint(samples.Length, [cfg.Batch - half], generator: gen, device: _device)]);
            var pred = _net.forward(xAll.index_select(0, idx), ctxAll.index_select(0, idx), qAll.index_select(0, idx));
            var loss = nn.functional.mse_loss(pred, residual.index_select(0, idx));
            opt.ZeroGrad();
            loss.backward();
            nn.utils.clip_grad_norm_(_net.parameters(), 1.0);
            opt.Step();
            var lv = loss.item<float>();
            if (step >= cfg.Steps - tail) sum += lv;
            if (step % 50 == 0 || step == cfg.Steps - 1) progress?.Invoke(step + 1, lv);
        }
        _net.eval();
        FinalLoss = sum / tail;
    }

    private (double Cl, double Vss)[] Run(IReadOnlyList<Sample> samples)
    {
        if (samples.Count == 0) return [];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, ctx, q, b) = Tensors(samples);
        var outp = _net.forward(x, ctx, q).Plus(b).exp().to(float64).cpu().data<double>().ToArray();
        return Enumerable.Range(0, samples.Count).Select(i => (outp[2 * i], outp[2 * i + 1])).ToArray();
    }

    /// <summary>Predicted human CL (L/h) and Vss (L) of each compound from its observed animal values and its human fu.</summary>
    public (double Cl, double Vss)[] PredictHuman(IReadOnlyList<VirtualCompound> compounds) =>
        Run(compounds.Select(c => MakeSample(c, HumanNode)).ToArray());

    /// <summary>
    /// CL and Vss of a compound in a species of any body weight (descriptors from <see cref="SpeciesDescriptor.AtBodyWeight"/>)
    /// with fraction unbound <paramref name="fu"/>, from its four animal species: the continuous-in-body-weight query.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">fu not in (0, 1).</exception>
    public (double Cl, double Vss)[] PredictAt(VirtualCompound compound, IReadOnlyList<double> bodyWeights, double fu)
    {
        if (!(fu > 0 && fu < 1)) throw new ArgumentOutOfRangeException(nameof(fu), fu, "fu must be in (0, 1).");
        return Run(bodyWeights.Select(w => MakeSample(compound, HumanNode, SpeciesDescriptor.AtBodyWeight(w), fu)).ToArray());
    }

    /// <inheritdoc />
    public void Dispose() => _net.Dispose();
}
