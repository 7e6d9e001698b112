using ZeroShotPK.Evaluation;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk.Forecast;
using ZeroShotPK.Training;
using static TorchSharp.torch;

namespace ZeroShotPK.Tests.Pbpk.Forecast;

[Collection(TorchCollection.Name)]
public class PbpkForecastNetworkTests
{
    private static readonly Lazy<ForecastData> Data = new(() => new ForecastData(seed: 5, compounds: 40, individuals: 6));
    private static readonly PbpkForecastArchitecture Small = new(Width: 16, Heads: 4, EncoderLayers: 1, DecoderLayers: 1, FeedForward: 32);

    private static ForecastRecord[] Records(int n) => Data.Value.Cases(false, 0, n).Select(PbpkForecastFeatures.Encode).ToArray();

    private static float[] Output(PbpkForecastNetwork net, ForecastBatch batch)
    {
        using var scope = NewDisposeScope();
        using var _ng = no_grad();
        return net.call(batch).data<float>().ToArray();
    }

    [Theory]
    [InlineData(-30.0)]
    [InlineData(-8.0)]
    [InlineData(-1.0)]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(8.0)]
    public void LogNormalCdf_MatchesMathNetInBothTails_WithFiniteGradient(double x)
    {
        using var scope = NewDisposeScope();
        var t = tensor(new[] { (float)x }, requires_grad: true);
        var y = PbpkForecastNetwork.LogNormalCdf(t);
        // ln Phi(x): MathNet's CDF underflows in the far left tail, where ln Phi(x) = -x^2/2 - ln(-x sqrt(2 pi)) - 1/x^2 + ...
        double expected = x > -20 ? Math.Log(MathNet.Numerics.Distributions.Normal.CDF(0, 1, x))
            : -x * x / 2 - Math.Log(-x * Math.Sqrt(2 * Math.PI)) + Math.Log(1 - 1 / (x * x) + 3 / Math.Pow(x, 4));
        Assert.Equal(expected, y.item<float>(), Math.Abs(expected) * 1e-5 + 1e-6);
        y.sum().backward();
        var g = t.grad!.item<float>();
        // d/dx ln Phi(x) = phi(x) / Phi(x) > 0, about -x in the left tail, about 0 in the right.
        Assert.True(float.IsFinite(g) && g > 0, $"gradient {g}");
        if (x < -5) Assert.Equal(-x, g, 0.05 * -x);
    }

    [Fact]
    public void CensoredLoss_ChangesOnlyPointsAtTheFloor()
    {
        manual_seed(3);
        using var net = new PbpkForecastNetwork(Small);
        net.eval();
        var records = Records(40);
        static bool AtFloor(ForecastRecord r, int k) =>
            PbpkForecastFeatures.Denormalise(r.Target[k], r.LogDosePerKg) <= Math.Log(ForecastData.FloorConcentration) + 1e-3;
        var floored = records.Where(r => Enumerable.Range(0, r.Target.Length).Any(k => AtFloor(r, k))).ToArray();
        var clear = records.Where(r => !Enumerable.Range(0, r.Target.Length).Any(k => AtFloor(r, k))).ToArray();
        Assert.NotEmpty(floored);
        Assert.NotEmpty(clear);
        using var scope = NewDisposeScope();
        using var _ng = no_grad();
        using var c = ForecastBatch.Build(clear);
        Assert.Equal(net.Loss(c).item<float>(), net.Loss(c, censorFloor: true).item<float>(), 6);
        using var f = ForecastBatch.Build(floored);
        var plain = net.Loss(f).item<float>();
        var censored = net.Loss(f, censorFloor: true).item<float>();
        Assert.NotEqual(plain, censored, 3);
        // Recomputed by hand from the network's output: Gaussian terms above the floor, -ln Phi((floor - mu) / sd) at it.
        var output = net.call(f).data<float>().ToArray();
        double sum = 0; int n = 0;
        for (int i = 0; i < floored.Length; i++)
            for (int k = 0; k < ForecastData.Grid.Count; k++, n++)
            {
                double mu = output[(i * ForecastData.Grid.Count + k) * 2], ls = output[(i * ForecastData.Grid.Count + k) * 2 + 1];
                double y = floored[i].Target[k];
                double thr = PbpkForecastFeatures.Normalise(Math.Log(ForecastData.FloorConcentration), floored[i].LogDosePerKg);
                sum += AtFloor(floored[i], k)
                    ? -Math.Log(MathNet.Numerics.Distributions.Normal.CDF(0, 1, (thr - mu) / Math.Exp(ls)))
                    : 0.5 * Math.Pow((y - mu) / Math.Exp(ls), 2) + ls;
            }
        Assert.Equal(sum / n, censored, 3);
    }

    [Fact]
    public void Forward_ShapesAndFiniteValues_WithAndWithoutObservedSamples()
    {
        manual_seed(1);
        using var net = new PbpkForecastNetwork(new PbpkForecastArchitecture());
        net.eval();
        var records = Records(8);
        int[]?[] observed = [null, [1, 2, 4], null, [0, 3], [1, 2, 4], null, [5, 6, 7], null];
        using var batch = ForecastBatch.Build(records, observed);
        using var scope = NewDisposeScope();
        var output = net.call(batch);
        Assert.Equal(new long[] { 8, ForecastData.Grid.Count, 2 }, output.shape);
        Assert.True(isfinite(output).all().item<bool>());
        var profiles = PbpkForecaster.Predict(net, batch);
        Assert.Equal(8, profiles.Length);
        Assert.All(profiles, p => Assert.All(p.LogSd, s => Assert.True(s > 0 && double.IsFinite(s))));
        Assert.All(profiles, p => Assert.True(p.Lo90(3) < p.Median(3) && p.Median(3) < p.Hi90(3)));
        using var loss = net.Loss(batch);
        Assert.True(double.IsFinite(loss.item<float>()));
        // Other query times (no target): one row per time.
        using var custom = ForecastBatch.Build(records.Take(2).ToArray(), times: [0.1, 5, 72]);
        Assert.Null(custom.Target);
        Assert.Equal(3, PbpkForecaster.Predict(net, custom)[0].LogMean.Length);
    }

    [Fact]
    public void SamplesGivenAsTimesAndConcentrations_AreTheSameTokensAsRevealedGridPoints()
    {
        manual_seed(4);
        using var net = new PbpkForecastNetwork(Small);
        net.eval();
        var c = Data.Value.Case(false, 7);
        var record = PbpkForecastFeatures.Encode(c);
        int[] idx = [1, 2, 4];
        using var byIndex = ForecastBatch.Build([record], [idx]);
        using var bySample = ForecastBatch.BuildWithSamples([record], [idx.Select(k => (ForecastData.Grid[k], (double)PbpkForecastFeatures.Denormalise(record.Target[k], record.LogDosePerKg))).ToArray()]);
        var a = Output(net, byIndex);
        var b = Output(net, bySample);
        for (int k = 0; k < a.Length; k++) Assert.Equal(a[k], b[k], 4);
        Assert.Throws<ArgumentException>(() => ForecastBatch.BuildWithSamples([record], [[(0.0, 1.0)]]));
    }

    [Fact]
    public void SameSeed_SameWeightsAndBatches()
    {
        manual_seed(7);
        using var a = new PbpkForecastNetwork(Small);
        manual_seed(7);
        using var b = new PbpkForecastNetwork(Small);
        manual_seed(8);
        using var c = new PbpkForecastNetwork(Small);
        using var batch = ForecastBatch.Build(Records(4));
        Assert.Equal(Output(a, batch), Output(b, batch));
        Assert.NotEqual(Output(a, batch), Output(c, batch));
        var config = new PbpkForecastConfig { BatchSize = 32 };
        var (r1, o1) = PbpkForecastTrainer.DrawStep(3, 17, 1000, config);
        var (r2, o2) = PbpkForecastTrainer.DrawStep(3, 17, 1000, config);
        Assert.Equal(r1, r2);
        Assert.Equal(o1.Select(o => o is null ? "" : string.Join(',', o)), o2.Select(o => o is null ? "" : string.Join(',', o)));
        Assert.Contains(o1, o => o is { Length: >= 2 and <= 3 });
        Assert.Contains(o1, o => o is null);
        Assert.NotEqual(r1, PbpkForecastTrainer.DrawStep(3, 18, 1000, config).Rows);
    }

    [Fact]
    public void Target_IsDoseNormalised_SoDoublingTheDoseKeepsItAndShiftsTheOffset()
    {
        var d = Data.Value;
        var c = d.Case(false, 3);
        var doubled = c.Doses.Select(x => x with { Amount = 2 * x.Amount }).ToArray();
        var exact2 = ForecastData.ExactLogProfile(c.Compound, c.Individual, doubled);
        var r1 = PbpkForecastFeatures.Encode(c);
        var r2 = PbpkForecastFeatures.Encode(c.Compound, c.Individual, doubled, exact2);
        Assert.Equal(Math.Log(2), r2.LogDosePerKg - r1.LogDosePerKg, 5);
        for (int k = 0; k < r1.Target.Length; k++)
            if (c.LogConcentration[k] > Math.Log(ForecastData.FloorConcentration) + 1) Assert.Equal(r1.Target[k], r2.Target[k], 3);
        // A record survives the pool's flat layout.
        var back = ForecastRecord.FromArray(r1.ToArray());
        Assert.Equal(r1.ToArray(), back.ToArray());
        Assert.Throws<ArgumentException>(() => PbpkForecastFeatures.Encode(c.Compound, c.Individual, []));
    }

    [Fact]
    public void Checkpoint_SaveLoad_RoundTripsExactly_AndRefusesADamagedFile()
    {
        var dir = Directory.CreateTempSubdirectory("fc-ckpt").FullName;
        try
        {
            manual_seed(3);
            using var net = new PbpkForecastNetwork(Small);
            net.eval();
            var m = PbpkForecastCheckpoint.Save(dir, net, null, new PbpkForecastManifest
            {
                Config = new PbpkForecastConfig { Architecture = Small }, Seed = 3, Step = 0, TotalSteps = 1, ModelFile = "",
            });
            var (loaded, manifest) = PbpkForecastCheckpoint.Load(dir);
            using var _l = loaded;
            Assert.Equal(Small, manifest.Config.Architecture);
            using var batch = ForecastBatch.Build(Records(5), [null, [1, 2], null, null, [0, 4, 6]]);
            Assert.Equal(Output(net, batch), Output(loaded, batch));
            var path = Path.Combine(dir, m.ModelFile);
            var bytes = File.ReadAllBytes(path);
            bytes[^1] ^= 1;
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => PbpkForecastCheckpoint.Load(dir));
            Assert.Contains("SHA-256", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    private static PbpkForecastConfig TinyConfig => new()
    {
        Architecture = Small, Compounds = 40, Individuals = 6, PoolCases = 300, ValidationCases = 60, BatchSize = 16,
        WarmupSteps = 5, LearningRate = 3e-3, ValidationEvery = 10, CheckpointEvery = 1000,
    };

    [Fact]
    public void Resume_IsBitExact_AndATinyRunLowersTheValidationLoss()
    {
        var full = Directory.CreateTempSubdirectory("fc-full").FullName;
        var split = Directory.CreateTempSubdirectory("fc-split").FullName;
        try
        {
            {
                var r = new PbpkForecastTrainer(new PbpkForecastTrainOptions { Config = TinyConfig, OutputDirectory = full, Steps = 60, Seed = 9 }).Run();
                new PbpkForecastTrainer(new PbpkForecastTrainOptions { Config = TinyConfig, OutputDirectory = split, Steps = 60, Seed = 9, StopAfter = 23 }).Run();
                var resumed = new PbpkForecastTrainer(new PbpkForecastTrainOptions { Config = TinyConfig, OutputDirectory = split, Steps = 60, Seed = 9, Resume = true }).Run();
                Assert.Equal(60, resumed.Step);
                var a = PbpkForecastCheckpoint.ReadManifest(full);
                var b = PbpkForecastCheckpoint.ReadManifest(split);
                Assert.Equal(a.Checksums![a.ModelFile], b.Checksums![b.ModelFile]);
                Assert.Equal(a.Checksums[a.OptimizerFile!], b.Checksums[b.OptimizerFile!]);
                Assert.Equal(a.ValidationLoss, b.ValidationLoss);
                // loss.csv starts with the validation loss of the initial weights (step 0).
                var first = double.Parse(File.ReadLines(Path.Combine(full, PbpkForecastCheckpoint.LossLogFile)).Skip(1).First().Split(',')[3], System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(r.ValidationLoss < first - 0.3, $"validation NLL {first} -> {r.ValidationLoss}");
                Assert.True(a.ElapsedSeconds > 0 && a.Hours >= 0 && a.Parameters > 0);
                // A manifest written before Config.Space existed reads as the original box.
                var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(full, "manifest.json")))!.AsObject();
                Assert.True(json["config"]!.AsObject().Remove("space"));
                File.WriteAllText(Path.Combine(full, "manifest.json"), json.ToJsonString());
                Assert.Equal(new ZeroShotPK.Pbpk.Scaling.CompoundSpace(), PbpkForecastCheckpoint.ReadManifest(full).Config.Space);

                // Resuming with another seed or settings, or a new run over a checkpoint, is refused with a reason.
                var e = Assert.Throws<InvalidOperationException>(() => new PbpkForecastTrainer(new PbpkForecastTrainOptions { Config = TinyConfig, OutputDirectory = split, Steps = 80, Seed = 10, Resume = true }).Run());
                Assert.Contains("seed 10", e.Message);
                e = Assert.Throws<InvalidOperationException>(() => new PbpkForecastTrainer(new PbpkForecastTrainOptions { Config = TinyConfig with { BatchSize = 8 }, OutputDirectory = split, Steps = 80, Seed = 9, Resume = true }).Run());
                Assert.Contains("other settings", e.Message);
                e = Assert.Throws<InvalidOperationException>(() => new PbpkForecastTrainer(new PbpkForecastTrainOptions { Config = TinyConfig, OutputDirectory = split, Steps = 80, Seed = 9 }).Run());
                Assert.Contains("already holds a checkpoint", e.Message);
            }
        }
        finally { Directory.Delete(full, true); Directory.Delete(split, true); }
    }

    [Fact]
    public void ShippedCheckpoint_ReproducesItsValidationFigures()
    {
        var dir = ZeroShotPK.Tests.Data.DataFiles.Path("data/checkpoints/pbpk-forecast");
        var (net, m) = PbpkForecastCheckpoint.Load(dir);
        using var _n = net;
        PbpkForecastCheckpoint.Verify(dir, m, PbpkForecastCheckpoint.ValidationFile);
        var records = ForecastPool.Read(Path.Combine(dir, PbpkForecastCheckpoint.ValidationFile), m.Seed);
        var observed = Enumerable.Range(0, records.Length).Select(i => PbpkForecastTrainer.ValidationObserved(m.Seed, i, m.Config)).ToArray();
        var (loss, rmse) = PbpkForecastTrainer.Validate(net, records, observed, m.Config.CensorFloor);
        Assert.Equal(m.ValidationLoss!.Value, loss, 3);
        Assert.Equal(m.ValidationRmse!.Value, rmse, 3);
        Assert.Null(m.OptimizerFile);
        Assert.True(m.ElapsedSeconds > 0);
    }

    [Fact]
    public void Evaluation_ScoresEachSpeciesWithAndWithoutSamples()
    {
        manual_seed(2);
        using var net = new PbpkForecastNetwork(Small);
        net.eval();
        var rows = PbpkForecastEvaluation.Run(net, Data.Value, 40);
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.True(r.Cases > 0 && double.IsFinite(r.LogRmse) && r.Coverage90 is >= 0 and <= 1));
        Assert.Equal(rows[0].Cases, rows[1].Cases);
        Assert.Empty(rows[0].Observed);
        Assert.Equal(PbpkForecastEvaluation.EarlySamples, rows[1].Observed);
        Assert.Contains("logRMSE", PbpkForecastEvaluation.Format(rows, "test"));
        // Fold-error helpers: exact ratios, and a mono-exponential half-life.
        Assert.Equal(0.5, PbpkForecastEvaluation.Within([1.0, 1.2, 1.3, 0.5], 1.25));
        var t = ForecastData.Grid;
        var c = t.Select(x => Math.Exp(-Math.Log(2) / 6 * x)).ToArray();
        Assert.Equal(6, PbpkForecastEvaluation.HalfLife(t, c, 0)!.Value, 3);
        // The strata partition the same cases by class and logP band, and the pooled no-sample log-RMSE is their
        // case-weighted root mean square (every case has the same 22 points).
        var strata = PbpkForecastEvaluation.Strata(net, Data.Value, 40);
        Assert.Equal(rows[0].Cases + rows[2].Cases, strata.Sum(x => x.Cases));
        var pooled = Math.Sqrt((rows[0].LogRmse * rows[0].LogRmse * rows[0].Cases + rows[2].LogRmse * rows[2].LogRmse * rows[2].Cases) / (rows[0].Cases + rows[2].Cases));
        Assert.Equal(pooled, Math.Sqrt(strata.Sum(x => x.LogRmse * x.LogRmse * x.Cases) / strata.Sum(x => x.Cases)), 9);
        Assert.Equal(["<0", "0-2", "2-4", ">=4"], Enumerable.Range(0, 4).Select(b => new ForecastStratum(ZeroShotPK.Pbpk.IonClass.Acid, b, 1, 0, 0, 0).LogPBand));
        Assert.StartsWith("By compound class and logP", PbpkForecastEvaluation.FormatStrata(strata));
    }
}
