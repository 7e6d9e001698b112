namespace ZeroShotPK.Tests.Pbpk.Forecast;

public class PbpkForecastCommandTests
{
    // The commands are internal to zspk, so the tests run the built zspk.dll (copied beside the test assembly).
    private static (int Code, string Output) Zspk(params string[] args) => ZspkProcess.Run(400, args);

    [Theory]
    [InlineData("error: --dose: expected an amount > 0 mg first, got '-5'.", "pbpk", "forecast", "--compound", "diazepam", "--dose", "-5", "--out", "x.csv")]
    [InlineData("error: --dose: expected the route oral, iv or infusion, got 'rectal'.", "pbpk", "forecast", "--compound", "diazepam", "--dose", "5,rectal", "--out", "x.csv")]
    [InlineData("error: --dose: expected an infusion duration in (0, 24] h, got '0'.", "pbpk", "forecast", "--compound", "diazepam", "--dose", "5,infusion,0", "--out", "x.csv")]
    [InlineData("error: --species: expected human or rat (the species the forecaster was trained on), got 'dog'.", "pbpk", "forecast", "--compound", "diazepam", "--dose", "5", "--species", "dog", "--out", "x.csv")]
    [InlineData("error: --doses: expected 1 to 3 (the regimens the forecaster was trained on), got 4.", "pbpk", "forecast", "--compound", "diazepam", "--dose", "5", "--doses", "4", "--out", "x.csv")]
    [InlineData("error: --sample: expected TIME:CONC with a time > 0 h and a concentration > 0 mg/L, e.g. 1:0.8, got '1:-2'.", "pbpk", "forecast", "--compound", "diazepam", "--dose", "5", "--sample", "1:-2", "--out", "x.csv")]
    [InlineData("error: --sample: at most 3 observed samples, got 4.", "pbpk", "forecast", "--compound", "diazepam", "--dose", "5", "--sample", "1:1", "--sample", "2:1", "--sample", "3:1", "--sample", "4:1", "--out", "x.csv")]
    [InlineData("error: --steps: expected a step count >= 1, got 0.", "pbpk", "forecast-train", "--out", "fc-run", "--steps", "0")]
    [InlineData("error: --force starts the run in --out over; it cannot be combined with --resume, which continues it.", "pbpk", "forecast-train", "--out", "fc-run", "--steps", "5", "--resume", "--force")]
    [InlineData("error: --pool: expected >= 100 cases, got 5.", "pbpk", "forecast-train", "--out", "fc-run", "--steps", "5", "--pool", "5")]
    [InlineData("error: --cases: expected >= 2, got 1.", "pbpk", "forecast-eval", "--out", "x.txt", "--cases", "1")]
    [InlineData("error: --space: expected original or wide, got 'huge'.", "pbpk", "forecast-train", "--out", "fc-run", "--steps", "5", "--space", "huge")]
    [InlineData("error: --compounds: expected >= 10 compounds, got 3.", "pbpk", "forecast-train", "--out", "fc-run", "--steps", "5", "--compounds", "3")]
    [InlineData("error: --space: expected checkpoint, original or wide, got 'huge'.", "pbpk", "forecast-eval", "--out", "x.txt", "--space", "huge")]
    public void BadOptions_NameTheOption(string expected, params string[] args)
    {
        var (code, output) = Zspk(args);
        Assert.Equal(1, code);
        Assert.Contains(expected, output);
    }

    [Fact]
    public void Forecast_WithTheShippedCheckpoint_WritesMedianBandAndExactProfile()
    {
        var dir = Directory.CreateTempSubdirectory("fc-cli");
        try
        {
            var path = Path.Combine(dir.FullName, "f.csv");
            var (code, output) = Zspk("pbpk", "forecast", "--compound", "diazepam", "--dose", "50,infusion,2", "--doses", "2", "--interval", "12", "--out", path);
            Assert.True(code == 0, output);
            // With observed samples (here the exact profile's own, 0.5 and 2 h) the command runs and says so.
            var exact = File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToDictionary(r => r[0], r => r[4]);
            (code, output) = Zspk("pbpk", "forecast", "--compound", "diazepam", "--dose", "50,infusion,2", "--doses", "2", "--interval", "12",
                "--sample", $"0.5:{exact["0.5"]}", "--sample", $"2:{exact["2"]}", "--out", path, "--force");
            Assert.Contains("2 observed sample(s)", output);
            Assert.True(code == 0, output);
            var lines = File.ReadAllLines(path);
            Assert.Equal("time_h,median_mg_per_L,lo90_mg_per_L,hi90_mg_per_L,exact_mg_per_L", lines[0]);
            Assert.Equal(ZeroShotPK.Pbpk.Forecast.ForecastData.Grid.Count + 1, lines.Length);
            var rows = lines.Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
            Assert.All(rows, r => Assert.True(r[2] < r[1] && r[1] < r[3] && r[4] > 0 && r.All(double.IsFinite)));
            // Diazepam lies inside the training world: the forecast follows the exact profile closely (log-RMSE 0.04 when shipped).
            var rmse = Math.Sqrt(rows.Average(r => Math.Pow(Math.Log(r[1] / r[4]), 2)));
            Assert.True(rmse < 0.2, $"log-RMSE {rmse}");
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Forecast_OutsideTheTrainingBox_WarnsOneLinePerDescriptorFirst()
    {
        var dir = Directory.CreateTempSubdirectory("fc-cli");
        try
        {
            // A hydrophilic neutral compound of logP -3.5: below the shipped forecaster's (wide) logP range -3..6.5, and nothing else is out.
            var file = Path.Combine(dir.FullName, "hydrophilic.json");
            File.WriteAllText(file, """
                [{ "name": "hydrophilic", "class": "neutral", "logP": -3.5, "pKa": null, "fu": 0.8, "bloodPlasmaRatio": 1.0,
                   "hepaticClearance": 5, "renalClearance": 5, "ka": 1.0, "fa": 1.0 }]
                """);
            var (code, output) = Zspk("pbpk", "forecast", "--compound", file, "--dose", "100", "--out", Path.Combine(dir.FullName, "l.csv"));
            Assert.True(code == 0, output);
            var warnings = output.Split('\n').Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToArray();
            Assert.Equal(["warning: hydrophilic: logP -3.5 is outside the training range [-3, 6.5]; the forecaster never saw such a compound, so its forecast and band are an extrapolation."],
                warnings.Select(w => w.TrimEnd()));
            Assert.True(output.IndexOf("warning:", StringComparison.Ordinal) < output.IndexOf("hydrophilic in the", StringComparison.Ordinal), output);
            // Theophylline (acid pKa 8.6) was outside the first forecaster's box (acid pKa 2.5-7); the wide one covers it.
            (code, output) = Zspk("pbpk", "forecast", "--compound", "theophylline", "--dose", "100", "--out", Path.Combine(dir.FullName, "t.csv"));
            Assert.True(code == 0, output);
            Assert.DoesNotContain("warning:", output);
            (code, output) = Zspk("pbpk", "forecast", "--compound", "diazepam", "--dose", "100", "--out", Path.Combine(dir.FullName, "d.csv"));
            Assert.True(code == 0, output);
            Assert.DoesNotContain("warning:", output);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void ForecastWarnings_LibraryCall_ChecksEachDescriptor()
    {
        // The original box (a forecaster trained on the default CompoundSpace).
        var box = ZeroShotPK.Evaluation.ForecastPriorBox.For(new ZeroShotPK.Pbpk.Scaling.CompoundSpace());
        var theophylline = ZeroShotPK.Pbpk.Compound.Resolve("theophylline");
        Assert.Single(ZeroShotPK.Evaluation.ForecastPriorBox.ForecastWarnings(theophylline, ZeroShotPK.Pbpk.Species.Human, box));
        Assert.Single(ZeroShotPK.Evaluation.ForecastPriorBox.ForecastWarnings(theophylline, ZeroShotPK.Pbpk.Species.Rat, box));
        var odd = theophylline with { Name = "odd", LogP = 6, Fu = 0.0005 };
        var w = ZeroShotPK.Evaluation.ForecastPriorBox.ForecastWarnings(odd, ZeroShotPK.Pbpk.Species.Human, box);
        Assert.Equal(4, w.Count);
        Assert.StartsWith("warning: odd: logP 6 is outside the training range [-0.5, 4.5]", w[0]);
        Assert.StartsWith("warning: odd: acid pKa 8.6", w[1]);
        Assert.StartsWith("warning: odd: fu 0.0005 is outside", w[2]);
        Assert.StartsWith("warning: odd: renal clearance 0.377 L/h is far outside", w[3]); // so bound, it would filter next to nothing
        Assert.Equal(2, ZeroShotPK.Evaluation.ForecastPriorBox.ForecastWarnings(odd, ZeroShotPK.Pbpk.Species.Rat, box).Count); // fu is the human one: not checked for rat
        // The wide space takes theophylline (acid pKa 8.6 < 9) and logP 6 in: only the fu warning is left.
        var wide = ZeroShotPK.Evaluation.ForecastPriorBox.For(ZeroShotPK.Pbpk.Scaling.CompoundSpace.Wide);
        Assert.Empty(ZeroShotPK.Evaluation.ForecastPriorBox.ForecastWarnings(theophylline, ZeroShotPK.Pbpk.Species.Human, wide));
        Assert.Equal((-3, 6.5), wide.LogP);
        Assert.Same(wide, ZeroShotPK.Evaluation.ForecastPriorBox.For(ZeroShotPK.Pbpk.Scaling.CompoundSpace.Wide with { })); // cached by value
    }

    [Fact]
    public void RenalClearanceOffTheTrainingManifold_IsWarned()
    {
        var human = ZeroShotPK.Pbpk.Species.Human;
        var paracetamol = ZeroShotPK.Pbpk.Compound.Resolve("paracetamol");
        // The generator's renal clearance at the median reabsorption, by hand: B:P x well-stirred kidney(fu/B:P x r x GFR).
        var d = ZeroShotPK.Pbpk.Scaling.SpeciesDescriptor.Of(human);
        var r = 1 / (1 + Math.Pow(10, paracetamol.LogP - 1)); // neutral: logD = logP
        var e = paracetamol.Fu / paracetamol.BloodPlasmaRatio * r * d.Gfr;
        var typical = paracetamol.BloodPlasmaRatio * d.KidneyBloodFlow * e / (d.KidneyBloodFlow + e);
        Assert.Equal(typical, ZeroShotPK.Pbpk.Scaling.CrossSpeciesGenerator.RenalClearanceAt(paracetamol, human, 0), 10);
        var wide = ZeroShotPK.Evaluation.ForecastPriorBox.For(ZeroShotPK.Pbpk.Scaling.CompoundSpace.Wide);
        // Bundled paracetamol has no renal clearance, which a compound this hydrophilic and weakly bound never has in training.
        var w = ZeroShotPK.Evaluation.ForecastPriorBox.ForecastWarnings(paracetamol, human, wide);
        Assert.StartsWith("warning: paracetamol: renal clearance 0 L/h is far outside the range the training compounds have at this fu, B:P and logD7.4 [0.541, 10.3] L/h", Assert.Single(w));
        Assert.Empty(ZeroShotPK.Evaluation.ForecastPriorBox.ForecastWarnings(paracetamol with { RenalClearance = typical }, human, wide));
        // Lipophilic, highly bound diazepam: its near-zero renal clearance is what training compounds like it have.
        Assert.Empty(ZeroShotPK.Evaluation.ForecastPriorBox.ForecastWarnings(ZeroShotPK.Pbpk.Compound.Resolve("diazepam"), human, wide));
    }

    [Fact]
    public void RealDrugObservedClearance_IsSplitAsTheTrainingCompoundsClear()
    {
        var drugs = ZeroShotPK.Evaluation.RealDrugCsv.LoadBundled();
        var acetaminophen = drugs.Single(x => x.Name == "Acetaminophen");
        var (hepatic, renal) = ZeroShotPK.Evaluation.RealDrugEvaluation.ObservedClearanceToken(acetaminophen)!.Value;
        var total = acetaminophen.ObservedCl * 60 / 1000 * ZeroShotPK.Pbpk.Scaling.SpeciesDescriptor.Of(ZeroShotPK.Pbpk.Species.Human).BodyWeight;
        Assert.Equal(total, hepatic + renal, 10);
        Assert.Equal(ZeroShotPK.Pbpk.Scaling.CrossSpeciesGenerator.RenalClearanceAt(acetaminophen.ToCompound(), ZeroShotPK.Pbpk.Species.Human, 0), renal, 10);
        Assert.True(renal > 0.1 * total && hepatic > 0, $"{renal} of {total}");
        // A drug cleared less than its typical renal clearance is all renal.
        var slow = acetaminophen with { ObservedCl = 0.01 };
        var split = ZeroShotPK.Evaluation.RealDrugEvaluation.ObservedClearanceToken(slow)!.Value;
        Assert.Equal(0, split.Hepatic);
    }

    [Fact]
    public void MissingCheckpoint_SaysWhatWasExpected()
    {
        var dir = Directory.CreateTempSubdirectory("fc-cli");
        try
        {
            var (code, output) = Zspk("pbpk", "forecast", "--compound", "diazepam", "--dose", "5", "--checkpoint", dir.FullName, "--out", Path.Combine(dir.FullName, "f.csv"));
            Assert.NotEqual(0, code);
            Assert.Contains("no forecaster checkpoint", output);
            (code, output) = Zspk("pbpk", "forecast-train", "--out", Path.Combine(dir.FullName, "run"), "--steps", "5", "--resume");
            Assert.NotEqual(0, code);
            Assert.Contains("holds no forecaster checkpoint", output);
        }
        finally { dir.Delete(true); }
    }
}
