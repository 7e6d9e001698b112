using ZeroShotPK.Data;
using ZeroShotPK.Tests.Training;
using static TorchSharp.torch;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Models;

[Collection(TorchCollection.Name)]
public class AicmetRealDataTests
{
    /// <summary>Leave-one-out, first 4 samples known: pooled log-RMSE of the median over the remaining measured samples.</summary>
    private static double LooRmse(AicmetPredictor p, Study study)
    {
        double se = 0; int n = 0;
        foreach (var ind in study.Individuals)
        {
            var future = ind.Observations.Skip(4).Where(o => o.Value > 0 && !o.IsBlq).ToArray();
            if (future.Length == 0) continue;
            var pred = p.Predict(study.Without(ind.Id), ind.WithFirstObservations(4), future.Select(o => o.Time).ToArray(), seed: 1);
            for (int j = 0; j < future.Length; j++) { se += Math.Pow(Math.Log(pred.Median[j] / future[j].Value), 2); n++; }
        }
        return Math.Sqrt(se / n);
    }

    [Theory]
    [InlineData("theophylline.csv")]
    [InlineData("indometacin.csv")]
    public void StudyContextImprovesZeroShotPredictionOfRealIndividuals(string file)
    {
        set_num_threads(1);
        var dataDir = Path.GetFullPath(Path.Combine(ShippedCheckpointTests.Directory, "..", ".."));
        var study = NonmemCsv.ReadStudy(Path.Combine(dataDir, file));
        using var with = new AicmetPredictor(ShippedCheckpointTests.Directory);
        using var without = new AicmetPredictor(ShippedCheckpointTests.Directory, useContext: false);
        double a = LooRmse(with, study), b = LooRmse(without, study);
        // Measured at commit time: theophylline 0.384 vs 0.671, indometacin 0.515 vs 0.598.
        Assert.True(a < 0.95 * b, $"{file}: log-RMSE with context {a:F3}, without {b:F3}");
        Assert.InRange(a, 0.2, 0.7);
    }
}
