using System.Text.Json.Nodes;

namespace Undb.Features.Tables;

public enum CsvImportMode
{
    /// <summary>Any bad row rejects the whole file; nothing is written.</summary>
    AllOrNothing,
    /// <summary>Good rows are imported, bad rows are reported and left out.</summary>
    SkipBadRows,
}

/// <summary>
/// Parsed data rows (no header) and, per CSV column, the id of the field it fills (null: ignore the column).
/// </summary>
public sealed record CsvImportRequest(string TableId, IReadOnlyList<string[]> Rows, IReadOnlyList<string?> ColumnFieldIds, CsvImportMode Mode);

/// <summary>A problem in one row; <see cref="Row"/> counts as a spreadsheet does (the header is row 1).</summary>
public sealed record CsvRowError(int Row, string Field, string Message);

public sealed record CsvImportResult(int Imported, int Skipped, IReadOnlyList<CsvRowError> Errors)
{
    public bool WroteNothing => Imported == 0;
}

public sealed record CsvImportProgress(int Done, int Total);

/// <summary>
/// Imports CSV rows through <see cref="RecordService.BulkCreateAsync"/> in chunks, so every record fires its events.
/// Every row is validated before the first write, so all-or-nothing writes nothing when any row is bad.
/// </summary>
public sealed class CsvImporter(RecordService records, TableService tables)
{
    public const int ChunkSize = 500;

    /// <summary>Per header, the id of the field with that name (ignoring case and surrounding spaces), or null.</summary>
    public static IReadOnlyList<string?> AutoMatch(IReadOnlyList<string> headers, TableSnapshot table) =>
        headers.Select(h => table.Fields.FirstOrDefault(f => string.Equals(f.Name, h.Trim(), StringComparison.OrdinalIgnoreCase))?.Id).ToList();

    public async Task<CsvImportResult> ImportAsync(CsvImportRequest request, string? actorId, Func<CsvImportProgress, Task>? progress = null, CancellationToken ct = default)
    {
        var table = await tables.GetAsync(request.TableId, ct) ?? throw new NotFoundException($"Table '{request.TableId}' does not exist.");
        var columns = request.ColumnFieldIds
            .Select((id, i) => (Index: i, Field: id is null ? null : table.Fields.FirstOrDefault(f => f.Id == id)))
            .Where(c => c.Field is not null)
            .ToList();
        if (columns.Count == 0)
        {
            throw new BadRequestException("Map at least one column to a field.");
        }

        var errors = new List<CsvRowError>();
        var good = new List<RecordInput>(request.Rows.Count);
        for (var i = 0; i < request.Rows.Count; i++)
        {
            var row = request.Rows[i];
            var values = new Dictionary<string, JsonNode?>();
            foreach (var (index, field) in columns)
            {
                values[field!.Id] = ToJson(field, index < row.Length ? row[index] : "");
            }
            var rowErrors = new List<FieldError>();
            RecordService.Apply(table, values, existing: null, index: null, rowErrors, out _);
            if (rowErrors.Count == 0)
            {
                good.Add(new RecordInput(values));
            }
            else
            {
                errors.AddRange(rowErrors.Select(e => new CsvRowError(i + 2, e.Field, e.Message)));
            }
        }
        if (errors.Count > 0 && request.Mode == CsvImportMode.AllOrNothing)
        {
            return new CsvImportResult(0, request.Rows.Count, errors);
        }

        var created = new List<string>(good.Count);
        if (progress is not null)
        {
            await progress(new CsvImportProgress(0, good.Count));
        }
        using var origin = ChangeOrigin.Use("CSV import");
        try
        {
            foreach (var chunk in good.Chunk(ChunkSize))
            {
                ct.ThrowIfCancellationRequested();
                var done = await records.BulkCreateAsync(request.TableId, chunk, actorId, ct);
                created.AddRange(done.Select(r => r.Id));
                if (progress is not null)
                {
                    await progress(new CsvImportProgress(created.Count, good.Count));
                }
            }
        }
        catch (Exception) when (request.Mode == CsvImportMode.AllOrNothing && created.Count > 0)
        {
            // Rows were valid when checked; if the table changed under the import, undo the chunks already written.
            await records.BulkDeleteAsync(request.TableId, created, actorId, CancellationToken.None);
            throw;
        }
        return new CsvImportResult(created.Count, request.Rows.Count - created.Count, errors);
    }

    /// <summary>
    /// CSV cells are text; lists are comma- or semicolon-separated, and yes/no style checkboxes are understood. The
    /// apostrophe the exporter puts before a cell that looks like a formula (<see cref="CsvExporter.Neutralize"/>) is
    /// dropped, so an export imports back as it was.
    /// </summary>
    public static JsonNode? ToJson(FieldEntity field, string cell)
    {
        if (cell.StartsWith('\'') && CsvExporter.StartsLikeAFormula(cell.AsSpan(1)))
        {
            cell = cell[1..];
        }
        var text = cell.Trim();
        if (text.Length == 0)
        {
            return null;
        }
        switch (field.Type)
        {
            case FieldType.MultiSelect:
                var parts = text.Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                return new JsonArray(parts.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray());
            case FieldType.Checkbox:
                return ValueCoercer.CheckboxWord(text) is { } ticked ? JsonValue.Create(ticked) : JsonValue.Create(text);
            default:
                return JsonValue.Create(field.Type == FieldType.LongText ? cell : text);
        }
    }
}
