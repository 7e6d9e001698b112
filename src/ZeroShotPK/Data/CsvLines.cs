using System.Globalization;
using System.Text;

namespace ZeroShotPK.Data;

/// <summary>One data line of a CSV file: its 1-based line number and its fields (unquoted, trimmed).</summary>
internal readonly record struct CsvLine(int Number, string[] Fields);

/// <summary>
/// Splits CSV text into lines of fields. Fields may be quoted ("a, b" and doubled quotes); a quoted field may not
/// span lines. Blank lines and lines starting with '#' are skipped. Kept by hand rather than with a CSV package
/// because every error must name the exact line and column, and one-line records are all NONMEM files use.
/// </summary>
internal static class CsvLines
{
    /// <summary>Reads all non-blank lines; the first is the header.</summary>
    public static List<CsvLine> Read(TextReader reader, string source) => [.. Enumerate(reader, source)];

    /// <summary>
    /// The non-blank lines, each read and split only when asked for: a caller that parses line by line never holds the
    /// file as text (a 1.6 GB file held as split strings took about 10 times its size; issue #15).
    /// </summary>
    public static IEnumerable<CsvLine> Enumerate(TextReader reader, string source)
    {
        var number = 0;
        while (reader.ReadLine() is { } text)
        {
            number++;
            if (number == 1 && text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
            if (string.IsNullOrWhiteSpace(text) || text.TrimStart().StartsWith('#')) continue;
            yield return new CsvLine(number, Split(text, source, number));
        }
    }

    // One string per ASCII character: single-character fields ("0", "1", ".") are most of an event table's cells.
    private static readonly string[] OneCharacter = Enumerable.Range(0, 128).Select(c => ((char)c).ToString()).ToArray();

    private static string[] Split(string text, string source, int line)
    {
        // Fast path, most lines: no quotes, so the fields are the comma-separated parts, trimmed (the general loop below
        // gives the same), and a part is copied into a string once, without a builder or a list.
        if (!text.Contains('"'))
        {
            var span = text.AsSpan();
            var result = new string[span.Count(',') + 1];
            var start = 0;
            for (var f = 0; f < result.Length; f++)
            {
                var end = text.IndexOf(',', start);
                if (end < 0) end = text.Length;
                var part = span[start..end].Trim();
                result[f] = part.Length == 0 ? "" : part.Length == 1 && part[0] < 128 ? OneCharacter[part[0]] : new string(part);
                start = end + 1;
            }
            return result;
        }
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            while (i < text.Length && text[i] is ' ' or '\t') i++;
            if (i < text.Length && text[i] == '"')
            {
                var start = i++;
                while (true)
                {
                    if (i >= text.Length)
                        throw new DatasetFormatException(source, line, null,
                            $"quoted field starting at character {start + 1} is not closed; expected a closing '\"' on the same line.");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(text[i++]);
                }
                while (i < text.Length && text[i] is ' ' or '\t') i++;
                if (i < text.Length && text[i] != ',')
                    throw new DatasetFormatException(source, line, null,
                        $"unexpected '{text[i]}' after the quoted field ending at character {i}; expected ',' or the end of the line.");
                fields.Add(field.ToString());
            }
            else
            {
                var end = text.IndexOf(',', i);
                if (end < 0) end = text.Length;
                fields.Add(text[i..end].Trim());
                i = end;
            }
            field.Clear();
            if (i >= text.Length) break;
            i++; // the comma
            if (i == text.Length) { fields.Add(""); break; }
        }
        return fields.ToArray();
    }

    /// <summary>True for the NONMEM missing-value marks: "." or an empty field.</summary>
    public static bool IsMissing(string field) => field.Length == 0 || field == ".";

    /// <summary>Formats a number so that it reads back to the same double.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Quotes a text field when it would not survive unquoted.</summary>
    public static string Quote(string text) =>
        text.Length == 0 || text.IndexOfAny([',', '"', '\n', '\r']) >= 0 || text != text.Trim() || text.StartsWith('#')
            ? "\"" + text.Replace("\"", "\"\"") + "\""
            : text;
}
