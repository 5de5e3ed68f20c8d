using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Features.Tables;

internal static class TableQueries
{
    /// <summary>
    /// The table, its fields and the count of sink settings changes in one query (one round trip: every record write's
    /// group commit starts with this read, so a round trip saved here is saved per transaction; docs/benchmarks.md).
    /// </summary>
    public static async Task<TableSnapshot?> LoadSnapshotAsync(AppDbContext db, string tableId, CancellationToken ct)
    {
        var table = await db.Tables.AsNoTracking()
            .Where(t => t.Id == tableId)
            .Select(t => new
            {
                t.Id,
                t.Name,
                Fields = t.Fields.OrderBy(f => f.Order).ToList(),
                SinkSettings = db.ChangeCounters.Where(c => c.Name == IRecordChangeSink.SettingsCounter).Select(c => c.Value).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(ct);
        return table is null ? null : new TableSnapshot(table.Id, table.Name, table.Fields) { SinkSettingsVersion = table.SinkSettings };
    }
}
