using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;
using ZeroShotPK.Priors;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// <c>zspk bench simulate</c>: 2-compartment oral single-dose profiles (16 samples) per second by the SIMD closed form on
/// all cores, against a per-individual fixed-step RK4 and a numpy closed form measured in the same run; the ODE
/// (Michaelis-Menten) path; the 4-compartment closed form and ODE; the cost of one batch of 64 default- and
/// paper-prior studies; the ODE steady state by Newton against plain iteration.
/// </summary>
internal sealed class BenchSimulateCommand : Command<BenchSimulateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--profiles <N>")]
        [Description("Profiles for the closed-form runs (default 2,000,000).")]
        public int Profiles { get; init; } = 2_000_000;

        [CommandOption("--rk4-profiles <N>")]
        [Description("Profiles for the RK4 baseline (default 40,000).")]
        public int Rk4Profiles { get; init; } = 40_000;

        [CommandOption("--ode-profiles <N>")]
        [Description("Profiles for the Michaelis-Menten ODE path (default 4,000).")]
        public int OdeProfiles { get; init; } = 4_000;

        [CommandOption("--seed <S>")]
        public long Seed { get; init; } = 1;

        public override ValidationResult Validate() =>
            Profiles < 1000 || Rk4Profiles < 100 || OdeProfiles < 10
                ? ValidationResult.Error("--profiles >= 1000, --rk4-profiles >= 100 and --ode-profiles >= 10 are required.")
                : ValidationResult.Success();
    }

    private static readonly double[] Times = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 30];
    private const double Rk4Step = 0.05;

    private sealed record Population(double[] CL, double[] V, double[] Ka, double[] Q, double[] V2, double[] Dose)
    {
        public static Population Draw(int n, long seed)
        {
            var rng = new Rng(seed);
            double[] D(double median, double sd) => Enumerable.Range(0, n).Select(_ => median * Math.Exp(sd * rng.NextNormal())).ToArray();
            return new(D(5, 0.3), D(50, 0.3), D(1.0, 0.3), D(5, 0.3), D(80, 0.3), D(100, 0.1));
        }
    }

    private static double Best(int repeats, Action action)
    {
        action(); // warm-up (JIT, page faults)
        var best = double.MaxValue;
        for (var r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var inv = CultureInfo.InvariantCulture;
        string Rate(double perSecond) => perSecond.ToString("N0", inv);
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
        AnsiConsole.MarkupLine($"cores: {Environment.ProcessorCount}, Vector256/Vector512 hardware-accelerated: {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}/{System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, load average before: {Markup.Escape(load)}");
        var table = new Table().AddColumns("Run", "Profiles", "Seconds", "Profiles/s", "Note");

        var n = settings.Profiles;
        var pop = Population.Draw(n, settings.Seed);
        var output = new double[n * Times.Length];
        var simdParallel = Best(5, () => TwoCompartmentOralBatch.ComputeParallel(pop.CL, pop.V, pop.Ka, pop.Q, pop.V2, pop.Dose, Times, output));
        table.AddRow("closed form, SIMD, all cores", Rate(n), simdParallel.ToString("F4", inv), Rate(n / simdParallel), "2-cmt oral, 16 samples");
        var nSingle = Math.Min(n, 500_000);
        var single = Population.Draw(nSingle, settings.Seed);
        var outSingle = new double[nSingle * Times.Length];
        var simd1 = Best(3, () => TwoCompartmentOralBatch.Compute(single.CL, single.V, single.Ka, single.Q, single.V2, single.Dose, Times, outSingle));
        table.AddRow("closed form, SIMD, 1 core", Rate(nSingle), simd1.ToString("F4", inv), Rate(nSingle / simd1), "");
        var scalar1 = Best(3, () => TwoCompartmentOralBatch.ComputeScalar(single.CL, single.V, single.Ka, single.Q, single.V2, single.Dose, Times, outSingle));
        table.AddRow("closed form, scalar, 1 core", Rate(nSingle), scalar1.ToString("F4", inv), Rate(nSingle / scalar1), $"SIMD speed-up {scalar1 / simd1:F2}x");

        // Baseline: per-individual fixed-step RK4 of the same ODE (the library's reference integrator), all cores.
        var m = settings.Rk4Profiles;
        var rkPop = Population.Draw(m, settings.Seed);
        var rkOut = new double[m * Times.Length];
        var rk4 = Best(2, () => Parallel.For(0, m, i => TwoCompartmentOralRk4.Profile(rkPop.CL[i], rkPop.V[i], rkPop.Ka[i], rkPop.Q[i], rkPop.V2[i], rkPop.Dose[i], Times, Rk4Step, rkOut, i, m)));
        var rkRef = new double[m * Times.Length];
        TwoCompartmentOralBatch.ComputeParallel(rkPop.CL, rkPop.V, rkPop.Ka, rkPop.Q, rkPop.V2, rkPop.Dose, Times, rkRef);
        var rkErr = rkOut.Zip(rkRef, (a, b) => Math.Abs(a / b - 1)).Max();
        table.AddRow($"RK4 per individual, h = {Rk4Step} h, all cores", Rate(m), rk4.ToString("F4", inv), Rate(m / rk4), $"max rel. error vs closed form {rkErr:E1}");

        // General closed form (matrix exponential, any regimen) and the ODE path.
        var g = Math.Min(settings.OdeProfiles * 5, 20_000);
        var general = Best(3, () => Parallel.For(0, g, i => ClosedFormSolver.Instance.Solve(Problem(pop, i, Elimination.Linear)).EnsureSuccess()));
        table.AddRow("ClosedFormSolver (matrix exp.), all cores", Rate(g), general.ToString("F4", inv), Rate(g / general), "general event-driven path");
        var o = settings.OdeProfiles;
        var ode = new OdeSolver();
        var linearOde = Best(3, () => Parallel.For(0, o, i => ode.Solve(Problem(pop, i, Elimination.Linear)).EnsureSuccess()));
        table.AddRow("OdeSolver DP5(4), linear, all cores", Rate(o), linearOde.ToString("F4", inv), Rate(o / linearOde), "rtol 1e-8");
        var mm = Best(1, () => Parallel.For(0, o, i => ode.Solve(Problem(pop, i, Elimination.MichaelisMenten)).EnsureSuccess()));
        table.AddRow("OdeSolver DP5(4), Michaelis-Menten, all cores", Rate(o), mm.ToString("F4", inv), Rate(o / mm), "rtol 1e-8");
        // Four compartments (central + 3 peripherals, the paper prior's largest model): 7 x 7 matrix exponentials.
        var general4 = Best(3, () => Parallel.For(0, g, i => ClosedFormSolver.Instance.Solve(Problem(pop, i, Elimination.Linear, 4)).EnsureSuccess()));
        table.AddRow("ClosedFormSolver, 4 compartments, all cores", Rate(g), general4.ToString("F4", inv), Rate(g / general4), $"{general4 / general:F2}x the 2-cmt time");
        var ode4 = Best(3, () => Parallel.For(0, o, i => ode.Solve(Problem(pop, i, Elimination.Linear, 4)).EnsureSuccess()));
        var err4 = Enumerable.Range(0, Math.Min(o, 200)).Max(i =>
        {
            var a = ClosedFormSolver.Instance.Solve(Problem(pop, i, Elimination.Linear, 4)).Concentrations;
            var b = ode.Solve(Problem(pop, i, Elimination.Linear, 4)).Concentrations;
            return a.Zip(b, (x, y) => Math.Abs(y / x - 1)).Max();
        });
        table.AddRow("OdeSolver DP5(4), linear, 4 compartments, all cores", Rate(o), ode4.ToString("F4", inv), Rate(o / ode4), $"max rel. difference to the closed form {err4:E1}");

        // numpy peer (Debian python3-numpy), same formula and sizes.
        var numpy = RunNumpy(n, settings.Seed);
        if (numpy is { } np) table.AddRow("numpy closed form (peer)", Rate(n), (n / np).ToString("F4", inv), Rate(np), "tests/benchmarks/peers/sim_numpy.py");
        AnsiConsole.Write(table);

        var closedRate = n / simdParallel;
        AnsiConsole.MarkupLine($"closed form SIMD vs RK4: [bold]{closedRate / (m / rk4):F0}x[/]" +
            (numpy is { } np2 ? $"; vs numpy (single-threaded): all cores [bold]{closedRate / np2:F1}x[/], 1 core [bold]{nSingle / simd1 / np2:F1}x[/]" : "; numpy: not available (install python3-numpy for /usr/bin/python3)") +
            $"; target 5,000,000 profiles/s: {(closedRate >= 5e6 ? "met" : "not met")} ({Rate(closedRate)}).");

        // Cost of one pretraining batch: 64 studies of the default prior and of the paper prior (1-3 peripherals).
        foreach (var priorName in new[] { "default", "paper" })
        {
            var generator = PriorStudyGenerator.Load(priorName);
            var seed = settings.Seed;
            var times = new List<double>();
            generator.Generate(seed, 64);
            for (var r = 0; r < 10; r++)
            {
                var sw = Stopwatch.StartNew();
                var batch = generator.Generate(SeedMix.Mix(seed, r + 1, SeedStream.BenchRepeat), 64);
                times.Add(sw.Elapsed.TotalMilliseconds);
                GC.KeepAlive(batch);
            }
            times.Sort();
            var sw1 = Stopwatch.StartNew();
            var one = generator.Generate(SeedMix.Mix(seed, 0, SeedStream.BenchRepeat), 64, maxDegreeOfParallelism: 1);
            var single64 = sw1.Elapsed.TotalMilliseconds;
            var individuals = one.Sum(s => s.Individuals.Count);
            AnsiConsole.MarkupLine($"batch of 64 {priorName}-prior studies ({individuals} individuals): median {times[times.Count / 2]:F1} ms on all cores (min {times[0]:F1}, max {times[^1]:F1}); {single64:F1} ms on 1 core.");
        }

        // ODE steady state with an interval far shorter than the terminal half-life (1 h vs 131 h): Newton vs plain iteration.
        var ssProblem = new PkProblem(PkModel.TwoCompartment, new PkParameters { CL = 0.5, V = 50, Ka = 1, Q = 2, V2 = 40 },
            [DosingEvent.Oral(0, 10) with { SteadyStateInterval = 1 }], [0.5]);
        var exactSs = ClosedFormSolver.Instance.Solve(ssProblem).EnsureSuccess().Concentrations[0];
        PkSolution? newtonSs = null, plainSs = null;
        var newtonSeconds = Best(3, () => newtonSs = ode.Solve(ssProblem).EnsureSuccess());
        var plainSolver = new OdeSolver(ode.Options) { MaxNewtonIterations = 0 };
        var plainSeconds = Best(1, () => plainSs = plainSolver.Solve(ssProblem).EnsureSuccess());
        AnsiConsole.MarkupLine($"ODE steady state (tau 1 h, terminal half-life {PkModel.TwoCompartment.TerminalHalfLife(ssProblem.Segments[0].Parameters):F0} h): Newton {newtonSeconds * 1e3:F2} ms ({newtonSs!.Steps} steps, rel. error {Math.Abs(newtonSs.Concentrations[0] / exactSs - 1):E1}) vs plain iteration {plainSeconds * 1e3:F1} ms ({plainSs!.Steps} steps, rel. error {Math.Abs(plainSs.Concentrations[0] / exactSs - 1):E1}): [bold]{plainSeconds / newtonSeconds:F0}x[/].");
        load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
        AnsiConsole.MarkupLine($"load average after: {Markup.Escape(load)} (machine shared: figures are lower bounds)");
        return 0;
    }

    private static PkProblem Problem(Population p, int i, Elimination elimination, int compartments = 2)
    {
        // Peripherals 2 and 3 scale with peripheral 1: slower and deeper.
        var par = new PkParameters
        {
            CL = p.CL[i], V = p.V[i], Ka = p.Ka[i], Q = p.Q[i], V2 = p.V2[i], Q3 = 0.5 * p.Q[i], V3 = 1.5 * p.V2[i],
            Q4 = 0.25 * p.Q[i], V4 = 2 * p.V2[i], Vmax = p.CL[i] * 1.0, Km = 1.0,
        };
        return new PkProblem(new PkModel(compartments, elimination), par, [DosingEvent.Oral(0, p.Dose[i])], Times);
    }

    private static double? RunNumpy(int profiles, long seed)
    {
        var script = FindUp(Path.Combine("tests", "benchmarks", "peers", "sim_numpy.py"));
        const string python = "/usr/bin/python3";
        if (script is null || !File.Exists(python)) return null;
        try
        {
            using var check = Process.Start(new ProcessStartInfo(python, ["-c", "import numpy"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            check.WaitForExit();
            if (check.ExitCode != 0) return null;
            using var proc = Process.Start(new ProcessStartInfo(python, [script, "--profiles", profiles.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture)])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var text = proc.StandardOutput.ReadToEnd();
            proc.WaitForExit();
            var field = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(f => f.StartsWith("profiles_per_s=", StringComparison.Ordinal));
            return field is null ? null : double.Parse(field["profiles_per_s=".Length..], CultureInfo.InvariantCulture);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string? FindUp(string relative)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, relative))) return Path.Combine(dir.FullName, relative);
        return null;
    }
}
