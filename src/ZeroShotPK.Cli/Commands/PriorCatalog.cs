using ZeroShotPK.Priors;

namespace ZeroShotPK.Cli.Commands;

/// <summary>Priors that pretraining and benchmarks can draw synthetic studies from, by name.</summary>
internal static class PriorCatalog
{
    /// <summary>The generator and a hash of its settings for <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown prior name.</exception>
    public static (IStudyGenerator Generator, string Hash) Resolve(string name) =>
        throw new ArgumentException($"--prior: unknown prior '{name}' (the simulation prior has not been merged yet).");
}
