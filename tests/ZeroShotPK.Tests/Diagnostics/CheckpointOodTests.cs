using ZeroShotPK.Data;
using ZeroShotPK.Evaluation.Diagnostics;
using ZeroShotPK.Tests.Data;
using ZeroShotPK.Tests.Training;

namespace ZeroShotPK.Tests.Diagnostics;

/// <summary>The out-of-distribution check that zspk predict runs before a zero-shot prediction.</summary>
[Collection(TorchCollection.Name)]
public class CheckpointOodTests
{
    private static readonly OodReference Reference = OodReference.ForCheckpoint(ShippedCheckpointTests.Directory);

    [Fact]
    public void TheophyllineIsInsideTheShippedCheckpointsTrainingPrior()
    {
        var report = Reference.Check(NonmemCsv.ReadStudy(DataFiles.Path("data/theophylline.csv")));
        Assert.False(report.IsOutOfDistribution, report.ToString());
        Assert.Equal(128, Reference.StudyCount);
    }

    [Fact]
    public void IndometacinsDoseNormalisedPeakIsFlaggedAboveTheTrainingRange()
    {
        // Notebook 01 finds indometacin's Cmax/dose at the edge of the default prior's IV bolus studies.
        var report = Reference.Check(NonmemCsv.ReadStudy(DataFiles.Path("data/indometacin.csv")));
        Assert.True(report.IsOutOfDistribution);
        Assert.Contains(report.Reasons, r => r.Message.Contains("Cmax/dose") && r.Message.Contains("above the training range"));
    }

    [Fact]
    public void ACheckpointWithoutHeldOutStudiesSaysWhatIsMissing()
    {
        var dir = Directory.CreateTempSubdirectory("zspk-ood-").FullName;
        try
        {
            var ex = Assert.Throws<FileNotFoundException>(() => OodReference.ForCheckpoint(dir));
            Assert.Equal($"{Path.Combine(dir, "validation.csv")}: no held-out studies beside the checkpoint, so no out-of-distribution reference.", ex.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
