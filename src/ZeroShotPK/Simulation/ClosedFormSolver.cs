using ZeroShotPK.Data;

namespace ZeroShotPK.Simulation;

/// <summary>
/// Exact solution of linear compartment models: between events the state moves by the matrix exponential of the
/// rate matrix augmented with the infusion rates (so bolus, infusion and first-order input are all exact), which is
/// superposition over doses in matrix form. Steady state is the closed-form geometric sum
/// trough = (I - e^{A tau})^{-1} x_single(tau). Michaelis-Menten elimination has no closed form:
/// <see cref="SolveStatus.Unsupported"/>.
/// </summary>
public sealed class ClosedFormSolver : IPkSolver, IPropagator
{
    /// <summary>Shared instance (the solver is stateless).</summary>
    public static ClosedFormSolver Instance { get; } = new();

    /// <inheritdoc />
    public PkSolution Solve(PkProblem problem)
    {
        if (problem.Model.Elimination != Elimination.Linear)
            return PkSolution.Failed(problem, SolveStatus.Unsupported, "Michaelis-Menten elimination has no closed form; use OdeSolver.");
        return EventSimulator.Solve(problem, this);
    }

    SolveStatus IPropagator.Advance(PkModel model, PkParameters p, ReadOnlySpan<double> rates, Span<double> x, double h, ref int steps)
    {
        var n = model.StateCount;
        var m = n + 1;
        Span<double> a = stackalloc double[m * m];
        Span<double> e = stackalloc double[m * m];
        a.Clear();
        CompartmentSystem.RateMatrix(model, p, a, m);
        for (var i = 0; i < n; i++) a[i * m + n] = rates[i];
        for (var i = 0; i < m * m; i++) a[i] *= h;
        SmallMatrix.Exp(a, e, m);
        steps++;
        Span<double> y = stackalloc double[n];
        for (var i = 0; i < n; i++)
        {
            var s = e[i * m + n];
            for (var j = 0; j < n; j++) s += e[i * m + j] * x[j];
            y[i] = s;
        }
        y.CopyTo(x);
        return SolveStatus.Success;
    }

    SolveStatus IPropagator.SteadyState(PkModel model, PkParameters p, DosingEvent dose, double tau, Span<double> trough, ref int steps)
    {
        var n = model.StateCount;
        var single = new double[n];
        var status = EventSimulator.SingleInterval(model, p, dose, tau, null, single, this, ref steps);
        if (status != SolveStatus.Success) return status;
        // The eliminated amount only accumulates, so the geometric sum runs over the other states.
        var k = n - 1;
        Span<double> a = stackalloc double[n * n];
        Span<double> phi = stackalloc double[n * n];
        a.Clear();
        CompartmentSystem.RateMatrix(model, p, a, n);
        for (var i = 0; i < n * n; i++) a[i] *= tau;
        SmallMatrix.Exp(a, phi, n);
        steps++;
        Span<double> lhs = stackalloc double[k * k];
        for (var i = 0; i < k; i++)
        for (var j = 0; j < k; j++)
            lhs[i * k + j] = (i == j ? 1 : 0) - phi[i * n + j];
        Span<double> rhs = stackalloc double[k];
        Span<double> sol = stackalloc double[k];
        for (var i = 0; i < k; i++) rhs[i] = single[i];
        if (dose.IntoDepot && p.Ka == 0 || !SmallMatrix.Solve(lhs, rhs, sol, k, 1))
            return SolveStatus.SteadyStateNotConverged;
        trough.Clear();
        sol.CopyTo(trough);
        return SolveStatus.Success;
    }
}
