using MathNet.Numerics.Distributions;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation.Diagnostics;
using ZeroShotPK.Models.Baselines;

namespace ZeroShotPK.Tests.Diagnostics;

public class NlmeSbcTests
{
    [Fact]
    public void LaplacePosteriorOfTheMapStepIsCalibratedAndSeeded()
    {
        var model = NlmeModel.OneCompartmentOral();
        double[] theta = [Math.Log(2), Math.Log(20), Math.Log(1.2)], times = [0.5, 1, 2, 4, 6, 8, 12, 24];
        var rng = new Random(8);
        var doses = new[] { DosingEvent.Oral(0, 100) };
        var people = Enumerable.Range(1, 20).Select(i =>
        {
            var phi = theta.Select(t => t + 0.3 * Normal.Sample(rng, 0, 1)).ToArray();
            var f = model.Predict(phi, new Individual(i.ToString(), doses, []), times);
            return new Individual(i.ToString(), doses, times.Select((t, j) => new Observation(t, f[j] * (1 + 0.1 * Normal.Sample(rng, 0, 1)))));
        }).ToArray();
        var fit = Focei.Fit(model, new Study("sim", people));
        var sbc = NlmeSbc.Run(fit, people[0], datasets: 200, draws: 49, seed: 3);
        Assert.Equal(["eta_lCL", "eta_lV", "eta_lKa"], sbc.Parameters.Select(p => p.Name));
        Assert.Equal(200, sbc.Parameters[0].Ranks.Length);
        Assert.True(sbc.Passes(), $"min p-value {sbc.MinPValue:G3}");
        Assert.Equal(sbc.Parameters[2].Ranks, NlmeSbc.Run(fit, people[0], datasets: 200, draws: 49, seed: 3).Parameters[2].Ranks);
    }
}
