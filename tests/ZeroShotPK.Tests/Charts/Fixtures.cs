using ZeroShotPK.Data;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Charts;

internal static class Fixtures
{
    public static readonly double[] Times = [0.5, 1, 2, 4, 8, 12, 24];

    /// <summary>Three one-compartment oral profiles, closed form (Ka 1.5/h, V 30 L, CL 2/3/4 L/h, 320 mg).</summary>
    public static Study Study()
    {
        var individuals = new[] { 2.0, 3.0, 4.0 }.Select((cl, i) =>
        {
            const double dose = 320, ka = 1.5, v = 30;
            double ke = cl / v;
            var obs = Times.Select(t => new Observation(t, dose * ka / (v * (ka - ke)) * (Math.Exp(-ke * t) - Math.Exp(-ka * t))));
            return new Individual($"S{i + 1}", [DosingEvent.Oral(0, dose)], obs);
        });
        return new Study("fixture", individuals, new Units("h", "mg", "ug/mL"));
    }

    public static Prediction Prediction()
    {
        var median = Times.Select(t => 10 * Math.Exp(-0.1 * t)).ToArray();
        return new Prediction("aicmet", Times, median, median.Select(m => m * 0.6).ToArray(), median.Select(m => m * 1.6).ToArray());
    }
}
