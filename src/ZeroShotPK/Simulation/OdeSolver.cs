using ZeroShotPK.Data;

namespace ZeroShotPK.Simulation;

/// <summary>
/// Numerical solution with <see cref="DormandPrince"/> (adaptive 5(4)) between events: any model, including
/// Michaelis-Menten elimination and time-varying parameters. Steady state by iterating the one-interval map to a
/// fixed point (works for nonlinear elimination).
/// </summary>
/// <param name="options">Tolerances; null for defaults (relative 1e-8, absolute 1e-10).</param>
public sealed class OdeSolver(OdeOptions? options = null) : IPkSolver, IPropagator
{
    /// <summary>Tolerances in use.</summary>
    public OdeOptions Options { get; } = options ?? new OdeOptions();

    /// <summary>Maximum dosing intervals iterated to reach steady state.</summary>
    public int MaxSteadyStateIntervals { get; init; } = 20_000;

    /// <inheritdoc />
    public PkSolution Solve(PkProblem problem) => EventSimulator.Solve(problem, this);

    SolveStatus IPropagator.Advance(PkModel model, PkParameters p, ReadOnlySpan<double> rates, Span<double> x, double h, ref int steps)
    {
        var r = rates.ToArray();
        var step = 0.0;
        return DormandPrince.Integrate((_, y, dy) => CompartmentSystem.Derivative(model, p, r, y, dy), 0, x, h, Options, ref step, ref steps);
    }

    SolveStatus IPropagator.SteadyState(PkModel model, PkParameters p, DosingEvent dose, double tau, Span<double> trough, ref int steps)
    {
        var n = model.StateCount;
        var x = new double[n];
        var next = new double[n];
        var previous = double.PositiveInfinity;
        for (var iter = 0; iter < MaxSteadyStateIntervals; iter++)
        {
            var status = EventSimulator.SingleInterval(model, p, dose, tau, x, next, this, ref steps);
            if (status != SolveStatus.Success) return status;
            next[n - 1] = 0;
            var change = 0.0; var size = 0.0;
            for (var i = 0; i < n - 1; i++) { change = Math.Max(change, Math.Abs(next[i] - x[i])); size = Math.Max(size, Math.Abs(next[i])); }
            (x, next) = (next, x);
            // Converged, or stalled at the integrator's own noise level (the map is only accurate to ~rtol).
            var converged = change <= 1e-3 * Options.RelativeTolerance * size + 1e-300;
            var stalled = iter > 50 && change >= previous && change <= Options.RelativeTolerance * size;
            previous = change;
            if (converged || stalled)
            {
                trough.Clear();
                x.AsSpan(0, n - 1).CopyTo(trough);
                return SolveStatus.Success;
            }
        }
        return SolveStatus.SteadyStateNotConverged;
    }
}
