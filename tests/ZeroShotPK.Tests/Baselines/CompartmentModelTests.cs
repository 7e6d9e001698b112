using ZeroShotPK.Data;
using ZeroShotPK.Models.Baselines;

namespace ZeroShotPK.Tests.Baselines;

public class CompartmentModelTests
{
    private static double[] At(PkParameters p, IReadOnlyList<DosingEvent> doses, params double[] t) => CompartmentModel.Concentrations(p, doses, [], t);

    [Fact]
    public void OneCompartmentOralMatchesBatemanFunction()
    {
        var p = new PkParameters(CL: 2, V: 20, Ka: 1.5, F: 0.8);
        double k = 0.1, t = 3;
        double expected = 0.8 * 100 * 1.5 / (20 * (1.5 - k)) * (Math.Exp(-k * t) - Math.Exp(-1.5 * t));
        Assert.Equal(expected, At(p, [DosingEvent.Oral(0, 100)], t)[0], 12);
        Assert.Equal(0, At(p, [DosingEvent.Oral(1, 100)], 0.5)[0]);
    }

    [Fact]
    public void TwoCompartmentMatchesRk4ForOralBolusAndInfusion()
    {
        var p = new PkParameters(CL: 3, V: 10, Ka: 0.9, Q: 4, V2: 30, F: 0.7);
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
        var p = new PkParameters(CL: 1, V: 10, Ka: 0.8, Q: 2, V2: 15);
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
        var p = new PkParameters(CL: 1, V: 10, Ka: 1);
        var c = CompartmentModel.Concentrations(p, [DosingEvent.Bolus(0, 100), DosingEvent.Bolus(10, 50)], [5], [4, 6, 12]);
        Assert.Equal(10 * Math.Exp(-0.4), c[0], 12);
        Assert.Equal(0, c[1]);
        Assert.Equal(5 * Math.Exp(-0.2), c[2], 12);
    }
}
