using System.Globalization;
using System.Text;
using ZeroShotPK.Data;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Forecast;
using ZeroShotPK.Pbpk.Scaling;
using ZeroShotPK.Analysis;

namespace ZeroShotPK.Evaluation;

/// <summary>One drug of data/pbpk/real_drugs.csv: descriptors and the observed human IV pharmacokinetics.</summary>
/// <param name="Name">Drug name.</param>
/// <param name="Cas">CAS registry number.</param>
/// <param name="Class">Ion class at pH 7.4.</param>
/// <param name="LogP">log10 octanol:water partition coefficient.</param>
/// <param name="Pka">pKa (null for neutrals).</param>
/// <param name="Fu">Fraction unbound in plasma.</param>
/// <param name="BloodPlasmaRatio">Blood:plasma ratio, or null where unknown.</param>
/// <param name="ObservedVss">Observed Vss, L/kg.</param>
/// <param name="ObservedCl">Observed plasma clearance, mL/min/kg.</param>
/// <param name="ObservedHalfLife">Observed terminal half-life, h, or null.</param>
/// <param name="Clint">Human hepatocyte intrinsic clearance, µL/min per 10^6 cells (0: no clearance measurable), or null.</param>
public sealed record RealDrug(string Name, string Cas, IonClass Class, double LogP, double? Pka, double Fu, double? BloodPlasmaRatio,
    double ObservedVss, double ObservedCl, double? ObservedHalfLife, double? Clint)
{
    /// <summary>The drug as the PBPK model takes it, B:P <see cref="RealDrugEvaluation.DefaultBloodPlasmaRatio"/> where unknown, with the given plasma clearances (L/h).</summary>
    public Compound ToCompound(double hepaticClearance = 0, double renalClearance = 0) => new()
    {
        Name = Name, Class = Class, LogP = LogP, Pka = Pka, Fu = Fu, BloodPlasmaRatio = BloodPlasmaRatio ?? RealDrugEvaluation.DefaultBloodPlasmaRatio,
        HepaticClearance = hepaticClearance, RenalClearance = renalClearance,
    };
}

/// <summary>Reader of the real-drug table (header row, comma separated, double-quoted fields may hold commas).</summary>
public static class RealDrugCsv
{
    private static readonly string[] Columns =
        ["name", "cas", "class", "logP", "pKa", "fu", "blood_plasma_ratio", "vss_L_per_kg", "cl_mL_min_kg", "t_half_h", "clint_uL_min_per_1e6_cells"];

    /// <summary>The bundled data/pbpk/real_drugs.csv.</summary>
    public static IReadOnlyList<RealDrug> LoadBundled() => Parse(BundledData.ReadText("real_drugs.csv"), "real_drugs.csv");

    /// <summary>Reads a file.</summary>
    /// <exception cref="FormatException">Bad content; the message names the file, line and column.</exception>
    public static IReadOnlyList<RealDrug> Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses the text of a real-drug table.</summary>
    /// <exception cref="FormatException">Bad content; the message names the file, line and column and what was expected.</exception>
    public static IReadOnlyList<RealDrug> Parse(string text, string fileName)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length == 0 || lines[0].Trim().Length == 0) throw new FormatException($"{fileName} line 1: expected a header row, found an empty line.");
        var header = Split(lines[0], fileName, 1).Select(f => f.Text).ToList();
        var index = new int[Columns.Length];
        for (var i = 0; i < Columns.Length; i++)
        {
            index[i] = header.IndexOf(Columns[i]);
            if (index[i] < 0) throw new FormatException($"{fileName} line 1: missing column '{Columns[i]}' (expected {string.Join(", ", Columns)}).");
        }
        var result = new List<RealDrug>();
        for (var n = 1; n < lines.Length; n++)
        {
            if (lines[n].Trim().Length == 0) continue;
            var line = n + 1;
            var f = Split(lines[n], fileName, line);
            if (f.Count < header.Count) throw new FormatException($"{fileName} line {line}: expected {header.Count} fields, found {f.Count}.");
            (string Text, int Column) Field(int c) => f[index[c]];
            double? Number(int c, bool required, Func<double, bool> ok, string expected)
            {
                var (t, col) = Field(c);
                if (t.Length == 0)
                    return required ? throw new FormatException($"{fileName} line {line} column {col}: {Columns[c]} is empty, expected {expected}.") : null;
                if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !ok(v))
                    throw new FormatException($"{fileName} line {line} column {col}: {Columns[c]} '{t}' is not {expected}.");
                return v;
            }
            var (clsText, clsCol) = Field(2);
            var cls = clsText switch
            {
                "neutral" => IonClass.Neutral,
                "acid" => IonClass.Acid,
                "base" => IonClass.Base,
                _ => throw new FormatException($"{fileName} line {line} column {clsCol}: class '{clsText}' is not neutral, acid or base."),
            };
            static bool Positive(double v) => v > 0 && double.IsFinite(v);
            result.Add(new RealDrug(
                Field(0).Text, Field(1).Text, cls,
                Number(3, true, double.IsFinite, "a finite number")!.Value,
                Number(4, cls != IonClass.Neutral, double.IsFinite, $"a finite pKa (required for a {clsText})"),
                Number(5, true, v => v > 0 && v <= 1, "a fraction in (0, 1]")!.Value,
                Number(6, false, Positive, "a positive number"),
                Number(7, true, Positive, "a positive volume (L/kg)")!.Value,
                Number(8, true, Positive, "a positive clearance (mL/min/kg)")!.Value,
                Number(9, false, Positive, "a positive half-life (h)"),
                Number(10, false, v => v >= 0 && double.IsFinite(v), "a non-negative intrinsic clearance")));
        }
        return result;
    }

    private static List<(string Text, int Column)> Split(string line, string fileName, int lineNumber)
    {
        var fields = new List<(string, int)>();
        var sb = new StringBuilder();
        var start = 1;
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else sb.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add((sb.ToString().Trim(), start)); sb.Clear(); start = i + 2; }
            else sb.Append(ch);
        }
        if (quoted) throw new FormatException($"{fileName} line {lineNumber} column {start}: a quoted field is not closed.");
        fields.Add((sb.ToString().Trim(), start));
        return fields;
    }
}

/// <summary>
/// The descriptor box a PBPK forecaster was trained in: the cross-species generator's human compounds in its
/// <see cref="CompoundSpace"/> (logP, acid and base pKa ranges as drawn; fu and plasma clearance per kg as the 0.5-99.5 %
/// range of generated compounds, since they follow from unbounded distributions).
/// </summary>
/// <param name="LogP">logP range.</param>
/// <param name="AcidPka">Acid pKa range.</param>
/// <param name="BasePka">Base pKa range.</param>
/// <param name="Fu">fu range.</param>
/// <param name="ClPerKg">Plasma clearance range, mL/min/kg.</param>
public sealed record ForecastPriorBox((double Lo, double Hi) LogP, (double Lo, double Hi) AcidPka, (double Lo, double Hi) BasePka,
    (double Lo, double Hi) Fu, (double Lo, double Hi) ClPerKg)
{
    /// <summary>Ranges measured on <paramref name="count"/> generated compounds (seed fixed, so the box is the same every run).</summary>
    /// <param name="count">Compounds generated.</param>
    /// <param name="seed">Their seed.</param>
    /// <param name="space">The compound space (default: the generator's original box).</param>
    public static ForecastPriorBox FromGenerator(int count = 2000, int seed = 17, CompoundSpace? space = null)
    {
        var s = space ?? new CompoundSpace();
        var human = new CrossSpeciesGenerator(space: s).Generate(count, seed).Select(c => c.In(Species.Human)).ToArray();
        var bw = SpeciesDescriptor.Of(Species.Human).BodyWeight;
        (double, double) Range(IEnumerable<double> values)
        {
            var v = values.Order().ToArray();
            return (v[(int)(0.005 * (v.Length - 1))], v[(int)Math.Ceiling(0.995 * (v.Length - 1))]);
        }
        // L/h -> mL/min: x 1000 / 60
        return new ForecastPriorBox((s.LogPMin, s.LogPMax), (s.AcidPkaMin, s.AcidPkaMax), (s.BasePkaMin, s.BasePkaMax),
            Range(human.Select(h => h.Fu)), Range(human.Select(h => h.Cl * 1000 / 60 / bw)));
    }

    /// <summary>One line per descriptor outside the box (empty when all are inside); clearance is checked only when given.</summary>
    public IReadOnlyList<string> Outside(IonClass cls, double logP, double? pka, double fu, double? clPerKg)
    {
        var w = new List<string>();
        static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
        void Check(string what, double v, (double Lo, double Hi) r)
        {
            if (v < r.Lo || v > r.Hi) w.Add($"{what} {F(v)} is outside the training range [{F(r.Lo)}, {F(r.Hi)}]");
        }
        Check("logP", logP, LogP);
        if (cls == IonClass.Acid && pka is { } a) Check("acid pKa", a, AcidPka);
        if (cls == IonClass.Base && pka is { } b) Check("base pKa", b, BasePka);
        Check("fu", fu, Fu);
        if (clPerKg is { } cl) Check("CL (mL/min/kg)", cl, ClPerKg);
        return w;
    }

    /// <summary>As <see cref="Outside(IonClass, double, double?, double, double?)"/> for a compound of the human reference individual (its hepatic + renal clearance per kg).</summary>
    public IReadOnlyList<string> Outside(Compound c) =>
        Outside(c.Class, c.LogP, c.Pka, c.Fu, (c.HepaticClearance + c.RenalClearance) * 1000 / 60 / SpeciesDescriptor.Of(Species.Human).BodyWeight);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<CompoundSpace, ForecastPriorBox> Boxes = new();

    /// <summary>The box of a forecaster trained on <paramref name="space"/> (<see cref="FromGenerator"/> with its default count and seed), computed once per space.</summary>
    public static ForecastPriorBox For(CompoundSpace space) => Boxes.GetOrAdd(space, s => FromGenerator(space: s));

    /// <summary>
    /// Warnings to show before a forecast, one line per descriptor outside the forecaster's training box (empty when the
    /// compound lies inside). A compound's fu and clearance are those of the human reference individual, so for another
    /// species only logP and pKa are checked.
    /// </summary>
    /// <param name="c">The compound.</param>
    /// <param name="species">Species forecast.</param>
    /// <param name="prior">The forecaster's box (<see cref="For"/> its manifest's <c>Config.Space</c>).</param>
    public static IReadOnlyList<string> ForecastWarnings(Compound c, Species species, ForecastPriorBox prior)
    {
        var lines = (species == Species.Human ? prior.Outside(c) : prior.Outside(c.Class, c.LogP, c.Pka, (prior.Fu.Lo + prior.Fu.Hi) / 2, null)).ToList();
        if (species == Species.Human && RenalOffManifold(c) is { } renal) lines.Add(renal);
        return lines.Select(l => $"warning: {c.Name}: {l}; the forecaster never saw such a compound, so its forecast and band are an extrapolation.").ToArray();
    }

    /// <summary>z of the 0.5 and 99.5 % quantiles of the generator's renal factor scatter.</summary>
    public const double RenalZ = 2.576;

    /// <summary>
    /// A line when <paramref name="c"/>'s renal clearance (human reference individual) lies outside the 0.5-99.5 % range
    /// that the compound generator gives a compound of its fu, B:P and logD (<see cref="CrossSpeciesGenerator.RenalClearanceAt"/>):
    /// training compounds clear renally by filtration times a reabsorption factor, so for example a hydrophilic, weakly bound
    /// drug with no renal clearance (paracetamol's token) is off the training world though each descriptor is in range.
    /// </summary>
    public static string? RenalOffManifold(Compound c)
    {
        var lo = CrossSpeciesGenerator.RenalClearanceAt(c, Species.Human, -RenalZ);
        var hi = CrossSpeciesGenerator.RenalClearanceAt(c, Species.Human, RenalZ);
        // Compared on the token's scale, CL/kg + 1e-5 L/h/kg, with 3-fold slack: a near-zero renal clearance where the
        // training compounds have a near-zero one too (lipophilic drugs) is no extrapolation.
        var bw = PbpkForecastFeatures.Reference(Species.Human).BodyWeight;
        static double T(double cl, double bw) => cl / bw + 1e-5;
        static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
        return T(c.RenalClearance, bw) < T(lo, bw) / RenalSlack || T(c.RenalClearance, bw) > T(hi, bw) * RenalSlack
            ? $"renal clearance {F(c.RenalClearance)} L/h is far outside the range the training compounds have at this fu, B:P and logD7.4 [{F(lo)}, {F(hi)}] L/h"
            : null;
    }

    /// <summary>Fold slack of <see cref="RenalOffManifold"/> on the token's scale.</summary>
    public const double RenalSlack = 3;
}

/// <summary>Mechanistic predictions for one real drug in the human reference individual, null where the method gives none.</summary>
/// <param name="Drug">The drug.</param>
/// <param name="VssPoulinTheil">Vss from Poulin &amp; Theil Kp, L/kg.</param>
/// <param name="VssRodgersRowland">Vss from Rodgers &amp; Rowland Kp, L/kg (null where its binding term comes out negative).</param>
/// <param name="ClWellStirred">Plasma CL from the hepatocyte CLint as measured (taken as unbound) by the well-stirred liver plus fu x GFR, mL/min/kg (null without CLint).</param>
/// <param name="OutsidePrior">Descriptors outside the forecaster's training box (empty: inside).</param>
public sealed record RealDrugPrediction(RealDrug Drug, double VssPoulinTheil, double? VssRodgersRowland, double? ClWellStirred, IReadOnlyList<string> OutsidePrior)
{
    /// <summary>The forecaster's Vss (L/kg) by NCA on its IV bolus forecast, with the observed CL as its clearance token; null when not run or not estimable.</summary>
    public double? VssForecaster { get; init; }

    /// <summary>The forecaster's terminal half-life (h) by NCA on the same forecast; null when not estimable on the 48 h grid.</summary>
    public double? HalfLifeForecaster { get; init; }

    /// <summary>
    /// Plasma CL, mL/min/kg, from the hepatocyte CLint corrected for binding in the incubation (CLint / fu,inc, Kilford 2008)
    /// by the well-stirred liver plus fu x GFR: the a-priori clearance (null without CLint).
    /// </summary>
    public double? ClWellStirredFuInc { get; init; }

    /// <summary>The forecaster's CL, mL/min/kg, as dose / AUC of its IV bolus forecast when its clearance tokens carry <see cref="ClWellStirredFuInc"/> (hepatic and renal parts): CL from descriptors and in vitro data alone.</summary>
    public double? ClForecasterApriori { get; init; }

    /// <summary>The forecaster's terminal half-life, h, from the same a-priori forecast.</summary>
    public double? HalfLifeForecasterApriori { get; init; }

    /// <summary>Half-life ln 2 Vss / CL with a predicted Vss and the observed CL, h (isolates the Vss error).</summary>
    public static double HalfLife(double vssLPerKg, double clMlMinKg) => Math.Log(2) * vssLPerKg / (clMlMinKg * 60 / 1000);
}

/// <summary>Vss, CL and half-life of real drugs from mechanistic models, scored against observed human values.</summary>
public static class RealDrugEvaluation
{
    /// <summary>Hepatocellularity, 10^6 cells per g liver (the usual 120).</summary>
    public const double HepatocytesPerGram = 120;

    /// <summary>Blood:plasma ratio used where the table gives none.</summary>
    public const double DefaultBloodPlasmaRatio = 1;

    /// <summary>Volume fraction of hepatocytes in the incubation for <see cref="HepatocyteIncubationFu"/> (httk's default).</summary>
    public const double HepatocyteVolumeFraction = 0.005;

    /// <summary>
    /// Fraction unbound in a hepatocyte incubation (Kilford et al. 2008, Drug Metab. Dispos. 36:1194):
    /// 1 / (1 + 125 Vr 10^(0.072 L^2 + 0.067 L - 1.126)), Vr = <see cref="HepatocyteVolumeFraction"/>, L = logP for bases and
    /// logD7.4 (monoprotic Henderson-Hasselbalch) for acids and neutrals, as in httk's calc_hep_fu.
    /// </summary>
    public static double HepatocyteIncubationFu(IonClass cls, double logP, double? pka)
    {
        var l = cls == IonClass.Acid && pka is { } a ? logP - Math.Log10(1 + Math.Pow(10, 7.4 - a)) : logP;
        return 1 / (1 + 125 * HepatocyteVolumeFraction * Math.Pow(10, 0.072 * l * l + 0.067 * l - 1.126));
    }

    /// <summary>Whole-liver intrinsic clearance, L/h, from a hepatocyte CLint in µL/min per 10^6 cells and the liver volume (L, 1 kg/L).</summary>
    public static double ScaleClint(double clintPerMillionCells, double liverVolume) =>
        clintPerMillionCells * HepatocytesPerGram * liverVolume * 1000 * 60 / 1e6;

    /// <summary>
    /// Plasma clearance, L/h, of the well-stirred liver (blood flow <paramref name="liverBloodFlow"/> L/h, unbound fraction in
    /// blood fu/B:P, whole-liver CLint L/h) plus renal filtration fu x GFR.
    /// </summary>
    public static double WellStirredPlasmaClearance(double fu, double bloodPlasmaRatio, double clint, double liverBloodFlow, double gfr)
    {
        var (hepatic, renal) = WellStirredParts(fu, bloodPlasmaRatio, clint, liverBloodFlow, gfr);
        return hepatic + renal;
    }

    /// <summary>The hepatic and renal plasma clearances, L/h, whose sum is <see cref="WellStirredPlasmaClearance"/>.</summary>
    public static (double Hepatic, double Renal) WellStirredParts(double fu, double bloodPlasmaRatio, double clint, double liverBloodFlow, double gfr)
    {
        var fub = fu / bloodPlasmaRatio;
        var hepaticBlood = liverBloodFlow * fub * clint / (liverBloodFlow + fub * clint);
        return (bloodPlasmaRatio * hepaticBlood, fu * gfr);
    }

    /// <summary>
    /// A-priori hepatic and renal plasma clearance, L/h, of a drug in the human reference individual: the well-stirred liver
    /// with CLint / fu,inc (<see cref="HepatocyteIncubationFu"/>) and fu x GFR; null without CLint.
    /// </summary>
    public static (double Hepatic, double Renal)? AprioriClearance(RealDrug d)
    {
        if (d.Clint is not { } ci) return null;
        var desc = SpeciesDescriptor.Of(Species.Human);
        var clint = ScaleClint(ci, desc.LiverVolume) / HepatocyteIncubationFu(d.Class, d.LogP, d.Pka);
        return WellStirredParts(d.Fu, d.BloodPlasmaRatio ?? DefaultBloodPlasmaRatio, clint, desc.LiverBloodFlow, desc.Gfr);
    }

    private static double PerKg(double litresPerHour) => litresPerHour * 1000 / 60 / SpeciesDescriptor.Of(Species.Human).BodyWeight;

    /// <summary>Predictions for every drug in the human reference individual.</summary>
    /// <param name="drugs">The drugs.</param>
    /// <param name="prior">The forecaster's training box, for the inside/outside split.</param>
    /// <param name="network">The forecaster, or null to skip its rows.</param>
    public static IReadOnlyList<RealDrugPrediction> Predict(IReadOnlyList<RealDrug> drugs, ForecastPriorBox prior, PbpkForecastNetwork? network = null)
    {
        var forecasts = network is null ? null : ForecastBolus(network, drugs, ObservedClearanceToken);
        var apriori = network is null ? null : ForecastBolus(network, drugs, AprioriClearance);
        var human = PhysiologyTable.Load(Species.Human).Reference();
        var desc = SpeciesDescriptor.Of(Species.Human);
        var list = new List<RealDrugPrediction>(drugs.Count);
        foreach (var d in drugs)
        {
            var compound = d.ToCompound();
            var bp = compound.BloodPlasmaRatio;
            var pt = new PbpkModel(human, compound, PartitionMethod.PoulinTheil, human).Vss / human.BodyWeight;
            double? rr;
            try { rr = new PbpkModel(human, compound, PartitionMethod.RodgersRowland, human).Vss / human.BodyWeight; }
            catch (ArgumentException) { rr = null; } // negative tissue binding term: Rodgers & Rowland gives no Kp
            double? cl = d.Clint is { } ci
                ? PerKg(WellStirredPlasmaClearance(d.Fu, bp, ScaleClint(ci, desc.LiverVolume), desc.LiverBloodFlow, desc.Gfr))
                : null;
            list.Add(new RealDrugPrediction(d, pt, rr, cl, prior.Outside(d.Class, d.LogP, d.Pka, d.Fu, d.ObservedCl))
            {
                VssForecaster = forecasts?[list.Count].Vss, HalfLifeForecaster = forecasts?[list.Count].HalfLife,
                ClWellStirredFuInc = AprioriClearance(d) is { } parts ? PerKg(parts.Hepatic + parts.Renal) : null,
                ClForecasterApriori = apriori?[list.Count].Cl, HalfLifeForecasterApriori = apriori?[list.Count].HalfLife,
            });
        }
        return list;
    }

    /// <summary>A scored quantity: key, description, and (predicted, observed) per drug where both exist.</summary>
    private static IEnumerable<(string Name, Func<RealDrugPrediction, (double? Pred, double? Obs)> Pair)> Quantities() =>
    [
        ("Vss Poulin & Theil", p => (p.VssPoulinTheil, p.Drug.ObservedVss)),
        ("Vss Rodgers & Rowland", p => (p.VssRodgersRowland, p.Drug.ObservedVss)),
        ("t1/2 P&T Vss, obs CL", p => (RealDrugPrediction.HalfLife(p.VssPoulinTheil, p.Drug.ObservedCl), p.Drug.ObservedHalfLife)),
        ("t1/2 R&R Vss, obs CL", p => (p.VssRodgersRowland is { } v ? RealDrugPrediction.HalfLife(v, p.Drug.ObservedCl) : null, p.Drug.ObservedHalfLife)),
        ("CL well-stirred", p => (p.ClWellStirred, p.Drug.ObservedCl)),
        ("CL well-stirred fu,inc", p => (p.ClWellStirredFuInc, p.Drug.ObservedCl)),
        ("t1/2 R&R Vss, pred CL", p => (p.VssRodgersRowland is { } v && p.ClWellStirredFuInc is { } c ? RealDrugPrediction.HalfLife(v, c) : null, p.Drug.ObservedHalfLife)),
        ("Vss transformer NCA", p => (p.VssForecaster, p.Drug.ObservedVss)),
        ("t1/2 transformer NCA", p => (p.HalfLifeForecaster, p.Drug.ObservedHalfLife)),
        ("CL transformer, pred", p => (p.ClForecasterApriori, p.Drug.ObservedCl)),
        ("t1/2 transformer, pred", p => (p.HalfLifeForecasterApriori, p.Drug.ObservedHalfLife)),
    ];

    /// <summary>Lowest forecast concentration used by the NCA, mg/L: 1000 x <see cref="ForecastData.FloorConcentration"/>.</summary>
    public const double NcaFloor = 1000 * ForecastData.FloorConcentration;

    /// <summary>IV bolus dose of the forecasts, mg/kg (the forecaster is linear in dose; this sits inside its training doses).</summary>
    public const double ForecastDosePerKg = 1;

    /// <summary>
    /// The observed plasma CL, L/h in the human reference individual (the distribution-only run), split as the training
    /// compounds' is: the renal part is what the generator gives a compound of this fu, B:P and logD7.4 at its median
    /// reabsorption (<see cref="CrossSpeciesGenerator.RenalClearanceAt"/>, at most the total), the rest hepatic. Putting it
    /// all in the hepatic token (as before 2026-12-06) left hydrophilic drugs with a renal token of zero, which the
    /// training world only has for lipophilic compounds, and the network read them as lipophilic (paracetamol's Vss
    /// twice the exact model's).
    /// </summary>
    public static (double Hepatic, double Renal)? ObservedClearanceToken(RealDrug d)
    {
        var total = d.ObservedCl * 60 / 1000 * SpeciesDescriptor.Of(Species.Human).BodyWeight;
        var renal = Math.Min(total, CrossSpeciesGenerator.RenalClearanceAt(d.ToCompound(), Species.Human, 0));
        return (total - renal, renal);
    }

    /// <summary>
    /// Vss, terminal half-life and CL of every drug from the forecaster's median profile of a 1 mg/kg IV bolus in the human
    /// reference individual. The compound token carries the drug's descriptors and the hepatic and renal plasma clearances
    /// (L/h) that <paramref name="clearance"/> gives: <see cref="ObservedClearanceToken"/> (only distribution is then
    /// predicted) or <see cref="AprioriClearance"/>. Drugs without a clearance, or whose hepatic clearance reaches 95 % of
    /// B:P x liver blood flow (the token cannot carry it), get null. Vss = dose x AUMC / AUC^2 (<see cref="Nca.BolusVss"/>),
    /// CL = dose / AUC (<see cref="Nca.BolusClearance"/>, mL/min/kg).
    /// </summary>
    public static (double? Vss, double? HalfLife, double? Cl)[] ForecastBolus(PbpkForecastNetwork network, IReadOnlyList<RealDrug> drugs,
        Func<RealDrug, (double Hepatic, double Renal)?> clearance)
    {
        var individual = PbpkForecastFeatures.Reference(Species.Human);
        var bw = individual.BodyWeight;
        var liverFlow = individual.Flow(Tissue.Liver);
        var result = new (double? Vss, double? HalfLife, double? Cl)[drugs.Count];
        var usable = new List<int>();
        var records = new List<ForecastRecord>();
        for (var i = 0; i < drugs.Count; i++)
        {
            var d = drugs[i];
            var bp = d.BloodPlasmaRatio ?? DefaultBloodPlasmaRatio;
            if (clearance(d) is not var (hepatic, renal)) continue;
            if (hepatic >= 0.95 * liverFlow * bp) continue; // plasma CL = B:P x blood CL < B:P x liver blood flow
            var c = d.ToCompound(hepatic, renal);
            records.Add(PbpkForecastFeatures.Encode(c, individual, [new ForecastDose(0, ForecastDosePerKg * bw, ForecastRoute.IvBolus, 0)]));
            usable.Add(i);
        }
        if (records.Count == 0) return result;
        using var batch = ForecastBatch.Build(records);
        var profiles = PbpkForecaster.Predict(network, batch);
        var grid = ForecastData.Grid;
        for (var j = 0; j < usable.Count; j++)
        {
            // The training profiles are floored at 1e-6 mg/L, so the forecast flattens towards it; points within 3 logs of the
            // floor would read as a long terminal phase (half-lives of 10^3-10^4 h for fast drugs), so the profile stops before them.
            var keep = Enumerable.Range(0, grid.Count).TakeWhile(k => profiles[j].Median(k) >= NcaFloor).ToArray();
            if (keep.Length < 4) continue;
            var t = keep.Select(k => grid[k]).ToArray();
            var median = keep.Select(profiles[j].Median).ToArray();
            // mg/kg over mg h/L: L/h/kg -> mL/min/kg
            result[usable[j]] = (Nca.BolusVss(t, median, ForecastDosePerKg), PbpkForecastEvaluation.HalfLife(t, median, 0),
                Nca.BolusClearance(t, median, ForecastDosePerKg) * 1000 / 60);
        }
        return result;
    }

    /// <summary>Fold-error summary of one quantity over a subset, or null when no drug has both values.</summary>
    public static FoldErrorSummary? Summarise(IEnumerable<RealDrugPrediction> subset, Func<RealDrugPrediction, (double? Pred, double? Obs)> pair)
    {
        var pairs = subset.Select(pair).Where(x => x.Pred is not null && x.Obs is not null).ToArray();
        return pairs.Length == 0 ? null : FoldErrorSummary.Of(pairs.Select(x => x.Pred!.Value).ToArray(), pairs.Select(x => x.Obs!.Value).ToArray());
    }

    /// <summary>The text report: summaries overall, by ion class and by training-prior membership, then one row per drug.</summary>
    public static string Format(IReadOnlyList<RealDrugPrediction> predictions, ForecastPriorBox prior, string header)
    {
        var sb = new StringBuilder();
        string F(double v, string fmt) => v.ToString(fmt, CultureInfo.InvariantCulture);
        sb.AppendLine(header);
        sb.AppendLine($"training prior box: logP [{F(prior.LogP.Lo, "G3")}, {F(prior.LogP.Hi, "G3")}], acid pKa [{F(prior.AcidPka.Lo, "G3")}, {F(prior.AcidPka.Hi, "G3")}], " +
                      $"base pKa [{F(prior.BasePka.Lo, "G3")}, {F(prior.BasePka.Hi, "G3")}], fu [{F(prior.Fu.Lo, "G3")}, {F(prior.Fu.Hi, "G3")}], " +
                      $"CL [{F(prior.ClPerKg.Lo, "G3")}, {F(prior.ClPerKg.Hi, "G3")}] mL/min/kg");
        sb.AppendLine();
        var groups = new List<(string Name, IEnumerable<RealDrugPrediction> Subset)>
        {
            ("all", predictions),
            ("neutral", predictions.Where(p => p.Drug.Class == IonClass.Neutral)),
            ("acid", predictions.Where(p => p.Drug.Class == IonClass.Acid)),
            ("base", predictions.Where(p => p.Drug.Class == IonClass.Base)),
            ("inside prior", predictions.Where(p => p.OutsidePrior.Count == 0)),
            ("outside prior", predictions.Where(p => p.OutsidePrior.Count > 0)),
        };
        // Clearance rows also split by whether the hepatocyte assay measured any clearance (CLint 0: none distinguishable).
        var clintGroups = new List<(string Name, IEnumerable<RealDrugPrediction> Subset)>
        {
            ("CLint > 0", predictions.Where(p => p.Drug.Clint > 0)),
            ("CLint 0", predictions.Where(p => p.Drug.Clint == 0)),
        };
        sb.AppendLine($"{"quantity",-24} {"subset",-14} {"n",4} {"AAFE",6} {"AFE",6} {"<=2x",6} {"<=3x",6}");
        foreach (var (name, pair) in Quantities())
        {
            var usesClint = name.StartsWith("CL ", StringComparison.Ordinal) || name.EndsWith("pred CL", StringComparison.Ordinal) || name.EndsWith(", pred", StringComparison.Ordinal);
            foreach (var (g, subset) in usesClint ? groups.Concat(clintGroups) : groups)
            {
                var s = Summarise(subset, pair);
                sb.AppendLine(s is null
                    ? $"{name,-24} {g,-14} {0,4} {"-",6} {"-",6} {"-",6} {"-",6}"
                    : $"{name,-24} {g,-14} {s.Count,4} {F(s.Aafe, "F2"),6} {F(s.Afe, "F2"),6} {F(100 * s.Within2Fold, "F0") + "%",6} {F(100 * s.Within3Fold, "F0") + "%",6}");
            }
        }
        sb.AppendLine();
        sb.AppendLine($"{"drug",-36} {"class",-7} {"logP",6} {"pKa",6} {"fu",7} {"Vss obs",8} {"P&T",7} {"R&R",7} {"transf.",7} {"CL obs",7} {"CLint",7} {"w-s inc",7} {"transf.",7} {"t1/2 obs",8} {"transf.",7}  outside prior");
        foreach (var p in predictions)
        {
            var d = p.Drug;
            sb.AppendLine($"{Trim(d.Name, 36),-36} {d.Class.ToString().ToLowerInvariant(),-7} {F(d.LogP, "F2"),6} {(d.Pka is { } k ? F(k, "F2") : "-"),6} {F(d.Fu, "G3"),7} " +
                          $"{F(d.ObservedVss, "G3"),8} {F(p.VssPoulinTheil, "G3"),7} {(p.VssRodgersRowland is { } r ? F(r, "G3") : "-"),7} {(p.VssForecaster is { } vf ? F(vf, "G3") : "-"),7} {F(d.ObservedCl, "G3"),7} " +
                          $"{(d.Clint is { } ci ? F(ci, "G3") : "-"),7} {(p.ClWellStirredFuInc is { } cw ? F(cw, "G3") : "-"),7} {(p.ClForecasterApriori is { } cf ? F(cf, "G3") : "-"),7} " +
                          $"{(d.ObservedHalfLife is { } t ? F(t, "G3") : "-"),8} {(p.HalfLifeForecaster is { } tf ? F(tf, "G3") : "-"),7}  {string.Join("; ", p.OutsidePrior)}");
        }
        return sb.ToString();
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "~";
}

/// <summary>One real concentration-time study against the exact PBPK profile and the forecaster, from dose and descriptors alone.</summary>
/// <param name="Study">Study (file) name.</param>
/// <param name="Compound">Bundled compound used.</param>
/// <param name="Individuals">Individuals scored (single-route regimens of at most three doses).</param>
/// <param name="Observations">Observed concentrations scored (0.25-48 h after the first dose, &gt; 0).</param>
/// <param name="LogRmseExact">Pooled log-RMSE of the exact PBPK profile (human reference individual) against the observations.</param>
/// <param name="LogRmseForecast">Pooled log-RMSE of the forecaster's median.</param>
/// <param name="Coverage90">Share of observations inside the forecaster's 90 % band.</param>
/// <param name="GmfeCmaxExact">Geometric mean fold error of the observed Cmax per individual, exact profile.</param>
/// <param name="GmfeCmaxForecast">Likewise for the forecaster's median.</param>
public sealed record StudyComparison(string Study, string Compound, int Individuals, int Observations, double LogRmseExact, double LogRmseForecast,
    double Coverage90, double GmfeCmaxExact, double GmfeCmaxForecast)
{
    /// <summary>Hepatocyte CLint used for the a-priori rows, µL/min per 10^6 cells (null: none known, no a-priori rows).</summary>
    public double? Clint { get; init; }

    /// <summary>Log-RMSE of the exact profile when the compound's clearance is the a-priori one (<see cref="RealDrugEvaluation.AprioriClearance"/> from <see cref="Clint"/>) instead of its observed CL.</summary>
    public double? LogRmseExactApriori { get; init; }

    /// <summary>Likewise for the forecaster's median.</summary>
    public double? LogRmseForecastApriori { get; init; }
}

/// <summary>Real concentration-time studies (data/benchmark) against PBPK predictions from dose and descriptors alone.</summary>
public static class RealStudyComparison
{
    /// <summary>The bundled studies, the compound each is compared with, and its CAS number (the key of its hepatocyte CLint in data/pbpk/real_drugs.csv).</summary>
    public static IReadOnlyList<(string File, string Compound, string Cas)> Studies { get; } =
    [
        ("theophylline.csv", "theophylline", "58-55-9"),
        ("midazolam-iv-heizmann1983.csv", "midazolam", "59467-70-8"),
        ("midazolam-oral10-heizmann1983.csv", "midazolam", "59467-70-8"),
        ("midazolam-oral20-heizmann1983.csv", "midazolam", "59467-70-8"),
        ("paracetamol-iv-abernethy1982.csv", "paracetamol", "103-90-2"),
        ("paracetamol-oral-kietzmann1990.csv", "paracetamol", "103-90-2"),
        ("codeine-oral-loetsch2006.csv", "codeine", "76-57-3"),
    ];

    /// <summary>
    /// Every bundled study present in <paramref name="benchmarkDirectory"/> (others are skipped), compared with its bundled
    /// compound, and a priori with the hepatocyte CLint of the bundled real-drug table where it has one.
    /// </summary>
    public static IReadOnlyList<StudyComparison> CompareBundled(string benchmarkDirectory, PbpkForecastNetwork network)
    {
        var clint = RealDrugCsv.LoadBundled().Where(d => d.Clint is not null).ToDictionary(d => d.Cas, d => d.Clint!.Value);
        return Studies
            .Where(x => File.Exists(Path.Combine(benchmarkDirectory, x.File)))
            .Select(x => Compare(x.File, NonmemCsv.ReadStudy(Path.Combine(benchmarkDirectory, x.File)), Compound.Resolve(x.Compound), network,
                clint.TryGetValue(x.Cas, out var c) ? c : null))
            .ToArray();
    }

    /// <summary>
    /// Compares one study (mg, h, mg/L): every individual is simulated as the human reference individual (73 kg, not its
    /// own weight) with its own doses; the forecaster's grid values are interpolated linearly in time on the log scale.
    /// With <paramref name="clint"/> (µL/min per 10^6 hepatocytes) the study is scored a second time with the compound's
    /// hepatic and renal clearance replaced by the a-priori well-stirred ones (<see cref="RealDrugEvaluation.AprioriClearance"/>
    /// on the compound's own descriptors): a prediction from dose, descriptors and in vitro data alone.
    /// </summary>
    public static StudyComparison Compare(string name, Study study, Compound compound, PbpkForecastNetwork network, double? clint = null)
    {
        var main = Score(name, study, compound, network);
        if (clint is not { } ci) return main;
        var d = new RealDrug(compound.Name, "", compound.Class, compound.LogP, compound.Pka, compound.Fu, compound.BloodPlasmaRatio, 1, 1, null, ci);
        var (hepatic, renal) = RealDrugEvaluation.AprioriClearance(d)!.Value;
        var apriori = Score(name, study, compound with { HepaticClearance = hepatic, RenalClearance = renal }, network);
        return main with { Clint = ci, LogRmseExactApriori = apriori.LogRmseExact, LogRmseForecastApriori = apriori.LogRmseForecast };
    }

    private static StudyComparison Score(string name, Study study, Compound compound, PbpkForecastNetwork network)
    {
        var human = PbpkForecastFeatures.Reference(Species.Human);
        var grid = ForecastData.Grid;
        var sqExact = new List<double>();
        var sqForecast = new List<double>();
        var inside = 0;
        var cmaxExact = new List<double>();
        var cmaxForecast = new List<double>();
        var individuals = 0;
        foreach (var ind in study.Individuals)
        {
            if (ind.Doses.Count is < 1 or > PbpkForecastFeatures.MaxDoses) continue;
            var doses = ind.Doses.Select(ForecastDose.FromEvent).ToArray();
            if (doses.Any(d => d is null)) continue;
            var t0 = doses[0]!.Time;
            var shifted = doses.Select(d => d! with { Time = d.Time - t0 }).ToArray();
            var obs = ind.Observations.Where(o => !o.IsBlq && o.Value > 0 && o.Time - t0 >= grid[0] && o.Time - t0 <= grid[^1]).ToArray();
            if (obs.Length == 0) continue;
            individuals++;
            var times = obs.Select(o => o.Time - t0).ToArray();
            var exact = ForecastData.ExactLogProfile(compound, human, shifted, human, times);
            using var batch = ForecastBatch.Build([PbpkForecastFeatures.Encode(compound, human, shifted)]);
            var f = PbpkForecaster.Predict(network, batch)[0];
            var (mean, sd) = (Interpolate(grid, f.LogMean, times), Interpolate(grid, f.LogSd, times));
            for (var k = 0; k < obs.Length; k++)
            {
                var y = Math.Log(obs[k].Value);
                sqExact.Add(Math.Pow(exact[k] - y, 2));
                sqForecast.Add(Math.Pow(mean[k] - y, 2));
                if (Math.Abs(y - mean[k]) <= ForecastProfile.Z90 * sd[k]) inside++;
            }
            var iMax = Enumerable.Range(0, obs.Length).MaxBy(k => obs[k].Value);
            cmaxExact.Add(Math.Abs(exact.Max() - Math.Log(obs[iMax].Value)));
            cmaxForecast.Add(Math.Abs(mean.Max() - Math.Log(obs[iMax].Value)));
        }
        if (individuals == 0) throw new ArgumentException($"{name}: no individual with a single-route regimen of 1-{PbpkForecastFeatures.MaxDoses} doses and observations within 0.25-48 h.");
        return new StudyComparison(name, compound.Name, individuals, sqExact.Count, Math.Sqrt(sqExact.Average()), Math.Sqrt(sqForecast.Average()),
            (double)inside / sqExact.Count, Math.Exp(cmaxExact.Average()), Math.Exp(cmaxForecast.Average()));
    }

    /// <summary>Linear interpolation of <paramref name="values"/> on <paramref name="grid"/> at <paramref name="times"/> (held flat outside the grid).</summary>
    public static double[] Interpolate(IReadOnlyList<double> grid, IReadOnlyList<double> values, IReadOnlyList<double> times) =>
        times.Select(t =>
        {
            if (t <= grid[0]) return values[0];
            if (t >= grid[^1]) return values[^1];
            var k = 1;
            while (grid[k] < t) k++;
            var w = (t - grid[k - 1]) / (grid[k] - grid[k - 1]);
            return values[k - 1] + w * (values[k] - values[k - 1]);
        }).ToArray();

    /// <summary>The studies as a plain-text table.</summary>
    public static string Format(IReadOnlyList<StudyComparison> rows)
    {
        var sb = new StringBuilder();
        string F(double v, string fmt) => v.ToString(fmt, CultureInfo.InvariantCulture);
        sb.AppendLine("Real concentration-time studies from dose and descriptors alone (human reference individual, 73 kg; data/benchmark; compounds of data/pbpk/compounds.json)");
        sb.AppendLine($"{"study",-36} {"compound",-13} {"ind",4} {"obs",5} {"logRMSE exact",14} {"logRMSE transf.",16} {"90% band",9} {"Cmax GMFE exact",16} {"Cmax GMFE transf.",18} {"CLint",6} {"a priori: exact",16} {"transf.",8}");
        foreach (var r in rows)
            sb.AppendLine($"{r.Study,-36} {r.Compound,-13} {r.Individuals,4} {r.Observations,5} {F(r.LogRmseExact, "F3"),14} {F(r.LogRmseForecast, "F3"),16} " +
                          $"{F(100 * r.Coverage90, "F0") + "%",9} {F(r.GmfeCmaxExact, "F2"),16} {F(r.GmfeCmaxForecast, "F2"),18} " +
                          $"{(r.Clint is { } c ? F(c, "G3") : "-"),6} {(r.LogRmseExactApriori is { } e ? F(e, "F3") : "-"),16} {(r.LogRmseForecastApriori is { } t ? F(t, "F3") : "-"),8}");
        sb.AppendLine("a priori: the compound's clearance replaced by the well-stirred CL from its hepatocyte CLint (uL/min/10^6 cells, httk) / fu,inc + fu x GFR; logRMSE of the same observations.");
        return sb.ToString();
    }
}
