using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

/// <summary>Outbound webhooks whose condition uses a field (as a filter or a watched field), for the field delete flow.</summary>
internal sealed class OutboundFieldUsages(IDbContextFactory<AppDbContext> dbFactory) : IFieldUsageSource
{
    public async Task<IReadOnlyList<FieldUsage>> FindAsync(string tableId, string fieldId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // A table has few webhooks; only those with a condition can use a field.
        var webhooks = await db.Webhooks.AsNoTracking().Where(w => w.TableId == tableId && w.ConditionJson != null)
            .OrderBy(w => w.Id).Select(w => new { w.Id, w.Name, w.ConditionJson }).ToListAsync(ct);
        var usages = new List<FieldUsage>();
        foreach (var webhook in webhooks)
        {
            var condition = ConditionMapper.Deserialize(webhook.ConditionJson);
            var uses = new List<string>();
            if (condition?.Filters?.Any(f => f.Field == fieldId) == true)
            {
                uses.Add("condition filter");
            }
            if (condition?.ChangedFields?.Contains(fieldId) == true)
            {
                uses.Add("watched field");
            }
            if (uses.Count > 0)
            {
                usages.Add(new FieldUsage(FieldUsages.Webhook, webhook.Id, webhook.Name, string.Join(", ", uses)));
            }
        }
        return usages;
    }
}
