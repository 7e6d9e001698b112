using System.Globalization;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Pbpk;

public class ProfileCsvTests
{
    private static double[] Parse(string line) => line.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void Write_RoundTripsTheSolutionToEightDigits()
    {
        var model = new PbpkModel(PhysiologyTable.Load(Species.Human).Reference(), Compound.Resolve("theophylline"), PartitionMethod.RodgersRowland);
        double[] times = [0, 0.5, 1, 2, 6, 24];
        var sol = model.Simulate([DosingEvent.Bolus(0, 300)], times);
        var path = Path.Combine(Directory.CreateTempSubdirectory("profile").FullName, "p.csv");
        ProfileCsv.Write(path, sol, times);
        var lines = File.ReadAllLines(path);
        Assert.Equal(times.Length + 1, lines.Length);
        var header = lines[0].Split(',');
        // Time, Cp, one column per tissue, then the five amounts.
        Assert.Equal(2 + Tissues.All.Count + 5, header.Length);
        Assert.Equal(["Time_h", "Cp_mg_per_L"], header[..2]);
        Assert.Equal(["GutLumen_mg", "Unabsorbed_mg", "EliminatedHepatic_mg", "EliminatedRenal_mg", "AucPlasma_mg_h_per_L"], header[^5..]);
        Assert.Equal($"C_{Tissues.All[0]}_mg_per_L", header[2]);
        var cp = sol.PlasmaConcentration();
        var liver = sol.TissueConcentration(Tissue.Liver);
        for (var i = 0; i < times.Length; i++)
        {
            var row = Parse(lines[i + 1]);
            Assert.Equal(times[i], row[0]);
            Assert.Equal(cp[i], row[1], cp[i] * 1e-7);
            Assert.Equal(liver[i], row[Array.IndexOf(header, "C_Liver_mg_per_L")], liver[i] * 1e-7 + 1e-300);
            Assert.Equal(sol.Amounts[i][(int)PbpkState.PlasmaAuc], row[^1], row[^1] * 1e-7 + 1e-300);
        }
        // An IV bolus puts nothing in the gut; the plasma concentration right after it is dose over the plasma-side volume.
        Assert.All(lines.Skip(1), l => Assert.Equal(0, Parse(l)[^5]));
        Assert.True(Parse(lines[1])[1] > 0);
        File.Delete(path);
    }

    [Fact]
    public void WritePopulation_PutsEachIdBeforeItsBlock()
    {
        var model = new PbpkModel(PhysiologyTable.Load(Species.Human).Reference(), Compound.Resolve("diazepam"), PartitionMethod.PoulinTheil);
        double[] times = [0, 1, 2];
        var rows = ProfileCsv.Rows(model.Simulate([DosingEvent.Oral(0, 1)], times), times).ToArray();
        var path = Path.Combine(Directory.CreateTempSubdirectory("profile").FullName, "pop.csv");
        ProfileCsv.WritePopulation(path, ["7", "12"], [rows, rows]);
        var lines = File.ReadAllLines(path);
        Assert.Equal("ID," + ProfileCsv.Header, lines[0]);
        Assert.Equal(["7", "7", "7", "12", "12", "12"], lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal("7," + rows[1], lines[2]);
        // Oral dose at t = 0: all of it is in the gut lumen, none yet in plasma.
        Assert.Equal("0,0", string.Join(',', rows[0].Split(',')[..2]));
        Assert.Equal(1, Parse(rows[0])[^5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => ProfileCsv.WritePopulation(path, ["1"], [rows, rows]));
        File.Delete(path);
    }
}
