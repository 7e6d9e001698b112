using System.Globalization;
using System.Text.RegularExpressions;
using ZeroShotPK.Data;
using ZeroShotPK.Evaluation;

namespace ZeroShotPK.Tests.Robustness;

/// <summary>
/// Large datasets (issue #15: a 1.6 GB file took 15 GB to read): the reader streams lines into rows and rows into
/// individuals, so its peak memory is a small multiple of the studies it returns, not of the file held as text.
/// </summary>
public sealed class StreamingReadTests
{
    private static double Figure(string output, string row)
    {
        var m = Regex.Match(output, Regex.Escape(row) + @"\s*│\s*([0-9.]+)x");
        Assert.True(m.Success, $"no '{row}' row in:\n{output}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void BenchReadPeaksAtASmallMultipleOfTheParsedData()
    {
        // 50 MiB: large enough that the runtime's own ~50 MiB does not dominate. Before streaming: peak 20.6x the file and
        // 6.7x the parsed studies (200 MiB file, 4.1 GiB peak); after: 3.7x and 1.2x.
        var (code, output) = ZspkProcess.Run(200, "bench", "read", "--size-mb", "50");
        Assert.True(code == 0, output);
        Assert.Matches(@"file\s*│\s*50 MiB, [0-9,]+ rows, [0-9,]+ individuals", output);
        Assert.Contains("read time", output);
        Assert.InRange(Figure(output, "peak / parsed studies"), 0.5, 2.5);
        var peakOverFile = Figure(output, "peak / file size");
        Assert.InRange(peakOverFile, 0.5, 8);
        // The baseline row (the file held as split lines, as before streaming) needs several times more.
        var baseline = Regex.Match(output, @"baseline: peak with the file held as split lines\s*│\s*[0-9]+ MiB \(([0-9.]+)x the file");
        Assert.True(baseline.Success, output);
        Assert.True(double.Parse(baseline.Groups[1].Value, CultureInfo.InvariantCulture) > 2 * peakOverFile, output);
    }

    [Fact]
    public void BenchReadRefusesASizeOutOfRange()
    {
        var line = Hostile.AssertError(Hostile.Run("bench", "read", "--size-mb", "0"), 1);
        Assert.Contains("--size-mb: expected 1 to 100000, got 0.", line);
    }

    [Fact]
    public void AStreamedReadGivesTheStudiesOfTheWholeFile()
    {
        var dir = Hostile.TempFolder();
        try
        {
            var path = Path.Combine(dir, "events.csv");
            var rows = ReadBenchmark.WriteSample(path, 200_000);
            var studies = NonmemCsv.ReadStudies(path);
            var study = Assert.Single(studies);
            Assert.Equal(rows / ReadBenchmark.RowsPerIndividual, study.Individuals.Count);
            Assert.All(study.Individuals, i =>
            {
                Assert.Single(i.Doses);
                Assert.Equal(ReadBenchmark.RowsPerIndividual - 1, i.Observations.Count);
                Assert.True(i.Covariates.ContainsKey("WT"));
            });
            Assert.Equal(["1", "2", "3"], study.Individuals.Take(3).Select(i => i.Id));
            // Golden: the bytes new Random(1) gave on .NET 10 (docs/results.md's bench read figures came from this stream).
            Assert.Equal(GoldenSampleRows, rows);
            Assert.Equal(GoldenSampleSha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))[..32]);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private const long GoldenSampleRows = 10689;
    private const string GoldenSampleSha256 = "e5a31d70feb0169131d1fb06e5bf2cb7"; // first 32 hex digits

    [Theory]
    [InlineData("1,0.5,3.2")]
    [InlineData(" 1 , 0.5 ,\t3.2 ")]
    [InlineData("1,,.,")]
    [InlineData(",")]
    [InlineData("ID 7,x y,é")]
    public void TheUnquotedFastPathSplitsAsTheQuotedPathDoes(string line)
    {
        // The same line with a quoted empty field appended goes through the general loop: the fields before it must agree.
        var fast = CsvLines.Read(new StringReader(line), "t.csv").Single().Fields;
        var general = CsvLines.Read(new StringReader(line + ",\"\""), "t.csv").Single().Fields;
        Assert.Equal(general[..^1], fast);
        Assert.Equal(line.Split(',').Select(f => f.Trim()), fast);
    }

    [Fact]
    public void AnErrorLateInAStreamedFileStillNamesItsLineAndColumn()
    {
        var dir = Hostile.TempFolder();
        try
        {
            var path = Path.Combine(dir, "events.csv");
            var rows = ReadBenchmark.WriteSample(path, 100_000);
            File.AppendAllText(path, "999999,1,abc,0,0,2,70\n");
            var e = Assert.Throws<DatasetFormatException>(() => NonmemCsv.ReadStudies(path));
            Assert.Equal(rows + 2, e.Line);
            Assert.Equal("DV", e.Column);
            Assert.Contains("'abc' is not a number", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
