namespace ZeroShotPK.Simulation;

/// <summary>Small dense row-major matrices for the compartment systems (at most 7 x 7: four compartments, depot, eliminated amount and the infusion column); allocation-free kernels.</summary>
internal static class SmallMatrix
{
    // Padé (6,6) coefficients; with the scaled norm <= 0.5 the truncation error is far below double rounding.
    private static readonly double[] Pade = [1.0, 1.0 / 2, 5.0 / 44, 1.0 / 66, 1.0 / 792, 1.0 / 15840, 1.0 / 665280];

    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int n)
    {
        for (var i = 0; i < n; i++)
        for (var j = 0; j < n; j++)
        {
            var s = 0.0;
            for (var k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
    }

    /// <summary>exp(m) by scaling and squaring with a Padé (6,6) approximant.</summary>
    public static void Exp(ReadOnlySpan<double> m, Span<double> result, int n)
    {
        var nn = n * n;
        Span<double> x = stackalloc double[nn];
        var norm = 0.0;
        for (var j = 0; j < n; j++)
        {
            var col = 0.0;
            for (var i = 0; i < n; i++) col += Math.Abs(m[i * n + j]);
            norm = Math.Max(norm, col);
        }
        var s = norm > 0.5 ? (int)Math.Ceiling(Math.Log2(norm / 0.5)) : 0;
        var scale = Math.ScaleB(1.0, -s);
        for (var i = 0; i < nn; i++) x[i] = m[i] * scale;

        // Even/odd split: N = V + U, D = V - U with V = c0 + c2 X^2 + c4 X^4 + c6 X^6, U = X (c1 + c3 X^2 + c5 X^4): 4 products.
        Span<double> x2 = stackalloc double[nn];
        Span<double> x4 = stackalloc double[nn];
        Span<double> x6 = stackalloc double[nn];
        Span<double> odd = stackalloc double[nn];
        Span<double> u = stackalloc double[nn];
        Span<double> num = stackalloc double[nn];
        Span<double> den = stackalloc double[nn];
        Multiply(x, x, x2, n);
        Multiply(x2, x2, x4, n);
        Multiply(x4, x2, x6, n);
        for (var i = 0; i < nn; i++) odd[i] = Pade[3] * x2[i] + Pade[5] * x4[i];
        for (var i = 0; i < n; i++) odd[i * n + i] += Pade[1];
        Multiply(x, odd, u, n);
        for (var i = 0; i < nn; i++)
        {
            var even = Pade[2] * x2[i] + Pade[4] * x4[i] + Pade[6] * x6[i];
            num[i] = even + u[i];
            den[i] = even - u[i];
        }
        for (var i = 0; i < n; i++) { num[i * n + i] += Pade[0]; den[i * n + i] += Pade[0]; }
        Span<double> tmp = stackalloc double[nn];
        Solve(den, num, result, n);
        for (var q = 0; q < s; q++)
        {
            Multiply(result, result, tmp, n);
            tmp.CopyTo(result);
        }
    }

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
