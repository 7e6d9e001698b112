using ZeroShotPK.Data;

namespace ZeroShotPK.Simulation;

/// <summary>
/// The closed form as a sum of exponentials: with constant parameters the central concentration is a superposition over
/// doses of the model's unit responses, C(s) = sum_k a_k exp(-mu_k s) with mu_k the eigenvalues of the rate matrix (and
/// Ka for depot doses). Same solution as the matrix exponential of <see cref="ClosedFormSolver"/>, without its
/// per-interval matrix work: the fast path behind <see cref="ClosedFormSolver.Concentrations"/>. One or two compartments.
/// </summary>
internal static class Superposition
{
    /// <summary>
    /// True when the fast path applies: linear elimination, 1-2 compartments, CL &gt; 0 and Ka &gt; 0, and no
    /// steady-state regimen whose doses overlap (lag + infusion duration &gt; interval).
    /// </summary>
    public static bool Supports(PkModel model, PkParameters p, IReadOnlyList<DosingEvent> doses)
    {
        if (model.Elimination != Elimination.Linear || model.Compartments > 2 || !(p.CL > 0) || !(p.Ka > 0)) return false;
        foreach (var d in doses)
            if (d.SteadyStateInterval is { } tau && (d.IntoDepot ? p.Tlag : 0) + (d.IsInfusion ? d.Duration : 0) > tau) return false;
        return true;
    }

    /// <summary>Central concentrations at <paramref name="times"/> (any order) into <paramref name="result"/>.</summary>
    public static void Concentrations(PkModel model, PkParameters p, IReadOnlyList<DosingEvent> doses, IReadOnlyList<double> resetTimes,
        IReadOnlyList<double> times, Span<double> result)
    {
        Span<double> lambda = stackalloc double[2];
        Span<double> coef = stackalloc double[2];
        int n = Disposition(model, p, lambda, coef);
        for (int it = 0; it < times.Count; it++)
        {
            double t = times[it];
            // The latest reset at or before t (EVID 3, EVID 4, or an SS=1 dose, which replaces the past; SS=2 adds to it).
            double start = double.NegativeInfinity;
            foreach (var r in resetTimes) if (r <= t && r > start) start = r;
            foreach (var d in doses)
                if (d.Time <= t && d.ReplacesPast && d.Time > start) start = d.Time;
            double c = 0;
            foreach (var d in doses)
            {
                double lag = d.IntoDepot ? p.Tlag : 0;
                double s = t - d.Time - lag;
                // A dose counts from when it enters (after its lag), unless a reset came after that.
                if (d.Time > t || d.Time + lag < start) continue;
                double? tau = d.SteadyStateInterval;
                if (tau is not null && d.Time < start) tau = null; // its train was reset; only its own late dose is left
                if (s < 0)
                {
                    // Not in yet; of a steady-state train, the previous dose is the latest one in.
                    if (tau is null) continue;
                    s += tau.Value;
                }
                c += DoseContribution(p, d, tau, s, lambda[..n], coef[..n]);
            }
            result[it] = c;
        }
    }

    // Unit-bolus response of the central concentration: C(s) = sum_j coef_j exp(-lambda_j s).
    private static int Disposition(PkModel model, PkParameters p, Span<double> lambda, Span<double> coef)
    {
        double k10 = p.CL / p.V;
        if (model.Compartments == 1 || p.Q == 0)
        {
            lambda[0] = k10; coef[0] = 1 / p.V;
            return 1;
        }
        double k12 = p.Q / p.V, k21 = p.Q / p.V2;
        double sum = k10 + k12 + k21, disc = Math.Sqrt(sum * sum - 4 * k10 * k21);
        double alpha = (sum + disc) / 2, beta = k10 * k21 / alpha; // product form avoids cancellation
        lambda[0] = alpha; coef[0] = (alpha - k21) / ((alpha - beta) * p.V);
        lambda[1] = beta; coef[1] = (k21 - beta) / ((alpha - beta) * p.V);
        return 2;
    }

    private static double DoseContribution(PkParameters p, DosingEvent d, double? tau, double s, ReadOnlySpan<double> lambda, ReadOnlySpan<double> coef)
    {
        // The route's impulse response as sum_k a_k exp(-mu_k s): a depot dose adds the absorption exponential.
        Span<double> mu = stackalloc double[3];
        Span<double> a = stackalloc double[3];
        int m;
        if (d.IntoDepot)
        {
            double ka = p.Ka, sumA = 0;
            for (int j = 0; j < lambda.Length; j++)
            {
                // Ka == lambda is a removable singularity; a relative nudge keeps the closed form finite.
                double kaj = Math.Abs(ka - lambda[j]) < 1e-9 * ka ? ka * (1 + 1e-6) : ka;
                mu[j] = lambda[j]; a[j] = p.F * coef[j] * kaj / (kaj - lambda[j]); sumA += a[j];
            }
            mu[lambda.Length] = ka; a[lambda.Length] = -sumA;
            m = lambda.Length + 1;
        }
        else
        {
            for (int j = 0; j < lambda.Length; j++) { mu[j] = lambda[j]; a[j] = coef[j]; }
            m = lambda.Length;
        }

        double c = 0;
        if (!d.IsInfusion)
        {
            for (int k = 0; k < m; k++)
            {
                double term = a[k] * Math.Exp(-mu[k] * s);
                if (tau is double tt) term /= -double.ExpM1(-mu[k] * tt);
                c += term;
            }
            return d.Amount * c;
        }

        double dur = d.Duration, rate = d.Rate;
        for (int k = 0; k < m; k++)
        {
            double during = -double.ExpM1(-mu[k] * Math.Min(s, dur));
            double term = a[k] / mu[k] * during * Math.Exp(-mu[k] * Math.Max(0, s - dur));
            if (tau is double tt)
            {
                // Earlier infusions of the steady-state train have all ended: a geometric tail.
                double full = a[k] / mu[k] * -double.ExpM1(-mu[k] * dur);
                term += full * Math.Exp(-mu[k] * (s - dur)) * Math.Exp(-mu[k] * tt) / -double.ExpM1(-mu[k] * tt);
            }
            c += term;
        }
        return rate * c;
    }
}
