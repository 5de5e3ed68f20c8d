using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Undb.Features.Tables;

/// <summary>Writes what a grid shows — its filters, search and sort, its visible fields — as CSV.</summary>
public sealed class CsvExporter(RecordQueryService query)
{
    public async Task<string> ExportAsync(string tableId, IReadOnlyList<FieldEntity> fields, RecordQuery view, CancellationToken ct = default)
    {
        var sb = new StringBuilder();
        sb.Append(CsvFormat.Line(fields.Select(f => f.Name))).Append("\r\n");
        await foreach (var record in query.StreamAsync(tableId, view, ct))
        {
            sb.Append(CsvFormat.Line(fields.Select(f => Format(f, record.Values[f.Id])))).Append("\r\n");
        }
        return sb.ToString();
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

    public static string FileName(string tableName, DateTimeOffset at)
    {
        var safe = new string(tableName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray()).Trim('-');
        return $"{(safe.Length == 0 ? "table" : safe)}-{at.UtcDateTime:yyyyMMdd-HHmm}.csv";
    }
}
