namespace ZeroShotPK.Simulation;

/// <summary>Outcome of a solve; anything but <see cref="Success"/> means the numbers are not to be used.</summary>
public enum SolveStatus
{
    /// <summary>Solved to the requested accuracy.</summary>
    Success,
    /// <summary>The solver cannot solve this model (e.g. closed form for Michaelis-Menten elimination).</summary>
    Unsupported,
    /// <summary>The adaptive step size fell below its minimum.</summary>
    StepSizeTooSmall,
    /// <summary>The maximum number of steps was reached.</summary>
    MaxStepsExceeded,
    /// <summary>Steady state did not converge within the iteration limit.</summary>
    SteadyStateNotConverged,
    /// <summary>A non-finite number appeared.</summary>
    NotFinite,
    /// <summary>
    /// The whole solve (every interval, every steady-state iteration) took more integration steps than its work limit
    /// (<see cref="OdeSolver.MaxStepsPerSolve"/>): a system so stiff that an explicit solver would run for minutes.
    /// </summary>
    WorkLimitExceeded,
}

/// <summary>Concentrations (and amounts per state) at the problem's output times.</summary>
public sealed class PkSolution
{
    internal PkSolution(PkProblem problem, SolveStatus status, double[] concentrations, double[,] amounts, string? message, int steps)
    {
        Problem = problem;
        Status = status;
        Concentrations = concentrations;
        Amounts = amounts;
        Message = message;
        Steps = steps;
    }

    internal static PkSolution Failed(PkProblem problem, SolveStatus status, string message) =>
        new(problem, status, [], new double[0, 0], message, 0);

    /// <summary>The problem solved.</summary>
    public PkProblem Problem { get; }
    /// <summary>Outcome.</summary>
    public SolveStatus Status { get; }
    /// <summary>True when <see cref="Status"/> is <see cref="SolveStatus.Success"/>.</summary>
    public bool IsSuccess => Status == SolveStatus.Success;
    /// <summary>Why the solve failed, or null.</summary>
    public string? Message { get; }
    /// <summary>Output times (the problem's).</summary>
    public IReadOnlyList<double> Times => Problem.Times;
    /// <summary>Central concentration (Central / V) at each output time.</summary>
    public IReadOnlyList<double> Concentrations { get; }
    /// <summary>Amounts [time index, state index]; states as in <see cref="PkModel.StateNames"/> (last = cumulative eliminated).</summary>
    public double[,] Amounts { get; }
    /// <summary>Integration steps taken (ODE) or matrix exponentials evaluated (closed form).</summary>
    public int Steps { get; }

    /// <summary>Throws <see cref="InvalidOperationException"/> when the solve failed; returns this otherwise.</summary>
    public PkSolution EnsureSuccess() => IsSuccess ? this
        : throw new InvalidOperationException($"PK solve failed ({Status}): {Message}");
}

/// <summary>Solves a <see cref="PkProblem"/>; implementations can be cross-checked on the same problem.</summary>
public interface IPkSolver
{
    /// <summary>Solves the problem; failures are reported in <see cref="PkSolution.Status"/>, not thrown.</summary>
    PkSolution Solve(PkProblem problem);
}
