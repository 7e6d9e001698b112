using ZeroShotPK.Data;
using ZeroShotPK.Evaluation.Diagnostics;

namespace ZeroShotPK.Tests.Diagnostics;

public class OodTests
{
    private static readonly Lazy<OodReference> Reference = new(() =>
        OodReference.FromStudies(Enumerable.Range(0, 60).Select(s => Fixtures.OralStudy(10, 500 + s, doseOmega: 0.3))));

    [Fact]
    public void Reference_RangesFromTheSample()
    {
        var r = Reference.Value;
        Assert.Equal(60, r.StudyCount);
        Assert.Equal(OodFeatures.Names, r.Features.Select(f => f.Name));
        Assert.All(r.Features.Where(f => f.Name != "LogLambdaZ"), f => Assert.Equal(600, f.Count));
        var count = r.Features.Single(f => f.Name == "SampleCount");
        Assert.Equal((9.0, 9.0), (count.Lower, count.Upper)); // fixed design
        Assert.DoesNotContain("SampleCount", r.JointFeatures);
        Assert.DoesNotContain("Horizon", r.JointFeatures);
        // Typical half-life ln2 / (2/20) = 6.93 h: the median terminal slope is near 0.1/h.
        Assert.InRange(Math.Exp(r.Features.Single(f => f.Name == "LogLambdaZ").Median), 0.08, 0.12);
        Assert.InRange(Math.Exp(r.Features.Single(f => f.Name == "LogDose").Median), 90, 110);
    }

    [Fact]
    public void SameGenerator_InDistribution()
    {
        var report = Reference.Value.Check(Fixtures.OralStudy(10, 42, doseOmega: 0.3));
        Assert.False(report.IsOutOfDistribution, report.ToString());
        Assert.Equal("within the reference range", report.ToString());
        // One individual of ten has an unusually fast terminal phase: an isolated note, not a warning.
        var note = Assert.Single(report.Notes);
        Assert.StartsWith("individual '2': terminal slope λz = 0.3002 1/h (half-life 2.309 h) is above the training range [0.03114, 0.2741]", note);
        Assert.EndsWith("Isolated (1 of 10 individuals): not a study-level warning.", note);
        // The same individual alone is flagged.
        var alone = Reference.Value.Check(new Study("one", [Fixtures.OralStudy(10, 42, doseOmega: 0.3)["2"]]));
        Assert.Equal("LogLambdaZ", Assert.Single(alone.Reasons).Feature);
    }

    [Fact]
    public void SlowEliminationHighDoseAndShortSampling_FlaggedWithReasons()
    {
        // Clearance 20x lower (half-life ~140 h), 50x the dose, samples only to 8 h.
        var study = Fixtures.OralStudy(4, 9, cl: 0.1, dose: 5000, design: [0.5, 1, 2, 3, 4, 6, 8]);
        var report = Reference.Value.Check(study);
        Assert.True(report.IsOutOfDistribution);
        var features = report.Reasons.Select(r => r.Feature).Distinct().ToHashSet();
        Assert.Contains("LogDose", features);
        Assert.Contains("SampleCount", features);
        Assert.Contains("Horizon", features);
        var dose = report.Reasons.First(r => r.Feature == "LogDose" && r.IndividualId == "1");
        Assert.Matches(@"^individual '1': dose = \d+(\.\d+)? mg is above the training range \[\d+(\.\d+)?, \d+(\.\d+)?\] \(0\.5–99\.5% of 600 reference individuals\)\.$", dose.Message);
        var horizon = report.Reasons.First(r => r.Feature == "Horizon");
        Assert.Contains("sampling horizon = 8 h is below the training range [24, 24]", horizon.Message);
        Assert.Contains(report.Reasons, r => r.Feature == "Mahalanobis");
    }

    [Fact]
    public void Mahalanobis_ThresholdIsTheChiQuantile()
    {
        var r = Reference.Value;
        var typical = r.Check(Fixtures.OralStudy(1, 3, doseOmega: 0.3));
        Assert.DoesNotContain(typical.Reasons, x => x.Feature == "Mahalanobis");
        Assert.Equal(Math.Sqrt(MathNet.Numerics.Distributions.ChiSquared.InvCDF(r.JointFeatures.Count, 0.999)), r.MahalanobisThreshold, 12);
    }

    private static Individual Profile(string id, double dose, double v, double cl, double ka) =>
        new(id, [DosingEvent.Oral(0, dose)], Fixtures.Design.Select(t => new Observation(t, Fixtures.OneCompartmentOral(t, dose, cl, v, ka))));

    [Fact]
    public void Mahalanobis_FlagsAnUnusualCombinationOfInRangeFeatures()
    {
        // Reference where V shrinks with dose (V = 20 * 100 / dose): Cmax/dose rises with dose, tightly.
        var rng = new Random(21);
        double N(double sd) => Math.Exp(MathNet.Numerics.Distributions.Normal.Sample(rng, 0, sd));
        var individuals = Enumerable.Range(0, 400).Select(i =>
        {
            double dose = 100 * N(0.5);
            return Profile($"{i}", dose, 2000 / dose * N(0.05), 2 * N(0.2), 1.2 * N(0.2));
        });
        var reference = OodReference.FromStudies([new Study("ref", individuals)]);
        // Low dose (z = -1) with the small V of a high dose (z = +1): each feature in range, jointly far out.
        var odd = reference.Check(new Study("odd", [Profile("x", 60, 2000 / 170.0, 2, 1.2)]));
        var reason = Assert.Single(odd.Reasons);
        Assert.Equal("Mahalanobis", reason.Feature);
        Assert.True(reason.Value > 3 * reference.MahalanobisThreshold, $"{reason.Value}");
        Assert.StartsWith("individual 'x': joint Mahalanobis distance ", reason.Message);
        var usual = reference.Check(new Study("usual", [Profile("y", 60, 2000 / 60.0, 2, 1.2)]));
        Assert.False(usual.IsOutOfDistribution, usual.ToString());
    }

    [Fact]
    public void Json_RoundTripGivesTheSameVerdicts()
    {
        var r = Reference.Value;
        string path = Path.Combine(Path.GetTempPath(), $"ood-{Guid.NewGuid():N}.json");
        try
        {
            r.Save(path);
            var back = OodReference.Load(path);
            Assert.Equal(r.ToJson(), back.ToJson());
            var study = Fixtures.OralStudy(4, 9, cl: 0.1, dose: 5000);
            Assert.Equal(r.Check(study).Reasons, back.Check(study).Reasons);
        }
        finally { File.Delete(path); }
        var e = Assert.Throws<FormatException>(() => OodReference.FromJson("{\"Version\": 2, \"Units\": {}, \"Features\": [], \"JointFeatures\": [], \"Mean\": [], \"Covariance\": []}"));
        Assert.Equal("OOD reference version 2 is not supported (expected 1).", e.Message);
        Assert.Throws<FormatException>(() => OodReference.FromJson("{ not json"));
    }

    [Fact]
    public void DifferentUnits_AreRejected()
    {
        var s = Fixtures.OralStudy(2, 1);
        var minutes = new Study(s.Name, s.Individuals, new Units(Time: "min"));
        var e = Assert.Throws<ArgumentException>(() => Reference.Value.Check(minutes));
        Assert.StartsWith("study 's' uses units Units { Time = min, Amount = mg, Concentration = mg/L } but the reference was built in Units { Time = h", e.Message);
    }
}
