using System.Globalization;

namespace ZeroShotPK.Evaluation;

/// <summary>
/// Shard K of N of a long job (<c>--shard K/N</c>): the job's work items are numbered 0, 1, 2, ... in the order the
/// unsharded run does them, and shard K owns the items i with i mod N = K (round robin, so that the items of a large
/// study spread over every shard). An item's seed and result never depend on the shard that runs it, so the shards'
/// outputs merge into exactly the files of one run (<c>zspk merge</c>).
/// </summary>
/// <param name="Index">K, from 0 to <paramref name="Count"/> - 1.</param>
/// <param name="Count">N, at least 1.</param>
public sealed record Shard(int Index, int Count)
{
    /// <summary>The largest N accepted (a Slurm array is at most a few thousand tasks).</summary>
    public const int MaxCount = 100_000;

    /// <summary>Whether this shard runs work item <paramref name="item"/>.</summary>
    public bool Owns(long item) => item % Count == Index;

    /// <summary>"K/N".</summary>
    public override string ToString() => $"{Index}/{Count}";

    /// <summary>Parses "K/N" as given to <paramref name="option"/>.</summary>
    /// <exception cref="ArgumentException">Not two whole numbers with 0 &lt;= K &lt; N &lt;= <see cref="MaxCount"/>; the message names the option.</exception>
    public static Shard Parse(string text, string option = "--shard")
    {
        var parts = (text ?? "").Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && n <= MaxCount && k < n)
            return new Shard(k, n);
        throw new ArgumentException($"{option}: expected K/N with 0 <= K < N <= {MaxCount} (e.g. 0/4 for the first of four shards), got '{text}'.");
    }
}
