namespace ZeroShotPK.Simulation;

/// <summary>
/// Ornstein-Uhlenbeck process dX = -theta X dt + sigma dW around 0, parameterised by its mean-reversion rate theta and
/// stationary standard deviation s = sigma / sqrt(2 theta). Sampled exactly (no discretisation error) at any times.
/// </summary>
/// <param name="MeanReversionRate">theta (1/time), &gt; 0.</param>
/// <param name="StationarySd">Stationary standard deviation, &gt;= 0.</param>
public sealed record OrnsteinUhlenbeck(double MeanReversionRate, double StationarySd)
{
    /// <summary>Correlation between values <paramref name="lag"/> apart: exp(-theta lag).</summary>
    public double Autocorrelation(double lag) => Math.Exp(-MeanReversionRate * Math.Abs(lag));

    /// <summary>Samples the stationary process at ascending <paramref name="times"/> into <paramref name="values"/>.</summary>
    public void Sample(Rng rng, ReadOnlySpan<double> times, Span<double> values)
    {
        if (times.Length == 0) return;
        var x = StationarySd * rng.NextNormal();
        values[0] = x;
        for (var i = 1; i < times.Length; i++)
        {
            var decay = Math.Exp(-MeanReversionRate * (times[i] - times[i - 1]));
            x = x * decay + StationarySd * Math.Sqrt(Math.Max(0, 1 - decay * decay)) * rng.NextNormal();
            values[i] = x;
        }
    }
}
