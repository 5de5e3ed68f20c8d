using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Undb.Features.Accounts;

namespace Undb.Features.Tables;

/// <summary>REST endpoints for tables, fields and records (DESIGN.md, "REST API").</summary>
public static class TablesApi
{
    public const int MaxBulk = 1000;

    public static IEndpointRouteBuilder MapTablesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/tables").WithTags("Tables");

        api.MapGet("/", async (TableService tables, CancellationToken ct) =>
            TypedResults.Ok(new { items = (await tables.ListAsync(ct)).Select(t => t.ToDto()).ToList() })).RequirePermission(Permission.ReadData);

        api.MapPost("/", async (CreateTableRequest body, TableService tables, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var specs = (body.Fields ?? []).Select((f, i) => f.ToSpec($"fields[{i}]")).ToList();
            var table = await tables.CreateAsync(body.Name ?? "", specs, user.UserId(), ct);
            return TypedResults.Created($"/api/tables/{table.Id}", table.ToDto());
        }).RequirePermission(Permission.ManageSchema);

        api.MapGet("/{tableId}", async Task<Results<Ok<TableDto>, NotFound>> (string tableId, TableService tables, CancellationToken ct) =>
            await tables.GetAsync(tableId, ct) is { } t ? TypedResults.Ok(t.ToDto()) : throw new NotFoundException($"Table '{tableId}' does not exist.")).RequirePermission(Permission.ReadData);

        api.MapPost("/{tableId}/fields", async (string tableId, CreateFieldRequest body, TableService tables, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var field = await tables.AddFieldAsync(tableId, body.ToSpec("field"), user.UserId(), ct);
            return TypedResults.Created($"/api/tables/{tableId}", field.ToDto());
        }).RequirePermission(Permission.ManageSchema);

        api.MapPatch("/{tableId}", async (string tableId, RenameTableRequest body, TableService tables, ClaimsPrincipal user, CancellationToken ct) =>
            TypedResults.Ok((await tables.RenameAsync(tableId, body.Name ?? "", user.UserId(), ct)).ToDto())).RequirePermission(Permission.ManageSchema);

        api.MapDelete("/{tableId}", async (string tableId, TableService tables, ClaimsPrincipal user, CancellationToken ct) =>
        {
            await tables.DeleteAsync(tableId, user.UserId(), ct);
            return TypedResults.NoContent();
        }).RequirePermission(Permission.ManageSchema);

        api.MapPatch("/{tableId}/fields/{fieldId}", async (string tableId, string fieldId, UpdateFieldRequest body, TableService tables, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var changes = new FieldChanges(body.Name, body.Required, body.Hidden, body.Options?.Choices);
            return TypedResults.Ok((await tables.UpdateFieldAsync(tableId, fieldId, changes, user.UserId(), ct)).ToDto());
        }).RequirePermission(Permission.ManageSchema);

        // Asks first, as the UI does: a field that webhooks use is deleted only with ?force=true (409 lists them otherwise).
        api.MapDelete("/{tableId}/fields/{fieldId}", async (string tableId, string fieldId, bool? force, TableService tables, FieldUsages usages, ClaimsPrincipal user, CancellationToken ct) =>
        {
            if (force != true && await usages.FindAsync(tableId, fieldId, ct) is { Count: > 0 } used)
            {
                var field = (await RequireTableAsync(tables, tableId, ct)).FieldById(fieldId)
                    ?? throw new NotFoundException($"Field '{fieldId}' does not exist in table '{tableId}'.");
                throw new ConflictException(
                    $"'{field.Name}' is used by {string.Join(", ", used.Select(u => u.Describe()))}. Delete it with ?force=true to go ahead: " +
                    "they keep working without it (a filter on it matches nothing, a mapping skips it) and show a 'uses a deleted field' problem until edited.",
                    new Dictionary<string, object?> { ["usedBy"] = used });
            }
            await tables.DeleteFieldAsync(tableId, fieldId, user.UserId(), ct);
            return TypedResults.NoContent();
        }).RequirePermission(Permission.ManageSchema);

        api.MapGet("/{tableId}/fields/{fieldId}/usages", async (string tableId, string fieldId, TableService tables, FieldUsages usages, CancellationToken ct) =>
        {
            _ = (await RequireTableAsync(tables, tableId, ct)).FieldById(fieldId) ?? throw new NotFoundException($"Field '{fieldId}' does not exist in table '{tableId}'.");
            return TypedResults.Ok(new { items = await usages.FindAsync(tableId, fieldId, ct) });
        }).RequirePermission(Permission.ReadWebhooks);

        api.MapPut("/{tableId}/fields/order", async (string tableId, ReorderFieldsRequest body, TableService tables, ClaimsPrincipal user, CancellationToken ct) =>
        {
            await tables.ReorderFieldsAsync(tableId, body.FieldIds ?? [], user.UserId(), ct);
            return TypedResults.Ok((await RequireTableAsync(tables, tableId, ct)).ToDto());
        }).RequirePermission(Permission.ManageSchema);

        api.MapGet("/{tableId}/records", async (string tableId, int? offset, int? limit, string? sort, string? search, string[]? filter, RecordQueryService query, TableService tables, CancellationToken ct) =>
        {
            var view = RecordQueryText.Parse(sort, search, filter, offset ?? 0, limit ?? 100);
            var page = await query.ListAsync(tableId, view, ct);
            var table = await RequireTableAsync(tables, tableId, ct);
            return TypedResults.Ok(new RecordListDto(page.Records.Select(r => r.ToDto(table)).ToList(), page.Total));
        }).RequirePermission(Permission.ReadData);

        // The grid's view as a CSV download, streamed row by row. A browser's sign-in may read it (a GET), so the grid
        // links here instead of building the file in the circuit; scripts use their token.
        // tz (an IANA zone, as the grid sends it) only names the file in the downloader's local time; an unknown one means UTC.
        api.MapGet("/{tableId}/export.csv", async (string tableId, string? sort, string? search, string[]? filter, string? tz, HttpResponse response,
            TableService tables, CsvExporter exporter, TimeProvider time, CancellationToken ct) =>
        {
            var table = await RequireTableAsync(tables, tableId, ct);
            var view = RecordQueryText.Parse(sort, search, filter);
            // Checked before the answer starts: a bad filter is a 400, not a download cut short.
            RecordQueryService.Check(table, view);
            response.Headers.CacheControl = "no-store";
            var fields = table.Fields.Where(f => !f.Hidden).ToList();
            return Results.Stream(body => exporter.WriteAsync(body, table, fields, view, ct), "text/csv; charset=utf-8", CsvExporter.FileName(table.Name, time.GetUtcNow(), Undb.Components.Shared.ViewerTime.For(tz).Zone));
        }).RequirePermission(Permission.ReadData);

        api.MapGet("/{tableId}/records/{recordId}", async (string tableId, string recordId, RecordQueryService query, TableService tables, CancellationToken ct) =>
        {
            var table = await RequireTableAsync(tables, tableId, ct);
            var record = await query.GetAsync(tableId, recordId, ct) ?? throw new NotFoundException($"Record '{recordId}' does not exist in table '{table.Name}'.");
            return TypedResults.Ok(record.ToDto(table));
        }).RequirePermission(Permission.ReadData);

        api.MapGet("/{tableId}/records/{recordId}/history", async (string tableId, string recordId, int? limit, RecordHistoryService history, CancellationToken ct) =>
            TypedResults.Ok(new { items = await history.ListAsync(tableId, recordId, limit ?? 100, ct) }))
            .RequirePermission(Permission.ReadData);

        api.MapPost("/{tableId}/records", async (string tableId, RecordValuesRequest body, RecordService records, TableService tables, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var created = await records.CreateAsync(tableId, new RecordInput(body.Values ?? []), user.UserId(), ct);
            var table = await RequireTableAsync(tables, tableId, ct);
            return TypedResults.Created($"/api/tables/{tableId}/records/{created.Id}", created.ToDto(table));
        }).RequirePermission(Permission.EditRecords);

        api.MapPatch("/{tableId}/records/{recordId}", async (string tableId, string recordId, RecordValuesRequest body, RecordService records, TableService tables, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var updated = await records.UpdateAsync(tableId, new RecordPatch(recordId, body.Values ?? []), user.UserId(), ct);
            var table = await RequireTableAsync(tables, tableId, ct);
            return TypedResults.Ok(updated.ToDto(table));
        }).RequirePermission(Permission.EditRecords);

        api.MapDelete("/{tableId}/records/{recordId}", async (string tableId, string recordId, RecordService records, ClaimsPrincipal user, CancellationToken ct) =>
        {
            await records.DeleteAsync(tableId, recordId, user.UserId(), ct);
            return TypedResults.NoContent();
        }).RequirePermission(Permission.EditRecords);

        api.MapPost("/{tableId}/records/bulk", async (string tableId, BulkRecordsRequest body, RecordService records, TableService tables, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var items = RequireItems(body.Records, "records");
            var created = await records.BulkCreateAsync(tableId, items.Select(i => new RecordInput(i.Values ?? [])).ToList(), user.UserId(), ct);
            var table = await RequireTableAsync(tables, tableId, ct);
            return TypedResults.Created($"/api/tables/{tableId}/records", new RecordsDto(created.Select(r => r.ToDto(table)).ToList()));
        }).RequirePermission(Permission.EditRecords);

        api.MapPatch("/{tableId}/records/bulk", async (string tableId, BulkRecordsRequest body, RecordService records, TableService tables, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var items = RequireItems(body.Records, "records");
            var missing = items.Select((item, i) => (item, i)).Where(x => string.IsNullOrWhiteSpace(x.item.Id)).Select(x => x.i).ToList();
            if (missing.Count > 0)
            {
                throw new BadRequestException("Every record to update needs its id.", missing.ToDictionary(i => $"records[{i}].id", _ => new[] { "An id is required." }));
            }
            var updated = await records.BulkUpdateAsync(tableId, items.Select(i => new RecordPatch(i.Id!, i.Values ?? [])).ToList(), user.UserId(), ct);
            var table = await RequireTableAsync(tables, tableId, ct);
            return TypedResults.Ok(new RecordsDto(updated.Select(r => r.ToDto(table)).ToList()));
        }).RequirePermission(Permission.EditRecords);

        api.MapDelete("/{tableId}/records/bulk", async (string tableId, [Microsoft.AspNetCore.Mvc.FromBody] BulkDeleteRequest body, RecordService records, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var ids = RequireItems(body.Ids, "ids");
            var deleted = await records.BulkDeleteAsync(tableId, ids, user.UserId(), ct);
            return TypedResults.Ok(new DeletedDto(deleted));
        }).RequirePermission(Permission.EditRecords);

        return app;
    }

    private static async Task<TableSnapshot> RequireTableAsync(TableService tables, string tableId, CancellationToken ct) =>
        await tables.GetAsync(tableId, ct) ?? throw new NotFoundException($"Table '{tableId}' does not exist.");

    private static IReadOnlyList<T> RequireItems<T>(IReadOnlyList<T>? items, string name)
    {
        if (items is null || items.Count == 0)
        {
            throw new BadRequestException($"'{name}' must list at least one item.");
        }
        if (items.Count > MaxBulk)
        {
            throw new BadRequestException($"'{name}' lists {items.Count} items; one request takes at most {MaxBulk}.");
        }
        return items;
    }

    /// <summary><c>Value</c>, <c>-Value</c> or <c>Value:desc</c> / <c>Value:asc</c>.</summary>
    public static (string? Field, bool Descending) ParseSort(string? sort)
    {
        if (string.IsNullOrWhiteSpace(sort))
        {
            return (null, false);
        }
        sort = sort.Trim();
        if (sort.StartsWith('-'))
        {
            return (sort[1..], true);
        }
        var colon = sort.LastIndexOf(':');
        if (colon > 0)
        {
            var direction = sort[(colon + 1)..].Trim();
            if (direction.Equals("desc", StringComparison.OrdinalIgnoreCase))
            {
                return (sort[..colon], true);
            }
            if (direction.Equals("asc", StringComparison.OrdinalIgnoreCase))
            {
                return (sort[..colon], false);
            }
        }
        return (sort, false);
    }
}
