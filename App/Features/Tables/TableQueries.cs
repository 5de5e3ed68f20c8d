using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Features.Tables;

internal static class TableQueries
{
    public static async Task<TableSnapshot?> LoadSnapshotAsync(AppDbContext db, string tableId, CancellationToken ct)
    {
        // One statement (a join), not two: every record write transaction starts with this read.
        var table = await db.Tables.AsNoTracking().Where(t => t.Id == tableId)
            .Select(t => new { t.Id, t.Name, Fields = t.Fields.OrderBy(f => f.Order).ToList() })
            .FirstOrDefaultAsync(ct);
        return table is null ? null : new TableSnapshot(table.Id, table.Name, table.Fields);
    }
}
