using ZeroShotPK.Data;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Pbpk;

public class PbpkModelTests
{
    private static readonly Physiology Human = PhysiologyTable.Load(Species.Human).Reference();
    private static Compound Get(string name) => Compound.Resolve(name);

    [Theory]
    [InlineData("diazepam")]
    [InlineData("propranolol")]
    [InlineData("theophylline")]
    public void MassBalance_InBodyPlusEliminatedPlusUnabsorbedEqualsDose(string name)
    {
        var c = Get(name) with { Fa = 0.8 };
        var model = new PbpkModel(Human, c);
        DosingEvent[] doses = [DosingEvent.Oral(0, 100), DosingEvent.Bolus(6, 50), DosingEvent.Infusion(12, 30, 2), DosingEvent.Oral(24, 100)];
        var times = Enumerable.Range(0, 49).Select(i => i * 1.0).ToArray();
        var sol = model.Simulate(doses, times);
        var inBody = sol.AmountInBody();
        for (var i = 0; i < times.Length; i++)
        {
            var x = sol.Amounts[i];
            var t = times[i];
            var given = 100.0 + (t >= 6 ? 50 : 0) + 30 * Math.Clamp((t - 12) / 2, 0, 1) + (t >= 24 ? 100 : 0);
            var total = inBody[i] + x[(int)PbpkState.Unabsorbed] + x[(int)PbpkState.EliminatedHepatic] + x[(int)PbpkState.EliminatedRenal];
            Assert.Equal(given, total, 1e-9 * given);
        }
        // Fa = 0.8 of the oral doses: what left the lumen unabsorbed is 20% of what left the lumen.
        var last = sol.Amounts[^1];
        var leftLumen = 200 - last[(int)PbpkState.GutLumen];
        Assert.Equal(0.2 * leftLumen, last[(int)PbpkState.Unabsorbed], 1e-9 * leftLumen);
    }

    [Fact]
    public void PopulationCsvRoundTripsToSixDigitsAndNamesABadLine()
    {
        var table = PhysiologyTable.Load(Species.Human);
        var population = new ReferencePopulation(table).Sample(3, 5);
        var path = Path.Combine(Path.GetTempPath(), $"zspk-population-{Guid.NewGuid():N}.csv");
        try
        {
            PopulationCsv.Write(path, population, [4, 0, 7], new PhysiologyConstraints(table));
            var read = PopulationCsv.Read(path, Species.Human);
            Assert.Equal(["5", "1", "8"], read.Select(r => r.Id));
            for (var i = 0; i < 3; i++)
                foreach (var (a, b) in population[i].ToVector().Zip(read[i].Physiology.ToVector()))
                    Assert.Equal(a, b, Math.Abs(a) * 5e-6);
            File.AppendAllText(path, "9,-1\n");
            Assert.Equal($"--population: {path}, line 5: expected an ID and {Physiology.Vector.Names.Count} positive numbers ({Physiology.Vector.Names[0]} ... {Physiology.Vector.Names[^1]}).",
                Assert.Throws<ArgumentException>(() => PopulationCsv.Read(path, Species.Human)).Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void OralBioavailabilityIsTheRatioOfOralToIvAuc()
    {
        // Linear kinetics, dose entering through the liver: AUC(0-inf) oral / IV = Fa F_H (run until both AUCs are flat).
        var model = new PbpkModel(Human, Get("propranolol") with { Fa = 0.9 });
        var qh = Human.Flow(Tissue.Liver);
        Assert.Equal(0.9 * (1 - model.HepaticBloodClearance / qh), model.OralBioavailability, 12);
        double[] end = [400];
        var oral = model.Simulate([DosingEvent.Oral(0, 100)], end).Amounts[^1][(int)PbpkState.PlasmaAuc];
        var iv = model.Simulate([DosingEvent.Bolus(0, 100)], end).Amounts[^1][(int)PbpkState.PlasmaAuc];
        Assert.Equal(model.OralBioavailability, oral / iv, 3);
        Assert.InRange(model.OralBioavailability, 0.05, 0.6); // propranolol's first pass is large
    }

    [Theory]
    [InlineData("diazepam", PartitionMethod.PoulinTheil)]
    [InlineData("propranolol", PartitionMethod.RodgersRowland)]
    [InlineData("theophylline", PartitionMethod.RodgersRowland)]
    public void ConstantInfusion_ReachesWellStirredSteadyState(string name, PartitionMethod method)
    {
        var c = Get(name);
        var model = new PbpkModel(Human, c, method);
        // Exact: at steady state every non-eliminating tissue's outflow equals arterial blood C_A, the liver extracts
        // Q_H e/(Q_H + e) C_A, the kidney likewise, and input R0 balances elimination, so
        // C_plasma = R0 / (B:P (CL_H,b + CL_R,b)); for the reference individual CL_H,b + CL_R,b = (CL_H + CL_R)/B:P.
        const double r0 = 10; // mg/h
        var expected = r0 / (c.HepaticClearance + c.RenalClearance);
        Assert.Equal(c.HepaticClearance + c.RenalClearance, model.PlasmaClearance, 1e-9 * model.PlasmaClearance);
        var tEnd = 40 * model.Vss / model.PlasmaClearance; // about 28 half-lives: transient < 1e-8
        var sol = model.Simulate([DosingEvent.Infusion(0, r0 * 2 * tEnd, 2 * tEnd)], [tEnd]);
        Assert.Equal(expected, sol.PlasmaConcentration()[0], 1e-6 * expected);
        // Tissue concentration at steady state: C_T = Kp_T * C_plasma for non-eliminating tissues.
        var muscle = sol.TissueConcentration(Tissue.Muscle)[0];
        Assert.Equal(model.Kp[(int)Tissue.Muscle] * expected, muscle, 1e-6 * muscle);
    }

    [Fact]
    public void AllKpOneAndHugeFlows_IsOneCompartmentWithTotalVolume()
    {
        // Kp = 1, B:P = 1, flows x 1e4: the body mixes instantly, so C(t) = Dose/V exp(-CL t / V) with V = total volume.
        var p = Human;
        var fast = new Physiology(p.Species, p.BodyWeight, p.Hematocrit, p.CardiacOutput * 1e4, p.Volumes, p.BloodVolume, p.Flows.Select(q => q * 1e4).ToArray());
        var c = Get("theophylline") with { BloodPlasmaRatio = 1, Fu = 1, HepaticClearance = 5, RenalClearance = 0 };
        var model = new PbpkModel(fast, c, kp: Enumerable.Repeat(1.0, Tissues.Count).ToArray(), reference: fast);
        var v = p.TotalVolume;
        double[] times = [1, 5, 10, 24];
        var sol = model.Simulate([DosingEvent.Bolus(0, 100)], times);
        var cp = sol.PlasmaConcentration();
        for (var i = 0; i < times.Length; i++)
        {
            var expected = 100 / v * Math.Exp(-5 * times[i] / v);
            Assert.Equal(expected, cp[i], 2e-4 * expected);
        }
        Assert.Equal(v, model.Vss, 1e-9 * v);
        // One compartment: the concentration halves every ln 2 V / CL hours.
        Assert.Equal(Math.Log(2) * v / 5, model.HalfLife, 1e-9 * model.HalfLife);
        var halved = model.Simulate([DosingEvent.Bolus(0, 100)], [2, 2 + model.HalfLife]).PlasmaConcentration();
        Assert.Equal(0.5, halved[1] / halved[0], 2e-4);
    }

    [Fact]
    public void HalfLife_IsTheTerminalHalfLifeOfAFastDistributingDrug()
    {
        // Theophylline (tissues equilibrate within an hour, elimination over hours): the log-linear decline of the
        // simulated plasma concentration between 24 and 48 h after an IV bolus.
        var model = new PbpkModel(Human, Get("theophylline"));
        var cp = model.Simulate([DosingEvent.Bolus(0, 100)], [24, 48]).PlasmaConcentration();
        var terminal = Math.Log(2) * 24 / Math.Log(cp[0] / cp[1]);
        // Within 3 % (5.41 vs 5.50 h), and never longer: distribution can only slow the terminal phase.
        Assert.InRange(model.HalfLife, 0.97 * terminal, terminal);
        Assert.InRange(model.HalfLife, 4, 12); // adult theophylline: 3-12 h
    }

    [Fact]
    public void OralBioavailability_IsFaTimesHepaticAvailability()
    {
        var c = Get("propranolol") with { Fa = 0.9 };
        var model = new PbpkModel(Human, c);
        var iv = model.Simulate([DosingEvent.Bolus(0, 100)], [2000]).Amounts[0][(int)PbpkState.PlasmaAuc];
        var po = model.Simulate([DosingEvent.Oral(0, 100)], [2000]).Amounts[0][(int)PbpkState.PlasmaAuc];
        var qh = Human.Flow(Tissue.Liver);
        var fh = qh / (qh + model.HepaticExtractionTerm);
        Assert.Equal(0.9 * fh, po / iv, 1e-6);
        // IV AUC = Dose / CL (plasma), exact for a linear system.
        Assert.Equal(100 / model.PlasmaClearance, iv, 1e-6 * iv);
    }

    [Fact]
    public void ExactSolution_MatchesAdaptiveDormandPrince()
    {
        var model = new PbpkModel(Human, Get("diazepam"));
        DosingEvent[] doses = [DosingEvent.Oral(0, 10), DosingEvent.Infusion(3, 5, 1.5), DosingEvent.Bolus(8.25, 2)];
        var times = new[] { 0.5, 1, 2, 3.7, 4.5, 8.25, 10, 12 };
        var exact = model.Simulate(doses, times);
        var ode = model.SimulateOde(doses, times, 1e-10, 1e-12);
        for (var i = 0; i < times.Length; i++)
            for (var s = 0; s < PbpkModel.StateCount; s++)
                Assert.Equal(ode.Amounts[i][s], exact.Amounts[i][s], 1e-6 * (1 + Math.Abs(ode.Amounts[i][s])));
    }

    [Fact]
    public void CardiacOutput_ClosesOnReferenceOfEverySpecies()
    {
        foreach (var s in Enum.GetValues<Species>())
        {
            var p = PhysiologyTable.Load(s).Reference();
            Assert.Equal(p.CardiacOutput, p.SystemicFlowSum, 1e-9 * p.CardiacOutput);
            Assert.Equal(p.BodyWeight, p.TotalVolume, 1e-9 * p.BodyWeight);
            Assert.True(p.HepaticArteryFlow > 0);
            Assert.Empty(PhysiologyConstraints.For(s).Check(p));
        }
        var h = PhysiologyTable.Load(Species.Human).Reference();
        Assert.Equal(390, h.CardiacOutput);
        Assert.Equal(0.255 * 390, h.Flow(Tissue.Liver), 1e-9);
    }

    [Fact]
    public void InvalidInputs_GiveClearMessages()
    {
        var p = Human;
        var q = p.Flows.ToArray();
        q[(int)Tissue.Liver] = p.PortalFlow * 0.9;
        var bad = new Physiology(p.Species, p.BodyWeight, p.Hematocrit, p.CardiacOutput, p.Volumes, p.BloodVolume, q);
        var e = Assert.Throws<ArgumentException>(() => new PbpkModel(bad, Get("diazepam")));
        Assert.StartsWith("physiology: hepatic artery flow is negative", e.Message);
        var model = new PbpkModel(p, Get("diazepam"));
        var e2 = Assert.Throws<ArgumentException>(() => model.Simulate([DosingEvent.Bolus(0, 1)], [2, 1]));
        Assert.StartsWith("times[1] = 1 is before times[0] = 2", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new PbpkModel(p, Get("diazepam") with { HepaticClearance = 1000 }));
        Assert.Contains("hepatic blood clearance", e3.Message);
    }

    [Fact]
    public void Problem_SolveGivesTheStatesSimulateGives()
    {
        var model = new PbpkModel(Human, Get("diazepam"));
        double[] times = [0, 0.25, 1.25, 24];
        var sol = new PbpkProblem(model, [DosingEvent.Oral(0, 10)], times).Solve();
        Assert.Equal(SolveStatus.Success, sol.Status);
        Assert.Null(sol.Message);
        Assert.Equal(3, sol.Steps); // one propagation per output interval
        // The plasma curve `zspk pbpk simulate --compound diazepam --dose 10` printed before the problem/solve split.
        var cp = sol.PlasmaConcentration();
        Assert.Equal(0, cp[0]);
        Assert.Equal(0.17318157, cp[1], 5e-9);
        Assert.Equal(0.2562, cp[2], 5e-5);
        var old = model.Simulate([DosingEvent.Oral(0, 10)], times);
        for (var i = 0; i < times.Length; i++) Assert.Equal(old.Amounts[i], sol.Amounts[i]);
    }

    [Fact]
    public void FailedOdeSolve_IsAStatusNotAnException()
    {
        var model = new PbpkModel(Human, Get("propranolol"));
        var problem = new PbpkProblem(model, [DosingEvent.Bolus(0, 10)], [1, 24]);
        var sol = problem.SolveOde(new OdeOptions(MaxSteps: 5));
        Assert.Equal(SolveStatus.MaxStepsExceeded, sol.Status);
        Assert.False(sol.IsSuccess);
        Assert.Empty(sol.Amounts);
        Assert.InRange(sol.Steps, 1, 5); // accepted steps; rejected trials count towards the limit too
        Assert.StartsWith("RK45 between t=0 and t=1: MaxStepsExceeded", sol.Message);
        var e = Assert.Throws<InvalidOperationException>(() => sol.EnsureSuccess());
        Assert.StartsWith("PBPK solve failed (MaxStepsExceeded): RK45 between t=0 and t=1", e.Message);
        // With the default step limit the same problem solves, and agrees with the exact solution.
        var ok = problem.SolveOde();
        Assert.True(ok.IsSuccess);
        Assert.Equal(problem.Solve().Amounts[1][(int)PbpkState.Venous], ok.Amounts[1][(int)PbpkState.Venous], 1e-6);
    }

    [Fact]
    public void NonFiniteExactSolve_IsAStatusAndSimulateThrowsOneClearError()
    {
        // Two boluses of 1.5e308 overflow the venous amount to infinity; propagating it gives NaN.
        var model = new PbpkModel(Human, Get("diazepam"));
        DosingEvent[] doses = [DosingEvent.Bolus(0, 1.5e308), DosingEvent.Bolus(0, 1.5e308)];
        var sol = new PbpkProblem(model, doses, [0, 1]).Solve();
        Assert.Equal(SolveStatus.NotFinite, sol.Status);
        Assert.Equal("a non-finite amount appeared between t=0 and t=1.", sol.Message);
        var e = Assert.Throws<InvalidOperationException>(() => model.Simulate(doses, [0, 1]));
        Assert.Equal("PBPK solve failed (NotFinite): a non-finite amount appeared between t=0 and t=1.", e.Message);
    }
}
