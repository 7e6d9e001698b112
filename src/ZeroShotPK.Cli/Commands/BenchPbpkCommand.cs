using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Forecast;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary>zspk bench pbpk: whole-body simulations per second (exact vs adaptive RK45) and generated individuals per second.</summary>
internal sealed class BenchPbpkCommand : Command<BenchPbpkCommand.Settings>
{
    public sealed class Settings : ThreadSettings
    {
        [CommandOption("-n|--count <N>"), Description("Virtual individuals simulated (default 10000).")]
        public int N { get; init; } = 10000;

        [CommandOption("--hours <H>"), Description("Simulated time per individual (h) (default 24.0).")]
        public double Hours { get; init; } = 24;

        [CommandOption("--step <H>"), Description("Output grid step (h) (default 1.0).")]
        public double Step { get; init; } = 1;

        [CommandOption("--compound <FILE|NAME>"), Description("Compound simulated (default propranolol).")]
        public string Compound { get; init; } = "propranolol";

        [CommandOption("--baseline <N>"), Description("Individuals solved by the RK45 baseline (default 200).")]
        public int Baseline { get; init; } = 200;

        [CommandOption("--forecast-checkpoint <DIR>"), Description("PBPK forecaster timed against the exact solver (default the shipped data/checkpoints/pbpk-forecast; skipped when none is found).")]
        public string? ForecastCheckpoint { get; init; }

        [CommandOption("--generate <N>"), Description("Individuals per generator (0 skips the diffusion models) (default 4096).")]
        public int Generate { get; init; } = 4096;

        public override ValidationResult Validate() =>
            N < 1 || Baseline < 1 || Baseline > N ? ValidationResult.Error("-n|--count and --baseline: expected 1 <= baseline <= count.")
            : !(Hours > 0) || !(Step > 0) ? ValidationResult.Error("--hours and --step: expected > 0.")
            : Generate < 0 ? ValidationResult.Error("--generate: expected >= 0.")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var compound = Compound.Resolve(s.Compound);
        var table = PhysiologyTable.Load(Species.Human);
        var reference = table.Reference();
        var sampler = new ReferencePopulation(table);
        sampler.Sample(100, 0); // JIT warm-up
        var sw = Stopwatch.StartNew();
        var pop = sampler.Sample(s.N, 1);
        var sampleSeconds = sw.Elapsed.TotalSeconds;
        var times = Enumerable.Range(0, (int)Math.Floor(s.Hours / s.Step + 1e-9) + 1).Select(i => i * s.Step).ToArray();
        DosingEvent[] doses = [DosingEvent.Oral(0, 100)];
        PbpkSolution Exact(Physiology p) => new PbpkModel(p, compound, reference: reference).Simulate(doses, times);

        // One untimed pass of the same workload first: the timed pass is shorter than a second, and without it much of it
        // ran on tier-0 JIT code (2 cores then measured slower than one; DOTNET_TieredCompilation=0 removed the gap).
        Parallel.For(0, s.N, i => Exact(pop[i]));
        Thread.Sleep(200); // let the background JIT finish the tier-1 versions
        sw.Restart();
        var exact = new PbpkSolution[s.N];
        Parallel.For(0, s.N, i => exact[i] = Exact(pop[i]));
        var exactSeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        var single = Math.Min(s.N, 2000);
        for (var i = 0; i < single; i++) Exact(pop[i]);
        var singleSeconds = sw.Elapsed.TotalSeconds;
        // The baseline gets the same untimed warm-up pass, so the ratio compares tier-1 code with tier-1 code.
        PbpkSolution Ode(Physiology p) => new PbpkModel(p, compound, reference: reference).SimulateOde(doses, times, 1e-6, 1e-9);
        Parallel.For(0, s.Baseline, i => Ode(pop[i]));
        Thread.Sleep(200);
        sw.Restart();
        var rk = new PbpkSolution[s.Baseline];
        Parallel.For(0, s.Baseline, i => rk[i] = Ode(pop[i]));
        var rkSeconds = sw.Elapsed.TotalSeconds;
        var maxRel = 0.0;
        for (var i = 0; i < s.Baseline; i++)
        {
            var a = exact[i].PlasmaConcentration();
            var b = rk[i].PlasmaConcentration();
            var peak = a.Max();
            for (var j = 0; j < a.Length; j++) maxRel = Math.Max(maxRel, Math.Abs(a[j] - b[j]) / peak);
        }

        var exactRate = s.N / exactSeconds;
        var rkRate = s.Baseline / rkSeconds;
        var grid = new Table().AddColumn("measure").AddColumn("value");
        grid.AddRow($"exact (matrix exponential), {s.N} individuals x {s.Hours:G} h, {times.Length} outputs, {Environment.ProcessorCount} cores", $"{exactSeconds:F3} s = {exactRate:F0} simulations/s");
        grid.AddRow("exact, single thread", $"{single / singleSeconds:F0} simulations/s");
        grid.AddRow($"baseline adaptive Dormand-Prince RK45 (rtol 1e-6), {s.Baseline} individuals", $"{rkSeconds:F3} s = {rkRate:F0} simulations/s");
        grid.AddRow("speed-up exact / RK45", $"{exactRate / rkRate:F1}x");
        grid.AddRow("max |Cp exact - Cp RK45| / Cmax", $"{maxRel:E2}");
        grid.AddRow($"target: {s.N} x {s.Hours:G} h under 1 s", exactSeconds < 1 ? "[green]met[/]" : "[red]missed[/]");
        grid.AddRow($"reference sampler, {s.N} individuals", $"{s.N / sampleSeconds:F0} individuals/s");

        BenchForecast(s, grid, compound, pop);

        if (s.Generate > 0)
        {
            s.ApplyThreads();
            foreach (var method in new[] { PopulationMethod.Ddpm, PopulationMethod.Pcdm })
            {
                using var model = PopulationDiffusion.LoadBundled(Species.Human, method);
                model.Sample(64, 0);
                sw.Restart();
                model.Sample(s.Generate, 1, cancel: cancellationToken);
                var g = sw.Elapsed.TotalSeconds;
                grid.AddRow($"{method.ToString().ToLowerInvariant()} sampling ({model.Config.DiffusionSteps} steps, CPU, {s.ThreadCount} threads), {s.Generate} individuals",
                    $"{s.Generate / g:F0} individuals/s ({s.N / sampleSeconds / (s.Generate / g):F0}x slower than the reference sampler)");
            }
        }
        AnsiConsole.Write(grid);
        return 0;
    }

    /// <summary>
    /// Rows of the PBPK forecaster against the exact solver on the same work: the 22 forecast grid times (0.25-48 h) of one
    /// oral 100 mg dose, for one profile (latency, one at a time) and for all --count individuals (exact: parallel over
    /// individuals; forecaster: batches of 2,048 on --threads libtorch threads).
    /// </summary>
    private static void BenchForecast(Settings s, Table grid, Compound compound, Physiology[] pop)
    {
        string dir;
        try { dir = ForecastCheckpoints.Resolve(s.ForecastCheckpoint); }
        catch (FileNotFoundException e) when (s.ForecastCheckpoint is null)
        {
            grid.AddRow("PBPK forecaster", $"skipped: {Markup.Escape(e.Message)}");
            return;
        }
        s.ApplyThreads();
        var (net, _) = PbpkForecastCheckpoint.Load(dir);
        using var _net = net;
        var reference = PbpkForecastFeatures.Reference(Species.Human);
        ForecastDose[] regimen = [new ForecastDose(0, 100, ForecastRoute.Oral)];
        double[] Exact(Physiology p) => ForecastData.ExactLogProfile(compound, p, regimen, reference);
        ForecastProfile[] Surrogate(IReadOnlyList<Physiology> ps)
        {
            var result = new List<ForecastProfile>(ps.Count);
            for (int start = 0; start < ps.Count; start += 2048)
            {
                var records = ps.Skip(start).Take(2048).Select(p => PbpkForecastFeatures.Encode(compound, p, regimen)).ToArray();
                using var batch = ForecastBatch.Build(records);
                result.AddRange(PbpkForecaster.Predict(net, batch));
            }
            return [.. result];
        }
        int n = pop.Length, one = Math.Min(n, 300);
        // Untimed warm-up of both paths (JIT and libtorch's first calls).
        for (int i = 0; i < 20; i++) { Exact(pop[i % n]); Surrogate([pop[i % n]]); }
        Surrogate(pop.Take(Math.Min(n, 2048)).ToArray());
        Parallel.For(0, Math.Min(n, 2000), i => Exact(pop[i]));
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < one; i++) Exact(pop[i]);
        var exactOne = sw.Elapsed.TotalSeconds / one;
        sw.Restart();
        for (int i = 0; i < one; i++) Surrogate([pop[i]]);
        var surOne = sw.Elapsed.TotalSeconds / one;
        sw.Restart();
        var exact = new double[n][];
        Parallel.For(0, n, i => exact[i] = Exact(pop[i]));
        var exactAll = sw.Elapsed.TotalSeconds;
        sw.Restart();
        var sur = Surrogate(pop);
        var surAll = sw.Elapsed.TotalSeconds;
        var rmse = PbpkForecastEvaluation.PooledLogRmse([.. sur.SelectMany(f => f.LogMean)], [.. exact.SelectMany(e => e)]);
        grid.AddRow($"one profile, {ForecastData.Grid.Count} times 0.25-48 h: exact (matrix exponential) vs PBPK forecaster",
            $"{1 / exactOne:F0} vs {1 / surOne:F0} profiles/s ({exactOne * 1e3:F2} vs {surOne * 1e3:F2} ms; forecaster {exactOne / surOne:F2}x the exact speed)");
        grid.AddRow($"batch of {n} individuals: exact ({Environment.ProcessorCount} cores, parallel) vs forecaster (batches of 2048, {s.ThreadCount} threads)",
            $"{n / exactAll:F0} vs {n / surAll:F0} profiles/s ({exactAll:F3} vs {surAll:F3} s; forecaster {exactAll / surAll:F2}x); forecaster log-RMSE vs exact, pooled over profiles and grid {rmse:F3}");
    }
}
