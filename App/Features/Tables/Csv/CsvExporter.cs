using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Undb.Features.Tables;

/// <summary>
/// Writes what a grid shows — its filters, search and sort, its visible fields — as CSV, row by row to a stream (UTF-8
/// with a byte order mark, so spreadsheets read it as UTF-8), never the whole file in memory.
/// </summary>
public sealed class CsvExporter(RecordQueryService query)
{
    /// <summary>Rows are handed to the stream once this much text has gathered (and at the end).</summary>
    private const int ChunkChars = 16 * 1024;

    private static readonly UTF8Encoding Utf8WithBom = new(encoderShouldEmitUTF8Identifier: true);

    /// <summary>
    /// Checks the view first (unknown sort or filter field, incomplete filter: <see cref="BadRequestException"/>) so
    /// that a mistake is an error answer, not a download cut short; then writes the header and every matching record.
    /// </summary>
    public async Task<int> WriteAsync(Stream output, TableSnapshot table, IReadOnlyList<FieldEntity> fields, RecordQuery view, CancellationToken ct = default)
    {
        RecordQueryService.Check(table, view);
        var rows = 0;
        await using var stream = new StreamWriter(output, Utf8WithBom, bufferSize: ChunkChars, leaveOpen: true);
        var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvFormat.Writer(text))
        {
            using (var header = csv.NewRow())
            {
                for (var i = 0; i < fields.Count; i++)
                {
                    header[i].Set(Neutralize(fields[i].Name));
                }
            }
            await foreach (var record in query.StreamAsync(table.Id, view, ct))
            {
                using (var row = csv.NewRow())
                {
                    for (var i = 0; i < fields.Count; i++)
                    {
                        row[i].Set(Cell(fields[i], record.Values[fields[i].Id]));
                    }
                }
                rows++;
                var written = text.GetStringBuilder();
                if (written.Length >= ChunkChars)
                {
                    await stream.WriteAsync(written, ct);
                    await stream.FlushAsync(ct);
                    written.Clear();
                }
            }
        }
        await stream.WriteAsync(text.GetStringBuilder(), ct);
        await stream.FlushAsync(ct);
        return rows;
    }

    /// <summary>One exported cell: the value as <see cref="Format"/> writes it, made safe to open in a spreadsheet.</summary>
    public static string Cell(FieldEntity field, JsonNode? value)
    {
        var text = Format(field, value);
        return field.Type == FieldType.Number ? text : Neutralize(text);
    }

    /// <summary>The text of one value, in the form the importer reads back (lists joined with ", ", numbers invariant).</summary>
    public static string Format(FieldEntity field, JsonNode? value) => value switch
    {
        null => "",
        JsonArray list => string.Join(", ", list.Select(n => n?.ToString() ?? "")),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            => d.ToString(CultureInfo.InvariantCulture),
        _ => value.ToJsonString(),
    };

    /// <summary>
    /// CSV injection (OWASP): a spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return, which it
    /// skips before looking) as a formula, so <c>=HYPERLINK(…)</c> written by any sender of an incoming webhook would
    /// run on the machine of whoever opens the export. A leading apostrophe makes the cell text. Numbers of number
    /// fields are never text, so a negative number keeps its minus; the importer drops the apostrophe again.
    /// </summary>
    public static string Neutralize(string text) => StartsLikeAFormula(text) ? "'" + text : text;

    public static bool StartsLikeAFormula(ReadOnlySpan<char> text) => text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r';

    /// <summary>"Leads-20261205-0235.csv": the table and when, in the downloader's time zone when known (else UTC).</summary>
    public static string FileName(string tableName, DateTimeOffset at, TimeZoneInfo? zone = null)
    {
        var safe = new string(tableName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray()).Trim('-');
        var when = zone is null ? at.UtcDateTime : TimeZoneInfo.ConvertTime(at, zone).DateTime;
        return $"{(safe.Length == 0 ? "table" : safe)}-{when:yyyyMMdd-HHmm}.csv";
    }
}
