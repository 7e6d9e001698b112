using MathNet.Numerics.Distributions;

namespace ZeroShotPK.Inference;

/// <summary>How a <see cref="PredictiveDistribution"/> is represented at one query time.</summary>
public enum PredictiveForm
{
    /// <summary>The empirical distribution of the method's predictive draws (ties count half in the CDF).</summary>
    Samples,
    /// <summary>The method's own closed form (a log-normal or a mixture of log-normals, or a point mass).</summary>
    Exact,
    /// <summary>
    /// A split log-normal through the median and the 90% interval (each side's log-scale spread from its own interval
    /// end): the approximation for a method that reports those three quantiles only.
    /// </summary>
    SplitLogNormal,
    /// <summary>
    /// A split normal on the concentration scale through the median and the 90% interval, where the lower end is ≤ 0
    /// (additive residual error) and a log-normal cannot go.
    /// </summary>
    SplitNormal,
}

/// <summary>
/// The predictive distribution of an observation at each query time of a <see cref="Prediction"/>: quantiles at any
/// level and the CDF, so that evaluation reads the method's own distribution instead of guessing one from three
/// quantiles. Made by the method through the factories (<see cref="FromSamples"/>, <see cref="LogNormalMixture"/>,
/// <see cref="LogNormal"/>, <see cref="FromQuantiles"/>).
/// </summary>
public abstract class PredictiveDistribution
{
    private protected static readonly double Z95 = Normal.InvCDF(0, 1, 0.95);

    /// <summary>Query times covered.</summary>
    public abstract int Count { get; }

    /// <summary>The <paramref name="p"/>-quantile of the observation at query index <paramref name="j"/>.</summary>
    /// <param name="j">Query index, 0..<see cref="Count"/> - 1.</param>
    /// <param name="p">Level in (0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">p outside (0, 1), or j outside the query times.</exception>
    public double Quantile(int j, double p)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a quantile level must be in (0, 1).");
        CheckIndex(j);
        return QuantileCore(j, p);
    }

    /// <summary>P(Y ≤ <paramref name="y"/>) for the observation at query index <paramref name="j"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">j outside the query times.</exception>
    public double Cdf(int j, double y)
    {
        CheckIndex(j);
        return CdfCore(j, y);
    }

    /// <summary>How the distribution at query index <paramref name="j"/> is represented.</summary>
    public abstract PredictiveForm Form(int j);

    private protected abstract double QuantileCore(int j, double p);
    private protected abstract double CdfCore(int j, double y);

    private void CheckIndex(int j)
    {
        if (j < 0 || j >= Count) throw new ArgumentOutOfRangeException(nameof(j), j, $"query index must be in 0..{Count - 1}.");
    }

    /// <summary>The empirical distribution of predictive draws [sample][time] (observations, residual error included).</summary>
    /// <exception cref="ArgumentException">No draw, or draws of different lengths.</exception>
    public static PredictiveDistribution FromSamples(double[][] samples) => new SampleDistribution(samples);

    /// <summary>
    /// An equal-weight mixture of log-normals: log Y at time j is N(<paramref name="logMu"/>[k][j],
    /// <paramref name="logSigma"/>[k][j]²) with probability 1/K for component k (AICMET's latent draws).
    /// A component with sigma 0 is a point mass.
    /// </summary>
    /// <exception cref="ArgumentException">No component, shapes that differ, or a negative or non-finite sigma.</exception>
    public static PredictiveDistribution LogNormalMixture(double[][] logMu, double[][] logSigma) => new LogNormalMixtureDistribution(logMu, logSigma);

    /// <summary>
    /// A log-normal per time: log Y at time j is N(<paramref name="logMu"/>[j], <paramref name="logSigma"/>[j]²); a time
    /// whose <paramref name="logMu"/> is -∞ is a point mass at 0 (e.g. before the first dose).
    /// </summary>
    public static PredictiveDistribution LogNormal(double[] logMu, double[] logSigma) => new LogNormalMixtureDistribution([logMu], [logSigma]);

    /// <summary>
    /// The approximation for a method that reports only a median and a 90% interval: a split log-normal through them,
    /// or a split normal at times whose lower end is ≤ 0 (see <see cref="PredictiveForm"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static PredictiveDistribution FromQuantiles(double[] median, double[] lower90, double[] upper90) => new QuantileDistribution(median, lower90, upper90);
}

/// <summary>Empirical distribution of draws; quantiles as R's type 8 (MathNet's Statistics.Quantile), as the NLME intervals.</summary>
internal sealed class SampleDistribution : PredictiveDistribution
{
    private readonly double[][] samples;
    private readonly double[]?[] sorted;

    public SampleDistribution(double[][] samples)
    {
        if (samples.Length == 0) throw new ArgumentException("a sample distribution needs at least one draw.", nameof(samples));
        int n = samples[0].Length;
        if (samples.Any(s => s.Length != n)) throw new ArgumentException("every draw needs one value per query time.", nameof(samples));
        this.samples = samples;
        sorted = new double[]?[n];
    }

    public override int Count => samples[0].Length;
    public override PredictiveForm Form(int j) => PredictiveForm.Samples;

    private protected override double QuantileCore(int j, double p)
    {
        var col = sorted[j];
        if (col is null)
        {
            col = samples.Select(s => s[j]).ToArray();
            Array.Sort(col);
            sorted[j] = col;
        }
        return MathNet.Numerics.Statistics.SortedArrayStatistics.Quantile(col, p);
    }

    private protected override double CdfCore(int j, double y)
    {
        int below = 0, ties = 0;
        foreach (var s in samples)
        {
            if (s[j] < y) below++;
            else if (s[j] == y) ties++;
        }
        return (below + 0.5 * ties) / samples.Length;
    }
}

/// <summary>Equal-weight mixture of log-normals per time (one component: a log-normal).</summary>
internal sealed class LogNormalMixtureDistribution : PredictiveDistribution
{
    private readonly double[][] mu, sigma;

    public LogNormalMixtureDistribution(double[][] mu, double[][] sigma)
    {
        if (mu.Length == 0 || mu.Length != sigma.Length) throw new ArgumentException("a mixture needs one or more components, each with mu and sigma.", nameof(mu));
        int n = mu[0].Length;
        for (int k = 0; k < mu.Length; k++)
        {
            if (mu[k].Length != n || sigma[k].Length != n) throw new ArgumentException("every component needs one mu and one sigma per query time.", nameof(mu));
            if (sigma[k].Any(s => !(s >= 0) || double.IsInfinity(s))) throw new ArgumentException("sigma must be finite and >= 0.", nameof(sigma));
        }
        this.mu = mu; this.sigma = sigma;
    }

    public override int Count => mu[0].Length;
    public override PredictiveForm Form(int j) => PredictiveForm.Exact;

    private protected override double QuantileCore(int j, double p)
    {
        var (m, s) = Column(j);
        return m.Any(double.IsNegativeInfinity) ? 0 : Math.Exp(MixtureQuantile(m, s, p));
    }

    private protected override double CdfCore(int j, double y)
    {
        double sum = 0;
        for (int k = 0; k < mu.Length; k++)
        {
            double m = mu[k][j], s = sigma[k][j];
            if (double.IsNegativeInfinity(m)) sum += y >= 0 ? 1 : 0;
            else if (y <= 0) sum += 0;
            else if (s == 0) sum += Math.Log(y) >= m ? 1 : 0;
            else sum += NormalCdf((Math.Log(y) - m) / s);
        }
        return sum / mu.Length;
    }

    private (double[] Mu, double[] Sigma) Column(int j) => (mu.Select(r => r[j]).ToArray(), sigma.Select(r => r[j]).ToArray());

    /// <summary>
    /// The p-quantile of an equal-weight mixture of normals (bracketed Newton on the mixture CDF), the one AICMET's
    /// median and 90% interval come from: the same function, so <see cref="PredictiveDistribution.Quantile"/> reproduces them exactly.
    /// </summary>
    internal static double MixtureQuantile(double[] mu, double[] sigma, double p)
    {
        int m = mu.Length;
        if (sigma.All(s => s == 0))
        {
            // Point masses: the empirical quantile of the means (no density for Newton).
            var sorted = mu.Order().ToArray();
            return sorted[Math.Clamp((int)Math.Ceiling(p * m) - 1, 0, m - 1)];
        }
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity, mean = 0, second = 0;
        for (int k = 0; k < m; k++)
        {
            lo = Math.Min(lo, mu[k] - 8 * sigma[k]); hi = Math.Max(hi, mu[k] + 8 * sigma[k]);
            mean += mu[k]; second += sigma[k] * sigma[k] + mu[k] * mu[k];
        }
        mean /= m;
        // Start at the quantile of the moment-matched normal: Newton then needs two or three steps, not five or six.
        double sd = Math.Sqrt(Math.Max(second / m - mean * mean, 0));
        double x = p == 0.5 ? mean : Math.Clamp(mean + sd * Normal.InvCDF(0, 1, p), lo, hi);
        for (int it = 0; it < 60; it++)
        {
            double cdf = 0, pdf = 0;
            for (int k = 0; k < m; k++)
            {
                if (sigma[k] == 0) { cdf += x >= mu[k] ? 1 : 0; continue; }
                double z = (x - mu[k]) / sigma[k];
                cdf += NormalCdf(z);
                pdf += Math.Exp(-0.5 * z * z) / (sigma[k] * 2.5066282746310002);
            }
            cdf /= m; pdf /= m;
            double f = cdf - p;
            if (Math.Abs(f) < 1e-7) break;
            if (f > 0) hi = x; else lo = x;
            double next = pdf > 1e-300 ? x - f / pdf : double.NaN;
            x = next > lo && next < hi ? next : 0.5 * (lo + hi);
        }
        return x;
    }

    /// <summary>Standard normal CDF via erfc (W. J. Cody's rational approximation in MathNet).</summary>
    internal static double NormalCdf(double z) => 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-z / Math.Sqrt(2));
}

/// <summary>Split log-normal (or split normal) through a median and a 90% interval.</summary>
internal sealed class QuantileDistribution : PredictiveDistribution
{
    private readonly double[] median, lower, upper;

    public QuantileDistribution(double[] median, double[] lower90, double[] upper90)
    {
        if (lower90.Length != median.Length || upper90.Length != median.Length)
            throw new ArgumentException("median, lower90 and upper90 need one entry per query time.", nameof(median));
        this.median = median; lower = lower90; upper = upper90;
    }

    public override int Count => median.Length;
    public override PredictiveForm Form(int j) => lower[j] > 0 ? PredictiveForm.SplitLogNormal : PredictiveForm.SplitNormal;

    private protected override double QuantileCore(int j, double p)
    {
        double m = median[j], z = Normal.InvCDF(0, 1, p);
        if (p == 0.5) return m;
        if (Form(j) == PredictiveForm.SplitNormal) return m + z * (p > 0.5 ? upper[j] - m : m - lower[j]) / Z95;
        return m * Math.Exp(z * (p > 0.5 ? Math.Log(upper[j] / m) : Math.Log(m / lower[j])) / Z95);
    }

    private protected override double CdfCore(int j, double y)
    {
        double m = median[j], lo = lower[j], hi = upper[j];
        if (!(m > 0 && hi > 0) || double.IsNaN(lo))
            throw new ArgumentException($"at query index {j}: a distribution from quantiles needs a positive median and upper 90% end, got {lo}, {m}, {hi}.");
        if (!(lo > 0))
        {
            double linear = (y >= m ? hi - m : m - lo) / Z95;
            if (linear <= 0) return y >= m ? 1 : 0;
            return Normal.CDF(0, 1, (y - m) / linear);
        }
        if (y <= 0) return 0;
        double d = Math.Log(y) - Math.Log(m);
        double spread = (d >= 0 ? Math.Log(hi / m) : Math.Log(m / lo)) / Z95;
        // A degenerate side (interval end equal to the median) is a point mass there.
        if (spread <= 0) return d >= 0 ? 1 : 0;
        return Normal.CDF(0, 1, d / spread);
    }
}
