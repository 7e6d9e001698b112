using System.Text.RegularExpressions;
using System.Security.Cryptography;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests.Robustness;

/// <summary>
/// Hostile command lines (issue #15): each must fail with exit code 1 and one error line naming the option, file,
/// line or column and what was expected, never a stack trace, and before any work is done.
/// </summary>
public sealed class CommandLineRobustnessTests : IDisposable
{
    private readonly string dir = Hostile.TempFolder();
    private static string Theophylline => DataFiles.Path("data/theophylline.csv");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Copy(string name, Func<string[], IEnumerable<string>>? edit = null)
    {
        var path = Path.Combine(dir, name);
        var lines = File.ReadAllLines(Theophylline);
        File.WriteAllLines(path, edit is null ? lines : edit(lines));
        return path;
    }

    [Theory]
    [InlineData("data", "summary")]
    [InlineData("predict")]
    [InlineData("evaluate")]
    public void AFolderAsDataIsNamedAsAFolder(params string[] command)
    {
        var extra = command[0] switch
        {
            "predict" => new[] { "--id", "1", "--times", "0:1:4", "--out", Path.Combine(dir, "p.csv") },
            "evaluate" => ["--method", "population", "--out", Path.Combine(dir, "e")],
            _ => [],
        };
        var line = Hostile.AssertError(Hostile.Run([.. command, "--data", dir, .. extra]), 1, dir, "a folder");
        Assert.DoesNotContain("Access to the path", line);
    }

    [Fact]
    public void AnOutFileInAFolderThatDoesNotExistYetIsWritten()
    {
        // README's tour writes out/studies.csv on a fresh clone, where out/ does not exist (issue #16).
        var path = Path.Combine(dir, "new", "sub", "studies.csv");
        var (code, output) = Hostile.Run("simulate", "--prior", "default", "--studies", "2", "--seed", "1", "--out", path);
        Assert.True(code == 0, output);
        Assert.True(File.Exists(path), output);
    }

    [Fact]
    public void AMistypedOptionIsAnErrorThatSuggestsTheRealOne()
    {
        var result = Hostile.Run("predict", "--data", Theophylline, "--id", "2", "--times", "0:1:4", "--out", Path.Combine(dir, "p.csv"), "--methd", "nlme");
        Hostile.AssertError(result, 1, "unknown option '--methd'", "did you mean '--method'?");
        Assert.False(File.Exists(Path.Combine(dir, "p.csv")));
    }

    [Fact]
    public void AnOptionTheCommandDoesNotHaveIsAnErrorNotIgnored()
    {
        // data summary has no --device (no tensors): an option a command lacks used to be ignored without a word.
        Hostile.AssertError(Hostile.Run("data", "summary", "--data", Theophylline, "--device", "cuda"),
            1, "'zspk data summary'", "unknown option '--device'");
    }

    [Theory]
    [InlineData("'zspk predict': missing required options --data <FILE>, --id <ID>, --times <A:STEP:B> and --out <FILE> (see 'zspk predict --help').", "predict")]
    [InlineData("'zspk predict': missing required options --times <A:STEP:B> and --out <FILE> (see 'zspk predict --help').", "predict", "--data", "data/theophylline.csv", "--id", "2")]
    [InlineData("'zspk evaluate': missing required options --data <FILE> (or --benchmark <FOLDER>) and --out <DIR> (see 'zspk evaluate --help').", "evaluate", "--method", "nlme")]
    [InlineData("'zspk evaluate': missing required option --out <DIR> (see 'zspk evaluate --help').", "evaluate", "--benchmark", "data/benchmark")]
    [InlineData("'zspk pbpk population': missing required option --out <FILE> (or --report) (see 'zspk pbpk population --help').", "pbpk", "population")]
    [InlineData("'zspk pbpk simulate': missing required options --compound <FILE|NAME>, --dose <AMOUNT> and --out <FILE> (see 'zspk pbpk simulate --help').", "pbpk", "simulate")]
    [InlineData("'zspk data summary': missing required option --data <FILE> (see 'zspk data summary --help').", "data", "summary")]
    public void EveryMissingRequiredOptionIsNamedInOneSentence(string expected, params string[] args)
    {
        var (code, output) = Hostile.Run(args);
        Assert.Equal(1, code);
        Assert.Equal("error: " + expected, output.Trim());
    }

    [Fact]
    public void TheHelpMarksRequiredOptions()
    {
        var (code, output) = ZspkProcess.RunFlat(200, "predict", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--id <ID> Individual to predict; the others are the context. Required", output);
        Assert.Contains("--out <FILE> Output CSV: METHOD,ID,TIME,PRED,LO90,HI90. Required", output);
    }

    [Fact]
    public void VersionPrintsTheVersionAndTheCommitItWasBuiltFrom()
    {
        foreach (var flag in new[] { "--version", "-v" })
        {
            var (code, output) = ZspkProcess.Run(200, flag);
            Assert.Equal(0, code);
            Assert.Matches(@"^zspk \d+\.\d+\.\d+ \((git commit [0-9a-f]{40}|git commit unknown: not built from a git checkout)\)\n$", output);
        }
        Assert.Equal("zspk 1.0.0 (git commit 2a512d500eb2e94f621ac19c6ab5c1c6aa172030)", ZeroShotPK.Cli.ZspkVersion.Describe("1.0.0+2a512d500eb2e94f621ac19c6ab5c1c6aa172030"));
        Assert.Equal("zspk 1.2.3 (git commit unknown: not built from a git checkout)", ZeroShotPK.Cli.ZspkVersion.Describe("1.2.3"));
    }

    [Fact]
    public void EveryCommandRefusesAnUnknownOption()
    {
        ZspkApp.Create(); // registers the commands, as zspk does at start
        Assert.Equal(25, ZeroShotPK.Cli.CommandLineCheck.Paths.Count); // compare-runs was the 19th; bench read, pbpk forecast-train, forecast and forecast-eval the 20th-23rd; pbpk real-drugs the 24th; compare-seeds the 25th
        foreach (var path in ZeroShotPK.Cli.CommandLineCheck.Paths)
        {
            var args = path.Split(' ').Append("--no-such-option").ToArray();
            Hostile.AssertError(Hostile.Run(args), 1, $"'zspk {path}'", "unknown option '--no-such-option'");
        }
    }

    // Every command's --help, wide enough that no option row wraps; run once for the tests that read them.
    private static readonly Lazy<IReadOnlyDictionary<string, string>> HelpTexts = new(() =>
    {
        ZspkApp.Create();
        var texts = new Dictionary<string, string>();
        foreach (var path in ZeroShotPK.Cli.CommandLineCheck.Paths)
        {
            var (code, help) = Hostile.Run(new Dictionary<string, string> { ["COLUMNS"] = "400" }, [.. path.Split(' '), "--help"]);
            Assert.True(code == 0, $"zspk {path} --help exited {code}:\n{help}");
            texts[path] = help;
        }
        return texts;
    });

    [Fact]
    public void ThreadsAndDeviceMeanTheSameAndDefaultTheSameInEveryCommand()
    {
        // They used to default to 1, 2 or all cores and to cpu or auto, depending on the command.
        var threads = new Dictionary<string, string>();
        var device = new Dictionary<string, string>();
        static string? Row(string help, string option) => help.Split('\n').Select(l => Regex.Replace(l.Trim(), @"\s+", " "))
            .FirstOrDefault(l => l.StartsWith(option, StringComparison.Ordinal));
        foreach (var (path, help) in HelpTexts.Value)
        {
            if (Row(help, "--threads <N>") is { } t) threads[path] = t;
            if (Row(help, "--device <DEVICE>") is { } d) device[path] = d;
        }
        Assert.True(threads.Count >= 9, $"--threads in {threads.Count} commands: {string.Join(", ", threads.Keys)}");
        Assert.True(device.Count >= 8, $"--device in {device.Count} commands: {string.Join(", ", device.Keys)}");
        Assert.Single(threads.Values.Distinct());
        Assert.Contains("(default all cores;", threads.Values.First());
        Assert.Single(device.Values.Distinct());
        Assert.Contains("(default auto", device.Values.First());
        // Every command with --device also has --threads.
        Assert.Empty(device.Keys.Except(threads.Keys));
    }

    [Fact]
    public void DefaultsAreShownOneWayInEveryCommandsHelp()
    {
        // They were shown three ways: a DEFAULT column, "(default X)" and "(default: X)" in the text.
        foreach (var help in HelpTexts.Value.Values)
        {
            Assert.DoesNotContain("DEFAULT", help);
            Assert.DoesNotContain("(default:", help);
        }
        Assert.Contains("(default 1000)", HelpTexts.Value["evaluate"]);
        Assert.Contains("(default focei)", HelpTexts.Value["evaluate"]);
    }

    [Theory]
    [InlineData("--known", "abc", "--known: expected a whole number")]
    [InlineData("--seed", "1.5", "--seed: expected a whole number")]
    [InlineData("--threads", "many", "--threads: expected a whole number")]
    [InlineData("--threads", "100000", "--threads: expected 1 to 256, got 100000")]
    [InlineData("--threads", "0", "--threads: expected 1 to 256, got 0")]
    public void ABadValueNamesTheOptionAndTheTypeExpected(string option, string value, string expected)
    {
        var line = Hostile.AssertError(Hostile.Run("predict", "--data", Theophylline, "--id", "2", "--times", "0:1:4", "--out", Path.Combine(dir, "p.csv"), option, value),
            1, expected, $"'{value}'".Replace("'100000'", "100000").Replace("'0'", "0"));
        Assert.DoesNotContain("Nullable", line);
        Assert.DoesNotContain("Int32", line);
    }

    [Fact]
    public void ADoubleOptionRefusesText()
    {
        Hostile.AssertError(Hostile.Run("pbpk", "simulate", "--compound", "theophylline", "--dose", "lots", "--out", Path.Combine(dir, "x.csv")),
            1, "--dose: expected a finite number", "'lots'");
    }

    [Fact]
    public void AStrayArgumentIsAnError()
    {
        Hostile.AssertError(Hostile.Run("data", "summary", "--data", Theophylline, "extra"), 1, "unexpected argument 'extra'");
    }

    [Fact]
    public void TimesBeforeTheFirstDoseAreRefusedNotPredicted()
    {
        var output = Path.Combine(dir, "p.csv");
        Hostile.AssertError(Hostile.Run("predict", "--data", Theophylline, "--id", "2", "--times", "-5:1:8", "--out", output),
            1, "--times -5:1:8", "before individual 2's first dose at 0");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void AnIndividualWithoutDosesIsNotPredicted()
    {
        // Individual 1's dose row removed: it used to get a positive concentration from nowhere.
        var data = Copy("nodose.csv", lines => lines.Where(l => !l.StartsWith("1,0,.,", StringComparison.Ordinal)));
        Assert.NotEqual(File.ReadAllLines(Theophylline).Length, File.ReadAllLines(data).Length);
        Hostile.AssertError(Hostile.Run("predict", "--data", data, "--id", "1", "--times", "0:1:4", "--out", Path.Combine(dir, "p.csv")),
            1, data, "individual 1 has no dose");
    }

    [Fact]
    public void PredictTakesOneMethodAndSaysSo()
    {
        // "all" used to end in "Sequence contains more than one element".
        Hostile.AssertError(Hostile.Run("predict", "--data", Theophylline, "--id", "2", "--times", "0:1:4", "--method", "all", "--out", Path.Combine(dir, "p.csv")),
            1, "--method all: predict runs one method", "zspk evaluate compares several");
        Hostile.AssertError(Hostile.Run("predict", "--data", Theophylline, "--id", "2", "--times", "0:1:4", "--method", "nlme,population", "--out", Path.Combine(dir, "p.csv")),
            1, "got 2 (nlme, population)");
    }

    [Fact]
    public void EvaluateRefusesAnIndividualWithoutDosesInsteadOfCrashing()
    {
        // Individual 1's dose row removed: aicmet used to fail with a null reference, population with "prediction 0".
        var data = Copy("nodose-eval.csv", lines => lines.Where(l => !l.StartsWith("1,0,.,", StringComparison.Ordinal)));
        foreach (var method in new[] { "aicmet", "population" })
            Hostile.AssertError(Hostile.Run("evaluate", "--data", data, "--method", method, "--threads", "1", "--out", Path.Combine(dir, "ev-" + method)),
                1, "individual 1", "no dose");
    }

    [Fact]
    public void AnEvaluationWithNothingToScoreSaysSo()
    {
        // Every sample BLQ (LLOQ 50 mg/L): the scores are NaN, and the run says why instead of exiting silently.
        var data = Copy("allblq.csv", lines => lines.Select((l, i) => i == 0 ? l + ",BLQ,LLOQ" : l.Split(',')[4] == "0" ? l + ",1,50" : l + ",0,."));
        var (code, output) = Hostile.Run("evaluate", "--data", data, "--method", "aicmet-nocontext", "--threads", "1", "--out", Path.Combine(dir, "ev-blq"));
        Assert.True(code == 0, output);
        Assert.Contains("none of the 84 held-out observations can be scored", output.ReplaceLineEndings(" ").Replace("  ", " "));
        Assert.Contains("aicmet-nocontext,allblq,0,NaN,NaN", File.ReadAllText(Path.Combine(dir, "ev-blq", "summary.csv")));
    }

    [Fact]
    public void ThePrintedCountOfKnownSamplesIsTheRealOne()
    {
        // Individual 1 keeps 2 of its 11 samples; --known 4 reveals those 2, and the line says 2.
        int kept = 0;
        var data = Copy("two.csv", lines => lines.Where(l => !l.StartsWith("1,", StringComparison.Ordinal) || l.StartsWith("1,0,.,", StringComparison.Ordinal) || ++kept <= 2));
        var (code, output) = Hostile.Run("predict", "--data", data, "--id", "1", "--times", "0:1:4", "--out", Path.Combine(dir, "p.csv"), "--method", "population", "--known", "4");
        Assert.True(code == 0, output);
        Assert.Contains("(2 known, 11 in context)", output);
        (code, output) = Hostile.Run("predict", "--data", data, "--id", "2", "--times", "0:1:4", "--out", Path.Combine(dir, "p.csv"), "--force", "--method", "population", "--known", "0");
        Assert.True(code == 0, output);
        Assert.Contains("(0 known, 11 in context)", output);
    }

    [Fact]
    public void TheInputCanNeverBeTheOutput()
    {
        var data = Copy("in.csv");
        var before = SHA256.HashData(File.ReadAllBytes(data));
        Hostile.AssertError(Hostile.Run("predict", "--data", data, "--id", "2", "--times", "0:1:4", "--out", data), 1, $"--out {data} is also --data");
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(data)));
    }

    [Fact]
    public void OutIsCheckedBeforeTheWork()
    {
        var data = Copy("in.csv");
        // A folder where a file is expected, a file where a folder is expected, a file in the middle of the path.
        Hostile.AssertError(Hostile.Run("predict", "--data", data, "--id", "2", "--times", "0:1:4", "--out", dir), 1, $"--out {dir}: a folder; expected a file");
        Hostile.AssertError(Hostile.Run("evaluate", "--data", data, "--method", "nlme", "--out", data), 1, $"--out {data}: a file; expected a folder");
        var below = Path.Combine(data, "sub", "p.csv");
        Hostile.AssertError(Hostile.Run("predict", "--data", data, "--id", "2", "--times", "0:1:4", "--out", below), 1, $"{data} is a file");
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void AnEnormousAddlIsALocatedError()
    {
        var data = Copy("addl.csv", lines => lines.Select((l, i) => i == 0 ? l + ",II,ADDL" : l.StartsWith("1,0,.,", StringComparison.Ordinal) ? l + ",24,1000000000" : l + ",.,."));
        Hostile.AssertError(Hostile.Run("data", "summary", "--data", data), 1, $"{data}, line 2, column ADDL", "expected a count between 0 and 10000");
    }

    [Fact]
    public void Latin1BytesAreALocatedErrorNotReplacementCharacters()
    {
        var path = Path.Combine(dir, "latin1.csv");
        var bytes = new List<byte>(System.Text.Encoding.ASCII.GetBytes("ID,TIME,DV,AMT,SITE\n1,0,.,100,a\n1,1,2.5,0,"));
        bytes.Add(0xE9); // 'é' in Latin-1, not UTF-8
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes("t\n"));
        File.WriteAllBytes(path, bytes.ToArray());
        Hostile.AssertError(Hostile.Run("data", "summary", "--data", path), 1, $"{path}, line 3: byte 11 of the line is not UTF-8 text");
    }

    [Fact]
    public void AMissingShippedCheckpointIsNamed()
    {
        // ZSPK_DATA points at a folder without checkpoints: it used to say "Value cannot be null. (Parameter 'path1')".
        var env = new Dictionary<string, string> { ["ZSPK_DATA"] = dir };
        Hostile.AssertError(Hostile.Run(env, "predict", "--data", Theophylline, "--id", "2", "--times", "0:1:4", "--out", Path.Combine(dir, "p.csv")),
            1, "method 'aicmet' needs", "--checkpoint");
    }

    [Fact]
    public void HelpStillWorks()
    {
        var (code, output) = Hostile.Run("predict", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--method", output);
    }

    [Fact]
    public void APipedTableKeepsEachRowOnOneLine()
    {
        // No terminal and no $COLUMNS (a pipe, a CI log): Spectre would lay the table out at 80 columns and split numbers.
        var dir = Hostile.TempFolder();
        try
        {
            var (code, output) = ZspkProcess.Run(0, "evaluate", "--data", DataFiles.Path("data/indometacin.csv"), "--method", "population", "--out", Path.Combine(dir, "ev"));
            Assert.True(code == 0, output);
            var row = output.Split('\n').Single(l => l.Contains("population") && l.Contains("indometacin") && l.Contains('│'));
            Assert.Matches(@"│ population +│ indometacin +│ 6 +│ 0\.3301 +│ 0\.905 +│", row); // 0.3439 with fold seed + f; population draws its median from seeded samples
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("predict")]
    [InlineData("evaluate")]
    [InlineData("diagnose")]
    public void EveryMethodCommandTakesDeviceAndRefusesOneItCannotUse(string command)
    {
        // --device means the same on every command that runs a method; an unknown value, or CUDA on this CPU build, is
        // refused before any work, even when the chosen method (nlme) has no network.
        var dir = Hostile.TempFolder();
        try
        {
            string[] common = [command, "--data", DataFiles.Path("data/theophylline.csv"), "--method", "nlme", "--out", Path.Combine(dir, command == "predict" ? "p.csv" : "out")];
            string[] extra = command == "predict" ? ["--id", "2", "--times", "1:1:3"] : [];
            var (code, output) = ZspkProcess.RunFlat(200, [.. common, .. extra, "--device", "tpu"]);
            Assert.Equal(1, code);
            Assert.Contains("error: --device: expected auto, cpu or cuda, got 'tpu'.", output);
            (code, output) = ZspkProcess.RunFlat(200, [.. common, .. extra, "--device", "cuda"]);
            Assert.Equal(1, code);
            Assert.Contains("error: --device cuda: CUDA is not available in this process.", output);
            Assert.False(Directory.EnumerateFileSystemEntries(dir).Any(), "nothing written before the refusal");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
