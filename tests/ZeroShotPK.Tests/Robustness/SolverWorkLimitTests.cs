using System.Diagnostics;
using System.Text.Json.Nodes;
using ZeroShotPK.Data;
using ZeroShotPK.Simulation;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Robustness;

/// <summary>
/// A solve that would run for minutes (issue #15): a system too stiff for the explicit solver stops at the work limit
/// of one solve (<see cref="OdeSolver.MaxStepsPerSolve"/>) with a status and a sentence naming the limit, and zspk
/// simulate reports the prior, seed and individual in one error line instead of spinning.
/// </summary>
public sealed class SolverWorkLimitTests
{
    /// <summary>Michaelis-Menten, Vmax/(Km V) = 4e5 per hour, at steady state: every 12-hour interval takes about a million steps.</summary>
    private static PkProblem Stiff() => new(new PkModel(1, Elimination.MichaelisMenten),
        new PkParameters { V = 1e-3, Ka = 1, Vmax = 400, Km = 1 }, [DosingEvent.Oral(0, 30) with { SteadyStateInterval = 12 }], [2.0, 11]);

    [Fact]
    public void AStiffSteadyStateStopsAtTheWorkLimitAndSaysSo()
    {
        var solver = new OdeSolver(new OdeOptions(1e-7, 1e-12)) { MaxStepsPerSolve = 200_000 };
        var clock = Stopwatch.StartNew();
        var solution = solver.Solve(Stiff());
        Assert.Equal(SolveStatus.WorkLimitExceeded, solution.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal("steady state for the dose at time 0 failed: more than 200,000 integration steps, the work limit of one solve " +
                     "(OdeSolver.MaxStepsPerSolve); the parameters make the system too stiff to integrate.", solution.Message);
    }

    [Fact]
    public void TheWorkLimitCountsEveryIntervalOfTheSolve()
    {
        // Ten doses of a stiff Michaelis-Menten system (about 40,000 steps an interval): each interval alone stays under
        // the limit, all of them together do not.
        var model = new PkModel(1, Elimination.MichaelisMenten);
        var p = new PkParameters { V = 1e-3, Ka = 1, Vmax = 10, Km = 1 };
        var doses = Enumerable.Range(0, 10).Select(i => DosingEvent.Oral(i * 12.0, 30)).ToArray();
        var problem = new PkProblem(model, p, doses, [119.0]);
        var unlimited = new OdeSolver(new OdeOptions(1e-7, 1e-12)).Solve(problem).EnsureSuccess();
        var limit = unlimited.Steps / 2;
        var limited = new OdeSolver(new OdeOptions(1e-7, 1e-12)) { MaxStepsPerSolve = limit }.Solve(problem);
        Assert.Equal(SolveStatus.WorkLimitExceeded, limited.Status);
        Assert.Contains($"more than {limit.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} integration steps, the work limit of one solve", limited.Message);
    }

    [Fact]
    public void AStiffButSolvableSteadyStateStaysUnderTheDefaultLimit()
    {
        // Vmax/(Km V) = 1e5/h: about 2.7 million steps (2 s), solved before the work limit existed; it still is.
        var problem = new PkProblem(new PkModel(1, Elimination.MichaelisMenten), new PkParameters { V = 1e-3, Ka = 1, Vmax = 100, Km = 1 },
            [DosingEvent.Oral(0, 30) with { SteadyStateInterval = 12 }], [2.0, 11]);
        var solution = new OdeSolver(new OdeOptions(1e-7, 1e-12)).Solve(problem).EnsureSuccess();
        Assert.InRange(solution.Steps, 1_000_000, new OdeSolver().MaxStepsPerSolve);
    }

    [Fact]
    public void OrdinaryProblemsStayFarBelowTheDefaultLimit()
    {
        var model = new PkModel(2, Elimination.MichaelisMenten);
        var p = new PkParameters { V = 50, Ka = 1, Q = 5, V2 = 80, Vmax = 40, Km = 2 };
        var problem = new PkProblem(model, p, [DosingEvent.Oral(0, 300) with { SteadyStateInterval = 12 }, DosingEvent.Oral(12, 300)], [1, 2, 4, 8, 12, 24]);
        var solution = new OdeSolver(new OdeOptions(1e-7, 1e-12)).Solve(problem).EnsureSuccess();
        Assert.True(solution.Steps < new OdeSolver().MaxStepsPerSolve / 100, $"{solution.Steps} steps");
    }

    [Fact]
    public void SimulateReportsAStudyStuckInAStiffSolveInOneLine()
    {
        var dir = Hostile.TempFolder();
        try
        {
            // Within the priors' parameter range ([1e-6, 1e6]) yet far too stiff: Michaelis-Menten, CL/V about 1.5e5 per hour, at steady state.
            var node = JsonNode.Parse(File.ReadAllText(DataFiles.Path("data/priors/multidose.json")))!.AsObject();
            node["Name"] = "stiff";
            node["MichaelisMentenProbability"] = 1;
            node["TypicalValues"]!["CL"]!["Median"] = 300;
            node["TypicalValues"]!["V"]!["Median"] = 1e-3;
            node["Dosing"]!["SteadyStateProbability"] = 1;
            var prior = Path.Combine(dir, "stiff.json");
            File.WriteAllText(prior, node.ToJsonString());
            var output = Path.Combine(dir, "s.csv");
            var clock = Stopwatch.StartNew();
            var line = Hostile.AssertError(Hostile.Run("simulate", "--prior", prior, "--studies", "2", "--seed", "1", "--out", output), 1,
                "prior 'stiff', seed ", ", individual ", "simulation failed (", "integration steps");
            Assert.Matches(@"individual \d+ \(CL [^)]*, V [^)]*\): simulation failed \((MaxStepsExceeded|WorkLimitExceeded)\)", line);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed.TotalSeconds:F1} s");
            Assert.False(File.Exists(output));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
