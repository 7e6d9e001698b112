using ZeroShotPK.Data;

namespace ZeroShotPK.Simulation;

/// <summary>
/// A forward-mode dual number with five tangents: the value and its derivatives with respect to log CL, log V, log Ka,
/// log Q and log V2 (<see cref="SuperpositionGradient"/>). Only the operations the sum-of-exponentials form uses.
/// </summary>
internal readonly struct Dual5
{
    public readonly double V, D0, D1, D2, D3, D4;

    public Dual5(double v, double d0, double d1, double d2, double d3, double d4) { V = v; D0 = d0; D1 = d1; D2 = d2; D3 = d3; D4 = d4; }

    public static Dual5 Constant(double v) => new(v, 0, 0, 0, 0, 0);

    /// <summary>exp(log x) seeded on tangent <paramref name="k"/>: d x / d log x = x.</summary>
    public static Dual5 LogSeed(double x, int k) => new(x, k == 0 ? x : 0, k == 1 ? x : 0, k == 2 ? x : 0, k == 3 ? x : 0, k == 4 ? x : 0);

    public double D(int k) => k switch { 0 => D0, 1 => D1, 2 => D2, 3 => D3, _ => D4 };

    // Chain rule for a scalar function with value v and derivative dv at this point.
    private Dual5 Chain(double v, double dv) => new(v, dv * D0, dv * D1, dv * D2, dv * D3, dv * D4);

    public static Dual5 operator +(Dual5 a, Dual5 b) => new(a.V + b.V, a.D0 + b.D0, a.D1 + b.D1, a.D2 + b.D2, a.D3 + b.D3, a.D4 + b.D4);
    public static Dual5 operator -(Dual5 a, Dual5 b) => new(a.V - b.V, a.D0 - b.D0, a.D1 - b.D1, a.D2 - b.D2, a.D3 - b.D3, a.D4 - b.D4);
    public static Dual5 operator -(Dual5 a) => new(-a.V, -a.D0, -a.D1, -a.D2, -a.D3, -a.D4);
    public static Dual5 operator +(Dual5 a, double b) => new(a.V + b, a.D0, a.D1, a.D2, a.D3, a.D4);
    public static Dual5 operator -(Dual5 a, double b) => new(a.V - b, a.D0, a.D1, a.D2, a.D3, a.D4);
    public static Dual5 operator -(double a, Dual5 b) => new(a - b.V, -b.D0, -b.D1, -b.D2, -b.D3, -b.D4);
    public static Dual5 operator *(Dual5 a, double b) => new(a.V * b, a.D0 * b, a.D1 * b, a.D2 * b, a.D3 * b, a.D4 * b);
    public static Dual5 operator *(double b, Dual5 a) => a * b;
    public static Dual5 operator /(Dual5 a, double b) => a * (1 / b);

    public static Dual5 operator *(Dual5 a, Dual5 b) => new(a.V * b.V,
        a.D0 * b.V + a.V * b.D0, a.D1 * b.V + a.V * b.D1, a.D2 * b.V + a.V * b.D2, a.D3 * b.V + a.V * b.D3, a.D4 * b.V + a.V * b.D4);

    public static Dual5 operator /(Dual5 a, Dual5 b)
    {
        double q = a.V / b.V, ib = 1 / b.V;
        return new(q, (a.D0 - q * b.D0) * ib, (a.D1 - q * b.D1) * ib, (a.D2 - q * b.D2) * ib, (a.D3 - q * b.D3) * ib, (a.D4 - q * b.D4) * ib);
    }

    public static Dual5 Exp(Dual5 a) { double e = Math.Exp(a.V); return a.Chain(e, e); }
    public static Dual5 ExpM1(Dual5 a) => a.Chain(double.ExpM1(a.V), Math.Exp(a.V));
    public static Dual5 Sqrt(Dual5 a) { double s = Math.Sqrt(a.V); return a.Chain(s, 0.5 / s); }
}

/// <summary>
/// <see cref="Superposition"/> with exact derivatives: the same sum of exponentials evaluated on <see cref="Dual5"/>
/// numbers, so each concentration comes with its gradient with respect to log CL, log V, log Ka, log Q and log V2 in
/// one pass (the NLME fits needed 2 extra solves per parameter by central differences). Mirrors
/// <see cref="Superposition.Concentrations"/> line by line; a test checks both agree and that the gradient equals
/// finite differences.
/// </summary>
internal static class SuperpositionGradient
{
    /// <summary>Tangents carried: log CL, log V, log Ka, log Q, log V2.</summary>
    public const int Parameters = 5;

    /// <summary>
    /// Concentrations into <paramref name="result"/> and d C / d log(CL, V, Ka, Q, V2) into <paramref name="gradient"/>
    /// (row-major, <see cref="Parameters"/> per time). Call only where <see cref="Superposition.Supports"/> holds.
    /// </summary>
    public static void Concentrations(PkModel model, PkParameters p, IReadOnlyList<DosingEvent> doses, IReadOnlyList<double> resetTimes,
        IReadOnlyList<double> times, Span<double> result, Span<double> gradient)
    {
        Span<Dual5> lambda = stackalloc Dual5[2];
        Span<Dual5> coef = stackalloc Dual5[2];
        var cl = Dual5.LogSeed(p.CL, 0);
        var v = Dual5.LogSeed(p.V, 1);
        var ka = Dual5.LogSeed(p.Ka, 2);
        int n = Disposition(model, p, cl, v, lambda, coef);
        for (int it = 0; it < times.Count; it++)
        {
            double t = times[it];
            double start = double.NegativeInfinity;
            foreach (var r in resetTimes) if (r <= t && r > start) start = r;
            foreach (var d in doses)
                if (d.Time <= t && d.ReplacesPast && d.Time > start) start = d.Time;
            var c = Dual5.Constant(0);
            foreach (var d in doses)
            {
                double lag = d.IntoDepot ? p.Tlag : 0;
                double s = t - d.Time - lag;
                if (d.Time > t || d.Time + lag < start) continue;
                double? tau = d.SteadyStateInterval;
                if (tau is not null && d.Time < start) tau = null;
                if (s < 0)
                {
                    if (tau is null) continue;
                    s += tau.Value;
                }
                c += DoseContribution(p, ka, d, tau, s, lambda[..n], coef[..n]);
            }
            result[it] = c.V;
            var g = gradient.Slice(it * Parameters, Parameters);
            g[0] = c.D0; g[1] = c.D1; g[2] = c.D2; g[3] = c.D3; g[4] = c.D4;
        }
    }

    private static int Disposition(PkModel model, PkParameters p, Dual5 cl, Dual5 v, Span<Dual5> lambda, Span<Dual5> coef)
    {
        var k10 = cl / v;
        if (model.Compartments == 1 || p.Q == 0)
        {
            lambda[0] = k10; coef[0] = Reciprocal(v);
            return 1;
        }
        var q = Dual5.LogSeed(p.Q, 3);
        var v2 = Dual5.LogSeed(p.V2, 4);
        Dual5 k12 = q / v, k21 = q / v2;
        var sum = k10 + k12 + k21;
        var disc = Dual5.Sqrt(sum * sum - 4 * (k10 * k21));
        var alpha = (sum + disc) * 0.5;
        var beta = k10 * k21 / alpha;
        lambda[0] = alpha; coef[0] = (alpha - k21) / ((alpha - beta) * v);
        lambda[1] = beta; coef[1] = (k21 - beta) / ((alpha - beta) * v);
        return 2;
    }

    private static Dual5 Reciprocal(Dual5 a) => Dual5.Constant(1) / a;

    private static Dual5 DoseContribution(PkParameters p, Dual5 ka, DosingEvent d, double? tau, double s, ReadOnlySpan<Dual5> lambda, ReadOnlySpan<Dual5> coef)
    {
        Span<Dual5> mu = stackalloc Dual5[3];
        Span<Dual5> a = stackalloc Dual5[3];
        int m;
        if (d.IntoDepot)
        {
            var sumA = Dual5.Constant(0);
            for (int j = 0; j < lambda.Length; j++)
            {
                var kaj = Math.Abs(ka.V - lambda[j].V) < 1e-9 * ka.V ? ka * (1 + 1e-6) : ka;
                mu[j] = lambda[j]; a[j] = p.F * (coef[j] * kaj / (kaj - lambda[j])); sumA += a[j];
            }
            mu[lambda.Length] = ka; a[lambda.Length] = -sumA;
            m = lambda.Length + 1;
        }
        else
        {
            for (int j = 0; j < lambda.Length; j++) { mu[j] = lambda[j]; a[j] = coef[j]; }
            m = lambda.Length;
        }

        var c = Dual5.Constant(0);
        if (!d.IsInfusion)
        {
            for (int k = 0; k < m; k++)
            {
                var term = a[k] * Dual5.Exp(-mu[k] * s);
                if (tau is double tt) term /= -Dual5.ExpM1(-mu[k] * tt);
                c += term;
            }
            return d.Amount * c;
        }

        double dur = d.Duration, rate = d.Rate;
        for (int k = 0; k < m; k++)
        {
            var during = -Dual5.ExpM1(-mu[k] * Math.Min(s, dur));
            var term = a[k] / mu[k] * during * Dual5.Exp(-mu[k] * Math.Max(0, s - dur));
            if (tau is double tt)
            {
                var full = a[k] / mu[k] * -Dual5.ExpM1(-mu[k] * dur);
                term += full * Dual5.Exp(-mu[k] * (s - dur)) * Dual5.Exp(-mu[k] * tt) / -Dual5.ExpM1(-mu[k] * tt);
            }
            c += term;
        }
        return rate * c;
    }
}
