using TorchSharp;

namespace ZeroShotPK.Torch;

/// <summary>Which device a TorchSharp computation runs on, as chosen by <c>--device auto|cpu|cuda</c>.</summary>
public enum DeviceChoice
{
    /// <summary>CUDA when this process has a CUDA libtorch and a GPU, else CPU.</summary>
    Auto,
    /// <summary>Always the CPU.</summary>
    Cpu,
    /// <summary>CUDA; fails with a clear message when it is not available.</summary>
    Cuda,
}

/// <summary>Resolves a <see cref="DeviceChoice"/> to a TorchSharp device.</summary>
public static class TorchDevice
{
    /// <summary>Parses <c>auto</c>, <c>cpu</c> or <c>cuda</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other text; the message names the accepted values.</exception>
    public static DeviceChoice Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => DeviceChoice.Auto,
        "cpu" => DeviceChoice.Cpu,
        "cuda" or "gpu" => DeviceChoice.Cuda,
        _ => throw new ArgumentException($"--device: expected auto, cpu or cuda, got '{text}'.", nameof(text)),
    };

    /// <summary>The device to use for <paramref name="choice"/>.</summary>
    /// <exception cref="InvalidOperationException">CUDA was asked for but this process's libtorch has none.</exception>
    public static torch.Device Resolve(DeviceChoice choice)
    {
        NativeAllocator.Tune();
        switch (choice)
        {
            case DeviceChoice.Cpu:
                return torch.CPU;
            case DeviceChoice.Cuda:
                if (!torch.cuda.is_available())
                    throw new InvalidOperationException(
                        "--device cuda: CUDA is not available in this process. The default build uses the CPU libtorch; " +
                        "rebuild with -p:TorchBackend=cuda (see docs/internals.md, GPU) on a machine with an NVIDIA driver.");
                return torch.CUDA;
            default:
                return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        }
    }

    /// <summary>Most threads any <c>--threads</c> accepts: a fixed bound, so that a command line means the same on every machine.</summary>
    public const int MaxThreads = 256;

    /// <summary>Caps libtorch's intra-op threads (notebooks and CI share small machines).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 1 or more than <see cref="MaxThreads"/>.</exception>
    public static void SetThreads(int threads)
    {
        if (threads is < 1 or > MaxThreads)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"threads: expected 1 to {MaxThreads}, got {threads}.");
        NativeAllocator.Tune();
        torch.set_num_threads(threads);
    }
}
