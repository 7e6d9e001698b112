using ZeroShotPK.Torch;

namespace ZeroShotPK.Tests;

/// <summary>
/// Every test class that runs libtorch code joins this collection. xunit runs a collection with parallelization
/// disabled on its own, after the parallel ones, so no other test thread allocates while a torch test is inside a
/// native call. That matters because TorchSharp 0.107 passes temporary Scalars that only a finalizer frees: a garbage
/// collection started by a parallel test could free one mid-call (see src/ZeroShotPK/Torch/TorchScalars.cs), and
/// libtorch's intra-op thread pool is one per process, so parallel torch tests would also share and fight over it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection : ICollectionFixture<TorchThreads>
{
    /// <summary>Name to put in <c>[Collection(TorchCollection.Name)]</c>.</summary>
    public const string Name = "Torch (not parallel)";
}

/// <summary>Sets libtorch's intra-op threads to one, once, before the first torch test (figures then do not depend on the machine's cores).</summary>
public sealed class TorchThreads
{
    /// <summary>Called by xunit once for <see cref="TorchCollection"/>.</summary>
    public TorchThreads() => TorchDevice.SetThreads(1);
}
