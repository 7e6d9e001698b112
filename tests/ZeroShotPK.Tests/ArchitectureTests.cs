using System.Text.RegularExpressions;
using ZeroShotPK.Tests.Data;

namespace ZeroShotPK.Tests;

/// <summary>
/// The library's folders follow the data flow (docs/architecture.md): a folder may use only the folders before it in
/// <see cref="Order"/>. A new upward reference (a model reading Training, evaluation reading a method's internals)
/// fails here, naming the file, so the cycles issue #14 removed cannot come back unnoticed.
/// </summary>
public partial class ArchitectureTests
{
    /// <summary>Top-level folders of src/ZeroShotPK, each a namespace, in data-flow order.</summary>
    public static readonly string[] Order =
        ["Torch", "Data", "Analysis", "Simulation", "Priors", "Pbpk", "Models", "Training", "Inference", "Evaluation", "Charts", "Notebooks"];

    private static string Library => DataFiles.Path("src/ZeroShotPK");

    [Fact]
    public void EveryFolderUsesOnlyTheFoldersBeforeIt()
    {
        var files = Directory.GetDirectories(Library).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj"))
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Library, folder!), "*.cs", SearchOption.AllDirectories)
                .Select(path => (Folder: folder!, Path: path, Text: File.ReadAllText(path))))
            .ToArray();
        var unplaced = files.Select(f => f.Folder).Distinct().Where(f => !Order.Contains(f)).ToArray();
        Assert.True(unplaced.Length == 0, $"folders not placed in the data-flow order (add them to ArchitectureTests.Order and docs/architecture.md): {string.Join(", ", unplaced)}");
        // The scan reads namespaces, so each file must live in its folder's namespace.
        var misplaced = files.Where(f => !Regex.IsMatch(f.Text, $@"^namespace ZeroShotPK\.{f.Folder}(\.|;)", RegexOptions.Multiline))
            .Select(f => Path.GetRelativePath(Library, f.Path)).ToArray();
        Assert.True(misplaced.Length == 0, $"files outside their folder's namespace: {string.Join(", ", misplaced)}");
        var types = files.GroupBy(f => f.Folder).ToDictionary(g => g.Key, g => g.SelectMany(f => DeclaredTypes(f.Text)).ToHashSet());
        var upward = files.SelectMany(f => UpwardReferences(f.Folder, f.Text, types).Select(to => $"{Path.GetRelativePath(Library, f.Path)} uses {to}")).ToArray();
        Assert.True(upward.Length == 0, "upward dependencies (a folder may use only those before it in " + string.Join(" -> ", Order) + "):\n" + string.Join("\n", upward));
    }

    [Fact]
    public void TheScanSeesUsingsQualifiedNamesAndPartiallyQualifiedTypes()
    {
        var types = new Dictionary<string, HashSet<string>> { ["Training"] = ["Pretrainer"], ["Inference"] = ["IPredictor"], ["Pbpk"] = ["PopulationMetrics"] };
        Assert.Equal(["Training"], UpwardReferences("Models", "using ZeroShotPK.Training;\nnamespace ZeroShotPK.Models.Neural;", types));
        Assert.Equal(["Inference"], UpwardReferences("Models", "namespace ZeroShotPK.Models;\n/// <see cref=\"ZeroShotPK.Inference.IPredictor\"/>", types));
        Assert.Equal(["Training"], UpwardReferences("Models", "namespace ZeroShotPK.Models;\nclass A { object o = Training.Pretrainer.X; }", types));
        // Downward references, plain comments and members that merely share a folder's name are not dependencies.
        Assert.Empty(UpwardReferences("Evaluation", "namespace ZeroShotPK.Evaluation;\nclass A { double d = Pbpk.PopulationMetrics.Auc(); }", types));
        Assert.Empty(UpwardReferences("Models", "namespace ZeroShotPK.Models;\n// see ZeroShotPK.Training\nclass A { void F() { Training.Validate(); } }", types));
    }

    private static IEnumerable<string> DeclaredTypes(string text) =>
        TypeDeclaration().Matches(text).Select(m => m.Groups[1].Value);

    /// <summary>The folders after <paramref name="folder"/> in <see cref="Order"/> that <paramref name="text"/> refers to.</summary>
    private static IReadOnlyList<string> UpwardReferences(string folder, string text, IReadOnlyDictionary<string, HashSet<string>> types)
    {
        // Plain comments may mention anything; XML doc comments bind to types (cref), so they count.
        var code = string.Join('\n', text.Split('\n').Where(l => !l.TrimStart().StartsWith("//") || l.TrimStart().StartsWith("///")));
        int rank = Array.IndexOf(Order, folder);
        return Order.Skip(rank + 1).Where(later =>
            Regex.IsMatch(code, $@"\bZeroShotPK\.{later}\b")
            || (types.TryGetValue(later, out var declared) && Regex.Matches(code, $@"(?<![\w.]){later}\.(\w+)").Any(m => declared.Contains(m.Groups[1].Value))))
            .ToArray();
    }

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+(\w+)")]
    private static partial Regex TypeDeclaration();
}
