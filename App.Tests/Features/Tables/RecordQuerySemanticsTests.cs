using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Tables;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>
/// What the grid and the API see must not depend on the engine: every sort direction of every field type (missing values
/// included), a mixed-case search, each filter operator and paging, asserted as exact record orders. The same
/// expectations run on SQLite and on PostgreSQL (<c>Engines=Both</c>). Text orders by its bytes with ASCII letters folded
/// to lower case ('_' before letters, "Zed" after "cherry"); a missing value orders first ascending, last descending.
/// </summary>
[Trait("Engines", "Both")]
public sealed class RecordQuerySemanticsTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    private RecordService Records => factory.Services.GetRequiredService<RecordService>();
    private RecordQueryService Query => factory.Services.GetRequiredService<RecordQueryService>();

    /// <summary>Created in this order, so ids (the tie-breaker) order them banana, Apple, cherry, Zed, _under.</summary>
    private async Task<TableSnapshot> SeedAsync()
    {
        var table = await TablesSeed.DealsAsync(factory.Services);
        await Records.BulkCreateAsync(table.Id,
        [
            TablesSeed.Input("""{"Deal":"banana","Notes":"Mixed CASE notes","Value":10,"Won":true,"Stage":"Lead","Tags":["hot"],"Close":"2026-11-20","Contact":"b@example.com"}"""),
            TablesSeed.Input("""{"Deal":"Apple","Notes":"100% pure_ish","Value":-2.5,"Won":false,"Stage":"Won","Tags":["cold","vip"],"Close":"2026-11-22T09:30:00Z"}"""),
            TablesSeed.Input("""{"Deal":"cherry","Value":100}"""),
            TablesSeed.Input("""{"Deal":"Zed","Value":9,"Won":true,"Stage":"Discovery","Tags":["vip"],"Close":"2026-11-21","Site":"https://zed.example/APPLE"}"""),
            TablesSeed.Input("""{"Deal":"_under"}"""),
        ], actorId: null);
        return table;
    }

    private async Task<List<string>> DealsAsync(TableSnapshot table, RecordQuery query)
    {
        var page = await Query.ListAsync(table.Id, query);
        return page.Records.Select(r => r.Values[F(table, "Deal")]!.GetValue<string>()).ToList();
    }

    private static string F(TableSnapshot t, string name) => t.Fields.Single(f => f.Name == name).Id;

    public static TheoryData<string, string[]> Sorts => new()
    {
        { "Deal", ["_under", "Apple", "banana", "cherry", "Zed"] },
        { "Notes", ["cherry", "Zed", "_under", "Apple", "banana"] },
        { "Value", ["_under", "Apple", "Zed", "banana", "cherry"] },
        { "Won", ["cherry", "_under", "Apple", "banana", "Zed"] },
        { "Stage", ["cherry", "_under", "Zed", "banana", "Apple"] },
        { "Tags", ["cherry", "_under", "Apple", "banana", "Zed"] },
        { "Close", ["cherry", "_under", "banana", "Zed", "Apple"] },
        { "Contact", ["Apple", "cherry", "Zed", "_under", "banana"] },
        { "Site", ["banana", "Apple", "cherry", "_under", "Zed"] },
    };

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task SortByEveryFieldType_BothDirections_SameOrder(string field, string[] ascending)
    {
        var t = await SeedAsync();
        Assert.Equal(ascending, await DealsAsync(t, new RecordQuery(Limit: 100, Sort: field)));
        // Descending is the exact reverse: ties (missing values) break by id, descending too.
        Assert.Equal(ascending.Reverse(), await DealsAsync(t, new RecordQuery(Limit: 100, Sort: field, Descending: true)));
    }

    [Fact]
    public async Task SystemSorts_AndPaging_CountTheWholeMatch()
    {
        var t = await SeedAsync();
        Assert.Equal(["banana", "Apple", "cherry", "Zed", "_under"], await DealsAsync(t, new RecordQuery(Limit: 100)));
        Assert.Equal(["_under", "Zed", "cherry", "Apple", "banana"], await DealsAsync(t, new RecordQuery(Limit: 100, Sort: "createdAt", Descending: true)));
        Assert.Equal(["banana", "Apple", "cherry", "Zed", "_under"], await DealsAsync(t, new RecordQuery(Limit: 100, Sort: "updatedAt")));
        var page = await Query.ListAsync(t.Id, new RecordQuery(Offset: 1, Limit: 2, Sort: "Deal"));
        Assert.Equal(5, page.Total);
        Assert.Equal(["Apple", "banana"], page.Records.Select(r => r.Values[F(t, "Deal")]!.GetValue<string>()));
        var last = await Query.ListAsync(t.Id, new RecordQuery(Offset: 4, Limit: 2, Sort: "Value", Descending: true));
        Assert.Equal(5, last.Total);
        Assert.Equal(["_under"], last.Records.Select(r => r.Values[F(t, "Deal")]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("mIxEd", new[] { "banana" })]
    [InlineData("APPLE", new[] { "Apple", "Zed" })]
    [InlineData("vip", new[] { "Apple", "Zed" })]
    [InlineData("_", new[] { "_under", "Apple" })]
    [InlineData("100%", new[] { "Apple" })]
    [InlineData("LEAD", new[] { "banana" })]
    [InlineData("nothing like it", new string[0])]
    public async Task Search_IgnoresAsciiCase_AndTakesWildcardsLiterally(string search, string[] expected)
    {
        var t = await SeedAsync();
        var page = await Query.ListAsync(t.Id, new RecordQuery(Limit: 100, Sort: "Deal", Search: search));
        Assert.Equal(expected, page.Records.Select(r => r.Values[F(t, "Deal")]!.GetValue<string>()));
        Assert.Equal(expected.Length, page.Total);
    }

    public static TheoryData<string, FilterOperator, string?, string[]?, string[]> Filters => new()
    {
        { "Deal", FilterOperator.Contains, "AN", null, ["banana"] },
        { "Deal", FilterOperator.Contains, "_", null, ["_under"] },
        { "Deal", FilterOperator.DoesNotContain, "e", null, ["banana"] },
        { "Deal", FilterOperator.Is, "zED", null, ["Zed"] },
        { "Deal", FilterOperator.IsNot, "apple", null, ["_under", "banana", "cherry", "Zed"] },
        { "Deal", FilterOperator.IsAnyOf, null, ["APPLE", "cherry"], ["Apple", "cherry"] },
        { "Notes", FilterOperator.IsEmpty, null, null, ["cherry", "Zed", "_under"] },
        { "Notes", FilterOperator.IsNotEmpty, null, null, ["Apple", "banana"] },
        { "Notes", FilterOperator.DoesNotContain, "notes", null, ["cherry", "Zed", "_under", "Apple"] },
        { "Value", FilterOperator.Is, "-2.5", null, ["Apple"] },
        { "Value", FilterOperator.IsNot, "10", null, ["_under", "Apple", "Zed", "cherry"] },
        { "Value", FilterOperator.GreaterThan, "9", null, ["banana", "cherry"] },
        { "Value", FilterOperator.LessThan, "9", null, ["Apple"] },
        { "Value", FilterOperator.GreaterOrEqual, "9", null, ["Zed", "banana", "cherry"] },
        { "Value", FilterOperator.LessOrEqual, "10", null, ["Apple", "Zed", "banana"] },
        { "Value", FilterOperator.IsEmpty, null, null, ["_under"] },
        { "Won", FilterOperator.Is, "true", null, ["banana", "Zed"] },
        { "Won", FilterOperator.Is, "false", null, ["cherry", "_under", "Apple"] },
        { "Stage", FilterOperator.Is, "lead", null, ["banana"] },
        { "Stage", FilterOperator.IsNot, "Lead", null, ["cherry", "_under", "Zed", "Apple"] },
        { "Stage", FilterOperator.IsAnyOf, null, ["won", "Discovery"], ["Zed", "Apple"] },
        { "Stage", FilterOperator.IsEmpty, null, null, ["cherry", "_under"] },
        { "Tags", FilterOperator.Contains, "VIP", null, ["Apple", "Zed"] },
        { "Tags", FilterOperator.DoesNotContain, "vip", null, ["cherry", "_under", "banana"] },
        { "Tags", FilterOperator.IsAnyOf, null, ["hot", "cold"], ["Apple", "banana"] },
        { "Tags", FilterOperator.IsNotEmpty, null, null, ["Apple", "banana", "Zed"] },
        { "Close", FilterOperator.Is, "2026-11-22", null, ["Apple"] },
        { "Close", FilterOperator.IsNot, "2026-11-22", null, ["cherry", "_under", "banana", "Zed"] },
        { "Close", FilterOperator.GreaterThan, "2026-11-21", null, ["Apple"] },
        { "Close", FilterOperator.LessThan, "2026-11-21", null, ["banana"] },
        { "Close", FilterOperator.GreaterOrEqual, "2026-11-21", null, ["Zed", "Apple"] },
        { "Close", FilterOperator.LessOrEqual, "2026-11-22", null, ["banana", "Zed", "Apple"] },
        { "Close", FilterOperator.IsEmpty, null, null, ["cherry", "_under"] },
    };

    /// <summary>Results sorted by the filtered field, so the order is checked too.</summary>
    [Theory]
    [MemberData(nameof(Filters))]
    public async Task EachFilterOperator_MatchesTheSameRecords(string field, FilterOperator op, string? value, string[]? values, string[] expected)
    {
        var t = await SeedAsync();
        var filter = new RecordFilter(F(t, field), op, value, values);
        Assert.Equal(expected, await DealsAsync(t, new RecordQuery(Limit: 100, Sort: field, Filters: [filter])));
    }

    [Fact]
    public async Task DeletingAField_RemovesItsValuesFromEveryRecord()
    {
        var t = await SeedAsync();
        await factory.Services.GetRequiredService<TableService>().DeleteFieldAsync(t.Id, F(t, "Tags"), actorId: null);
        var page = await Query.ListAsync(t.Id, new RecordQuery(Limit: 100, Sort: "Deal"));
        Assert.Equal(5, page.Total);
        Assert.All(page.Records, r => Assert.False(r.Values.ContainsKey(F(t, "Tags"))));
        Assert.Equal(["Zed"], await DealsAsync(t, new RecordQuery(Limit: 100, Filters: [new RecordFilter(F(t, "Site"), FilterOperator.Contains, "apple")])));
    }
}
