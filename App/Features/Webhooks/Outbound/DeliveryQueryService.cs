using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>Reads the delivery history: a webhook's deliveries, filtered and paged, and one delivery with its attempts.</summary>
public sealed class DeliveryQueryService(IDbContextFactory<AppDbContext> dbFactory)
{
    public const int MaxLimit = 500;

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
        return new DeliveryPage(items.Select(d => d.ToDto()).ToList(), total);
    }

    public async Task<DeliveryDetailDto> GetAsync(string deliveryId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var delivery = await db.Deliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId, ct)
            ?? throw new NotFoundException($"Delivery '{deliveryId}' does not exist.");
        var attempts = await db.DeliveryAttempts.AsNoTracking().Where(a => a.DeliveryId == deliveryId).OrderBy(a => a.Number).ThenBy(a => a.Id).ToListAsync(ct);
        return new DeliveryDetailDto(delivery.ToDto(), delivery.Payload, attempts.Select(a => a.ToDto()).ToList());
    }
}
