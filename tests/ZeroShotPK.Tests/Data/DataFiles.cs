using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Data;

/// <summary>Paths of the bundled datasets and small helpers for in-memory CSV.</summary>
internal static class DataFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    public static NonmemReadResult Read(string csv, string source = "test.csv") =>
        NonmemCsv.Read(new StringReader(csv), source);

    public static string Write(IEnumerable<Study> studies)
    {
        var sw = new StringWriter();
        NonmemCsv.Write(sw, studies);
        return sw.ToString();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ZeroShotPK.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (ZeroShotPK.sln) not found above " + AppContext.BaseDirectory);
    }
}
