using ZeroShotPK.Evaluation;
using ZeroShotPK.Pbpk;

namespace ZeroShotPK.Tests.Evaluation;

/// <summary>zspk pbpk population --shard K/N and zspk pbpk simulate --population --shard K/N, merged with zspk merge, run as the user runs them.</summary>
public class PbpkShardMergeTests
{
    private static (int Code, string Output) Zspk(params string[] args) => ZspkProcess.RunFlat(250, args);

    private static string NewRoot(string tag)
    {
        var root = Path.Combine(Path.GetTempPath(), $"zspk-{tag}-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        return root;
    }

    [Fact]
    public void ReferenceSamplerDrawsAnyIndexAsTheFullSampleDoes()
    {
        var sampler = ReferencePopulation.For(Species.Human);
        var full = sampler.Sample(30, 7);
        int[] owned = [2, 9, 16, 23];
        var part = sampler.Sample(owned, 7);
        Assert.Equal(owned.Select(i => full[i].ToVector()), part.Select(p => p.ToVector()));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample([-1], 7));
    }

    [Fact]
    public void MergedPopulationAndProfileShardsEqualTheUnshardedFilesByteForByte()
    {
        var root = NewRoot("pbpkshard");
        try
        {
            // pbpk population: 3 shards of 40 individuals, with different --threads, merged in another order.
            var full = Path.Combine(root, "population.csv");
            var (code, text) = Zspk("pbpk", "population", "--species", "dog", "-n", "40", "--seed", "5", "--out", full);
            Assert.True(code == 0, text);
            var shards = Enumerable.Range(0, 3).Select(k => Path.Combine(root, $"pop-{k}.csv")).ToArray();
            for (int k = 0; k < 3; k++)
            {
                (code, text) = Zspk("pbpk", "population", "--species", "dog", "-n", "40", "--seed", "5", "--shard", $"{k}/3", "--threads", k == 1 ? "2" : "1", "--out", shards[k]);
                Assert.True(code == 0, text);
            }
            // Shard 1 owns individuals 1, 4, 7, ... (IDs 2, 5, 8, ...): 13 of 40.
            var ids = File.ReadAllLines(shards[1]).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToArray();
            Assert.Equal(Enumerable.Range(0, 40).Where(i => i % 3 == 1).Select(i => i + 1), ids);
            var manifest = ShardManifest.Read(shards[1]);
            Assert.Equal(("pbpk population", 1, 3, 40L, 13L), (manifest.Command, manifest.Index, manifest.Count, manifest.Items, manifest.ItemsRun));
            Assert.Equal(["--species", "dog", "-n", "40", "--seed", "5"], manifest.Arguments);
            var merged = Path.Combine(root, "merged");
            (code, text) = Zspk("merge", shards[2], shards[0], shards[1], "--out", merged);
            Assert.True(code == 0, text);
            Assert.Equal(File.ReadAllBytes(full), File.ReadAllBytes(Path.Combine(merged, "population.csv")));

            // pbpk simulate over that population: 2 shards of individuals (13 time rows each).
            string[] Sim(string @out) => ["pbpk", "simulate", "--species", "dog", "--compound", "theophylline", "--dose", "100", "--route", "iv", "--end", "6", "--step", "0.5", "--population", full, "--out", @out];
            var profiles = Path.Combine(root, "profiles.csv");
            (code, text) = Zspk(Sim(profiles));
            Assert.True(code == 0, text);
            var lines = File.ReadAllLines(profiles);
            Assert.Equal(1 + 40 * 13, lines.Length);
            Assert.StartsWith("ID,Time_h,Cp_mg_per_L,", lines[0]);
            Assert.StartsWith("40,6,", lines[^1]);
            var pshards = Enumerable.Range(0, 2).Select(k => Path.Combine(root, $"prof-{k}.csv")).ToArray();
            for (int k = 0; k < 2; k++)
            {
                (code, text) = Zspk([.. Sim(pshards[k]), "--shard", $"{k}/2"]);
                Assert.True(code == 0, text);
            }
            Assert.Equal(20 * 13 + 1, File.ReadAllLines(pshards[0]).Length);
            Assert.StartsWith("3,0,", File.ReadAllLines(pshards[0])[14]);
            // Another folder: merged/ holds the population merge, and zspk never writes over it without --force.
            var mergedProfiles = Path.Combine(root, "merged-profiles");
            (code, text) = Zspk("merge", pshards[1], pshards[0], "--out", mergedProfiles);
            Assert.True(code == 0, text);
            Assert.Equal(File.ReadAllBytes(profiles), File.ReadAllBytes(Path.Combine(mergedProfiles, "profiles.csv")));

            // The same command line on a population file that changed between shards is another job (the data hash).
            File.Copy(shards[0], full, overwrite: true);
            (code, text) = Zspk([.. Sim(pshards[1]), "--shard", "1/2", "--force"]);
            Assert.True(code == 0, text);
            (code, text) = Zspk("merge", pshards[0], pshards[1], "--out", Path.Combine(root, "m2"));
            Assert.Equal(1, code);
            Assert.Contains($"zspk merge: shard folders {pshards[0]} and {pshards[1]} disagree on the data hash (", text);
            Assert.False(Directory.Exists(Path.Combine(root, "m2")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void DiffusionShardsOwnWholeBlocksAndMergeToTheUnshardedFileByteForByte()
    {
        var root = NewRoot("ddpmshard");
        try
        {
            // 4100 individuals are two blocks (4096 + 4): shard 0/2 draws the first, 1/2 the second from its own generator.
            string[] Pop(string @out) => ["pbpk", "population", "--species", "rat", "--method", "ddpm", "-n", "4100", "--seed", "3", "--threads", "1", "--out", @out];
            var full = Path.Combine(root, "population.csv");
            var (code, text) = Zspk(Pop(full));
            Assert.True(code == 0, text);
            var shards = Enumerable.Range(0, 2).Select(k => Path.Combine(root, $"pop-{k}.csv")).ToArray();
            for (int k = 0; k < 2; k++)
            {
                (code, text) = Zspk([.. Pop(shards[k]), "--shard", $"{k}/2"]);
                Assert.True(code == 0, text);
            }
            var ids = File.ReadAllLines(shards[1]).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToArray();
            Assert.Equal(Enumerable.Range(4097, 4), ids);
            var manifest = ShardManifest.Read(shards[1]);
            Assert.Equal((4100L, 4L, 4096), (manifest.Items, manifest.ItemsRun, manifest.BlockSize));
            var merged = Path.Combine(root, "merged");
            (code, text) = Zspk("merge", shards[1], shards[0], "--out", merged);
            Assert.True(code == 0, text);
            Assert.Equal(File.ReadAllBytes(full), File.ReadAllBytes(Path.Combine(merged, "population.csv")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void BlockShardsLocateEveryItemOnceInOrder()
    {
        // 11 items in blocks of 3 (3, 3, 3, 2) over 2 shards: shard 0 owns blocks 0 and 2, shard 1 blocks 1 and 3.
        Assert.Equal([6L, 5L], new[] { 0, 1 }.Select(k => Shard.ItemsOf(k, 2, 11, 3)));
        Assert.Equal([(0, 0L), (0, 2L), (1, 0L), (0, 3L), (0, 5L), (1, 3L), (1, 4L)],
            new long[] { 0, 2, 3, 6, 8, 9, 10 }.Select(i => Shard.Locate(i, 2, 3)));
        Assert.Equal([0L, 1, 2, 6, 7, 8], Enumerable.Range(0, 11).Select(i => (long)i).Where(i => new Shard(0, 2).Owns(i, 3)));
        // Block size 1 is the round robin.
        Assert.Equal([4L, 4L, 3L], new[] { 0, 1, 2 }.Select(k => Shard.ItemsOf(k, 3, 11, 1)));
        Assert.Equal((2, 1L), Shard.Locate(5, 3, 1));
    }

    [Fact]
    public void PbpkShardsAndTheirMergeRefuseInOneSentence()
    {
        var root = NewRoot("pbpkshardbad");
        try
        {
            var shards = Enumerable.Range(0, 3).Select(k => Path.Combine(root, $"pop-{k}.csv")).ToArray();
            for (int k = 0; k < 3; k++)
            {
                var (c, t) = Zspk("pbpk", "population", "-n", "10", "--seed", "2", "--shard", $"{k}/3", "--out", shards[k]);
                Assert.True(c == 0, t);
            }
            var @out = Path.Combine(root, "merged");
            var (code, text) = Zspk("merge", shards[0], shards[2], "--out", @out);
            Assert.Equal(1, code);
            Assert.Contains("zspk merge: shard 1/3 missing; expected all 3 shards, each once.", text);
            (code, text) = Zspk("merge", shards[0], shards[1], shards[2], shards[0], "--out", @out);
            Assert.Equal(1, code);
            Assert.Contains($"zspk merge: shard 0/3 is given twice ({shards[0]} and {shards[0]}); expected each shard once.", text);
            // A shard cut short (a row lost) no longer matches its manifest.
            var lines = File.ReadAllLines(shards[1]);
            File.WriteAllLines(shards[1], lines[..^1]);
            (code, text) = Zspk("merge", shards[0], shards[1], shards[2], "--out", @out);
            Assert.Equal(1, code);
            Assert.Contains($"zspk merge: {shards[1]} has 2 items (runs of rows with one ID); its manifest says 3.", text);
            // A shard still running (or killed) has no manifest yet.
            File.Delete(ShardManifest.PathOf(shards[1]));
            (code, text) = Zspk("merge", shards[0], shards[1], shards[2], "--out", @out);
            Assert.Equal(1, code);
            Assert.Contains($"{shards[1]}: no {Path.GetFileName(shards[1])}.manifest.json; expected a finished shard (a shard writes its manifest last).", text);
            Assert.DoesNotContain("   at ", text);
            Assert.False(Directory.Exists(@out));

            // Options that cannot shard (into a new file: an existing one would be refused first).
            var fresh = Path.Combine(root, "fresh.csv");
            (code, text) = Zspk("pbpk", "population", "-n", "10", "--method", "ddpm", "--shard", "0/2", "--out", fresh);
            Assert.Equal(1, code);
            Assert.Contains("--shard 0/2: ddpm draws blocks of 4096 individuals, and --count 10 makes 1; N must be at most 1, so that every shard has a block.", text);
            (code, text) = Zspk("pbpk", "population", "-n", "10", "--method", "pcdm", "--retrain", "--shard", "0/1", "--out", fresh);
            Assert.Equal(1, code);
            Assert.Contains("--shard: not with --retrain (every shard would train its own generator); retrain once, then shard the sampling with --checkpoint.", text);
            (code, text) = Zspk("pbpk", "population", "-n", "10", "--report", "--shard", "0/2", "--out", fresh);
            Assert.Equal(1, code);
            Assert.Contains("--shard: not with --report (the report needs the whole population); run --report without --shard.", text);
            (code, text) = Zspk("pbpk", "population", "-n", "3", "--shard", "0/4", "--out", fresh);
            Assert.Equal(1, code);
            Assert.Contains("--shard 0/4: N must be at most --count (3), so that every shard has an individual.", text);
            (code, text) = Zspk("pbpk", "simulate", "--compound", "theophylline", "--dose", "300", "--shard", "0/2", "--out", Path.Combine(root, "x.csv"));
            Assert.Equal(1, code);
            Assert.Contains("--shard: needs --population (the individuals to split); one reference individual is a single simulation.", text);
            (code, text) = Zspk("pbpk", "simulate", "--compound", "theophylline", "--dose", "300", "--population", shards[2], "--shard", "0/4", "--out", Path.Combine(root, "x.csv"));
            Assert.Equal(1, code);
            Assert.Contains($"--shard 0/4: N must be at most the 3 individuals of {shards[2]}, so that every shard has one.", text);
            File.WriteAllText(Path.Combine(root, "bad.csv"), "ID,BodyWeight_kg\n1,70\n");
            (code, text) = Zspk("pbpk", "simulate", "--compound", "theophylline", "--dose", "300", "--population", Path.Combine(root, "bad.csv"), "--out", Path.Combine(root, "x.csv"));
            Assert.Equal(1, code);
            Assert.Contains("--population: ", text);
            Assert.Contains("bad.csv, line 1: expected the header of 'zspk pbpk population'", text);
            Assert.DoesNotContain("   at ", text);
            Assert.False(File.Exists(Path.Combine(root, "x.csv")));
            // A folder is named as a folder, not as a missing file.
            (code, text) = Zspk("pbpk", "simulate", "--compound", "theophylline", "--dose", "300", "--population", root, "--out", Path.Combine(root, "x.csv"));
            Assert.Equal(1, code);
            Assert.Contains($"--population: {root} is a folder; expected a CSV written by 'zspk pbpk population'.", text);
        }
        finally { Directory.Delete(root, true); }
    }
}
