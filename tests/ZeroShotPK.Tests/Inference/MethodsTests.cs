using ZeroShotPK.Models.Baselines;
using ZeroShotPK.Inference;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Tests.Inference;

public class MethodsTests
{
    [Fact]
    public void AllMeansEveryMethodThatCanRunWithWhatIsGiven()
    {
        Assert.Equal(["aicmet", "aicmet-nocontext", "aicmet-tta", "aicmet-small", "pff", "pff-tta", "nlme", "population", "node"], Methods.Parse("all", haveCheckpoint: true));
        // Without a checkpoint the checkpoint's AICMET methods cannot run; aicmet-small and pff read their own shipped folders, and
        // the neural ODE and NLME need nothing but the data.
        Assert.Equal(["aicmet-small", "pff", "pff-tta", "nlme", "population", "node"], Methods.Parse("all", haveCheckpoint: false));
        Assert.Equal(["node", "nlme"], Methods.Parse(" NODE, nlme ,node", haveCheckpoint: false));
    }

    [Fact]
    public void UnknownAndEmptyListsAreRejected()
    {
        var unknown = Assert.Throws<ArgumentException>(() => Methods.Parse("nlme,ode", true));
        Assert.Equal("--method: unknown method 'ode' (expected all, aicmet, aicmet-nocontext, aicmet-tta, aicmet-small, pff, pff-tta, nlme, population, node).", unknown.Message);
        var empty = Assert.Throws<ArgumentException>(() => Methods.Parse(" , ", true));
        Assert.Equal("--method: expected one or more of all, aicmet, aicmet-nocontext, aicmet-tta, aicmet-small, pff, pff-tta, nlme, population, node.", empty.Message);
    }

    [Fact]
    public void CreatesTheNeuralOdeWithTheGivenSettings()
    {
        var defaults = Assert.IsType<NeuralOdePredictor>(Methods.Create("node"));
        Assert.Equal("node", defaults.Name);
        Assert.Equal(new NeuralOdeOptions(), defaults.Options);
        var quick = Assert.IsType<NeuralOdePredictor>(Methods.Create("node", node: new NeuralOdeOptions { Iterations = 150 }));
        Assert.Equal(150, quick.Options.Iterations);
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => Methods.Create("node", node: new NeuralOdeOptions { Iterations = 0 }));
        Assert.Equal("Iterations", bad.ParamName);
        var missing = Assert.Throws<ArgumentException>(() => Methods.Create("aicmet"));
        Assert.Equal("method 'aicmet' needs --checkpoint (a pretrained AICMET model).", missing.Message);
    }

    [Fact]
    public void TheAicmetMethodsRefuseAPffCheckpointAndPffFindsItsOwn()
    {
        var pff = ShippedModels.Require(ShippedModels.Pff);
        var ex = Assert.Throws<ArgumentException>(() => Methods.Create("aicmet-tta", pff));
        Assert.Equal($"method 'aicmet-tta' needs an AICMET checkpoint, but '{pff}' is a PFF checkpoint; use --method pff with it.", ex.Message);
        // pff reads a PFF checkpoint when given one, else the shipped one (so --method all with an AICMET checkpoint runs both).
        Assert.Equal(pff, Methods.PffCheckpoint(pff));
        Assert.Equal(pff, Methods.PffCheckpoint(ShippedModels.Require(ShippedModels.Default)));
        Assert.Equal(pff, Methods.PffCheckpoint(null));
    }
}
