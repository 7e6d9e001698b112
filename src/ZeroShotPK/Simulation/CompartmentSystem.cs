namespace ZeroShotPK.Simulation;

/// <summary>The right-hand side of the compartment model: dx/dt = A x + inputs - saturable elimination.</summary>
internal static class CompartmentSystem
{
    /// <summary>Fills the rate matrix A (row-major, StateCount x StateCount, into a span of stride <paramref name="stride"/>) for linear elimination.</summary>
    public static void RateMatrix(PkModel model, PkParameters p, Span<double> a, int stride)
    {
        var k10 = model.Elimination == Elimination.Linear ? p.CL / p.V : 0;
        var e = model.EliminatedIndex;
        a[0 * stride + 0] = -p.Ka;
        a[1 * stride + 0] = p.Ka;
        var central = -k10;
        if (model.Compartments >= 2)
        {
            var k12 = p.Q / p.V; var k21 = p.Q / p.V2;
            central -= k12;
            a[2 * stride + 1] = k12; a[1 * stride + 2] = k21; a[2 * stride + 2] = -k21;
        }
        if (model.Compartments >= 3)
        {
            var k13 = p.Q3 / p.V; var k31 = p.Q3 / p.V3;
            central -= k13;
            a[3 * stride + 1] = k13; a[1 * stride + 3] = k31; a[3 * stride + 3] = -k31;
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
        if (model.Compartments >= 2)
        {
            var flow = p.Q * (c - x[2] / p.V2);
            central -= flow; dx[2] = flow;
        }
        if (model.Compartments >= 3)
        {
            var flow = p.Q3 * (c - x[3] / p.V3);
            central -= flow; dx[3] = flow;
        }
        dx[1] = central;
        dx[model.EliminatedIndex] = elim;
    }
}
