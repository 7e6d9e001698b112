using ZeroShotPK.Cli;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests;

/// <summary>
/// Every <c>zspk</c> command line shown in README.md runs and succeeds (issue #16), as a user would type it: from a
/// folder that holds the repository's <c>data/</c>, writing under <c>out/</c> there. Long jobs sit in a fenced block
/// preceded by <c>&lt;!-- readme-test: skip: REASON --&gt;</c>: they are not run, but their options are checked the way
/// zspk checks them before any work (so a renamed option cannot hide in a README line), as are the <c>zspk</c> lines
/// of every other Markdown file of the repository.
/// </summary>
public sealed class ReadmeCommandTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"zspk-readme-{Guid.NewGuid():N}");

    public ReadmeCommandTests()
    {
        Directory.CreateDirectory(dir);
        Directory.CreateSymbolicLink(Path.Combine(dir, "data"), DataFiles.Path("data"));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true); // deletes the link, not the repository's data

    private static List<ShownCommand> Readme() =>
        ShownCommands.Parse(File.ReadAllText(DataFiles.Path("README.md")), "README.md");

    /// <summary>The README's commands that run (not in a block marked skip), by their text.</summary>
    public static TheoryData<string> TourCommands()
    {
        var data = new TheoryData<string>();
        foreach (var c in Readme().Where(c => c.SkipReason is null)) data.Add(c.Text);
        return data;
    }

    [Theory]
    [MemberData(nameof(TourCommands))]
    public void EveryReadmeCommandSucceeds(string command)
    {
        var shown = Readme().First(c => c.Text == command);
        var (code, output) = ZspkProcess.RunIn(dir, 120, shown.Args);
        Assert.True(code == 0, $"README.md line {shown.LineNumber}: '{command}' exited with {code}:\n{output}");
        Assert.DoesNotContain("error:", output);
    }

    [Fact]
    public void TheTourStartsWithPredictAndWritesNothingIntoTheRepository()
    {
        var run = Readme().Where(c => c.SkipReason is null).ToList();
        Assert.True(run.Count >= 5, $"README.md shows {run.Count} commands to run; expected the tour");
        Assert.Equal("predict", run[0].Args[0]);
        foreach (var c in run)
            for (int i = 0; i + 1 < c.Args.Length; i++)
                if (c.Args[i] == "--out")
                    Assert.True(c.Args[i + 1].StartsWith("out/", StringComparison.Ordinal),
                        $"README.md line {c.LineNumber}: --out {c.Args[i + 1]}; the tour writes under out/ (ignored by git), never into data/");
    }

    [Fact]
    public void SkippedReadmeCommandsSayWhy()
    {
        var skipped = Readme().Where(c => c.SkipReason is not null).ToList();
        Assert.NotEmpty(skipped);
        Assert.All(skipped, c => Assert.False(string.IsNullOrWhiteSpace(c.SkipReason)));
    }

    /// <summary>Every zspk line of every Markdown file (README's skipped long jobs included) names a command and options it has.</summary>
    [Fact]
    public void EveryZspkLineInTheMarkdownFilesHasValidOptions()
    {
        ZspkApp.Create(); // registers the commands, as zspk does at start
        var problems = new List<string>();
        int checkedLines = 0;
        foreach (var file in MarkdownFiles())
        {
            var relative = Path.GetRelativePath(DataFiles.Root, file);
            foreach (var c in ShownCommands.Parse(File.ReadAllText(file), relative))
            {
                checkedLines++;
                var path = CommandLineCheck.Paths.Where(p => c.Args.Take(p.Split(' ').Length).SequenceEqual(p.Split(' ')))
                    .OrderByDescending(p => p.Length).FirstOrDefault();
                if (path is null && c.Args is not ["--help"] and not ["--version"])
                {
                    problems.Add($"{relative}:{c.LineNumber}: '{c.Text}' names no zspk command");
                    continue;
                }
                try { CommandLineCheck.Check(c.Args); }
                catch (UsageException e) { problems.Add($"{relative}:{c.LineNumber}: '{c.Text}': {e.Message}"); }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(checkedLines >= 15, $"only {checkedLines} zspk lines found in the Markdown files");
    }

    [Fact]
    public void TheReadmeTestCommandIsTheOneCiRuns()
    {
        var readme = File.ReadAllText(DataFiles.Path("README.md"));
        Assert.Contains("\nbash environment/quickstart.sh ", readme);
        Assert.Contains("\nbash environment/test.sh ", readme);
        Assert.Contains("exec bash environment/test.sh", File.ReadAllText(DataFiles.Path(".ci/run")));
    }

    [Fact]
    public void TheParserReadsMarkersCommentsAndRefusesWhatAShellWouldReadOtherwise()
    {
        const string md = "text\n```bash\nzspk() { dotnet run; }\nzspk a --b c   # note\n```\n\n" +
                          "<!-- readme-test: skip: slow -->\n```bash\nzspk d\n```\n```\nzspk e\n```\n";
        var shown = ShownCommands.Parse(md, "t.md");
        Assert.Equal(["zspk a --b c", "zspk d", "zspk e"], shown.Select(c => c.Text));
        Assert.Equal(["a", "--b", "c"], shown[0].Args);
        Assert.Equal(new string?[] { null, "slow", null }, shown.Select(c => c.SkipReason));
        Assert.Equal(4, shown[0].LineNumber);

        var noReason = Assert.Throws<FormatException>(() => ShownCommands.Parse("<!-- readme-test: skip: -->\n```\nzspk a\n```\n", "t.md"));
        Assert.Equal("t.md:1: a skip marker needs a reason: <!-- readme-test: skip: REASON -->.", noReason.Message);
        var stray = Assert.Throws<FormatException>(() => ShownCommands.Parse("<!-- readme-test: skip: slow -->\ntext\n", "t.md"));
        Assert.Equal("t.md:1: the skip marker must stand right before a fenced block.", stray.Message);
        var quoted = Assert.Throws<FormatException>(() => ShownCommands.Parse("```\nzspk a --b \"x y\"\n```\n", "t.md"));
        Assert.Equal("t.md:2: 'zspk a --b \"x y\"' uses shell syntax (quotes, $, pipes or redirection) the test cannot run as written.", quoted.Message);
    }

    private static IEnumerable<string> MarkdownFiles()
    {
        string[] skip = ["bin", "obj", ".git", "out", "runs", "TestResults", "node_modules", "artifacts"];
        var pending = new Stack<string>([DataFiles.Root]);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            foreach (var f in Directory.GetFiles(folder, "*.md")) yield return f;
            foreach (var d in Directory.GetDirectories(folder))
                if (!skip.Contains(Path.GetFileName(d))) pending.Push(d);
        }
    }
}

/// <summary>A <c>zspk</c> command line in a fenced block of a Markdown file: its text without the comment, its arguments, and why it is not run (null: it is run).</summary>
internal sealed record ShownCommand(int LineNumber, string Text, string[] Args, string? SkipReason);

/// <summary>Finds the <c>zspk ...</c> lines of a Markdown file's fenced blocks and the skip markers before them.</summary>
internal static class ShownCommands
{
    private const string Marker = "<!-- readme-test:";
    private const string SkipMarker = "<!-- readme-test: skip:";

    /// <exception cref="FormatException">A marker without a reason or not before a block, or a line with shell syntax.</exception>
    public static List<ShownCommand> Parse(string markdown, string file)
    {
        var shown = new List<ShownCommand>();
        var lines = markdown.Split('\n');
        bool inFence = false;
        string? skip = null;
        (string Reason, int Line)? pending = null;
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                skip = inFence ? pending?.Reason : null;
                pending = null;
                continue;
            }
            if (!inFence)
            {
                if (pending is { } p && line.Length > 0) throw new FormatException($"{file}:{p.Line}: the skip marker must stand right before a fenced block.");
                if (line.StartsWith(Marker, StringComparison.Ordinal)) pending = (ReasonOf(line, file, i + 1), i + 1);
                continue;
            }
            if (!line.StartsWith("zspk ", StringComparison.Ordinal)) continue;
            int hash = line.IndexOf(" #", StringComparison.Ordinal);
            var text = (hash < 0 ? line : line[..hash]).Trim();
            if (text.IndexOfAny(['"', '\'', '$', '|', ';', '&', '<', '>', '`', '(', ')', '*']) >= 0)
                throw new FormatException($"{file}:{i + 1}: '{text}' uses shell syntax (quotes, $, pipes or redirection) the test cannot run as written.");
            var args = text.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
            shown.Add(new ShownCommand(i + 1, text, args, skip));
        }
        if (pending is { } last) throw new FormatException($"{file}:{last.Line}: the skip marker must stand right before a fenced block.");
        return shown;
    }

    private static string ReasonOf(string line, string file, int number)
    {
        if (!line.StartsWith(SkipMarker, StringComparison.Ordinal) || !line.EndsWith("-->", StringComparison.Ordinal))
            throw new FormatException($"{file}:{number}: expected <!-- readme-test: skip: REASON -->, got '{line}'.");
        var reason = line[SkipMarker.Length..^3].Trim();
        if (reason.Length == 0) throw new FormatException($"{file}:{number}: a skip marker needs a reason: <!-- readme-test: skip: REASON -->.");
        return reason;
    }
}
