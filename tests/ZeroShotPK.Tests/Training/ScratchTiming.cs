using System.Diagnostics;
using Xunit.Abstractions;
using ZeroShotPK.Models.Neural;
using ZeroShotPK.Training;
using static TorchSharp.torch;

namespace ZeroShotPK.Tests.Training;

public class ScratchTiming(ITestOutputHelper output)
{
    [Fact]
    public void Timing()
    {
        set_num_threads(int.Parse(Environment.GetEnvironmentVariable("ZSPK_THREADS") ?? "2"));
        var gen = new OneCompartmentGenerator();
        var cfg = AicmetConfig.Small;
        manual_seed(1);
        var model = new AicmetNetwork(cfg.Architecture);
        var opt = optim.AdamW(model.parameters(), lr: 1e-3, weight_decay: 1e-4);
        var sw = Stopwatch.StartNew();
        double gen_s = 0, tens_s = 0, step_s = 0;
        for (int step = 0; step < 30; step++)
        {
            sw.Restart();
            var tasks = Pretrainer.DrawTasks(gen, cfg.Training, 1, step);
            gen_s += sw.Elapsed.TotalSeconds; sw.Restart();
            using var scope = NewDisposeScope();
            using var batch = AicmetTensorizer.Build(tasks);
            tens_s += sw.Elapsed.TotalSeconds; sw.Restart();
            opt.zero_grad();
            var l = model.Loss(batch, 1);
            l.Loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            opt.step();
            step_s += sw.Elapsed.TotalSeconds;
            if (step % 5 == 0) output.WriteLine($"step {step} loss {l.Loss.item<float>():F4} shape {string.Join("x", batch.Tokens.shape)}");
        }
        output.WriteLine($"gen {gen_s / 30 * 1000:F1} ms tens {tens_s / 30 * 1000:F1} ms step {step_s / 30 * 1000:F1} ms params {model.parameters().Sum(p => p.numel())}");
    }
}
