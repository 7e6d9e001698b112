using System.ComponentModel;
using System.Diagnostics;
using MathNet.Numerics.Distributions;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Data;
using ZeroShotPK.Inference;
using ZeroShotPK.Models.Baselines;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// zspk bench predict: median latency of one prediction (12-individual context, 4 known samples, 50 query times) for
/// a method and for the NLME route (population fit + MAP + sampling, nothing cached), measured in the same run.
/// </summary>
internal sealed class BenchPredictCommand : Command<BenchPredictCommand.Settings>
{
    public sealed class Settings : MethodSettings
    {
        [CommandOption("--method <NAME>"), Description("Method to time against the NLME route; default aicmet with a checkpoint, else population.")]
        public string? Method { get; init; }

        [CommandOption("--repeats <N>"), Description("Timed predictions per method (after one warm-up) (default 9).")]
        public int Repeats { get; init; } = 9;

        public override ValidationResult Validate()
        {
            var v = base.Validate();
            if (!v.Successful) return v;
            return Repeats < 1 ? ValidationResult.Error($"--repeats must be >= 1, got {Repeats}.") : ValidationResult.Success();
        }
    }

    // A seeded one-compartment oral study of 13 individuals (12 context + 1 target), 11 samples over 24 h.
    internal static Study SyntheticStudy(int seed)
    {
        var model = NlmeModel.OneCompartmentOral();
        double[] theta = [Math.Log(2), Math.Log(20), Math.Log(1.2)];
        double[] times = [0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24];
        var rng = new StableRandom(seed);
        var people = new List<Individual>();
        for (int i = 1; i <= 13; i++)
        {
            var doses = new[] { DosingEvent.Oral(0, 100) };
            var phi = theta.Select(t => t + 0.3 * Normal.Sample(rng, 0, 1)).ToArray();
            var f = model.Predict(phi, new Individual(i.ToString(), doses, []), times);
            people.Add(new Individual(i.ToString(), doses, times.Select((t, j) => new Observation(t, f[j] * Math.Exp(0.1 * Normal.Sample(rng, 0, 1))))));
        }
        return new Study("bench", people);
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string method = settings.Method ?? (string.IsNullOrEmpty(settings.ResolvedCheckpoint) ? "population" : "aicmet");
        Methods.Parse(method, true);
        settings.ApplyThreads();
        var study = SyntheticStudy(settings.Seed);
        var ctx = study.Without("13");
        var target = study["13"].WithFirstObservations(4);
        var query = Enumerable.Range(0, 50).Select(j => 24.0 * j / 49).ToArray();

        // Wall time is what a user waits; process CPU time is what the prediction costs, and stays readable when
        // other jobs share the machine (wall time then includes waiting for a core).
        (double Wall, double Cpu) Median(Func<IPredictor> make, string label)
        {
            var ms = new List<double>();
            var cpu = new List<double>();
            using var process = Process.GetCurrentProcess();
            for (int r = 0; r <= settings.Repeats; r++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // A fresh predictor per call: nothing learnt from the context is reused between timed predictions.
                var p = make();
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                p.Predict(ctx, target, query, SeedStream.Of(settings.Seed, r, SeedStream.BenchRepeat));
                sw.Stop();
                process.Refresh();
                double cpuMs = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
                (p as IDisposable)?.Dispose();
                if (r > 0) { ms.Add(sw.Elapsed.TotalMilliseconds); cpu.Add(cpuMs); }
                AnsiConsole.MarkupLine($"  {Markup.Escape(label)} {r}/{settings.Repeats}: {sw.Elapsed.TotalMilliseconds:F1} ms ({cpuMs:F1} ms CPU){(r == 0 ? " (warm-up)" : "")}");
            }
            return (MathNet.Numerics.Statistics.Statistics.Median(ms.ToArray()), MathNet.Numerics.Statistics.Statistics.Median(cpu.ToArray()));
        }

        var checkpoint = settings.ResolvedCheckpoint;
        (double Wall, double Cpu) mMethod = method == "nlme" ? (double.NaN, double.NaN) : Median(() => Methods.Create(method, checkpoint, 1000, device: settings.DeviceChoice), method);
        var mNlme = Median(() => Methods.Create("nlme", null, 1000), "nlme (fit + MAP)");
        var table = new Table().AddColumns("method", "median ms / prediction", "median CPU ms", "NLME route / method");
        if (method != "nlme") table.AddRow(method, mMethod.Wall.ToString("F2"), mMethod.Cpu.ToString("F2"), (mNlme.Wall / mMethod.Wall).ToString("F1") + "x");
        table.AddRow("nlme (FOCE-I fit + MAP)", mNlme.Wall.ToString("F2"), mNlme.Cpu.ToString("F2"), "1.0x");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"context {ctx.Individuals.Count} individuals, {target.Observations.Count} known samples, {query.Length} query times, 1000 predictive samples, {settings.Repeats} timed repeats, {settings.ThreadCount} torch thread(s), {Environment.ProcessorCount} cores");
        return 0;
    }
}
