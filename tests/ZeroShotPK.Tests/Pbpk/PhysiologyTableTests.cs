using ZeroShotPK.Pbpk;

namespace ZeroShotPK.Tests.Pbpk;

public class PhysiologyTableTests
{
    [Fact]
    public void HumanReference_HasIcrp89Values()
    {
        var p = PhysiologyTable.Load(Species.Human).Reference();
        Assert.Equal(73, p.BodyWeight);
        Assert.Equal(390, p.CardiacOutput); // 6.5 L/min
        Assert.Equal(1.8, p.Volume(Tissue.Liver), 0.005);
        Assert.Equal(0.19 * 390, p.Flow(Tissue.Kidney), 1e-9);
        Assert.Equal(0.065 * 390, p.HepaticArteryFlow, 1e-9);
        Assert.Equal(0.19 * 390, p.PortalFlow, 1e-9); // gut 15% + spleen 3% + pancreas 1%
    }

    [Fact]
    public void EverySpecies_LoadsWithPositiveValuesAndSmallerAnimalsHaveHigherFlowPerKg()
    {
        var perKg = new Dictionary<Species, double>();
        foreach (var s in Enum.GetValues<Species>())
        {
            var p = PhysiologyTable.Load(s).Reference();
            Assert.All(p.Volumes, v => Assert.True(v > 0));
            Assert.All(p.Flows, q => Assert.True(q > 0));
            perKg[s] = p.CardiacOutput / p.BodyWeight;
        }
        Assert.True(perKg[Species.Mouse] > perKg[Species.Rat] && perKg[Species.Rat] > perKg[Species.Dog] && perKg[Species.Dog] > perKg[Species.Human]);
    }

    [Fact]
    public void VerifiedValues_MatchTheirSources()
    {
        // Numbers as printed in the secondary sources named in data/pbpk/README.md (HuisingaR, httk).
        var human = PhysiologyTable.Load(Species.Human).Reference();
        Assert.Equal(14.5, human.Volume(Tissue.Adipose), 1e-3);          // ICRP 89 Table 2.8, separable adipose
        Assert.Equal(0.255 * 390, human.Flow(Tissue.Liver), 1e-6);       // ICRP 89 Table 2.40: liver 25.5% of CO
        // McNally et al. 2014 reference man (httk data-raw/McNally2014_data.csv): pancreas 0.14 kg and 1% of CO;
        // gut = small + large intestine (HuisingaR) + stomach 0.15 kg, 1% of CO.
        Assert.Equal(0.14, human.Volume(Tissue.Pancreas), 1e-3);
        Assert.Equal(0.01 * 390, human.Flow(Tissue.Pancreas), 1e-6);
        Assert.Equal(1.02 + 0.15, human.Volume(Tissue.Gut), 1e-3);
        Assert.Equal((0.10 + 0.04 + 0.01) * 390, human.Flow(Tissue.Gut), 1e-6);
        var rat = PhysiologyTable.Load(Species.Rat).Reference();
        Assert.Equal(0.106 * 0.25, rat.Volume(Tissue.Adipose), 1e-9);    // Brown 1997 Table 13
        Assert.Equal(0.064 * 0.25, rat.BloodVolume, 1e-9);               // Diehl 2001
        Assert.Equal(0.174 * 4.44, rat.Flow(Tissue.Liver), 1e-9);        // Brown 1997 Table 25: liver 17.4% of CO
        Assert.Equal(0.278 * 4.44, rat.Flow(Tissue.Muscle), 1e-9);
        var mouse = PhysiologyTable.Load(Species.Mouse).Reference();
        Assert.Equal(0.275 * Math.Pow(0.025, 0.75) * 60, mouse.CardiacOutput, 1e-3); // Brown 1997 p. 440
        Assert.Equal(0.162 * mouse.CardiacOutput, mouse.Flow(Tissue.Liver), 1e-3);    // Brown 1997 Table 24
        var dog = PhysiologyTable.Load(Species.Dog).Reference();
        Assert.Equal(72, dog.CardiacOutput);                             // Davies & Morris 1993: 1200 mL/min
        Assert.Equal(216.0 / 1200 * 72, dog.Flow(Tissue.Kidney), 1e-6);
        Assert.Equal(0.1701 * 10, dog.Volume(Tissue.Skin), 1e-9);        // ILSI 1994 via httk
        Assert.Equal(0.022 / 10.5003 * 10, dog.Volume(Tissue.Pancreas), 1e-5); // PK-Sim database, Beagle: 0.022 L at 10.5 kg
        // Every row says where it was read, unless it is derived, assumed or unverified.
        foreach (var sp in Enum.GetValues<Species>())
        {
            var t = PhysiologyTable.Load(sp);
            foreach (var v in t.VolumeFractions.Concat(t.FlowFractions).Append(t.BloodFraction).Append(t.BodyWeight).Append(t.Hematocrit).Append(t.CardiacOutput))
            {
                Assert.Contains(v.Status, new[] { "verified", "partly-verified", "secondary", "derived", "assumed", "unverified" });
                if (v.Status is "verified" or "partly-verified" or "secondary") Assert.NotEqual("none", v.ReadIn);
            }
        }
    }

    [Fact]
    public void MalformedTable_NamesFileLineAndColumn()
    {
        const string header = "species,quantity,tissue,value,cv,source,readIn,status\n";
        var e = Assert.Throws<FormatException>(() => PhysiologyTable.Parse(header + "human,BodyWeight,,seventy,0.1,x,y,z\n", "t.csv", Species.Human));
        Assert.Equal("t.csv line 2 column 4: value 'seventy' is not a number.", e.Message);
        var e2 = Assert.Throws<FormatException>(() => PhysiologyTable.Parse(header + "human,VolumeFraction,Spleeen,0.1,0.1,x,y,z\n", "t.csv", Species.Human));
        Assert.StartsWith("t.csv line 2 column 3: unknown tissue 'Spleeen'", e2.Message);
        var e3 = Assert.Throws<FormatException>(() => PhysiologyTable.Parse(header + "human,BodyWeight,,70,0.1,x,y,z\n", "t.csv", Species.Human));
        Assert.Equal("t.csv: species 'human' has no Hematocrit row.", e3.Message);
    }
}
