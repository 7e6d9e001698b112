using ZeroShotPK.Analysis;
using ZeroShotPK.Data;
using ZeroShotPK.Priors;

namespace ZeroShotPK.Evaluation.Diagnostics;

/// <summary>Model-free NCA summaries of one individual, the axes of <see cref="PriorPredictiveCheck"/>.</summary>
/// <param name="Id">Individual.</param>
/// <param name="CmaxPerDose">Highest observed concentration over the total dose.</param>
/// <param name="Tmax">Time of the highest observed concentration.</param>
/// <param name="HalfLife">Terminal half-life by NCA; NaN when not estimable.</param>
public sealed record PeakSummary(string Id, double CmaxPerDose, double Tmax, double HalfLife)
{
    /// <summary>Names of the summaries, in <see cref="Values"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["CmaxPerDose", "Tmax", "HalfLife"];

    /// <summary>The three summaries in <see cref="Names"/> order.</summary>
    public double[] Values => [CmaxPerDose, Tmax, HalfLife];

    /// <summary>Summaries of every individual with a quantified sample and a dose (others have no peak to compare).</summary>
    public static IReadOnlyList<PeakSummary> Of(IEnumerable<Individual> individuals) => individuals
        .Where(i => i.Observations.Any(o => !o.IsBlq) && i.Doses.Sum(d => d.Amount) > 0)
        .Select(i =>
        {
            var nca = Nca.Compute(i);
            return new PeakSummary(i.Id, nca.Cmax / i.Doses.Sum(d => d.Amount), nca.Tmax, nca.HalfLife);
        })
        .ToArray();
}

/// <summary>Where a real dataset's subjects fall on one summary among the prior's simulated subjects of the same route.</summary>
/// <param name="Name">Summary name (<see cref="PeakSummary.Names"/>).</param>
/// <param name="ObservedMedian">Median over the dataset's subjects (estimable values only).</param>
/// <param name="MedianPercentile">Share of simulated subjects at or below <paramref name="ObservedMedian"/>.</param>
/// <param name="SubjectPercentiles">The same share for each real subject (NaN where the summary is not estimable).</param>
/// <param name="Simulated5">5th percentile of the simulated subjects.</param>
/// <param name="Simulated95">95th percentile of the simulated subjects.</param>
public sealed record PriorPredictiveFeature(string Name, double ObservedMedian, double MedianPercentile,
    IReadOnlyList<double> SubjectPercentiles, double Simulated5, double Simulated95)
{
    /// <summary>
    /// The check's verdict on this summary: true when the study's median subject lies in the prior's
    /// [<paramref name="lower"/>, <paramref name="upper"/>] band (by default 5-95 %); false outside it or when the
    /// median is not estimable (NaN).
    /// </summary>
    public bool MedianInside(double lower = 0.05, double upper = 0.95) => MedianPercentile >= lower && MedianPercentile <= upper;
}

/// <summary>
/// Prior predictive check against a real study: for Cmax/dose, Tmax and terminal half-life (NCA, so no model is
/// fitted), the percentile of the study's median subject and of each subject among the prior's simulated subjects
/// given the same route. A prior that puts the median outside its 5-95 % band asks the network to extrapolate.
/// </summary>
/// <param name="Dataset">Name of the real study.</param>
/// <param name="Route">Route compared (the study's first dose route).</param>
/// <param name="Subjects">Real subjects summarised.</param>
/// <param name="SimulatedSubjects">Simulated subjects of that route.</param>
/// <param name="Features">One entry per summary, in <see cref="PeakSummary.Names"/> order.</param>
public sealed record PriorPredictiveCheck(string Dataset, Route Route, int Subjects, int SimulatedSubjects,
    IReadOnlyList<PriorPredictiveFeature> Features)
{
    /// <summary>True when every summary's median percentile lies in [<paramref name="lower"/>, <paramref name="upper"/>].</summary>
    public bool MedianInside(double lower = 0.05, double upper = 0.95) =>
        Features.All(f => f.MedianInside(lower, upper));

    /// <summary>Compares <paramref name="study"/> with the simulated studies of its route.</summary>
    /// <exception cref="ArgumentException">The study has no dose or no quantified sample, mixes routes, or no simulated study has its route.</exception>
    public static PriorPredictiveCheck Run(Study study, IEnumerable<SimulatedStudy> simulated)
    {
        var routes = study.Individuals.SelectMany(i => i.Doses).Select(d => d.Route).Distinct().ToArray();
        if (routes.Length != 1)
            throw new ArgumentException($"study '{study.Name}': a prior predictive check compares one route; found {(routes.Length == 0 ? "no dose" : string.Join(", ", routes))}.", nameof(study));
        var route = routes[0];
        var real = PeakSummary.Of(study.Individuals);
        if (real.Count == 0) throw new ArgumentException($"study '{study.Name}': no individual has a quantified sample.", nameof(study));
        var sim = PeakSummary.Of(simulated.Where(s => s.Truth.Route == route).SelectMany(s => s.Study.Individuals));
        if (sim.Count == 0) throw new ArgumentException($"no simulated study has route {route}; simulate more studies or check the prior's routes.", nameof(simulated));

        // Values builds a new array on each read: take each individual's once.
        var simValues = sim.Select(s => s.Values).ToArray();
        var realValues = real.Select(r => r.Values).ToArray();
        var features = new PriorPredictiveFeature[PeakSummary.Names.Count];
        for (var k = 0; k < features.Length; k++)
        {
            var pool = simValues.Select(v => v[k]).Where(double.IsFinite).Order().ToArray();
            double Percentile(double x) => double.IsFinite(x) ? pool.Count(v => v <= x) / (double)pool.Length : double.NaN;
            var observed = realValues.Select(v => v[k]).Where(double.IsFinite).Order().ToArray();
            var median = observed.Length == 0 ? double.NaN : observed[observed.Length / 2];
            features[k] = new PriorPredictiveFeature(PeakSummary.Names[k], median, Percentile(median),
                realValues.Select(v => Percentile(v[k])).ToArray(),
                pool[(int)(0.05 * (pool.Length - 1))], pool[(int)(0.95 * (pool.Length - 1))]);
        }
        return new PriorPredictiveCheck(study.Name, route, real.Count, sim.Count, features);
    }
}
