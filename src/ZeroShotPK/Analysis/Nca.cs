using ZeroShotPK.Data;

namespace ZeroShotPK.Analysis;

/// <summary>Non-compartmental summary of one concentration-time profile (single dose).</summary>
/// <param name="Cmax">Highest observed concentration.</param>
/// <param name="Tmax">Time of <paramref name="Cmax"/> (first occurrence).</param>
/// <param name="Tlast">Time of the last quantified (positive) concentration.</param>
/// <param name="Clast">Last quantified concentration.</param>
/// <param name="AucLast">Area under the curve from the first sample to <paramref name="Tlast"/>, linear-up/log-down trapezoid.</param>
/// <param name="LambdaZ">Terminal elimination rate constant (1/time), NaN when not estimable.</param>
/// <param name="HalfLife">Terminal half-life ln 2 / λz, NaN when not estimable.</param>
/// <param name="AucInf">AucLast + Clast/λz, NaN when λz is not estimable.</param>
/// <param name="TerminalPoints">Number of points used for λz (0 when not estimable).</param>
/// <param name="AdjustedRSquared">Adjusted R² of the terminal log-linear fit, NaN when not estimable.</param>
public sealed record NcaResult(double Cmax, double Tmax, double Tlast, double Clast, double AucLast,
    double LambdaZ, double HalfLife, double AucInf, int TerminalPoints, double AdjustedRSquared);

/// <summary>Rough one-compartment parameters of one single-dose profile, from <see cref="Nca.StartingEstimates"/>.</summary>
/// <param name="CL">Dose / AUC(0-inf): clearance (over bioavailability for an oral dose), volume/time.</param>
/// <param name="V">CL / λz, volume.</param>
/// <param name="Ka">max(2 λz, 3 / Tmax), 1/time: absorption faster than elimination and peaking near the observed Tmax.</param>
public readonly record struct NcaEstimates(double CL, double V, double Ka);

/// <summary>
/// The project's one non-compartmental analysis (NCA), upstream of every folder that needs it: the NLME fits take their
/// starting values from <see cref="StartingEstimates"/>, the diagnostics (prior predictive check, out-of-distribution
/// check) summarise profiles with <see cref="Compute(Individual)"/>.
/// <see cref="Compute(IReadOnlyList{double}, IReadOnlyList{double})"/>: Cmax, Tmax, AUC to the last quantified sample
/// by the linear-up/log-down trapezoid, and λz by log-linear regression over the last points after Cmax (the point count
/// with the best adjusted R², at least <see cref="MinTerminalPoints"/>, ties going to more points, as PKNCA and OSPSuite do).
/// </summary>
public static class Nca
{
    /// <summary>Fewest points a terminal-slope fit may use.</summary>
    public const int MinTerminalPoints = 3;

    /// <summary>
    /// NCA of an individual's observations. BLQ samples before the first quantified one count as 0 (pre-absorption);
    /// later BLQ samples are left out, the usual convention (they carry no value to integrate or regress on). Replicates at
    /// one time are averaged.
    /// </summary>
    /// <exception cref="ArgumentException">No quantified positive observation.</exception>
    public static NcaResult Compute(Individual individual)
    {
        var times = new List<double>();
        var conc = new List<double>();
        bool seenQuantified = false;
        var obs = individual.Observations;
        for (int i = 0; i < obs.Count;)
        {
            // Replicate samples at one time (duplicate assays, as in mavoglurant): their quantified values are averaged,
            // so a profile never has two points at one time; BLQ replicates count only when none is quantified.
            int j = i;
            double sum = 0; int quantified = 0;
            for (; j < obs.Count && obs[j].Time == obs[i].Time; j++)
                if (!obs[j].IsBlq) { sum += obs[j].Value; quantified++; }
            double t = obs[i].Time;
            i = j;
            if (quantified == 0)
            {
                if (!seenQuantified) { times.Add(t); conc.Add(0); }
                continue;
            }
            seenQuantified = true;
            times.Add(t); conc.Add(sum / quantified);
        }
        if (!seenQuantified)
            throw new ArgumentException($"individual '{individual.Id}': NCA needs at least one quantified observation, all {individual.Observations.Count} are BLQ or absent.", nameof(individual));
        return Compute(times, conc);
    }

    /// <summary>NCA of a profile given as parallel arrays (times strictly increasing, concentrations &gt;= 0).</summary>
    /// <exception cref="ArgumentException">Lengths differ, times not increasing, negative or non-finite values, or no positive concentration.</exception>
    public static NcaResult Compute(IReadOnlyList<double> times, IReadOnlyList<double> concentrations)
    {
        int n = times.Count;
        if (concentrations.Count != n)
            throw new ArgumentException($"NCA: {n} times but {concentrations.Count} concentrations.", nameof(concentrations));
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(times[i]) || !double.IsFinite(concentrations[i]) || concentrations[i] < 0)
                throw new ArgumentException($"NCA: point {i} (t={times[i]}, c={concentrations[i]}) must have a finite time and a finite concentration >= 0.", nameof(concentrations));
            if (i > 0 && times[i] <= times[i - 1])
                throw new ArgumentException($"NCA: times must be strictly increasing, but t[{i}]={times[i]} follows t[{i - 1}]={times[i - 1]}.", nameof(times));
        }
        int last = -1;
        for (int i = n - 1; i >= 0; i--) if (concentrations[i] > 0) { last = i; break; }
        if (last < 0) throw new ArgumentException("NCA: no positive concentration.", nameof(concentrations));

        int iMax = 0;
        for (int i = 1; i < n; i++) if (concentrations[i] > concentrations[iMax]) iMax = i;

        double auc = 0;
        for (int i = 1; i <= last; i++)
            auc += Segment(times[i - 1], concentrations[i - 1], times[i], concentrations[i]);

        var (lambdaZ, points, r2) = TerminalSlope(times, concentrations, iMax, last);
        double halfLife = points > 0 ? Math.Log(2) / lambdaZ : double.NaN;
        double aucInf = points > 0 ? auc + concentrations[last] / lambdaZ : double.NaN;
        return new NcaResult(concentrations[iMax], times[iMax], times[last], concentrations[last], auc,
            lambdaZ, halfLife, aucInf, points, r2);
    }

    /// <summary>
    /// Quick CL, V and Ka of one single-dose profile, the NLME fits' starting values (their medians over individuals):
    /// linear trapezoid from the dose (concentration 0 at an oral dose, the first sample's for an IV one), λz by least
    /// squares over the last three points whatever their fit (ln 2 / last time when they do not decline), then
    /// AUC(0-inf) = AUClast + Clast / λz, CL = dose / AUC(0-inf), V = CL / λz and Ka = max(2 λz, 3 / Tmax).
    /// Cruder than <see cref="Compute(IReadOnlyList{double}, IReadOnlyList{double})"/> on purpose: it gives an answer for
    /// any profile with three positive samples, which a starting value needs; and every published NLME fit starts from
    /// exactly this arithmetic, so it must not be changed without regenerating them.
    /// </summary>
    /// <param name="timesSinceDose">Sample times minus the dose time; samples at or before the dose are ignored.</param>
    /// <param name="concentrations">Quantified concentrations at those times (leave censored samples out); non-positive ones are ignored.</param>
    /// <param name="dose">Dose amount.</param>
    /// <param name="oral">True for a dose into the depot (the curve starts at 0), false for an IV dose.</param>
    /// <returns>The estimates, or null with fewer than three positive samples after the dose.</returns>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static NcaEstimates? StartingEstimates(IReadOnlyList<double> timesSinceDose, IReadOnlyList<double> concentrations, double dose, bool oral)
    {
        if (concentrations.Count != timesSinceDose.Count)
            throw new ArgumentException($"NCA: {timesSinceDose.Count} times but {concentrations.Count} concentrations.", nameof(concentrations));
        var pts = timesSinceDose.Select((t, j) => (T: t, C: concentrations[j])).Where(p => p.T > 0 && p.C > 0).ToArray();
        if (pts.Length < 3) return null;
        // The operation order below is the NLME starting values' since they were first published: keep it bit for bit.
        double auc = 0, tPrev = 0, cPrev = oral ? 0 : pts[0].C;
        foreach (var (t, c) in pts) { auc += (t - tPrev) * (c + cPrev) / 2; tPrev = t; cPrev = c; }
        var tail = pts[^3..];
        double mt = tail.Average(p => p.T), ml = tail.Average(p => Math.Log(p.C));
        double slope = tail.Sum(p => (p.T - mt) * (Math.Log(p.C) - ml)) / tail.Sum(p => (p.T - mt) * (p.T - mt));
        double lz = slope < 0 ? -slope : Math.Log(2) / Math.Max(pts[^1].T, 1e-6);
        double cl = dose / (auc + pts[^1].C / lz);
        double tmax = pts.MaxBy(p => p.C).T;
        return new NcaEstimates(cl, cl / lz, Math.Max(2 * lz, 3 / tmax));
    }

    // Log trapezoid only on a strictly declining positive segment: it is exact for mono-exponential decay there.
    private static double Segment(double t1, double c1, double t2, double c2)
    {
        double dt = t2 - t1;
        if (c2 < c1 && c2 > 0) return (c1 - c2) * dt / Math.Log(c1 / c2);
        return 0.5 * (c1 + c2) * dt;
    }

    private static (double LambdaZ, int Points, double AdjR2) TerminalSlope(IReadOnlyList<double> t, IReadOnlyList<double> c, int iMax, int last)
    {
        // Positive points strictly after Cmax, up to the last quantified one.
        var idx = Enumerable.Range(iMax + 1, Math.Max(0, last - iMax)).Where(i => c[i] > 0).ToArray();
        var fits = new List<(int N, double Slope, double Adj)>();
        for (int k = MinTerminalPoints; k <= idx.Length; k++)
        {
            var sel = idx[^k..];
            double[] x = sel.Select(i => t[i]).ToArray();
            double[] y = sel.Select(i => Math.Log(c[i])).ToArray();
            var (intercept, slope) = MathNet.Numerics.Fit.Line(x, y);
            double mean = y.Average(), ssTot = 0, ssRes = 0;
            for (int j = 0; j < k; j++)
            {
                ssTot += (y[j] - mean) * (y[j] - mean);
                double r = y[j] - (intercept + slope * x[j]);
                ssRes += r * r;
            }
            double r2 = ssTot > 0 ? 1 - ssRes / ssTot : 1;
            if (slope < 0) fits.Add((k, -slope, 1 - (1 - r2) * (k - 1) / (k - 2)));
        }
        if (fits.Count == 0) return (double.NaN, 0, double.NaN);
        // Within 1e-4 of the best adjusted R² counts as a tie, resolved toward more points (PKNCA's adj.r.squared.factor).
        double best = fits.Max(f => f.Adj);
        var chosen = fits.Where(f => f.Adj >= best - 1e-4).MaxBy(f => f.N);
        return (chosen.Slope, chosen.N, chosen.Adj);
    }

    /// <summary>
    /// Vss (per kg when the dose is per kg) of an IV bolus profile: dose x AUMC / AUC^2, with C(0) back-extrapolated
    /// log-linearly from the first two points, log trapezoids where the profile falls (linear where it rises) and the tails
    /// Clast/λz and Clast tlast/λz + Clast/λz^2 from the last three points. Exact for a mono-exponential; null where the
    /// terminal slope is not negative. On a 48 h grid the tail dominates for drugs with half-lives beyond about a day.
    /// </summary>
    public static double? BolusVss(IReadOnlyList<double> t, IReadOnlyList<double> c, double dose) =>
        BolusMoments(t, c) is { } m ? dose * m.Aumc / (m.Auc * m.Auc) : null;

    /// <summary>
    /// Clearance (per kg when the dose is per kg; volume/time in the units of dose / (concentration x time)) of an IV bolus
    /// profile: dose / AUC(0-inf), with the same back-extrapolation, trapezoids and tail as <see cref="BolusVss"/>.
    /// </summary>
    public static double? BolusClearance(IReadOnlyList<double> t, IReadOnlyList<double> c, double dose) =>
        BolusMoments(t, c) is { } m ? dose / m.Auc : null;

    // AUC and AUMC from 0 to infinity of a bolus profile; null where fewer than 3 points, a point is not positive or the tail rises.
    private static (double Auc, double Aumc)? BolusMoments(IReadOnlyList<double> t, IReadOnlyList<double> c)
    {
        if (t.Count < 3 || c.Any(v => !(v > 0))) return null;
        var slope0 = Math.Log(c[1] / c[0]) / (t[1] - t[0]);
        var c0 = c[0] * Math.Exp(-slope0 * t[0]);
        var tt = new List<double> { 0 };
        tt.AddRange(t);
        var cc = new List<double> { c0 };
        cc.AddRange(c);
        double auc = 0, aumc = 0;
        for (var k = 1; k < tt.Count; k++)
        {
            double t1 = tt[k - 1], t2 = tt[k], c1 = cc[k - 1], c2 = cc[k], dt = t2 - t1;
            if (c2 < c1)
            {
                var lz = Math.Log(c1 / c2) / dt;
                auc += (c1 - c2) / lz;
                aumc += (t1 * c1 - t2 * c2) / lz + (c1 - c2) / (lz * lz);
            }
            else
            {
                auc += 0.5 * (c1 + c2) * dt;
                aumc += 0.5 * (t1 * c1 + t2 * c2) * dt;
            }
        }
        var n = tt.Count;
        var tail = Enumerable.Range(n - 3, 3).ToArray();
        var mt = tail.Average(k => tt[k]);
        var ml = tail.Average(k => Math.Log(cc[k]));
        var lambda = -tail.Sum(k => (tt[k] - mt) * (Math.Log(cc[k]) - ml)) / tail.Sum(k => (tt[k] - mt) * (tt[k] - mt));
        if (!(lambda > 0)) return null;
        double tl = tt[n - 1], cl = cc[n - 1];
        auc += cl / lambda;
        aumc += cl * tl / lambda + cl / (lambda * lambda);
        return (auc, aumc);
    }
}
