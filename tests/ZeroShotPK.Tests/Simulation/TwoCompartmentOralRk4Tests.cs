using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Simulation;

public class TwoCompartmentOralRk4Tests
{
    private static readonly double[] Times = [0, 0.5, 1, 2, 4, 8, 12, 24];

    // One compartment, first-order absorption (Bateman): C = D ka / (V (ka - k)) (exp(-k t) - exp(-ka t)), k = CL / V.
    private static double Bateman(double t, double cl, double v, double ka, double dose)
    {
        var k = cl / v;
        return dose * ka / (v * (ka - k)) * (Math.Exp(-k * t) - Math.Exp(-ka * t));
    }

    private static double MaxRelativeError(double step)
    {
        var c = new double[Times.Length];
        TwoCompartmentOralRk4.Profile(cl: 5, v: 50, ka: 1.2, q: 0, v2: 80, dose: 100, Times, step, c);
        Assert.Equal(0, c[0]);
        return Times.Skip(1).Select((t, k) => Math.Abs(c[k + 1] / Bateman(t, 5, 50, 1.2, 100) - 1)).Max();
    }

    [Fact]
    public void WithoutAPeripheralItIsTheAnalyticOneCompartmentProfile()
    {
        // C(2 h) = 100 x 1.2 / (50 x 1.1) (e^-0.2 - e^-2.4) = 1.58839 mg/L; the bench's step of 0.05 h stays within 1e-6 of it.
        Assert.Equal(1.58839, Bateman(2, 5, 50, 1.2, 100), 5);
        Assert.True(MaxRelativeError(0.05) < 1e-6, $"error {MaxRelativeError(0.05):E2}");
    }

    [Fact]
    public void ErrorFallsAsTheFourthPowerOfTheStep()
    {
        // Fourth order: halving the step divides the global error by about 2^4 = 16.
        var ratio = MaxRelativeError(0.25) / MaxRelativeError(0.125);
        Assert.InRange(ratio, 13, 19);
    }

    [Fact]
    public void TwoCompartmentsMatchTheClosedFormAndTheTimeMajorLayout()
    {
        const int profiles = 3;
        double[] cl = [5, 2, 9], v = [50, 30, 70], ka = [1, 0.5, 2], q = [5, 1, 12], v2 = [80, 20, 150], dose = [100, 10, 500];
        var rk = new double[Times.Length * profiles];
        var exact = new double[Times.Length * profiles];
        for (var i = 0; i < profiles; i++) TwoCompartmentOralRk4.Profile(cl[i], v[i], ka[i], q[i], v2[i], dose[i], Times, 0.05, rk, i, profiles);
        TwoCompartmentOralBatch.ComputeScalar(cl, v, ka, q, v2, dose, Times, exact);
        for (var j = profiles; j < rk.Length; j++) Assert.True(Math.Abs(rk[j] / exact[j] - 1) < 2e-6, $"entry {j}: {rk[j]} vs {exact[j]}");
    }

    [Fact]
    public void ATimeOffTheStepGridIsRefused()
    {
        var c = new double[2];
        var e = Assert.Throws<ArgumentException>(() => TwoCompartmentOralRk4.Profile(5, 50, 1, 5, 80, 100, [0, 0.33], 0.05, c));
        Assert.StartsWith("times[1] = 0.33: expected ascending times >= 0 that are multiples of the step 0.05 h.", e.Message);
        e = Assert.Throws<ArgumentException>(() => TwoCompartmentOralRk4.Profile(5, 50, 1, 5, 80, 100, [1, 0.5], 0.05, c));
        Assert.StartsWith("times[1] = 0.5:", e.Message);
        Assert.Throws<ArgumentException>(() => TwoCompartmentOralRk4.Profile(5, 50, 1, 5, 80, 100, [0, 1], 0.05, c, profile: 1, profiles: 2));
    }
}
