using ZeroShotPK.Data;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Simulation;

public class SolverTests
{
    private static readonly PkParameters P = new() { CL = 3, V = 30, Ka = 1.2, Q = 4, V2 = 50, Q3 = 1.5, V3 = 120, Q4 = 2, V4 = 60, F = 0.8 };
    private static readonly double[] Times = [0.25, 0.5, 1, 2, 3, 5, 8, 12, 13, 18, 24, 30, 36, 48];
    private static readonly OdeSolver TightOde = new(new OdeOptions(1e-10, 1e-12));

    private static DosingEvent Dose(Route route, double time) => route switch
    {
        Route.IvInfusion => DosingEvent.Infusion(time, 100, 2),
        Route.OralInfusion => new DosingEvent(time, 100, Route.OralInfusion, 1.5),
        _ => new DosingEvent(time, 100, route),
    };

    public static TheoryData<int, Route, string> Cases()
    {
        var data = new TheoryData<int, Route, string>();
        foreach (var cmt in new[] { 1, 2, 3, 4 })
        foreach (var route in new[] { Route.Oral, Route.IvBolus, Route.IvInfusion, Route.OralInfusion })
        foreach (var regimen in new[] { "single", "multiple", "steady-state", "lag", "lag-steady-state", "reset" })
            data.Add(cmt, route, regimen);
        return data;
    }

    private static PkProblem Problem(int cmt, Route route, string regimen)
    {
        var p = regimen.StartsWith("lag") ? P with { Tlag = 0.4 } : P;
        DosingEvent[] doses = regimen switch
        {
            "single" or "lag" => [Dose(route, 0)],
            "multiple" => [Dose(route, 0), Dose(route, 12), Dose(route, 24) with { Amount = 50 }],
            "steady-state" or "lag-steady-state" => [Dose(route, 0) with { SteadyStateInterval = 12 }, Dose(route, 12), Dose(route, 24)],
            "reset" => [Dose(route, 0), Dose(route, 12), Dose(route, 24) with { ResetBefore = true }],
            _ => throw new ArgumentException(regimen),
        };
        return new PkProblem(new PkModel(cmt), p, doses, Times, regimen == "reset" ? [18] : null);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ClosedFormAgreesWithOde(int cmt, Route route, string regimen)
    {
        var problem = Problem(cmt, route, regimen);
        var exact = ClosedFormSolver.Instance.Solve(problem).EnsureSuccess();
        var ode = TightOde.Solve(problem).EnsureSuccess();
        for (var i = 0; i < Times.Length; i++)
        {
            if (exact.Concentrations[i] == 0) { Assert.Equal(0, ode.Concentrations[i], 12); continue; }
            Assert.True(Math.Abs(ode.Concentrations[i] / exact.Concentrations[i] - 1) < 1e-6,
                $"t = {Times[i]}: closed form {exact.Concentrations[i]:R}, ODE {ode.Concentrations[i]:R}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void MassBalance_AmountsPlusEliminatedEqualDoses(int cmt)
    {
        DosingEvent[] doses = [DosingEvent.Oral(0, 100), DosingEvent.Bolus(6, 40), DosingEvent.Infusion(10, 60, 3)];
        var problem = new PkProblem(new PkModel(cmt), P, doses, Times);
        foreach (IPkSolver solver in new IPkSolver[] { ClosedFormSolver.Instance, TightOde })
        {
            var sol = solver.Solve(problem).EnsureSuccess();
            for (var i = 0; i < Times.Length; i++)
            {
                var t = Times[i];
                var given = (t >= 0 ? 100 * P.F : 0) + (t >= 6 ? 40 : 0) + 60 * Math.Clamp((t - 10) / 3, 0, 1);
                var total = 0.0;
                for (var s = 0; s < problem.Model.StateCount; s++) total += sol.Amounts[i, s];
                Assert.Equal(given, total, 1e-8 * given);
            }
        }
    }

    [Fact]
    public void Superposition_TwoDosesEqualSumOfShiftedSingles()
    {
        var model = PkModel.TwoCompartment;
        var both = ClosedFormSolver.Instance.Solve(new PkProblem(model, P, [DosingEvent.Oral(0, 100), DosingEvent.Oral(5, 70)], Times)).EnsureSuccess();
        var first = ClosedFormSolver.Instance.Solve(new PkProblem(model, P, [DosingEvent.Oral(0, 100)], Times)).EnsureSuccess();
        var second = ClosedFormSolver.Instance.Solve(new PkProblem(model, P, [DosingEvent.Oral(0, 70)], Times.Select(t => Math.Max(0, t - 5)))).EnsureSuccess();
        for (var i = 0; i < Times.Length; i++)
        {
            var expected = first.Concentrations[i] + (Times[i] >= 5 ? second.Concentrations[i] : 0);
            Assert.Equal(expected, both.Concentrations[i], 1e-12 * expected);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void IvBolusAucInfEqualsDoseOverCL(int cmt)
    {
        // Simpson's rule on [0, 2000 h] (at least 20 terminal half-lives: only the terminal phase is left at the end).
        const int n = 200_000;
        Assert.True(20 * new PkModel(cmt).TerminalHalfLife(P) < 2000, "the integration range must cover the terminal phase");
        var times = Enumerable.Range(0, n + 1).Select(i => 2000.0 * i / n).ToArray();
        var c = ClosedFormSolver.Instance.Solve(new PkProblem(new PkModel(cmt), P, [DosingEvent.Bolus(0, 100)], times)).EnsureSuccess().Concentrations;
        var h = 2000.0 / n;
        var auc = c[0] + c[n];
        for (var i = 1; i < n; i++) auc += (i % 2 == 1 ? 4 : 2) * c[i];
        auc *= h / 3;
        // Plus the mono-exponential tail beyond 2000 h (AucInf = AucLast + Clast / lambda_z).
        auc += c[n] * new PkModel(cmt).TerminalHalfLife(P) / Math.Log(2);
        Assert.Equal(100 / P.CL, auc, 1e-8 * 100 / P.CL);
    }

    [Fact]
    public void FourCompartmentStatesAndTerminalHalfLife()
    {
        Assert.Equal(["Depot", "Central", "Peripheral1", "Peripheral2", "Peripheral3", "Eliminated"], PkModel.FourCompartment.StateNames);
        // A third peripheral slows the terminal phase; late in it the log-slope is the smallest eigenvalue's.
        var t12 = PkModel.FourCompartment.TerminalHalfLife(P);
        Assert.True(t12 > PkModel.ThreeCompartment.TerminalHalfLife(P), $"4 compartments {t12}, 3 compartments {PkModel.ThreeCompartment.TerminalHalfLife(P)}");
        var c = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.FourCompartment, P, [DosingEvent.Bolus(0, 100)], [20 * t12, 21 * t12])).EnsureSuccess().Concentrations;
        Assert.Equal(0.5, c[1] / c[0], 1e-9);
    }

    [Fact]
    public void OneCompartmentHalfLife()
    {
        var halfLife = Math.Log(2) * P.V / P.CL;
        var c = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.OneCompartment, P, [DosingEvent.Bolus(0, 100)], [0, halfLife, 3 * halfLife])).EnsureSuccess().Concentrations;
        Assert.Equal(100 / P.V, c[0], 1e-13);
        Assert.Equal(0.5, c[1] / c[0], 1e-12);
        Assert.Equal(0.125, c[2] / c[0], 1e-12);
        Assert.Equal(halfLife, PkModel.OneCompartment.TerminalHalfLife(P), 1e-12);
    }

    [Fact]
    public void TwoCompartmentTerminalHalfLifeMatchesLateLogSlope()
    {
        var t12 = PkModel.TwoCompartment.TerminalHalfLife(P);
        var c = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.TwoCompartment, P, [DosingEvent.Bolus(0, 100)], [200, 200 + t12])).EnsureSuccess().Concentrations;
        Assert.Equal(0.5, c[1] / c[0], 1e-9);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(12)]
    [InlineData(24)]
    public void SteadyStateAccumulationRatio(double tau)
    {
        var k = P.CL / P.V;
        var model = PkModel.OneCompartment;
        var single = ClosedFormSolver.Instance.Solve(new PkProblem(model, P, [DosingEvent.Bolus(0, 100)], [0, 1])).EnsureSuccess();
        var ss = ClosedFormSolver.Instance.Solve(new PkProblem(model, P, [DosingEvent.Bolus(0, 100) with { SteadyStateInterval = tau }], [0, 1])).EnsureSuccess();
        var ratio = 1 / (1 - Math.Exp(-k * tau));
        Assert.Equal(ratio, ss.Concentrations[0] / single.Concentrations[0], 1e-12);
        Assert.Equal(ratio, ss.Concentrations[1] / single.Concentrations[1], 1e-12);
    }

    [Theory]
    [InlineData(Route.Oral)]
    [InlineData(Route.IvInfusion)]
    public void SteadyStateEqualsManyRepeatedDoses(Route route)
    {
        var p = P with { Tlag = 0.5 };
        var model = PkModel.ThreeCompartment;
        const double tau = 12;
        var many = Enumerable.Range(0, 400).Select(i => Dose(route, i * tau)).ToArray();
        var late = new[] { 399 * tau + 1, 399 * tau + 5, 399 * tau + 11 };
        var repeated = ClosedFormSolver.Instance.Solve(new PkProblem(model, p, many, late)).EnsureSuccess();
        var ss = ClosedFormSolver.Instance.Solve(new PkProblem(model, p, [Dose(route, 0) with { SteadyStateInterval = tau }], [1, 5, 11])).EnsureSuccess();
        for (var i = 0; i < 3; i++) Assert.Equal(repeated.Concentrations[i], ss.Concentrations[i], 1e-7 * repeated.Concentrations[i]);
    }

    /// <summary>Steady state of <paramref name="dose"/> every tau from the history: 400 doses at 0, tau, ..., 399 tau (53 terminal half-lives).</summary>
    private static DosingEvent[] History(DosingEvent dose, double tau) => Enumerable.Range(0, 400).Select(k => dose with { Time = k * tau }).ToArray();

    [Theory]
    [InlineData(Route.IvInfusion, 0, 30)]       // infusion 2.5 intervals long
    [InlineData(Route.IvInfusion, 0, 12)]       // ends exactly at the next dose
    [InlineData(Route.Oral, 15, 0)]             // lag longer than the interval
    [InlineData(Route.Oral, 24, 0)]             // lag of exactly two intervals: the bolus lands with the next-but-one dose
    [InlineData(Route.OralInfusion, 5, 20)]     // lag + zero-order absorption over two intervals
    public void OverlappingSteadyStateEqualsTheLimitOfRepeatedDoses(Route route, double lag, double duration)
    {
        const double tau = 12;
        var p = P with { Tlag = lag };
        var model = PkModel.ThreeCompartment;
        var dose = new DosingEvent(0, 100, route, duration);
        double[] after = [0, 0.5, 3, 7, 11.9, 20];
        var repeated = ClosedFormSolver.Instance.Solve(new PkProblem(model, p, History(dose, tau), after.Select(t => 399 * tau + t))).EnsureSuccess();
        var problem = new PkProblem(model, p, [dose with { SteadyStateInterval = tau }], after);
        var exact = ClosedFormSolver.Instance.Solve(problem).EnsureSuccess();
        var ode = TightOde.Solve(problem).EnsureSuccess();
        for (var i = 0; i < after.Length; i++)
        {
            Assert.Equal(repeated.Concentrations[i], exact.Concentrations[i], 1e-9 * repeated.Concentrations[i]);
            Assert.Equal(exact.Concentrations[i], ode.Concentrations[i], 1e-6 * exact.Concentrations[i]);
        }
    }

    [Theory]
    [InlineData(Route.Oral)]
    [InlineData(Route.IvInfusion)]
    public void AdditiveSteadyStateEqualsTheExplicitHistoryPlusTheRegimen(Route route)
    {
        // SS=2 at t0 on top of doses at t0 - 8 and t0 - 3 = those doses plus 400 regimen doses ending at t0.
        const double tau = 12, t0 = 399 * tau;
        var p = P with { Tlag = 0.5 };
        var model = PkModel.TwoCompartment;
        var dose = route == Route.Oral ? DosingEvent.Oral(0, 100) : DosingEvent.Infusion(0, 100, 20);
        DosingEvent[] earlier = [DosingEvent.Bolus(t0 - 8, 70), DosingEvent.Oral(t0 - 3, 40)];
        double[] times = [t0 - 1, t0, t0 + 0.5, t0 + 4, t0 + 30];
        var explicitHistory = ClosedFormSolver.Instance.Solve(new PkProblem(model, p, [.. History(dose, tau), .. earlier], times)).EnsureSuccess();
        var additive = new PkProblem(model, p, [.. earlier, dose with { Time = t0, SteadyStateInterval = tau, SteadyStateAdditive = true }], times);
        var exact = ClosedFormSolver.Instance.Solve(additive).EnsureSuccess();
        var ode = TightOde.Solve(additive).EnsureSuccess();
        var before = ClosedFormSolver.Instance.Solve(new PkProblem(model, p, earlier, [t0 - 1])).EnsureSuccess();
        Assert.Equal(before.Concentrations[0], exact.Concentrations[0], 1e-12 * before.Concentrations[0]);
        for (var i = 1; i < times.Length; i++)
        {
            Assert.Equal(explicitHistory.Concentrations[i], exact.Concentrations[i], 1e-9 * explicitHistory.Concentrations[i]);
            Assert.Equal(exact.Concentrations[i], ode.Concentrations[i], 1e-6 * exact.Concentrations[i]);
        }
        // SS=1 instead replaces the earlier doses: the regimen alone.
        var replacing = ClosedFormSolver.Instance.Solve(new PkProblem(model, p, [.. earlier, dose with { Time = t0, SteadyStateInterval = tau }], times)).EnsureSuccess();
        var regimenOnly = ClosedFormSolver.Instance.Solve(new PkProblem(model, p, History(dose, tau), times)).EnsureSuccess();
        for (var i = 1; i < times.Length; i++)
            Assert.Equal(regimenOnly.Concentrations[i], replacing.Concentrations[i], 1e-9 * regimenOnly.Concentrations[i]);
    }

    [Fact]
    public void EvidFourWithSsTwoEqualsSsOne()
    {
        // EVID 4 empties the body first, so adding the steady state (SS=2) gives the same as replacing it (SS=1).
        DosingEvent[] earlier = [DosingEvent.Bolus(0, 70)];
        var regimen = DosingEvent.Infusion(5, 100, 20) with { SteadyStateInterval = 12 };
        double[] times = [5, 6, 12, 40];
        var replace = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.TwoCompartment, P, [.. earlier, regimen], times)).EnsureSuccess();
        var resetAndAdd = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.TwoCompartment, P, [.. earlier, regimen with { ResetBefore = true, SteadyStateAdditive = true }], times)).EnsureSuccess();
        var add = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.TwoCompartment, P, [.. earlier, regimen with { SteadyStateAdditive = true }], times)).EnsureSuccess();
        for (var i = 0; i < times.Length; i++)
        {
            Assert.Equal(replace.Concentrations[i], resetAndAdd.Concentrations[i], 1e-13 * replace.Concentrations[i]);
            Assert.True(add.Concentrations[i] > replace.Concentrations[i] * (1 + 1e-6), $"t = {times[i]}: SS=2 keeps the earlier bolus");
        }
    }

    [Fact]
    public void ResetsAndLaterSteadyStatesVoidTheLeftoversOfAnOverlappingRegimen()
    {
        var model = PkModel.OneCompartment;
        var overlapping = DosingEvent.Infusion(0, 100, 30) with { SteadyStateInterval = 12 };
        // EVID 3 at t = 4: empty from then on although earlier infusions of the regimen would still be running.
        var reset = ClosedFormSolver.Instance.Solve(new PkProblem(model, P, [overlapping], [2, 4, 10, 25], resetTimes: [4])).EnsureSuccess();
        Assert.True(reset.Concentrations[0] > 0);
        Assert.Equal([0.0, 0, 0], reset.Concentrations.Skip(1));
        // A later SS=1 bolus regimen at t = 5 replaces everything: the bolus regimen alone from then on.
        var bolusRegimen = DosingEvent.Bolus(5, 50) with { SteadyStateInterval = 8 };
        var replaced = ClosedFormSolver.Instance.Solve(new PkProblem(model, P, [overlapping, bolusRegimen], [6, 20])).EnsureSuccess();
        var alone = ClosedFormSolver.Instance.Solve(new PkProblem(model, P, [bolusRegimen], [6, 20])).EnsureSuccess();
        for (var i = 0; i < 2; i++) Assert.Equal(alone.Concentrations[i], replaced.Concentrations[i], 1e-13 * alone.Concentrations[i]);
    }

    [Fact]
    public void OdeSteadyStateConvergesByNewtonWhenTheIntervalIsFarShorterThanTheHalfLife()
    {
        // Half-life 693 h, interval 1 h: plain iteration contracts by exp(-0.001) per interval.
        var p = new PkParameters { CL = 0.1, V = 100, Ka = 2 };
        var model = PkModel.OneCompartment;
        var problem = new PkProblem(model, p, [DosingEvent.Oral(0, 10) with { SteadyStateInterval = 1 }], [0.25, 0.5, 0.99]);
        var exact = ClosedFormSolver.Instance.Solve(problem).EnsureSuccess();
        var newton = TightOde.Solve(problem).EnsureSuccess();
        for (var i = 0; i < 3; i++) Assert.Equal(exact.Concentrations[i], newton.Concentrations[i], 1e-7 * exact.Concentrations[i]);
        // Newton: the map from 0, then per iteration one map per unknown (depot, central) and one for the step; plain
        // iteration would need ~25,000 intervals to reach 1e-11.
        var oneInterval = TightOde.Solve(new PkProblem(model, p, [DosingEvent.Oral(0, 10)], [1])).Steps;
        Assert.True(newton.Steps <= 12 * oneInterval, $"{newton.Steps} integration steps, {oneInterval} per interval");
        // A depot emptied within the interval (Ka 5/h, interval 24 h: trough e^-120 of the dose) is no obstacle.
        var emptied = new PkProblem(PkModel.TwoCompartment, P with { Ka = 5 }, [DosingEvent.Oral(0, 100) with { SteadyStateInterval = 24 }], [1, 12]);
        var emptiedOde = TightOde.Solve(emptied).EnsureSuccess();
        var emptiedExact = ClosedFormSolver.Instance.Solve(emptied).EnsureSuccess();
        for (var i = 0; i < 2; i++) Assert.Equal(emptiedExact.Concentrations[i], emptiedOde.Concentrations[i], 1e-7 * emptiedExact.Concentrations[i]);
        var emptiedInterval = TightOde.Solve(new PkProblem(PkModel.TwoCompartment, P with { Ka = 5 }, [DosingEvent.Oral(0, 100)], [24])).Steps;
        Assert.True(emptiedOde.Steps <= 12 * emptiedInterval, $"{emptiedOde.Steps} integration steps, {emptiedInterval} per interval");
        // The plain iteration alone gives up after 2,000 intervals.
        var plain = new OdeSolver(TightOde.Options) { MaxNewtonIterations = 0, MaxSteadyStateIntervals = 2000 }.Solve(problem);
        Assert.Equal(SolveStatus.SteadyStateNotConverged, plain.Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2.5)] // lag longer than the interval: overlapping doses on the nonlinear path
    public void MichaelisMentenSteadyStateWithShortIntervalIsPeriodic(double lag)
    {
        // Saturable elimination (concentrations above Km = 0.5 mg/L), interval 2 h against a low-concentration half-life of 14 h.
        var mm = P with { Km = 0.5, Vmax = 2, Tlag = lag };
        var model = new PkModel(2, Elimination.MichaelisMenten);
        const double tau = 2;
        DosingEvent[] doses = [DosingEvent.Oral(0, 3) with { SteadyStateInterval = tau }, DosingEvent.Oral(tau, 3), DosingEvent.Oral(2 * tau, 3)];
        var sol = TightOde.Solve(new PkProblem(model, mm, doses, [0.5, 1.5, tau + 0.5, tau + 1.5, 2 * tau + 0.5])).EnsureSuccess();
        Assert.Equal(sol.Concentrations[0], sol.Concentrations[2], 1e-7 * sol.Concentrations[0]);
        Assert.Equal(sol.Concentrations[0], sol.Concentrations[4], 1e-7 * sol.Concentrations[0]);
        Assert.Equal(sol.Concentrations[1], sol.Concentrations[3], 1e-7 * sol.Concentrations[1]);
        Assert.InRange(sol.Concentrations[0] / mm.Km, 1, 20);
    }

    [Fact]
    public void TheophyllineMatchesRsSSfol()
    {
        // R: SSfol(Dose, Time, lKe, lKa, lCl) = Dose * exp(lKe + lKa - lCl) * (exp(-exp(lKe) t) - exp(-exp(lKa) t)) / (exp(lKa) - exp(lKe)),
        // with nlme's published Theoph estimates lKe = -2.4546, lKa = 0.4655, lCl = -3.2272 (Dose in mg/kg).
        const double lKe = -2.4546, lKa = 0.4655, lCl = -3.2272, dose = 4.02;
        double[] times = [0.25, 0.57, 1.12, 2.02, 3.82, 5.1, 7.03, 9.05, 12.12, 24.37];
        var ke = Math.Exp(lKe); var ka = Math.Exp(lKa); var cl = Math.Exp(lCl);
        var p = new PkParameters { CL = cl, V = cl / ke, Ka = ka };
        var sol = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.OneCompartment, p, [DosingEvent.Oral(0, dose)], times)).EnsureSuccess();
        var ode = TightOde.Solve(new PkProblem(PkModel.OneCompartment, p, [DosingEvent.Oral(0, dose)], times)).EnsureSuccess();
        for (var i = 0; i < times.Length; i++)
        {
            var t = times[i];
            var ssfol = dose * Math.Exp(lKe + lKa - lCl) * (Math.Exp(-ke * t) - Math.Exp(-ka * t)) / (ka - ke);
            Assert.Equal(ssfol, sol.Concentrations[i], 1e-12 * ssfol);
            Assert.Equal(ssfol, ode.Concentrations[i], 1e-7 * ssfol);
        }
    }

    [Fact]
    public void OralWithKaEqualToKHasNoSingularity()
    {
        // ka = k: C(t) = D k t exp(-k t) / V, where the usual two-exponential formula divides by zero.
        var p = new PkParameters { CL = 3, V = 30, Ka = 0.1 };
        double[] times = [0.5, 2, 10, 30];
        var c = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.OneCompartment, p, [DosingEvent.Oral(0, 100)], times)).EnsureSuccess().Concentrations;
        for (var i = 0; i < times.Length; i++)
        {
            var expected = 100 * 0.1 * times[i] * Math.Exp(-0.1 * times[i]) / 30;
            Assert.Equal(expected, c[i], 1e-12 * expected);
        }
    }

    [Fact]
    public void EvidThreeResetEmptiesTheSystem()
    {
        var sol = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.TwoCompartment, P, [DosingEvent.Bolus(0, 100), DosingEvent.Bolus(10, 100)], [5, 8, 9, 10, 11], resetTimes: [8])).EnsureSuccess();
        Assert.True(sol.Concentrations[0] > 0);
        Assert.Equal(0, sol.Concentrations[1]);
        Assert.Equal(0, sol.Concentrations[2]);
        var fresh = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.TwoCompartment, P, [DosingEvent.Bolus(0, 100)], [0, 1])).EnsureSuccess();
        Assert.Equal(fresh.Concentrations[0], sol.Concentrations[3], 1e-13);
        Assert.Equal(fresh.Concentrations[1], sol.Concentrations[4], 1e-13);
    }

    [Fact]
    public void ForIndividualUsesDosesObservationTimesAndResets()
    {
        var ind = new Individual("7", [DosingEvent.Bolus(0, 100), DosingEvent.Bolus(10, 100)],
            [new Observation(1, 0), new Observation(9, 0), new Observation(11, 0)], resetTimes: [8]);
        var sol = ClosedFormSolver.Instance.Solve(PkProblem.ForIndividual(ind, PkModel.OneCompartment, P)).EnsureSuccess();
        Assert.Equal(100 / P.V * Math.Exp(-P.CL / P.V), sol.Concentrations[0], 1e-13);
        Assert.Equal(0, sol.Concentrations[1]);
        Assert.Equal(sol.Concentrations[0], sol.Concentrations[2], 1e-13);
    }

    [Fact]
    public void TimeVaryingParameters_ClosedFormOnSegmentsAgreesWithOde()
    {
        var segments = new[] { new ParameterSegment(0, P), new ParameterSegment(4, P with { CL = 6, Ka = 0.5 }), new ParameterSegment(20, P with { V = 20 }) };
        var problem = new PkProblem(PkModel.TwoCompartment, segments, [DosingEvent.Oral(0, 100), DosingEvent.Infusion(12, 50, 2)], Times);
        var exact = ClosedFormSolver.Instance.Solve(problem).EnsureSuccess();
        var ode = TightOde.Solve(problem).EnsureSuccess();
        for (var i = 0; i < Times.Length; i++) Assert.Equal(1, ode.Concentrations[i] / exact.Concentrations[i], 1e-6);
        // CL rises at t = 4: the profile differs from constant parameters after 4 h only.
        var constant = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.TwoCompartment, P, problem.Doses, Times)).EnsureSuccess();
        Assert.Equal(constant.Concentrations[3], exact.Concentrations[3], 1e-13);
        Assert.True(exact.Concentrations[6] < 0.9 * constant.Concentrations[6]);
    }

    [Fact]
    public void MichaelisMenten_ClosedFormRefuses_OdeMatchesLinearWhenFarBelowKm()
    {
        var mm = P with { Km = 1e4, Vmax = 1e4 * P.CL };
        var problem = new PkProblem(new PkModel(2, Elimination.MichaelisMenten), mm, [DosingEvent.Oral(0, 100)], Times);
        Assert.Equal(SolveStatus.Unsupported, ClosedFormSolver.Instance.Solve(problem).Status);
        var ode = TightOde.Solve(problem).EnsureSuccess();
        var linear = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.TwoCompartment, P, problem.Doses, Times)).EnsureSuccess();
        // C <= ~3 mg/L, so Vmax C/(Km + C) differs from CL C by at most C/Km = 3e-4 relative.
        for (var i = 0; i < Times.Length; i++) Assert.Equal(1, ode.Concentrations[i] / linear.Concentrations[i], 5e-4);
        // Saturated (Km = 0.01 << C in [2.67, 3.33]): elimination runs at Vmax C/(Km + C), between 0.9963 and 0.9970 Vmax.
        var saturated = TightOde.Solve(new PkProblem(new PkModel(1, Elimination.MichaelisMenten), P with { Km = 0.01, Vmax = 2 }, [DosingEvent.Bolus(0, 100)], [10])).EnsureSuccess();
        Assert.InRange(saturated.Amounts[0, 2], 20 * (80.0 / 30) / (0.01 + 80.0 / 30), 20 * (100.0 / 30) / (0.01 + 100.0 / 30));
    }

    [Fact]
    public void MichaelisMentenSteadyStateEqualsManyRepeatedDoses()
    {
        var mm = P with { Km = 1, Vmax = 4 };
        var model = new PkModel(1, Elimination.MichaelisMenten);
        var ode = new OdeSolver(new OdeOptions(1e-9, 1e-12));
        var many = Enumerable.Range(0, 150).Select(i => DosingEvent.Oral(i * 12.0, 30)).ToArray();
        var repeated = ode.Solve(new PkProblem(model, mm, many, [149 * 12 + 2.0])).EnsureSuccess();
        var ss = ode.Solve(new PkProblem(model, mm, [DosingEvent.Oral(0, 30) with { SteadyStateInterval = 12 }], [2.0])).EnsureSuccess();
        Assert.Equal(repeated.Concentrations[0], ss.Concentrations[0], 1e-5 * repeated.Concentrations[0]);
    }

    [Fact]
    public void InvalidProblemsNameTheParameter()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PkProblem(PkModel.TwoCompartment, P with { V2 = 0 }, [], [1]));
        Assert.Equal("PK parameter V2 = 0 must be a finite number > 0.", ex.Message);
        var ex2 = Assert.Throws<ArgumentException>(() => new PkProblem(PkModel.OneCompartment, P, [], [2, 1]));
        Assert.StartsWith("output times must be ascending (2 then 1).", ex2.Message);
        var ex3 = Assert.Throws<ArgumentException>(() => new PkProblem(PkModel.FourCompartment, P with { V4 = -1 }, [], [1]));
        Assert.Equal("PK parameter V4 = -1 must be a finite number > 0.", ex3.Message);
        var ex5 = Assert.Throws<ArgumentException>(() => new PkProblem(PkModel.OneCompartment, P, [DosingEvent.Bolus(3, 10) with { SteadyStateAdditive = true }], [1]));
        Assert.StartsWith("dose at time 3 is marked SteadyStateAdditive (SS=2) but has no SteadyStateInterval; expected an interval > 0.", ex5.Message);
        var ex4 = Assert.Throws<ArgumentOutOfRangeException>(() => new PkProblem(new PkModel(5), P, [], [1]));
        Assert.StartsWith("Compartments must be 1, 2, 3 or 4.", ex4.Message);
    }

    [Fact]
    public void AModelReadsAsWordsInTitles()
    {
        Assert.Equal("1 compartment, linear elimination", PkModel.OneCompartment.ToString());
        Assert.Equal("3 compartments, Michaelis-Menten elimination", new PkModel(3, Elimination.MichaelisMenten).ToString());
    }
}
