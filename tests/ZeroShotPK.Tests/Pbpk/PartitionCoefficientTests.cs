using ZeroShotPK.Pbpk;

namespace ZeroShotPK.Tests.Pbpk;

public class PartitionCoefficientTests
{
    private static Compound Neutral(double logP, double fu) => new()
    {
        Name = "test", Class = IonClass.Neutral, LogP = logP, Fu = fu, BloodPlasmaRatio = 1, HepaticClearance = 1,
    };

    [Fact]
    public void PoulinTheil_HydrophilicUnbound_IsWaterRatio()
    {
        // logP -> -inf, fu = 1: Kp = (Vw,t + 0.7 Vph,t) / (Vw,p + 0.7 Vph,p); muscle 0.76/0.0072, plasma 0.945/0.00225.
        var kp = PartitionCoefficients.PoulinTheil(Neutral(-12, 1));
        Assert.Equal((0.76 + 0.7 * 0.0072) / (0.945 + 0.7 * 0.00225), kp[(int)Tissue.Muscle], 1e-9);
        Assert.Equal((0.18 + 0.7 * 0.002) / (0.945 + 0.7 * 0.00225), kp[(int)Tissue.Adipose], 1e-9);
    }

    [Fact]
    public void PoulinTheil_IncreasesWithLogPAndFu()
    {
        double[]? previous = null;
        foreach (var logP in new[] { -1.0, 0, 1, 2, 3, 4 })
        {
            var kp = PartitionCoefficients.PoulinTheil(Neutral(logP, 0.3));
            if (previous is not null)
                foreach (var t in Tissues.All) Assert.True(kp[(int)t] > previous[(int)t], $"{t} at logP {logP}");
            previous = kp;
        }
        // fu/fu,t = 0.5 + 0.5 fu: Kp at fu 0.1 is (0.55 / 1) of Kp at fu 1 for every tissue.
        var low = PartitionCoefficients.PoulinTheil(Neutral(2, 0.1));
        var high = PartitionCoefficients.PoulinTheil(Neutral(2, 1));
        foreach (var t in Tissues.All) Assert.Equal(0.55, low[(int)t] / high[(int)t], 1e-12);
    }

    [Fact]
    public void RodgersRowland_HydrophilicUnboundNeutral_IsTissueWater()
    {
        // logP -> -inf (P -> 0): Kpu = fEW + fIW + 0.7 fNP + (1/fu - 1 - 0.7 fNP,p) albumin ratio; Kp = fu Kpu.
        // Muscle: fEW 0.118, fIW 0.630, fNP 0.0072, albumin ratio 0.064; plasma fNP 0.0013.
        var kp = PartitionCoefficients.RodgersRowland(Neutral(-12, 0.5));
        Assert.Equal(0.5 * (0.118 + 0.630 + 0.7 * 0.0072 + (2 - 1 - 0.7 * 0.0013) * 0.064), kp[(int)Tissue.Muscle], 1e-9);
        // fu = 1 leaves nothing for plasma phospholipids to bind: the equation is inconsistent and says so.
        var e = Assert.Throws<ArgumentException>(() => PartitionCoefficients.RodgersRowland(Neutral(-12, 1)));
        Assert.StartsWith("compound 'test': Rodgers & Rowland give negative plasma protein binding", e.Message);
    }

    [Fact]
    public void RodgersRowland_StrongBase_BindsAcidicPhospholipids()
    {
        var propranolol = Compound.Resolve("propranolol");
        var kp = PartitionCoefficients.RodgersRowland(propranolol);
        // Kidney (AP 5.03 mg/g) binds more than muscle (1.53) and brain (0.40).
        Assert.True(kp[(int)Tissue.Kidney] > kp[(int)Tissue.Muscle] && kp[(int)Tissue.Muscle] > kp[(int)Tissue.Brain]);
        // Higher blood:plasma ratio means stronger erythrocyte (hence AP) binding: every Kp rises.
        var more = PartitionCoefficients.RodgersRowland(propranolol with { BloodPlasmaRatio = 1.2 });
        foreach (var t in Tissues.All) Assert.True(more[(int)t] >= kp[(int)t], t.ToString());
        var e = Assert.Throws<ArgumentException>(() => PartitionCoefficients.RodgersRowland(propranolol with { BloodPlasmaRatio = 0.5 }));
        Assert.StartsWith("compound 'propranolol': Rodgers & Rowland give negative acidic-phospholipid affinity", e.Message);
    }

    [Fact]
    public void Ionisation_IsTwoAtPka()
    {
        var acid = Compound.Resolve("theophylline") with { Pka = 7.4 };
        Assert.Equal(2, PartitionCoefficients.Ionisation(acid, 7.4), 1e-12);
        Assert.Equal(1 + 10, PartitionCoefficients.Ionisation(acid, 8.4), 1e-9);
        var b = Compound.Resolve("propranolol");
        Assert.Equal(1 + Math.Pow(10, 9.45 - 7.4), PartitionCoefficients.Ionisation(b, 7.4), 1e-6);
    }

    [Fact]
    public void CompoundJson_ErrorsNameFileLineAndField()
    {
        var e = Assert.Throws<FormatException>(() => Compound.Parse("{\n \"name\": \"x\",\n \"class\": \"neutral\",\n \"logP\": \"high\"\n}", "x.json"));
        Assert.StartsWith("x.json line 4:", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Compound.Parse("{\"name\":\"y\",\"class\":\"base\",\"logP\":1,\"fu\":0.5,\"bloodPlasmaRatio\":1,\"hepaticClearance\":1}", "y.json"));
        Assert.Equal("compound 'y': pKa must be given for a base, got null.", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => Compound.Resolve("aspirin"));
        Assert.Equal("--compound: 'aspirin' is neither a file nor a bundled compound (diazepam, propranolol, theophylline).", e3.Message);
    }
}
