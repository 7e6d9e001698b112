using ZeroShotPK.Data;
using ZeroShotPK.Priors;

namespace ZeroShotPK.Tests.Priors;

public class PriorFileTests
{
    private static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ZeroShotPK.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("repository root not found"), relative);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("multidose")]
    [InlineData("misspecified")]
    [InlineData("paper")]
    [InlineData("monitoring")]
    public void BundledFilesEqualBuiltinsAndRoundTrip(string name)
    {
        var builtin = PriorFile.ToJson(PriorFile.Builtin(name));
        var file = PriorFile.Read(RepoFile($"data/priors/{name}.json"));
        Assert.Equal(builtin, PriorFile.ToJson(file));
        Assert.Equal(builtin, PriorFile.ToJson(PriorFile.Parse(builtin, "round-trip")));
        var tmp = Path.Combine(Path.GetTempPath(), $"zspk-prior-{Guid.NewGuid():N}.json");
        try
        {
            PriorFile.Write(tmp, file);
            Assert.Equal(builtin, PriorFile.ToJson(PriorFile.Read(tmp)));
        }
        finally { File.Delete(tmp); }
    }

    [Fact]
    public void MonitoringSectionIsValidatedWithItsPath()
    {
        var json = PriorFile.ToJson(PriorFile.Builtin("monitoring")).Replace("\"MaxOccasions\": 6", "\"MaxOccasions\": 1");
        var ex = Assert.Throws<FormatException>(() => PriorFile.Parse(json, "tdm.json"));
        Assert.Equal("tdm.json: field $.Dosing.Monitoring.MaxOccasions = 1: expected an integer in [MinOccasions = 2, 50].", ex.Message);
        var gap = PriorFile.ToJson(PriorFile.Builtin("monitoring")).Replace("\"MinGapIntervals\": 1", "\"MinGapIntervals\": 0");
        Assert.Contains("$.Dosing.Monitoring.MinGapIntervals = 0: expected a number of dosing intervals in [0.5, 10000]",
            Assert.Throws<FormatException>(() => PriorFile.Parse(gap, "tdm.json")).Message);
        // Leaving the section out means no monitoring designs (the other priors' files have none).
        Assert.Null(PriorFile.Read(RepoFile("data/priors/multidose.json")).Dosing.Monitoring);
    }

    [Fact]
    public void FileAndBuiltinGenerateTheSameStudy()
    {
        var a = PriorStudyGenerator.Load(RepoFile("data/priors/default.json")).Generate(99);
        var b = PriorStudyGenerator.Load("default").Generate(99);
        Assert.Equal(a.Individuals.SelectMany(i => i.Observations.Select(o => o.Value)), b.Individuals.SelectMany(i => i.Observations.Select(o => o.Value)));
    }

    [Theory]
    [InlineData("TypicalValues")]
    [InlineData("Omega")]
    [InlineData("WithinIndividual")]
    [InlineData("Dosing")]
    [InlineData("Sampling")]
    [InlineData("Observation")]
    public void AMissingSectionIsAnErrorNotASilentDefault(string section)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(PriorFile.ToJson(PriorFile.Builtin("default")))!.AsObject();
        Assert.True(node.Remove(section));
        var ex = Assert.Throws<FormatException>(() => PriorFile.Parse(node.ToJsonString(), "p.json"));
        Assert.StartsWith($"p.json: field $.{section} is missing; expected ", ex.Message);
    }

    private static string DefaultWith(string from, string to)
    {
        var json = PriorFile.ToJson(PriorFile.Builtin("default"));
        Assert.Contains(from, json);
        return json.Replace(from, to);
    }

    [Theory]
    [InlineData("\"Median\": 5,", "\"Median\": -5,", "p.json: field $.TypicalValues.CL.Median = -5: expected a finite number > 0.")]
    [InlineData("\"LogSd\": 0.8\n    },\n    \"V\"", "\"LogSd\": 7\n    },\n    \"V\"", "p.json: field $.TypicalValues.CL.LogSd = 7: expected a log-scale sd in [0, 5].")]
    [InlineData("\"MaxIndividuals\": 12", "\"MaxIndividuals\": 3", "p.json: field $.MaxIndividuals = 3: expected an integer in [MinIndividuals = 6, 10000].")]
    [InlineData("\"MichaelisMentenProbability\": 0", "\"MichaelisMentenProbability\": 1.5", "p.json: field $.MichaelisMentenProbability = 1.5: expected a probability in [0, 1].")]
    [InlineData("\"MaxSamples\": 15", "\"MaxSamples\": 17", "p.json: field $.Sampling.MaxSamples = 17: expected an integer in [1, GridPoints = 16].")]
    [InlineData("\"Segments\": 24", "\"Segments\": 0", "p.json: field $.WithinIndividual.Segments = 0: expected an integer in [1, 1000].")]
    [InlineData("\"IvBolus\": 0.2", "\"IvBolus\": -0.2", "p.json: field $.Dosing.Routes.IvBolus = -0.2: expected a finite number >= 0.")]
    [InlineData("\"AdditiveFractionOfCmax\": 0,\n    \"LloqFractionOfCmax\": 0.01", "\"AdditiveFractionOfCmax\": 0.1,\n    \"LloqFractionOfCmax\": 0", "p.json: field $.Observation.LloqFractionOfCmax = 0: expected > 0 when AdditiveFractionOfCmax > 0 (additive noise can go negative; those samples are censored).")]
    public void OutOfRangeValuesNameTheFieldAndRange(string from, string to, string message)
    {
        var ex = Assert.Throws<FormatException>(() => PriorFile.Parse(DefaultWith(from, to), "p.json"));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void UnknownFieldWrongTypeAndWrongLengthAreNamed()
    {
        var unknown = Assert.Throws<FormatException>(() => PriorFile.Parse(DefaultWith("\"Proportional\"", "\"Proportionl\""), "p.json"));
        Assert.StartsWith("p.json: field $.Observation.Proportionl", unknown.Message);
        var type = Assert.Throws<FormatException>(() => PriorFile.Parse(DefaultWith("\"MinIndividuals\": 6", "\"MinIndividuals\": \"six\""), "p.json"));
        Assert.StartsWith("p.json: field $.MinIndividuals (line ", type.Message);
        Assert.EndsWith("): expected an integer.", type.Message);
        var length = Assert.Throws<FormatException>(() => PriorFile.Parse(DefaultWith("0.5,\n    0.5,\n    0\n", "0.5,\n    0.5\n"), "p.json"));
        Assert.Equal("p.json: field $.CompartmentProbabilities: expected 3 probabilities (1, 2 and 3 compartments) or 4 (1 to 4), found 2.", length.Message);
        var missing = Assert.Throws<FileNotFoundException>(() => PriorFile.Load("no-such-prior.json"));
        Assert.Equal("prior file 'no-such-prior.json' not found (built-in priors: default, multidose, misspecified, paper, monitoring).", missing.Message);
        var name = Assert.Throws<ArgumentException>(() => PriorFile.Builtin("fancy"));
        Assert.StartsWith("unknown built-in prior 'fancy' (built-in: default, multidose, misspecified, paper, monitoring).", name.Message);
    }

    [Fact]
    public void FourCompartmentFieldsAreOptionalUntilFourCompartmentsCanBeDrawn()
    {
        // Without 4 compartments Q4/V4 are neither needed nor written: the default prior's JSON (and hash) is unchanged.
        var json = PriorFile.ToJson(PriorFile.Builtin("default"));
        Assert.DoesNotContain("Q4", json);
        var four = DefaultWith("0.5,\n    0.5,\n    0\n", "0.5,\n    0.5,\n    0,\n    0\n");
        Assert.Equal(4, PriorFile.Parse(four, "p.json").CompartmentProbabilities.Count);
        var needed = Assert.Throws<FormatException>(() => PriorFile.Parse(DefaultWith("0.5,\n    0.5,\n    0\n", "0.5,\n    0.5,\n    0,\n    0.2\n"), "p.json"));
        Assert.Equal("p.json: field $.TypicalValues.Q4 is missing: needed when CompartmentProbabilities[3] (4 compartments) is > 0.", needed.Message);
        var paper = PriorFile.ToJson(PriorFile.Builtin("paper"));
        var v4Missing = Assert.Throws<FormatException>(() => PriorFile.Parse(paper.Replace("\"V4\"", "\"V4x\"").Replace("\"V4x\": {\n      \"Median\": 40,\n      \"LogSd\": 0.8\n    },", ""), "p.json"));
        Assert.Equal("p.json: field $.TypicalValues.V4 is missing: needed when CompartmentProbabilities[3] (4 compartments) is > 0.", v4Missing.Message);
        var badQ4 = Assert.Throws<FormatException>(() => PriorFile.Parse(paper.Replace("\"Q4\": {\n      \"Median\": 1,", "\"Q4\": {\n      \"Median\": 0,"), "p.json"));
        Assert.Equal("p.json: field $.TypicalValues.Q4.Median = 0: expected a finite number > 0.", badQ4.Message);
        var five = Assert.Throws<FormatException>(() => PriorFile.Parse(paper.Replace("0.3333333333333333\n  ]", "0.3333333333333333,\n    0\n  ]"), "p.json"));
        Assert.Equal("p.json: field $.CompartmentProbabilities: expected 3 probabilities (1, 2 and 3 compartments) or 4 (1 to 4), found 5.", five.Message);
        var negative = Assert.Throws<FormatException>(() => PriorFile.Parse(four.Replace("0,\n    0\n  ]", "0,\n    -0.1\n  ]"), "p.json"));
        Assert.Equal("p.json: field $.CompartmentProbabilities[3] = -0.1: expected a probability in [0, 1].", negative.Message);
    }

    [Fact]
    public void GeneratedStudiesRoundTripThroughNonmemCsv()
    {
        var studies = PriorStudyGenerator.Load("multidose").Generate(5, 6);
        var path = Path.Combine(Path.GetTempPath(), $"zspk-sim-{Guid.NewGuid():N}.csv");
        try
        {
            NonmemCsv.Write(path, studies);
            var back = NonmemCsv.ReadStudies(path);
            Assert.Equal(studies.Select(s => s.Name), back.Select(s => s.Name));
            for (var s = 0; s < studies.Count; s++)
            for (var i = 0; i < studies[s].Individuals.Count; i++)
            {
                var a = studies[s].Individuals[i]; var b = back[s].Individuals[i];
                Assert.Equal(a.Doses, b.Doses);
                Assert.Equal(a.Observations.Select(o => (o.Time, o.Value, o.IsBlq)), b.Observations.Select(o => (o.Time, o.Value, o.IsBlq)));
            }
        }
        finally { File.Delete(path); }
    }
    [Fact]
    public void PriorRecordsRefuseInvalidValuesWhenBuiltAndCannotBeChanged()
    {
        // Math.NET style: the constructor refuses, with one sentence naming the record and the field.
        Assert.Equal("ParameterSds: field CL = -0.3: expected a log-scale sd in [0, 3].",
            Assert.Throws<PriorFieldException>(() => new ParameterSds(CL: -0.3)).Message);
        Assert.Equal("DosingPrior: field MaxDoses = 2: expected an integer in [MinDoses = 3, 100].",
            Assert.Throws<PriorFieldException>(() => new DosingPrior(MinDoses: 3, MaxDoses: 2)).Message);
        Assert.Equal("RoutePrior = 0: expected route weights summing to > 0.",
            Assert.Throws<PriorFieldException>(() => new RoutePrior(0, 0, 0)).Message);
        Assert.Equal("Prior: field TypicalValues.Q4 is missing: needed when CompartmentProbabilities[3] (4 compartments) is > 0.",
            Assert.Throws<PriorFieldException>(() => new Prior(CompartmentProbabilities: [0, 0.5, 0.25, 0.25])).Message);
        Assert.IsAssignableFrom<ArgumentException>(Assert.Throws<PriorFieldException>(() => new LogNormalPrior(1e7, 0.5)));
        // The list a prior was built from is copied: changing it afterwards does not reach the prior.
        double[] weights = [0.2, 0.8, 0];
        var prior = new Prior(CompartmentProbabilities: weights);
        weights[0] = 5;
        Assert.Equal([0.2, 0.8, 0], prior.CompartmentProbabilities);
        // No prior record has a setter or an init accessor, so `with` cannot change a validated field.
        foreach (var type in typeof(Prior).Assembly.GetTypes().Where(t => t.Namespace == "ZeroShotPK.Priors" && t.IsPublic &&
            (t.Name.EndsWith("Prior", StringComparison.Ordinal) || t.Name.EndsWith("Priors", StringComparison.Ordinal) || t == typeof(ParameterSds) || t == typeof(PriorUnits))))
            foreach (var property in type.GetProperties())
                Assert.True(property.SetMethod is null, $"{type.Name}.{property.Name} can be set");
        // Every omitted argument is the built-in default prior's value (its file is the golden JSON).
        Assert.Equal(PriorFile.ToJson(PriorFile.Builtin("default")), PriorFile.ToJson(new Prior(Description: PriorFile.Builtin("default").Description)));
    }
}
