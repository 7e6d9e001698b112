namespace ZeroShotPK.Simulation;

/// <summary>The right-hand side of the compartment model: dx/dt = A x + inputs - saturable elimination.</summary>
internal static class CompartmentSystem
{
    /// <summary>Inter-compartmental clearance and volume of peripheral compartment <paramref name="j"/> (1 to 3): (Q, V2), (Q3, V3), (Q4, V4).</summary>
    public static (double Q, double Volume) Peripheral(PkParameters p, int j) => j switch
    {
        1 => (p.Q, p.V2),
        2 => (p.Q3, p.V3),
        3 => (p.Q4, p.V4),
        _ => throw new ArgumentOutOfRangeException(nameof(j), j, "peripheral compartments are numbered 1 to 3."),
    };

    /// <summary>Fills the rate matrix A (row-major, StateCount x StateCount, into a span of stride <paramref name="stride"/>) for linear elimination.</summary>
    public static void RateMatrix(PkModel model, PkParameters p, Span<double> a, int stride)
    {
        var k10 = model.Elimination == Elimination.Linear ? p.CL / p.V : 0;
        var e = model.EliminatedIndex;
        a[0 * stride + 0] = -p.Ka;
        a[1 * stride + 0] = p.Ka;
        var central = -k10;
        for (var j = 1; j < model.Compartments; j++)
        {
            var (q, vp) = Peripheral(p, j);
            var kOut = q / p.V; var kIn = q / vp;
            central -= kOut;
            a[(j + 1) * stride + 1] = kOut; a[1 * stride + j + 1] = kIn; a[(j + 1) * stride + j + 1] = -kIn;
        }
        a[1 * stride + 1] = central;
        a[e * stride + 1] = k10;
    }

    /// <summary>dx/dt for any elimination (used by the ODE path).</summary>
    public static void Derivative(PkModel model, PkParameters p, ReadOnlySpan<double> rates, ReadOnlySpan<double> x, Span<double> dx)
    {
        var depotOut = p.Ka * x[0];
        dx[0] = rates[0] - depotOut;
        var c = x[1] / p.V;
        var elim = model.Elimination == Elimination.Linear ? p.CL * c : p.Vmax * c / (p.Km + c);
        var central = rates[1] + depotOut - elim;
        for (var j = 1; j < model.Compartments; j++)
        {
            var (q, vp) = Peripheral(p, j);
            var flow = q * (c - x[j + 1] / vp);
            central -= flow; dx[j + 1] = flow;
        }
        dx[1] = central;
        dx[model.EliminatedIndex] = elim;
    }
}
