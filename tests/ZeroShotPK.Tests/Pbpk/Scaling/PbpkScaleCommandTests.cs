namespace ZeroShotPK.Tests.Pbpk.Scaling;

public class PbpkScaleCommandTests
{
    private static (int Code, string Output) Zspk(params string[] args) => ZspkProcess.Run(200, args);

    [Fact]
    public void Scale_PrintsEveryMethodAndWritesHeldOutRows()
    {
        var dir = Directory.CreateTempSubdirectory("scale");
        var path = Path.Combine(dir.FullName, "scale.csv");
        var (code, output) = Zspk("pbpk", "scale", "--compounds", "60", "--steps", "30", "--seed", "2", "--out", path);
        Assert.True(code == 0, output);
        foreach (var name in new[] { "Simple allometry", "Rule of exponents", "Rat only", "Dog only", "Unbound allometry", "Neural allometry", "Neural allometry, ODE in BW", "Training mean" })
            Assert.Contains(name, output);
        Assert.Contains("12 held-out of 60 compounds (seed 2", output);
        var lines = File.ReadAllLines(path);
        Assert.Equal(13, lines.Length);
        var header = lines[0].Split(',');
        Assert.Contains("CLpred_neural", header);
        Assert.Contains("Vsspred_neural-ode", header);
        Assert.Contains("Vsspred_unbound", header);
        Assert.DoesNotContain("Vsspred_roe", header);
        Assert.All(lines.Skip(1), l => Assert.Equal(header.Length, l.Split(',').Length));
        dir.Delete(true);
    }

    [Fact]
    public void BadArguments_NameTheOption()
    {
        var (code, output) = Zspk("pbpk", "scale", "--test-fraction", "1.5");
        Assert.Equal(1, code);
        Assert.Contains("--test-fraction: expected in (0, 1), got 1.5.", output);
        (code, output) = Zspk("pbpk", "scale", "--compounds", "2");
        Assert.Equal(1, code);
        Assert.Contains("--compounds: expected >= 3, got 2.", output);
        (code, output) = Zspk("pbpk", "scale", "--compounds", "20", "--device", "tpu");
        Assert.Equal(1, code);
        Assert.Contains("--device: expected auto, cpu or cuda, got 'tpu'.", output);
    }
}
