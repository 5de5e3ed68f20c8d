using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Accounts;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

/// <summary>The REST API over HTTP on the real app; every test makes its own table.</summary>
[Trait("Engines", "Both")]
public sealed partial class TablesApiTests(RecordingUndbFactory factory) : IClassFixture<RecordingUndbFactory>
{
    private readonly HttpClient _api = factory.CreateApiClient();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.False(string.IsNullOrEmpty(body), $"The {(int)expected} answer has no body.");
        return JsonNode.Parse(body)!;
    }

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var problem = (await ReadAsync(response, expected)).AsObject();
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem["status"]!.GetValue<int>());
        return problem;
    }

    private async Task<int> CountAsync(string tableId)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Records.CountAsync(r => r.TableId == tableId);
    }

    /// <summary>A table with five typed fields (plus a long text and an email to search in).</summary>
    private async Task<JsonNode> CreateTableAsync(string? name = null)
    {
        name ??= "Deals " + Guid.NewGuid().ToString("N")[..8];
        var response = await _api.PostAsync("/api/tables", Json($$$"""
            {"name":"{{{name}}}","fields":[
              {"name":"Deal","type":"text","required":true},
              {"name":"Value","type":"number"},
              {"name":"Stage","type":"singleSelect","options":{"choices":["Lead","Discovery","Won"]}},
              {"name":"Won","type":"checkbox"},
              {"name":"Close","type":"date"},
              {"name":"Notes","type":"longText"},
              {"name":"Contact","type":"email"}]}
            """));
        return await ReadAsync(response, HttpStatusCode.Created);
    }

    private async Task<JsonNode> CreateRecordAsync(string tableId, string valuesJson)
    {
        var response = await _api.PostAsync($"/api/tables/{tableId}/records", Json($$"""{"values":{{valuesJson}}}"""));
        return await ReadAsync(response, HttpStatusCode.Created);
    }

    private async Task<JsonArray> BulkCreateAsync(string tableId, int count, Func<int, string>? values = null)
    {
        values ??= i => $$"""{"Deal":"Deal {{i:D2}}","Value":{{i}}}""";
        var items = string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"values":{{values(i)}}}"""));
        var response = await _api.PostAsync($"/api/tables/{tableId}/records/bulk", Json($$"""{"records":[{{items}}]}"""));
        return (await ReadAsync(response, HttpStatusCode.Created))["records"]!.AsArray();
    }

    private async Task<JsonNode> ListAsync(string tableId, string query = "")
    {
        var response = await _api.GetAsync($"/api/tables/{tableId}/records{query}");
        return await ReadAsync(response, HttpStatusCode.OK);
    }

    private static List<string> Column(JsonNode list, string field) =>
        list["records"]!.AsArray().Select(r => r!["values"]![field]!.ToJsonString().Trim('"')).ToList();

    // auth

    [Theory]
    [InlineData("GET", "/api/tables")]
    [InlineData("POST", "/api/tables")]
    [InlineData("GET", "/api/tables/tbl_x/records")]
    [InlineData("POST", "/api/tables/tbl_x/records")]
    [InlineData("PATCH", "/api/tables/tbl_x/records/rec_x")]
    [InlineData("DELETE", "/api/tables/tbl_x/records/bulk")]
    public async Task Api_WithoutToken_Is401(string method, string path)
    {
        var response = await factory.CreateAnonymousClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Json("{}") });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("undb_this_is_not_a_real_token_000")]
    [InlineData("not-even-the-right-prefix")]
    [InlineData("")]
    public async Task Api_WithWrongToken_Is401(string token)
    {
        var client = factory.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await client.GetAsync("/api/tables");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_WithRevokedToken_Is401()
    {
        var tokens = factory.Services.GetRequiredService<ApiTokenService>();
        var adminId = await factory.AdminIdAsync();
        var created = await tokens.CreateAsync(adminId, "to revoke");
        var client = factory.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tables")).StatusCode);

        Assert.True(await tokens.RevokeAsync(adminId, created.Info.Id));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/tables")).StatusCode);
    }

    // tables and fields

    [Fact]
    public async Task CreateTable_Returns201WithTheTable_AndItIsListedAndReadable()
    {
        var name = "Pipeline " + Guid.NewGuid().ToString("N")[..8];
        var response = await _api.PostAsync("/api/tables", Json($$$"""
            {"name":"{{{name}}}","fields":[{"name":"Deal","type":"text","required":true},{"name":"Stage","type":"singleSelect","options":{"choices":["Lead","Won"]}}]}
            """));

        var table = await ReadAsync(response, HttpStatusCode.Created);
        var id = table["id"]!.GetValue<string>();
        Assert.StartsWith("tbl_", id);
        Assert.Equal($"/api/tables/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(name, table["name"]!.GetValue<string>());
        var fields = table["fields"]!.AsArray();
        Assert.Equal(["Deal", "Stage"], fields.Select(f => f!["name"]!.GetValue<string>()));
        Assert.StartsWith("fld_", fields[0]!["id"]!.GetValue<string>());
        Assert.Equal("text", fields[0]!["type"]!.GetValue<string>());
        Assert.True(fields[0]!["required"]!.GetValue<bool>());
        Assert.Equal("singleSelect", fields[1]!["type"]!.GetValue<string>());
        Assert.Equal("""["Lead","Won"]""", fields[1]!["options"]!["choices"]!.ToJsonString());

        var listed = await ReadAsync(await _api.GetAsync("/api/tables"), HttpStatusCode.OK);
        Assert.Contains(listed["items"]!.AsArray(), t => t!["id"]!.GetValue<string>() == id);
        var read = await ReadAsync(await _api.GetAsync($"/api/tables/{id}"), HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(table, read), read.ToJsonString());
    }

    [Theory]
    [InlineData("""{"name":"","fields":[]}""", "name")]
    [InlineData("""{"name":"X","fields":[{"name":"A","type":"colour"}]}""", "fields[0].type")]
    [InlineData("""{"name":"X","fields":[{"name":"A","type":"text"},{"name":"a","type":"number"}]}""", "fields")]
    [InlineData("""{"name":"X","fields":[{"name":"createdAt","type":"text"}]}""", "fields[0].name")]
    public async Task CreateTable_Invalid_Is400NamingTheProblem(string json, string errorKey)
    {
        var problem = await ProblemAsync(await _api.PostAsync("/api/tables", Json(json)), HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]?[errorKey]);
    }

    [Fact]
    public async Task CreateTable_DuplicateName_Is400()
    {
        var table = await CreateTableAsync();

        var problem = await ProblemAsync(await _api.PostAsync("/api/tables", Json($$"""{"name":"{{table["name"]!.GetValue<string>().ToUpperInvariant()}}"}""")), HttpStatusCode.BadRequest);

        Assert.Contains("already exists", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task AddField_Returns201_AndTheFieldTakesValues()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();

        var field = await ReadAsync(await _api.PostAsync($"/api/tables/{id}/fields", Json("""{"name":"Tags","type":"multiSelect","options":{"choices":["hot","vip"]}}""")), HttpStatusCode.Created);

        Assert.StartsWith("fld_", field["id"]!.GetValue<string>());
        Assert.Equal("multiSelect", field["type"]!.GetValue<string>());
        Assert.False(field["required"]!.GetValue<bool>());
        var read = await ReadAsync(await _api.GetAsync($"/api/tables/{id}"), HttpStatusCode.OK);
        Assert.Equal("Tags", read["fields"]!.AsArray().Last()!["name"]!.GetValue<string>());
        var record = await CreateRecordAsync(id, """{"Deal":"x","Tags":["VIP"]}""");
        Assert.Equal("""["vip"]""", record["values"]!["Tags"]!.ToJsonString());
    }

    [Fact]
    public async Task AddField_BadType_Is400_AndAddsNothing()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();

        var problem = await ProblemAsync(await _api.PostAsync($"/api/tables/{id}/fields", Json("""{"name":"Colour","type":"colour"}""")), HttpStatusCode.BadRequest);

        Assert.Contains("'colour' is not a field type", problem["detail"]!.GetValue<string>());
        var read = await ReadAsync(await _api.GetAsync($"/api/tables/{id}"), HttpStatusCode.OK);
        Assert.DoesNotContain(read["fields"]!.AsArray(), f => f!["name"]!.GetValue<string>() == "Colour");
    }

    [Fact]
    public async Task AddField_DuplicateName_Is400()
    {
        var table = await CreateTableAsync();

        var problem = await ProblemAsync(await _api.PostAsync($"/api/tables/{table["id"]}/fields", Json("""{"name":"value","type":"text"}""")), HttpStatusCode.BadRequest);

        Assert.Contains("already has a field named 'value'", problem["detail"]!.GetValue<string>());
        Assert.NotNull(problem["errors"]?["name"]);
    }

    [Theory]
    [InlineData("GET", "/api/tables/tbl_missing", null)]
    [InlineData("POST", "/api/tables/tbl_missing/fields", """{"name":"A","type":"text"}""")]
    [InlineData("GET", "/api/tables/tbl_missing/records", null)]
    [InlineData("GET", "/api/tables/tbl_missing/records/rec_missing", null)]
    [InlineData("POST", "/api/tables/tbl_missing/records", """{"values":{"Deal":"x"}}""")]
    [InlineData("PATCH", "/api/tables/tbl_missing/records/rec_missing", """{"values":{"Deal":"x"}}""")]
    [InlineData("DELETE", "/api/tables/tbl_missing/records/rec_missing", null)]
    [InlineData("POST", "/api/tables/tbl_missing/records/bulk", """{"records":[{"values":{"Deal":"x"}}]}""")]
    public async Task UnknownTable_Is404Problem(string method, string path, string? body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : Json(body) };

        var problem = await ProblemAsync(await _api.SendAsync(request), HttpStatusCode.NotFound);

        Assert.Contains("tbl_missing", problem["detail"]!.GetValue<string>());
    }

    // records

    [Fact]
    public async Task Record_CreateGetPatchDelete_RoundTrip()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        var adminId = await factory.AdminIdAsync();

        var response = await _api.PostAsync($"/api/tables/{id}/records", Json("""{"values":{"Deal":"Acme","Value":"1200","Stage":"lead","Close":"2026-11-22"}}"""));
        var created = await ReadAsync(response, HttpStatusCode.Created);
        var recordId = created["id"]!.GetValue<string>();
        Assert.StartsWith("rec_", recordId);
        Assert.Equal($"/api/tables/{id}/records/{recordId}", response.Headers.Location?.OriginalString);
        Assert.Equal("""{"Deal":"Acme","Value":1200,"Stage":"Lead","Close":"2026-11-22"}""", created["values"]!.ToJsonString());
        Assert.Equal(adminId, created["createdBy"]!["id"]!.GetValue<string>());
        Assert.Equal(UndbFactory.AdminEmail, created["createdBy"]!["username"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", created["createdAt"]!.GetValue<string>());

        var read = await ReadAsync(await _api.GetAsync($"/api/tables/{id}/records/{recordId}"), HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(created, read), read.ToJsonString());

        factory.Time.Advance(TimeSpan.FromSeconds(3));
        var patched = await ReadAsync(await _api.PatchAsync($"/api/tables/{id}/records/{recordId}", Json("""{"values":{"Stage":"Won","Won":true,"Close":null}}""")), HttpStatusCode.OK);
        Assert.Equal("""{"Deal":"Acme","Value":1200,"Stage":"Won","Won":true}""", patched["values"]!.ToJsonString());
        Assert.Equal(created["createdAt"]!.GetValue<string>(), patched["createdAt"]!.GetValue<string>());
        Assert.NotEqual(created["updatedAt"]!.GetValue<string>(), patched["updatedAt"]!.GetValue<string>());

        var deleted = await _api.DeleteAsync($"/api/tables/{id}/records/{recordId}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await ProblemAsync(await _api.GetAsync($"/api/tables/{id}/records/{recordId}"), HttpStatusCode.NotFound);
        await ProblemAsync(await _api.DeleteAsync($"/api/tables/{id}/records/{recordId}"), HttpStatusCode.NotFound);
        Assert.Equal(0, await CountAsync(id));
    }

    [Fact]
    public async Task Record_UnknownRecord_Is404()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();

        var get = await ProblemAsync(await _api.GetAsync($"/api/tables/{id}/records/rec_missing"), HttpStatusCode.NotFound);
        var patch = await ProblemAsync(await _api.PatchAsync($"/api/tables/{id}/records/rec_missing", Json("""{"values":{"Deal":"x"}}""")), HttpStatusCode.NotFound);

        Assert.Contains("rec_missing", get["detail"]!.GetValue<string>());
        Assert.Contains("rec_missing", patch["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Record_WrongTypedValue_Is422NamingTheField_AndWritesNothing()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();

        var problem = await ProblemAsync(await _api.PostAsync($"/api/tables/{id}/records", Json("""{"values":{"Deal":"Acme","Value":"lots"}}""")), HttpStatusCode.UnprocessableEntity);

        Assert.Equal("expects a number, got \"lots\"", Assert.Single(problem["errors"]!["Value"]!.AsArray())!.GetValue<string>());
        Assert.Contains("nothing was written", problem["title"]!.GetValue<string>());
        Assert.Equal(0, await CountAsync(id));
    }

    [Fact]
    public async Task Record_MissingRequiredOrUnknownField_Is422()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();

        var problem = await ProblemAsync(await _api.PostAsync($"/api/tables/{id}/records", Json("""{"values":{"Colour":"red"}}""")), HttpStatusCode.UnprocessableEntity);

        Assert.Equal("""["is required"]""", problem["errors"]!["Deal"]!.ToJsonString());
        Assert.Contains("is not a field", problem["errors"]!["Colour"]![0]!.GetValue<string>());
        Assert.Equal(0, await CountAsync(id));
    }

    [Fact]
    public async Task Patch_WrongTypedValue_Is422_AndLeavesTheRecordAsItWas()
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();
        var record = await CreateRecordAsync(id, """{"Deal":"Acme","Stage":"Lead"}""");
        var recordId = record["id"]!.GetValue<string>();

        var problem = await ProblemAsync(await _api.PatchAsync($"/api/tables/{id}/records/{recordId}", Json("""{"values":{"Deal":"Renamed","Stage":"Nope"}}""")), HttpStatusCode.UnprocessableEntity);

        Assert.NotNull(problem["errors"]!["Stage"]);
        var read = await ReadAsync(await _api.GetAsync($"/api/tables/{id}/records/{recordId}"), HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(record, read), read.ToJsonString());
    }

    [Theory]
    [InlineData("POST", "/records", "{\"values\":{\"Deal\":\"Acme\"")]
    [InlineData("POST", "/records", "not json")]
    [InlineData("POST", "/records", "{\"values\":[1,2]}")]
    [InlineData("PATCH", "/records/rec_x", "{\"values\":")]
    [InlineData("POST", "/records/bulk", "{\"records\":{}}")]
    [InlineData("POST", "/fields", "{\"name\":1")]
    public async Task MalformedJson_Is400ProblemJson_AndWritesNothing(string method, string suffix, string body)
    {
        var table = await CreateTableAsync();
        var id = table["id"]!.GetValue<string>();

        var response = await _api.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/tables/{id}{suffix}") { Content = Json(body) });

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()));
        Assert.Equal(0, await CountAsync(id));
    }

    // the issue's acceptance script

    [Fact]
    public async Task Acceptance_TableWithFiveTypedFields_RecordsCrud_BulkFifty_Paging_422_401()
    {
        // Create a table with five typed fields.
        var table = await ReadAsync(await _api.PostAsync("/api/tables", Json($$$"""
            {"name":"Acceptance {{{Guid.NewGuid():N}}}","fields":[
              {"name":"Deal","type":"text","required":true},
              {"name":"Value","type":"number"},
              {"name":"Stage","type":"singleSelect","options":{"choices":["Lead","Won"]}},
              {"name":"Won","type":"checkbox"},
              {"name":"Close","type":"date"}]}
            """)), HttpStatusCode.Created);
        var id = table["id"]!.GetValue<string>();
        Assert.Equal(["text", "number", "singleSelect", "checkbox", "date"], table["fields"]!.AsArray().Select(f => f!["type"]!.GetValue<string>()));

        // Create, patch and delete records.
        var record = await CreateRecordAsync(id, """{"Deal":"Acme","Value":1200,"Stage":"Lead","Won":false,"Close":"2026-12-01"}""");
        var recordId = record["id"]!.GetValue<string>();
        var patched = await ReadAsync(await _api.PatchAsync($"/api/tables/{id}/records/{recordId}", Json("""{"values":{"Stage":"Won","Won":"true"}}""")), HttpStatusCode.OK);
        Assert.Equal("""{"Deal":"Acme","Value":1200,"Stage":"Won","Won":true,"Close":"2026-12-01"}""", patched["values"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.NoContent, (await _api.DeleteAsync($"/api/tables/{id}/records/{recordId}")).StatusCode);
        Assert.Equal(0, (await ListAsync(id))["total"]!.GetValue<int>());

        // Bulk-create 50 and page through them with the right total.
        await BulkCreateAsync(id, 50);
        var ids = new List<string>();
        for (var offset = 0; ; offset += 15)
        {
            var page = await ListAsync(id, $"?offset={offset}&limit=15&sort=Value");
            Assert.Equal(50, page["total"]!.GetValue<int>());
            var records = page["records"]!.AsArray();
            if (records.Count == 0)
            {
                break;
            }
            ids.AddRange(records.Select(r => r!["id"]!.GetValue<string>()));
        }
        Assert.Equal(50, ids.Distinct().Count());

        // A wrong-typed value gets 422 with nothing written.
        var problem = await ProblemAsync(await _api.PostAsync($"/api/tables/{id}/records", Json("""{"values":{"Deal":"Bad","Value":"twelve hundred"}}""")), HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem["errors"]!["Value"]);
        Assert.Equal(50, (await ListAsync(id, "?limit=1"))["total"]!.GetValue<int>());

        // No token gets 401.
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateAnonymousClient().GetAsync($"/api/tables/{id}/records")).StatusCode);
    }
}
