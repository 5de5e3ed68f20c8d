using System.Net;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>Bulk creates, patches and deletes over HTTP: all or nothing, the failing item named by its index.</summary>
public sealed partial class TablesApiTests
{
    // bulk

    [Fact]
    public async Task BulkCreate_Fifty_Returns201WithAllInOrder()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();

        var created = await BulkCreateAsync(id, 50);

        Assert.Equal(50, created.Count);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"Deal {i:D2}"), created.Select(r => r!["values"]!["Deal"]!.GetValue<string>()));
        Assert.Equal(50, await CountAsync(id));
        Assert.Equal(50, (await ListAsync(id, "?limit=1"))["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task BulkCreate_RecordsAreListedInTheOrderGiven()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();

        var created = await BulkCreateAsync(id, 50);

        var listed = await ListAsync(id, "?limit=1000");
        Assert.Equal(created.Select(r => r!["id"]!.GetValue<string>()), listed["records"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal(created.Select(r => r!["id"]!.GetValue<string>()).Reverse(), (await ListAsync(id, "?limit=1000&sort=-createdAt"))["records"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task BulkCreate_OneWrongTypedItem_Is422WithItsIndex_AndWritesNone()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        var items = string.Join(",", Enumerable.Range(0, 50).Select(i => i == 23 ? """{"values":{"Deal":"x","Won":"maybe"}}""" : $$$"""{"values":{"Deal":"Deal {{{i}}}"}}"""));

        var problem = await ProblemAsync(await _api.PostAsync($"/api/tables/{id}/records/bulk", Json($$"""{"records":[{{items}}]}""")), HttpStatusCode.UnprocessableEntity);

        Assert.NotNull(problem["errors"]!["records[23].Won"]);
        Assert.Single(problem["errors"]!.AsObject());
        Assert.Equal(0, await CountAsync(id));
    }

    [Theory]
    [InlineData("""{"records":[]}""")]
    [InlineData("""{}""")]
    public async Task BulkCreate_NoItems_Is400(string body)
    {
        var table = await CreateTableAsync();

        await ProblemAsync(await _api.PostAsync($"/api/tables/{table["id"]}/records/bulk", Json(body)), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task BulkCreate_OverTheLimit_Is400_AndWritesNothing()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        var items = string.Join(",", Enumerable.Repeat("""{"values":{"Deal":"x"}}""", 1001));

        var problem = await ProblemAsync(await _api.PostAsync($"/api/tables/{id}/records/bulk", Json($$"""{"records":[{{items}}]}""")), HttpStatusCode.BadRequest);

        Assert.Contains("1000", problem["detail"]!.GetValue<string>());
        Assert.Equal(0, await CountAsync(id));
    }

    [Fact]
    public async Task BulkPatch_UpdatesEachRecord()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        var created = await BulkCreateAsync(id, 3);
        var ids = created.Select(r => r!["id"]!.GetValue<string>()).ToList();

        var response = await _api.PatchAsync($"/api/tables/{id}/records/bulk", Json($$$"""
            {"records":[{"id":"{{{ids[0]}}}","values":{"Stage":"Won"}},{"id":"{{{ids[2]}}}","values":{"Value":"99.90"}}]}
            """));

        var updated = (await ReadAsync(response, HttpStatusCode.OK))["records"]!.AsArray();
        Assert.Equal([ids[0], ids[2]], updated.Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal("Won", (await ReadAsync(await _api.GetAsync($"/api/tables/{id}/records/{ids[0]}"), HttpStatusCode.OK))["values"]!["Stage"]!.GetValue<string>());
        Assert.Equal("99.9", (await ReadAsync(await _api.GetAsync($"/api/tables/{id}/records/{ids[2]}"), HttpStatusCode.OK))["values"]!["Value"]!.ToJsonString());
        Assert.Null((await ReadAsync(await _api.GetAsync($"/api/tables/{id}/records/{ids[1]}"), HttpStatusCode.OK))["values"]!["Stage"]);
    }

    [Fact]
    public async Task BulkPatch_ItemWithoutId_Is400_AndBadValue_Is422_AndNothingChanges()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        var ids = (await BulkCreateAsync(id, 2)).Select(r => r!["id"]!.GetValue<string>()).ToList();

        var missingId = await ProblemAsync(await _api.PatchAsync($"/api/tables/{id}/records/bulk", Json($$$"""
            {"records":[{"id":"{{{ids[0]}}}","values":{"Stage":"Won"}},{"values":{"Stage":"Won"}}]}
            """)), HttpStatusCode.BadRequest);
        Assert.NotNull(missingId["errors"]!["records[1].id"]);

        var badValue = await ProblemAsync(await _api.PatchAsync($"/api/tables/{id}/records/bulk", Json($$$"""
            {"records":[{"id":"{{{ids[0]}}}","values":{"Stage":"Won"}},{"id":"{{{ids[1]}}}","values":{"Value":"n/a"}}]}
            """)), HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(badValue["errors"]!["records[1].Value"]);

        var list = await ListAsync(id);
        Assert.All(list["records"]!.AsArray(), r => Assert.Null(r!["values"]!["Stage"]));
    }

    [Fact]
    public async Task BulkDelete_DeletesTheListedRecords_AndAnUnknownIdDeletesNone()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        var ids = (await BulkCreateAsync(id, 5)).Select(r => r!["id"]!.GetValue<string>()).ToList();

        var unknown = await _api.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/tables/{id}/records/bulk")
        {
            Content = Json($$"""{"ids":["{{ids[0]}}","rec_missing"]}"""),
        });
        await ProblemAsync(unknown, HttpStatusCode.NotFound);
        Assert.Equal(5, await CountAsync(id));

        var response = await _api.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/tables/{id}/records/bulk")
        {
            Content = Json($$"""{"ids":["{{ids[0]}}","{{ids[3]}}"]}"""),
        });

        Assert.Equal(2, (await ReadAsync(response, HttpStatusCode.OK))["deleted"]!.GetValue<int>());
        var remaining = (await ListAsync(id))["records"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).Order();
        Assert.Equal(new[] { ids[1], ids[2], ids[4] }.Order(), remaining);
    }
}
