using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk.Scaling;

namespace ZeroShotPK.Cli.Commands;

/// <summary>zspk pbpk scale: cross-species scaling benchmark on PBPK-simulated virtual compounds.</summary>
internal sealed class PbpkScaleCommand : Command<PbpkScaleCommand.Settings>
{
    public sealed class Settings : ComputeSettings
    {
        [CommandOption("--compounds <N>"), Description("Virtual compounds generated (training + held out) (default 1000).")]
        public int Compounds { get; init; } = 1000;

        [CommandOption("--test-fraction <F>"), Description("Fraction held out for evaluation (default 0.2).")]
        public double TestFraction { get; init; } = 0.2;

        [CommandOption("--seed <SEED>"), Description("Seed of the compound set (default 1).")]
        public int Seed { get; init; } = 1;

        [CommandOption("--train-seed <SEED>"), Description("Seed of the network's weights and batches (default 1).")]
        public int TrainSeed { get; init; } = 1;

        [CommandOption("--steps <N>"), Description("Training steps of neural allometry (default 1500).")]
        public int Steps { get; init; } = 1500;

        [CommandOption("--clint-sd <SD>"), Description("Log-SD of animal CLint around human x species ratio (ground-truth assumption) (default 0.5).")]
        public double ClintSd { get; init; } = 0.5;

        [CommandOption("--clint-shared-sd <SD>"), Description("Log-SD of the CLint deviation shared by all animals of a compound (ground-truth assumption) (default 0.5).")]
        public double ClintSharedSd { get; init; } = 0.5;

        [CommandOption("--observation-cv <CV>"), Description("CV of observed animal CL and Vss (ground-truth assumption) (default 0.15).")]
        public double ObservationCv { get; init; } = 0.15;

        [CommandOption("--no-ode"), Description("Skip the second network, whose read-out is a neural ODE in log body weight.")]
        public bool NoOde { get; init; }

        [CommandOption("--with-descriptors"), Description("Also train a network that sees logP, pKa and class (its Vss can learn the ground truth's Rodgers & Rowland model: not a fair comparison).")]
        public bool WithDescriptors { get; init; }

        [CommandOption("--out <FILE>"), Output, Description("Optional CSV: one held-out compound per row, its properties, true human CL/Vss and every method's predictions.")]
        public string? Out { get; init; }

        [CommandOption(OutputGuard.ForceOption), Description(OutputGuard.ForceHelp)]
        public bool Force { get; init; }

        public override ValidationResult Validate()
        {
            if (Compounds < 3) return ValidationResult.Error($"--compounds: expected >= 3, got {Compounds}.");
            if (!(TestFraction > 0 && TestFraction < 1)) return ValidationResult.Error($"--test-fraction: expected in (0, 1), got {TestFraction.ToString(CultureInfo.InvariantCulture)}.");
            if (Steps < 1) return ValidationResult.Error($"--steps: expected >= 1, got {Steps}.");
            if (!(ClintSd >= 0)) return ValidationResult.Error($"--clint-sd: expected >= 0, got {ClintSd.ToString(CultureInfo.InvariantCulture)}.");
            if (!(ClintSharedSd >= 0)) return ValidationResult.Error($"--clint-shared-sd: expected >= 0, got {ClintSharedSd.ToString(CultureInfo.InvariantCulture)}.");
            if (!(ObservationCv >= 0)) return ValidationResult.Error($"--observation-cv: expected >= 0, got {ObservationCv.ToString(CultureInfo.InvariantCulture)}.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var device = s.SetUpTorch();
        var config = new ScalingBenchmarkConfig
        {
            Compounds = s.Compounds, TestFraction = s.TestFraction, Seed = s.Seed, WithDescriptors = s.WithDescriptors, WithOde = !s.NoOde,
            Differences = new SpeciesDifferences { ClintLogSd = s.ClintSd, ClintSharedLogSd = s.ClintSharedSd, ObservationCv = s.ObservationCv },
            Neural = new NeuralAllometryConfig { Steps = s.Steps, Seed = s.TrainSeed },
        }.Validate();
        ScalingBenchmarkResult? result = null;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        ProgressBars.Create("steps")
            .Start(ctx =>
            {
                var task = ctx.AddTask("generate + train", maxValue: s.Steps * (1 + (s.NoOde ? 0 : 1) + (s.WithDescriptors ? 1 : 0)));
                var offset = 0;
                var last = 0;
                var trainStart = (double?)null;
                result = ScalingBenchmark.Run(config, (step, loss) =>
                {
                    trainStart ??= sw.Elapsed.TotalSeconds;
                    if (step < last) offset += s.Steps; // the next network started
                    last = step;
                    task.Value = offset + step;
                    var rate = (offset + step) / Math.Max(1e-9, sw.Elapsed.TotalSeconds - trainStart.Value);
                    task.Description = $"train neural allometry: loss {loss:F4}, {rate:F0} steps/s";
                }, cancellationToken, device);
                task.Value = task.MaxValue;
            });
        var r = result!;
        string F(double v, string fmt) => v.ToString(fmt, CultureInfo.InvariantCulture);
        string Pct(double v) => F(100 * v, "F0") + "%";
        var table = new Table().AddColumn(new TableColumn("method").NoWrap()).AddColumn("CL AAFE").AddColumn("CL AFE").AddColumn("CL <=2x").AddColumn("CL <=3x")
            .AddColumn("Vss AAFE").AddColumn("Vss AFE").AddColumn("Vss <=2x").AddColumn("Vss <=3x");
        foreach (var m in r.Methods)
        {
            string[] Cells(FoldErrorSummary? x) => x is null ? ["-", "-", "-", "-"] : [F(x.Aafe, "F2"), F(x.Afe, "F2"), Pct(x.Within2Fold), Pct(x.Within3Fold)];
            table.AddRow([Markup.Escape(m.Name), .. Cells(m.ClSummary), .. Cells(m.VssSummary)]);
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("Exponents CL / Vss. Classical methods use the observed CL and Vss of mouse, rat, monkey and dog; unbound allometry scales CL/fu and Vss/fu " +
                               "and multiplies by human fu; neural allometry sees the same data plus the species' physiology; the training mean ignores the animals.");
        AnsiConsole.MarkupLine($"{r.Test.Count} held-out of {s.Compounds} compounds (seed {s.Seed}; generator redraw rate {100 * r.RedrawRate:F1}%); " +
                               $"neural allometry: {s.Steps} steps in {r.NeuralSeconds:F1} s, final loss {r.NeuralLoss:F4} (train seed {s.TrainSeed}); total {sw.Elapsed.TotalSeconds:F1} s");
        foreach (var (m, (c, cl, ch), (v, vl, vh)) in r.NeuralVersusUnbound())
            AnsiConsole.MarkupLine($"{Markup.Escape(m.Name)} / unbound allometry, paired AAFE ratio [[95% CI]]: CL {F(c, "F3")} [[{F(cl, "F3")}, {F(ch, "F3")}]], Vss {F(v, "F3")} [[{F(vl, "F3")}, {F(vh, "F3")}]]");
        AnsiConsole.MarkupLine("rule of exponents: " + string.Join(", ", r.RuleCounts.Select(kv => $"{kv.Key} {kv.Value}")));
        if (s.Out is not null)
        {
            ScalingBenchmarkCsv.Write(s.Out, r);
            AnsiConsole.MarkupLine($"wrote {r.Test.Count} rows to {Markup.Escape(s.Out)}");
        }
        return 0;
    }
}
