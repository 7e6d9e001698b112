using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Simulation;

public class OrnsteinUhlenbeckTests
{
    [Fact]
    public void LongSampleHasStationaryMeanVarianceAndAutocorrelation()
    {
        var ou = new OrnsteinUhlenbeck(0.5, 0.3);
        const int n = 400_000; const double dt = 0.5;
        var times = Enumerable.Range(0, n).Select(i => i * dt).ToArray();
        var x = new double[n];
        ou.Sample(new Rng(2024), times, x);
        var mean = x.Average();
        var variance = x.Select(v => (v - mean) * (v - mean)).Average();
        double Acf(int lag)
        {
            var s = 0.0;
            for (var i = 0; i + lag < n; i++) s += (x[i] - mean) * (x[i + lag] - mean);
            return s / (n - lag) / variance;
        }
        // Effective sample size ~ n (1 - rho)/(1 + rho) with rho = exp(-0.25) -> ~ 50,000: sd(mean) ~ 0.0013.
        Assert.InRange(mean, -0.006, 0.006);
        Assert.Equal(0.09, variance, 0.004);
        Assert.Equal(Math.Exp(-0.5 * 0.5), Acf(1), 0.01);
        Assert.Equal(Math.Exp(-0.5 * 2.0), Acf(4), 0.015);
        Assert.Equal(ou.Autocorrelation(2.0), Math.Exp(-1), 1e-15);
    }

    [Fact]
    public void SameSeedSamePath()
    {
        var t = new[] { 0.0, 1, 2, 5 };
        var a = new double[4]; var b = new double[4];
        new OrnsteinUhlenbeck(0.1, 0.2).Sample(new Rng(5), t, a);
        new OrnsteinUhlenbeck(0.1, 0.2).Sample(new Rng(5), t, b);
        Assert.Equal(a, b);
    }
}
