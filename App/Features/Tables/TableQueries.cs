using Microsoft.EntityFrameworkCore;
using Undb.Data;

namespace Undb.Features.Tables;

internal static class TableQueries
{
    public static async Task<TableSnapshot?> LoadSnapshotAsync(AppDbContext db, string tableId, CancellationToken ct)
    {
        var table = await db.Tables.AsNoTracking().Where(t => t.Id == tableId).Select(t => new { t.Id, t.Name }).FirstOrDefaultAsync(ct);
        if (table is null)
        {
            return null;
        }
        var fields = await db.Fields.AsNoTracking().Where(f => f.TableId == tableId).OrderBy(f => f.Order).ToListAsync(ct);
        return new TableSnapshot(table.Id, table.Name, fields);
    }
}
