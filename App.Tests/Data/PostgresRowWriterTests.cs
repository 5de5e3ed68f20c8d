using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.Features.Tables;

namespace Undb.Tests.Data;

/// <summary>
/// On PostgreSQL a write's rows go to the server in one batch (<see cref="RowWriter.InsertAllAsync"/>): each row is
/// stored exactly as SaveChanges stores it, nulls and converted values included, and the batch is all-or-nothing.
/// </summary>
public sealed class PostgresRowWriterTests(PostgresUndbFactory factory) : IClassFixture<PostgresUndbFactory>
{
    private async Task<AppDbContext> OpenAsync()
    {
        var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        return db;
    }

    [Fact]
    public async Task InsertAllAsync_StoresEveryKindOfRowInOneBatch_AsSaveChangesDoes()
    {
        List<string> kinds = ["record", "history", "history-nulls", "delivery", "delivery-nulls", "attempt", "attempt-nulls", "request"];
        var suffix = Guid.NewGuid().ToString("N")[..8];
        await using var db = await OpenAsync();
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            // Column encoding is the question here, not the parents these rows would reference.
            await db.Database.ExecuteSqlRawAsync("SET LOCAL session_replication_role = replica");
            foreach (var kind in kinds)
            {
                db.Add(RowWriterTests.Sample(kind, $"a_{kind}_{suffix}"));
            }
            await db.SaveChangesAsync();
            using var writer = new RowWriter(db, "IS NOT DISTINCT FROM", insertsFromArrays: true);
            await writer.InsertAllAsync(kinds.Select(kind => RowWriterTests.Sample(kind, $"b_{kind}_{suffix}")).ToList(), default);
            Assert.Equal(kinds.Count, writer.Written);
            await tx.CommitAsync();
        }

        foreach (var kind in kinds)
        {
            var table = db.Model.FindEntityType(RowWriterTests.Sample(kind, "x").GetType())!.GetTableName()!;
            var ef = await ReadRowAsync(db, table, $"a_{kind}_{suffix}");
            var written = await ReadRowAsync(db, table, $"b_{kind}_{suffix}");
            Assert.Equal(ef.Keys.Order(), written.Keys.Order());
            foreach (var column in ef.Keys.Where(k => k != "Id"))
            {
                Assert.True(Equals(ef[column], written[column]), $"{kind}: {table}.{column}: SaveChanges stored {ef[column] ?? "NULL"}, the batch {written[column] ?? "NULL"}");
            }
        }
    }

    [Fact]
    public async Task DeferAddTo_InsertsACounterOnce_ThenAddsToIt_AndKeepsTheLatestTime_InTheRowsBatch()
    {
        await using var db = await OpenAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync("SET LOCAL session_replication_role = replica");
        using var writer = new RowWriter(db, "IS NOT DISTINCT FROM", insertsFromArrays: true);
        await RowWriterTests.AddToCountersAsync(db, writer, "uwh_" + Guid.NewGuid().ToString("N")[..8]);
        await tx.CommitAsync();
    }

    [Fact]
    public async Task ABatchWithAConstraintViolation_WritesNone()
    {
        var id = "rec_" + Guid.NewGuid().ToString("N")[..8];
        await using var db = await OpenAsync();
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            await db.Database.ExecuteSqlRawAsync("SET LOCAL session_replication_role = replica");
            using var writer = new RowWriter(db, "IS NOT DISTINCT FROM", insertsFromArrays: true);
            await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() =>
                writer.InsertAllAsync([RowWriterTests.Sample("record", id + "_first"), RowWriterTests.Sample("record", id), RowWriterTests.Sample("record", id)], default));
        }
        Assert.Equal(0, await db.Records.CountAsync(r => r.Id.StartsWith(id)));
    }

    [Fact]
    public async Task RowsGoInAfterTheRowsTheyReference_AndABigBatchGoesInWhole()
    {
        // Foreign keys enforced: 10,000 records listed before the table they belong to; 70,000 values, more than the
        // 65,535 parameters one statement may have, so only arrays (one parameter per column) take them in one statement.
        var table = new TableEntity { Name = "row writer order " + Guid.NewGuid().ToString("N")[..8] };
        var records = Enumerable.Range(0, 10_000).Select(i => (object)new RecordEntity
        {
            Id = $"rec_{table.Id}_{i:D5}", TableId = table.Id, Data = $$"""{"n":{{i}}}""", CreatedAt = RowWriterTests.At, UpdatedAt = RowWriterTests.At,
        }).ToList();
        await using var db = await OpenAsync();
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            using var writer = new RowWriter(db, "IS NOT DISTINCT FROM", insertsFromArrays: true);
            await writer.InsertAllAsync([.. records, table], default);
            Assert.Equal(10_001, writer.Written);
            await tx.CommitAsync();
        }
        Assert.True(await db.Tables.AnyAsync(t => t.Id == table.Id));
        var stored = await db.Records.Where(r => r.TableId == table.Id).OrderBy(r => r.Id).Select(r => r.Id).ToListAsync();
        Assert.Equal(records.Cast<RecordEntity>().Select(r => r.Id), stored);
    }

    [Fact]
    public async Task BatchedUpdates_RunInOrder_WithTheDeferredRowsFirst()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var delivery = (DeliveryEntity)RowWriterTests.Sample("delivery", "dlv_" + suffix);
        await using var db = await OpenAsync();
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            await db.Database.ExecuteSqlRawAsync("SET LOCAL session_replication_role = replica");
            using var writer = new RowWriter(db, "IS NOT DISTINCT FROM", insertsFromArrays: true);
            writer.Defer([delivery]);
            // The second compare-and-set expects the lease the first one took off: it matches nothing.
            var settled = delivery.Copy();
            settled.Status = DeliveryStatus.Succeeded;
            settled.LeaseToken = null;
            var results = await writer.UpdateChangedAllAsync<DeliveryEntity>(
                [new(delivery, settled, [(nameof(DeliveryEntity.LeaseToken), delivery.LeaseToken)]), new(delivery, settled, [(nameof(DeliveryEntity.LeaseToken), delivery.LeaseToken)])],
                default);
            Assert.Equal([true, false], results);
            Assert.False(writer.HasDeferred);
            await tx.CommitAsync();
        }
        var stored = await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == delivery.Id);
        Assert.Equal(DeliveryStatus.Succeeded, stored.Status);
        Assert.Null(stored.LeaseToken);
    }

    private static async Task<Dictionary<string, object?>> ReadRowAsync(AppDbContext db, string table, string id)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table}\" WHERE \"Id\" = @id";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "id";
        parameter.Value = id;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no row {id} in {table}");
        var row = new Dictionary<string, object?>();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
        }
        return row;
    }
}
