using ZeroShotPK.Data;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Models.Baselines;

/// <summary>Residual error model: Var(y | f) = Sigma_add^2 + (Sigma_prop f)^2.</summary>
public enum ResidualError
{
    /// <summary>Constant standard deviation (R nlme's default).</summary>
    Additive,
    /// <summary>Standard deviation proportional to the prediction.</summary>
    Proportional,
    /// <summary>Additive plus proportional.</summary>
    Combined,
}

/// <summary>
/// A nonlinear mixed-effects PK model: log-scale parameters phi = Theta + Eta (Eta only where a parameter has a
/// random effect, Eta ~ N(0, Omega), Omega diagonal), a map phi -> <see cref="PkParameters"/>, and a residual
/// error model. Build one with the named factories.
/// </summary>
public sealed class NlmeModel
{
    private readonly Func<double[], Individual, PkParameters> _toPk;
    private readonly Func<TypicalGuess, double[]> _initial;

    private NlmeModel(string name, PkModel structure, string[] parameters, bool[] random, ResidualError error, Func<double[], Individual, PkParameters> toPk,
        Func<TypicalGuess, double[]> initial)
    {
        Name = name; Structure = structure; ParameterNames = parameters; HasRandomEffect = random; Error = error; _toPk = toPk; _initial = initial;
        RandomIndex = Enumerable.Range(0, parameters.Length).Where(k => random[k]).ToArray();
    }

    /// <summary>Model name (shown in fit summaries).</summary>
    public string Name { get; }
    /// <summary>Compartment structure (linear elimination, first-order absorption from the depot).</summary>
    public PkModel Structure { get; }
    /// <summary>Names of the log-scale parameters, in Theta order (e.g. "lCL").</summary>
    public IReadOnlyList<string> ParameterNames { get; }
    /// <summary>Whether each parameter carries a random effect.</summary>
    public IReadOnlyList<bool> HasRandomEffect { get; }
    /// <summary>Residual error model.</summary>
    public ResidualError Error { get; }
    internal int[] RandomIndex { get; }

    /// <summary>A copy with another residual error model.</summary>
    public NlmeModel WithError(ResidualError error) => new(Name, Structure, (string[])ParameterNames, (bool[])HasRandomEffect, error, _toPk, _initial);

    /// <summary>Starting Theta from rough typical CL, V, Ka of the data.</summary>
    internal double[] InitialTheta(TypicalGuess g) => _initial(g);

    /// <summary>PK parameters of <paramref name="individual"/> at log-parameters <paramref name="phi"/>.</summary>
    public PkParameters ToPk(double[] phi, Individual individual) => _toPk(phi, individual);

    /// <summary>Model concentrations for log-parameters <paramref name="phi"/> at <paramref name="times"/> (the simulator's closed form).</summary>
    public double[] Predict(double[] phi, Individual individual, IReadOnlyList<double> times) =>
        ClosedFormSolver.Concentrations(Structure, _toPk(phi, individual), individual.Doses, individual.ResetTimes, times);

    /// <summary>
    /// Model concentrations and their exact Jacobian d f / d phi (row-major into <paramref name="jacobian"/>, one row of
    /// <see cref="ParameterNames"/>.Count per time) from one forward-mode pass of the closed form; false (nothing written)
    /// where that pass does not apply (a structure or dosing outside <see cref="Superposition.Supports"/>, or a parameter
    /// map that moves F or Tlag), and the caller falls back to finite differences.
    /// </summary>
    internal bool TryPredictWithJacobian(double[] phi, Individual individual, IReadOnlyList<double> times, Span<double> f, Span<double> jacobian)
    {
        var pk = _toPk(phi, individual);
        if (!Superposition.Supports(Structure, pk, individual.Doses)) return false;
        pk.Validate(Structure);
        foreach (var t in times)
            if (!double.IsFinite(t) || t < 0) throw new ArgumentException($"output time {t} must be finite and >= 0.", nameof(times));
        int p = phi.Length, n = times.Count;
        const int m = SuperpositionGradient.Parameters;
        // d log(CL, V, Ka, Q, V2) / d phi by central differences of the parameter map alone (no solve): exact up to
        // rounding for every factory here, whose log-parameters are linear in phi.
        Span<double> dLog = stackalloc double[m * p];
        var work = (double[])phi.Clone();
        const double h = 1e-4;
        for (int k = 0; k < p; k++)
        {
            work[k] = phi[k] + h; var up = _toPk(work, individual);
            work[k] = phi[k] - h; var down = _toPk(work, individual);
            work[k] = phi[k];
            if (up.F != down.F || up.Tlag != down.Tlag) return false;
            for (int r = 0; r < m; r++)
            {
                double a = Component(up, r), b = Component(down, r);
                if (a == b) { dLog[r * p + k] = 0; continue; }
                if (!(a > 0 && b > 0)) return false;
                dLog[r * p + k] = (Math.Log(a) - Math.Log(b)) / (2 * h);
            }
        }
        var g = n * m <= 512 ? stackalloc double[n * m] : new double[n * m];
        SuperpositionGradient.Concentrations(Structure, pk, individual.Doses, individual.ResetTimes, times, f, g);
        for (int j = 0; j < n; j++)
        for (int k = 0; k < p; k++)
        {
            double s = 0;
            for (int r = 0; r < m; r++) s += g[j * m + r] * dLog[r * p + k];
            jacobian[j * p + k] = s;
        }
        return true;
    }

    private static double Component(PkParameters pk, int r) => r switch { 0 => pk.CL, 1 => pk.V, 2 => pk.Ka, 3 => pk.Q, _ => pk.V2 };

    /// <summary>
    /// One compartment, first-order absorption: lCL, lV, lKa, random effects on all three, combined error.
    /// </summary>
    public static NlmeModel OneCompartmentOral(ResidualError error = ResidualError.Combined) =>
        new("1-cmt oral", PkModel.OneCompartment, ["lCL", "lV", "lKa"], [true, true, true], error,
            (phi, _) => new PkParameters { CL = Math.Exp(phi[0]), V = Math.Exp(phi[1]), Ka = Math.Exp(phi[2]) },
            g => [Math.Log(g.CL), Math.Log(g.V), Math.Log(g.Ka)]);

    /// <summary>One compartment, IV input: lCL, lV, random effects on both, combined error.</summary>
    public static NlmeModel OneCompartmentIv(ResidualError error = ResidualError.Combined) =>
        new("1-cmt iv", PkModel.OneCompartment, ["lCL", "lV"], [true, true], error,
            (phi, _) => new PkParameters { CL = Math.Exp(phi[0]), V = Math.Exp(phi[1]), Ka = 1 },
            g => [Math.Log(g.CL), Math.Log(g.V)]);

    /// <summary>Two compartments, first-order absorption: lCL, lV, lKa, lQ, lV2; random effects on lCL, lV, lKa.</summary>
    public static NlmeModel TwoCompartmentOral(ResidualError error = ResidualError.Combined) =>
        new("2-cmt oral", PkModel.TwoCompartment, ["lCL", "lV", "lKa", "lQ", "lV2"], [true, true, true, false, false], error,
            (phi, _) => new PkParameters { CL = Math.Exp(phi[0]), V = Math.Exp(phi[1]), Ka = Math.Exp(phi[2]), Q = Math.Exp(phi[3]), V2 = Math.Exp(phi[4]) },
            g => [Math.Log(g.CL), Math.Log(g.V / 2), Math.Log(g.Ka), Math.Log(g.CL), Math.Log(g.V / 2)]);

    /// <summary>Two compartments, IV input: lCL, lV, lQ, lV2; random effects on lCL, lV and lV2.</summary>
    public static NlmeModel TwoCompartmentIv(ResidualError error = ResidualError.Combined) =>
        new("2-cmt iv", PkModel.TwoCompartment, ["lCL", "lV", "lQ", "lV2"], [true, true, false, true], error,
            (phi, _) => new PkParameters { CL = Math.Exp(phi[0]), V = Math.Exp(phi[1]), Ka = 1, Q = Math.Exp(phi[2]), V2 = Math.Exp(phi[3]) },
            g => [Math.Log(g.CL), Math.Log(g.V / 3), Math.Log(g.CL), Math.Log(g.V * 2 / 3)]);

    /// <summary>
    /// R's <c>SSfol(Dose, Time, lKe, lKa, lCl)</c> with the dose per kg of the covariate <paramref name="weight"/>
    /// (the theophylline reference model): V = CL / Ke, random effects on lKa and lCl only.
    /// </summary>
    public static NlmeModel Ssfol(string weight = "WT", ResidualError error = ResidualError.Additive) =>
        new("SSfol per kg", PkModel.OneCompartment, ["lKe", "lKa", "lCl"], [false, true, true], error, (phi, ind) =>
        {
            double wt = ind.NumericCovariate(weight)
                ?? throw new ArgumentException($"individual {ind.Id}: covariate '{weight}' (body weight) is missing or not numeric.");
            // Dose in mg/kg with CL, V per kg is the same as the total dose with CL, V scaled by weight.
            double cl = Math.Exp(phi[2]) * wt;
            return new PkParameters { CL = cl, V = cl / Math.Exp(phi[0]), Ka = Math.Exp(phi[1]) };
        }, g => [Math.Log(g.CL / g.V), Math.Log(g.Ka), Math.Log(g.CL / g.MedianWeight)]);

    /// <summary>
    /// The single default model for a study: one compartment with first-order absorption when its doses go into the
    /// depot, two compartments when they are intravenous; combined residual error.
    /// </summary>
    /// <exception cref="ArgumentException">The study has no doses, or mixes depot and IV doses.</exception>
    public static NlmeModel ForStudy(Study study) => IsOral(study) ? OneCompartmentOral() : TwoCompartmentIv();

    /// <summary>
    /// The structural candidates for a study, among which <see cref="NlmePopulationFitter"/> picks by BIC: one and two
    /// compartments with first-order absorption when its doses go into the depot, one and two compartments with IV
    /// input when they are intravenous; combined residual error.
    /// </summary>
    /// <exception cref="ArgumentException">The study has no doses, or mixes depot and IV doses.</exception>
    public static IReadOnlyList<NlmeModel> CandidatesForStudy(Study study) =>
        IsOral(study) ? [OneCompartmentOral(), TwoCompartmentOral()] : [OneCompartmentIv(), TwoCompartmentIv()];

    private static bool IsOral(Study study)
    {
        var doses = study.Individuals.SelectMany(i => i.Doses).ToArray();
        if (doses.Length == 0) throw new ArgumentException($"study '{study.Name}' has no doses; an NLME model needs a dosing history.");
        bool depot = doses.Any(d => d.IntoDepot), iv = doses.Any(d => !d.IntoDepot);
        if (depot && iv) throw new ArgumentException($"study '{study.Name}' mixes depot and IV doses; choose the NLME model explicitly.");
        return depot;
    }
}

/// <summary>Rough typical values from non-compartmental analysis, used only to start the estimation.</summary>
internal readonly record struct TypicalGuess(double CL, double V, double Ka, double MedianWeight);
