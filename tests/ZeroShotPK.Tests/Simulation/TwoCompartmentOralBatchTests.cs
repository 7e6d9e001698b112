using ZeroShotPK.Data;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Simulation;

public class TwoCompartmentOralBatchTests
{
    [Fact]
    public void SimdScalarParallelAndGeneralSolverAgree()
    {
        const int n = 103; // not a multiple of 4: exercises the scalar tail
        var rng = new Rng(8);
        double[] Draw(double m) => Enumerable.Range(0, n).Select(_ => m * Math.Exp(0.4 * rng.NextNormal())).ToArray();
        var cl = Draw(5); var v = Draw(50); var ka = Draw(1); var q = Draw(5); var v2 = Draw(80); var dose = Draw(100);
        double[] times = [0.25, 1, 2, 4, 8, 12, 24, 48];
        var simd = new double[n * times.Length]; var scalar = new double[n * times.Length]; var par = new double[n * times.Length];
        TwoCompartmentOralBatch.Compute(cl, v, ka, q, v2, dose, times, simd);
        TwoCompartmentOralBatch.ComputeScalar(cl, v, ka, q, v2, dose, times, scalar);
        TwoCompartmentOralBatch.ComputeParallel(cl, v, ka, q, v2, dose, times, par, block: 16);
        Assert.Equal(simd, par);
        for (var i = 0; i < n; i++)
        {
            var exact = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.TwoCompartment,
                new PkParameters { CL = cl[i], V = v[i], Ka = ka[i], Q = q[i], V2 = v2[i] }, [DosingEvent.Oral(0, dose[i])], times)).EnsureSuccess();
            for (var j = 0; j < times.Length; j++)
            {
                var e = exact.Concentrations[j];
                Assert.Equal(e, scalar[j * n + i], 1e-9 * e);
                Assert.Equal(e, simd[j * n + i], 1e-9 * e);
            }
        }
    }

    [Fact]
    public void LengthMismatchIsNamed()
    {
        var ex = Assert.Throws<ArgumentException>(() => TwoCompartmentOralBatch.Compute([1, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1.0], new double[3]));
        Assert.StartsWith("output must have profiles x times = 2 x 1 = 2 entries, has 3.", ex.Message);
    }
}
