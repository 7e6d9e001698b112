using ZeroShotPK.Evaluation;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Scaling;
using ZeroShotPK.Tests.Robustness;

namespace ZeroShotPK.Tests.Evaluation;

public class RealDrugEvaluationTests
{
    private const string Header = "name,cas,class,logP,pKa,fu,blood_plasma_ratio,vss_L_per_kg,cl_mL_min_kg,t_half_h,clint_uL_min_per_1e6_cells";

    [Fact]
    public void WellStirredClearanceMatchesAHandCalculation()
    {
        // fu 0.1, B:P 0.5 -> fu,b 0.2; fu,b CLint = 20 L/h; hepatic blood CL = 90 x 20 / 110 = 16.3636 L/h;
        // plasma = 0.5 x 16.3636 = 8.1818 L/h; renal 0.1 x 7.5 = 0.75 L/h; total 8.93182 L/h.
        Assert.Equal(8.931818181818182, RealDrugEvaluation.WellStirredPlasmaClearance(0.1, 0.5, 100, 90, 7.5), 12);
        // B:P 1: 90 x 10 / 100 = 9 L/h + 0.75.
        Assert.Equal(9.75, RealDrugEvaluation.WellStirredPlasmaClearance(0.1, 1, 100, 90, 7.5), 12);
        // 10 uL/min/10^6 cells x 120 x 10^6 cells/g x 1800 g = 2.16 L/min... = 129.6 L/h.
        Assert.Equal(129.6, RealDrugEvaluation.ScaleClint(10, 1.8), 9);
        // The parts add up to the total: hepatic 8.1818, renal 0.75.
        var (hepatic, renal) = RealDrugEvaluation.WellStirredParts(0.1, 0.5, 100, 90, 7.5);
        Assert.Equal(8.181818181818182, hepatic, 12);
        Assert.Equal(0.75, renal, 12);
    }

    [Fact]
    public void KilfordIncubationBindingUsesLogPForBasesAndLogDForAcids()
    {
        // logP 2: 10^(0.072 x 4 + 0.067 x 2 - 1.126) = 10^-0.704 = 0.19770; 125 x 0.005 = 0.625; fu,inc = 1 / 1.12356 = 0.89003.
        Assert.Equal(0.8900276476130512, RealDrugEvaluation.HepatocyteIncubationFu(IonClass.Neutral, 2, null), 12);
        Assert.Equal(0.8900276476130512, RealDrugEvaluation.HepatocyteIncubationFu(IonClass.Base, 2, 9), 12);
        // Acid pKa 4.4: logD7.4 = 2 - log10(1 + 10^3) = -1.00043, so far less binding.
        Assert.Equal(0.9548310506802468, RealDrugEvaluation.HepatocyteIncubationFu(IonClass.Acid, 2, 4.4), 12);
        // The a-priori clearance divides the scaled CLint by fu,inc: a neutral with logP 2, fu 0.1, CLint 10.
        var d = new RealDrug("x", "1", IonClass.Neutral, 2, null, 0.1, null, 1, 1, null, 10);
        var desc = SpeciesDescriptor.Of(Species.Human);
        var expected = RealDrugEvaluation.WellStirredParts(0.1, 1, RealDrugEvaluation.ScaleClint(10, desc.LiverVolume) / 0.8900276476130512, desc.LiverBloodFlow, desc.Gfr);
        var got = RealDrugEvaluation.AprioriClearance(d)!.Value;
        Assert.Equal(expected.Hepatic, got.Hepatic, 9);
        Assert.Equal(expected.Renal, got.Renal, 12);
        Assert.Null(RealDrugEvaluation.AprioriClearance(d with { Clint = null }));
        // CLint 0 (no clearance measurable) leaves filtration only.
        Assert.Equal((0, 0.1 * desc.Gfr), RealDrugEvaluation.AprioriClearance(d with { Clint = 0 })!.Value);
    }

    [Fact]
    public void HalfLifeAndFoldErrorsAreTheTextbookOnes()
    {
        // 1 L/kg and 1 mL/min/kg = 0.06 L/h/kg: ln 2 / 0.06 = 11.552 h.
        Assert.Equal(Math.Log(2) / 0.06, RealDrugPrediction.HalfLife(1, 1), 12);
        var s = FoldErrorSummary.Of([2, 0.5, 1, 4], [1, 1, 1, 1]);
        Assert.Equal(4, s.Count);
        Assert.Equal(Math.Pow(2, 4.0 / 4), s.Aafe, 12); // log2 folds 1, 1, 0, 2 -> mean 1
        Assert.Equal(0.75, s.Within2Fold, 12);
    }

    [Fact]
    public void SummariesSkipDrugsWithoutAValue()
    {
        var drugs = RealDrugCsv.Parse(Header + "\na,1,neutral,1,,0.5,,1,1,2,\nb,2,neutral,1,,0.5,,1,1,,\n", "t.csv");
        var prior = new ForecastPriorBox((-0.5, 4.5), (2.5, 7), (6, 10.5), (0.01, 0.9), (0.01, 40));
        var p = RealDrugEvaluation.Predict(drugs, prior);
        var vss = RealDrugEvaluation.Summarise(p, x => (x.VssPoulinTheil, x.Drug.ObservedVss));
        var halfLife = RealDrugEvaluation.Summarise(p, x => (RealDrugPrediction.HalfLife(x.VssPoulinTheil, x.Drug.ObservedCl), x.Drug.ObservedHalfLife));
        Assert.Equal(2, vss!.Count);
        Assert.Equal(1, halfLife!.Count);
        Assert.Null(RealDrugEvaluation.Summarise(p, x => (x.ClWellStirred, x.Drug.ObservedCl))); // no CLint given
        // Poulin & Theil Vss is that of the PBPK model of the same compound.
        var human = PhysiologyTable.Load(Species.Human).Reference();
        var c = new Compound { Name = "a", Class = IonClass.Neutral, LogP = 1, Fu = 0.5, BloodPlasmaRatio = 1, HepaticClearance = 0 };
        Assert.Equal(new PbpkModel(human, c, PartitionMethod.PoulinTheil, human).Vss / human.BodyWeight, p[0].VssPoulinTheil, 12);
    }

    [Fact]
    public void BolusVssIsExactForAMonoExponentialAndRefusesARisingTail()
    {
        // C = dose / V exp(-k t) with V = 2 L/kg, k = 0.1 /h on the forecaster's grid: Vss = V.
        var t = ZeroShotPK.Pbpk.Forecast.ForecastData.Grid;
        var c = t.Select(x => 1.0 / 2 * Math.Exp(-0.1 * x)).ToArray();
        Assert.Equal(2, ZeroShotPK.Analysis.Nca.BolusVss(t, c, 1)!.Value, 9);
        // Bi-exponential 0.5 e^-t + 0.5 e^-0.1t (dose 1): AUC = 0.5 + 5 = 5.5, AUMC = 0.5 + 50 = 50.5, Vss = 50.5 / 5.5^2 = 1.6694.
        var bi = t.Select(x => 0.5 * Math.Exp(-x) + 0.5 * Math.Exp(-0.1 * x)).ToArray();
        Assert.Equal(50.5 / (5.5 * 5.5), ZeroShotPK.Analysis.Nca.BolusVss(t, bi, 1)!.Value, 2);
        var rising = c.Select((v, i) => i >= t.Count - 3 ? 1 + i : v).ToArray();
        Assert.Null(ZeroShotPK.Analysis.Nca.BolusVss(t, rising, 1));
        // CL = dose / AUC: V k = 0.2 for the mono-exponential, 1 / 5.5 for the bi-exponential.
        Assert.Equal(0.2, ZeroShotPK.Analysis.Nca.BolusClearance(t, c, 1)!.Value, 9);
        Assert.Equal(1 / 5.5, ZeroShotPK.Analysis.Nca.BolusClearance(t, bi, 1)!.Value, 2);
        Assert.Null(ZeroShotPK.Analysis.Nca.BolusClearance(t, rising, 1));
    }

    [Fact]
    public void StudyComparisonInterpolatesTheGridAndScoresAnExactStudyAsExact()
    {
        Assert.Equal([1, 1.5, 3, 3], RealStudyComparison.Interpolate([0, 1, 2], [1, 2, 3], [-1, 0.5, 2, 5]));
        // A study whose observations are the exact PBPK profile itself scores log-RMSE 0 for the exact route.
        var c = ZeroShotPK.Pbpk.Compound.Resolve("paracetamol");
        var human = ZeroShotPK.Models.Pbpk.PbpkForecastFeatures.Reference(Species.Human);
        double[] times = [0.5, 1, 2, 4, 8];
        var exact = ZeroShotPK.Pbpk.Forecast.ForecastData.ExactLogProfile(c, human, [new ZeroShotPK.Pbpk.Forecast.ForecastDose(0, 650, ZeroShotPK.Pbpk.Forecast.ForecastRoute.IvBolus)], human, times);
        var ind = new ZeroShotPK.Data.Individual("1", [new ZeroShotPK.Data.DosingEvent(0, 650, ZeroShotPK.Data.Route.IvBolus)],
            times.Select((t, k) => new ZeroShotPK.Data.Observation(t, Math.Exp(exact[k]))));
        var (net, _) = ZeroShotPK.Models.Pbpk.PbpkForecastCheckpoint.Load(Path.Combine(RepoRoot(), "data", "checkpoints", "pbpk-forecast"));
        using var _net = net;
        var r = RealStudyComparison.Compare("self", new ZeroShotPK.Data.Study("self", [ind]), c, net);
        Assert.Equal((1, 5), (r.Individuals, r.Observations));
        Assert.Equal(0, r.LogRmseExact, 9);
        Assert.Equal(1, r.GmfeCmaxExact, 9);
        Assert.True(r.LogRmseForecast > 0);
        Assert.Null(r.LogRmseExactApriori);
        // With a hepatocyte CLint the study is scored again with the a-priori clearance: the main figures stay, and the
        // exact profile of another clearance no longer matches observations made from the compound's own.
        var a = RealStudyComparison.Compare("self", new ZeroShotPK.Data.Study("self", [ind]), c, net, clint: 0.36);
        Assert.Equal((r.LogRmseExact, r.LogRmseForecast), (a.LogRmseExact, a.LogRmseForecast));
        Assert.Equal(0.36, a.Clint);
        Assert.True(a.LogRmseExactApriori > 0.05 && a.LogRmseForecastApriori > 0, $"{a.LogRmseExactApriori}");
        Assert.Contains("a priori", RealStudyComparison.Format([a]));
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ZeroShotPK.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root not found above the test binaries.");
    }

    [Fact]
    public void TheReaderKeepsQuotedCommasAndOptionalColumns()
    {
        var d = RealDrugCsv.Parse(Header + "\n\"Acetylcysteine, N-\",616-91-1,acid,-0.53,4.13,0.17,,0.55,3.1,5.5,12\n", "t.csv").Single();
        Assert.Equal("Acetylcysteine, N-", d.Name);
        Assert.Equal(IonClass.Acid, d.Class);
        Assert.Equal(4.13, d.Pka);
        Assert.Null(d.BloodPlasmaRatio);
        Assert.Equal(12, d.Clint);
        // CLint 0 is a measurement (no clearance seen in the assay), not a missing value.
        Assert.Equal(0, RealDrugCsv.Parse(Header + "\na,1,neutral,1,,0.5,,1,1,2,0\n", "t.csv").Single().Clint);
    }

    [Theory]
    [InlineData("a,1,neutral,1,,0.5,,x,1,2,", "t.csv line 2 column 21: vss_L_per_kg 'x' is not a positive volume (L/kg).")]
    [InlineData("a,1,acid,1,,0.5,,1,1,2,", "t.csv line 2 column 12: pKa is empty, expected a finite pKa (required for a acid).")]
    [InlineData("a,1,zwitterion,1,,0.5,,1,1,2,", "t.csv line 2 column 5: class 'zwitterion' is not neutral, acid or base.")]
    [InlineData("a,1,neutral,1,,1.5,,1,1,2,", "t.csv line 2 column 16: fu '1.5' is not a fraction in (0, 1].")]
    [InlineData("\"a,1,neutral,1,,0.5,,1,1,2,", "t.csv line 2 column 1: a quoted field is not closed.")]
    [InlineData("a,1,neutral", "t.csv line 2: expected 11 fields, found 3.")]
    [InlineData("a,1,neutral,1,,0.5,,1,1,2,-3", "t.csv line 2 column 27: clint_uL_min_per_1e6_cells '-3' is not a non-negative intrinsic clearance.")]
    public void BadRowsAreNamedByFileLineAndColumn(string row, string message)
    {
        var ex = Assert.Throws<FormatException>(() => RealDrugCsv.Parse(Header + "\n" + row + "\n", "t.csv"));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void AMissingColumnIsNamed()
    {
        var ex = Assert.Throws<FormatException>(() => RealDrugCsv.Parse("name,cas,class\n", "t.csv"));
        Assert.StartsWith("t.csv line 1: missing column 'logP'", ex.Message);
    }

    [Fact]
    public void TheOutOfPriorCheckNamesEachDescriptor()
    {
        var prior = new ForecastPriorBox((-0.5, 4.5), (2.5, 7), (6, 10.5), (0.01, 0.9), (0.01, 40));
        // Theophylline as the bundled compound has it: an acid with pKa 8.6, above the acid prior.
        var w = prior.Outside(IonClass.Acid, -0.02, 8.6, 0.61, 0.65);
        Assert.Equal(["acid pKa 8.6 is outside the training range [2.5, 7]"], w);
        Assert.Empty(prior.Outside(IonClass.Base, 3, 9, 0.1, 10));
        Assert.Equal(2, prior.Outside(IonClass.Neutral, 6, null, 0.001, 10).Count);
        Assert.Equal(["CL (mL/min/kg) 80 is outside the training range [0.01, 40]"], prior.Outside(IonClass.Neutral, 1, null, 0.5, 80));
        var generated = ForecastPriorBox.FromGenerator(500, 3);
        Assert.Equal((-0.5, 4.5), generated.LogP);
        Assert.InRange(generated.Fu.Lo, 1e-4, 0.05);
        Assert.InRange(generated.Fu.Hi, 0.5, 1);
    }

    [Fact]
    public void TheBundledTableLoads()
    {
        var drugs = RealDrugCsv.LoadBundled();
        // join-real-drugs.py on all 1,352 Lombardo rows: 808 kept, 303 neutral, 215 acids, 290 bases.
        Assert.Equal(808, drugs.Count);
        Assert.Equal((303, 215, 290), (drugs.Count(d => d.Class == IonClass.Neutral), drugs.Count(d => d.Class == IonClass.Acid), drugs.Count(d => d.Class == IonClass.Base)));
        var paracetamol = drugs.Single(d => d.Name == "Acetaminophen");
        Assert.Equal((IonClass.Neutral, 1.0, 5.0, 0.52), (paracetamol.Class, paracetamol.ObservedVss, paracetamol.ObservedCl, paracetamol.Fu));
        // A late row: warfarin, MoKa logP 2.6 and logD 0.2 give the acid pKa 7.4 - log10(10^2.4 - 1) = 5.00.
        var warfarin = drugs.Single(d => d.Name == "Warfarin");
        Assert.Equal((IonClass.Acid, (double?)5.00, 0.13, 0.055, 0.015, (double?)29.0), (warfarin.Class, warfarin.Pka, warfarin.ObservedVss, warfarin.ObservedCl, warfarin.Fu, warfarin.ObservedHalfLife));
        // httk's measured in vitro values (data/pbpk/httk_invitro.csv): 251 drugs with hepatocyte CLint (26 of them 0), 188 with B:P.
        Assert.Equal((251, 26, 188), (drugs.Count(d => d.Clint is not null), drugs.Count(d => d.Clint == 0), drugs.Count(d => d.BloodPlasmaRatio is not null)));
        // Midazolam: Wambaugh 2019's Bayesian "12.1,7.59,15.7,0" gives its median; erythromycin's 4.04 has p 0.068 > 0.05, so 0.
        Assert.Equal(12.1, drugs.Single(d => d.Name == "Midazolam").Clint);
        Assert.Equal(0, drugs.Single(d => d.Name == "Erythromycin").Clint);
        Assert.Equal(0.56, drugs.Single(d => d.Cas == "10238-21-8").BloodPlasmaRatio); // glyburide, Paixao 2012
    }

    [Fact]
    public void TheMechanisticFiguresOnTheBundledTableStayAsPublished()
    {
        // Golden values of data/pbpk/real_drugs_evaluation.txt (mechanistic rows; the forecaster rows need the checkpoint).
        var prior = new ForecastPriorBox((-0.5, 4.5), (2.5, 7), (6, 10.5), (0.00371, 0.943), (0.00978, 45.3));
        var p = RealDrugEvaluation.Predict(RealDrugCsv.LoadBundled(), prior);
        var pt = RealDrugEvaluation.Summarise(p, x => (x.VssPoulinTheil, x.Drug.ObservedVss))!;
        var rr = RealDrugEvaluation.Summarise(p, x => (x.VssRodgersRowland, x.Drug.ObservedVss))!;
        var ptAcid = RealDrugEvaluation.Summarise(p.Where(x => x.Drug.Class == IonClass.Acid), x => (x.VssPoulinTheil, x.Drug.ObservedVss))!;
        Assert.Equal((808, 3.28, 0.38), (pt.Count, Math.Round(pt.Aafe, 2), Math.Round(pt.Within2Fold, 2)));
        Assert.Equal((702, 2.44, 0.53), (rr.Count, Math.Round(rr.Aafe, 2), Math.Round(rr.Within2Fold, 2)));
        Assert.Equal((215, 5.54), (ptAcid.Count, Math.Round(ptAcid.Aafe, 2)));
        var ws = RealDrugEvaluation.Summarise(p, x => (x.ClWellStirred, x.Drug.ObservedCl))!;
        var inc = RealDrugEvaluation.Summarise(p, x => (x.ClWellStirredFuInc, x.Drug.ObservedCl))!;
        var measured = RealDrugEvaluation.Summarise(p.Where(x => x.Drug.Clint > 0), x => (x.ClWellStirredFuInc, x.Drug.ObservedCl))!;
        Assert.Equal((251, 4.60, 0.29), (ws.Count, Math.Round(ws.Aafe, 2), Math.Round(ws.Afe, 2)));
        Assert.Equal((251, 3.79, 0.39), (inc.Count, Math.Round(inc.Aafe, 2), Math.Round(inc.Afe, 2)));
        Assert.Equal((225, 3.20, 0.40), (measured.Count, Math.Round(measured.Aafe, 2), Math.Round(measured.Within2Fold, 2)));
    }

    [Fact]
    public void TheLombardoTranscriptionHoldsAllRecordsOfTheSource()
    {
        // Lombardo, Berellini & Obach 2018 report 1,352 drugs; each row has the 10 kept columns and its own CAS number.
        var lines = ZeroShotPK.Pbpk.BundledData.ReadText("lombardo2018.csv").TrimEnd('\n').Split('\n');
        Assert.Equal("name,cas,vdss_L_per_kg,cl_mL_min_kg,fu,mrt_h,t_half_h,moka_ion_state_7.4,moka_logP,moka_logD_7.4", lines[0]);
        var rows = lines.Skip(1).Select(SplitQuoted).ToList();
        Assert.Equal(1352, rows.Count);
        Assert.All(rows, r => Assert.Equal(10, r.Count));
        Assert.Equal(rows.Count, rows.Select(r => r[1]).Distinct().Count());
        Assert.Equal(["Avibactam", "1192500-31-4", "0.24", "2.76", "0.93", "1.4", "1.7", "neutral", "-2.1", "-5.6"], rows[110]);
        Assert.Equal(["Zotarolimus", "221877-54-9", "1.3", "0.67", "0.26", "33", "35", "neutral", "5.4", "5.4"], rows[^1]);
        Assert.Equal(["Chlorophenylpiperazine, m-", "51639-49-7", "2.5", "6.1", "", "7", "4.7", "cationic", "2.3", "0.61"], rows.Single(r => r[1] == "51639-49-7"));
    }

    private static List<string> SplitQuoted(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var ch in line)
        {
            if (ch == '"')
            {
                quoted = !quoted;
            }
            else if (ch == ',' && !quoted)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(ch);
            }
        }
        fields.Add(field.ToString());
        return fields;
    }

    [Fact]
    public void TheCommandWritesItsTableAndRefusesAMissingFile()
    {
        var dir = Hostile.TempFolder();
        var data = Path.Combine(dir, "d.csv");
        File.WriteAllText(data, Header + "\na,1,neutral,1,,0.5,,1,1,2,\n");
        var out1 = Path.Combine(dir, "r.txt");
        var (code, output) = ZspkProcess.Run(200, "pbpk", "real-drugs", "--data", data, "--out", out1);
        Assert.Contains("Vss transformer NCA      all               1", File.ReadAllText(out1));
        Assert.True(code == 0, output);
        var text = File.ReadAllText(out1);
        Assert.Contains("Vss Poulin & Theil       all               1", text);
        Hostile.AssertError(Hostile.Run("pbpk", "real-drugs", "--data", Path.Combine(dir, "none.csv"), "--out", out1 + "2"), 1, "--data:", "does not exist; expected a real-drug CSV.");
        Hostile.AssertError(Hostile.Run("pbpk", "real-drugs", "--data", dir, "--out", out1 + "3"), 1, "--data:", "is a folder; expected a real-drug CSV.");
        File.WriteAllText(data, Header + "\na,1,neutral,1,,0.5,,1,oops,2,\n");
        Hostile.AssertError(Hostile.Run("pbpk", "real-drugs", "--data", data, "--out", out1 + "3"), 1, "line 2 column 23: cl_mL_min_kg 'oops' is not a positive clearance (mL/min/kg).");
        var (helpCode, help) = ZspkProcess.Run(400, "pbpk", "real-drugs", "--help");
        Assert.Equal(0, helpCode);
        Assert.Contains("--data <FILE>", help);
        Assert.Contains("default the bundled data/pbpk/real_drugs.csv", help);
    }
}
