using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Evaluation;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary><c>zspk bench read</c>: time and peak memory of reading a generated NONMEM CSV of a given size.</summary>
internal sealed class BenchReadCommand : Command<BenchReadCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--size-mb <N>"), Description("Size of the generated file in MiB (default 200); written to a temporary folder and deleted afterwards.")]
        public int SizeMb { get; init; } = 200;

        [CommandOption("--no-baseline"), Description("Skip the baseline row (the file held as split lines, as the reader did before it streamed), which needs several times the file's size in memory.")]
        public bool NoBaseline { get; init; }

        public override ValidationResult Validate() =>
            SizeMb is < 1 or > 100_000 ? ValidationResult.Error($"--size-mb: expected 1 to 100000, got {SizeMb}.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"zspk-bench-read-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "events.csv");
            AnsiConsole.MarkupLine($"writing {s.SizeMb} MiB of event table to {Markup.Escape(path)} ...");
            var rows = ReadBenchmark.WriteSample(path, (long)s.SizeMb << 20);
            var r = ReadBenchmark.Run(path, rows, baseline: !s.NoBaseline);
            const double MiB = 1 << 20;
            var table = new Table().AddColumns("figure", "value");
            table.AddRow("file", $"{r.FileBytes / MiB:F0} MiB, {r.Rows:N0} rows, {r.Individuals:N0} individuals");
            table.AddRow("read time", $"{r.Seconds:F2} s ({r.FileBytes / MiB / r.Seconds:F0} MiB/s)");
            table.AddRow("working set before the read", $"{r.WorkingSetBeforeBytes / MiB:F0} MiB");
            table.AddRow("peak working set (process)", $"{r.PeakWorkingSetBytes / MiB:F0} MiB");
            table.AddRow("parsed studies (managed heap kept)", $"{r.ParsedBytes / MiB:F0} MiB");
            table.AddRow("peak / file size", $"{r.PeakOverFile:F2}x");
            table.AddRow("peak / parsed studies", $"{r.PeakOverParsed:F2}x");
            if (r.HeldLinesPeakBytes > 0)
                table.AddRow("baseline: peak with the file held as split lines", $"{r.HeldLinesPeakBytes / MiB:F0} MiB ({(double)r.HeldLinesPeakBytes / r.FileBytes:F2}x the file; the reader before streaming held this, then every row, then the studies)");
            AnsiConsole.Write(table);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return 0;
    }
}
