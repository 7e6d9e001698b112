using ZeroShotPK.Data;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Priors;

/// <summary>The sampled truth behind one simulated individual.</summary>
/// <param name="Id">Individual id in the study.</param>
/// <param name="Parameters">Individual mean parameters (typical values times exp(eta)).</param>
/// <param name="Segments">Piecewise-constant parameters actually used (OU path), one per segment.</param>
/// <param name="Doses">Doses given.</param>
/// <param name="Times">Sampling times.</param>
/// <param name="Concentrations">Noise-free concentrations at <paramref name="Times"/>.</param>
public sealed record IndividualTruth(string Id, PkParameters Parameters, IReadOnlyList<ParameterSegment> Segments,
    IReadOnlyList<DosingEvent> Doses, IReadOnlyList<double> Times, IReadOnlyList<double> Concentrations);

/// <summary>The sampled truth behind one simulated study.</summary>
/// <param name="Model">Structural model.</param>
/// <param name="Route">Route of the study.</param>
/// <param name="Typical">Study typical values (Theta).</param>
/// <param name="Dose">Study dose (before individual variation).</param>
/// <param name="HalfLife">Typical terminal half-life used for the design (for oral studies the slower of disposition and absorption).</param>
/// <param name="Tmax">Typical time to peak after one dose used for the design.</param>
/// <param name="Lloq">Lower limit of quantification (0 = none).</param>
/// <param name="Individuals">Per-individual truth.</param>
public sealed record StudyTruth(PkModel Model, Route Route, PkParameters Typical, double Dose, double HalfLife, double Tmax,
    double Lloq, IReadOnlyList<IndividualTruth> Individuals);

/// <summary>A generated study with the truth it was generated from.</summary>
/// <param name="Study">The observed study.</param>
/// <param name="Truth">What generated it.</param>
public sealed record SimulatedStudy(Study Study, StudyTruth Truth);

/// <summary>
/// Samples synthetic studies from a <see cref="Prior"/>: study typical values, individuals (IIV), OU paths of the
/// log parameters, doses, a sampling design from the typical Tmax and half-life, noisy and censored observations.
/// The OU paths are held piecewise constant on <see cref="WithinIndividualPrior.Segments"/> segments and each segment
/// is solved exactly (closed form): the path is only ever sampled at discrete times, so this is exact for the sampled
/// path and ~50x cheaper than the ODE; Michaelis-Menten studies go through <see cref="OdeSolver"/>.
/// Thread-safe; each seed gives the same study on every run and thread.
/// </summary>
public sealed class PriorStudyGenerator : IStudyGenerator
{
    private readonly Prior _prior;
    private readonly OdeSolver _ode = new(new OdeOptions(1e-7, 1e-12));

    /// <summary>Creates a generator for a prior (valid by construction).</summary>
    public PriorStudyGenerator(Prior prior) => _prior = prior ?? throw new ArgumentNullException(nameof(prior));

    /// <summary>A generator for a built-in prior name or a prior JSON file.</summary>
    public static PriorStudyGenerator Load(string nameOrPath) => new(PriorFile.Load(nameOrPath));

    /// <summary>The prior sampled.</summary>
    public Prior Prior => _prior;

    /// <inheritdoc />
    public Study Generate(long seed) => GenerateWithTruth(seed).Study;

    /// <summary>Studies for items 0..count-1 of <paramref name="seed"/> (item i uses <see cref="Rng.DeriveSeed"/>(seed, i)), in parallel.</summary>
    public IReadOnlyList<Study> Generate(long seed, int count, int maxDegreeOfParallelism = -1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var result = new Study[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            i => result[i] = Generate(Rng.DeriveSeed(seed, i)));
        return result;
    }

    /// <summary>An endless deterministic stream: item i is <see cref="Generate(long)"/> of DeriveSeed(seed, i); generated in parallel chunks.</summary>
    public IEnumerable<Study> Stream(long seed, int chunk = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        for (long start = 0; ; start += chunk)
        {
            var batch = new Study[chunk];
            var s = start;
            Parallel.For(0, chunk, i => batch[i] = Generate(Rng.DeriveSeed(seed, s + i)));
            foreach (var study in batch) yield return study;
        }
    }

    /// <summary>One study plus the parameters, paths and noise-free concentrations that generated it.</summary>
    public SimulatedStudy GenerateWithTruth(long seed)
    {
        var p = _prior;
        var rng = new Rng(seed);
        var cmt = rng.Categorical(p.CompartmentProbabilities) + 1;
        var mm = rng.NextDouble() < p.MichaelisMentenProbability;
        var model = new PkModel(cmt, mm ? Elimination.MichaelisMenten : Elimination.Linear);
        var route = rng.Categorical([p.Dosing.Routes.Oral, p.Dosing.Routes.IvBolus, p.Dosing.Routes.IvInfusion]) switch
        {
            0 => Route.Oral,
            1 => Route.IvBolus,
            _ => Route.IvInfusion,
        };
        var tv = p.TypicalValues;
        double Draw(LogNormalPrior d) => d.Median * Math.Exp(d.LogSd * rng.NextNormal());
        var typical = new PkParameters
        {
            CL = Draw(tv.CL), V = Draw(tv.V), Ka = Draw(tv.Ka), Q = Draw(tv.Q), V2 = Draw(tv.V2), Q3 = Draw(tv.Q3), V3 = Draw(tv.V3),
        };
        // Drawn only for 4-compartment studies, so priors without them keep their random stream (and their studies).
        if (cmt == 4) typical = typical with { Q4 = Draw(tv.Q4!), V4 = Draw(tv.V4!) };
        var lagDraw = Draw(tv.Tlag);
        var hasLag = route == Route.Oral && rng.NextDouble() < p.LagTimeProbability;
        typical = typical with { Tlag = hasLag ? lagDraw : 0 };
        var dose = Draw(p.Dosing.Amount);
        var infusionDuration = Draw(p.Dosing.InfusionDuration);
        var kmRatio = Draw(tv.KmOverCmax);

        // Design quantities from the typical linear model.
        var dispositionHalfLife = (model with { Elimination = Elimination.Linear }).TerminalHalfLife(typical);
        var halfLife = dispositionHalfLife;
        // Flip-flop kinetics (ka below lambda_z): the observed terminal phase is absorption-limited.
        if (route == Route.Oral) halfLife = Math.Max(halfLife, Math.Log(2) / typical.Ka);
        var tmax = route switch
        {
            Route.Oral => typical.Tlag + OralTmax(typical.Ka, Math.Log(2) / dispositionHalfLife),
            Route.IvInfusion => infusionDuration,
            _ => 0,
        };
        var doseCount = rng.NextInt(p.Dosing.MinDoses, p.Dosing.MaxDoses);
        var tau = halfLife * rng.Uniform(p.Dosing.MinIntervalHalfLives, p.Dosing.MaxIntervalHalfLives);
        if (route == Route.IvInfusion) tau = Math.Max(tau, infusionDuration * 1.5);
        if (hasLag) tau = Math.Max(tau, typical.Tlag * 3);
        var steadyState = doseCount > 1 && rng.NextDouble() < p.Dosing.SteadyStateProbability;
        // Drawn only when the prior has monitoring designs, so other priors keep their random stream (and their studies).
        var monitoring = p.Dosing.Monitoring is { } mp && rng.NextDouble() < mp.Probability ? mp : null;
        var lastDose = (doseCount - 1) * tau;
        var horizon = lastDose + tmax + p.Sampling.HalfLivesAfterPeak * halfLife;

        var typicalCmax = TypicalCmax(model with { Elimination = Elimination.Linear }, typical, route, dose, infusionDuration, tmax);
        if (mm)
        {
            var km = kmRatio * typicalCmax;
            typical = typical with { Km = km, Vmax = typical.CL * km };
        }
        var lloq = p.Observation.LloqFractionOfCmax * typicalCmax;
        var additive = p.Observation.AdditiveFractionOfCmax * typicalCmax;

        var grid = Grid(p.Sampling, route == Route.IvBolus ? 0 : tmax, lastDose, horizon);
        var nIndividuals = rng.NextInt(p.MinIndividuals, p.MaxIndividuals);
        var individuals = new List<Individual>(nIndividuals);
        var truths = new List<IndividualTruth>(nIndividuals);
        var w = p.WithinIndividual;
        var ouSds = w.StationarySd;
        var hasOu = ouSds.All().Any(s => s.Value > 0);
        var segments = hasOu ? w.Segments : 1;
        var segmentStarts = new double[segments];
        for (var s = 0; s < segments; s++) segmentStarts[s] = horizon * s / segments;
        var ou = new double[6][];
        for (var k = 0; k < 6; k++) ou[k] = new double[segments];

        for (var i = 0; i < nIndividuals; i++)
        {
            var id = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var o = p.Omega;
            var eta = new[] { o.CL, o.V, o.Ka, o.Q, o.V2, o.Tlag }.Select(sd => sd * rng.NextNormal()).ToArray();
            var mean = Scale(typical, eta, mm);
            List<DosingEvent> doses = [];
            double[] times = [];
            if (monitoring is not null)
            {
                var monitoredAmount = dose * Math.Exp(p.Dosing.IndividualLogSd * rng.NextNormal());
                (doses, times) = MonitoringDesign(rng, monitoring, route, monitoredAmount, infusionDuration, tau);
                // OU segments over this individual's own (long) record: parameters drift between occasions.
                var end = Math.Max(times[^1], doses[^1].Time) * 1.0001;
                for (var s = 0; s < segments; s++) segmentStarts[s] = end * s / segments;
            }
            var sds = ouSds.All().Select(s => s.Value).ToArray();
            for (var k = 0; k < 6; k++)
            {
                if (hasOu && sds[k] > 0) new OrnsteinUhlenbeck(w.MeanReversionRate, sds[k]).Sample(rng, segmentStarts, ou[k]);
                else Array.Clear(ou[k]);
            }
            var path = new ParameterSegment[segments];
            for (var s = 0; s < segments; s++)
                path[s] = new ParameterSegment(segmentStarts[s], Scale(mean, [ou[0][s], ou[1][s], ou[2][s], ou[3][s], ou[4][s], ou[5][s]], mm));

            if (monitoring is null)
            {
                // The original order of draws (OU, then dose, then times): studies of existing priors stay bit-identical.
                var amount = dose * Math.Exp(p.Dosing.IndividualLogSd * rng.NextNormal());
                for (var d = 0; d < doseCount; d++)
                {
                    var ev = Dose(route, d * tau, amount, infusionDuration);
                    if (d == 0 && steadyState) ev = ev with { SteadyStateInterval = tau };
                    doses.Add(ev);
                }
                times = SampleTimes(rng, p.Sampling, grid);
            }
            var problem = new PkProblem(model, path, doses, times);
            var solution = (mm ? (IPkSolver)_ode : ClosedFormSolver.Instance).Solve(problem);
            if (!solution.IsSuccess)
                throw new InvalidOperationException(FormattableString.Invariant(
                    $"prior '{p.Name}', seed {seed}, individual {id} (CL {mean.CL:G3}, V {mean.V:G3}): simulation failed ({solution.Status}): {solution.Message}"));
            var observations = new List<Observation>(times.Length);
            for (var j = 0; j < times.Length; j++)
            {
                var c = solution.Concentrations[j];
                var y = c * Math.Exp(p.Observation.Proportional * rng.NextNormal()) + additive * rng.NextNormal();
                observations.Add(lloq > 0 && y < lloq ? new Observation(times[j], lloq, lloq, true)
                    : new Observation(times[j], y, lloq > 0 ? lloq : null));
            }
            individuals.Add(new Individual(id, doses, observations));
            truths.Add(new IndividualTruth(id, mean, path, doses, times, solution.Concentrations.ToArray()));
        }
        var units = new Units(p.Units.Time, p.Units.Amount, p.Units.Concentration);
        var study = new Study($"{p.Name}-{(ulong)seed:x16}", individuals, units);
        return new SimulatedStudy(study, new StudyTruth(model, route, typical, dose, halfLife, tmax, lloq, truths));
    }

    /// <summary>
    /// One individual's monitoring record: occasions separated by log-uniform gaps, each a steady-state dose (the first
    /// occasion may instead start the regimen from scratch), up to <see cref="MonitoringPrior.MaxExtraDoses"/> explicit
    /// doses, and samples anywhere in the last dosing interval of the occasion (troughs to peaks).
    /// </summary>
    private static (List<DosingEvent> Doses, double[] Times) MonitoringDesign(Rng rng, MonitoringPrior m, Route route, double amount,
        double infusionDuration, double tau)
    {
        var doses = new List<DosingEvent>();
        var times = new List<double>();
        int occasions = rng.NextInt(m.MinOccasions, m.MaxOccasions);
        double start = 0, occasionDose = amount;
        for (int k = 0; k < occasions; k++)
        {
            if (k > 0)
            {
                occasionDose *= Math.Exp(m.DoseChangeLogSd * rng.NextNormal());
                start += tau * Math.Exp(rng.Uniform(Math.Log(m.MinGapIntervals), Math.Log(m.MaxGapIntervals)));
            }
            bool fromScratch = k == 0 && rng.NextDouble() < 0.5;
            int extra = rng.NextInt(fromScratch ? 1 : 0, m.MaxExtraDoses);
            for (int d = 0; d <= extra; d++)
            {
                var ev = Dose(route, start + d * tau, occasionDose, infusionDuration);
                if (d == 0 && !fromScratch) ev = ev with { SteadyStateInterval = tau };
                doses.Add(ev);
            }
            double last = start + extra * tau;
            int n = rng.NextInt(m.MinSamples, m.MaxSamples);
            var occasionTimes = new List<double>(n);
            for (int j = 0; j < n; j++) occasionTimes.Add(last + rng.Uniform(0.02, 1) * tau);
            occasionTimes.Sort();
            times.AddRange(occasionTimes);
            start = last + tau;
        }
        return (doses, times.ToArray());
    }

    /// <summary>One administration of the study's route (infusions last the study's infusion duration).</summary>
    private static DosingEvent Dose(Route route, double time, double amount, double infusionDuration) =>
        route == Route.IvInfusion ? DosingEvent.Infusion(time, amount, infusionDuration) : new DosingEvent(time, amount, route);

    private static PkParameters Scale(PkParameters p, ReadOnlySpan<double> eta, bool mm) => p with
    {
        CL = p.CL * Math.Exp(eta[0]),
        Vmax = mm ? p.Vmax * Math.Exp(eta[0]) : 0,
        V = p.V * Math.Exp(eta[1]),
        Ka = p.Ka * Math.Exp(eta[2]),
        Q = p.Q * Math.Exp(eta[3]),
        Q3 = p.Q3 * Math.Exp(eta[3]),
        V2 = p.V2 * Math.Exp(eta[4]),
        V3 = p.V3 * Math.Exp(eta[4]),
        Q4 = p.Q4 * Math.Exp(eta[3]),
        V4 = p.V4 * Math.Exp(eta[4]),
        Tlag = p.Tlag * Math.Exp(eta[5]),
    };

    private static double OralTmax(double ka, double k) =>
        Math.Abs(ka - k) < 1e-9 * ka ? 1 / ka : Math.Log(ka / k) / (ka - k);

    private static double TypicalCmax(PkModel model, PkParameters p, Route route, double dose, double duration, double tmax)
    {
        if (route == Route.IvBolus) return dose / p.V;
        var ev = route == Route.IvInfusion ? DosingEvent.Infusion(0, dose, duration) : DosingEvent.Oral(0, dose);
        var times = Enumerable.Range(1, 40).Select(i => tmax * i / 20.0).ToArray();
        var sol = ClosedFormSolver.Instance.Solve(new PkProblem(model, p, [ev], times));
        return sol.IsSuccess ? sol.Concentrations.Max() : dose / p.V;
    }

    /// <summary>Study time grid: points up to the (last) peak spaced linearly, then geometric to the horizon; returns the count before the peak.</summary>
    private static (double[] Grid, int Before) Grid(SamplingPrior s, double tmax, double lastDose, double horizon)
    {
        var grid = new double[s.GridPoints];
        if (tmax <= 0)
        {
            // IV bolus: no absorption phase, the whole grid is geometric from horizon/100.
            var start = lastDose + horizon / 100;
            var r = Math.Pow(horizon / start, 1.0 / (s.GridPoints - 1));
            for (var i = 0; i < s.GridPoints; i++) grid[i] = start * Math.Pow(r, i);
            grid[^1] = horizon;
            return (grid, 0);
        }
        var before = s.GridPointsBeforePeak;
        var peak = lastDose + tmax;
        for (var i = 0; i < before; i++) grid[i] = peak * (i + 1) / before;
        var after = s.GridPoints - before;
        var ratio = Math.Pow(horizon / peak, 1.0 / after);
        for (var i = 0; i < after; i++) grid[before + i] = peak * Math.Pow(ratio, i + 1);
        grid[^1] = horizon;
        return (grid, before);
    }

    private static double[] SampleTimes(Rng rng, SamplingPrior s, (double[] Grid, int Before) design)
    {
        var (grid, before) = design;
        var chosen = new List<double>(s.MaxSamples);
        if (before == 0)
        {
            var n = Math.Min(Math.Min(s.MaxSamples, grid.Length), s.SamplesBeforePeak + s.SamplesAfterPeak + rng.NextInt(-1, 1));
            chosen.AddRange(Pick(rng, (double[])grid.Clone(), n));
        }
        else
        {
            var nBefore = Math.Clamp(s.SamplesBeforePeak + rng.NextInt(-1, 1), 1, before);
            var nAfter = Math.Clamp(s.SamplesAfterPeak + rng.NextInt(-1, 1), 1, grid.Length - before);
            if (nBefore + nAfter > s.MaxSamples) nAfter = Math.Max(1, s.MaxSamples - nBefore);
            chosen.AddRange(Pick(rng, grid[..before], nBefore));
            chosen.AddRange(Pick(rng, grid[before..], nAfter));
        }
        chosen.Sort();
        return chosen.ToArray();
    }

    private static IEnumerable<double> Pick(Rng rng, double[] pool, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var j = i + (int)(rng.NextDouble() * (pool.Length - i));
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool.Take(count);
    }
}
