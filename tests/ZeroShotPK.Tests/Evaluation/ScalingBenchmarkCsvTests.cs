using System.Globalization;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk;

namespace ZeroShotPK.Tests.Evaluation;

[Collection(TorchCollection.Name)]
public class ScalingBenchmarkCsvTests
{
    [Fact]
    public void Write_RoundTripsEveryCompoundAndPrediction()
    {
        var r = ScalingBenchmark.Run(new ScalingBenchmarkConfig { Compounds = 30, Seed = 3, WithOde = false, Neural = new NeuralAllometryConfig { Steps = 5 } });
        var path = Path.Combine(Directory.CreateTempSubdirectory("scalecsv").FullName, "s.csv");
        ScalingBenchmarkCsv.Write(path, r);
        var lines = File.ReadAllLines(path);
        Assert.Equal(r.Test.Count + 1, lines.Length);
        Assert.Equal(6, r.Test.Count); // round(30 x 0.2)
        var header = lines[0].Split(',');
        Assert.Equal(["Index", "Class", "LogP", "Pka", "Fu_human", "CL_human_L_per_h", "Vss_human_L", "Fu_mouse", "CLobs_mouse_L_per_h", "Vssobs_mouse_L"], header[..10]);
        // 7 compound columns, 3 per animal, then one per prediction a method makes.
        Assert.Equal(7 + 3 * ZeroShotPK.Pbpk.Scaling.SpeciesDescriptor.Animals.Count + r.Methods.Sum(m => (m.Cl is null ? 0 : 1) + (m.Vss is null ? 0 : 1)), header.Length);
        double At(string[] row, string column) => double.Parse(row[Array.IndexOf(header, column)], CultureInfo.InvariantCulture);
        var unbound = r.Methods.Single(m => m.Key == "unbound");
        for (var i = 0; i < r.Test.Count; i++)
        {
            var row = lines[i + 1].Split(',');
            Assert.Equal(header.Length, row.Length);
            var c = r.Test[i];
            Assert.Equal(c.Index.ToString(CultureInfo.InvariantCulture), row[0]);
            Assert.Equal(c.Pka is null, row[3].Length == 0);
            Assert.Equal(c.In(Species.Human).Cl, At(row, "CL_human_L_per_h"), c.In(Species.Human).Cl * 1e-5);
            Assert.Equal(c.In(Species.Dog).ObservedVss, At(row, "Vssobs_dog_L"), c.In(Species.Dog).ObservedVss * 1e-5);
            Assert.Equal(unbound.Cl![i], At(row, "CLpred_unbound"), unbound.Cl[i] * 1e-5);
        }
        File.Delete(path);
        // The paired comparison the command prints: one row per neural method (here only "neural"), CL against unbound allometry.
        var (method, cl, vss) = Assert.Single(r.NeuralVersusUnbound());
        Assert.Equal("neural", method.Key);
        var truth = r.Test.Select(c => c.In(Species.Human).Cl).ToArray();
        Assert.Equal(ZeroShotPK.Pbpk.Scaling.FoldErrorSummary.PairedAafeRatio(method.Cl!, unbound.Cl!, truth), cl);
        Assert.True(vss.Lower < vss.Ratio && vss.Ratio < vss.Upper, $"{vss}");
    }
}
