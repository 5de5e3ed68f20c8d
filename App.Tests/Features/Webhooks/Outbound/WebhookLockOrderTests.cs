using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Undb.Features.Tables;
using Undb.Features.Webhooks.Outbound;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>
/// On PostgreSQL, every write that locks a webhook and its deliveries takes the webhook's row first. Deleting a webhook
/// locks its row, then its deliveries (the cascade); a settlement that held a delivery while it waited for the
/// webhook's row to write its health deadlocked with it, and the deletion answered 500.
/// </summary>
[Trait("Engines", "Postgres")]
public sealed class WebhookLockOrderTests(PostgresOutboundFactory factory) : IClassFixture<PostgresOutboundFactory>
{
    [Fact]
    public async Task ASettlementWaitingForItsWebhooksRow_HoldsNoneOfItsDeliveries()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var table = await TablesSeed.DealsAsync(factory.Services);
        using var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "locks", url = receiver.Url, events = new[] { "record.created" } });
        using var signals = new DeliverySignals(factory.Services);

        // Another writer holds the webhook's row (an edit, or a deletion, on another instance).
        await using var other = new NpgsqlConnection(factory.PostgresConnectionString);
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        await ExecuteAsync(other, tx, """SELECT 1 FROM "Webhooks" WHERE "Id" = @id FOR NO KEY UPDATE""", webhookId);

        // A record's delivery is sent; settling it writes the webhook's health (its first success), so it waits.
        await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Acme" } });
        await receiver.WaitForCountAsync(1);
        await PostgresLocks.WaitUntilASessionWaitsForALockAsync(factory.PostgresConnectionString!);

        // What a deletion takes next, the webhook's deliveries, is free: the waiting settlement holds none of them.
        // (Held, this throws 55P03 at once instead of waiting.)
        await ExecuteAsync(other, tx, """SELECT 1 FROM "Deliveries" WHERE "WebhookId" = @id FOR UPDATE NOWAIT""", webhookId);
        await tx.RollbackAsync();

        await signals.NextAsync(c => c.WebhookId == webhookId && c.Status == DeliveryStatus.Succeeded);
    }

    [Fact]
    public async Task ATableDeletionWaitingForARecord_HoldsNoneOfTheTablesWebhooks()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        using var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "locks", url = "http://127.0.0.1:9/hook", events = new[] { "record.updated" } });
        var record = await api.SendJsonAsync(HttpMethod.Post, $"/api/tables/{table.Id}/records", new { values = new { Deal = "Acme" } });

        // A record update under way (on another instance): it holds the record, and its delivery's insert will need
        // the webhook's key (the foreign key's share lock).
        await using var other = new NpgsqlConnection(factory.PostgresConnectionString);
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        await ExecuteAsync(other, tx, """SELECT 1 FROM "Records" WHERE "Id" = @id FOR UPDATE""", record["id"]!.GetValue<string>());

        // Deleting the table cascades to its records (and waits for that one) and to its webhooks.
        var deletion = factory.Services.GetRequiredService<TableService>().DeleteAsync(table.Id, null);
        await PostgresLocks.WaitUntilASessionWaitsForALockAsync(factory.PostgresConnectionString!);

        // The waiting deletion has not taken the webhook: the update can still insert its delivery, and finish.
        await ExecuteAsync(other, tx, """SELECT 1 FROM "Webhooks" WHERE "Id" = @id FOR KEY SHARE NOWAIT""", webhookId);
        await tx.RollbackAsync();
        await deletion;
    }

    [Fact]
    public async Task ARecordWrite_WhoseWebhookIsDeletedWhileItInsertsTheDelivery_IsWrittenWithoutIt()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        using var api = factory.CreateApiClient();
        var (webhookId, _) = await api.CreateWebhookAsync(table.Id, new { name = "gone", url = "http://127.0.0.1:9/hook", events = new[] { "record.updated" } });
        var records = factory.Services.GetRequiredService<RecordService>();
        var record = await records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme"}"""), null);

        // Another instance deletes the webhook, as WebhookService does (counting the change), and has not committed
        // yet: the update reads the webhook as there.
        await using var other = new NpgsqlConnection(factory.PostgresConnectionString);
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        await ExecuteAsync(other, tx, """DELETE FROM "Webhooks" WHERE "Id" = @id""", webhookId);
        await ExecuteAsync(other, tx, """
            INSERT INTO "ChangeCounters" ("Name", "Value") VALUES (@id, 1)
            ON CONFLICT ("Name") DO UPDATE SET "Value" = "ChangeCounters"."Value" + 1
            """, IRecordChangeSink.SettingsCounter);
        var update = records.UpdateAsync(table.Id, new RecordPatch(record.Id, TablesSeed.Values("""{"Deal":"Acme Corp"}""")), null);
        // Its delivery's insert waits for the deleted webhook's row, which then goes (a broken foreign key).
        await PostgresLocks.WaitUntilASessionWaitsForALockAsync(factory.PostgresConnectionString!);
        await tx.CommitAsync();

        // The user's change is written all the same (once more, without the webhook).
        var updated = await update;
        Assert.Equal("Acme Corp", updated.Values[table.Fields.Single(f => f.Name == "Deal").Id]!.GetValue<string>());
        await using var check = new NpgsqlConnection(factory.PostgresConnectionString);
        await check.OpenAsync();
        await using var deliveries = new NpgsqlCommand("""SELECT count(*) FROM "Deliveries" WHERE "RecordId" = @id""", check);
        deliveries.Parameters.AddWithValue("id", record.Id);
        Assert.Equal(0L, (long)(await deliveries.ExecuteScalarAsync())!);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, string id)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        command.Parameters.AddWithValue("id", id);
        await command.ExecuteNonQueryAsync();
    }
}
