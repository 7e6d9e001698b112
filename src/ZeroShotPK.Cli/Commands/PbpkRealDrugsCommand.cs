using System.ComponentModel;
using Spectre.Console.Cli;
using ZeroShotPK.Evaluation;
using ValidationResult = Spectre.Console.ValidationResult;

namespace ZeroShotPK.Cli.Commands;

/// <summary>zspk pbpk real-drugs: mechanistic Vss, CL and half-life of real drugs against observed human values.</summary>
internal sealed class PbpkRealDrugsCommand : Command<PbpkRealDrugsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <FILE>"), Description("Real-drug CSV (default the bundled data/pbpk/real_drugs.csv; columns in data/pbpk/README.md).")]
        public string? Data { get; init; }

        [CommandOption("--out <FILE>", true), Output, Description("Output text file: AAFE and % within 2-fold per method, by ion class and training-prior membership, and one row per drug.")]
        public string? Out { get; init; }

        [CommandOption("--checkpoint <DIR>"), Description("Forecaster folder (default the shipped data/checkpoints/pbpk-forecast).")]
        public string? Checkpoint { get; init; }

        [CommandOption("--benchmark <DIR>"), Description("Folder of the real concentration-time studies compared profile by profile (default data/benchmark; skipped when absent).")]
        public string Benchmark { get; init; } = "data/benchmark";

        [CommandOption("--no-forecaster"), Description("Skip the PBPK forecasting transformer's rows (mechanistic models only).")]
        public bool NoForecaster { get; init; }

        [CommandOption(OutputGuard.ForceOption), Description(OutputGuard.ForceHelp)]
        public bool Force { get; init; }

        public override ValidationResult Validate()
        {
            if (Out is null) return ValidationResult.Error("--out: required (output text file).");
            if (Data is not null && !File.Exists(Data)) return ValidationResult.Error($"--data: {Data} {(Directory.Exists(Data) ? "is a folder" : "does not exist")}; expected a real-drug CSV.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var drugs = s.Data is null ? RealDrugCsv.LoadBundled() : RealDrugCsv.Read(s.Data);
        // The inside/outside split uses the box of the forecaster's training compounds (its manifest's Config.Space).
        var dir = ForecastCheckpoints.Resolve(s.Checkpoint);
        var prior = ForecastPriorBox.For(ZeroShotPK.Models.Pbpk.PbpkForecastCheckpoint.ReadManifest(dir).Config.Space);
        IReadOnlyList<RealDrugPrediction> predictions;
        var studies = "";
        if (s.NoForecaster) predictions = RealDrugEvaluation.Predict(drugs, prior);
        else
        {
            var (net, _) = ZeroShotPK.Models.Pbpk.PbpkForecastCheckpoint.Load(dir);
            using var _net = net;
            predictions = RealDrugEvaluation.Predict(drugs, prior, net);
            if (Directory.Exists(s.Benchmark))
            {
                var rows = RealStudyComparison.CompareBundled(s.Benchmark, net);
                studies = "\n" + RealStudyComparison.Format(rows);
            }
        }
        var header = $"Real drugs: mechanistic predictions for the human reference individual against observed human IV PK ({drugs.Count} drugs, {s.Data ?? "data/pbpk/real_drugs.csv"})\n" +
                     "Vss from Poulin & Theil and Rodgers & Rowland Kp (B:P 1 where unknown); t1/2 = ln2 x predicted Vss / observed or predicted CL. " +
                     "CL by the well-stirred liver from human hepatocyte CLint (httk, where measured), as measured or divided by fu,inc (Kilford 2008), + fu x GFR.\n" +
                     "Transformer: median forecast of a 1 mg/kg IV bolus in the human reference individual. 'NCA' rows: its clearance token is the OBSERVED CL, " +
                     "so only distribution is predicted; 'pred' rows: its tokens carry the a-priori CL (well-stirred fu,inc), so CL and t1/2 come from descriptors and in vitro data alone. " +
                     "Vss = dose x AUMC/AUC^2, CL = dose/AUC and t1/2 by NCA on the 22-point 0.25-48 h grid up to the first point below 1e-3 mg/L (tails from the last 3 points).\n" +
                     $"command: zspk {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}";
        var text = RealDrugEvaluation.Format(predictions, prior, header) + studies;
        ZeroShotPK.Data.AtomicFile.Write(s.Out!, tmp => File.WriteAllText(tmp, text));
        Console.Write(text);
        return 0;
    }
}
