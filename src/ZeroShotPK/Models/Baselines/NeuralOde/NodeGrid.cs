using ZeroShotPK.Data;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Models.Baselines;

/// <summary>Units the neural ODE works in: times over the context's span, amounts over a typical dose, concentrations over the largest.</summary>
internal sealed record NodeScales(double Time, double Amount, double Concentration);

/// <summary>
/// Fixed-step RK4 grids for a batch of individuals, as tensors. Every individual gets the same number of steps but its
/// own step sizes: nodes sit exactly on its dose, infusion-end, reset and record times (no interpolation), and the
/// remaining steps subdivide its longest intervals. Before its first dose an individual's state is zero, so its grid
/// starts there. At a node the state is recorded first, then reset, then dosed: a sample at a dose time is a trough.
/// <para>
/// Step-size control: a grid step whose length h times the net's rate bound exceeds 1 is split into equal RK4
/// substeps until h·r ≤ 1. RK4's stability polynomial is absolutely monotonic on [-1, 0], so for flows with rates
/// held over a step that keeps every amount non-negative; with coarser steps the explicit scheme overshoots a fast
/// state's outflow and drives the central amount negative (seen on a misspecified synthetic study: rates of about 20
/// per time span, 32 steps over it, the central amount below zero from the 3rd sample on, predictions of 1e-300).
/// </para>
/// </summary>
internal sealed class NodeGrid : IDisposable
{
    private readonly List<Tensor> owned = [];
    private readonly Dictionary<(int Step, int Parts), (Tensor H, Tensor HalfH, Tensor SixthH)> substeps = [];
    private double[][] hostH = [];

    /// <summary>Most RK4 substeps one grid step is split into; a rate bound that asks for more is reported by <see cref="Underresolved"/>.</summary>
    public const int MaxSubsteps = 256;

    private NodeGrid() { }

    /// <summary>Steps per individual.</summary>
    public int Steps { get; private set; }
    /// <summary>Individuals in the batch.</summary>
    public int Batch { get; private set; }
    /// <summary>Step sizes [B,1] per step, and their halves and sixths.</summary>
    public Tensor[] H { get; private set; } = [];
    public Tensor[] HalfH { get; private set; } = [];
    public Tensor[] SixthH { get; private set; } = [];
    /// <summary>Bolus and oral amounts [B,K] added at a node (only nodes with a dose).</summary>
    public Dictionary<int, Tensor> Impulses { get; } = [];
    /// <summary>1/0 masks [B,1] at nodes where some individual's system is reset.</summary>
    public Dictionary<int, Tensor> Keep { get; } = [];
    /// <summary>Zero-order input [B,K] during a step (only steps with an infusion running).</summary>
    public Dictionary<int, Tensor> Inputs { get; } = [];
    /// <summary>Nodes whose central state is recorded, ascending.</summary>
    public int[] RecordNodes { get; private set; } = [];
    /// <summary>Per individual and record, the position in <see cref="RecordNodes"/> [B,R] (padding points at 0).</summary>
    public Tensor RecordIndex { get; private set; } = null!;
    /// <summary>Substeps taken by the last <see cref="LogCentral"/> (at least <see cref="Steps"/>).</summary>
    public int LastSubsteps { get; private set; }
    /// <summary>True when the last <see cref="LogCentral"/> needed more than <see cref="MaxSubsteps"/> substeps in some step and took that many (so h·r may exceed 1 there).</summary>
    public bool Underresolved { get; private set; }
    /// <summary>Step-size control on (the default); off only in tests that show what it prevents.</summary>
    internal bool StepControl { get; set; } = true;
    /// <summary>When set, <see cref="LogCentral"/> counts recorded central amounts that are not positive (a read-back per call) into <see cref="LastNonPositive"/>.</summary>
    public bool TrackPositivity { get; set; }
    /// <summary>Recorded central amounts ≤ 0 (or not finite) in the last <see cref="LogCentral"/>, whose log the floor replaced; counted only with <see cref="TrackPositivity"/>.</summary>
    public int LastNonPositive { get; private set; }

    /// <summary>Builds the grid; every record time must be after the individual's first dose.</summary>
    /// <param name="items">Individuals with the (unscaled) times to record, in order.</param>
    /// <param name="scales">Working units.</param>
    /// <param name="states">Number of states K.</param>
    /// <param name="minSteps">Steps per individual (raised to the largest number of intervals when that is more).</param>
    public static NodeGrid Build(IReadOnlyList<(Individual Individual, double[] RecordTimes)> items, NodeScales scales, int states, int minSteps)
    {
        var grid = new NodeGrid { Batch = items.Count };
        int b = items.Count;
        var breaks = new double[b][];
        for (int i = 0; i < b; i++)
        {
            var (ind, records) = items[i];
            double t0 = ind.Doses[0].Time;
            var points = new List<double> { t0 };
            foreach (var d in ind.Doses)
            {
                points.Add(d.Time);
                if (d.IsInfusion) points.Add(d.Time + d.Duration);
            }
            points.AddRange(ind.ResetTimes.Where(t => t >= t0));
            points.AddRange(records);
            breaks[i] = Dedupe(points.Select(t => (t - t0) / scales.Time).Order().ToList());
        }
        int steps = Math.Max(minSteps, breaks.Max(x => x.Length - 1));
        grid.Steps = steps;

        var h = new double[steps, b];
        var nodeTimes = new double[b][];
        for (int i = 0; i < b; i++)
        {
            var nodes = Subdivide(breaks[i], steps);
            nodeTimes[i] = nodes;
            for (int j = 0; j < steps; j++) h[j, i] = nodes[j + 1] - nodes[j];
        }
        grid.H = new Tensor[steps]; grid.HalfH = new Tensor[steps]; grid.SixthH = new Tensor[steps];
        grid.hostH = new double[steps][];
        for (int j = 0; j < steps; j++)
        {
            var col = new double[b];
            for (int i = 0; i < b; i++) col[i] = h[j, i];
            grid.hostH[j] = col;
            grid.H[j] = grid.Own(tensor(col, [b, 1], ScalarType.Float64));
            grid.HalfH[j] = grid.Own(tensor(col.Select(x => x / 2).ToArray(), [b, 1], ScalarType.Float64));
            grid.SixthH[j] = grid.Own(tensor(col.Select(x => x / 6).ToArray(), [b, 1], ScalarType.Float64));
        }

        var impulses = new Dictionary<int, double[]>();
        var keep = new Dictionary<int, double[]>();
        var inputs = new Dictionary<int, double[]>();
        var recordNodes = new SortedSet<int>();
        var recordNode = new int[b][];
        for (int i = 0; i < b; i++)
        {
            var (ind, records) = items[i];
            double t0 = ind.Doses[0].Time;
            int Node(double t) => NodeOf(nodeTimes[i], (t - t0) / scales.Time);
            foreach (var d in ind.Doses)
            {
                int n = Node(d.Time);
                if (d.ResetBefore) Row(keep, n, b, 1, 1.0)[i] = 0;
                int state = d.IntoDepot ? 0 : 1;
                if (!d.IsInfusion)
                {
                    Row(impulses, n, b, states, 0)[i * states + state] += d.Amount / scales.Amount;
                    continue;
                }
                int end = Node(d.Time + d.Duration);
                double rate = d.Amount / d.Duration * scales.Time / scales.Amount;
                for (int j = n; j < end; j++) Row(inputs, j, b, states, 0)[i * states + state] += rate;
            }
            foreach (var t in ind.ResetTimes.Where(t => t >= t0)) Row(keep, Node(t), b, 1, 1.0)[i] = 0;
            recordNode[i] = records.Select(Node).ToArray();
            foreach (var n in recordNode[i]) recordNodes.Add(n);
        }
        foreach (var (n, v) in impulses) grid.Impulses[n] = grid.Own(tensor(v, [b, states], ScalarType.Float64));
        foreach (var (n, v) in keep) grid.Keep[n] = grid.Own(tensor(v, [b, 1], ScalarType.Float64));
        foreach (var (j, v) in inputs) grid.Inputs[j] = grid.Own(tensor(v, [b, states], ScalarType.Float64));

        grid.RecordNodes = recordNodes.ToArray();
        var position = grid.RecordNodes.Select((n, k) => (n, k)).ToDictionary(x => x.n, x => x.k);
        int r = Math.Max(1, recordNode.Max(x => x.Length));
        var index = new long[b * r];
        for (int i = 0; i < b; i++)
            for (int k = 0; k < recordNode[i].Length; k++) index[i * r + k] = position[recordNode[i][k]];
        grid.RecordIndex = grid.Own(tensor(index, [b, r], ScalarType.Int64));
        return grid;
    }

    /// <summary>
    /// Integrates from zero and returns log of the central state at the record times, [Bz,R]. z is [Bz,d]; with a
    /// one-individual grid it may hold many rows (latent draws of that individual).
    /// </summary>
    public Tensor LogCentral(NeuralOdeNet net, Tensor z)
    {
        var (hidden0, bias2, routing, readOut) = net.Prepare(z);
        long bz = z.shape[0];
        var bound = net.RateBound(bias2);
        double boundAll = bound.Max();
        var s = zeros(bz, net.States, ScalarType.Float64);
        var recorded = new List<Tensor>(RecordNodes.Length);
        int next = 0, taken = 0;
        bool underresolved = false;
        for (int j = 0; j <= Steps; j++)
        {
            if (next < RecordNodes.Length && RecordNodes[next] == j) { recorded.Add(s.select(1, 1)); next++; }
            if (Keep.TryGetValue(j, out var keep)) s = s * keep;
            if (Impulses.TryGetValue(j, out var dose)) s = s.add(dose, TorchScalars.One);
            if (j == Steps) break;
            // Largest h·r over the batch (latent draws of one individual share its steps).
            double hr = 0;
            for (int i = 0; i < Batch; i++) hr = Math.Max(hr, hostH[j][i] * (Batch == bz ? bound[i] : boundAll));
            double need = Math.Ceiling(hr);
            int parts = need <= 1 || !StepControl ? 1 : (int)Math.Min(need, MaxSubsteps);
            underresolved |= StepControl && need > MaxSubsteps;
            var input = Inputs.GetValueOrDefault(j);
            if (parts == 1) s = net.Rk4Step(s, H[j], HalfH[j], SixthH[j], hidden0, bias2, routing, input);
            else
            {
                var (h, h2, h6) = Substep(j, parts);
                for (int p = 0; p < parts; p++) s = net.Rk4Step(s, h, h2, h6, hidden0, bias2, routing, input);
            }
            taken += parts;
        }
        LastSubsteps = taken;
        Underresolved = underresolved;
        var central = stack(recorded, 1);
        var index = Batch == 1 && bz > 1 ? RecordIndex.expand(bz, -1) : RecordIndex;
        if (TrackPositivity)
        {
            using var values = central.gather(1, index).detach();
            LastNonPositive = values.data<double>().ToArray().Count(v => !(v > 0) || !double.IsFinite(v));
        }
        // Below 1e-300 the state is numerically zero (before absorption); the floor keeps the log finite.
        return central.gather(1, index).clamp_min(TorchScalars.Tiny).log().add(readOut, TorchScalars.One);
    }

    public void Dispose()
    {
        foreach (var t in owned) t.Dispose();
        owned.Clear();
    }

    private Tensor Own(Tensor t) { owned.Add(t); return t; }

    /// <summary>Step j split in <paramref name="parts"/> equal substeps: their lengths [B,1], halves and sixths (made once, kept).</summary>
    private (Tensor H, Tensor HalfH, Tensor SixthH) Substep(int j, int parts)
    {
        if (substeps.TryGetValue((j, parts), out var cached)) return cached;
        var col = hostH[j].Select(x => x / parts).ToArray();
        int b = col.Length;
        // Made during a forward, often inside a caller's dispose scope: detached from it, the grid owns them.
        Tensor Make(double[] v) => Own(tensor(v, [b, 1], ScalarType.Float64).DetachFromDisposeScope());
        var made = (Make(col), Make(col.Select(x => x / 2).ToArray()), Make(col.Select(x => x / 6).ToArray()));
        substeps[(j, parts)] = made;
        return made;
    }

    private static double[] Row(Dictionary<int, double[]> rows, int key, int b, int width, double fill)
    {
        if (!rows.TryGetValue(key, out var row)) { row = new double[b * width]; Array.Fill(row, fill); rows[key] = row; }
        return row;
    }

    private static double[] Dedupe(List<double> sorted)
    {
        var result = new List<double>();
        foreach (var t in sorted)
            if (result.Count == 0 || t - result[^1] > 1e-9) result.Add(t);
        return result.ToArray();
    }

    /// <summary>Splits the intervals between breakpoints into <paramref name="steps"/> equal-within-interval steps, giving each extra step to the interval whose steps are longest.</summary>
    private static double[] Subdivide(double[] breaks, int steps)
    {
        int m = breaks.Length - 1;
        if (m == 0) return Enumerable.Repeat(breaks[0], steps + 1).ToArray();
        var parts = Enumerable.Repeat(1, m).ToArray();
        for (int extra = steps - m; extra > 0; extra--)
        {
            int best = 0;
            for (int k = 1; k < m; k++)
                if ((breaks[k + 1] - breaks[k]) / parts[k] > (breaks[best + 1] - breaks[best]) / parts[best]) best = k;
            parts[best]++;
        }
        var nodes = new List<double>(steps + 1) { breaks[0] };
        for (int k = 0; k < m; k++)
            for (int p = 1; p <= parts[k]; p++)
                nodes.Add(p == parts[k] ? breaks[k + 1] : breaks[k] + (breaks[k + 1] - breaks[k]) * p / parts[k]);
        return nodes.ToArray();
    }

    private static int NodeOf(double[] nodes, double t)
    {
        int best = 0;
        for (int j = 1; j < nodes.Length; j++)
            if (Math.Abs(nodes[j] - t) < Math.Abs(nodes[best] - t)) best = j;
        return best;
    }
}
