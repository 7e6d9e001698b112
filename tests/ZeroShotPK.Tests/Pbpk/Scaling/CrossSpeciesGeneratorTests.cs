using ZeroShotPK.Data;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Scaling;

namespace ZeroShotPK.Tests.Pbpk.Scaling;

public class CrossSpeciesGeneratorTests
{
    private static string Key(VirtualCompound c) =>
        $"{c.Index} {c.Class} {c.LogP:R} {c.Pka:R} {c.BloodCellPartition:R} {c.RenalFactor:R} " +
        string.Join(" ", c.Species.Select(s => $"{s.Species} {s.Fu:R} {s.BloodPlasmaRatio:R} {s.Clint:R} {s.Cl:R} {s.Vss:R} {s.ObservedCl:R} {s.ObservedVss:R}"));

    [Fact]
    public void Generate_IsDeterministicAndSliceable()
    {
        var a = new CrossSpeciesGenerator().Generate(20, 7);
        var b = new CrossSpeciesGenerator().Generate(20, 7);
        Assert.Equal(a.Select(Key), b.Select(Key));
        var slice = new CrossSpeciesGenerator().Generate(5, 7, first: 10);
        Assert.Equal(a.Skip(10).Take(5).Select(Key), slice.Select(Key));
        Assert.NotEqual(Key(a[0]), Key(new CrossSpeciesGenerator().Generate(1, 8)[0]));
        Assert.All(a, c => Assert.Equal(SpeciesDescriptor.All, c.Species.Select(s => s.Species)));
    }

    [Fact]
    public void CompoundSpace_DefaultIsTheOriginalBoxAndWideDrawsStayInItsRanges()
    {
        // An explicit default space draws exactly the compounds of the parameterless generator.
        Assert.Equal(new CrossSpeciesGenerator().Generate(10, 7).Select(Key), new CrossSpeciesGenerator(space: new CompoundSpace()).Generate(10, 7).Select(Key));
        var s = CompoundSpace.Wide;
        var wide = new CrossSpeciesGenerator(space: s).Generate(300, 5);
        Assert.All(wide, c => Assert.InRange(c.LogP, s.LogPMin, s.LogPMax));
        Assert.All(wide.Where(c => c.Class == IonClass.Acid), c => Assert.InRange(c.Pka!.Value, s.AcidPkaMin, s.AcidPkaMax));
        Assert.All(wide.Where(c => c.Class == IonClass.Base), c => Assert.InRange(c.Pka!.Value, s.BasePkaMin, s.BasePkaMax));
        Assert.All(wide, c => Assert.InRange(c.In(Species.Human).Clint, s.ClintMin, s.ClintMax));
        // The wide space reaches where the original box does not (redraws thin out lipophilic neutrals, but not all).
        Assert.Contains(wide, c => c.LogP > 4.5);
        Assert.Contains(wide, c => c.LogP < -0.5);
        Assert.Contains(wide, c => c.Class == IonClass.Acid && c.Pka > 7);
        Assert.Contains(wide, c => c.In(Species.Human).Clint < 0.01);
        var bad = Assert.Throws<ArgumentException>(() => new CrossSpeciesGenerator(space: new CompoundSpace { LogPMin = 5, LogPMax = 4 }));
        Assert.Equal("compound space: logP range [5, 4] must be finite with min < max.", bad.Message);
        bad = Assert.Throws<ArgumentException>(() => new CompoundSpace { ClintMin = -1 }.Validate());
        Assert.Equal("compound space: CLint minimum must be > 0 (log-uniform), got -1.", bad.Message);
    }

    [Fact]
    public void HumanClearance_IsTheWellStirredClearanceOfTheCompoundInputs()
    {
        var h = SpeciesDescriptor.Of(Species.Human);
        foreach (var c in new CrossSpeciesGenerator().Generate(40, 3))
        {
            var pk = c.In(Species.Human);
            var bp = 1 - 0.44 + 0.44 * pk.Fu * c.BloodCellPartition;
            Assert.Equal(bp, pk.BloodPlasmaRatio, 1e-14);
            var eH = pk.Fu / bp * pk.Clint * h.LiverVolume * 1000 * 0.06; // mL/min/g x g -> L/h
            var eR = pk.Fu / bp * c.RenalFactor * 5.165 * Math.Pow(73, 0.75) * 0.06;
            var expected = bp * (h.LiverBloodFlow * eH / (h.LiverBloodFlow + eH) + h.KidneyBloodFlow * eR / (h.KidneyBloodFlow + eR));
            Assert.Equal(expected, pk.Cl, expected * 1e-10);
            Assert.Equal(pk.HepaticClearance + pk.RenalClearance, pk.Cl, expected * 1e-10);
            Assert.Equal(pk.Cl, pk.ObservedCl); // human values are exact
            Assert.Equal(pk.Vss, pk.ObservedVss);
            // The model's Vss: blood plus tissues with Rodgers & Rowland Kp.
            var model = new PbpkModel(PhysiologyTable.Load(Species.Human).Reference(), c.ToCompound(Species.Human));
            Assert.Equal(model.Vss, pk.Vss, 1e-12 * pk.Vss);
        }
    }

    [Fact]
    public void RatClearance_EmergesFromTheSimulatedBolus()
    {
        var c = new CrossSpeciesGenerator().Generate(3, 5)[0];
        var pk = c.In(Species.Rat);
        var model = new PbpkModel(PhysiologyTable.Load(Species.Rat).Reference(), c.ToCompound(Species.Rat));
        var end = 60 * pk.Vss / pk.Cl; // 60 mean residence times
        var sol = model.Simulate([DosingEvent.Bolus(0, 1)], [0, end]);
        var x = sol.Amounts[^1];
        Assert.Equal(1 / pk.Cl, x[(int)PbpkState.PlasmaAuc], 1e-6 / pk.Cl);
        Assert.Equal(1.0, x[(int)PbpkState.EliminatedHepatic] + x[(int)PbpkState.EliminatedRenal], 1e-6);
        Assert.Equal(pk.HepaticClearance / pk.Cl, x[(int)PbpkState.EliminatedHepatic], 1e-6);
    }

    [Fact]
    public void SpeciesDifferences_AreTheDocumentedOnes()
    {
        var set = new CrossSpeciesGenerator(new SpeciesDifferences { ObservationCv = 0 }).Generate(400, 11);
        double Logit(double p) => Math.Log(p / (1 - p));
        foreach (var (s, shift, ratio) in new[] { (Species.Mouse, 0.5, 3.0), (Species.Rat, 0.4, 2.5), (Species.Monkey, 0.1, 2.0), (Species.Dog, 0.2, 1.5) })
        {
            var dFu = set.Select(c => Logit(c.In(s).Fu) - Logit(c.In(Species.Human).Fu)).ToArray();
            Assert.InRange(dFu.Average(), shift - 0.1, shift + 0.1);
            Assert.InRange(Math.Sqrt(dFu.Select(v => (v - dFu.Average()) * (v - dFu.Average())).Average()), 0.4, 0.6); // SD 0.5
            // CLint: log ratio mean ln(ratio), SD sqrt(0.5^2 + 0.5^2) = 0.71.
            var dCl = set.Select(c => Math.Log(c.In(s).Clint / c.In(Species.Human).Clint)).ToArray();
            Assert.InRange(dCl.Average(), Math.Log(ratio) - 0.12, Math.Log(ratio) + 0.12);
            Assert.InRange(Math.Sqrt(dCl.Select(v => (v - dCl.Average()) * (v - dCl.Average())).Average()), 0.6, 0.82);
            Assert.All(set, c => Assert.Equal(c.In(s).Cl, c.In(s).ObservedCl)); // no observation noise asked
        }
        // The shared animal deviation correlates the species: corr(rat, dog) of the CLint log ratios is 0.5 by construction.
        var r = set.Select(c => Math.Log(c.In(Species.Rat).Clint / c.In(Species.Human).Clint)).ToArray();
        var d = set.Select(c => Math.Log(c.In(Species.Dog).Clint / c.In(Species.Human).Clint)).ToArray();
        double mr = r.Average(), md = d.Average();
        var corr = r.Zip(d, (a, b) => (a - mr) * (b - md)).Sum() / Math.Sqrt(r.Sum(a => (a - mr) * (a - mr)) * d.Sum(b => (b - md) * (b - md)));
        Assert.InRange(corr, 0.38, 0.62);
    }

    [Fact]
    public void ObservationNoise_HasTheRequestedCv()
    {
        var set = new CrossSpeciesGenerator(new SpeciesDifferences { ObservationCv = 0.3 }).Generate(300, 2);
        var logs = set.SelectMany(c => SpeciesDescriptor.Animals.Select(s => Math.Log(c.In(s).ObservedCl / c.In(s).Cl))).ToArray();
        var sd = Math.Sqrt(logs.Select(v => v * v).Average());
        Assert.InRange(sd, 0.95 * Math.Sqrt(Math.Log(1.09)), 1.05 * Math.Sqrt(Math.Log(1.09)));
    }

    [Fact]
    public void BadDifferences_NameTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => new CrossSpeciesGenerator(new SpeciesDifferences { ClintRatio = new Dictionary<Species, double> { [Species.Rat] = 2 } }));
        Assert.Equal("ClintRatio: a finite value > 0 for Mouse is required.", e.Message);
        e = Assert.Throws<ArgumentException>(() => new CrossSpeciesGenerator(new SpeciesDifferences { FuCorrelation = 1.5 }));
        Assert.Equal("FuCorrelation must be in [0, 1], got 1.5.", e.Message);
    }
}
