using ZeroShotPK.Evaluation;
using ZeroShotPK.Models.Pbpk;

namespace ZeroShotPK.Tests.Pbpk.Forecast;

public class ForecastProfileCsvTests
{
    [Fact]
    public void Write_GoldenRows()
    {
        // Median exp(mu), band exp(mu -/+ 1.6449 sd), exact exp(log): sd 0 gives a zero-width band.
        var f = new ForecastProfile([0, Math.Log(2)], [0, 0.5]);
        var path = Path.Combine(Directory.CreateTempSubdirectory("fcsv").FullName, "f.csv");
        ForecastProfileCsv.Write(path, [0.25, 0.5], f, [0, Math.Log(3)]);
        Assert.Equal(
            ["time_h,median_mg_per_L,lo90_mg_per_L,hi90_mg_per_L,exact_mg_per_L", "0.25,1,1,1,1", "0.5,2,0.878728,4.55203,3"],
            File.ReadAllLines(path));
        File.Delete(path);
    }

    [Fact]
    public void Rows_RefuseAProfileOfAnotherLength()
    {
        var f = new ForecastProfile([0, 0], [0, 0]);
        var e = Assert.Throws<ArgumentException>(() => ForecastProfileCsv.Rows([0.25, 0.5, 1], f, [0, 0, 0]));
        Assert.StartsWith("expected 3 forecast and exact values (one per grid time), got 2 and 3.", e.Message);
    }

    [Fact]
    public void PooledLogRmse_PoolsTheGridPoints()
    {
        // Errors 3 and 4 at two points: sqrt((9 + 16) / 2).
        Assert.Equal(Math.Sqrt(12.5), PbpkForecastEvaluation.PooledLogRmse([0, 0], [3, -4]), 12);
        Assert.Equal(0, PbpkForecastEvaluation.PooledLogRmse([1.5], [1.5]));
        // The exact profiles stop at the 1e-6 mg/L floor: a forecast below it counts as at it.
        var floor = Math.Log(ZeroShotPK.Pbpk.Forecast.ForecastData.FloorConcentration);
        Assert.Equal(0, PbpkForecastEvaluation.PooledLogRmse([floor - 5, 0], [floor, 0]));
        Assert.Equal(Math.Sqrt(0.5), PbpkForecastEvaluation.PooledLogRmse([floor + 1, 0], [floor, 0]), 12);
        var e = Assert.Throws<ArgumentException>(() => PbpkForecastEvaluation.PooledLogRmse([0, 0], [1]));
        Assert.StartsWith("expected two profiles of the same positive length, got 2 and 1 points.", e.Message);
    }
}
