using TorchSharp;
using static TorchSharp.torch;
using ZeroShotPK.Torch;

using ZeroShotPK.Pbpk.Scaling;

namespace ZeroShotPK.Models.Pbpk;

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
/// Neural allometry: predicts a compound's CL and Vss in a query species (human, or any body weight through
/// <see cref="SpeciesDescriptor.AtBodyWeight"/>) from its observed values in the animal species, with a small graph
/// neural network over the species (<see cref="SpeciesGraphNet"/>). The network outputs a correction on top of
/// classical scaling from the same context species: log CL = mean over context of log(CL/fu) - 0.75 log BW, plus
/// 0.75 log BW and log fu of the query (unbound-clearance allometry); log Vss = mean of log Vss - log BW, plus log BW
/// (exponent 1). With zero output it is those baselines. With <see cref="NeuralAllometryConfig.OdeHead"/> the
/// correction is instead integrated along log body weight from each animal to the query (a neural ODE), so the
/// prediction is a smooth function of body weight by construction. Trained (NeuralAllometryTraining, in Training/) on
/// synthetic compounds: every training compound gives five samples (each species queried from the others), half of
/// each batch human queries. The human values it may use are the descriptors and fu (measured in vitro in practice),
/// never human CL or Vss.
/// </summary>
public sealed class NeuralAllometry : IDisposable
{
    /// <summary>Features per node.</summary>
    public const int FeatureCount = 16;
    private const int ClFeature = 8, VssFeature = 9, ContextFeature = 10;
    internal static readonly int[] Raw = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 15]; // standardised; flags and one-hot are not
    private readonly SpeciesGraphNet _net;
    private readonly Device _device;
    private readonly double[] _mean = new double[FeatureCount];
    private readonly double[] _std = Enumerable.Repeat(1.0, FeatureCount).ToArray();

    internal NeuralAllometry(NeuralAllometryConfig config, Device? device)
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
    public double FinalLoss { get; internal set; }
    /// <summary>Training wall time, s.</summary>
    public double TrainSeconds { get; internal set; }

    // The training loop (Training/NeuralAllometryTraining) works on these; users predict.
    internal SpeciesGraphNet Network => _net;
    internal Device Device => _device;
    /// <summary>Standardisation of the raw features (set once by training).</summary>
    internal double[] FeatureMean => _mean;
    internal double[] FeatureStd => _std;

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

    internal sealed record Sample(double[][] Nodes, int Query, double BaseCl, double BaseVss, double TargetCl, double TargetVss);

    /// <summary>A sample querying species index <paramref name="q"/> of <see cref="SpeciesDescriptor.All"/> from all other species.</summary>
    internal static Sample MakeSample(VirtualCompound c, int q, SpeciesDescriptor? queryDescriptor = null, double? queryFu = null)
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

    internal static readonly int HumanNode = SpeciesDescriptor.All.Count - 1;

    internal (Tensor X, Tensor Context, Tensor Query, Tensor Base) Tensors(IReadOnlyList<Sample> samples)
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
