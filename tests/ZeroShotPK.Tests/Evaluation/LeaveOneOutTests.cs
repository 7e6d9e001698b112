using System.Globalization;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Tests.Evaluation;

public class LeaveOneOutTests
{
    private static double Curve(double t) => 10 * Math.Exp(-0.1 * t);

    // Knows the true curve; records what it was shown so the test can check nothing leaks.
    private sealed class TruePredictor : IPredictor
    {
        public List<(int Context, string Id, int Known, bool ContextHasTarget)> Calls { get; } = [];
        public string Name => "truth";
        public Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0)
        {
            Calls.Add((context.Individuals.Count, target.Id, target.Observations.Count, context.Individuals.Any(i => i.Id == target.Id)));
            var m = times.Select(Curve).ToArray();
            return new Prediction(Name, times, m, m.Select(v => v * Math.Exp(-0.15)).ToArray(), m.Select(v => v * Math.Exp(0.15)).ToArray());
        }
    }

    private static Study TinyStudy()
    {
        double[] t = [1, 2, 3, 4, 5, 6];
        var dose = new[] { DosingEvent.Oral(0.5, 100) };
        // A: exact. B: every hidden value 0.2 above on the log scale (outside the +-0.15 interval).
        // C: hidden values exact except a BLQ sample, a zero and a pre-dose sample, all unscored.
        var a = new Individual("A", dose, t.Select(x => new Observation(x, Curve(x))));
        var b = new Individual("B", dose, t.Select((x, j) => new Observation(x, j < 2 ? Curve(x) : Curve(x) * Math.Exp(0.2))));
        var c = new Individual("C", dose, [
            new Observation(0.1, 1), new Observation(1, Curve(1)), new Observation(0.2, 3),
            new Observation(2, Curve(2)), new Observation(3, 0.05, Lloq: 0.1, IsBlq: true), new Observation(4, 0), new Observation(5, Curve(5) * Math.Exp(-0.1))]);
        return new Study("tiny", [a, b, c]);
    }

    [Fact]
    public void ScoresMatchHandArithmeticAndNothingLeaks()
    {
        var p = new TruePredictor();
        var r = LeaveOneOut.Run(TinyStudy(), p, known: 2);
        // C sorted by time: 0.1 (pre-dose), 0.2 (pre-dose), 1, 2 | 3 (BLQ), 4 (zero), 5; known = the two pre-dose samples,
        // so hidden = 1, 2, 3, 4, 5 of which 1, 2, 5 are scored.
        Assert.Equal(4 + 4 + 5, r.Rows.Count);
        Assert.Equal(2, r.Summary.ObservationsSkipped);
        Assert.Equal(11, r.Summary.ObservationsScored);
        // Per individual: A 0, B 0.2, C sqrt(0.1^2 / 3); mean over 3 individuals.
        Assert.Equal((0 + 0.2 + Math.Sqrt(0.01 / 3)) / 3, r.Summary.LogRmse, 12);
        // Covered: A 4, B 0, C 3 of 11 scored.
        Assert.Equal(7.0 / 11, r.Summary.Coverage90, 12);
        Assert.Equal(3, r.Summary.Individuals);
        Assert.All(p.Calls, c => { Assert.Equal(2, c.Context); Assert.Equal(2, c.Known); Assert.False(c.ContextHasTarget); });
    }

    [Fact]
    public void OneIndividualIsScoredAsItsFoldOfTheFullRun()
    {
        var full = LeaveOneOut.Run(TinyStudy(), new TruePredictor(), known: 2, seed: 5);
        var expected = new Dictionary<string, double> { ["A"] = 0, ["B"] = 0.2, ["C"] = Math.Sqrt(0.01 / 3) };
        foreach (var (id, logRmse) in expected)
        {
            var p = new TruePredictor();
            var one = LeaveOneOut.RunIndividual(TinyStudy(), p, id, known: 2, seed: 5);
            Assert.Equal(logRmse, one.Summary.LogRmse, 12);
            Assert.Equal(1, one.Summary.Individuals);
            Assert.Equal(full.Rows.Where(r => r.Id == id), one.Rows);
            Assert.Equal((2, id, 2, false), Assert.Single(p.Calls));
        }
        var unknown = Assert.Throws<ArgumentException>(() => LeaveOneOut.RunIndividual(TinyStudy(), new TruePredictor(), "D", known: 2));
        Assert.StartsWith("study 'tiny' has no individual 'D'.", unknown.Message);
        var tooFew = Assert.Throws<ArgumentException>(() => LeaveOneOut.RunIndividual(TinyStudy(), new TruePredictor(), "A", known: 6));
        Assert.StartsWith("study 'tiny', individual A: 6 observations, expected more than K = 6 to predict.", tooFew.Message);
    }

    [Fact]
    public void KnownLogRmseAndEarlyRatioMatchHandArithmetic()
    {
        var p = new TruePredictor();
        var r = LeaveOneOut.Run(TinyStudy(), p, known: 3);
        // Known samples: A 1, 2, 3 exact; B 1, 2 exact and 3 at +0.2 on the log scale; C 0.1, 0.2 (pre-dose, unscored) and 1 exact.
        Assert.Equal(Math.Sqrt(0.04 / 3) / 3, r.Summary.KnownLogRmse, 12);
        // Prediction at the first dose (0.5) over the largest scored known sample: Curve(1) for A and C, and for B
        // Curve(3) e^0.2 = Curve(1) as well; so e^0.05 each.
        Assert.Equal(Math.Exp(0.05), r.Summary.EarlyRatio, 12);
        Assert.Equal(3 * (3 + 1), r.CheckRows!.Count);
        Assert.Equal(3, r.CheckRows.Count(c => c.Role == PredictionRole.FirstDose && c.Scored));
        // The check calls see the same context and known samples as the scored ones, and the scores are unchanged by them.
        Assert.Equal(6, p.Calls.Count);
        Assert.All(p.Calls, c => { Assert.Equal(2, c.Context); Assert.Equal(3, c.Known); Assert.False(c.ContextHasTarget); });
        var pooled = LeaveOneOut.Pool("both", [r, r with { Rows = r.Rows.Select(x => x with { Dataset = "other" }).ToArray(),
            CheckRows = r.CheckRows.Select(x => x with { Dataset = "other" }).ToArray() }]);
        Assert.Equal(r.Summary.KnownLogRmse, pooled.KnownLogRmse, 12);
        Assert.Equal(r.Summary.EarlyRatio, pooled.EarlyRatio, 12);
    }

    [Fact]
    public void PoolingStudiesAveragesOverAllIndividualsEvenWhenIdsRepeat()
    {
        var first = LeaveOneOut.Run(TinyStudy(), new TruePredictor(), known: 2);
        var second = LeaveOneOut.Run(new Study("tiny2", TinyStudy().Individuals), new TruePredictor(), known: 2);
        var pooled = LeaveOneOut.Pool("both", [first with { Summary = first.Summary with { Seconds = 1 } }, second with { Summary = second.Summary with { Seconds = 2 } }]);
        // Ids A, B, C occur in both studies: six individuals, not three; same per-individual errors as one study.
        Assert.Equal(("truth", "both", 6, 22, 4, 3.0), (pooled.Method, pooled.Dataset, pooled.Individuals, pooled.ObservationsScored, pooled.ObservationsSkipped, pooled.Seconds));
        Assert.Equal(first.Summary.LogRmse, pooled.LogRmse, 12);
        Assert.Equal(14.0 / 22, pooled.Coverage90, 12);
        var mixed = Assert.Throws<ArgumentException>(() => LeaveOneOut.Pool("x", [first, first with { Summary = first.Summary with { Method = "other" } }]));
        Assert.StartsWith("cannot pool runs of different methods ('truth' and 'other').", mixed.Message);
    }

    [Fact]
    public void NonPositivePredictionOfAScoredObservationIsAnError()
    {
        var zero = new ZeroPredictor();
        var ex = Assert.Throws<InvalidOperationException>(() => LeaveOneOut.Run(TinyStudy(), zero, known: 2));
        Assert.Equal("method 'zero', individual A, time 3: prediction 0 is not positive, so its log-error is undefined.", ex.Message);
    }

    // The true curve, but it reports a problem with its fit for individual B.
    private sealed class FlaggingPredictor : IPredictor
    {
        public string Name => "flagging";
        public Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0)
        {
            var m = times.Select(Curve).ToArray();
            return new Prediction(Name, times, m, m, m, warnings: target.Id == "B" ? ["fit did not converge"] : null);
        }
    }

    [Fact]
    public void FlaggedPredictionsAreScoredCountedAndTheirWarningsKept()
    {
        var r = LeaveOneOut.Run(TinyStudy(), new FlaggingPredictor(), known: 2);
        Assert.Equal(1, r.Summary.Flagged);
        Assert.Equal(["tiny, individual B: fit did not converge"], r.Warnings);
        Assert.Equal(4, r.Rows.Count(x => x.Flagged));
        Assert.All(r.Rows.Where(x => x.Flagged), x => Assert.Equal("B", x.Id));
        // Still scored: B's 0.2 log error is in the mean, as for an unflagged run.
        Assert.Equal((0 + 0.2 + Math.Sqrt(0.01 / 3)) / 3, r.Summary.LogRmse, 12);
        var pooled = LeaveOneOut.Pool("both", [r, r with { Rows = r.Rows.Select(x => x with { Dataset = "other" }).ToArray() }]);
        Assert.Equal(2, pooled.Flagged);
    }

    private sealed class ZeroPredictor : IPredictor
    {
        public string Name => "zero";
        public Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0)
        {
            var z = new double[times.Count];
            return new Prediction(Name, times, z, z, z);
        }
    }

    [Fact]
    public void CsvFilesHaveTheDocumentedColumns()
    {
        var r = LeaveOneOut.Run(TinyStudy(), new TruePredictor(), known: 2);
        var dir = Path.Combine(Path.GetTempPath(), "zspk-eval-" + Guid.NewGuid().ToString("N"));
        try
        {
            EvaluationCsv.WritePredictions(Path.Combine(dir, "predictions.csv"), r.Rows);
            EvaluationCsv.WriteSummary(Path.Combine(dir, "summary.csv"), [r.Summary with { Seconds = 1.5 }]);
            var pred = File.ReadAllLines(Path.Combine(dir, "predictions.csv"));
            Assert.Equal("METHOD,DATASET,ID,TIME,DV,PRED,LO90,HI90,SCORED,FLAGGED,ROLE", pred[0]);
            Assert.Equal(14, pred.Length);
            var first = pred[1].Split(',');
            Assert.Equal(["truth", "tiny", "A", "3"], first[..4]);
            Assert.Equal(Curve(3), double.Parse(first[5], CultureInfo.InvariantCulture), 9);
            Assert.Equal(["1", "0", "predicted"], first[8..]);
            var sum = File.ReadAllLines(Path.Combine(dir, "summary.csv"));
            // KNOWN_LOG_RMSE 0 (the true curve at the known samples); EARLY_RATIO Curve(0.5) / Curve(1) = e^0.05 for A and B.
            Assert.Equal(["METHOD,DATASET,N_IND,LOG_RMSE,COVERAGE90,SECONDS,N_SCORED,N_SKIPPED,N_FLAGGED,KNOWN_LOG_RMSE,EARLY_RATIO",
                "truth,tiny,3,0.0859,0.6364,1.500,11,2,0,0.0000,1.0513"], sum);
            EvaluationCsv.WritePredictions(Path.Combine(dir, "predictions.csv"), r.Rows.Concat(r.CheckRows!));
            var check = File.ReadAllLines(Path.Combine(dir, "predictions.csv")).Skip(14).Select(l => l.Split(',')).ToArray();
            Assert.Equal(3 * 3, check.Length); // A, B: 2 known + first dose; C: 2 known (pre-dose, unscored) + first dose
            Assert.Equal(["truth", "tiny", "C", "0.5", "."], check[^1][..5]); // no sample at the dose time
            Assert.Equal(["0", "0", "first-dose"], check[^1][8..]);           // C has no scored known sample: no ratio
            Assert.Equal(["truth", "tiny", "A", "1", Curve(1).ToString("G10", CultureInfo.InvariantCulture)], check[0][..5]);
            Assert.Equal(["1", "0", "known"], check[0][8..]);
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
