using MathNet.Numerics.Distributions;
using ZeroShotPK.Data;
using ZeroShotPK.Models.Baselines;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Baselines;

public class MapTests
{
    private static readonly double[] Theta = [Math.Log(2), Math.Log(20), Math.Log(1.2)];
    private static readonly double[] Omega = [0.09, 0.04, 0.16];
    private static readonly double[] Times = [0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24];

    private static Individual Simulate(string id, double[] eta, double prop, Random rng)
    {
        var model = NlmeModel.OneCompartmentOral();
        var doses = new[] { DosingEvent.Oral(0, 100) };
        var probe = new Individual(id, doses, []);
        var f = model.Predict(Theta.Zip(eta, (a, b) => a + b).ToArray(), probe, Times);
        var obs = Times.Select((t, j) => new Observation(t, f[j] * (1 + prop * Normal.Sample(rng, 0, 1)) + 0.01 * Normal.Sample(rng, 0, 1)));
        return new Individual(id, doses, obs);
    }

    [Fact]
    public void FoceiRecoversPopulationAndMapRecoversKnownEtas()
    {
        var rng = new Random(42);
        var people = Enumerable.Range(1, 40).Select(i =>
            Simulate(i.ToString(), Omega.Select(w => Math.Sqrt(w) * Normal.Sample(rng, 0, 1)).ToArray(), 0.1, rng)).ToArray();
        var fit = Focei.Fit(NlmeModel.OneCompartmentOral(), new Study("sim", people));
        Assert.True(fit.Converged);
        for (int k = 0; k < 3; k++) Assert.Equal(Theta[k], fit.Population.Theta[k], 0.15);
        Assert.Equal(0.1, fit.Population.SigmaProp, 0.03);

        // A new, richly sampled individual with nearly no noise: the MAP must land on its true Eta.
        double[] truth = [0.3, -0.2, 0.25];
        var target = Simulate("new", truth, 0.005, new Random(7));
        var est = fit.Map(target);
        var shifted = truth.Select((e, k) => e + Theta[k] - fit.Population.Theta[k]).ToArray();
        for (int k = 0; k < 3; k++) Assert.Equal(shifted[k], est.Eta[k], 0.03);
        Assert.Equal(12, est.ObservationsUsed);

        // With no observation the MAP is the population mean and its covariance is Omega.
        var none = fit.Map(target.WithFirstObservations(0));
        Assert.All(none.Eta, e => Assert.Equal(0, e, 12));
        Assert.Equal(fit.Population.Omega[1], none.Covariance[1, 1], 12);
    }

    [Fact]
    public void PredictiveIntervalsNarrowWithKnownSamplesAndAreSeeded()
    {
        var rng = new Random(3);
        var people = Enumerable.Range(1, 20).Select(i =>
            Simulate(i.ToString(), Omega.Select(w => Math.Sqrt(w) * Normal.Sample(rng, 0, 1)).ToArray(), 0.1, rng)).ToArray();
        var fitter = new NlmePopulationFitter();
        var context = new Study("sim", people[1..]);
        var target = people[0].WithFirstObservations(6);
        double[] q = [8, 12, 24];
        var pop = new PopulationPredictor(fitter).Predict(context, target, q, seed: 5);
        var ind = new NlmePredictor(fitter).Predict(context, target, q, seed: 5);
        for (int j = 0; j < q.Length; j++)
        {
            Assert.True(ind.Upper90[j] - ind.Lower90[j] < pop.Upper90[j] - pop.Lower90[j]);
            Assert.True(ind.Lower90[j] < ind.Median[j] && ind.Median[j] < ind.Upper90[j]);
        }
        Assert.Equal(ind.Upper90, new NlmePredictor(fitter).Predict(context, target, q, seed: 5).Upper90);
        Assert.Equal("nlme", ind.Method);
        Assert.Equal("population", pop.Method);
    }
}
