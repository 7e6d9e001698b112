using ZeroShotPK.Evaluation;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Evaluation;

public class PredictionCsvTests
{
    [Fact]
    public void WritePrediction_GoldenRowsInG10()
    {
        var p = new Prediction("nlme", [0.5, 12], [1.0 / 3, 2], [0.1, 1.25], [2.0 / 3, 3.5]);
        var path = Path.Combine(Directory.CreateTempSubdirectory("pred").FullName, "p.csv");
        EvaluationCsv.WritePrediction(path, p, "7");
        Assert.Equal(["METHOD,ID,TIME,PRED,LO90,HI90", "nlme,7,0.5,0.3333333333,0.1,0.6666666667", "nlme,7,12,2,1.25,3.5"], File.ReadAllLines(path));
        File.Delete(path);
    }
}
