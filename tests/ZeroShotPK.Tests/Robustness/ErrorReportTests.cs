using System.Text.Json.Nodes;
using ZeroShotPK.Cli;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Robustness;

/// <summary>The top-level handler: every exception becomes one line and an exit code, with no .NET type or stack trace.</summary>
public sealed class ErrorReportTests
{
    [Fact]
    public void BadInputIsExitCodeOneWithTheMessageAsWritten()
    {
        Assert.Equal((1, "f.csv, line 3, column TIME: 'x' is not a number."), ErrorReport.Describe(new FormatException("f.csv, line 3, column TIME: 'x' is not a number.")));
        Assert.Equal((1, "--steps must be >= 1."), ErrorReport.Describe(new ArgumentException("--steps must be >= 1.", "steps")));
        Assert.Equal((1, "a.bin: damaged."), ErrorReport.Describe(new InvalidDataException("a.bin: damaged.")));
    }

    [Fact]
    public void FailuresInsideParallelWorkAreUnwrapped()
    {
        // A simulation failure inside Parallel.For (the study generator) arrives as an AggregateException.
        var inner = new InvalidOperationException("prior 'x', seed 3, individual 2: simulation failed (NotFinite: a concentration is not finite.).");
        Assert.Equal((1, inner.Message), ErrorReport.Describe(new AggregateException(new AggregateException(inner))));
    }

    [Fact]
    public void DotNetFileMessagesAreRewrittenToNameThePath()
    {
        var (code, message) = ErrorReport.Describe(new FileNotFoundException("Could not find file '/no/such.csv'.", "/no/such.csv"));
        Assert.Equal((1, "/no/such.csv: no such file."), (code, message));
        (code, message) = ErrorReport.Describe(new DirectoryNotFoundException("Could not find a part of the path '/no/such/dir/x.csv'."));
        Assert.Equal((1, "/no/such/dir/x.csv: no such folder (a part of the path does not exist)."), (code, message));
        (code, message) = ErrorReport.Describe(new UnauthorizedAccessException($"Access to the path '{Path.GetTempPath().TrimEnd('/')}' is denied."));
        Assert.Equal((1, $"{Path.GetTempPath().TrimEnd('/')}: a folder, where a file was expected."), (code, message));
        (code, message) = ErrorReport.Describe(new EndOfStreamException());
        Assert.Equal(1, code);
        Assert.DoesNotContain("Attempted to read past", message);
    }

    [Fact]
    public void AnUnexpectedFailureSaysItIsABugWithExitCode70()
    {
        var (code, message) = ErrorReport.Describe(new NullReferenceException());
        Assert.Equal(70, code);
        Assert.Contains("this is a bug", message);
        Assert.DoesNotContain("Exception", message);
    }

    [Fact]
    public void InterruptionIsExitCode130()
    {
        Assert.Equal(130, ErrorReport.Describe(new OperationCanceledException()).Code);
    }

    [Fact]
    public void AHugeFieldIsNotEchoedWhole()
    {
        var (_, message) = ErrorReport.Describe(new FormatException("f.csv, line 2: '" + new string('x', 10_000_000) + "' is not a number."));
        Assert.True(message.Length <= 600, $"{message.Length} characters");
    }

    [Theory]
    [InlineData("CL", 1e300)]
    [InlineData("V2", 1e300)]
    [InlineData("Q", 1e300)]
    [InlineData("Ka", 1e-300)]
    public void APriorThatWouldOverflowTheSimulatorIsRefusedBeforeSimulating(string parameter, double median)
    {
        var dir = Hostile.TempFolder();
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(DataFiles.Path("data/priors/default.json")))!.AsObject();
            node["TypicalValues"]![parameter]!["Median"] = median;
            node["Name"] = "extreme";
            var prior = Path.Combine(dir, "extreme.json");
            File.WriteAllText(prior, node.ToJsonString());
            var output = Path.Combine(dir, "s.csv");
            Hostile.AssertError(Hostile.Run("simulate", "--prior", prior, "--studies", "3", "--seed", "1", "--out", output),
                1, prior, $"$.TypicalValues.{parameter}.Median", "expected a number in [1E-06, 1000000]");
            Assert.False(File.Exists(output));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
