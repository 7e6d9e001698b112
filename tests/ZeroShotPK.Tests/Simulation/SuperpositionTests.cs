using ZeroShotPK.Data;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Tests.Simulation;

/// <summary>The fast path <see cref="ClosedFormSolver.Concentrations"/> (sum of exponentials) against analytic forms, RK4 and the matrix exponential.</summary>
public class SuperpositionTests
{
    private static PkModel Model(PkParameters p) => p.V2 > 0 ? PkModel.TwoCompartment : PkModel.OneCompartment;

    private static double[] At(PkParameters p, IReadOnlyList<DosingEvent> doses, params double[] t) =>
        ClosedFormSolver.Concentrations(Model(p), p, doses, [], t);

    [Fact]
    public void OneCompartmentOralMatchesBatemanFunction()
    {
        var p = new PkParameters { CL = 2, V = 20, Ka = 1.5, F = 0.8 };
        double k = 0.1, t = 3;
        double expected = 0.8 * 100 * 1.5 / (20 * (1.5 - k)) * (Math.Exp(-k * t) - Math.Exp(-1.5 * t));
        Assert.Equal(expected, At(p, [DosingEvent.Oral(0, 100)], t)[0], 12);
        Assert.Equal(0, At(p, [DosingEvent.Oral(1, 100)], 0.5)[0]);
    }

    [Fact]
    public void TwoCompartmentMatchesRk4ForOralBolusAndInfusion()
    {
        var p = new PkParameters { CL = 3, V = 10, Ka = 0.9, Q = 4, V2 = 30, F = 0.7 };
        DosingEvent[] doses = [DosingEvent.Oral(0, 100), DosingEvent.Bolus(5, 50), DosingEvent.Infusion(8, 60, 2)];
        double[] times = [0.5, 2, 4.5, 5.5, 9, 12, 24];
        var closed = At(p, doses, times);
        // RK4 on depot/central/peripheral amounts, step 1e-3.
        double a0 = 0, a1 = 0, a2 = 0, t = 0, h = 1e-3;
        double k10 = p.CL / p.V, k12 = p.Q / p.V, k21 = p.Q / p.V2;
        int next = 0;
        foreach (var (tq, expected) in times.Zip(closed))
        {
            while (t < tq - 1e-12)
            {
                if (next < doses.Length && Math.Abs(t - doses[next].Time) < 1e-9)
                {
                    if (doses[next].Route == Route.Oral) a0 += 0.7 * 100; else if (doses[next].Route == Route.IvBolus) a1 += 50;
                    next++;
                }
                // Infusion edges lie on the step grid, so the rate is constant within a step.
                double rate = t >= 8 - 1e-9 && t < 10 - 1e-9 ? 30 : 0;
                (double, double, double) D(double s, double x0, double x1, double x2) =>
                    (-p.Ka * x0, p.Ka * x0 - (k10 + k12) * x1 + k21 * x2 + rate, k12 * x1 - k21 * x2);
                var d1 = D(t, a0, a1, a2);
                var d2 = D(t + h / 2, a0 + h / 2 * d1.Item1, a1 + h / 2 * d1.Item2, a2 + h / 2 * d1.Item3);
                var d3 = D(t + h / 2, a0 + h / 2 * d2.Item1, a1 + h / 2 * d2.Item2, a2 + h / 2 * d2.Item3);
                var d4 = D(t + h, a0 + h * d3.Item1, a1 + h * d3.Item2, a2 + h * d3.Item3);
                a0 += h / 6 * (d1.Item1 + 2 * d2.Item1 + 2 * d3.Item1 + d4.Item1);
                a1 += h / 6 * (d1.Item2 + 2 * d2.Item2 + 2 * d3.Item2 + d4.Item2);
                a2 += h / 6 * (d1.Item3 + 2 * d2.Item3 + 2 * d3.Item3 + d4.Item3);
                t = Math.Round(t + h, 9);
            }
            Assert.Equal(a1 / p.V, expected, 1e-6 * Math.Max(1, expected));
        }
    }

    [Theory]
    [InlineData(0.0)]   // oral
    [InlineData(1.0)]   // 1 h infusion
    public void SteadyStateEqualsManyRepeatedDoses(double duration)
    {
        var p = new PkParameters { CL = 1, V = 10, Ka = 0.8, Q = 2, V2 = 15 };
        DosingEvent Dose(double t, double? ii) => duration == 0
            ? new DosingEvent(t, 100, Route.Oral, SteadyStateInterval: ii)
            : new DosingEvent(t, 100, Route.IvInfusion, duration, ii);
        var repeated = Enumerable.Range(0, 400).Select(n => Dose(n * 12.0, null)).ToArray();
        double[] within = [0.5, 3, 11.9, 15];
        var ss = At(p, [Dose(0, 12), Dose(12, null)], within);
        var many = At(p, repeated, within.Select(x => x + 399 * 12.0 - 12).ToArray());
        // The steady-state dose at 0 followed by one more dose equals the 399th and 400th doses of a long train.
        for (int j = 0; j < within.Length; j++) Assert.Equal(many[j], ss[j], 1e-9 * many[j]);
    }

    [Fact]
    public void ResetDropsEarlierDoses()
    {
        var p = new PkParameters { CL = 1, V = 10, Ka = 1 };
        var c = ClosedFormSolver.Concentrations(PkModel.OneCompartment, p, [DosingEvent.Bolus(0, 100), DosingEvent.Bolus(10, 50)], [5], [4, 6, 12]);
        Assert.Equal(10 * Math.Exp(-0.4), c[0], 12);
        Assert.Equal(0, c[1]);
        Assert.Equal(5 * Math.Exp(-0.2), c[2], 12);
    }

    // Random histories with every feature the fast path handles: oral (with lag and F), bolus, infusions into central
    // and depot, steady-state doses (SS=1 and SS=2, with lag), EVID 4 reset doses and EVID 3 resets, one or two compartments.
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void FastPathEqualsMatrixExponentialSolve(int seed)
    {
        var rng = new Rng(seed); // the project's platform-independent generator
        for (int trial = 0; trial < 25; trial++)
        {
            bool two = rng.NextInt(0, 1) == 0;
            var p = new PkParameters
            {
                CL = 0.5 + 3 * rng.NextDouble(), V = 5 + 30 * rng.NextDouble(), Ka = 0.2 + 2 * rng.NextDouble(),
                Q = two ? 0.5 + 3 * rng.NextDouble() : 0, V2 = two ? 5 + 40 * rng.NextDouble() : 0,
                F = 0.5 + 0.5 * rng.NextDouble(), Tlag = rng.NextInt(0, 2) == 0 ? 0.7 * rng.NextDouble() : 0,
            };
            var doses = new List<DosingEvent>();
            double t = 0;
            for (int k = 0; k < 1 + rng.NextInt(0, 3); k++)
            {
                var route = (Route)rng.NextInt(0, 3);
                bool inf = route is Route.IvInfusion or Route.OralInfusion;
                double dur = inf ? 0.5 + 2 * rng.NextDouble() : 0;
                double? ii = rng.NextInt(0, 3) == 0 ? 12 : null;
                doses.Add(new DosingEvent(t, 50 + 100 * rng.NextDouble(), route, dur, ii, ResetBefore: rng.NextInt(0, 5) == 0,
                    SteadyStateAdditive: ii is not null && rng.NextInt(0, 1) == 0));
                t += 3 + 10 * rng.NextDouble();
            }
            double[] resets = rng.NextInt(0, 2) == 0 ? [Math.Round(t * rng.NextDouble(), 2)] : [];
            var times = Enumerable.Range(0, 30).Select(j => Math.Round((t + 12) * j / 29, 3)).ToArray();
            var model = two ? PkModel.TwoCompartment : PkModel.OneCompartment;
            var exact = ClosedFormSolver.Instance.Solve(new PkProblem(model, p, doses, times, resets)).EnsureSuccess().Concentrations;
            var fast = ClosedFormSolver.Concentrations(model, p, doses, resets, times);
            for (int j = 0; j < times.Length; j++)
                Assert.True(Math.Abs(exact[j] - fast[j]) <= 1e-9 * Math.Max(1, Math.Abs(exact[j])),
                    $"seed {seed} trial {trial} t={times[j]}: matrix exponential {exact[j]}, superposition {fast[j]}");
        }
    }

    [Fact]
    public void UnsortedTimesAndThreeCompartmentsGiveTheSolverAnswer()
    {
        var p = new PkParameters { CL = 2, V = 10, Ka = 1, Q = 3, V2 = 20, Q3 = 0.5, V3 = 40 };
        DosingEvent[] doses = [DosingEvent.Oral(0, 100), DosingEvent.Infusion(6, 50, 1)];
        double[] times = [12, 0.5, 7, 3];
        var fallback = ClosedFormSolver.Concentrations(PkModel.ThreeCompartment, p, doses, [], times);
        var sorted = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.ThreeCompartment, p, doses, times.Order())).Concentrations;
        Assert.Equal([sorted[3], sorted[0], sorted[2], sorted[1]], fallback);
        var fast = ClosedFormSolver.Concentrations(PkModel.TwoCompartment, p, doses, [], times);
        var fastSorted = ClosedFormSolver.Concentrations(PkModel.TwoCompartment, p, doses, [], times.Order().ToArray());
        Assert.Equal([fastSorted[3], fastSorted[0], fastSorted[2], fastSorted[1]], fast);
    }

    [Fact]
    public void ResetDuringTheLagOfASteadyStateDoseKeepsOnlyThatDose()
    {
        // The steady-state trough is wiped by the reset at t = 1, but the dose itself is absorbed after its lag (t = 2).
        var p = new PkParameters { CL = 1, V = 10, Ka = 1, Tlag = 2 };
        DosingEvent[] doses = [new DosingEvent(0, 100, Route.Oral, SteadyStateInterval: 12)];
        double[] times = [0.5, 1.5, 3, 5];
        var exact = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.OneCompartment, p, doses, times, [1.0])).Concentrations;
        var fast = ClosedFormSolver.Concentrations(PkModel.OneCompartment, p, doses, [1.0], times);
        Assert.Equal(0, fast[1]);
        Assert.True(fast[0] > 0);
        for (int j = 0; j < times.Length; j++) Assert.Equal(exact[j], fast[j], 1e-12);
    }

    [Fact]
    public void OverlappingSteadyStateGoesToTheGeneralSolver()
    {
        // Lag + infusion duration beyond the interval: earlier doses of the regimen are still running, which the
        // geometric sums do not cover, so the fast path hands the problem to the matrix-exponential solver.
        var p = new PkParameters { CL = 1, V = 10, Ka = 1, Tlag = 2 };
        DosingEvent[] doses = [new DosingEvent(0, 100, Route.OralInfusion, 11, 12)];
        double[] times = [1, 5, 13];
        var exact = ClosedFormSolver.Instance.Solve(new PkProblem(PkModel.OneCompartment, p, doses, times)).EnsureSuccess().Concentrations;
        Assert.Equal(exact, ClosedFormSolver.Concentrations(PkModel.OneCompartment, p, doses, [], times));
    }
}
