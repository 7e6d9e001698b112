using ZeroShotPK.Data;
using ZeroShotPK.Models.Baselines;
using static TorchSharp.torch;

namespace ZeroShotPK.Tests.Baselines.NeuralOde;

/// <summary>
/// The ODE plumbing (per-individual grids, RK4, dose impulses, infusions, resets) against closed forms: with a
/// state-independent rate network the neural ODE is a linear compartment model whose solution is known.
/// </summary>
[Collection(TorchCollection.Name)]
public class NeuralOdeGridTests
{
    private static readonly NodeScales Unit = new(1, 1, 1);

    private static double[] Solve(int states, double[] rates, double[,] routing, Individual ind, double[] times, int steps) =>
        Solve(states, rates, routing, ind, times, steps, stepControl: true).Values;

    private static (double[] Values, int NonPositive, int Substeps) Solve(int states, double[] rates, double[,] routing, Individual ind, double[] times, int steps, bool stepControl)
    {
        using var net = new NeuralOdeNet(states, 4, 2, 0, seed: 1);
        net.SetLinear(rates, routing);
        using var grid = NodeGrid.Build([(ind, times)], Unit, states, steps);
        grid.StepControl = stepControl;
        grid.TrackPositivity = true;
        using var z = zeros(1, 2, ScalarType.Float64);
        using var log = grid.LogCentral(net, z);
        return (log.data<double>().ToArray().Select(Math.Exp).ToArray(), grid.LastNonPositive, grid.LastSubsteps);
    }

    [Fact]
    public void FastRatesOnACoarseGridAreSubsteppedAndStayPositive()
    {
        // The fitted rates, routing and sampling of a target of a misspecified synthetic study (misspecified-7e28bdea0d8a385c,
        // individual 7, times over the context span of 84.15 h), with the default 32 steps: depot 21.45, central 13.5,
        // peripheral 1.27 per unit time; depot -> central 0.919 (-> peripheral 0.036, lost 0.045), central -> peripheral
        // 0.182 (eliminated 0.818), peripheral -> central 0.878 (eliminated 0.122).
        double[] rates = [21.45, 13.5, 1.27];
        var routing = new double[3, 4] { { 0, 0.919, 0.036, 0.045 }, { 0, 0, 0.182, 0.818 }, { 0, 0.878, 0, 0.122 } };
        var ind = new Individual("1", [DosingEvent.Oral(0, 1)], []);
        var times = new[] { 0.73, 1.46, 2.2, 2.93, 3.66, 8.01, 17.55, 56.87, 124.5, 184.3, 272.7 }.Select(t => t / 84.15).ToArray();
        // Reference: the same linear system on a fine grid (the plumbing is checked against closed forms below).
        var reference = Solve(3, rates, routing, ind, times, 4000);
        // Without step control (as before) steps of up to 0.126 give h·r = 2.7 for the depot: the explicit scheme
        // overshoots and the central amount goes negative from 17.55 h on (its log then the 1e-300 floor).
        var old = Solve(3, rates, routing, ind, times, 32, stepControl: false);
        Assert.True(old.NonPositive > 0, $"expected the uncontrolled RK4 to go non-positive, got [{string.Join(", ", old.Values)}]");
        Assert.Equal(32, old.Substeps);
        // With it: substeps until h·r <= 1 (the rate bound softplus(b2 + sum |W2|) is the fastest rate here, W2 = 0).
        var got = Solve(3, rates, routing, ind, times, 32, stepControl: true);
        Assert.Equal(0, got.NonPositive);
        Assert.InRange(got.Substeps, 33, 120);
        for (int i = 0; i < times.Length; i++)
            Assert.InRange(Math.Abs(Math.Log(got.Values[i] / reference[i])), 0, 0.02);
    }

    [Fact]
    public void RepeatedOralAndIvDosesMatchOneCompartmentSuperposition()
    {
        const double ka = 1.3, ke = 0.2, f = 0.8;
        var doses = new[] { DosingEvent.Oral(0, 100), DosingEvent.Oral(12, 100), DosingEvent.Bolus(20, 50), DosingEvent.Oral(24, 60) };
        var ind = new Individual("1", doses, []);
        var times = new[] { 0.5, 1, 2, 6, 12, 12.5, 19, 20, 21, 24, 30, 48 };
        // Depot -> central with probability F (rest lost: first pass), central -> elimination.
        var routing = new double[2, 3] { { 0, f, 1 - f }, { 0, 0, 1 } };
        var got = Solve(2, [ka, ke], routing, ind, times, 600);
        for (int i = 0; i < times.Length; i++)
        {
            double t = times[i], expected = 0;
            foreach (var d in doses.Where(d => d.Time < t))
            {
                double tau = t - d.Time;
                expected += d.Route == Route.Oral
                    ? f * d.Amount * ka / (ka - ke) * (Math.Exp(-ke * tau) - Math.Exp(-ka * tau))
                    : d.Amount * Math.Exp(-ke * tau);
            }
            // A sample at a dose time (20, 24) is a trough: it sees the state before that dose.
            Assert.Equal(expected, got[i], expected * 1e-5);
        }
    }

    [Fact]
    public void InfusionAndResetMatchClosedForm()
    {
        const double ke = 0.3, rate = 10, duration = 2;
        var doses = new[] { DosingEvent.Infusion(1, rate * duration, duration), new DosingEvent(10, 5, Route.IvBolus, ResetBefore: true) };
        var ind = new Individual("1", doses, [], resetTimes: [8]);
        var times = new[] { 2, 3, 5, 7.9, 9, 11 };
        var routing = new double[2, 3] { { 0, 1, 0 }, { 0, 0, 1 } };
        var got = Solve(2, [1, ke], routing, ind, times, 800);
        double Infused(double t) => t <= 1 ? 0 : t <= 3 ? rate / ke * (1 - Math.Exp(-ke * (t - 1)))
            : rate / ke * (1 - Math.Exp(-ke * duration)) * Math.Exp(-ke * (t - 3));
        Assert.Equal(Infused(2), got[0], Infused(2) * 1e-7);
        Assert.Equal(Infused(3), got[1], Infused(3) * 1e-7);
        Assert.Equal(Infused(5), got[2], Infused(5) * 1e-7);
        Assert.Equal(Infused(7.9), got[3], Infused(7.9) * 1e-7);
        Assert.True(got[4] < 1e-200, $"after the reset at 8 the system is empty, got {got[4]}");
        Assert.Equal(5 * Math.Exp(-ke * 1), got[5], 1e-7);
    }

    [Fact]
    public void CoarseGridKeepsNodesOnSampleTimesAndStaysAccurate()
    {
        // The default 32 steps, most spent where the samples are sparse: RK4 error stays well under typical residual error (5%).
        const double ka = 1.5, ke = 0.1;
        var ind = new Individual("1", [DosingEvent.Oral(0, 1)], []);
        var times = new[] { 0.25, 0.5, 1, 2, 3.5, 5, 7, 9, 12, 24 };
        var got = Solve(2, [ka, ke], new double[2, 3] { { 0, 1, 0 }, { 0, 0, 1 } }, ind, times, new NeuralOdeOptions().Steps);
        for (int i = 0; i < times.Length; i++)
        {
            double expected = ka / (ka - ke) * (Math.Exp(-ke * times[i]) - Math.Exp(-ka * times[i]));
            Assert.InRange(Math.Abs(Math.Log(got[i] / expected)), 0, 0.005);
        }
    }
}
