using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Inference;

public class SharedPopulationFitTests
{
    [Fact]
    public void NlmeAndPopulationDeclareTheSharedFitAndGetOneFitter()
    {
        // zspk evaluate reports the fitting time once for the predictors that declare the capability (no type tests).
        var predictors = Methods.CreateMany(["population", "nlme", "node"], samples: 10);
        var sharing = predictors.OfType<ISharedPopulationFit>().ToArray();
        Assert.Equal(["population", "nlme"], predictors.Where(p => p is ISharedPopulationFit).Select(p => p.Name));
        Assert.Same(sharing[0].Fitter, sharing[1].Fitter);
        Assert.Equal(0, sharing[0].Fitter.FitCount);
    }
}
