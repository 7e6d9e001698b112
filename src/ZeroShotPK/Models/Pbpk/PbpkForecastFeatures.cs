using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Forecast;

namespace ZeroShotPK.Models.Pbpk;

/// <summary>
/// One forecasting case as the network reads it: normalised compound, individual and dose features, the dose times,
/// the offset ln(first dose, mg/kg) and the normalised target on <see cref="ForecastData.Grid"/>. Stored flat
/// (<see cref="ToArray"/>) in the training pool.
/// </summary>
/// <param name="Compound">[<see cref="PbpkForecastFeatures.CompoundFeatures"/>].</param>
/// <param name="Individual">[<see cref="PbpkForecastFeatures.IndividualFeatures"/>].</param>
/// <param name="Doses">[<see cref="PbpkForecastFeatures.MaxDoses"/> x <see cref="PbpkForecastFeatures.DoseFeatures"/>], zero rows past the doses.</param>
/// <param name="DoseCount">Doses given (1 .. MaxDoses).</param>
/// <param name="DoseTimes">[MaxDoses] dose times, h (0 past the doses).</param>
/// <param name="LogDosePerKg">ln(first dose amount / body weight), ln(mg/kg): the linear-PK offset of the target.</param>
/// <param name="Target">[Grid] normalised log concentration (<see cref="PbpkForecastFeatures.Normalise"/>); empty when unknown.</param>
public sealed record ForecastRecord(float[] Compound, float[] Individual, float[] Doses, int DoseCount, float[] DoseTimes,
    float LogDosePerKg, float[] Target)
{
    /// <summary>Flat length of a record with a target.</summary>
    public static int Length => PbpkForecastFeatures.CompoundFeatures + PbpkForecastFeatures.IndividualFeatures
        + PbpkForecastFeatures.MaxDoses * PbpkForecastFeatures.DoseFeatures + 1 + PbpkForecastFeatures.MaxDoses + 1 + ForecastData.Grid.Count;

    /// <summary>The record as one flat float array (the pool's row).</summary>
    public float[] ToArray()
    {
        if (Target.Length != ForecastData.Grid.Count) throw new InvalidOperationException("a pool row needs the target profile.");
        return [.. Compound, .. Individual, .. Doses, DoseCount, .. DoseTimes, LogDosePerKg, .. Target];
    }

    /// <summary>Reads a row written by <see cref="ToArray"/>.</summary>
    public static ForecastRecord FromArray(ReadOnlySpan<float> x)
    {
        int c = PbpkForecastFeatures.CompoundFeatures, i = PbpkForecastFeatures.IndividualFeatures;
        int d = PbpkForecastFeatures.MaxDoses * PbpkForecastFeatures.DoseFeatures, m = PbpkForecastFeatures.MaxDoses;
        int o = 0;
        var comp = x.Slice(o, c).ToArray(); o += c;
        var ind = x.Slice(o, i).ToArray(); o += i;
        var doses = x.Slice(o, d).ToArray(); o += d;
        var count = (int)x[o]; o += 1;
        var times = x.Slice(o, m).ToArray(); o += m;
        var offset = x[o]; o += 1;
        var target = x.Slice(o, ForecastData.Grid.Count).ToArray();
        return new ForecastRecord(comp, ind, doses, count, times, offset, target);
    }
}

/// <summary>
/// Tokenisation of a PBPK forecasting case (see <see cref="PbpkForecastNetwork"/>). The target is dose-normalised:
/// y = (ln C - ln(dose mg/kg) - <see cref="TargetCentre"/>) / <see cref="TargetScale"/>, so the linear scaling of
/// concentration with dose is built in and the network learns the shape and level per mg/kg.
/// </summary>
public static class PbpkForecastFeatures
{
    /// <summary>Compound token: logP, neutral/acid/base one-hot, pKa, ln fu, ln B:P, ln CLh/kg, ln CLr/kg, CLh / liver flow, ln ka, fa.</summary>
    public const int CompoundFeatures = 12;
    /// <summary>Individual token: human/rat one-hot, ln BW, ln CO/BW^0.75, hematocrit, ln BW/BWref, ln volumes/BW (liver, adipose, muscle, blood), ln flows/CO (liver, kidney).</summary>
    public const int IndividualFeatures = 13;
    /// <summary>Dose token: time/24, ln(amount/BW), ln(amount/first amount), oral, IV bolus, infusion one-hot, duration/4.</summary>
    public const int DoseFeatures = 7;
    /// <summary>Observed-sample token: time/24, ln(time)/2, normalised log concentration.</summary>
    public const int ObservationFeatures = 3;
    /// <summary>Query token: time/24, ln(time)/2, time since the last dose started /24, ln of it /2, doses given /3.</summary>
    public const int QueryFeatures = 5;
    /// <summary>Most doses in a regimen (the training regimens have 1-3).</summary>
    public const int MaxDoses = 3;
    /// <summary>Most observed early samples.</summary>
    public const int MaxObservations = 3;
    /// <summary>Centre of the dose-normalised log concentration, ln(mg/L per mg/kg).</summary>
    public const double TargetCentre = -3;
    /// <summary>Scale of the dose-normalised log concentration.</summary>
    public const double TargetScale = 3;
    /// <summary>Layout name recorded in checkpoints; bump when any feature changes.</summary>
    public const string Layout = "pbpk-forecast-c12-i13-d7-o3-q5-v1";

    private static readonly Dictionary<Species, Physiology> References = [];

    /// <summary>The reference individual of a species (cached).</summary>
    public static Physiology Reference(Species species)
    {
        lock (References)
        {
            if (!References.TryGetValue(species, out var r)) References[species] = r = PhysiologyTable.Load(species).Reference();
            return r;
        }
    }

    /// <summary>Normalised target from a natural-log concentration and the offset.</summary>
    public static double Normalise(double logConcentration, double logDosePerKg) => (logConcentration - logDosePerKg - TargetCentre) / TargetScale;

    /// <summary>Natural-log concentration from a normalised value.</summary>
    public static double Denormalise(double y, double logDosePerKg) => y * TargetScale + TargetCentre + logDosePerKg;

    /// <summary>Compound token (its clearances are the species reference individual's, as <see cref="Compound"/> says).</summary>
    public static float[] CompoundToken(Compound c, Species species)
    {
        var r = Reference(species);
        var pka = c.Class == IonClass.Neutral || c.Pka is null ? 0 : (c.Pka.Value - 7) / 3;
        return
        [
            (float)(c.LogP / 3),
            c.Class == IonClass.Neutral ? 1 : 0, c.Class == IonClass.Acid ? 1 : 0, c.Class == IonClass.Base ? 1 : 0,
            (float)pka,
            (float)(Math.Log(c.Fu) / 2),
            (float)Math.Log(c.BloodPlasmaRatio),
            (float)(Math.Log(c.HepaticClearance / r.BodyWeight + 1e-5) / 3),
            (float)(Math.Log(c.RenalClearance / r.BodyWeight + 1e-5) / 3),
            (float)(c.HepaticClearance / r.Flow(Tissue.Liver)),
            (float)Math.Log(c.Ka),
            (float)c.Fa,
        ];
    }

    /// <summary>Individual token (species and a summary of organ volumes and flows).</summary>
    public static float[] IndividualToken(Physiology p)
    {
        if (p.Species is not (Species.Human or Species.Rat))
            throw new ArgumentException($"species {p.Species}: the forecaster is trained on human and rat only.", nameof(p));
        var r = Reference(p.Species);
        double bw = p.BodyWeight, co = p.CardiacOutput;
        return
        [
            p.Species == Species.Human ? 1 : 0, p.Species == Species.Rat ? 1 : 0,
            (float)(Math.Log(bw) / 3),
            (float)Math.Log(co / Math.Pow(bw, 0.75)),
            (float)p.Hematocrit,
            (float)Math.Log(bw / r.BodyWeight),
            (float)Math.Log(p.Volume(Tissue.Liver) / bw),
            (float)Math.Log(p.Volume(Tissue.Adipose) / bw),
            (float)Math.Log(p.Volume(Tissue.Muscle) / bw),
            (float)Math.Log(p.BloodVolume / bw),
            (float)Math.Log(p.Flow(Tissue.Liver) / co),
            (float)Math.Log(p.Flow(Tissue.Kidney) / co),
            (float)Math.Log(p.Flow(Tissue.Adipose) / co),
        ];
    }

    /// <summary>Record of a case (with its target when <paramref name="logConcentration"/> is given).</summary>
    /// <exception cref="ArgumentException">No dose, more than <see cref="MaxDoses"/>, or a dose amount that is not positive.</exception>
    public static ForecastRecord Encode(Compound compound, Physiology individual, IReadOnlyList<ForecastDose> doses, double[]? logConcentration = null)
    {
        if (doses.Count is < 1 or > MaxDoses)
            throw new ArgumentException($"a forecast needs 1 to {MaxDoses} doses (the training regimens), got {doses.Count}.", nameof(doses));
        foreach (var d in doses)
            if (!(d.Amount > 0) || !double.IsFinite(d.Amount)) throw new ArgumentException($"dose amount must be > 0 mg, got {d.Amount}.", nameof(doses));
        var bw = individual.BodyWeight;
        var first = doses[0].Amount;
        var offset = Math.Log(first / bw);
        var tokens = new float[MaxDoses * DoseFeatures];
        var times = new float[MaxDoses];
        for (int i = 0; i < doses.Count; i++)
        {
            var d = doses[i];
            var o = i * DoseFeatures;
            tokens[o] = (float)(d.Time / 24);
            tokens[o + 1] = (float)Math.Log(d.Amount / bw);
            tokens[o + 2] = (float)Math.Log(d.Amount / first);
            tokens[o + 3 + (int)d.Route] = 1;
            tokens[o + 6] = (float)(d.Duration / 4);
            times[i] = (float)d.Time;
        }
        var target = logConcentration is null ? [] : logConcentration.Select(l => (float)Normalise(l, offset)).ToArray();
        return new ForecastRecord(CompoundToken(compound, individual.Species), IndividualToken(individual), tokens, doses.Count, times,
            (float)offset, target);
    }

    /// <summary>Record of a generated case.</summary>
    public static ForecastRecord Encode(ForecastCase c) => Encode(c.Compound, c.Individual, c.Doses, c.LogConcentration);

    /// <summary>Query features of time <paramref name="t"/> for a regimen (dose times, doses given).</summary>
    public static void QueryToken(double t, ReadOnlySpan<float> doseTimes, int doseCount, Span<float> into)
    {
        double last = double.NaN;
        int given = 0;
        for (int i = 0; i < doseCount; i++)
            if (doseTimes[i] <= t) { last = doseTimes[i]; given++; }
        double since = double.IsNaN(last) ? 0 : t - last;
        into[0] = (float)(t / 24);
        into[1] = (float)(Math.Log(t) / 2);
        into[2] = (float)(since / 24);
        into[3] = (float)(Math.Log(since + 0.05) / 2);
        into[4] = given / 3f;
    }
}
