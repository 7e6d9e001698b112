namespace ZeroShotPK.Simulation;

/// <summary>Right-hand side dy/dt = f(t, y) of an ODE system.</summary>
public delegate void OdeFunction(double t, ReadOnlySpan<double> y, Span<double> dydt);

/// <summary>Error control of <see cref="DormandPrince"/>.</summary>
/// <param name="RelativeTolerance">Relative tolerance per component, &gt; 0.</param>
/// <param name="AbsoluteTolerance">Absolute tolerance per component, &gt; 0.</param>
/// <param name="MaxSteps">Maximum number of attempted steps per call.</param>
/// <param name="InitialStep">First step size, or 0 for automatic.</param>
public sealed record OdeOptions(double RelativeTolerance = 1e-8, double AbsoluteTolerance = 1e-10, int MaxSteps = 1_000_000, double InitialStep = 0);

/// <summary>
/// Dormand-Prince 5(4) explicit Runge-Kutta with embedded error estimate, first-same-as-last and PI-free step control
/// (step factor 0.9 (1/err)^(1/5) bounded to [0.2, 5]).
/// </summary>
public static class DormandPrince
{
    private const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
    private const double A21 = 1.0 / 5;
    private const double A31 = 3.0 / 40, A32 = 9.0 / 40;
    private const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
    private const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561, A54 = -212.0 / 729;
    private const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176, A65 = -5103.0 / 18656;
    private const double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784, B6 = 11.0 / 84;
    private const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;

    /// <summary>
    /// Integrates from <paramref name="t0"/> to <paramref name="t1"/> in place with adaptive steps.
    /// <paramref name="step"/> carries the step size between calls (0 = choose).
    /// </summary>
    public static SolveStatus Integrate(OdeFunction f, double t0, Span<double> y, double t1, OdeOptions options, ref double step, ref int steps)
    {
        var n = y.Length;
        if (t1 <= t0) return SolveStatus.Success;
        var buffer = new double[n * 9];
        var k1 = buffer.AsSpan(0, n); var k2 = buffer.AsSpan(n, n); var k3 = buffer.AsSpan(2 * n, n);
        var k4 = buffer.AsSpan(3 * n, n); var k5 = buffer.AsSpan(4 * n, n); var k6 = buffer.AsSpan(5 * n, n);
        var k7 = buffer.AsSpan(6 * n, n); var tmp = buffer.AsSpan(7 * n, n); var yNew = buffer.AsSpan(8 * n, n);
        var span = t1 - t0;
        var h = step > 0 ? step : options.InitialStep > 0 ? options.InitialStep : span * 1e-3;
        var minStep = 1e-14 * Math.Max(Math.Abs(t0), Math.Abs(t1)) + 1e-300;
        var t = t0;
        f(t, y, k1);
        var attempts = 0;
        while (t < t1)
        {
            if (++attempts > options.MaxSteps) return SolveStatus.MaxStepsExceeded;
            var last = t + h >= t1 || t1 - (t + h) < 1e-12 * span;
            var hh = last ? t1 - t : h;
            for (var i = 0; i < n; i++) tmp[i] = y[i] + hh * A21 * k1[i];
            f(t + C2 * hh, tmp, k2);
            for (var i = 0; i < n; i++) tmp[i] = y[i] + hh * (A31 * k1[i] + A32 * k2[i]);
            f(t + C3 * hh, tmp, k3);
            for (var i = 0; i < n; i++) tmp[i] = y[i] + hh * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
            f(t + C4 * hh, tmp, k4);
            for (var i = 0; i < n; i++) tmp[i] = y[i] + hh * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
            f(t + C5 * hh, tmp, k5);
            for (var i = 0; i < n; i++) tmp[i] = y[i] + hh * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
            f(t + hh, tmp, k6);
            for (var i = 0; i < n; i++) yNew[i] = y[i] + hh * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]);
            f(t + hh, yNew, k7);
            var err = 0.0;
            for (var i = 0; i < n; i++)
            {
                var e = hh * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
                var sc = options.AbsoluteTolerance + options.RelativeTolerance * Math.Max(Math.Abs(y[i]), Math.Abs(yNew[i]));
                err += (e / sc) * (e / sc);
            }
            err = Math.Sqrt(err / n);
            if (!double.IsFinite(err)) return SolveStatus.NotFinite;
            var factor = err == 0 ? 5 : Math.Clamp(0.9 * Math.Pow(err, -0.2), 0.2, 5);
            if (err <= 1)
            {
                t = last ? t1 : t + hh;
                yNew.CopyTo(y);
                k7.CopyTo(k1);
                steps++;
                if (!last || hh >= h) h = hh * factor;
                else h = Math.Max(h, hh * factor);
            }
            else
            {
                h = hh * Math.Max(factor, 0.1);
                if (h < minStep) return SolveStatus.StepSizeTooSmall;
            }
        }
        step = h;
        return SolveStatus.Success;
    }

    /// <summary>Integrates with <paramref name="count"/> equal steps of the 5th-order formula (no error control; for order checks).</summary>
    public static void IntegrateFixed(OdeFunction f, double t0, Span<double> y, double t1, int count)
    {
        var n = y.Length;
        var buffer = new double[n * 7];
        var k1 = buffer.AsSpan(0, n); var k2 = buffer.AsSpan(n, n); var k3 = buffer.AsSpan(2 * n, n);
        var k4 = buffer.AsSpan(3 * n, n); var k5 = buffer.AsSpan(4 * n, n); var k6 = buffer.AsSpan(5 * n, n);
        var tmp = buffer.AsSpan(6 * n, n);
        var h = (t1 - t0) / count;
        for (var s = 0; s < count; s++)
        {
            var t = t0 + s * h;
            f(t, y, k1);
            for (var i = 0; i < n; i++) tmp[i] = y[i] + h * A21 * k1[i];
            f(t + C2 * h, tmp, k2);
            for (var i = 0; i < n; i++) tmp[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i]);
            f(t + C3 * h, tmp, k3);
            for (var i = 0; i < n; i++) tmp[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
            f(t + C4 * h, tmp, k4);
            for (var i = 0; i < n; i++) tmp[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
            f(t + C5 * h, tmp, k5);
            for (var i = 0; i < n; i++) tmp[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
            f(t + h, tmp, k6);
            for (var i = 0; i < n; i++) y[i] += h * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]);
        }
    }
}
