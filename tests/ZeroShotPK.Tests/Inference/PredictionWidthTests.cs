using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Inference;

public class PredictionWidthTests
{
    [Fact]
    public void MeanLogWidth90_AveragesLnUpperOverLowerWhereTheLowerEndIsPositive()
    {
        // Widths 0.3 and 0.5 on the log scale; the first time is a point mass at 0 (before the dose) and is left out.
        var p = new Prediction("m", [0, 1, 2], [0, 10, 4], [0, 10 * Math.Exp(-0.15), 4 * Math.Exp(-0.25)], [0, 10 * Math.Exp(0.15), 4 * Math.Exp(0.25)]);
        Assert.Equal(0.4, p.MeanLogWidth90, 12);
        var none = new Prediction("m", [0, 1], [0, 1], [0, -0.5], [0, 2]);
        Assert.True(double.IsNaN(none.MeanLogWidth90));
    }
}
