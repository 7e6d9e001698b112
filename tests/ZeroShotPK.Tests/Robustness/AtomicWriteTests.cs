using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Priors;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Tests.Robustness;

/// <summary>A write that fails at the rename (the target is a folder) leaves the target alone and no temporary file behind.</summary>
public sealed class AtomicWriteTests : IDisposable
{
    private readonly string dir = Hostile.TempFolder();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Blocked(string name)
    {
        var target = Path.Combine(dir, name);
        Directory.CreateDirectory(target); // a folder where the file should go: the final rename fails
        return target;
    }

    private void AssertNoTemporaryFiles() =>
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));

    [Fact]
    public void EvaluationCsvLeavesNoTemporaryFile()
    {
        var target = Blocked("summary.csv");
        Assert.ThrowsAny<IOException>(() => EvaluationCsv.WriteAtomic(target, "A,B\n1,2\n"));
        Assert.True(Directory.Exists(target));
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void WriteLinesEndsEachLineWithoutAByteOrderMarkAndAFailingEnumerationKeepsTheOldFile()
    {
        var target = Path.Combine(dir, "table.csv");
        AtomicFile.WriteLines(target, ["A,B", "1,2"]);
        Assert.Equal("A,B" + Environment.NewLine + "1,2" + Environment.NewLine, File.ReadAllText(target));
        Assert.Equal((byte)'A', File.ReadAllBytes(target)[0]);

        static IEnumerable<string> Failing()
        {
            yield return "C,D";
            throw new InvalidOperationException("row 2 cannot be computed");
        }
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteLines(target, Failing()));
        Assert.Equal("A,B" + Environment.NewLine + "1,2" + Environment.NewLine, File.ReadAllText(target));
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void CheckpointWritesLeaveNoTemporaryFile()
    {
        var target = Blocked("manifest.json");
        Assert.ThrowsAny<IOException>(() => Checkpoint.WriteAtomic(target, tmp => File.WriteAllText(tmp, "{}")));
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void PriorFilesLeaveNoTemporaryFile()
    {
        var target = Blocked("prior.json");
        Assert.ThrowsAny<IOException>(() => PriorFile.Write(target, PriorFile.Builtin("default")));
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void AWriterThatFailsMidwayLeavesTheOldFileWholeAndNoTemporaryFile()
    {
        var target = Path.Combine(dir, "sub", "data.csv");
        AtomicFile.WriteAllText(target, "old\n");                 // creates the folder too
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(target, tmp =>
        {
            File.WriteAllText(tmp, "half of the ne");
            throw new InvalidOperationException("disk gone");
        }));
        Assert.Equal("old\n", File.ReadAllText(target));
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void ConcurrentWritersOfOneFileNeverShareATemporaryFile()
    {
        var target = Path.Combine(dir, "shared.txt");
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 16, i => AtomicFile.Write(target, tmp => { seen.Add(tmp); File.WriteAllText(tmp, $"writer {i}"); }));
        Assert.Equal(16, seen.Distinct().Count());
        Assert.All(seen, t => Assert.Equal(dir, Path.GetDirectoryName(t)));
        Assert.Matches("^writer [0-9]+$", File.ReadAllText(target));
        AssertNoTemporaryFiles();
    }
}
