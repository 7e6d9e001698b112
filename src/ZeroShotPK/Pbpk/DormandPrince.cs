namespace ZeroShotPK.Pbpk;

/// <summary>
/// Adaptive Dormand-Prince 5(4) for the PBPK cross-check. Kept inside Pbpk because the project ODE solver (branch
/// <c>sim</c>) had not landed when this was written; switch to it once it has.
/// </summary>
internal static class DormandPrince
{
    private static readonly double[] C = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1];
    private static readonly double[][] A =
    [
        [],
        [1.0 / 5],
        [3.0 / 40, 9.0 / 40],
        [44.0 / 45, -56.0 / 15, 32.0 / 9],
        [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
        [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
        [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
    ];
    private static readonly double[] B = [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0];
    private static readonly double[] BStar = [5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40];

    /// <summary>Advances <paramref name="y"/> by <paramref name="span"/> under constant input rates.</summary>
    public static int Integrate(PbpkModel model, double[] y, double span, double iv, double oral, double rtol, double atol)
    {
        var n = y.Length;
        var k = new double[7][];
        for (var i = 0; i < 7; i++) k[i] = new double[n];
        var stage = new double[n];
        var y5 = new double[n];
        double t = 0, h = Math.Min(span, 1e-3);
        var steps = 0;
        while (t < span)
        {
            if (t + h > span) h = span - t;
            model.Derivative(y, k[0], iv, oral);
            for (var s = 1; s < 7; s++)
            {
                for (var i = 0; i < n; i++)
                {
                    var acc = y[i];
                    for (var j = 0; j < s; j++) acc += h * A[s][j] * k[j][i];
                    stage[i] = acc;
                }
                model.Derivative(stage, k[s], iv, oral);
            }
            var err = 0.0;
            for (var i = 0; i < n; i++)
            {
                double hi = 0, lo = 0;
                for (var j = 0; j < 7; j++) { hi += B[j] * k[j][i]; lo += BStar[j] * k[j][i]; }
                y5[i] = y[i] + h * hi;
                var sc = atol + rtol * Math.Max(Math.Abs(y[i]), Math.Abs(y5[i]));
                var e = h * (hi - lo) / sc;
                err += e * e;
            }
            err = Math.Sqrt(err / n);
            if (err <= 1)
            {
                t += h;
                Array.Copy(y5, y, n);
                steps++;
            }
            h *= Math.Clamp(0.9 * Math.Pow(Math.Max(err, 1e-10), -0.2), 0.2, 5);
            if (h < 1e-14 * Math.Max(1, span)) throw new InvalidOperationException("Dormand-Prince: step size underflow.");
        }
        return steps;
    }
}
