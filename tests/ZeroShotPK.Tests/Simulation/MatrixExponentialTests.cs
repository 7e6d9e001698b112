using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Simulation;

/// <summary>The one matrix exponential (closed-form compartment solver and PBPK) against analytic exponentials.</summary>
public class MatrixExponentialTests
{
    private static double[] Exp(double[] a, int n, double h = 1)
    {
        var e = new double[n * n];
        MatrixExponential.Compute(a, n, h, e);
        return e;
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(2.0)]
    [InlineData(40.0)]
    public void ExpOfRotationGeneratorIsARotation(double angle)
    {
        var e = Exp([0, -angle, angle, 0], 2);
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
        var e = Exp([-k, 0, 1, -k], 2, t);
        Assert.Equal(Math.Exp(-k * t), e[0], 1e-15);
        Assert.Equal(0, e[1]);
        Assert.Equal(t * Math.Exp(-k * t), e[2], 1e-15);
        Assert.Equal(Math.Exp(-k * t), e[3], 1e-15);
    }

    [Theory]
    [InlineData(1.5, 0.1, 0.5, 1e-14)]
    [InlineData(1.5, 0.1, 24, 1e-14)]
    [InlineData(40, 0.02, 72, 2e-12)] // stiff: ||A t|| ~ 5800, thirteen squarings, each adding rounding (seen: 8.5e-13)
    public void OneCompartmentOralMatchesBateman(double ka, double k, double t, double tol)
    {
        // States depot, central, eliminated: the central column of a depot dose is the Bateman function
        // ka / (ka - k) (e^{-k t} - e^{-ka t}), and the eliminated amount is what is neither in the depot nor central.
        var e = Exp([-ka, 0, 0, ka, -k, 0, 0, k, 0], 3, t);
        double depot = Math.Exp(-ka * t), central = ka / (ka - k) * (Math.Exp(-k * t) - Math.Exp(-ka * t));
        Assert.Equal(depot, e[0], 1e-14 + tol * depot);
        Assert.Equal(central, e[3], tol * central);
        Assert.Equal(1 - depot - central, e[6], tol);
        Assert.Equal(Math.Exp(-k * t), e[4], tol * Math.Exp(-k * t));
        Assert.Equal(1, e[8]);
    }

    [Fact]
    public void TwoCompartmentIvMatchesItsEigenvalues()
    {
        // Central/peripheral micro-constants k10 = 0.3, k12 = 0.5, k21 = 0.2: eigenvalues -alpha, -beta with
        // alpha + beta = k10 + k12 + k21 and alpha beta = k10 k21; central after a unit bolus
        // ((alpha - k21) e^{-alpha t} + (k21 - beta) e^{-beta t}) / (alpha - beta).
        const double k10 = 0.3, k12 = 0.5, k21 = 0.2, t = 5;
        double sum = k10 + k12 + k21, disc = Math.Sqrt(sum * sum - 4 * k10 * k21);
        double alpha = (sum + disc) / 2, beta = (sum - disc) / 2;
        Assert.Equal(0.9358898943540673, alpha, 15);
        var e = Exp([-(k10 + k12), k21, k12, -k21], 2, t);
        double central = ((alpha - k21) * Math.Exp(-alpha * t) + (k21 - beta) * Math.Exp(-beta * t)) / (alpha - beta);
        double peripheral = k12 * (Math.Exp(-beta * t) - Math.Exp(-alpha * t)) / (alpha - beta);
        Assert.Equal(central, e[0], 1e-15);
        Assert.Equal(peripheral, e[2], 1e-15);
        Assert.Equal(0.12096414820144338, e[0], 14);
    }

    [Fact]
    public void MatchesEigenDecompositionOfASymmetricMatrix()
    {
        var rng = new Rng(3);
        const int n = 7;
        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, n, (_, _) => rng.NextDouble() - 0.5);
        var sym = (m + m.Transpose()) * 20; // symmetric: real eigen-decomposition, norm well above 1 (scaling used)
        var evd = sym.Evd();
        var expected = evd.EigenVectors * MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfDiagonalArray(evd.EigenValues.Select(l => Math.Exp(l.Real * 0.3)).ToArray()) * evd.EigenVectors.Transpose();
        var a = new double[n * n];
        for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) a[i * n + j] = sym[i, j];
        var result = Exp(a, n, 0.3);
        var scale = expected.Enumerate().Max(Math.Abs);
        for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) Assert.Equal(expected[i, j], result[i * n + j], 1e-10 * scale);
    }

    [Fact]
    public void LargeMatrixTakesTheHeapPathWithTheSameAnswer()
    {
        // 21 x 21 (a PBPK system with its infusion column) is past the stack buffer: a block-diagonal copy of the
        // 2-compartment system must give the same block on either path.
        const double t = 5;
        var small = Exp([-0.8, 0.2, 0.5, -0.2], 2, t);
        const int n = 21;
        var a = new double[n * n];
        for (var b = 0; b + 1 < n; b += 2)
        {
            a[b * n + b] = -0.8; a[b * n + b + 1] = 0.2; a[(b + 1) * n + b] = 0.5; a[(b + 1) * n + b + 1] = -0.2;
        }
        var big = Exp(a, n, t);
        Assert.Equal(small[0], big[18 * n + 18], 1e-15);
        Assert.Equal(small[2], big[19 * n + 18], 1e-15);
        Assert.Equal(1, big[n * n - 1]);
    }
}
