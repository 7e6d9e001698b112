using TorchSharp;

namespace ZeroShotPK.Torch;

/// <summary>
/// Scalars that stay alive for the whole process, for hot TorchSharp loops.
/// <para>
/// Why: TorchSharp 0.107 converts each number argument of a tensor operation (and the implicit alpha = 1 of
/// tensor + tensor) into a temporary <see cref="Scalar"/> that only its finalizer frees, and reads its native handle
/// before the native call without keeping the object alive. A garbage collection started by another managed thread
/// during that call can finalize the Scalar while libtorch reads it, which fails as c10's Scalar::toDouble
/// "Expected false to be true" (or reads freed memory). Passing a Scalar that something references (these fields,
/// or a <c>using var</c> local that outlives the call) closes that window.
/// </para>
/// </summary>
internal static class TorchScalars
{
    /// <summary>1.0, the alpha of a plain addition.</summary>
    public static readonly Scalar One = 1.0.ToScalar();

    /// <summary>2.0.</summary>
    public static readonly Scalar Two = 2.0.ToScalar();

    /// <summary>1e-300, a floor that keeps the log of an empty amount finite.</summary>
    public static readonly Scalar Tiny = 1e-300.ToScalar();
}
