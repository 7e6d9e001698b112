using System.Diagnostics;
using System.Globalization;
using System.Text;
using ZeroShotPK.Data;
using ZeroShotPK.Simulation;

namespace ZeroShotPK.Evaluation;

/// <summary>What <see cref="ReadBenchmark.Run"/> measured.</summary>
/// <param name="FileBytes">Size of the file read.</param>
/// <param name="Rows">Data rows in the file.</param>
/// <param name="Individuals">Individuals read.</param>
/// <param name="Seconds">Wall time of the read.</param>
/// <param name="PeakWorkingSetBytes">The process's peak working set after the read (the file was written streaming, so the read set it).</param>
/// <param name="WorkingSetBeforeBytes">The process's working set just before the read.</param>
/// <param name="ParsedBytes">Managed heap held by the studies read (heap after a full collection, minus before).</param>
/// <param name="HeldLinesPeakBytes">
/// Baseline, measured after the read: the peak working set while the file's lines are held split into strings, the
/// first of the three things the reader held at once before it streamed (then every row, then the studies); 0 when not run.
/// </param>
public sealed record ReadBenchmarkResult(long FileBytes, long Rows, int Individuals, double Seconds, long PeakWorkingSetBytes, long WorkingSetBeforeBytes, long ParsedBytes,
    long HeldLinesPeakBytes = 0)
{
    /// <summary>Peak working set over the file size.</summary>
    public double PeakOverFile => (double)PeakWorkingSetBytes / FileBytes;

    /// <summary>Peak working set over the memory the parsed studies keep.</summary>
    public double PeakOverParsed => ParsedBytes > 0 ? (double)PeakWorkingSetBytes / ParsedBytes : double.NaN;
}

/// <summary>
/// Memory and time of reading a NONMEM CSV (issue #15: a 1.6 GB file once took 15 GB): writes a synthetic file of a given
/// size (one oral dose and 20 samples per individual, a WT covariate), reads it with <see cref="NonmemCsv.Read(string)"/>
/// and reports the peak working set against the file size and the parsed data.
/// </summary>
public static class ReadBenchmark
{
    /// <summary>Rows per individual of <see cref="WriteSample"/>: one dose, then samples.</summary>
    public const int RowsPerIndividual = 21;

    /// <summary>Writes about <paramref name="bytes"/> bytes of event table to <paramref name="path"/> (streamed: memory stays small). Returns the number of data rows.</summary>
    public static long WriteSample(string path, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        // StableRandom: the stream new Random(1) gave on .NET 5-10, fixed by our code (the committed bench read figures used it).
        var rng = new StableRandom(1);
        long rows = 0;
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        w.WriteLine("ID,TIME,DV,AMT,EVID,CMT,WT");
        for (var id = 1; w.BaseStream.Position < bytes; id++)
        {
            var wt = (50 + 40 * rng.NextDouble()).ToString("F1", CultureInfo.InvariantCulture);
            w.Write(id); w.Write(",0,.,100,1,1,"); w.WriteLine(wt);
            for (var j = 1; j < RowsPerIndividual; j++)
            {
                w.Write(id); w.Write(',');
                w.Write((0.5 * j).ToString("R", CultureInfo.InvariantCulture)); w.Write(',');
                w.Write((10 * Math.Exp(-0.1 * j) * (1 + 0.1 * rng.NextDouble())).ToString("G5", CultureInfo.InvariantCulture));
                w.Write(",0,0,2,"); w.WriteLine(wt);
            }
            rows += RowsPerIndividual;
        }
        return rows;
    }

    /// <summary>
    /// Reads <paramref name="path"/> once and measures it; <paramref name="rows"/> is reported as given. With
    /// <paramref name="baseline"/>, then holds the file as split lines (what the reader held before streaming) and
    /// records that peak too (the process's peak only grows, so the baseline runs second).
    /// </summary>
    public static ReadBenchmarkResult Run(string path, long rows, bool baseline = false)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        var clock = Stopwatch.StartNew();
        var result = NonmemCsv.Read(path);
        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var peak = process.PeakWorkingSet64;
        var parsed = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        var individuals = result.Studies.Sum(s => s.Individuals.Count);
        GC.KeepAlive(result);
        result = null;
        long held = 0;
        if (baseline)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            using (var reader = new StreamReader(path))
            {
                var lines = CsvLines.Read(reader, path);
                GC.KeepAlive(lines);
            }
            process.Refresh();
            held = process.PeakWorkingSet64;
        }
        return new ReadBenchmarkResult(new FileInfo(path).Length, rows, individuals, seconds, peak, before, parsed, held);
    }
}
