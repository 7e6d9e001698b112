namespace ZeroShotPK.Data;

// TEMPORARY: stands in for NonmemCsv (branch data) so the CLI compiles; delete this file when merging data.
internal static class NonmemCsv
{
    public static Study ReadStudy(string path) => throw new NotImplementedException($"reading '{path}': the NonmemCsv reader (branch data) is not merged into this build.");
    public static IReadOnlyList<Study> ReadStudies(string path) => ReadStudy(path) is var s ? [s] : [];
}
