using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Realtime;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>What a write hands on: the change sink inside its transaction, the notifier after its commit, values stored by field id.</summary>
public sealed partial class RecordServiceTests
{
    // the sink: inside the transaction

    [Fact]
    public async Task Sink_Throwing_RollsBackTheWholeOperation()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var existing = await CreateDealAsync(table);
        factory.Sink.Behaviours[table.Id] = (_, _) => throw new InvalidOperationException("outbox unavailable");
        var heard = 0;
        using var subscription = Notifier.Subscribe(table.Id, _ => { Interlocked.Increment(ref heard); return Task.CompletedTask; });

        await Assert.ThrowsAsync<InvalidOperationException>(() => CreateDealAsync(table));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Records.BulkCreateAsync(table.Id, Deals(5), null));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Records.UpdateAsync(table.Id, new RecordPatch(existing.Id, Values("""{"Stage":"Won"}""")), null));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Records.DeleteAsync(table.Id, existing.Id, null));

        Assert.Equal(1, await CountAsync(table.Id));
        Assert.Contains("Lead", (await RowAsync(existing.Id)).Data);
        Assert.Equal(0, Volatile.Read(ref heard));
    }

    [Fact]
    public async Task Sink_RowsItAdds_CommitWithTheRecords_OrNotAtAll()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var fail = false;
        factory.Sink.Behaviours[table.Id] = (scope, batch) =>
        {
            // A stand-in for an outbox row: any entity added to the write path's context.
            scope.Db.Tables.Add(new TableEntity { Name = "outbox " + batch.Changes[0].Record.Values[FieldId(table, "Deal")] });
            return fail ? throw new InvalidOperationException("after adding its row") : null;
        };

        await Records.CreateAsync(table.Id, Input("""{"Deal":"kept"}"""), null);
        fail = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Records.CreateAsync(table.Id, Input("""{"Deal":"dropped"}"""), null));

        await using var db = await DbAsync();
        Assert.True(await db.Tables.AnyAsync(t => t.Name == "outbox kept"));
        Assert.False(await db.Tables.AnyAsync(t => t.Name == "outbox dropped"));
        Assert.Equal(1, await CountAsync(table.Id));
    }

    [Fact]
    public async Task Sink_PostCommitAction_RunsAfterTheCommit_AndItsFailureDoesNotUndoTheChange()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var dbFactory = factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var countsSeenAfterCommit = new List<int>();
        factory.Sink.Behaviours[table.Id] = (_, _) => () =>
        {
            using var db = dbFactory.CreateDbContext();
            countsSeenAfterCommit.Add(db.Records.Count(r => r.TableId == table.Id));
            throw new InvalidOperationException("the wake-up failed");
        };

        var created = await CreateDealAsync(table);

        Assert.Equal([1], countsSeenAfterCommit);
        Assert.Equal(created.Id, (await RowAsync(created.Id)).Id);
    }

    // the notifier: after the commit

    [Fact]
    public async Task Notifier_IsPublishedAfterTheCommit_WithTheChangedRecordIds()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var seen = new TaskCompletionSource<(TableChange Change, int Count)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = Notifier.Subscribe(table.Id, async change =>
        {
            // A fresh context sees only committed data.
            seen.TrySetResult((change, await CountAsync(table.Id)));
        });
        var adminId = await factory.AdminIdAsync();

        var created = await Records.BulkCreateAsync(table.Id, Deals(3), adminId);

        var (change, count) = await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, count);
        Assert.Equal(table.Id, change.TableId);
        Assert.Equal(TableChangeKind.RecordsChanged, change.Kind);
        Assert.Equal(created.Select(r => r.Id), change.RecordIds);
        Assert.Equal(adminId, change.ActorId);
    }

    [Fact]
    public async Task Notifier_DisposedSubscription_GetsNothing_WhileALiveOneDoes()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var disposedHeard = 0;
        var disposed = Notifier.Subscribe(table.Id, _ => { Interlocked.Increment(ref disposedHeard); return Task.CompletedTask; });
        var live = new TaskCompletionSource<TableChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var liveSubscription = Notifier.Subscribe(table.Id, c => { live.TrySetResult(c); return Task.CompletedTask; });
        disposed.Dispose();

        var created = await CreateDealAsync(table);

        Assert.Equal([created.Id], (await live.Task.WaitAsync(TimeSpan.FromSeconds(30))).RecordIds);
        Assert.Equal(0, Volatile.Read(ref disposedHeard));
    }

    [Fact]
    public async Task Notifier_TableSubscription_DoesNotHearOtherTables()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var other = await TablesSeed.DealsAsync(factory.Services);
        var otherHeard = 0;
        using var otherSubscription = Notifier.Subscribe(other.Id, _ => { Interlocked.Increment(ref otherHeard); return Task.CompletedTask; });
        var all = new TaskCompletionSource<TableChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var allSubscription = Notifier.SubscribeAll(c => { if (c.TableId == table.Id) { all.TrySetResult(c); } return Task.CompletedTask; });

        await CreateDealAsync(table);

        Assert.Equal(table.Id, (await all.Task.WaitAsync(TimeSpan.FromSeconds(30))).TableId);
        Assert.Equal(0, Volatile.Read(ref otherHeard));
    }

    [Fact]
    public async Task Notifier_ThrowingSubscriber_DoesNotFailTheWrite_OrStarveOthers()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        using var bad = Notifier.Subscribe(table.Id, _ => throw new InvalidOperationException("broken grid"));
        var good = new TaskCompletionSource<TableChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var goodSubscription = Notifier.Subscribe(table.Id, c => { good.TrySetResult(c); return Task.CompletedTask; });

        var created = await CreateDealAsync(table);

        Assert.Equal([created.Id], (await good.Task.WaitAsync(TimeSpan.FromSeconds(30))).RecordIds);
        Assert.Equal(1, await CountAsync(table.Id));
    }

    // storage by field id

    [Fact]
    public async Task Storage_IsByFieldId_SoRenamingAFieldKeepsItsValues()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var created = await CreateDealAsync(table);
        var row = await RowAsync(created.Id);
        Assert.Contains(FieldId(table, "Value"), row.Data);
        Assert.DoesNotContain("\"Value\"", row.Data);

        await using (var db = await DbAsync())
        {
            var field = await db.Fields.SingleAsync(f => f.Id == FieldId(table, "Value"));
            field.Name = "Amount";
            await db.SaveChangesAsync();
        }

        var renamed = (await factory.Services.GetRequiredService<TableService>().GetAsync(table.Id))!;
        var read = (await factory.Services.GetRequiredService<RecordQueryService>().GetAsync(table.Id, created.Id))!;
        var byName = ApiMapping.ValuesByName(read.Values, renamed);
        Assert.Equal(1200m, byName["Amount"]!.GetValue<decimal>());
        Assert.False(byName.ContainsKey("Value"));

        // Writing by the new name lands in the same stored slot.
        var updated = await Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("""{"Amount":7}""")), null);
        Assert.Equal(7m, updated.Values[FieldId(table, "Value")]!.GetValue<decimal>());
        await Assert.ThrowsAsync<RecordValidationException>(() => Records.UpdateAsync(table.Id, new RecordPatch(created.Id, Values("""{"Value":8}""")), null));
    }
}
