using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Simulation;

public class DormandPrinceTests
{
    // y' = y cos t, y(0) = 1, exact y = exp(sin t).
    private static void F(double t, ReadOnlySpan<double> y, Span<double> dy) => dy[0] = y[0] * Math.Cos(t);

    [Fact]
    public void FixedStepConvergesWithOrderFive()
    {
        double Error(int n)
        {
            var y = new[] { 1.0 };
            DormandPrince.IntegrateFixed(F, 0, y, 4, n);
            return Math.Abs(y[0] - Math.Exp(Math.Sin(4)));
        }
        var e1 = Error(40); var e2 = Error(80); var e3 = Error(160);
        var order1 = Math.Log2(e1 / e2); var order2 = Math.Log2(e2 / e3);
        Assert.InRange(order1, 4.6, 5.4);
        Assert.InRange(order2, 4.6, 5.4);
    }

    [Theory]
    [InlineData(1e-4)]
    [InlineData(1e-7)]
    [InlineData(1e-10)]
    public void AdaptiveMeetsTolerance(double rtol)
    {
        var y = new[] { 1.0 };
        var step = 0.0; var steps = 0;
        Assert.Equal(SolveStatus.Success, DormandPrince.Integrate(F, 0, y, 10, new OdeOptions(rtol, rtol * 1e-3), ref step, ref steps));
        var err = Math.Abs(y[0] / Math.Exp(Math.Sin(10)) - 1);
        Assert.True(err < 50 * rtol, $"relative error {err} at rtol {rtol}");
        Assert.True(steps > 3);
    }

    [Fact]
    public void TighterToleranceTakesMoreSteps()
    {
        int Steps(double rtol)
        {
            var y = new[] { 1.0 }; var step = 0.0; var steps = 0;
            DormandPrince.Integrate(F, 0, y, 10, new OdeOptions(rtol, rtol), ref step, ref steps);
            return steps;
        }
        // Step count scales like tol^(-1/5): 1e-5 tolerance ratio -> ~10x steps.
        var ratio = (double)Steps(1e-11) / Steps(1e-6);
        Assert.InRange(ratio, 6, 14);
    }
}
