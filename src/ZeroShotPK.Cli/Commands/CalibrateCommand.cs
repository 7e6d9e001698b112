using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Training;
using ValidationResult = Spectre.Console.ValidationResult;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Cli.Commands;

/// <summary>
/// <c>zspk calibrate</c>: fits the checkpoint's predictive-sd scale on its own held-out synthetic studies
/// (validation.csv) so that 90% intervals cover 90% there, and records it in the manifest.
/// </summary>
internal sealed class CalibrateCommand : Command<CalibrateCommand.Settings>
{
    public sealed class Settings : ComputeSettings
    {
        [CommandOption("--checkpoint <DIR>", true), Output(Mode = OutputMode.Updated), Description("Checkpoint folder written by zspk pretrain; its manifest is rewritten (locked: refused while another zspk writes the folder).")]
        public string? Checkpoint { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Checkpoint)) return ValidationResult.Error("--checkpoint is required (a folder written by zspk pretrain).");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.SetUpTorch();
        var dir = settings.Checkpoint!;
        var manifest = Checkpoint.ReadManifest(dir);
        Checkpoint.VerifyFiles(dir, manifest, ValidationSet.StudiesFile);
        var (model, _) = Checkpoint.Load(dir, device);
        using (model)
        {
            var validation = ValidationSet.Load(dir, manifest.Config.Training);
            var c = PredictiveCalibrator.Fit(model, validation, device);
            Checkpoint.WriteCalibration(dir, c);
            AnsiConsole.MarkupLine($"{Markup.Escape(dir)}: predictive sd x {c.SdScale:G4}; 90% coverage on {c.Points} held-out synthetic points {c.Coverage90Before:F3} -> {c.Coverage90After:F3} (manifest updated)");
        }
        return 0;
    }
}
