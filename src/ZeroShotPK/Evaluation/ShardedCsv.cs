namespace ZeroShotPK.Evaluation;

/// <summary>
/// Merge of shard files whose rows are grouped by item: a header line, then each item's rows in a run of consecutive lines
/// that share their first field (the item's ID), items in the order the shard ran them. <c>zspk pbpk population --shard</c>
/// (one row per individual) and <c>zspk pbpk simulate --population --shard</c> (one row per individual and time) write
/// such files. Item i of the whole job is item i / N of shard i mod N (<see cref="Shard"/>), so the merge puts the lines
/// back in the unsharded run's order, verbatim: the merged file is byte-identical to the one run's file. Shards of a job
/// done in blocks (manifest BlockSize above 1: the diffusion generators) own whole blocks, see <see cref="Shard.Locate"/>.
/// </summary>
public static class ShardedCsv
{
    /// <summary>
    /// Merges shard files <paramref name="shardFiles"/> (each with its manifest, <see cref="ShardManifest.PathOf"/>) of one
    /// job of <paramref name="command"/> into <paramref name="outPath"/>, written atomically.
    /// </summary>
    /// <exception cref="ArgumentException">Shards missing, repeated, unfinished or of different jobs, or a shard file whose
    /// header or number of items does not match the others and its manifest (one sentence naming the file).</exception>
    public static void Merge(IReadOnlyList<string> shardFiles, string command, string outPath)
    {
        var manifests = shardFiles.Select(d => (Dir: d, Manifest: ShardManifest.Read(d))).ToList();
        ShardedEvaluation.CheckComplete(manifests);
        manifests.Sort((a, b) => a.Manifest.Index.CompareTo(b.Manifest.Index));
        var m0 = manifests[0].Manifest;
        if (m0.Command != command) throw new ArgumentException($"zspk merge: {manifests[0].Dir} is a shard of '{m0.Command}'; expected a shard of '{command}'.");
        // Two streaming passes, so that shards of any size merge in constant memory (issue #15): the first checks every
        // header and counts each shard's items, the second interleaves them, an item (a run of rows with one ID) at a time.
        string? header = null;
        var counts = new List<long>(); // per shard: its items
        foreach (var (file, m) in manifests)
        {
            if (!File.Exists(file)) throw new ArgumentException($"zspk merge: {file}: not a file; expected the CSV file a shard of '{command}' writes.");
            using var reader = new StreamReader(file);
            var first = reader.ReadLine() ?? throw new ArgumentException($"zspk merge: {file} is empty; expected a header line and the shard's rows.");
            if (header is null) header = first;
            else if (first != header) throw new ArgumentException($"zspk merge: {file} has the header '{first}'; expected '{header}' as in {manifests[0].Dir}.");
            long items = 0;
            string? key = null;
            while (reader.ReadLine() is { } line)
            {
                var k = Key(line);
                if (items > 0 && k == key) continue;
                items++;
                key = k;
            }
            if (items != m.ItemsRun) throw new ArgumentException($"zspk merge: {file} has {items} items (runs of rows with one ID); its manifest says {m.ItemsRun}.");
            counts.Add(items);
        }
        long total = m0.Items;
        int n = counts.Count, block = m0.BlockSize;
        if (block < 1) throw new ArgumentException($"zspk merge: {manifests[0].Dir} gives block size {block}; expected a positive number.");
        var expected = Enumerable.Range(0, n).Select(k => Shard.ItemsOf(k, n, total, block)).ToArray();
        var wrong = Enumerable.Range(0, n).FirstOrDefault(k => counts[k] != expected[k], -1);
        if (wrong >= 0) throw new ArgumentException($"zspk merge: {manifests[wrong].Dir} has {counts[wrong]} items; shard {wrong}/{n} of {total} items should have {expected[wrong]}.");
        Data.AtomicFile.Write(outPath, tmp =>
        {
            var readers = manifests.Select(x => new StreamReader(x.Dir)).ToArray();
            try
            {
                // Each shard's next unwritten line (the first of its next item); Locate visits a shard's items in order.
                var next = readers.Select(r => { r.ReadLine(); return r.ReadLine(); }).ToArray();
                // The default line ending, as the commands that write these files use.
                using var w = new StreamWriter(tmp, false, new System.Text.UTF8Encoding(false));
                w.WriteLine(header);
                for (long i = 0; i < total; i++)
                {
                    var (k, _) = Shard.Locate(i, n, block);
                    var line = next[k] ?? throw new ArgumentException($"zspk merge: {manifests[k].Dir} ended early (it changed during the merge); expected {expected[k]} items.");
                    var key = Key(line);
                    do w.WriteLine(line);
                    while ((line = readers[k].ReadLine()) is not null && Key(line) == key);
                    next[k] = line;
                }
            }
            finally
            {
                foreach (var r in readers) r.Dispose();
            }
        });
    }

    private static string Key(string line)
    {
        var comma = line.IndexOf(',');
        return comma < 0 ? line : line[..comma];
    }
}
