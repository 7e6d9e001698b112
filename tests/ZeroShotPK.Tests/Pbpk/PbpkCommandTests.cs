using System.Globalization;
using ZeroShotPK.Pbpk;

namespace ZeroShotPK.Tests.Pbpk;

public class PbpkCommandTests
{
    // The commands are internal to zspk, so the tests run the built zspk.dll (copied beside the test assembly).
    private static (int Code, string Output) Zspk(params string[] args) => ZspkProcess.Run(400, args);

    [Fact]
    public void Simulate_WritesGridAndAucMatchesDoseOverClearance()
    {
        var dir = Directory.CreateTempSubdirectory("pbpk");
        var path = Path.Combine(dir.FullName, "sim.csv");
        Assert.Equal(0, Zspk("pbpk", "simulate", "--compound", "theophylline", "--dose", "300", "--route", "infusion", "--duration", "0.5", "--end", "400", "--step", "0.5", "--out", path).Code);
        var lines = File.ReadAllLines(path);
        Assert.Equal(802, lines.Length); // header + 0, 0.5, ..., 400
        var header = lines[0].Split(',');
        Assert.Equal("Cp_mg_per_L", header[1]);
        var last = lines[^1].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // AUC(0-400 h) ~ AUC(0-inf) = Dose / CL with CL = 3.39 + 0.377 L/h (data/pbpk/compounds.json) for the reference individual.
        Assert.Equal(300 / (3.39 + 0.377), last[Array.IndexOf(header, "AucPlasma_mg_h_per_L")], 1e-3);
        dir.Delete(true);
    }

    [Fact]
    public void Population_ReferenceCsvHasEveryIndividualAndNoBrokenRules()
    {
        var dir = Directory.CreateTempSubdirectory("pbpk");
        var path = Path.Combine(dir.FullName, "pop.csv");
        Assert.Equal(0, Zspk("pbpk", "population", "--species", "rat", "-n", "300", "--seed", "4", "--out", path).Code);
        var lines = File.ReadAllLines(path);
        Assert.Equal(301, lines.Length);
        Assert.Equal(Physiology.Vector.Length + 3, lines[0].Split(',').Length);
        Assert.All(lines.Skip(1), l => Assert.EndsWith(",", l)); // empty BrokenRules column
        dir.Delete(true);
    }

    [Fact]
    public void BadArguments_NameTheOption()
    {
        var (code, output) = Zspk("pbpk", "simulate", "--compound", "diazepam", "--dose", "5", "--route", "rectal", "--out", "x.csv");
        Assert.Equal(1, code);
        Assert.Contains("error: --route: expected oral, iv or infusion, got 'rectal'.", output);
        (code, output) = Zspk("pbpk", "population", "--species", "cat", "--out", "x.csv");
        Assert.Equal(1, code);
        Assert.Contains("error: --species: expected human, rat, mouse, dog or monkey, got 'cat'.", output);
        (code, output) = Zspk("pbpk", "population", "--method", "gan", "--out", "x.csv");
        Assert.Contains("error: --method: expected reference, ddpm or pcdm, got 'gan'.", output);
    }
}
