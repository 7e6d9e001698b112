using System.Globalization;
using ZeroShotPK.Data;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Priors;

/// <summary>The study-level draw of one rate parameter.</summary>
/// <param name="LogMean">Mean of the individuals' log parameter.</param>
/// <param name="LogSd">Between-individual sd of the log parameter.</param>
/// <param name="TimeMagnitude">tmag of the within-individual time variation.</param>
/// <param name="TimeScale">tscl of the within-individual time variation (h).</param>
public sealed record RateParameterDraw(double LogMean, double LogSd, double TimeMagnitude, double TimeScale);

/// <summary>Everything drawn at the study level of a <see cref="RateConstantPrior"/>.</summary>
/// <param name="Peripherals">Number of peripheral compartments P (1-3).</param>
/// <param name="Route">Oral, IV bolus, or IV infusion when every individual got an infusion.</param>
/// <param name="Ka">ka draw.</param>
/// <param name="Ke">ke draw.</param>
/// <param name="V">V draw.</param>
/// <param name="K1p">k1p draws, one per peripheral.</param>
/// <param name="Kp1">kp1 draws, one per peripheral.</param>
/// <param name="LogDoseMean">mu of the individual doses.</param>
/// <param name="LogDoseSd">s of the individual doses.</param>
/// <param name="RelativeError">rel_ruv.</param>
/// <param name="Tpeak">Typical time to peak used for the design (after the caps).</param>
/// <param name="HalfLife">Typical half-life ln 2 / ke used for the design (after the cap).</param>
/// <param name="DoseTimes">Dose times (the authors: just 0).</param>
/// <param name="Times">Sampling times shared by the study's individuals.</param>
public sealed record RateConstantStudyDraw(int Peripherals, Route Route, RateParameterDraw Ka, RateParameterDraw Ke, RateParameterDraw V,
    IReadOnlyList<RateParameterDraw> K1p, IReadOnlyList<RateParameterDraw> Kp1, double LogDoseMean, double LogDoseSd,
    double RelativeError, double Tpeak, double HalfLife, IReadOnlyList<double> DoseTimes, IReadOnlyList<double> Times);

/// <summary>A study generated from a <see cref="RateConstantPrior"/>, with its truth and study-level draw.</summary>
/// <param name="Study">The observed study.</param>
/// <param name="Truth">Parameters (as CL, V, Q, V2 ...), parameter segments and noise-free concentrations.</param>
/// <param name="Draw">The study-level draw.</param>
public sealed record RateConstantSimulatedStudy(Study Study, StudyTruth Truth, RateConstantStudyDraw Draw);

/// <summary>
/// Samples studies from the AICMET authors' rate-constant prior (<see cref="RateConstantPrior"/>). The rates are
/// converted to our parameters (CL = ke V, Q = k1p V, Vp = Q / kp1 per peripheral), held constant on segments of
/// <see cref="RateConstantPrior.SegmentLength"/> h (values at each segment's midpoint; the OU path is sampled exactly
/// there) and each segment is solved exactly by <see cref="ClosedFormSolver"/>; the authors integrate the continuous
/// rates with RK4 on a 100-point grid instead. Amounts carry over between segments and C = X_central / V(t), as in
/// their model. Thread-safe; each seed gives the same study on every run and thread.
/// </summary>
public sealed class RateConstantStudyGenerator : IStudyGenerator
{
    private readonly RateConstantPrior _prior;

    /// <summary>Creates a generator for a prior (valid by construction).</summary>
    public RateConstantStudyGenerator(RateConstantPrior prior) => _prior = prior ?? throw new ArgumentNullException(nameof(prior));

    /// <summary>The prior sampled.</summary>
    public RateConstantPrior Prior => _prior;

    /// <inheritdoc />
    public Study Generate(long seed) => GenerateWithTruth(seed).Study;

    /// <summary>
    /// The authors' design time scales from the study's typical rates: Tpeak = (ln ka - ln ke) / (ka - ke) (1 / ka when
    /// equal), T1/2 = ln 2 / ke; as in their code, T1/2 becomes span / 2 when it exceeds the span, then Tpeak becomes
    /// T1/2 / 2 when it exceeds T1/2. IV studies use the same formula (their code has no IV case).
    /// </summary>
    public static (double Tpeak, double HalfLife) Timescales(double ka, double ke, double timeSpan)
    {
        var tpeak = Math.Abs(ka - ke) < 1e-12 * ka ? 1 / ka : (Math.Log(ka) - Math.Log(ke)) / (ka - ke);
        var halfLife = Math.Log(2) / ke;
        if (halfLife > timeSpan) halfLife = timeSpan / 2;
        if (tpeak > halfLife) tpeak = halfLife / 2;
        return (tpeak, halfLife);
    }

    /// <summary>
    /// The PKPeakHalfLife sampling times: the first <see cref="RateConstantSampling.MaxSamples"/> canonical times
    /// ({PeakMultipliers} Tpeak, Tpeak, Tpeak + {HalfLifeMultipliers} T1/2) after the first dose (only those before
    /// the second dose when there are several) and after the last dose, those within [0, span], snapped to the
    /// simulation grid when it has points, without duplicates and t = 0, ascending, at most MaxSamples.
    /// </summary>
    public static double[] SamplingTimes(RateConstantSampling sampling, double timeSpan, double tpeak, double halfLife, IReadOnlyList<double> doseTimes)
    {
        var canonical = sampling.PeakMultipliers.Select(m => m * tpeak).Append(tpeak)
            .Concat(sampling.HalfLifeMultipliers.Select(m => tpeak + m * halfLife)).Take(sampling.MaxSamples).ToArray();
        var first = doseTimes.Count > 0 ? doseTimes[0] : 0;
        var last = doseTimes.Count > 0 ? doseTimes[^1] : 0;
        var next = doseTimes.Count > 1 ? doseTimes[1] : double.PositiveInfinity;
        var raw = canonical.Select(t => first + t).Where(t => t < next);
        if (doseTimes.Count > 1) raw = raw.Concat(canonical.Select(t => last + t));
        var n = sampling.SimulationGridPoints;
        var step = n > 1 ? timeSpan / (n - 1) : 0;
        // Validity is judged before snapping, as the authors mask the canonical grid and then align it.
        return raw.Where(t => t >= 0 && t <= timeSpan)
            .Select(t => n > 1 ? Math.Min(Math.Round(t / step), n - 1) * step : t)
            .Where(t => t > 0).Distinct().Order().Take(sampling.MaxSamples).ToArray();
    }

    /// <summary>One study plus its truth and study-level draw.</summary>
    public RateConstantSimulatedStudy GenerateWithTruth(long seed)
    {
        var p = _prior;
        var rng = new Rng(seed);
        var nIndividuals = rng.NextInt(p.MinIndividuals, p.MaxIndividuals);
        var peripherals = rng.Categorical(p.PeripheralProbabilities) + 1;
        RateParameterDraw Draw(RateParameterPrior r) => new(rng.Uniform(r.LogMean.Min, r.LogMean.Max), rng.Uniform(r.LogSd.Min, r.LogSd.Max),
            rng.Uniform(r.TimeMagnitude.Min, r.TimeMagnitude.Max), rng.Uniform(r.TimeScale.Min, r.TimeScale.Max));
        var ka = Draw(p.Ka);
        var ke = Draw(p.Ke);
        var v = Draw(p.V);
        var k1p = Enumerable.Range(0, peripherals).Select(_ => Draw(p.K1p)).ToArray();
        var kp1 = Enumerable.Range(0, peripherals).Select(_ => Draw(p.Kp1)).ToArray();
        var relativeError = rng.Uniform(p.RelativeError.Min, p.RelativeError.Max);
        var d = p.Dosing;
        var logDoseMean = rng.Uniform(d.LogDoseMean.Min, d.LogDoseMean.Max);
        var logDoseSd = rng.Uniform(d.LogDoseSd.Min, d.LogDoseSd.Max);
        var oral = rng.Categorical([d.Routes.Oral, d.Routes.Iv]) == 0;
        var doseCount = rng.NextInt(d.MinDoses, d.MaxDoses);
        var intervalHalfLives = rng.Uniform(d.IntervalHalfLives.Min, d.IntervalHalfLives.Max);

        var (tpeak, halfLife) = Timescales(Math.Exp(ka.LogMean), Math.Exp(ke.LogMean), p.TimeSpan);
        var tau = intervalHalfLives * halfLife;
        // Doses after the span would never be observed: the study gets fewer.
        var doseTimes = Enumerable.Range(0, doseCount).Select(k => k * tau).Where(t => t < p.TimeSpan).ToArray();
        var times = SamplingTimes(p.Sampling, p.TimeSpan, tpeak, halfLife, doseTimes);

        var all = new[] { ka, ke, v }.Concat(k1p).Concat(kp1);
        var segmentCount = all.Any(r => r.TimeMagnitude > 0) ? (int)Math.Ceiling(p.TimeSpan / p.SegmentLength - 1e-9) : 1;
        var starts = new double[segmentCount];
        var mids = new double[segmentCount];
        for (var s = 0; s < segmentCount; s++)
        {
            starts[s] = s * p.SegmentLength;
            mids[s] = Math.Min((s + 0.5) * p.SegmentLength, p.TimeSpan);
        }
        if (segmentCount == 1) mids[0] = 0;
        var ouKa = new double[segmentCount];
        var ouKe = new double[segmentCount];
        var ouV = new double[segmentCount];
        void Ou(RateParameterDraw r, double[] into)
        {
            // The authors' OU: reversion rate tmag, sigma tmag sqrt(2 tscl), so stationary variance tmag tscl.
            if (r.TimeMagnitude > 0 && segmentCount > 1)
                new OrnsteinUhlenbeck(r.TimeMagnitude, Math.Sqrt(r.TimeMagnitude * r.TimeScale)).Sample(rng, mids, into);
            else Array.Clear(into);
        }
        static double Sine(RateParameterDraw r, double t) => 1 + r.TimeMagnitude * Math.Sin(t / r.TimeScale);

        var model = new PkModel(peripherals + 1);
        var individuals = new List<Individual>(nIndividuals);
        var truths = new List<IndividualTruth>(nIndividuals);
        var anyInfusion = false;
        var allInfusion = true;
        for (var i = 0; i < nIndividuals; i++)
        {
            var id = (i + 1).ToString(CultureInfo.InvariantCulture);
            double Individual(RateParameterDraw r) => Math.Exp(r.LogMean + r.LogSd * rng.NextNormal());
            var kaI = Individual(ka);
            var keI = Individual(ke);
            var vI = Individual(v);
            var k1pI = k1p.Select(Individual).ToArray();
            var kp1I = kp1.Select(Individual).ToArray();
            Ou(ka, ouKa); Ou(ke, ouKe); Ou(v, ouV);
            var amount = Math.Exp(logDoseMean + logDoseSd * rng.NextNormal());
            var infusion = !oral && rng.NextDouble() < d.IvInfusionProbability;
            var duration = rng.Uniform(d.InfusionDuration.Min, d.InfusionDuration.Max);
            anyInfusion |= infusion;
            allInfusion &= infusion;

            PkParameters At(double t, double fKa, double fKe, double fV)
            {
                var vt = vI * fV;
                var q = new double[3];
                var vp = new double[3];
                for (var k = 0; k < peripherals; k++)
                {
                    q[k] = k1pI[k] * Sine(k1p[k], t) * vt;
                    vp[k] = q[k] / (kp1I[k] * Sine(kp1[k], t));
                }
                return new PkParameters
                {
                    Ka = kaI * fKa, CL = keI * fKe * vt, V = vt,
                    Q = q[0], V2 = peripherals >= 1 ? vp[0] : 0, Q3 = q[1], V3 = peripherals >= 2 ? vp[1] : 0, Q4 = q[2], V4 = peripherals >= 3 ? vp[2] : 0,
                };
            }
            var mean = At(0, 1, 1, 1) with { Q = k1pI[0] * vI, V2 = k1pI[0] * vI / kp1I[0] };
            if (peripherals >= 2) mean = mean with { Q3 = k1pI[1] * vI, V3 = k1pI[1] * vI / kp1I[1] };
            if (peripherals >= 3) mean = mean with { Q4 = k1pI[2] * vI, V4 = k1pI[2] * vI / kp1I[2] };
            var path = new ParameterSegment[segmentCount];
            for (var s = 0; s < segmentCount; s++)
                path[s] = new ParameterSegment(starts[s], segmentCount == 1 ? mean : At(mids[s], Math.Exp(ouKa[s]), Math.Exp(ouKe[s]), Math.Exp(ouV[s])));

            var doses = doseTimes.Select(t => oral ? DosingEvent.Oral(t, amount)
                : infusion ? DosingEvent.Infusion(t, amount, duration) : DosingEvent.Bolus(t, amount)).ToArray();
            var solution = ClosedFormSolver.Instance.Solve(new PkProblem(model, path, doses, times));
            if (!solution.IsSuccess)
                throw new InvalidOperationException($"prior '{p.Name}', seed {seed}, individual {id}: simulation failed ({solution.Status}: {solution.Message}).");
            var observations = new List<Observation>(times.Length);
            for (var j = 0; j < times.Length; j++)
                observations.Add(new Observation(times[j], solution.Concentrations[j] * (1 + relativeError * rng.NextNormal())));
            individuals.Add(new Individual(id, doses, observations));
            truths.Add(new IndividualTruth(id, mean, path, doses, times, solution.Concentrations.ToArray()));
        }

        var route = oral ? Route.Oral : allInfusion && anyInfusion ? Route.IvInfusion : Route.IvBolus;
        var vTyp = Math.Exp(v.LogMean);
        var typical = new PkParameters { Ka = Math.Exp(ka.LogMean), CL = Math.Exp(ke.LogMean) * vTyp, V = vTyp };
        for (var k = 0; k < peripherals; k++)
        {
            var q = Math.Exp(k1p[k].LogMean) * vTyp;
            var vp = q / Math.Exp(kp1[k].LogMean);
            typical = k switch { 0 => typical with { Q = q, V2 = vp }, 1 => typical with { Q3 = q, V3 = vp }, _ => typical with { Q4 = q, V4 = vp } };
        }
        var units = new Units(p.Units.Time, p.Units.Amount, p.Units.Concentration);
        var study = new Study($"{p.Name}-{(ulong)seed:x16}", individuals, units);
        var truth = new StudyTruth(model, route, typical, Math.Exp(logDoseMean), halfLife, tpeak, 0, truths);
        var draw = new RateConstantStudyDraw(peripherals, route, ka, ke, v, k1p, kp1, logDoseMean, logDoseSd, relativeError, tpeak, halfLife, doseTimes, times);
        return new RateConstantSimulatedStudy(study, truth, draw);
    }
}
