using System.Security.Cryptography;
using System.Text;
using ZeroShotPK.Data;
using ZeroShotPK.Priors;
using ZeroShotPK.Simulation;
using ZeroShotPK.Training;

namespace ZeroShotPK.Tests.Priors;

/// <summary>The AICMET authors' rate-constant prior: determinism, ranges, sampling design, exactness, JSON and mixtures.</summary>
public class RateConstantPriorTests
{
    private static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ZeroShotPK.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("repository root not found"), relative);
    }

    private static IEnumerable<(double Time, double Value)> Observed(Study s) =>
        s.Individuals.SelectMany(i => i.Observations.Select(o => (o.Time, o.Value)));

    [Theory]
    [InlineData("aicmet-authors")]
    [InlineData("pff-authors")]
    [InlineData("aicmet-authors-multidose")]
    public void SameSeedGivesTheSameStudy(string name)
    {
        var g = new RateConstantStudyGenerator(RateConstantPriorFile.Builtin(name));
        var a = g.Generate(42);
        var b = new RateConstantStudyGenerator(RateConstantPriorFile.Builtin(name)).Generate(42);
        Assert.Equal(a.Name, b.Name);
        Assert.Equal(Observed(a), Observed(b));
        Assert.Equal(a.Individuals.SelectMany(i => i.Doses), b.Individuals.SelectMany(i => i.Doses));
        Assert.NotEqual(Observed(a), Observed(g.Generate(43)));
        Assert.All(a.Individuals.SelectMany(i => i.Observations), o => Assert.True(double.IsFinite(o.Value) && o.Value > 0 && o.Time > 0));
    }

    [Theory]
    [InlineData("aicmet-authors")]
    [InlineData("pff-authors")]
    public void StudyDrawsFallInTheirRanges(string name)
    {
        var prior = RateConstantPriorFile.Builtin(name);
        var g = new RateConstantStudyGenerator(prior);
        static void In(UniformRange r, double v) => Assert.InRange(v, r.Min, r.Max);
        static void Parameter(RateParameterPrior p, RateParameterDraw d)
        {
            In(p.LogMean, d.LogMean); In(p.LogSd, d.LogSd); In(p.TimeMagnitude, d.TimeMagnitude); In(p.TimeScale, d.TimeScale);
        }
        var draws = Enumerable.Range(0, 400).Select(i => g.GenerateWithTruth(Rng.DeriveSeed(7, i))).ToArray();
        foreach (var (study, truth, draw) in draws)
        {
            Parameter(prior.Ka, draw.Ka); Parameter(prior.Ke, draw.Ke); Parameter(prior.V, draw.V);
            Assert.Equal(draw.Peripherals, draw.K1p.Count);
            Assert.Equal(draw.Peripherals, draw.Kp1.Count);
            foreach (var k in draw.K1p) Parameter(prior.K1p, k);
            foreach (var k in draw.Kp1) Parameter(prior.Kp1, k);
            In(prior.RelativeError, draw.RelativeError);
            In(prior.Dosing.LogDoseMean, draw.LogDoseMean);
            In(prior.Dosing.LogDoseSd, draw.LogDoseSd);
            Assert.InRange(study.Individuals.Count, prior.MinIndividuals, prior.MaxIndividuals);
            Assert.Equal(draw.Peripherals + 1, truth.Model.Compartments);
            Assert.Equal([0.0], draw.DoseTimes);
            Assert.InRange(draw.Times.Count, 1, prior.Sampling.MaxSamples);
            Assert.All(draw.Times, t => Assert.InRange(t, 1e-9, prior.TimeSpan));
            Assert.All(study.Individuals, i => Assert.Equal(draw.Times, i.Observations.Select(o => o.Time)));
        }
        // Every structure and route occurs, in about the configured shares (1/3 each; oral 0.8).
        for (var p = 1; p <= 3; p++) Assert.InRange(draws.Count(d => d.Draw.Peripherals == p), 90, 180);
        Assert.InRange(draws.Count(d => d.Draw.Route == Route.Oral), 290, 350);
        Assert.Contains(draws, d => d.Draw.Route == Route.IvBolus);
        // Study means spread over their range rather than sitting in one corner.
        Assert.True(draws.Min(d => d.Draw.Ke.LogMean) < prior.Ke.LogMean.Min + 0.5 && draws.Max(d => d.Draw.Ke.LogMean) > prior.Ke.LogMean.Max - 0.5);
    }

    [Fact]
    public void TimescalesFollowTheAuthorsFormulaAndCaps()
    {
        var (tpeak, half) = RateConstantStudyGenerator.Timescales(Math.E, Math.Exp(-2), 16);
        Assert.Equal(3 / (Math.E - Math.Exp(-2)), tpeak, 12);
        Assert.Equal(Math.Log(2) / Math.Exp(-2), half, 12);
        // T1/2 = 37.9 h > span: span / 2 = 8; then Tpeak = 8.6 h > T1/2: T1/2 / 2.
        (tpeak, half) = RateConstantStudyGenerator.Timescales(Math.Exp(-1), Math.Exp(-4), 16);
        Assert.Equal(8, half, 12);
        Assert.Equal(4, tpeak, 12);
    }

    [Fact]
    public void SamplingTimesEqualThePkPeakHalfLifeFormula()
    {
        var prior = RateConstantPriorFile.Builtin("aicmet-authors");
        double ka = Math.E, ke = Math.Exp(-2);
        var tp = 3 / (ka - ke);
        var th = Math.Log(2) / ke;
        // Exact canonical times (no snapping): 4 before the peak, the peak, Tpeak + {0.25, 0.5, 1, 2} T1/2 within 16 h.
        double[] expected = [0.1 * tp, 0.2 * tp, 0.5 * tp, 0.8 * tp, tp, tp + 0.25 * th, tp + 0.5 * th, tp + th, tp + 2 * th];
        var exact = RateConstantStudyGenerator.SamplingTimes(Unsnapped(prior.Sampling), 16, tp, th, [0]);
        Assert.Equal(expected.Length, exact.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], exact[i], 12);
        // The authors' alignment: nearest point of linspace(0, 16, 100).
        var snapped = RateConstantStudyGenerator.SamplingTimes(prior.Sampling, 16, tp, th, [0]);
        var step = 16.0 / 99;
        Assert.Equal(expected.Select(t => Math.Round(t / step) * step).Where(t => t > 0).Distinct(), snapped);

        // The generator uses these times for a study whose typical values are fixed.
        var fixedPrior = Variant(prior, ka: new RateParameterPrior(UniformRange.Fixed(1), prior.Ka.LogSd, prior.Ka.TimeMagnitude, prior.Ka.TimeScale),
            ke: new RateParameterPrior(UniformRange.Fixed(-2), prior.Ke.LogSd, prior.Ke.TimeMagnitude, prior.Ke.TimeScale), sampling: Unsnapped(prior.Sampling));
        var (_, truth, draw) = new RateConstantStudyGenerator(fixedPrior).GenerateWithTruth(5);
        Assert.Equal(tp, draw.Tpeak, 12);
        Assert.Equal(th, draw.HalfLife, 12);
        Assert.Equal(exact, draw.Times);
        Assert.Equal(exact, truth.Individuals[0].Times);
    }

    [Fact]
    public void MaxSamplesKeepsTheFirstCanonicalPoints()
    {
        var s = Unsnapped(RateConstantPriorFile.Builtin("aicmet-authors").Sampling);
        // A long span keeps every canonical point: 15 of the 16, never Tpeak + 30 T1/2.
        var times = RateConstantStudyGenerator.SamplingTimes(s, 1000, 1, 2, [0]);
        Assert.Equal(15, times.Length);
        Assert.Equal(1 + 19 * 2, times[^1], 12);
    }

    private static RateConstantSampling Unsnapped(RateConstantSampling s) => new(s.PeakMultipliers, s.HalfLifeMultipliers, s.MaxSamples, SimulationGridPoints: 0);

    // The records have no `with` (it would skip validation): a variant is a new record, built (and validated) here.
    private static RateConstantPrior Variant(RateConstantPrior a, IReadOnlyList<double>? peripherals = null, RateParameterPrior? ka = null,
        RateParameterPrior? ke = null, RateParameterPrior? v = null, RateParameterPrior? k1p = null, RateParameterPrior? kp1 = null,
        RateConstantDosing? dosing = null, RateConstantSampling? sampling = null, UniformRange? relativeError = null) =>
        new(a.Name, a.Description, peripherals ?? a.PeripheralProbabilities, a.MinIndividuals, a.MaxIndividuals, a.TimeSpan, ka ?? a.Ka, ke ?? a.Ke,
            v ?? a.V, k1p ?? a.K1p, kp1 ?? a.Kp1, a.SegmentLength, dosing ?? a.Dosing, sampling ?? a.Sampling, relativeError ?? a.RelativeError, a.Units);

    /// <summary>A prior without any variability: fixed typical values, one peripheral, no IIV, no time variation, no noise.</summary>
    private static RateConstantPrior Deterministic(double oral, double iv)
    {
        var a = RateConstantPriorFile.Builtin("aicmet-authors");
        static RateParameterPrior Fixed(double value) =>
            new(UniformRange.Fixed(Math.Log(value)), UniformRange.Fixed(0), UniformRange.Fixed(0), UniformRange.Fixed(2));
        var d = a.Dosing;
        return Variant(a, peripherals: [1, 0, 0], ka: Fixed(1.3), ke: Fixed(0.2), v: Fixed(20), k1p: Fixed(0.5), kp1: Fixed(0.25),
            dosing: new RateConstantDosing(UniformRange.Fixed(Math.Log(100)), UniformRange.Fixed(0), new RateConstantRoutes(oral, iv),
                d.IvInfusionProbability, d.InfusionDuration, d.MinDoses, d.MaxDoses, d.IntervalHalfLives),
            relativeError: UniformRange.Fixed(0), sampling: Unsnapped(a.Sampling));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WithoutVariabilityConcentrationsEqualTheClosedFormTwoCompartmentSolution(bool oral)
    {
        const double ka = 1.3, k10 = 0.2, v = 20, k12 = 0.5, k21 = 0.25, dose = 100;
        // Macro rates: roots of s^2 - (k10 + k12 + k21) s + k10 k21.
        var sum = k10 + k12 + k21;
        var root = Math.Sqrt(sum * sum - 4 * k10 * k21);
        double alpha = (sum + root) / 2, beta = (sum - root) / 2;
        double Expected(double t) => oral
            ? ka * dose / v * ((k21 - alpha) * Math.Exp(-alpha * t) / ((ka - alpha) * (beta - alpha))
                + (k21 - beta) * Math.Exp(-beta * t) / ((ka - beta) * (alpha - beta))
                + (k21 - ka) * Math.Exp(-ka * t) / ((alpha - ka) * (beta - ka)))
            : dose / v * ((alpha - k21) / (alpha - beta) * Math.Exp(-alpha * t) + (k21 - beta) / (alpha - beta) * Math.Exp(-beta * t));

        var (study, truth, draw) = new RateConstantStudyGenerator(Deterministic(oral ? 1 : 0, oral ? 0 : 1)).GenerateWithTruth(11);
        Assert.Equal(oral ? Route.Oral : Route.IvBolus, draw.Route);
        Assert.Equal(2, truth.Model.Compartments);
        var p = truth.Individuals[0].Parameters;
        Assert.Equal(k10 * v, p.CL, 10);
        Assert.Equal(k12 * v, p.Q, 10);
        Assert.Equal(k12 * v / k21, p.V2, 10);
        Assert.Single(truth.Individuals[0].Segments);
        Assert.All(study.Individuals, i =>
        {
            Assert.Equal(dose, i.Doses.Single().Amount, 10);
            foreach (var o in i.Observations) Assert.Equal(1, o.Value / Expected(o.Time), 9);
        });
    }

    [Fact]
    public void PeripheralRatesFollowTheSineAtSegmentMidpoints()
    {
        var prior = RateConstantPriorFile.Builtin("pff-authors");
        var (_, truth, draw) = new RateConstantStudyGenerator(prior).GenerateWithTruth(3);
        var segments = truth.Individuals[0].Segments;
        Assert.Equal((int)Math.Ceiling(prior.TimeSpan / prior.SegmentLength), segments.Count);
        Assert.Equal(prior.SegmentLength, segments[1].Start, 12);
        // k1p = Q / V and kp1 = Q / V2 on each segment follow k (1 + tmag sin(t / tscl)) at the segment midpoint.
        var i0 = truth.Individuals[0].Parameters;
        var k1p = i0.Q / i0.V;
        var kp1 = i0.Q / i0.V2;
        for (var s = 0; s < segments.Count; s++)
        {
            var mid = (s + 0.5) * prior.SegmentLength;
            var ps = segments[s].Parameters;
            Assert.Equal(k1p * (1 + draw.K1p[0].TimeMagnitude * Math.Sin(mid / draw.K1p[0].TimeScale)), ps.Q / ps.V, 10);
            Assert.Equal(kp1 * (1 + draw.Kp1[0].TimeMagnitude * Math.Sin(mid / draw.Kp1[0].TimeScale)), ps.Q / ps.V2, 10);
        }
    }

    [Theory]
    [InlineData("aicmet-authors")]
    [InlineData("pff-authors")]
    [InlineData("aicmet-authors-multidose")]
    public void BundledFilesEqualBuiltinsAndRoundTrip(string name)
    {
        var builtin = RateConstantPriorFile.ToJson(RateConstantPriorFile.Builtin(name));
        var file = RateConstantPriorFile.Read(RepoFile($"data/priors/{name}.json"));
        Assert.Equal(builtin, RateConstantPriorFile.ToJson(file));
        Assert.Equal(builtin, RateConstantPriorFile.ToJson(RateConstantPriorFile.Parse(builtin, "round-trip")));
        var tmp = Path.Combine(Path.GetTempPath(), $"zspk-rc-prior-{Guid.NewGuid():N}.json");
        try
        {
            RateConstantPriorFile.Write(tmp, file);
            Assert.Equal(builtin, PriorSpec.Load(tmp).ToJson());
            Assert.Equal(Observed(PriorSpec.Load(name).CreateGenerator().Generate(9)), Observed(PriorSpec.Load(tmp).CreateGenerator().Generate(9)));
        }
        finally { File.Delete(tmp); }
    }

    private static string AicmetWith(string from, string to)
    {
        var json = RateConstantPriorFile.ToJson(RateConstantPriorFile.Builtin("aicmet-authors"));
        Assert.Contains(from, json);
        return json.Replace(from, to);
    }

    [Theory]
    [InlineData("\"Ke\": {\n    \"LogMean\": {\n      \"Min\": -5,\n      \"Max\": 0", "\"Ke\": {\n    \"LogMean\": {\n      \"Min\": -5,\n      \"Max\": -6", "p.json: field $.Ke.LogMean.Max = -6: expected a log value in [Min = -5, 20].")]
    [InlineData("\"MaxIndividuals\": 10", "\"MaxIndividuals\": 4", "p.json: field $.MaxIndividuals = 4: expected an integer in [MinIndividuals = 5, 10000].")]
    [InlineData("\"TimeSpan\": 16", "\"TimeSpan\": -16", "p.json: field $.TimeSpan = -16: expected a time (h) in (0, 100000].")]
    [InlineData("\"Iv\": 0.2", "\"Iv\": -0.2", "p.json: field $.Dosing.Routes.Iv = -0.2: expected a finite weight >= 0.")]
    [InlineData("\"SimulationGridPoints\": 100", "\"SimulationGridPoints\": 1", "p.json: field $.Sampling.SimulationGridPoints = 1: expected 0 (no snapping) or an integer in [2, 1000000].")]
    [InlineData("\"Kind\": \"rate-constants\",\n  \"Name\"", "\"Kind\": \"rate-constants\",\n  \"Nmae\"", "p.json: field $.Nmae")]
    [InlineData("\"MinIndividuals\": 5", "\"MinIndividuals\": \"five\"", "p.json: field $.MinIndividuals (line")]
    public void BadFieldsAreReportedWithTheirPath(string from, string to, string message)
    {
        var ex = Assert.Throws<FormatException>(() => PriorSpec.Parse(AicmetWith(from, to), "p.json"));
        Assert.StartsWith(message, ex.Message);
    }

    [Fact]
    public void MissingOrWrongKindAndMissingFieldsAreLocated()
    {
        var json = RateConstantPriorFile.ToJson(RateConstantPriorFile.Builtin("aicmet-authors"));
        var kind = Assert.Throws<FormatException>(() => PriorSpec.Parse(json.Replace("\"rate-constants\"", "\"rates\""), "p.json"));
        Assert.Equal("p.json: field $.Kind = 'rates': expected 'rate-constants', or no Kind for a hierarchical prior.", kind.Message);
        var tmag = Assert.Throws<FormatException>(() => RateConstantPriorFile.Parse(json.Replace("\"Min\": 0.01,\n      \"Max\": 0.02", "\"Min\": 0.01,\n      \"Max\": 1.5"), "p.json"));
        Assert.Equal("p.json: field $.Ka.TimeMagnitude.Max = 1.5: expected a magnitude in [Min = 0.01, 0.99].", tmag.Message);
        var missing = Assert.Throws<FormatException>(() => RateConstantPriorFile.Parse(json.Replace("\"SegmentLength\": 0.25,", ""), "p.json"));
        Assert.Contains("SegmentLength", missing.Message);
        Assert.StartsWith("p.json: field $", missing.Message);
        var peripherals = Assert.Throws<FormatException>(() => RateConstantPriorFile.Parse(json.Replace("0.3333333333333333,\n    0.3333333333333333,\n    0.3333333333333333\n", "1,\n    0\n"), "p.json"));
        Assert.Equal("p.json: field $.PeripheralProbabilities: expected 3 probabilities (1, 2 and 3 peripherals), found 2.", peripherals.Message);
        // Files without Kind are still the hierarchical priors.
        Assert.NotNull(PriorSpec.Parse(PriorFile.ToJson(PriorFile.Builtin("paper")), "paper.json").Hierarchical);
        Assert.Throws<FileNotFoundException>(() => PriorSpec.Load("no-such-prior.json"));
    }

    [Fact]
    public void HierarchicalPriorsHashAsBefore()
    {
        foreach (var spec in new[] { "default", "default+multidose", "paper" })
        {
            var json = string.Join("\n", spec.Split('+').Select(n => PriorFile.ToJson(PriorFile.Load(n))));
            var before = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16];
            Assert.Equal(before, TrainingPrior.Resolve(spec).Hash);
        }
        Assert.NotEqual(TrainingPrior.Resolve("aicmet-authors").Hash, TrainingPrior.Resolve("pff-authors").Hash);
    }

    [Theory]
    [InlineData("aicmet-authors+multidose", "aicmet-authors", "multidose")]
    [InlineData("default+pff-authors", "default", "pff-authors")]
    [InlineData("aicmet-authors+aicmet-authors-multidose", "aicmet-authors", "aicmet-authors-multidose")]
    public void MixturesWithTheExistingPriorsResolveAndGenerate(string spec, string first, string second)
    {
        var (generator, hash) = TrainingPrior.Resolve(spec);
        Assert.Equal(16, hash.Length);
        // Study names are "{prior name}-{16 hex digits of the seed}".
        string[] Priors(IStudyGenerator g) => Enumerable.Range(0, 40).Select(i => g.Generate(Rng.DeriveSeed(3, i)).Name[..^17]).ToArray();
        var names = Priors(generator);
        Assert.Equal(new[] { first, second }.Order(), names.Distinct().Order());
        Assert.Equal(names, Priors(TrainingPrior.Resolve(spec).Generator));
    }

    [Fact]
    public void MultidoseExtensionGivesRepeatedDosesAndInfusions()
    {
        var prior = RateConstantPriorFile.Builtin("aicmet-authors-multidose");
        var g = new RateConstantStudyGenerator(prior);
        var sims = Enumerable.Range(0, 200).Select(i => g.GenerateWithTruth(Rng.DeriveSeed(17, i))).ToArray();
        Assert.Contains(sims, s => s.Draw.DoseTimes.Count > 1);
        Assert.Contains(sims, s => s.Study.Individuals.Any(i => i.Doses.Any(d => d.Route == Route.IvInfusion)));
        foreach (var (study, _, draw) in sims)
        {
            Assert.InRange(draw.DoseTimes.Count, 1, prior.Dosing.MaxDoses);
            Assert.All(draw.DoseTimes, t => Assert.True(t < prior.TimeSpan));
            Assert.InRange(draw.Times.Count, 1, prior.Sampling.MaxSamples);
            foreach (var dose in study.Individuals.SelectMany(i => i.Doses).Where(d => d.IsInfusion))
                Assert.InRange(dose.Duration, prior.Dosing.InfusionDuration.Min, prior.Dosing.InfusionDuration.Max);
            if (draw.DoseTimes.Count > 1)
            {
                var tau = draw.DoseTimes[1] - draw.DoseTimes[0];
                Assert.InRange(tau / draw.HalfLife, prior.Dosing.IntervalHalfLives.Min - 1e-9, prior.Dosing.IntervalHalfLives.Max + 1e-9);
            }
        }
        // The authors' files keep their single dose at t = 0 and boluses.
        Assert.Equal(1, RateConstantPriorFile.Builtin("aicmet-authors").Dosing.MaxDoses);
        Assert.Equal(0, RateConstantPriorFile.Builtin("pff-authors").Dosing.IvInfusionProbability);
    }

    [Fact]
    public void SimulateCommandAcceptsTheAuthorsPriorByName()
    {
        var path = Path.Combine(Path.GetTempPath(), $"zspk-simulate-rc-{Guid.NewGuid():N}.csv");
        var saved = path + ".json";
        try
        {
            var (code, output) = ZspkProcess.Run(200, "simulate", "--prior", "aicmet-authors", "--studies", "3", "--seed", "5", "--out", path, "--save-prior", saved);
            Assert.True(code == 0, output);
            Assert.Contains("prior 'aicmet-authors'", output.Replace("\n", ""));
            var back = NonmemCsv.ReadStudies(path);
            var generator = PriorSpec.Load("aicmet-authors").CreateGenerator();
            Assert.Equal(3, back.Count);
            for (var i = 0; i < 3; i++)
            {
                var expected = generator.Generate(Rng.DeriveSeed(5, i));
                Assert.Equal(expected.Name, back[i].Name);
                Assert.Equal(Observed(expected), Observed(back[i]));
            }
            Assert.Equal(RateConstantPriorFile.ToJson(RateConstantPriorFile.Builtin("aicmet-authors")), PriorSpec.Load(saved).ToJson());
            // The hierarchical reader points a rate-constant file to the reader of both kinds.
            var ex = Assert.Throws<FormatException>(() => PriorFile.Read(saved));
            Assert.Contains("field $.Kind", ex.Message);
            Assert.Contains("PriorSpec.Load", ex.Message);
        }
        finally { File.Delete(path); File.Delete(saved); }
    }
}
