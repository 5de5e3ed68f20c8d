using System.Net;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>Listing records over HTTP: paging with totals, sorting by each field type, case-insensitive search.</summary>
public sealed partial class TablesApiTests
{
    // paging

    [Fact]
    public async Task List_PagesWithOffsetAndLimit_AndTheRightTotal()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        await BulkCreateAsync(id, 50);

        var seen = new List<string>();
        foreach (var (offset, expected) in new[] { (0, 20), (20, 20), (40, 10), (60, 0) })
        {
            var page = await ListAsync(id, $"?offset={offset}&limit=20");
            Assert.Equal(50, page["total"]!.GetValue<int>());
            Assert.Equal(expected, page["records"]!.AsArray().Count);
            seen.AddRange(page["records"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
        }
        Assert.Equal(50, seen.Distinct().Count());
    }

    [Fact]
    public async Task List_DefaultPage_IsAHundred()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        await BulkCreateAsync(id, 120, i => $$"""{"Deal":"d{{i}}"}""");

        var page = await ListAsync(id);

        Assert.Equal(100, page["records"]!.AsArray().Count);
        Assert.Equal(120, page["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task List_LimitOfAThousand_IsAllowed()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        await BulkCreateAsync(id, 3);

        Assert.Equal(3, (await ListAsync(id, "?limit=1000"))["records"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("?limit=1001")]
    [InlineData("?limit=0")]
    [InlineData("?offset=-1")]
    [InlineData("?sort=Colour")]
    [InlineData("?limit=abc")]
    public async Task List_BadPagingOrSort_Is400(string query)
    {
        var table = await CreateTableAsync();

        await ProblemAsync(await _api.GetAsync($"/api/tables/{table["id"]}/records{query}"), HttpStatusCode.BadRequest);
    }

    // sort

    private async Task<string> SortTableAsync()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        foreach (var (deal, value) in new[] { ("banana", 10), ("Apple", 9), ("cherry", 100), ("apricot", -5) })
        {
            await CreateRecordAsync(id, $$"""{"Deal":"{{deal}}","Value":{{value}}}""");
            factory.Time.Advance(TimeSpan.FromSeconds(1));
        }
        return id;
    }

    [Theory]
    [InlineData("?sort=Value", "-5,9,10,100")]
    [InlineData("?sort=Value:asc", "-5,9,10,100")]
    [InlineData("?sort=-Value", "100,10,9,-5")]
    [InlineData("?sort=Value:desc", "100,10,9,-5")]
    [InlineData("?sort=value:DESC", "100,10,9,-5")]
    public async Task List_SortByNumber_IsNumeric(string query, string expected)
    {
        var id = await SortTableAsync();

        Assert.Equal(expected.Split(','), Column(await ListAsync(id, query), "Value"));
    }

    [Theory]
    [InlineData("?sort=Deal", "Apple,apricot,banana,cherry")]
    [InlineData("?sort=-Deal", "cherry,banana,apricot,Apple")]
    [InlineData("?sort=Deal:desc", "cherry,banana,apricot,Apple")]
    public async Task List_SortByText_IgnoresCase(string query, string expected)
    {
        var id = await SortTableAsync();

        Assert.Equal(expected.Split(','), Column(await ListAsync(id, query), "Deal"));
    }

    [Theory]
    [InlineData("", "banana,Apple,cherry,apricot")]
    [InlineData("?sort=createdAt", "banana,Apple,cherry,apricot")]
    [InlineData("?sort=-createdAt", "apricot,cherry,Apple,banana")]
    [InlineData("?sort=createdAt:desc", "apricot,cherry,Apple,banana")]
    public async Task List_SortByCreatedAt_FollowsCreationOrder(string query, string expected)
    {
        var id = await SortTableAsync();

        Assert.Equal(expected.Split(','), Column(await ListAsync(id, query), "Deal"));
    }

    [Fact]
    public async Task List_SortWithPaging_PagesTheSortedOrder()
    {
        var id = await SortTableAsync();

        var page = await ListAsync(id, "?sort=-Value&offset=1&limit=2");

        Assert.Equal(["10", "9"], Column(page, "Value"));
        Assert.Equal(4, page["total"]!.GetValue<int>());
    }

    // search

    private async Task<string> SearchTableAsync()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        await CreateRecordAsync(id, """{"Deal":"Acme Corp","Value":1}""");
        await CreateRecordAsync(id, """{"Deal":"Globex","Notes":"referred by ACME","Value":2}""");
        await CreateRecordAsync(id, """{"Deal":"Initech","Contact":"bill@initech.example","Value":3}""");
        await CreateRecordAsync(id, """{"Deal":"100% sure","Value":4}""");
        await CreateRecordAsync(id, """{"Deal":"a_b","Stage":"Discovery","Value":5}""");
        await CreateRecordAsync(id, """{"Deal":"axb 100 percent","Value":6}""");
        return id;
    }

    [Theory]
    [InlineData("acme", "1,2")]
    [InlineData("ACME corp", "1")]
    [InlineData("initech.example", "3")]
    [InlineData("discovery", "5")]
    [InlineData("%", "4")]
    [InlineData("100%", "4")]
    [InlineData("_", "5")]
    [InlineData("a_b", "5")]
    [InlineData("\\", "")]
    [InlineData("nothing like it", "")]
    public async Task List_Search_IsCaseInsensitive_AcrossTextFields_WithWildcardsTakenLiterally(string search, string expectedValues)
    {
        var id = await SearchTableAsync();

        var page = await ListAsync(id, "?sort=Value&search=" + Uri.EscapeDataString(search));

        var expected = expectedValues.Length == 0 ? [] : expectedValues.Split(',');
        Assert.Equal(expected, Column(page, "Value"));
        Assert.Equal(expected.Length, page["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task List_Search_DoesNotMatchNumbers()
    {
        var id = await SearchTableAsync();

        Assert.Equal(0, (await ListAsync(id, "?search=5"))["total"]!.GetValue<int>());
    }
}
