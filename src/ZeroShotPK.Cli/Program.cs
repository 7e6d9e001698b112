using Spectre.Console;
using Spectre.Console.Cli;
using ZeroShotPK.Cli.Commands;

// Every long job of ZeroShotPK has a command here; the commands are thin runners over the helper assembly.
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("zspk");
    config.PropagateExceptions();
    config.AddBranch("data", data =>
    {
        data.SetDescription("Inspect and convert event datasets (NONMEM-style CSV).");
        data.AddCommand<DataSummaryCommand>("summary").WithDescription("Counts and ranges of a dataset, per study.");
        data.AddCommand<DataConvertQuinidineCommand>("convert-quinidine").WithDescription("Convert nlme::Quinidine (long format) into a NONMEM-style event table.");
        data.AddCommand<DataConvertBenchmarkCommand>("convert-benchmark").WithDescription("Convert the raw public tables (R, nlmixr2data, PK-DB) into the real-data benchmark: one NONMEM-style CSV per study.");
    });
    config.AddCommand<SimulateCommand>("simulate").WithDescription("Simulate synthetic studies from a prior and write NONMEM-style CSV.");
    config.AddCommand<PretrainCommand>("pretrain").WithDescription("Pretrain AICMET on streamed synthetic studies (checkpoints, --resume).");
    config.AddCommand<CalibrateCommand>("calibrate").WithDescription("Fit a checkpoint's predictive-sd scale on its held-out synthetic studies (90% intervals cover 90%) and record it in the manifest.");
    config.AddCommand<PredictCommand>("predict").WithDescription("Zero-shot prediction for one individual of a study.");
    config.AddCommand<DiagnoseCommand>("diagnose").WithDescription("Diagnostic panel of one method on a dataset (GOF, VPC, coverage, SBC, OOD): HTML page + CSV.");
    config.AddCommand<EvaluateCommand>("evaluate").WithDescription("Leave-one-individual-out evaluation (the paper's protocol) for one or all methods.");
    config.AddBranch("pbpk", pbpk =>
    {
        pbpk.SetDescription("Whole-body PBPK and virtual populations.");
        pbpk.AddCommand<PbpkSimulateCommand>("simulate").WithDescription("Simulate a compound in a species with the whole-body PBPK model.");
        pbpk.AddCommand<PbpkPopulationCommand>("population").WithDescription("Generate a virtual population (reference, ddpm or pcdm).");
        pbpk.AddCommand<PbpkScaleCommand>("scale").WithDescription("Cross-species scaling benchmark: allometry, rule of exponents and neural allometry on PBPK-simulated compounds.");
    });
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Benchmarks that print figures and ratios against a baseline measured in the same run.");
        bench.AddCommand<BenchSimulateCommand>("simulate").WithDescription("Closed-form and ODE simulation throughput vs per-individual RK4.");
        bench.AddCommand<BenchTrainCommand>("train").WithDescription("Training steps/s, data-generation share and memory.");
        bench.AddCommand<BenchPredictCommand>("predict").WithDescription("Zero-shot prediction latency vs the NLME route.");
        bench.AddCommand<BenchNlmeCommand>("nlme").WithDescription("One population fit (FOCE-I, Lindstrom-Bates) vs R nlme on the same data in the same run.");
        bench.AddCommand<BenchPbpkCommand>("pbpk").WithDescription("Whole-body simulations and generated individuals per second.");
    });
});

try
{
    return app.Run(args);
}
catch (Exception ex) when (ex is CommandAppException or ArgumentException or FormatException or IOException
                               or InvalidOperationException or KeyNotFoundException or NotImplementedException)
{
    // Users get the message (which names the file, line, column or parameter), not a stack trace.
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
    return 1;
}
