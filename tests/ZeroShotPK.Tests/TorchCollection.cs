namespace ZeroShotPK.Tests;

/// <summary>
/// Tests that change libtorch's process-wide settings (thread count) or time torch code: run alone, never beside other
/// torch tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Torch (not parallel)";
}
