using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Training;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary><c>zspk bench train</c>: training throughput, data-preparation share and memory over steps.</summary>
internal sealed class BenchTrainCommand : Command<BenchTrainCommand.Settings>
{
    public sealed class Settings : TrainingSettings
    {
        [CommandOption("--steps <N>")]
        [Description("Steps to time (default 500 for small, 5 otherwise).")]
        public int? Steps { get; init; }

        public override ValidationResult Validate()
        {
            var v = base.Validate();
            if (!v.Successful) return v;
            return Steps is < 1 ? ValidationResult.Error($"--steps must be >= 1, got {Steps}.") : ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var config = s.ResolveConfig();
        var device = s.SetUpTorch();
        var (generator, _) = TrainingPrior.Resolve(s.Prior);
        int steps = s.Steps ?? (config.Name == "small" ? 500 : 5);
        int[] memoryAt = [Math.Min(50, steps), steps];
        TrainingBenchmarkResult r = null!;
        ProgressBars.Create("steps")
            .Start(ctx =>
            {
                var task = ctx.AddTask($"{config.Name}: {steps} steps", maxValue: steps);
                r = TrainingBenchmark.Run(config, generator, steps, device, memoryAt, n => task.Value = n);
            });

        var table = new Table().AddColumns("figure", "value");
        table.AddRow("config", $"{config.Name} ({r.Parameters:N0} parameters), batch {r.BatchSize}, {device.type}, {s.ThreadCount} thread(s)");
        table.AddRow("generate + split one batch (worker thread)", $"{r.GenerateMs:F1} ms");
        table.AddRow("wait for the prefetched batch", $"{r.WaitMs:F1} ms");
        table.AddRow("tensorize one batch (worker thread)", $"{r.TensorizeMs:F1} ms");
        table.AddRow("forward + backward + AdamW step", $"{r.StepMs:F1} ms");
        table.AddRow("data preparation / step, serial", $"{r.DataShare:P1}");
        table.AddRow("data wait / step, pipelined (critical path)", $"{r.PipelinedDataShare:P1}");
        table.AddRow("steps/s", $"{r.StepsPerSecond:F2}");
        table.AddRow("studies/s", $"{r.StudiesPerSecond:F0}");
        foreach (var (step, mib) in r.WorkingSetMiB.Distinct())
            table.AddRow($"working set after {step} steps", $"{mib:F0} MiB");
        if (r.WorkingSetMiB.Count == 2 && r.WorkingSetMiB[0].Step != r.WorkingSetMiB[1].Step)
            table.AddRow("working-set growth", $"{r.WorkingSetMiB[1].MiB - r.WorkingSetMiB[0].MiB:+0;-0} MiB over {r.WorkingSetMiB[1].Step - r.WorkingSetMiB[0].Step} steps");
        AnsiConsole.Write(table);
        return 0;
    }
}
