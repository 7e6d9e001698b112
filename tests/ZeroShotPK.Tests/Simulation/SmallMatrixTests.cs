using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Simulation;

public class SmallMatrixTests
{
    [Theory]
    [InlineData(0.3)]
    [InlineData(2.0)]
    [InlineData(40.0)]
    public void ExpOfRotationGeneratorIsARotation(double angle)
    {
        var e = new double[4];
        SmallMatrix.Exp([0, -angle, angle, 0], e, 2);
        Assert.Equal(Math.Cos(angle), e[0], 1e-13);
        Assert.Equal(-Math.Sin(angle), e[1], 1e-13);
        Assert.Equal(Math.Sin(angle), e[2], 1e-13);
        Assert.Equal(Math.Cos(angle), e[3], 1e-13);
    }

    [Fact]
    public void ExpOfJordanBlockHasTheTeTerm()
    {
        // exp([[-k, 0], [1, -k]] t) = exp(-k t) [[1, 0], [t, 1]]: the equal-rate (ka = k) case the closed form must survive.
        const double k = 0.7, t = 3;
        var e = new double[4];
        SmallMatrix.Exp([-k * t, 0, t, -k * t], e, 2);
        Assert.Equal(Math.Exp(-k * t), e[0], 1e-14);
        Assert.Equal(0, e[1], 1e-14);
        Assert.Equal(t * Math.Exp(-k * t), e[2], 1e-14);
        Assert.Equal(Math.Exp(-k * t), e[3], 1e-14);
    }
}
