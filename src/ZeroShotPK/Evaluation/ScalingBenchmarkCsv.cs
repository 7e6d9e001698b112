using System.Globalization;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Scaling;

namespace ZeroShotPK.Evaluation;

/// <summary>
/// The CSV that <c>zspk pbpk scale --out</c> writes: one held-out compound per row with its index, class, logP, pKa, the
/// true human fu, CL and Vss, each animal's fu and observed CL and Vss, then every method's predicted human CL and Vss
/// (<c>CLpred_KEY</c>, <c>Vsspred_KEY</c>); values in G6, an empty pKa for a neutral compound.
/// </summary>
public static class ScalingBenchmarkCsv
{
    /// <summary>The header of <paramref name="result"/>'s CSV (its methods decide the prediction columns).</summary>
    public static string Header(ScalingBenchmarkResult result)
    {
        var cols = new List<string> { "Index", "Class", "LogP", "Pka", "Fu_human", "CL_human_L_per_h", "Vss_human_L" };
        foreach (var sp in SpeciesDescriptor.Animals)
        {
            var n = sp.ToString().ToLowerInvariant();
            cols.AddRange([$"Fu_{n}", $"CLobs_{n}_L_per_h", $"Vssobs_{n}_L"]);
        }
        foreach (var m in result.Methods)
        {
            if (m.Cl is not null) cols.Add($"CLpred_{m.Key}");
            if (m.Vss is not null) cols.Add($"Vsspred_{m.Key}");
        }
        return string.Join(',', cols);
    }

    /// <summary>The row of held-out compound <paramref name="i"/>.</summary>
    public static string Row(ScalingBenchmarkResult result, int i)
    {
        static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
        var c = result.Test[i];
        var h = c.In(Species.Human);
        var row = new List<string> { c.Index.ToString(CultureInfo.InvariantCulture), c.Class.ToString().ToLowerInvariant(), F(c.LogP), c.Pka is { } k ? F(k) : "", F(h.Fu), F(h.Cl), F(h.Vss) };
        foreach (var sp in SpeciesDescriptor.Animals)
        {
            var a = c.In(sp);
            row.AddRange([F(a.Fu), F(a.ObservedCl), F(a.ObservedVss)]);
        }
        foreach (var m in result.Methods)
        {
            if (m.Cl is not null) row.Add(F(m.Cl[i]));
            if (m.Vss is not null) row.Add(F(m.Vss[i]));
        }
        return string.Join(',', row);
    }

    /// <summary>Writes <paramref name="result"/>'s held-out compounds atomically.</summary>
    public static void Write(string path, ScalingBenchmarkResult result) =>
        Data.AtomicFile.WriteLines(path, Enumerable.Range(0, result.Test.Count).Select(i => Row(result, i)).Prepend(Header(result)));
}
