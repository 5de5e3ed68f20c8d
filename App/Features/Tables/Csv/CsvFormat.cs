using nietras.SeparatedValues;

namespace Undb.Features.Tables;

/// <summary>
/// CSV with commas, read and written by Sep (nietras): values quoted when they hold a comma, quote or line break,
/// quotes doubled. Reading accepts CRLF or LF, a leading byte order mark, quoted values spanning lines, and rows of
/// different lengths; blank lines are skipped.
/// </summary>
public static class CsvFormat
{
    public static readonly Sep Separator = Sep.New(',');

    /// <summary>Parses CSV text into rows of values; a quote left open makes it a <see cref="FormatException"/>.</summary>
    public static List<string[]> Parse(string text)
    {
        if (text.StartsWith('\uFEFF'))
        {
            text = text[1..];
        }
        // Quotes come in pairs in any well-formed file (each value's opening and closing, and doubled ones inside);
        // Sep reads an unclosed one to the end of the file, which would import one huge value without a word.
        if (text.AsSpan().Count('"') % 2 != 0)
        {
            throw new FormatException("A quoted value is not closed: a \" is missing (or a value has a stray \").");
        }
        var rows = new List<string[]>();
        using var reader = Separator.Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).FromText(text);
        foreach (var row in reader)
        {
            if (row.ColCount == 1 && row[0].Span.Length == 0)
            {
                continue;
            }
            var values = new string[row.ColCount];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = row[i].ToString();
            }
            rows.Add(values);
        }
        return rows;
    }

    /// <summary>A writer of rows to <paramref name="output"/>, columns by index, no header of its own.</summary>
    public static SepWriter Writer(TextWriter output) =>
        Separator.Writer(o => o with { Escape = true, WriteHeader = false }).To(output, leaveOpen: true);

    /// <summary>Rows as CSV text (small exports and tests).</summary>
    public static string Write(IEnumerable<IEnumerable<string?>> rows)
    {
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        using (var writer = Writer(text))
        {
            foreach (var values in rows)
            {
                using var row = writer.NewRow();
                var i = 0;
                foreach (var value in values)
                {
                    row[i++].Set(value ?? "");
                }
            }
        }
        return text.ToString();
    }
}
