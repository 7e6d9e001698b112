namespace ZeroShotPK.Pbpk;

/// <summary>
/// The reference virtual-population sampler built on a species table: log-normal body weight; tissue and blood
/// volume fractions log-normal around the table then renormalised to sum to one (so volumes add up to body weight);
/// cardiac output allometric (BW^0.75) with log-normal scatter; flow fractions (hepatic artery in the liver slot)
/// log-normal then renormalised (so flows close on cardiac output); liver flow = hepatic artery + portal.
/// Individuals breaking a rule of <see cref="PhysiologyConstraints"/> are redrawn, so the reference is the table
/// model conditioned on physiology (the redraw rate is reported). Each individual has its own seed: parallel and
/// serial runs give the same population.
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

    /// <summary>Fraction of draws redrawn because they broke a rule, in the last <see cref="Sample"/>.</summary>
    public double RedrawRate { get; private set; }

    /// <summary>Draws <paramref name="n"/> individuals; individual i uses seed (seed, i).</summary>
    public Physiology[] Sample(int n, int seed, IProgress<int>? progress = null)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be >= 0.");
        var result = new Physiology[n];
        long redraws = 0;
        var done = 0;
        Parallel.For(0, n, i =>
        {
            var rng = new Random(SeedMix.Derive(seed, i));
            var tries = 0;
            Physiology p;
            do { p = Draw(rng); tries++; } while (!_constraints.IsValid(p) && tries < 1000);
            if (tries >= 1000) throw new InvalidOperationException($"reference sampler: 1000 draws for individual {i} all broke a rule; the table's CVs are inconsistent.");
            result[i] = p;
            Interlocked.Add(ref redraws, tries - 1);
            var d = Interlocked.Increment(ref done);
            if (d % 1000 == 0) progress?.Report(d);
        });
        RedrawRate = n == 0 ? 0 : (double)redraws / (redraws + n);
        progress?.Report(n);
        return result;
    }

    private Physiology Draw(Random rng)
    {
        var t = _table;
        double Ln(TabulatedValue v) => v.Value * Math.Exp(v.LogSd * TruncatedNormal(rng));
        var bw = Ln(t.BodyWeight);
        var hct = Ln(t.Hematocrit);
        var vf = t.VolumeFractions.Select(Ln).ToArray();
        var blood = Ln(t.BloodFraction);
        var vs = vf.Sum() + blood;
        var volumes = vf.Select(f => f / vs * bw).ToArray();
        var co = t.CardiacOutput.Value * Math.Pow(bw / t.BodyWeight.Value, 0.75) * Math.Exp(t.CardiacOutput.LogSd * TruncatedNormal(rng));
        var ff = t.FlowFractions.Select((f, i) => i == (int)Tissue.Lung ? 0 : Ln(f)).ToArray();
        var fs = ff.Sum();
        var flows = ff.Select(f => f / fs * co).ToArray();
        flows[(int)Tissue.Liver] += flows[(int)Tissue.Gut] + flows[(int)Tissue.Spleen] + flows[(int)Tissue.Pancreas];
        return new Physiology(t.Species, bw, hct, co, volumes, blood / vs * bw, flows);
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

/// <summary>Per-item seeds that do not depend on the process (HashCode is randomised per process).</summary>
internal static class SeedMix
{
    /// <summary>A seed for item <paramref name="index"/> of a run seeded with <paramref name="seed"/> (SplitMix64 finaliser).</summary>
    public static int Derive(int seed, long index)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }
}
