using ZeroShotPK.Data;
using ZeroShotPK.Priors;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Simulation;

/// <summary>zspk simulate run as a process: the file reads back as the studies the generator makes for those seeds.</summary>
public class SimulateCommandTests
{
    private static (int Code, string Output) Zspk(params string[] args) => ZspkProcess.Run(200, args);

    [Fact]
    public void SimulateWritesReadableStudiesEqualToTheGenerator()
    {
        var path = Path.Combine(Path.GetTempPath(), $"zspk-simulate-{Guid.NewGuid():N}.csv");
        try
        {
            var (code, output) = Zspk("simulate", "--prior", "misspecified", "--studies", "5", "--seed", "21", "--out", path);
            Assert.True(code == 0, output);
            Assert.Contains("wrote", output);
            var back = NonmemCsv.ReadStudies(path);
            var generator = PriorStudyGenerator.Load("misspecified");
            Assert.Equal(5, back.Count);
            for (var i = 0; i < 5; i++)
            {
                var expected = generator.Generate(Rng.DeriveSeed(21, i));
                Assert.Equal(expected.Name, back[i].Name);
                Assert.Equal(expected.Individuals.SelectMany(x => x.Observations).Select(o => (o.Time, o.Value, o.IsBlq)),
                    back[i].Individuals.SelectMany(x => x.Observations).Select(o => (o.Time, o.Value, o.IsBlq)));
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BadPriorFileIsReportedWithItsField()
    {
        var prior = Path.Combine(Path.GetTempPath(), $"zspk-prior-{Guid.NewGuid():N}.json");
        File.WriteAllText(prior, PriorFile.ToJson(PriorFile.Builtin("default")).Replace("\"Segments\": 24", "\"Segments\": -3"));
        try
        {
            var (code, output) = Zspk("simulate", "--prior", prior, "--studies", "1", "--out", prior + ".csv");
            Assert.Equal(1, code);
            Assert.Contains($"error: {prior}: field $.WithinIndividual.Segments = -3: expected an integer in [1, 1000].", output.Replace("\n", ""));
            Assert.False(File.Exists(prior + ".csv"));
        }
        finally { File.Delete(prior); }
    }
}
