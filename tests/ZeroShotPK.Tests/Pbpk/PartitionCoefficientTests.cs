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
        // fu/fu,t = 0.5 + 0.5 fu: Kp at fu 0.1 is (0.55 / 1) of Kp at fu 1 for every tissue but adipose, which has no
        // binding proteins (fu,t = 1) and scales with fu itself.
        var low = PartitionCoefficients.PoulinTheil(Neutral(2, 0.1));
        var high = PartitionCoefficients.PoulinTheil(Neutral(2, 1));
        foreach (var t in Tissues.All) Assert.Equal(t == Tissue.Adipose ? 0.1 : 0.55, low[(int)t] / high[(int)t], 1e-12);
    }

    [Fact]
    public void RodgersRowland_HydrophilicUnboundNeutral_IsTissueWater()
    {
        // logP -> -inf (P -> 0): Kpu = fW + 0.7 fNP + (1/fu - 1 - 0.7 fNP,p) lipoprotein ratio (neutrals, R&R 2006); Kp = fu Kpu.
        // Muscle: total water corrected for residual blood 0.726 (R&R 2006), fNP 0.0072, lipoprotein ratio 0.059; plasma fNP 0.0013.
        var kp = PartitionCoefficients.RodgersRowland(Neutral(-12, 0.5));
        Assert.Equal(0.5 * (0.726 + 0.7 * 0.0072 + (2 - 1 - 0.7 * 0.0013) * 0.059), kp[(int)Tissue.Muscle], 1e-9);
        // Heart: the 2006 water 0.568 is well below the 2005 fEW + fIW (0.320 + 0.456): residual blood removed.
        Assert.Equal(0.5 * (0.568 + 0.7 * 0.0106 + (2 - 1 - 0.7 * 0.0013) * 0.160), kp[(int)Tissue.Heart], 1e-9);
        // A weak acid with the same inputs binds albumin instead (ratio 0.064); at pKa 20 it is unionised like a neutral.
        // (Ionised acids see fEW 0.118 and fIW 0.726 - 0.118 = 0.608 separately; cefazolin in the published-Kpu test checks that.)
        var acid = PartitionCoefficients.RodgersRowland(Neutral(-12, 0.5) with { Class = IonClass.Acid, Pka = 20 });
        Assert.Equal(0.5 * (0.726 + 0.7 * 0.0072 + (2 - 1 - 0.7 * 0.0013) * 0.064), acid[(int)Tissue.Muscle], 1e-6);
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

    /// <summary>
    /// Rat Kpu predicted by the Rodgers &amp; Rowland equations and published by their authors (Rodgers, Leahy &amp; Rowland
    /// 2005 for the moderate-to-strong bases; Rodgers &amp; Rowland 2006 for acids, weak bases and neutrals), with the drug
    /// inputs (logP, pKa, fu, B:P), as transcribed by Utsey et al. (2020) for their code check in
    /// metrumresearchgroup/PBPK_PC, script/script.R (vectors rep_RR_*). Tissues named there that we lack (thymus) are left out.
    /// Tolerance (relative, per tissue) and why: the published values carry 2-3 digits and our composition table was read in
    /// a different secondary source than the one the authors used (fNP differs by up to 5% between them), so 5% for the
    /// base equation, whose acidic-phospholipid term dominates; 25% for base adipose, whose small Kpu is sensitive to the
    /// adipose water and lipid split (acebutolol 1.01 vs 0.82); 5% for cefazolin (largest deviation 2%), 10% for phenobarbital
    /// and ethoxybenzamide (8%, 7%) and 15% for alfentanil (5-12% high in every tissue). The 2006 drugs match only with the 2006
    /// residual-blood-corrected tissue water (with the 2005 fEW + fIW, ethoxybenzamide heart, lung and spleen were 28-36% high:
    /// the published heart 0.79 and spleen 0.78 lie at the 2005 water alone, 0.776 and 0.786; see data/pbpk/README.md).
    /// </summary>
    public static TheoryData<string, IonClass, double, double?, double, double, string, string, double> PublishedRatKpu => new()
    {
        { "bisoprolol", IonClass.Base, 1.87, 9.4, 0.85, 1.36, "Bone Brain Gut Heart Kidney Liver Lung Muscle Skin", "3.61 3.36 11 10.4 21.4 19.6 17.2 7.73 6.37", 0.05 },
        { "acebutolol", IonClass.Base, 1.87, 9.7, 0.79, 1.09, "Bone Brain Gut Heart Kidney Liver Lung Muscle Skin", "2.34 2.57 6.45 6.1 11.8 11.0 9.67 4.84 3.85", 0.05 },
        { "bisoprolol", IonClass.Base, 1.87, 9.4, 0.85, 1.36, "Adipose", "1.79", 0.25 },
        { "acebutolol", IonClass.Base, 1.87, 9.7, 0.79, 1.09, "Adipose", "0.82", 0.25 },
        { "cefazolin", IonClass.Acid, 0.3, 2.3, 0.16, 0.55, "Bone Gut Heart Kidney Liver Lung Muscle Skin", "0.74 1.28 1.23 1.1 0.79 1.52 0.69 1.92", 0.05 },
        { "phenobarbital", IonClass.Acid, 1.6, 7.4, 0.64, 0.861, "Gut Heart Kidney Liver Lung Muscle Skin Adipose", "1.43 0.88 0.97 0.92 1.07 0.79 1.84 1.23", 0.10 },
        { "alfentanil", IonClass.Base, 2.2, 6.5, 0.11, 1, "Brain Gut Heart Kidney Liver Lung Muscle Pancreas Skin Spleen Adipose", "6.3 7.33 3.97 4.24 4.05 5.48 2.88 6.71 10.7 2.7 9.2", 0.15 },
        { "ethoxybenzamide", IonClass.Neutral, 0.77, null, 0.5, 1, "Brain Gut Heart Kidney Lung Muscle Skin Spleen Adipose", "1.03 1.1 0.79 0.91 0.86 0.85 1.11 0.78 0.48", 0.10 },
    };

    [Theory]
    [MemberData(nameof(PublishedRatKpu))]
    public void RodgersRowland_ReproducesPublishedRatKpu(string name, IonClass cls, double logP, double? pKa, double fu, double bp, string tissues, string published, double tolerance)
    {
        var c = new Compound { Name = name, Class = cls, LogP = logP, Pka = pKa, Fu = fu, BloodPlasmaRatio = bp, HepaticClearance = 0 };
        var kp = PartitionCoefficients.RodgersRowland(c, hematocrit: 0.45); // rat hematocrit of Rodgers et al. 2005
        var expected = published.Split(' ').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var names = tissues.Split(' ');
        for (var i = 0; i < names.Length; i++)
        {
            var kpu = kp[(int)Enum.Parse<Tissue>(names[i])] / fu;
            Assert.True(Math.Abs(kpu / expected[i] - 1) <= tolerance, $"{name} {names[i]}: Kpu {kpu:F3}, published {expected[i]} (tolerance {tolerance:P0})");
        }
    }

    /// <summary>
    /// Human Vss (L/kg) of the reference 73 kg man with Rodgers &amp; Rowland Kp against observed Vss from Lombardo, Berellini
    /// &amp; Obach (2018) (read in USEPA/CompTox-ExpoCast-httk, Lombardo2018-Supplemental_82966_revised_corrected.csv; fu from
    /// the same table). Tolerance: within 2-fold, the usual acceptance criterion for mechanistic Vss prediction (e.g.
    /// Rodgers &amp; Rowland 2007; Poulin &amp; Theil 2002). Digoxin (observed 4.1 L/kg, predicted about 1) is the known
    /// exception (Na/K-ATPase binding in muscle, which the equations do not describe) and is checked as such.
    /// </summary>
    [Theory]
    [InlineData("diazepam", IonClass.Neutral, 2.82, null, 0.023, 0.58, 1.0)]
    [InlineData("propranolol", IonClass.Base, 3.1, 9.45, 0.13, 0.8, 3.1)]
    [InlineData("theophylline", IonClass.Acid, -0.02, 8.6, 0.61, 0.82, 0.51)]
    [InlineData("acebutolol", IonClass.Base, 1.87, 9.7, 0.74, 1.09, 1.7)]
    public void RodgersRowland_HumanVss_WithinTwofoldOfObserved(string name, IonClass cls, double logP, double? pKa, double fu, double bp, double observed)
    {
        var c = new Compound { Name = name, Class = cls, LogP = logP, Pka = pKa, Fu = fu, BloodPlasmaRatio = bp, HepaticClearance = 0 };
        var human = PhysiologyTable.Load(Species.Human).Reference();
        var vss = new PbpkModel(human, c).Vss / human.BodyWeight;
        var fold = Math.Max(vss / observed, observed / vss);
        Assert.True(fold < 2, $"{name}: predicted Vss {vss:F2} L/kg, observed {observed} (fold {fold:F2})");
    }

    /// <summary>
    /// Human Vss (L/kg) that Poulin &amp; Theil (2002) published for their method, with the drug inputs (logP, pKa, fu, B:P),
    /// as transcribed by Utsey et al. (2020) in metrumresearchgroup/PBPK_PC script/script.R (rep_PT_*). Vss = sum of
    /// FV x Kp over the ten tissues of Poulin &amp; Theil's human volume table (FV, L/kg, metrumresearchgroup/Voriconazole-PBPK
    /// data/tissue_comp_PT.csv) + plasma 0.0424 + erythrocytes 0.0347 x E:P, E:P = (B:P - 0.55)/0.45. That table has no
    /// skin, which holds roughly 3-10% of these drugs' Vss, so the prediction must fall 0-15% below the published value.
    /// </summary>
    [Theory]
    [InlineData("acetaminophen", IonClass.Acid, 0.46, 9.38, 1, 1, 0.63)]
    [InlineData("ascorbic acid", IonClass.Acid, -1.85, 4.7, 0.76, 0.82, 0.5)]
    [InlineData("isoniazid", IonClass.Acid, -0.7, 1.82, 1, 1, 0.56)]
    [InlineData("thiopental", IonClass.Acid, 2.85, 7.45, 0.112, 1, 2.87)]
    [InlineData("acetazolamide", IonClass.Acid, -0.26, 7.4, 0.044, 1, 0.32)]
    [InlineData("tetrahydrocannabinol", IonClass.Acid, 6.97, 10.6, 0.115, 0.55, 5.53)]
    [InlineData("caffeine", IonClass.Base, -0.07, 10.4, 0.681, 0.98, 0.53)]
    [InlineData("acebutolol", IonClass.Base, 1.71, 9.67, 0.743, 1, 1.25)]
    [InlineData("chlorpheniramine", IonClass.Base, 3.38, 9.13, 0.27, 1.34, 3.26)]
    [InlineData("carvedilol", IonClass.Base, 4.19, 8.4, 0.0054, 0.71, 2.68)]
    [InlineData("mepivacaine", IonClass.Base, 1.95, 7.76, 0.225, 0.9, 1.22)]
    [InlineData("trimethoprim", IonClass.Base, 0.91, 7.12, 0.304, 1, 0.52)]
    [InlineData("alfentanil", IonClass.Base, 2.16, 6.5, 0.074, 1, 1.38)]
    [InlineData("cimetidine", IonClass.Base, 0.4, 6.8, 0.8, 1, 0.56)]
    [InlineData("etomidate", IonClass.Base, 3.05, 4.5, 0.235, 1, 4.55)]
    [InlineData("coumarin", IonClass.Neutral, 1.39, null, 0.853, 1, 1.08)]
    [InlineData("griseofulvin", IonClass.Neutral, 2.18, null, 0.2, 1, 1.72)]
    [InlineData("cyclosporin", IonClass.Neutral, 2.92, null, 0.0602, 1.36, 2.77)]
    public void PoulinTheil_ReproducesPublishedHumanVss(string name, IonClass cls, double logP, double? pKa, double fu, double bp, double published)
    {
        var c = new Compound { Name = name, Class = cls, LogP = logP, Pka = pKa, Fu = fu, BloodPlasmaRatio = bp, HepaticClearance = 0 };
        var kp = PartitionCoefficients.PoulinTheil(c);
        (Tissue T, double Fv)[] volumes =
        [
            (Tissue.Adipose, 0.11957), (Tissue.Bone, 0.08563), (Tissue.Brain, 0.02), (Tissue.Gut, 0.0171), (Tissue.Heart, 0.0047),
            (Tissue.Kidney, 0.0044), (Tissue.Liver, 0.026), (Tissue.Lung, 0.0076), (Tissue.Muscle, 0.4), (Tissue.Spleen, 0.0026),
        ];
        var vss = volumes.Sum(v => v.Fv * kp[(int)v.T]) + 0.0424 + 0.0347 * (bp - 0.55) / 0.45;
        Assert.InRange(vss / published, 0.85, 1.0);
    }

    [Fact]
    public void RodgersRowland_UnderpredictsDigoxinAsKnown()
    {
        var c = new Compound { Name = "digoxin", Class = IonClass.Neutral, LogP = 1.48, Fu = 0.7, BloodPlasmaRatio = 1, HepaticClearance = 0 };
        var human = PhysiologyTable.Load(Species.Human).Reference();
        var vss = new PbpkModel(human, c).Vss / human.BodyWeight;
        Assert.InRange(vss, 0.7, 1.4); // observed 4.1 L/kg (Lombardo et al. 2018): more than 2.9-fold under
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
        Assert.Equal("--compound: 'aspirin' is neither a file nor a bundled compound (diazepam, propranolol, theophylline, midazolam, paracetamol, codeine).", e3.Message);
    }
}
