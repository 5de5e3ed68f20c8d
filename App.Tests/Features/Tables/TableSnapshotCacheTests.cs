using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Undb.Data;
using Undb.Features.Tables;
using Undb.Realtime;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>
/// The table cache behind incoming webhooks: repeat reads come from memory, a schema change made through the app is
/// seen at once, and one made behind the app's back (another instance, a script) within <see cref="TableSnapshotCache.MaxAge"/>.
/// </summary>
public sealed class TableSnapshotCacheTests(UndbFactory factory) : IClassFixture<UndbFactory>, IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TableSnapshotCache? _cache;

    private TableService Tables => factory.Services.GetRequiredService<TableService>();

    private TableSnapshotCache Cache => _cache ??= new TableSnapshotCache(
        factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(),
        factory.Services.GetRequiredService<TableChangeNotifier>(),
        _time);

    /// <summary>Renames the table in the database without telling the app, as another instance or a script would.</summary>
    private async Task RenameBehindTheAppsBackAsync(string tableId, string name)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await db.Tables.Where(t => t.Id == tableId).ExecuteUpdateAsync(s => s.SetProperty(t => t.Name, name));
    }

    [Fact]
    public async Task RepeatReads_ComeFromMemory_AndRecordWritesDoNotDropThem()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        var first = await Cache.GetAsync(table.Id);
        await RenameBehindTheAppsBackAsync(table.Id, "Renamed quietly " + Guid.NewGuid().ToString("N")[..6]);
        await factory.Services.GetRequiredService<RecordService>().CreateAsync(table.Id, TablesSeed.Input("""{"Deal":"Acme"}"""), null);

        var second = await Cache.GetAsync(table.Id);

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Equal(table.Name, second!.Name);
    }

    [Fact]
    public async Task EverySchemaChangeThroughTheApp_IsSeenAtOnce()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        await Cache.GetAsync(table.Id);

        var added = await Tables.AddFieldAsync(table.Id, new FieldSpec("Owner", FieldType.Text), null);
        Assert.Contains((await Cache.GetAsync(table.Id))!.Fields, f => f.Id == added.Id);

        var newName = "Pipeline " + Guid.NewGuid().ToString("N")[..6];
        await Tables.RenameAsync(table.Id, newName, null);
        Assert.Equal(newName, (await Cache.GetAsync(table.Id))!.Name);

        var value = table.Fields.Single(f => f.Name == "Value");
        await Tables.UpdateFieldAsync(table.Id, value.Id, new FieldChanges(Name: "Amount", Required: true), null);
        var amount = (await Cache.GetAsync(table.Id))!.FieldById(value.Id)!;
        Assert.Equal(("Amount", true), (amount.Name, amount.Required));

        var reversed = (await Cache.GetAsync(table.Id))!.Fields.Select(f => f.Id).Reverse().ToList();
        await Tables.ReorderFieldsAsync(table.Id, reversed, null);
        Assert.Equal(reversed, (await Cache.GetAsync(table.Id))!.Fields.Select(f => f.Id));

        await Tables.DeleteFieldAsync(table.Id, added.Id, null);
        Assert.DoesNotContain((await Cache.GetAsync(table.Id))!.Fields, f => f.Id == added.Id);

        await Tables.DeleteAsync(table.Id, null);
        Assert.Null(await Cache.GetAsync(table.Id));
    }

    [Fact]
    public async Task AChangeTheAppWasNotTold_IsSeenAfterMaxAge()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        await Cache.GetAsync(table.Id);
        var newName = "Elsewhere " + Guid.NewGuid().ToString("N")[..6];
        await RenameBehindTheAppsBackAsync(table.Id, newName);

        _time.Advance(TableSnapshotCache.MaxAge - TimeSpan.FromSeconds(1));
        Assert.Equal(table.Name, (await Cache.GetAsync(table.Id))!.Name);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(newName, (await Cache.GetAsync(table.Id))!.Name);
    }

    [Fact]
    public async Task AnUnknownTable_IsNull() => Assert.Null(await Cache.GetAsync("tbl_missing"));

    public void Dispose() => _cache?.Dispose();
}
