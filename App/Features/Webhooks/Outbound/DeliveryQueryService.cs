using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>Reads the delivery history: a webhook's deliveries, filtered and paged, and one delivery with its attempts.</summary>
public sealed class DeliveryQueryService(IDbContextFactory<AppDbContext> dbFactory, TableSnapshotCache tables, Undb.Features.Accounts.UserDirectory users)
{
    public const int MaxLimit = 500;

    /// <summary>Longest record label shown beside a record id; longer values are cut with an ellipsis.</summary>
    public const int MaxLabelLength = 80;

    public async Task<DeliveryPage> ListAsync(string webhookId, DeliveryFilter filter, CancellationToken ct = default)
    {
        if (filter.Offset < 0 || filter.Limit is < 1 or > MaxLimit)
        {
            throw new BadRequestException($"offset must be 0 or more and limit between 1 and {MaxLimit}.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Webhooks.AnyAsync(w => w.Id == webhookId, ct))
        {
            throw new NotFoundException($"Webhook '{webhookId}' does not exist.");
        }
        var query = db.Deliveries.AsNoTracking().Where(d => d.WebhookId == webhookId);
        if (filter.Status is { } status)
        {
            query = query.Where(d => d.Status == status);
        }
        if (!string.IsNullOrWhiteSpace(filter.Event))
        {
            var name = filter.Event.Trim();
            query = query.Where(d => d.EventName == name);
        }
        if (!string.IsNullOrWhiteSpace(filter.RecordId))
        {
            var recordId = filter.RecordId.Trim();
            query = query.Where(d => d.RecordId == recordId);
        }
        if (filter.Since is { } since)
        {
            query = query.Where(d => d.CreatedAt >= since);
        }
        if (filter.Until is { } until)
        {
            query = query.Where(d => d.CreatedAt < until);
        }
        var total = await query.CountAsync(ct);
        // Ids are time-ordered: newest first.
        var items = await query.OrderByDescending(d => d.Id).Skip(filter.Offset).Take(filter.Limit).ToListAsync(ct);
        // A workspace webhook's deliveries come from several tables: each is labelled with its own table's primary field.
        var primaries = new Dictionary<string, string?>();
        var dtos = new List<DeliveryDto>(items.Count);
        foreach (var d in items)
        {
            if (!primaries.TryGetValue(d.TableId, out var primary))
            {
                primaries[d.TableId] = primary = (await tables.GetAsync(d.TableId, ct))?.Fields.FirstOrDefault()?.Name;
            }
            dtos.Add(d.ToDto() with { RecordLabel = RecordLabel(d.Payload, primary), Actor = await users.GetAsync(OperatorId(d.Payload), ct) });
        }
        return new DeliveryPage(dtos, total);
    }

    /// <summary>Who made the change that fired the delivery: the payload's <c>operatorId</c> (null for changes nobody signed in made).</summary>
    public static string? OperatorId(string payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("operatorId", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The record's primary (first) field value, read from the payload, which carries the record's values keyed by
    /// field name: so the history can say which record without a query per row. Null for bulk and test events, when
    /// the record had no value there, or when the field has been renamed since the event.
    /// </summary>
    public static string? RecordLabel(string payload, string? primaryField)
    {
        if (primaryField is null)
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(payload);
            if (!doc.RootElement.TryGetProperty("event", out var evt) || evt.ValueKind != JsonValueKind.Object
                || !evt.TryGetProperty("record", out var record) || record.ValueKind != JsonValueKind.Object
                || !record.TryGetProperty(primaryField, out var value))
            {
                return null;
            }
            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => value.GetRawText(),
            };
            return string.IsNullOrWhiteSpace(text) ? null : text.Length > MaxLabelLength ? text[..(MaxLabelLength - 1)] + "…" : text;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async Task<DeliveryDetailDto> GetAsync(string deliveryId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var delivery = await db.Deliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId, ct)
            ?? throw new NotFoundException($"Delivery '{deliveryId}' does not exist.");
        var attempts = await db.DeliveryAttempts.AsNoTracking().Where(a => a.DeliveryId == deliveryId).OrderBy(a => a.Number).ThenBy(a => a.Id).ToListAsync(ct);
        var dto = delivery.ToDto() with { Actor = await users.GetAsync(OperatorId(delivery.Payload), ct) };
        return new DeliveryDetailDto(dto, delivery.Payload, attempts.Select(a => a.ToDto()).ToList());
    }
}
