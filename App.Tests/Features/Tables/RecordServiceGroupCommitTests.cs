using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>
/// Concurrent writes share one transaction (group commit) and still behave as if each ran alone. To make a batch
/// form for sure, each test holds the database write gate while it submits its writes, then lets go.
/// </summary>
[Trait("Engines", "Both")]
public sealed class RecordServiceGroupCommitTests(RecordingUndbFactory factory) : IClassFixture<RecordingUndbFactory>
{
    private RecordService Records => factory.Services.GetRequiredService<RecordService>();

    private async Task<List<RecordEntity>> RowsAsync(string tableId)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Records.AsNoTracking().Where(r => r.TableId == tableId).ToListAsync();
    }

    [Fact]
    public async Task ConcurrentCreates_ShareOneTransaction_AndARejectedOneFailsAlone()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);

        var writes = await WriteGateBatches.StartWhileHeldAsync(factory.Services, 
            () => Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"one"}"""), null),
            () => Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"two","Value":"not a number"}"""), null),
            () => Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"three"}"""), null),
            () => Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"four"}"""), null));

        var rejected = await Assert.ThrowsAsync<RecordValidationException>(() => writes[1]);
        Assert.Equal("Value", Assert.Single(rejected.Errors).Field);
        var created = new[] { await writes[0], await writes[2], await writes[3] };
        var rows = await RowsAsync(table.Id);
        Assert.Equal(created.Select(c => c.Id).Order(), rows.Select(r => r.Id).Order());
        Assert.DoesNotContain(rows, r => r.Data.Contains("two"));

        // The three accepted writes were committed together, after the first of them was batched on its own at most.
        var transactions = factory.Sink.For(table.Id).Select(b => b.TransactionId).ToList();
        Assert.Equal(3, transactions.Count);
        Assert.All(transactions, t => Assert.NotNull(t));
        Assert.True(transactions.Distinct().Count() < transactions.Count, "expected writes to share a transaction");
    }

    [Fact]
    public async Task UpdatesToOneRecordInOneBatch_SeeEachOther_InOrder()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var record = await Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme","Value":1}"""), null);
        var value = table.Fields.Single(f => f.Name == "Value").Id;

        var writes = await WriteGateBatches.StartWhileHeldAsync(factory.Services, 
            () => Records.UpdateAsync(table.Id, new RecordPatch(record.Id, TablesSeed.Values("""{"Value":2}""")), null),
            () => Records.UpdateAsync(table.Id, new RecordPatch(record.Id, TablesSeed.Values("""{"Value":3,"Stage":"Won"}""")), null),
            () => Records.UpdateAsync(table.Id, new RecordPatch(record.Id, TablesSeed.Values("""{"Value":3}""")), null));
        await Task.WhenAll(writes);

        var updates = factory.Sink.For(table.Id).Skip(1).Select(b => Assert.Single(b.Batch.Changes)).ToList();
        Assert.Equal(2, updates.Count); // the third changed nothing, so it fired nothing
        Assert.Equal(1m, updates[0].Previous![value]!.GetValue<decimal>());
        Assert.Equal(2m, updates[1].Previous![value]!.GetValue<decimal>());
        var row = Assert.Single(await RowsAsync(table.Id));
        Assert.Equal(3m, JsonNode.Parse(row.Data)![value]!.GetValue<decimal>());
        Assert.Equal(3m, (await writes[2]).Values[value]!.GetValue<decimal>());
    }

    [Fact]
    public async Task AnUpsertInOneBatch_FindsTheRecordAnEarlierWriteCreated_ThoughItsRowWasNotSentYet()
    {
        // A write's new rows go to the database with the rest of the batch's (WriteSession.SaveDeferringRowsAsync); a
        // later write's query must still see them, or the second upsert would create a second "Acme".
        var table = await TablesSeed.DealsAsync(factory.Services);
        var deal = table.Fields.Single(f => f.Name == "Deal").Id;
        var value = table.Fields.Single(f => f.Name == "Value").Id;

        // The batcher may take the first write before the others arrive, so the first one is not part of the question.
        var writes = await WriteGateBatches.StartWhileHeldAsync(factory.Services,
            () => Records.UpsertAsync(table.Id, deal, [TablesSeed.Input("""{"Deal":"Initech"}""")], null),
            () => Records.UpsertAsync(table.Id, deal, [TablesSeed.Input("""{"Deal":"Acme","Value":1}""")], null),
            () => Records.UpsertAsync(table.Id, deal, [TablesSeed.Input("""{"Deal":"Acme","Value":2}""")], null));

        var created = Assert.Single((await writes[1]).Created);
        var second = await writes[2];
        Assert.Empty(second.Created);
        Assert.Equal(created.Id, Assert.Single(second.Updated).Id);
        var acme = Assert.Single(await RowsAsync(table.Id), r => JsonNode.Parse(r.Data)![deal]!.GetValue<string>() == "Acme");
        Assert.Equal(2m, JsonNode.Parse(acme.Data)![value]!.GetValue<decimal>());
        // Both writes shared the batch's transaction (else the question was not asked).
        var transactions = factory.Sink.For(table.Id).Skip(1).Select(b => b.TransactionId).ToList();
        Assert.Equal(2, transactions.Count);
        Assert.Single(transactions.Distinct());
    }

    [Fact]
    public async Task DeleteThenUpdateInOneBatch_TheUpdateFindsNoRecord()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var record = await Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme"}"""), null);

        var writes = await WriteGateBatches.StartWhileHeldAsync(factory.Services, 
            async () => { await Records.DeleteAsync(table.Id, record.Id, null); return (RecordSnapshot?)null; },
            async () => (RecordSnapshot?)await Records.UpdateAsync(table.Id, new RecordPatch(record.Id, TablesSeed.Values("""{"Stage":"Won"}""")), null));

        await writes[0];
        await Assert.ThrowsAsync<NotFoundException>(() => writes[1]);
        Assert.Empty(await RowsAsync(table.Id));
    }

    [Fact]
    public async Task AFailingSinkInABatch_FailsOnlyItsOwnWrite()
    {
        var good = await TablesSeed.DealsAsync(factory.Services);
        var bad = await TablesSeed.DealsAsync(factory.Services);
        factory.Sink.Behaviours[bad.Id] = (scope, _) =>
        {
            scope.Db.Tables.Add(new TableEntity { Name = "row the failing sink added " + bad.Id });
            throw new InvalidOperationException("outbox unavailable");
        };

        var writes = await WriteGateBatches.StartWhileHeldAsync(factory.Services, 
            () => Records.CreateAsync(good.Id, TablesSeed.Input("""{"Deal":"before"}"""), null),
            () => Records.CreateAsync(bad.Id, TablesSeed.Input("""{"Deal":"lost"}"""), null),
            () => Records.CreateAsync(good.Id, TablesSeed.Input("""{"Deal":"after"}"""), null));

        await Assert.ThrowsAsync<InvalidOperationException>(() => writes[1]);
        await writes[0];
        await writes[2];
        Assert.Equal(2, (await RowsAsync(good.Id)).Count);
        Assert.Empty(await RowsAsync(bad.Id));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Tables.AnyAsync(t => t.Name == "row the failing sink added " + bad.Id));
    }

    [Fact]
    public async Task AWriteCancelledWhileWaiting_WritesNothing_AndTheOthersCommit()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        using var cancel = new CancellationTokenSource();

        var writes = await WriteGateBatches.StartWhileHeldAsync(factory.Services, 
            () => Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"kept"}"""), null),
            () =>
            {
                var write = Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"cancelled"}"""), null, cancel.Token);
                cancel.Cancel();
                return write;
            });

        await writes[0];
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writes[1]);
        var row = Assert.Single(await RowsAsync(table.Id));
        Assert.Contains("kept", row.Data);
    }

    [Fact]
    public async Task AlongsideRows_CommitWithTheirOwnWrite_AndBeforeCommitWorkRunsOnceAfterTheLastWrite()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var marker = "alongside " + table.Id + " ";
        var beforeCommit = new List<(int Entries, bool InTransaction)>();
        // The pattern a caller uses for per-transaction work: collect in the scope's items, register the work once.
        AlongsideWrite Alongside(string name) => (scope, written, _) =>
        {
            scope.Db.Tables.Add(new TableEntity { Name = marker + name + " " + Assert.Single(written).Id });
            if (scope.Items.GetValueOrDefault(this) is not List<string> entries)
            {
                scope.Items[this] = entries = [];
                scope.BeforeCommit(_ =>
                {
                    beforeCommit.Add((entries.Count, scope.Db.Database.CurrentTransaction is not null));
                    return Task.CompletedTask;
                });
            }
            entries.Add(name);
            return ValueTask.CompletedTask;
        };

        // The batcher may take the first write before the others arrive, so the first one has no alongside.
        var writes = await WriteGateBatches.StartWhileHeldAsync(factory.Services,
            () => Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"zero"}"""), null),
            () => Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"one"}"""), null, alongside: Alongside("one")),
            () => Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"two","Value":"not a number"}"""), null, alongside: Alongside("two")),
            () => Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"three"}"""), null, alongside: Alongside("three")));

        await writes[0];
        var one = await writes[1];
        await Assert.ThrowsAsync<RecordValidationException>(() => writes[2]);
        var three = await writes[3];
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var markers = await db.Tables.Where(t => t.Name.StartsWith(marker)).Select(t => t.Name).ToListAsync();
        Assert.Equal([marker + "one " + one.Id, marker + "three " + three.Id], markers.Order());
        // The rejected write's alongside never ran; the two others shared one transaction and one before-commit run.
        Assert.Equal([(2, true)], beforeCommit);
    }

    [Fact]
    public async Task AFailingAlongside_FailsOnlyItsOwnWrite_AndItsRowsAndRecordRollBack()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var marker = "failing alongside " + table.Id;
        AlongsideWrite failing = (scope, _, _) =>
        {
            scope.Db.Tables.Add(new TableEntity { Name = marker });
            throw new InvalidOperationException("log unavailable");
        };

        var writes = await WriteGateBatches.StartWhileHeldAsync(factory.Services,
            () => Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"kept"}"""), null),
            () => Records.CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"lost"}"""), null, alongside: failing));

        await writes[0];
        await Assert.ThrowsAsync<InvalidOperationException>(() => writes[1]);
        var row = Assert.Single(await RowsAsync(table.Id));
        Assert.Contains("kept", row.Data);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Tables.AnyAsync(t => t.Name == marker));
    }
}
