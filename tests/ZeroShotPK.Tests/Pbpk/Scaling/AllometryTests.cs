using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Scaling;

namespace ZeroShotPK.Tests.Pbpk.Scaling;

public class AllometryTests
{
    private static readonly double[] Bw = [0.025, 0.25, 5, 10];

    [Fact]
    public void Fit_RecoversExponentAndCoefficientOfPowerLawData()
    {
        var y = Bw.Select(w => 3.2 * Math.Pow(w, 0.68)).ToArray();
        var fit = Allometry.Fit(Bw, y);
        Assert.Equal(0.68, fit.Exponent, 1e-12);
        Assert.Equal(3.2, fit.Coefficient, 1e-11);
        Assert.Equal(3.2 * Math.Pow(73, 0.68), fit.At(73), 1e-9);
    }

    [Fact]
    public void Fit_IsLeastSquaresOnLogs()
    {
        // log10 BW = 0, 1, 2 and log10 y = 0, 1.5, 2: slope (2 - 0) / 2 = 1, intercept mean(y) - 1 x mean(x) = 3.5/3 - 1.
        var fit = Allometry.Fit([1, 10, 100], [1, Math.Pow(10, 1.5), 100]);
        Assert.Equal(1.0, fit.Exponent, 1e-12);
        Assert.Equal(Math.Pow(10, 3.5 / 3 - 1), fit.Coefficient, 1e-12);
    }

    [Fact]
    public void FixedExponent_IsGeometricMeanOfNormalisedValues()
    {
        // y / BW^0.75 = 2 / 1 and 8 / 16^0.75 = 1: coefficient sqrt(2 x 1).
        var fit = Allometry.FitFixedExponent([1, 16], [2, 8], 0.75);
        Assert.Equal(Math.Sqrt(2), fit.Coefficient, 1e-12);
        Assert.Equal(0.75, fit.Exponent);
        Assert.Equal(10 * Math.Pow(73 / 0.25, 0.75), Allometry.SingleSpecies(10, 0.25, 73, 0.75), 1e-9);
        Assert.Equal(2.0 * 73 / 10, Allometry.SingleSpecies(2, 10, 73, 1), 1e-12);
    }

    private static SpeciesDescriptor D(double bw, double brain) => new(Species.Rat, bw, brain, 1, 1, 1, 1, 0.45, 1);

    [Fact]
    public void RuleOfExponents_ChoosesTheCorrectionByExponentBand()
    {
        SpeciesDescriptor[] animals = [D(1, 0.01), D(10, 0.08), D(100, 0.5)];
        var human = D(1000, 1.4);
        // CL 1, 12, 200: b = (log10 200 - 0) / 2 = 1.15, the brain-weight band. CL x BrW = 0.01, 0.96, 100:
        // slope (2 - (-2)) / 2 = 2, intercept mean(-2, log10 0.96, 2) - 2; prediction at 1000 kg divided by 1.4 kg.
        var r = Allometry.RuleOfExponents(animals, [1, 12, 200], human);
        Assert.Equal(ExponentRule.BrainWeight, r.Rule);
        Assert.Equal(Math.Log10(200) / 2, r.Exponent, 1e-12);
        Assert.Equal(Math.Pow(10, Math.Log10(0.96) / 3 - 2 + 2 * 3) / 1.4, r.Prediction, 1e-9);

        // b = 0.85: CL x MLP, MLP = 185.4 BrW^0.636 BW^-0.225.
        double[] cl = [1, Math.Pow(10, 0.85), Math.Pow(10, 1.7)];
        r = Allometry.RuleOfExponents(animals, cl, human);
        Assert.Equal(ExponentRule.MaximumLifeSpan, r.Rule);
        var mlp = animals.Select(a => 185.4 * Math.Pow(a.BrainWeight, 0.636) * Math.Pow(a.BodyWeight, -0.225)).ToArray();
        var expected = Allometry.Fit([1, 10, 100], cl.Zip(mlp, (c, m) => c * m).ToArray()).At(1000) / human.MaximumLifeSpan;
        Assert.Equal(expected, r.Prediction, 1e-9);
        Assert.NotEqual(Math.Pow(10, 0.85 * 3), r.Prediction, 1e-3); // differs from simple allometry

        // b = 0.6: simple allometry; b = 0.4 and 1.5 are flagged.
        r = Allometry.RuleOfExponents(animals, [1, Math.Pow(10, 0.6), Math.Pow(10, 1.2)], human);
        Assert.Equal(ExponentRule.Simple, r.Rule);
        Assert.Equal(Math.Pow(10, 1.8), r.Prediction, 1e-9);
        Assert.Equal(ExponentRule.LowExponent, Allometry.RuleOfExponents(animals, [1, Math.Pow(10, 0.4), Math.Pow(10, 0.8)], human).Rule);
        Assert.Equal(ExponentRule.TooSteep, Allometry.RuleOfExponents(animals, [1, Math.Pow(10, 1.5), 1000], human).Rule);
    }

    [Fact]
    public void FoldErrorSummary_MatchesHandComputedValues()
    {
        Assert.Equal(2.0, FoldErrorSummary.FoldError(1, 2));
        Assert.Equal(2.5, FoldErrorSummary.FoldError(5, 2));
        // log10 ratios 0.30103, -0.30103, 1: AAFE 10^(1.60206/3), AFE 10^(1/3); fold errors 2, 2, 10.
        var s = FoldErrorSummary.Of([2, 1, 10], [1, 2, 1]);
        Assert.Equal(3, s.Count);
        Assert.Equal(Math.Pow(10, (2 * Math.Log10(2) + 1) / 3), s.Aafe, 1e-12);
        Assert.Equal(Math.Pow(10, 1.0 / 3), s.Afe, 1e-12);
        Assert.Equal(2.0 / 3, s.Within2Fold, 1e-12);
        Assert.Equal(2.0 / 3, s.Within3Fold, 1e-12);
        Assert.Equal(1.0, FoldErrorSummary.Of([3, 1], [1, 3]).Within3Fold);
        Assert.Equal(0.0, FoldErrorSummary.Of([3.01], [1]).Within3Fold);
    }

    [Fact]
    public void PairedAafeRatio_MatchesHandComputedValues()
    {
        // |log10| errors A: 0.30103, 0, 0.30103; B: 0.60206, 0.30103, 0.30103 -> differences -0.30103, -0.30103, 0.
        var (ratio, lo, hi) = FoldErrorSummary.PairedAafeRatio([2, 1, 0.5], [4, 2, 2], [1, 1, 1]);
        var l2 = Math.Log10(2);
        var m = -2 * l2 / 3;
        var se = Math.Sqrt((2 * Math.Pow(l2 / 3, 2) + Math.Pow(2 * l2 / 3, 2)) / 2 / 3);
        Assert.Equal(Math.Pow(10, m), ratio, 1e-12);
        Assert.Equal(Math.Pow(10, m - 1.959964 * se), lo, 1e-12);
        Assert.Equal(Math.Pow(10, m + 1.959964 * se), hi, 1e-12);
        Assert.Equal(0.63, ratio, 0.01);
        Assert.Equal("observed: at least two compounds are needed for an interval. (Parameter 'observed')",
            Assert.Throws<ArgumentException>(() => FoldErrorSummary.PairedAafeRatio([1.0], [1.0], [1.0])).Message);
    }

    [Fact]
    public void BadInput_NamesTheValue()
    {
        Assert.Equal("observed = 0: expected a finite value > 0. (Parameter 'observed')", Assert.Throws<ArgumentException>(() => FoldErrorSummary.FoldError(1, 0)).Message);
        Assert.Equal("values: at least 2 species needed, got 1. (Parameter 'values')", Assert.Throws<ArgumentException>(() => Allometry.Fit([1.0], [2.0])).Message);
        Assert.Equal("values[1] = -1: expected a finite value > 0 (allometry works on logs). (Parameter 'values')", Assert.Throws<ArgumentException>(() => Allometry.Fit([1, 2], [1, -1])).Message);
        Assert.StartsWith("animals: the rule of exponents needs at least 3 species, got 2.", Assert.Throws<ArgumentException>(() => Allometry.RuleOfExponents([D(1, 1), D(2, 1)], [1, 2], D(70, 1))).Message);
        Assert.StartsWith("bodyWeights: at least two different body weights", Assert.Throws<ArgumentException>(() => Allometry.Fit([5, 5], [1, 2])).Message);
    }

    [Fact]
    public void SpeciesDescriptors_ComeFromThePhysiologyTableAndHttkGfr()
    {
        var h = SpeciesDescriptor.Of(Species.Human);
        var p = PhysiologyTable.Load(Species.Human).Reference();
        Assert.Equal((73.0, p.Volume(Tissue.Liver), p.Flow(Tissue.Liver), p.Volume(Tissue.Brain)), (h.BodyWeight, h.LiverVolume, h.LiverBloodFlow, h.BrainWeight));
        // httk: 5.165 mL/min/kg^0.75 -> 125 mL/min at 70 kg.
        Assert.Equal(5.165 * Math.Pow(73, 0.75) * 0.06, h.Gfr, 1e-12);
        Assert.Equal(125.0, 5.165 * Math.Pow(70, 0.75), 0.5);
        // Sacher: human brain 1.45 kg, 73 kg -> MLP about 93 years.
        Assert.Equal(185.4 * Math.Pow(h.BrainWeight, 0.636) * Math.Pow(73, -0.225), h.MaximumLifeSpan, 1e-9);
        Assert.InRange(h.MaximumLifeSpan, 85, 100);
        // Continuous descriptors: a power law through the five species, so the rat's weight gives a value near the rat's.
        var rat = SpeciesDescriptor.Of(Species.Rat);
        var atRat = SpeciesDescriptor.AtBodyWeight(rat.BodyWeight);
        Assert.Equal(rat.BodyWeight, atRat.BodyWeight);
        Assert.InRange(atRat.LiverBloodFlow / rat.LiverBloodFlow, 0.6, 1.6);
        Assert.Throws<ArgumentOutOfRangeException>(() => SpeciesDescriptor.AtBodyWeight(0));
    }
}
