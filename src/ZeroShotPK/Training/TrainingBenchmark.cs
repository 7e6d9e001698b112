using System.Diagnostics;
using TorchSharp;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Priors;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Training;

/// <summary>Figures of <see cref="TrainingBenchmark.Run"/>.</summary>
/// <param name="Steps">Steps timed.</param>
/// <param name="BatchSize">Studies per step.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="GenerateMs">Mean time to generate and split one batch of studies, ms.</param>
/// <param name="TensorizeMs">Mean time to tensorize one batch (on the worker thread), ms.</param>
/// <param name="StepMs">Mean time of forward + backward + optimizer step, ms.</param>
/// <param name="WaitMs">Mean time the training thread waited for its batch (generation runs one step ahead on another thread), ms.</param>
/// <param name="WorkingSetMiB">Process working set after each checkpoint step count, MiB.</param>
public sealed record TrainingBenchmarkResult(int Steps, int BatchSize, long Parameters, double GenerateMs, double TensorizeMs, double StepMs,
    double WaitMs, IReadOnlyList<(int Step, double MiB)> WorkingSetMiB)
{
    /// <summary>Training steps per second as the pipelined loop runs (wait + step).</summary>
    public double StepsPerSecond => 1000 / (WaitMs + StepMs);
    /// <summary>Studies per second.</summary>
    public double StudiesPerSecond => StepsPerSecond * BatchSize;
    /// <summary>Data preparation (generation + tensorization) relative to the optimisation step, if run serially.</summary>
    public double DataShare => (GenerateMs + TensorizeMs) / StepMs;
    /// <summary>Data cost on the training thread's critical path (waiting for the prefetched batch) relative to the optimisation step.</summary>
    public double PipelinedDataShare => WaitMs / StepMs;
}

/// <summary>Times the parts of a pretraining step; like <see cref="Pretrainer"/>, generation of the next batch overlaps the current step.</summary>
public static class TrainingBenchmark
{
    /// <summary>Runs <paramref name="steps"/> real training steps and records the working set at <paramref name="memoryAt"/> steps.</summary>
    public static TrainingBenchmarkResult Run(AicmetConfig config, IStudyGenerator generator, int steps, Device device, IReadOnlyList<int> memoryAt,
        Action<int>? onStep = null)
    {
        var t = config.Training;
        manual_seed(1);
        using var model = AicmetModel.Create(config.Architecture);
        model.to(device).train();
        var parameters = model.parameters().ToArray();
        using var optimizer = new ScalarSafeAdamW(parameters, t.LearningRate, weightDecay: t.WeightDecay);
        double gen = 0, tens = 0, step = 0, wait = 0;
        var memory = new List<(int, double)>();
        var sw = new Stopwatch();
        using var self = Process.GetCurrentProcess();
        // As in Pretrainer: the next batch is generated and tensorized on a worker thread during the current step.
        Task<AicmetBatch> Draw(int s) => Task.Run(() =>
        {
            var w = Stopwatch.StartNew();
            var tasks = Pretrainer.DrawTasks(generator, t, 1, s);
            gen += w.Elapsed.TotalMilliseconds; // one draw at a time: no race
            w.Restart();
            var b = AicmetTensorizer.Build(tasks, device, config.Training.ScoreKnownSamples);
            tens += w.Elapsed.TotalMilliseconds;
            return b;
        });
        var next = Draw(0);
        for (int s = 0; s < steps; s++)
        {
            sw.Restart();
            using var batch = next.Result;
            wait += sw.Elapsed.TotalMilliseconds;
            if (s + 1 < steps) next = Draw(s + 1);
            using (var scope = NewDisposeScope())
            {
                sw.Restart();
                optimizer.ZeroGrad();
                var l = model.Loss(batch, t.KlWeight);
                l.Loss.backward();
                nn.utils.clip_grad_norm_(parameters, t.GradientClip);
                optimizer.Step();
                step += sw.Elapsed.TotalMilliseconds;
            }
            if (memoryAt.Contains(s + 1))
            {
                GC.Collect();
                self.Refresh();
                memory.Add((s + 1, self.WorkingSet64 / 1048576.0));
            }
            onStep?.Invoke(s + 1);
        }
        return new TrainingBenchmarkResult(steps, t.BatchSize, parameters.Sum(p => p.numel()), gen / steps, tens / steps, step / steps, wait / steps, memory);
    }
}
