using System.Globalization;
using System.Text.Json.Nodes;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Evaluation;

/// <summary>zspk evaluate --shard K/N and zspk merge, run as the user runs them.</summary>
public class ShardMergeTests
{
    private static (int Code, string Output) Zspk(params string[] args) => ZspkProcess.RunFlat(250, args);

    /// <summary>
    /// The lines of a CSV with the SECONDS column blanked: a wall time can never be byte-identical between two runs, so it
    /// is the one column this comparison leaves out (the merge writes the sum of the shards' times there, checked apart).
    /// </summary>
    private static string[] WithoutSeconds(string path)
    {
        var lines = File.ReadAllLines(path);
        int col = Array.IndexOf(lines[0].Split(','), "SECONDS");
        Assert.True(col >= 0, $"{path} has no SECONDS column");
        return lines.Select(l => { var f = l.Split(','); f[col] = "-"; return string.Join(',', f); }).ToArray();
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void MergedShardsEqualTheUnshardedRunByteForByte()
    {
        var root = Path.Combine(Path.GetTempPath(), "zspk-shard-" + Guid.NewGuid().ToString("N"));
        var input = Path.Combine(root, "in");
        Directory.CreateDirectory(input);
        try
        {
            // theophylline (12 individuals) takes the NLME warm-start path: its sub-study fits come from all folds, whatever the shard.
            foreach (var name in new[] { "theophylline", "cefamandole" })
                File.Copy(DataFiles.Path($"data/benchmark/{name}.csv"), Path.Combine(input, name + ".csv"));
            string[] Common(string @out) => ["evaluate", "--benchmark", input, "--method", "population", "--known", "4", "--samples", "200", "--out", @out];
            var full = Path.Combine(root, "full");
            var (code, text) = Zspk([.. Common(full), "--threads", "2"]);
            Assert.True(code == 0, text);
            // Three shards with different thread counts: results depend on neither.
            var shards = Enumerable.Range(0, 3).Select(k => Path.Combine(root, $"shard-{k}")).ToArray();
            for (int k = 0; k < 3; k++)
            {
                (code, text) = Zspk([.. Common(shards[k]), "--shard", $"{k}/3", "--threads", k == 1 ? "2" : "1"]);
                Assert.True(code == 0, text);
                Assert.Contains($"shard {k}/3: ran 6 of 18 (study, held-out individual) items", text);
            }
            var merged = Path.Combine(root, "merged");
            (code, text) = Zspk("merge", shards[2], shards[0], shards[1], "--out", merged);
            Assert.True(code == 0, text);

            // predictions.csv has no timing column: byte-identical.
            foreach (var study in new[] { "theophylline", "cefamandole" })
            {
                Assert.Equal(File.ReadAllBytes(Path.Combine(full, study, "predictions.csv")), File.ReadAllBytes(Path.Combine(merged, study, "predictions.csv")));
                Assert.Equal(WithoutSeconds(Path.Combine(full, study, "summary.csv")), WithoutSeconds(Path.Combine(merged, study, "summary.csv")));
            }
            Assert.Equal(WithoutSeconds(Path.Combine(full, "benchmark.csv")), WithoutSeconds(Path.Combine(merged, "benchmark.csv")));
            Assert.Equal(Directory.GetFiles(full, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(full, f)).Order(),
                Directory.GetFiles(merged, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(merged, f)).Order());
            // Items are numbered file by file (cefamandole.csv first: items 0-5, theophylline 6-17); shard 0 owns every third from 0.
            var manifests = shards.Select(ShardManifest.Read).ToArray();
            Assert.All(manifests, m => Assert.Equal(6, m.ItemsRun));
            var cefFolds = manifests[0].Files[0].Studies[0].Folds;
            var theoFolds = manifests[0].Files[1].Studies[0].Folds;
            var ran = ShardedEvaluation.ReadRows(Path.Combine(shards[0], ShardedEvaluation.RowsFile)).Where(r => r.Role == PredictionRole.Predicted)
                .Select(r => (r.Dataset, r.Id)).Distinct().ToArray();
            Assert.Equal([("cefamandole", cefFolds[0]), ("cefamandole", cefFolds[3]), ("theophylline", theoFolds[0]), ("theophylline", theoFolds[3]),
                ("theophylline", theoFolds[6]), ("theophylline", theoFolds[9])], ran);
            // SECONDS of the merge: the sum of the shards' wall times.
            double sum = manifests.SelectMany(m => m.Seconds).Where(s => s.Study == "theophylline").Sum(s => s.Seconds);
            var row = File.ReadAllLines(Path.Combine(merged, "theophylline", "summary.csv"))[1].Split(',');
            Assert.Equal(sum.ToString("F3", CultureInfo.InvariantCulture), row[5]);
        }
        finally { Directory.Delete(root, true); }
    }

    [Theory]
    [InlineData("default")]
    [InlineData("multidose")]
    public void MergedSimulateShardsEqualTheUnshardedFileByteForByte(string prior)
    {
        var root = Path.Combine(Path.GetTempPath(), "zspk-simshard-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            var full = Path.Combine(root, "studies.csv");
            var (code, text) = Zspk("simulate", "--prior", prior, "--studies", "25", "--seed", "11", "--out", full);
            Assert.True(code == 0, text);
            var shards = Enumerable.Range(0, 3).Select(k => Path.Combine(root, $"shard-{k}.csv")).ToArray();
            for (int k = 0; k < 3; k++)
            {
                (code, text) = Zspk("simulate", "--prior", prior, "--studies", "25", "--seed", "11", "--shard", $"{k}/3", "--out", shards[k]);
                Assert.True(code == 0, text);
            }
            // Studies 0, 3, 6, ... (9 of 25) in shard 0, and the shard's manifest says so.
            Assert.Equal(9, ZeroShotPK.Data.NonmemCsv.ReadStudies(shards[0]).Count);
            Assert.Equal(9, ShardManifest.Read(shards[0]).ItemsRun);
            (code, text) = Zspk("merge", shards[1], shards[2], shards[0], "--out", Path.Combine(root, "merged"));
            Assert.True(code == 0, text);
            Assert.Equal(File.ReadAllBytes(full), File.ReadAllBytes(Path.Combine(root, "merged", "studies.csv")));
            // Shards of another seed are another job (--force: it replaces shard 2 of seed 11).
            (code, text) = Zspk("simulate", "--prior", prior, "--studies", "25", "--seed", "12", "--shard", "2/3", "--out", shards[2], "--force");
            Assert.True(code == 0, text);
            (code, text) = Zspk("merge", shards[0], shards[1], shards[2], "--out", Path.Combine(root, "merged2"));
            Assert.Equal(1, code);
            Assert.Contains("disagree on the arguments", text);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void MergeRefusesIncompleteOrMismatchedShardsInOneSentence()
    {
        var root = Path.Combine(Path.GetTempPath(), "zspk-shardbad-" + Guid.NewGuid().ToString("N"));
        try
        {
            var dirs = Enumerable.Range(0, 3).Select(k => Path.Combine(root, $"s{k}")).ToArray();
            for (int k = 0; k < 3; k++)
            {
                Directory.CreateDirectory(dirs[k]);
                new ShardManifest { Command = "evaluate", Arguments = ["--data", "a.csv"], DataHash = "abc", CodeVersion = "1", Index = k, Count = 3 }.Write(dirs[k]);
                ShardedEvaluation.WriteRows(Path.Combine(dirs[k], ShardedEvaluation.RowsFile), []);
            }
            var @out = Path.Combine(root, "out");
            var (code, text) = Zspk("merge", dirs[0], dirs[2], "--out", @out);
            Assert.Equal(1, code);
            Assert.Contains("shard 1/3 missing; expected all 3 shards, each once.", text);
            (code, text) = Zspk("merge", dirs[0], dirs[1], dirs[2], dirs[1], "--out", @out);
            Assert.Equal(1, code);
            Assert.Contains($"shard 1/3 is given twice ({dirs[1]} and {dirs[1]})", text);
            // A shard of another data file or another build.
            var path = Path.Combine(dirs[2], ShardedEvaluation.ManifestFile);
            var json = JsonNode.Parse(File.ReadAllText(path))!;
            json["dataHash"] = "def";
            File.WriteAllText(path, json.ToJsonString());
            (code, text) = Zspk("merge", dirs[0], dirs[1], dirs[2], "--out", @out);
            Assert.Equal(1, code);
            Assert.Contains($"shard folders {dirs[0]} and {dirs[2]} disagree on the data hash (abc and def); expected the shards of one job.", text);
            json["dataHash"] = "abc"; json["codeVersion"] = "2";
            File.WriteAllText(path, json.ToJsonString());
            (code, text) = Zspk("merge", dirs[0], dirs[1], dirs[2], "--out", @out);
            Assert.Contains("disagree on the code version (1 and 2)", text);
            // A shard that did not finish has no manifest.
            File.Delete(path);
            (code, text) = Zspk("merge", dirs[0], dirs[1], dirs[2], "--out", @out);
            Assert.Equal(1, code);
            Assert.Contains($"{dirs[2]}: no manifest.json; expected a finished shard (a shard writes its manifest last).", text);
            Assert.DoesNotContain("   at ", text);
            Assert.False(Directory.Exists(@out));
            // Bad --shard values name the option.
            (code, text) = Zspk("evaluate", "--data", DataFiles.Path("data/theophylline.csv"), "--method", "population", "--shard", "3/3", "--out", @out);
            Assert.Equal(1, code);
            Assert.Contains("--shard: expected K/N with 0 <= K < N <= 100000 (e.g. 0/4 for the first of four shards), got '3/3'.", text);
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/5", 2, 5)]
    public void ShardParsesAndDealsItemsRoundRobin(string text, int k, int n)
    {
        var shard = Shard.Parse(text);
        Assert.Equal(new Shard(k, n), shard);
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i % n == k).Select(i => (long)i), Enumerable.Range(0, 20).Select(i => (long)i).Where(i => shard.Owns(i)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("-1/3")]
    [InlineData("3/3")]
    [InlineData("0/0")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    public void ShardRefusesWhatIsNotKOverN(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => Shard.Parse(text));
        Assert.StartsWith("--shard: expected K/N", e.Message);
    }
}
