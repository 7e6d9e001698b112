using ZeroShotPK.Data;

namespace ZeroShotPK.Simulation;

/// <summary>
/// Exact solution of linear compartment models: between events the state moves by the matrix exponential of the
/// rate matrix augmented with the infusion rates (so bolus, infusion and first-order input are all exact), which is
/// superposition over doses in matrix form. Steady state is the closed-form geometric sum
/// trough = (I - e^{A tau})^{-1} b, b = what one dosing interval adds to an empty system (with overlapping doses,
/// what the still-active earlier doses put in too). Michaelis-Menten elimination has no closed form:
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

    /// <summary>
    /// Fast path for repeated evaluation (population fits, predictive sampling): central concentrations at
    /// <paramref name="times"/> (any order) for constant parameters, without building a <see cref="PkProblem"/>. Linear
    /// 1-2 compartment models with CL, Ka &gt; 0 use the sum-of-exponentials form (about 20x faster than
    /// <see cref="Solve"/> and equal to it to rounding); anything else is solved by <see cref="Solve"/>.
    /// </summary>
    /// <param name="model">Model structure.</param>
    /// <param name="parameters">Constant parameters.</param>
    /// <param name="doses">Doses (an individual's, ADDL expanded; SS and EVID 4 flags honoured).</param>
    /// <param name="resetTimes">EVID 3 reset times.</param>
    /// <param name="times">Output times, finite and &gt;= 0.</param>
    /// <exception cref="ArgumentException">Invalid parameters or output times.</exception>
    /// <exception cref="InvalidOperationException">The general solver failed.</exception>
    public static double[] Concentrations(PkModel model, PkParameters parameters, IReadOnlyList<DosingEvent> doses,
        IReadOnlyList<double> resetTimes, IReadOnlyList<double> times)
    {
        var result = new double[times.Count];
        if (!Superposition.Supports(model, parameters, doses))
        {
            // PkProblem wants ascending times: solve sorted, then put the results back in the caller's order.
            var order = Enumerable.Range(0, times.Count).OrderBy(i => times[i]).ToArray();
            var solution = Instance.Solve(new PkProblem(model, parameters, doses, order.Select(i => times[i]), resetTimes)).EnsureSuccess();
            for (var k = 0; k < order.Length; k++) result[order[k]] = solution.Concentrations[k];
            return result;
        }
        parameters.Validate(model);
        foreach (var t in times)
            if (!double.IsFinite(t) || t < 0) throw new ArgumentException($"output time {t} must be finite and >= 0.", nameof(times));
        Superposition.Concentrations(model, parameters, doses, resetTimes, times, result);
        return result;
    }

    /// <summary>
    /// e = exp(h A), or with infusion <paramref name="rates"/> (non-empty) exp(h [A r; 0 0]) of size StateCount + 1, whose
    /// last column carries the infused amounts.
    /// </summary>
    private static void Transition(PkModel model, PkParameters p, ReadOnlySpan<double> rates, double h, Span<double> e)
    {
        var n = model.StateCount;
        var m = rates.IsEmpty ? n : n + 1;
        Span<double> a = stackalloc double[m * m];
        a.Clear();
        CompartmentSystem.RateMatrix(model, p, a, m);
        for (var i = 0; i < rates.Length; i++) a[i * m + n] = rates[i];
        for (var i = 0; i < m * m; i++) a[i] *= h;
        MatrixExponential.Compute(a, m, 1, e);
    }

    SolveStatus IPropagator.Advance(PkModel model, PkParameters p, ReadOnlySpan<double> rates, Span<double> x, double h, ref int steps)
    {
        var n = model.StateCount;
        var infusing = false;
        for (var i = 0; i < n; i++) infusing |= rates[i] != 0;
        // Without infusion the augmented column is zero: exponentiate the smaller matrix.
        var m = infusing ? n + 1 : n;
        Span<double> e = stackalloc double[m * m];
        Transition(model, p, infusing ? rates : default, h, e);
        steps++;
        Span<double> y = stackalloc double[n];
        for (var i = 0; i < n; i++)
        {
            var s = infusing ? e[i * m + n] : 0;
            for (var j = 0; j < n; j++) s += e[i * m + j] * x[j];
            y[i] = s;
        }
        y.CopyTo(x);
        return SolveStatus.Success;
    }

    SolveStatus IPropagator.SteadyState(PeriodicWindow window, Span<double> trough, ref int steps)
    {
        var model = window.Problem.Model;
        var p = window.Problem.Segments[0].Parameters;
        var n = model.StateCount;
        if (window.DepotActive && p.Ka == 0) return SolveStatus.SteadyStateNotConverged;
        // b = what one interval adds to an empty system (all overlapping doses included), then trough = (I - e^{A tau})^{-1} b.
        var b = new double[n];
        var status = window.Map(new double[n], b, this, ref steps);
        if (status != SolveStatus.Success) return status;
        Span<double> phi = stackalloc double[n * n];
        Transition(model, p, default, window.Tau, phi);
        steps++;
        // The eliminated amount only accumulates, and an undosed depot stays empty: neither is an unknown.
        var unknowns = window.Unknowns();
        var k = unknowns.Length;
        Span<double> lhs = stackalloc double[k * k];
        for (var i = 0; i < k; i++)
        for (var j = 0; j < k; j++)
            lhs[i * k + j] = (i == j ? 1 : 0) - phi[unknowns[i] * n + unknowns[j]];
        Span<double> rhs = stackalloc double[k];
        Span<double> sol = stackalloc double[k];
        for (var i = 0; i < k; i++) rhs[i] = b[unknowns[i]];
        if (!SmallMatrix.Solve(lhs, rhs, sol, k, 1)) return SolveStatus.SteadyStateNotConverged;
        trough.Clear();
        for (var i = 0; i < k; i++) trough[unknowns[i]] = sol[i];
        return SolveStatus.Success;
    }
}
