using System.Text;
using ZeroShotPK.Data;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Robustness;

/// <summary>
/// A small fuzzer over the dataset reader: seeded random mutations of the bundled files (characters, fields, lines,
/// bytes). Every case must either read into studies whose numbers are finite and in range, or fail with a
/// <see cref="DatasetFormatException"/> that names a line (or the file as a whole) in a short message; anything else (a
/// crash, an unlocated or echoing error, a hang) fails the test with the case written out for reproduction.
/// </summary>
public class ReaderFuzzTests
{
    private static readonly string[] Files =
        ["data/theophylline.csv", "data/indometacin.csv", "data/benchmark/paracetamol-iv-singla2012.csv", "data/benchmark/midazolam-oral10-heizmann1983.csv"];

    private static readonly string[] Tokens =
        ["", ".", "NaN", "nan", "Infinity", "-1", "0", "1e309", "-1e309", "1e-320", "abc", "\"", "\"a,b\"", "1,2", "9999999999999999999999",
         "2", "3", "4", "1.5", "-0", "1e5", "0x10", " 1", "1 ", "é", "\t", "#", "ADDL", "SS"];

    private static string Mutate(string text, Random rng)
    {
        var lines = text.Split('\n').ToList();
        int ops = 1 + rng.Next(3);
        for (int k = 0; k < ops; k++)
        {
            int i = rng.Next(lines.Count);
            switch (rng.Next(9))
            {
                case 0: // replace a field by a hostile token
                {
                    var f = lines[i].Split(',');
                    f[rng.Next(f.Length)] = Tokens[rng.Next(Tokens.Length)];
                    lines[i] = string.Join(",", f);
                    break;
                }
                case 1: // delete a character
                    if (lines[i].Length > 0) lines[i] = lines[i].Remove(rng.Next(lines[i].Length), 1);
                    break;
                case 2: // insert a character
                {
                    const string chars = ",.\"-e0123456789 ;\t\r\0xé\u2028";
                    lines[i] = lines[i].Insert(rng.Next(lines[i].Length + 1), chars[rng.Next(chars.Length)].ToString());
                    break;
                }
                case 3: lines.Insert(i, lines[rng.Next(lines.Count)]); break; // duplicate a line
                case 4: // swap two lines
                {
                    int j = rng.Next(lines.Count);
                    (lines[i], lines[j]) = (lines[j], lines[i]);
                    break;
                }
                case 5: lines.RemoveAt(i); if (lines.Count == 0) lines.Add(""); break;
                case 6: // truncate the file
                    lines = lines.Take(i + 1).ToList();
                    if (lines[^1].Length > 0) lines[^1] = lines[^1][..rng.Next(lines[^1].Length)];
                    break;
                case 7: // drop a column everywhere (or only in the header)
                {
                    int c = rng.Next(lines[0].Split(',').Length);
                    bool headerOnly = rng.Next(2) == 0;
                    for (int r = 0; r < (headerOnly ? 1 : lines.Count); r++)
                    {
                        var f = lines[r].Split(',').ToList();
                        if (c < f.Count) f.RemoveAt(c);
                        lines[r] = string.Join(",", f);
                    }
                    break;
                }
                default: // a very long field
                {
                    var f = lines[i].Split(',');
                    f[rng.Next(f.Length)] = new string('9', 100_000);
                    lines[i] = string.Join(",", f);
                    break;
                }
            }
        }
        return string.Join("\n", lines);
    }

    private static string? Check(Func<NonmemReadResult> read)
    {
        NonmemReadResult result;
        try { result = read(); }
        catch (DatasetFormatException e)
        {
            if (e.Line < 0) return $"negative line {e.Line}";
            if (e.Message.Length > 600) return $"message of {e.Message.Length} characters (echoes the input?)";
            if (e.Message.Contains("   at ")) return "stack trace in the message";
            return null;
        }
        catch (Exception e) { return $"{e.GetType().Name}: {e.Message}"; }
        foreach (var s in result.Studies)
        foreach (var ind in s.Individuals)
        {
            foreach (var d in ind.Doses)
                if (!double.IsFinite(d.Time) || d.Time < 0 || !double.IsFinite(d.Amount) || d.Amount <= 0 || !double.IsFinite(d.Duration) || d.Duration < 0)
                    return $"dose out of range in {ind.Id}: {d}";
            foreach (var o in ind.Observations)
                if (!double.IsFinite(o.Time) || o.Time < 0 || !double.IsFinite(o.Value) || o.Value < 0)
                    return $"observation out of range in {ind.Id}: {o}";
        }
        return null;
    }

    private static void Report(string? problem, string text, string file, int seed)
    {
        if (problem is null) return;
        var path = Path.Combine(Path.GetTempPath(), $"zspk-fuzz-{Path.GetFileNameWithoutExtension(file)}-{seed}.csv");
        File.WriteAllText(path, text);
        Assert.Fail($"{file}, case {seed}: {problem} (input written to {path})");
    }

    [Fact]
    public async Task ThousandsOfMutatedFilesReadOrFailWithALocatedError()
    {
        int cases = 0;
        foreach (var file in Files)
        {
            var text = File.ReadAllText(DataFiles.Path(file));
            for (int seed = 0; seed < 1000; seed++)
            {
                var mutated = Mutate(text, new Random(seed * 7919 + file.Length));
                var task = Task.Run(() => Check(() => NonmemCsv.Read(new StringReader(mutated), "fuzz.csv")));
                if (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(10))) != task)
                    Report("no answer within 10 s (a hang)", mutated, file, seed);
                Report(await task, mutated, file, seed);
                cases++;
            }
        }
        Assert.Equal(4000, cases);
    }

    [Fact]
    public void MutatedBytesOnDiskAreReadOrRefusedWithTheirLine()
    {
        var dir = Directory.CreateTempSubdirectory("zspk-fuzz-").FullName;
        try
        {
            var bytes = File.ReadAllBytes(DataFiles.Path("data/theophylline.csv"));
            for (int seed = 0; seed < 300; seed++)
            {
                var rng = new Random(seed);
                var b = (byte[])bytes.Clone();
                for (int k = 0; k < 1 + rng.Next(4); k++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                var path = Path.Combine(dir, $"case{seed}.csv");
                File.WriteAllBytes(path, b);
                Report(Check(() => NonmemCsv.Read(path)), Encoding.Latin1.GetString(b), "theophylline-bytes", seed);
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
