using ZeroShotPK.Data;
using ZeroShotPK.Evaluation.Diagnostics;
using ZeroShotPK.Inference;
using ZeroShotPK.Tests.Training;

namespace ZeroShotPK.Tests.Diagnostics;

public class VirtualPatientCheckTests
{
    /// <summary>Generates "virtual" individuals by simulating fresh ones from the same one-compartment prior, scaled.</summary>
    private sealed class Twin(Func<long, Study> draw, double scale, bool withSamples = true) : IPredictor
    {
        public string Name => "twin";

        // Declared, not inferred: a twin without draws says it generates no individuals.
        public bool GeneratesIndividuals => withSamples;

        public Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0)
        {
            if (!withSamples) return new Prediction(Name, times, times.Select(_ => 1.0).ToArray(), times.Select(_ => 0.5).ToArray(), times.Select(_ => 2.0).ToArray());
            // Individuals of other studies drawn from the same study-level prior, at the same design (10 shared times).
            var samples = Enumerable.Range(0, 20).Select(k =>
            {
                var ind = draw(1000 + seed * 20 + k).Individuals[0];
                return times.Select(t => scale * ind.Observations.First(o => Math.Abs(o.Time - t) < 1e-9).Value).ToArray();
            }).ToArray();
            return new Prediction(Name, times, samples[0], samples[0], samples[0], samples);
        }
    }

    private static readonly OneCompartmentGenerator Generator = new();

    private static Study Pooled(int n) =>
        new("pooled", Enumerable.Range(0, n).Select(k => Generator.Generate(k).Individuals[0] is var i ? new Individual($"{k}", i.Doses, i.Observations) : null!));

    [Fact]
    public void IndistinguishableIndividualsGiveAnAucNearOneHalf()
    {
        // Real and virtual individuals both come from the same prior (one individual per simulated study).
        var study = Pooled(30);
        var r = VirtualPatientCheck.Run(new Twin(Generator.Generate, 1.0), study, replicates: 20, seed: 3);
        Assert.Equal(30, r.Individuals);
        Assert.InRange(r.Auc, 0.35, 0.65);
    }

    [Fact]
    public void APositivePreDoseLevelIsNotComparedSinceNoGeneratorIsGivenItsCause()
    {
        // Carry-over from earlier intake (theophylline): a positive sample at the dose time. Only samples after the first
        // dose enter the features, and the generator is asked for those times only.
        var study = new Study("carry-over", Pooled(30).Individuals.Select(i =>
            new Individual(i.Id, i.Doses, i.Observations.Prepend(new Observation(i.Doses[0].Time, 0.5 * i.Observations.Max(o => o.Value))).ToList())));
        var r = VirtualPatientCheck.Run(new Twin(Generator.Generate, 1.0), study, replicates: 20, seed: 3);
        Assert.Equal(30, r.Individuals);
        Assert.InRange(r.Auc, 0.35, 0.65);
    }

    [Fact]
    public void ProfilesTenfoldTooHighAreSeparated()
    {
        var study = Pooled(30);
        var r = VirtualPatientCheck.Run(new Twin(Generator.Generate, 10.0), study, replicates: 5, seed: 3);
        Assert.True(r.Auc > 0.95, $"AUC {r.Auc}");
    }

    [Fact]
    public void AMethodThatGeneratesNoIndividualsOrATooSmallStudyIsAClearError()
    {
        var ex = Assert.Throws<ArgumentException>(() => VirtualPatientCheck.Run(new Twin(Generator.Generate, 1, withSamples: false), Pooled(6)));
        Assert.Equal("method 'twin' does not generate virtual individuals.", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => VirtualPatientCheck.Run(new Twin(Generator.Generate, 1), Pooled(3)));
        Assert.Contains("needs at least 4 individuals", ex.Message);
    }

    [Fact]
    public void FeaturesAreDoseNormalisedShapeSummaries()
    {
        double[] t = [1, 2, 4];
        double[] c = [2, 4, 1];
        var f = VirtualPatientCheck.Features(t, c, 100);
        Assert.Equal(Math.Log(4 / 100.0), f[0], 12);
        Assert.Equal(0.5, f[1], 12);
        Assert.Equal(Math.Log((0.5 * (2 + 4) * 1 + 0.5 * (4 + 1) * 2) / 100), f[2], 12);
        Assert.Equal(Math.Log(1 / 4.0), f[3], 12);
        Assert.Equal(Math.Log(2 / 4.0), f[4], 12);
    }
}
