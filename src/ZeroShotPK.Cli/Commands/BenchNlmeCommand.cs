using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using MathNet.Numerics.Distributions;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;
using ZeroShotPK.Models.Baselines;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// zspk bench nlme: one population fit, ours (FOCE-I and Lindstrom-Bates) against R nlme (Lindstrom-Bates, ML) run on the
/// same CSV, model and starting values in the same run (tests/benchmarks/peers/nlme_peer.R): theophylline with R's
/// SSfol per kg model, and a seeded 60-subject one-compartment oral study written to a temporary CSV. Prints medians,
/// ratios and the estimates side by side; without Rscript and nlme it says so and prints our times only.
/// </summary>
internal sealed class BenchNlmeCommand : Command<BenchNlmeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--repeats <N>"), Description("Timed fits per method and dataset (after one untimed fit) (default 5).")]
        public int Repeats { get; init; } = 5;

        [CommandOption("--subjects <N>"), Description("Individuals of the simulated study (default 60).")]
        public int Subjects { get; init; } = 60;

        [CommandOption("--seed <SEED>"), Description("Seed of the simulated study (default 1).")]
        public int Seed { get; init; } = 1;

        [CommandOption("--no-r"), Description("Skip the R nlme peer.")]
        public bool NoR { get; init; }

        public override ValidationResult Validate() =>
            Repeats < 1 ? ValidationResult.Error($"--repeats must be >= 1, got {Repeats}.")
            : Subjects < 5 ? ValidationResult.Error($"--subjects must be >= 5, got {Subjects}.")
            : ValidationResult.Success();
    }

    private sealed record Estimates(double[] Theta, double[] Omega, double Sigma, double LogLik);

    private sealed record Case(string Name, string Csv, Study Study, NlmeModel Model, NlmeOptions Options, string RModel);

    /// <summary>
    /// A one-compartment oral study with additive error (the model both sides fit): CL 2, V 20, Ka 1.2 with 30%
    /// log-normal variability, a 100 mg dose, 10 samples over 24 h, additive SD 0.1 mg/L.
    /// </summary>
    internal static Study SimulatedStudy(int subjects, int seed)
    {
        var model = NlmeModel.OneCompartmentOral(ResidualError.Additive);
        double[] theta = [Math.Log(2), Math.Log(20), Math.Log(1.2)];
        double[] times = [0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24];
        var rng = new StableRandom(seed);
        var people = new List<Individual>();
        for (int i = 1; i <= subjects; i++)
        {
            var doses = new[] { DosingEvent.Oral(0, 100) };
            var phi = theta.Select(t => t + 0.3 * Normal.Sample(rng, 0, 1)).ToArray();
            var f = model.Predict(phi, new Individual(i.ToString(CultureInfo.InvariantCulture), doses, []), times);
            people.Add(new Individual(i.ToString(CultureInfo.InvariantCulture), doses,
                times.Select((t, j) => new Observation(t, Math.Max(f[j] + 0.1 * Normal.Sample(rng, 0, 1), 0.01)))));
        }
        return new Study("sim" + subjects, people);
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var theoPath = FindUp(Path.Combine("data", "theophylline.csv"));
        var peer = FindUp(Path.Combine("tests", "benchmarks", "peers", "nlme_peer.R"));
        string tmp = Path.Combine(Path.GetTempPath(), $"zspk-bench-nlme-{Environment.ProcessId}");
        Directory.CreateDirectory(tmp);
        try
        {
            var cases = new List<Case>();
            if (theoPath is not null)
                cases.Add(new Case("theophylline, 12", theoPath, NonmemCsv.ReadStudy(theoPath), NlmeModel.Ssfol(),
                    new NlmeOptions { IncludePreDose = true }, "ssfol"));
            else AnsiConsole.MarkupLine("[yellow]data/theophylline.csv not found: theophylline skipped[/]");
            var sim = SimulatedStudy(s.Subjects, s.Seed);
            string simCsv = Path.Combine(tmp, sim.Name + ".csv");
            NonmemCsv.Write(simCsv, [sim]);
            cases.Add(new Case($"simulated, {s.Subjects}", simCsv, NonmemCsv.ReadStudy(simCsv),
                NlmeModel.OneCompartmentOral(ResidualError.Additive), new NlmeOptions(), "fol1"));

            string? rscript = s.NoR ? null : new[] { "/usr/bin/Rscript", "/usr/local/bin/Rscript" }.FirstOrDefault(File.Exists);
            if (!s.NoR && (rscript is null || peer is null))
                AnsiConsole.MarkupLine("[yellow]R nlme peer not available (install r-base-core and r-cran-nlme): our times only[/]");

            // Plain fixed-width lines: a Spectre table wraps its 8 columns into unreadable fragments on an 80-column console.
            var table = new List<string> { $"{"study",-18} {"fit",-28} {"ours ms",8} {"R ms",8} {"ours/R",7} {"ours CPU",9} {"R CPU",7} {"CPU o/R",8}" };
            var estimates = new List<string>();
            var gradientRatios = new List<string>();
            foreach (var c in cases)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Both sides start from the same Theta: the naive pooled fit (computed once, untimed); Omega 0.09 here,
                // R nlme's own initial random-effects variances there.
                var start = Focei.PooledThetaOf(c.Model, c.Study, c.Options);
                var same = new NlmeOptions { IncludePreDose = c.Options.IncludePreDose, InitialTheta = start };
                var (lbMs, lbCpu, lb) = Time(() => LindstromBates.Fit(c.Model, c.Study, same), s.Repeats);
                var (foMs, foCpu, fo) = Time(() => Focei.Fit(c.Model, c.Study, same), s.Repeats);
                // Baseline in the same run: the outer gradient by central differences of the objective, as before #20's exact one.
                var (fdMs, fdCpu, fdFit) = Time(() => Focei.Fit(c.Model, c.Study, new NlmeOptions
                    { IncludePreDose = same.IncludePreDose, InitialTheta = start, CentralDifferenceGradient = true }), s.Repeats);
                var (foDefMs, foDefCpu, foDef) = Time(() => Focei.Fit(c.Model, c.Study, c.Options), s.Repeats);
                var r = rscript is not null && peer is not null ? RunPeer(rscript, peer, c.Csv, c.RModel, start, s.Repeats) : null;
                string rMs = r?.Ms is double m ? m.ToString("F0", CultureInfo.InvariantCulture) : r is null ? "-" : "failed";
                if (r is { Ms: null }) AnsiConsole.MarkupLine($"[yellow]R nlme on {Markup.Escape(c.Name)}: {Markup.Escape(r.Status)}[/]");
                string rCpu = r?.CpuMs is double mc ? mc.ToString("F0", CultureInfo.InvariantCulture) : "-";
                static string Ratio(double ours, double? theirs) => theirs is double t && t > 0 ? (ours / t).ToString("F2", CultureInfo.InvariantCulture) + "x" : "-";
                void Add(string study, string fit, double ms, double cpu) =>
                    table.Add($"{study,-18} {fit,-28} {ms,8:F0} {rMs,8} {Ratio(ms, r?.Ms),7} {cpu,9:F0} {rCpu,7} {Ratio(cpu, r?.CpuMs),8}");
                Add(c.Name, "LB, same start", lbMs, lbCpu);
                Add("", "FOCE-I, same start", foMs, foCpu);
                Add("", "FOCE-I, same start, FD grad", fdMs, fdCpu);
                Add("", "FOCE-I, 2 starts (evaluate)", foDefMs, foDefCpu);
                estimates.Add(c.Name + ":");
                void Row(string fit, Estimates e) => estimates.Add($"  {fit,-26} theta [{Join(e.Theta)}]  omega [{Join(e.Omega)}]  sigma {e.Sigma.ToString("F4", CultureInfo.InvariantCulture)}  logLik {e.LogLik.ToString("F3", CultureInfo.InvariantCulture)}");
                Row("ours LB", Of(lb)); Row("ours FOCE-I", Of(fo)); Row("ours FOCE-I, FD gradient", Of(fdFit)); Row("ours FOCE-I, 2 starts", Of(foDef));
                gradientRatios.Add($"{c.Name}: FOCE-I with the exact outer gradient {(fdCpu / foCpu).ToString("F1", CultureInfo.InvariantCulture)}x faster (CPU) than with central differences ({fo.Iterations} vs {fdFit.Iterations} iterations)");
                if (r?.Estimates is { } re) Row("R nlme (LB, ML)", re);
            }
            foreach (var line in table) Console.WriteLine(line);
            foreach (var line in estimates) Console.WriteLine(line);
            foreach (var line in gradientRatios) Console.WriteLine(line);
            AnsiConsole.MarkupLine($"theophylline: R's SSfol model (dose per kg, random lKa and lCl, additive error, TIME 0 samples kept); simulated: 1-cmt oral, lCL, lV, lKa all random, additive error. FOCE-I, 2 starts = what zspk evaluate runs (pooled fit and NCA guess, the better kept); FD grad = the same FOCE-I fit with its outer gradient by central differences (the baseline of the exact one). Median of {s.Repeats} fits after one untimed fit (wall and process CPU time), 1 thread; R nlme via {Markup.Escape(peer ?? "tests/benchmarks/peers/nlme_peer.R")} (its medians likewise); {Environment.ProcessorCount} cores. R nlme has no FOCE-I: its LB fit is the reference for both.");
            return 0;
        }
        finally
        {
            try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
        }
    }

    private static Estimates Of(NlmeFit f) => new(f.Population.Theta, f.Population.Omega, f.Population.SigmaAdd, f.LogLikelihood);

    private static string Join(double[] v) => string.Join(", ", v.Select(x => x.ToString("F4", CultureInfo.InvariantCulture)));

    // Wall time is what a user waits; process CPU time stays readable when other jobs share the cores.
    private static (double Ms, double CpuMs, NlmeFit Fit) Time(Func<NlmeFit> fit, int repeats)
    {
        var result = fit(); // untimed: JIT
        var ms = new double[repeats];
        var cpu = new double[repeats];
        using var process = Process.GetCurrentProcess();
        for (int r = 0; r < repeats; r++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            result = fit();
            ms[r] = sw.Elapsed.TotalMilliseconds;
            process.Refresh();
            cpu[r] = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
        }
        return (MathNet.Numerics.Statistics.Statistics.Median(ms), MathNet.Numerics.Statistics.Statistics.Median(cpu), result);
    }

    private sealed record PeerResult(string Status, double? Ms, Estimates? Estimates, double? CpuMs = null);

    private static PeerResult RunPeer(string rscript, string script, string csv, string model, double[] start, int repeats)
    {
        try
        {
            var psi = new ProcessStartInfo(rscript, [script, "--data", csv, "--model", model,
                "--start", string.Join(",", start.Select(v => v.ToString("R", CultureInfo.InvariantCulture))), "--repeats", repeats.ToString(CultureInfo.InvariantCulture)])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var proc = Process.Start(psi)!;
            var stderr = proc.StandardError.ReadToEndAsync();
            var lines = proc.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            proc.WaitForExit();
            var kv = lines.Select(l => l.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
            if (!kv.TryGetValue("status", out var status) || status != "ok")
                return new PeerResult(proc.ExitCode != 0 || status is null ? "R nlme missing or failed" : "R fit failed", null, null);
            double[] Nums(string key) => kv[key].Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            return new PeerResult("ok", Nums("ms")[0], new Estimates(Nums("theta"), Nums("omega"), Nums("sigma")[0], Nums("loglik")[0]),
                kv.ContainsKey("cpu_ms") ? Nums("cpu_ms")[0] : null);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return new PeerResult("Rscript failed to start", null, null);
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
