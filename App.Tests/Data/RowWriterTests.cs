using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Data.Sqlite;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Incoming;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Data;

/// <summary>A row written by <see cref="RowWriter"/> is stored exactly as SaveChanges stores it, column by column.</summary>
public sealed class RowWriterTests : IAsyncLifetime
{
    internal static readonly DateTimeOffset At = new(2026, 11, 22, 13, 45, 7, 123, TimeSpan.FromHours(2));
    private readonly TestDatabase _database = new();
    private AppDbContext _db = null!;

    public async Task InitializeAsync()
    {
        // Outside the app, Identity's schema version is its default, which differs from the app's in tables these
        // tests never touch (passkeys); the tables they write are the migrations' own.
        _db = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(_database.ConnectionString)
            .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning)).Options);
        await _db.Database.MigrateAsync();
        await _db.Database.OpenConnectionAsync();
        // Column encoding is the question here, not the parents these rows would reference.
        await _db.Database.ExecuteSqlRawAsync("PRAGMA foreign_keys=OFF;");
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        _database.Dispose();
    }

    public static TheoryData<string> Kinds => ["record", "history", "history-nulls", "delivery", "delivery-nulls", "attempt", "attempt-nulls", "request"];

    internal static object Sample(string kind, string id) => kind switch
    {
        "record" => new RecordEntity { Id = id, TableId = "tbl_1", Data = "{\"fld_a\":\"é ✓\",\"fld_b\":1.5}", CreatedAt = At, UpdatedAt = At.AddSeconds(1), CreatedById = "u1" },
        "history" => new RecordHistoryEntity
        {
            Id = id, TableId = "tbl_1", RecordId = "rec_1", At = At, Kind = "updated", ActorId = "u1", Via = "incoming webhook 'Größe'",
            Changes = "[{\"FieldId\":\"fld_a\",\"Field\":\"Name\",\"From\":null,\"To\":\"é ✓\"}]",
        },
        "history-nulls" => new RecordHistoryEntity { Id = id, TableId = "tbl_1", RecordId = "rec_1", Kind = "deleted", Changes = "[]" },
        "delivery" => new DeliveryEntity
        {
            Id = id, WebhookId = "whk_1", TableId = "tbl_1", EventId = "evt_1", EventName = "record.created", RecordId = "rec_1",
            Payload = "{\"id\":\"evt_1\"}", Status = DeliveryStatus.InFlight, AttemptCount = 2, RetryStep = 1, NextAttemptAt = At,
            LeaseExpiresAt = At.AddMinutes(2), LeaseToken = "host:abc", LastStatusCode = 500, LastError = "boom", CreatedAt = At,
            UpdatedAt = At, CompletedAt = At.AddDays(1),
        },
        "delivery-nulls" => new DeliveryEntity { Id = id, WebhookId = "whk_1", TableId = "tbl_1", EventId = "evt_1", EventName = "bulk.created", Payload = "{}" },
        "attempt" => new DeliveryAttemptEntity
        {
            Id = id, DeliveryId = "dlv_1", WebhookId = "whk_1", Number = 3, Trigger = AttemptTrigger.Manual, StartedAt = At, DurationMs = 12.375,
            RequestMethod = "POST", RequestUrl = "http://127.0.0.1/x", RequestHeaders = new() { ["webhook-id"] = "evt_1", ["X-Ü"] = "ä" },
            RequestBody = "{}", ResponseStatus = 204, ResponseHeaders = new() { ["Server"] = "test" }, ResponseBody = "ok", Error = null, Succeeded = true,
        },
        "attempt-nulls" => new DeliveryAttemptEntity { Id = id, DeliveryId = "dlv_1", WebhookId = "whk_1", RequestMethod = "PUT", RequestUrl = "u", RequestBody = "" },
        "request" => new IncomingRequestEntity
        {
            Id = id, WebhookId = "uwh_1", ReceivedAt = At, Status = 201, Size = 1024, RecordIds = "[\"rec_1\"]", Payload = "{\"a\":1}", Replay = true,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task InsertAsync_StoresEveryColumn_AsSaveChangesDoes(string kind)
    {
        var viaEf = Sample(kind, "a_ef");
        var viaWriter = Sample(kind, "b_writer");
        var table = _db.Model.FindEntityType(viaEf.GetType())!.GetTableName()!;
        await using (var tx = await _db.Database.BeginTransactionAsync())
        {
            _db.Add(viaEf);
            await _db.SaveChangesAsync();
            using var writer = new RowWriter(_db, "IS");
            await InsertAsync(writer, viaWriter);
            Assert.Equal(1, writer.Written);
            await tx.CommitAsync();
        }

        var ef = await ReadRowAsync(table, "a_ef");
        var written = await ReadRowAsync(table, "b_writer");
        Assert.Equal(ef.Keys.Order(), written.Keys.Order());
        foreach (var column in ef.Keys.Where(k => k != "Id"))
        {
            Assert.True(Equals(ef[column], written[column]), $"{table}.{column}: SaveChanges stored {Show(ef[column])}, RowWriter {Show(written[column])}");
        }
        // And EF reads it back as the same entity.
        _db.ChangeTracker.Clear();
        var read = await _db.FindAsync(viaWriter.GetType(), "b_writer");
        Assert.Equivalent(viaWriter, read, strict: true);
    }

    [Fact]
    public async Task UpdateAsync_SetsTheNamedColumns_OnlyWhileTheExpectedValuesHold()
    {
        var delivery = (DeliveryEntity)Sample("delivery", "dlv_x");
        _db.Add(delivery);
        await _db.SaveChangesAsync();
        _db.ChangeTracker.Clear();

        await using var tx = await _db.Database.BeginTransactionAsync();
        using var writer = new RowWriter(_db, "IS");
        var settled = delivery.Copy();
        settled.Status = DeliveryStatus.Succeeded;
        settled.LeaseToken = null;
        settled.LeaseExpiresAt = null;
        settled.CompletedAt = At.AddHours(3);
        settled.LastError = "changed but not named";
        string[] columns = [nameof(DeliveryEntity.Status), nameof(DeliveryEntity.LeaseToken), nameof(DeliveryEntity.LeaseExpiresAt), nameof(DeliveryEntity.CompletedAt)];

        Assert.False(await writer.UpdateAsync(settled, columns, [(nameof(DeliveryEntity.LeaseToken), "host:other")], default));
        Assert.True(await writer.UpdateAsync(settled, columns, [(nameof(DeliveryEntity.LeaseToken), "host:abc")], default));
        // The lease is gone now: the same compare-and-set fails, and one that expects no lease (NULL) succeeds.
        Assert.False(await writer.UpdateAsync(settled, columns, [(nameof(DeliveryEntity.LeaseToken), "host:abc")], default));
        Assert.True(await writer.UpdateAsync(settled, columns, [(nameof(DeliveryEntity.LeaseToken), null)], default));
        await tx.CommitAsync();

        var stored = await _db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == "dlv_x");
        Assert.Equal(DeliveryStatus.Succeeded, stored.Status);
        Assert.Null(stored.LeaseToken);
        Assert.Null(stored.LeaseExpiresAt);
        Assert.Equal(At.AddHours(3), stored.CompletedAt);
        Assert.Equal("boom", stored.LastError); // not named, not written
        Assert.Equal(4, writer.Written);
    }

    [Fact]
    public async Task DeferAddTo_InsertsACounterOnce_ThenAddsToIt_AndKeepsTheLatestTime()
    {
        await using var tx = await _db.Database.BeginTransactionAsync();
        using var writer = new RowWriter(_db, "IS");
        await AddToCountersAsync(_db, writer, "uwh_add");
        await tx.CommitAsync();
    }

    /// <summary>
    /// The scenario of <see cref="RowWriter.DeferAddTo{T}"/> on either engine, inside the caller's transaction: a new
    /// counter is inserted with the deferred rows it rides with; later ones add their sums, and the stored time moves
    /// only forward (an earlier one and none leave it).
    /// </summary>
    internal static async Task AddToCountersAsync(AppDbContext db, RowWriter writer, string webhookId)
    {
        string[] sums = [nameof(IncomingWebhookCounterEntity.Received), nameof(IncomingWebhookCounterEntity.Accepted), nameof(IncomingWebhookCounterEntity.Rejected)];
        string[] latest = [nameof(IncomingWebhookCounterEntity.LastReceivedAt)];
        IncomingWebhookCounterEntity Counter(long received, long accepted, DateTimeOffset? at) => new()
        {
            WebhookId = webhookId, Instance = "host-a", Received = received, Accepted = accepted, Rejected = received - accepted, LastReceivedAt = at,
        };
        async Task<IncomingWebhookCounterEntity> StoredAsync() =>
            await db.IncomingWebhookCounters.AsNoTracking().SingleAsync(c => c.WebhookId == webhookId && c.Instance == "host-a");

        var request = (IncomingRequestEntity)Sample("request", "uwr_" + webhookId);
        request.WebhookId = webhookId;
        writer.Defer([request]);
        writer.DeferAddTo(Counter(2, 1, At), sums, latest);
        Assert.True(writer.HasDeferred);
        await writer.SendDeferredAsync();
        Assert.False(writer.HasDeferred);
        Assert.Equal(1, await db.IncomingRequests.CountAsync(r => r.Id == request.Id));
        var stored = await StoredAsync();
        Assert.Equal((2L, 1L, 1L, At), (stored.Received, stored.Accepted, stored.Rejected, stored.LastReceivedAt));

        writer.DeferAddTo(Counter(3, 3, At.AddHours(-1)), sums, latest);
        await writer.SendDeferredAsync();
        stored = await StoredAsync();
        Assert.Equal((5L, 4L, 1L, At), (stored.Received, stored.Accepted, stored.Rejected, stored.LastReceivedAt));

        // Two in one send, one of them with no time at all.
        writer.DeferAddTo(Counter(1, 0, null), sums, latest);
        writer.DeferAddTo(Counter(1, 1, At.AddHours(1)), sums, latest);
        await writer.SendDeferredAsync();
        stored = await StoredAsync();
        Assert.Equal((7L, 5L, 2L, At.AddHours(1)), (stored.Received, stored.Accepted, stored.Rejected, stored.LastReceivedAt));
    }

    [Fact]
    public async Task AWriter_RunsOnTheContextsTransaction_SoARollbackTakesItsRowsToo()
    {
        await using (var tx = await _db.Database.BeginTransactionAsync())
        {
            using var writer = new RowWriter(_db, "IS");
            for (var i = 0; i < 3; i++)
            {
                await InsertAsync(writer, Sample("record", "rec_" + i));
            }
            Assert.Equal(3, await _db.Records.CountAsync());
            await tx.RollbackAsync();
        }
        Assert.Equal(0, await _db.Records.CountAsync());
    }

    [Fact]
    public async Task AConstraintViolation_FailsTheInsert()
    {
        await using var tx = await _db.Database.BeginTransactionAsync();
        using var writer = new RowWriter(_db, "IS");
        await InsertAsync(writer, Sample("record", "rec_same"));
        await Assert.ThrowsAnyAsync<DbException>(() => InsertAsync(writer, Sample("record", "rec_same")));
    }

    private static Task InsertAsync(RowWriter writer, object row) => writer.InsertAsync(row, default);

    private async Task<Dictionary<string, object?>> ReadRowAsync(string table, string id)
    {
        await using var command = _db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table}\" WHERE \"Id\" = $id";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "$id";
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

    private static string Show(object? value) => value is null ? "NULL" : $"{value} ({value.GetType().Name})";
}
