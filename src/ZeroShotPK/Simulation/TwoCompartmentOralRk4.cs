namespace ZeroShotPK.Simulation;

/// <summary>
/// A reference integrator: the 2-compartment oral single-dose model (depot, central, peripheral amounts; linear
/// elimination) by classical fixed-step 4th-order Runge-Kutta from a bolus into the depot at t = 0. It is the naive
/// per-individual ODE baseline that <c>zspk bench simulate</c> times against <see cref="TwoCompartmentOralBatch"/>; its
/// global error falls as step^4 (about 1e-6 relative at 0.05 h for hour-scale rate constants). Q = 0 gives the
/// 1-compartment model. Production code solves with <see cref="ClosedFormSolver"/> or <see cref="OdeSolver"/>.
/// </summary>
public static class TwoCompartmentOralRk4
{
    /// <summary>
    /// Central concentrations (amount / V) of one profile at <paramref name="times"/>, which must be ascending, &gt;= 0
    /// and multiples of <paramref name="step"/> (the integrator never steps off its grid). Writes
    /// <paramref name="output"/>[k * <paramref name="profiles"/> + <paramref name="profile"/>] for time k: the time-major
    /// layout of <see cref="TwoCompartmentOralBatch"/>.
    /// </summary>
    /// <param name="cl">CL (L/h).</param>
    /// <param name="v">V, central volume (L).</param>
    /// <param name="ka">Ka, absorption rate constant (1/h).</param>
    /// <param name="q">Q, inter-compartmental clearance (L/h); 0 for one compartment.</param>
    /// <param name="v2">V2, peripheral volume (L), &gt; 0.</param>
    /// <param name="dose">Dose into the depot at t = 0 (mg).</param>
    /// <param name="times">Output times (h).</param>
    /// <param name="step">RK4 step (h), &gt; 0.</param>
    /// <param name="output">Output, at least times x profiles long.</param>
    /// <param name="profile">This profile's index.</param>
    /// <param name="profiles">Profiles in the output.</param>
    /// <exception cref="ArgumentException">A time off the step grid, descending or negative, a step &lt;= 0 or an output too short.</exception>
    public static void Profile(double cl, double v, double ka, double q, double v2, double dose, ReadOnlySpan<double> times,
        double step, Span<double> output, int profile = 0, int profiles = 1)
    {
        if (!(step > 0)) throw new ArgumentException($"step: expected > 0 h, got {step}.", nameof(step));
        if ((uint)profile >= (uint)profiles || output.Length < times.Length * profiles)
            throw new ArgumentException($"output: expected {times.Length} x {profiles} entries and a profile index below {profiles}, got {output.Length} entries and index {profile}.", nameof(output));
        double k10 = cl / v, k12 = q / v, k21 = q / v2;
        double a0 = dose, a1 = 0, a2 = 0;
        long done = 0;
        for (var k = 0; k < times.Length; k++)
        {
            // Steps to reach times[k]; a time off the grid would be skipped or overshot, so it is refused.
            var target = Math.Round(times[k] / step);
            if (!(times[k] >= 0) || Math.Abs(target * step - times[k]) > 1e-9 * Math.Max(1, times[k]) || (long)target < done)
                throw new ArgumentException($"times[{k}] = {times[k]}: expected ascending times >= 0 that are multiples of the step {step} h.", nameof(times));
            for (; done < (long)target; done++)
            {
                var (d0, d1, d2) = Rates(a0, a1, a2);
                var (e0, e1, e2) = Rates(a0 + step / 2 * d0, a1 + step / 2 * d1, a2 + step / 2 * d2);
                var (f0, f1, f2) = Rates(a0 + step / 2 * e0, a1 + step / 2 * e1, a2 + step / 2 * e2);
                var (g0, g1, g2) = Rates(a0 + step * f0, a1 + step * f1, a2 + step * f2);
                a0 += step / 6 * (d0 + 2 * e0 + 2 * f0 + g0);
                a1 += step / 6 * (d1 + 2 * e1 + 2 * f1 + g1);
                a2 += step / 6 * (d2 + 2 * e2 + 2 * f2 + g2);
            }
            output[k * profiles + profile] = a1 / v;
        }

        (double, double, double) Rates(double x0, double x1, double x2) =>
            (-ka * x0, ka * x0 - (k10 + k12) * x1 + k21 * x2, k12 * x1 - k21 * x2);
    }
}
