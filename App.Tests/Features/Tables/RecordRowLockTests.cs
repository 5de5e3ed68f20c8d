using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>The app on PostgreSQL whatever the pass (UNDB_TEST_POSTGRES; test.sh always provides it).</summary>
public sealed class PostgresUndbFactory() : UndbFactory(postgres: true);

/// <summary>
/// On PostgreSQL, writers on several instances do not take turns: a record update locks the record it read, so a
/// concurrent change to another field of it (another instance) is waited for and kept, never overwritten.
/// </summary>
[Trait("Engines", "Postgres")]
public sealed class RecordRowLockTests(PostgresUndbFactory factory) : IClassFixture<PostgresUndbFactory>
{
    [Fact]
    public async Task AnUpdateWaitsForAnotherWritersLockOnTheRecord_AndKeepsWhatThatWriterChanged()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var records = factory.Services.GetRequiredService<RecordService>();
        var record = await records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Value":1}"""), null);
        var valueId = table.Fields.Single(f => f.Name == "Value").Id;
        var dealId = table.Fields.Single(f => f.Name == "Deal").Id;

        // Another instance's writer: holds the record's row, and changes Value meanwhile.
        await using var other = new NpgsqlConnection(factory.PostgresConnectionString);
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand("""SELECT 1 FROM "Records" WHERE "Id" = @id FOR UPDATE""", other, tx))
        {
            take.Parameters.AddWithValue("id", record.Id);
            await take.ExecuteScalarAsync();
        }

        var update = records.UpdateAsync(table.Id, new RecordPatch(record.Id, new Dictionary<string, JsonNode?> { [dealId] = JsonValue.Create("Acme Corp") }), null);
        await PostgresLocks.WaitUntilASessionWaitsForALockAsync(factory.PostgresConnectionString!);
        await using (var change = new NpgsqlCommand("""UPDATE "Records" SET "Data" = jsonb_set("Data", ARRAY[@field], '2') WHERE "Id" = @id""", other, tx))
        {
            change.Parameters.AddWithValue("field", valueId);
            change.Parameters.AddWithValue("id", record.Id);
            await change.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        await update;

        var stored = (await factory.Services.GetRequiredService<RecordQueryService>().GetAsync(table.Id, record.Id))!.Values;
        Assert.Equal("Acme Corp", stored[dealId]!.GetValue<string>());
        Assert.Equal(2, stored[valueId]!.GetValue<decimal>());
    }
}
