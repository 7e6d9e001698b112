using MathNet.Numerics.Distributions;
using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Diagnostics;

/// <summary>Closed-form one-compartment studies for diagnostics tests.</summary>
internal static class Fixtures
{
    public static readonly double[] Design = [0.5, 1, 2, 3, 4, 6, 8, 12, 24];

    /// <summary>One-compartment oral concentration (F=1).</summary>
    public static double OneCompartmentOral(double t, double dose, double cl, double v, double ka)
    {
        double ke = cl / v;
        return dose * ka / (v * (ka - ke)) * (Math.Exp(-ke * t) - Math.Exp(-ka * t));
    }

    /// <summary>
    /// A study of <paramref name="n"/> individuals: log-normal CL, V, Ka around the given typical values
    /// (omega 0.3), proportional error <paramref name="sigma"/>; samples below <paramref name="lloq"/> are flagged BLQ.
    /// </summary>
    public static Study OralStudy(int n, int seed, double cl = 2, double v = 20, double ka = 1.2, double dose = 100,
        double sigma = 0.1, double? lloq = null, double[]? design = null, double doseOmega = 0, string name = "s", IReadOnlyList<double>? doses = null)
    {
        var rng = new Random(seed);
        design ??= Design;
        var inds = new List<Individual>();
        for (int i = 0; i < n; i++)
        {
            double cli = cl * Math.Exp(Normal.Sample(rng, 0, 0.3));
            double vi = v * Math.Exp(Normal.Sample(rng, 0, 0.3));
            double kai = ka * Math.Exp(Normal.Sample(rng, 0, 0.3));
            double di = dose * Math.Exp(Normal.Sample(rng, 0, doseOmega));
            if (doses is not null) di = doses[i];
            var obs = design.Select(t =>
            {
                double c = OneCompartmentOral(t, di, cli, vi, kai) * Math.Exp(Normal.Sample(rng, 0, sigma));
                return lloq is double l && c < l ? new Observation(t, l, l, IsBlq: true) : new Observation(t, c, lloq);
            });
            inds.Add(new Individual($"{i + 1}", [DosingEvent.Oral(0, di)], obs));
        }
        return new Study(name, inds);
    }
}
