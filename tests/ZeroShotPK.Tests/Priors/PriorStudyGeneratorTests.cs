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
    [InlineData("paper")]
    [InlineData("monitoring")]
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
    public void PaperStudiesHaveOneToThreePeripheralsAndThePaperDesign()
    {
        var g = PriorStudyGenerator.Load("paper");
        const int n = 600;
        var compartments = new int[5];
        var oral = 0;
        for (var seed = 0; seed < n; seed++)
        {
            var (study, truth) = g.GenerateWithTruth(Rng.DeriveSeed(5, seed));
            compartments[truth.Model.Compartments]++;
            if (truth.Route == Route.Oral) oral++;
            else Assert.Equal(Route.IvBolus, truth.Route);
            if (truth.Model.Compartments == 4) Assert.True(truth.Typical.Q4 > 0 && truth.Typical.V4 > 0);
            foreach (var ind in study.Individuals)
            {
                Assert.Single(ind.Doses);
                Assert.Equal(0, ind.Doses[0].Time);
                Assert.InRange(ind.Observations.Count, 2, 15);
            }
            // Individual doses lognormal around the study dose (sd 0.1 on the log scale).
            Assert.All(study.Individuals, i => Assert.InRange(Math.Log(i.Doses[0].Amount / truth.Dose), -0.6, 0.6));
        }
        // 1 to 3 peripherals with probability 1/3 each: binomial sd sqrt(600 * 1/3 * 2/3) = 11.5; allow 3.5 sd.
        Assert.Equal(0, compartments[1]);
        for (var c = 2; c <= 4; c++) Assert.InRange(compartments[c], 200 - 40, 200 + 40);
        // Oral 0.8: sd sqrt(600 * 0.8 * 0.2) = 9.8.
        Assert.InRange(oral, 480 - 34, 480 + 34);
    }

    [Fact]
    public void FourCompartmentTruthMatchesAnIndependentOdeSolve()
    {
        var g = PriorStudyGenerator.Load("paper");
        var seed = Enumerable.Range(0, 100).Select(i => Rng.DeriveSeed(8, i)).First(s => g.GenerateWithTruth(s).Truth.Model.Compartments == 4);
        var (_, truth) = g.GenerateWithTruth(seed);
        var ind = truth.Individuals[0];
        // The OU path moves the third peripheral's parameters too (the paper varies every log parameter).
        Assert.Equal(24, ind.Segments.Count);
        Assert.Equal(24, ind.Segments.Select(s => s.Parameters.V4).Distinct().Count());
        Assert.All(ind.Segments, s => Assert.Equal(s.Parameters.V4 / ind.Parameters.V4, s.Parameters.V2 / ind.Parameters.V2, 1e-12));
        var sol = new OdeSolver(new OdeOptions(1e-10, 1e-14)).Solve(new PkProblem(truth.Model, ind.Segments, ind.Doses, ind.Times)).EnsureSuccess();
        for (var j = 0; j < ind.Times.Count; j++)
            Assert.Equal(1, sol.Concentrations[j] / ind.Concentrations[j], 1e-6);
    }

    [Fact]
    public void MonitoringStudiesAreSteadyStateOccasionsWithSparseSamplesAndExactTruth()
    {
        var g = PriorStudyGenerator.Load("monitoring");
        var (study, truth) = g.GenerateWithTruth(21);
        Assert.InRange(study.Individuals.Count, 8, 16);
        foreach (var ind in study.Individuals)
        {
            // Occasions start with an SS=1 dose (the first may start the regimen instead); 1-2 samples in each occasion's last interval.
            var starts = ind.Doses.Select((d, i) => (d, i)).Where(x => x.i == 0 || x.d.SteadyStateInterval is not null).ToArray();
            Assert.InRange(starts.Length, 2, 6);
            Assert.All(starts.Skip(1), s => Assert.NotNull(s.d.SteadyStateInterval));
            for (int k = 0; k < starts.Length; k++)
            {
                double from = starts[k].d.Time, to = k + 1 < starts.Length ? starts[k + 1].d.Time : double.PositiveInfinity;
                Assert.InRange(ind.Observations.Count(o => o.Time > from && o.Time < to), 1, 2);
            }
        }
        // The recorded noise-free concentrations are the exact steady-state superposition along the OU path: an
        // independent ODE solve (periodic steady state by Newton) agrees.
        var t0 = truth.Individuals[0];
        var sol = new OdeSolver(new OdeOptions(1e-10, 1e-14)).Solve(new PkProblem(truth.Model, t0.Segments, t0.Doses, t0.Times)).EnsureSuccess();
        for (var j = 0; j < t0.Times.Count; j++)
            Assert.Equal(1, sol.Concentrations[j] / t0.Concentrations[j], 1e-5);
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

    [Fact]
    public void SampledVariabilityMatchesThePrior()
    {
        var g = PriorStudyGenerator.Load("default");
        var logResiduals = new List<double>();
        var etaCl = new List<double>();
        var logTypicalCl = new List<double>();
        for (var seed = 0; seed < 300; seed++)
        {
            var (study, truth) = g.GenerateWithTruth(seed);
            logTypicalCl.Add(Math.Log(truth.Typical.CL));
            for (var i = 0; i < study.Individuals.Count; i++)
            {
                var t = truth.Individuals[i];
                etaCl.Add(Math.Log(t.Parameters.CL / truth.Typical.CL));
                var obs = study.Individuals[i].Observations;
                for (var j = 0; j < obs.Count; j++)
                    if (!obs[j].IsBlq && t.Concentrations[j] > 10 * truth.Lloq) logResiduals.Add(Math.Log(obs[j].Value / t.Concentrations[j]));
            }
        }
        static double Sd(IReadOnlyList<double> x) { var m = x.Average(); return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Count - 1)); }
        // Proportional error 0.1 (log scale), Omega(CL) 0.3, typical CL lognormal(5, 0.8).
        Assert.Equal(0.1, Sd(logResiduals), 0.004);
        Assert.Equal(0, logResiduals.Average(), 0.003);
        Assert.Equal(0.3, Sd(etaCl), 0.015);
        Assert.Equal(Math.Log(5), logTypicalCl.Average(), 0.15);
        Assert.Equal(0.8, Sd(logTypicalCl), 0.08);
    }

    [Fact]
    public void WithinIndividualPathsVaryAroundTheIndividualMean()
    {
        var (_, truth) = PriorStudyGenerator.Load("default").GenerateWithTruth(3);
        var devs = truth.Individuals.SelectMany(t => t.Segments.Select(s => Math.Log(s.Parameters.CL / t.Parameters.CL))).ToList();
        Assert.Equal(24, truth.Individuals[0].Segments.Count);
        Assert.Contains(devs, d => Math.Abs(d) > 0.02);
        Assert.All(devs, d => Assert.InRange(d, -0.6, 0.6));
    }
}
