using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Cli;
using ZeroShotPK.Cli.Commands;

// Piped or redirected output would be laid out at 80 columns, splitting numbers inside table cells (a log, a CI run):
// lay it out at $COLUMNS, or wide enough for every table zspk prints.
if (Console.IsOutputRedirected)
    AnsiConsole.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : ZspkApp.PipedWidth;
var app = ZspkApp.Create();
var notices = new HashSet<string>();
ZeroShotPK.Models.Neural.Checkpoint.Notice = message => { if (notices.Add(message)) Console.Error.WriteLine("note: " + message); };

// One handler for every failure: the user reads one sentence naming the file, line, column, option or parameter,
// never a .NET exception or a stack trace (ErrorReport), and the exit code says which kind of failure it was.
try
{
    // Every output is checked, locked and (folders) staged before the command runs (OutputGuard); an output's parent
    // folder may not exist yet (out/pred.csv on a fresh clone): it is created. A staged folder takes its place only
    // when the command succeeds; otherwise it is removed and the old output stays as it was.
    using var outputs = OutputGuard.Claim(CommandLineCheck.Check(args));
    int code = app.Run(args);
    if (code == 0) outputs.Commit();
    return code;
}
catch (Exception ex)
{
    return ErrorReport.Print(ex);
}

/// <summary>
/// The zspk command tree (also built by the tests, which check every command's options). Every long job of ZeroShotPK
/// has a command here; the commands are thin runners over the helper assembly.
/// </summary>
internal static class ZspkApp
{
    /// <summary>Layout width when output is not a terminal and $COLUMNS is unset: the widest table (evaluate's) fits whole.</summary>
    public const int PipedWidth = 240;

    /// <summary>A configured <see cref="CommandApp"/>; registers every command with <see cref="CommandLineCheck"/>.</summary>
    public static CommandApp Create()
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("zspk");
            config.SetApplicationVersion(ZspkVersion.Text);
            config.PropagateExceptions();
            config.UseStrictParsing();
            config.AddBranch("data", data =>
            {
                data.SetDescription("Inspect and convert event datasets (NONMEM-style CSV).");
                CommandLineCheck.Add<DataSummaryCommand>(data, "data summary", "summary").WithDescription("Counts and ranges of a dataset, per study.");
                CommandLineCheck.Add<DataConvertQuinidineCommand>(data, "data convert-quinidine", "convert-quinidine").WithDescription("Convert nlme::Quinidine (long format) into a NONMEM-style event table.");
                CommandLineCheck.Add<DataConvertBenchmarkCommand>(data, "data convert-benchmark", "convert-benchmark").WithDescription("Convert the raw public tables (R, nlmixr2data, PK-DB) into the real-data benchmark: one NONMEM-style CSV per study.");
            });
            CommandLineCheck.Add<SimulateCommand>(config, "simulate", "simulate").WithDescription("Simulate synthetic studies from a prior and write NONMEM-style CSV.");
            CommandLineCheck.Add<PretrainCommand>(config, "pretrain", "pretrain").WithDescription("Pretrain AICMET on streamed synthetic studies (checkpoints, --resume).");
            CommandLineCheck.Add<CalibrateCommand>(config, "calibrate", "calibrate").WithDescription("Fit a checkpoint's predictive-sd scale on its held-out synthetic studies (90% intervals cover 90%) and record it in the manifest.");
            CommandLineCheck.Add<PredictCommand>(config, "predict", "predict").WithDescription("Zero-shot prediction for one individual of a study.");
            CommandLineCheck.Add<DiagnoseCommand>(config, "diagnose", "diagnose").WithDescription("Diagnostic panel of one method on a dataset (GOF, VPC, coverage, SBC, OOD): HTML page + CSV.");
            CommandLineCheck.Add<EvaluateCommand>(config, "evaluate", "evaluate").WithDescription("Leave-one-individual-out evaluation (the paper's protocol) for one or all methods.");
            CommandLineCheck.Add<MergeCommand>(config, "merge", "merge").WithDescription("Combine the folders or files of shards 0..N-1 of one --shard K/N job (evaluate, simulate, pbpk population, pbpk simulate) into the files one run writes.");
            CommandLineCheck.Add<CompareRunsCommand>(config, "compare-runs", "compare-runs").WithDescription("One table of pretraining runs (a seed or config sweep): status, steps, final and best validation loss, hours.");
            CommandLineCheck.Add<CompareSeedsCommand>(config, "compare-seeds", "compare-seeds").WithDescription("How much of a benchmark's ranking is seed noise: several evaluate --benchmark runs that differ only in --seed, per method and against a reference.");
            config.AddBranch("pbpk", pbpk =>
            {
                pbpk.SetDescription("Whole-body PBPK and virtual populations.");
                CommandLineCheck.Add<PbpkSimulateCommand>(pbpk, "pbpk simulate", "simulate").WithDescription("Simulate a compound in a species' reference individual (or every individual of --population) with the whole-body PBPK model.");
                CommandLineCheck.Add<PbpkPopulationCommand>(pbpk, "pbpk population", "population").WithDescription("Generate a virtual population (reference, ddpm or pcdm).");
                CommandLineCheck.Add<PbpkScaleCommand>(pbpk, "pbpk scale", "scale").WithDescription("Cross-species scaling benchmark: allometry, rule of exponents and neural allometry on PBPK-simulated compounds.");
                CommandLineCheck.Add<PbpkForecastTrainCommand>(pbpk, "pbpk forecast-train", "forecast-train").WithDescription("Train the PBPK forecasting transformer on a cached pool of exact whole-body PBPK cases (checkpoints, --resume).");
                CommandLineCheck.Add<PbpkForecastCommand>(pbpk, "pbpk forecast", "forecast").WithDescription("Forecast a plasma profile (median and 90% band) with the PBPK transformer, beside the exact PBPK profile.");
                CommandLineCheck.Add<PbpkForecastEvalCommand>(pbpk, "pbpk forecast-eval", "forecast-eval").WithDescription("Accuracy of the PBPK transformer against the exact solver on held-out compounds (human and rat, with and without early samples).");
                CommandLineCheck.Add<PbpkRealDrugsCommand>(pbpk, "pbpk real-drugs", "real-drugs").WithDescription("Mechanistic Vss (Poulin & Theil, Rodgers & Rowland), CL and half-life of real drugs against observed human IV values: AAFE and % within 2-fold.");
            });
            config.AddBranch("bench", bench =>
            {
                bench.SetDescription("Benchmarks that print figures and ratios against a baseline measured in the same run.");
                CommandLineCheck.Add<BenchSimulateCommand>(bench, "bench simulate", "simulate").WithDescription("Closed-form and ODE simulation throughput vs per-individual RK4.");
                CommandLineCheck.Add<BenchTrainCommand>(bench, "bench train", "train").WithDescription("Training steps/s, data-generation share and memory.");
                CommandLineCheck.Add<BenchPredictCommand>(bench, "bench predict", "predict").WithDescription("Zero-shot prediction latency vs the NLME route.");
                CommandLineCheck.Add<BenchNlmeCommand>(bench, "bench nlme", "nlme").WithDescription("One population fit (FOCE-I, Lindstrom-Bates) vs R nlme on the same data in the same run.");
                CommandLineCheck.Add<BenchPbpkCommand>(bench, "bench pbpk", "pbpk").WithDescription("Whole-body simulations and generated individuals per second.");
                CommandLineCheck.Add<BenchReadCommand>(bench, "bench read", "read").WithDescription("Time and peak memory of reading a generated NONMEM CSV of --size-mb MiB, against the file size and the parsed data.");
            });
        });
        return app;
    }
}
