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

/// <summary>
/// The keys that separate the streams drawn from one run seed: stream k of item i is
/// <c>SeedMix.Int(seed, i, k)</c>, never <c>seed + i</c> (neighbouring runs would share streams: fold 1 of seed 0 is
/// fold 0 of seed 1).
/// </summary>
public static class SeedStream
{
    /// <summary>Leave-one-out fold f's prediction (and the diagnostics that repeat it).</summary>
    public const long LeaveOneOutFold = 0x1F01D;
    /// <summary>Virtual-patient generation for individual i of the virtual-patient check.</summary>
    public const long VirtualPatients = 0x7E11;
    /// <summary>Neural ODE ensemble member k (item k + 1; item 0 is the predictive noise).</summary>
    public const long NeuralOdeMember = 0x0DE0;
    /// <summary>Repeat r of a benchmark.</summary>
    public const long BenchRepeat = 0xBE9C;
    /// <summary>The diffusion generator's training noise (torch generator).</summary>
    public const long DiffusionTraining = 0xD1FF;
    /// <summary>Neural allometry's training batches (torch generator).</summary>
    public const long AllometryTraining = 0xA110;
    /// <summary>The reference sample a generated population is compared with.</summary>
    public const long ReferenceSample = 0x9EF;
    /// <summary>The prior-latent noise (torch generator) of the held-out chunk of tasks that starts at task i, when a checkpoint is validated or calibrated.</summary>
    public const long ValidationLatents = 0x1A7E;
    /// <summary>Replicate r's cross-validated classifier of the virtual-patient check.</summary>
    public const long VirtualPatientReplicate = 0x5650;
    /// <summary>Block b (b &gt; 0) of a diffusion generator's sampling noise (torch generator; block 0 uses the seed itself).</summary>
    public const long DiffusionSampleBlock = 0xB10C;
    /// <summary>Test-time adaptation's torch seed (parameter noise of AICMET/PFF adaptation).</summary>
    public const long AdaptationTorch = 0x7474;
    /// <summary>The PBPK forecaster's world: compound c's descriptors.</summary>
    public const long ForecastCompound = 0xABCD;
    /// <summary>The PBPK forecaster's world: species s's sampled individuals.</summary>
    public const long ForecastIndividuals = 0x1D;
    /// <summary>The PBPK forecaster's world: whether compound c is held out.</summary>
    public const long ForecastHeldOut = 0x5EED;
    /// <summary>The PBPK forecaster's world: held-out case k.</summary>
    public const long ForecastHeldOutCase = 0x4E1D;
    /// <summary>The PBPK forecaster's world: training case k.</summary>
    public const long ForecastTrainingCase = 0x7A1E;
    /// <summary>The PBPK forecaster's training: which early samples of case i are observed.</summary>
    public const long ForecastObserved = 0x7A11D;
    /// <summary>The PBPK forecaster's training: batch of step s.</summary>
    public const long ForecastBatch = 0xBA7C;
    /// <summary>A generator mixture's choice of component for one study.</summary>
    public const long MixtureComponent = 0x4D495854;
    /// <summary>Pretraining's torch seed at step s (latent and dropout noise).</summary>
    public const long PretrainTorch = 7;

    /// <summary>Seed of item <paramref name="item"/> of stream <paramref name="stream"/> of run <paramref name="seed"/>.</summary>
    public static int Of(long seed, long item, long stream) => SeedMix.Int(seed, item, stream);
}

/// <summary>
/// A <see cref="Random"/> whose stream is fixed by this code, not by the runtime: Knuth's subtractive generator exactly as
/// <c>new Random(seed)</c> ran it on .NET 5-10, so every stream that fed a committed result, a checkpoint or a golden test
/// stays bit-identical, while a future .NET (which does not promise its seeded stream) cannot move it. For APIs that take
/// a <see cref="Random"/> (MathNet distributions, the task sampler); new code that needs no such
/// API uses <see cref="Rng"/>. Seeds come from the run's seed directly or through <see cref="For"/> (<see cref="SeedMix"/>).
/// Not thread-safe: one instance per parallel item.
/// </summary>
public sealed class StableRandom : Random
{
    private readonly int[] _state = new int[56];
    private int _next, _nextP = 21;

    /// <summary>The stream of <paramref name="seed"/> (the one <c>new Random(seed)</c> gave on .NET 5-10).</summary>
    public StableRandom(int seed) : base(0)
    {
        int mj = 161803398 - (seed == int.MinValue ? int.MaxValue : Math.Abs(seed)), mk = 1, ii = 0;
        _state[55] = mj;
        for (int i = 1; i < 55; i++)
        {
            if ((ii += 21) >= 55) ii -= 55;
            _state[ii] = mk;
            mk = mj - mk;
            if (mk < 0) mk += int.MaxValue;
            mj = _state[ii];
        }
        for (int k = 1; k < 5; k++)
            for (int i = 1; i < 56; i++)
            {
                int n = i + 30;
                if (n >= 55) n -= 55;
                _state[i] -= _state[1 + n];
                if (_state[i] < 0) _state[i] += int.MaxValue;
            }
    }

    /// <summary>The stream of item (<paramref name="seed"/>, <paramref name="step"/>, <paramref name="item"/>): <see cref="SeedMix.Int"/> of the keys.</summary>
    public static StableRandom For(long seed, long step, long item = 0) => new(SeedMix.Int(seed, step, item));

    private int InternalSample()
    {
        if (++_next >= 56) _next = 1;
        if (++_nextP >= 56) _nextP = 1;
        int r = _state[_next] - _state[_nextP];
        if (r == int.MaxValue) r--;
        if (r < 0) r += int.MaxValue;
        _state[_next] = r;
        return r;
    }

    /// <inheritdoc/>
    protected override double Sample() => InternalSample() * (1.0 / int.MaxValue);

    /// <inheritdoc/>
    public override int Next() => InternalSample();

    /// <inheritdoc/>
    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (int)(Sample() * maxValue);
    }

    /// <inheritdoc/>
    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        long range = (long)maxValue - minValue;
        if (range <= int.MaxValue) return (int)(Sample() * range) + minValue;
        // Wide ranges: a sign from a second sample, as the legacy generator did (else only even offsets come out).
        double d = InternalSample();
        if (InternalSample() % 2 == 0) d = -d;
        d = (d + (int.MaxValue - 1)) / (2.0 * int.MaxValue - 1);
        return (int)((long)(d * range) + minValue);
    }

    /// <inheritdoc/>
    public override double NextDouble() => Sample();

    /// <inheritdoc/>
    public override float NextSingle() => (float)Sample();

    /// <inheritdoc/>
    public override long NextInt64() => NextInt64(0, long.MaxValue);

    /// <inheritdoc/>
    public override long NextInt64(long maxValue) => NextInt64(0, maxValue);

    /// <inheritdoc/>
    public override long NextInt64(long minValue, long maxValue)
    {
        // Not the runtime's 64-bit stream (nothing of ours drew one before): bits from three 31-bit samples, rejected
        // until they fall in the range.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        var range = (ulong)(maxValue - minValue);
        if (range <= 1) return minValue;
        int bits = 64 - System.Numerics.BitOperations.LeadingZeroCount(range - 1);
        while (true)
        {
            ulong x = ((ulong)InternalSample() << 62 ^ (ulong)InternalSample() << 31 ^ (ulong)InternalSample()) & (ulong.MaxValue >> (64 - bits));
            if (x < range) return minValue + (long)x;
        }
    }

    /// <inheritdoc/>
    public override void NextBytes(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        NextBytes(buffer.AsSpan());
    }

    /// <inheritdoc/>
    public override void NextBytes(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (byte)InternalSample();
    }
}
