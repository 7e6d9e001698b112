namespace ZeroShotPK.Data;

/// <summary>
/// A dataset file that cannot be read as written. The message names the file, the line (1-based, the header is
/// line 1), the column and what was expected, e.g. <c>theo.csv, line 5, column TIME: 'x' is not a number</c>.
/// </summary>
public sealed partial class DatasetFormatException : FormatException
{
    /// <summary>Creates the exception; <paramref name="line"/> 0 means the whole file.</summary>
    /// <param name="file">File (or source) name as given to the reader.</param>
    /// <param name="line">1-based line number, or 0 for a problem with the file as a whole.</param>
    /// <param name="column">Column name as written in the header, or null when the problem is the whole line.</param>
    /// <param name="detail">What is wrong and what was expected.</param>
    public DatasetFormatException(string file, int line, string? column, string detail)
        : base(Compose(file, line, column, detail))
    {
        File = file;
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>File (or source) name.</summary>
    public string File { get; }

    /// <summary>1-based line number; 0 when the problem concerns the whole file.</summary>
    public int Line { get; }

    /// <summary>Column name as written in the header, or null.</summary>
    public string? Column { get; }

    /// <summary>The message without the location prefix.</summary>
    public string Detail { get; }

    private static string Compose(string file, int line, string? column, string detail) =>
        (line > 0 ? $"{file}, line {line}" : file) + (column is null ? "" : $", column {Clip(column)}") + ": " + Clip(detail);

    // A message quotes the offending text; a 10 MB field (or header cell) must not come back whole.
    private static string Clip(string text) => LongRun().Replace(text, m => $"{m.Value[..40]}... ({m.Length} characters)");

    [System.Text.RegularExpressions.GeneratedRegex(@"[^\s']{121,}")]
    private static partial System.Text.RegularExpressions.Regex LongRun();
}
