using ZeroShotPK.Models.Neural;
using static TorchSharp.torch;

namespace ZeroShotPK.Training;

/// <summary>Fits a checkpoint's <see cref="PredictiveCalibration"/> on its held-out synthetic studies.</summary>
public static class PredictiveCalibrator
{
    /// <summary>
    /// Fits the scale for <paramref name="model"/> on <paramref name="validation"/> by bisection on the coverage of the
    /// 90% mixture interval (16 prior-latent draws per prediction, seeded as validation is).
    /// </summary>
    public static PredictiveCalibration Fit(AicmetModel model, ValidationSet validation, Device device, double target = 0.9)
    {
        var mu = new List<float[]>(); var sd = new List<float[]>(); var y = new List<float>();
        bool wasTraining = model.training;
        model.eval();
        using (no_grad())
        {
            var tasks = validation.Tasks;
            for (int start = 0; start < tasks.Count; start += 64)
            {
                using var scope = NewDisposeScope();
                using var batch = AicmetTensorizer.Build(tasks.Skip(start).Take(64).ToArray(), device);
                using var generator = new Generator(ValidationSet.LatentSeed(start), device);
                var (m, s) = model.Predict(batch, ValidationSet.LatentSamples, generator);
                int draws = (int)m.shape[0];
                var mv = m.cpu().reshape(draws, -1).data<float>().ToArray();
                var sv = s.cpu().reshape(draws, -1).data<float>().ToArray();
                var obs = batch.ObservedMask.cpu().flatten().data<float>().ToArray();
                var val = batch.QueryValue.cpu().flatten().data<float>().ToArray();
                int n = obs.Length;
                for (int i = 0; i < n; i++)
                {
                    if (obs[i] == 0) continue;
                    var a = new float[draws]; var b = new float[draws];
                    for (int k = 0; k < draws; k++) { a[k] = mv[k * n + i]; b[k] = sv[k * n + i]; }
                    mu.Add(a); sd.Add(b); y.Add(val[i]);
                }
            }
        }
        if (wasTraining) model.train();
        if (y.Count == 0) throw new ArgumentException("the validation set has no measured point to calibrate on.");
        double Coverage(double scale)
        {
            int inside = 0;
            for (int i = 0; i < y.Count; i++)
            {
                double cdf = 0;
                for (int k = 0; k < mu[i].Length; k++) cdf += Phi((y[i] - mu[i][k]) / (scale * sd[i][k]));
                cdf /= mu[i].Length;
                if (cdf >= 0.05 && cdf <= 0.95) inside++;
            }
            return (double)inside / y.Count;
        }
        double before = Coverage(1);
        // Coverage grows with the scale; bisection on log scale between 1/4 and 8.
        double lo = Math.Log(0.25), hi = Math.Log(8);
        for (int it = 0; it < 30; it++)
        {
            double mid = 0.5 * (lo + hi);
            if (Coverage(Math.Exp(mid)) < target) lo = mid; else hi = mid;
        }
        double best = Math.Exp(0.5 * (lo + hi));
        return new PredictiveCalibration(Math.Round(best, 4), before, Coverage(Math.Round(best, 4)), y.Count);
    }

    private static double Phi(double z) => 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-z / Math.Sqrt(2));
}
