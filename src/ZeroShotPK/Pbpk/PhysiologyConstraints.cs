namespace ZeroShotPK.Pbpk;

/// <summary>The physiological rules a virtual individual is checked against.</summary>
public enum ConstraintRule
{
    /// <summary>Every tissue volume and the blood volume are &gt; 0.</summary>
    PositiveVolumes,
    /// <summary>Cardiac output and every tissue flow are &gt; 0.</summary>
    PositiveFlows,
    /// <summary>Tissue plus blood volumes (density 1 kg/L) within a tolerance of body weight.</summary>
    VolumeSum,
    /// <summary>Cardiac output equals the sum of systemic flows (portal flow counted once, inside liver flow) within a tolerance.</summary>
    CardiacOutputClosure,
    /// <summary>Hepatic artery flow = liver flow - (gut + spleen + pancreas) &gt;= 0.</summary>
    HepaticArteryFlow,
    /// <summary>Body weight, hematocrit, volumes and flows inside the species' population ranges.</summary>
    PopulationRange,
    /// <summary>Organ sizes per kg, flow fractions and cardiac output / BW^0.75 coherent with body weight (inside their ranges).</summary>
    AllometricCoherence,
}

/// <summary>One broken rule, with the quantity and values that break it.</summary>
/// <param name="Rule">Rule broken.</param>
/// <param name="Detail">What is wrong, with numbers.</param>
public sealed record ConstraintViolation(ConstraintRule Rule, string Detail);

/// <summary>A proportion with its 95% Wilson score interval.</summary>
/// <param name="Count">Number of individuals with the property.</param>
/// <param name="Total">Number of individuals.</param>
public sealed record Proportion(int Count, int Total)
{
    /// <summary>Count / Total.</summary>
    public double Rate => Total == 0 ? double.NaN : (double)Count / Total;
    /// <summary>95% Wilson score interval (z = 1.959964).</summary>
    public (double Lower, double Upper) Wilson95 => Wilson(Count, Total, 1.959963984540054);

    /// <summary>Wilson score interval for <paramref name="k"/> successes out of <paramref name="n"/>.</summary>
    public static (double Lower, double Upper) Wilson(int k, int n, double z)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be > 0.");
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [0, {n}].");
        var p = (double)k / n;
        var z2 = z * z;
        var denom = 1 + z2 / n;
        var centre = (p + z2 / (2 * n)) / denom;
        var half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var (lo, hi) = Wilson95;
        return $"{100 * Rate:F2}% [{100 * lo:F2}, {100 * hi:F2}] ({Count}/{Total})";
    }
}

/// <summary>Violation counts of a population: any rule, and per rule.</summary>
/// <param name="Any">Individuals breaking at least one rule.</param>
/// <param name="ByRule">Individuals breaking each rule.</param>
public sealed record ViolationReport(Proportion Any, IReadOnlyDictionary<ConstraintRule, Proportion> ByRule);

/// <summary>
/// Checks individuals against physiological rules derived from a species table. Ranges are the typical value times
/// exp(+-k sigma) with sigma the log-normal SD from the table's CV (k = <see cref="RangeSd"/>, default 4); absolute volumes
/// add the body-weight SD, and volumes per kg use <see cref="PhysiologyTable.VolumePerKgLogSd"/>.
/// </summary>
public sealed class PhysiologyConstraints
{
    private readonly PhysiologyTable _table;

    /// <summary>Creates a checker.</summary>
    /// <param name="table">Species table giving typical values and CVs.</param>
    /// <param name="volumeSumTolerance">Allowed |sum of volumes - BW| / BW (default 0.05).</param>
    /// <param name="flowClosureTolerance">Allowed |sum of flows - CO| / CO (default 0.02).</param>
    /// <param name="rangeSd">Half-width of ranges in log-SDs (default 4).</param>
    public PhysiologyConstraints(PhysiologyTable table, double volumeSumTolerance = 0.05, double flowClosureTolerance = 0.02, double rangeSd = 4)
    {
        if (!(volumeSumTolerance > 0)) throw new ArgumentOutOfRangeException(nameof(volumeSumTolerance), volumeSumTolerance, "must be > 0.");
        if (!(flowClosureTolerance > 0)) throw new ArgumentOutOfRangeException(nameof(flowClosureTolerance), flowClosureTolerance, "must be > 0.");
        if (!(rangeSd > 0)) throw new ArgumentOutOfRangeException(nameof(rangeSd), rangeSd, "must be > 0.");
        _table = table;
        VolumeSumTolerance = volumeSumTolerance;
        FlowClosureTolerance = flowClosureTolerance;
        RangeSd = rangeSd;
    }

    /// <summary>Allowed relative mismatch of volumes vs body weight.</summary>
    public double VolumeSumTolerance { get; }
    /// <summary>Allowed relative mismatch of flows vs cardiac output.</summary>
    public double FlowClosureTolerance { get; }
    /// <summary>Range half-width in log-SDs.</summary>
    public double RangeSd { get; }

    /// <summary>The default checker of a species.</summary>
    public static PhysiologyConstraints For(Species species) => new(PhysiologyTable.Load(species));

    /// <summary>True when <paramref name="p"/> breaks no rule.</summary>
    public bool IsValid(Physiology p) => Check(p, firstOnly: true).Count == 0;

    /// <summary>Every rule <paramref name="p"/> breaks (empty when valid).</summary>
    public IReadOnlyList<ConstraintViolation> Check(Physiology p) => Check(p, firstOnly: false);

    private List<ConstraintViolation> Check(Physiology p, bool firstOnly)
    {
        var found = new List<ConstraintViolation>();
        void Fail(ConstraintRule r, string detail) { if (!firstOnly || found.Count == 0) found.Add(new(r, detail)); }
        var t = _table;

        foreach (var tissue in Tissues.All)
            if (!(p.Volume(tissue) > 0)) Fail(ConstraintRule.PositiveVolumes, $"V_{tissue} = {p.Volume(tissue):G4} L");
        if (!(p.BloodVolume > 0)) Fail(ConstraintRule.PositiveVolumes, $"V_Blood = {p.BloodVolume:G4} L");
        if (!(p.CardiacOutput > 0)) Fail(ConstraintRule.PositiveFlows, $"CO = {p.CardiacOutput:G4} L/h");
        foreach (var tissue in Tissues.All.Skip(1))
            if (!(p.Flow(tissue) > 0)) Fail(ConstraintRule.PositiveFlows, $"Q_{tissue} = {p.Flow(tissue):G4} L/h");

        var volErr = (p.TotalVolume - p.BodyWeight) / p.BodyWeight;
        if (!(Math.Abs(volErr) <= VolumeSumTolerance))
            Fail(ConstraintRule.VolumeSum, $"sum of volumes {p.TotalVolume:G4} L vs body weight {p.BodyWeight:G4} kg ({100 * volErr:+0.0;-0.0}%, tolerance {100 * VolumeSumTolerance:0.#}%)");
        var flowErr = (p.SystemicFlowSum - p.CardiacOutput) / p.CardiacOutput;
        if (!(Math.Abs(flowErr) <= FlowClosureTolerance))
            Fail(ConstraintRule.CardiacOutputClosure, $"sum of flows {p.SystemicFlowSum:G4} L/h vs cardiac output {p.CardiacOutput:G4} L/h ({100 * flowErr:+0.0;-0.0}%, tolerance {100 * FlowClosureTolerance:0.#}%)");
        if (!(p.HepaticArteryFlow >= 0))
            Fail(ConstraintRule.HepaticArteryFlow, $"hepatic artery flow {p.HepaticArteryFlow:G4} L/h (liver {p.Flow(Tissue.Liver):G4} < portal {p.PortalFlow:G4})");

        var k = RangeSd;
        bool Outside(double value, double typical, double logSd) =>
            !(value > 0) || Math.Abs(Math.Log(value / typical)) > k * logSd;
        void Range(ConstraintRule r, string name, double value, double typical, double logSd)
        {
            if (Outside(value, typical, logSd))
                Fail(r, $"{name} = {value:G4} outside [{typical * Math.Exp(-k * logSd):G4}, {typical * Math.Exp(k * logSd):G4}]");
        }

        // Absolute ranges: body weight range times the organ's own range.
        var bwSd = t.BodyWeight.LogSd;
        Range(ConstraintRule.PopulationRange, "BodyWeight", p.BodyWeight, t.BodyWeight.Value, bwSd);
        Range(ConstraintRule.PopulationRange, "Hematocrit", p.Hematocrit, t.Hematocrit.Value, t.Hematocrit.LogSd);
        var coSd = 0.75 * bwSd + t.CardiacOutput.LogSd;
        Range(ConstraintRule.PopulationRange, "CardiacOutput", p.CardiacOutput, t.CardiacOutput.Value, coSd);
        foreach (var tissue in Tissues.All)
        {
            var f = t.VolumeFractions[(int)tissue];
            Range(ConstraintRule.PopulationRange, $"V_{tissue}", p.Volume(tissue), f.Value * t.BodyWeight.Value, bwSd + f.LogSd);
        }
        Range(ConstraintRule.PopulationRange, "V_Blood", p.BloodVolume, t.BloodFraction.Value * t.BodyWeight.Value, bwSd + t.BloodFraction.LogSd);
        var reference = t.Reference();
        foreach (var tissue in Tissues.All.Skip(1))
        {
            var sd = tissue == Tissue.Liver ? Tissues.Portal.Append(Tissue.Liver).Max(x => t.FlowFractions[(int)x].LogSd) : t.FlowFractions[(int)tissue].LogSd;
            Range(ConstraintRule.PopulationRange, $"Q_{tissue}", p.Flow(tissue), reference.Flow(tissue), coSd + sd);
        }

        // Relative to body weight (allometry): volumes per kg, CO / BW^0.75, flow fractions.
        // Per-kg spread: the tissue's own CV, widened where the sampler's covariate does not scale with body weight.
        foreach (var tissue in Tissues.All)
            Range(ConstraintRule.AllometricCoherence, $"V_{tissue}/BW", p.Volume(tissue) / p.BodyWeight, t.VolumeFractions[(int)tissue].Value, t.VolumePerKgLogSd(tissue));
        Range(ConstraintRule.AllometricCoherence, "V_Blood/BW", p.BloodVolume / p.BodyWeight, t.BloodFraction.Value, t.BloodPerKgLogSd);
        Range(ConstraintRule.AllometricCoherence, "CO/BW^0.75", p.CardiacOutput / Math.Pow(p.BodyWeight, 0.75),
            t.CardiacOutput.Value / Math.Pow(t.BodyWeight.Value, 0.75), t.CardiacOutput.LogSd);
        foreach (var tissue in Tissues.All.Skip(1))
        {
            var value = tissue == Tissue.Liver ? p.HepaticArteryFlow : p.Flow(tissue);
            var name = tissue == Tissue.Liver ? "Q_HepaticArtery/CO" : $"Q_{tissue}/CO";
            var f = t.FlowFractions[(int)tissue];
            Range(ConstraintRule.AllometricCoherence, name, value / p.CardiacOutput, f.Value, f.LogSd);
        }
        return found;
    }

    /// <summary>Violation rates (any rule and per rule) with 95% Wilson intervals.</summary>
    public ViolationReport Evaluate(IReadOnlyList<Physiology> population)
    {
        if (population.Count == 0) throw new ArgumentException("population is empty.", nameof(population));
        var perRule = new int[Enum.GetValues<ConstraintRule>().Length];
        var perIndividual = new ConstraintRule[population.Count][];
        Parallel.For(0, population.Count, i => perIndividual[i] = Check(population[i]).Select(v => v.Rule).Distinct().ToArray());
        var any = 0;
        foreach (var rules in perIndividual)
        {
            if (rules.Length > 0) any++;
            foreach (var r in rules) perRule[(int)r]++;
        }
        return new ViolationReport(new Proportion(any, population.Count),
            Enum.GetValues<ConstraintRule>().ToDictionary(r => r, r => new Proportion(perRule[(int)r], population.Count)));
    }
}
