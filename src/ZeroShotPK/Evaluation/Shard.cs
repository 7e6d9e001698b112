using System.Globalization;

namespace ZeroShotPK.Evaluation;

/// <summary>
/// Shard K of N of a long job (<c>--shard K/N</c>): the job's work items are numbered 0, 1, 2, ... in the order the
/// unsharded run does them, and shard K owns the items i with i mod N = K (round robin, so that the items of a large
/// study spread over every shard). An item's seed and result never depend on the shard that runs it, so the shards'
/// outputs merge into exactly the files of one run (<c>zspk merge</c>). A job whose items are drawn in fixed blocks (the
/// diffusion generators sample 4096 individuals per block from one generator) is sharded by block instead: shard K owns
/// the blocks j with j mod N = K, and every item of them.
/// </summary>
/// <param name="Index">K, from 0 to <paramref name="Count"/> - 1.</param>
/// <param name="Count">N, at least 1.</param>
public sealed record Shard(int Index, int Count)
{
    /// <summary>The largest N accepted (a Slurm array is at most a few thousand tasks).</summary>
    public const int MaxCount = 100_000;

    /// <summary>Whether this shard runs work item <paramref name="item"/>.</summary>
    public bool Owns(long item) => item % Count == Index;

    /// <summary>Whether this shard runs work item <paramref name="item"/> of a job done in blocks of <paramref name="blockSize"/> items.</summary>
    public bool Owns(long item, int blockSize) => item / blockSize % Count == Index;

    /// <summary>
    /// Where item <paramref name="item"/> of a job of <paramref name="count"/> shards and blocks of <paramref name="blockSize"/>
    /// lies: its shard and its position among that shard's items (blocks are full except the job's last).
    /// </summary>
    public static (int Shard, long Position) Locate(long item, int count, int blockSize)
    {
        long block = item / blockSize;
        return ((int)(block % count), block / count * blockSize + item % blockSize);
    }

    /// <summary>Items shard <paramref name="index"/> of <paramref name="count"/> owns in a job of <paramref name="total"/> items done in blocks of <paramref name="blockSize"/>.</summary>
    public static long ItemsOf(int index, int count, long total, int blockSize)
    {
        long blocks = (total + blockSize - 1) / blockSize, owned = 0;
        for (long j = index; j < blocks; j += count) owned += Math.Min(blockSize, total - j * blockSize);
        return owned;
    }

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
