using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>Incoming webhooks whose mapping fills a field, for the field delete flow.</summary>
internal sealed class IncomingFieldUsages(IDbContextFactory<AppDbContext> dbFactory) : IFieldUsageSource
{
    public async Task<IReadOnlyList<FieldUsage>> FindAsync(string tableId, string fieldId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hooks = await db.IncomingWebhooks.AsNoTracking().Where(w => w.TableId == tableId)
            .OrderBy(w => w.Id).Select(w => new { w.Id, w.Name, w.Mapping }).ToListAsync(ct);
        return hooks
            .Select(h => (h.Id, h.Name, Path: MappingJson.Parse(h.Mapping).Fields.GetValueOrDefault(fieldId)))
            .Where(h => !string.IsNullOrWhiteSpace(h.Path))
            .Select(h => new FieldUsage(FieldUsages.IncomingWebhook, h.Id, h.Name, $"mapping from {h.Path}"))
            .ToList();
    }
}
