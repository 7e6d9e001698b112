using System.Runtime.InteropServices;

namespace ZeroShotPK.Torch;

/// <summary>
/// Keeps libtorch's CPU buffers in the process heap. glibc serves every allocation above its mmap threshold (128 KiB at
/// start) with a fresh mmap and returns it with munmap on free, so each decoder activation of a prediction (16 draws x 50
/// times x 128 floats = 400 KiB) was page-faulted in and unmapped again on every operation: about 480 page faults and a
/// third of the CPU time of one zero-shot prediction. Raising the mmap and trim thresholds once lets freed buffers be
/// reused (`zspk bench predict` shows the effect).
/// </summary>
public static class NativeAllocator
{
    private const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;

    /// <summary>Largest buffer kept in the heap (glibc's own upper bound for the threshold on 64-bit systems).</summary>
    public const int MmapThresholdBytes = 32 << 20;

    /// <summary>Free memory at the top of the heap kept for reuse instead of being returned to the system.</summary>
    public const int TrimThresholdBytes = 128 << 20;

    private static int applied;

    /// <summary>
    /// True once the thresholds are set in this process. False where the C library is not glibc (macOS, Windows, musl):
    /// nothing is changed there.
    /// </summary>
    public static bool Tuned { get; private set; }

    /// <summary>Sets the thresholds once per process; later calls do nothing. Safe to call from any thread.</summary>
    public static void Tune()
    {
        if (Interlocked.Exchange(ref applied, 1) != 0) return;
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            Tuned = mallopt(M_MMAP_THRESHOLD, MmapThresholdBytes) == 1 && mallopt(M_TRIM_THRESHOLD, TrimThresholdBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no mallopt): its allocator is left as it is.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
