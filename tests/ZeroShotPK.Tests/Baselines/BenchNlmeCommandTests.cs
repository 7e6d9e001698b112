namespace ZeroShotPK.Tests.Baselines;

/// <summary>The shape of <c>zspk bench nlme</c>'s report (not its speed: figures live in docs/results.md, measured per run).</summary>
public class BenchNlmeCommandTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public void WithoutRItReportsOurFitsAndEstimatesOnly()
    {
        var (code, output) = ZspkProcess.Run(160, "bench", "nlme", "--no-r", "--repeats", "1", "--subjects", "12");
        Assert.True(code == 0, output);
        Assert.Contains("theophylline, 12", output);
        Assert.Contains("simulated, 12", output);
        Assert.Contains("FOCE-I, 2 starts (evaluate)", output);
        Assert.Contains("FOCE-I, same start, FD grad", output);
        Assert.Contains("theophylline, 12: FOCE-I with the exact outer gradient", output);
        Assert.DoesNotContain("R nlme (LB, ML)", output);
        // Lindstrom-Bates on theophylline: R nlme's fixed effects (FoceiTests) in the estimates lines.
        Assert.Contains("ours LB                    theta [-2.4547, 0.4656, -3.2272]", output);
    }
}
