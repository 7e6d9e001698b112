
namespace ZeroShotPK.Simulation;

/// <summary>
/// Numerical solution with <see cref="DormandPrince"/> (adaptive 5(4)) between events: any model, including
/// Michaelis-Menten elimination and time-varying parameters. Steady state is the fixed point of the one-interval map,
/// found by Newton's method (a handful of maps even when the interval is far shorter than the half-life, where plain
/// iteration needs thousands), with plain iteration as the fallback; works for nonlinear elimination.
/// </summary>
/// <param name="options">Tolerances; null for defaults (relative 1e-8, absolute 1e-10).</param>
public sealed class OdeSolver(OdeOptions? options = null) : IPkSolver, IPropagator
{
    /// <summary>Tolerances in use.</summary>
    public OdeOptions Options { get; } = options ?? new OdeOptions();

    /// <summary>Maximum dosing intervals iterated to reach steady state when Newton's method fails (the fallback).</summary>
    public int MaxSteadyStateIntervals { get; init; } = 20_000;

    /// <summary>Maximum Newton iterations on the periodic fixed point before falling back to plain iteration (0: plain iteration only).</summary>
    public int MaxNewtonIterations { get; init; } = 30;

    /// <summary>
    /// Work limit of one solve: integration steps summed over every interval and every steady-state iteration (a
    /// steady-state map solved inside counts once more, so a solve stops within twice this). At about 1 µs a step on
    /// one core, a system too stiff for the explicit solver fails with <see cref="SolveStatus.WorkLimitExceeded"/>
    /// within about 10 s instead of running for minutes or hours (steady-state iteration of a stiff system: up to
    /// 20,000 intervals of up to a million steps each). Ordinary PK problems take hundreds to tens of thousands of
    /// steps; a Michaelis-Menten steady state with Vmax/(Km V) = 1e5/h, stiff yet solvable, took 2.7 million (2 s).
    /// </summary>
    public int MaxStepsPerSolve { get; init; } = 10_000_000;

    /// <inheritdoc />
    public PkSolution Solve(PkProblem problem) => EventSimulator.Solve(problem, this);

    SolveStatus IPropagator.Advance(PkModel model, PkParameters p, ReadOnlySpan<double> rates, Span<double> x, double h, ref int steps)
    {
        var remaining = MaxStepsPerSolve - steps;
        if (remaining <= 0) return SolveStatus.WorkLimitExceeded;
        // The interval may use what is left of the solve's budget, never more than the per-call limit.
        var budgeted = remaining < Options.MaxSteps;
        var options = budgeted ? Options with { MaxSteps = remaining } : Options;
        var r = rates.ToArray();
        var step = 0.0;
        var status = DormandPrince.Integrate((_, y, dy) => CompartmentSystem.Derivative(model, p, r, y, dy), 0, x, h, options, ref step, ref steps);
        return status == SolveStatus.MaxStepsExceeded && budgeted ? SolveStatus.WorkLimitExceeded : status;
    }

    SolveStatus IPropagator.SteadyState(PeriodicWindow window, Span<double> trough, ref int steps)
    {
        var n = window.Problem.Model.StateCount;
        var x = new double[n];
        var status = NewtonSteadyState(window, x, ref steps);
        // Newton can fail far from linear (strong saturation); the plain iteration is slow but contracts.
        if (status == SolveStatus.SteadyStateNotConverged) status = FixedPointSteadyState(window, x, ref steps);
        if (status != SolveStatus.Success) return status;
        trough.Clear();
        x.AsSpan(0, n - 1).CopyTo(trough);
        return SolveStatus.Success;
    }

    /// <summary>
    /// Newton's method on G(x) = F(x) - x, F the one-interval map, with a forward-difference Jacobian (one map per unknown)
    /// and step halving. F is affine for linear models, so one step lands on the fixed point up to the integration error,
    /// however slowly plain iteration would contract (a dosing interval far shorter than the half-life).
    /// <paramref name="x"/>: start in, solution out (left at the best iterate on failure).
    /// </summary>
    private SolveStatus NewtonSteadyState(PeriodicWindow window, double[] x, ref int steps)
    {
        var n = x.Length;
        var unknowns = window.Unknowns();
        var m = unknowns.Length;
        var fx = new double[n];
        var fh = new double[n];
        var trial = new double[n];
        var jacobian = new double[m * m];
        var residual = new double[m];
        var delta = new double[m];
        var scratch = new double[m];
        double Residual(double[] state, double[] mapped, double[] r)
        {
            var worst = 0.0;
            for (var i = 0; i < m; i++) { r[i] = mapped[unknowns[i]] - state[unknowns[i]]; worst = Math.Max(worst, Math.Abs(r[i])); }
            return worst;
        }
        double Size(double[] state) { var size = 0.0; foreach (var j in unknowns) size = Math.Max(size, Math.Abs(state[j])); return size; }

        var status = Map(window, x, fx, ref steps);
        if (status != SolveStatus.Success) return status;
        var norm = Residual(x, fx, residual);
        var previous = double.PositiveInfinity;
        for (var iter = 0; iter < MaxNewtonIterations; iter++)
        {
            var size = Math.Max(Size(x), Size(fx));
            // Converged, or stalled at the integrator's own noise level (the map is only accurate to ~rtol).
            if (norm <= 1e-3 * Options.RelativeTolerance * size + 1e-300 || iter >= 2 && norm >= previous && norm <= Options.RelativeTolerance * size)
            {
                for (var i = 0; i < m; i++) x[unknowns[i]] = fx[unknowns[i]];
                return SolveStatus.Success;
            }
            previous = norm;
            // Forward differences: column j of dF/dx from a relative step of the j-th unknown.
            for (var j = 0; j < m; j++)
            {
                var h = 1e-6 * Math.Max(Math.Abs(x[unknowns[j]]), size);
                x.CopyTo(trial, 0);
                trial[unknowns[j]] += h;
                status = Map(window, trial, fh, ref steps);
                if (status != SolveStatus.Success) return status;
                for (var i = 0; i < m; i++)
                    jacobian[i * m + j] = (i == j ? 1 : 0) - (fh[unknowns[i]] - fx[unknowns[i]]) / h;
            }
            if (!SmallMatrix.Solve(jacobian, residual, delta, m, 1)) return SolveStatus.SteadyStateNotConverged;
            // Step halving keeps the residual falling; amounts are projected onto >= 0 (a trough near 0, e.g. an
            // emptied depot, can come out at -1e-300 from rounding, and saturable elimination needs C > -Km).
            var accepted = false;
            for (var scale = 1.0; scale > 1.0 / 64 && !accepted; scale /= 2)
            {
                x.CopyTo(trial, 0);
                for (var i = 0; i < m; i++) trial[unknowns[i]] = Math.Max(0, trial[unknowns[i]] + scale * delta[i]);
                status = Map(window, trial, fh, ref steps);
                if (status != SolveStatus.Success) return status;
                var trialNorm = Residual(trial, fh, scratch);
                if (trialNorm < norm || trialNorm <= Options.RelativeTolerance * Math.Max(Size(trial), Size(fh)))
                {
                    trial.CopyTo(x, 0);
                    fh.CopyTo(fx, 0);
                    norm = Residual(x, fx, residual);
                    accepted = true;
                }
            }
            if (!accepted) return SolveStatus.SteadyStateNotConverged;
        }
        return SolveStatus.SteadyStateNotConverged;
    }

    /// <summary>One interval map, counted against the solve's work limit (the map runs as its own solve with its own budget).</summary>
    private SolveStatus Map(PeriodicWindow window, double[] initial, double[] final, ref int steps)
    {
        var status = window.Map(initial, final, this, ref steps);
        return status == SolveStatus.Success && steps > MaxStepsPerSolve ? SolveStatus.WorkLimitExceeded : status;
    }

    /// <summary>Plain iteration of the one-interval map from <paramref name="x"/> (the fallback).</summary>
    private SolveStatus FixedPointSteadyState(PeriodicWindow window, double[] x, ref int steps)
    {
        var n = x.Length;
        var next = new double[n];
        var previous = double.PositiveInfinity;
        for (var iter = 0; iter < MaxSteadyStateIntervals; iter++)
        {
            var status = Map(window, x, next, ref steps);
            if (status != SolveStatus.Success) return status;
            next[n - 1] = 0;
            var change = 0.0; var size = 0.0;
            for (var i = 0; i < n - 1; i++) { change = Math.Max(change, Math.Abs(next[i] - x[i])); size = Math.Max(size, Math.Abs(next[i])); }
            next.CopyTo(x, 0);
            // Converged, or stalled at the integrator's own noise level (the map is only accurate to ~rtol).
            var converged = change <= 1e-3 * Options.RelativeTolerance * size + 1e-300;
            var stalled = iter > 50 && change >= previous && change <= Options.RelativeTolerance * size;
            previous = change;
            if (converged || stalled) return SolveStatus.Success;
        }
        return SolveStatus.SteadyStateNotConverged;
    }
}
