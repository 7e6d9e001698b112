using Xunit.Abstractions;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Models.Baselines;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Baselines;

/// <summary>
/// What made the NLME route fast (issue #20) without changing what it computes: the exact Jacobian of the closed form,
/// warm-started leave-one-out folds that never saw the held-out individual, and one fit shared by nlme and population.
/// </summary>
public class NlmeSpeedTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases => ["1-cmt oral", "2-cmt oral", "1-cmt iv", "2-cmt iv", "ssfol", "2-cmt oral ss", "2-cmt iv infusion"];

    private static (NlmeModel Model, Individual Individual, double[] Phi) Case(string name)
    {
        double[] times = [0, 0.3, 1, 2.5, 4, 8, 12, 24, 30, 48];
        var wt = new Dictionary<string, string> { ["WT"] = "72.5" };
        return name switch
        {
            "1-cmt oral" => (NlmeModel.OneCompartmentOral(), Ind([DosingEvent.Oral(0, 100), DosingEvent.Oral(12, 50)]), [0.7, 3.0, 0.2]),
            "2-cmt oral" => (NlmeModel.TwoCompartmentOral(), Ind([DosingEvent.Oral(0, 100)]), [0.7, 2.5, 0.3, 0.9, 3.4]),
            "1-cmt iv" => (NlmeModel.OneCompartmentIv(), Ind([DosingEvent.Bolus(0, 100)]), [0.5, 2.9]),
            "2-cmt iv" => (NlmeModel.TwoCompartmentIv(), Ind([DosingEvent.Bolus(0, 100), DosingEvent.Bolus(24, 100)]), [0.5, 2.2, 1.1, 3.0]),
            "ssfol" => (NlmeModel.Ssfol(), new Individual("x", [DosingEvent.Oral(0, 320)], [], wt), [-2.45, 0.47, -3.23]),
            "2-cmt oral ss" => (NlmeModel.TwoCompartmentOral(), Ind([new DosingEvent(0, 100, Route.Oral, SteadyStateInterval: 12)]), [0.7, 2.5, 0.3, 0.9, 3.4]),
            _ => (NlmeModel.TwoCompartmentIv(), Ind([DosingEvent.Infusion(0, 100, 2), DosingEvent.Infusion(24, 100, 2)]), [0.5, 2.2, 1.1, 3.0]),
        };
        static Individual Ind(DosingEvent[] doses) => new("x", doses, []);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardModeJacobianEqualsFiniteDifferences(string name)
    {
        var (model, ind, phi) = Case(name);
        double[] times = [0.3, 1, 2.5, 4, 8, 12, 24, 25, 30, 48];
        int p = phi.Length;
        var f = new double[times.Length];
        var jac = new double[times.Length * p];
        Assert.True(model.TryPredictWithJacobian(phi, ind, times, f, jac));
        var plain = model.Predict(phi, ind, times);
        for (int j = 0; j < times.Length; j++) Assert.Equal(plain[j], f[j], 1e-12 * Math.Max(1, Math.Abs(plain[j])));
        for (int k = 0; k < p; k++)
        {
            const double h = 1e-6;
            var up = (double[])phi.Clone(); up[k] += h;
            var down = (double[])phi.Clone(); down[k] -= h;
            var fu = model.Predict(up, ind, times); var fd = model.Predict(down, ind, times);
            for (int j = 0; j < times.Length; j++)
            {
                double fdiff = (fu[j] - fd[j]) / (2 * h);
                Assert.True(Math.Abs(jac[j * p + k] - fdiff) <= 1e-6 * Math.Max(1e-3, Math.Abs(fdiff)) + 1e-9,
                    $"{name}: d f(t={times[j]}) / d {model.ParameterNames[k]}: forward mode {jac[j * p + k]}, finite differences {fdiff}");
            }
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void WarmStartedFoldGivesTheColdFitsEstimates()
    {
        var study = Fixtures.Read("theophylline.csv");
        var fitter = new NlmePopulationFitter();
        fitter.PrepareFolds(study, study.Individuals.Select(i => i.Id).ToArray(), 2);
        Assert.Equal(3 * 2, fitter.FitCount); // three sub-study fits, both structures each
        var context = study.Without("5");
        var warm = fitter.Fit(context);
        Assert.InRange(fitter.FitCount, 3 * 2 + 2, 3 * 2 + 4); // one warm fit per structure and sub-study optimum
        var cold = new NlmePopulationFitter { WarmStart = false }.Fit(context);
        output.WriteLine($"warm {warm.Model.Name} LL {warm.LogLikelihood:F4} ({warm.Iterations} it) theta {string.Join(", ", warm.Population.Theta.Select(v => v.ToString("F4")))}");
        output.WriteLine($"cold {cold.Model.Name} LL {cold.LogLikelihood:F4} ({cold.Iterations} it) theta {string.Join(", ", cold.Population.Theta.Select(v => v.ToString("F4")))}");
        Assert.Equal(cold.Model.Name, warm.Model.Name);
        Assert.True(warm.Converged);
        Assert.Equal(cold.LogLikelihood, warm.LogLikelihood, 0.01);
        for (int k = 0; k < cold.Population.Theta.Length; k++) Assert.Equal(cold.Population.Theta[k], warm.Population.Theta[k], 0.01);
        for (int k = 0; k < cold.Population.Omega.Length; k++) Assert.Equal(Math.Log(cold.Population.Omega[k]), Math.Log(warm.Population.Omega[k]), 0.03);
        Assert.True(warm.Iterations < cold.Iterations, $"warm start took {warm.Iterations} iterations, cold {cold.Iterations}");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void FoldIsBlindToTheHeldOutIndividualsHiddenSamples()
    {
        // Change individual 7's samples after the 4 known ones: fold 7's prediction (its sub-study fit and its own fit)
        // must not move, while another fold, whose context contains individual 7, must.
        var study = Fixtures.Read("theophylline.csv");
        var seven = study["7"];
        var altered = new Individual("7", seven.Doses, seven.Observations.Select((o, j) => j < 4 ? o : o with { Value = o.Value * 1.8 }), seven.Covariates);
        var other = new Study(study.Name, study.Individuals.Select(i => i.Id == "7" ? altered : i));
        double[] times = seven.Observations.Skip(4).Select(o => o.Time).ToArray();
        (double[] Fold7, double[] Fold3) Run(Study s)
        {
            var predictor = new NlmePredictor(new NlmePopulationFitter(), samples: 200);
            predictor.PrepareFolds(s, s.Individuals.Select(i => i.Id).ToArray(), 2);
            var p7 = predictor.Predict(s.Without("7"), s["7"].WithFirstObservations(4), times, seed: 3);
            var p3 = predictor.Predict(s.Without("3"), s["3"].WithFirstObservations(4), times, seed: 3);
            return (p7.Median, p3.Median);
        }
        var a = Run(study);
        var b = Run(other);
        Assert.Equal(a.Fold7, b.Fold7);
        Assert.NotEqual(a.Fold3, b.Fold3);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void NlmeAndPopulationShareOneFitPerFoldAndParallelFoldsChangeNothing()
    {
        var full = Fixtures.Read("theophylline.csv");
        var study = new Study(full.Name, full.Individuals.Take(6)); // below the warm-start size: every fold cold
        var predictors = Methods.CreateMany(["nlme", "population"], samples: 100);
        var nlme = Assert.IsType<NlmePredictor>(predictors[0]);
        var population = Assert.IsType<PopulationPredictor>(predictors[1]);
        Assert.Same(nlme.Fitter, population.Fitter);
        var parallel = LeaveOneOut.Run(study, nlme, known: 4, seed: 1, threads: 2);
        Assert.Equal(6 * 2, nlme.Fitter.FitCount); // one fit per fold and candidate structure
        LeaveOneOut.Run(study, population, known: 4, seed: 1, threads: 2);
        Assert.Equal(6 * 2, nlme.Fitter.FitCount); // population reused them all
        var sequential = LeaveOneOut.Run(study, new NlmePredictor(new NlmePopulationFitter(), 100), known: 4, seed: 1, threads: 1);
        Assert.Equal(sequential.Rows, parallel.Rows);
    }
}
