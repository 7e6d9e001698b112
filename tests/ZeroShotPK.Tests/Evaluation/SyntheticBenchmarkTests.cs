using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Evaluation;

/// <summary>The committed synthetic benchmark files are exactly what their documented zspk simulate commands write.</summary>
public class SyntheticBenchmarkTests
{
    private static string Root([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("default", 2026, 93)]
    [InlineData("misspecified", 2027, 86)]
    public void BenchmarkFileIsTheSimulatorOutputForItsSeed(string prior, int seed, int individuals)
    {
        string committed = Path.Combine(Root(), "data", "benchmarks", $"synthetic-{prior}.csv");
        var studies = NonmemCsv.ReadStudies(committed);
        Assert.Equal(10, studies.Count);
        Assert.Equal(individuals, studies.Sum(s => s.Individuals.Count));
        Assert.All(studies, s => Assert.StartsWith(prior + "-", s.Name));
        string fresh = Path.Combine(Path.GetTempPath(), $"zspk-bench-{prior}-{Guid.NewGuid():N}.csv");
        try
        {
            var (code, output) = ZspkProcess.Run(200, "simulate", "--prior", prior, "--studies", "10", "--seed", seed.ToString(), "--out", fresh);
            Assert.True(code == 0, output);
            Assert.Equal(File.ReadAllText(committed), File.ReadAllText(fresh));
        }
        finally { File.Delete(fresh); }
    }
}
