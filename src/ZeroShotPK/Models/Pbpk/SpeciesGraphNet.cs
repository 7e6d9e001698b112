using TorchSharp.Modules;
using static TorchSharp.torch;
using ZeroShotPK.Torch;

namespace ZeroShotPK.Models.Pbpk;

/// <summary>
/// Species-graph network: every species is a node (physiology descriptors, the compound's fu there, its observed
/// CL and Vss when known, and the compound's logP, class and pKa); edges join every context node to every node,
/// with the log body-weight difference on the edge; the query node's state after message passing gives two
/// residuals (log CL, log Vss).
/// </summary>
internal sealed class SpeciesGraphNet : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    // Field and layer names are the state-dict keys: keep them if checkpoints of this network are ever saved.
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
