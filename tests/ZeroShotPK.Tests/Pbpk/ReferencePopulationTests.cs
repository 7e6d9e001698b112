using ZeroShotPK.Pbpk;

namespace ZeroShotPK.Tests.Pbpk;

/// <summary>The adipose-remainder sampler of the human table (issue #8, fourth pass).</summary>
public class ReferencePopulationTests
{
    private static readonly PhysiologyTable Human = PhysiologyTable.Load(Species.Human);
    private static readonly Lazy<Physiology[]> Population = new(() => new ReferencePopulation(Human).Sample(20000, 1));

    private static double LogSd(IEnumerable<double> values)
    {
        var x = values.Select(v => Math.Log(v)).ToArray();
        return MathNet.Numerics.Statistics.Statistics.StandardDeviation(x);
    }

    [Fact]
    public void FatFreeMass_IsJanmahasatian()
    {
        // 9270 x 73 / (6680 + 216 x 73 / 1.76^2) = 676710 / 11770.4 = 57.49 kg; elasticity 6680 / 11770.4.
        Assert.Equal(57.492, BodyComposition.FatFreeMass(73, 176), 1e-3);
        Assert.Equal(0.56752, BodyComposition.FatFreeMassWeightElasticity(73, 176), 1e-5);
        // The elasticity is the derivative: compare with a central difference in log weight.
        var d = (Math.Log(BodyComposition.FatFreeMass(73 * 1.001, 176)) - Math.Log(BodyComposition.FatFreeMass(73 / 1.001, 176))) / (2 * Math.Log(1.001));
        Assert.Equal(d, BodyComposition.FatFreeMassWeightElasticity(73, 176), 1e-6);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BodyComposition.FatFreeMass(0, 176));
        Assert.StartsWith("body weight must be > 0 kg.", e.Message);
    }

    [Fact]
    public void HumanTable_UsesTheRemainderModelAndOtherSpeciesDoNot()
    {
        Assert.Equal(VolumeModel.AdiposeRemainder, Human.VolumeModel);
        Assert.Equal(176, Human.Height!.Value);
        foreach (var s in new[] { Species.Rat, Species.Mouse, Species.Dog, Species.Monkey })
        {
            var t = PhysiologyTable.Load(s);
            Assert.Equal(VolumeModel.RenormalisedFractions, t.VolumeModel);
            // Renormalised tables keep their own per-kg spread.
            Assert.All(Tissues.All, x => Assert.Equal(t.VolumeFractions[(int)x].LogSd, t.VolumePerKgLogSd(x), 12));
        }
        // log BW = 2 log H + log BMI: the BMI SD leaves the tabulated body-weight SD.
        Assert.Equal(Human.BodyWeight.LogSd * Human.BodyWeight.LogSd, 4 * Human.Height.LogSd * Human.Height.LogSd + Human.BmiLogSd * Human.BmiLogSd, 12);
        // Per-kg spread: brain (no covariate) carries the whole body-weight SD; Rest (on body weight) only its own CV.
        var brain = Human.VolumeFractions[(int)Tissue.Brain].LogSd;
        Assert.Equal(Math.Sqrt(brain * brain + Human.BodyWeight.LogSd * Human.BodyWeight.LogSd), Human.VolumePerKgLogSd(Tissue.Brain), 12);
        Assert.Equal(Human.VolumeFractions[(int)Tissue.Rest].LogSd, Human.VolumePerKgLogSd(Tissue.Rest), 12);
        Assert.Equal(Human.VolumeFractions[(int)Tissue.Adipose].LogSd, Human.VolumePerKgLogSd(Tissue.Adipose), 12);
    }

    [Fact]
    public void HumanCvs_AreMcNallys()
    {
        // McNally et al. 2014, male reference man, mass CVs (httk data-raw/McNally2014_data.csv): skeleton 0.01 for bone;
        // gut 0.10 derived from stomach 0.31 x 0.15 kg, small intestine 0.12 x 0.65 kg, large intestine 0.20 x 0.30 kg.
        var mcnally = new Dictionary<Tissue, double>
        {
            [Tissue.Lung] = 0.33, [Tissue.Heart] = 0.19, [Tissue.Brain] = 0.05, [Tissue.Adipose] = 0.42, [Tissue.Skin] = 0.049,
            [Tissue.Bone] = 0.01, [Tissue.Kidney] = 0.25, [Tissue.Liver] = 0.24, [Tissue.Spleen] = 0.38, [Tissue.Pancreas] = 0.27,
        };
        foreach (var (tissue, cv) in mcnally)
        {
            Assert.Equal(cv, Human.VolumeFractions[(int)tissue].Cv);
            Assert.Equal("McNally2014", Human.VolumeFractions[(int)tissue].CvSource);
        }
        Assert.Equal(0.10, Human.BloodFraction.Cv);
        Assert.Equal("McNally2014", Human.BloodFraction.CvSource);
        var gutSd = Math.Sqrt(Math.Pow(0.31 * 0.15, 2) + Math.Pow(0.12 * 0.65, 2) + Math.Pow(0.20 * 0.30, 2)) / (0.15 + 0.65 + 0.30);
        Assert.Equal(gutSd, Human.VolumeFractions[(int)Tissue.Gut].Cv, 0.005);
        Assert.Equal("derived:McNally2014", Human.VolumeFractions[(int)Tissue.Gut].CvSource);
        // Muscle keeps an assumed CV (McNally's 0.27 would make 13% of adipose remainders implausible: data/pbpk/README.md).
        Assert.Equal("assumed", Human.VolumeFractions[(int)Tissue.Muscle].CvSource);
        Assert.All(Human.FlowFractions.Skip(1), f => Assert.Equal("assumed", f.CvSource));
    }

    [Fact]
    public void AdiposeRemainder_ClosesBodyWeightExactly()
    {
        var adipose = Human.VolumeFractions[(int)Tissue.Adipose];
        var floor = adipose.Value * Math.Exp(-4 * adipose.LogSd);
        Assert.Equal(0.0396, floor, 1e-4); // 0.1986 x exp(-4 x 0.403): the plausibility floor of the remainder
        foreach (var p in Population.Value)
        {
            var others = Tissues.All.Where(t => t != Tissue.Adipose).Sum(p.Volume) + p.BloodVolume;
            Assert.Equal(p.BodyWeight - others, p.Volume(Tissue.Adipose), 1e-12 * p.BodyWeight);
            Assert.Equal(p.BodyWeight, p.TotalVolume, 1e-12 * p.BodyWeight);
            Assert.True(p.Volume(Tissue.Adipose) / p.BodyWeight >= floor);
        }
    }

    [Fact]
    public void SampledResiduals_MatchTheTableCvs()
    {
        var pop = Population.Value;
        double Sd(Tissue t) => Human.VolumeFractions[(int)t].LogSd;
        // Brain has no covariate: its log-SD is its own (0.05).
        Assert.Equal(Sd(Tissue.Brain), LogSd(pop.Select(p => p.Volume(Tissue.Brain))), 0.05 * Sd(Tissue.Brain));
        // Tissues on fat-free mass share the covariate, so log(V_T / V_Bone) = e_T - e_Bone: SD sqrt(sd_T^2 + sd_Bone^2).
        // Tolerance 4%: truncation at 3.5 SD narrows an SD by 0.6%, redrawing lean-heavy individuals narrows muscle most.
        foreach (var t in new[] { Tissue.Lung, Tissue.Heart, Tissue.Muscle, Tissue.Skin, Tissue.Kidney, Tissue.Liver, Tissue.Gut, Tissue.Spleen, Tissue.Pancreas })
        {
            var expected = Math.Sqrt(Sd(t) * Sd(t) + Sd(Tissue.Bone) * Sd(Tissue.Bone));
            var observed = LogSd(pop.Select(p => p.Volume(t) / p.Volume(Tissue.Bone)));
            Assert.True(Math.Abs(observed / expected - 1) < 0.04, $"{t}: log-SD of V/V_Bone {observed:F4}, table {expected:F4}");
        }
        var blood = Math.Sqrt(Human.BloodFraction.LogSd * Human.BloodFraction.LogSd + Sd(Tissue.Bone) * Sd(Tissue.Bone));
        Assert.Equal(blood, LogSd(pop.Select(p => p.BloodVolume / p.Volume(Tissue.Bone))), 0.04 * blood);
        // Rest follows body weight.
        Assert.Equal(Sd(Tissue.Rest), LogSd(pop.Select(p => p.Volume(Tissue.Rest) / p.BodyWeight)), 0.04 * Sd(Tissue.Rest));
        // Body weight keeps the tabulated SD (0.178), less the redrawn lean tail.
        Assert.Equal(Human.BodyWeight.LogSd, LogSd(pop.Select(p => p.BodyWeight)), 0.04 * Human.BodyWeight.LogSd);
    }

    [Fact]
    public void MalformedHeightOrCvSource_IsRejectedWithLine()
    {
        var text = BundledText();
        var lines = text.Split('\n').ToList();
        var i = lines.FindIndex(l => l.StartsWith("human,Height,"));
        lines[i] = "human,Height,,176,0.1,ICRP89-T2.9,McNally2014,verified,assumed";
        var e = Assert.Throws<FormatException>(() => PhysiologyTable.Parse(string.Join('\n', lines), "p.csv", Species.Human));
        Assert.Equal("p.csv: species 'human': the Height cv (0.1) must be under half the BodyWeight cv (0.18); body weight = BMI x height^2 leaves no BMI variability otherwise.", e.Message);
        lines[i] = "human,Height,,176,0.04,ICRP89-T2.9,McNally2014,verified,";
        var e2 = Assert.Throws<FormatException>(() => PhysiologyTable.Parse(string.Join('\n', lines), "p.csv", Species.Human));
        Assert.Equal($"p.csv line {i + 1} column 9: cvSource is empty (write assumed, a source key, or derived:KEY).", e2.Message);
        lines[i] = "human,Height,,176,0.04,ICRP89-T2.9,McNally2014,verified,assumed,extra";
        var e3 = Assert.Throws<FormatException>(() => PhysiologyTable.Parse(string.Join('\n', lines), "p.csv", Species.Human));
        Assert.Equal($"p.csv line {i + 1}: expected 8 or 9 columns (species,quantity,tissue,value,cv,source,readIn,status[,cvSource]), got 10.", e3.Message);
        // Without the Height row the human table falls back to renormalised fractions.
        lines.RemoveAt(i);
        Assert.Equal(VolumeModel.RenormalisedFractions, PhysiologyTable.Parse(string.Join('\n', lines), "p.csv", Species.Human).VolumeModel);
    }

    private static string BundledText()
    {
        using var s = typeof(PhysiologyTable).Assembly.GetManifestResourceStream("ZeroShotPK.Pbpk.Data.physiology.csv")!;
        return new StreamReader(s).ReadToEnd();
    }
}
