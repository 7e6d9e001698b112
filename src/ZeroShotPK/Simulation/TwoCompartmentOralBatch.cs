using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ZeroShotPK.Simulation;

/// <summary>
/// Many 2-compartment oral single-dose profiles at shared sampling times by the macro-constant closed form
/// C(t) = D ka/V sum_i c_i exp(-lambda_i t), lambda in {alpha, beta, ka}; SIMD over profiles (Vector256&lt;double&gt;,
/// 4 profiles per lane set). Inputs are structure-of-arrays; output is [time, profile] (time-major, contiguous per time).
/// The fast path of pretraining-scale simulation and of <c>zspk bench simulate</c>; ka must differ from alpha and beta.
/// </summary>
public static class TwoCompartmentOralBatch
{
    /// <summary>Validates lengths; throws <see cref="ArgumentException"/> naming the mismatching argument.</summary>
    private static void Check(int n, ReadOnlySpan<double> v, ReadOnlySpan<double> ka, ReadOnlySpan<double> q, ReadOnlySpan<double> v2,
        ReadOnlySpan<double> dose, ReadOnlySpan<double> times, Span<double> output)
    {
        if (v.Length != n || ka.Length != n || q.Length != n || v2.Length != n || dose.Length != n)
            throw new ArgumentException($"CL, V, Ka, Q, V2 and dose must all have {n} entries (one per profile).");
        if (output.Length != n * times.Length)
            throw new ArgumentException($"output must have profiles x times = {n} x {times.Length} = {n * times.Length} entries, has {output.Length}.", nameof(output));
    }

    /// <summary>Scalar reference implementation (one profile at a time).</summary>
    public static void ComputeScalar(ReadOnlySpan<double> cl, ReadOnlySpan<double> v, ReadOnlySpan<double> ka, ReadOnlySpan<double> q,
        ReadOnlySpan<double> v2, ReadOnlySpan<double> dose, ReadOnlySpan<double> times, Span<double> output)
    {
        var n = cl.Length;
        Check(n, v, ka, q, v2, dose, times, output);
        for (var i = 0; i < n; i++)
        {
            var k10 = cl[i] / v[i]; var k12 = q[i] / v[i]; var k21 = q[i] / v2[i];
            var sum = k10 + k12 + k21;
            var disc = Math.Sqrt(sum * sum - 4 * k10 * k21);
            var alpha = 0.5 * (sum + disc); var beta = 0.5 * (sum - disc);
            var a = ka[i];
            var scale = dose[i] * a / v[i];
            var ca = scale * (k21 - alpha) / ((a - alpha) * (beta - alpha));
            var cb = scale * (k21 - beta) / ((a - beta) * (alpha - beta));
            var cka = scale * (k21 - a) / ((alpha - a) * (beta - a));
            for (var j = 0; j < times.Length; j++)
            {
                var t = times[j];
                output[j * n + i] = ca * Math.Exp(-alpha * t) + cb * Math.Exp(-beta * t) + cka * Math.Exp(-a * t);
            }
        }
    }

    /// <summary>SIMD implementation on the calling thread (profiles [start, start + count) of the arrays).</summary>
    public static void Compute(ReadOnlySpan<double> cl, ReadOnlySpan<double> v, ReadOnlySpan<double> ka, ReadOnlySpan<double> q,
        ReadOnlySpan<double> v2, ReadOnlySpan<double> dose, ReadOnlySpan<double> times, Span<double> output)
    {
        var n = cl.Length;
        Check(n, v, ka, q, v2, dose, times, output);
        ComputeRange(cl, v, ka, q, v2, dose, times, output, n, 0, n);
    }

    /// <summary>SIMD over profiles, split across all cores in blocks.</summary>
    public static void ComputeParallel(double[] cl, double[] v, double[] ka, double[] q, double[] v2, double[] dose, double[] times, double[] output, int block = 4096)
    {
        var n = cl.Length;
        Check(n, v, ka, q, v2, dose, times, output);
        var blocks = (n + block - 1) / block;
        Parallel.For(0, blocks, b =>
        {
            var start = b * block;
            ComputeRange(cl, v, ka, q, v2, dose, times, output, n, start, Math.Min(block, n - start));
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputeRange(ReadOnlySpan<double> cl, ReadOnlySpan<double> v, ReadOnlySpan<double> ka, ReadOnlySpan<double> q,
        ReadOnlySpan<double> v2, ReadOnlySpan<double> dose, ReadOnlySpan<double> times, Span<double> output, int n, int start, int count)
    {
        var i = start;
        var end = start + count;
        var half = Vector256.Create(0.5); var four = Vector256.Create(4.0);
        for (; i + 4 <= end; i += 4)
        {
            var vCl = Vector256.Create(cl.Slice(i, 4)); var vV = Vector256.Create(v.Slice(i, 4));
            var vKa = Vector256.Create(ka.Slice(i, 4)); var vQ = Vector256.Create(q.Slice(i, 4));
            var vV2 = Vector256.Create(v2.Slice(i, 4)); var vDose = Vector256.Create(dose.Slice(i, 4));
            var k10 = vCl / vV; var k12 = vQ / vV; var k21 = vQ / vV2;
            var sum = k10 + k12 + k21;
            var disc = Vector256.Sqrt(sum * sum - four * k10 * k21);
            var alpha = half * (sum + disc); var beta = half * (sum - disc);
            var scale = vDose * vKa / vV;
            var ca = scale * (k21 - alpha) / ((vKa - alpha) * (beta - alpha));
            var cb = scale * (k21 - beta) / ((vKa - beta) * (alpha - beta));
            var cka = scale * (k21 - vKa) / ((alpha - vKa) * (beta - vKa));
            var nAlpha = -alpha; var nBeta = -beta; var nKa = -vKa;
            for (var j = 0; j < times.Length; j++)
            {
                var t = Vector256.Create(times[j]);
                var c = ca * Vector256.Exp(nAlpha * t) + cb * Vector256.Exp(nBeta * t) + cka * Vector256.Exp(nKa * t);
                c.CopyTo(output.Slice(j * n + i, 4));
            }
        }
        if (i < end)
        {
            // Tail: the scalar formula on the remaining profiles.
            var rest = end - i;
            var tmp = new double[rest * times.Length];
            ComputeScalar(cl.Slice(i, rest), v.Slice(i, rest), ka.Slice(i, rest), q.Slice(i, rest), v2.Slice(i, rest), dose.Slice(i, rest), times, tmp);
            for (var j = 0; j < times.Length; j++)
            for (var k = 0; k < rest; k++)
                output[j * n + i + k] = tmp[j * rest + k];
        }
    }
}
