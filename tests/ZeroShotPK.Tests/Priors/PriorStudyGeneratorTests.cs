using ZeroShotPK.Data;
using ZeroShotPK.Priors;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Priors;

public class PriorStudyGeneratorTests
{
    private static string Fingerprint(Study s) => string.Join(";", s.Individuals.Select(i =>
        i.Id + ":" + string.Join(",", i.Doses.Select(d => $"{d.Time:R}/{d.Amount:R}/{d.Route}")) + "|" +
        string.Join(",", i.Observations.Select(o => $"{o.Time:R}/{o.Value:R}/{o.IsBlq}"))));

    [Theory]
    [InlineData("default")]
    [InlineData("multidose")]
    [InlineData("misspecified")]
    public void SameSeedSameStudy_DifferentSeedDifferentStudy(string name)
    {
        var g = PriorStudyGenerator.Load(name);
        var a = g.Generate(42);
        var b = new PriorStudyGenerator(PriorFile.Builtin(name)).Generate(42);
        Assert.Equal(Fingerprint(a), Fingerprint(b));
        Assert.NotEqual(Fingerprint(a), Fingerprint(g.Generate(43)));
    }

    [Fact]
    public void ParallelBatchEqualsSequentialPerSeed()
    {
        var g = PriorStudyGenerator.Load("default");
        var batch = g.Generate(7, 16);
        for (var i = 0; i < 16; i++) Assert.Equal(Fingerprint(g.Generate(Rng.DeriveSeed(7, i))), Fingerprint(batch[i]));
        var streamed = g.Stream(7, chunk: 5).Take(16).ToArray();
        for (var i = 0; i < 16; i++) Assert.Equal(Fingerprint(batch[i]), Fingerprint(streamed[i]));
    }

    [Fact]
    public void DefaultStudiesFollowThePaperDesign()
    {
        var g = PriorStudyGenerator.Load("default");
        var routes = new Dictionary<Route, int>();
        var before = new List<int>();
        var after = new List<int>();
        for (var seed = 0; seed < 400; seed++)
        {
            var (study, truth) = g.GenerateWithTruth(seed);
            routes[truth.Route] = routes.GetValueOrDefault(truth.Route) + 1;
            Assert.InRange(study.Individuals.Count, 6, 12);
            Assert.Equal("mg/L", study.Units.Concentration);
            foreach (var ind in study.Individuals)
            {
                Assert.Single(ind.Doses);
                Assert.Equal(0, ind.Doses[0].Time);
                Assert.InRange(ind.Observations.Count, 2, 15);
                Assert.All(ind.Observations, o => Assert.True(o.Value > 0 && double.IsFinite(o.Value)));
                if (truth.Route == Route.Oral)
                {
                    before.Add(ind.Observations.Count(o => o.Time <= truth.Tmax * (1 + 1e-12)));
                    after.Add(ind.Observations.Count(o => o.Time > truth.Tmax * (1 + 1e-12)));
                }
            }
        }
        // Oral 0.8 / IV bolus 0.2 per study: 400 studies, binomial sd 8.
        Assert.InRange(routes[Route.Oral], 290, 350);
        Assert.Equal(400, routes[Route.Oral] + routes[Route.IvBolus]);
        Assert.InRange(before.Average(), 3.7, 4.3);
        Assert.InRange(after.Average(), 5.7, 6.3);
    }

    [Fact]
    public void NoiseFreeTruthMatchesAnIndependentSolveOfTheRecordedPath()
    {
        var g = PriorStudyGenerator.Load("default");
        var (_, truth) = g.GenerateWithTruth(11);
        var ind = truth.Individuals[0];
        var sol = new OdeSolver(new OdeOptions(1e-10, 1e-14)).Solve(new PkProblem(truth.Model, ind.Segments, ind.Doses, ind.Times)).EnsureSuccess();
        for (var j = 0; j < ind.Times.Count; j++)
            Assert.Equal(1, sol.Concentrations[j] / ind.Concentrations[j], 1e-6);
    }
}
