using ZeroShotPK.Simulation;

namespace ZeroShotPK.Pbpk;

/// <summary>
/// The reference virtual-population sampler built on a species table. Volumes follow the table's
/// <see cref="VolumeModel"/>: <see cref="VolumeModel.RenormalisedFractions"/> (log-normal body weight; tissue and blood
/// fractions log-normal around the table, renormalised to sum to one) or <see cref="VolumeModel.AdiposeRemainder"/>
/// (human: log-normal height and BMI give body weight; every tissue but adipose log-normal around its typical mass scaled
/// by its <see cref="BodyComposition.Covariate"/>; adipose = body weight - the rest). Cardiac output allometric (BW^0.75)
/// with log-normal scatter; flow fractions (hepatic artery in the liver slot) log-normal then renormalised (so flows close
/// on cardiac output); liver flow = hepatic artery + portal. Individuals breaking a rule of <see cref="PhysiologyConstraints"/>
/// (for the remainder model mostly an adipose remainder below its range: under 4% of body weight) are redrawn, so the
/// reference is the table model conditioned on physiology (the redraw rate is reported). Each individual has its own seed:
/// parallel and serial runs give the same population.
/// </summary>
public sealed class ReferencePopulation
{
    private readonly PhysiologyTable _table;
    private readonly PhysiologyConstraints _constraints;

    /// <summary>Creates a sampler for a table (rules default to <see cref="PhysiologyConstraints"/> of the table).</summary>
    public ReferencePopulation(PhysiologyTable table, PhysiologyConstraints? constraints = null)
    {
        _table = table;
        _constraints = constraints ?? new PhysiologyConstraints(table);
    }

    /// <summary>The sampler of a species' bundled table.</summary>
    public static ReferencePopulation For(Species species) => new(PhysiologyTable.Load(species));

    /// <summary>Species table used.</summary>
    public PhysiologyTable Table => _table;

    /// <summary>Fraction of draws redrawn because they broke a rule, in the last <see cref="Sample(IReadOnlyList{int}, int, IProgress{int})"/>.</summary>
    public double RedrawRate { get; private set; }

    /// <summary>
    /// Redraws of the last <see cref="Sample(IReadOnlyList{int}, int, IProgress{int})"/> by the first rule each rejected draw broke, as "Rule: quantity" (e.g.
    /// "AllometricCoherence: V_Adipose/BW"), each as a fraction of all draws; the values add up to <see cref="RedrawRate"/>.
    /// </summary>
    public IReadOnlyDictionary<string, double> RedrawCauses { get; private set; } = new Dictionary<string, double>();

    private static string CauseOf(ConstraintViolation v)
    {
        var cut = v.Detail.IndexOf(' ');
        return $"{v.Rule}: {(cut < 0 ? v.Detail : v.Detail[..cut])}";
    }

    /// <summary>Draws <paramref name="n"/> individuals; individual i uses seed (seed, i).</summary>
    public Physiology[] Sample(int n, int seed, IProgress<int>? progress = null)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be >= 0.");
        return Sample(Enumerable.Range(0, n).ToArray(), seed, progress);
    }

    /// <summary>
    /// Draws individuals <paramref name="indices"/> (0-based) of a population sampled with <paramref name="seed"/>: entry j
    /// is exactly individual indices[j] of <c>Sample(n, seed)</c> for any n above it, since individual i uses seed (seed, i)
    /// alone. A shard of a population (<c>zspk pbpk population --shard K/N</c>) draws its own individuals this way.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative index.</exception>
    public Physiology[] Sample(IReadOnlyList<int> indices, int seed, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var bad = indices.FirstOrDefault(i => i < 0, 0);
        if (bad < 0) throw new ArgumentOutOfRangeException(nameof(indices), bad, "indices must be >= 0.");
        var n = indices.Count;
        var result = new Physiology[n];
        long redraws = 0;
        var done = 0;
        var causes = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        Parallel.For(0, n, j =>
        {
            var i = indices[j];
            var rng = StableRandom.For(seed, i);
            var tries = 0;
            Physiology p;
            while (true)
            {
                p = Draw(rng);
                tries++;
                if (_constraints.IsValid(p)) break;
                if (tries >= 1000) throw new InvalidOperationException($"reference sampler: 1000 draws for individual {i} all broke a rule; the table's CVs are inconsistent.");
                causes.AddOrUpdate(CauseOf(_constraints.Check(p)[0]), 1, (_, c) => c + 1);
            }
            result[j] = p;
            Interlocked.Add(ref redraws, tries - 1);
            var d = Interlocked.Increment(ref done);
            if (d % 1000 == 0) progress?.Report(d);
        });
        RedrawRate = n == 0 ? 0 : (double)redraws / (redraws + n);
        RedrawCauses = causes.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(kv => kv.Key, kv => (double)kv.Value / (redraws + n));
        progress?.Report(n);
        return result;
    }

    private Physiology Draw(Random rng)
    {
        var t = _table;
        double Ln(TabulatedValue v) => v.Value * Math.Exp(v.LogSd * TruncatedNormal(rng));
        double bw, hct, blood;
        double[] volumes;
        if (t.VolumeModel == VolumeModel.AdiposeRemainder)
        {
            (bw, volumes, blood) = DrawRemainderVolumes(rng);
            hct = Ln(t.Hematocrit);
        }
        else
        {
            // Draw order kept from the first version, so these populations (and the generators trained on them) are unchanged.
            bw = Ln(t.BodyWeight);
            hct = Ln(t.Hematocrit);
            var vf = t.VolumeFractions.Select(Ln).ToArray();
            var fb = Ln(t.BloodFraction);
            var vs = vf.Sum() + fb;
            volumes = vf.Select(f => f / vs * bw).ToArray();
            blood = fb / vs * bw;
        }
        var co = t.CardiacOutput.Value * Math.Pow(bw / t.BodyWeight.Value, 0.75) * Math.Exp(t.CardiacOutput.LogSd * TruncatedNormal(rng));
        var ff = t.FlowFractions.Select((f, i) => i == (int)Tissue.Lung ? 0 : Ln(f)).ToArray();
        var fs = ff.Sum();
        var flows = ff.Select(f => f / fs * co).ToArray();
        flows[(int)Tissue.Liver] += flows[(int)Tissue.Gut] + flows[(int)Tissue.Spleen] + flows[(int)Tissue.Pancreas];
        return new Physiology(t.Species, bw, hct, co, volumes, blood, flows);
    }

    /// <summary>
    /// <see cref="VolumeModel.AdiposeRemainder"/>: height, then body weight = reference x (H/H_ref)^2 x BMI factor; each
    /// tissue but adipose (and blood) = typical mass x covariate ratio x log-normal residual (the table CV); adipose =
    /// body weight - everything else, so volumes close on body weight exactly (a remainder that is negative or outside the
    /// adipose range is a violation and the individual is redrawn).
    /// </summary>
    private (double BodyWeight, double[] Volumes, double Blood) DrawRemainderVolumes(Random rng)
    {
        var t = _table;
        var h0 = t.Height!.Value;
        var bw0 = t.BodyWeight.Value;
        var h = h0 * Math.Exp(t.Height.LogSd * TruncatedNormal(rng));
        var bw = bw0 * (h / h0) * (h / h0) * Math.Exp(t.BmiLogSd * TruncatedNormal(rng));
        var lean = BodyComposition.FatFreeMass(bw, h) / BodyComposition.FatFreeMass(bw0, h0);
        double Mass(TabulatedValue f, Tissue? tissue)
        {
            var scale = BodyComposition.CovariateOf(tissue) switch
            {
                BodyComposition.Covariate.FatFreeMass => lean,
                BodyComposition.Covariate.BodyWeight => bw / bw0,
                _ => 1.0,
            };
            return f.Value * bw0 * scale * Math.Exp(f.LogSd * TruncatedNormal(rng));
        }
        var volumes = new double[Tissues.Count];
        foreach (var tissue in Tissues.All)
            if (tissue != Tissue.Adipose) volumes[(int)tissue] = Mass(t.VolumeFractions[(int)tissue], tissue);
        var blood = Mass(t.BloodFraction, null);
        volumes[(int)Tissue.Adipose] = bw - volumes.Sum() - blood;
        return (bw, volumes, blood);
    }

    /// <summary>Standard normal truncated to |z| &lt;= 3.5 (Box-Muller).</summary>
    private static double TruncatedNormal(Random rng)
    {
        while (true)
        {
            var z = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            if (Math.Abs(z) <= 3.5) return z;
        }
    }
}
