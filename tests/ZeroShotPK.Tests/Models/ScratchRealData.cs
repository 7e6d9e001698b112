using System.Diagnostics;
using Xunit.Abstractions;
using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;
using static TorchSharp.torch;
namespace ZeroShotPK.Tests.Models;
public class ScratchRealData(ITestOutputHelper o)
{
    [Fact]
    public void RealData()
    {
        set_num_threads(1);
        var dir = Environment.GetEnvironmentVariable("ZSPK_CKPT") ?? "/work/wt/aicmet/runs/aicmet-small";
        using var p = new AicmetPredictor(dir);
        using var nc = new AicmetPredictor(dir, useContext: false);
        o.WriteLine($"checkpoint step {p.Manifest.Step} val {p.Manifest.ValidationLoss:F4} rmse {p.Manifest.ValidationRmse:F4} pop {p.Manifest.PopulationMeanRmse:F4}");
        foreach (var file in new[] { "theophylline", "indometacin" })
        {
            var study = NonmemCsv.ReadStudy($"/work/wt/aicmet/data/{file}.csv");
            double seA = 0, seN = 0, seP = 0; int n = 0; var sw = new Stopwatch(); int calls = 0;
            foreach (var ind in study.Individuals)
            {
                var obs = ind.Observations.Where(x => x.Value > 0 && !x.IsBlq).ToArray();
                var known = new Individual(ind.Id, ind.Doses, ind.Observations.Take(4));
                var ctx = study.Without(ind.Id);
                var future = ind.Observations.Skip(4).Where(x => x.Value > 0 && !x.IsBlq).ToArray();
                if (future.Length == 0) continue;
                var times = future.Select(x => x.Time).ToArray();
                sw.Start(); var a = p.Predict(ctx, known, times, 1); sw.Stop(); calls++;
                var b = nc.Predict(ctx, known, times, 1);
                if (ind.Id == study.Individuals[0].Id || ind.Id == study.Individuals[3].Id) o.WriteLine($"{file} {ind.Id} known [{string.Join(" ", known.Observations.Select(x => $"{x.Time}:{x.Value}"))}] dose {ind.Doses[0]}\n  obs  " + string.Join(" ", future.Select(x => $"{x.Time}:{x.Value:F2}")) + "\n  pred " + string.Join(" ", a.Median.Select((m, j) => $"{times[j]}:{m:F2}[{a.Lower90[j]:F2}-{a.Upper90[j]:F2}]")));
                for (int j = 0; j < times.Length; j++)
                {
                    double y = Math.Log(future[j].Value);
                    // population mean: mean over context of log conc interpolated at t
                    var vals = ctx.Individuals.Select(c => { var cs = c.Observations.Where(x => x.Value > 0).ToArray(); return Interp(cs, times[j]); }).ToArray();
                    seA += Math.Pow(Math.Log(a.Median[j]) - y, 2); seN += Math.Pow(Math.Log(b.Median[j]) - y, 2); seP += Math.Pow(vals.Average() - y, 2); n++;
                }
            }
            o.WriteLine($"{file}: aicmet {Math.Sqrt(seA / n):F3} nocontext {Math.Sqrt(seN / n):F3} popmean {Math.Sqrt(seP / n):F3} (pooled log-RMSE over {n} points); {sw.Elapsed.TotalMilliseconds / calls:F1} ms/predict");
        }
    }
    static double Interp(Observation[] c, double t)
    {
        if (t <= c[0].Time) return Math.Log(c[0].Value);
        for (int k = 1; k < c.Length; k++) if (t <= c[k].Time) { double w = (t - c[k - 1].Time) / (c[k].Time - c[k - 1].Time); return (1 - w) * Math.Log(c[k - 1].Value) + w * Math.Log(c[k].Value); }
        return Math.Log(c[^1].Value);
    }
}
