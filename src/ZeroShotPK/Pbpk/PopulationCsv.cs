using System.Globalization;

namespace ZeroShotPK.Pbpk;

/// <summary>
/// The population CSV that <c>zspk pbpk population</c> writes and <c>zspk pbpk simulate --population</c> reads: a header
/// <c>ID</c>, the <see cref="Physiology.Vector"/> columns, <c>Q_HepaticArtery_L_per_h</c> and <c>BrokenRules</c>; one row
/// per individual, values in G6.
/// </summary>
public static class PopulationCsv
{
    /// <summary>Writes individuals <paramref name="population"/>, individual j with ID <paramref name="indices"/>[j] + 1, atomically.</summary>
    public static void Write(string path, IReadOnlyList<Physiology> population, IReadOnlyList<int> indices, PhysiologyConstraints constraints)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(indices.Count, population.Count, nameof(indices));
        Data.AtomicFile.WriteLines(path, population.Select((p, i) =>
        {
            var rules = string.Join(';', constraints.Check(p).Select(v => v.Rule).Distinct());
            return (indices[i] + 1).ToString(CultureInfo.InvariantCulture) + "," +
                   string.Join(',', p.ToVector().Select(v => v.ToString("G6", CultureInfo.InvariantCulture))) + "," +
                   p.HepaticArteryFlow.ToString("G6", CultureInfo.InvariantCulture) + "," + rules;
        }).Prepend("ID," + string.Join(',', Physiology.Vector.Names) + ",Q_HepaticArtery_L_per_h,BrokenRules"));
    }

    /// <summary>
    /// Reads a population CSV: ID, the physiology vector's columns, then any others. <paramref name="option"/> (the
    /// command-line option that named the file) begins every error message.
    /// </summary>
    /// <exception cref="ArgumentException">No such file, another header, a value that is not a positive number, or an ID given twice (one sentence naming the file and line).</exception>
    public static List<(string Id, Physiology Physiology)> Read(string path, Species species, string option = "--population")
    {
        if (Directory.Exists(path)) throw new ArgumentException($"{option}: {path} is a folder; expected a CSV written by 'zspk pbpk population'.");
        if (!File.Exists(path)) throw new ArgumentException($"{option}: {path} does not exist; expected a CSV written by 'zspk pbpk population'.");
        // Read line by line: a large population is never held as text besides the individuals read (issue #15).
        using var lines = File.ReadLines(path).GetEnumerator();
        var names = Physiology.Vector.Names;
        var header = lines.MoveNext() ? lines.Current.Split(',') : [];
        if (header.Length < names.Count + 1 || header[0] != "ID" || !header.Skip(1).Take(names.Count).SequenceEqual(names))
            throw new ArgumentException($"{option}: {path}, line 1: expected the header of 'zspk pbpk population' (ID,{names[0]},...,{names[^1]}, then any other columns).");
        var result = new List<(string, Physiology)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var x = new double[names.Count];
        for (var i = 1; lines.MoveNext(); i++)
        {
            var line = lines.Current;
            if (line.Length == 0) continue;
            var f = line.Split(',');
            var ok = f.Length >= names.Count + 1 && f[0].Length > 0;
            for (var k = 0; ok && k < names.Count; k++)
                ok = double.TryParse(f[k + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out x[k]) && x[k] > 0 && double.IsFinite(x[k]);
            if (!ok) throw new ArgumentException($"{option}: {path}, line {i + 1}: expected an ID and {names.Count} positive numbers ({names[0]} ... {names[^1]}).");
            if (!seen.Add(f[0])) throw new ArgumentException($"{option}: {path}, line {i + 1}: ID {f[0]} is given twice; expected one row per individual.");
            result.Add((f[0], Physiology.FromVector(species, x)));
        }
        if (result.Count == 0) throw new ArgumentException($"{option}: {path} has no individuals; expected at least one row after the header.");
        return result;
    }
}
