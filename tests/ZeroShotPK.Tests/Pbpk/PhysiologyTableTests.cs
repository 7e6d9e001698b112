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
