namespace ZeroShotPK.Simulation;

/// <summary>Small dense row-major linear solves for the compartment systems (at most 7 x 7: four compartments, depot, eliminated amount and the infusion column), allocation-free. The matrix exponential is <see cref="MatrixExponential"/>.</summary>
internal static class SmallMatrix
{
    /// <summary>Solves a X = b for X (n x n right-hand sides) by Gaussian elimination with partial pivoting.</summary>
    public static bool Solve(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x, int n, int rhs = -1)
    {
        if (rhs < 0) rhs = n;
        Span<double> lu = stackalloc double[n * n];
        a[..(n * n)].CopyTo(lu);
        b[..(n * rhs)].CopyTo(x);
        for (var col = 0; col < n; col++)
        {
            var piv = col;
            for (var r = col + 1; r < n; r++) if (Math.Abs(lu[r * n + col]) > Math.Abs(lu[piv * n + col])) piv = r;
            if (lu[piv * n + col] == 0) return false;
            if (piv != col)
            {
                for (var k = 0; k < n; k++) (lu[col * n + k], lu[piv * n + k]) = (lu[piv * n + k], lu[col * n + k]);
                for (var k = 0; k < rhs; k++) (x[col * rhs + k], x[piv * rhs + k]) = (x[piv * rhs + k], x[col * rhs + k]);
            }
            var d = lu[col * n + col];
            for (var r = col + 1; r < n; r++)
            {
                var f = lu[r * n + col] / d;
                if (f == 0) continue;
                for (var k = col; k < n; k++) lu[r * n + k] -= f * lu[col * n + k];
                for (var k = 0; k < rhs; k++) x[r * rhs + k] -= f * x[col * rhs + k];
            }
        }
        for (var col = n - 1; col >= 0; col--)
        {
            var d = lu[col * n + col];
            for (var k = 0; k < rhs; k++)
            {
                var s = x[col * rhs + k];
                for (var j = col + 1; j < n; j++) s -= lu[col * n + j] * x[j * rhs + k];
                x[col * rhs + k] = s / d;
            }
        }
        return true;
    }
}
