using System.Text;

namespace Undb.Features.Tables;

/// <summary>RFC 4180 CSV: fields separated by commas, quoted when they hold a comma, quote or line break, quotes doubled.</summary>
public static class CsvFormat
{
    /// <summary>Parses CSV text into rows of fields. Accepts CRLF or LF line ends, a leading BOM, and quoted fields spanning lines.</summary>
    public static List<string[]> Parse(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var fieldStarted = false;
        var i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0:
                    inQuotes = true;
                    fieldStarted = true;
                    break;
                case ',':
                    row.Add(field.ToString());
                    field.Clear();
                    fieldStarted = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    EndRow();
                    break;
                default:
                    field.Append(c);
                    fieldStarted = true;
                    break;
            }
        }
        if (inQuotes)
        {
            throw new FormatException("The file ends inside a quoted value; a closing \" is missing.");
        }
        EndRow();
        return rows;

        void EndRow()
        {
            if (fieldStarted || row.Count > 0)
            {
                row.Add(field.ToString());
                rows.Add(row.ToArray());
            }
            row.Clear();
            field.Clear();
            fieldStarted = false;
        }
    }

    /// <summary>One CSV line (without its CRLF).</summary>
    public static string Line(IEnumerable<string?> fields) => string.Join(",", fields.Select(Quote));

    public static string Quote(string? value)
    {
        value ??= "";
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || value.StartsWith(' ') || value.EndsWith(' ')
            ? "\"" + value.Replace("\"", "\"\"") + "\""
            : value;
    }

    /// <summary>Rows joined with CRLF, as RFC 4180 asks.</summary>
    public static string Write(IEnumerable<IEnumerable<string?>> rows)
    {
        var sb = new StringBuilder();
        foreach (var row in rows)
        {
            sb.Append(Line(row)).Append("\r\n");
        }
        return sb.ToString();
    }
}
