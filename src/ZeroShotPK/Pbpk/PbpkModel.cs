using ZeroShotPK.Data;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Pbpk;

/// <summary>State indices of <see cref="PbpkModel"/>: the 13 tissues (by <see cref="Tissue"/> value) then these.</summary>
public enum PbpkState
{
    /// <summary>Arterial blood amount.</summary>
    Arterial = Tissues.Count,
    /// <summary>Venous blood amount (IV doses enter here).</summary>
    Venous,
    /// <summary>Gut lumen amount (oral doses enter here).</summary>
    GutLumen,
    /// <summary>Cumulative amount that left the lumen unabsorbed (fraction 1 - Fa).</summary>
    Unabsorbed,
    /// <summary>Cumulative amount cleared by the liver.</summary>
    EliminatedHepatic,
    /// <summary>Cumulative amount cleared by the kidneys.</summary>
    EliminatedRenal,
    /// <summary>Area under the venous plasma concentration curve (amount x time / volume).</summary>
    PlasmaAuc,
}

/// <summary>
/// Whole-body perfusion-limited PBPK model: lung between venous and arterial blood; every other tissue fed by
/// arterial blood, gut, spleen and pancreas draining through the portal vein into the liver (hepatic artery flow =
/// liver flow - portal flow); well-stirred hepatic clearance from the liver and renal clearance from the kidney;
/// oral doses absorbed first-order from the gut lumen into the gut wall. Tissue outflow concentration (blood) is
/// C_T * B:P / Kp_T. With linear clearance the system dx/dt = A x + b(t) is linear, so it is solved exactly by
/// matrix exponentials between dose events.
/// Units: L, h, and the dose's amount unit (concentrations amount/L).
/// </summary>
public sealed class PbpkModel
{
    /// <summary>Number of states (13 tissues, arterial, venous, lumen, unabsorbed, two eliminated, plasma AUC).</summary>
    public const int StateCount = 20;

    private readonly double[] _a; // row-major StateCount^2
    private readonly double[] _kp;

    /// <summary>Builds the model of one individual.</summary>
    /// <param name="physiology">The individual's physiology (must be physiologically valid: positive values, hepatic artery flow &gt;= 0).</param>
    /// <param name="compound">Drug properties; clearances are those of <paramref name="reference"/>.</param>
    /// <param name="method">Partition coefficient method.</param>
    /// <param name="reference">Individual whose plasma clearances the compound's values are (default: the species table's reference).</param>
    /// <param name="kp">Explicit Kp by tissue (overrides <paramref name="method"/>).</param>
    /// <exception cref="ArgumentException">Invalid physiology or a clearance the reference liver or kidney cannot reach.</exception>
    public PbpkModel(Physiology physiology, Compound compound, PartitionMethod method = PartitionMethod.RodgersRowland,
        Physiology? reference = null, IReadOnlyList<double>? kp = null)
    {
        compound.Validate();
        var p = physiology;
        foreach (var (name, v) in Physiology.Vector.Names.Zip(p.ToVector()))
            if (!double.IsFinite(v)) throw new ArgumentException($"physiology: {name} is {v}; expected a finite number.");
        var bad = Tissues.All.FirstOrDefault(t => !(p.Volume(t) > 0) || !(p.Flow(t) > 0), (Tissue)(-1));
        if ((int)bad >= 0) throw new ArgumentException($"physiology: {bad} volume and flow must be > 0 (got {p.Volume(bad)} L, {p.Flow(bad)} L/h).");
        if (!(p.BloodVolume > 0)) throw new ArgumentException($"physiology: blood volume must be > 0, got {p.BloodVolume}.");
        if (p.HepaticArteryFlow < 0) throw new ArgumentException($"physiology: hepatic artery flow is negative ({p.HepaticArteryFlow:G4} L/h): liver flow below portal flow.");
        Physiology = p;
        Compound = compound;
        _kp = (kp ?? PartitionCoefficients.Predict(compound, method, p.Hematocrit)).ToArray();
        if (_kp.Length != Tissues.Count || _kp.Any(k => !(k > 0) || !double.IsFinite(k)))
            throw new ArgumentException($"kp: expected {Tissues.Count} positive values, got [{string.Join(", ", _kp)}].", nameof(kp));

        reference ??= PhysiologyTable.Load(p.Species).Reference();
        var bp = compound.BloodPlasmaRatio;
        HepaticExtractionTerm = Invert(compound.HepaticClearance / bp, reference.Flow(Tissue.Liver), "hepatic", compound.Name)
            * p.Volume(Tissue.Liver) / reference.Volume(Tissue.Liver);
        RenalExtractionTerm = Invert(compound.RenalClearance / bp, reference.Flow(Tissue.Kidney), "renal", compound.Name)
            * p.Volume(Tissue.Kidney) / reference.Volume(Tissue.Kidney);
        _a = BuildMatrix();
    }

    /// <summary>Physiology simulated.</summary>
    public Physiology Physiology { get; }
    /// <summary>Compound simulated.</summary>
    public Compound Compound { get; }
    /// <summary>Tissue:plasma partition coefficients by <see cref="Tissue"/>.</summary>
    public IReadOnlyList<double> Kp => _kp;
    /// <summary>fu,blood x CLint of the liver, L/h: hepatic elimination rate = this x liver outflow blood concentration.</summary>
    public double HepaticExtractionTerm { get; }
    /// <summary>The renal counterpart of <see cref="HepaticExtractionTerm"/>, L/h.</summary>
    public double RenalExtractionTerm { get; }

    /// <summary>Pulmonary flow used by the model: the sum of systemic flows (equals cardiac output when the individual closes), L/h.</summary>
    public double PulmonaryFlow => Physiology.SystemicFlowSum;

    /// <summary>Well-stirred blood clearance of the liver, L/h: Q_H e / (Q_H + e).</summary>
    public double HepaticBloodClearance => WellStirred(Physiology.Flow(Tissue.Liver), HepaticExtractionTerm);
    /// <summary>Well-stirred blood clearance of the kidney, L/h.</summary>
    public double RenalBloodClearance => WellStirred(Physiology.Flow(Tissue.Kidney), RenalExtractionTerm);
    /// <summary>Total plasma clearance, L/h: B:P (CL_H,b + CL_R,b); steady-state plasma concentration under infusion R0 is R0 / this.</summary>
    public double PlasmaClearance => Compound.BloodPlasmaRatio * (HepaticBloodClearance + RenalBloodClearance);

    /// <summary>Volume of distribution at steady state referenced to plasma, L: V_blood B:P + sum V_T Kp_T.</summary>
    public double Vss => Physiology.BloodVolume * Compound.BloodPlasmaRatio + Tissues.All.Sum(t => Physiology.Volume(t) * _kp[(int)t]);

    /// <summary>
    /// Half-life of the one-compartment equivalent, h: ln 2 Vss / CL (plasma). It is the terminal half-life when the
    /// tissues equilibrate with plasma fast compared with elimination; slow distribution makes the terminal phase longer.
    /// </summary>
    public double HalfLife => Math.Log(2) * Vss / PlasmaClearance;

    /// <summary>
    /// Oral bioavailability F = Fa F_H: the absorbed fraction times the fraction escaping the well-stirred liver on the
    /// first pass, F_H = Q_H / (Q_H + fu,b CLint) (the gut wall does not metabolise in this model). AUC oral / AUC IV of
    /// the same dose.
    /// </summary>
    public double OralBioavailability => Compound.Fa * Physiology.Flow(Tissue.Liver) / (Physiology.Flow(Tissue.Liver) + HepaticExtractionTerm);

    /// <summary>Well-stirred organ blood clearance Q E / (Q + E) for blood flow Q and unbound intrinsic term E (fu,b CLint).</summary>
    internal static double WellStirred(double q, double e) => e == 0 ? 0 : q * e / (q + e);

    private static double Invert(double clBlood, double q, string organ, string name)
    {
        if (clBlood == 0) return 0;
        if (clBlood >= q)
            throw new ArgumentException($"compound '{name}': {organ} blood clearance {clBlood:G4} L/h is not below the reference {organ} blood flow {q:G4} L/h.");
        return clBlood * q / (q - clBlood);
    }

    /// <summary>The system matrix A (row-major, <see cref="StateCount"/> squared): dx/dt = A x + inputs.</summary>
    public ReadOnlySpan<double> SystemMatrix => _a;

    private double[] BuildMatrix()
    {
        const int n = StateCount;
        var a = new double[n * n];
        var p = Physiology;
        var bp = Compound.BloodPlasmaRatio;
        void Add(int to, int from, double v) => a[to * n + from] += v;
        int art = (int)PbpkState.Arterial, ven = (int)PbpkState.Venous, lum = (int)PbpkState.GutLumen;
        var kArt = 1 / p.ArterialVolume;
        var kVen = 1 / p.VenousVolume;
        double KOut(Tissue t) => bp / (p.Volume(t) * _kp[(int)t]);
        var qLung = PulmonaryFlow;
        var lung = (int)Tissue.Lung;
        Add(lung, ven, qLung * kVen); Add(ven, ven, -qLung * kVen);
        Add(lung, lung, -qLung * KOut(Tissue.Lung)); Add(art, lung, qLung * KOut(Tissue.Lung));
        Add(art, art, -qLung * kArt);
        foreach (var t in Tissues.All.Skip(1))
        {
            var i = (int)t;
            var q = p.Flow(t);
            var inflow = t == Tissue.Liver ? p.HepaticArteryFlow : q;
            Add(i, art, inflow * kArt);
            Add(i, i, -q * KOut(t));
            var target = Tissues.IsPortal(t) ? (int)Tissue.Liver : ven;
            Add(target, i, q * KOut(t));
        }
        var liver = (int)Tissue.Liver;
        Add(liver, liver, -HepaticExtractionTerm * KOut(Tissue.Liver));
        Add((int)PbpkState.EliminatedHepatic, liver, HepaticExtractionTerm * KOut(Tissue.Liver));
        var kidney = (int)Tissue.Kidney;
        Add(kidney, kidney, -RenalExtractionTerm * KOut(Tissue.Kidney));
        Add((int)PbpkState.EliminatedRenal, kidney, RenalExtractionTerm * KOut(Tissue.Kidney));
        Add(lum, lum, -Compound.Ka);
        Add((int)Tissue.Gut, lum, Compound.Fa * Compound.Ka);
        Add((int)PbpkState.Unabsorbed, lum, (1 - Compound.Fa) * Compound.Ka);
        Add((int)PbpkState.PlasmaAuc, ven, kVen / bp);
        return a;
    }

    /// <summary>Simulates the doses and returns the states at <paramref name="times"/> (exact, matrix exponential).</summary>
    /// <param name="doses">Administrations: oral (into the gut lumen), IV bolus and infusions (venous blood), oral infusion (lumen).</param>
    /// <param name="times">Output times, ascending, &gt;= 0. At a dose time the state after the dose is reported.</param>
    /// <exception cref="ArgumentException">Unsorted or negative times, or a steady-state (SS) dose.</exception>
    /// <exception cref="InvalidOperationException">The solve failed (see <see cref="PbpkProblem.Solve"/> for the status instead).</exception>
    public PbpkSolution Simulate(IEnumerable<DosingEvent> doses, IReadOnlyList<double> times) =>
        new PbpkProblem(this, doses, times).Solve().EnsureSuccess();

    /// <summary>The same simulation by adaptive Dormand-Prince RK45: the baseline and cross-check of the exact solution.</summary>
    /// <param name="doses">As for <see cref="Simulate"/>.</param>
    /// <param name="times">As for <see cref="Simulate"/>.</param>
    /// <param name="rtol">Relative tolerance per step.</param>
    /// <param name="atol">Absolute tolerance per step (amount units).</param>
    /// <exception cref="ArgumentException">As for <see cref="Simulate"/>.</exception>
    /// <exception cref="InvalidOperationException">The integrator failed (see <see cref="PbpkProblem.SolveOde"/> for the status instead).</exception>
    public PbpkSolution SimulateOde(IEnumerable<DosingEvent> doses, IReadOnlyList<double> times, double rtol = 1e-8, double atol = 1e-10) =>
        new PbpkProblem(this, doses, times).SolveOde(new OdeOptions(rtol, atol)).EnsureSuccess();

    // Dose events as state and rate changes; the problem has validated the doses.
    private static List<(double T, int Order, Action<double[], double[]> Apply)> Events(IEnumerable<DosingEvent> doses)
    {
        var events = new List<(double T, int Order, Action<double[], double[]> Apply)>();
        foreach (var d in doses)
        {
            var target = d.IntoDepot ? 1 : 0;
            if (d.ResetBefore) events.Add((d.Time, 0, (x, r) => { Array.Clear(x); Array.Clear(r); }));
            if (d.IsInfusion)
            {
                var rate = d.Rate;
                events.Add((d.Time, 1, (_, r) => r[target] += rate));
                events.Add((d.Time + d.Duration, 1, (_, r) => r[target] = Math.Abs(r[target] - rate) <= 1e-12 * rate ? 0 : r[target] - rate));
            }
            else
            {
                var state = d.IntoDepot ? (int)PbpkState.GutLumen : (int)PbpkState.Venous;
                var amount = d.Amount;
                events.Add((d.Time, 2, (x, _) => x[state] += amount));
            }
        }
        events.Sort((u, v) => u.T != v.T ? u.T.CompareTo(v.T) : u.Order.CompareTo(v.Order));
        return events;
    }

    /// <summary>Solves <paramref name="problem"/> (whose model is this one) exactly, or by RK45 when <paramref name="ode"/> is given.</summary>
    internal PbpkSolution Solve(PbpkProblem problem, OdeOptions? ode)
    {
        var times = problem.Times;
        var events = Events(problem.Doses);
        var x = new double[StateCount];
        var rates = new double[2];
        var outAmounts = new double[times.Count][];
        var propagator = new Propagator(this);
        double t = 0;
        int e = 0, o = 0, steps = 0;
        while (o < times.Count)
        {
            var next = e < events.Count ? Math.Min(events[e].T, times[o]) : times[o];
            if (next > t)
            {
                if (ode is null) { propagator.Advance(x, next - t, rates[0], rates[1]); steps++; }
                else
                {
                    double iv = rates[0], oral = rates[1], step = 0;
                    var intervalSteps = 0;
                    var status = DormandPrince.Integrate((_, y, dy) => Derivative(y, dy, iv, oral), t, x, next, ode, ref step, ref intervalSteps);
                    steps += intervalSteps;
                    if (status != SolveStatus.Success)
                        return PbpkSolution.Failed(problem, status, $"RK45 between t={t} and t={next}: {status} after {intervalSteps} accepted steps.", steps);
                }
                // A non-finite state would propagate silently to every later output: stop at the first one.
                foreach (var v in x)
                    if (!double.IsFinite(v))
                        return PbpkSolution.Failed(problem, SolveStatus.NotFinite, $"a non-finite amount appeared between t={t} and t={next}.", steps);
                t = next;
            }
            while (e < events.Count && events[e].T <= t) events[e++].Apply(x, rates);
            while (o < times.Count && times[o] <= t) outAmounts[o++] = (double[])x.Clone();
        }
        return new PbpkSolution(problem, SolveStatus.Success, outAmounts, null, steps);
    }

    /// <summary>dx/dt into <paramref name="dx"/> (used by the ODE cross-check with the shared <see cref="DormandPrince"/>).</summary>
    internal void Derivative(ReadOnlySpan<double> x, Span<double> dx, double ivRate, double oralRate)
    {
        MatrixExponential.Apply(_a, x, dx, StateCount);
        dx[(int)PbpkState.Venous] += ivRate;
        dx[(int)PbpkState.GutLumen] += oralRate;
    }

    /// <summary>Caches exp(A h) per step length and input rates, so a regular output grid costs one exponential.</summary>
    private sealed class Propagator(PbpkModel model)
    {
        private readonly Dictionary<(double H, double Iv, double Oral), double[]> _cache = [];
        private readonly double[] _work = new double[StateCount + 1];

        public void Advance(double[] x, double h, double iv, double oral)
        {
            const int n = StateCount;
            var free = iv == 0 && oral == 0;
            if (!_cache.TryGetValue((h, iv, oral), out var phi))
            {
                var m = free ? n : n + 1;
                var aug = new double[m * m];
                for (var i = 0; i < n; i++) Array.Copy(model._a, i * n, aug, i * m, n);
                if (!free)
                {
                    aug[(int)PbpkState.Venous * m + n] = iv;
                    aug[(int)PbpkState.GutLumen * m + n] = oral;
                }
                phi = new double[m * m];
                MatrixExponential.Compute(aug, m, h, phi);
                if (_cache.Count > 64) _cache.Clear();
                _cache[(h, iv, oral)] = phi;
            }
            if (free)
            {
                MatrixExponential.Apply(phi, x, _work.AsSpan(0, n), n);
                _work.AsSpan(0, n).CopyTo(x);
            }
            else
            {
                var m = n + 1;
                x.CopyTo(_work, 0);
                _work[n] = 1;
                for (var i = 0; i < n; i++)
                {
                    var s = 0.0;
                    for (var j = 0; j < m; j++) s += phi[i * m + j] * _work[j];
                    x[i] = s;
                }
            }
        }
    }
}

/// <summary>
/// An immutable PBPK problem: one individual's <see cref="PbpkModel"/>, its dosing history and output times (the PBPK
/// counterpart of <see cref="PkProblem"/>). <see cref="Solve"/> or <see cref="SolveOde"/> it; failures come back as a
/// <see cref="SolveStatus"/> in the <see cref="PbpkSolution"/>, not as exceptions.
/// </summary>
public sealed class PbpkProblem
{
    /// <summary>Creates and validates the problem.</summary>
    /// <param name="model">The individual's model.</param>
    /// <param name="doses">Administrations: oral (into the gut lumen), IV bolus and infusions (venous blood), oral infusion (lumen); any order.</param>
    /// <param name="times">Output times, ascending, finite, &gt;= 0. At a dose time the state after the dose is reported.</param>
    /// <exception cref="ArgumentException">Unsorted, negative or non-finite times; a steady-state (SS) dose; a dose with a negative time or a non-positive amount; an infusion without a positive duration.</exception>
    public PbpkProblem(PbpkModel model, IEnumerable<DosingEvent> doses, IEnumerable<double> times)
    {
        Model = model;
        Times = times.ToArray();
        for (var i = 0; i < Times.Count; i++)
        {
            if (!(Times[i] >= 0) || !double.IsFinite(Times[i])) throw new ArgumentException($"times[{i}] = {Times[i]}: output times must be finite and >= 0.", nameof(times));
            if (i > 0 && Times[i] < Times[i - 1]) throw new ArgumentException($"times[{i}] = {Times[i]} is before times[{i - 1}] = {Times[i - 1]}: output times must be ascending.", nameof(times));
        }
        Doses = doses.ToArray();
        foreach (var d in Doses)
        {
            if (d.SteadyStateInterval is not null) throw new ArgumentException($"dose at t={d.Time}: steady-state (SS) doses are not supported by the PBPK model; give the dose history explicitly.", nameof(doses));
            if (!(d.Time >= 0) || !(d.Amount > 0)) throw new ArgumentException($"dose at t={d.Time}: time must be >= 0 and amount > 0 (got {d.Amount}).", nameof(doses));
            if (d.IsInfusion && !(d.Duration > 0)) throw new ArgumentException($"infusion at t={d.Time}: duration must be > 0, got {d.Duration}.", nameof(doses));
        }
    }

    /// <summary>The individual's model.</summary>
    public PbpkModel Model { get; }
    /// <summary>Doses, in the order given (events at one time apply reset, then infusion changes, then boluses).</summary>
    public IReadOnlyList<DosingEvent> Doses { get; }
    /// <summary>Output times, ascending.</summary>
    public IReadOnlyList<double> Times { get; }

    /// <summary>Exact solution by matrix exponentials between events (<see cref="MatrixExponential"/>).</summary>
    public PbpkSolution Solve() => Model.Solve(this, null);

    /// <summary>The same solution by adaptive Dormand-Prince RK45, the cross-check of <see cref="Solve"/>.</summary>
    /// <param name="options">Tolerances and step limit (default: relative 1e-8, absolute 1e-10 amount units).</param>
    public PbpkSolution SolveOde(OdeOptions? options = null) => Model.Solve(this, options ?? new OdeOptions());
}

/// <summary>States of a <see cref="PbpkModel"/> at the output times, or why there are none (<see cref="Status"/>).</summary>
public sealed class PbpkSolution
{
    internal PbpkSolution(PbpkProblem problem, SolveStatus status, double[][] amounts, string? message, int steps)
    {
        Problem = problem; Status = status; Amounts = amounts; Message = message; Steps = steps;
    }

    internal static PbpkSolution Failed(PbpkProblem problem, SolveStatus status, string message, int steps) =>
        new(problem, status, [], message, steps);

    /// <summary>The problem solved.</summary>
    public PbpkProblem Problem { get; }
    /// <summary>The model simulated.</summary>
    public PbpkModel Model => Problem.Model;
    /// <summary>Outcome; anything but <see cref="SolveStatus.Success"/> leaves <see cref="Amounts"/> empty.</summary>
    public SolveStatus Status { get; }
    /// <summary>True when <see cref="Status"/> is <see cref="SolveStatus.Success"/>.</summary>
    public bool IsSuccess => Status == SolveStatus.Success;
    /// <summary>Why the solve failed, or null.</summary>
    public string? Message { get; }
    /// <summary>Matrix-exponential propagations (exact) or RK45 steps (ODE) taken, up to a failure.</summary>
    public int Steps { get; }
    /// <summary>Output times (the problem's).</summary>
    public IReadOnlyList<double> Times => Problem.Times;
    /// <summary>Amounts by time then state (<see cref="PbpkModel.StateCount"/> entries; index by <see cref="Tissue"/> or <see cref="PbpkState"/>).</summary>
    public IReadOnlyList<double[]> Amounts { get; }

    /// <summary>Throws <see cref="InvalidOperationException"/> when the solve failed; returns this otherwise.</summary>
    public PbpkSolution EnsureSuccess() => IsSuccess ? this
        : throw new InvalidOperationException($"PBPK solve failed ({Status}): {Message}");

    /// <summary>Venous plasma concentration at each output time (amount/L).</summary>
    public double[] PlasmaConcentration() =>
        Amounts.Select(x => x[(int)PbpkState.Venous] / Model.Physiology.VenousVolume / Model.Compound.BloodPlasmaRatio).ToArray();

    /// <summary>Tissue concentration (amount/L of tissue) at each output time.</summary>
    public double[] TissueConcentration(Tissue t) => Amounts.Select(x => x[(int)t] / Model.Physiology.Volume(t)).ToArray();

    /// <summary>Amount in the body (tissues, blood, lumen) at each output time, excluding unabsorbed and eliminated.</summary>
    public double[] AmountInBody() => Amounts.Select(x => x.Take((int)PbpkState.Unabsorbed).Sum()).ToArray();
}
