using ZeroShotPK.Evaluation;
using ZeroShotPK.Priors;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Training;

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
}
