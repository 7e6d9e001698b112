using TorchSharp;
using static TorchSharp.torch;

namespace ZeroShotPK.Torch;

/// <summary>
/// Tensor-number arithmetic that keeps the number's <see cref="Scalar"/> alive for the whole native call.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 reads only the raw handle of a Scalar when it calls libtorch and frees the Scalar in its
/// finalizer. A Scalar made implicitly (<c>x * 2.0</c>, <c>x.eq(0)</c>, <c>clamp_min(1e-6)</c>) is unreachable once
/// its handle is read, so a garbage collection on another thread can free it while libtorch still uses it: rare
/// crashes such as "Unknown scalar type" after thousands of training steps. Here each Scalar is disposed after the
/// call, which keeps it reachable until then; TorchSharp's own additions pass a temporary alpha of 1, so
/// additions go through <see cref="TorchScalars.One"/>. src/BannedSymbols.txt makes the implicit forms a build error.
/// Integer overloads exist so that integer tensors stay integer (as with TorchSharp's own int-to-Scalar rule).
/// </remarks>
internal static class ScalarOps
{
    public static Tensor Add(this Tensor t, double v) { using var s = v.ToScalar(); return t.add(s, TorchScalars.One); }
    public static Tensor Add(this Tensor t, long v)
    {
        // libtorch refuses a floating alpha for integer tensors.
        using var s = v.ToScalar();
        using var one = 1L.ToScalar();
        return t.add(s, one);
    }
    /// <summary>t + <paramref name="other"/> for floating tensors (TorchSharp's <c>+</c> passes a temporary alpha Scalar of 1).</summary>
    public static Tensor Plus(this Tensor t, Tensor other) => t.add(other, TorchScalars.One);

    public static Tensor Sub(this Tensor t, double v) { using var s = v.ToScalar(); return t.sub(s); }
    public static Tensor Sub(this Tensor t, long v) { using var s = v.ToScalar(); return t.sub(s); }
    public static Tensor Mul(this Tensor t, double v) { using var s = v.ToScalar(); return t.mul(s); }
    public static Tensor Mul(this Tensor t, long v) { using var s = v.ToScalar(); return t.mul(s); }
    public static Tensor Div(this Tensor t, double v) { using var s = v.ToScalar(); return t.div(s); }

    /// <summary><paramref name="v"/> - t.</summary>
    public static Tensor RSub(this Tensor t, double v)
    {
        using var s = v.ToScalar();
        using var negated = t.neg();
        return negated.add(s, TorchScalars.One);
    }

    /// <summary><paramref name="v"/> / t.</summary>
    public static Tensor RDiv(this Tensor t, double v)
    {
        using var s = v.ToScalar();
        using var reciprocal = t.reciprocal();
        return reciprocal.mul(s);
    }

    /// <summary>t * t (TorchSharp's square() is pow with a temporary Scalar 2).</summary>
    public static Tensor Square(this Tensor t) => t.mul(t);

    public static Tensor Pow(this Tensor t, double v) { using var s = v.ToScalar(); return t.pow(s); }
    public static Tensor ClampMin(this Tensor t, double v) { using var s = v.ToScalar(); return t.clamp_min(s); }
    public static Tensor ClampMax(this Tensor t, double v) { using var s = v.ToScalar(); return t.clamp_max(s); }

    public static Tensor Clamp(this Tensor t, double min, double max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return t.clamp(lo, hi);
    }

    public static Tensor Eq(this Tensor t, double v) { using var s = v.ToScalar(); return t.eq(s); }
    public static Tensor Gt(this Tensor t, double v) { using var s = v.ToScalar(); return t.gt(s); }
    public static Tensor Ge(this Tensor t, double v) { using var s = v.ToScalar(); return t.ge(s); }
    public static Tensor Lt(this Tensor t, double v) { using var s = v.ToScalar(); return t.lt(s); }
    public static Tensor Le(this Tensor t, double v) { using var s = v.ToScalar(); return t.le(s); }

    /// <summary>t with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor MaskedFill(this Tensor t, Tensor mask, double value) { using var s = value.ToScalar(); return t.masked_fill(mask, s); }

    /// <summary>A tensor of <paramref name="shape"/> filled with <paramref name="value"/>.</summary>
    public static Tensor Full(long[] shape, double value, ScalarType dtype, Device? device = null)
    {
        using var s = value.ToScalar();
        return full(shape, s, dtype: dtype, device: device);
    }

    /// <summary>
    /// log(1 + e^t) as relu(t) + log1p(e^-|t|): stable for any t and free of Scalars (TorchSharp's softplus makes two
    /// temporary ones for beta and threshold).
    /// </summary>
    public static Tensor Softplus(this Tensor t)
    {
        using var positive = t.relu();
        using var magnitude = t.abs();
        using var negAbs = magnitude.neg();
        using var decay = negAbs.exp();
        using var tail = decay.log1p();
        return positive.add(tail, TorchScalars.One);
    }

    /// <summary>0, 1, ..., <paramref name="stop"/> - 1.</summary>
    public static Tensor Arange(long stop, ScalarType dtype, Device? device = null)
    {
        using var start = 0L.ToScalar();
        using var end = stop.ToScalar();
        using var step = 1L.ToScalar();
        return arange(start, end, step, dtype: dtype, device: device);
    }
}
