using ZeroShotPK.Data;

namespace ZeroShotPK.Models.Baselines;

/// <summary>
/// Individual PK parameters of a linear one- or two-compartment model with first-order absorption from a depot.
/// </summary>
/// <param name="CL">Clearance (volume/time), &gt; 0.</param>
/// <param name="V">Central volume, &gt; 0.</param>
/// <param name="Ka">First-order absorption rate constant (1/time), &gt; 0; unused when every dose is IV.</param>
/// <param name="Q">Inter-compartmental clearance; 0 for a one-compartment model.</param>
/// <param name="V2">Peripheral volume; 0 for a one-compartment model.</param>
/// <param name="F">Bioavailability of depot doses, in (0, 1].</param>
public sealed record PkParameters(double CL, double V, double Ka, double Q = 0, double V2 = 0, double F = 1);

/// <summary>
/// Closed-form concentrations of linear compartment models by superposition of exponentials: IV bolus,
/// zero-order infusion and first-order absorption, any number of doses, steady state (SS/II) and resets.
/// </summary>
internal static class CompartmentModel
{
    /// <summary>Central concentrations of <paramref name="p"/> at <paramref name="times"/> for an individual's dosing history.</summary>
    public static double[] Concentrations(PkParameters p, IReadOnlyList<DosingEvent> doses, IReadOnlyList<double> resetTimes,
        IReadOnlyList<double> times)
    {
        Span<double> lambda = stackalloc double[2];
        Span<double> coef = stackalloc double[2];
        int n = Disposition(p, lambda, coef);
        var result = new double[times.Count];
        for (int it = 0; it < times.Count; it++)
        {
            double t = times[it];
            double start = double.NegativeInfinity;
            foreach (var r in resetTimes) if (r <= t && r > start) start = r;
            foreach (var d in doses)
                if (d.Time <= t && (d.ResetBefore || d.SteadyStateInterval is not null) && d.Time > start) start = d.Time;
            double c = 0;
            foreach (var d in doses)
            {
                if (d.Time > t || d.Time < start) continue;
                c += DoseContribution(p, d, t - d.Time, lambda[..n], coef[..n]);
            }
            result[it] = c;
        }
        return result;
    }

    // Unit-bolus response into central: C(s) = sum_j coef_j exp(-lambda_j s).
    private static int Disposition(PkParameters p, Span<double> lambda, Span<double> coef)
    {
        if (!(p.CL > 0) || !(p.V > 0)) throw new ArgumentException($"CL and V must be > 0 (got CL={p.CL}, V={p.V}).");
        double k10 = p.CL / p.V;
        if (p.Q <= 0 || p.V2 <= 0)
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

    private static double DoseContribution(PkParameters p, DosingEvent d, double s, ReadOnlySpan<double> lambda, ReadOnlySpan<double> coef)
    {
        // The route's impulse response as sum_k a_k exp(-mu_k s): a depot dose adds the absorption exponential.
        Span<double> mu = stackalloc double[3];
        Span<double> a = stackalloc double[3];
        int m;
        if (d.IntoDepot)
        {
            if (!(p.Ka > 0)) throw new ArgumentException($"Ka must be > 0 for a depot dose (got {p.Ka}).");
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

        double? tau = d.SteadyStateInterval;
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
        if (tau is double tau2 && dur > tau2)
            throw new ArgumentException($"steady-state infusion at t={d.Time}: duration {dur} exceeds the dosing interval {tau2}.");
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
