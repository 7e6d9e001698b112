using Xunit.Abstractions;
using ZeroShotPK.Data;
using ZeroShotPK.Models.Baselines;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Baselines;

/// <summary>
/// The exact outer gradient of the FOCE-I objective (envelope theorem plus the implicit-function term of log|H|)
/// against central differences of the objective itself, and the fit it drives against the finite-difference one.
/// </summary>
public class FoceiGradientTests(ITestOutputHelper output)
{
    private static readonly double[] Times = [0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24];

    // A seeded study of the given model at typical log-parameters theta with 30% variability on every random effect,
    // 15% proportional + 0.05 additive error; samples below lloq reported as BLQ when lloq > 0.
    private static Study Synthetic(NlmeModel model, double[] theta, int n, long seed, double lloq = 0, bool iv = false)
    {
        var rng = new Rng(seed);
        var doses = new[] { iv ? DosingEvent.Infusion(0, 100, 1) : DosingEvent.Oral(0, 100) };
        var people = new List<Individual>();
        for (int i = 1; i <= n; i++)
        {
            var phi = (double[])theta.Clone();
            foreach (int k in model.RandomIndex) phi[k] += 0.3 * rng.NextNormal();
            var f = model.Predict(phi, new Individual(i.ToString(), doses, []), Times);
            var obs = f.Select((v, j) =>
            {
                double y = v * (1 + 0.15 * rng.NextNormal()) + 0.05 * rng.NextNormal();
                return lloq > 0 && y < lloq ? new Observation(Times[j], 0, lloq, IsBlq: true) : new Observation(Times[j], y, lloq > 0 ? lloq : null);
            });
            people.Add(new Individual(i.ToString(), doses, obs.ToArray()));
        }
        return new Study("synthetic", people);
    }

    public static TheoryData<string> Cases => ["theophylline ssfol", "1-cmt oral", "2-cmt oral", "2-cmt iv infusion", "1-cmt oral m3"];

    private static (NlmeModel Model, Study Study, NlmeOptions Options, double[] X) Case(string name) => name switch
    {
        // Away from the optimum so every component is far from 0: theta, log SD of Omega, log Sigma.
        "theophylline ssfol" => (NlmeModel.Ssfol(), Fixtures.Read("theophylline.csv"), new NlmeOptions { IncludePreDose = true },
            [-2.3, 0.6, -3.1, 0.5 * Math.Log(0.3), 0.5 * Math.Log(0.05), Math.Log(0.9)]),
        "1-cmt oral" => (NlmeModel.OneCompartmentOral(), Synthetic(NlmeModel.OneCompartmentOral(), [Math.Log(2), Math.Log(20), Math.Log(1.2)], 20, 11),
            new NlmeOptions(), [0.8, 2.9, 0.1, -1.4, -1.1, -1.6, Math.Log(0.08), Math.Log(0.12)]),
        "2-cmt oral" => (NlmeModel.TwoCompartmentOral(), Synthetic(NlmeModel.TwoCompartmentOral(), [Math.Log(2), Math.Log(10), Math.Log(1.2), Math.Log(3), Math.Log(30)], 15, 12),
            new NlmeOptions(), [0.6, 2.4, 0.3, 1.0, 3.3, -1.3, -1.0, -1.5, Math.Log(0.07), Math.Log(0.13)]),
        // Random effects on lCL, lV, lV2 but not lQ: the Omega layout skips a parameter.
        "2-cmt iv infusion" => (NlmeModel.TwoCompartmentIv(), Synthetic(NlmeModel.TwoCompartmentIv(), [Math.Log(3), Math.Log(8), Math.Log(4), Math.Log(25)], 15, 14, iv: true),
            new NlmeOptions(), [1.2, 2.0, 1.5, 3.1, -1.3, -1.0, -1.5, Math.Log(0.07), Math.Log(0.13)]),
        _ => (NlmeModel.OneCompartmentOral(), Synthetic(NlmeModel.OneCompartmentOral(), [Math.Log(2), Math.Log(20), Math.Log(1.2)], 20, 13, lloq: 0.8),
            new NlmeOptions(), [0.8, 2.9, 0.1, -1.4, -1.1, -1.6, Math.Log(0.08), Math.Log(0.12)]),
    };

    private static IndividualData[] Data(Study study, NlmeOptions o) =>
        study.Individuals.Select(i => IndividualData.From(i, o.IncludePreDose, o.Blq)).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExactOuterGradientEqualsCentralDifferencesOfTheObjective(string name)
    {
        var (model, study, options, x) = Case(name);
        var data = Data(study, options);
        if (name.EndsWith("m3")) Assert.InRange(data.Sum(d => d.Censored.Count(c => c)), 20, 150);
        int q = model.RandomIndex.Length;
        var objective = new FoceiObjective(model, data, data.Select(_ => new double[q]).ToArray());
        double f0 = objective.Value(x);
        var g = objective.Gradient(x)!;
        Assert.NotNull(g);
        double gMax = g.Max(Math.Abs);
        for (int k = 0; k < x.Length; k++)
        {
            double Probe(double step)
            {
                var y = (double[])x.Clone(); y[k] += step;
                var o = new FoceiObjective(model, data, data.Select(_ => new double[q]).ToArray());
                o.Value(x); // inner modes warm from those at x
                return o.Value(y);
            }
            // Richardson on steps 1e-3 and 2e-3: the inner modes stop ~1e-9 from the exact mode and log|H| is not
            // stationary there, which leaves ~1e-8 of noise in the objective; smaller steps amplify it past 1e-5.
            const double h = 1e-3;
            double Central(double step) => (Probe(step) - Probe(-step)) / (2 * step);
            double fd = (4 * Central(h) - Central(2 * h)) / 3;
            output.WriteLine($"{name} x[{k}]: exact {g[k]:G10}, central differences {fd:G10}, relative {Math.Abs(g[k] - fd) / Math.Max(Math.Abs(fd), 1e-300):E2}");
            Assert.True(Math.Abs(g[k] - fd) <= 3e-5 * Math.Max(Math.Abs(fd), 0.01 * gMax),
                $"{name}: d(-2LL)/dx[{k}] exact {g[k]}, central differences {fd} (-2LL {f0})");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExactGradientFitReachesTheFiniteDifferenceFitsEstimates(string name)
    {
        var (model, study, options, _) = Case(name);
        var exact = Focei.Fit(model, study, options);
        var fd = Focei.Fit(model, study, new NlmeOptions { IncludePreDose = options.IncludePreDose, Blq = options.Blq, CentralDifferenceGradient = true });
        output.WriteLine($"{name}: exact {exact.Iterations} it, -2LL {-2 * exact.LogLikelihood:F5}; central differences {fd.Iterations} it, -2LL {-2 * fd.LogLikelihood:F5}");
        output.WriteLine($"theta exact {string.Join(", ", exact.Population.Theta.Select(v => v.ToString("F6")))}; fd {string.Join(", ", fd.Population.Theta.Select(v => v.ToString("F6")))}");
        Assert.True(exact.Converged);
        Assert.Equal(fd.Converged, exact.Converged);
        Assert.Equal(-2 * fd.LogLikelihood, -2 * exact.LogLikelihood, 1e-3);
        for (int k = 0; k < fd.Population.Theta.Length; k++)
            Assert.True(Math.Abs(exact.Population.Theta[k] - fd.Population.Theta[k]) <= 1e-4 * Math.Max(1, Math.Abs(fd.Population.Theta[k])),
                $"{name}: Theta[{k}] exact {exact.Population.Theta[k]}, central differences {fd.Population.Theta[k]}");
    }
}
