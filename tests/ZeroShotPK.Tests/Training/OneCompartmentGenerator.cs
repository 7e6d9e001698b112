using ZeroShotPK.Data;
using ZeroShotPK.Priors;

namespace ZeroShotPK.Tests.Training;

/// <summary>
/// Tiny closed-form one-compartment oral prior for tests: study typical CL, V, Ka lognormal, 30% IIV, 10%
/// proportional error, 6..12 individuals sampled at a shared 10-point design.
/// </summary>
internal sealed class OneCompartmentGenerator : IStudyGenerator
{
    public Study Generate(long seed)
    {
        var rng = new Random((int)(seed & 0x7FFFFFFF) ^ (int)(seed >> 32));
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        double cl = Math.Exp(Math.Log(5) + 0.5 * Normal()), v = Math.Exp(Math.Log(50) + 0.5 * Normal()), ka = Math.Exp(Math.Log(1.5) + 0.4 * Normal());
        double dose = 100 * Math.Exp(0.3 * Normal());
        double[] times = [0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 24];
        int n = 6 + rng.Next(7);
        var inds = new List<Individual>();
        for (int i = 0; i < n; i++)
        {
            double cli = cl * Math.Exp(0.3 * Normal()), vi = v * Math.Exp(0.3 * Normal()), kai = ka * Math.Exp(0.3 * Normal());
            double ke = cli / vi;
            var obs = times.Select(t =>
            {
                double c = dose * kai / (vi * (kai - ke)) * (Math.Exp(-ke * t) - Math.Exp(-kai * t));
                return new Observation(t, c * Math.Exp(0.1 * Normal()));
            });
            inds.Add(new Individual($"{i + 1}", [DosingEvent.Oral(0, dose)], obs.ToList()));
        }
        return new Study($"synthetic-{seed}", inds);
    }
}
