namespace ZeroShotPK.Simulation;

/// <summary>
/// Seeded xoshiro256** generator (state from SplitMix64): cheap, splittable by seed derivation, identical on every
/// platform. Not thread-safe: give each parallel item its own instance from <see cref="DeriveSeed"/>.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpare;

    /// <summary>Creates a generator from a 64-bit seed.</summary>
    public Rng(long seed)
    {
        var x = (ulong)seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>An independent seed for item <paramref name="index"/> of a run seeded with <paramref name="seed"/>.</summary>
    public static long DeriveSeed(long seed, long index)
    {
        var x = (ulong)seed ^ ((ulong)index * 0xD1B54A32D192ED03UL);
        SplitMix(ref x);
        return (long)SplitMix(ref x);
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [min, max] (inclusive).</summary>
    public int NextInt(int min, int max) => min + (int)(NextDouble() * (max - min + 1));

    /// <summary>Standard normal (Box-Muller).</summary>
    public double NextNormal()
    {
        if (_hasSpare) { _hasSpare = false; return _spareNormal; }
        double u1;
        do u1 = NextDouble(); while (u1 <= 0);
        var u2 = NextDouble();
        var r = Math.Sqrt(-2 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2 * Math.PI * u2);
        _hasSpare = true;
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Index drawn from the (not necessarily normalised) weights.</summary>
    public int Categorical(IReadOnlyList<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights) total += w;
        var u = NextDouble() * total;
        for (var i = 0; i < weights.Count; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }
        for (var i = weights.Count - 1; i >= 0; i--) if (weights[i] > 0) return i;
        return 0;
    }
}

/// <summary>
/// Seed derivation from several keys: independent 64-bit streams from (run seed, step, item), stable across runs and
/// threads (pretraining, validation sets, study mixtures, PBPK populations). <see cref="Rng.DeriveSeed"/> is the
/// two-key form used by the simulator.
/// </summary>
public static class SeedMix
{
    /// <summary>SplitMix64 finaliser of the combined inputs.</summary>
    public static long Mix(long a, long b, long c = 0)
    {
        ulong z = (ulong)a * 0x9E3779B97F4A7C15UL ^ (ulong)b * 0xBF58476D1CE4E5B9UL ^ (ulong)c * 0x94D049BB133111EBUL;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (long)(z & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    /// <summary>A 32-bit seed for <see cref="Random"/> derived from <see cref="Mix"/>.</summary>
    public static int Int(long a, long b, long c = 0) => (int)(Mix(a, b, c) & 0x7FFF_FFFF);
}
